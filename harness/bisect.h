/*
 * bisect.h - the pure core of pit bisect: which position to test next,
 * how a step's repeats are judged, and the chance that a step was judged
 * wrongly given the failure rate measured at the failing end.  No I/O.
 */
#ifndef PIT_BISECT_H
#define PIT_BISECT_H

#include <stdbool.h>

/*
 * Positions 0..n-1 in order (oldest first).  Position 0 is known to be
 * like the old end, n-1 like the new end; the answer is the first
 * position that is like the new end.
 */
typedef struct Bisect {
    unsigned n;
    unsigned lo; /* last position known like the old end */
    unsigned hi; /* first position known like the new end */
} Bisect;

void bisect_init(Bisect *b, unsigned n);
/* The next position to test, or -1 when bisect_result is known. */
int bisect_next(const Bisect *b);
/* Record the judgement of a tested position. */
void bisect_mark(Bisect *b, unsigned pos, bool like_new);
/* The first position like the new end (valid once bisect_next is -1). */
unsigned bisect_result(const Bisect *b);
/* Steps still needed at most: ceil(log2(hi - lo)). */
unsigned bisect_steps_left(const Bisect *b);

/*
 * A step is judged by its repeats: it fails if any repeat failed (a race
 * shows up in some runs only; a pass proves nothing by itself).
 */
bool bisect_step_fails(unsigned failed, unsigned runs);

/*
 * The chance that a step whose kernel really has the failure was judged
 * passing: every one of `repeat` runs passed although each fails with
 * probability p.  p is taken conservatively as the one-sided 95% lower
 * bound (Wilson) of the failure rate measured at the failing end
 * (`failed` of `runs`); *p_hat gets the plain rate, *p_low the bound.
 * A passing kernel is assumed never to fail (no false positives: the
 * hooks only make a real race certain).  Returns the per-step chance.
 */
double bisect_wrong_step_chance(unsigned failed, unsigned runs, unsigned repeat,
                                double *p_hat, double *p_low);

/* The chance that any of `steps` failing-side steps was misjudged. */
double bisect_wrong_any_chance(double per_step, unsigned steps);

#endif
