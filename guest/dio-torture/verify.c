/*
 * verify.c - read every written block back with O_DIRECT and classify it
 *
 * Reads go in runs of up to 1 MiB; a run that fails is read again block by
 * block so every error is attributed to one block.  Verification always
 * uses pread(): the engine under test is the write path.
 */
#include "dio-torture.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VERIFY_RUN_BYTES (1u << 20)

static void add_example(struct dt_run *run, uint64_t blk, const char *cls,
                        int err, const struct dt_expect *exp,
                        const struct dt_verdict *v)
{
    struct dt_example *ex = NULL;
    bool mismatch = !strcmp(cls, "silent_mismatch");
    unsigned same = 0;

    /* A few of each kind, so one flood does not hide the others. */
    for (unsigned i = 0; i < run->nexamples; i++) {
        same += !strcmp(run->examples[i].cls, cls);
    }
    if (!mismatch && same >= 3) {
        return;
    }
    if (run->nexamples < DT_MAX_EXAMPLES) {
        ex = &run->examples[run->nexamples++];
    } else if (mismatch) {
        /* Silent corruption is what a reader most needs to see. */
        for (unsigned i = 0; i < run->nexamples && !ex; i++) {
            if (strcmp(run->examples[i].cls, "silent_mismatch")) {
                ex = &run->examples[i];
            }
        }
    }
    if (!ex) {
        return;
    }
    memset(ex, 0, sizeof(*ex));
    ex->offset = run->cfg->offset + blk * run->cfg->bs;
    ex->cls = cls;
    ex->err = err;
    if (exp && v) {
        ex->classified = true;
        ex->exp = *exp;
        ex->v = *v;
    }
}

static void check_block(struct dt_run *run, uint64_t blk, const void *buf,
                        bool read_ok, int rerr)
{
    struct dt_stats_verify *st = &run->ver;
    const struct dt_blockrec *r = &run->recs[blk];
    struct dt_expect exp;
    struct dt_verdict v;

    st->reads++;
    if (!read_ok) {
        dt_record_error(&st->rerr, rerr);
    }
    if (r->status == DT_W_ERR) {
        st->write_failed++;
        add_example(run, blk, "write_failed", r->err, NULL, NULL);
        return;
    }
    if (!read_ok) {
        st->read_failed++;
        add_example(run, blk, "read_failed", rerr, NULL, NULL);
        return;
    }
    dt_block_id_of(run, blk, &exp.id);
    exp.seq = r->seq;
    exp.klast = r->klast;
    exp.rfrom = run->region.from;
    exp.rlen = run->region.len;
    dt_classify(buf, &exp, &v);
    st->cls[v.cls]++;
    if (v.cls != DT_CLASS_OK_FIRST && v.cls != DT_CLASS_OK_LAST) {
        add_example(run, blk, dt_class_name(v.cls), 0, &exp, &v);
    }
}

static ssize_t pread_all(int fd, void *buf, size_t len, off_t off)
{
    ssize_t r;

    do {
        r = pread(fd, buf, len, off);
    } while (r < 0 && errno == EINTR);
    return r;
}

void dt_verify(struct dt_run *run)
{
    const struct dt_config *cfg = run->cfg;
    uint64_t run_blocks = VERIFY_RUN_BYTES / cfg->bs, b = 0;
    uint64_t t0 = dt_now_ns();
    uint8_t *buf;

    if (run_blocks == 0) {
        run_blocks = 1;
    }
    if (posix_memalign((void **)&buf, run->tg.mem_align,
                       run_blocks * cfg->bs)) {
        snprintf(run->fatal_msg, sizeof(run->fatal_msg),
                 "verify: cannot allocate the read buffer");
        run->fatal = -ENOMEM;
        return;
    }
    while (b < run->tg.nblocks) {
        uint64_t e = b;
        size_t len;
        ssize_t r;

        if (run->recs[b].status == DT_W_NEVER) {
            run->ver.unwritten++;
            b++;
            continue;
        }
        while (e < run->tg.nblocks && e - b < run_blocks &&
               run->recs[e].status != DT_W_NEVER) {
            e++;
        }
        len = (size_t)(e - b) * cfg->bs;
        r = pread_all(run->tg.fd, buf, len, (off_t)(cfg->offset + b * cfg->bs));
        if (r == (ssize_t)len) {
            for (uint64_t i = b; i < e; i++) {
                check_block(run, i, buf + (i - b) * cfg->bs, true, 0);
            }
        } else {
            for (uint64_t i = b; i < e; i++) {
                r = pread_all(run->tg.fd, buf, cfg->bs,
                              (off_t)(cfg->offset + i * cfg->bs));
                check_block(run, i, buf, r == (ssize_t)cfg->bs,
                            r < 0 ? errno : 0);
            }
        }
        b = e;
    }
    free(buf);
    run->ver.done = b >= run->tg.nblocks;
    run->ver.elapsed = (double)(dt_now_ns() - t0) / 1e9;
}
