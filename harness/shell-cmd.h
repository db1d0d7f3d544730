/*
 * shell-cmd.h - `pit shell`: the torture VM with a scenario's devices
 * and a shell on this terminal.
 */
#ifndef PIT_SHELL_CMD_H
#define PIT_SHELL_CMD_H

int shell_cmd(int argc, char **argv);

#endif
