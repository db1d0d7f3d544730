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

/* Everything a step needs to boot a kernel: QEMU, accel, output. */
typedef struct Runner {
    RunInputs base; /* qemu, accel, boot slack: the same for every run */
    char *out;
    const char *why;
    guint64 seed;
    bool seeded;
    GPtrArray *records; /* RunRecord, for summary.json / junit.xml */
    bool accel_chosen;
    char *accel_mode;
    char *qemu;
} Runner;

static bool runner_accel(Runner *r, const Kernel *k)
{
    g_autofree char *why = NULL;

    if (r->accel_chosen) {
        return true;
    }
    r->base.accel = accel_choose(r->accel_mode ? r->accel_mode : "auto",
                                 r->qemu, k->vmlinuz, &why);
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

static int runner_init(Runner *r, const char *cmd, const char *out,
                       const char *seed_s, const char *qemu_opt,
                       const char *accel_mode)
{
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_autofree char *stamp = g_date_time_format(now, "%Y%m%d-%H%M%S");
    g_autofree char *o =
        out ? g_strdup(out)
            : g_strdup_printf("%s/build/pit/%s-%s", pit_srcdir(), cmd, stamp);

    memset(r, 0, sizeof(*r));
    r->out = g_canonicalize_filename(o, NULL);
    r->records =
        g_ptr_array_new_with_free_func((GDestroyNotify)run_record_free);
    r->seeded = seed_s != NULL;
    if (seed_s) {
        char *end;
        r->seed = g_ascii_strtoull(seed_s, &end, 0);
        if (*end || !*seed_s) {
            fprintf(stderr, "pit %s: --seed '%s' is not a number\n", cmd,
                    seed_s);
            return PIT_EXIT_INPUT;
        }
    } else {
        r->seed =
            (((guint64)g_random_int() << 32) | g_random_int()) & G_MAXINT64;
    }
    if (accel_mode && strcmp(accel_mode, "auto") && strcmp(accel_mode, "kvm") &&
        strcmp(accel_mode, "tcg")) {
        fprintf(stderr, "pit %s: --accel must be auto, kvm or tcg\n", cmd);
        return PIT_EXIT_INPUT;
    }
    r->accel_mode = g_strdup(accel_mode);
    r->qemu = g_strdup(qemu_opt ? qemu_opt : pit_qemu_binary());
    if (!g_file_test(r->qemu, G_FILE_TEST_IS_EXECUTABLE)) {
        fprintf(stderr,
                "pit: QEMU not found at %s: build it with 'make qemu' or "
                "pass --qemu PATH\n",
                r->qemu);
        return PIT_EXIT_DEPENDENCY;
    }
    r->base.qemu = r->qemu;
    return 0;
}

static void runner_clear(Runner *r)
{
    g_free(r->out);
    g_free((char *)r->why);
    g_free(r->accel_mode);
    g_free(r->qemu);
    if (r->records) {
        g_ptr_array_unref(r->records);
    }
}

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

int series_cmd(int argc, char **argv)
{
    g_autofree char *kernel = NULL, *series_src = NULL, *out = NULL,
                    *seed_s = NULL, *qemu_opt = NULL, *accel_mode = NULL;
    int repeat = 1;
    gboolean keep_going = FALSE;
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
        { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_s,
          "seed for @SEED@ in steps (default: random)", "S" },
        { "accel", 0, 0, G_OPTION_ARG_STRING, &accel_mode,
          "auto (default), kvm or tcg", "MODE" },
        { "qemu", 0, 0, G_OPTION_ARG_FILENAME, &qemu_opt,
          "QEMU binary (default: build/qemu/qemu-system-x86_64)", "PATH" },
        { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out,
          "results directory (default build/pit/series-<timestamp>)", "DIR" },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new(
        "--kernel build:... --series DIR|MBOX|A..B [SCENARIO...]");
    g_autoptr(GError) e = NULL;
    g_autoptr(KbuildTree) tree = NULL;
    g_autoptr(Series) series = NULL;
    g_autoptr(GPtrArray) scns =
        g_ptr_array_new_with_free_func((GDestroyNotify)scenario_free);
    Runner r;
    int rc;
    unsigned nrows, bad = 0;

    g_option_context_set_summary(
        ctx, "Build the base and base+1..N of a patch series, run the "
             "scenarios on each\n(default: raw-pi-dio) and show which patch "
             "changes which verdict.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &e)) {
        return fail_err("series", e);
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
    rc = runner_init(&r, "series", out, seed_s, qemu_opt, accel_mode);
    if (rc) {
        runner_clear(&r);
        return rc;
    }
    rc = open_build("series", kernel, series_src, &tree, &series);
    if (rc) {
        runner_clear(&r);
        return rc;
    }
    if (!series) {
        fprintf(stderr, "pit series: give --series DIR|MBOX|A..B (or "
                        "build:...+SERIES)\n");
        runner_clear(&r);
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
        k = kbuild_build(tree, commit, label, &log, &be);
        build_s[i] = pit_now() - t0;
        g_ptr_array_add(logs, log ? g_strdup(log) : NULL);
        if (!k && procs_interrupted()) {
            break; /* the build was stopped, not broken */
        }
        if (!k) {
            printf("BUILD-FAIL %s\n", be->message);
            for (unsigned s = 0; s < scns->len; s++) {
                cells[i * scns->len + s].text = "BUILD-FAIL";
            }
            bad++;
            stopped = !keep_going;
            continue;
        }
        printf("built  %s in %.0f s\n", k->version, build_s[i]);
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

    /* the table: rows base and each patch, columns scenarios */
    unsigned w = 4;
    for (unsigned i = 0; i < nrows; i++) {
        g_autofree char *l = row_label(series, i);
        w = MAX(w, MIN(strlen(l), 60));
    }
    printf("\n%-*s", w, "");
    for (unsigned s = 0; s < scns->len; s++) {
        printf("  %-14s", ((Scenario *)g_ptr_array_index(scns, s))->name);
    }
    printf("\n");
    for (unsigned i = 0; i < nrows; i++) {
        g_autofree char *l = row_label(series, i);
        printf("%-*.*s", w, w, l);
        for (unsigned s = 0; s < scns->len; s++) {
            Cell *c = &cells[i * scns->len + s];
            g_autofree char *t =
                repeat > 1 && c->runs
                    ? g_strdup_printf("%s %u/%u", cell_text(c),
                                      c->failed + c->errors, c->runs)
                    : g_strdup(cell_text(c));
            printf("  %-14s", t);
        }
        printf("\n");
    }
    printf("\n");
    /* per scenario: every patch that changes the verdict */
    for (unsigned s = 0; s < scns->len; s++) {
        Scenario *scn = g_ptr_array_index(scns, s);
        const char *prev = cell_text(&cells[s]);
        bool any = false;
        for (unsigned i = 1; i < nrows; i++) {
            const char *cur = cell_text(&cells[i * scns->len + s]);
            if (!strcmp(cur, "-") || !strcmp(cur, "BUILD-FAIL")) {
                continue;
            }
            if (strcmp(cur, prev)) {
                g_autofree char *l = row_label(series, i);
                printf("%s: %s -> %s at %s\n", scn->name, prev, cur, l);
                any = true;
            }
            prev = cur;
        }
        if (!any) {
            printf("%s: %s throughout\n", scn->name, cell_text(&cells[s]));
        }
    }
    for (unsigned i = 0; i < logs->len; i++) {
        if (g_ptr_array_index(logs, i)) {
            g_autofree char *l = row_label(series, i);
            printf("build log of %s: %s\n", l,
                   (char *)g_ptr_array_index(logs, i));
        }
    }

    /* series.json: the table as data */
    {
        g_autoptr(JsonBuilder) b = json_builder_new();
        g_autoptr(JsonGenerator) g = json_generator_new();
        g_autoptr(JsonNode) root = NULL;
        g_autofree char *path = g_build_filename(r.out, "series.json", NULL);
        g_autofree char *text = NULL;
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "kernel");
        json_builder_add_string_value(b, kernel);
        json_builder_set_member_name(b, "series");
        json_builder_add_string_value(b, series->source);
        json_builder_set_member_name(b, "rows");
        json_builder_begin_array(b);
        for (unsigned i = 0; i < nrows; i++) {
            json_builder_begin_object(b);
            json_builder_set_member_name(b, "patch");
            json_builder_add_int_value(b, i);
            json_builder_set_member_name(b, "subject");
            json_builder_add_string_value(
                b,
                i ? ((SeriesPatch *)g_ptr_array_index(series->patches, i - 1))
                        ->subject
                  : "base");
            json_builder_set_member_name(b, "commit");
            json_builder_add_string_value(
                b,
                i ? ((SeriesPatch *)g_ptr_array_index(series->patches, i - 1))
                        ->commit
                  : series->base);
            json_builder_set_member_name(b, "build_seconds");
            json_builder_add_double_value(b, build_s[i]);
            json_builder_set_member_name(b, "step_seconds");
            json_builder_add_double_value(b, step_s[i]);
            if (i < logs->len && g_ptr_array_index(logs, i)) {
                json_builder_set_member_name(b, "build_log");
                json_builder_add_string_value(b, g_ptr_array_index(logs, i));
            }
            json_builder_set_member_name(b, "verdicts");
            json_builder_begin_object(b);
            for (unsigned s = 0; s < scns->len; s++) {
                json_builder_set_member_name(
                    b, ((Scenario *)g_ptr_array_index(scns, s))->name);
                json_builder_add_string_value(
                    b, cell_text(&cells[i * scns->len + s]));
            }
            json_builder_end_object(b);
            json_builder_end_object(b);
        }
        json_builder_end_array(b);
        json_builder_end_object(b);
        root = json_builder_get_root(b);
        json_generator_set_root(g, root);
        json_generator_set_pretty(g, TRUE);
        text = json_generator_to_data(g, NULL);
        if (!pit_write_file(path, text, -1, &e)) {
            fprintf(stderr, "pit series: %s\n", e->message);
        }
    }
    if (!runner_reports(&r, &e)) {
        fprintf(stderr, "pit: cannot write the reports: %s\n", e->message);
        runner_clear(&r);
        return PIT_EXIT_UNEXPECTED;
    }
    printf("results in %s (series.json, summary.json, junit.xml)\n", r.out);
    runner_clear(&r);
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

int bisect_cmd(int argc, char **argv)
{
    g_autofree char *kernel = NULL, *series_src = NULL, *good = NULL,
                    *badrev = NULL, *out = NULL, *seed_s = NULL,
                    *qemu_opt = NULL, *accel_mode = NULL;
    int repeat = 3;
    GOptionEntry entries[] = {
        { "kernel", 'k', 0, G_OPTION_ARG_STRING, &kernel,
          "the tree: build:debian:X.Y or build:PATH[,config=FILE]", "SPEC" },
        { "series", 's', 0, G_OPTION_ARG_FILENAME, &series_src,
          "bisect over this series' patches (--good/--bad are then patch "
          "numbers, 0 = base; default 0 and N)",
          "SERIES" },
        { "good", 0, 0, G_OPTION_ARG_STRING, &good,
          "a revision where the scenario passes", "REV" },
        { "bad", 0, 0, G_OPTION_ARG_STRING, &badrev,
          "a revision where it fails", "REV" },
        { "repeat", 'r', 0, G_OPTION_ARG_INT, &repeat,
          "runs a step (default 3): a step is bad if any run fails", "N" },
        { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_s,
          "seed for @SEED@ in steps (default: random)", "S" },
        { "accel", 0, 0, G_OPTION_ARG_STRING, &accel_mode,
          "auto (default), kvm or tcg", "MODE" },
        { "qemu", 0, 0, G_OPTION_ARG_FILENAME, &qemu_opt,
          "QEMU binary (default: build/qemu/qemu-system-x86_64)", "PATH" },
        { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out,
          "results directory (default build/pit/bisect-<timestamp>)", "DIR" },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new(
        "--kernel build:... --good REV --bad REV SCENARIO");
    g_autoptr(GError) e = NULL;
    g_autoptr(KbuildTree) tree = NULL;
    g_autoptr(Series) series = NULL;
    g_autoptr(Scenario) scn = NULL;
    g_autoptr(GPtrArray) commits = g_ptr_array_new_with_free_func(g_free);
    Runner r;
    Bisect b;
    int rc, pos;
    bool good_is_old;
    unsigned bad_runs = 0, bad_failed = 0, fail_side_steps = 0, nsteps = 0;

    g_option_context_set_summary(
        ctx, "Find the first commit between --good and --bad (either order "
             "in history)\nthat changes SCENARIO's verdict.  Races are "
             "flaky: each step runs --repeat\ntimes and is bad if any run "
             "fails; pit prints the chance that a step was\njudged wrongly, "
             "from the failure rate measured at the bad end.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &e)) {
        return fail_err("bisect", e);
    }
    if (!kernel || argc != 2) {
        fprintf(stderr, "pit bisect: give --kernel build:..., --good REV, "
                        "--bad REV and one SCENARIO\n");
        return PIT_EXIT_INPUT;
    }
    if ((good && g_str_has_prefix(good, "debian:")) ||
        (badrev && g_str_has_prefix(badrev, "debian:"))) {
        fprintf(stderr, "pit bisect: bisecting between Debian releases "
                        "(--good debian:X --bad debian:Y) is not implemented "
                        "yet; bisect a git tree or a series\n");
        return PIT_EXIT_DEPENDENCY;
    }
    if (repeat < 1) {
        fprintf(stderr, "pit bisect: --repeat must be >= 1\n");
        return PIT_EXIT_INPUT;
    }
    scn = load_one(argv[1], &e);
    if (!scn) {
        return fail_err("bisect", e);
    }
    rc = runner_init(&r, "bisect", out, seed_s, qemu_opt, accel_mode);
    if (rc) {
        runner_clear(&r);
        return rc;
    }
    rc = open_build("bisect", kernel, series_src, &tree, &series);
    if (rc) {
        runner_clear(&r);
        return rc;
    }
    /* positions, oldest first */
    if (series) {
        int gp = good ? series_pos(series, good) : -1;
        int bp = badrev ? series_pos(series, badrev) : -1;
        if ((good && gp < 0) || (badrev && bp < 0)) {
            fprintf(stderr,
                    "pit bisect: with --series, --good and --bad are patch "
                    "numbers 0..%u (0 = base)\n",
                    series->patches->len);
            runner_clear(&r);
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
            runner_clear(&r);
            return PIT_EXIT_INPUT;
        }
        good_is_old = gp < bp;
        for (int i = MIN(gp, bp); i <= MAX(gp, bp); i++) {
            g_ptr_array_add(commits,
                            g_strdup(i ? ((SeriesPatch *)g_ptr_array_index(
                                              series->patches, i - 1))
                                             ->commit
                                       : series->base));
        }
    } else {
        g_autofree char *cg = NULL, *cb = NULL;
        g_autoptr(GPtrArray) range = NULL;
        if (!good || !badrev) {
            fprintf(stderr, "pit bisect: give --good REV and --bad REV\n");
            runner_clear(&r);
            return PIT_EXIT_INPUT;
        }
        cg = kbuild_tree_rev(tree, good, &e);
        cb = cg ? kbuild_tree_rev(tree, badrev, &e) : NULL;
        if (!cb) {
            runner_clear(&r);
            return fail_err("bisect", e);
        }
        range = kbuild_tree_range(tree, cg, cb, NULL);
        good_is_old = range != NULL;
        if (!range) {
            range = kbuild_tree_range(tree, cb, cg, NULL);
        }
        if (!range) {
            fprintf(stderr,
                    "pit bisect: %s and %s are not one an ancestor of the "
                    "other\n",
                    good, badrev);
            runner_clear(&r);
            return PIT_EXIT_INPUT;
        }
        g_ptr_array_add(commits, g_strdup(good_is_old ? cg : cb));
        for (unsigned i = 0; i < range->len; i++) {
            g_ptr_array_add(commits, g_strdup(g_ptr_array_index(range, i)));
        }
    }
    procs_install_signal_handlers();

    /* the two ends: confirm they differ, measure the failure rate at the
     * failing one (every repeat runs there) */
    unsigned n = commits->len;
    const unsigned ends[2] = { 0, n - 1 };
    bool end_fails[2] = { false, false };
    unsigned end_runs[2] = { 0, 0 }, end_failed[2] = { 0, 0 };
    for (unsigned j = 0; j < 2; j++) {
        const char *c = g_ptr_array_index(commits, ends[j]);
        g_autofree char *label = g_strdup_printf("%s@%.12s", kernel, c);
        g_autofree char *subj = kbuild_tree_subject(tree, c);
        g_autofree char *log = NULL;
        g_autoptr(Kernel) k = NULL;
        unsigned errors;

        printf("\n== end %.12s %s: building\n", c, subj);
        k = kbuild_build(tree, c, label, &log, &e);
        if (!k) {
            fprintf(stderr, "pit bisect: an end does not build: %s\n",
                    e->message);
            runner_clear(&r);
            return PIT_EXIT_UNEXPECTED;
        }
        if (!run_scenario(&r, k, scn, (unsigned)repeat, false, &end_runs[j],
                          &end_failed[j], &errors, &e)) {
            runner_clear(&r);
            return fail_err("bisect", e);
        }
        if (errors) {
            fprintf(stderr,
                    "pit bisect: %s could not be judged at %.12s (%u ERROR "
                    "runs); see %s\n",
                    scn->name, c, errors, r.out);
            runner_clear(&r);
            return PIT_EXIT_UNEXPECTED;
        }
        end_fails[j] = bisect_step_fails(end_failed[j], end_runs[j]);
        printf("end %.12s: %s (%u of %u runs failed)\n", c,
               end_fails[j] ? "bad" : "good", end_failed[j], end_runs[j]);
    }
    if (end_fails[0] == end_fails[1]) {
        fprintf(stderr,
                "pit bisect: %s %s at both ends: nothing to bisect (try "
                "more --repeat, or other ends)\n",
                scn->name, end_fails[0] ? "fails" : "passes");
        runner_clear(&r);
        return PIT_EXIT_UNEXPECTED;
    }
    if ((good || badrev) && end_fails[good_is_old ? 0 : 1]) {
        fprintf(stderr, "pit bisect: warning: --good fails and --bad passes; "
                        "bisecting for the first change anyway\n");
    }
    bad_runs = end_runs[end_fails[0] ? 0 : 1];
    bad_failed = end_failed[end_fails[0] ? 0 : 1];
    bool new_fails = end_fails[1];

    bisect_init(&b, n);
    while ((pos = bisect_next(&b)) >= 0 && !procs_interrupted()) {
        const char *c = g_ptr_array_index(commits, pos);
        g_autofree char *label = g_strdup_printf("%s@%.12s", kernel, c);
        g_autofree char *subj = kbuild_tree_subject(tree, c);
        g_autofree char *log = NULL;
        g_autoptr(Kernel) k = NULL;
        unsigned runs, failed, errors;
        bool fails;

        nsteps++;
        printf("\n== step %u (about %u left) %.12s %s: building\n", nsteps,
               bisect_steps_left(&b), c, subj);
        k = kbuild_build(tree, c, label, &log, &e);
        if (!k) {
            fprintf(stderr,
                    "pit bisect: %.12s does not build (log %s); cannot "
                    "judge it\n",
                    c, log ? log : "?");
            runner_clear(&r);
            return PIT_EXIT_UNEXPECTED;
        }
        if (!run_scenario(&r, k, scn, (unsigned)repeat, true, &runs, &failed,
                          &errors, &e)) {
            runner_clear(&r);
            return fail_err("bisect", e);
        }
        if (errors) {
            fprintf(stderr,
                    "pit bisect: %.12s: ERROR (boot or crash); "
                    "see the run's logs\n",
                    c);
            runner_clear(&r);
            return PIT_EXIT_UNEXPECTED;
        }
        fails = bisect_step_fails(failed, runs);
        if (!fails) {
            fail_side_steps++; /* judged passing: could be a missed race */
        }
        printf("step %.12s: %s (%u of %u runs failed)\n", c,
               fails ? "bad" : "good", failed, runs);
        bisect_mark(&b, (unsigned)pos, fails == new_fails);
    }
    if (procs_interrupted()) {
        runner_clear(&r);
        return PIT_EXIT_INTERRUPTED;
    }
    {
        const char *c = g_ptr_array_index(commits, bisect_result(&b));
        g_autofree char *subj = kbuild_tree_subject(tree, c);
        double p_hat, p_low;
        double per = bisect_wrong_step_chance(bad_failed, bad_runs,
                                              (unsigned)repeat, &p_hat, &p_low);
        printf("\nfirst commit where %s %s: %.12s %s\n", scn->name,
               new_fails ? "fails" : "passes", c, subj);
        printf("failure rate at the bad end: %u of %u runs (%.2f; >= %.2f "
               "at 95%%)\n",
               bad_failed, bad_runs, p_hat, p_low);
        printf("chance that a step was judged wrongly: <= %.2g per passing "
               "step (%u repeats each), <= %.2g over the %u passing step%s "
               "of this bisect\n",
               per, repeat, bisect_wrong_any_chance(per, fail_side_steps),
               fail_side_steps, fail_side_steps == 1 ? "" : "s");
    }
    if (!runner_reports(&r, &e)) {
        fprintf(stderr, "pit: cannot write the reports: %s\n", e->message);
    }
    printf("results in %s (summary.json, junit.xml)\n", r.out);
    runner_clear(&r);
    return 0;
}
