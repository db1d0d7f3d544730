/*
 * main.c - pit's command line: subcommands, their options and help, and
 * the run loop over kernels x scenarios x repeats.
 *
 * Exit status: 0 everything as expected; 1 an unexpected result
 * (REGRESSION, FIXED?, ERROR, no expectation); 2 bad input (scenario,
 * kernel, option); 3 a missing dependency or unimplemented feature;
 * 130 interrupted.
 */
#include "accel.h"
#include "audit.h"
#include "backend-libvirt.h"
#include "image.h"
#include "kernel.h"
#include "report.h"
#include "repro-cmd.h"
#include "shell-cmd.h"
#include "run.h"
#include "scenario.h"
#include "series-cmd.h"
#include "util.h"
#include "vm.h"
#include "xml-cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_UNEXPECTED 1
#define EXIT_INPUT 2
#define EXIT_DEPENDENCY 3
#define EXIT_INTERRUPTED 130

static int fail(GError *e)
{
    fprintf(stderr, "pit: %s\n", e->message);
    if (e->domain == PIT_ERROR && (e->code == PIT_ERROR_DEPENDENCY ||
                                   e->code == PIT_ERROR_NOT_IMPLEMENTED)) {
        return EXIT_DEPENDENCY;
    }
    return EXIT_INPUT;
}

static char *scenario_path(const char *name)
{
    if (g_str_has_suffix(name, ".ini") || strchr(name, '/')) {
        return g_strdup(name);
    }
    return g_strdup_printf("%s/scenarios/%s.ini", pit_srcdir(), name);
}

static GPtrArray *load_scenarios(char **names, GError **error)
{
    GPtrArray *out =
        g_ptr_array_new_with_free_func((GDestroyNotify)scenario_free);
    g_autofree char *dir = g_build_filename(pit_srcdir(), "scenarios", NULL);

    if (names && names[0]) {
        for (unsigned i = 0; names[i]; i++) {
            g_autofree char *p = scenario_path(names[i]);
            Scenario *s;
            if (!g_file_test(p, G_FILE_TEST_IS_REGULAR)) {
                g_set_error(error, PIT_ERROR, PIT_ERROR_NOT_FOUND,
                            "unknown scenario '%s' (no %s); 'pit scenarios' "
                            "lists them",
                            names[i], p);
                g_ptr_array_unref(out);
                return NULL;
            }
            s = scenario_load(p, error);
            if (!s) {
                g_ptr_array_unref(out);
                return NULL;
            }
            g_ptr_array_add(out, s);
        }
        return out;
    }
    g_autoptr(GDir) d = g_dir_open(dir, 0, error);
    g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
    const char *n;
    while (d && (n = g_dir_read_name(d))) {
        if (g_str_has_suffix(n, ".ini")) {
            g_ptr_array_add(files, g_build_filename(dir, n, NULL));
        }
    }
    g_ptr_array_sort(files, pit_strptr_cmp);
    for (unsigned i = 0; i < files->len; i++) {
        Scenario *s = scenario_load(g_ptr_array_index(files, i), error);
        if (!s) {
            g_ptr_array_unref(out);
            return NULL;
        }
        if (s->is_default) {
            g_ptr_array_add(out, s);
        } else {
            scenario_free(s);
        }
    }
    return out;
}

static char *default_out(void)
{
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_autofree char *stamp = g_date_time_format(now, "%Y%m%d-%H%M%S");

    return g_strdup_printf("%s/build/pit/%s", pit_srcdir(), stamp);
}

static int cmd_run(int argc, char **argv)
{
    g_auto(GStrv) kernels = NULL;
    g_autofree char *backend = NULL, *accel_mode = NULL, *out = NULL,
                    *seed_s = NULL, *model = NULL, *qemu_opt = NULL,
                    *image_opt = NULL, *libvirt_uri = NULL, *uri = NULL;
    int repeat = 1, jobs = 1;
    gboolean until_fail = FALSE;
    GOptionEntry entries[] = {
        { "kernel", 'k', 0, G_OPTION_ARG_STRING_ARRAY, &kernels,
          "kernel to boot (repeatable): debian:VER, file:PATH[,modules=DIR]",
          "SPEC" },
        { "repeat", 'r', 0, G_OPTION_ARG_INT, &repeat,
          "runs per (kernel, scenario) (default 1)", "N" },
        { "until-fail", 0, 0, G_OPTION_ARG_NONE, &until_fail,
          "repeat until a run does not PASS (at most --repeat, default 100)",
          NULL },
        { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_s,
          "seed for @SEED@ in steps; repeat i uses S+i (default: random)",
          "S" },
        { "jobs", 'j', 0, G_OPTION_ARG_INT, &jobs,
          "runs in parallel (only 1 today)", "N" },
        { "backend", 0, 0, G_OPTION_ARG_STRING, &backend,
          "qemu (default) or libvirt", "NAME" },
        { "libvirt-uri", 0, 0, G_OPTION_ARG_STRING, &libvirt_uri,
          "libvirt backend: use this daemon (default $PIT_LIBVIRT_URI, "
          "else pit's private libvirtd, started when needed)",
          "URI" },
        { "accel", 0, 0, G_OPTION_ARG_STRING, &accel_mode,
          "auto (default: probe KVM, fall back to TCG), kvm or tcg", "MODE" },
        { "model", 0, 0, G_OPTION_ARG_STRING, &model,
          "force every device's model: nvme-pi or nvme (QEMU's baseline)",
          "MODEL" },
        { "qemu", 0, 0, G_OPTION_ARG_FILENAME, &qemu_opt,
          "QEMU binary (default: build/qemu/qemu-system-x86_64)", "PATH" },
        { "image", 0, 0, G_OPTION_ARG_FILENAME, &image_opt,
          "use this initramfs instead of guest/mkimage's (one kernel only)",
          "FILE" },
        { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out,
          "results directory (default build/pit/<timestamp>)", "DIR" },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("[SCENARIO...] --kernel SPEC [--kernel SPEC...]");
    g_autoptr(GError) e = NULL;
    g_autoptr(GPtrArray) scns = NULL;
    g_autoptr(GPtrArray) ks =
        g_ptr_array_new_with_free_func((GDestroyNotify)kernel_free);
    g_autoptr(GPtrArray) records =
        g_ptr_array_new_with_free_func((GDestroyNotify)run_record_free);
    g_autofree char *why = NULL;
    const char *qemu, *accel;
    guint64 seed;
    bool seeded = seed_s != NULL;
    unsigned bad;

    g_option_context_set_summary(
        ctx, "Boot each kernel with each scenario's devices, run its steps, "
             "classify\n(PASS/FAIL/ERROR) and compare with the scenario's "
             "expectation.\nDefault scenarios: every scenarios/*.ini with "
             "default = true.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &e)) {
        return fail(e);
    }
    seeded = seed_s != NULL;
    if (!kernels || !kernels[0]) {
        fprintf(stderr, "pit run: give at least one --kernel SPEC (e.g. "
                        "--kernel debian:6.1); 'pit kernel list' shows "
                        "what exists\n");
        return EXIT_INPUT;
    }
    if (backend && strcmp(backend, "qemu") && strcmp(backend, "libvirt")) {
        fprintf(stderr, "pit run: unknown backend '%s' (qemu or libvirt)\n",
                backend);
        return EXIT_INPUT;
    }
    if (accel_mode && strcmp(accel_mode, "auto") && strcmp(accel_mode, "kvm") &&
        strcmp(accel_mode, "tcg")) {
        fprintf(stderr, "pit run: --accel must be auto, kvm or tcg\n");
        return EXIT_INPUT;
    }
    if (model && strcmp(model, "nvme") && strcmp(model, "nvme-pi")) {
        fprintf(stderr, "pit run: --model must be nvme-pi or nvme\n");
        return EXIT_INPUT;
    }
    if (repeat < 1 || jobs < 1) {
        fprintf(stderr, "pit run: --repeat and --jobs must be >= 1\n");
        return EXIT_INPUT;
    }
    if (image_opt && g_strv_length(kernels) > 1) {
        fprintf(stderr, "pit run: --image fits one kernel's modules: give "
                        "one --kernel\n");
        return EXIT_INPUT;
    }
    if (image_opt && !g_file_test(image_opt, G_FILE_TEST_IS_REGULAR)) {
        fprintf(stderr, "pit run: --image %s does not exist\n", image_opt);
        return EXIT_INPUT;
    }
    if (until_fail && repeat == 1) {
        repeat = 100;
    }
    if (jobs > 1) {
        fprintf(stderr, "pit run: --jobs %d: runs are sequential for now\n",
                jobs);
    }
    if (seed_s) {
        char *end;
        seed = g_ascii_strtoull(seed_s, &end, 0);
        if (*end || !*seed_s) {
            fprintf(stderr, "pit run: --seed '%s' is not a number\n", seed_s);
            return EXIT_INPUT;
        }
    } else {
        seed = ((guint64)g_random_int() << 32) | g_random_int();
        seed &= G_MAXINT64;
    }
    qemu = qemu_opt ? qemu_opt : pit_qemu_binary();
    if (!g_file_test(qemu, G_FILE_TEST_IS_EXECUTABLE)) {
        fprintf(stderr,
                "pit: QEMU not found at %s: build it with 'make "
                "qemu' or pass --qemu PATH\n",
                qemu);
        return EXIT_DEPENDENCY;
    }
    scns = load_scenarios(argc > 1 ? argv + 1 : NULL, &e);
    if (!scns) {
        return fail(e);
    }
    if (!scns->len) {
        fprintf(stderr, "pit run: no scenario has default = true; name "
                        "one\n");
        return EXIT_INPUT;
    }
    if (model) {
        for (unsigned i = 0; i < scns->len; i++) {
            Scenario *s = g_ptr_array_index(scns, i);
            for (unsigned d = 0; d < s->devices->len; d++) {
                ScnDevice *dev = g_ptr_array_index(s->devices, d);
                dev->model = strcmp(model, "nvme") ? SCN_MODEL_NVME_PI
                                                   : SCN_MODEL_QEMU_NVME;
                if (dev->model == SCN_MODEL_QEMU_NVME && dev->hooks) {
                    g_strfreev(dev->hooks);
                    dev->hooks = NULL;
                }
            }
        }
    }
    vm_install_signal_handlers();
    for (unsigned i = 0; kernels[i]; i++) {
        Kernel *k = kernel_resolve(kernels[i], &e);
        if (!k) {
            return fail(e);
        }
        printf("kernel %-14s %s (%s)\n", k->spec, k->version, k->vmlinuz);
        g_ptr_array_add(ks, k);
    }
    accel = accel_choose(accel_mode ? accel_mode : "auto", qemu,
                         ((Kernel *)g_ptr_array_index(ks, 0))->vmlinuz, &why);
    if (!out) {
        out = default_out();
    }
    /* libvirt needs absolute paths; so does a reproducible artifact */
    g_autofree char *abs_out = g_canonicalize_filename(out, NULL);
    if (backend && !strcmp(backend, "libvirt")) {
        uri = libvirt_connect_uri(libvirt_uri, &e);
        if (!uri) {
            return fail(e);
        }
        printf("libvirt %s\n", uri);
    }
    printf("accel  %s\nout    %s\n\n", why, abs_out);
    RunConfig cfg = { .out = abs_out,
                      .qemu = qemu,
                      .accel = accel,
                      .backend = backend,
                      .libvirt_uri = uri };
    g_autoptr(GPtrArray) snames = g_ptr_array_new();
    for (unsigned s = 0; s < scns->len; s++) {
        g_ptr_array_add(snames, ((Scenario *)g_ptr_array_index(scns, s))->name);
    }
    g_ptr_array_add(snames, NULL);

    for (unsigned i = 0; i < ks->len && !vm_interrupted(); i++) {
        Kernel *k = g_ptr_array_index(ks, i);
        /* per variant (scenario key `image`), built when first needed */
        g_autofree char *images[SCN_IMAGE_FULL + 1] = { NULL };
        for (unsigned s = 0; s < scns->len && !vm_interrupted(); s++) {
            Scenario *scn = g_ptr_array_index(scns, s);
            char **image = &images[scn->image];
            if (!*image) {
                *image = image_opt ? g_strdup(image_opt)
                                   : image_for_kernel(k, scn->image, &e);
            }
            if (!*image) {
                return fail(e);
            }
            for (int rep = 1; rep <= repeat && !vm_interrupted(); rep++) {
                guint64 sd = seeded ? seed + rep - 1 : seed + rep * 7919;
                report_progress_start(k->label, scn->name, rep, repeat);
                RunRecord *r = run_one(&cfg, k, *image, scn, rep, sd);
                report_progress_end(r);
                g_ptr_array_add(records, r);
                if (until_fail && r->verdict != VERDICT_PASS) {
                    break;
                }
            }
        }
    }
    bad = report_matrix(records, kernels, (char **)snames->pdata);
    if (!report_write_summary(out, records, why, &e) ||
        !report_write_junit(out, records, &e)) {
        fprintf(stderr, "pit: cannot write the reports: %s\n", e->message);
        return EXIT_UNEXPECTED;
    }
    printf("\n%u unexpected; results in %s (summary.json, junit.xml)\n", bad,
           out);
    if (vm_interrupted()) {
        fprintf(stderr, "pit: interrupted; no QEMU left running\n");
        return EXIT_INTERRUPTED;
    }
    return bad ? EXIT_UNEXPECTED : 0;
}

static int cmd_kernel(int argc, char **argv)
{
    const char *usage =
        "usage: pit kernel list [--series VERSION]\n"
        "       pit kernel fetch SPEC\n"
        "SPEC: debian:VERSION (debian:6.1, debian:6.12, debian:7.2, ...),\n"
        "      file:/path/bzImage[,modules=DIR], build:TREE[@REV][+SERIES]\n"
        "'list' shows the cached kernels and the kernel of every Debian\n"
        "suite; with --series (6.1, 7.3) the versions of that series,\n"
        "oldest first; 'fetch' downloads and unpacks one.\n";

    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(usage, stdout);
        return 0;
    }
    if (argc == 2 && !strcmp(argv[1], "list")) {
        return kernel_cmd_list(NULL);
    }
    if (argc == 4 && !strcmp(argv[1], "list") && !strcmp(argv[2], "--series")) {
        return kernel_cmd_list(argv[3]);
    }
    if (argc == 3 && !strcmp(argv[1], "fetch")) {
        return kernel_cmd_fetch(argv[2]);
    }
    fputs(usage, stderr);
    return EXIT_INPUT;
}

static int cmd_scenarios(int argc, char **argv)
{
    g_autofree char *dir = g_build_filename(pit_srcdir(), "scenarios", NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
    const char *n;
    int rc = 0;

    if (argc > 1) {
        printf("usage: pit scenarios\nLists scenarios/*.ini: name, default "
               "(*), description; checks that each parses.\n");
        return strcmp(argv[1], "--help") ? EXIT_INPUT : 0;
    }
    while (d && (n = g_dir_read_name(d))) {
        if (g_str_has_suffix(n, ".ini")) {
            g_ptr_array_add(files, g_build_filename(dir, n, NULL));
        }
    }
    g_ptr_array_sort(files, pit_strptr_cmp);
    for (unsigned i = 0; i < files->len; i++) {
        g_autoptr(GError) e = NULL;
        g_autoptr(Scenario) s = scenario_load(g_ptr_array_index(files, i), &e);
        if (!s) {
            fprintf(stderr, "pit: %s\n", e->message);
            rc = EXIT_INPUT;
            continue;
        }
        printf("%c %-26s %s\n", s->is_default ? '*' : ' ', s->name,
               s->description);
    }
    return rc;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: pit COMMAND [ARGS]   (pit COMMAND --help for details)\n"
               "  run [SCENARIO...] --kernel SPEC...  boot, torture, classify, "
               "report\n"
               "  kernel list | fetch SPEC            the kernel cache\n"
               "  scenarios                           list the scenario "
               "library\n"
               "  audit RUNDIR                        check PI and RAID "
               "consistency of a run's\n"
               "                                      backing images\n"
               "  xml SCENARIO --kernel SPEC          libvirt domain XML of a "
               "scenario\n"
               "  series --kernel build:... --series S  regress a patch series "
               "patch by patch\n"
               "  bisect --kernel build:... --good R --bad R SCENARIO  first "
               "commit that\n"
               "                                      changes a verdict\n"
               "  repro REPRO [SETUP] --kernel SPEC  does a bug report's "
               "program reproduce?\n"
               "  replay BUNDLE                       rerun a repro bundle's "
               "runs\n"
               "  shell [SCENARIO] --kernel SPEC     the torture VM with a "
               "shell on this terminal\n");
}

int main(int argc, char **argv)
{
    /* progress lines must reach a log or pipe as they happen */
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) {
        usage(stderr);
        return EXIT_INPUT;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    g_set_prgname(g_strdup_printf("pit %s", cmd));
    if (!strcmp(cmd, "run")) {
        return cmd_run(argc - 1, argv + 1);
    }
    if (!strcmp(cmd, "kernel")) {
        return cmd_kernel(argc - 1, argv + 1);
    }
    if (!strcmp(cmd, "scenarios")) {
        return cmd_scenarios(argc - 1, argv + 1);
    }
    if (!strcmp(cmd, "audit")) {
        return audit_cmd(argc - 1, argv + 1);
    }
    if (!strcmp(cmd, "xml")) {
        return xml_cmd(argc - 1, argv + 1);
    }
    if (!strcmp(cmd, "series")) {
        return series_cmd(argc - 1, argv + 1);
    }
    if (!strcmp(cmd, "bisect")) {
        return bisect_cmd(argc - 1, argv + 1);
    }
    if (!strcmp(cmd, "repro")) {
        return repro_cmd(argc - 1, argv + 1);
    }
    if (!strcmp(cmd, "replay")) {
        return replay_cmd(argc - 1, argv + 1);
    }
    if (!strcmp(cmd, "shell")) {
        return shell_cmd(argc - 1, argv + 1);
    }
    fprintf(stderr, "pit: unknown command '%s'\n", cmd);
    usage(stderr);
    return EXIT_INPUT;
}
