/*
 * engine-uring.c - io_uring through liburing (linked statically)
 *
 * One SQE per submit call so page-reuse can act right after it.  If the
 * kernel punts the write to an io-wq worker, the submit call returns
 * before the bio exists: that is real io_uring behaviour, not a bug here.
 */
#include "dio-torture.h"

#include <errno.h>
#include <liburing.h>
#include <stdlib.h>

static int uring_setup(struct dt_worker *w)
{
    struct io_uring *ring = calloc(1, sizeof(*ring));
    int rc;

    if (!ring) {
        return -ENOMEM;
    }
    rc = io_uring_queue_init(w->depth, ring, 0);
    if (rc < 0) {
        free(ring);
        return rc;
    }
    w->eng_priv = ring;
    return 0;
}

static int uring_submit(struct dt_worker *w, struct dt_slot *s)
{
    struct io_uring *ring = w->eng_priv;
    const struct dt_config *cfg = w->run->cfg;
    struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
    int rc;

    if (!sqe) {
        return -EBUSY;
    }
    io_uring_prep_write(sqe, w->run->tg.fd, s->buf, cfg->bs,
                        cfg->offset + s->blk * cfg->bs);
    io_uring_sqe_set_data(sqe, s);
    do {
        rc = io_uring_submit(ring);
    } while (rc == -EINTR || rc == -EAGAIN);
    return rc == 1 ? 0 : (rc < 0 ? rc : -EIO);
}

static int uring_reap(struct dt_worker *w, struct dt_slot **done, int max)
{
    struct io_uring *ring = w->eng_priv;
    struct io_uring_cqe *cqe;
    int rc, n = 0;

    do {
        rc = io_uring_wait_cqe(ring, &cqe);
    } while (rc == -EINTR);
    if (rc < 0) {
        return rc;
    }
    while (n < max && io_uring_peek_cqe(ring, &cqe) == 0) {
        struct dt_slot *s = io_uring_cqe_get_data(cqe);

        s->res = cqe->res;
        io_uring_cqe_seen(ring, cqe);
        done[n++] = s;
    }
    return n;
}

static void uring_teardown(struct dt_worker *w)
{
    if (w->eng_priv) {
        io_uring_queue_exit(w->eng_priv);
        free(w->eng_priv);
        w->eng_priv = NULL;
    }
}

const struct dt_engine dt_engine_uring = {
    .name = "io_uring",
    .async = true,
    .setup = uring_setup,
    .submit = uring_submit,
    .reap = uring_reap,
    .teardown = uring_teardown,
};
