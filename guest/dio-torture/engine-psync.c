/*
 * engine-psync.c - one blocking pwrite() per write; the "submit call"
 * returns only after completion, so there is nothing to reap but the
 * slot just written.
 */
#include "dio-torture.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

struct psync_priv {
    struct dt_slot *done;
};

static int psync_setup(struct dt_worker *w)
{
    w->eng_priv = calloc(1, sizeof(struct psync_priv));
    return w->eng_priv ? 0 : -ENOMEM;
}

static int psync_submit(struct dt_worker *w, struct dt_slot *s)
{
    struct psync_priv *p = w->eng_priv;
    const struct dt_config *cfg = w->run->cfg;
    ssize_t r;

    do {
        r = pwrite(w->run->tg.fd, s->buf, cfg->bs,
                   (off_t)(cfg->offset + s->blk * cfg->bs));
    } while (r < 0 && errno == EINTR);
    s->res = r < 0 ? -errno : r;
    p->done = s;
    return 0;
}

static int psync_reap(struct dt_worker *w, struct dt_slot **done, int max)
{
    struct psync_priv *p = w->eng_priv;

    if (!p->done || max < 1) {
        return 0;
    }
    done[0] = p->done;
    p->done = NULL;
    return 1;
}

static void psync_teardown(struct dt_worker *w)
{
    free(w->eng_priv);
    w->eng_priv = NULL;
}

const struct dt_engine dt_engine_psync = {
    .name = "psync",
    .async = false,
    .setup = psync_setup,
    .submit = psync_submit,
    .reap = psync_reap,
    .teardown = psync_teardown,
};
