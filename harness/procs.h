/*
 * procs.h - the signals pit reacts to and the registry of the process
 * groups it started.  Every emulator runs in a group of its own; the
 * registry holds all of them at once (N VMs with --jobs N), and Ctrl-C,
 * SIGTERM or SIGHUP kills every registered group from the handler, so
 * no QEMU outlives an interrupted pit.  Builds (kernel-build and its
 * make) are registered apart: they are asked to stop (SIGTERM, so make
 * deletes its half-written targets) and killed on a second signal.
 */
#ifndef PIT_PROCS_H
#define PIT_PROCS_H

#include <stdbool.h>
#include <sys/types.h>

/* Install the SIGINT/SIGTERM/SIGHUP handlers (once, from main). */
void procs_install_signal_handlers(void);
/*
 * The same signals to `fn` instead, SIGPIPE ignored (pit shell, whose
 * QEMU shares pit's process group and so cannot be registered).
 */
void procs_install_handler(void (*fn)(int));
/* True once procs_install_signal_handlers() ran: a child may then live
 * in a group of its own, the handler passes the stop on to it. */
bool procs_handlers_installed(void);
/* True once a stop signal arrived: start nothing new. */
bool procs_interrupted(void);

/*
 * Track the process group `pgid` until procs_unregister(); false when
 * the registry is full (the caller must not start the process).  Both
 * are lock-free and may be called from any thread.
 */
bool procs_register(pid_t pgid);
void procs_unregister(pid_t pgid);
/* The same for a build's group: SIGTERM on the first signal, SIGKILL on
 * the next. */
bool procs_register_build(pid_t pgid);
void procs_unregister_build(pid_t pgid);

#endif
