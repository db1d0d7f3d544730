/*
 * boot-plan.h - what each boot of a run does (pure: no I/O): its steps,
 * the power cut and its seeded moment, which devices are present, each
 * device's hooks, the checks, and the host actions before it.  Built
 * from a scenario and the run's seed, so the same seed gives the same
 * plan; run.c carries it out, harness/tests/test-boot-plan.c checks it.
 */
#ifndef PIT_BOOT_PLAN_H
#define PIT_BOOT_PLAN_H

#include "scenario.h"

#include <glib.h>
#include <stdbool.h>

typedef struct BootPlanEntry {
    unsigned n;          /* 1-based boot number */
    const ScnBoot *boot; /* the scenario's (borrowed) */
    ScnCut cut;
    unsigned cut_step; /* 1-based, as the guest numbers its steps */
    double cut_at_s;   /* SCN_CUT_DURING: seconds after the step began */
    bool *present;     /* per device: in this boot's VM */
    char **hooks;      /* per device: this boot's hooks, ';'-separated
                          (the [device]'s unless the boot changes them) */
    bool md_check;
    const char *fs_check; /* NULL or "": none */
    bool audit_before;    /* host: pit audit the images before booting */
} BootPlanEntry;

typedef struct BootPlan {
    unsigned n;
    BootPlanEntry *boots;
} BootPlan;

BootPlan *boot_plan_build(const Scenario *s, guint64 seed);
void boot_plan_free(BootPlan *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BootPlan, boot_plan_free)

/* The guest's NVMEPI_CUT value: "", "after N" or "during N SECONDS". */
char *boot_plan_cut_arg(const BootPlanEntry *e);

/*
 * The machine and job of one boot as a single-boot scenario: only the
 * devices present, each with this boot's hooks, this boot's steps and
 * checks.  Borrows from s (which must outlive it); free it with
 * boot_plan_scenario_free().
 */
Scenario *boot_plan_scenario(const Scenario *s, const BootPlanEntry *e);
void boot_plan_scenario_free(Scenario *b);

/* One line saying what the boot does, for the results and the log. */
char *boot_plan_describe(const Scenario *s, const BootPlanEntry *e);

#endif
