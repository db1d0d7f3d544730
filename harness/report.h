/*
 * report.h - what pit prints and writes about runs: the live progress
 * line, the final matrix (scenarios x kernels), summary.json, junit.xml.
 */
#ifndef PIT_REPORT_H
#define PIT_REPORT_H

#include "run.h"

#include <glib.h>

void report_progress_start(const char *kernel, const char *scenario,
                           unsigned repeat, unsigned total);
void report_progress_end(const RunRecord *r);

/* The matrix; returns the number of unexpected (kernel, scenario) cells. */
unsigned report_matrix(GPtrArray *records, char **kernels, char **scenarios);
gboolean report_write_summary(const char *out, GPtrArray *records,
                              const char *accel_why, GError **error);
gboolean report_write_junit(const char *out, GPtrArray *records,
                            GError **error);

#endif
