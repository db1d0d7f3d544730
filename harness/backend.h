/*
 * backend.h - one interface for every way pit runs a VM (QEMU directly,
 * libvirt), and the one supervision loop over it (backend.c): start,
 * poll, read the device counters over pit's QMP monitor, stop, collect
 * the logs.  A backend owns only what differs; the loop owns when the
 * guest is done, the host timeout, Ctrl-C and the counters.
 */
#ifndef PIT_BACKEND_H
#define PIT_BACKEND_H

#include "qmp.h"
#include "run-spec.h"

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>

typedef struct VmOutcome {
    bool started;
    bool timed_out;
    bool interrupted; /* Ctrl-C / SIGTERM */
    bool crashed;     /* ended by itself before the guest was done, badly */
    int exit;         /* exit code or -signal */
    double seconds;
    JsonObject *counters; /* device id -> { stat-* -> n } */
    bool counters_final;  /* read after the result frame, not a snapshot */
    bool power_cut;       /* the guest asked for a power cut: the VM was
                             paused at once, then stopped without a clean
                             shutdown */
    unsigned cut_devices; /* devices that took the cut (nvme-pi's
                             power-lost) */
    char *error;          /* why it did not start */
} VmOutcome;

typedef enum VmPoll {
    VM_RUNNING,
    VM_POWERED_OFF, /* the guest is off, the emulator still answers QMP */
    VM_GONE,        /* the emulator ended by itself */
} VmPoll;

/* How a VM that went away by itself ended. */
typedef struct VmEnd {
    bool bad; /* a crash or error exit, whatever the guest did */
    int exit; /* exit code or -signal */
} VmEnd;

typedef struct Backend {
    const char *name;
    /*
     * The emulator may be gone the moment the guest powers off (libvirt
     * handles SHUTDOWN itself): read the counters as soon as the result
     * frame is complete, and keep snapshots before.
     */
    bool counters_vanish;
    /* Write the backend's files (qemu.cmdline, domain.xml) and start;
     * NULL with out->error set when it did not start. */
    void *(*start)(const RunSpec *s, VmOutcome *out);
    VmPoll (*poll)(void *vm, Qmp *q, double now, bool done, VmEnd *end);
    /* Afterwards nothing of the VM runs (q: pit's monitor, or NULL). */
    void (*stop)(void *vm, Qmp *q, VmOutcome *out);
    /* Gather the emulator's log into s->log; frees vm. */
    void (*collect_logs)(void *vm, const VmOutcome *out);
} Backend;

extern const Backend backend_qemu;
extern const Backend backend_libvirt;

/* "qemu" (or NULL) and "libvirt"; NULL for anything else. */
const Backend *backend_find(const char *name);

/* Run the spec's VM to its end through `b` (the supervision loop). */
void backend_supervise(const Backend *b, const RunSpec *s, VmOutcome *out);
void vm_outcome_clear(VmOutcome *o);

/* stat-* counters of every device of the spec, over QMP. */
JsonObject *backend_read_counters(Qmp *q, const RunSpec *s);

#endif
