/*
 * verdict.h - the rules that turn what a run measured into a verdict,
 * and a verdict plus the scenario's expectation into an outcome.  Pure:
 * no I/O, so every rule is unit-tested (tests/test-verdict.c).
 */
#ifndef PIT_VERDICT_H
#define PIT_VERDICT_H

#include "scenario.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum Verdict {
    VERDICT_PASS,
    VERDICT_FAIL,  /* the bug showed: PI errors, csum, mismatch, corruption */
    VERDICT_ERROR, /* we could not tell: boot failure, panic, hang, crash */
} Verdict;

typedef enum Outcome {
    OUTCOME_AS_EXPECTED,
    OUTCOME_REGRESSION, /* expected pass, got fail */
    OUTCOME_FIXED,      /* expected fail, got pass: "FIXED?" */
    OUTCOME_ERROR,
    OUTCOME_NO_EXPECTATION, /* no [expect] range matched this kernel */
} Outcome;

/* Everything the host learnt about one run; zero means "saw none". */
typedef struct RunFacts {
    bool interrupted; /* pit was stopped (Ctrl-C) while the VM ran */
    bool qemu_failed_to_start;
    bool timed_out;          /* host timeout: the guest hung */
    bool qemu_crashed;       /* QEMU died by a signal / exited non-zero */
    int qemu_exit;           /* exit code, or -signal */
    bool have_result;        /* the framed result arrived */
    uint64_t result_cut;     /* else: bytes of one that began, never ended */
    const char *status;      /* "ok", "timeout", "setup-error", ... */
    const char *error;       /* the guest's reason when status != ok */
    bool booted;             /* the console shows the kernel started /init */
    const char *panic_title; /* from panic_parse(), NULL if none */
    const char *panic_frame;

    /* guest result */
    uint64_t steps_failed; /* steps with rc != 0 */
    const char *first_failed_step;
    uint64_t dio_write_eilseq, dio_write_eio, dio_write_other;
    uint64_t dio_read_eilseq, dio_read_eio, dio_read_other;
    uint64_t dio_silent_mismatch;
    uint64_t dio_neither; /* verify-only: blocks no submitted version explains */
    uint64_t dmesg_protection, dmesg_nvme, dmesg_io, dmesg_btrfs_csum;
    uint64_t dmesg_oops, dmesg_bug, dmesg_kasan, dmesg_warn;
    uint64_t md_mismatch;
    /* pit audit before a boot: RAID1 blocks whose legs hold one write in
     * different bytes (a buffer changed between the legs' DMA) */
    uint64_t raid1_same_write;
    uint64_t fs_unclean;
    /* device counters (QMP): guard/app/ref check errors the device saw */
    uint64_t dev_pi_errors;
    /*
     * writes whose buffer changed between the device's reads (nvme-pi's
     * recorder).  Reported, never a reason to FAIL by itself: a change
     * is the trigger of this bug class, not the bug; what broke because
     * of it is counted above.
     */
    uint64_t dev_mutations;
} RunFacts;

typedef struct VerdictResult {
    Verdict verdict;
    GPtrArray *reasons; /* char*: why, one short phrase each */
} VerdictResult;

/* Classify one run.  Free with verdict_result_clear(). */
void verdict_classify(const RunFacts *f, VerdictResult *out);

/* Add f's evidence counters (dio, dmesg, md, fs, device) into sum: the
 * evidence of a multi-boot run is that of all its boots. */
void run_facts_add_evidence(RunFacts *sum, const RunFacts *f);
void verdict_result_clear(VerdictResult *r);

Outcome verdict_compare(Verdict got, ScnOutcome expected);

const char *verdict_name(Verdict v);   /* PASS FAIL ERROR */
const char *outcome_name(Outcome o);   /* as expected, REGRESSION, ... */
bool outcome_is_unexpected(Outcome o); /* drives pit's exit status */

/*
 * Find a kernel crash in a console log: the title ("Kernel panic - not
 * syncing: ...", "BUG: ...", "Oops: ...", "general protection fault")
 * and the first guilty frame (RIP or the first call-trace frame that is
 * not crash machinery), e.g. "bio_integrity_prep+0x.../0x...".  Returns
 * false when the log shows no crash.  Strings are newly allocated.
 */
bool panic_parse(const char *log, char **title, char **frame);

#endif
