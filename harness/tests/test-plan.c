/*
 * test-plan.c - the planner: which runs, in which order, with which
 * seeds and directories, and which images are built first.
 */
#include "plan.h"

#include <string.h>

static Kernel *kernel(const char *label)
{
    Kernel *k = g_new0(Kernel, 1);

    k->label = g_strdup(label);
    return k;
}

static Scenario *scenario(const char *name, ScnImage image)
{
    Scenario *s = g_new0(Scenario, 1);

    s->name = g_strdup(name);
    s->image = image;
    return s;
}

static void free_scenario(gpointer p)
{
    Scenario *s = p;

    g_free(s->name);
    g_free(s);
}

typedef struct Fixture {
    GPtrArray *ks, *ss;
    PlanInput in;
} Fixture;

static void setup(Fixture *f, gconstpointer data)
{
    (void)data;
    f->ks = g_ptr_array_new_with_free_func((GDestroyNotify)kernel_free);
    f->ss = g_ptr_array_new_with_free_func(free_scenario);
    g_ptr_array_add(f->ks, kernel("debian-6.1"));
    g_ptr_array_add(f->ks, kernel("debian-7.2"));
    g_ptr_array_add(f->ss, scenario("raw-pi-dio", SCN_IMAGE_DEFAULT));
    g_ptr_array_add(f->ss, scenario("fio-pi-verify", SCN_IMAGE_FULL));
    g_ptr_array_add(f->ss, scenario("xfs-pi-dio", SCN_IMAGE_DEFAULT));
    f->in = (PlanInput){ .kernels = f->ks,
                         .scenarios = f->ss,
                         .repeat = 2,
                         .seed = 100,
                         .seeded = true,
                         .out = "/r" };
}

static void teardown(Fixture *f, gconstpointer data)
{
    (void)data;
    g_ptr_array_unref(f->ks);
    g_ptr_array_unref(f->ss);
}

static const PlanRun *run_at(const Plan *p, unsigned i)
{
    return &g_array_index(p->runs, PlanRun, i);
}

/* kernels x scenarios x repeats, kernel-major, then scenario, repeat */
static void test_order(Fixture *f, gconstpointer data)
{
    g_autoptr(Plan) p = plan_build(&f->in);
    unsigned i = 0;

    (void)data;
    g_assert_cmpuint(p->runs->len, ==, 2 * 3 * 2);
    g_assert_cmpuint(p->n_cells, ==, 6);
    for (unsigned k = 0; k < 2; k++) {
        for (unsigned s = 0; s < 3; s++) {
            for (unsigned r = 1; r <= 2; r++, i++) {
                const PlanRun *run = run_at(p, i);
                g_assert_cmpuint(run->kernel, ==, k);
                g_assert_cmpuint(run->scenario, ==, s);
                g_assert_cmpuint(run->repeat, ==, r);
                g_assert_cmpuint(run->cell, ==, k * 3 + s);
            }
        }
    }
}

/* every run has its own directory: parallel runs never share files */
static void test_dirs_unique(Fixture *f, gconstpointer data)
{
    g_autoptr(Plan) p = plan_build(&f->in);
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

    (void)data;
    g_assert_cmpstr(run_at(p, 0)->dir, ==, "/r/debian-6.1/raw-pi-dio/1");
    g_assert_cmpstr(run_at(p, 11)->dir, ==, "/r/debian-7.2/xfs-pi-dio/2");
    for (unsigned i = 0; i < p->runs->len; i++) {
        g_assert_true(g_hash_table_add(seen, run_at(p, i)->dir));
    }
}

/* --seed S: repeat i runs with S + i - 1 on every kernel and scenario */
static void test_seeds(Fixture *f, gconstpointer data)
{
    g_autoptr(Plan) p = plan_build(&f->in);

    (void)data;
    for (unsigned i = 0; i < p->runs->len; i++) {
        const PlanRun *r = run_at(p, i);
        g_assert_cmpuint(r->seed, ==, 100 + r->repeat - 1);
    }
    f->in.seeded = false;
    g_autoptr(Plan) q = plan_build(&f->in);
    g_assert_cmpuint(run_at(q, 0)->seed, ==, 100 + 7919);
    g_assert_cmpuint(run_at(q, 1)->seed, ==, 100 + 2 * 7919);
    g_assert_cmpuint(run_at(q, 2)->seed, ==, run_at(q, 0)->seed);
}

/* each (kernel, variant) once, in first-use order; none with --image */
static void test_images(Fixture *f, gconstpointer data)
{
    g_autoptr(Plan) p = plan_build(&f->in);
    const PlanImage want[] = { { 0, SCN_IMAGE_DEFAULT },
                               { 0, SCN_IMAGE_FULL },
                               { 1, SCN_IMAGE_DEFAULT },
                               { 1, SCN_IMAGE_FULL } };

    (void)data;
    g_assert_cmpuint(p->images->len, ==, G_N_ELEMENTS(want));
    for (unsigned i = 0; i < G_N_ELEMENTS(want); i++) {
        const PlanImage *im = &g_array_index(p->images, PlanImage, i);
        g_assert_cmpuint(im->kernel, ==, want[i].kernel);
        g_assert_cmpuint(im->variant, ==, want[i].variant);
    }
    f->in.image_given = true;
    g_autoptr(Plan) q = plan_build(&f->in);
    g_assert_cmpuint(q->images->len, ==, 0);
    g_assert_cmpuint(q->runs->len, ==, p->runs->len);
}

/* one kernel, one scenario, one repeat: the smallest plan */
static void test_single(Fixture *f, gconstpointer data)
{
    (void)data;
    g_ptr_array_set_size(f->ks, 1);
    g_ptr_array_set_size(f->ss, 1);
    f->in.repeat = 1;
    g_autoptr(Plan) p = plan_build(&f->in);
    g_assert_cmpuint(p->runs->len, ==, 1);
    g_assert_cmpuint(p->images->len, ==, 1);
    g_assert_cmpuint(run_at(p, 0)->seed, ==, 100);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/plan/order", Fixture, NULL, setup, test_order, teardown);
    g_test_add("/plan/dirs-unique", Fixture, NULL, setup, test_dirs_unique,
               teardown);
    g_test_add("/plan/seeds", Fixture, NULL, setup, test_seeds, teardown);
    g_test_add("/plan/images", Fixture, NULL, setup, test_images, teardown);
    g_test_add("/plan/single", Fixture, NULL, setup, test_single, teardown);
    return g_test_run();
}
