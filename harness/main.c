/*
 * main.c - pit's command line: subcommands, their options and help.
 * `pit run` checks its options, loads scenarios and kernels, then hands
 * over to the planner (plan.c), the image builds and the executor
 * (executor.c), and reports.  Exit status: pit-defs.h.
 */
#include "accel.h"
#include "audit.h"
#include "backend-libvirt.h"
#include "executor.h"
#include "image.h"
#include "kernel.h"
#include "pit-defs.h"
#include "plan.h"
#include "procs.h"
#include "report.h"
#include "repro-cmd.h"
#include "shell-cmd.h"
#include "run.h"
#include "scenario.h"
#include "series-cmd.h"
#include "util.h"
#include "xml-cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(GError *e)
{
    fprintf(stderr, "pit: %s\n", e->message);
    if (e->domain == PIT_ERROR && (e->code == PIT_ERROR_DEPENDENCY ||
                                   e->code == PIT_ERROR_NOT_IMPLEMENTED)) {
        return PIT_EXIT_DEPENDENCY;
    }
    return PIT_EXIT_INPUT;
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

typedef struct RunOpts {
    char **kernels;
    char *backend, *accel_mode, *out, *seed_s, *model, *qemu, *image,
        *libvirt_uri;
    int repeat, jobs;
    gboolean until_fail;
    guint64 seed;
} RunOpts;

static void run_opts_clear(RunOpts *o)
{
    g_strfreev(o->kernels);
    g_free(o->backend);
    g_free(o->accel_mode);
    g_free(o->out);
    g_free(o->seed_s);
    g_free(o->model);
    g_free(o->qemu);
    g_free(o->image);
    g_free(o->libvirt_uri);
}

static bool run_opts_parse(RunOpts *o, int *argc, char ***argv)
{
    GOptionEntry entries[] = {
        { "kernel", 'k', 0, G_OPTION_ARG_STRING_ARRAY, &o->kernels,
          "kernel to boot (repeatable): debian:VER, file:PATH[,modules=DIR]",
          "SPEC" },
        { "repeat", 'r', 0, G_OPTION_ARG_INT, &o->repeat,
          "runs per (kernel, scenario) (default 1)", "N" },
        { "until-fail", 0, 0, G_OPTION_ARG_NONE, &o->until_fail,
          "repeat until a run does not PASS (at most --repeat, default 100)",
          NULL },
        { "seed", 0, 0, G_OPTION_ARG_STRING, &o->seed_s,
          "seed for @SEED@ in steps; repeat i uses S+i-1 (default: random)",
          "S" },
        { "jobs", 'j', 0, G_OPTION_ARG_INT, &o->jobs,
          "VMs running at once (default 1)", "N" },
        { "backend", 0, 0, G_OPTION_ARG_STRING, &o->backend,
          "qemu (default) or libvirt", "NAME" },
        { "libvirt-uri", 0, 0, G_OPTION_ARG_STRING, &o->libvirt_uri,
          "libvirt backend: use this daemon (default $PIT_LIBVIRT_URI, "
          "else pit's private libvirtd, started when needed)",
          "URI" },
        { "accel", 0, 0, G_OPTION_ARG_STRING, &o->accel_mode,
          "auto (default: probe KVM, fall back to TCG), kvm or tcg", "MODE" },
        { "model", 0, 0, G_OPTION_ARG_STRING, &o->model,
          "force every device's model: nvme-pi or nvme (QEMU's baseline)",
          "MODEL" },
        { "qemu", 0, 0, G_OPTION_ARG_FILENAME, &o->qemu,
          "QEMU binary (default: build/qemu/qemu-system-x86_64)", "PATH" },
        { "image", 0, 0, G_OPTION_ARG_FILENAME, &o->image,
          "use this initramfs instead of guest/mkimage's (one kernel only)",
          "FILE" },
        { "out", 'o', 0, G_OPTION_ARG_FILENAME, &o->out,
          "results directory (default build/pit/<timestamp>)", "DIR" },
        G_OPTION_ENTRY_NULL
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("[SCENARIO...] --kernel SPEC [--kernel SPEC...]");
    g_autoptr(GError) e = NULL;

    g_option_context_set_summary(
        ctx, "Boot each kernel with each scenario's devices, run its steps, "
             "classify\n(PASS/FAIL/ERROR) and compare with the scenario's "
             "expectation.\nDefault scenarios: every scenarios/*.ini with "
             "default = true.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, argc, argv, &e)) {
        fprintf(stderr, "pit: %s\n", e->message);
        return false;
    }
    return true;
}

/* A message for the first thing wrong with the options, or NULL. */
static const char *run_opts_problem(const RunOpts *o)
{
    if (!o->kernels || !o->kernels[0]) {
        return "give at least one --kernel SPEC (e.g. --kernel debian:6.1); "
               "'pit kernel list' shows what exists";
    }
    if (!backend_find(o->backend)) {
        return "unknown --backend (qemu or libvirt)";
    }
    if (o->accel_mode && strcmp(o->accel_mode, "auto") &&
        strcmp(o->accel_mode, "kvm") && strcmp(o->accel_mode, "tcg")) {
        return "--accel must be auto, kvm or tcg";
    }
    if (o->model && strcmp(o->model, "nvme") && strcmp(o->model, "nvme-pi")) {
        return "--model must be nvme-pi or nvme";
    }
    if (o->repeat < 1 || o->jobs < 1) {
        return "--repeat and --jobs must be >= 1";
    }
    if (o->image && g_strv_length(o->kernels) > 1) {
        return "--image fits one kernel's modules: give one --kernel";
    }
    return NULL;
}

/* Defaults and derived values; false (with a message) on a bad --seed. */
static bool run_opts_finish(RunOpts *o)
{
    if (o->until_fail && o->repeat == 1) {
        o->repeat = 100;
    }
    if (!o->seed_s) {
        o->seed =
            (((guint64)g_random_int() << 32) | g_random_int()) & G_MAXINT64;
        return true;
    }
    char *end;
    o->seed = g_ascii_strtoull(o->seed_s, &end, 0);
    if (*end || !*o->seed_s) {
        fprintf(stderr, "pit run: --seed '%s' is not a number\n", o->seed_s);
        return false;
    }
    return true;
}

/* --model: every device of every scenario gets that model. */
static void force_model(GPtrArray *scns, const char *model)
{
    for (unsigned i = 0; model && i < scns->len; i++) {
        Scenario *s = g_ptr_array_index(scns, i);
        for (unsigned d = 0; d < s->devices->len; d++) {
            ScnDevice *dev = g_ptr_array_index(s->devices, d);
            dev->model =
                strcmp(model, "nvme") ? SCN_MODEL_NVME_PI : SCN_MODEL_QEMU_NVME;
            if (dev->model == SCN_MODEL_QEMU_NVME && dev->hooks) {
                g_strfreev(dev->hooks);
                dev->hooks = NULL;
            }
        }
    }
}

static GPtrArray *resolve_kernels(char **specs, GError **error)
{
    GPtrArray *ks = g_ptr_array_new_with_free_func((GDestroyNotify)kernel_free);

    for (unsigned i = 0; specs[i]; i++) {
        Kernel *k = kernel_resolve(specs[i], error);
        if (!k) {
            g_ptr_array_unref(ks);
            return NULL;
        }
        printf("kernel %-14s %s (%s)\n", k->spec, k->version, k->vmlinuz);
        g_ptr_array_add(ks, k);
    }
    return ks;
}

/* The plan's images, built now (image.c serialises builds by a lock). */
static char **build_images(const Plan *plan, GPtrArray *ks,
                           const char *image_opt, GError **error)
{
    unsigned n = executor_image_index(ks->len, 0);
    char **images = g_new0(char *, n + 1);

    for (unsigned i = 0; image_opt && i < n; i++) {
        images[i] = g_strdup(image_opt);
    }
    for (unsigned i = 0; i < plan->images->len && !procs_interrupted(); i++) {
        const PlanImage *pi = &g_array_index(plan->images, PlanImage, i);
        char *im = image_for_kernel(g_ptr_array_index(ks, pi->kernel),
                                    pi->variant, error);
        if (!im) {
            g_strfreev(images);
            return NULL;
        }
        images[executor_image_index(pi->kernel, pi->variant)] = im;
    }
    return images;
}

static char **scenario_names(GPtrArray *scns)
{
    char **names = g_new0(char *, scns->len + 1);

    for (unsigned s = 0; s < scns->len; s++) {
        names[s] = g_strdup(((Scenario *)g_ptr_array_index(scns, s))->name);
    }
    return names;
}

/* Matrix, summary.json, junit.xml; pit's exit status. */
static int report_all(GPtrArray *records, const RunOpts *o, GPtrArray *scns,
                      const char *out, const char *why)
{
    g_auto(GStrv) snames = scenario_names(scns);
    g_autoptr(GError) e = NULL;
    unsigned bad = report_matrix(records, o->kernels, snames);

    if (!report_write_summary(out, records, why, &e) ||
        !report_write_junit(out, records, &e)) {
        fprintf(stderr, "pit: cannot write the reports: %s\n", e->message);
        return PIT_EXIT_UNEXPECTED;
    }
    printf("\n%u unexpected; results in %s (summary.json, junit.xml)\n", bad,
           out);
    if (procs_interrupted()) {
        fprintf(stderr, "pit: interrupted; no QEMU left running\n");
        return PIT_EXIT_INTERRUPTED;
    }
    return bad ? PIT_EXIT_UNEXPECTED : PIT_EXIT_OK;
}

/* Everything a run needs that is the same for all runs. */
static int run_env(ExecEnv *env, const RunOpts *o, GPtrArray *ks,
                   const char *qemu, char **uri, char **why)
{
    g_autoptr(GError) e = NULL;

    env->base.accel =
        accel_choose(o->accel_mode ? o->accel_mode : "auto", qemu,
                     ((Kernel *)g_ptr_array_index(ks, 0))->vmlinuz, why);
    if (o->backend && !strcmp(o->backend, "libvirt")) {
        *uri = libvirt_connect_uri(o->libvirt_uri, &e);
        if (!*uri) {
            return fail(e);
        }
        printf("libvirt %s\n", *uri);
    }
    env->base.qemu = qemu;
    env->base.backend = o->backend;
    env->base.libvirt_uri = *uri;
    env->base.boot_slack_s = run_boot_slack(env->base.accel);
    env->backend = backend_find(o->backend);
    env->jobs = (unsigned)o->jobs;
    env->until_fail = o->until_fail;
    return -1;
}

static int run_plan(const RunOpts *o, GPtrArray *scns, GPtrArray *ks,
                    const char *qemu)
{
    g_autoptr(GError) e = NULL;
    g_autofree char *why = NULL, *uri = NULL;
    g_autofree char *def = o->out ? NULL : default_out();
    g_autofree char *out = g_canonicalize_filename(o->out ? o->out : def, NULL);
    ExecEnv env = { .kernels = ks, .scenarios = scns };
    int rc = run_env(&env, o, ks, qemu, &uri, &why);

    if (rc >= 0) {
        return rc;
    }
    /* libvirt needs absolute paths; so does a reproducible artifact */
    printf("accel  %s\nout    %s\n\n", why, out);
    PlanInput pin = { .kernels = ks,
                      .scenarios = scns,
                      .repeat = (unsigned)o->repeat,
                      .seed = o->seed,
                      .seeded = o->seed_s != NULL,
                      .image_given = o->image != NULL,
                      .out = out };
    g_autoptr(Plan) plan = plan_build(&pin);
    g_auto(GStrv) images = build_images(plan, ks, o->image, &e);
    if (!images) {
        return fail(e);
    }
    env.images = images;
    Progress *prog = progress_new();
    ExecCallbacks cb = progress_callbacks(prog);
    g_autoptr(GPtrArray) records = executor_run(plan, &env, &cb);
    progress_free(prog);
    return report_all(records, o, scns, out, why);
}

static int cmd_run(int argc, char **argv)
{
    RunOpts o = { .repeat = 1, .jobs = 1 };
    g_autoptr(GError) e = NULL;
    g_autoptr(GPtrArray) scns = NULL;
    g_autoptr(GPtrArray) ks = NULL;
    const char *qemu, *problem;
    int rc = PIT_EXIT_INPUT;

    if (!run_opts_parse(&o, &argc, &argv)) {
        goto out;
    }
    if ((problem = run_opts_problem(&o))) {
        fprintf(stderr, "pit run: %s\n", problem);
        goto out;
    }
    if (o.image && !g_file_test(o.image, G_FILE_TEST_IS_REGULAR)) {
        fprintf(stderr, "pit run: --image %s does not exist\n", o.image);
        goto out;
    }
    if (!run_opts_finish(&o)) {
        goto out;
    }
    qemu = o.qemu ? o.qemu : pit_qemu_binary();
    if (!g_file_test(qemu, G_FILE_TEST_IS_EXECUTABLE)) {
        fprintf(stderr,
                "pit: QEMU not found at %s: build it with 'make "
                "qemu' or pass --qemu PATH\n",
                qemu);
        rc = PIT_EXIT_DEPENDENCY;
        goto out;
    }
    scns = load_scenarios(argc > 1 ? argv + 1 : NULL, &e);
    if (!scns) {
        rc = fail(e);
        goto out;
    }
    if (!scns->len) {
        fprintf(stderr, "pit run: no scenario has default = true; name "
                        "one\n");
        goto out;
    }
    force_model(scns, o.model);
    procs_install_signal_handlers();
    ks = resolve_kernels(o.kernels, &e);
    rc = ks ? run_plan(&o, scns, ks, qemu) : fail(e);
    if (!ks && procs_interrupted()) {
        rc = PIT_EXIT_INTERRUPTED; /* a kernel build stopped by a signal */
    }
out:
    run_opts_clear(&o);
    return rc;
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
    return PIT_EXIT_INPUT;
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
        return strcmp(argv[1], "--help") ? PIT_EXIT_INPUT : 0;
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
            rc = PIT_EXIT_INPUT;
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
        return PIT_EXIT_INPUT;
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
    return PIT_EXIT_INPUT;
}
