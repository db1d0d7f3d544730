/*
 * plan.c - the plan of a `pit run`: kernels x scenarios x repeats, and
 * the images they need.  Pure.
 *
 * Seeds: with --seed S the user can repeat a run by hand, so repeat i
 * gets S + i - 1; a random base spreads repeats by a prime instead.
 * The same repeat of every (kernel, scenario) gets the same seed, so
 * kernels are compared on the same workload.
 */
#include "plan.h"

guint64 plan_seed(guint64 seed, bool seeded, unsigned repeat)
{
    return seeded ? seed + repeat - 1 : seed + (guint64)repeat * 7919;
}

static void add_image(GArray *images, unsigned kernel, ScnImage variant)
{
    for (unsigned i = 0; i < images->len; i++) {
        PlanImage *p = &g_array_index(images, PlanImage, i);
        if (p->kernel == kernel && p->variant == variant) {
            return;
        }
    }
    PlanImage im = { .kernel = kernel, .variant = variant };
    g_array_append_val(images, im);
}

static void clear_run(gpointer p)
{
    g_free(((PlanRun *)p)->dir);
}

Plan *plan_build(const PlanInput *in)
{
    Plan *p = g_new0(Plan, 1);
    unsigned ns = in->scenarios->len;

    p->images = g_array_new(FALSE, FALSE, sizeof(PlanImage));
    p->runs = g_array_new(FALSE, FALSE, sizeof(PlanRun));
    g_array_set_clear_func(p->runs, clear_run);
    p->n_cells = in->kernels->len * ns;
    for (unsigned k = 0; k < in->kernels->len; k++) {
        const Kernel *kern = g_ptr_array_index(in->kernels, k);
        for (unsigned s = 0; s < ns; s++) {
            const Scenario *scn = g_ptr_array_index(in->scenarios, s);
            if (!in->image_given) {
                add_image(p->images, k, scn->image);
            }
            for (unsigned r = 1; r <= in->repeat; r++) {
                PlanRun run = {
                    .kernel = k,
                    .scenario = s,
                    .repeat = r,
                    .cell = k * ns + s,
                    .seed = plan_seed(in->seed, in->seeded, r),
                    .dir = g_strdup_printf("%s/%s/%s/%u", in->out, kern->label,
                                           scn->name, r),
                };
                g_array_append_val(p->runs, run);
            }
        }
    }
    return p;
}

void plan_free(Plan *p)
{
    if (!p) {
        return;
    }
    g_array_unref(p->images);
    g_array_unref(p->runs);
    g_free(p);
}
