/*
 * verify-later.c - --verify-only: read a target in a later boot and say,
 * block by block, which submitted version it holds (later.c), using the
 * journal an earlier run kept with --journal.
 *
 * The block identity (seed, offset, bs) comes from the journal; --offset
 * only moves where the blocks are read, so one md RAID1 leg can be read
 * at its data offset with the array's offsets as identity.
 */
#include "dio-torture.h"
#include "journal.h"
#include "json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RUN_BYTES (1u << 20)
#define MAX_EXAMPLES 8

struct later_example {
    uint64_t offset;
    uint64_t versions, last_seq;
    bool last_done;
    struct dt_later_verdict v;
    int err; /* read failed: errno, -1 short */
};

struct later_stats {
    uint64_t cls[DT_LATER_COUNT];
    uint64_t never_completed; /* never, though a write to it completed */
    uint64_t read_failed;
    struct dt_errcount rerr;
    struct later_example ex[MAX_EXAMPLES];
    unsigned nex;
};

static void add_example(struct later_stats *st, const struct later_example *e)
{
    bool neither = e->err == 0 && e->v.cls == DT_LATER_NEITHER;

    if (st->nex < MAX_EXAMPLES) {
        st->ex[st->nex++] = *e;
        return;
    }
    /* "neither" is what a reader most needs to see. */
    for (unsigned i = 0; neither && i < st->nex; i++) {
        if (st->ex[i].err || st->ex[i].v.cls != DT_LATER_NEITHER) {
            st->ex[i] = *e;
            return;
        }
    }
}

static void check(struct later_stats *st, const struct dt_journal_hdr *h,
                  const struct dt_journal_index *ix, uint64_t blk,
                  const void *buf, int err)
{
    const struct dt_version *v = &ix->v[ix->first[blk]];
    size_t nv = ix->first[blk + 1] - ix->first[blk];
    struct dt_block_id id = { .seed = h->seed,
                              .offset = h->offset + blk * h->bs,
                              .bs = (uint32_t)h->bs };
    struct later_example e = { .offset = id.offset, .versions = nv };

    if (nv) {
        e.last_seq = v[nv - 1].seq;
        e.last_done = v[nv - 1].done;
    }
    if (err) {
        st->read_failed++;
        dt_record_error(&st->rerr, err > 0 ? err : 0);
        e.err = err;
        add_example(st, &e);
        return;
    }
    dt_classify_later(buf, &id, v, nv, &e.v);
    st->cls[e.v.cls]++;
    if (e.v.cls == DT_LATER_NEVER) {
        for (size_t i = 0; i < nv; i++) {
            if (v[i].done) {
                st->never_completed++;
                break;
            }
        }
    }
    if (e.v.cls == DT_LATER_NEITHER || e.v.cls == DT_LATER_MIXED) {
        add_example(st, &e);
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

static void read_all(const struct dt_target *tg, uint64_t base,
                     const struct dt_journal_hdr *h,
                     const struct dt_journal_index *ix, struct later_stats *st)
{
    uint64_t bs = h->bs, per = RUN_BYTES / bs ? RUN_BYTES / bs : 1;
    uint8_t *buf;

    if (posix_memalign((void **)&buf, tg->mem_align, per * bs)) {
        return;
    }
    for (uint64_t b = 0; b < h->nblocks; b += per) {
        uint64_t e = b + per < h->nblocks ? b + per : h->nblocks;
        size_t len = (size_t)((e - b) * bs);
        ssize_t r = pread_all(tg->fd, buf, len, (off_t)(base + b * bs));

        if (r == (ssize_t)len) {
            for (uint64_t i = b; i < e; i++) {
                check(st, h, ix, i, buf + (i - b) * bs, 0);
            }
            continue;
        }
        /* Attribute every error to one block. */
        for (uint64_t i = b; i < e; i++) {
            r = pread_all(tg->fd, buf, bs, (off_t)(base + i * bs));
            check(st, h, ix, i, buf, r == (ssize_t)bs ? 0 : r < 0 ? errno : -1);
        }
    }
    free(buf);
}

static void report(const struct dt_config *cfg, const struct dt_target *tg,
                   uint64_t base, const struct dt_journal_hdr *h,
                   const struct dt_journal_index *ix,
                   const struct later_stats *st, double elapsed,
                   const char *error, int rc)
{
    struct json j;
    char hex[24];

    json_init(&j, stdout);
    json_obj_begin(&j, NULL);
    json_str(&j, "tool", "dio-torture");
    json_str(&j, "version", DT_VERSION);
    json_str(&j, "mode", "verify-only");
    json_str(&j, "target", cfg->target);
    json_str(&j, "target_type", tg ? tg->kind : NULL);
    json_u64(&j, "offset", base);
    json_u64(&j, "bs", h ? h->bs : 0);
    json_u64(&j, "blocks", h ? h->nblocks : 0);
    json_u64(&j, "seed", h ? h->seed : 0);
    json_obj_begin(&j, "journal");
    json_str(&j, "path", cfg->journal);
    json_u64(&j, "offset", h ? h->offset : 0);
    json_u64(&j, "records", ix ? ix->records : 0);
    json_u64(&j, "submitted", ix ? ix->submitted : 0);
    json_u64(&j, "completed", ix ? ix->completed : 0);
    json_u64(&j, "out_of_range", ix ? ix->out_of_range : 0);
    json_obj_end(&j);
    json_obj_begin(&j, "later");
    for (int c = 0; c < DT_LATER_COUNT; c++) {
        json_u64(&j, dt_later_class_name(c), st->cls[c]);
    }
    json_u64(&j, "never_completed", st->never_completed);
    json_u64(&j, "read_failed", st->read_failed);
    json_obj_end(&j);
    json_u64(&j, "reads", h ? h->nblocks : 0);
    json_obj_begin(&j, "read_errors");
    json_u64(&j, "EILSEQ", st->rerr.by_errno[EILSEQ]);
    json_u64(&j, "EIO", st->rerr.by_errno[EIO]);
    json_u64(&j, "other",
             st->rerr.total - st->rerr.by_errno[EILSEQ] -
                 st->rerr.by_errno[EIO]);
    json_obj_end(&j);
    json_arr_begin(&j, "examples");
    for (unsigned i = 0; i < st->nex; i++) {
        const struct later_example *e = &st->ex[i];

        json_obj_begin(&j, NULL);
        json_u64(&j, "offset", e->offset);
        if (e->err) {
            json_str(&j, "class", "read_failed");
            json_str(&j, "errno", e->err > 0 ? dt_errno_name(e->err) : "short");
        } else {
            json_str(&j, "class", dt_later_class_name(e->v.cls));
            json_u64(&j, "words_ok", e->v.words_ok);
            json_u64(&j, "words_zero", e->v.words_zero);
            json_u64(&j, "words_bad", e->v.words_bad);
            if (e->v.bad_byte >= 0) {
                json_i64(&j, "bad_byte", e->v.bad_byte);
                snprintf(hex, sizeof(hex), "0x%016" PRIx64, e->v.bad_word);
                json_str(&j, "bad_word", hex);
            }
        }
        json_u64(&j, "versions", e->versions);
        json_u64(&j, "last_seq", e->last_seq);
        json_bool(&j, "last_done", e->last_done);
        json_obj_end(&j);
    }
    json_arr_end(&j);
    json_double(&j, "elapsed_s", elapsed);
    json_str(&j, "error", error);
    json_u64(&j, "exit", (uint64_t)rc);
    json_obj_end(&j);
    json_end(&j);
}

int dt_verify_later(struct dt_config *cfg)
{
    static struct later_stats st;
    struct dt_journal_hdr h;
    struct dt_journal_index ix;
    struct dt_target tg;
    char msg[512] = "";
    uint64_t t0 = dt_now_ns(), base;
    int rc;

    rc = dt_journal_load(cfg->journal, &h, &ix, msg, sizeof(msg));
    if (rc) {
        fprintf(stderr, "dio-torture: %s\n", msg);
        if (rc == DT_EXIT_RUNTIME) {
            report(cfg, NULL, 0, NULL, NULL, &st, 0, msg, rc);
        }
        return rc;
    }
    base = cfg->offset_given ? cfg->offset : h.offset;
    cfg->bs = (uint32_t)h.bs;
    cfg->offset = base;
    cfg->size = h.nblocks * h.bs;
    cfg->seed = h.seed;
    rc = dt_target_open(cfg, &tg, msg, sizeof(msg));
    if (rc) {
        fprintf(stderr, "dio-torture: %s\n", msg);
        report(cfg, NULL, base, &h, &ix, &st, 0, msg, rc);
        dt_journal_index_free(&ix);
        return rc;
    }
    dt_log(cfg, 1,
           "verify-only %s at %" PRIu64 ": %" PRIu64 " blocks of %" PRIu64
           ", journal %s: %" PRIu64 " writes submitted, %" PRIu64 " completed",
           cfg->target, base, h.nblocks, h.bs, cfg->journal, ix.submitted,
           ix.completed);
    read_all(&tg, base, &h, &ix, &st);
    close(tg.fd);
    dt_log(cfg, 1,
           "%" PRIu64 " last, %" PRIu64 " earlier, %" PRIu64 " never, %" PRIu64
           " mixed, %" PRIu64 " neither, %" PRIu64 " read failed",
           st.cls[DT_LATER_LAST], st.cls[DT_LATER_EARLIER],
           st.cls[DT_LATER_NEVER], st.cls[DT_LATER_MIXED],
           st.cls[DT_LATER_NEITHER], st.read_failed);
    rc = st.cls[DT_LATER_NEITHER] ? DT_EXIT_SILENT
         : st.read_failed         ? DT_EXIT_IO_ERRORS
                                  : DT_EXIT_CLEAN;
    report(cfg, &tg, base, &h, &ix, &st, (double)(dt_now_ns() - t0) / 1e9, NULL,
           rc);
    dt_journal_index_free(&ix);
    return rc;
}
