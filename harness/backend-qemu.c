/*
 * backend-qemu.c - the qemu backend: pit spawns QEMU itself.
 *
 * QEMU runs in its own process group (so a signal reaches any helper it
 * forks), registered in procs.c so Ctrl-C kills it from the handler,
 * with PR_SET_PDEATHSIG, so even a SIGKILLed pit takes it along.  The
 * death signal follows the thread that spawned QEMU: that thread is the
 * one that supervises it to its end.  -no-shutdown keeps QEMU up after
 * the guest powers off, so the counters can still be read; then pit
 * sends quit, and kills the group if QEMU does not go.
 */
#include "backend.h"
#include "procs.h"
#include "qemu-cmd.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define STATUS_EVERY_S 1.0
#define STATUS_DONE_EVERY_S 0.2

typedef struct QemuVm {
    GPid pid;
    int status;
    bool exited;
    double next_status;
} QemuVm;

static void child_setup(gpointer data)
{
    (void)data;
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static void write_cmdline(const RunSpec *s, GPtrArray *argv)
{
    g_autofree char *text = qemu_cmd_to_string(argv);
    g_autofree char *p = g_build_filename(s->dir, "qemu.cmdline", NULL);

    pit_write_file(p, text, -1, NULL);
}

static void *qemu_start(const RunSpec *s, VmOutcome *out)
{
    g_autoptr(GPtrArray) argv = run_spec_qemu_argv(s);
    g_autoptr(GError) e = NULL;
    QemuVm *vm = g_new0(QemuVm, 1);
    int logfd;

    write_cmdline(s, argv);
    logfd = open(s->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (logfd < 0) {
        out->error =
            g_strdup_printf("cannot create %s: %s", s->log, g_strerror(errno));
        g_free(vm);
        return NULL;
    }
    if (!g_spawn_async_with_fds(NULL, (char **)argv->pdata, NULL,
                                G_SPAWN_DO_NOT_REAP_CHILD, child_setup, NULL,
                                &vm->pid, -1, logfd, logfd, &e)) {
        close(logfd);
        out->error = g_strdup(e->message);
        pit_write_file(s->log, e->message, -1, NULL);
        g_free(vm);
        return NULL;
    }
    close(logfd);
    /* The child may not have run setpgid yet: do it from here too. */
    setpgid(vm->pid, vm->pid);
    if (!procs_register(vm->pid)) {
        kill(-vm->pid, SIGKILL);
    }
    return vm;
}

static int exit_of(int status)
{
    if (WIFSIGNALED(status)) {
        return -WTERMSIG(status);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 0;
}

static VmPoll qemu_poll(void *opaque, Qmp *q, double now, bool done, VmEnd *end)
{
    QemuVm *vm = opaque;

    if (waitpid(vm->pid, &vm->status, WNOHANG) == vm->pid) {
        vm->exited = true;
        end->bad = !WIFEXITED(vm->status) || WEXITSTATUS(vm->status) != 0;
        end->exit = exit_of(vm->status);
        return VM_GONE;
    }
    if (q && now >= vm->next_status) {
        g_autofree char *st = qmp_status(q, NULL);
        vm->next_status = now + (done ? STATUS_DONE_EVERY_S : STATUS_EVERY_S);
        if (st && (!strcmp(st, "shutdown") || !strcmp(st, "guest-panicked") ||
                   !strcmp(st, "internal-error"))) {
            return VM_POWERED_OFF;
        }
    }
    return VM_RUNNING;
}

/* Reap the child within `secs`; true when it ended. */
static bool wait_for(QemuVm *vm, double secs)
{
    double end = pit_now() + secs;

    do {
        pid_t r = waitpid(vm->pid, &vm->status, WNOHANG);
        if (r == vm->pid || (r < 0 && errno == ECHILD)) {
            return true;
        }
        g_usleep(50000);
    } while (pit_now() < end);
    return false;
}

static void qemu_stop(void *opaque, Qmp *q, VmOutcome *out)
{
    QemuVm *vm = opaque;

    if (!vm->exited && q && !out->interrupted) {
        JsonNode *r = qmp_execute(q, "quit", NULL, 3, NULL);

        if (r) {
            json_node_unref(r);
        }
        vm->exited = wait_for(vm, 5);
    }
    if (!vm->exited) {
        kill(-vm->pid, SIGTERM);
        if (!wait_for(vm, 3)) {
            kill(-vm->pid, SIGKILL);
            waitpid(vm->pid, &vm->status, 0);
        }
    }
    /* nothing of this run survives it (QEMU forks no helpers today) */
    kill(-vm->pid, SIGKILL);
    procs_unregister(vm->pid);
    out->exit = exit_of(vm->status);
}

static void qemu_collect_logs(void *vm, const VmOutcome *out)
{
    (void)out;
    g_free(vm); /* QEMU wrote its log itself */
}

const Backend backend_qemu = {
    .name = "qemu",
    .counters_vanish = false,
    .start = qemu_start,
    .poll = qemu_poll,
    .stop = qemu_stop,
    .collect_logs = qemu_collect_logs,
};
