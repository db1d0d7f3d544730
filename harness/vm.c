/*
 * vm.c - spawn and supervise QEMU.
 *
 * QEMU runs in its own process group (so a signal reaches any helper it
 * forks) with PR_SET_PDEATHSIG, so even a SIGKILLed pit takes it along.
 * pit polls: the result file for the end frame, the console for a panic,
 * QMP for the run state (-no-shutdown keeps QEMU up after poweroff so
 * the counters can still be read), the clock, and the signal flag.
 */
#include "vm.h"
#include "qmp.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t interrupted;
static volatile pid_t current_pgid;

static void on_signal(int sig)
{
    interrupted = sig;
    if (current_pgid > 0) {
        kill(-current_pgid, SIGKILL);
    }
}

void vm_install_signal_handlers(void)
{
    struct sigaction sa = { .sa_handler = on_signal };

    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    /* a QMP write after QEMU quit must be an error, not our death */
    signal(SIGPIPE, SIG_IGN);
}

bool vm_interrupted(void)
{
    return interrupted != 0;
}

static void child_setup(gpointer data)
{
    (void)data;
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static bool file_contains(const char *path, const char *needle)
{
    g_autofree char *data = NULL;
    gsize len;

    if (!g_file_get_contents(path, &data, &len, NULL)) {
        return false;
    }
    return g_strstr_len(data, len, needle) != NULL;
}

bool vm_watch_step(Qmp **q, const char *qmp_path, double elapsed,
                   const char *result_path, const char *console_path)
{
    if (!*q && elapsed > 0.5) {
        *q = qmp_connect(qmp_path, 0, NULL);
    }
    return file_contains(result_path, "NVMEPI-RESULT-END") ||
           file_contains(console_path, "Kernel panic - not syncing");
}

/* Reap `pid` within `secs`; returns true and sets *status if it ended. */
static bool wait_for(pid_t pid, double secs, int *status)
{
    double end = pit_now() + secs;

    do {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD)) {
            return true;
        }
        g_usleep(50000);
    } while (pit_now() < end);
    return false;
}

static void kill_group(pid_t pid, int *status)
{
    kill(-pid, SIGTERM);
    if (!wait_for(pid, 3, status)) {
        kill(-pid, SIGKILL);
        waitpid(pid, status, 0);
    }
    /* anything left in the group (QEMU forks no helpers today) */
    kill(-pid, SIGKILL);
}

static void read_counters(Qmp *q, const VmSpec *spec, VmOutcome *out)
{
    for (unsigned i = 0; spec->device_ids && spec->device_ids[i]; i++) {
        g_autofree char *path =
            g_strdup_printf("/machine/peripheral/%s", spec->device_ids[i]);
        JsonObject *c = qmp_device_counters(q, path);
        if (json_object_get_size(c)) {
            json_object_set_object_member(out->counters, spec->device_ids[i],
                                          c);
        } else {
            json_object_unref(c);
        }
    }
}

void vm_run(const VmSpec *spec, VmOutcome *out)
{
    g_autoptr(GError) e = NULL;
    Qmp *q = NULL;
    GPid pid;
    int logfd, status = 0;
    bool done = false, exited = false;
    double start = pit_now(), done_at = 0, next_status = 0;

    memset(out, 0, sizeof(*out));
    out->counters = json_object_new();
    logfd =
        open(spec->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (logfd < 0) {
        out->error = g_strdup_printf("cannot create %s: %s", spec->log_path,
                                     g_strerror(errno));
        return;
    }
    if (!g_spawn_async_with_fds(NULL, spec->argv, NULL,
                                G_SPAWN_DO_NOT_REAP_CHILD, child_setup, NULL,
                                &pid, -1, logfd, logfd, &e)) {
        close(logfd);
        out->error = g_strdup(e->message);
        return;
    }
    close(logfd);
    /* The child may not have run setpgid yet: do it from here too. */
    setpgid(pid, pid);
    current_pgid = pid;
    out->started = true;

    while (!exited) {
        double now = pit_now();
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            exited = true;
            out->interrupted = interrupted != 0; /* our handler killed it */
            break;
        }
        if (interrupted) {
            out->interrupted = true;
            break;
        }
        if (now - start > spec->timeout_s) {
            out->timed_out = !done;
            break;
        }
        if (vm_watch_step(&q, spec->qmp_path, now - start,
                          spec->result_path, spec->console_path) &&
            !done) {
            done = true;
            done_at = now;
        }
        if (q && now >= next_status) {
            g_autofree char *st = qmp_status(q, NULL);
            next_status = now + (done ? 0.2 : 1.0);
            if (st &&
                (!strcmp(st, "shutdown") || !strcmp(st, "guest-panicked") ||
                 !strcmp(st, "internal-error"))) {
                done = true;
                break;
            }
        }
        /* The guest said it is done but does not power off: stop it. */
        if (done && now - done_at > 20) {
            break;
        }
        g_usleep(100000);
    }
    if (!exited) {
        if (q && !out->interrupted) {
            read_counters(q, spec, out);
            g_autoptr(JsonNode) r = qmp_execute(q, "quit", NULL, 3, NULL);
            exited = wait_for(pid, 5, &status);
        }
        if (!exited) {
            kill_group(pid, &status);
        }
    } else {
        /* QEMU left on its own: with -no-shutdown that is a crash/error. */
        out->crashed = !out->interrupted && (!WIFEXITED(status) ||
                                             WEXITSTATUS(status) != 0 || !done);
    }
    kill(-pid, SIGKILL); /* nothing of this run survives it */
    current_pgid = 0;
    qmp_close(q);
    if (WIFSIGNALED(status)) {
        out->exit = -WTERMSIG(status);
    } else if (WIFEXITED(status)) {
        out->exit = WEXITSTATUS(status);
    }
    out->seconds = pit_now() - start;
}

void vm_outcome_clear(VmOutcome *o)
{
    if (o->counters) {
        json_object_unref(o->counters);
    }
    g_free(o->error);
    memset(o, 0, sizeof(*o));
}
