/*
 * xml-cmd.c - `pit xml SCENARIO --kernel SPEC`: the domain XML pit's
 * libvirt backend would define for the scenario, for users' own libvirt
 * setups (kdevops and the like).  Paths are absolute; a leading comment
 * says what pit does around the domain, and --prepare writes those
 * files (job, initrd with the job, sparse backing images, run.json) so
 * the XML can be given to `virsh create` as it is.  The run is the
 * RunSpec `pit run` would use (run_prepare), so the two cannot differ.
 */
#include "xml-cmd.h"
#include "accel.h"
#include "domain-xml.h"
#include "image.h"
#include "kernel.h"
#include "pit-defs.h"
#include "run-spec.h"
#include "run.h"
#include "scenario.h"
#include "util.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

typedef struct XmlOpts {
    char *kernel, *dir, *accel_mode, *image, *qemu, *seed_s;
    gboolean prepare;
} XmlOpts;

static void xml_opts_clear(XmlOpts *o)
{
    g_free(o->kernel);
    g_free(o->dir);
    g_free(o->accel_mode);
    g_free(o->image);
    g_free(o->qemu);
    g_free(o->seed_s);
}

static bool xml_opts_parse(XmlOpts *o, int *argc, char ***argv)
{
    GOptionEntry entries[] = {
        { "kernel", 'k', 0, G_OPTION_ARG_STRING, &o->kernel,
          "kernel: debian:VER, file:PATH[,modules=DIR]", "SPEC" },
        { "dir", 'd', 0, G_OPTION_ARG_FILENAME, &o->dir,
          "where the run's files live (default ./pit-SCENARIO)", "DIR" },
        { "prepare", 0, 0, G_OPTION_ARG_NONE, &o->prepare,
          "write the job, the initrd and the backing images into DIR", NULL },
        { "accel", 0, 0, G_OPTION_ARG_STRING, &o->accel_mode,
          "auto (default: probe KVM), kvm or tcg: <domain type>", "MODE" },
        { "image", 0, 0, G_OPTION_ARG_FILENAME, &o->image,
          "guest image instead of guest/mkimage's (with --prepare)", "FILE" },
        { "qemu", 0, 0, G_OPTION_ARG_FILENAME, &o->qemu,
          "emulator (default: build/qemu/qemu-system-x86_64)", "PATH" },
        { "seed", 0, 0, G_OPTION_ARG_STRING, &o->seed_s,
          "seed for @SEED@ in the steps (default: random)", "S" },
        G_OPTION_ENTRY_NULL
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("SCENARIO --kernel SPEC");
    g_autoptr(GError) e = NULL;

    g_option_context_set_summary(
        ctx, "Print the libvirt domain XML of a scenario (the one pit's "
             "libvirt backend\ndefines), for your own libvirt setup.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, argc, argv, &e)) {
        fprintf(stderr, "pit xml: %s\n", e->message);
        return false;
    }
    if (*argc != 2 || !o->kernel) {
        fprintf(stderr, "usage: pit xml SCENARIO --kernel SPEC [--dir DIR] "
                        "[--prepare]\n");
        return false;
    }
    if (o->accel_mode && strcmp(o->accel_mode, "auto") &&
        strcmp(o->accel_mode, "kvm") && strcmp(o->accel_mode, "tcg")) {
        fprintf(stderr, "pit xml: --accel must be auto, kvm or tcg\n");
        return false;
    }
    return true;
}

static Scenario *load(const char *name)
{
    g_autoptr(GError) e = NULL;
    g_autofree char *path =
        g_str_has_suffix(name, ".ini") || strchr(name, '/')
            ? g_strdup(name)
            : g_strdup_printf("%s/scenarios/%s.ini", pit_srcdir(), name);
    Scenario *s;

    if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
        fprintf(stderr,
                "pit xml: unknown scenario '%s' (no %s); 'pit scenarios' "
                "lists them\n",
                name, path);
        return NULL;
    }
    s = scenario_load(path, &e);
    if (!s) {
        fprintf(stderr, "pit: %s\n", e->message);
    }
    return s;
}

/* --prepare: the files the XML names, as run_stage() writes them. */
static int prepare(RunSpec *spec, const XmlOpts *o, const Kernel *k)
{
    g_autoptr(GError) e = NULL;

    g_free(spec->image);
    spec->image = o->image ? g_canonicalize_filename(o->image, NULL)
                           : image_for_kernel(k, spec->scn->image, &e);
    if (!spec->image || !run_stage(spec, &e)) {
        fprintf(stderr, "pit xml: cannot prepare %s: %s\n", spec->dir,
                e->message);
        return PIT_EXIT_DEPENDENCY;
    }
    /* the XML has no QMP monitor of pit's: nothing will listen there */
    g_autofree char *tmp = g_path_get_dirname(spec->qmp);
    rmdir(tmp);
    g_clear_pointer(&spec->qmp, g_free);
    return PIT_EXIT_OK;
}

static RunSpec *xml_spec(const XmlOpts *o, const Scenario *s, const Kernel *k,
                         char **why)
{
    /* the KVM probe's cache is keyed by the path as pit run gives it */
    const char *qemu = o->qemu ? o->qemu : pit_qemu_binary();
    g_autofree char *d = g_strdup_printf("pit-%s", s->name);
    g_autofree char *dir = g_canonicalize_filename(o->dir ? o->dir : d, NULL);
    g_autofree char *run_id = g_strdup_printf("%s.%s.xml", k->label, s->name);
    const char *accel = accel_choose(o->accel_mode ? o->accel_mode : "auto",
                                     qemu, k->vmlinuz, why);
    guint64 seed =
        o->seed_s
            ? g_ascii_strtoull(o->seed_s, NULL, 0)
            : (((guint64)g_random_int() << 32) | g_random_int()) & G_MAXINT64;
    RunInputs in = {
        .kernel = k,
        .scn = s,
        .dir = dir,
        .run_id = run_id,
        .domain = run_id,
        .repeat = 1,
        .seed = seed,
        .accel = accel,
        .qemu = qemu,
        .backend = "libvirt",
        .boot_slack_s = run_boot_slack(accel),
    };
    return run_prepare(&in);
}

int xml_cmd(int argc, char **argv)
{
    XmlOpts o = { 0 };
    g_autoptr(GError) e = NULL;
    g_autoptr(Scenario) s = NULL;
    g_autoptr(Kernel) k = NULL;
    g_autoptr(RunSpec) spec = NULL;
    g_autofree char *why = NULL, *note = NULL, *xml = NULL;
    int rc = PIT_EXIT_INPUT;

    if (!xml_opts_parse(&o, &argc, &argv) || !(s = load(argv[1]))) {
        goto out;
    }
    k = kernel_resolve(o.kernel, &e);
    if (!k) {
        fprintf(stderr, "pit: %s\n", e->message);
        goto out;
    }
    spec = xml_spec(&o, s, k, &why);
    if (o.prepare && (rc = prepare(spec, &o, k)) != PIT_EXIT_OK) {
        goto out;
    }
    note =
        what_pit_does(s, spec->dir, o.prepare ? spec->image : NULL, o.prepare);
    xml = run_spec_domain_xml(spec, note);
    fputs(xml, stdout);
    fprintf(stderr, "pit xml: accel %s\n", why);
    rc = PIT_EXIT_OK;
out:
    xml_opts_clear(&o);
    return rc;
}
