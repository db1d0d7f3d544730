/*
 * vm.h - run one QEMU: its own process group, a timeout, an early end
 * when the guest is done, device counters over QMP, and never an orphan
 * (Ctrl-C, SIGTERM, timeouts and pit's own death all take QEMU down).
 */
#ifndef PIT_VM_H
#define PIT_VM_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>

#include "qmp.h"

typedef struct VmSpec {
    char **argv;
    const char *log_path;     /* QEMU's own stdout+stderr */
    const char *console_path; /* watched for a panic */
    const char *result_path;  /* watched for the end frame */
    const char *qmp_path;
    double timeout_s;
    const char *const *device_ids; /* read stat-* counters from these */
} VmSpec;

typedef struct VmOutcome {
    bool started;
    bool timed_out;
    bool interrupted; /* Ctrl-C / SIGTERM */
    bool crashed;     /* exited on its own with a signal or non-zero */
    int exit;         /* exit code or -signal */
    double seconds;
    JsonObject *counters; /* device id -> { stat-* -> n } */
    char *error;          /* why it did not start */
} VmOutcome;

/* Install the SIGINT/SIGTERM handlers (once, from main). */
void vm_install_signal_handlers(void);
/* True once Ctrl-C or SIGTERM arrived: stop starting runs. */
bool vm_interrupted(void);

void vm_run(const VmSpec *spec, VmOutcome *out);

void vm_outcome_clear(VmOutcome *o);

/*
 * One step of watching a running guest, for every backend: connect to
 * QMP at qmp_path (into *q) once the socket had half a second to appear,
 * and say whether the guest is finished -- its result frame is complete
 * in result_path, or console_path shows a panic.
 */
bool vm_watch_step(Qmp **q, const char *qmp_path, double elapsed,
                   const char *result_path, const char *console_path);

#endif
