/*
 * plan.h - what `pit run` will do, decided before anything runs: every
 * (kernel, scenario, repeat) with its seed and run directory, in the
 * order they start, and the guest images to build first.  Pure (no I/O):
 * tests/test-plan.c.
 */
#ifndef PIT_PLAN_H
#define PIT_PLAN_H

#include "kernel.h"
#include "scenario.h"

#include <glib.h>
#include <stdbool.h>

typedef struct PlanInput {
    GPtrArray *kernels;   /* Kernel*: their labels name the directories */
    GPtrArray *scenarios; /* Scenario* */
    unsigned repeat;      /* runs per (kernel, scenario), >= 1 */
    guint64 seed;
    bool seeded;      /* the user gave --seed: repeat i uses seed + i - 1 */
    bool image_given; /* --image: no image to build */
    const char *out;  /* the results root */
} PlanInput;

/* One guest image to build: kernel index, variant. */
typedef struct PlanImage {
    unsigned kernel;
    ScnImage variant;
} PlanImage;

typedef struct PlanRun {
    unsigned kernel, scenario; /* indexes into PlanInput's arrays */
    unsigned repeat;           /* 1-based */
    unsigned cell;             /* kernel * n_scenarios + scenario */
    guint64 seed;
    char *dir; /* <out>/<kernel label>/<scenario>/<repeat> */
} PlanRun;

typedef struct Plan {
    GArray *images; /* PlanImage, each (kernel, variant) once */
    GArray *runs;   /* PlanRun, kernel-major, then scenario, then repeat */
    unsigned n_cells;
} Plan;

Plan *plan_build(const PlanInput *in);
void plan_free(Plan *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Plan, plan_free)

/* The seed of repeat `repeat` (1-based) of a plan seeded with `seed`. */
guint64 plan_seed(guint64 seed, bool seeded, unsigned repeat);

#endif
