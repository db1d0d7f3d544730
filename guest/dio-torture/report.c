/*
 * report.c - the JSON result on stdout and the exit code
 *
 * Exit precedence (documented in --help): findings first, because a run
 * that found silent corruption and then failed has still found it.
 *   2 silent mismatch > 1 write/read errors > 4 runtime failure > 0 clean
 * Usage errors (3) exit before any I/O and never reach here.
 */
#include "dio-torture.h"
#include "journal.h"
#include "json.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

int dt_exit_code(const struct dt_run *run)
{
    if (run->ver.cls[DT_CLASS_MISMATCH]) {
        return DT_EXIT_SILENT;
    }
    if (run->werr.total || run->ver.rerr.total) {
        return DT_EXIT_IO_ERRORS;
    }
    if (run->fatal) {
        return DT_EXIT_RUNTIME;
    }
    return DT_EXIT_CLEAN;
}

static void hex(struct json *j, const char *key, uint64_t v)
{
    char buf[24];

    snprintf(buf, sizeof(buf), "0x%016" PRIx64, v);
    json_str(j, key, buf);
}

static void errors(struct json *j, const char *key,
                   const struct dt_errcount *ec)
{
    uint64_t other = ec->total - ec->by_errno[EILSEQ] - ec->by_errno[EIO];

    json_obj_begin(j, key);
    json_u64(j, "EILSEQ", ec->by_errno[EILSEQ]);
    json_u64(j, "EIO", ec->by_errno[EIO]);
    json_u64(j, "other", other);
    json_obj_begin(j, "by_errno");
    for (int e = 0; e < DT_ERRNO_MAX; e++) {
        if (ec->by_errno[e]) {
            json_u64(j, dt_errno_name(e), ec->by_errno[e]);
        }
    }
    json_obj_end(j);
    json_obj_end(j);
}

static void mutate_spec(struct json *j, const struct dt_run *run)
{
    const struct dt_config *cfg = run->cfg;

    json_obj_begin(j, "mutate_spec");
    if (cfg->mutate == DT_MUT_ONCE_AFTER) {
        json_u64(j, "after_us", cfg->once_after_us);
        json_str(j, "from", cfg->once_after_return ? "return" : "call");
    }
    json_u64(j, "region_offset", run->region.from);
    json_u64(j, "region_bytes", run->region.len);
    json_bool(j, "await", cfg->await_mutation);
    json_obj_end(j);
}

static void example(struct json *j, const struct dt_example *ex)
{
    json_obj_begin(j, NULL);
    json_u64(j, "offset", ex->offset);
    json_str(j, "class", ex->cls);
    if (!ex->classified) {
        json_str(j, "errno", dt_errno_name(ex->err));
        json_obj_end(j);
        return;
    }
    json_u64(j, "seq", ex->exp.seq);
    json_u64(j, "k_last", ex->exp.klast);
    hex(j, "hdr_gen", ex->v.hdr_gen);
    json_u64(j, "hdr_seq", dt_gen_seq(ex->v.hdr_gen));
    json_u64(j, "hdr_k", dt_gen_k(ex->v.hdr_gen));
    if (ex->v.cls == DT_CLASS_OK_MID) {
        json_u64(j, "k", ex->v.k);
    }
    json_u64(j, "words_first", ex->v.words_first);
    json_u64(j, "words_last", ex->v.words_last);
    json_u64(j, "words_other", ex->v.words_other);
    json_u64(j, "words_bad", ex->v.words_bad);
    if (ex->v.bad_byte >= 0) {
        json_i64(j, "bad_byte", ex->v.bad_byte);
        hex(j, "bad_word", ex->v.bad_word);
        hex(j, "want_word", ex->v.want_word);
    }
    json_obj_end(j);
}

/* One object per write, in submission order (seq = index + 1). */
static void per_write(struct json *j, const struct dt_run *run)
{
    json_arr_begin(j, "per_write");
    for (uint64_t i = 0; run->pw && i < run->npw; i++) {
        const struct dt_pwrec *p = &run->pw[i];

        if (!p->used) {
            continue;
        }
        json_obj_begin(j, NULL);
        json_u64(j, "seq", i + 1);
        json_u64(j, "offset", p->offset);
        if (p->err) {
            json_str(j, "errno", p->err > 0 ? dt_errno_name(p->err) : "short");
        } else {
            json_str(j, "errno", NULL);
        }
        json_u64(j, "k", p->k);
        json_u64(j, "sub_ns", p->sub_ns);
        json_u64(j, "mut_ns", p->mut_ns);
        json_u64(j, "lat_ns", p->lat_ns);
        json_obj_end(j);
    }
    json_arr_end(j);
    json_u64(j, "per_write_dropped", run->pw_dropped);
}

void dt_report(FILE *f, const struct dt_run *run)
{
    const struct dt_config *cfg = run->cfg;
    const struct dt_stats_verify *v = &run->ver;
    struct json j;

    json_init(&j, f);
    json_obj_begin(&j, NULL);
    json_str(&j, "tool", "dio-torture");
    json_str(&j, "version", DT_VERSION);
    json_str(&j, "target", cfg->target);
    json_str(&j, "target_type", run->tg.kind);
    json_u64(&j, "lbs", run->tg.lbs);
    json_u64(&j, "offset", cfg->offset);
    json_u64(&j, "size", run->tg.size);
    json_u64(&j, "blocks", run->tg.nblocks);
    json_str(&j, "engine", dt_engine_name(cfg->engine));
    json_u64(&j, "bs", cfg->bs);
    json_u64(&j, "iodepth", cfg->iodepth);
    json_u64(&j, "threads", cfg->threads);
    json_str(&j, "pattern", dt_pattern_name(cfg->pattern));
    json_u64(&j, "seed", cfg->seed);
    json_str(&j, "mutate", dt_mutate_name(cfg->mutate));
    mutate_spec(&j, run);
    json_u64(&j, "count_limit", run->count_limit);
    json_double(&j, "duration_limit_s", cfg->duration);

    json_u64(&j, "writes", run->writes);
    errors(&j, "write_errors", &run->werr);
    json_u64(&j, "mutations", run->mutations);
    json_u64(&j, "mutated_writes", run->mutated_writes);
    json_u64(&j, "unmutated_writes", run->unmutated_inflight);

    json_u64(&j, "reads", v->reads);
    errors(&j, "read_errors", &v->rerr);
    json_obj_begin(&j, "verify");
    json_bool(&j, "enabled", cfg->verify);
    json_bool(&j, "done", v->done);
    json_u64(&j, "ok_first", v->cls[DT_CLASS_OK_FIRST]);
    json_u64(&j, "ok_last", v->cls[DT_CLASS_OK_LAST]);
    json_u64(&j, "ok_mid", v->cls[DT_CLASS_OK_MID]);
    json_u64(&j, "torn", v->cls[DT_CLASS_TORN]);
    json_u64(&j, "write_failed", v->write_failed);
    json_u64(&j, "read_failed", v->read_failed);
    json_u64(&j, "silent_mismatch", v->cls[DT_CLASS_MISMATCH]);
    json_u64(&j, "unwritten", v->unwritten);
    json_double(&j, "elapsed_s", v->elapsed);
    json_obj_end(&j);
    json_arr_begin(&j, "examples");
    for (unsigned i = 0; i < run->nexamples; i++) {
        example(&j, &run->examples[i]);
    }
    json_arr_end(&j);

    if (cfg->per_write) {
        per_write(&j, run);
    }
    json_double(&j, "write_elapsed_s", run->write_elapsed);
    json_double(&j, "elapsed_s",
                run->t_start_ns ? (double)(dt_now_ns() - run->t_start_ns) / 1e9
                                : 0.0);
    if (run->journal) {
        json_obj_begin(&j, "journal");
        json_str(&j, "path", cfg->journal);
        json_u64(&j, "records", run->journal->next);
        json_obj_end(&j);
    }
    json_str(&j, "stopped_by", run->stopped_by);
    json_str(&j, "error", run->fatal ? run->fatal_msg : NULL);
    json_u64(&j, "exit", (uint64_t)dt_exit_code(run));
    json_obj_end(&j);
    json_end(&j);
}
