/*
 * backend-libvirt.c - one run's VM through libvirt, driven with virsh.
 *
 * Life of a domain: define (persistent, so a failed start still leaves
 * something to inspect in the log) -> start -> watch -> destroy ->
 * undefine.  The watch loop is backend.c's, as for every backend: the
 * result file for the end frame, the console for a panic, the clock and
 * Ctrl-C; this backend's poll is `virsh domstate --reason`.
 *
 * Device counters: libvirt kills QEMU as soon as the guest powers off
 * (it handles SHUTDOWN itself, whatever on_poweroff says), so pit cannot
 * read them afterwards as the qemu backend does.  The domain carries a
 * second QMP monitor for pit (qemu:commandline); pit reads the counters
 * the moment the guest's result frame is complete (all I/O is done by
 * then), and keeps a snapshot every few seconds before, used only if
 * QEMU is already gone.
 *
 * virsh runs in its own process group: a Ctrl-C on the terminal reaches
 * pit (which then cleans up) but not the virsh that does the cleanup.
 */
#include "backend-libvirt.h"
#include "backend.h"
#include "domain-xml.h"
#include "procs.h"
#include "qmp.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define STATE_EVERY_S 1.0
#define STATE_DONE_EVERY_S 0.2

static void own_group(gpointer data)
{
    (void)data;
    setpgid(0, 0);
}

/* virsh -c URI ARGS...; stdout in *out (may be NULL).  False on failure,
 * with virsh's message in *error.  The ARGS end with NULL. */
G_GNUC_NULL_TERMINATED
static bool virsh(const char *uri, char **out, GError **error, ...)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autofree char *o = NULL, *e = NULL;
    int status = 0;
    va_list ap;
    const char *a;

    g_ptr_array_add(argv, (char *)"virsh");
    g_ptr_array_add(argv, (char *)"-q");
    g_ptr_array_add(argv, (char *)"-c");
    g_ptr_array_add(argv, (char *)uri);
    va_start(ap, error);
    while ((a = va_arg(ap, const char *))) {
        g_ptr_array_add(argv, (char *)a);
    }
    va_end(ap);
    g_ptr_array_add(argv, NULL);
    if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH,
                      own_group, NULL, &o, &e, &status, error)) {
        return false;
    }
    if (!g_spawn_check_wait_status(status, NULL)) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_FAILED, "virsh %s: %s",
                    (char *)argv->pdata[4], g_strstrip(e));
        return false;
    }
    if (out) {
        *out = g_strdup(g_strstrip(o));
    }
    return true;
}

/* Domains named pit-<pid>-* whose pit is gone: destroy and undefine. */
static void reap_stale(const char *uri)
{
    g_autofree char *names = NULL;
    g_auto(GStrv) lines = NULL;

    if (!virsh(uri, &names, NULL, "list", "--all", "--name", NULL)) {
        return;
    }
    lines = g_strsplit(names, "\n", -1);
    for (unsigned i = 0; lines[i]; i++) {
        const char *n = g_strstrip(lines[i]);
        char *end;
        long pid;
        if (!g_str_has_prefix(n, "pit-")) {
            continue;
        }
        pid = strtol(n + 4, &end, 10);
        if (end == n + 4 || *end != '-' || pid <= 0 ||
            (kill((pid_t)pid, 0) < 0 && errno != ESRCH) ||
            kill((pid_t)pid, 0) == 0) {
            continue;
        }
        fprintf(stderr, "pit: removing domain %s left by a pit that died\n", n);
        virsh(uri, NULL, NULL, "destroy", n, NULL);
        virsh(uri, NULL, NULL, "undefine", n, NULL);
    }
}

char *libvirt_connect_uri(const char *given, GError **error)
{
    const char *env = g_getenv("PIT_LIBVIRT_URI");
    g_autofree char *script = NULL;
    g_autofree char *virsh_path = g_find_program_in_path("virsh");
    char *uri;

    if (!virsh_path) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_DEPENDENCY,
                    "virsh not found: apt-get install libvirt-clients "
                    "libvirt-daemon libvirt-daemon-driver-qemu (see "
                    "scripts/packages.txt)");
        return NULL;
    }
    if (given && *given) {
        uri = g_strdup(given);
    } else if (env && *env) {
        uri = g_strdup(env);
    } else {
        script =
            g_build_filename(pit_srcdir(), "scripts", "libvirt-daemon", NULL);
        const char *argv[] = { script, "start", NULL };
        uri = pit_run_capture(argv, error);
        if (!uri) {
            g_prefix_error(error, "cannot start pit's libvirtd: ");
            return NULL;
        }
    }
    if (!virsh(uri, NULL, error, "uri", NULL)) {
        g_prefix_error(error, "libvirt at %s: ", uri);
        g_free(uri);
        return NULL;
    }
    reap_stale(uri);
    return uri;
}

typedef struct LibvirtVm {
    const RunSpec *s;
    double next_state;
    char *state, *reason; /* how it ended, when it ended by itself */
} LibvirtVm;

/* "shut off (shutdown)" -> state "shut off", reason "shutdown". */
static bool domstate(const RunSpec *s, char **state, char **reason)
{
    g_autofree char *text = NULL;
    char *p;

    if (!virsh(s->libvirt_uri, &text, NULL, "domstate", s->domain, "--reason",
               NULL)) {
        return false;
    }
    p = strrchr(text, '(');
    *reason = g_strdup(p ? p + 1 : "");
    if (p) {
        (*reason)[strcspn(*reason, ")")] = 0;
        *p = 0;
    }
    *state = g_strdup(g_strstrip(text));
    return true;
}

/* libvirt writes QEMU's stderr (and its command line) to NAME.log in
 * its log directory: the private daemon's, or the system's. */
static void copy_log(const RunSpec *s)
{
    g_autofree char *base = g_strdup_printf("%s.log", s->domain);
    g_autofree char *priv =
        g_build_filename(pit_cache_dir(), "libvirt", "log", "qemu", base, NULL);
    g_autofree char *sys =
        g_build_filename("/var/log/libvirt/qemu", base, NULL);
    g_autofree char *text = NULL;
    gsize len = 0;

    if (g_file_get_contents(priv, &text, &len, NULL)) {
        unlink(priv);
    } else if (!g_file_get_contents(sys, &text, &len, NULL)) {
        text = g_strdup_printf("(libvirt's log %s not found)\n", base);
        len = strlen(text);
    }
    pit_write_file(s->log, text, len, NULL);
}

static void append_log(const RunSpec *s, const char *what)
{
    g_autofree char *old = NULL;
    g_autofree char *all = NULL;

    g_file_get_contents(s->log, &old, NULL, NULL);
    all = g_strdup_printf("%s%s\n", old ? old : "", what);
    pit_write_file(s->log, all, -1, NULL);
}

static void *libvirt_start(const RunSpec *s, VmOutcome *out)
{
    g_autoptr(GError) e = NULL;
    g_autofree char *xml = run_spec_domain_xml(s, NULL);
    g_autofree char *xml_path = g_build_filename(s->dir, "domain.xml", NULL);
    LibvirtVm *vm;

    pit_write_file(xml_path, xml, -1, NULL);
    if (!virsh(s->libvirt_uri, NULL, &e, "define", xml_path, NULL)) {
        out->error = g_strdup(e->message);
        pit_write_file(s->log, e->message, -1, NULL);
        return NULL;
    }
    if (!virsh(s->libvirt_uri, NULL, &e, "start", s->domain, NULL)) {
        out->error = g_strdup(e->message);
        copy_log(s);
        append_log(s, e->message);
        virsh(s->libvirt_uri, NULL, NULL, "undefine", s->domain, NULL);
        return NULL;
    }
    vm = g_new0(LibvirtVm, 1);
    vm->s = s;
    return vm;
}

static VmPoll libvirt_poll(void *opaque, Qmp *q, double now, bool done,
                           VmEnd *end)
{
    LibvirtVm *vm = opaque;
    g_autofree char *state = NULL, *reason = NULL;

    (void)q;
    if (now < vm->next_state) {
        return VM_RUNNING;
    }
    vm->next_state = now + (done ? STATE_DONE_EVERY_S : STATE_EVERY_S);
    if (!domstate(vm->s, &state, &reason) || !strcmp(state, "running") ||
        !strcmp(state, "paused") || !strcmp(state, "in shutdown")) {
        return VM_RUNNING;
    }
    end->bad = !strcmp(reason, "crashed") || !strcmp(reason, "failed");
    /* libvirt gives no exit code: 1 for an end that is a crash */
    end->exit = end->bad || !done ? 1 : 0;
    vm->state = g_steal_pointer(&state);
    vm->reason = g_steal_pointer(&reason);
    return VM_GONE;
}

static void libvirt_stop(void *opaque, Qmp *q, VmOutcome *out)
{
    LibvirtVm *vm = opaque;

    (void)q;
    (void)out;
    /* always, whatever happened: nothing of this run stays running */
    virsh(vm->s->libvirt_uri, NULL, NULL, "destroy", vm->s->domain, NULL);
}

static void libvirt_collect_logs(void *opaque, const VmOutcome *out)
{
    LibvirtVm *vm = opaque;
    const RunSpec *s = vm->s;
    g_autoptr(GError) e = NULL;

    copy_log(s);
    if (vm->state) {
        g_autofree char *line = g_strdup_printf("pit: domain ended: %s (%s)",
                                                vm->state, vm->reason);
        append_log(s, line);
    }
    append_log(s, out->counters_final
                      ? "pit: device counters read after the result frame"
                      : "pit: device counters: last snapshot (QEMU ended "
                        "before the result frame was read)");
    /* and nothing stays defined */
    if (!virsh(s->libvirt_uri, NULL, &e, "undefine", s->domain, NULL)) {
        fprintf(stderr, "pit: could not undefine domain %s: %s\n", s->domain,
                e->message);
    }
    g_free(vm->state);
    g_free(vm->reason);
    g_free(vm);
}

const Backend backend_libvirt = {
    .name = "libvirt",
    .counters_vanish = true,
    .start = libvirt_start,
    .poll = libvirt_poll,
    .stop = libvirt_stop,
    .collect_logs = libvirt_collect_logs,
};
