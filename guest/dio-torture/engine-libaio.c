/*
 * engine-libaio.c - Linux native AIO through libaio (linked statically)
 *
 * io_submit() returns once the bios are issued, which is the moment
 * page-reuse overwrites the buffer.
 */
#include "dio-torture.h"

#include <errno.h>
#include <libaio.h>
#include <stdlib.h>

struct aio_priv {
    io_context_t ctx;
    struct iocb *iocbs;
    struct io_event *events;
};

static void aio_teardown(struct dt_worker *w)
{
    struct aio_priv *p = w->eng_priv;

    if (!p) {
        return;
    }
    if (p->ctx) {
        io_destroy(p->ctx);
    }
    free(p->iocbs);
    free(p->events);
    free(p);
    w->eng_priv = NULL;
}

static int aio_setup(struct dt_worker *w)
{
    struct aio_priv *p = calloc(1, sizeof(*p));
    int rc;

    if (!p) {
        return -ENOMEM;
    }
    w->eng_priv = p;
    p->iocbs = calloc(w->depth, sizeof(*p->iocbs));
    p->events = calloc(w->depth, sizeof(*p->events));
    if (!p->iocbs || !p->events) {
        aio_teardown(w);
        return -ENOMEM;
    }
    rc = io_setup((int)w->depth, &p->ctx);
    if (rc < 0) {
        p->ctx = 0;
        aio_teardown(w);
        return rc;
    }
    for (unsigned i = 0; i < w->depth; i++) {
        w->slots[i].priv = &p->iocbs[i];
    }
    return 0;
}

static int aio_submit(struct dt_worker *w, struct dt_slot *s)
{
    struct aio_priv *p = w->eng_priv;
    const struct dt_config *cfg = w->run->cfg;
    struct iocb *cb = s->priv;
    int rc;

    io_prep_pwrite(cb, w->run->tg.fd, s->buf, cfg->bs,
                   (long long)(cfg->offset + s->blk * cfg->bs));
    cb->data = s;
    do {
        rc = io_submit(p->ctx, 1, &cb);
    } while (rc == -EINTR || rc == -EAGAIN);
    return rc == 1 ? 0 : (rc < 0 ? rc : -EIO);
}

static int aio_reap(struct dt_worker *w, struct dt_slot **done, int max)
{
    struct aio_priv *p = w->eng_priv;
    int n;

    if (max > (int)w->depth) {
        max = (int)w->depth;
    }
    do {
        n = io_getevents(p->ctx, 1, max, p->events, NULL);
    } while (n == -EINTR);
    for (int i = 0; i < n; i++) {
        struct dt_slot *s = p->events[i].data;

        s->res = (long)p->events[i].res;
        done[i] = s;
    }
    return n;
}

const struct dt_engine dt_engine_libaio = {
    .name = "libaio",
    .async = true,
    .setup = aio_setup,
    .submit = aio_submit,
    .reap = aio_reap,
    .teardown = aio_teardown,
};
