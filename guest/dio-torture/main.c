/*
 * main.c - dio-torture: provoke and measure in-flight mutation of O_DIRECT
 * write buffers.  Parse, open, write (with mutation), verify, report.
 */
#include "dio-torture.h"
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

atomic_int dt_stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    atomic_store(&dt_stop_requested, 1);
}

static void install_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    /* A second ^C kills; the first stops new writes, then verify and
     * report run as usual. */
    sa.sa_flags = SA_RESTART | SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* Markers let dmesg lines be attributed to a run. */
static void kmsg(const struct dt_config *cfg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void kmsg(const struct dt_config *cfg, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    int fd, n;

    if (!cfg->kmsg) {
        return;
    }
    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || n < 0) {
        if (fd >= 0) {
            close(fd);
        }
        return;
    }
    if (write(fd, line, strlen(line)) < 0) {
        dt_log(cfg, 1, "cannot write to /dev/kmsg");
    }
    close(fd);
}

static uint64_t default_seed(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    /* 32 bits: survives JSON readers that parse numbers as doubles */
    return dt_mix64((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
                    (uint64_t)getpid()) &
           0xffffffffu;
}

static const char *stopped_by(const struct dt_run *run)
{
    if (atomic_load(&dt_stop_requested)) {
        return "signal";
    }
    if (run->fatal) {
        return "error";
    }
    if (run->count_limit && atomic_load(&run->issued) >= run->count_limit) {
        return "count";
    }
    return "duration";
}

int main(int argc, char **argv)
{
    static struct dt_config cfg;
    static struct dt_run run;
    char msg[512] = "";
    int rc;

    rc = dt_parse_options(argc, argv, &cfg);
    if (rc >= 0) {
        return rc;
    }
    if (cfg.self_test) {
        return dt_self_test();
    }
    if (cfg.verify_only) {
        return dt_verify_later(&cfg);
    }
    if (!cfg.seed_given) {
        cfg.seed = default_seed();
    }
    run.cfg = &cfg;
    dt_region_for(&cfg, &run.region);

    rc = dt_target_open(&cfg, &run.tg, msg, sizeof(msg));
    if (rc) {
        fprintf(stderr, "dio-torture: %s\n", msg);
        if (run.tg.created) {
            unlink(cfg.target);
        }
        if (rc == DT_EXIT_RUNTIME) {
            /* The harness reads stdout: tell it why there are no results. */
            run.fatal = -1;
            snprintf(run.fatal_msg, sizeof(run.fatal_msg), "%s", msg);
            run.stopped_by = "error";
            dt_report(stdout, &run);
        }
        return rc;
    }
    run.count_limit = cfg.count;
    if (!cfg.count && !(cfg.duration > 0)) {
        run.count_limit = run.tg.nblocks; /* every block once */
    }
    if (cfg.journal) {
        static struct dt_journal journal;

        rc = dt_journal_create(&journal, cfg.journal, cfg.seed, cfg.offset,
                               cfg.bs, run.tg.nblocks, msg, sizeof(msg));
        if (rc < 0) {
            fprintf(stderr, "dio-torture: %s\n", msg);
            run.fatal = rc;
            snprintf(run.fatal_msg, sizeof(run.fatal_msg), "%s", msg);
            run.stopped_by = "error";
            dt_report(stdout, &run);
            return DT_EXIT_RUNTIME;
        }
        run.journal = &journal;
    }
    install_signals();

    dt_log(&cfg, 1,
           "%s %s: %" PRIu64 " blocks of %" PRIu32 " (lbs %" PRIu32
           "), engine %s, depth %u x %u threads, mutate %s, seed %" PRIu64,
           run.tg.kind, cfg.target, run.tg.nblocks, cfg.bs, run.tg.lbs,
           dt_engine_name(cfg.engine), cfg.iodepth, cfg.threads,
           dt_mutate_name(cfg.mutate), cfg.seed);
    kmsg(&cfg,
         "dio-torture: start target=%s engine=%s mutate=%s seed=%" PRIu64 "\n",
         cfg.target, dt_engine_name(cfg.engine), dt_mutate_name(cfg.mutate),
         cfg.seed);

    dt_run_writes(&run);
    if (run.journal && dt_journal_close(run.journal) < 0 && !run.fatal) {
        run.fatal = -EIO;
        snprintf(run.fatal_msg, sizeof(run.fatal_msg),
                 "--journal: the final sync of %s failed", cfg.journal);
    }
    run.stopped_by = stopped_by(&run);
    dt_log(&cfg, 1,
           "wrote %" PRIu64 " blocks in %.2fs, %" PRIu64 " errors, %" PRIu64
           " mutations%s%s",
           run.writes, run.write_elapsed, run.werr.total, run.mutations,
           run.fatal ? "; stopped: " : "", run.fatal ? run.fatal_msg : "");
    /* Even after ^C: the first signal only stops new writes. */
    if (cfg.verify && run.recs && cfg.stop_before_verify) {
        /* Not quieted by -q: whoever asked for it waits for this. */
        fprintf(stderr,
                "dio-torture: stopped before verify; continue with "
                "kill -CONT %d\n",
                (int)getpid());
        raise(SIGSTOP);
    }
    if (cfg.verify && run.recs) {
        dt_verify(&run);
        dt_log(&cfg, 1,
               "verified %" PRIu64 " blocks: %" PRIu64 " ok_first, %" PRIu64
               " ok_last, %" PRIu64 " ok_mid, %" PRIu64 " torn, %" PRIu64
               " write_failed, %" PRIu64 " read_failed, %" PRIu64
               " silent_mismatch",
               run.ver.reads, run.ver.cls[DT_CLASS_OK_FIRST],
               run.ver.cls[DT_CLASS_OK_LAST], run.ver.cls[DT_CLASS_OK_MID],
               run.ver.cls[DT_CLASS_TORN], run.ver.write_failed,
               run.ver.read_failed, run.ver.cls[DT_CLASS_MISMATCH]);
    }
    rc = dt_exit_code(&run);
    kmsg(&cfg, "dio-torture: end target=%s exit=%d\n", cfg.target, rc);
    dt_report(stdout, &run);
    close(run.tg.fd);
    return rc;
}
