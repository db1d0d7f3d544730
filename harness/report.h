/*
 * report.h - what pit prints and writes about runs: the progress (a
 * live status line on a terminal, one line per finished run always),
 * the final matrix (scenarios x kernels), summary.json, junit.xml.
 */
#ifndef PIT_REPORT_H
#define PIT_REPORT_H

#include "executor.h"
#include "run.h"

#include <glib.h>

/* Progress of an executor run; its callbacks print (one thread). */
typedef struct Progress Progress;
Progress *progress_new(void);
void progress_free(Progress *p);
/* ExecCallbacks that report to `p` */
ExecCallbacks progress_callbacks(Progress *p);
/* One finished run's line (and its further reasons), for callers that
 * run without an executor. */
void report_run_line(const RunRecord *r);

/* The matrix; returns the number of unexpected (kernel, scenario) cells. */
unsigned report_matrix(GPtrArray *records, char **kernels, char **scenarios);
gboolean report_write_summary(const char *out, GPtrArray *records,
                              const char *accel_why, GError **error);
gboolean report_write_junit(const char *out, GPtrArray *records,
                            GError **error);

#endif
