/*
 * dio-torture.h - shared types of the guest O_DIRECT buffer-mutation tool
 *
 * One configuration, one target, N workers.  Each worker owns a disjoint
 * range of blocks, an engine context and a ring of write slots; a mutator
 * thread per worker rewrites the buffers of armed (in-flight) slots.
 */
#ifndef DIO_TORTURE_H
#define DIO_TORTURE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "classify.h"

#ifndef DT_VERSION
#define DT_VERSION "0.1"
#endif

/* Exit codes; see --help for the precedence. */
#define DT_EXIT_CLEAN 0
#define DT_EXIT_IO_ERRORS 1
#define DT_EXIT_SILENT 2
#define DT_EXIT_USAGE 3
#define DT_EXIT_RUNTIME 4

enum dt_engine_kind { DT_ENGINE_PSYNC, DT_ENGINE_LIBAIO, DT_ENGINE_URING };

enum dt_mutate {
    DT_MUT_NONE,
    DT_MUT_CONTINUOUS,
    DT_MUT_ONCE_AFTER,
    DT_MUT_PAGE_REUSE,
    DT_MUT_PARTIAL,
};

enum dt_pattern { DT_PAT_SEQ, DT_PAT_RAND };

struct dt_config {
    const char *target;
    uint64_t size;   /* 0 = whole device / existing file */
    uint64_t offset; /* byte offset of the first block */
    uint32_t bs;
    unsigned iodepth;
    unsigned threads;
    uint64_t seed;
    bool seed_given;
    double duration; /* seconds, 0 = none */
    uint64_t count;  /* writes, 0 = none */
    enum dt_pattern pattern;
    enum dt_engine_kind engine;
    enum dt_mutate mutate;
    uint64_t once_after_us;
    bool once_after_return; /* once-after counts from the submit's return */
    uint32_t mut_bytes; /* once-after: bytes changed, 0 = whole block */
    int64_t partial_at; /* partial: byte offset of the cache line, -1 auto */
    bool verify;
    bool kmsg;
    bool per_write; /* report every write in "per_write" */
    bool await_mutation; /* reap a write only after its first rewrite */
    bool stop_before_verify; /* SIGSTOP ourselves between the phases */
    bool self_test;
    bool offset_given;
    const char *journal; /* --journal: versions submitted, per block */
    bool verify_only;    /* --verify-only: classify against the journal */
    int verbose; /* 0 quiet, 1 normal, 2 progress */
};

/* Mutation region for this run: [from, from + len) in every block. */
struct dt_region {
    uint32_t from, len;
};

struct dt_target {
    int fd;
    bool is_blockdev;
    uint32_t lbs;       /* logical block size / DIO offset alignment */
    uint32_t mem_align; /* buffer alignment we use */
    uint64_t dev_size;  /* device or file size in bytes */
    uint64_t size;      /* bytes used: nblocks * bs */
    uint64_t nblocks;   /* blocks of bs in [offset, offset + size) */
    const char *kind;   /* "block" or "file" */
    bool created;       /* we created the file */
};

/* What the last completed write did to a block (owned by one worker). */
enum dt_wstatus {
    DT_W_NEVER,
    DT_W_OK,
    DT_W_ERR, /* errno in err */
};

struct dt_blockrec {
    uint64_t seq;
    uint32_t klast;
    uint8_t status;
    uint8_t inflight;
    uint16_t err;
};

/* errno histogram; index 0 is used for short transfers */
#define DT_ERRNO_MAX 256
struct dt_errcount {
    uint64_t total;
    uint64_t by_errno[DT_ERRNO_MAX];
};

struct dt_slot {
    void *buf;
    uint64_t blk;
    uint64_t seq;
    long res; /* bytes transferred or -errno */
    atomic_int armed;
    atomic_int busy;
    atomic_uint k;
    atomic_uint_fast64_t t_submit_ns;
    atomic_uint_fast64_t t_mut_ns; /* first rewrite of this write, 0 none */
    atomic_uint_fast64_t t_submitted_ns; /* the submit call returned, 0 not yet */
    void *priv; /* engine per-slot state */
};

struct dt_worker;

struct dt_engine {
    const char *name;
    bool async;
    int (*setup)(struct dt_worker *w);
    int (*submit)(struct dt_worker *w, struct dt_slot *s);
    /* Wait for at least one completion; store up to max in done[]. */
    int (*reap)(struct dt_worker *w, struct dt_slot **done, int max);
    void (*teardown)(struct dt_worker *w);
};

struct dt_run; /* global state, run.c */
struct dt_journal; /* journal.h */

struct dt_worker {
    unsigned id;
    struct dt_run *run;
    const struct dt_engine *eng;
    void *eng_priv;
    uint64_t blk_lo, blk_hi, cursor;
    uint64_t rng;
    struct dt_slot *slots;
    unsigned depth;
    unsigned inflight;
    pthread_t thr, mthr;
    bool mthr_started;
    atomic_int mut_stop;
    atomic_int mut_ready; /* the mutator thread is running its loop */
    /* results, read after join */
    int err;              /* fatal -errno, 0 if none */
    const char *err_what; /* which call failed */
    uint64_t writes, mutated_writes, unmutated;
    uint64_t mutations; /* written by the mutator thread */
    struct dt_errcount werr;
};

struct dt_stats_verify {
    uint64_t reads;
    struct dt_errcount rerr;
    uint64_t cls[DT_CLASS_COUNT];
    uint64_t write_failed, read_failed, unwritten;
    double elapsed;
    bool done; /* every written block was looked at */
};

/* --per-write: one record per write, indexed by seq - 1. */
#define DT_PER_WRITE_MAX (1u << 20)
struct dt_pwrec {
    uint64_t offset;  /* byte offset of the write on the target */
    uint32_t k;       /* rewrites while in flight (generation at completion) */
    int32_t err;      /* 0 ok, errno, or -1 short transfer */
    uint64_t sub_ns;  /* submit call: start -> return */
    uint64_t mut_ns;  /* submit -> first rewrite, 0 if none */
    uint64_t lat_ns;  /* submit -> reaped */
    bool used;
};

#define DT_MAX_EXAMPLES 8
struct dt_example {
    uint64_t offset;
    const char *cls; /* class name as in the JSON counters */
    int err;         /* write_failed/read_failed: errno, 0 = short */
    bool classified; /* exp and v are meaningful */
    struct dt_expect exp;
    struct dt_verdict v;
};

struct dt_run {
    const struct dt_config *cfg;
    struct dt_target tg;
    struct dt_region region;
    struct dt_blockrec *recs;
    struct dt_worker *workers;
    atomic_uint_fast64_t next_seq;
    atomic_uint_fast64_t issued;
    atomic_uint_fast64_t live_writes, live_errors, live_mutations;
    atomic_uint_fast64_t pw_dropped_live; /* writes beyond the records */
    atomic_int abort; /* a worker failed: everyone drains and stops */
    atomic_uint running;
    uint64_t count_limit; /* writes in total, 0 = none */
    uint64_t t_start_ns, deadline_ns;
    /* totals over all workers, after the write phase */
    uint64_t writes, mutations, mutated_writes, unmutated_inflight;
    struct dt_errcount werr;
    struct dt_pwrec *pw; /* --per-write records, npw of them */
    uint64_t npw, pw_dropped;
    double write_elapsed;
    const char *stopped_by;
    int fatal;           /* -errno of the first runtime failure */
    char fatal_msg[256]; /* human description of it */
    struct dt_stats_verify ver;
    struct dt_example examples[DT_MAX_EXAMPLES];
    unsigned nexamples;
    struct dt_journal *journal; /* --journal, NULL without */
};

extern atomic_int dt_stop_requested; /* SIGINT/SIGTERM */

/* options.c: returns -1 to go on, else the exit code */
int dt_parse_options(int argc, char **argv, struct dt_config *cfg);
const char *dt_engine_name(enum dt_engine_kind e);
const char *dt_mutate_name(enum dt_mutate m);
const char *dt_pattern_name(enum dt_pattern p);
void dt_usage(FILE *f);

/* target.c */
int dt_target_open(const struct dt_config *cfg, struct dt_target *tg, char *msg,
                   size_t msglen);
void dt_region_for(const struct dt_config *cfg, struct dt_region *r);

/* worker.c */
int dt_run_writes(struct dt_run *run);
void dt_record_error(struct dt_errcount *ec, int err);

/* mutate.c */
void *dt_mutator_main(void *arg);
void dt_slot_arm(struct dt_worker *w, struct dt_slot *s);
uint32_t dt_slot_disarm(struct dt_slot *s);
void dt_page_reuse(struct dt_worker *w, struct dt_slot *s);

/* verify.c */
void dt_verify(struct dt_run *run);

/* verify-later.c: --verify-only, returns the exit code */
int dt_verify_later(struct dt_config *cfg);

/* selftest.c */
int dt_self_test(void);

/* report.c */
int dt_exit_code(const struct dt_run *run);
void dt_report(FILE *f, const struct dt_run *run);

/* engines */
extern const struct dt_engine dt_engine_psync;
extern const struct dt_engine dt_engine_libaio;
extern const struct dt_engine dt_engine_uring;

/* util.c */
uint64_t dt_now_ns(void);
uint64_t dt_rng_next(uint64_t *state);
const char *dt_errno_name(int err);
void dt_log(const struct dt_config *cfg, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void dt_block_id_of(const struct dt_run *run, uint64_t blk,
                    struct dt_block_id *id);

static inline void dt_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#else
    __asm__ __volatile__("" ::: "memory");
#endif
}

#endif
