/*
 * backend-libvirt.c - one run's VM through libvirt, driven with virsh.
 *
 * Life of a domain: define (persistent, so a failed start still leaves
 * something to inspect in the log) -> start -> watch -> destroy ->
 * undefine.  The watch loop is vm.c's: the result file for the end
 * frame, the console for a panic, the clock and Ctrl-C; the domain
 * state comes from `virsh domstate --reason`.
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
#include "domain-xml.h"
#include "qmp.h"
#include "vm.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SNAPSHOT_EVERY_S 2.0
#define STATE_EVERY_S 1.0

static void own_group(gpointer data)
{
    (void)data;
    setpgid(0, 0);
}

/* virsh -c URI ARGS...; stdout in *out (may be NULL).  False on failure,
 * with virsh's message in *error. */
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

char *libvirt_domain_name(const char *run_id)
{
    g_autofree char *raw = g_strdup_printf("pit-%d-%s", (int)getpid(), run_id);

    return domain_xml_name(raw);
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
    char *uri;

    if (!g_find_program_in_path("virsh")) {
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

/* Counters of every device; NULL when QEMU did not answer for all. */
static JsonObject *read_counters(Qmp *q, const LibvirtVmSpec *spec)
{
    JsonObject *all = json_object_new();

    for (unsigned i = 0; spec->device_ids && spec->device_ids[i]; i++) {
        g_autofree char *path =
            g_strdup_printf("/machine/peripheral/%s", spec->device_ids[i]);
        JsonObject *c = qmp_device_counters(q, path);
        if (json_object_get_size(c)) {
            json_object_set_object_member(all, spec->device_ids[i], c);
        } else {
            json_object_unref(c);
        }
    }
    return all;
}

static void keep_counters(VmOutcome *out, JsonObject *c)
{
    /* a read cut short by QEMU's exit has fewer devices: keep the older */
    if (json_object_get_size(c) >= json_object_get_size(out->counters)) {
        json_object_unref(out->counters);
        out->counters = c;
    } else {
        json_object_unref(c);
    }
}

/* "shut off (shutdown)" -> state "shut off", reason "shutdown". */
static bool domstate(const LibvirtVmSpec *spec, char **state, char **reason)
{
    g_autofree char *s = NULL;
    char *p;

    if (!virsh(spec->uri, &s, NULL, "domstate", spec->name, "--reason", NULL)) {
        return false;
    }
    p = strrchr(s, '(');
    *reason = g_strdup(p ? p + 1 : "");
    if (p) {
        (*reason)[strcspn(*reason, ")")] = 0;
        *p = 0;
    }
    *state = g_strdup(g_strstrip(s));
    return true;
}

/* libvirt writes QEMU's stderr (and its command line) to NAME.log in
 * its log directory: the private daemon's, or the system's. */
static void copy_log(const LibvirtVmSpec *spec)
{
    g_autofree char *base = g_strdup_printf("%s.log", spec->name);
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
    pit_write_file(spec->log_path, text, len, NULL);
}

static void append_log(const LibvirtVmSpec *spec, const char *what)
{
    g_autofree char *old = NULL;
    g_autofree char *all = NULL;

    g_file_get_contents(spec->log_path, &old, NULL, NULL);
    all = g_strdup_printf("%s%s\n", old ? old : "", what);
    pit_write_file(spec->log_path, all, -1, NULL);
}

void libvirt_vm_run(const LibvirtVmSpec *spec, VmOutcome *out)
{
    g_autoptr(GError) e = NULL;
    g_autofree char *state = NULL, *reason = NULL;
    Qmp *q = NULL;
    bool done = false, gone = false, final = false;
    double start = pit_now(), done_at = 0, next_state = 0, next_snap = 0;

    memset(out, 0, sizeof(*out));
    out->counters = json_object_new();
    if (!virsh(spec->uri, NULL, &e, "define", spec->xml_path, NULL)) {
        out->error = g_strdup(e->message);
        pit_write_file(spec->log_path, e->message, -1, NULL);
        return;
    }
    if (!virsh(spec->uri, NULL, &e, "start", spec->name, NULL)) {
        out->error = g_strdup(e->message);
        copy_log(spec);
        append_log(spec, e->message);
        virsh(spec->uri, NULL, NULL, "undefine", spec->name, NULL);
        return;
    }
    out->started = true;

    while (!gone) {
        double now = pit_now();
        if (vm_interrupted()) {
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
            if (q) {
                keep_counters(out, read_counters(q, spec));
                final = true;
            }
        }
        if (q && !done && now >= next_snap) {
            keep_counters(out, read_counters(q, spec));
            next_snap = now + SNAPSHOT_EVERY_S;
        }
        if (now >= next_state) {
            g_clear_pointer(&state, g_free);
            g_clear_pointer(&reason, g_free);
            if (domstate(spec, &state, &reason) && strcmp(state, "running") &&
                strcmp(state, "paused") && strcmp(state, "in shutdown")) {
                gone = true;
                break;
            }
            next_state = now + (done ? 0.2 : STATE_EVERY_S);
        }
        /* the guest said it is done but does not power off: stop it */
        if (done && now - done_at > 20) {
            break;
        }
        g_usleep(100000);
    }
    if (!gone && q && !out->interrupted && !final) {
        keep_counters(out, read_counters(q, spec));
    }
    qmp_close(q);
    /* always, whatever happened: nothing of this run stays in libvirt */
    virsh(spec->uri, NULL, NULL, "destroy", spec->name, NULL);
    copy_log(spec);
    if (gone) {
        g_autofree char *line =
            g_strdup_printf("pit: domain ended: %s (%s)", state, reason);
        append_log(spec, line);
        /* ended on its own: fine after the guest's result or panic */
        out->crashed =
            !out->interrupted &&
            (!done || !strcmp(reason, "crashed") || !strcmp(reason, "failed"));
        out->exit = out->crashed ? 1 : 0;
    }
    append_log(spec, final ? "pit: device counters read after the result "
                             "frame"
                           : "pit: device counters: last snapshot (QEMU "
                             "ended before the result frame was read)");
    if (!virsh(spec->uri, NULL, &e, "undefine", spec->name, NULL)) {
        fprintf(stderr, "pit: could not undefine domain %s: %s\n", spec->name,
                e->message);
    }
    out->seconds = pit_now() - start;
}
