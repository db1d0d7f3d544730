/*
 * repro-verdict.c - the reproduction rule of `pit repro` (pure).
 *
 * The kernel-log and check evidence is verdict.c's: the facts are
 * classified by verdict_classify() as for any scenario, with the parts
 * that mean something else here taken out first -- a failing program is
 * a sign, not "a step failed without evidence", and the device's count
 * of in-flight changes is the trigger, reported beside the rate, never a
 * sign by itself.  What verdict.c calls ERROR but is a sign here: a
 * kernel crash, and a WARN in the log.
 */
#include "repro-verdict.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

G_GNUC_PRINTF(2, 3)
static void sign(ReproJudgement *j, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_ptr_array_add(j->signs, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}

static void program_sign(ReproJudgement *j, int rc)
{
    if (rc > 128 && rc < 128 + 65) {
        sign(j, "program killed by signal %d", rc - 128);
    } else {
        sign(j, "program exited %d", rc);
    }
}

void repro_judge(const RunFacts *f, const ReproObs *o, ReproJudgement *out)
{
    out->signs = g_ptr_array_new_with_free_func(g_free);
    out->state = REPRO_ERROR;
    out->error = NULL;

    if (f->panic_title && !o->crash_after_start) {
        out->error = g_strdup_printf("kernel crashed before the program "
                                     "started: %s",
                                     f->panic_title);
        return;
    }
    if (f->panic_title) {
        sign(out, "kernel crash: %s%s%s", f->panic_title,
             f->panic_frame ? " in " : "",
             f->panic_frame ? f->panic_frame : "");
    }
    if (f->have_result) {
        RunFacts e = *f;
        VerdictResult v = { 0 };

        /* only the evidence: verdict.c's other rules do not apply here */
        e.status = "ok";
        e.steps_failed = 0;
        e.dev_mutations = 0;
        e.panic_title = NULL;
        verdict_classify(&e, &v);
        if (v.verdict == VERDICT_FAIL) {
            for (unsigned i = 0; i < v.reasons->len; i++) {
                g_ptr_array_add(out->signs,
                                g_strdup(g_ptr_array_index(v.reasons, i)));
            }
        } else if (v.verdict == VERDICT_ERROR) {
            /* Oops / BUG / KASAN: verdict.c stops at them */
            for (unsigned i = 0; i < v.reasons->len; i++) {
                g_ptr_array_add(out->signs,
                                g_strdup(g_ptr_array_index(v.reasons, i)));
            }
        }
        verdict_result_clear(&v);
        if (o->warns_after_start) {
            sign(out, "%u WARNING in dmesg", o->warns_after_start);
        }
        if (o->program_ran && o->program_rc != 0 &&
            o->program_rc != REPRO_RC_WATCHDOG) {
            program_sign(out, o->program_rc);
        }
    }
    if (o->match_line) {
        sign(out, "--match: %s", o->match_line);
    }
    if (out->signs->len) {
        out->state = REPRO_REPRODUCED;
        return;
    }
    /* No sign: a "no" only counts when the program ran to its end. */
    if (!f->have_result) {
        out->error = g_strdup(
            f->qemu_failed_to_start ? "QEMU did not start"
            : f->timed_out          ? (f->booted ? "guest hung (no result)"
                                                 : "boot hung (/init never ran)")
            : f->qemu_crashed       ? "QEMU crashed before a result"
            : f->result_cut         ? "the guest's result was cut short"
            : f->booted             ? "guest ended without a result"
                                    : "boot failed: /init never ran");
        return;
    }
    if (f->status && !strcmp(f->status, "timeout") && o->program_ran &&
        o->program_rc == REPRO_RC_WATCHDOG) {
        out->error = g_strdup("program still running at the job timeout "
                              "(give --timeout)");
        return;
    }
    if (f->status && strcmp(f->status, "ok") && strcmp(f->status, "timeout")) {
        out->error =
            g_strdup_printf("guest status %s%s%s", f->status,
                            f->error ? ": " : "", f->error ? f->error : "");
        return;
    }
    if (!o->program_ran) {
        out->error = g_strdup("the program did not run");
        return;
    }
    out->state = REPRO_NOT_REPRODUCED;
}

void repro_judgement_clear(ReproJudgement *j)
{
    if (j->signs) {
        g_ptr_array_free(j->signs, TRUE);
    }
    g_free(j->error);
    memset(j, 0, sizeof(*j));
}

const char *repro_state_name(ReproState s)
{
    static const char *const names[] = { "not reproduced", "reproduced",
                                         "error" };

    return names[s];
}

/* "[   12.345678] text" -> text, and the time; *t = NAN without a stamp. */
static const char *split_stamp(const char *l, double *t)
{
    const char *p = l;

    *t = NAN;
    while (*p == '\r') {
        p++;
    }
    if (*p == '[') {
        char *end;
        double v = g_ascii_strtod(p + 1 + strspn(p + 1, " "), &end);
        if (end != p + 1 && *end == ']') {
            *t = v;
            p = end + 1;
            while (*p == ' ') {
                p++;
            }
        }
    }
    return p;
}

static bool ours(const char *text)
{
    return g_str_has_prefix(text, "nvme-pi: ");
}

unsigned repro_warns_after(const char *console, const char *run_id,
                           unsigned step)
{
    g_auto(GStrv) lines = g_strsplit(console ? console : "", "\n", -1);
    g_autofree char *begin =
        g_strdup_printf("nvme-pi: run %s step %u begin", run_id, step);
    bool started = false;
    unsigned n = 0;

    for (unsigned i = 0; lines[i]; i++) {
        double t;
        const char *text = split_stamp(lines[i], &t);
        if (!started) {
            started = g_str_has_prefix(text, begin);
        } else if (g_str_has_prefix(text, "WARNING:")) {
            n++;
        }
    }
    return n;
}

bool repro_step_started(const char *console, const char *run_id, unsigned step)
{
    g_auto(GStrv) lines = g_strsplit(console ? console : "", "\n", -1);
    g_autofree char *begin =
        g_strdup_printf("nvme-pi: run %s step %u begin", run_id, step);

    for (unsigned i = 0; lines[i]; i++) {
        double t;
        if (g_str_has_prefix(split_stamp(lines[i], &t), begin)) {
            return true;
        }
    }
    return false;
}

/*
 * The same line but for trailing blanks: the console loses them (and
 * gains a '\r'), the guest's record of the kernel log keeps them
 * ("... I/O Error (sct 0x2 / sc 0x82) ").
 */
static bool same_text(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);

    while (la && g_ascii_isspace(a[la - 1])) {
        la--;
    }
    while (lb && g_ascii_isspace(b[lb - 1])) {
        lb--;
    }
    return la == lb && !memcmp(a, b, la);
}

/* Is `text` (a console line without its stamp) a sign line? */
static bool sign_line(const char *text, const char *const *classified,
                      const GRegex *re)
{
    if (!*text || ours(text)) {
        return false;
    }
    for (unsigned c = 0; classified && classified[c]; c++) {
        if (same_text(text, classified[c])) {
            return true;
        }
    }
    return re && g_regex_match(re, text, 0, NULL);
}

/*
 * Call `fn` with each sign line after the step's begin marker (and its
 * end marker when `program_failed`), its time since the begin marker
 * (NAN without stamps) and `data`, until `fn` returns false.
 */
typedef bool (*SignLineFn)(double since, const char *text, void *data);

static void scan_signs(const char *console, const char *run_id, unsigned step,
                       const char *const *classified, const GRegex *re,
                       bool program_failed, SignLineFn fn, void *data)
{
    g_auto(GStrv) lines = g_strsplit(console ? console : "", "\n", -1);
    g_autofree char *begin =
        g_strdup_printf("nvme-pi: run %s step %u begin", run_id, step);
    g_autofree char *end =
        g_strdup_printf("nvme-pi: run %s step %u end rc=", run_id, step);
    double t0 = NAN, last = NAN;
    bool started = false;

    for (unsigned i = 0; lines[i]; i++) {
        double t;
        g_strchomp(lines[i]);
        const char *text = split_stamp(lines[i], &t);
        if (!isnan(t)) {
            last = t;
        }
        if (!started) {
            started = g_str_has_prefix(text, begin);
            t0 = t;
            continue;
        }
        bool hit = ours(text) ? program_failed && g_str_has_prefix(text, end)
                              : sign_line(text, classified, re);
        if (hit && !fn(last - t0, text, data)) {
            return;
        }
    }
}

static bool match_fn(double since, const char *text, void *data)
{
    (void)since;
    *(char **)data = g_strdup(text);
    return false;
}

char *repro_match_first(const char *console, const char *run_id, unsigned step,
                        const GRegex *re)
{
    char *line = NULL;

    scan_signs(console, run_id, step, NULL, re, false, match_fn, &line);
    return line;
}

typedef struct FirstSign {
    double t;
    char *line;
} FirstSign;

static bool first_sign_fn(double since, const char *text, void *data)
{
    FirstSign *fs = data;

    if (isnan(since)) {
        return true; /* no stamp yet: keep looking for a timed one */
    }
    fs->t = since;
    fs->line = g_strdup(text);
    return false;
}

double repro_first_sign_time(const char *console, const char *run_id,
                             unsigned step, const char *const *classified,
                             const GRegex *re, bool program_failed,
                             char **line_out)
{
    FirstSign fs = { NAN, NULL };

    scan_signs(console, run_id, step, classified, re, program_failed,
               first_sign_fn, &fs);
    if (line_out) {
        *line_out = fs.line;
    } else {
        g_free(fs.line);
    }
    return fs.t;
}

typedef struct Evidence {
    GPtrArray *lines;
    unsigned max;
} Evidence;

static bool evidence_fn(double since, const char *text, void *data)
{
    Evidence *ev = data;

    g_ptr_array_add(
        ev->lines, isnan(since) ? g_strdup(text)
                                : g_strdup_printf("[+%.2f s] %s", since, text));
    return ev->lines->len < ev->max;
}

char **repro_evidence(const char *console, const char *run_id, unsigned step,
                      const char *const *classified, const GRegex *re,
                      unsigned max)
{
    Evidence ev = { g_ptr_array_new(), max };

    if (max) {
        scan_signs(console, run_id, step, classified, re, false, evidence_fn,
                   &ev);
    }
    g_ptr_array_add(ev.lines, NULL);
    return (char **)g_ptr_array_free(ev.lines, FALSE);
}
