/*
 * repro-setup.h - SETUP of `pit repro`: a scenario (file or library
 * name) or short words ("pi", "plain,btrfs", "raid5:3,skip_copy,xfs"),
 * turned into the Scenario each device model boots, with the reproducer
 * as its workload step.  Pure: no I/O (tests/test-repro-setup.c).
 */
#ifndef PIT_REPRO_SETUP_H
#define PIT_REPRO_SETUP_H

#include "scenario.h"

#include <glib.h>
#include <stdbool.h>

/* Where the reproducer and the added files are in the guest. */
#define REPRO_GUEST_DIR "/nvme-pi/files"
/* Mount point of a short setup's filesystem. */
#define REPRO_MNT "/mnt/repro"
/* dma-delay of nvme-pi in short setups: 1 ms of virtual time per write. */
#define REPRO_DEFAULT_DELAY_NS 1000000

/*
 * The scenario text of short SETUP words (comma or '+' separated; see
 * docs/repro.md), or NULL with an error naming the unknown word and the
 * known ones.  `timeout_s` is the guest job timeout.
 */
char *repro_setup_ini(const char *words, unsigned timeout_s, GError **error);

/*
 * Make `s` run the reproducer: the first workload step (named workload
 * or torture, or running dio-torture, fio or stress-ng) becomes
 * `program_cmd`, later workload steps are dropped, and without any the
 * program is appended.  Every device gets `model` (QEMU's nvme loses the
 * timing hooks, which it does not have); s->name becomes the model's
 * name.  Returns the 1-based step number of the program.
 */
unsigned repro_setup_adapt(Scenario *s, const char *program_cmd,
                           ScnModel model);

/*
 * Kernel arguments every repro and shell boot gets: no_timer_check,
 * because on a starved TCG host the boot's IO-APIC timer check can fail
 * and panic ("IO-APIC + timer doesn't work!"), which says nothing about
 * the program.  Added to s->append unless there.
 */
#define REPRO_BOOT_ARGS "no_timer_check"
void repro_setup_boot_args(Scenario *s);

/*
 * The program's step: cd to the filesystem (short setups) or /tmp, the
 * environment (DEV, MNT, REPRO_SEED=@SEED@) and the command, one shell
 * line.  `dev` is a shell word such as "$DEV_d0" or "/dev/md0".
 */
char *repro_program_step(const char *run, const char *const *args,
                         const char *dev, const char *mnt);

/* The block device the program should use in `s`: "$DEV_<first>". */
char *repro_setup_dev(const Scenario *s, const char *words);
/* REPRO_MNT when the short words name a filesystem, else NULL. */
const char *repro_setup_mnt(const char *words);

#endif
