/*
 * test-verdict.c - the verdict rules, the expectation comparison and the
 * console crash parser.
 */
#include "verdict.h"

#include <string.h>

static Verdict classify(const RunFacts *f, char **first_reason)
{
    VerdictResult r = { 0 };
    Verdict v;

    verdict_classify(f, &r);
    v = r.verdict;
    if (first_reason) {
        *first_reason =
            r.reasons->len ? g_strdup(g_ptr_array_index(r.reasons, 0)) : NULL;
    }
    verdict_result_clear(&r);
    return v;
}

static RunFacts ok_run(void)
{
    RunFacts f = { 0 };

    f.have_result = true;
    f.booted = true;
    f.status = "ok";
    return f;
}

static void test_pass(void)
{
    RunFacts f = ok_run();
    g_autofree char *why = NULL;

    g_assert_cmpint(classify(&f, &why), ==, VERDICT_PASS);
    g_assert_null(why);
}

/* Ctrl-C is ERROR "interrupted" whatever the half-run showed. */
static void test_interrupted(void)
{
    RunFacts f = ok_run();
    g_autofree char *why = NULL, *why2 = NULL;

    f.interrupted = true;
    f.dio_write_eilseq = 3;
    g_assert_cmpint(classify(&f, &why), ==, VERDICT_ERROR);
    g_assert_cmpstr(why, ==, "interrupted");
    f = (RunFacts){ .interrupted = true, .timed_out = true };
    g_assert_cmpint(classify(&f, &why2), ==, VERDICT_ERROR);
    g_assert_cmpstr(why2, ==, "interrupted");
}

static void test_fail_evidence(void)
{
    /* each kind of evidence alone makes a FAIL */
    size_t offs[] = {
        offsetof(RunFacts, dio_write_eilseq),
        offsetof(RunFacts, dio_write_eio),
        offsetof(RunFacts, dio_read_eilseq),
        offsetof(RunFacts, dio_read_eio),
        offsetof(RunFacts, dio_silent_mismatch),
        offsetof(RunFacts, dio_neither),
        offsetof(RunFacts, dmesg_protection),
        offsetof(RunFacts, dmesg_btrfs_csum),
        offsetof(RunFacts, md_mismatch),
        offsetof(RunFacts, raid1_same_write),
        offsetof(RunFacts, fs_unclean),
        offsetof(RunFacts, dev_pi_errors),
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(offs); i++) {
        RunFacts f = ok_run();
        *(uint64_t *)((char *)&f + offs[i]) = 3;
        g_assert_cmpint(classify(&f, NULL), ==, VERDICT_FAIL);
    }
    /* a failing step alongside evidence is still FAIL (dio-torture exit 1) */
    RunFacts f = ok_run();
    f.steps_failed = 1;
    f.dio_write_eilseq = 5;
    g_autofree char *why = NULL;
    g_assert_cmpint(classify(&f, &why), ==, VERDICT_FAIL);
    g_assert_cmpstr(why, ==, "5 writes failed EILSEQ");

    /* RAID1 legs holding one write in different bytes, from pit audit */
    RunFacts r1 = ok_run();
    g_autofree char *why1 = NULL;
    r1.raid1_same_write = 25;
    g_assert_cmpint(classify(&r1, &why1), ==, VERDICT_FAIL);
    g_assert_cmpstr(why1, ==,
                    "25 RAID1 blocks whose legs hold one write in different "
                    "bytes");
}

/* Recorded mutations are reported but never decide the verdict. */
static void test_mutations_reported(void)
{
    RunFacts f = ok_run();
    g_autofree char *why = NULL, *why2 = NULL;

    f.dev_mutations = 7;
    g_assert_cmpint(classify(&f, &why), ==, VERDICT_PASS);
    g_assert_cmpstr(why, ==, "7 in-flight buffer changes recorded");

    f.dio_write_eilseq = 2;
    g_assert_cmpint(classify(&f, &why2), ==, VERDICT_FAIL);
    g_assert_cmpstr(why2, ==, "2 writes failed EILSEQ");
}

static void test_errors(void)
{
    RunFacts f = { 0 };
    g_autofree char *w1 = NULL, *w2 = NULL, *w3 = NULL, *w4 = NULL, *w5 = NULL,
                    *w6 = NULL, *w7 = NULL, *w8 = NULL;

    f.qemu_failed_to_start = true;
    g_assert_cmpint(classify(&f, &w1), ==, VERDICT_ERROR);

    memset(&f, 0, sizeof(f));
    f.timed_out = true;
    g_assert_cmpint(classify(&f, &w2), ==, VERDICT_ERROR);
    g_assert_nonnull(strstr(w2, "boot hung"));

    memset(&f, 0, sizeof(f));
    f.qemu_crashed = true;
    f.qemu_exit = -11;
    f.booted = true;
    g_assert_cmpint(classify(&f, &w3), ==, VERDICT_ERROR);
    g_assert_cmpstr(w3, ==, "QEMU crashed (signal 11) before a result");

    /* a panic wins over everything, even a result full of failures */
    f = ok_run();
    f.dio_write_eio = 9;
    f.panic_title = "Kernel panic - not syncing: sysrq triggered crash";
    g_assert_cmpint(classify(&f, &w4), ==, VERDICT_ERROR);
    g_assert_nonnull(strstr(w4, "sysrq"));

    f = ok_run();
    f.status = "setup-error";
    f.error = "no namespace";
    g_assert_cmpint(classify(&f, &w5), ==, VERDICT_ERROR);
    g_assert_cmpstr(w5, ==, "guest status setup-error: no namespace");

    /* a step failing with no I/O evidence: setup broke, not the bug */
    f = ok_run();
    f.steps_failed = 1;
    f.first_failed_step = "mkfs.xfs";
    g_assert_cmpint(classify(&f, &w6), ==, VERDICT_ERROR);

    /* a result that began and never ended: said so, not "no result" */
    memset(&f, 0, sizeof(f));
    f.booted = true;
    g_assert_cmpint(classify(&f, &w7), ==, VERDICT_ERROR);
    g_assert_cmpstr(w7, ==, "guest ended without a result");
    f.result_cut = 5744;
    g_assert_cmpint(classify(&f, &w8), ==, VERDICT_ERROR);
    g_assert_cmpstr(w8, ==,
                    "the guest's result was cut short (5744 bytes after "
                    "NVMEPI-RESULT-BEGIN, no NVMEPI-RESULT-END)");

    f = ok_run();
    f.dmesg_oops = 1;
    g_assert_cmpint(classify(&f, NULL), ==, VERDICT_ERROR);
    f = ok_run();
    f.dmesg_warn = 1; /* a WARN alone does not decide */
    g_assert_cmpint(classify(&f, NULL), ==, VERDICT_PASS);
}

static void test_compare(void)
{
    g_assert_cmpint(verdict_compare(VERDICT_PASS, SCN_EXPECT_PASS), ==,
                    OUTCOME_AS_EXPECTED);
    g_assert_cmpint(verdict_compare(VERDICT_FAIL, SCN_EXPECT_FAIL), ==,
                    OUTCOME_AS_EXPECTED);
    g_assert_cmpint(verdict_compare(VERDICT_FAIL, SCN_EXPECT_PASS), ==,
                    OUTCOME_REGRESSION);
    g_assert_cmpint(verdict_compare(VERDICT_PASS, SCN_EXPECT_FAIL), ==,
                    OUTCOME_FIXED);
    g_assert_cmpint(verdict_compare(VERDICT_ERROR, SCN_EXPECT_PASS), ==,
                    OUTCOME_ERROR);
    g_assert_cmpint(verdict_compare(VERDICT_PASS, SCN_EXPECT_NONE), ==,
                    OUTCOME_NO_EXPECTATION);
    g_assert_cmpstr(outcome_name(OUTCOME_FIXED), ==, "FIXED?");
    g_assert_false(outcome_is_unexpected(OUTCOME_AS_EXPECTED));
    g_assert_true(outcome_is_unexpected(OUTCOME_REGRESSION));
}

static void test_panic_sysrq(void)
{
    const char *log =
        "[    5.1] nvme-pi: run x step 1 begin: echo c > /proc/sysrq-trigger\n"
        "[    5.2] sysrq: Trigger a crash\n"
        "[    5.2] Kernel panic - not syncing: sysrq triggered crash\r\n"
        "[    5.2] CPU: 0 PID: 180 Comm: sh Not tainted 6.1.0-50-amd64 #1\n"
        "[    5.2] Call Trace:\n"
        "[    5.2]  <TASK>\n"
        "[    5.2]  dump_stack_lvl+0x44/0x5c\n"
        "[    5.2]  panic+0x118/0x2ed\n"
        "[    5.2]  ? printk+0x58/0x73\n"
        "[    5.2]  sysrq_handle_crash+0x16/0x20\n"
        "[    5.2]  __handle_sysrq.cold+0x43/0x11b\n"
        "[    5.2]  write_sysrq_trigger+0x24/0x40\n"
        "[    5.2]  proc_reg_write+0x56/0xa0\n"
        "[    5.2]  vfs_write+0xb8/0x3a0\n"
        "[    5.2]  </TASK>\n";
    g_autofree char *title = NULL, *frame = NULL;

    g_assert_true(panic_parse(log, &title, &frame));
    g_assert_cmpstr(title, ==,
                    "Kernel panic - not syncing: sysrq triggered crash");
    g_assert_cmpstr(frame, ==, "proc_reg_write+0x56/0xa0");
}

static void test_panic_oops(void)
{
    const char *log = "[   9.0] BUG: kernel NULL pointer dereference, address: "
                      "0000000000000008\n"
                      "[   9.0] #PF: supervisor read access in kernel mode\n"
                      "[   9.0] Oops: 0000 [#1] PREEMPT SMP NOPTI\n"
                      "[   9.0] RIP: 0010:bio_integrity_prep+0x2a/0x300\n"
                      "[   9.0] Call Trace:\n"
                      "[   9.0]  <TASK>\n"
                      "[   9.0]  ? __die+0x20/0x70\n"
                      "[   9.0]  blk_mq_submit_bio+0x1a0/0x5e0\n"
                      "[   9.0] Kernel panic - not syncing: Fatal exception\n";
    g_autofree char *title = NULL, *frame = NULL;

    g_assert_true(panic_parse(log, &title, &frame));
    g_assert_cmpstr(title, ==,
                    "BUG: kernel NULL pointer dereference, "
                    "address: 0000000000000008");
    g_assert_cmpstr(frame, ==, "bio_integrity_prep+0x2a/0x300");
}

static void test_no_panic(void)
{
    g_autofree char *title = NULL, *frame = NULL;

    g_assert_false(panic_parse("[ 1.0] Linux version 6.1\n[ 2.0] WARNING: "
                               "CPU: 0 at foo\n",
                               &title, &frame));
    g_assert_null(title);
    g_assert_false(panic_parse("", &title, &frame));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/verdict/pass", test_pass);
    g_test_add_func("/verdict/interrupted", test_interrupted);
    g_test_add_func("/verdict/fail-evidence", test_fail_evidence);
    g_test_add_func("/verdict/mutations", test_mutations_reported);
    g_test_add_func("/verdict/errors", test_errors);
    g_test_add_func("/verdict/compare", test_compare);
    g_test_add_func("/verdict/panic-sysrq", test_panic_sysrq);
    g_test_add_func("/verdict/panic-oops", test_panic_oops);
    g_test_add_func("/verdict/no-panic", test_no_panic);
    return g_test_run();
}
