/*
 * test-repro-stats.c - pit repro's pure parts: the Wilson interval
 * against values computed by hand, the median, syzkaller's reliability
 * rule, the device record (LBAs from a mutation log), the reproduction
 * rule and the time to the first sign.
 */
#include "repro-stats.h"
#include "repro-verdict.h"

#include <math.h>
#include <string.h>

static void test_wilson(void)
{
    /* k, n, lo, hi: from the formula by hand (z = 1.959964) */
    static const struct {
        unsigned k, n;
        double lo, hi;
    } t[] = {
        { 3, 3, 0.43850, 1.0 },      { 0, 3, 0.0, 0.56150 },
        { 5, 10, 0.23659, 0.76341 }, { 1, 5, 0.03622, 0.62449 },
        { 10, 10, 0.72246, 1.0 },    { 0, 10, 0.0, 0.27754 },
        { 1, 1, 0.20654, 1.0 },
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(t); i++) {
        ReproInterval r = repro_wilson(t[i].k, t[i].n);
        g_assert_cmpfloat_with_epsilon(r.lo, t[i].lo, 1e-4);
        g_assert_cmpfloat_with_epsilon(r.hi, t[i].hi, 1e-4);
        g_assert_cmpfloat(r.lo, <=, (double)t[i].k / t[i].n);
        g_assert_cmpfloat(r.hi, >=, (double)t[i].k / t[i].n);
    }
    ReproInterval none = repro_wilson(0, 0);
    g_assert_cmpfloat(none.lo, ==, 0.0);
    g_assert_cmpfloat(none.hi, ==, 1.0);
    /* symmetric: k of n and n-k of n mirror each other */
    for (unsigned n = 1; n <= 20; n++) {
        for (unsigned k = 0; k <= n; k++) {
            ReproInterval a = repro_wilson(k, n), b = repro_wilson(n - k, n);
            g_assert_cmpfloat_with_epsilon(a.lo, 1.0 - b.hi, 1e-12);
            g_assert_cmpfloat(a.lo, >=, 0.0);
            g_assert_cmpfloat(a.hi, <=, 1.0);
        }
    }
}

static void test_rate_text(void)
{
    g_autofree char *a = repro_rate_text(3, 3);
    g_autofree char *b = repro_rate_text(0, 0);

    g_assert_cmpstr(a, ==, "3/3  100%  [44%, 100%]");
    g_assert_cmpstr(b, ==, "0/0  -");
}

static void test_median(void)
{
    double odd[] = { 5.0, 1.0, 3.0 }, even[] = { 4.0, 1.0, 3.0, 2.0 };
    double one[] = { 7.5 };

    g_assert_cmpfloat(repro_median(odd, 3), ==, 3.0);
    g_assert_cmpfloat(repro_median(even, 4), ==, 2.5);
    g_assert_cmpfloat(repro_median(one, 1), ==, 7.5);
    g_assert_true(isnan(repro_median(NULL, 0)));
    /* the input is left as it was */
    g_assert_cmpfloat(odd[0], ==, 5.0);
}

static void test_reliability(void)
{
    static const struct {
        unsigned k, n;
        ReproReliability r;
    } t[] = {
        { 2, 5, REPRO_RELIABLE },   { 1, 5, REPRO_UNRELIABLE },
        { 5, 5, REPRO_RELIABLE },   { 0, 5, REPRO_UNRELIABLE },
        { 4, 10, REPRO_RELIABLE },  { 3, 10, REPRO_UNRELIABLE },
        { 2, 2, REPRO_RELIABLE },   { 2, 3, REPRO_RELIABLE },
        { 1, 3, REPRO_UNDECIDED },  { 0, 3, REPRO_UNDECIDED },
        { 0, 4, REPRO_UNRELIABLE }, { 1, 4, REPRO_UNDECIDED },
        { 0, 0, REPRO_UNDECIDED },
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(t); i++) {
        g_assert_cmpint(repro_reliability(t[i].k, t[i].n), ==, t[i].r);
    }
}

static void test_group(void)
{
    ReproGroup g;
    const char *log = "{\"time_ns\":1,\"slba\":16,\"nlb\":2,\"lba\":17,"
                      "\"outcome\":\"pi-error\"}\n"
                      "{\"slba\":18,\"lba\":18}\n"
                      "not json\n"
                      "{\"slba\":40,\"lba\":40}";
    g_autofree char *r = NULL;

    repro_group_init(&g);
    repro_group_add(&g, REPRO_REPRODUCED, 2.0);
    repro_group_add(&g, REPRO_REPRODUCED, NAN);
    repro_group_add(&g, REPRO_NOT_REPRODUCED, NAN);
    repro_group_add(&g, REPRO_ERROR, NAN);
    repro_group_add_device(&g, 3, 2, log);
    repro_group_add_device(&g, 0, 0, "");
    repro_group_add_device(&g, 1, 1, "{\"lba\":17}\n");
    g_assert_cmpuint(g.runs, ==, 4);
    g_assert_cmpuint(g.answered, ==, 3);
    g_assert_cmpuint(g.reproduced, ==, 2);
    g_assert_cmpuint(g.errors, ==, 1);
    g_assert_cmpuint(g.first_sign_s->len, ==, 1);
    g_assert_cmpuint(g.mutations, ==, 4);
    g_assert_cmpuint(g.pi_errors, ==, 3);
    g_assert_cmpuint(g.runs_with_mutations, ==, 2);
    g_assert_cmpuint(g.lbas->len, ==, 3); /* 17, 18, 40 */
    r = repro_lba_ranges(g.lbas, 8);
    g_assert_cmpstr(r, ==, "17-18, 40");
    repro_group_clear(&g);
}

static void test_lba_ranges(void)
{
    guint64 v[] = { 0, 1, 2, 5, 7, 8, 100 };
    g_autoptr(GArray) a = g_array_new(FALSE, FALSE, sizeof(guint64));
    g_autofree char *all = NULL, *two = NULL, *none = NULL;

    g_array_append_vals(a, v, G_N_ELEMENTS(v));
    all = repro_lba_ranges(a, 8);
    two = repro_lba_ranges(a, 2);
    g_assert_cmpstr(all, ==, "0-2, 5, 7-8, 100");
    g_assert_cmpstr(two, ==, "0-2, 5, ...");
    g_array_set_size(a, 0);
    none = repro_lba_ranges(a, 8);
    g_assert_cmpstr(none, ==, "");
}

static RunFacts ok_run(void)
{
    RunFacts f = { 0 };

    f.have_result = true;
    f.booted = true;
    f.status = "ok";
    return f;
}

static ReproState judge(const RunFacts *f, const ReproObs *o, char **first)
{
    ReproJudgement j = { 0 };
    ReproState s;

    repro_judge(f, o, &j);
    s = j.state;
    if (first) {
        *first = j.signs->len ? g_strdup(g_ptr_array_index(j.signs, 0))
                              : g_strdup(j.error);
    }
    g_assert_true(s == REPRO_ERROR ? j.error != NULL : j.error == NULL);
    g_assert_true(s == REPRO_REPRODUCED ? j.signs->len > 0 : j.signs->len == 0);
    repro_judgement_clear(&j);
    return s;
}

static void test_judge(void)
{
    RunFacts f = ok_run();
    ReproObs o = { .program_ran = true, .program_rc = 0 };
    char *why = NULL;

    /* clean run, program exit 0: not reproduced */
    g_assert_cmpint(judge(&f, &o, NULL), ==, REPRO_NOT_REPRODUCED);
    /* in-flight changes alone are the trigger, not a sign */
    f.dev_mutations = 12;
    g_assert_cmpint(judge(&f, &o, NULL), ==, REPRO_NOT_REPRODUCED);
    /* a failing program is a sign (not verdict.c's "setup broke") */
    f.steps_failed = 1;
    o.program_rc = 1;
    g_assert_cmpint(judge(&f, &o, &why), ==, REPRO_REPRODUCED);
    g_assert_cmpstr(why, ==, "program exited 1");
    g_free(why);
    o.program_rc = 139;
    g_assert_cmpint(judge(&f, &o, &why), ==, REPRO_REPRODUCED);
    g_assert_cmpstr(why, ==, "program killed by signal 11");
    g_free(why);
    /* the classification's evidence, each alone */
    o.program_rc = 0;
    f = ok_run();
    f.dmesg_protection = 4;
    g_assert_cmpint(judge(&f, &o, &why), ==, REPRO_REPRODUCED);
    g_assert_cmpstr(why, ==, "4 protection errors in dmesg");
    g_free(why);
    f = ok_run();
    f.dmesg_btrfs_csum = 2;
    g_assert_cmpint(judge(&f, &o, NULL), ==, REPRO_REPRODUCED);
    f = ok_run();
    f.md_mismatch = 8;
    g_assert_cmpint(judge(&f, &o, NULL), ==, REPRO_REPRODUCED);
    f = ok_run();
    f.dmesg_io = 1;
    g_assert_cmpint(judge(&f, &o, NULL), ==, REPRO_REPRODUCED);
    f = ok_run();
    f.dmesg_oops = 1;
    g_assert_cmpint(judge(&f, &o, &why), ==, REPRO_REPRODUCED);
    g_assert_cmpstr(why, ==, "1 Oops in dmesg");
    g_free(why);
    /* a WARN counts only after the program started (the glue says) */
    f = ok_run();
    f.dmesg_warn = 3;
    g_assert_cmpint(judge(&f, &o, NULL), ==, REPRO_NOT_REPRODUCED);
    o.warns_after_start = 1;
    g_assert_cmpint(judge(&f, &o, NULL), ==, REPRO_REPRODUCED);
    o.warns_after_start = 0;
    /* --match */
    f = ok_run();
    o.match_line = "BTRFS warning: csum hole";
    g_assert_cmpint(judge(&f, &o, &why), ==, REPRO_REPRODUCED);
    g_assert_cmpstr(why, ==, "--match: BTRFS warning: csum hole");
    g_free(why);
    o.match_line = NULL;
    /* a kernel crash after the program started leaves no result but is
     * a sign; one before it (a starved boot) is an error */
    f = (RunFacts){ 0 };
    f.booted = true;
    f.panic_title = "Kernel panic - not syncing: Fatal exception";
    f.panic_frame = "bio_integrity_prep+0x1/0x2";
    o.crash_after_start = true;
    g_assert_cmpint(judge(&f, &o, &why), ==, REPRO_REPRODUCED);
    g_assert_nonnull(strstr(why, "in bio_integrity_prep"));
    g_free(why);
    o.crash_after_start = false;
    f.panic_title = "Kernel panic - not syncing: IO-APIC + timer doesn't work!";
    g_assert_cmpint(judge(&f, &o, &why), ==, REPRO_ERROR);
    g_assert_nonnull(strstr(why, "before the program started"));
    g_free(why);
    /* no result, no crash: error */
    f = (RunFacts){ 0 };
    f.timed_out = true;
    f.booted = true;
    g_assert_cmpint(judge(&f, &o, &why), ==, REPRO_ERROR);
    g_assert_cmpstr(why, ==, "guest hung (no result)");
    g_free(why);
    /* a result that began and never ended is named as such */
    f = (RunFacts){ 0 };
    f.booted = true;
    f.result_cut = 100;
    g_assert_cmpint(judge(&f, &o, &why), ==, REPRO_ERROR);
    g_assert_cmpstr(why, ==, "the guest's result was cut short");
    g_free(why);
    /* setup broke before the program: error, even with program_ran */
    f = ok_run();
    f.status = "step-failed";
    f.error = "step 1 ('mkfs') exited 1";
    o.program_ran = false;
    g_assert_cmpint(judge(&f, &o, &why), ==, REPRO_ERROR);
    g_assert_nonnull(strstr(why, "step-failed"));
    g_free(why);
    /* the watchdog killed the program: error unless a sign came first */
    f = ok_run();
    f.status = "timeout";
    o.program_ran = true;
    o.program_rc = REPRO_RC_WATCHDOG;
    g_assert_cmpint(judge(&f, &o, NULL), ==, REPRO_ERROR);
    f.dmesg_protection = 1;
    g_assert_cmpint(judge(&f, &o, NULL), ==, REPRO_REPRODUCED);
    /* a result without the program's step */
    f = ok_run();
    o.program_ran = false;
    g_assert_cmpint(judge(&f, &o, NULL), ==, REPRO_ERROR);
}

static const char console[] =
    "[    0.000000] Linux version 7.2.0\n"
    "[    1.100000] WARNING: CPU: 0 PID: 1 at boot_thing\n"
    "nvme-pi: step 2: /nvme-pi/files/repro csum\n"
    "[    5.000000] nvme-pi: run K.nvme-pi.1 step 2 begin: "
    "/nvme-pi/files/repro csum\n"
    "repro: writing\n"
    "[    5.250000] nvme1n1: I/O Cmd(0x1) @ LBA 16, 8 blocks, I/O Error\n"
    "[    5.500000] protection error, dev nvme1n1, sector 128\n"
    "repro: 3 writes failed\n"
    "[    6.000000] nvme-pi: run K.nvme-pi.1 step 2 end rc=1\n"
    "[    6.100000] WARNING: CPU: 1 PID: 77 at block/bio.c\n";

static void test_first_sign(void)
{
    const char *cls[] = { "protection error, dev nvme1n1, sector 128", NULL };
    g_autoptr(GRegex) re = g_regex_new("writes failed", 0, 0, NULL);
    g_autoptr(GRegex) never = g_regex_new("no such line", 0, 0, NULL);
    char *line = NULL;
    double t;

    t = repro_first_sign_time(console, "K.nvme-pi.1", 2, cls, NULL, false,
                              &line);
    g_assert_cmpfloat_with_epsilon(t, 0.5, 1e-9);
    g_assert_cmpstr(line, ==, "protection error, dev nvme1n1, sector 128");
    g_free(line);
    /* an untimed line takes the last stamp before it */
    t = repro_first_sign_time(console, "K.nvme-pi.1", 2, NULL, re, false, NULL);
    g_assert_cmpfloat_with_epsilon(t, 0.5, 1e-9);
    /* only the exit status: the end marker */
    t = repro_first_sign_time(console, "K.nvme-pi.1", 2, NULL, never, true,
                              NULL);
    g_assert_cmpfloat_with_epsilon(t, 1.0, 1e-9);
    /* nothing, or another step */
    g_assert_true(isnan(repro_first_sign_time(console, "K.nvme-pi.1", 2, NULL,
                                              NULL, false, NULL)));
    g_assert_true(isnan(repro_first_sign_time(console, "K.nvme-pi.1", 3, cls,
                                              NULL, true, NULL)));
    /* no timestamps at all */
    g_assert_true(isnan(repro_first_sign_time(
        "nvme-pi: run R step 1 begin: x\nprotection error\n", "R", 1, cls, NULL,
        true, NULL)));
    g_assert_cmpuint(repro_warns_after(console, "K.nvme-pi.1", 2), ==, 1);
    g_assert_true(repro_step_started(console, "K.nvme-pi.1", 2));
    g_assert_false(repro_step_started(console, "K.nvme-pi.1", 1));
}

static void test_evidence(void)
{
    /* the boot-time WARNING is classified too, but is no evidence */
    const char *cls[] = { "WARNING: CPU: 0 PID: 1 at boot_thing",
                          "protection error, dev nvme1n1, sector 128",
                          "WARNING: CPU: 1 PID: 77 at block/bio.c", NULL };
    g_autoptr(GRegex) re = g_regex_new("writes failed", 0, 0, NULL);
    g_auto(GStrv) ev = repro_evidence(console, "K.nvme-pi.1", 2, cls, NULL, 10);
    g_auto(GStrv) two = repro_evidence(console, "K.nvme-pi.1", 2, cls, re, 2);
    g_auto(GStrv) none = repro_evidence(console, "K.nvme-pi.1", 3, cls, re, 10);
    /* the guest's record keeps a trailing blank the console lost */
    g_auto(GStrv) blank = repro_evidence(
        console, "K.nvme-pi.1", 2,
        (const char *[]){
            "nvme1n1: I/O Cmd(0x1) @ LBA 16, 8 blocks, I/O Error ", NULL },
        NULL, 10);
    g_auto(GStrv) untimed = repro_evidence(
        "nvme-pi: run R step 1 begin: x\nprotection error\n", "R", 1,
        (const char *[]){ "protection error", NULL }, NULL, 10);

    g_assert_cmpuint(g_strv_length(ev), ==, 2);
    g_assert_cmpstr(ev[0], ==,
                    "[+0.50 s] protection error, dev nvme1n1, sector 128");
    g_assert_cmpstr(ev[1], ==,
                    "[+1.10 s] WARNING: CPU: 1 PID: 77 at block/bio.c");
    /* --match hits count, in console order, up to the limit */
    g_assert_cmpuint(g_strv_length(two), ==, 2);
    g_assert_cmpstr(two[1], ==, "[+0.50 s] repro: 3 writes failed");
    g_assert_cmpuint(g_strv_length(none), ==, 0);
    g_assert_cmpstr(untimed[0], ==, "protection error");
    g_assert_cmpuint(g_strv_length(blank), ==, 1);
    g_assert_cmpstr(blank[0], ==,
                    "[+0.25 s] nvme1n1: I/O Cmd(0x1) @ LBA 16, 8 blocks, I/O "
                    "Error");
}

static void test_match(void)
{
    g_autoptr(GRegex) re = g_regex_new("repro", 0, 0, NULL);
    g_autoptr(GRegex) boot =
        g_regex_new("Linux version|boot_thing", 0, 0, NULL);
    g_autoptr(GRegex) cpu = g_regex_new("CPU: [0-9]", 0, 0, NULL);
    g_autofree char *a = repro_match_first(console, "K.nvme-pi.1", 2, re);
    g_autofree char *b = repro_match_first(console, "K.nvme-pi.1", 2, boot);
    g_autofree char *c = repro_match_first(console, "K.nvme-pi.1", 2, cpu);
    g_autofree char *d = repro_match_first(console, "K.nvme-pi.1", 3, re);

    /* pit's own lines (the command line, the markers) never match */
    g_assert_cmpstr(a, ==, "repro: writing");
    /* nor does a line from before the program started */
    g_assert_null(b);
    g_assert_cmpstr(c, ==, "WARNING: CPU: 1 PID: 77 at block/bio.c");
    g_assert_null(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/repro/wilson", test_wilson);
    g_test_add_func("/repro/rate-text", test_rate_text);
    g_test_add_func("/repro/median", test_median);
    g_test_add_func("/repro/reliability", test_reliability);
    g_test_add_func("/repro/group", test_group);
    g_test_add_func("/repro/lba-ranges", test_lba_ranges);
    g_test_add_func("/repro/judge", test_judge);
    g_test_add_func("/repro/first-sign", test_first_sign);
    g_test_add_func("/repro/match", test_match);
    g_test_add_func("/repro/evidence", test_evidence);
    return g_test_run();
}
