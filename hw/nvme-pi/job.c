/*
 * nvme-pi: long commands in bounded steps.
 *
 * This file owns how commands that may touch the whole namespace --
 * Format NVM, Write Zeroes, Dataset Management, Verify, Compare -- share
 * QEMU's main loop.  None of them runs in one go: each is a job whose
 * step does a bounded amount of block I/O (NVME_PI_STEP_* in nvme-pi.h),
 * and one run of the controller's job timer does at most
 * NVME_PI_JOB_STEPS steps, round robin over the jobs, then re-arms the
 * timer NVME_PI_JOB_PACE_NS later on the hook clock (dma-clock).  So a
 * guest that fills a queue with such commands holds the main loop for a
 * few steps at a time, and every other queue, device and timer gets its
 * turn in between.
 *
 * The pace is on the hook clock so that qtests on virtual time see the
 * jobs advance only when they step the clock: whether another queue
 * progresses while a queue of long commands is pending is then decided
 * by the test, never by how fast the machine is.
 *
 * A job's command may be aborted (its SQ deleted, a controller reset)
 * between two steps; the job sees req->aborted at its next step and ends
 * there, so nothing but the job itself ever frees it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "nvme-pi.h"
#include "trace.h"

static void nvme_pi_jobs_arm(NvmePiCtrl *n)
{
    if (!QTAILQ_EMPTY(&n->jobs) && !timer_pending(n->job_timer)) {
        timer_mod_ns(n->job_timer,
                     qemu_clock_get_ns(n->hook_clock) + NVME_PI_JOB_PACE_NS);
    }
}

/* Run up to budget steps, round robin; false when no job is left. */
static bool nvme_pi_jobs_step(NvmePiCtrl *n, unsigned budget)
{
    while (budget-- && !QTAILQ_EMPTY(&n->jobs)) {
        NvmePiJob *job = QTAILQ_FIRST(&n->jobs);

        QTAILQ_REMOVE(&n->jobs, job, next);
        /* A finished job may free itself: touch it only while it runs. */
        if (job->step(job)) {
            QTAILQ_INSERT_TAIL(&n->jobs, job, next);
        }
    }
    return !QTAILQ_EMPTY(&n->jobs);
}

static void nvme_pi_jobs_timer_cb(void *opaque)
{
    NvmePiCtrl *n = opaque;

    trace_nvme_pi_jobs_run(NVME_PI_JOB_STEPS);
    nvme_pi_jobs_step(n, NVME_PI_JOB_STEPS);
    nvme_pi_jobs_arm(n);
}

void nvme_pi_job_start(NvmePiCtrl *n, NvmePiJob *job)
{
    QTAILQ_INSERT_TAIL(&n->jobs, job, next);
    nvme_pi_jobs_arm(n);
}

void nvme_pi_jobs_init(NvmePiCtrl *n)
{
    QTAILQ_INIT(&n->jobs);
    n->job_timer = timer_new_ns(n->hook_clock, nvme_pi_jobs_timer_cb, n);
}

/*
 * The device goes away: every command was aborted, so each job ends at
 * its next step (a Format writes its header first); run them out now.
 */
void nvme_pi_jobs_exit(NvmePiCtrl *n)
{
    if (!n->job_timer) {
        return;
    }
    while (nvme_pi_jobs_step(n, UINT_MAX)) {
        continue;
    }
    timer_free(n->job_timer);
    n->job_timer = NULL;
}
