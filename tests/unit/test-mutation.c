/*
 * Unit tests of the mutation recorder's pure core (hw/nvme-pi/mutation.c):
 * the diff of several reads, counters, the JSON line and the byte layout
 * of vendor log page 0xC0.
 */
#include <glib.h>
#include <string.h>

#include "mutation.h"

static uint8_t r0[8192], r1[8192], r2[8192];

static void fill(void)
{
    size_t i;

    for (i = 0; i < sizeof(r0); i++) {
        r0[i] = (uint8_t)(i * 7);
    }
    memcpy(r1, r0, sizeof(r0));
    memcpy(r2, r0, sizeof(r0));
}

static void test_identical_reads_are_no_event(void)
{
    const uint8_t *reads[3] = { r0, r1, r2 };
    MutationEvent ev = { 0 };

    fill();
    g_assert_false(mutation_diff(reads, 3, sizeof(r0), &ev));
    g_assert_cmpuint(ev.bytes_changed, ==, 0);
    /* One read can never show a mutation. */
    g_assert_false(mutation_diff(reads, 1, sizeof(r0), &ev));
}

static void test_diff_locates_change(void)
{
    const uint8_t *reads[3] = { r0, r1, r2 };
    MutationEvent ev = { .slba = 100, .block_size = 4096 };

    fill();
    /* Read 1 changed 3 bytes in block 1; read 2 one more line later. */
    r1[4096 + 130] ^= 0xff;
    r1[4096 + 131] ^= 0xff;
    r1[4096 + 132] ^= 0xff;
    r2[4096 + 130] ^= 0xff;
    r2[4096 + 700] ^= 0x01;
    g_assert_true(mutation_diff(reads, 3, sizeof(r0), &ev));
    g_assert_cmpuint(ev.nreads, ==, 3);
    g_assert_cmpuint(ev.reads_differing, ==, 2);
    g_assert_cmpuint(ev.first_offset, ==, 4096 + 130);
    g_assert_cmpuint(ev.first_lba, ==, 101);
    g_assert_cmpuint(ev.bytes_changed, ==, 4);
    g_assert_cmpuint(ev.lines_changed, ==, 2);
    g_assert_cmpuint(ev.sample_len, ==, 16);
    g_assert_cmphex(ev.old_bytes[0], ==, r0[4096 + 130]);
    g_assert_cmphex(ev.new_bytes[0], ==, r2[4096 + 130]);
    /* The sample is of the last read: byte 131 is unchanged there. */
    g_assert_cmphex(ev.new_bytes[1], ==, r0[4096 + 131]);
}

static void test_diff_at_end_truncates_sample(void)
{
    const uint8_t *reads[2] = { r0, r1 };
    MutationEvent ev = { .block_size = 512 };

    fill();
    r1[sizeof(r1) - 3] ^= 1;
    g_assert_true(mutation_diff(reads, 2, sizeof(r0), &ev));
    g_assert_cmpuint(ev.sample_len, ==, 3);
    g_assert_cmpuint(ev.first_lba, ==, (sizeof(r0) - 3) / 512);
}

static void test_counters(void)
{
    MutationCounters c = { 0 };
    MutationEvent ev = { .bytes_changed = 10 };

    ev.outcome = MUTATION_PI_ERROR;
    mutation_count(&c, &ev);
    ev.outcome = MUTATION_PERSISTED_TORN;
    mutation_count(&c, &ev);
    ev.outcome = MUTATION_PERSISTED_LAST;
    mutation_count(&c, &ev);
    g_assert_cmpuint(c.events, ==, 3);
    g_assert_cmpuint(c.pi_errors, ==, 1);
    g_assert_cmpuint(c.persisted_torn, ==, 1);
    g_assert_cmpuint(c.persisted_last, ==, 1);
    g_assert_cmpuint(c.persisted_first, ==, 0);
    g_assert_cmpuint(c.bytes_changed, ==, 30);
}

static void test_json_line(void)
{
    MutationEvent ev = {
        .time_ns = 123,
        .nsid = 1,
        .cid = 7,
        .sqid = 2,
        .opcode = 1,
        .slba = 8,
        .nlb = 2,
        .first_lba = 9,
        .first_offset = 4100,
        .bytes_changed = 1,
        .lines_changed = 1,
        .nreads = 2,
        .reads_differing = 1,
        .sample_len = 2,
        .old_bytes = { 0xde, 0xad },
        .new_bytes = { 0xbe, 0xef },
        .has_guard = true,
        .guard_host = 0x1234,
        .guard_first = 0x1234,
        .guard_last = 0xabcd,
        .outcome = MUTATION_PI_ERROR,
    };
    char buf[1024];
    int n;

    n = mutation_format_json(&ev, "pi\"0", buf, sizeof(buf));
    g_assert_cmpint(n, >, 0);
    g_assert_cmpint(n, <, (int)sizeof(buf));
    g_assert_nonnull(strstr(buf, "\"ctrl\":\"pi\\\"0\""));
    g_assert_nonnull(strstr(buf, "\"lba\":9"));
    g_assert_nonnull(strstr(buf, "\"offset\":4100"));
    g_assert_nonnull(strstr(buf, "\"old\":\"dead\""));
    g_assert_nonnull(strstr(buf, "\"new\":\"beef\""));
    g_assert_nonnull(strstr(buf, "\"guard_last\":\"0xabcd\""));
    g_assert_nonnull(strstr(buf, "\"outcome\":\"pi-error\""));
    g_assert_true(buf[0] == '{' && buf[n - 1] == '}');
    g_assert_null(strchr(buf, '\n'));

    /* No PI: no guard fields.  A short buffer reports the needed size. */
    ev.has_guard = false;
    n = mutation_format_json(&ev, "pi0", buf, sizeof(buf));
    g_assert_null(strstr(buf, "guard"));
    g_assert_cmpint(mutation_format_json(&ev, "pi0", buf, 10), ==, n);
}

/* A write held at a power cut: its line and its counters. */
static void test_cut(void)
{
    MutationCut cut = {
        .time_ns = 5,
        .nsid = 2,
        .cid = 9,
        .sqid = 1,
        .opcode = 1,
        .slba = 16,
        .nlb = 2,
        .reads = 1,
        .bytes_changed = 3,
        .policy = DMA_CUT_TORN,
        .bytes_persisted = 4096,
    };
    MutationCounters c = { 0 };
    char buf[512];
    int n;

    n = mutation_format_cut_json(&cut, "d0", buf, sizeof(buf));
    g_assert_cmpint(n, >, 0);
    g_assert_cmpint(n, <, (int)sizeof(buf));
    g_assert_nonnull(strstr(buf, "\"event\":\"power-cut\""));
    g_assert_nonnull(strstr(buf, "\"slba\":16,\"nlb\":2"));
    g_assert_nonnull(strstr(buf, "\"bytes_persisted\":4096"));
    g_assert_nonnull(strstr(buf, "\"outcome\":\"cut-torn\""));
    g_assert_true(buf[0] == '{' && buf[n - 1] == '}');

    mutation_count_cut(&c, &cut);
    cut.policy = DMA_CUT_NONE;
    mutation_count_cut(&c, &cut);
    cut.policy = DMA_CUT_LAST;
    mutation_count_cut(&c, &cut);
    g_assert_cmpuint(c.cut_writes, ==, 3);
    g_assert_cmpuint(c.cut_torn, ==, 1);
    g_assert_cmpuint(c.cut_none, ==, 1);
    g_assert_cmpuint(c.cut_last, ==, 1);
    g_assert_cmpuint(c.cut_first, ==, 0);
    /* A cut is not a mutation event. */
    g_assert_cmpuint(c.events, ==, 0);
}

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    int i;

    for (i = n - 1; i >= 0; i--) {
        v = v << 8 | p[i];
    }
    return v;
}

static void test_log_page_layout(void)
{
    MutationCounters c = { .writes_checked = 5,
                           .events = 2,
                           .pi_errors = 1,
                           .persisted_last = 1,
                           .bytes_changed = 77 };
    MutationEvent ev = { .time_ns = 99,
                         .nsid = 1,
                         .cid = 0x1234,
                         .opcode = 1,
                         .slba = 4096,
                         .nlb = 8,
                         .first_offset = 513,
                         .first_lba = 4097,
                         .bytes_changed = 3,
                         .lines_changed = 1,
                         .guard_host = 0xaaaa,
                         .guard_last = 0xbbbb,
                         .sample_len = 1,
                         .old_bytes = { 0x11 },
                         .new_bytes = { 0x22 },
                         .outcome = MUTATION_PERSISTED_LAST };
    uint8_t page[MUTATION_LOG_PAGE_SIZE];

    memset(page, 0xff, sizeof(page));
    mutation_log_page(&c, &ev, page);
    g_assert_cmpmem(page, 4, "NVPI", 4);
    g_assert_cmpuint(le(page + 4, 2), ==, 1);
    g_assert_cmpuint(le(page + 8, 8), ==, 5);
    g_assert_cmpuint(le(page + 16, 8), ==, 2);
    g_assert_cmpuint(le(page + 24, 8), ==, 1);
    g_assert_cmpuint(le(page + 40, 8), ==, 1);
    g_assert_cmpuint(le(page + 56, 8), ==, 77);
    g_assert_cmpuint(le(page + 64, 8), ==, 99);
    g_assert_cmpuint(le(page + 76, 2), ==, 0x1234);
    g_assert_cmpuint(page[79], ==, MUTATION_PERSISTED_LAST);
    g_assert_cmpuint(le(page + 80, 8), ==, 4096);
    g_assert_cmpuint(le(page + 96, 8), ==, 513);
    g_assert_cmpuint(le(page + 120, 8), ==, 0xaaaa);
    g_assert_cmpuint(le(page + 136, 8), ==, 0xbbbb);
    g_assert_cmpuint(page[144], ==, 0x11);
    g_assert_cmpuint(page[160], ==, 0x22);
    g_assert_cmpuint(le(page + 176, 8), ==, 4097);
    g_assert_cmpuint(page[511], ==, 0);

    /* Without events the last-event area stays zero. */
    c.events = 0;
    mutation_log_page(&c, &ev, page);
    g_assert_cmpuint(le(page + 64, 8), ==, 0);
    g_assert_cmpuint(le(page + 8, 8), ==, 5);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mutation/identical", test_identical_reads_are_no_event);
    g_test_add_func("/mutation/diff", test_diff_locates_change);
    g_test_add_func("/mutation/diff-at-end", test_diff_at_end_truncates_sample);
    g_test_add_func("/mutation/counters", test_counters);
    g_test_add_func("/mutation/json", test_json_line);
    g_test_add_func("/mutation/cut", test_cut);
    g_test_add_func("/mutation/log-page", test_log_page_layout);
    return g_test_run();
}
