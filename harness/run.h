/*
 * run.h - one (kernel, scenario, repeat) from its RunSpec to its record:
 * stage the run directory (backing images, job, initrd, run.json), boot
 * through a backend, collect, classify, write the artifacts with
 * verdict.json last.
 */
#ifndef PIT_RUN_H
#define PIT_RUN_H

#include "backend.h"
#include "kernel.h"
#include "run-spec.h"
#include "scenario.h"
#include "verdict.h"

#include <glib.h>

typedef struct RunRecord {
    char *kernel_spec;
    char *kernel_label;
    char *kernel_version;
    char *scenario;
    unsigned repeat;
    guint64 seed;
    char *dir;
    Verdict verdict;
    char **reasons;
    ScnOutcome expected;
    char *expect_range;
    Outcome outcome;
    double seconds;
    char *panic_title;
    char *panic_frame;
} RunRecord;

/*
 * Host slack over the guest's own job timeout for `accel` (boot, module
 * load, md); $PIT_BOOT_SLACK overrides it (tests of pit's timeouts).
 */
unsigned run_boot_slack(const char *accel);

/*
 * Create the run directory, the sparse backing
 * images, the job, the initrd with the job appended, run.json, and the
 * QMP socket's private directory (s->qmp).
 */
bool run_stage(RunSpec *s, GError **error);

/* Empty the run directory, stage, boot through `b`, classify, write
 * verdict.json last; never NULL. */
RunRecord *run_execute(RunSpec *s, const Backend *b);
void run_record_free(RunRecord *r);

/*
 * One run the simple way, for commands that boot one scenario at a time
 * (series, bisect, repro): the directory <out>/<kernel label>/<scenario>/
 * <repeat>, and `base`'s accel, qemu, backend and boot slack;
 * run_prepare() + run_execute() with the backend `base` names.
 */
RunRecord *run_one(const RunInputs *base, const char *out, const Kernel *k,
                   const char *image, const Scenario *s, unsigned repeat,
                   guint64 seed);

/* A sparse backing image of `size` bytes (truncated if it exists). */
bool run_create_backing(const char *path, guint64 size, GError **error);

#endif
