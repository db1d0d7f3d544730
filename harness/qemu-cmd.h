/*
 * qemu-cmd.h - the QEMU command line for one run, built from the
 * scenario and the run's paths.  Pure (no I/O): tests/test-qemu-cmd.c.
 */
#ifndef PIT_QEMU_CMD_H
#define PIT_QEMU_CMD_H

#include "scenario.h"

#include <glib.h>

typedef struct QemuCmdInput {
    const char *qemu; /* binary */
    const Scenario *scn;
    const char *accel;  /* "kvm" or "tcg" */
    const char *kernel; /* bzImage */
    const char *initrd; /* image + job cpio */
    const char *run_id;
    const char *console_path;   /* ttyS0 log */
    const char *result_path;    /* ttyS1: the framed result */
    const char *qmp_path;       /* unix socket */
    const char *const *backing; /* one image per scn->devices, in order */
    const char *const *mutlog;  /* per device: mutation-log path or NULL */
} QemuCmdInput;

/* argv (NULL-terminated GPtrArray of char*, free with g_ptr_array_unref) */
GPtrArray *qemu_cmd_build(const QemuCmdInput *in);

/*
 * The parts the libvirt backend passes through qemu:commandline: the
 * -drive/-device pairs of every scenario device (in->scn, backing,
 * mutlog), and the firmware search path.  Appended to `a`.
 */
void qemu_cmd_add_devices(GPtrArray *a, const QemuCmdInput *in);
void qemu_cmd_add_firmware(GPtrArray *a);

/* The kernel command line pit passes (docs/guest-protocol.md). */
char *qemu_cmd_append(const Scenario *scn, const char *run_id);

/* argv as one shell-quoted line, for qemu.cmdline. */
char *qemu_cmd_to_string(GPtrArray *argv);

#endif
