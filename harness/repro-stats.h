/*
 * repro-stats.h - the numbers `pit repro` reports for each (kernel,
 * device model): reproduced k of n, the rate's 95% Wilson score
 * interval, the median time to the first sign, the reliability rule,
 * and what the device's mutation log says (in-flight changes, LBAs).
 * Pure: no I/O (tests/test-repro-stats.c).
 */
#ifndef PIT_REPRO_STATS_H
#define PIT_REPRO_STATS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct ReproInterval {
    double lo, hi; /* fractions in [0, 1] */
} ReproInterval;

/* The 95% Wilson score interval of k successes in n trials ([0,1] if n=0). */
ReproInterval repro_wilson(unsigned k, unsigned n);

/* Median of n values (order not required); NAN when n == 0. */
double repro_median(const double *v, unsigned n);

/*
 * syzkaller's rule: a reproducer is reliable when it reproduces at least
 * 2 times in 5 runs.  With n >= 5 runs that is a rate of at least 2/5;
 * with fewer, k >= 2 already settles it, and it is unreliable only when
 * even the missing runs could not bring it to 2 of 5.
 */
typedef enum ReproReliability {
    REPRO_RELIABLE,
    REPRO_UNRELIABLE,
    REPRO_UNDECIDED, /* fewer than 5 runs, and they do not settle it */
} ReproReliability;

ReproReliability repro_reliability(unsigned k, unsigned n);
const char *repro_reliability_name(ReproReliability r);

/* One (kernel, model) row: the runs that gave an answer, and errors. */
typedef struct ReproGroup {
    unsigned runs;        /* every run started */
    unsigned answered;    /* reproduced or not: the denominator */
    unsigned reproduced;  /* k */
    unsigned errors;      /* runs that could not tell (boot, hang, setup) */
    GArray *first_sign_s; /* double: seconds, reproduced runs where known */
    /* device (nvme-pi), summed over the runs */
    uint64_t mutations; /* in-flight changes (mutation events) */
    uint64_t pi_errors; /* PI check errors the device saw */
    unsigned runs_with_mutations;
    GArray *lbas; /* guint64, sorted, distinct: LBAs of the events */
} ReproGroup;

void repro_group_init(ReproGroup *g);
void repro_group_clear(ReproGroup *g);
/* Add one run: state 0 not reproduced, 1 reproduced, 2 error. */
void repro_group_add(ReproGroup *g, int state, double first_sign_s);
/* Add a run's device record: counters and its mutation log (JSON lines). */
void repro_group_add_device(ReproGroup *g, uint64_t mutations,
                            uint64_t pi_errors, const char *mutation_log);

/*
 * The LBAs of a mutation log (one JSON object a line, "lba": N), in the
 * order of the lines; lines without an lba are skipped.  Pure text scan.
 */
GArray *repro_mutation_lbas(const char *jsonl);

/* "16-31, 40, 100-103" from sorted distinct LBAs, at most `max` ranges. */
char *repro_lba_ranges(const GArray *lbas, unsigned max);

/* "3/3  100%  [44%, 100%]" style pieces for the table. */
char *repro_rate_text(unsigned k, unsigned n);

#endif
