/*
 * backend.c - the one supervision loop every backend runs under.
 *
 * Every 100 ms: Ctrl-C, the host timeout, the result file for the end
 * frame, the console for a panic, then the backend's own poll (is the
 * emulator still there, has the guest powered off).  A guest that says
 * it is done but does not power off is stopped after 20 s.  The device
 * counters come over pit's own QMP monitor, connected once the socket
 * had half a second to appear.
 */
#include "backend.h"
#include "pit-defs.h"
#include "procs.h"
#include "util.h"

#include <string.h>

#define POLL_US 100000
#define DONE_GRACE_S 20.0
#define SNAPSHOT_EVERY_S 2.0

typedef struct Watch {
    Qmp *q;
    bool done, final, gone;
    double start, done_at, next_snap;
    VmEnd end;
} Watch;

const Backend *backend_find(const char *name)
{
    if (!name || !strcmp(name, "qemu")) {
        return &backend_qemu;
    }
    if (!strcmp(name, "libvirt")) {
        return &backend_libvirt;
    }
    return NULL;
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

/* The guest is finished: its result frame is complete, or it panicked. */
static bool guest_finished(const RunSpec *s)
{
    return file_contains(s->result, PIT_RESULT_END) ||
           file_contains(s->console, PIT_PANIC_TITLE);
}

JsonObject *backend_read_counters(Qmp *q, const RunSpec *s)
{
    JsonObject *all = json_object_new();

    for (unsigned i = 0; i < s->device_ids->len; i++) {
        const char *id = g_ptr_array_index(s->device_ids, i);
        if (!id) {
            break;
        }
        g_autofree char *path = g_strdup_printf("/machine/peripheral/%s", id);
        JsonObject *c = qmp_device_counters(q, path);
        if (json_object_get_size(c)) {
            json_object_set_object_member(all, id, c);
        } else {
            json_object_unref(c);
        }
    }
    return all;
}

static void keep_counters(VmOutcome *out, JsonObject *c)
{
    /* a read cut short by the emulator's exit has fewer devices */
    if (json_object_get_size(c) >= json_object_get_size(out->counters)) {
        json_object_unref(out->counters);
        out->counters = c;
    } else {
        json_object_unref(c);
    }
}

/*
 * The power fails at every device of the spec: nvme-pi decides what of
 * the writes its DMA-timing hooks still hold reaches the media (its
 * power-cut property) and counts them (stat-power-cut-*).  QEMU's own
 * nvme has no such property and holds nothing: the qom-set fails, and
 * that is fine.  Returns the devices that took the cut.
 */
static unsigned cut_devices(Qmp *q, const RunSpec *s)
{
    unsigned n = 0;

    for (unsigned i = 0; i < s->device_ids->len; i++) {
        const char *id = g_ptr_array_index(s->device_ids, i);
        if (!id) {
            break;
        }
        g_autofree char *path = g_strdup_printf("/machine/peripheral/%s", id);
        g_autoptr(JsonObject) args = json_object_new();
        json_object_set_string_member(args, "path", path);
        json_object_set_string_member(args, "property", "power-lost");
        json_object_set_boolean_member(args, "value", TRUE);
        g_autoptr(JsonNode) r = qmp_execute(q, "qom-set", args, 10, NULL);
        n += r != NULL;
    }
    return n;
}

/* One pass of the loop; false when supervision is over. */
static bool watch_step(const Backend *b, void *vm, const RunSpec *s, Watch *w,
                       VmOutcome *out)
{
    double now = pit_now();

    if (procs_interrupted()) {
        out->interrupted = true;
        return false;
    }
    if (now - w->start > s->host_timeout_s) {
        out->timed_out = !w->done;
        return false;
    }
    if (!w->q && now - w->start > 0.5) {
        w->q = qmp_connect(s->qmp, 0, NULL);
    }
    if (!w->done && guest_finished(s)) {
        w->done = true;
        w->done_at = now;
        if (b->counters_vanish && w->q) {
            keep_counters(out, backend_read_counters(w->q, s));
            w->final = out->counters_final = true;
        }
    }
    /*
     * A power cut: freeze the guest where it is (vCPUs and the virtual
     * clock stop, so no delayed device write fires any more; writes
     * already handed to the host block layer finish), cut the power at
     * the devices (what their held writes leave on the media is theirs
     * to say), then stop the VM without a shutdown.
     */
    if (!out->power_cut && file_contains(s->result, PIT_POWER_CUT)) {
        out->power_cut = true;
        if (w->q) {
            JsonNode *r = qmp_execute(w->q, "stop", NULL, 3, NULL);

            if (r) {
                json_node_unref(r);
            }
            out->cut_devices = cut_devices(w->q, s);
        }
        return false;
    }
    if (b->counters_vanish && w->q && !w->done && now >= w->next_snap) {
        keep_counters(out, backend_read_counters(w->q, s));
        w->next_snap = now + SNAPSHOT_EVERY_S;
    }
    switch (b->poll(vm, w->q, now, w->done, &w->end)) {
    case VM_GONE:
        w->gone = true;
        return false;
    case VM_POWERED_OFF:
        w->done = true;
        return false;
    case VM_RUNNING:
        break;
    }
    return !(w->done && now - w->done_at > DONE_GRACE_S);
}

void backend_supervise(const Backend *b, const RunSpec *s, VmOutcome *out)
{
    Watch w = { .start = pit_now() };
    void *vm;

    memset(out, 0, sizeof(*out));
    out->counters = json_object_new();
    vm = b->start(s, out);
    if (!vm) {
        return;
    }
    out->started = true;
    while (watch_step(b, vm, s, &w, out)) {
        g_usleep(POLL_US);
    }
    if (!w.gone && w.q && !out->interrupted && !w.final) {
        keep_counters(out, backend_read_counters(w.q, s));
    }
    if (w.gone) {
        /* ended by itself: fine only after the guest was done */
        out->crashed = !out->interrupted && (w.end.bad || !w.done);
        out->exit = w.end.exit;
    }
    b->stop(vm, w.q, out);
    qmp_close(w.q);
    b->collect_logs(vm, out);
    out->seconds = pit_now() - w.start;
}

void vm_outcome_clear(VmOutcome *o)
{
    if (o->counters) {
        json_object_unref(o->counters);
    }
    g_free(o->error);
    memset(o, 0, sizeof(*o));
}
