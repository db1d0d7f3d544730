/*
 * bisect.c - pit bisect's step logic and its error estimate (pure: no
 * I/O, unit-tested in harness/tests/test-bisect.c).
 */
#include "bisect.h"

#include <math.h>

void bisect_init(Bisect *b, unsigned n)
{
    b->n = n;
    b->lo = 0;
    b->hi = n ? n - 1 : 0;
}

int bisect_next(const Bisect *b)
{
    if (b->hi <= b->lo + 1) {
        return -1;
    }
    return (int)(b->lo + (b->hi - b->lo) / 2);
}

void bisect_mark(Bisect *b, unsigned pos, bool like_new)
{
    if (pos <= b->lo || pos >= b->hi) {
        return; /* outside the open interval: already known */
    }
    if (like_new) {
        b->hi = pos;
    } else {
        b->lo = pos;
    }
}

unsigned bisect_result(const Bisect *b)
{
    return b->hi;
}

unsigned bisect_steps_left(const Bisect *b)
{
    unsigned span = b->hi > b->lo ? b->hi - b->lo : 1, steps = 0;

    while ((1u << steps) < span) {
        steps++;
    }
    return steps;
}

bool bisect_step_fails(unsigned failed, unsigned runs)
{
    (void)runs;
    return failed > 0;
}

double bisect_wrong_step_chance(unsigned failed, unsigned runs, unsigned repeat,
                                double *p_hat, double *p_low)
{
    const double z = 1.6448536269514722; /* one-sided 95% */
    double n = runs, p, lo, centre, half;

    if (!runs) {
        if (p_hat) {
            *p_hat = 0;
        }
        if (p_low) {
            *p_low = 0;
        }
        return 1.0;
    }
    p = failed / n;
    centre = p + z * z / (2 * n);
    half = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n));
    lo = (centre - half) / (1 + z * z / n);
    if (lo < 0) {
        lo = 0;
    }
    if (p_hat) {
        *p_hat = p;
    }
    if (p_low) {
        *p_low = lo;
    }
    return pow(1 - lo, repeat);
}

double bisect_wrong_any_chance(double per_step, unsigned steps)
{
    return 1 - pow(1 - per_step, steps);
}
