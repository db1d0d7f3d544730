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
#include <unistd.h>

static bool tty(void)
{
    return isatty(STDOUT_FILENO);
}

void report_progress_start(const char *kernel, const char *scenario,
                           unsigned repeat, unsigned total)
{
    if (tty()) {
        printf("  %-14s %-26s #%u/%u  running...", kernel, scenario, repeat,
               total);
        fflush(stdout);
    }
}

void report_progress_end(const RunRecord *r)
{
    if (tty()) {
        printf("\r\033[K");
    }
    printf("  %-14s %-26s #%u  %-5s %-14s %5.1fs  %s\n", r->kernel_label,
           r->scenario, r->repeat, verdict_name(r->verdict),
           outcome_name(r->outcome), r->seconds,
           r->reasons[0] ? r->reasons[0] : "");
    /* All of them: the last ones say what the device saw. */
    for (unsigned i = 1; r->reasons[i]; i++) {
        printf("  %61s %s\n", "", r->reasons[i]);
    }
    fflush(stdout);
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
