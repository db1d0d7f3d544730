/*
 * test-bisect.c - pit bisect's pure core (steps, judgement, the chance
 * of a wrongly judged step), the build: spec and the hunk finder used
 * when a patch does not apply.
 */
#include "bisect.h"
#include "kbuild.h"
#include "series.h"

#include <math.h>
#include <string.h>

/* Drive a bisect over n positions whose first "new" position is `first`;
 * return the answer and count the steps. */
static unsigned run(unsigned n, unsigned first, unsigned *steps)
{
    Bisect b;
    int pos;

    bisect_init(&b, n);
    *steps = 0;
    while ((pos = bisect_next(&b)) >= 0) {
        g_assert_cmpint(pos, >, 0);
        g_assert_cmpint(pos, <, (int)n - 1);
        bisect_mark(&b, (unsigned)pos, (unsigned)pos >= first);
        (*steps)++;
    }
    return bisect_result(&b);
}

static void test_steps(void)
{
    unsigned steps;

    /* every answer of every size is found in ceil(log2(n-1)) steps */
    for (unsigned n = 2; n <= 40; n++) {
        for (unsigned first = 1; first < n; first++) {
            Bisect b;
            bisect_init(&b, n);
            unsigned bound = bisect_steps_left(&b);
            g_assert_cmpuint(run(n, first, &steps), ==, first);
            g_assert_cmpuint(steps, <=, bound);
        }
    }
    /* the example series: base, patch 1, patch 2; the fix is patch 2 */
    g_assert_cmpuint(run(3, 2, &steps), ==, 2);
    g_assert_cmpuint(steps, ==, 1);
    /* two positions: nothing to test */
    g_assert_cmpuint(run(2, 1, &steps), ==, 1);
    g_assert_cmpuint(steps, ==, 0);
}

static void test_mark_outside_ignored(void)
{
    Bisect b;

    bisect_init(&b, 10);
    bisect_mark(&b, 5, true);
    bisect_mark(&b, 7, false); /* beyond hi: known already */
    g_assert_cmpuint(b.hi, ==, 5);
    g_assert_cmpuint(b.lo, ==, 0);
}

static void test_judgement(void)
{
    g_assert_false(bisect_step_fails(0, 5));
    g_assert_true(bisect_step_fails(1, 5));
    g_assert_true(bisect_step_fails(5, 5));
}

static void test_wrong_chance(void)
{
    double p, lo, c;

    /* every run failed at the bad end: p = 1, but the bound is honest */
    c = bisect_wrong_step_chance(3, 3, 3, &p, &lo);
    g_assert_cmpfloat(p, ==, 1.0);
    g_assert_cmpfloat(lo, >, 0.4);
    g_assert_cmpfloat(lo, <, 0.6);
    g_assert_cmpfloat(fabs(c - pow(1 - lo, 3)), <, 1e-12);
    /* more evidence and more repeats make the chance small */
    g_assert_cmpfloat(bisect_wrong_step_chance(20, 20, 10, NULL, NULL), <,
                      1e-6);
    /* a rare race: 1 of 10 runs; 3 repeats easily miss it */
    c = bisect_wrong_step_chance(1, 10, 3, &p, &lo);
    g_assert_cmpfloat(fabs(p - 0.1), <, 1e-12);
    g_assert_cmpfloat(c, >, 0.7);
    /* no measurement: no claim */
    g_assert_cmpfloat(bisect_wrong_step_chance(0, 0, 3, NULL, NULL), ==, 1.0);
    /* over several steps */
    g_assert_cmpfloat(fabs(bisect_wrong_any_chance(0.1, 2) - 0.19), <, 1e-12);
    g_assert_cmpfloat(bisect_wrong_any_chance(0, 5), ==, 0);
}

static void test_build_spec(void)
{
    KbuildSpec s;
    g_autoptr(GError) e = NULL;

    g_assert_true(kbuild_spec_parse("build:debian:7.2", &s, NULL));
    g_assert_cmpstr(s.tree, ==, "debian:7.2");
    g_assert_null(s.rev);
    g_assert_null(s.series);
    g_assert_null(s.configs[0]);
    kbuild_spec_clear(&s);

    g_assert_true(
        kbuild_spec_parse("build:/src/linux@v7.1+fix.mbox", &s, NULL));
    g_assert_cmpstr(s.tree, ==, "/src/linux");
    g_assert_cmpstr(s.rev, ==, "v7.1");
    g_assert_cmpstr(s.series, ==, "fix.mbox");
    kbuild_spec_clear(&s);

    g_assert_false(kbuild_spec_parse("build:debian:seven", &s, &e));
    g_assert_nonnull(strstr(e->message, "build:debian:7.2"));
    g_clear_error(&e);
    g_assert_false(kbuild_spec_parse("build:/l,bogus=1", &s, &e));
    g_assert_nonnull(strstr(e->message, "only config=FILE"));
    g_clear_error(&e);
    g_assert_false(
        kbuild_spec_parse("build:/l,config=/nonexistent.cfg", &s, &e));
    g_assert_nonnull(strstr(e->message, "does not exist"));
    g_clear_error(&e);
    g_assert_false(kbuild_spec_parse("build:/l@", &s, &e));
    g_clear_error(&e);
}

static void test_hunk_at(void)
{
    const char *patch = "diff --git a/a.c b/a.c\n"
                        "--- a/a.c\n+++ b/a.c\n"
                        "@@ -10,3 +10,4 @@ f\n x\n+y\n"
                        "diff --git a/b.c b/b.c\n"
                        "--- a/b.c\n+++ b/b.c\n"
                        "@@ -5,3 +5,4 @@ g\n x\n+y\n"
                        "@@ -128,6 +129,7 @@ h\n x\n+z\n";
    g_autofree char *hdr = NULL;

    g_assert_cmpuint(series_hunk_at(patch, "b.c", 128, &hdr), ==, 2);
    g_assert_cmpstr(hdr, ==, "@@ -128,6 +129,7 @@");
    g_assert_cmpuint(series_hunk_at(patch, "a.c", 10, NULL), ==, 1);
    g_assert_cmpuint(series_hunk_at(patch, "c.c", 10, NULL), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/bisect/steps", test_steps);
    g_test_add_func("/bisect/mark-outside", test_mark_outside_ignored);
    g_test_add_func("/bisect/judgement", test_judgement);
    g_test_add_func("/bisect/wrong-chance", test_wrong_chance);
    g_test_add_func("/kbuild/spec", test_build_spec);
    g_test_add_func("/series/hunk-at", test_hunk_at);
    return g_test_run();
}
