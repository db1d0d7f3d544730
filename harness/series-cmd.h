/*
 * series-cmd.h - `pit series` and `pit bisect`: kernels built from
 * source, a patch series regressed patch by patch, and bisection.
 */
#ifndef PIT_SERIES_CMD_H
#define PIT_SERIES_CMD_H

int series_cmd(int argc, char **argv);
int bisect_cmd(int argc, char **argv);

#endif
