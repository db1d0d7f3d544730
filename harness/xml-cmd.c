/*
 * xml-cmd.c - `pit xml SCENARIO --kernel SPEC`: the domain XML pit's
 * libvirt backend would define for the scenario, for users' own libvirt
 * setups (kdevops and the like).  Paths are absolute; a leading comment
 * says what pit does around the domain, and --prepare writes those
 * files (job, initrd with the job, sparse backing images) so the XML
 * can be given to `virsh create` as it is.
 */
#include "xml-cmd.h"
#include "accel.h"
#include "domain-xml.h"
#include "image.h"
#include "kernel.h"
#include "run.h"
#include "scenario.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static char *what_pit_does(const Scenario *s, const char *dir,
                           const char *image, bool prepared)
{
    GString *c = g_string_new(NULL);

    g_string_append_printf(
        c,
        "nvme-pi: scenario %s, written by `pit xml`.\n"
        "What pit run does around this domain with the libvirt backend:\n"
        "- initrd: the guest image for this kernel (guest/mkimage%s)%s%s\n"
        "  with a newc cpio holding /nvme-pi/job appended; the job (%s/job)\n"
        "  carries the scenario's modules, devices, steps and seed.\n"
        "- one sparse backing image per device, created fresh each run:\n",
        s->name,
        s->image == SCN_IMAGE_FULL ? ", full variant with fio and stress-ng"
                                   : "",
        image ? ", here " : "", image ? image : "", dir);
    for (unsigned i = 0; i < s->devices->len; i++) {
        const ScnDevice *d = g_ptr_array_index(s->devices, i);
        g_string_append_printf(
            c, "    truncate -s %" G_GUINT64_FORMAT " %s/%s.img\n", d->size,
            dir, d->name);
    }
    g_string_append_printf(
        c,
        "- %s.\n"
        "- ttyS0 (console.log) is the console; ttyS1 (result.raw) carries\n"
        "  one JSON result between NVMEPI-RESULT-BEGIN/END lines, then the\n"
        "  guest powers off (docs/guest-protocol.md).  pit classifies it\n"
        "  (PASS/FAIL/ERROR) and reads the nvme-pi stat-* counters over a\n"
        "  QMP monitor it adds (-qmp); this XML has none.\n"
        "- afterwards: virsh destroy + undefine; `pit audit` checks PI and\n"
        "  RAID consistency of the backing images.\n"
        "Start it with: virsh create THIS.xml (needs the emulator built\n"
        "from nvme-pi: libvirt's capability probe accepts it).",
        prepared ? "pit xml (prepare option) wrote these files"
                 : "`pit xml` with the prepare option writes the job, initrd "
                   "and images");
    return g_string_free(c, FALSE);
}

int xml_cmd(int argc, char **argv)
{
    g_autofree char *kspec = NULL, *dir_opt = NULL, *accel_mode = NULL,
                    *image_opt = NULL, *qemu_opt = NULL, *seed_s = NULL;
    gboolean prepare = FALSE;
    GOptionEntry entries[] = {
        { "kernel", 'k', 0, G_OPTION_ARG_STRING, &kspec,
          "kernel: debian:VER, file:PATH[,modules=DIR]", "SPEC" },
        { "dir", 'd', 0, G_OPTION_ARG_FILENAME, &dir_opt,
          "where the run's files live (default ./pit-SCENARIO)", "DIR" },
        { "prepare", 0, 0, G_OPTION_ARG_NONE, &prepare,
          "write the job, the initrd and the backing images into DIR", NULL },
        { "accel", 0, 0, G_OPTION_ARG_STRING, &accel_mode,
          "auto (default: probe KVM), kvm or tcg: <domain type>", "MODE" },
        { "image", 0, 0, G_OPTION_ARG_FILENAME, &image_opt,
          "guest image instead of guest/mkimage's (with --prepare)", "FILE" },
        { "qemu", 0, 0, G_OPTION_ARG_FILENAME, &qemu_opt,
          "emulator (default: build/qemu/qemu-system-x86_64)", "PATH" },
        { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_s,
          "seed for @SEED@ in the steps (default: random)", "S" },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("SCENARIO --kernel SPEC");
    g_autoptr(GError) e = NULL;
    g_autoptr(Scenario) s = NULL;
    g_autoptr(GPtrArray) backing = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) mutlog = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *path = NULL, *dir = NULL, *why = NULL, *run_id = NULL,
                    *image = NULL, *emulator = NULL, *initrd = NULL,
                    *console = NULL, *result = NULL, *note = NULL, *xml = NULL,
                    *name = NULL;
    const char *accel;
    guint64 seed;

    g_option_context_set_summary(
        ctx, "Print the libvirt domain XML of a scenario (the one pit's "
             "libvirt backend\ndefines), for your own libvirt setup.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &e)) {
        fprintf(stderr, "pit xml: %s\n", e->message);
        return 2;
    }
    if (argc != 2 || !kspec) {
        fprintf(stderr, "usage: pit xml SCENARIO --kernel SPEC [--dir DIR] "
                        "[--prepare]\n");
        return 2;
    }
    path = g_str_has_suffix(argv[1], ".ini") || strchr(argv[1], '/')
               ? g_strdup(argv[1])
               : g_strdup_printf("%s/scenarios/%s.ini", pit_srcdir(), argv[1]);
    if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
        fprintf(stderr,
                "pit xml: unknown scenario '%s' (no %s); 'pit scenarios' "
                "lists them\n",
                argv[1], path);
        return 2;
    }
    s = scenario_load(path, &e);
    if (!s) {
        fprintf(stderr, "pit: %s\n", e->message);
        return 2;
    }
    g_autoptr(Kernel) k = kernel_resolve(kspec, &e);
    if (!k) {
        fprintf(stderr, "pit: %s\n", e->message);
        return 2;
    }
    /* the KVM probe's cache is keyed by the path as pit run gives it */
    const char *qemu = qemu_opt ? qemu_opt : pit_qemu_binary();
    emulator = g_canonicalize_filename(qemu, NULL);
    if (accel_mode && strcmp(accel_mode, "auto") && strcmp(accel_mode, "kvm") &&
        strcmp(accel_mode, "tcg")) {
        fprintf(stderr, "pit xml: --accel must be auto, kvm or tcg\n");
        return 2;
    }
    accel =
        accel_choose(accel_mode ? accel_mode : "auto", qemu, k->vmlinuz, &why);
    if (dir_opt) {
        dir = g_canonicalize_filename(dir_opt, NULL);
    } else {
        g_autofree char *d = g_strdup_printf("pit-%s", s->name);
        dir = g_canonicalize_filename(d, NULL);
    }
    seed = seed_s ? g_ascii_strtoull(seed_s, NULL, 0)
                  : (((guint64)g_random_int() << 32) | g_random_int()) &
                        G_MAXINT64;
    run_id = g_strdup_printf("%s.%s.xml", k->label, s->name);
    for (unsigned i = 0; i < s->devices->len; i++) {
        const ScnDevice *d = g_ptr_array_index(s->devices, i);
        g_ptr_array_add(backing, g_strdup_printf("%s/%s.img", dir, d->name));
        g_ptr_array_add(
            mutlog, d->mutation_log && d->model == SCN_MODEL_NVME_PI
                        ? g_strdup_printf("%s/%s.mutations.jsonl", dir, d->name)
                        : NULL);
    }
    initrd = g_build_filename(dir, "initrd.img", NULL);
    console = g_build_filename(dir, "console.log", NULL);
    result = g_build_filename(dir, "result.raw", NULL);
    if (prepare) {
        g_autofree char *job = image_job_text(s, run_id, s->timeout_s, seed);
        g_autofree char *jp = g_build_filename(dir, "job", NULL);
        g_autoptr(GBytes) cpio = image_job_cpio(job);
        image = image_opt ? g_canonicalize_filename(image_opt, NULL)
                          : image_for_kernel(k, s->image, &e);
        if (!image || g_mkdir_with_parents(dir, 0755) < 0 ||
            !pit_write_file(jp, job, -1, &e) ||
            !image_write_initrd(image, cpio, initrd, &e)) {
            fprintf(stderr, "pit xml: cannot prepare %s: %s\n", dir,
                    e ? e->message : g_strerror(errno));
            return 3;
        }
        for (unsigned i = 0; i < s->devices->len; i++) {
            const ScnDevice *d = g_ptr_array_index(s->devices, i);
            if (!run_create_backing(g_ptr_array_index(backing, i), d->size,
                                    &e)) {
                fprintf(stderr, "pit xml: %s\n", e->message);
                return 3;
            }
        }
    }
    name = domain_xml_name(run_id);
    note = what_pit_does(s, dir, image, prepare);
    DomainXmlInput in = {
        .name = name,
        .emulator = emulator,
        .scn = s,
        .accel = accel,
        .kernel = k->vmlinuz,
        .initrd = initrd,
        .run_id = run_id,
        .console_path = console,
        .result_path = result,
        .backing = (const char *const *)backing->pdata,
        .mutlog = (const char *const *)mutlog->pdata,
        .comment = note,
    };
    xml = domain_xml_build(&in);
    fputs(xml, stdout);
    fprintf(stderr, "pit xml: accel %s\n", why);
    return 0;
}
