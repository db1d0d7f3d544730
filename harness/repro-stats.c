/*
 * repro-stats.c - rates, intervals, medians and the reliability rule of
 * `pit repro`; the per-(kernel, model) aggregate and the device record.
 *
 * Why Wilson: with the handful of runs a boot-per-run reproducer can
 * afford (3, 5, 10), the normal approximation gives intervals outside
 * [0, 1] and a zero width at 0/n and n/n; Wilson's score interval stays
 * inside and says "3/3" is compatible with a rate as low as 44%.
 */
#include "repro-stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The 97.5% quantile of the standard normal distribution. */
#define Z95 1.959963984540054

ReproInterval repro_wilson(unsigned k, unsigned n)
{
    ReproInterval r = { 0.0, 1.0 };

    if (n == 0 || k > n) {
        return r;
    }
    double p = (double)k / n, z2 = Z95 * Z95;
    double den = 1.0 + z2 / n;
    double centre = (p + z2 / (2.0 * n)) / den;
    double half = Z95 * sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / den;

    r.lo = centre - half;
    r.hi = centre + half;
    /* exact at the ends; rounding must not leave them a hair inside */
    if (k == 0 || r.lo < 0) {
        r.lo = 0;
    }
    if (k == n || r.hi > 1) {
        r.hi = 1;
    }
    return r;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

double repro_median(const double *v, unsigned n)
{
    if (!n) {
        return NAN;
    }
    g_autofree double *s = g_memdup2(v, n * sizeof(*v));
    qsort(s, n, sizeof(*s), cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
}

ReproReliability repro_reliability(unsigned k, unsigned n)
{
    if (n >= 5) {
        return 5 * k >= 2 * n ? REPRO_RELIABLE : REPRO_UNRELIABLE;
    }
    if (k >= 2) {
        return REPRO_RELIABLE;
    }
    return k + (5 - n) < 2 ? REPRO_UNRELIABLE : REPRO_UNDECIDED;
}

const char *repro_reliability_name(ReproReliability r)
{
    static const char *const names[] = { "reliable", "unreliable",
                                         "undecided (fewer than 5 runs)" };

    return names[r];
}

void repro_group_init(ReproGroup *g)
{
    memset(g, 0, sizeof(*g));
    g->first_sign_s = g_array_new(FALSE, FALSE, sizeof(double));
    g->lbas = g_array_new(FALSE, FALSE, sizeof(guint64));
}

void repro_group_clear(ReproGroup *g)
{
    if (g->first_sign_s) {
        g_array_free(g->first_sign_s, TRUE);
    }
    if (g->lbas) {
        g_array_free(g->lbas, TRUE);
    }
    memset(g, 0, sizeof(*g));
}

void repro_group_add(ReproGroup *g, int state, double first_sign_s)
{
    g->runs++;
    if (state == 2) {
        g->errors++;
        return;
    }
    g->answered++;
    if (state == 1) {
        g->reproduced++;
        if (!isnan(first_sign_s)) {
            g_array_append_val(g->first_sign_s, first_sign_s);
        }
    }
}

GArray *repro_mutation_lbas(const char *jsonl)
{
    GArray *a = g_array_new(FALSE, FALSE, sizeof(guint64));
    const char *p = jsonl;

    while (p && *p) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        /* "lba": not "slba": the block holding the first changed byte */
        const char *k = g_strstr_len(p, len, "\"lba\":");
        if (k) {
            char *end;
            guint64 v = g_ascii_strtoull(k + 6, &end, 10);
            if (end != k + 6) {
                g_array_append_val(a, v);
            }
        }
        p = eol ? eol + 1 : NULL;
    }
    return a;
}

static int cmp_u64(gconstpointer a, gconstpointer b)
{
    guint64 x = *(const guint64 *)a, y = *(const guint64 *)b;

    return x < y ? -1 : x > y;
}

void repro_group_add_device(ReproGroup *g, uint64_t mutations,
                            uint64_t pi_errors, const char *mutation_log)
{
    g->mutations += mutations;
    g->pi_errors += pi_errors;
    if (mutations) {
        g->runs_with_mutations++;
    }
    g_autoptr(GArray) l = repro_mutation_lbas(mutation_log);
    g_array_append_vals(g->lbas, l->data, l->len);
    g_array_sort(g->lbas, cmp_u64);
    /* distinct */
    unsigned w = 0;
    for (unsigned i = 0; i < g->lbas->len; i++) {
        guint64 v = g_array_index(g->lbas, guint64, i);
        if (!w || g_array_index(g->lbas, guint64, w - 1) != v) {
            g_array_index(g->lbas, guint64, w++) = v;
        }
    }
    g_array_set_size(g->lbas, w);
}

char *repro_lba_ranges(const GArray *lbas, unsigned max)
{
    GString *s = g_string_new(NULL);
    unsigned ranges = 0, i = 0;

    while (i < lbas->len) {
        guint64 a = g_array_index(lbas, guint64, i), b = a;
        while (i + 1 < lbas->len &&
               g_array_index(lbas, guint64, i + 1) == b + 1) {
            b = g_array_index(lbas, guint64, ++i);
        }
        i++;
        if (ranges++ == max) {
            g_string_append(s, ", ...");
            break;
        }
        g_string_append_printf(s, "%s%" G_GUINT64_FORMAT, s->len ? ", " : "",
                               a);
        if (b != a) {
            g_string_append_printf(s, "-%" G_GUINT64_FORMAT, b);
        }
    }
    return g_string_free(s, FALSE);
}

char *repro_rate_text(unsigned k, unsigned n)
{
    ReproInterval ci = repro_wilson(k, n);

    if (!n) {
        return g_strdup_printf("%u/%u  -", k, n);
    }
    return g_strdup_printf("%u/%u  %3.0f%%  [%.0f%%, %.0f%%]", k, n,
                           100.0 * k / n, 100.0 * ci.lo, 100.0 * ci.hi);
}
