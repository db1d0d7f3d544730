/*
 * boot-plan.c - a scenario's boots and actions as a plan (pure: no I/O)
 *
 * The moment of a cut "during" a step is drawn from the run's seed and
 * the boot number (splitmix64), so a run is repeated exactly with
 * `pit run --seed`, and repeats with consecutive seeds spread the cut
 * over the range.  Milliseconds are enough: the guest sleeps on them.
 */
#include "boot-plan.h"

#include <string.h>

static guint64 mix64(guint64 z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double seeded_moment(const ScnBoot *b, guint64 seed, unsigned n)
{
    guint64 span_ms = (guint64)((b->cut_max_s - b->cut_min_s) * 1000 + 0.5);
    guint64 r = mix64(seed ^ mix64(n));

    return b->cut_min_s + (double)(span_ms ? r % (span_ms + 1) : 0) / 1000;
}

static char *joined_hooks(const ScnDevice *d)
{
    return d->hooks ? g_strjoinv(";", d->hooks) : g_strdup("");
}

BootPlan *boot_plan_build(const Scenario *s, guint64 seed)
{
    BootPlan *p = g_new0(BootPlan, 1);
    unsigned nd = s->devices->len;

    p->n = s->boots->len;
    p->boots = g_new0(BootPlanEntry, p->n);
    for (unsigned i = 0; i < p->n; i++) {
        const ScnBoot *b = g_ptr_array_index(s->boots, i);
        BootPlanEntry *e = &p->boots[i];

        e->n = i + 1;
        e->boot = b;
        e->cut = b->cut;
        e->cut_step = b->cut_step + 1;
        if (b->cut == SCN_CUT_DURING) {
            e->cut_at_s = seeded_moment(b, seed, e->n);
        }
        e->present = g_new0(bool, nd);
        e->hooks = g_new0(char *, nd + 1);
        for (unsigned d = 0; d < nd; d++) {
            const ScnDevice *dev = g_ptr_array_index(s->devices, d);
            e->present[d] =
                !(b->remove &&
                  g_strv_contains((const char *const *)b->remove, dev->name));
            e->hooks[d] =
                b->hooks[d] ? g_strdup(b->hooks[d]) : joined_hooks(dev);
        }
        e->md_check = b->md_check < 0 ? s->md_check : b->md_check;
        e->fs_check = b->fs_check ? b->fs_check : s->fs_check;
        e->audit_before = b->audit;
    }
    return p;
}

void boot_plan_free(BootPlan *p)
{
    if (!p) {
        return;
    }
    for (unsigned i = 0; i < p->n; i++) {
        g_free(p->boots[i].present);
        g_strfreev(p->boots[i].hooks);
    }
    g_free(p->boots);
    g_free(p);
}

static void device_copy_free(gpointer p)
{
    ScnDevice *d = p;

    g_strfreev(d->hooks);
    g_free(d);
}

Scenario *boot_plan_scenario(const Scenario *s, const BootPlanEntry *e)
{
    Scenario *b = g_new(Scenario, 1);

    *b = *s; /* every pointer borrowed but the devices */
    b->devices = g_ptr_array_new_with_free_func(device_copy_free);
    for (unsigned i = 0; i < s->devices->len; i++) {
        ScnDevice *d;
        if (!e->present[i]) {
            continue;
        }
        d = g_new(ScnDevice, 1);
        *d = *(const ScnDevice *)g_ptr_array_index(s->devices, i);
        d->hooks = *e->hooks[i] ? g_strsplit(e->hooks[i], ";", -1) : NULL;
        g_ptr_array_add(b->devices, d);
    }
    b->steps = e->boot->steps;
    b->step_names = e->boot->step_names;
    b->md_check = e->md_check;
    b->fs_check = (char *)e->fs_check;
    b->boots = NULL;
    return b;
}

void boot_plan_scenario_free(Scenario *b)
{
    if (b) {
        g_ptr_array_free(b->devices, TRUE);
        g_free(b);
    }
}

char *boot_plan_cut_arg(const BootPlanEntry *e)
{
    switch (e->cut) {
    case SCN_CUT_AFTER:
        return g_strdup_printf("after %u", e->cut_step);
    case SCN_CUT_DURING:
        return g_strdup_printf("during %u %.3f", e->cut_step, e->cut_at_s);
    default:
        return g_strdup("");
    }
}

char *boot_plan_describe(const Scenario *s, const BootPlanEntry *e)
{
    GString *d = g_string_new(NULL);
    const char *const *names = (const char *const *)e->boot->step_names;
    unsigned nsteps = g_strv_length(e->boot->steps);

    g_string_append_printf(d, "boot %u:", e->n);
    if (e->audit_before) {
        g_string_append(d, " audit the images;");
    }
    for (unsigned i = 0; i < s->devices->len; i++) {
        const ScnDevice *dev = g_ptr_array_index(s->devices, i);
        g_autofree char *own = joined_hooks(dev);
        if (!e->present[i]) {
            g_string_append_printf(d, " without %s;", dev->name);
        } else if (strcmp(own, e->hooks[i])) {
            g_string_append_printf(d, " %s hooks '%s';", dev->name,
                                   e->hooks[i]);
        }
    }
    for (unsigned i = 0; i < nsteps; i++) {
        if (e->cut == SCN_CUT_NONE || i + 1 <= e->cut_step) {
            g_string_append_printf(d, " %s", names[i]);
        }
    }
    if (e->cut == SCN_CUT_AFTER) {
        g_string_append_printf(d, "; power cut after %s",
                               names[e->cut_step - 1]);
    } else if (e->cut == SCN_CUT_DURING) {
        g_string_append_printf(d, "; power cut %.3f s into %s", e->cut_at_s,
                               names[e->cut_step - 1]);
    } else {
        if (e->md_check) {
            g_string_append(d, "; md check");
        }
        if (e->fs_check && *e->fs_check) {
            g_string_append_printf(d, "; fs check %s", e->fs_check);
        }
    }
    return g_string_free(d, FALSE);
}
