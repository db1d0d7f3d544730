/*
 * run-spec.c - run_prepare(): every name and path of one run from the
 * caller's choices, the spec as run.json, and the spec turned into the
 * qemu backend's command line or the libvirt backend's domain XML (so
 * `pit run` and `pit xml` cannot describe different machines).  Pure.
 */
#include "run-spec.h"
#include "domain-xml.h"
#include "image.h"
#include "qemu-cmd.h"

#include <unistd.h>

static char *in_dir(const RunSpec *s, const char *name)
{
    return g_build_filename(s->dir, name, NULL);
}

static void add_devices(RunSpec *s)
{
    s->backing = g_ptr_array_new_with_free_func(g_free);
    s->mutlog = g_ptr_array_new_with_free_func(g_free);
    s->device_ids = g_ptr_array_new_with_free_func(g_free);
    for (unsigned i = 0; i < s->scn->devices->len; i++) {
        const ScnDevice *d = g_ptr_array_index(s->scn->devices, i);
        g_ptr_array_add(s->backing,
                        g_strdup_printf("%s/%s.img", s->dir, d->name));
        g_ptr_array_add(
            s->mutlog,
            d->mutation_log && d->model == SCN_MODEL_NVME_PI
                ? g_strdup_printf("%s/%s.mutations.jsonl", s->dir, d->name)
                : NULL);
        g_ptr_array_add(s->device_ids, g_strdup(d->name));
    }
    g_ptr_array_add(s->backing, NULL);
    g_ptr_array_add(s->mutlog, NULL);
    g_ptr_array_add(s->device_ids, NULL);
}

RunSpec *run_prepare(const RunInputs *in)
{
    RunSpec *s = g_new0(RunSpec, 1);

    s->kernel_spec = g_strdup(in->kernel->spec);
    s->kernel_label = g_strdup(in->kernel->label);
    s->kernel_version = g_strdup(in->kernel->version);
    s->vmlinuz = g_strdup(in->kernel->vmlinuz);
    s->boot_image = g_strdup(in->kernel->boot_image ? in->kernel->boot_image
                                                    : in->kernel->vmlinuz);
    s->scn = in->scn;
    s->scenario = g_strdup(in->scn->name);
    s->repeat = in->repeat;
    s->seed = in->seed;
    s->accel = g_strdup(in->accel);
    s->qemu = g_strdup(in->qemu);
    s->backend = g_strdup(in->backend ? in->backend : "qemu");
    s->libvirt_uri = g_strdup(in->libvirt_uri);
    s->image = g_strdup(in->image);
    s->dir = g_strdup(in->dir);
    s->run_id = in->run_id ? g_strdup(in->run_id)
                           : g_strdup_printf("%s.%s.%u", s->kernel_label,
                                             s->scenario, s->repeat);
    if (in->domain) {
        s->domain = domain_xml_name(in->domain);
    } else {
        g_autofree char *raw =
            g_strdup_printf("pit-%d-%s", (int)getpid(), s->run_id);
        s->domain = domain_xml_name(raw);
    }
    s->job_path = in_dir(s, "job");
    s->initrd = in_dir(s, "initrd.img");
    s->console = in_dir(s, "console.log");
    s->result = in_dir(s, "result.raw");
    s->log = in_dir(s, "qemu.log");
    add_devices(s);
    s->guest_timeout_s = in->scn->timeout_s;
    s->host_timeout_s = in->scn->timeout_s + in->boot_slack_s;
    s->job = image_job_text(in->scn, s->run_id, s->guest_timeout_s, s->seed);
    s->append = qemu_cmd_append(in->scn, s->run_id);
    return s;
}

void run_spec_free(RunSpec *s)
{
    if (!s) {
        return;
    }
    g_free(s->kernel_spec);
    g_free(s->kernel_label);
    g_free(s->kernel_version);
    g_free(s->vmlinuz);
    g_free(s->boot_image);
    g_free(s->scenario);
    g_free(s->accel);
    g_free(s->qemu);
    g_free(s->backend);
    g_free(s->libvirt_uri);
    g_free(s->image);
    g_free(s->dir);
    g_free(s->run_id);
    g_free(s->domain);
    g_free(s->job_path);
    g_free(s->initrd);
    g_free(s->console);
    g_free(s->result);
    g_free(s->log);
    g_free(s->qmp);
    g_ptr_array_unref(s->backing);
    g_ptr_array_unref(s->mutlog);
    g_ptr_array_unref(s->device_ids);
    g_free(s->job);
    g_free(s->append);
    g_free(s);
}

static void add_str(JsonBuilder *b, const char *k, const char *v)
{
    json_builder_set_member_name(b, k);
    if (v) {
        json_builder_add_string_value(b, v);
    } else {
        json_builder_add_null_value(b);
    }
}

static void add_int(JsonBuilder *b, const char *k, gint64 v)
{
    json_builder_set_member_name(b, k);
    json_builder_add_int_value(b, v);
}

static void add_devices_json(JsonBuilder *b, const RunSpec *s)
{
    json_builder_set_member_name(b, "devices");
    json_builder_begin_array(b);
    for (unsigned i = 0; i < s->scn->devices->len; i++) {
        const ScnDevice *d = g_ptr_array_index(s->scn->devices, i);
        json_builder_begin_object(b);
        add_str(b, "id", d->name);
        add_str(b, "model", d->model == SCN_MODEL_NVME_PI ? "nvme-pi" : "nvme");
        add_int(b, "size", (gint64)d->size);
        add_str(b, "backing", g_ptr_array_index(s->backing, i));
        add_str(b, "mutation_log", g_ptr_array_index(s->mutlog, i));
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
}

char *run_spec_to_json(const RunSpec *s)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonGenerator) g = json_generator_new();
    g_autoptr(JsonNode) root = NULL;

    json_builder_begin_object(b);
    add_str(b, "kernel", s->kernel_spec);
    add_str(b, "kernel_label", s->kernel_label);
    add_str(b, "kernel_version", s->kernel_version);
    add_str(b, "vmlinuz", s->vmlinuz);
    add_str(b, "boot_image", s->boot_image);
    add_str(b, "scenario", s->scenario);
    add_str(b, "scenario_file", s->scn->file);
    add_int(b, "repeat", s->repeat);
    add_int(b, "seed", (gint64)s->seed);
    add_str(b, "accel", s->accel);
    add_str(b, "qemu", s->qemu);
    add_str(b, "backend", s->backend);
    add_str(b, "libvirt_uri", s->libvirt_uri);
    add_str(b, "domain", s->domain);
    add_str(b, "image_variant", scn_image_name(s->scn->image));
    add_str(b, "image", s->image);
    add_str(b, "dir", s->dir);
    add_str(b, "run_id", s->run_id);
    add_str(b, "append", s->append);
    add_int(b, "guest_timeout_s", s->guest_timeout_s);
    add_int(b, "host_timeout_s", s->host_timeout_s);
    add_devices_json(b, s);
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    json_generator_set_root(g, root);
    json_generator_set_pretty(g, TRUE);
    return json_generator_to_data(g, NULL);
}

static QemuCmdInput qemu_input(const RunSpec *s)
{
    QemuCmdInput in = {
        .qemu = s->qemu,
        .scn = s->scn,
        .accel = s->accel,
        .kernel = s->boot_image,
        .initrd = s->initrd,
        .run_id = s->run_id,
        .console_path = s->console,
        .result_path = s->result,
        .qmp_path = s->qmp,
        .backing = (const char *const *)s->backing->pdata,
        .mutlog = (const char *const *)s->mutlog->pdata,
    };
    return in;
}

GPtrArray *run_spec_qemu_argv(const RunSpec *s)
{
    QemuCmdInput in = qemu_input(s);

    return qemu_cmd_build(&in);
}

char *run_spec_domain_xml(const RunSpec *s, const char *comment)
{
    /* libvirt wants absolute paths, the emulator's too */
    g_autofree char *emulator = g_canonicalize_filename(s->qemu, NULL);
    DomainXmlInput in = {
        .name = s->domain,
        .comment = comment,
        .vm = qemu_input(s),
    };

    in.vm.qemu = emulator;
    return domain_xml_build(&in);
}
