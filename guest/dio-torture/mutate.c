/*
 * mutate.c - change write buffers while the kernel owns them
 *
 * A slot is "armed" from just before its submit call until the worker has
 * reaped its completion.  The worker's mutator thread rewrites armed
 * buffers with the next generation of the same write (continuous,
 * partial) or once after a delay (once-after).  page-reuse needs no
 * thread: the worker itself overwrites the buffer after submit returns.
 *
 * Stopping uses a Dekker handshake (armed/busy, both seq_cst) so that once
 * dt_slot_disarm() returns the mutator is not inside that buffer and the
 * generation it reports is the last content the buffer held.
 */
#include "dio-torture.h"

#include <sched.h>

void dt_slot_arm(struct dt_worker *w, struct dt_slot *s)
{
    atomic_store_explicit(&s->k, 0, memory_order_relaxed);
    atomic_store_explicit(&s->t_mut_ns, 0, memory_order_relaxed);
    atomic_store_explicit(&s->t_submitted_ns, 0, memory_order_relaxed);
    atomic_store_explicit(&s->t_submit_ns, dt_now_ns(), memory_order_relaxed);
    if (w->mthr_started) {
        atomic_store(&s->armed, 1);
    }
}

uint32_t dt_slot_disarm(struct dt_slot *s)
{
    atomic_store(&s->armed, 0);
    while (atomic_load(&s->busy)) {
        dt_cpu_relax();
    }
    return atomic_load(&s->k);
}

static void rewrite(struct dt_worker *w, struct dt_slot *s, uint32_t k)
{
    const struct dt_region *r = &w->run->region;
    struct dt_block_id id;

    dt_block_id_of(w->run, s->blk, &id);
    dt_fill_region(s->buf, &id, dt_gen(s->seq, k), r->from, r->len);
    if (k == 1) {
        atomic_store_explicit(&s->t_mut_ns, dt_now_ns(),
                              memory_order_relaxed);
    }
    atomic_store_explicit(&s->k, k, memory_order_relaxed);
    atomic_fetch_add_explicit(&w->run->live_mutations, 1, memory_order_relaxed);
}

/* Returns the number of rewrites done (0 or 1). */
static uint64_t mutate_slot(struct dt_worker *w, struct dt_slot *s)
{
    const struct dt_config *cfg = w->run->cfg;
    uint32_t k = atomic_load_explicit(&s->k, memory_order_relaxed);
    uint64_t t0;

    switch (cfg->mutate) {
    case DT_MUT_CONTINUOUS:
    case DT_MUT_PARTIAL:
        if (k >= DT_K_MAX) {
            return 0; /* out of generation numbers for this write */
        }
        rewrite(w, s, k + 1);
        return 1;
    case DT_MUT_ONCE_AFTER:
        /* From the submit call, or (from=return) from its return. */
        t0 = atomic_load_explicit(cfg->once_after_return ? &s->t_submitted_ns
                                                         : &s->t_submit_ns,
                                  memory_order_acquire);
        if (k == 0 && t0 != 0 &&
            dt_now_ns() - t0 >= cfg->once_after_us * 1000) {
            rewrite(w, s, 1);
            return 1;
        }
        return 0;
    default:
        return 0;
    }
}

void *dt_mutator_main(void *arg)
{
    struct dt_worker *w = arg;
    uint64_t done = 0;
    unsigned idle = 0;

    atomic_store(&w->mut_ready, 1);
    while (!atomic_load_explicit(&w->mut_stop, memory_order_relaxed)) {
        bool any = false;

        for (unsigned i = 0; i < w->depth; i++) {
            struct dt_slot *s = &w->slots[i];

            if (!atomic_load_explicit(&s->armed, memory_order_relaxed)) {
                continue;
            }
            atomic_store(&s->busy, 1);
            if (atomic_load(&s->armed)) {
                any = true;
                done += mutate_slot(w, s);
            }
            atomic_store(&s->busy, 0);
        }
        /* Busy-wait keeps once-after precise; yield now and then so a
         * worker sharing the CPU can reap and resubmit. */
        if (!any && ++idle >= 256) {
            idle = 0;
            sched_yield();
        } else if (!any) {
            dt_cpu_relax();
        }
    }
    w->mutations += done;
    return NULL;
}

void dt_page_reuse(struct dt_worker *w, struct dt_slot *s)
{
    rewrite(w, s, 1);
    w->mutations++;
}
