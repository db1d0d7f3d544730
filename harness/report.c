/*
 * report.c - progress, matrix and machine-readable reports.
 *
 * A cell that saw several repeats says how many of each verdict it saw
 * (syzkaller's honesty about flaky reproducers): "FAIL 3/5" is not
 * rounded to FAIL.
 */
#include "report.h"
#include "util.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct Progress {
    bool tty;
    GPtrArray *running; /* "kernel/scenario#repeat" of every running run */
    unsigned done, total;
};

Progress *progress_new(void)
{
    Progress *p = g_new0(Progress, 1);

    p->tty = isatty(STDOUT_FILENO);
    p->running = g_ptr_array_new_with_free_func(g_free);
    return p;
}

void progress_free(Progress *p)
{
    if (p) {
        g_ptr_array_unref(p->running);
        g_free(p);
    }
}

static unsigned columns(void)
{
    struct winsize ws;

    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) {
        return ws.ws_col;
    }
    return 80;
}

/* The live line: "[2/12] running debian-6.1/raw-pi-dio#1, ..." */
static void draw_status(const Progress *p)
{
    g_autoptr(GString) l = g_string_new(NULL);
    unsigned w = columns() - 1;

    if (!p->tty || !p->running->len) {
        return;
    }
    g_string_printf(l, "  [%u/%u] running", p->done, p->total);
    for (unsigned i = 0; i < p->running->len; i++) {
        g_string_append_printf(l, "%s %s", i ? "," : "",
                               (char *)g_ptr_array_index(p->running, i));
    }
    if (l->len > w) {
        g_string_truncate(l, w - 3);
        g_string_append(l, "...");
    }
    printf("%s", l->str);
    fflush(stdout);
}

static void clear_status(const Progress *p)
{
    if (p->tty) {
        printf("\r\033[K");
    }
}

static void on_started(const ExecRun *r, unsigned running, unsigned done,
                       unsigned total, void *data)
{
    Progress *p = data;

    (void)running;
    p->done = done;
    p->total = total;
    g_ptr_array_add(p->running, g_strdup_printf("%s/%s#%u", r->kernel_label,
                                                r->scenario, r->repeat));
    clear_status(p);
    draw_status(p);
}

void report_run_line(const RunRecord *r)
{
    printf("  %-14s %-26s #%u  %-5s %-14s %5.1fs  %s\n", r->kernel_label,
           r->scenario, r->repeat, verdict_name(r->verdict),
           outcome_name(r->outcome), r->seconds,
           r->reasons[0] ? r->reasons[0] : "");
    /* All of them: the last ones say what the device saw. */
    for (unsigned i = 1; r->reasons[i]; i++) {
        printf("  %61s %s\n", "", r->reasons[i]);
    }
}

static void on_finished(const RunRecord *r, unsigned running, unsigned done,
                        unsigned total, void *data)
{
    Progress *p = data;
    g_autofree char *key =
        g_strdup_printf("%s/%s#%u", r->kernel_label, r->scenario, r->repeat);

    (void)running;
    p->done = done;
    p->total = total;
    for (unsigned i = 0; i < p->running->len; i++) {
        if (!strcmp(g_ptr_array_index(p->running, i), key)) {
            g_ptr_array_remove_index(p->running, i);
            break;
        }
    }
    clear_status(p);
    report_run_line(r);
    draw_status(p);
    fflush(stdout);
}

ExecCallbacks progress_callbacks(Progress *p)
{
    ExecCallbacks cb = { on_started, on_finished, p };

    return cb;
}

typedef struct Cell {
    unsigned n[3]; /* by Verdict */
    unsigned unexpected;
    unsigned total;
    Outcome outcome; /* the worst seen */
} Cell;

static char *cell_text(const Cell *c)
{
    if (!c->total) {
        return g_strdup("-");
    }
    for (int v = 0; v < 3; v++) {
        if (c->n[v] == c->total) {
            if (c->total == 1) {
                return g_strdup_printf("%s %s", verdict_name(v),
                                       c->outcome == OUTCOME_AS_EXPECTED
                                           ? "(as expected)"
                                           : outcome_name(c->outcome));
            }
            return g_strdup_printf(
                "%s %u/%u %s", verdict_name(v), c->n[v], c->total,
                c->outcome == OUTCOME_AS_EXPECTED ? "(as expected)"
                                                  : outcome_name(c->outcome));
        }
    }
    return g_strdup_printf("FLAKY P%u F%u E%u %s", c->n[0], c->n[1], c->n[2],
                           outcome_name(c->outcome));
}

unsigned report_matrix(GPtrArray *records, char **kernels, char **scenarios)
{
    unsigned nk = g_strv_length(kernels), ns = g_strv_length(scenarios);
    g_autofree Cell *cells = g_new0(Cell, nk * ns);
    unsigned bad = 0;
    int w = 24;

    for (unsigned i = 0; i < records->len; i++) {
        RunRecord *r = g_ptr_array_index(records, i);
        for (unsigned k = 0; k < nk; k++) {
            for (unsigned s = 0; s < ns; s++) {
                if (strcmp(kernels[k], r->kernel_spec) ||
                    strcmp(scenarios[s], r->scenario)) {
                    continue;
                }
                Cell *c = &cells[s * nk + k];
                c->n[r->verdict]++;
                c->total++;
                if (outcome_is_unexpected(r->outcome)) {
                    c->unexpected++;
                    if (c->outcome == OUTCOME_AS_EXPECTED ||
                        r->outcome == OUTCOME_ERROR) {
                        c->outcome = r->outcome;
                    }
                }
            }
        }
    }
    printf("\n%-26s", "scenario");
    for (unsigned k = 0; k < nk; k++) {
        printf(" %-*s", w, kernels[k]);
    }
    printf("\n");
    for (unsigned s = 0; s < ns; s++) {
        printf("%-26s", scenarios[s]);
        for (unsigned k = 0; k < nk; k++) {
            g_autofree char *t = cell_text(&cells[s * nk + k]);
            printf(" %-*s", w, t);
            bad += cells[s * nk + k].unexpected > 0;
        }
        printf("\n");
    }
    return bad;
}

static void add_str(JsonBuilder *b, const char *k, const char *v)
{
    json_builder_set_member_name(b, k);
    json_builder_add_string_value(b, v);
}

gboolean report_write_summary(const char *out, GPtrArray *records,
                              const char *accel_why, GError **error)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonGenerator) g = json_generator_new();
    g_autoptr(JsonNode) root = NULL;
    g_autofree char *text = NULL, *path = NULL;
    unsigned unexpected = 0;

    json_builder_begin_object(b);
    add_str(b, "tool", "pit");
    add_str(b, "accel", accel_why);
    json_builder_set_member_name(b, "runs");
    json_builder_begin_array(b);
    for (unsigned i = 0; i < records->len; i++) {
        RunRecord *r = g_ptr_array_index(records, i);
        json_builder_begin_object(b);
        add_str(b, "kernel", r->kernel_spec);
        add_str(b, "kernel_version", r->kernel_version);
        add_str(b, "scenario", r->scenario);
        json_builder_set_member_name(b, "repeat");
        json_builder_add_int_value(b, r->repeat);
        json_builder_set_member_name(b, "seed");
        json_builder_add_int_value(b, (gint64)r->seed);
        add_str(b, "verdict", verdict_name(r->verdict));
        add_str(b, "expected", scn_outcome_name(r->expected));
        add_str(b, "outcome", outcome_name(r->outcome));
        json_builder_set_member_name(b, "reasons");
        json_builder_begin_array(b);
        for (unsigned j = 0; r->reasons[j]; j++) {
            json_builder_add_string_value(b, r->reasons[j]);
        }
        json_builder_end_array(b);
        json_builder_set_member_name(b, "seconds");
        json_builder_add_double_value(b, r->seconds);
        add_str(b, "dir", r->dir);
        json_builder_end_object(b);
        unexpected += outcome_is_unexpected(r->outcome);
    }
    json_builder_end_array(b);
    json_builder_set_member_name(b, "unexpected");
    json_builder_add_int_value(b, unexpected);
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    json_generator_set_root(g, root);
    json_generator_set_pretty(g, TRUE);
    text = json_generator_to_data(g, NULL);
    path = g_build_filename(out, "summary.json", NULL);
    return pit_write_file(path, text, -1, error);
}

gboolean report_write_junit(const char *out, GPtrArray *records, GError **error)
{
    g_autoptr(GString) x =
        g_string_new("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    g_autofree char *path = g_build_filename(out, "junit.xml", NULL);
    unsigned fails = 0, errors = 0;
    double secs = 0;

    for (unsigned i = 0; i < records->len; i++) {
        RunRecord *r = g_ptr_array_index(records, i);
        fails += r->outcome == OUTCOME_REGRESSION ||
                 r->outcome == OUTCOME_FIXED ||
                 r->outcome == OUTCOME_NO_EXPECTATION;
        errors += r->outcome == OUTCOME_ERROR;
        secs += r->seconds;
    }
    g_string_append_printf(x,
                           "<testsuite name=\"pit\" tests=\"%u\" "
                           "failures=\"%u\" errors=\"%u\" time=\"%.1f\">\n",
                           records->len, fails, errors, secs);
    for (unsigned i = 0; i < records->len; i++) {
        RunRecord *r = g_ptr_array_index(records, i);
        g_autofree char *reasons = g_strjoinv("; ", r->reasons);
        g_autofree char *er = g_markup_escape_text(reasons, -1);
        g_autofree char *ek = g_markup_escape_text(r->kernel_spec, -1);
        g_autofree char *es = g_markup_escape_text(r->scenario, -1);
        g_string_append_printf(x,
                               "  <testcase classname=\"%s\" name=\"%s#%u\" "
                               "time=\"%.1f\">",
                               ek, es, r->repeat, r->seconds);
        if (r->outcome == OUTCOME_ERROR) {
            g_string_append_printf(x, "<error message=\"%s\"/>", er);
        } else if (outcome_is_unexpected(r->outcome)) {
            g_string_append_printf(x, "<failure message=\"%s: %s\"/>",
                                   outcome_name(r->outcome), er);
        }
        g_string_append_printf(x,
                               "<system-out>verdict %s, expected %s: %s "
                               "(%s)</system-out></testcase>\n",
                               verdict_name(r->verdict),
                               scn_outcome_name(r->expected), er, r->dir);
    }
    g_string_append(x, "</testsuite>\n");
    return pit_write_file(path, x->str, x->len, error);
}
