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
#include "backend-libvirt.h"
#include "domain-xml.h"
#include "image.h"
#include "qemu-cmd.h"
#include "result.h"
#include "util.h"
#include "vm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Host slack over the guest's own job timeout: boot, module load, md. */
#define BOOT_SLACK_TCG_S 180
#define BOOT_SLACK_KVM_S 60

/* $PIT_BOOT_SLACK overrides the slack (tests of pit's own timeouts). */
static unsigned boot_slack(const char *accel)
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
                               const Scenario *s, const char *accel,
                               JsonObject *counters)
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
    json_builder_add_string_value(b, accel);
    json_builder_set_member_name(b, "image");
    json_builder_add_string_value(b, scn_image_name(s->image));
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

static void finish(RunRecord *r, const RunFacts *f, const Scenario *s,
                   const Kernel *k, const char *accel, JsonObject *counters)
{
    VerdictResult v = { 0 };
    const char *range = NULL;

    verdict_classify(f, &v);
    r->verdict = v.verdict;
    g_ptr_array_add(v.reasons, NULL);
    r->reasons = (char **)g_ptr_array_free(v.reasons, FALSE);
    r->expected = scenario_expect_for(s, k->version, &range);
    r->expect_range = g_strdup(range);
    r->outcome = verdict_compare(r->verdict, r->expected);
    write_verdict_json(r, f, s, accel, counters);
}

/* The same VM through libvirt: domain.xml in the run dir, then define,
 * start, watch, destroy, undefine (backend-libvirt.c). */
static void run_libvirt(const RunConfig *cfg, const QemuCmdInput *in,
                        const char *dir, const char *log, double timeout_s,
                        const char *const *ids, VmOutcome *vo)
{
    g_autofree char *name = libvirt_domain_name(in->run_id);
    g_autofree char *xml_path = g_build_filename(dir, "domain.xml", NULL);
    g_autofree char *emulator = g_canonicalize_filename(in->qemu, NULL);
    DomainXmlInput din = {
        .name = name,
        .emulator = emulator,
        .scn = in->scn,
        .accel = in->accel,
        .kernel = in->kernel,
        .initrd = in->initrd,
        .run_id = in->run_id,
        .console_path = in->console_path,
        .result_path = in->result_path,
        .qmp_path = in->qmp_path,
        .backing = in->backing,
        .mutlog = in->mutlog,
    };
    g_autofree char *xml = domain_xml_build(&din);

    pit_write_file(xml_path, xml, -1, NULL);
    LibvirtVmSpec spec = {
        .uri = cfg->libvirt_uri,
        .name = name,
        .xml_path = xml_path,
        .log_path = log,
        .console_path = in->console_path,
        .result_path = in->result_path,
        .qmp_path = in->qmp_path,
        .timeout_s = timeout_s,
        .device_ids = ids,
    };
    libvirt_vm_run(&spec, vo);
}

RunRecord *run_one(const RunConfig *cfg, const Kernel *k, const char *image,
                   const Scenario *s, unsigned repeat, guint64 seed)
{
    RunRecord *r = g_new0(RunRecord, 1);
    RunFacts f = { 0 };
    VmOutcome vo = { 0 };
    g_autoptr(GError) e = NULL;
    g_autoptr(GPtrArray) backing = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) mutlog = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) ids = g_ptr_array_new();
    g_autoptr(GPtrArray) argv = NULL;
    g_autoptr(GuestResult) res = NULL;
    g_autoptr(GBytes) cpio = NULL;
    g_autofree char *run_id = NULL, *job = NULL, *initrd = NULL, *tmp = NULL,
                    *qmp = NULL, *console = NULL, *raw = NULL, *log = NULL,
                    *cmdline = NULL, *cons_text = NULL, *raw_text = NULL,
                    *json = NULL, *p = NULL;
    unsigned timeout = s->timeout_s;
    double t0 = pit_now();
    JsonObject *counters = NULL;

    r->kernel_spec = g_strdup(k->spec);
    r->kernel_label = g_strdup(k->label);
    r->kernel_version = g_strdup(k->version);
    r->scenario = g_strdup(s->name);
    r->repeat = repeat;
    r->seed = seed;
    r->dir =
        g_strdup_printf("%s/%s/%s/%u", cfg->out, k->label, s->name, repeat);
    run_id = g_strdup_printf("%s.%s.%u", k->label, s->name, repeat);
    if (g_mkdir_with_parents(r->dir, 0755) < 0) {
        f.qemu_failed_to_start = true;
        goto done;
    }
    clean_dir(r->dir);
    for (unsigned i = 0; i < s->devices->len; i++) {
        const ScnDevice *d = g_ptr_array_index(s->devices, i);
        g_ptr_array_add(backing, g_strdup_printf("%s/%s.img", r->dir, d->name));
        g_ptr_array_add(mutlog, d->mutation_log && d->model == SCN_MODEL_NVME_PI
                                    ? g_strdup_printf("%s/%s.mutations.jsonl",
                                                      r->dir, d->name)
                                    : NULL);
        g_ptr_array_add(ids, d->name);
        if (!run_create_backing(g_ptr_array_index(backing, i), d->size, &e)) {
            break;
        }
    }
    g_ptr_array_add(ids, NULL);
    job = image_job_text(s, run_id, timeout, seed);
    p = g_build_filename(r->dir, "job", NULL);
    cpio = image_job_cpio(job);
    initrd = g_build_filename(r->dir, "initrd.img", NULL);
    if (e || !pit_write_file(p, job, -1, &e) ||
        !image_write_initrd(image, cpio, initrd, &e)) {
        g_autofree char *lp = g_build_filename(r->dir, "setup-error", NULL);
        pit_write_file(lp, e->message, -1, NULL);
        f.qemu_failed_to_start = true;
        goto done;
    }
    tmp = g_dir_make_tmp("pit-XXXXXX", NULL);
    qmp = g_build_filename(tmp, "qmp.sock", NULL);
    console = g_build_filename(r->dir, "console.log", NULL);
    raw = g_build_filename(r->dir, "result.raw", NULL);
    log = g_build_filename(r->dir, "qemu.log", NULL);

    QemuCmdInput in = {
        .qemu = cfg->qemu,
        .scn = s,
        .accel = cfg->accel,
        .kernel = k->vmlinuz,
        .initrd = initrd,
        .run_id = run_id,
        .console_path = console,
        .result_path = raw,
        .qmp_path = qmp,
        .backing = (const char *const *)backing->pdata,
        .mutlog = (const char *const *)mutlog->pdata,
    };
    if (cfg->backend && !strcmp(cfg->backend, "libvirt")) {
        run_libvirt(cfg, &in, r->dir, log, timeout + boot_slack(cfg->accel),
                    (const char *const *)ids->pdata, &vo);
    } else {
        argv = qemu_cmd_build(&in);
        cmdline = qemu_cmd_to_string(argv);
        g_free(p);
        p = g_build_filename(r->dir, "qemu.cmdline", NULL);
        pit_write_file(p, cmdline, -1, NULL);

        VmSpec spec = {
            .argv = (char **)argv->pdata,
            .log_path = log,
            .console_path = console,
            .result_path = raw,
            .qmp_path = qmp,
            .timeout_s = timeout + boot_slack(cfg->accel),
            .device_ids = (const char *const *)ids->pdata,
        };
        vm_run(&spec, &vo);
    }
    unlink(initrd);
    unlink(qmp);
    rmdir(tmp);

    f.qemu_failed_to_start = !vo.started;
    f.timed_out = vo.timed_out;
    f.qemu_crashed = vo.crashed;
    f.qemu_exit = vo.exit;
    cons_text = read_text(console);
    f.booted = strstr(cons_text, "Run /init") || strstr(cons_text, "nvme-pi:");
    panic_parse(cons_text, &r->panic_title, &r->panic_frame);
    f.panic_title = r->panic_title;
    f.panic_frame = r->panic_frame;

    raw_text = read_text(raw);
    json = result_extract(raw_text, strlen(raw_text));
    if (json) {
        res = result_parse(json, &e);
    }
    if (res) {
        g_autofree char *pretty = result_to_pretty(res);
        g_autofree char *dm = result_dmesg_text(res);
        g_autofree char *gp = g_build_filename(r->dir, "guest.json", NULL);
        g_autofree char *dp = g_build_filename(r->dir, "dmesg", NULL);
        pit_write_file(gp, pretty, -1, NULL);
        pit_write_file(dp, dm, -1, NULL);
        result_fill_facts(res, &f);
        unlink(raw);
    }
    counters = vo.counters ? json_object_ref(vo.counters) : json_object_new();
    f.dev_pi_errors = pi_errors_of(counters);
    f.dev_mutations = mutations_of(counters);
    gather_mutations(r->dir, s);
    if (vo.interrupted) {
        f.have_result = false;
        f.panic_title = NULL;
        f.timed_out = false;
        f.qemu_crashed = false;
    }
done:
    if (!counters) {
        counters = json_object_new();
    }
    r->seconds = pit_now() - t0;
    finish(r, &f, s, k, cfg->accel, counters);
    if (vo.interrupted) {
        g_free(r->reasons[0]);
        r->reasons[0] = g_strdup("interrupted");
    }
    json_object_unref(counters);
    vm_outcome_clear(&vo);
    return r;
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
