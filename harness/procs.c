/*
 * procs.c - signal handling and the process-group registry.
 *
 * The registry is a fixed array of slots changed with atomic operations
 * only: the signal handler walks it, so it can take no lock, and worker
 * threads add and remove their own emulator's group concurrently.
 * Emulators are killed outright; builds (a kernel build, its make and
 * compilers) get SIGTERM first, so make removes the targets it was
 * writing, and SIGKILL only on a second signal.
 */
#include "procs.h"

#include <signal.h>
#include <stddef.h>

/* More VMs than this at once would not fit in memory anyway. */
#define PROCS_MAX 256

static volatile sig_atomic_t interrupted;
static volatile sig_atomic_t signals_seen;
static volatile sig_atomic_t installed;
static pid_t groups[PROCS_MAX];
static pid_t builds[PROCS_MAX];

static void kill_slots(pid_t *slots, int sig)
{
    for (size_t i = 0; i < PROCS_MAX; i++) {
        pid_t g = __atomic_load_n(&slots[i], __ATOMIC_SEQ_CST);
        if (g > 0) {
            kill(-g, sig);
        }
    }
}

static void on_signal(int sig)
{
    interrupted = sig;
    signals_seen++;
    kill_slots(groups, SIGKILL);
    kill_slots(builds, signals_seen > 1 ? SIGKILL : SIGTERM);
}

void procs_install_signal_handlers(void)
{
    procs_install_handler(on_signal);
    installed = 1;
}

bool procs_handlers_installed(void)
{
    return installed != 0;
}

void procs_install_handler(void (*fn)(int))
{
    struct sigaction sa = { .sa_handler = fn };

    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    /* a QMP write after QEMU quit must be an error, not our death */
    signal(SIGPIPE, SIG_IGN);
}

bool procs_interrupted(void)
{
    return interrupted != 0;
}

static bool slot_add(pid_t *slots, pid_t pgid, int sig)
{
    for (size_t i = 0; i < PROCS_MAX; i++) {
        pid_t empty = 0;
        if (__atomic_compare_exchange_n(&slots[i], &empty, pgid, false,
                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
            /* a signal between spawn and here found no slot: catch up */
            if (interrupted) {
                kill(-pgid, sig);
            }
            return true;
        }
    }
    return false;
}

static void slot_remove(pid_t *slots, pid_t pgid)
{
    for (size_t i = 0; i < PROCS_MAX; i++) {
        pid_t g = pgid;
        if (__atomic_compare_exchange_n(&slots[i], &g, 0, false,
                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
            return;
        }
    }
}

bool procs_register(pid_t pgid)
{
    return slot_add(groups, pgid, SIGKILL);
}

void procs_unregister(pid_t pgid)
{
    slot_remove(groups, pgid);
}

bool procs_register_build(pid_t pgid)
{
    return slot_add(builds, pgid, SIGTERM);
}

void procs_unregister_build(pid_t pgid)
{
    slot_remove(builds, pgid);
}
