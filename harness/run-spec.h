/*
 * run-spec.h - one run as one object: which kernel boots which
 * scenario's devices with which seed, where every file of the run lives
 * and how long the host waits.  Built by run_prepare() for `pit run`,
 * `pit xml` and every command that boots a scenario; written to the run
 * directory as run.json, so a run can be read back without pit's
 * command line.
 *
 * run_prepare() is pure (no I/O): it only computes names and paths.
 * run_stage() (run.h) creates the files the spec names.
 */
#ifndef PIT_RUN_SPEC_H
#define PIT_RUN_SPEC_H

#include "kernel.h"
#include "scenario.h"

#include <glib.h>
#include <json-glib/json-glib.h>

/* What the caller decided about one run. */
typedef struct RunInputs {
    const Kernel *kernel;
    const Scenario *scn; /* borrowed: must outlive the RunSpec */
    const char *image;   /* the guest initramfs (job appended per run) */
    const char *dir;     /* the run directory, absolute */
    const char *run_id;  /* default: <kernel label>.<scenario>.<repeat> */
    const char *domain;  /* libvirt domain; default pit-<pid>-<run id> */
    unsigned repeat;     /* 1-based */
    guint64 seed;
    const char *accel;       /* "kvm" or "tcg" */
    const char *qemu;        /* the emulator binary */
    const char *backend;     /* "qemu" (NULL too) or "libvirt" */
    const char *libvirt_uri; /* libvirt backend: the daemon */
    unsigned boot_slack_s;   /* host timeout = scenario timeout + this */
} RunInputs;

typedef struct RunSpec {
    char *kernel_spec, *kernel_label, *kernel_version, *vmlinuz;
    char *boot_image; /* what QEMU loads (Kernel.boot_image) */
    const Scenario *scn;
    char *scenario; /* scn->name */
    unsigned repeat;
    guint64 seed;
    char *accel, *qemu, *backend, *libvirt_uri;
    char *image;
    char *dir, *run_id, *domain;
    /* files of the run, all under dir */
    char *job_path, *initrd, *console, *result, *log;
    char *qmp; /* a socket in a short private directory; set by run_stage */
    GPtrArray *backing;    /* per device: image path; NULL-terminated */
    GPtrArray *mutlog;     /* per device: mutation log or NULL */
    GPtrArray *device_ids; /* per device: QOM id; NULL-terminated */
    char *job;             /* the /nvme-pi/job text */
    char *append;          /* the kernel command line */
    unsigned guest_timeout_s, host_timeout_s;
} RunSpec;

RunSpec *run_prepare(const RunInputs *in);
void run_spec_free(RunSpec *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RunSpec, run_spec_free)

/* The spec as JSON (run.json); pretty-printed text. */
char *run_spec_to_json(const RunSpec *s);

/* QEMU's argv for the qemu backend (NULL-terminated GPtrArray). */
GPtrArray *run_spec_qemu_argv(const RunSpec *s);
/* The libvirt domain XML; `comment` goes first when not NULL. */
char *run_spec_domain_xml(const RunSpec *s, const char *comment);

#endif
