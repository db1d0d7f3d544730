/*
 * backend-libvirt.h - the libvirt backend (`pit run --backend libvirt`,
 * backend.h's backend_libvirt): make sure a daemon is there, define +
 * start the domain, and always destroy + undefine it (done, timeout,
 * Ctrl-C).  Drives virsh, so pit needs no libvirt headers to build and
 * every step is one a user can repeat by hand.
 */
#ifndef PIT_BACKEND_LIBVIRT_H
#define PIT_BACKEND_LIBVIRT_H

#include <glib.h>

/*
 * The URI to use: $PIT_LIBVIRT_URI or --libvirt-uri as given (a daemon
 * the user runs), else pit's private libvirtd (scripts/libvirt-daemon),
 * started when it is not running.  Also removes domains left by pit
 * processes that no longer exist (a SIGKILLed pit cannot clean up).
 */
char *libvirt_connect_uri(const char *given, GError **error);

#endif
