/*
 * series-cmd.c - `pit series` (build the base and base+1..N of a patch
 * series, run scenarios on each, print which patch changes which verdict)
 * and `pit bisect` (find the first commit that changes one scenario's
 * verdict, with N repeats a step and the chance of a misjudged step).
 * The step logic is bisect.c's; building is kbuild.c's; booting is
 * run_prepare() + run_execute()'s.
 */
#include "series-cmd.h"
#include "accel.h"
#include "bisect.h"
#include "image.h"
#include "json-util.h"
#include "kbuild.h"
#include "report.h"
#include "run.h"
#include "pit-defs.h"
#include "plan.h"
#include "procs.h"
#include "series.h"
#include "util.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail_err(const char *cmd, GError *e)
{
    fprintf(stderr, "pit %s: %s\n", cmd, e->message);
    if (e->domain == PIT_ERROR && (e->code == PIT_ERROR_DEPENDENCY ||
                                   e->code == PIT_ERROR_NOT_IMPLEMENTED)) {
        return PIT_EXIT_DEPENDENCY;
    }
    return PIT_EXIT_INPUT;
}

static Scenario *load_one(const char *name, GError **error)
{
    g_autofree char *p =
        g_str_has_suffix(name, ".ini") || strchr(name, '/')
            ? g_strdup(name)
            : g_strdup_printf("%s/scenarios/%s.ini", pit_srcdir(), name);
    if (!g_file_test(p, G_FILE_TEST_IS_REGULAR)) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_NOT_FOUND,
                    "unknown scenario '%s' (no %s); 'pit scenarios' lists "
                    "them",
                    name, p);
        return NULL;
    }
    return scenario_load(p, error);
}

/* The options both commands share, as given on the command line. */
typedef struct RunnerOpts {
    char *out, *seed, *accel, *qemu;
} RunnerOpts;

/* Everything a step needs to boot a kernel: QEMU, accel, output. */
typedef struct Runner {
    RunnerOpts opt;
    RunInputs base; /* qemu, accel, boot slack: the same for every run */
    char *out;
    const char *why;
    guint64 seed;
    bool seeded;
    GPtrArray *records; /* RunRecord, for summary.json / junit.xml */
    bool accel_chosen;
} Runner;

static void runner_add_options(GOptionContext *ctx, Runner *r)
{
    const GOptionEntry entries[] = {
        { "seed", 0, 0, G_OPTION_ARG_STRING, &r->opt.seed,
          "seed for @SEED@ in steps (default: random)", "S" },
        { "accel", 0, 0, G_OPTION_ARG_STRING, &r->opt.accel,
          "auto (default), kvm or tcg", "MODE" },
        { "qemu", 0, 0, G_OPTION_ARG_FILENAME, &r->opt.qemu,
          "QEMU binary (default: build/qemu/qemu-system-x86_64)", "PATH" },
        { "out", 'o', 0, G_OPTION_ARG_FILENAME, &r->opt.out,
          "results directory (default build/pit/COMMAND-<timestamp>)", "DIR" },
        G_OPTION_ENTRY_NULL
    };

    /* GLib copies the entries; the strings are literals */
    g_option_context_add_main_entries(ctx, entries, NULL);
}

static bool runner_accel(Runner *r, const Kernel *k)
{
    g_autofree char *why = NULL;

    if (r->accel_chosen) {
        return true;
    }
    r->base.accel = accel_choose(r->opt.accel ? r->opt.accel : "auto",
                                 r->base.qemu, k->vmlinuz, &why);
    r->base.boot_slack_s = run_boot_slack(r->base.accel);
    r->why = g_strdup(why);
    printf("accel  %s\nout    %s\n", why, r->out);
    r->accel_chosen = true;
    return true;
}

/*
 * Boot k with scenario s up to `repeat` times; stop at the first failing
 * run when stop_at_fail.  Returns the number of runs that did not PASS in
 * *failed (FAIL) and *errors (ERROR).
 */
static bool run_scenario(Runner *r, const Kernel *k, const Scenario *s,
                         unsigned repeat, bool stop_at_fail, unsigned *runs,
                         unsigned *failed, unsigned *errors, GError **error)
{
    g_autofree char *image = image_for_kernel(k, s->image, error);

    *runs = *failed = *errors = 0;
    if (!image) {
        return false;
    }
    runner_accel(r, k);
    for (unsigned rep = 1; rep <= repeat && !procs_interrupted(); rep++) {
        RunRecord *rec = run_one(&r->base, r->out, k, image, s, rep,
                                 plan_seed(r->seed, r->seeded, rep));
        report_run_line(rec);
        (*runs)++;
        if (rec->verdict == VERDICT_FAIL) {
            (*failed)++;
        } else if (rec->verdict == VERDICT_ERROR) {
            (*errors)++;
        }
        g_ptr_array_add(r->records, rec);
        if (stop_at_fail && rec->verdict != VERDICT_PASS) {
            break;
        }
    }
    return true;
}

static int runner_init(Runner *r, const char *cmd)
{
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_autofree char *stamp = g_date_time_format(now, "%Y%m%d-%H%M%S");
    g_autofree char *o = r->opt.out ? g_strdup(r->opt.out)
                                    : g_strdup_printf("%s/build/pit/%s-%s",
                                                      pit_srcdir(), cmd, stamp);
    const char *accel = r->opt.accel;

    r->out = g_canonicalize_filename(o, NULL);
    r->records =
        g_ptr_array_new_with_free_func((GDestroyNotify)run_record_free);
    r->seeded = r->opt.seed != NULL;
    if (r->opt.seed) {
        char *end;
        r->seed = g_ascii_strtoull(r->opt.seed, &end, 0);
        if (*end || !*r->opt.seed) {
            fprintf(stderr, "pit %s: --seed '%s' is not a number\n", cmd,
                    r->opt.seed);
            return PIT_EXIT_INPUT;
        }
    } else {
        r->seed =
            (((guint64)g_random_int() << 32) | g_random_int()) & G_MAXINT64;
    }
    if (accel && strcmp(accel, "auto") && strcmp(accel, "kvm") &&
        strcmp(accel, "tcg")) {
        fprintf(stderr, "pit %s: --accel must be auto, kvm or tcg\n", cmd);
        return PIT_EXIT_INPUT;
    }
    if (!r->opt.qemu) {
        r->opt.qemu = g_strdup(pit_qemu_binary());
    }
    if (!g_file_test(r->opt.qemu, G_FILE_TEST_IS_EXECUTABLE)) {
        fprintf(stderr,
                "pit: QEMU not found at %s: build it with 'make qemu' or "
                "pass --qemu PATH\n",
                r->opt.qemu);
        return PIT_EXIT_DEPENDENCY;
    }
    r->base.qemu = r->opt.qemu;
    return 0;
}

static void runner_clear(Runner *r)
{
    g_free(r->opt.out);
    g_free(r->opt.seed);
    g_free(r->opt.accel);
    g_free(r->opt.qemu);
    g_free(r->out);
    g_free((char *)r->why);
    if (r->records) {
        g_ptr_array_unref(r->records);
    }
    memset(r, 0, sizeof(*r));
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Runner, runner_clear)

static bool runner_reports(Runner *r, GError **error)
{
    return report_write_summary(r->out, r->records, r->why ? r->why : "",
                                error) &&
           report_write_junit(r->out, r->records, error);
}

/* The tree and (optionally) the series of a build: spec. */
static int open_build(const char *cmd, const char *spec, const char *series_opt,
                      KbuildTree **tree, Series **series)
{
    KbuildSpec ks;
    g_autoptr(GError) e = NULL;
    const char *src;

    if (!g_str_has_prefix(spec, "build:")) {
        fprintf(stderr,
                "pit %s: --kernel must be a build: spec (build:debian:7.2 or "
                "build:PATH[@REV]); pit run boots debian: and file: kernels\n",
                cmd);
        return PIT_EXIT_INPUT;
    }
    if (!kbuild_spec_parse(spec, &ks, &e)) {
        return fail_err(cmd, e);
    }
    src = series_opt ? series_opt : ks.series;
    *tree = kbuild_tree_open(&ks, &e);
    if (!*tree) {
        kbuild_spec_clear(&ks);
        return fail_err(cmd, e);
    }
    *series = NULL;
    if (src) {
        *series = series_load(src, *tree, &e);
        if (!*series || !series_apply(*series, *tree, &e)) {
            kbuild_spec_clear(&ks);
            return fail_err(cmd, e);
        }
    }
    kbuild_spec_clear(&ks);
    return 0;
}

/* ---- pit series -------------------------------------------------------- */

typedef struct Cell {
    unsigned runs, failed, errors;
    const char *text; /* PASS FAIL ERROR BUILD-FAIL - */
} Cell;

static const char *cell_text(const Cell *c)
{
    if (c->text) {
        return c->text;
    }
    if (!c->runs) {
        return "-"; /* not run: an earlier patch did not build, or ^C */
    }
    if (c->errors) {
        return "ERROR";
    }
    return c->failed ? "FAIL" : "PASS";
}

static char *row_label(const Series *s, unsigned i)
{
    if (!i) {
        return g_strdup("base");
    }
    SeriesPatch *p = g_ptr_array_index(s->patches, i - 1);
    return g_strdup_printf("%u/%u %s", i, s->patches->len, p->subject);
}

/* What pit series measured: one row per patch (0 = the base), one
 * column per scenario. */
typedef struct SeriesTable {
    const Series *series;
    const GPtrArray *scns; /* Scenario */
    unsigned nrows, repeat;
    const Cell *cells; /* nrows x scns->len */
    const double *build_s, *step_s;
    const bool *cached;    /* per row: the build (or its failure) was cached */
    const GPtrArray *logs; /* per row: the kept build log, or NULL */
} SeriesTable;

/* The table, then per scenario every patch that changes its verdict. */
static void table_print(const SeriesTable *t)
{
    unsigned w = 4;
    for (unsigned i = 0; i < t->nrows; i++) {
        g_autofree char *l = row_label(t->series, i);
        w = MAX(w, MIN(strlen(l), 60));
    }
    printf("\n%-*s", w, "");
    for (unsigned s = 0; s < t->scns->len; s++) {
        printf("  %-14s", ((Scenario *)g_ptr_array_index(t->scns, s))->name);
    }
    printf("\n");
    for (unsigned i = 0; i < t->nrows; i++) {
        g_autofree char *l = row_label(t->series, i);
        printf("%-*.*s", w, w, l);
        for (unsigned s = 0; s < t->scns->len; s++) {
            const Cell *c = &t->cells[i * t->scns->len + s];
            g_autofree char *text =
                t->repeat > 1 && c->runs
                    ? g_strdup_printf("%s %u/%u", cell_text(c),
                                      c->failed + c->errors, c->runs)
                    : g_strdup(cell_text(c));
            printf("  %-14s", text);
        }
        printf("\n");
    }
    printf("\n");
    /* per scenario: every patch that changes the verdict */
    for (unsigned s = 0; s < t->scns->len; s++) {
        Scenario *scn = g_ptr_array_index(t->scns, s);
        const char *prev = NULL, *first = NULL;
        bool any = false;
        for (unsigned i = 0; i < t->nrows; i++) {
            const char *cur = cell_text(&t->cells[i * t->scns->len + s]);
            if (!strcmp(cur, "-") || !strcmp(cur, "BUILD-FAIL")) {
                continue; /* not judged: no verdict to compare */
            }
            if (prev && strcmp(cur, prev)) {
                g_autofree char *l = row_label(t->series, i);
                printf("%s: %s -> %s at %s\n", scn->name, prev, cur, l);
                any = true;
            }
            first = first ? first : cur;
            prev = cur;
        }
        if (!any) {
            printf("%s: %s throughout\n", scn->name, first ? first : "not run");
        }
    }
    for (unsigned i = 0; i < t->logs->len; i++) {
        if (g_ptr_array_index(t->logs, i)) {
            g_autofree char *l = row_label(t->series, i);
            printf("build log of %s: %s\n", l,
                   (char *)g_ptr_array_index(t->logs, i));
        }
    }
}

/* series.json: the table as data. */
static bool table_write_json(const SeriesTable *t, const char *kernel,
                             const char *path, GError **error)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonNode) root = NULL;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "kernel");
    json_builder_add_string_value(b, kernel);
    json_builder_set_member_name(b, "series");
    json_builder_add_string_value(b, t->series->source);
    json_builder_set_member_name(b, "rows");
    json_builder_begin_array(b);
    for (unsigned i = 0; i < t->nrows; i++) {
        const SeriesPatch *p =
            i ? g_ptr_array_index(t->series->patches, i - 1) : NULL;
        const char *log =
            i < t->logs->len ? g_ptr_array_index(t->logs, i) : NULL;

        json_builder_begin_object(b);
        json_builder_set_member_name(b, "patch");
        json_builder_add_int_value(b, i);
        json_builder_set_member_name(b, "subject");
        json_builder_add_string_value(b, p ? p->subject : "base");
        json_builder_set_member_name(b, "commit");
        json_builder_add_string_value(b, p ? p->commit : t->series->base);
        json_builder_set_member_name(b, "build_seconds");
        json_builder_add_double_value(b, t->build_s[i]);
        json_builder_set_member_name(b, "build_cached");
        json_builder_add_boolean_value(b, t->cached[i]);
        json_builder_set_member_name(b, "step_seconds");
        json_builder_add_double_value(b, t->step_s[i]);
        if (log) {
            json_builder_set_member_name(b, "build_log");
            json_builder_add_string_value(b, log);
        }
        json_builder_set_member_name(b, "verdicts");
        json_builder_begin_object(b);
        for (unsigned s = 0; s < t->scns->len; s++) {
            json_builder_set_member_name(
                b, ((Scenario *)g_ptr_array_index(t->scns, s))->name);
            json_builder_add_string_value(
                b, cell_text(&t->cells[i * t->scns->len + s]));
        }
        json_builder_end_object(b);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    return pit_json_write(path, root, error);
}

int series_cmd(int argc, char **argv)
{
    g_autofree char *kernel = NULL, *series_src = NULL;
    int repeat = 1;
    gboolean keep_going = FALSE, retry_failed = FALSE;
    GOptionEntry entries[] = {
        { "kernel", 'k', 0, G_OPTION_ARG_STRING, &kernel,
          "the tree: build:debian:X.Y or build:PATH[@REV][,config=FILE]",
          "SPEC" },
        { "series", 's', 0, G_OPTION_ARG_FILENAME, &series_src,
          "a directory of *.patch, an mbox (b4 am's or a saved thread), or "
          "A..B of the tree",
          "SERIES" },
        { "repeat", 'r', 0, G_OPTION_ARG_INT, &repeat,
          "runs per (patch, scenario) (default 1)", "N" },
        { "keep-going", 0, 0, G_OPTION_ARG_NONE, &keep_going,
          "after a patch that does not build, still try the next ones", NULL },
        { "retry-failed", 0, 0, G_OPTION_ARG_NONE, &retry_failed,
          "build again what failed to build before (a failure is cached)",
          NULL },
        G_OPTION_ENTRY_NULL
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new(
        "--kernel build:... --series DIR|MBOX|A..B [SCENARIO...]");
    g_autoptr(GError) e = NULL;
    g_autoptr(KbuildTree) tree = NULL;
    g_autoptr(Series) series = NULL;
    g_autoptr(GPtrArray) scns =
        g_ptr_array_new_with_free_func((GDestroyNotify)scenario_free);
    g_auto(Runner) r = { 0 };
    int rc;
    unsigned nrows, bad = 0;
    SeriesTable t;

    g_option_context_set_summary(
        ctx, "Build the base and base+1..N of a patch series, run the "
             "scenarios on each\n(default: raw-pi-dio) and show which patch "
             "changes which verdict.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    runner_add_options(ctx, &r);
    if (!g_option_context_parse(ctx, &argc, &argv, &e)) {
        return fail_err("series", e);
    }
    if (retry_failed) {
        g_setenv("NVME_PI_RETRY_FAILED", "1", TRUE); /* for kernel-build */
    }
    if (!kernel) {
        fprintf(stderr, "pit series: give --kernel build:debian:7.2 (or "
                        "build:PATH[@REV]) and --series\n");
        return PIT_EXIT_INPUT;
    }
    if (repeat < 1) {
        fprintf(stderr, "pit series: --repeat must be >= 1\n");
        return PIT_EXIT_INPUT;
    }
    for (int i = 1; i < argc; i++) {
        Scenario *s = load_one(argv[i], &e);
        if (!s) {
            return fail_err("series", e);
        }
        g_ptr_array_add(scns, s);
    }
    if (!scns->len) {
        Scenario *s = load_one("raw-pi-dio", &e);
        if (!s) {
            return fail_err("series", e);
        }
        g_ptr_array_add(scns, s);
    }
    rc = runner_init(&r, "series");
    if (rc) {
        return rc;
    }
    rc = open_build("series", kernel, series_src, &tree, &series);
    if (rc) {
        return rc;
    }
    if (!series) {
        fprintf(stderr, "pit series: give --series DIR|MBOX|A..B (or "
                        "build:...+SERIES)\n");
        return PIT_EXIT_INPUT;
    }
    nrows = series->patches->len + 1;
    printf("series %s: %u patches on %.12s (%s)\n", series->source,
           series->patches->len, series->base, tree->spec_tree);
    for (unsigned i = 1; i < nrows; i++) {
        g_autofree char *l = row_label(series, i);
        printf("  %s\n", l);
    }
    procs_install_signal_handlers();

    g_autofree Cell *cells = g_new0(Cell, nrows * scns->len);
    g_autofree double *build_s = g_new0(double, nrows);
    g_autofree double *step_s = g_new0(double, nrows);
    g_autofree bool *cached = g_new0(bool, nrows);
    g_autoptr(GPtrArray) logs = g_ptr_array_new_with_free_func(g_free);
    bool stopped = false;
    for (unsigned i = 0; i < nrows && !procs_interrupted(); i++) {
        const char *commit =
            i ? ((SeriesPatch *)g_ptr_array_index(series->patches, i - 1))
                    ->commit
              : series->base;
        g_autofree char *label = i ? g_strdup_printf("%s+%u", kernel, i)
                                   : g_strdup_printf("%s+0", kernel);
        g_autofree char *rl = row_label(series, i);
        g_autofree char *log = NULL;
        g_autoptr(GError) be = NULL;
        g_autoptr(Kernel) k = NULL;
        double t0 = pit_now();

        if (stopped) {
            for (unsigned s = 0; s < scns->len; s++) {
                cells[i * scns->len + s].text = "-";
            }
            g_ptr_array_add(logs, NULL);
            continue;
        }
        printf("\n== %s (%.12s): building\n", rl, commit);
        k = kbuild_build(tree, commit, label, &log, &cached[i], &be);
        build_s[i] = pit_now() - t0;
        g_ptr_array_add(logs, log ? g_strdup(log) : NULL);
        if (!k && procs_interrupted()) {
            printf("stopped: %s\n", be->message);
            break; /* the build was stopped, not broken */
        }
        if (!k) {
            g_autofree char *why = log ? kbuild_log_error(log) : NULL;
            printf("BUILD-FAIL %s\n", be->message);
            if (why) {
                printf("           %s\n", why);
            }
            for (unsigned s = 0; s < scns->len; s++) {
                cells[i * scns->len + s].text = "BUILD-FAIL";
            }
            bad++;
            stopped = !keep_going;
            continue;
        }
        if (cached[i]) {
            printf("built  %s (cached)\n", k->version);
        } else {
            printf("built  %s in %.0f s\n", k->version, build_s[i]);
        }
        for (unsigned s = 0; s < scns->len && !procs_interrupted(); s++) {
            Scenario *scn = g_ptr_array_index(scns, s);
            Cell *c = &cells[i * scns->len + s];
            g_autoptr(GError) re = NULL;
            if (!run_scenario(&r, k, scn, (unsigned)repeat, false, &c->runs,
                              &c->failed, &c->errors, &re)) {
                fprintf(stderr, "pit series: %s\n", re->message);
                c->text = "ERROR";
            }
            if (c->errors) {
                bad++;
            }
        }
        /* a step: build + image + boots + verdicts of this row */
        step_s[i] = pit_now() - t0;
    }

    t = (SeriesTable){ .series = series,
                       .scns = scns,
                       .nrows = nrows,
                       .repeat = (unsigned)repeat,
                       .cells = cells,
                       .build_s = build_s,
                       .step_s = step_s,
                       .cached = cached,
                       .logs = logs };
    table_print(&t);
    g_autofree char *json = g_build_filename(r.out, "series.json", NULL);
    if (!table_write_json(&t, kernel, json, &e)) {
        fprintf(stderr, "pit series: %s\n", e->message);
        g_clear_error(&e);
    }
    if (!runner_reports(&r, &e)) {
        fprintf(stderr, "pit: cannot write the reports: %s\n", e->message);
        return PIT_EXIT_UNEXPECTED;
    }
    printf("results in %s (series.json, summary.json, junit.xml)\n", r.out);
    if (procs_interrupted()) {
        fprintf(stderr, "pit: interrupted; no QEMU left running\n");
        return PIT_EXIT_INTERRUPTED;
    }
    return bad ? PIT_EXIT_UNEXPECTED : 0;
}

/* ---- pit bisect -------------------------------------------------------- */

/* "0".."N" names a row of the series; anything else a revision. */
static int series_pos(const Series *s, const char *rev)
{
    char *end;
    guint64 n;

    if (!s || !*rev) {
        return -1;
    }
    n = g_ascii_strtoull(rev, &end, 10);
    if (*end || n > s->patches->len) {
        return -1;
    }
    return (int)n;
}

/*
 * What a bisect moves along, oldest first: the commits of a tree (a
 * series' rows, or a range of history), or the kernels Debian's archive
 * has between two versions.  Position i is built, or fetched, on demand.
 */
typedef struct Line {
    const char *kernel; /* --kernel as given, for the kernels' labels */
    KbuildTree *tree;   /* NULL: Debian's kernels */
    GPtrArray *pos;     /* commit ids (char *), or DebianKernel * */
} Line;

/* How output names position i: "255eabf9764d subject" or a version. */
static char *line_name(const Line *l, unsigned i)
{
    if (!l->tree) {
        const DebianKernel *d = g_ptr_array_index(l->pos, i);
        return g_strdup_printf("debian:%s (%s)", d->version, d->suite);
    }
    const char *c = g_ptr_array_index(l->pos, i);
    g_autofree char *subj = kbuild_tree_subject(l->tree, c);
    return g_strdup_printf("%.12s %s", c, subj);
}

static Kernel *line_kernel(const Line *l, unsigned i, char **log,
                           GError **error)
{
    if (!l->tree) {
        return kernel_resolve_debian(g_ptr_array_index(l->pos, i), error);
    }
    const char *c = g_ptr_array_index(l->pos, i);
    g_autofree char *label = g_strdup_printf("%s@%.12s", l->kernel, c);
    return kbuild_build(l->tree, c, label, log, NULL, error);
}

/*
 * One probe: the kernel at position i, the scenario on it `repeat` times
 * (up to the first failure when stop_at_fail).  A kernel that cannot be
 * built, fetched or booted cannot be judged: that ends the bisect, with
 * the reason.  Returns 0 or the exit status.
 */
static int probe(Runner *r, const Line *l, unsigned i, const Scenario *s,
                 unsigned repeat, bool stop_at_fail, const char *what,
                 unsigned *runs, unsigned *failed)
{
    g_autofree char *name = line_name(l, i);
    g_autofree char *log = NULL;
    g_autoptr(GError) e = NULL;
    g_autoptr(Kernel) k = NULL;
    unsigned errors;

    printf("\n== %s %s: %s\n", what, name, l->tree ? "building" : "fetching");
    k = line_kernel(l, i, &log, &e);
    if (!k) {
        g_autofree char *why = log ? kbuild_log_error(log) : NULL;
        fprintf(stderr, "pit bisect: cannot judge %s: %s%s%s\n", name,
                e->message, why ? "\n  first error: " : "", why ? why : "");
        return procs_interrupted() ? PIT_EXIT_INTERRUPTED : PIT_EXIT_UNEXPECTED;
    }
    if (!run_scenario(r, k, s, repeat, stop_at_fail, runs, failed, &errors,
                      &e)) {
        return fail_err("bisect", e);
    }
    if (procs_interrupted()) {
        return PIT_EXIT_INTERRUPTED;
    }
    if (errors) {
        fprintf(stderr,
                "pit bisect: %s could not be judged at %s (%u ERROR runs: "
                "boot or crash); see %s\n",
                s->name, name, errors, r->out);
        return PIT_EXIT_UNEXPECTED;
    }
    printf("%s %s: %s (%u of %u runs failed)\n", what, name,
           bisect_step_fails(*failed, *runs) ? "bad" : "good", *failed, *runs);
    return 0;
}

/* The positions of a series (--good/--bad are row numbers). */
static int series_line(const Series *series, const char *good,
                       const char *badrev, GPtrArray *pos, bool *good_is_old)
{
    int gp = good ? series_pos(series, good) : -1;
    int bp = badrev ? series_pos(series, badrev) : -1;

    if ((good && gp < 0) || (badrev && bp < 0)) {
        fprintf(stderr,
                "pit bisect: with --series, --good and --bad are patch "
                "numbers 0..%u (0 = base)\n",
                series->patches->len);
        return PIT_EXIT_INPUT;
    }
    if (!good && !badrev) {
        /* unknown which end passes: measure both, order as given */
        gp = 0;
        bp = (int)series->patches->len;
    } else if (!good || !badrev) {
        int known = good ? gp : bp;
        int other = known == 0 ? (int)series->patches->len : 0;
        gp = good ? gp : other;
        bp = badrev ? bp : other;
    }
    if (gp == bp) {
        fprintf(stderr, "pit bisect: --good and --bad are the same\n");
        return PIT_EXIT_INPUT;
    }
    *good_is_old = gp < bp;
    for (int i = MIN(gp, bp); i <= MAX(gp, bp); i++) {
        g_ptr_array_add(pos, g_strdup(i ? ((SeriesPatch *)g_ptr_array_index(
                                               series->patches, i - 1))
                                              ->commit
                                        : series->base));
    }
    return 0;
}

/* The commits from one revision to the other (either order). */
static int range_line(const KbuildTree *tree, const char *good,
                      const char *badrev, GPtrArray *pos, bool *good_is_old)
{
    g_autofree char *cg = NULL, *cb = NULL;
    g_autoptr(GPtrArray) range = NULL;
    g_autoptr(GError) e = NULL;

    if (!good || !badrev) {
        fprintf(stderr, "pit bisect: give --good REV and --bad REV\n");
        return PIT_EXIT_INPUT;
    }
    cg = kbuild_tree_rev(tree, good, &e);
    cb = cg ? kbuild_tree_rev(tree, badrev, &e) : NULL;
    if (!cb) {
        return fail_err("bisect", e);
    }
    range = kbuild_tree_range(tree, cg, cb, NULL);
    *good_is_old = range != NULL;
    if (!range) {
        range = kbuild_tree_range(tree, cb, cg, NULL);
    }
    if (!range) {
        fprintf(stderr,
                "pit bisect: %s and %s are not one an ancestor of the "
                "other\n",
                good, badrev);
        return PIT_EXIT_INPUT;
    }
    g_ptr_array_add(pos, g_strdup(*good_is_old ? cg : cb));
    for (unsigned i = 0; i < range->len; i++) {
        g_ptr_array_add(pos, g_strdup(g_ptr_array_index(range, i)));
    }
    return 0;
}

/* Debian's kernels from --good debian:A to --bad debian:B; --kernel, when
 * given, is debian:SERIES and both ends must belong to it. */
static int debian_line(const char *kernel, const char *good, const char *badrev,
                       GPtrArray **index, GPtrArray **pos, bool *good_is_old)
{
    g_autoptr(GError) e = NULL;
    const DebianKernel *dg;

    if (!good || !badrev || !g_str_has_prefix(good, "debian:") ||
        !g_str_has_prefix(badrev, "debian:")) {
        fprintf(stderr, "pit bisect: between Debian releases both ends are "
                        "debian:VERSION (--good debian:6.1.176 --bad "
                        "debian:6.1.192); 'pit kernel list --series 6.1' "
                        "lists the versions\n");
        return PIT_EXIT_INPUT;
    }
    if (kernel && (!g_str_has_prefix(kernel, "debian:") ||
                   !kernel_debian_version_matches(kernel + 7, good + 7) ||
                   !kernel_debian_version_matches(kernel + 7, badrev + 7))) {
        fprintf(stderr,
                "pit bisect: --kernel %s does not hold both ends; leave it "
                "out or give their series (--kernel debian:6.1)\n",
                kernel);
        return PIT_EXIT_INPUT;
    }
    *index = kernel_debian_index(&e);
    if (!*index) {
        fprintf(stderr, "pit bisect: cannot list Debian's kernels: %s\n",
                e->message);
        return PIT_EXIT_DEPENDENCY;
    }
    *pos = kernel_debian_between(*index, good + 7, badrev + 7, &e);
    if (!*pos) {
        return fail_err("bisect", e);
    }
    dg = kernel_debian_pick(*index, good + 7, NULL);
    *good_is_old = !kernel_debian_version_cmp(
        dg->version, ((DebianKernel *)g_ptr_array_index(*pos, 0))->version);
    printf("Debian has %u kernels from %s to %s:", (*pos)->len, good + 7,
           badrev + 7);
    for (unsigned i = 0; i < (*pos)->len; i++) {
        printf(" %s", ((DebianKernel *)g_ptr_array_index(*pos, i))->version);
    }
    printf("\n");
    return 0;
}

int bisect_cmd(int argc, char **argv)
{
    g_autofree char *kernel = NULL, *series_src = NULL, *good = NULL,
                    *badrev = NULL;
    int repeat = 3;
    gboolean retry_failed = FALSE;
    GOptionEntry entries[] = {
        { "kernel", 'k', 0, G_OPTION_ARG_STRING, &kernel,
          "the tree: build:debian:X.Y or build:PATH[,config=FILE]; not "
          "needed between Debian releases",
          "SPEC" },
        { "series", 's', 0, G_OPTION_ARG_FILENAME, &series_src,
          "bisect over this series' patches (--good/--bad are then patch "
          "numbers, 0 = base; default 0 and N)",
          "SERIES" },
        { "good", 0, 0, G_OPTION_ARG_STRING, &good,
          "where the scenario passes: a revision, or debian:VERSION", "REV" },
        { "bad", 0, 0, G_OPTION_ARG_STRING, &badrev,
          "where it fails: a revision, or debian:VERSION", "REV" },
        { "repeat", 'r', 0, G_OPTION_ARG_INT, &repeat,
          "runs a step (default 3): a step is bad if any run fails", "N" },
        { "retry-failed", 0, 0, G_OPTION_ARG_NONE, &retry_failed,
          "build again what failed to build before (a failure is cached)",
          NULL },
        G_OPTION_ENTRY_NULL
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new(
        "--kernel build:... --good REV --bad REV SCENARIO");
    g_autoptr(GError) e = NULL;
    g_autoptr(KbuildTree) tree = NULL;
    g_autoptr(Series) series = NULL;
    g_autoptr(Scenario) scn = NULL;
    g_autoptr(GPtrArray) index = NULL;
    g_autoptr(GPtrArray) pos = NULL;
    g_auto(Runner) r = { 0 };
    Line line;
    Bisect b;
    int rc, at;
    bool good_is_old = true, debian;
    unsigned fail_side_steps = 0, nsteps = 0;

    g_option_context_set_summary(
        ctx, "Find the first commit between --good and --bad (either order "
             "in history)\nthat changes SCENARIO's verdict; or the first "
             "Debian release between\n--good debian:A and --bad debian:B.  "
             "Races are flaky: each step runs --repeat\ntimes and is bad if "
             "any run fails; pit prints the chance that a step was\njudged "
             "wrongly, from the failure rate measured at the bad end.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    runner_add_options(ctx, &r);
    if (!g_option_context_parse(ctx, &argc, &argv, &e)) {
        return fail_err("bisect", e);
    }
    if (retry_failed) {
        g_setenv("NVME_PI_RETRY_FAILED", "1", TRUE); /* for kernel-build */
    }
    debian = (good && g_str_has_prefix(good, "debian:")) ||
             (badrev && g_str_has_prefix(badrev, "debian:"));
    if ((!kernel && !debian) || argc != 2) {
        fprintf(stderr, "pit bisect: give --kernel build:..., --good REV, "
                        "--bad REV and one SCENARIO (or --good debian:A "
                        "--bad debian:B SCENARIO)\n");
        return PIT_EXIT_INPUT;
    }
    if (debian && series_src) {
        fprintf(stderr, "pit bisect: --series bisects a series' patches; "
                        "between Debian releases leave it out\n");
        return PIT_EXIT_INPUT;
    }
    if (repeat < 1) {
        fprintf(stderr, "pit bisect: --repeat must be >= 1\n");
        return PIT_EXIT_INPUT;
    }
    scn = load_one(argv[1], &e);
    if (!scn) {
        return fail_err("bisect", e);
    }
    rc = runner_init(&r, "bisect");
    if (rc) {
        return rc;
    }
    if (debian) {
        rc = debian_line(kernel, good, badrev, &index, &pos, &good_is_old);
    } else {
        rc = open_build("bisect", kernel, series_src, &tree, &series);
        pos = g_ptr_array_new_with_free_func(g_free);
        if (!rc) {
            rc = series ? series_line(series, good, badrev, pos, &good_is_old)
                        : range_line(tree, good, badrev, pos, &good_is_old);
        }
    }
    if (rc) {
        return rc;
    }
    line = (Line){ .kernel = kernel, .tree = tree, .pos = pos };
    procs_install_signal_handlers();

    /* the two ends: confirm they differ, measure the failure rate at the
     * failing one (every repeat runs there) */
    unsigned n = pos->len;
    const unsigned ends[2] = { 0, n - 1 };
    bool end_fails[2];
    unsigned end_runs[2], end_failed[2];
    for (unsigned j = 0; j < 2; j++) {
        rc = probe(&r, &line, ends[j], scn, (unsigned)repeat, false, "end",
                   &end_runs[j], &end_failed[j]);
        if (rc) {
            return rc;
        }
        end_fails[j] = bisect_step_fails(end_failed[j], end_runs[j]);
    }
    if (end_fails[0] == end_fails[1]) {
        g_autofree char *n0 = line_name(&line, 0);
        g_autofree char *n1 = line_name(&line, n - 1);
        printf("\nno change: %s %s at both ends (%s; %s): nothing to bisect "
               "(if it is a race, try more --repeat)\n",
               scn->name, end_fails[0] ? "fails" : "passes", n0, n1);
        if (!runner_reports(&r, &e)) {
            fprintf(stderr, "pit: cannot write the reports: %s\n", e->message);
        }
        printf("results in %s (summary.json, junit.xml)\n", r.out);
        return 0;
    }
    if ((good || badrev) && end_fails[good_is_old ? 0 : 1]) {
        /* the ends say the opposite of their names: the user is looking
         * for a fix (old end fails) or swapped the ends; say what is
         * sought, in the order of the commits */
        fprintf(stderr,
                "pit bisect: note: %s fails at --good and passes at --bad: "
                "looking for the commit that %s\n",
                scn->name,
                end_fails[0] ? "fixed it (the first where it passes)"
                             : "broke it (the first where it fails)");
    }
    unsigned bad_end = end_fails[0] ? 0 : 1;
    bool new_fails = end_fails[1];

    bisect_init(&b, n);
    while ((at = bisect_next(&b)) >= 0) {
        unsigned runs, failed;
        g_autofree char *what = NULL;

        nsteps++;
        what = g_strdup_printf("step %u (about %u left)", nsteps,
                               bisect_steps_left(&b));
        rc = probe(&r, &line, (unsigned)at, scn, (unsigned)repeat, true, what,
                   &runs, &failed);
        if (rc) {
            return rc;
        }
        bool fails = bisect_step_fails(failed, runs);
        if (!fails) {
            fail_side_steps++; /* judged passing: could be a missed race */
        }
        bisect_mark(&b, (unsigned)at, fails == new_fails);
    }
    {
        g_autofree char *name = line_name(&line, bisect_result(&b));
        double p_hat, p_low;
        double per =
            bisect_wrong_step_chance(end_failed[bad_end], end_runs[bad_end],
                                     (unsigned)repeat, &p_hat, &p_low);
        printf("\nfirst %s where %s %s: %s\n", debian ? "release" : "commit",
               scn->name, new_fails ? "fails" : "passes", name);
        printf("failure rate at the bad end: %u of %u runs (%.2f; >= %.2f "
               "at 95%%)\n",
               end_failed[bad_end], end_runs[bad_end], p_hat, p_low);
        printf("chance that a step was judged wrongly: <= %.2g per passing "
               "step (%u repeats each), <= %.2g over the %u passing step%s "
               "of this bisect\n",
               per, (unsigned)repeat,
               bisect_wrong_any_chance(per, fail_side_steps), fail_side_steps,
               fail_side_steps == 1 ? "" : "s");
    }
    if (!runner_reports(&r, &e)) {
        fprintf(stderr, "pit: cannot write the reports: %s\n", e->message);
    }
    printf("results in %s (summary.json, junit.xml)\n", r.out);
    return 0;
}
