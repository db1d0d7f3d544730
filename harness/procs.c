/*
 * procs.c - signal handling and the process-group registry.
 *
 * The registry is a fixed array of slots changed with atomic operations
 * only: the signal handler walks it, so it can take no lock, and worker
 * threads add and remove their own emulator's group concurrently.
 */
#include "procs.h"

#include <signal.h>
#include <stddef.h>

/* More VMs than this at once would not fit in memory anyway. */
#define PROCS_MAX 256

static volatile sig_atomic_t interrupted;
static pid_t groups[PROCS_MAX];

static void kill_all(void)
{
    for (size_t i = 0; i < PROCS_MAX; i++) {
        pid_t g = __atomic_load_n(&groups[i], __ATOMIC_SEQ_CST);
        if (g > 0) {
            kill(-g, SIGKILL);
        }
    }
}

static void on_signal(int sig)
{
    interrupted = sig;
    kill_all();
}

void procs_install_signal_handlers(void)
{
    procs_install_handler(on_signal);
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

bool procs_register(pid_t pgid)
{
    for (size_t i = 0; i < PROCS_MAX; i++) {
        pid_t empty = 0;
        if (__atomic_compare_exchange_n(&groups[i], &empty, pgid, false,
                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
            /* a signal between spawn and here found no slot: catch up */
            if (interrupted) {
                kill(-pgid, SIGKILL);
            }
            return true;
        }
    }
    return false;
}

void procs_unregister(pid_t pgid)
{
    for (size_t i = 0; i < PROCS_MAX; i++) {
        pid_t g = pgid;
        if (__atomic_compare_exchange_n(&groups[i], &g, 0, false,
                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
            return;
        }
    }
}
