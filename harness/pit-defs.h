/*
 * pit-defs.h - the numbers and strings more than one part of pit must
 * agree on, defined once: pit's exit status, the markers of the guest
 * protocol (docs/guest-protocol.md) and of the kernel's console, and the
 * fixed part of the kernel command line.  guest/init is a shell script
 * and spells the markers itself; keep them in step.
 */
#ifndef PIT_DEFS_H
#define PIT_DEFS_H

/* pit's exit status (docs/pit.md) */
#define PIT_EXIT_OK 0
#define PIT_EXIT_UNEXPECTED 1    /* REGRESSION, FIXED?, ERROR, no expectation */
#define PIT_EXIT_INPUT 2         /* bad scenario, kernel spec or option */
#define PIT_EXIT_DEPENDENCY 3    /* a missing tool/file, or not implemented */
#define PIT_EXIT_INTERRUPTED 130 /* Ctrl-C, SIGTERM, SIGHUP */

/* The guest's result frame on ttyS1. */
#define PIT_RESULT_BEGIN "NVMEPI-RESULT-BEGIN"
#define PIT_RESULT_END "NVMEPI-RESULT-END"
/* On the result port instead of a result: stop me now, without a clean
 * shutdown (a power cut of a multi-boot run, docs/scenarios.md "Boots"). */
#define PIT_POWER_CUT "NVMEPI-POWER-CUT"

/* Console lines that prove the kernel reached the guest's /init. */
#define PIT_CONSOLE_RAN_INIT "Run /init"
#define PIT_CONSOLE_GUEST_SAID "nvme-pi:"

/* A kernel panic: the guest will never send a result. */
#define PIT_PANIC_TITLE "Kernel panic - not syncing"

/*
 * The fixed part of every guest's kernel command line: the console on
 * ttyS0, a panic stops the machine (with -no-reboot) instead of waiting,
 * an oops is a panic so pit sees it as a crash.  no_timer_check: on a
 * busy host a TCG guest's timer can miss the kernel's boot-time IO-APIC
 * timer check, which then panics ("IO-APIC + timer doesn't work!");
 * seen with two VMs at once on a loaded 2-core machine.
 */
#define PIT_BOOT_APPEND "console=ttyS0 panic=-1 oops=panic no_timer_check"
/* ... followed by the run id the guest echoes in its result */
#define PIT_BOOT_RUN_KEY "nvmepi.run="

#endif
