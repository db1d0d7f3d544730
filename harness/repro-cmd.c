/*
 * repro-cmd.c - `pit repro` and `pit replay`: the options, the runs
 * (every run a fresh VM through run.c), judging each run
 * (repro-verdict.c), the per-(kernel, model) table (repro-stats.c),
 * report.txt and the bundle (bundle.c).
 *
 * Exit status: 0 the runs were made and reported (whatever they showed);
 * 1 some run could not tell (boot failure, hang, setup error); 2 bad
 * input (reproducer, setup, option, bundle); 3 a missing dependency;
 * 130 interrupted.
 */
#include "repro-cmd.h"
#include "accel.h"
#include "bundle.h"
#include "image.h"
#include "json-util.h"
#include "kernel.h"
#include "repro-setup.h"
#include "repro-stats.h"
#include "repro-verdict.h"
#include "repro.h"
#include "result.h"
#include "run.h"
#include "scenario.h"
#include "util.h"
#include "pit-defs.h"
#include "procs.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Index of a model in the tables; nvme first: the world as it is. */
#define NMODELS 2
static const ScnModel model_order[NMODELS] = { SCN_MODEL_QEMU_NVME,
                                               SCN_MODEL_NVME_PI };

typedef struct ReproRun {
    unsigned kernel; /* index into Campaign.kernels */
    unsigned model;  /* index into model_order */
    unsigned index;  /* 1-based */
    guint64 seed;
    ReproState state;
    char **signs;
    char *error;
    double first_sign_s;
    char *first_sign_line;
    bool program_ran;
    int program_rc;
    guint64 mutations, pi_errors;
    char *mutation_log;
    char **evidence; /* classified kernel-log lines, a few */
    char *dir;       /* absolute */
    double seconds;
} ReproRun;

typedef struct Campaign {
    char *out;      /* absolute */
    RunInputs base; /* qemu, accel, boot slack of every run */
    char *accel_why;
    GPtrArray *kernels; /* Kernel* */
    /*
     * replay: the bundle's spec and label of each kernel, which the
     * kernel keeps although it is resolved from a rebuilding spec
     */
    char **bundle_specs, **bundle_labels;
    GPtrArray *kernel_sha;  /* char*: sha256 of each vmlinuz */
    GPtrArray *images;      /* char*: per kernel, image + reproducer */
    Scenario *scn[NMODELS]; /* NULL: model not run */
    char *setup_ini;        /* the scenario text both are parsed from */
    char *setup_given;      /* SETUP as given */
    bool setup_is_scenario;
    char *program_step;
    unsigned step; /* the program's step number */
    char *match;   /* --match, or NULL */
    GRegex *re;
    unsigned runs, until, timeout;
    char **args;
    GPtrArray *log; /* ReproRun* */
} Campaign;

static void repro_run_free(gpointer p)
{
    ReproRun *r = p;

    g_strfreev(r->signs);
    g_free(r->error);
    g_free(r->first_sign_line);
    g_free(r->mutation_log);
    g_strfreev(r->evidence);
    g_free(r->dir);
    g_free(r);
}

static void campaign_clear(Campaign *c)
{
    g_free(c->out);
    g_free(c->accel_why);
    g_strfreev(c->bundle_specs);
    g_strfreev(c->bundle_labels);
    if (c->kernels) {
        g_ptr_array_unref(c->kernels);
        g_ptr_array_unref(c->kernel_sha);
        g_ptr_array_unref(c->images);
    }
    for (unsigned m = 0; m < NMODELS; m++) {
        scenario_free(c->scn[m]);
    }
    g_free(c->setup_ini);
    g_free(c->setup_given);
    g_free(c->program_step);
    g_free(c->match);
    if (c->re) {
        g_regex_unref(c->re);
    }
    g_strfreev(c->args);
    if (c->log) {
        g_ptr_array_unref(c->log);
    }
}

static char *read_text(const char *dir, const char *name)
{
    g_autofree char *p = g_build_filename(dir, name, NULL);
    g_autoptr(GMappedFile) f = g_mapped_file_new(p, FALSE, NULL);

    return f ? g_strndup(g_mapped_file_get_contents(f),
                         g_mapped_file_get_length(f))
             : NULL;
}

static char *default_out(const char *what)
{
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_autofree char *stamp = g_date_time_format(now, "%Y%m%d-%H%M%S");

    return g_strdup_printf("%s/build/pit/%s-%s", pit_srcdir(), what, stamp);
}

/* ---- the setup ---------------------------------------------------------- */

static char *scenario_file(const char *name)
{
    if (g_str_has_suffix(name, ".ini") || strchr(name, '/')) {
        return g_strdup(name);
    }
    return g_strdup_printf("%s/scenarios/%s.ini", pit_srcdir(), name);
}

/*
 * SETUP: a scenario file or library name when one exists by that name,
 * else short words.  Fills c->setup_ini and c->setup_is_scenario.
 */
static bool load_setup(Campaign *c, GError **error)
{
    g_autofree char *path = scenario_file(c->setup_given);

    if (g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
        c->setup_is_scenario = true;
        return g_file_get_contents(path, &c->setup_ini, NULL, error);
    }
    if (strchr(c->setup_given, '/') ||
        g_str_has_suffix(c->setup_given, ".ini")) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_NOT_FOUND,
                    "setup scenario %s does not exist", c->setup_given);
        return false;
    }
    c->setup_ini =
        repro_setup_ini(c->setup_given, c->timeout ? c->timeout : 300, error);
    return c->setup_ini != NULL;
}

/* Parse the setup once per model and make the program its workload. */
static bool make_scenarios(Campaign *c, const bool want[NMODELS],
                           GError **error)
{
    for (unsigned m = 0; m < NMODELS; m++) {
        if (!want[m]) {
            continue;
        }
        g_autofree char *name =
            c->setup_is_scenario ? g_strdup(c->setup_given) : g_strdup("setup");
        c->scn[m] =
            scenario_parse(name, c->setup_ini, strlen(c->setup_ini), error);
        if (!c->scn[m]) {
            return false;
        }
        if (c->setup_is_scenario && c->timeout) {
            c->scn[m]->timeout_s = c->timeout;
        }
        c->step = repro_setup_adapt(c->scn[m], c->program_step, model_order[m]);
    }
    return true;
}

/* ---- one run -------------------------------------------------------- */

static JsonNode *load_json(const char *dir, const char *name)
{
    g_autofree char *p = g_build_filename(dir, name, NULL);

    return pit_json_load(p);
}

static guint64 counter_sum(JsonObject *counters, const char *const *names)
{
    guint64 n = 0;
    g_autoptr(GList) devs = counters ? json_object_get_members(counters) : NULL;

    for (GList *d = devs; d; d = d->next) {
        JsonNode *cn = json_object_get_member(counters, d->data);
        if (!JSON_NODE_HOLDS_OBJECT(cn)) {
            continue;
        }
        JsonObject *o = json_node_get_object(cn);
        for (unsigned i = 0; names[i]; i++) {
            if (json_object_has_member(o, names[i])) {
                n += json_object_get_int_member(o, names[i]);
            }
        }
    }
    return n;
}

/* "NVMEPI_RUN_ID='x'" of the run's job file. */
static char *job_run_id(const char *dir)
{
    g_autofree char *job = read_text(dir, "job");
    const char *k = job ? strstr(job, "NVMEPI_RUN_ID='") : NULL;

    if (!k) {
        return g_strdup("");
    }
    k += strlen("NVMEPI_RUN_ID='");
    return g_strndup(k, strcspn(k, "'"));
}

static void write_judgement(const ReproRun *rr, const Campaign *c)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonNode) root = NULL;
    g_autofree char *p = g_build_filename(rr->dir, "judgement.json", NULL);

    json_builder_begin_object(b);
    pit_json_add_str(b, "state", repro_state_name(rr->state));
    pit_json_add_strv(b, "signs", rr->signs);
    pit_json_add_str(b, "error", rr->error);
    pit_json_add_int(b, "program_step", c->step);
    json_builder_set_member_name(b, "program_rc");
    if (rr->program_ran) {
        json_builder_add_int_value(b, rr->program_rc);
    } else {
        json_builder_add_null_value(b);
    }
    pit_json_add_num(b, "first_sign_s", rr->first_sign_s);
    pit_json_add_str(b, "first_sign_line", rr->first_sign_line);
    pit_json_add_strv(b, "evidence", rr->evidence);
    pit_json_add_int(b, "mutations", (gint64)rr->mutations);
    pit_json_add_int(b, "device_pi_errors", (gint64)rr->pi_errors);
    pit_json_add_int(b, "seed", (gint64)rr->seed);
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    pit_json_write(p, root, NULL);
}

/* At most this many lines of each kind of evidence in the report. */
#define EVIDENCE_KERNEL_LINES 6
#define EVIDENCE_OUTPUT_LINES 3
#define EVIDENCE_DEVICE_EVENTS 2

/* Add the last `n` non-empty lines of `text`, each after `prefix`. */
static void add_last_lines(GPtrArray *out, const char *prefix, const char *text,
                           unsigned n)
{
    g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
    unsigned len = g_strv_length(lines), from = len;

    for (unsigned kept = 0; from > 0 && kept < n; from--) {
        kept += *g_strstrip(lines[from - 1]) != '\0';
    }
    for (unsigned i = from; i < len; i++) {
        if (*lines[i]) {
            g_ptr_array_add(out, g_strdup_printf("%s%s", prefix, lines[i]));
        }
    }
}

/*
 * What the guest's result says about the program's step and the kernel
 * log: its exit status and output, the classified kernel-log lines, and
 * the checks that found something.
 */
static void guest_observations(const Campaign *c, JsonObject *g, ReproObs *o,
                               GPtrArray *classified, char **output,
                               GPtrArray *checks)
{
    JsonArray *steps = pit_json_array(g, "steps");
    JsonArray *lines = pit_json_array(pit_json_object(g, "dmesg"), "lines");
    JsonArray *fs = pit_json_array(g, "fs_checks");

    for (guint i = 0; steps && i < json_array_get_length(steps); i++) {
        JsonObject *s = json_array_get_object_element(steps, i);
        if (s && json_object_get_int_member(s, "n") == c->step) {
            o->program_ran = true;
            o->program_rc = (int)json_object_get_int_member(s, "rc");
            g_free(*output);
            *output = g_strdup(pit_json_string(s, "output_tail"));
        }
    }
    for (guint i = 0; lines && i < json_array_get_length(lines); i++) {
        const char *l = json_array_get_string_element(lines, i);
        if (l) {
            g_ptr_array_add(classified, g_strdup(l));
        }
    }
    for (guint i = 0; fs && i < json_array_get_length(fs); i++) {
        JsonObject *f = json_array_get_object_element(fs, i);
        gint64 rc = f ? json_object_get_int_member(f, "rc") : 0;
        if (rc) {
            const char *tail = pit_json_string(f, "output_tail");
            g_ptr_array_add(
                checks,
                g_strdup_printf(
                    "%s check of %s, rc %" G_GINT64_FORMAT ": %.*s",
                    pit_json_string(f, "kind"), pit_json_string(f, "target"),
                    rc, tail ? (int)strcspn(tail, "\n") : 0, tail ? tail : ""));
        }
    }
}

static char *event_text(const char *line);

/*
 * The lines that made a reproduced run count: the kernel-log lines after
 * the program started (classified or --match hits), the program's last
 * output when it failed, the checks that found something, and the
 * device's first in-flight changes.
 */
static char **run_evidence(const Campaign *c, const ReproRun *rr,
                           const char *console, const char *run_id,
                           GPtrArray *classified, const char *output,
                           GPtrArray *checks)
{
    GPtrArray *ev = g_ptr_array_new();
    g_auto(GStrv) kernel = repro_evidence(
        console, run_id, c->step, (const char *const *)classified->pdata, c->re,
        EVIDENCE_KERNEL_LINES);
    g_auto(GStrv) events =
        g_strsplit(rr->mutation_log ? rr->mutation_log : "", "\n", -1);

    for (unsigned i = 0; kernel[i]; i++) {
        g_ptr_array_add(ev, g_strdup_printf("kernel  %s", kernel[i]));
    }
    if (rr->program_ran && rr->program_rc != 0) {
        add_last_lines(ev, "program ", output, EVIDENCE_OUTPUT_LINES);
    }
    for (unsigned i = 0; i < checks->len; i++) {
        g_ptr_array_add(ev,
                        g_strdup_printf("check   %s",
                                        (char *)g_ptr_array_index(checks, i)));
    }
    for (unsigned i = 0; events[i] && i < EVIDENCE_DEVICE_EVENTS; i++) {
        if (*events[i]) {
            g_autofree char *e = event_text(events[i]);
            g_ptr_array_add(ev, g_strdup_printf("device  %s", e));
        }
    }
    g_ptr_array_add(ev, NULL);
    return (char **)g_ptr_array_free(ev, FALSE);
}

/* What one finished run shows, from the files run.c left in its dir. */
static void judge_run(const Campaign *c, const RunRecord *rec, ReproRun *rr)
{
    g_autofree char *console = read_text(rec->dir, "console.log");
    g_autofree char *run_id = job_run_id(rec->dir);
    g_autofree char *ptitle = NULL, *pframe = NULL, *match = NULL;
    g_autofree char *output = NULL;
    g_autoptr(JsonNode) guest = load_json(rec->dir, "guest.json");
    g_autoptr(JsonNode) verdict = load_json(rec->dir, "verdict.json");
    g_autoptr(GuestResult) res = NULL;
    g_autoptr(GPtrArray) classified = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) checks = g_ptr_array_new_with_free_func(g_free);
    static const char *const mut_names[] = { "stat-mutation-events", NULL };
    static const char *const pi_names[] = { "stat-guard-errors",
                                            "stat-apptag-errors",
                                            "stat-reftag-errors", NULL };
    RunFacts f = { 0 };
    ReproObs o = { 0 };
    ReproJudgement j = { 0 };

    rr->dir = g_strdup(rec->dir);
    rr->seconds = rec->seconds;
    if (!console) {
        console = g_strdup("");
    }
    f.booted = strstr(console, PIT_CONSOLE_RAN_INIT) ||
               strstr(console, PIT_CONSOLE_GUEST_SAID);
    if (panic_parse(console, &ptitle, &pframe)) {
        f.panic_title = ptitle;
        f.panic_frame = pframe;
    }
    if (guest && JSON_NODE_HOLDS_OBJECT(guest)) {
        res = g_new0(GuestResult, 1);
        res->root = json_node_copy(guest);
        result_fill_facts(res, &f);
        guest_observations(c, json_node_get_object(guest), &o, classified,
                           &output, checks);
    }
    g_ptr_array_add(classified, NULL);
    if (verdict && JSON_NODE_HOLDS_OBJECT(verdict)) {
        JsonObject *counters =
            pit_json_object(json_node_get_object(verdict), "device_counters");
        rr->mutations = counter_sum(counters, mut_names);
        rr->pi_errors = counter_sum(counters, pi_names);
        f.dev_mutations = rr->mutations;
        f.dev_pi_errors = rr->pi_errors;
    }
    rr->mutation_log = read_text(rec->dir, "mutations.jsonl");
    if (c->re) {
        match = repro_match_first(console, run_id, c->step, c->re);
    }
    o.match_line = match;
    o.warns_after_start = repro_warns_after(console, run_id, c->step);
    o.crash_after_start = repro_step_started(console, run_id, c->step);
    repro_judge(&f, &o, &j);
    rr->state = j.state;
    g_ptr_array_add(j.signs, NULL);
    rr->signs = (char **)g_ptr_array_free(j.signs, FALSE);
    j.signs = NULL;
    if (j.state == REPRO_ERROR) {
        /* run.c's reasons say best why a run gave no answer */
        g_autofree char *why = g_strjoinv("; ", rec->reasons);
        rr->error = f.have_result ? g_steal_pointer(&j.error)
                                  : g_strdup(*why ? why : j.error);
    }
    rr->program_ran = o.program_ran;
    rr->program_rc = o.program_rc;
    rr->first_sign_s = NAN;
    if (rr->state == REPRO_REPRODUCED) {
        rr->first_sign_s =
            repro_first_sign_time(console, run_id, c->step,
                                  (const char *const *)classified->pdata, c->re,
                                  o.program_ran && o.program_rc != 0 &&
                                      o.program_rc != REPRO_RC_WATCHDOG,
                                  &rr->first_sign_line);
        rr->evidence =
            run_evidence(c, rr, console, run_id, classified, output, checks);
    }
    repro_judgement_clear(&j);
    write_judgement(rr, c);
}

static void print_run(const Campaign *c, const ReproRun *rr, unsigned n,
                      unsigned total)
{
    const Kernel *k = g_ptr_array_index(c->kernels, rr->kernel);
    g_autofree char *signs =
        rr->signs ? g_strjoinv("; ", rr->signs) : g_strdup("");

    printf("[%u/%u] %-12s %-8s run %-3u %-15s", n, total, k->spec,
           scn_model_name(model_order[rr->model]), rr->index,
           repro_state_name(rr->state));
    if (rr->state == REPRO_REPRODUCED) {
        printf(" %s", signs);
        if (!isnan(rr->first_sign_s)) {
            printf(" (first sign after %.2f s)", rr->first_sign_s);
        }
    } else if (rr->state == REPRO_ERROR) {
        printf(" %s", rr->error ? rr->error : "");
    }
    if (rr->mutations) {
        printf(" [device: %" G_GUINT64_FORMAT " in-flight changes]",
               rr->mutations);
    }
    printf("  (%.0f s)\n", rr->seconds);
}

static ReproRun *do_run(Campaign *c, unsigned ki, unsigned m, unsigned index,
                        guint64 seed, unsigned n, unsigned total)
{
    const Kernel *k = g_ptr_array_index(c->kernels, ki);
    ReproRun *rr = g_new0(ReproRun, 1);
    RunRecord *rec;

    rr->kernel = ki;
    rr->model = m;
    rr->index = index;
    rr->seed = seed;
    if (isatty(STDOUT_FILENO)) {
        printf("[%u/%u] %-12s %-8s run %-3u booting...\r", n, total, k->spec,
               scn_model_name(model_order[m]), index);
        fflush(stdout);
    }
    rec = run_one(&c->base, c->out, k, g_ptr_array_index(c->images, ki),
                  c->scn[m], index, seed);
    judge_run(c, rec, rr);
    run_record_free(rec);
    print_run(c, rr, n, total);
    g_ptr_array_add(c->log, rr);
    return rr;
}

/* ---- preparing kernels and images ----------------------------------- */

static char *file_sha256(const char *path)
{
    g_autofree char *data = NULL;
    gsize len;

    if (!g_file_get_contents(path, &data, &len, NULL)) {
        return g_strdup("");
    }
    return g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guint8 *)data,
                                       len);
}

/* Resolve the kernels and build, per kernel, image + reproducer files. */
static bool prepare_kernels(Campaign *c, char **specs, GBytes *files,
                            GError **error)
{
    const Scenario *any = c->scn[0] ? c->scn[0] : c->scn[1];

    c->kernels = g_ptr_array_new_with_free_func((GDestroyNotify)kernel_free);
    c->kernel_sha = g_ptr_array_new_with_free_func(g_free);
    c->images = g_ptr_array_new_with_free_func(g_free);
    for (unsigned i = 0; specs[i]; i++) {
        Kernel *k = kernel_resolve(specs[i], error);
        if (!k) {
            return false;
        }
        if (c->bundle_specs) {
            g_free(k->spec);
            g_free(k->label);
            k->spec = g_strdup(c->bundle_specs[i]);
            k->label = g_strdup(c->bundle_labels[i]);
        }
        g_ptr_array_add(c->kernels, k);
        g_ptr_array_add(c->kernel_sha, file_sha256(k->vmlinuz));
        printf("kernel  %-12s %s (sha256 %.16s...)\n", k->spec, k->version,
               (char *)g_ptr_array_index(c->kernel_sha, i));
        g_autofree char *base = image_for_kernel(k, any->image, error);
        if (!base) {
            return false;
        }
        char *img = g_strdup_printf("%s/%s/initrd-repro.img", c->out, k->label);
        g_autofree char *dir = g_path_get_dirname(img);
        g_mkdir_with_parents(dir, 0755);
        g_ptr_array_add(c->images, img);
        if (!image_write_initrd(base, files, img, error)) {
            return false;
        }
    }
    return true;
}

/* ---- the table and the report ----------------------------------------- */

typedef struct Row {
    ReproGroup g;
    const ReproRun *first_repro; /* for the evidence */
    const char *first_event;     /* the first mutation-log line */
} Row;

static void rows_fill(const Campaign *c, GPtrArray *runs, Row *rows,
                      unsigned nk)
{
    for (unsigned i = 0; i < nk * NMODELS; i++) {
        repro_group_init(&rows[i].g);
        rows[i].first_repro = NULL;
        rows[i].first_event = NULL;
    }
    (void)c;
    for (unsigned i = 0; i < runs->len; i++) {
        const ReproRun *r = g_ptr_array_index(runs, i);
        Row *row = &rows[r->kernel * NMODELS + r->model];
        repro_group_add(&row->g, r->state, r->first_sign_s);
        repro_group_add_device(&row->g, r->mutations, r->pi_errors,
                               r->mutation_log ? r->mutation_log : "");
        if (r->state == REPRO_REPRODUCED && !row->first_repro) {
            row->first_repro = r;
        }
        if (!row->first_event && r->mutation_log && *r->mutation_log) {
            row->first_event = r->mutation_log;
        }
    }
}

static void rows_clear(Row *rows, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        repro_group_clear(&rows[i].g);
    }
}

static char *cell_text(const ReproGroup *g)
{
    g_autofree char *rate = repro_rate_text(g->reproduced, g->answered);
    double med = repro_median((const double *)g->first_sign_s->data,
                              g->first_sign_s->len);
    g_autofree char *t =
        isnan(med) ? g_strdup("-") : g_strdup_printf("%.2f s", med);

    g_autofree char *err = g->errors
                               ? g_strdup_printf("  (+%u error%s)", g->errors,
                                                 g->errors > 1 ? "s" : "")
                               : g_strdup("");

    if (!g->runs) {
        return g_strdup("not run");
    }
    return g_strdup_printf("%s  %s%s", rate, t, err);
}

static char *device_text(const ReproGroup *g)
{
    g_autofree char *lbas = repro_lba_ranges(g->lbas, 6);

    if (!g->runs) {
        return g_strdup("");
    }
    return g_strdup_printf("%" G_GUINT64_FORMAT
                           " in-flight changes in %u of %u runs, "
                           "%" G_GUINT64_FORMAT " PI errors at the device%s%s",
                           g->mutations, g->runs_with_mutations, g->runs,
                           g->pi_errors, *lbas ? "; LBAs " : "", lbas);
}

/* A mutation-log line made short: lba, offset, bytes, guards, outcome. */
static char *event_text(const char *line)
{
    g_autoptr(JsonParser) p = json_parser_new();
    g_autofree char *first = g_strndup(line, strcspn(line, "\n"));
    JsonObject *o;

    if (!json_parser_load_from_data(p, first, -1, NULL) ||
        !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p))) {
        return g_strdup(first);
    }
    o = json_node_get_object(json_parser_get_root(p));
#define S(k)                                                                   \
    (json_object_has_member(o, k) ? json_object_get_string_member(o, k) : "?")
#define I(k)                                                                   \
    (json_object_has_member(o, k) ? json_object_get_int_member(o, k) : -1)
    return g_strdup_printf(
        "write slba %" G_GINT64_FORMAT " nlb %" G_GINT64_FORMAT
        ": buffer changed in flight at lba %" G_GINT64_FORMAT
        " offset %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
        " bytes, %.8s... -> %.8s...%s%s%s%s; outcome %s",
        I("slba"), I("nlb"), I("lba"), I("offset"), I("bytes_changed"),
        S("old"), S("new"),
        json_object_has_member(o, "guard_host") ? "; guard host " : "",
        json_object_has_member(o, "guard_host") ? S("guard_host") : "",
        json_object_has_member(o, "guard_host") ? ", device computed " : "",
        json_object_has_member(o, "guard_host") ? S("guard_last") : "",
        S("outcome"));
#undef S
#undef I
}

static void table(GString *s, const Campaign *c, Row *rows)
{
    unsigned nk = c->kernels->len;

    g_string_append_printf(s, "  %-14s", "kernel");
    for (unsigned m = 0; m < NMODELS; m++) {
        if (c->scn[m]) {
            g_string_append_printf(s, "%-42s",
                                   m == 0 ? "QEMU nvme (as it is)"
                                          : "nvme-pi (DMA hooks)");
        }
    }
    g_string_append(s, "\n");
    for (unsigned k = 0; k < nk; k++) {
        const Kernel *ker = g_ptr_array_index(c->kernels, k);
        g_string_append_printf(s, "  %-14s", ker->spec);
        for (unsigned m = 0; m < NMODELS; m++) {
            if (c->scn[m]) {
                g_autofree char *t = cell_text(&rows[k * NMODELS + m].g);
                g_string_append_printf(s, "%-42s", t);
            }
        }
        g_string_append(s, "\n");
    }
    g_string_append(s,
                    "  (reproduced k/n, rate, 95% Wilson interval, median "
                    "time from the program's start\n   to the first sign)\n");
}

static char *report_text(const Campaign *c, const Reproducer *r,
                         const char *bundle, Row *rows)
{
    GString *s = g_string_new(NULL);
    unsigned nk = c->kernels->len;

    g_autofree char *until =
        c->until ? g_strdup_printf(" (stopping at %u reproductions)", c->until)
                 : g_strdup("");

    g_string_append_printf(s,
                           "pit repro: %s on setup '%s', %u run%s per "
                           "kernel and device model%s\n\n",
                           r->name, c->setup_given, c->runs,
                           c->runs > 1 ? "s" : "", until);
    g_string_append_printf(s, "reproducer  %s (%s, sha256 %.16s...)\n", r->name,
                           repro_kind_name(r->kind), r->sha256);
    g_string_append_printf(s, "runs as     %s", r->run);
    for (unsigned i = 0; c->args && c->args[i]; i++) {
        g_string_append_printf(s, " %s", c->args[i]);
    }
    g_string_append_printf(s, "\nsetup       %s%s\n", c->setup_given,
                           c->setup_is_scenario ? " (scenario)" : "");
    for (unsigned k = 0; k < nk; k++) {
        const Kernel *ker = g_ptr_array_index(c->kernels, k);
        g_string_append_printf(
            s, "kernel      %s = %s (vmlinuz sha256 %.16s...)\n", ker->spec,
            ker->version, (char *)g_ptr_array_index(c->kernel_sha, k));
    }
    if (c->match) {
        g_string_append_printf(s, "--match     %s\n", c->match);
    }
    g_string_append(
        s, "\nA run reproduces when the program exits non-zero, "
           "the kernel log or the\nchecks show what pit's "
           "classification knows (PI/guard errors, csum\n"
           "failures, I/O errors, md mismatches, an unclean fs "
           "check, oops/BUG/panic,\na WARNING after the program "
           "started), or --match hits.  Every run is a\nfresh VM.\n\n");
    table(s, c, rows);
    g_string_append(s, "\nreliability (syzkaller's rule: reliable when it "
                       "reproduces in >= 2 of 5 runs):\n");
    for (unsigned k = 0; k < nk; k++) {
        const Kernel *ker = g_ptr_array_index(c->kernels, k);
        for (unsigned m = 0; m < NMODELS; m++) {
            const ReproGroup *g = &rows[k * NMODELS + m].g;
            if (!c->scn[m] || !g->runs) {
                continue;
            }
            g_string_append_printf(s, "  %-14s %-8s %s\n", ker->spec,
                                   scn_model_name(model_order[m]),
                                   repro_reliability_name(repro_reliability(
                                       g->reproduced, g->answered)));
        }
    }
    if (c->scn[1]) {
        g_string_append(s, "\nwhat nvme-pi recorded (the buffer read again "
                           "by the device's DMA-timing hooks):\n");
        for (unsigned k = 0; k < nk; k++) {
            const Kernel *ker = g_ptr_array_index(c->kernels, k);
            Row *row = &rows[k * NMODELS + 1];
            g_autofree char *d = device_text(&row->g);
            g_string_append_printf(s, "  %-14s %s\n", ker->spec, d);
            if (row->first_event) {
                g_autofree char *e = event_text(row->first_event);
                g_string_append_printf(s, "  %-14s first: %s\n", "", e);
            }
        }
    }
    for (unsigned k = 0; k < nk; k++) {
        for (unsigned m = 0; m < NMODELS; m++) {
            const ReproRun *fr = rows[k * NMODELS + m].first_repro;
            if (!fr) {
                continue;
            }
            const Kernel *ker = g_ptr_array_index(c->kernels, k);
            g_string_append_printf(s, "\nfirst evidence, %s on %s, run %u:\n",
                                   ker->spec, scn_model_name(model_order[m]),
                                   fr->index);
            for (unsigned i = 0; fr->signs && fr->signs[i]; i++) {
                g_string_append_printf(s, "  %s\n", fr->signs[i]);
            }
            for (unsigned i = 0; fr->evidence && fr->evidence[i]; i++) {
                g_string_append_printf(s, "  | %s\n", fr->evidence[i]);
            }
        }
    }
    if (bundle) {
        g_string_append_printf(s, "\nreplay: pit replay %s\n", bundle);
    }
    return g_string_free(s, FALSE);
}

/* ---- the manifest ----------------------------------------------------------- */

static char *capture(const char *const *argv)
{
    g_autoptr(GError) e = NULL;
    char *out = pit_run_capture(argv, &e);

    return out ? out : g_strdup("unknown");
}

/* The -device arguments of a run's qemu.cmdline. */
static void add_devices(JsonBuilder *b, const char *dir)
{
    g_autofree char *cl = read_text(dir, "qemu.cmdline");
    g_auto(GStrv) argv = NULL;

    json_builder_begin_array(b);
    if (cl && g_shell_parse_argv(cl, NULL, &argv, NULL)) {
        for (unsigned i = 0; argv[i] && argv[i + 1]; i++) {
            if (!strcmp(argv[i], "-device")) {
                json_builder_add_string_value(b, argv[i + 1]);
            }
        }
    }
    json_builder_end_array(b);
}

static void manifest_reproducer(JsonBuilder *b, const Campaign *c,
                                const Reproducer *r)
{
    g_autofree char *in = g_path_get_basename(r->input);

    json_builder_begin_object(b);
    pit_json_add_str(b, "name", r->name);
    pit_json_add_str(b, "kind", repro_kind_name(r->kind));
    pit_json_add_str(b, "input", in);
    pit_json_add_str(b, "sha256", r->sha256);
    pit_json_add_str(b, "run", r->run);
    pit_json_add_strv(b, "args", c->args);
    json_builder_set_member_name(b, "files");
    json_builder_begin_array(b);
    for (unsigned i = 0; i < r->files->len; i++) {
        const ReproFile *f = g_ptr_array_index(r->files, i);
        g_autofree char *sha = file_sha256(f->host);
        json_builder_begin_object(b);
        pit_json_add_str(b, "guest", f->guest);
        json_builder_set_member_name(b, "exec");
        json_builder_add_boolean_value(b, f->exec);
        pit_json_add_str(b, "sha256", sha);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_set_member_name(b, "libraries");
    json_builder_begin_array(b);
    for (unsigned i = 0; i < r->libs->len; i++) {
        json_builder_add_string_value(b, g_ptr_array_index(r->libs, i));
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
}

static void manifest_setup_options(JsonBuilder *b, const Campaign *c)
{
    json_builder_set_member_name(b, "setup");
    json_builder_begin_object(b);
    pit_json_add_str(b, "given", c->setup_given);
    pit_json_add_str(b, "kind", c->setup_is_scenario ? "scenario" : "words");
    pit_json_add_str(b, "file", "setup.ini");
    pit_json_add_str(b, "program_step", c->program_step);
    pit_json_add_int(b, "step", c->step);
    json_builder_end_object(b);

    json_builder_set_member_name(b, "options");
    json_builder_begin_object(b);
    pit_json_add_int(b, "runs", c->runs);
    pit_json_add_int(b, "until", c->until);
    pit_json_add_str(b, "match", c->match);
    pit_json_add_int(b, "timeout", c->timeout);
    pit_json_add_str(b, "accel", c->base.accel);
    json_builder_set_member_name(b, "models");
    json_builder_begin_array(b);
    for (unsigned m = 0; m < NMODELS; m++) {
        if (c->scn[m]) {
            json_builder_add_string_value(b, scn_model_name(model_order[m]));
        }
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
}

/* Each kernel; a build: kernel's series and configuration go along. */
static bool manifest_kernels(JsonBuilder *b, const Campaign *c,
                             const char *stage, GError **error)
{
    json_builder_begin_array(b);
    for (unsigned k = 0; k < c->kernels->len; k++) {
        const Kernel *ker = g_ptr_array_index(c->kernels, k);
        json_builder_begin_object(b);
        pit_json_add_str(b, "spec", ker->spec);
        pit_json_add_str(b, "label", ker->label);
        pit_json_add_str(b, "version", ker->version);
        pit_json_add_str(b, "vmlinuz_sha256",
                         g_ptr_array_index(c->kernel_sha, k));
        if (!bundle_add_kernel_build(b, ker, stage, error)) {
            return false;
        }
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    return true;
}

static void manifest_qemu(JsonBuilder *b, const Campaign *c)
{
    const char *src = pit_srcdir();
    const char *git_head[] = { "git", "-C", src, "rev-parse", "HEAD", NULL };
    const char *git_dirty[] = { "git",         "-C", src,          "status",
                                "--porcelain", "--", "hw/nvme-pi", NULL };
    const char *qv[] = { c->base.qemu, "--version", NULL };
    g_autofree char *head = capture(git_head), *dirty = capture(git_dirty);
    g_autofree char *qver = capture(qv);
    g_autofree char *q1 = g_strndup(qver, strcspn(qver, "\n"));

    json_builder_begin_object(b);
    pit_json_add_str(b, "version", q1);
    pit_json_add_str(b, "nvme_pi_commit", head);
    json_builder_set_member_name(b, "nvme_pi_dirty");
    json_builder_add_boolean_value(b, strcmp(dirty, "") != 0 &&
                                          strcmp(dirty, "unknown") != 0);
    json_builder_set_member_name(b, "devices");
    json_builder_begin_object(b);
    for (unsigned m = 0; m < NMODELS; m++) {
        for (unsigned i = 0; i < c->log->len; i++) {
            const ReproRun *rr = g_ptr_array_index(c->log, i);
            if (rr->model == m) {
                json_builder_set_member_name(b, scn_model_name(model_order[m]));
                add_devices(b, rr->dir);
                break;
            }
        }
    }
    json_builder_end_object(b);
    json_builder_end_object(b);
}

/* An object of the runs or summary array, opened: its kernel and model. */
static void begin_row(JsonBuilder *b, const Campaign *c, unsigned kernel,
                      unsigned model)
{
    json_builder_begin_object(b);
    pit_json_add_str(b, "kernel",
                     ((Kernel *)g_ptr_array_index(c->kernels, kernel))->spec);
    pit_json_add_str(b, "model", scn_model_name(model_order[model]));
}

static void manifest_runs(JsonBuilder *b, const Campaign *c)
{
    json_builder_begin_array(b);
    for (unsigned i = 0; i < c->log->len; i++) {
        const ReproRun *rr = g_ptr_array_index(c->log, i);
        const Kernel *ker = g_ptr_array_index(c->kernels, rr->kernel);
        g_autofree char *rel =
            g_strdup_printf("runs/%s/%s/%u", ker->label,
                            scn_model_name(model_order[rr->model]), rr->index);
        begin_row(b, c, rr->kernel, rr->model);
        pit_json_add_int(b, "index", rr->index);
        pit_json_add_int(b, "seed", (gint64)rr->seed);
        pit_json_add_str(b, "state", repro_state_name(rr->state));
        pit_json_add_strv(b, "signs", rr->signs);
        pit_json_add_str(b, "error", rr->error);
        pit_json_add_num(b, "first_sign_s", rr->first_sign_s);
        pit_json_add_int(b, "mutations", (gint64)rr->mutations);
        pit_json_add_str(b, "dir", rel);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
}

static void manifest_summary(JsonBuilder *b, const Campaign *c, Row *rows)
{
    json_builder_begin_array(b);
    for (unsigned k = 0; k < c->kernels->len; k++) {
        for (unsigned m = 0; m < NMODELS; m++) {
            const ReproGroup *g = &rows[k * NMODELS + m].g;
            if (!c->scn[m] || !g->runs) {
                continue;
            }
            ReproInterval ci = repro_wilson(g->reproduced, g->answered);
            g_autofree char *lbas = repro_lba_ranges(g->lbas, 32);
            begin_row(b, c, k, m);
            pit_json_add_int(b, "runs", g->runs);
            pit_json_add_int(b, "answered", g->answered);
            pit_json_add_int(b, "reproduced", g->reproduced);
            pit_json_add_int(b, "errors", g->errors);
            pit_json_add_num(b, "ci_low", ci.lo);
            pit_json_add_num(b, "ci_high", ci.hi);
            pit_json_add_num(b, "median_first_sign_s",
                             repro_median((const double *)g->first_sign_s->data,
                                          g->first_sign_s->len));
            pit_json_add_str(b, "reliability",
                             repro_reliability_name(repro_reliability(
                                 g->reproduced, g->answered)));
            pit_json_add_int(b, "mutations", (gint64)g->mutations);
            pit_json_add_str(b, "lbas", lbas);
            json_builder_end_object(b);
        }
    }
    json_builder_end_array(b);
}

/* The manifest (docs/repro.md "The bundle"); kernel inputs go to `stage`. */
static JsonNode *manifest(const Campaign *c, const Reproducer *r, Row *rows,
                          const char *stage, GError **error)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *stamp = g_date_time_format_iso8601(now);

    json_builder_begin_object(b);
    pit_json_add_str(b, "format", BUNDLE_FORMAT);
    pit_json_add_int(b, "version", BUNDLE_VERSION);
    pit_json_add_str(b, "created", stamp);
    json_builder_set_member_name(b, "reproducer");
    manifest_reproducer(b, c, r);
    manifest_setup_options(b, c);
    json_builder_set_member_name(b, "kernels");
    if (!manifest_kernels(b, c, stage, error)) {
        return NULL;
    }
    json_builder_set_member_name(b, "qemu");
    manifest_qemu(b, c);
    json_builder_set_member_name(b, "runs");
    manifest_runs(b, c);
    json_builder_set_member_name(b, "summary");
    manifest_summary(b, c, rows);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

static bool remove_tree(const char *dir, GError **error)
{
    const char *rm[] = { "rm", "-rf", dir, NULL };

    return g_spawn_sync(NULL, (char **)rm, NULL, G_SPAWN_SEARCH_PATH, NULL,
                        NULL, NULL, NULL, NULL, error);
}

/* Stage every file of the bundle and pack it. */
static bool write_bundle(const Campaign *c, const Reproducer *r, Row *rows,
                         const char *report, const char *tarball,
                         GError **error)
{
    g_autofree char *stage = g_build_filename(c->out, BUNDLE_TOP, NULL);
    g_autoptr(JsonNode) m = manifest(c, r, rows, stage, error);
    static const char *const run_files[] = {
        "console.log",    "dmesg",
        "guest.json",     "verdict.json",
        "judgement.json", "mutations.jsonl",
        "qemu.cmdline",   "job",
        "qemu.log",       NULL
    };
    g_autofree char *in = g_path_get_basename(r->input);
    g_autofree char *in_rel = g_build_filename("input", in, NULL);

    if (!m || !bundle_add_text(stage, "setup.ini", c->setup_ini, error) ||
        !bundle_add_text(stage, "report.txt", report, error) ||
        !bundle_add_file(stage, r->input, in_rel, error)) {
        return false;
    }
    for (unsigned i = 0; i < r->files->len; i++) {
        const ReproFile *f = g_ptr_array_index(r->files, i);
        g_autofree char *rel = g_build_filename("guest", f->guest, NULL);
        if (!bundle_add_file(stage, f->host, rel, error)) {
            return false;
        }
    }
    for (unsigned i = 0; i < c->log->len; i++) {
        const ReproRun *rr = g_ptr_array_index(c->log, i);
        const Kernel *ker = g_ptr_array_index(c->kernels, rr->kernel);
        for (unsigned f = 0; run_files[f]; f++) {
            g_autofree char *host =
                g_build_filename(rr->dir, run_files[f], NULL);
            g_autofree char *rel =
                g_strdup_printf("runs/%s/%s/%u/%s", ker->label,
                                scn_model_name(model_order[rr->model]),
                                rr->index, run_files[f]);
            if (g_file_test(host, G_FILE_TEST_IS_REGULAR) &&
                !bundle_add_file(stage, host, rel, error)) {
                return false;
            }
        }
    }
    if (!bundle_pack(stage, m, tarball, error)) {
        return false;
    }
    /* the manifest stays beside the tarball; the staged copy goes */
    g_autofree char *mp = g_build_filename(stage, "manifest.json", NULL);
    g_autofree char *keep = g_build_filename(c->out, "manifest.json", NULL);
    if (rename(mp, keep) < 0) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_FAILED, "cannot move %s: %s",
                    mp, g_strerror(errno));
        return false;
    }
    return remove_tree(stage, error);
}

/* ---- shared by repro and replay ------------------------------------- */

typedef struct Common {
    char *accel_mode, *qemu, *out, *model;
} Common;

static bool models_wanted(const char *model, bool want[NMODELS])
{
    want[0] = want[1] = true;
    if (!model || !strcmp(model, "both")) {
        return true;
    }
    if (!strcmp(model, "nvme")) {
        want[1] = false;
    } else if (!strcmp(model, "nvme-pi")) {
        want[0] = false;
    } else {
        fprintf(stderr, "pit: --model must be nvme, nvme-pi or both\n");
        return false;
    }
    return true;
}

/* The output dir and the run log; QEMU is looked for by finish_kernels. */
static int start_campaign(Campaign *c, const Common *o, const char *what)
{
    if (o->accel_mode && strcmp(o->accel_mode, "auto") &&
        strcmp(o->accel_mode, "kvm") && strcmp(o->accel_mode, "tcg")) {
        fprintf(stderr, "pit: --accel must be auto, kvm or tcg\n");
        return PIT_EXIT_INPUT;
    }
    g_autofree char *out = o->out ? g_strdup(o->out) : default_out(what);
    c->out = g_canonicalize_filename(out, NULL);
    c->base.qemu = o->qemu ? o->qemu : pit_qemu_binary();
    c->log = g_ptr_array_new_with_free_func(repro_run_free);
    return PIT_EXIT_OK;
}

static int finish_kernels(Campaign *c, const Common *o, char **specs,
                          GBytes *files)
{
    g_autoptr(GError) e = NULL;

    if (!g_file_test(c->base.qemu, G_FILE_TEST_IS_EXECUTABLE)) {
        fprintf(stderr,
                "pit: QEMU not found at %s: build it with 'make qemu' or "
                "pass --qemu PATH\n",
                c->base.qemu);
        return PIT_EXIT_DEPENDENCY;
    }
    procs_install_signal_handlers();
    if (!prepare_kernels(c, specs, files, &e)) {
        fprintf(stderr, "pit: %s\n", e->message);
        return e->domain == PIT_ERROR && (e->code == PIT_ERROR_DEPENDENCY ||
                                          e->code == PIT_ERROR_NOT_IMPLEMENTED)
                   ? PIT_EXIT_DEPENDENCY
                   : PIT_EXIT_INPUT;
    }
    c->base.accel = accel_choose(
        o->accel_mode ? o->accel_mode : "auto", c->base.qemu,
        ((Kernel *)g_ptr_array_index(c->kernels, 0))->vmlinuz, &c->accel_why);
    c->base.boot_slack_s = run_boot_slack(c->base.accel);
    printf("accel   %s\nout     %s\n\n", c->accel_why, c->out);
    return PIT_EXIT_OK;
}

/* Say why the command stops, free the campaign, return `rc`. */
static int give_up(Campaign *c, const char *what, const char *prefix,
                   const GError *e, int rc)
{
    fprintf(stderr, "%s: %s%s\n", what, prefix, e->message);
    campaign_clear(c);
    return rc;
}

/* Free the campaign; pit's exit status for what its runs gave. */
static int end_campaign(Campaign *c)
{
    unsigned errors = 0;

    for (unsigned i = 0; i < c->log->len; i++) {
        errors +=
            ((ReproRun *)g_ptr_array_index(c->log, i))->state == REPRO_ERROR;
    }
    campaign_clear(c);
    if (procs_interrupted()) {
        fprintf(stderr, "pit: interrupted; no QEMU left running\n");
        return PIT_EXIT_INTERRUPTED;
    }
    return errors ? PIT_EXIT_UNEXPECTED : PIT_EXIT_OK;
}

/* Split argv at "--": GOption must not see the program's arguments. */
static char **split_args(int *argc, char **argv)
{
    for (int i = 1; i < *argc; i++) {
        if (!strcmp(argv[i], "--")) {
            char **rest = g_strdupv(argv + i + 1);
            argv[i] = NULL;
            *argc = i;
            return rest;
        }
    }
    return g_new0(char *, 1);
}

/* The old summary row of (kernel, model) from the manifest. */
static char *old_cell(JsonObject *m, const char *kernel, const char *model)
{
    JsonArray *a = json_object_get_array_member(m, "summary");

    for (guint i = 0; a && i < json_array_get_length(a); i++) {
        JsonObject *s = json_array_get_object_element(a, i);
        if (!g_strcmp0(pit_json_string(s, "kernel"), kernel) &&
            !g_strcmp0(pit_json_string(s, "model"), model)) {
            unsigned k = json_object_get_int_member(s, "reproduced");
            unsigned n = json_object_get_int_member(s, "answered");
            unsigned err = json_object_get_int_member(s, "errors");
            g_autofree char *rate = repro_rate_text(k, n);
            return err ? g_strdup_printf("%s (+%u errors)", rate, err)
                       : g_strdup(rate);
        }
    }
    return g_strdup("-");
}

/* replay: the bundle's rate and the new one per (kernel, model). */
static void replay_table(GString *s, const Campaign *c, Row *rows,
                         JsonObject *old, const char *bundle)
{
    g_string_append_printf(s, "\npit replay of %s\n\n  %-14s %-8s %-34s %s\n",
                           bundle, "kernel", "model", "bundle", "now");
    for (unsigned k = 0; k < c->kernels->len; k++) {
        const Kernel *ker = g_ptr_array_index(c->kernels, k);
        for (unsigned m = 0; m < NMODELS; m++) {
            if (!c->scn[m]) {
                continue;
            }
            const ReproGroup *g = &rows[k * NMODELS + m].g;
            g_autofree char *was =
                old_cell(old, ker->spec, scn_model_name(model_order[m]));
            g_autofree char *now = repro_rate_text(g->reproduced, g->answered);
            g_string_append_printf(s, "  %-14s %-8s %-34s %s%s\n", ker->spec,
                                   scn_model_name(model_order[m]), was, now,
                                   g->errors ? " (+errors)" : "");
        }
    }
}

/*
 * Write report.txt (for a replay, after the old and new rates side by
 * side) and the bundle, print the report, end the campaign; pit's exit
 * status.
 */
static int write_results(Campaign *c, const Reproducer *r, const char *what,
                         JsonObject *old, const char *bundle)
{
    unsigned nk = c->kernels->len;
    g_autofree Row *rows = g_new0(Row, nk * NMODELS);
    g_autofree char *tarball =
        g_strdup_printf("%s/repro-bundle.tar.gz", c->out);
    g_autofree char *rp = g_build_filename(c->out, "report.txt", NULL);
    g_autofree char *report = NULL;
    g_autoptr(GString) s = g_string_new(NULL);
    g_autoptr(GError) e = NULL;
    int rc = PIT_EXIT_OK;

    rows_fill(c, c->log, rows, nk);
    if (old) {
        replay_table(s, c, rows, old, bundle);
    }
    report = report_text(c, r, tarball, rows);
    g_string_append_printf(s, "\n%s", report);
    printf("%s", s->str);
    if (!pit_write_file(rp, s->str + 1, -1, &e) ||
        !write_bundle(c, r, rows, s->str + 1, tarball, &e)) {
        fprintf(stderr, "pit %s: cannot write the results: %s\n", what,
                e->message);
        rc = PIT_EXIT_UNEXPECTED;
    } else {
        printf("\nreport  %s\nbundle  %s\n", rp, tarball);
    }
    rows_clear(rows, nk * NMODELS);
    int runs_rc = end_campaign(c);
    return rc ? rc : runs_rc;
}

/* ---- pit repro -------------------------------------------------------- */

int repro_cmd(int argc, char **argv)
{
    g_auto(GStrv) kernels = NULL, add = NULL;
    g_autofree char *seed_s = NULL, *match = NULL;
    Common o = { 0 };
    int runs = 5, until = 0, timeout = 0;
    GOptionEntry entries[] = {
        { "kernel", 'k', 0, G_OPTION_ARG_STRING_ARRAY, &kernels,
          "kernel to boot (repeatable): debian:VER, file:PATH[,modules=DIR]",
          "SPEC" },
        { "runs", 'n', 0, G_OPTION_ARG_INT, &runs,
          "runs per (kernel, device model) (default 5)", "N" },
        { "until", 0, 0, G_OPTION_ARG_INT, &until,
          "stop a (kernel, model) after K reproductions", "K" },
        { "model", 0, 0, G_OPTION_ARG_STRING, &o.model,
          "both (default), nvme (QEMU's) or nvme-pi", "MODEL" },
        { "match", 0, 0, G_OPTION_ARG_STRING, &match,
          "a console line after the program started that matches REGEX is a "
          "sign too",
          "REGEX" },
        { "add", 'a', 0, G_OPTION_ARG_FILENAME_ARRAY, &add,
          "put FILE beside the reproducer in the guest (repeatable)", "FILE" },
        { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_s,
          "run i uses seed S+i-1 (default: random)", "S" },
        { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout,
          "guest job timeout in seconds (default 300, or the scenario's)",
          "S" },
        { "accel", 0, 0, G_OPTION_ARG_STRING, &o.accel_mode,
          "auto (default), kvm or tcg", "MODE" },
        { "qemu", 0, 0, G_OPTION_ARG_FILENAME, &o.qemu,
          "QEMU binary (default: build/qemu/qemu-system-x86_64)", "PATH" },
        { "out", 'o', 0, G_OPTION_ARG_FILENAME, &o.out,
          "results directory (default build/pit/repro-<timestamp>)", "DIR" },
        G_OPTION_ENTRY_NULL
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("REPRO [SETUP] --kernel SPEC... [-- ARGS]");
    g_autoptr(GError) e = NULL;
    g_autoptr(Reproducer) r = NULL;
    g_autoptr(GBytes) files = NULL;
    Campaign c = { 0 };
    bool want[NMODELS];
    guint64 seed;
    int rc;
    g_auto(GStrv) args = split_args(&argc, argv);

    g_option_context_set_summary(
        ctx,
        "Does a bug report's program reproduce, how often, on which kernels?\n"
        "REPRO: a C file (compiled here, static), a program or a shell "
        "script.\nSETUP: a scenario, or words: pi (default), plain, xfs, "
        "btrfs, ext4,\nraid1[:N], raid5[:N], skip_copy, size=SIZE, delay=NS "
        "(docs/repro.md).\nEach run is a fresh VM, on QEMU's nvme and on "
        "nvme-pi side by side;\nthe report and a replayable bundle are "
        "written to --out.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &e)) {
        fprintf(stderr, "pit repro: %s\n", e->message);
        return PIT_EXIT_INPUT;
    }
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "pit repro: give REPRO and at most one SETUP (see "
                        "pit repro --help); program arguments go after --\n");
        return PIT_EXIT_INPUT;
    }
    if (!kernels || !kernels[0]) {
        fprintf(stderr, "pit repro: give at least one --kernel SPEC (e.g. "
                        "--kernel debian:7.2)\n");
        return PIT_EXIT_INPUT;
    }
    if (runs < 1 || runs > 1000 || until < 0 || timeout < 0 ||
        (timeout && timeout < 10)) {
        fprintf(stderr, "pit repro: --runs must be 1..1000, --until >= 0, "
                        "--timeout >= 10\n");
        return PIT_EXIT_INPUT;
    }
    if (!models_wanted(o.model, want)) {
        return PIT_EXIT_INPUT;
    }
    if (seed_s) {
        char *end;
        seed = g_ascii_strtoull(seed_s, &end, 0);
        if (*end || !*seed_s) {
            fprintf(stderr, "pit repro: --seed '%s' is not a number\n", seed_s);
            return PIT_EXIT_INPUT;
        }
    } else {
        seed = (((guint64)g_random_int() << 32) | g_random_int()) &
               G_MAXINT64 >> 8;
    }
    c.runs = runs;
    c.until = until;
    c.timeout = timeout; /* 0: the scenario's, or 300 for words */
    c.args = g_steal_pointer(&args);
    c.setup_given = g_strdup(argc == 3 ? argv[2] : "pi");
    if (match) {
        c.re = g_regex_new(match, G_REGEX_OPTIMIZE, 0, &e);
        if (!c.re) {
            fprintf(stderr, "pit repro: --match: %s\n", e->message);
            campaign_clear(&c);
            return PIT_EXIT_INPUT;
        }
        c.match = g_strdup(match);
    }
    rc = start_campaign(&c, &o, "repro");
    if (rc) {
        campaign_clear(&c);
        return rc;
    }
    /* the input first: a bad one boots nothing and fetches nothing */
    g_autofree char *work = g_build_filename(c.out, "program", NULL);
    r = repro_prepare(argv[1], add, work, &e);
    if (!r) {
        fprintf(stderr, "pit repro: %s\n", e->message);
        campaign_clear(&c);
        return e->code == PIT_ERROR_FAILED ? PIT_EXIT_DEPENDENCY
                                           : PIT_EXIT_INPUT;
    }
    printf("program %s (%s) runs as %s\n", r->name, repro_kind_name(r->kind),
           r->run);
    if (!load_setup(&c, &e)) {
        return give_up(&c, "pit repro", "", e, PIT_EXIT_INPUT);
    }
    {
        g_autoptr(Scenario) probe =
            scenario_parse(c.setup_given, c.setup_ini, strlen(c.setup_ini), &e);
        if (!probe) {
            fprintf(stderr, "pit repro: %s\n", e->message);
            campaign_clear(&c);
            return PIT_EXIT_INPUT;
        }
        g_autofree char *dev =
            repro_setup_dev(probe, c.setup_is_scenario ? NULL : c.setup_given);
        c.program_step = repro_program_step(
            r->run, (const char *const *)c.args, dev,
            c.setup_is_scenario ? NULL : repro_setup_mnt(c.setup_given));
    }
    if (!make_scenarios(&c, want, &e)) {
        return give_up(&c, "pit repro", "", e, PIT_EXIT_INPUT);
    }
    printf("setup   %s%s; the program is step %u\n", c.setup_given,
           c.setup_is_scenario ? " (scenario)" : "", c.step);
    files = repro_cpio(r, &e);
    if (!files) {
        return give_up(&c, "pit repro", "", e, PIT_EXIT_INPUT);
    }
    rc = finish_kernels(&c, &o, kernels, files);
    if (rc) {
        campaign_clear(&c);
        return rc;
    }

    unsigned nk = c.kernels->len, n = 0;
    unsigned total = nk * c.runs * (want[0] + want[1]);
    g_autofree unsigned *hits = g_new0(unsigned, nk *NMODELS);
    for (unsigned k = 0; k < nk && !procs_interrupted(); k++) {
        for (unsigned i = 1; i <= c.runs && !procs_interrupted(); i++) {
            for (unsigned m = 0; m < NMODELS && !procs_interrupted(); m++) {
                if (!c.scn[m] ||
                    (c.until && hits[k * NMODELS + m] >= c.until)) {
                    continue;
                }
                ReproRun *rr = do_run(&c, k, m, i, seed + i - 1, ++n, total);
                hits[k * NMODELS + m] += rr->state == REPRO_REPRODUCED;
            }
        }
    }

    return write_results(&c, r, "repro", NULL, NULL);
}

/* ---- pit replay -------------------------------------------------------- */

/* The reproducer exactly as it ran: the bundle's guest files. */
static Reproducer *bundled_reproducer(const char *top, JsonObject *m,
                                      GError **error)
{
    JsonObject *ro = pit_json_object(m, "reproducer");
    JsonArray *fa = json_object_get_array_member(ro, "files");
    Reproducer *r = repro_new();
    const char *kind = pit_json_string(ro, "kind");
    const char *in = pit_json_string(ro, "input");

    r->name = g_strdup(pit_json_string(ro, "name"));
    r->run = g_strdup(pit_json_string(ro, "run"));
    r->sha256 = g_strdup(pit_json_string(ro, "sha256"));
    r->input = g_build_filename(top, "input", in ? in : "", NULL);
    r->kind = !g_strcmp0(kind, "c")         ? REPRO_KIND_C
              : !g_strcmp0(kind, "dynamic") ? REPRO_KIND_DYNAMIC
              : !g_strcmp0(kind, "script")  ? REPRO_KIND_SCRIPT
                                            : REPRO_KIND_STATIC;
    for (guint i = 0; i < json_array_get_length(fa); i++) {
        JsonObject *f = json_array_get_object_element(fa, i);
        const char *guest = pit_json_string(f, "guest");
        if (!guest || strstr(guest, "..") || *guest == '/') {
            g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                        "bundle: file %u of the reproducer has no usable "
                        "name: the bundle is damaged",
                        i + 1);
            repro_free(r);
            return NULL;
        }
        g_autofree char *host = g_build_filename(top, "guest", guest, NULL);
        if (!g_file_test(host, G_FILE_TEST_IS_REGULAR)) {
            g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                        "bundle: guest/%s is missing: the bundle is damaged",
                        guest);
            repro_free(r);
            return NULL;
        }
        repro_add_file(r, host, guest,
                       json_object_get_boolean_member(f, "exec"));
    }
    return r;
}

/* Is the kernel now the bundle's?  Says so in a note line when not. */
static void kernel_note(const Kernel *k, const char *sha, JsonObject *ko)
{
    const char *was = pit_json_string(ko, "vmlinuz_sha256");
    g_autofree char *cfg_was = bundle_config_sha256(ko);

    if (cfg_was) {
        /* a rebuilt kernel's image differs anyway (build time stamps) */
        g_autofree char *cfg_now = bundle_kernel_config_sha256(k);
        printf("note    kernel %s rebuilt at %.12s (the bundle's was "
               "%.12s); its .config is %s\n",
               k->spec, k->commit ? k->commit : "?",
               pit_json_string(pit_json_object(ko, "build"), "commit"),
               !g_strcmp0(cfg_was, cfg_now) ? "the same"
                                            : "DIFFERENT from the bundle's");
    } else if (g_strcmp0(was, sha)) {
        printf("note    kernel %s differs from the bundle's: was %s "
               "(sha256 %.16s...), now %s (%.16s...)\n",
               k->spec, pit_json_string(ko, "version"), was ? was : "?",
               k->version, sha);
    }
}

/*
 * Resolve the bundle's kernels (a build: kernel is rebuilt from its
 * tree, commit, series and configuration), and note where a kernel or
 * QEMU is not the one the bundle's runs had.
 */
static int replay_kernels(Campaign *c, const Common *o, JsonObject *m,
                          const char *top, GBytes *files)
{
    JsonArray *ka = pit_json_array(m, "kernels");
    guint nk = ka ? json_array_get_length(ka) : 0;
    g_autoptr(GPtrArray) specs = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) e = NULL;
    int rc;

    c->bundle_specs = g_new0(char *, nk + 1);
    c->bundle_labels = g_new0(char *, nk + 1);
    for (guint i = 0; i < nk; i++) {
        JsonObject *ko = json_array_get_object_element(ka, i);
        char *spec = bundle_kernel_spec(ko, top, &e);
        if (!spec) {
            fprintf(stderr, "pit replay: %s\n", e->message);
            return e->code == PIT_ERROR_DEPENDENCY ? PIT_EXIT_DEPENDENCY
                                                   : PIT_EXIT_INPUT;
        }
        g_ptr_array_add(specs, spec);
        c->bundle_specs[i] = g_strdup(pit_json_string(ko, "spec"));
        c->bundle_labels[i] = g_strdup(pit_json_string(ko, "label"));
        if (!c->bundle_labels[i]) {
            c->bundle_labels[i] = g_strdup_printf("kernel-%u", i + 1);
        }
    }
    g_ptr_array_add(specs, NULL);
    rc = finish_kernels(c, o, (char **)specs->pdata, files);
    if (rc) {
        return rc;
    }
    for (guint i = 0; i < nk; i++) {
        kernel_note(g_ptr_array_index(c->kernels, i),
                    g_ptr_array_index(c->kernel_sha, i),
                    json_array_get_object_element(ka, i));
    }
    const char *qv[] = { c->base.qemu, "--version", NULL };
    g_autofree char *v = capture(qv);
    g_autofree char *v1 = g_strndup(v, strcspn(v, "\n"));
    const char *was = pit_json_string(pit_json_object(m, "qemu"), "version");
    if (g_strcmp0(was, v1)) {
        printf("note    QEMU differs: was '%s', now '%s'\n", was, v1);
    }
    return PIT_EXIT_OK;
}

int replay_cmd(int argc, char **argv)
{
    Common o = { 0 };
    GOptionEntry entries[] = {
        { "model", 0, 0, G_OPTION_ARG_STRING, &o.model,
          "replay only these runs: nvme, nvme-pi or both (default)", "MODEL" },
        { "accel", 0, 0, G_OPTION_ARG_STRING, &o.accel_mode,
          "auto (default), kvm or tcg", "MODE" },
        { "qemu", 0, 0, G_OPTION_ARG_FILENAME, &o.qemu,
          "QEMU binary (default: build/qemu/qemu-system-x86_64)", "PATH" },
        { "out", 'o', 0, G_OPTION_ARG_FILENAME, &o.out,
          "results directory (default build/pit/replay-<timestamp>)", "DIR" },
        G_OPTION_ENTRY_NULL
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("BUNDLE");
    g_autoptr(GError) e = NULL;
    g_autoptr(JsonNode) mn = NULL;
    g_autoptr(Reproducer) r = NULL;
    g_autoptr(GBytes) files = NULL;
    g_autofree char *top = NULL, *unpack = NULL;
    Campaign c = { 0 };
    bool want[NMODELS];
    int rc;

    g_option_context_set_summary(
        ctx, "Run a repro bundle's runs again -- same reproducer, setup, "
             "kernels and seeds --\nand print the bundle's rates and the new "
             "ones side by side.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &e)) {
        fprintf(stderr, "pit replay: %s\n", e->message);
        return PIT_EXIT_INPUT;
    }
    if (argc != 2) {
        fprintf(stderr, "pit replay: give one BUNDLE (a .tar.gz from pit "
                        "repro)\n");
        return PIT_EXIT_INPUT;
    }
    if (!models_wanted(o.model, want)) {
        return PIT_EXIT_INPUT;
    }
    /* the bundle is checked before QEMU or a kernel is looked at */
    unpack = g_dir_make_tmp("pit-replay-XXXXXX", &e);
    if (!unpack) {
        fprintf(stderr, "pit replay: %s\n", e->message);
        return PIT_EXIT_DEPENDENCY;
    }
    top = bundle_unpack(argv[1], unpack, &mn, &e);
    if (!top) {
        fprintf(stderr, "pit replay: %s\n", e->message);
        remove_tree(unpack, NULL);
        return PIT_EXIT_INPUT;
    }
    JsonObject *m = json_node_get_object(mn);
    JsonObject *setup = pit_json_object(m, "setup");
    JsonObject *opts = pit_json_object(m, "options");
    r = bundled_reproducer(top, m, &e);
    rc = r ? start_campaign(&c, &o, "replay") : PIT_EXIT_INPUT;
    if (rc) {
        if (!r) {
            fprintf(stderr, "pit replay: %s\n", e->message);
        }
        remove_tree(unpack, NULL);
        campaign_clear(&c);
        return rc;
    }
    {
        /* keep the unpacked bundle with the new results */
        g_autofree char *dst = g_build_filename(c.out, "bundle-in", NULL);
        g_mkdir_with_parents(c.out, 0755);
        if (rename(unpack, dst) == 0) {
            g_free(top);
            top = g_build_filename(dst, BUNDLE_TOP, NULL);
            for (unsigned i = 0; i < r->files->len; i++) {
                ReproFile *f = g_ptr_array_index(r->files, i);
                g_free(f->host);
                f->host = g_build_filename(top, "guest", f->guest, NULL);
            }
            g_free(r->input);
            r->input = g_build_filename(
                top, "input",
                pit_json_string(pit_json_object(m, "reproducer"), "input"),
                NULL);
        }
    }
    g_autofree char *setup_path = g_build_filename(top, "setup.ini", NULL);
    if (!g_file_get_contents(setup_path, &c.setup_ini, NULL, &e)) {
        return give_up(&c, "pit replay", "bundle: ", e, PIT_EXIT_INPUT);
    }
    c.setup_given = g_strdup(pit_json_string(setup, "given"));
    c.setup_is_scenario =
        !g_strcmp0(pit_json_string(setup, "kind"), "scenario");
    c.program_step = g_strdup(pit_json_string(setup, "program_step"));
    c.runs = opts ? json_object_get_int_member(opts, "runs") : 0;
    c.until = opts ? json_object_get_int_member(opts, "until") : 0;
    c.timeout = opts ? json_object_get_int_member(opts, "timeout") : 0;
    if (opts && pit_json_string(opts, "match")) {
        c.match = g_strdup(pit_json_string(opts, "match"));
        c.re = g_regex_new(c.match, G_REGEX_OPTIMIZE, 0, NULL);
    }
    {
        JsonArray *ra = json_object_get_array_member(
            pit_json_object(m, "reproducer"), "args");
        GPtrArray *a = g_ptr_array_new();
        for (guint i = 0; ra && i < json_array_get_length(ra); i++) {
            g_ptr_array_add(a, g_strdup(json_array_get_string_element(ra, i)));
        }
        g_ptr_array_add(a, NULL);
        c.args = (char **)g_ptr_array_free(a, FALSE);
    }
    if (!c.setup_given || !c.program_step) {
        fprintf(stderr,
                "pit replay: %s: the setup in manifest.json is "
                "incomplete: the bundle is damaged\n",
                argv[1]);
        campaign_clear(&c);
        return PIT_EXIT_INPUT;
    }
    /* which models the bundle ran, narrowed by --model */
    JsonArray *ma = opts ? json_object_get_array_member(opts, "models") : NULL;
    bool had[NMODELS] = { false, false };
    for (guint i = 0; ma && i < json_array_get_length(ma); i++) {
        const char *mm = json_array_get_string_element(ma, i);
        had[0] |= !g_strcmp0(mm, "nvme");
        had[1] |= !g_strcmp0(mm, "nvme-pi");
    }
    want[0] &= had[0];
    want[1] &= had[1];
    if (!want[0] && !want[1]) {
        fprintf(stderr, "pit replay: the bundle has no runs on --model %s\n",
                o.model);
        campaign_clear(&c);
        return PIT_EXIT_INPUT;
    }
    if (!make_scenarios(&c, want, &e)) {
        return give_up(&c, "pit replay", "bundle setup.ini: ", e,
                       PIT_EXIT_INPUT);
    }
    files = repro_cpio(r, &e);
    if (!files) {
        return give_up(&c, "pit replay", "", e, PIT_EXIT_INPUT);
    }
    printf("bundle  %s (made %s)\nprogram %s runs as %s\n", argv[1],
           pit_json_string(m, "created"), r->name, r->run);

    rc = replay_kernels(&c, &o, m, top, files);
    if (rc) {
        campaign_clear(&c);
        return rc;
    }

    JsonArray *runs = json_object_get_array_member(m, "runs");
    unsigned total = 0, n = 0;
    for (guint i = 0; i < json_array_get_length(runs); i++) {
        JsonObject *ro = json_array_get_object_element(runs, i);
        const char *mm = pit_json_string(ro, "model");
        total += (!g_strcmp0(mm, "nvme") && want[0]) ||
                 (!g_strcmp0(mm, "nvme-pi") && want[1]);
    }
    for (guint i = 0; i < json_array_get_length(runs) && !procs_interrupted();
         i++) {
        JsonObject *ro = json_array_get_object_element(runs, i);
        const char *mm = pit_json_string(ro, "model");
        const char *ks = pit_json_string(ro, "kernel");
        unsigned mi = !g_strcmp0(mm, "nvme-pi") ? 1 : 0, ki = 0;
        if (!want[mi] || (g_strcmp0(mm, "nvme") && g_strcmp0(mm, "nvme-pi"))) {
            continue;
        }
        while (
            ki < c.kernels->len &&
            g_strcmp0(((Kernel *)g_ptr_array_index(c.kernels, ki))->spec, ks)) {
            ki++;
        }
        if (ki == c.kernels->len) {
            continue;
        }
        do_run(&c, ki, mi, json_object_get_int_member(ro, "index"),
               (guint64)json_object_get_int_member(ro, "seed"), ++n, total);
    }

    return write_results(&c, r, "replay", m, argv[1]);
}
