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
#include "image.h"
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
static guint64 mutations_of(JsonObject *counters)
{
    guint64 n = 0;
    g_autoptr(GList) devs = json_object_get_members(counters);

    for (GList *d = devs; d; d = d->next) {
        JsonObject *c = json_object_get_object_member(counters, d->data);
        if (json_object_has_member(c, "stat-mutation-events")) {
            n += json_object_get_int_member(c, "stat-mutation-events");
        }
    }
    return n;
}

static void write_verdict_json(const RunRecord *r, const RunFacts *f,
                               const RunSpec *s, JsonObject *counters)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonGenerator) g = json_generator_new();
    g_autoptr(JsonNode) root = NULL;
    g_autofree char *text = NULL, *path = NULL;

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
    json_generator_set_root(g, root);
    json_generator_set_pretty(g, TRUE);
    text = json_generator_to_data(g, NULL);
    path = g_build_filename(r->dir, "verdict.json", NULL);
    pit_write_file(path, text, -1, NULL);
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

bool run_stage(RunSpec *s, GError **error)
{
    GError *e = NULL;
    g_autofree char *json = run_spec_to_json(s);
    g_autofree char *json_path = g_build_filename(s->dir, "run.json", NULL);
    g_autoptr(GBytes) cpio = image_job_cpio(s->job);
    g_autofree char *tmp = NULL;

    if (g_mkdir_with_parents(s->dir, 0755) < 0) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_FAILED, "cannot create %s: %s",
                    s->dir, g_strerror(errno));
        return false;
    }
    if (!pit_write_file(json_path, json, -1, &e)) {
        return stage_fail(s, e, error);
    }
    for (unsigned i = 0; i < s->scn->devices->len; i++) {
        const ScnDevice *d = g_ptr_array_index(s->scn->devices, i);
        if (!run_create_backing(g_ptr_array_index(s->backing, i), d->size,
                                &e)) {
            return stage_fail(s, e, error);
        }
    }
    if (!pit_write_file(s->job_path, s->job, -1, &e) ||
        !image_write_initrd(s->image, cpio, s->initrd, &e)) {
        return stage_fail(s, e, error);
    }
    /* a unix socket path must stay short: not under the run directory */
    tmp = g_dir_make_tmp("pit-XXXXXX", &e);
    if (!tmp) {
        return stage_fail(s, e, error);
    }
    g_free(s->qmp);
    s->qmp = g_build_filename(tmp, "qmp.sock", NULL);
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

RunRecord *run_execute(RunSpec *s, const Backend *b)
{
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
