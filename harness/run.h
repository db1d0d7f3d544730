/*
 * run.h - one (kernel, scenario, repeat): prepare the backing images and
 * the job, boot, collect, classify, write the artifacts.
 */
#ifndef PIT_RUN_H
#define PIT_RUN_H

#include "kernel.h"
#include "scenario.h"
#include "verdict.h"

#include <glib.h>

typedef struct RunConfig {
    const char *out; /* results root */
    const char *qemu;
    const char *accel;       /* "kvm" / "tcg" */
    const char *backend;     /* "qemu" (default when NULL) or "libvirt" */
    const char *libvirt_uri; /* libvirt backend: the daemon to use */
} RunConfig;

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

RunRecord *run_one(const RunConfig *cfg, const Kernel *k, const char *image,
                   const Scenario *s, unsigned repeat, guint64 seed);
void run_record_free(RunRecord *r);

/* A sparse backing image of `size` bytes (truncated if it exists). */
bool run_create_backing(const char *path, guint64 size, GError **error);

#endif
