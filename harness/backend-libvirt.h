/*
 * backend-libvirt.h - run one VM through libvirt (`pit run --backend
 * libvirt`): make sure a daemon is there, define + start the domain,
 * supervise it like vm.c supervises QEMU, and always destroy + undefine
 * it (done, timeout, Ctrl-C).  Drives virsh, so pit needs no libvirt
 * headers to build and every step is one a user can repeat by hand.
 */
#ifndef PIT_BACKEND_LIBVIRT_H
#define PIT_BACKEND_LIBVIRT_H

#include "vm.h"

#include <glib.h>

typedef struct LibvirtVmSpec {
    const char *uri;
    const char *name;     /* domain name */
    const char *xml_path; /* domain XML to define */
    const char *log_path; /* QEMU's log (copied from libvirt's) */
    const char *console_path;
    const char *result_path;
    const char *qmp_path; /* pit's own QMP monitor (qemu:commandline) */
    double timeout_s;
    const char *const *device_ids;
} LibvirtVmSpec;

/*
 * The URI to use: $PIT_LIBVIRT_URI or --libvirt-uri as given (a daemon
 * the user runs), else pit's private libvirtd (scripts/libvirt-daemon),
 * started when it is not running.  Also removes domains left by pit
 * processes that no longer exist (a SIGKILLed pit cannot clean up).
 */
char *libvirt_connect_uri(const char *given, GError **error);

/* The domain name of one run: pit-<pid>-<run id>. */
char *libvirt_domain_name(const char *run_id);

void libvirt_vm_run(const LibvirtVmSpec *spec, VmOutcome *out);

#endif
