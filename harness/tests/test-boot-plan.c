/*
 * test-boot-plan.c - multi-boot scenarios: [steps N] / [boot N] parsing
 * and its errors, and the boot plan built from them (cuts and their
 * seeded moments, devices removed, hooks per boot, checks).
 */
#include "boot-plan.h"
#include "scenario.h"

#include <string.h>

static const char *multi = "[scenario]\n"
                           "description = two boots\n"
                           "md-check = true\n"
                           "[device d0]\n"
                           "hooks = dma-delay=200000\n"
                           "[device d1]\n"
                           "hooks = dma-delay=200000;dma-source=first\n"
                           "[device j]\n"
                           "model = nvme\n"
                           "[steps]\n"
                           "create = !mdadm --create ...\n"
                           "torture = dio-torture ...\n"
                           "[boot 1]\n"
                           "power-cut = during torture 2-6\n"
                           "[steps 2]\n"
                           "assemble = !mdadm --assemble ...\n"
                           "verify = dio-torture --verify-only ...\n"
                           "[boot 2]\n"
                           "audit = true\n"
                           "remove = d1\n"
                           "hooks-d0 = dma-delay=0\n"
                           "md-check = false\n"
                           "[steps 3]\n"
                           "again = true\n"
                           "[boot 3]\n"
                           "power-cut = after again\n"
                           "[expect]\n"
                           "pass = *\n";

static Scenario *parse(const char *text, GError **e)
{
    return scenario_parse("m.ini", text, strlen(text), e);
}

static void test_parse(void)
{
    g_autoptr(GError) e = NULL;
    g_autoptr(Scenario) s = parse(multi, &e);
    const ScnBoot *b;

    g_assert_no_error(e);
    g_assert_cmpuint(s->boots->len, ==, 3);
    b = g_ptr_array_index(s->boots, 0);
    g_assert_cmpstr(b->step_names[1], ==, "torture");
    g_assert_cmpint(b->cut, ==, SCN_CUT_DURING);
    g_assert_cmpuint(b->cut_step, ==, 1);
    g_assert_cmpfloat(b->cut_min_s, ==, 2);
    g_assert_cmpfloat(b->cut_max_s, ==, 6);
    b = g_ptr_array_index(s->boots, 1);
    g_assert_cmpstr(b->steps[0], ==, "!mdadm --assemble ...");
    g_assert_cmpint(b->cut, ==, SCN_CUT_NONE);
    g_assert_true(b->audit);
    g_assert_cmpstr(b->remove[0], ==, "d1");
    g_assert_cmpstr(b->hooks[0], ==, "dma-delay=0");
    g_assert_null(b->hooks[1]);
    g_assert_cmpint(b->md_check, ==, 0);
    b = g_ptr_array_index(s->boots, 2);
    g_assert_cmpint(b->cut, ==, SCN_CUT_AFTER);
    g_assert_cmpint(b->md_check, ==, -1);
}

static void test_single_boot(void)
{
    g_autoptr(GError) e = NULL;
    g_autoptr(Scenario) s = parse("[scenario]\ndescription = x\n"
                                  "[device d0]\n[steps]\na = true\n"
                                  "[expect]\npass = *\n",
                                  &e);
    g_autoptr(BootPlan) p = NULL;
    g_autofree char *cut = NULL;

    g_assert_no_error(e);
    g_assert_cmpuint(s->boots->len, ==, 1);
    p = boot_plan_build(s, 1);
    g_assert_cmpuint(p->n, ==, 1);
    g_assert_cmpint(p->boots[0].cut, ==, SCN_CUT_NONE);
    g_assert_true(p->boots[0].present[0]);
    cut = boot_plan_cut_arg(&p->boots[0]);
    g_assert_cmpstr(cut, ==, "");
}

static void test_plan(void)
{
    g_autoptr(GError) e = NULL;
    g_autoptr(Scenario) s = parse(multi, &e);
    g_autoptr(BootPlan) p = boot_plan_build(s, 42);
    g_autoptr(BootPlan) same = boot_plan_build(s, 42);
    g_autofree char *cut1 = NULL, *cut3 = NULL, *d1 = NULL, *d2 = NULL,
                    *d3 = NULL;
    bool moved = false;

    g_assert_cmpuint(p->n, ==, 3);
    /* boot 1: cut during step 2 at a seeded moment in [2, 6] */
    g_assert_cmpint(p->boots[0].cut, ==, SCN_CUT_DURING);
    g_assert_cmpuint(p->boots[0].cut_step, ==, 2);
    g_assert_cmpfloat(p->boots[0].cut_at_s, >=, 2);
    g_assert_cmpfloat(p->boots[0].cut_at_s, <=, 6);
    g_assert_cmpfloat(p->boots[0].cut_at_s, ==, same->boots[0].cut_at_s);
    for (guint64 seed = 1; seed < 20; seed++) {
        g_autoptr(BootPlan) q = boot_plan_build(s, seed);
        g_assert_cmpfloat(q->boots[0].cut_at_s, >=, 2);
        g_assert_cmpfloat(q->boots[0].cut_at_s, <=, 6);
        moved |= q->boots[0].cut_at_s != p->boots[0].cut_at_s;
    }
    g_assert_true(moved);
    cut1 = boot_plan_cut_arg(&p->boots[0]);
    g_assert_true(g_str_has_prefix(cut1, "during 2 "));
    g_assert_true(p->boots[0].md_check);
    g_assert_true(p->boots[0].present[1]);
    g_assert_cmpstr(p->boots[0].hooks[1], ==,
                    "dma-delay=200000;dma-source=first");
    g_assert_cmpstr(p->boots[0].hooks[2], ==, "");

    /* boot 2: audit first, d1 removed, d0's hooks changed, no md check */
    g_assert_true(p->boots[1].audit_before);
    g_assert_true(p->boots[1].present[0]);
    g_assert_false(p->boots[1].present[1]);
    g_assert_true(p->boots[1].present[2]);
    g_assert_cmpstr(p->boots[1].hooks[0], ==, "dma-delay=0");
    g_assert_cmpstr(p->boots[1].hooks[1], ==,
                    "dma-delay=200000;dma-source=first");
    g_assert_false(p->boots[1].md_check);

    /* boot 3: the device's own hooks again; cut after its only step */
    g_assert_cmpstr(p->boots[2].hooks[0], ==, "dma-delay=200000");
    g_assert_true(p->boots[2].present[1]);
    g_assert_true(p->boots[2].md_check);
    cut3 = boot_plan_cut_arg(&p->boots[2]);
    g_assert_cmpstr(cut3, ==, "after 1");

    d1 = boot_plan_describe(s, &p->boots[0]);
    g_assert_nonnull(strstr(d1, "boot 1: create torture; power cut "));
    g_assert_nonnull(strstr(d1, "s into torture"));
    d2 = boot_plan_describe(s, &p->boots[1]);
    g_assert_cmpstr(d2, ==,
                    "boot 2: audit the images; d0 hooks 'dma-delay=0'; "
                    "without d1; assemble verify");
    d3 = boot_plan_describe(s, &p->boots[2]);
    g_assert_cmpstr(d3, ==, "boot 3: again; power cut after again");
}

static void test_boot_scenario(void)
{
    g_autoptr(GError) e = NULL;
    g_autoptr(Scenario) s = parse(multi, &e);
    g_autoptr(BootPlan) p = boot_plan_build(s, 1);
    Scenario *b1 = boot_plan_scenario(s, &p->boots[0]);
    Scenario *b2 = boot_plan_scenario(s, &p->boots[1]);
    const ScnDevice *d;

    g_assert_cmpuint(b1->devices->len, ==, 3);
    g_assert_cmpstr(b1->steps[1], ==, "dio-torture ...");
    g_assert_true(b1->md_check);
    d = g_ptr_array_index(b1->devices, 1);
    g_assert_cmpstr(d->hooks[1], ==, "dma-source=first");
    d = g_ptr_array_index(b1->devices, 2);
    g_assert_null(d->hooks);

    /* boot 2: d1 gone, d0 with its boot hooks, boot 2's steps */
    g_assert_cmpuint(b2->devices->len, ==, 2);
    d = g_ptr_array_index(b2->devices, 0);
    g_assert_cmpstr(d->name, ==, "d0");
    g_assert_cmpstr(d->hooks[0], ==, "dma-delay=0");
    g_assert_null(d->hooks[1]);
    d = g_ptr_array_index(b2->devices, 1);
    g_assert_cmpstr(d->name, ==, "j");
    g_assert_cmpstr(b2->steps[0], ==, "!mdadm --assemble ...");
    g_assert_false(b2->md_check);
    g_assert_null(b2->boots);
    /* the scenario itself is untouched */
    d = g_ptr_array_index(s->devices, 0);
    g_assert_cmpstr(d->hooks[0], ==, "dma-delay=200000");
    boot_plan_scenario_free(b1);
    boot_plan_scenario_free(b2);
}

/* Replace `from` in `multi` by `to`, parse, expect an error with `want`. */
static void expect_error(const char *from, const char *to, const char *want)
{
    g_autoptr(GError) e = NULL;
    const char *at = strstr(multi, from);
    g_autofree char *text = NULL;
    g_autoptr(Scenario) s = NULL;

    g_assert_nonnull(at);
    text = g_strdup_printf("%.*s%s%s", (int)(at - multi), multi, to,
                           at + strlen(from));
    s = parse(text, &e);
    g_assert_null(s);
    g_assert_nonnull(e);
    if (!strstr(e->message, want)) {
        g_error("'%s' lacks '%s'", e->message, want);
    }
}

static void test_errors(void)
{
    expect_error("power-cut = during torture 2-6",
                 "power-cut = during tortur 2-6",
                 "m.ini:14: [boot 1] power-cut: 'tortur' is not a step of "
                 "this boot (its steps: create, torture)");
    expect_error("power-cut = during torture 2-6",
                 "power-cut = during torture 6-2", "is not 'after STEP' or");
    expect_error("power-cut = during torture 2-6", "power-cut = before torture",
                 "is not 'after STEP' or");
    expect_error("remove = d1", "remove = d9",
                 "[boot 2] remove: no [device d9] in this scenario");
    expect_error("hooks-d0 = dma-delay=0", "hooks-j = dma-delay=0",
                 "timing hooks need model = nvme-pi");
    expect_error("hooks-d0 = dma-delay=0", "hooks-d0 = dma-delay",
                 "is not property=value");
    expect_error("audit = true", "audti = true", "[boot 2] audti: unknown key");
    expect_error("[steps 3]", "[steps 4]",
                 "there is a [steps 4] but no [steps 3]");
    expect_error("[boot 3]", "[boot 7]", "there is no boot 7");
    expect_error("[boot 3]", "[boots 3]", "unknown group");
    expect_error("[steps 2]", "[steps 1]", "boot 1's steps are [steps]");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/boot-plan/parse", test_parse);
    g_test_add_func("/boot-plan/single-boot", test_single_boot);
    g_test_add_func("/boot-plan/plan", test_plan);
    g_test_add_func("/boot-plan/errors", test_errors);
    g_test_add_func("/boot-plan/boot-scenario", test_boot_scenario);
    return g_test_run();
}
