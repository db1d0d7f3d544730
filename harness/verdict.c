/*
 * verdict.c - verdict rules and console crash parsing (pure: no I/O).
 *
 * Order matters: an interrupted run is ERROR "interrupted" whatever it
 * showed until then; a run that never produced a result is ERROR
 * whatever else we saw, because "no failure seen" from a half-run
 * proves nothing;
 * a kernel crash is ERROR too (the report shows its title and frame).
 * Any evidence of the bug class (PI/guard errors, EILSEQ/EIO, csum
 * failures, md mismatches, an unclean fs check, silent corruption) is
 * FAIL; a failing step with no such evidence is ERROR (setup broke).
 */
#include "verdict.h"
#include "pit-defs.h"

#include <inttypes.h>
#include <string.h>

G_GNUC_PRINTF(2, 3)
static void reason(VerdictResult *r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_ptr_array_add(r->reasons, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}

static void count(VerdictResult *r, uint64_t n, const char *what)
{
    if (n) {
        reason(r, "%" G_GUINT64_FORMAT " %s", n, what);
    }
}

void verdict_classify(const RunFacts *f, VerdictResult *out)
{
    out->reasons = g_ptr_array_new_with_free_func(g_free);
    out->verdict = VERDICT_ERROR;

    if (f->interrupted) {
        reason(out, "interrupted");
        return;
    }
    if (f->qemu_failed_to_start) {
        reason(out, "QEMU did not start");
        return;
    }
    if (f->panic_title) {
        reason(out, "kernel crash: %s", f->panic_title);
        if (f->panic_frame) {
            reason(out, "in %s", f->panic_frame);
        }
        return;
    }
    if (!f->have_result) {
        if (f->timed_out) {
            reason(out, f->booted ? "guest hung (host timeout, no result)"
                                  : "boot hung (host timeout, /init never "
                                    "ran)");
        } else if (f->qemu_crashed) {
            reason(out, "QEMU crashed (%s %d) before a result",
                   f->qemu_exit < 0 ? "signal" : "exit",
                   f->qemu_exit < 0 ? -f->qemu_exit : f->qemu_exit);
        } else if (f->result_cut) {
            reason(out,
                   "the guest's result was cut short (%" PRIu64 " bytes "
                   "after " PIT_RESULT_BEGIN ", no " PIT_RESULT_END ")",
                   f->result_cut);
        } else {
            reason(out, f->booted ? "guest ended without a result"
                                  : "boot failed: /init never ran");
        }
        return;
    }
    if (f->status && strcmp(f->status, "ok")) {
        reason(out, "guest status %s%s%s", f->status, f->error ? ": " : "",
               f->error ? f->error : "");
        return;
    }
    if (f->dmesg_oops || f->dmesg_bug || f->dmesg_kasan) {
        count(out, f->dmesg_oops, "Oops in dmesg");
        count(out, f->dmesg_bug, "BUG in dmesg");
        count(out, f->dmesg_kasan, "KASAN reports");
        return;
    }

    count(out, f->dio_silent_mismatch, "blocks silently corrupted");
    count(out, f->dio_neither, "blocks holding no submitted version");
    count(out, f->dio_write_eilseq, "writes failed EILSEQ");
    count(out, f->dio_write_eio, "writes failed EIO");
    count(out, f->dio_write_other, "writes failed (other errno)");
    count(out, f->dio_read_eilseq, "reads failed EILSEQ");
    count(out, f->dio_read_eio, "reads failed EIO");
    count(out, f->dio_read_other, "reads failed (other errno)");
    count(out, f->dmesg_protection, "protection errors in dmesg");
    count(out, f->dmesg_btrfs_csum, "btrfs csum failures");
    count(out, f->dmesg_nvme, "nvme errors in dmesg");
    count(out, f->dmesg_io, "I/O errors in dmesg");
    count(out, f->md_mismatch, "md mismatch_cnt");
    count(out, f->raid1_same_write,
          "RAID1 blocks whose legs hold one write in different bytes");
    count(out, f->fs_unclean, "unclean filesystem checks");
    count(out, f->dev_pi_errors, "PI check errors seen by the device");
    if (out->reasons->len) {
        out->verdict = VERDICT_FAIL;
        count(out, f->dev_mutations, "in-flight buffer changes recorded");
        return;
    }
    if (f->steps_failed) {
        reason(out,
               "%" G_GUINT64_FORMAT " step(s) failed with no I/O error "
               "evidence (first: %s)",
               f->steps_failed,
               f->first_failed_step ? f->first_failed_step : "?");
        return;
    }
    out->verdict = VERDICT_PASS;
    count(out, f->dev_mutations, "in-flight buffer changes recorded");
}

void run_facts_add_evidence(RunFacts *sum, const RunFacts *f)
{
    sum->steps_failed += f->steps_failed;
    if (!sum->first_failed_step) {
        sum->first_failed_step = f->first_failed_step;
    }
    sum->dio_write_eilseq += f->dio_write_eilseq;
    sum->dio_write_eio += f->dio_write_eio;
    sum->dio_write_other += f->dio_write_other;
    sum->dio_read_eilseq += f->dio_read_eilseq;
    sum->dio_read_eio += f->dio_read_eio;
    sum->dio_read_other += f->dio_read_other;
    sum->dio_silent_mismatch += f->dio_silent_mismatch;
    sum->dio_neither += f->dio_neither;
    sum->dmesg_protection += f->dmesg_protection;
    sum->dmesg_nvme += f->dmesg_nvme;
    sum->dmesg_io += f->dmesg_io;
    sum->dmesg_btrfs_csum += f->dmesg_btrfs_csum;
    sum->dmesg_oops += f->dmesg_oops;
    sum->dmesg_bug += f->dmesg_bug;
    sum->dmesg_kasan += f->dmesg_kasan;
    sum->dmesg_warn += f->dmesg_warn;
    sum->md_mismatch += f->md_mismatch;
    sum->raid1_same_write += f->raid1_same_write;
    sum->fs_unclean += f->fs_unclean;
    sum->dev_pi_errors += f->dev_pi_errors;
    sum->dev_mutations += f->dev_mutations;
}

void verdict_result_clear(VerdictResult *r)
{
    if (r->reasons) {
        g_ptr_array_free(r->reasons, TRUE);
        r->reasons = NULL;
    }
}

Outcome verdict_compare(Verdict got, ScnOutcome expected)
{
    if (got == VERDICT_ERROR) {
        return OUTCOME_ERROR;
    }
    if (expected == SCN_EXPECT_NONE) {
        return OUTCOME_NO_EXPECTATION;
    }
    if (expected == SCN_EXPECT_PASS) {
        return got == VERDICT_PASS ? OUTCOME_AS_EXPECTED : OUTCOME_REGRESSION;
    }
    return got == VERDICT_FAIL ? OUTCOME_AS_EXPECTED : OUTCOME_FIXED;
}

const char *verdict_name(Verdict v)
{
    static const char *const names[] = { "PASS", "FAIL", "ERROR" };

    return names[v];
}

const char *outcome_name(Outcome o)
{
    static const char *const names[] = { "as expected", "REGRESSION", "FIXED?",
                                         "ERROR", "no expectation" };

    return names[o];
}

bool outcome_is_unexpected(Outcome o)
{
    return o != OUTCOME_AS_EXPECTED;
}

/* Frames that are the crash machinery, not the culprit. */
static bool frame_is_machinery(const char *fn)
{
    static const char *const skip[] = { "dump_stack",
                                        "dump_stack_lvl",
                                        "panic",
                                        "__warn",
                                        "warn_slowpath",
                                        "report_bug",
                                        "handle_bug",
                                        "exc_invalid_op",
                                        "asm_exc_",
                                        "do_error_trap",
                                        "die",
                                        "__die",
                                        "oops_end",
                                        "do_trap",
                                        "no_context",
                                        "page_fault_oops",
                                        "kernelmode_fixup_or_oops",
                                        "__bad_area_nosemaphore",
                                        "bad_area_nosemaphore",
                                        "do_user_addr_fault",
                                        "exc_page_fault",
                                        "show_regs",
                                        "sysrq_handle_crash",
                                        "__handle_sysrq",
                                        "write_sysrq_trigger",
                                        "kasan_report",
                                        "print_report",
                                        "__asan_",
                                        "check_panic_on_warn",
                                        "vpanic",
                                        "nmi_panic",
                                        "do_exit",
                                        "make_task_dead",
                                        "rewind_stack_and_make_dead",
                                        "ret_from_fork",
                                        "ret_from_fork_asm",
                                        "entry_SYSCALL_64",
                                        "do_syscall_64",
                                        "x64_sys_call",
                                        NULL };

    for (unsigned i = 0; skip[i]; i++) {
        size_t n = strlen(skip[i]);
        if (!strncmp(fn, skip[i], n) &&
            (skip[i][n - 1] == '_' || fn[n] == '+' || fn[n] == '\0' ||
             fn[n] == '.')) {
            return true;
        }
    }
    return false;
}

/* "[   1.23] foo" -> "foo"; also drops "CPU: 0 PID: 1" style prefixes. */
static const char *strip_stamp(const char *l)
{
    while (*l == ' ' || *l == '<') {
        l = *l == '<' && strchr(l, '>') ? strchr(l, '>') + 1 : l + 1;
    }
    if (*l == '[') {
        const char *e = strchr(l, ']');
        if (e) {
            l = e + 1;
            while (*l == ' ') {
                l++;
            }
        }
    }
    return l;
}

/* The function of a trace line: " ? foo+0x1/0x2 [mod]" -> "foo+0x1/0x2". */
static char *frame_of(const char *l)
{
    const char *p = l;
    size_t n;

    while (*p == ' ' || *p == '\t') {
        p++;
    }
    if (*p == '?') {
        return NULL; /* unreliable frame */
    }
    n = strcspn(p, " \t\r");
    if (!n || !memchr(p, '+', n) || !memchr(p, '/', n)) {
        return NULL;
    }
    return g_strndup(p, n);
}

bool panic_parse(const char *log, char **title, char **frame)
{
    static const char *const titles[] = {
        PIT_PANIC_TITLE ":", "BUG: ",     "Oops: ",  "general protection fault",
        "kernel BUG at",     "WARNING: ", "UBSAN: ", NULL
    };
    g_auto(GStrv) lines = g_strsplit(log, "\n", -1);
    int first = -1, panic_line = -1;

    *title = NULL;
    *frame = NULL;
    for (int i = 0; lines[i]; i++) {
        const char *l = strip_stamp(lines[i]);
        g_strchomp(lines[i]);
        for (unsigned t = 0; titles[t]; t++) {
            if (g_str_has_prefix(l, titles[t])) {
                if (first < 0) {
                    first = i;
                }
                if (t == 0 && panic_line < 0) {
                    panic_line = i;
                }
            }
        }
    }
    if (panic_line < 0) {
        /* A WARNING alone is not a crash: only report what stopped it. */
        if (first < 0 ||
            g_str_has_prefix(strip_stamp(lines[first]), "WARNING: ")) {
            return false;
        }
    }
    /* The first report is the cause; the panic line is its consequence. */
    int at = first >= 0 ? first : panic_line;
    const char *t = strip_stamp(lines[at]);
    if (g_str_has_prefix(t, "WARNING: ") && panic_line >= 0 &&
        !strstr(strip_stamp(lines[panic_line]), "panic_on_warn")) {
        at = panic_line;
        t = strip_stamp(lines[at]);
    }
    *title = g_strdup(t);

    for (int i = at; lines[i] && !*frame; i++) {
        const char *l = strip_stamp(lines[i]);
        if (g_str_has_prefix(l, "RIP: ") && !strstr(l, "0033:")) {
            const char *fn = strchr(l + 5, ':');
            char *f = fn ? frame_of(fn + 1) : NULL;
            if (f && !frame_is_machinery(f)) {
                *frame = f;
            } else {
                g_free(f);
            }
            continue;
        }
        if (g_str_has_prefix(l, "Call Trace:")) {
            for (int j = i + 1; lines[j]; j++) {
                const char *fl = strip_stamp(lines[j]);
                if (*fl == '<' || !*fl) {
                    continue; /* <TASK>, <IRQ> markers */
                }
                char *f = frame_of(fl);
                if (!f) {
                    if (!strchr(fl, '+') && *fl != '?') {
                        break; /* end of the trace */
                    }
                    continue;
                }
                if (!frame_is_machinery(f)) {
                    *frame = f;
                    break;
                }
                g_free(f);
            }
            break;
        }
    }
    return true;
}
