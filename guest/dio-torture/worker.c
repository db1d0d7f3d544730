/*
 * worker.c - the write phase: partition blocks, run workers and mutators
 *
 * Each worker owns blocks [blk_lo, blk_hi) so a block is never written by
 * two threads, and never has two writes in flight (blockrec.inflight): the
 * content of every block is then explained by exactly one write.
 */
#include "dio-torture.h"
#include "journal.h"

#include <errno.h>
#include <sched.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void dt_record_error(struct dt_errcount *ec, int err)
{
    ec->total++;
    if (err >= 0 && err < DT_ERRNO_MAX) {
        ec->by_errno[err]++;
    }
}

static bool mutator_needed(const struct dt_config *cfg)
{
    return cfg->mutate == DT_MUT_CONTINUOUS ||
           cfg->mutate == DT_MUT_ONCE_AFTER || cfg->mutate == DT_MUT_PARTIAL;
}

static bool claim_write(struct dt_run *run)
{
    if (atomic_load_explicit(&dt_stop_requested, memory_order_relaxed) ||
        atomic_load_explicit(&run->abort, memory_order_relaxed)) {
        return false;
    }
    if (run->deadline_ns && dt_now_ns() >= run->deadline_ns) {
        return false;
    }
    if (run->count_limit) {
        return atomic_fetch_add(&run->issued, 1) < run->count_limit;
    }
    atomic_fetch_add(&run->issued, 1);
    return true;
}

static uint64_t pick_block(struct dt_worker *w)
{
    struct dt_blockrec *recs = w->run->recs;
    uint64_t len = w->blk_hi - w->blk_lo, b;

    if (w->run->cfg->pattern == DT_PAT_RAND) {
        b = w->blk_lo + dt_rng_next(&w->rng) % len;
    } else {
        b = w->cursor;
    }
    /* depth <= len, so a free block exists within len steps */
    while (recs[b].inflight) {
        b = b + 1 == w->blk_hi ? w->blk_lo : b + 1;
    }
    w->cursor = b + 1 == w->blk_hi ? w->blk_lo : b + 1;
    return b;
}

/*
 * --await-mutation: the slot stays armed until the mutator has rewritten
 * it once.  The mutator thread may not have run at all while the write
 * was in flight (a loaded machine, a fast target); waiting here makes
 * "this write was mutated" a fact rather than a likelihood.
 */
static void await_mutation(struct dt_slot *s)
{
    while (atomic_load(&s->k) == 0) {
        sched_yield();
    }
}

static void complete(struct dt_worker *w, struct dt_slot *s)
{
    struct dt_blockrec *r = &w->run->recs[s->blk];
    uint32_t bs = w->run->cfg->bs;
    uint32_t k;
    uint64_t now;

    if (w->run->cfg->await_mutation) {
        await_mutation(s);
    }
    k = dt_slot_disarm(s);
    now = dt_now_ns();

    if (w->run->pw) {
        if (s->seq - 1 < w->run->npw) {
            struct dt_pwrec *p = &w->run->pw[s->seq - 1];
            uint64_t t0 = atomic_load_explicit(&s->t_submit_ns,
                                               memory_order_relaxed);
            uint64_t tm = atomic_load_explicit(&s->t_mut_ns,
                                               memory_order_relaxed);

            p->offset = w->run->cfg->offset + s->blk * bs;
            p->k = k;
            p->err = s->res == (long)bs ? 0 : s->res < 0 ? (int)-s->res : -1;
            p->sub_ns = atomic_load_explicit(&s->t_submitted_ns,
                                             memory_order_relaxed) - t0;
            p->mut_ns = tm ? tm - t0 : 0;
            p->lat_ns = now - t0;
            p->used = true;
        } else {
            atomic_fetch_add_explicit(&w->run->pw_dropped_live, 1,
                                      memory_order_relaxed);
        }
    }
    if (w->run->journal) {
        int jrc = dt_journal_done(w->run->journal, s->seq, s->blk, k);

        if (jrc < 0 && !w->err) {
            w->err = jrc;
            w->err_what = "journal";
            atomic_store(&w->run->abort, 1);
        }
    }
    r->seq = s->seq;
    r->klast = k;
    r->inflight = 0;
    w->writes++;
    if (k) {
        w->mutated_writes++;
    } else if (w->run->cfg->mutate != DT_MUT_NONE) {
        w->unmutated++;
    }
    if (s->res == (long)bs) {
        r->status = DT_W_OK;
        r->err = 0;
    } else {
        int e = s->res < 0 ? (int)-s->res : 0;

        r->status = DT_W_ERR;
        r->err = (uint16_t)e;
        dt_record_error(&w->werr, e);
        atomic_fetch_add_explicit(&w->run->live_errors, 1,
                                  memory_order_relaxed);
    }
    atomic_fetch_add_explicit(&w->run->live_writes, 1, memory_order_relaxed);
}

static void fail(struct dt_worker *w, int err, const char *what)
{
    w->err = err;
    w->err_what = what;
    atomic_store(&w->run->abort, 1);
}

static void *worker_main(void *arg)
{
    struct dt_worker *w = arg;
    struct dt_run *run = w->run;
    const struct dt_config *cfg = run->cfg;
    struct dt_slot **free_slots = calloc(w->depth, sizeof(*free_slots));
    struct dt_slot **done = calloc(w->depth, sizeof(*done));
    unsigned nfree = w->depth;
    bool stopping = false;

    if (!free_slots || !done) {
        fail(w, -ENOMEM, "calloc");
        goto out;
    }
    for (unsigned i = 0; i < w->depth; i++) {
        free_slots[i] = &w->slots[i];
    }
    /* A once-after time counts from submission: the mutator must already
     * be watching when the first write goes out, not still starting. */
    while (w->mthr_started && !atomic_load(&w->mut_ready) &&
           !atomic_load(&run->abort)) {
        sched_yield();
    }
    for (;;) {
        while (!stopping && w->inflight < w->depth) {
            struct dt_slot *s;
            struct dt_block_id id;
            int rc;

            if (!claim_write(run)) {
                stopping = true;
                break;
            }
            s = free_slots[--nfree];
            s->blk = pick_block(w);
            s->seq = atomic_fetch_add(&run->next_seq, 1);
            dt_block_id_of(run, s->blk, &id);
            dt_fill(s->buf, &id, dt_gen(s->seq, 0));
            run->recs[s->blk].inflight = 1;

            /* Journaled (durably) before it can reach the media. */
            if (run->journal) {
                rc = dt_journal_submit(run->journal, s->seq, s->blk);
                if (rc < 0) {
                    run->recs[s->blk].inflight = 0;
                    free_slots[nfree++] = s;
                    fail(w, rc, "journal");
                    stopping = true;
                    break;
                }
            }
            dt_slot_arm(w, s);
            rc = w->eng->submit(w, s);
            atomic_store_explicit(&s->t_submitted_ns, dt_now_ns(),
                                  memory_order_release);
            if (rc < 0) {
                dt_slot_disarm(s);
                run->recs[s->blk].inflight = 0;
                free_slots[nfree++] = s;
                fail(w, rc, "submit");
                stopping = true;
                break;
            }
            if (cfg->mutate == DT_MUT_PAGE_REUSE) {
                dt_page_reuse(w, s);
            }
            w->inflight++;
            if (!w->eng->async) {
                break;
            }
        }
        if (w->inflight == 0) {
            break;
        }
        int n = w->eng->reap(w, done, (int)w->depth);

        if (n < 0) {
            /* Buffers still belong to the kernel: leak them, stop. */
            fail(w, n, "reap");
            break;
        }
        for (int i = 0; i < n; i++) {
            complete(w, done[i]);
            free_slots[nfree++] = done[i];
            w->inflight--;
        }
    }
out:
    free(free_slots);
    free(done);
    atomic_fetch_sub(&run->running, 1);
    return NULL;
}

static int setup_worker(struct dt_run *run, struct dt_worker *w, unsigned id,
                        uint64_t lo, uint64_t hi)
{
    const struct dt_config *cfg = run->cfg;
    static const struct dt_engine *const engines[] = {
        [DT_ENGINE_PSYNC] = &dt_engine_psync,
        [DT_ENGINE_LIBAIO] = &dt_engine_libaio,
        [DT_ENGINE_URING] = &dt_engine_uring,
    };
    int rc;

    w->id = id;
    w->run = run;
    w->eng = engines[cfg->engine];
    w->blk_lo = lo;
    w->blk_hi = hi;
    w->cursor = lo;
    w->rng = cfg->seed ^ ((uint64_t)id << 32) ^ 0xd1b54a32d192ed03ULL;
    w->depth = cfg->iodepth;
    if (w->depth > hi - lo) {
        w->depth = (unsigned)(hi - lo);
    }
    w->slots = calloc(w->depth, sizeof(*w->slots));
    if (!w->slots) {
        return -ENOMEM;
    }
    for (unsigned i = 0; i < w->depth; i++) {
        rc = posix_memalign(&w->slots[i].buf, run->tg.mem_align, cfg->bs);
        if (rc) {
            w->slots[i].buf = NULL;
            return -rc;
        }
        memset(w->slots[i].buf, 0, cfg->bs);
    }
    return w->eng->setup(w);
}

static void progress(struct dt_run *run)
{
    uint64_t now = dt_now_ns();

    dt_log(run->cfg, 2,
           "%.1fs: %" PRIu64 " writes, %" PRIu64 " errors, %" PRIu64
           " mutations",
           (double)(now - run->t_start_ns) / 1e9,
           (uint64_t)atomic_load(&run->live_writes),
           (uint64_t)atomic_load(&run->live_errors),
           (uint64_t)atomic_load(&run->live_mutations));
}

static void set_fatal(struct dt_run *run, int err, const char *what)
{
    if (!run->fatal) {
        run->fatal = err ? err : -EIO;
        snprintf(run->fatal_msg, sizeof(run->fatal_msg), "%s: %s", what,
                 strerror(-run->fatal));
    }
}

int dt_run_writes(struct dt_run *run)
{
    const struct dt_config *cfg = run->cfg;
    uint64_t per = run->tg.nblocks / cfg->threads;
    uint64_t rem = run->tg.nblocks % cfg->threads, lo = 0;
    unsigned started = 0;
    char what[96];
    int rc;

    run->recs = calloc(run->tg.nblocks, sizeof(*run->recs));
    run->workers = calloc(cfg->threads, sizeof(*run->workers));
    if (!run->recs || !run->workers) {
        set_fatal(run, -ENOMEM, "allocating block records");
        return DT_EXIT_RUNTIME;
    }
    atomic_store(&run->next_seq, 1);
    if (cfg->per_write) {
        run->npw = run->count_limit && run->count_limit < DT_PER_WRITE_MAX
                       ? run->count_limit
                       : DT_PER_WRITE_MAX;
        run->pw = calloc(run->npw, sizeof(*run->pw));
        if (!run->pw) {
            set_fatal(run, -ENOMEM, "allocating per-write records");
            return DT_EXIT_RUNTIME;
        }
    }
    for (unsigned i = 0; i < cfg->threads; i++) {
        uint64_t hi = lo + per + (i < rem ? 1 : 0);

        rc = setup_worker(run, &run->workers[i], i, lo, hi);
        if (rc < 0) {
            snprintf(what, sizeof(what), "setting up %s for thread %u",
                     dt_engine_name(cfg->engine), i);
            set_fatal(run, rc, what);
            if (cfg->engine == DT_ENGINE_URING && rc == -EPERM) {
                strncat(run->fatal_msg,
                        " (io_uring disabled? see sysctl "
                        "kernel.io_uring_disabled)",
                        sizeof(run->fatal_msg) - strlen(run->fatal_msg) - 1);
            }
            return DT_EXIT_RUNTIME;
        }
        if (run->workers[i].depth < cfg->iodepth) {
            dt_log(cfg, 1,
                   "thread %u: --iodepth lowered to %u, its block count", i,
                   run->workers[i].depth);
        }
        lo = hi;
    }

    run->t_start_ns = dt_now_ns();
    if (cfg->duration > 0) {
        run->deadline_ns = run->t_start_ns + (uint64_t)(cfg->duration * 1e9);
    }
    for (unsigned i = 0; i < cfg->threads; i++) {
        struct dt_worker *w = &run->workers[i];

        if (mutator_needed(cfg)) {
            rc = pthread_create(&w->mthr, NULL, dt_mutator_main, w);
            if (rc) {
                set_fatal(run, -rc, "starting a mutator thread");
                atomic_store(&run->abort, 1);
                break;
            }
            w->mthr_started = true;
        }
        atomic_fetch_add(&run->running, 1);
        rc = pthread_create(&w->thr, NULL, worker_main, w);
        if (rc) {
            atomic_fetch_sub(&run->running, 1);
            set_fatal(run, -rc, "starting a worker thread");
            atomic_store(&run->abort, 1);
            break;
        }
        started++;
    }

    for (unsigned tick = 0; atomic_load(&run->running) > 0; tick++) {
        struct timespec ts = { 0, 50 * 1000 * 1000 };

        nanosleep(&ts, NULL);
        if (tick % 20 == 19) {
            progress(run);
        }
    }
    for (unsigned i = 0; i < cfg->threads; i++) {
        struct dt_worker *w = &run->workers[i];

        if (i < started) {
            pthread_join(w->thr, NULL);
        }
        if (w->mthr_started) {
            atomic_store(&w->mut_stop, 1);
            pthread_join(w->mthr, NULL);
        }
        if (w->err) {
            snprintf(what, sizeof(what), "thread %u: %s %s", i,
                     dt_engine_name(cfg->engine), w->err_what);
            set_fatal(run, w->err, what);
        }
        run->writes += w->writes;
        run->mutations += w->mutations;
        run->mutated_writes += w->mutated_writes;
        run->unmutated_inflight += w->unmutated;
        run->werr.total += w->werr.total;
        for (int e = 0; e < DT_ERRNO_MAX; e++) {
            run->werr.by_errno[e] += w->werr.by_errno[e];
        }
        if (w->inflight == 0 && w->eng_priv) {
            w->eng->teardown(w);
        }
    }
    run->pw_dropped = atomic_load(&run->pw_dropped_live);
    run->write_elapsed = (double)(dt_now_ns() - run->t_start_ns) / 1e9;
    return run->fatal ? DT_EXIT_RUNTIME : 0;
}
