/*
 * repro-cmd.h - `pit repro` (does a bug report's program reproduce, how
 * often, on which kernels, on QEMU's nvme and on nvme-pi side by side)
 * and `pit replay` (the same runs again from a bundle).
 */
#ifndef PIT_REPRO_CMD_H
#define PIT_REPRO_CMD_H

int repro_cmd(int argc, char **argv);
int replay_cmd(int argc, char **argv);

#endif
