/*
 * run.c - the life of one run and its artifact directory,
 * <out>/<kernel>/<scenario>/<repeat>/ (blktests-like):
 *   console.log qemu.log qemu.cmdline job guest.json dmesg
 *   mutations.jsonl (when the device logs) verdict.json <dev>.img
 * With the libvirt backend, domain.xml replaces qemu.cmdline (qemu.log
 * is libvirt's log of the domain: QEMU's real command line, stderr).
 * The backing images stay for `pit audit`; they are sparse.
 */
#include "run.h"
#include "audit.h"
#include "boot-plan.h"
#include "image.h"
#include "json-util.h"
#include "qemu-cmd.h"
#include "pit-defs.h"
#include "result.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Host slack over the guest's own job timeout: boot, module load, md. */
#define BOOT_SLACK_TCG_S 180
#define BOOT_SLACK_KVM_S 60

unsigned run_boot_slack(const char *accel)
{
    const char *env = g_getenv("PIT_BOOT_SLACK");

    if (env && *env) {
        return (unsigned)g_ascii_strtoull(env, NULL, 10);
    }
    return strcmp(accel, "kvm") ? BOOT_SLACK_TCG_S : BOOT_SLACK_KVM_S;
}

static char *read_text(const char *path)
{
    char *data = NULL;

    g_file_get_contents(path, &data, NULL, NULL);
    return data ? data : g_strdup("");
}

bool run_create_backing(const char *path, guint64 size, GError **error)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

    if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_FAILED,
                    "cannot create backing image %s: %s", path,
                    g_strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return false;
    }
    close(fd);
    return true;
}

/*
 * Sum of the device's PI check counters (stat-*-errors with a PI name).
 * The recorder's stat-mutation-* counters are left out: a mutation that
 * ends in a guard error is already one of stat-guard-errors.
 */
static guint64 pi_errors_of(JsonObject *counters)
{
    guint64 n = 0;
    g_autoptr(GList) devs = json_object_get_members(counters);

    for (GList *d = devs; d; d = d->next) {
        JsonObject *c = json_object_get_object_member(counters, d->data);
        g_autoptr(GList) names = json_object_get_members(c);
        for (GList *m = names; m; m = m->next) {
            const char *k = m->data;
            if (g_str_has_suffix(k, "-errors") &&
                !g_str_has_prefix(k, "stat-mutation-") &&
                (strstr(k, "guard") || strstr(k, "apptag") ||
                 strstr(k, "reftag") || strstr(k, "pi-"))) {
                n += json_object_get_int_member(c, k);
            }
        }
    }
    return n;
}

/* Writes whose reads differed, summed over the devices (nvme-pi only). */
/* Counter `name` summed over every device that has it. */
static guint64 counter_sum(JsonObject *counters, const char *name)
{
    guint64 n = 0;
    g_autoptr(GList) devs = json_object_get_members(counters);

    for (GList *d = devs; d; d = d->next) {
        JsonObject *c = json_object_get_object_member(counters, d->data);
        if (json_object_has_member(c, name)) {
            n += json_object_get_int_member(c, name);
        }
    }
    return n;
}

static guint64 mutations_of(JsonObject *counters)
{
    return counter_sum(counters, "stat-mutation-events");
}

static void write_verdict_json(const RunRecord *r, const RunFacts *f,
                               const RunSpec *s, JsonObject *counters)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonNode) root = NULL;
    g_autofree char *path = NULL;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "kernel");
    json_builder_add_string_value(b, r->kernel_spec);
    json_builder_set_member_name(b, "kernel_version");
    json_builder_add_string_value(b, r->kernel_version);
    json_builder_set_member_name(b, "scenario");
    json_builder_add_string_value(b, r->scenario);
    json_builder_set_member_name(b, "repeat");
    json_builder_add_int_value(b, r->repeat);
    json_builder_set_member_name(b, "seed");
    json_builder_add_int_value(b, (gint64)r->seed);
    json_builder_set_member_name(b, "accel");
    json_builder_add_string_value(b, s->accel);
    json_builder_set_member_name(b, "image");
    json_builder_add_string_value(b, scn_image_name(s->scn->image));
    json_builder_set_member_name(b, "interrupted");
    json_builder_add_boolean_value(b, f->interrupted);
    json_builder_set_member_name(b, "verdict");
    json_builder_add_string_value(b, verdict_name(r->verdict));
    json_builder_set_member_name(b, "reasons");
    json_builder_begin_array(b);
    for (unsigned i = 0; r->reasons[i]; i++) {
        json_builder_add_string_value(b, r->reasons[i]);
    }
    json_builder_end_array(b);
    json_builder_set_member_name(b, "expected");
    json_builder_add_string_value(b, scn_outcome_name(r->expected));
    json_builder_set_member_name(b, "expect_range");
    json_builder_add_string_value(b, r->expect_range);
    json_builder_set_member_name(b, "outcome");
    json_builder_add_string_value(b, outcome_name(r->outcome));
    json_builder_set_member_name(b, "seconds");
    json_builder_add_double_value(b, r->seconds);
    json_builder_set_member_name(b, "panic");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "title");
    json_builder_add_string_value(b, r->panic_title);
    json_builder_set_member_name(b, "frame");
    json_builder_add_string_value(b, r->panic_frame);
    json_builder_end_object(b);
    json_builder_set_member_name(b, "guest_status");
    json_builder_add_string_value(b, f->status);
    json_builder_set_member_name(b, "device_counters");
    JsonNode *cn = json_node_new(JSON_NODE_OBJECT);
    json_node_set_object(cn, counters);
    json_builder_add_value(b, cn);
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    path = g_build_filename(r->dir, "verdict.json", NULL);
    pit_json_write(path, root, NULL);
}

/* Gather the per-device mutation logs into one mutations.jsonl. */
static void gather_mutations(const char *dir, const Scenario *s)
{
    g_autoptr(GString) all = g_string_new(NULL);

    for (unsigned i = 0; i < s->devices->len; i++) {
        const ScnDevice *d = g_ptr_array_index(s->devices, i);
        g_autofree char *p =
            g_strdup_printf("%s/%s.mutations.jsonl", dir, d->name);
        g_autofree char *t = NULL;
        if (g_file_get_contents(p, &t, NULL, NULL)) {
            g_string_append(all, t);
            unlink(p);
        }
    }
    if (all->len) {
        g_autofree char *out = g_build_filename(dir, "mutations.jsonl", NULL);
        pit_write_file(out, all->str, all->len, NULL);
    }
}

static void clean_dir(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *n;

    while (d && (n = g_dir_read_name(d))) {
        g_autofree char *p = g_build_filename(dir, n, NULL);
        unlink(p);
    }
}

static void finish(RunRecord *r, const RunFacts *f, const RunSpec *s,
                   JsonObject *counters)
{
    VerdictResult v = { 0 };
    const char *range = NULL;

    verdict_classify(f, &v);
    r->verdict = v.verdict;
    g_ptr_array_add(v.reasons, NULL);
    r->reasons = (char **)g_ptr_array_free(v.reasons, FALSE);
    r->expected = scenario_expect_for(s->scn, s->kernel_version, &range);
    r->expect_range = g_strdup(range);
    r->outcome = verdict_compare(r->verdict, r->expected);
    /* last: a run directory with verdict.json is a finished run */
    write_verdict_json(r, f, s, counters);
}

static bool stage_fail(RunSpec *s, GError *e, GError **error)
{
    g_autofree char *p = g_build_filename(s->dir, "setup-error", NULL);

    pit_write_file(p, e->message, -1, NULL);
    g_propagate_error(error, e);
    return false;
}

/*
 * The files a spec names: its directory, run.json, the backing images
 * (when BACKING: a later boot reuses the first boot's), the job, the
 * initrd, and a private directory for the QMP socket.
 */
static bool stage_files(RunSpec *s, bool backing, GError **error)
{
    g_autofree char *json = run_spec_to_json(s);
    g_autofree char *json_path = g_build_filename(s->dir, "run.json", NULL);
    g_autoptr(GBytes) cpio = image_job_cpio(s->job);
    g_autofree char *tmp = NULL;

    if (g_mkdir_with_parents(s->dir, 0755) < 0) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_FAILED, "cannot create %s: %s",
                    s->dir, g_strerror(errno));
        return false;
    }
    if (!pit_write_file(json_path, json, -1, error)) {
        return false;
    }
    for (unsigned i = 0; backing && i < s->scn->devices->len; i++) {
        const ScnDevice *d = g_ptr_array_index(s->scn->devices, i);
        if (!run_create_backing(g_ptr_array_index(s->backing, i), d->size,
                                error)) {
            return false;
        }
    }
    if (!pit_write_file(s->job_path, s->job, -1, error) ||
        !image_write_initrd(s->image, cpio, s->initrd, error)) {
        return false;
    }
    /* a unix socket path must stay short: not under the run directory */
    tmp = g_dir_make_tmp("pit-XXXXXX", error);
    if (!tmp) {
        return false;
    }
    g_free(s->qmp);
    s->qmp = g_build_filename(tmp, "qmp.sock", NULL);
    return true;
}

bool run_stage(RunSpec *s, GError **error)
{
    GError *e = NULL;

    if (!stage_files(s, true, &e)) {
        return stage_fail(s, e, error);
    }
    return true;
}

/* What the guest left: console (boot, panic) and the result frame. */
static GuestResult *collect_guest(RunRecord *r, const RunSpec *s, RunFacts *f)
{
    g_autofree char *cons = read_text(s->console);
    g_autofree char *raw = read_text(s->result);
    g_autofree char *json = result_extract(raw, strlen(raw));
    GuestResult *res = json ? result_parse(json, NULL) : NULL;

    f->booted = strstr(cons, PIT_CONSOLE_RAN_INIT) ||
                strstr(cons, PIT_CONSOLE_GUEST_SAID);
    if (!json) {
        const char *b = strstr(raw, PIT_RESULT_BEGIN);
        f->result_cut = b ? strlen(b + strlen(PIT_RESULT_BEGIN)) : 0;
    }
    panic_parse(cons, &r->panic_title, &r->panic_frame);
    f->panic_title = r->panic_title;
    f->panic_frame = r->panic_frame;
    if (res) {
        g_autofree char *pretty = result_to_pretty(res);
        g_autofree char *dm = result_dmesg_text(res);
        g_autofree char *gp = g_build_filename(s->dir, "guest.json", NULL);
        g_autofree char *dp = g_build_filename(s->dir, "dmesg", NULL);
        pit_write_file(gp, pretty, -1, NULL);
        pit_write_file(dp, dm, -1, NULL);
        result_fill_facts(res, f);
        unlink(s->result);
    }
    return res;
}

static void vm_facts(const VmOutcome *vo, RunFacts *f)
{
    f->qemu_failed_to_start = !vo->started;
    f->timed_out = vo->timed_out;
    f->qemu_crashed = vo->crashed;
    f->qemu_exit = vo->exit;
    f->interrupted = vo->interrupted;
}

/* Remove what only the VM needed: the initrd copy, the QMP socket. */
static void unstage(const RunSpec *s)
{
    g_autofree char *tmp = s->qmp ? g_path_get_dirname(s->qmp) : NULL;

    unlink(s->initrd);
    if (tmp) {
        unlink(s->qmp);
        rmdir(tmp);
    }
}

static RunRecord *record_new(const RunSpec *s)
{
    RunRecord *r = g_new0(RunRecord, 1);

    r->kernel_spec = g_strdup(s->kernel_spec);
    r->kernel_label = g_strdup(s->kernel_label);
    r->kernel_version = g_strdup(s->kernel_version);
    r->scenario = g_strdup(s->scenario);
    r->repeat = s->repeat;
    r->seed = s->seed;
    r->dir = g_strdup(s->dir);
    return r;
}

static RunRecord *run_execute_boots(RunSpec *s, const Backend *b);

RunRecord *run_execute(RunSpec *s, const Backend *b)
{
    if (s->scn->boots && s->scn->boots->len > 1) {
        return run_execute_boots(s, b);
    }
    RunRecord *r = record_new(s);
    RunFacts f = { 0 };
    VmOutcome vo = { 0 };
    g_autoptr(GuestResult) res = NULL;
    JsonObject *counters;
    double t0 = pit_now();

    /* a run directory holds one run: nothing of an earlier one stays */
    clean_dir(s->dir);
    if (!run_stage(s, NULL)) {
        f.qemu_failed_to_start = true;
        counters = json_object_new();
    } else {
        backend_supervise(b, s, &vo);
        unstage(s);
        vm_facts(&vo, &f);
        res = collect_guest(r, s, &f);
        counters = json_object_ref(vo.counters);
        f.dev_pi_errors = pi_errors_of(counters);
        f.dev_mutations = mutations_of(counters);
        gather_mutations(s->dir, s->scn);
    }
    r->seconds = pit_now() - t0;
    finish(r, &f, s, counters);
    json_object_unref(counters);
    vm_outcome_clear(&vo);
    return r;
}

RunRecord *run_one(const RunInputs *base, const char *out, const Kernel *k,
                   const char *image, const Scenario *s, unsigned repeat,
                   guint64 seed)
{
    g_autofree char *dir =
        g_strdup_printf("%s/%s/%s/%u", out, k->label, s->name, repeat);
    RunInputs in = *base;
    g_autoptr(RunSpec) spec = NULL;

    in.kernel = k;
    in.scn = s;
    in.image = image;
    in.dir = dir;
    in.repeat = repeat;
    in.seed = seed;
    spec = run_prepare(&in);
    return run_execute(spec, backend_find(base->backend));
}

void run_record_free(RunRecord *r)
{
    if (!r) {
        return;
    }
    g_free(r->kernel_spec);
    g_free(r->kernel_label);
    g_free(r->kernel_version);
    g_free(r->scenario);
    g_free(r->dir);
    g_strfreev(r->reasons);
    g_free(r->expect_range);
    g_free(r->panic_title);
    g_free(r->panic_frame);
    g_free(r);
}

/*
 * ---- runs with more than one boot (docs/scenarios.md "Boots") ----------
 * The backing images are created once in the run directory; each boot
 * gets boot-N/ for its console, logs, job, guest.json and mutation log,
 * and a spec of its own: only the devices present, this boot's hooks,
 * this boot's job.  A boot that cuts power sends one line instead of a
 * result and is stopped hard (backend.c); the next boot starts from what
 * reached the images.  The verdict is over the evidence of every boot; a boot that
 * did not end as planned (no result, a cut that was not asked for, no
 * cut that was) makes the run ERROR.  boots.json says per boot what ran.
 */

/* The spec of boot i: the run's, with this boot's devices, job, files. */
static RunSpec *boot_spec(const RunSpec *s, const Scenario *bscn,
                          const BootPlan *p, unsigned i)
{
    RunSpec *b = g_new0(RunSpec, 1);
    const BootPlanEntry *e = &p->boots[i];

    b->kernel_spec = g_strdup(s->kernel_spec);
    b->kernel_label = g_strdup(s->kernel_label);
    b->kernel_version = g_strdup(s->kernel_version);
    b->vmlinuz = g_strdup(s->vmlinuz);
    b->boot_image = g_strdup(s->boot_image);
    b->scn = bscn;
    b->scenario = g_strdup(s->scenario);
    b->repeat = s->repeat;
    b->seed = s->seed;
    b->accel = g_strdup(s->accel);
    b->qemu = g_strdup(s->qemu);
    b->backend = g_strdup(s->backend);
    b->libvirt_uri = g_strdup(s->libvirt_uri);
    b->image = g_strdup(s->image);
    b->dir = g_strdup_printf("%s/boot-%u", s->dir, e->n);
    b->run_id = g_strdup_printf("%s.b%u", s->run_id, e->n);
    b->domain = g_strdup_printf("%s-b%u", s->domain, e->n);
    b->job_path = g_build_filename(b->dir, "job", NULL);
    b->initrd = g_build_filename(b->dir, "initrd.img", NULL);
    b->console = g_build_filename(b->dir, "console.log", NULL);
    b->result = g_build_filename(b->dir, "result.raw", NULL);
    b->log = g_build_filename(b->dir, "qemu.log", NULL);
    b->backing = g_ptr_array_new_with_free_func(g_free);
    b->mutlog = g_ptr_array_new_with_free_func(g_free);
    b->device_ids = g_ptr_array_new_with_free_func(g_free);
    for (unsigned d = 0; d < s->scn->devices->len; d++) {
        const ScnDevice *dev = g_ptr_array_index(s->scn->devices, d);
        if (!e->present[d]) {
            continue;
        }
        g_ptr_array_add(b->backing, g_strdup(g_ptr_array_index(s->backing, d)));
        g_ptr_array_add(
            b->mutlog,
            g_ptr_array_index(s->mutlog, d)
                ? g_strdup_printf("%s/%s.mutations.jsonl", b->dir, dev->name)
                : NULL);
        g_ptr_array_add(b->device_ids, g_strdup(dev->name));
    }
    g_ptr_array_add(b->backing, NULL);
    g_ptr_array_add(b->mutlog, NULL);
    g_ptr_array_add(b->device_ids, NULL);
    b->guest_timeout_s = s->guest_timeout_s;
    b->host_timeout_s = s->host_timeout_s;
    b->job = image_job_text_boot(s->scn, p, i, b->run_id, b->guest_timeout_s,
                                 b->seed);
    b->append = qemu_cmd_append(bscn, b->run_id);
    return b;
}

/* The numbers after every AUDIT_SAME_WRITE line of `pit audit`'s text. */
static guint64 audit_same_write(const char *text)
{
    guint64 n = 0;

    for (const char *p = text; (p = strstr(p, AUDIT_SAME_WRITE));) {
        p += strlen(AUDIT_SAME_WRITE);
        n += g_ascii_strtoull(p, NULL, 10);
    }
    return n;
}

/*
 * Host action: `pit audit` of the images as they are now.  Returns the
 * RAID1 blocks whose legs hold one write in different bytes.
 */
static guint64 audit_images(const RunSpec *s, const char *boot_dir)
{
    g_autofree char *out = NULL, *err = NULL;
    g_autofree char *path =
        g_build_filename(boot_dir, "audit-before.txt", NULL);
    const char *argv[] = { "/proc/self/exe", "audit", s->dir, NULL };
    int status = 0;

    g_mkdir_with_parents(boot_dir, 0755);
    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                      &out, &err, &status, NULL)) {
        pit_write_file(path, "pit audit could not be started\n", -1, NULL);
        return 0;
    }
    g_autofree char *text = g_strconcat(out ? out : "", err ? err : "", NULL);
    pit_write_file(path, text, -1, NULL);
    return audit_same_write(text);
}

/* What a power cut did with the writes the devices held, by policy. */
static const char *const cut_counters[] = { "none", "first", "last", "torn" };

typedef struct BootRecord {
    char *plan;
    const char *status;
    bool cut_planned, cut_done;
    unsigned cut_devices; /* devices that took the cut (nvme-pi) */
    guint64 cut_writes;   /* writes they held at the cut */
    guint64 cut_by[G_N_ELEMENTS(cut_counters)]; /* ... by what landed */
    Verdict verdict;
    char **reasons;
    double seconds;
} BootRecord;

static void boots_json(const char *dir, const BootRecord *br, unsigned n)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonNode) root = NULL;
    g_autofree char *path = NULL;

    json_builder_begin_array(b);
    for (unsigned i = 0; i < n; i++) {
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "boot");
        json_builder_add_int_value(b, i + 1);
        json_builder_set_member_name(b, "plan");
        json_builder_add_string_value(b, br[i].plan);
        json_builder_set_member_name(b, "guest_status");
        json_builder_add_string_value(b, br[i].status);
        json_builder_set_member_name(b, "power_cut");
        json_builder_add_boolean_value(b, br[i].cut_done);
        if (br[i].cut_done) {
            /* the writes in flight at the cut, as the devices resolved
             * them (stat-power-cut-*): none, first, last or torn landed */
            json_builder_set_member_name(b, "cut");
            json_builder_begin_object(b);
            json_builder_set_member_name(b, "devices");
            json_builder_add_int_value(b, br[i].cut_devices);
            json_builder_set_member_name(b, "writes_in_flight");
            json_builder_add_int_value(b, br[i].cut_writes);
            for (unsigned k = 0; k < G_N_ELEMENTS(cut_counters); k++) {
                json_builder_set_member_name(b, cut_counters[k]);
                json_builder_add_int_value(b, br[i].cut_by[k]);
            }
            json_builder_end_object(b);
        }
        json_builder_set_member_name(b, "verdict");
        json_builder_add_string_value(b, verdict_name(br[i].verdict));
        json_builder_set_member_name(b, "reasons");
        json_builder_begin_array(b);
        for (unsigned k = 0; br[i].reasons && br[i].reasons[k]; k++) {
            json_builder_add_string_value(b, br[i].reasons[k]);
        }
        json_builder_end_array(b);
        json_builder_set_member_name(b, "seconds");
        json_builder_add_double_value(b, br[i].seconds);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    root = json_builder_get_root(b);
    path = g_build_filename(dir, "boots.json", NULL);
    pit_json_write(path, root, NULL);
}

/*
 * The verdict of one boot alone.  A planned cut sends no result: the
 * guest's NVMEPI-POWER-CUT line and a VM stopped on it are a clean end
 * (a panic before it is still a crash); a cut not planned, or a planned
 * one that never came, is not.
 */
static void boot_verdict(RunFacts *f, BootRecord *br)
{
    VerdictResult v = { 0 };
    const char *status;

    if (br->cut_planned && br->cut_done && !f->panic_title) {
        f->have_result = f->booted = true;
        f->timed_out = f->qemu_crashed = false;
        f->status = "ok";
        status = "power-cut";
    } else if (br->cut_done) {
        f->have_result = true;
        f->status = status = "power-cut";
        f->error = "the guest cut power, the boot's plan has no cut";
    } else if (br->cut_planned && f->have_result) {
        f->status = status = "no-power-cut";
        f->error = "the boot ended without the power cut its plan has";
    } else {
        status = f->status;
    }
    verdict_classify(f, &v);
    br->verdict = v.verdict;
    g_ptr_array_add(v.reasons, NULL);
    br->reasons = (char **)g_ptr_array_free(v.reasons, FALSE);
    br->status = status;
}

static RunRecord *run_execute_boots(RunSpec *s, const Backend *b)
{
    RunRecord *r = record_new(s);
    g_autoptr(BootPlan) p = boot_plan_build(s->scn, s->seed);
    g_autoptr(GPtrArray) results =
        g_ptr_array_new_with_free_func((GDestroyNotify)result_free);
    g_autofree BootRecord *br = g_new0(BootRecord, p->n);
    JsonObject *counters = json_object_new();
    RunFacts sum = { 0 }, bad = { 0 };
    bool failed = false;
    double t0 = pit_now();
    GError *e = NULL;

    clean_dir(s->dir);
    g_mkdir_with_parents(s->dir, 0755);
    {
        /* run.json and, for `pit audit`, every device's command line */
        g_autofree char *json = run_spec_to_json(s);
        g_autofree char *jp = g_build_filename(s->dir, "run.json", NULL);
        g_autofree char *cp = g_build_filename(s->dir, "qemu.cmdline", NULL);
        g_autoptr(GPtrArray) argv = run_spec_qemu_argv(s);
        g_autofree char *cmd = qemu_cmd_to_string(argv);
        pit_write_file(jp, json, -1, NULL);
        pit_write_file(cp, cmd, -1, NULL);
    }
    for (unsigned i = 0; i < s->scn->devices->len; i++) {
        const ScnDevice *d = g_ptr_array_index(s->scn->devices, i);
        if (!e && !run_create_backing(g_ptr_array_index(s->backing, i), d->size,
                                      &e)) {
            failed = true;
        }
    }
    for (unsigned i = 0; i < p->n && !failed; i++) {
        const BootPlanEntry *pe = &p->boots[i];
        Scenario *bscn = boot_plan_scenario(s->scn, pe);
        RunSpec *bs = boot_spec(s, bscn, p, i);
        RunFacts f = { 0 };
        VmOutcome vo = { 0 };
        RunRecord tmp = { 0 };
        GuestResult *res;
        double bt0 = pit_now();

        br[i].plan = boot_plan_describe(s->scn, pe);
        br[i].cut_planned = pe->cut != SCN_CUT_NONE;
        if (pe->audit_before) {
            f.raid1_same_write = audit_images(s, bs->dir);
        }
        if (!stage_files(bs, false, &e)) {
            f.qemu_failed_to_start = true;
        } else {
            backend_supervise(b, bs, &vo);
            unstage(bs);
            vm_facts(&vo, &f);
            br[i].cut_done = vo.power_cut;
            br[i].cut_devices = vo.cut_devices;
            br[i].cut_writes =
                counter_sum(vo.counters, "stat-power-cut-writes");
            for (unsigned k = 0; k < G_N_ELEMENTS(cut_counters); k++) {
                g_autofree char *name =
                    g_strdup_printf("stat-power-cut-%s", cut_counters[k]);
                br[i].cut_by[k] = counter_sum(vo.counters, name);
            }
            res = collect_guest(&tmp, bs, &f);
            if (res) {
                g_ptr_array_add(results, res);
            }
            f.dev_pi_errors = pi_errors_of(vo.counters);
            f.dev_mutations = mutations_of(vo.counters);
            gather_mutations(bs->dir, bscn);
            g_autofree char *key = g_strdup_printf("boot-%u", pe->n);
            json_object_set_object_member(counters, key,
                                          json_object_ref(vo.counters));
        }
        br[i].seconds = pit_now() - bt0;
        boot_verdict(&f, &br[i]);
        run_facts_add_evidence(&sum, &f);
        if (br[i].verdict == VERDICT_ERROR) {
            /* the first boot that broke is what the run reports */
            bad = f;
            bad.panic_title =
                tmp.panic_title ? (r->panic_title = tmp.panic_title) : NULL;
            bad.panic_frame =
                tmp.panic_frame ? (r->panic_frame = tmp.panic_frame) : NULL;
            failed = true;
        } else {
            g_free(tmp.panic_title);
            g_free(tmp.panic_frame);
        }
        vm_outcome_clear(&vo);
        run_spec_free(bs);
        boot_plan_scenario_free(bscn);
    }
    if (e) {
        g_autofree char *sp = g_build_filename(s->dir, "setup-error", NULL);
        pit_write_file(sp, e->message, -1, NULL);
        g_clear_error(&e);
        if (!bad.qemu_failed_to_start && !failed) {
            bad.qemu_failed_to_start = true;
        }
    }
    boots_json(s->dir, br, p->n);
    if (failed) {
        if (!bad.have_result && !bad.qemu_failed_to_start && !bad.timed_out &&
            !bad.qemu_crashed && !bad.panic_title && !bad.status) {
            bad.qemu_failed_to_start = true; /* the images */
        }
        sum = bad;
    } else {
        sum.have_result = sum.booted = true;
        sum.status = "ok";
    }
    r->seconds = pit_now() - t0;
    finish(r, &sum, s, counters);
    json_object_unref(counters);
    for (unsigned i = 0; i < p->n; i++) {
        g_free(br[i].plan);
        g_strfreev(br[i].reasons);
    }
    return r;
}
