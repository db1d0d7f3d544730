/*
 * repro-verdict.h - did one `pit repro` run reproduce, and by which
 * sign: the program's exit status, what the scenario classification
 * (verdict.c) already counts in the kernel log and the checks, a kernel
 * crash or WARN, or the user's --match.  Also when the first sign came,
 * from the console's printk timestamps.  Pure (tests/test-repro-stats.c).
 */
#ifndef PIT_REPRO_VERDICT_H
#define PIT_REPRO_VERDICT_H

#include "verdict.h"

#include <glib.h>
#include <stdbool.h>

typedef enum ReproState {
    REPRO_NOT_REPRODUCED = 0,
    REPRO_REPRODUCED = 1,
    REPRO_ERROR = 2, /* the run could not tell: boot, hang, setup */
} ReproState;

/* The guest watchdog's rc for a step it killed (guest/init). */
#define REPRO_RC_WATCHDOG 124

typedef struct ReproObs {
    bool program_ran;       /* the workload step has a record */
    int program_rc;         /* its exit status as the guest's sh saw it */
    const char *match_line; /* the first line --match found, or NULL */
    /*
     * WARNINGs on the console after the program started: a Debian
     * kernel may WARN at boot under TCG, which is no sign of anything.
     */
    unsigned warns_after_start;
    /*
     * The kernel crashed after the program started.  A crash before it
     * (e.g. "IO-APIC + timer doesn't work" on a starved TCG host) says
     * nothing about the program: the run is an error.
     */
    bool crash_after_start;
} ReproObs;

typedef struct ReproJudgement {
    ReproState state;
    GPtrArray *signs; /* char*: which signs hit, one short phrase each */
    char *error;      /* REPRO_ERROR: why */
} ReproJudgement;

void repro_judge(const RunFacts *f, const ReproObs *o, ReproJudgement *out);
void repro_judgement_clear(ReproJudgement *j);
const char *
repro_state_name(ReproState s); /* reproduced, not reproduced, error */

/*
 * The first console line after the workload step's begin marker that
 * `re` matches, leaving out pit's own lines ("nvme-pi: ...", with or
 * without a printk timestamp), so a pattern never matches a boot-time
 * line or the command line that started the program.  NULL when none.
 */
char *repro_match_first(const char *console, const char *run_id,
                        unsigned step, const GRegex *re);

/* Console lines "WARNING:" after the step's begin marker. */
unsigned repro_warns_after(const char *console, const char *run_id,
                           unsigned step);
/* True when the console shows the step's begin marker. */
bool repro_step_started(const char *console, const char *run_id, unsigned step);

/*
 * Seconds from the workload step's start ("nvme-pi: run ID step N
 * begin" on the console) to its first sign: the first later console
 * line that is one of the classified kernel-log lines, matches `re`, or,
 * when the program failed, the step's end marker.  Lines without a
 * printk timestamp take the last timestamp before them.  NAN when the
 * console has no timestamps or no sign follows the start.
 */
double repro_first_sign_time(const char *console, const char *run_id,
                             unsigned step, const char *const *classified,
                             const GRegex *re, bool program_failed,
                             char **line_out);

/*
 * The evidence of a run for the report: the console lines after the
 * workload step's begin marker that are classified kernel-log lines or
 * match `re` (pit's own lines left out), the first `max` of them, each
 * as "[+SECONDS s] text" (seconds since the program started; the text
 * alone without printk stamps).  Boot-time lines are never evidence.
 */
char **repro_evidence(const char *console, const char *run_id, unsigned step,
                      const char *const *classified, const GRegex *re,
                      unsigned max);

#endif
