/*
 * executor.h - run a plan: up to `jobs` VMs at once, each run with its
 * own directory, QMP socket, libvirt domain and backing images (all from
 * its RunSpec).  The callbacks are called on the caller's thread only,
 * in the order things happen, so a reporter needs no locking.
 */
#ifndef PIT_EXECUTOR_H
#define PIT_EXECUTOR_H

#include "backend.h"
#include "plan.h"
#include "run-spec.h"
#include "run.h"

#include <glib.h>
#include <stdbool.h>

typedef struct ExecEnv {
    GPtrArray *kernels;   /* Kernel*, as in the plan */
    GPtrArray *scenarios; /* Scenario*, as in the plan */
    /* images[kernel * (SCN_IMAGE_FULL + 1) + variant]: built initramfs;
     * with --image every entry is that file */
    char **images;
    RunInputs base; /* accel, qemu, backend, libvirt_uri, boot_slack_s */
    const Backend *backend;
    unsigned jobs;   /* VMs at once, >= 1 */
    bool until_fail; /* stop a (kernel, scenario) at its first non-PASS */
} ExecEnv;

/* Which run a callback is about (strings live as long as the plan). */
typedef struct ExecRun {
    const char *kernel_label;
    const char *scenario;
    unsigned repeat;
    const char *dir;
} ExecRun;

typedef struct ExecCallbacks {
    /* a run is about to be staged and started; `running` counts it */
    void (*started)(const ExecRun *run, unsigned running, unsigned done,
                    unsigned total, void *data);
    /* a run has its verdict (verdict.json is written) */
    void (*finished)(const RunRecord *r, unsigned running, unsigned done,
                     unsigned total, void *data);
    void *data;
} ExecCallbacks;

/* The index of an image in ExecEnv.images. */
unsigned executor_image_index(unsigned kernel, ScnImage variant);

/*
 * Run `plan`; returns the records of the runs that ran, in plan order.
 * Stops starting runs on Ctrl-C (procs_interrupted()); runs already
 * going end as interrupted.
 */
GPtrArray *executor_run(const Plan *plan, const ExecEnv *env,
                        const ExecCallbacks *cb);

#endif
