/*
 * Unit tests of the DMA timing policy (hw/nvme-pi/dma-policy.c): read
 * schedules, seeded jitter, and which bytes each dma-source persists.
 */
#include <glib.h>
#include <string.h>

#include "dma-policy.h"

static void test_off_means_one_read(void)
{
    DmaPolicy p = { 0 };
    DmaSchedule s;
    DmaRng rng;

    dma_rng_seed(&rng, 1);
    g_assert_true(dma_policy_is_off(&p));
    dma_policy_schedule(&p, &rng, &s);
    g_assert_cmpuint(s.nreads, ==, 1);
    g_assert_cmpuint(s.at_ns[0], ==, 0);
}

static void test_delay_alone_reads_twice(void)
{
    DmaPolicy p = { .delay_ns = 50000 };
    DmaSchedule s;
    DmaRng rng;

    dma_rng_seed(&rng, 1);
    g_assert_false(dma_policy_is_off(&p));
    dma_policy_schedule(&p, &rng, &s);
    g_assert_cmpuint(s.nreads, ==, 2);
    g_assert_cmpuint(s.at_ns[0], ==, 0);
    g_assert_cmpuint(s.at_ns[1], ==, 50000);
}

static void test_replay_spreads_reads(void)
{
    DmaPolicy p = { .delay_ns = 1000, .replay = 4 };
    DmaSchedule s;
    DmaRng rng;

    dma_rng_seed(&rng, 1);
    dma_policy_schedule(&p, &rng, &s);
    g_assert_cmpuint(s.nreads, ==, 5);
    g_assert_cmpuint(s.at_ns[1], ==, 250);
    g_assert_cmpuint(s.at_ns[2], ==, 500);
    g_assert_cmpuint(s.at_ns[4], ==, 1000);

    /* Replay without delay: back-to-back reads, all at fetch time. */
    p.delay_ns = 0;
    p.replay = 3;
    dma_policy_schedule(&p, &rng, &s);
    g_assert_cmpuint(s.nreads, ==, 4);
    g_assert_cmpuint(s.at_ns[3], ==, 0);

    /* Capped. */
    p.replay = 1000;
    dma_policy_schedule(&p, &rng, &s);
    g_assert_cmpuint(s.nreads, ==, DMA_MAX_READS);
}

static void test_jitter_is_seeded_and_bounded(void)
{
    DmaPolicy p = { .delay_ns = 100, .jitter_ns = 1000 };
    DmaSchedule a, b;
    DmaRng r1, r2;
    bool varied = false;
    uint64_t first = 0;
    int i;

    dma_rng_seed(&r1, 42);
    dma_rng_seed(&r2, 42);
    for (i = 0; i < 200; i++) {
        dma_policy_schedule(&p, &r1, &a);
        dma_policy_schedule(&p, &r2, &b);
        g_assert_cmpuint(a.at_ns[1], ==, b.at_ns[1]);
        g_assert_cmpuint(a.at_ns[1], >=, 100);
        g_assert_cmpuint(a.at_ns[1], <=, 1100);
        if (i == 0) {
            first = a.at_ns[1];
        } else if (a.at_ns[1] != first) {
            varied = true;
        }
    }
    g_assert_true(varied);
}

static void test_source_names(void)
{
    g_assert_cmpint(dma_source_parse("first"), ==, DMA_SOURCE_FIRST);
    g_assert_cmpint(dma_source_parse("last"), ==, DMA_SOURCE_LAST);
    g_assert_cmpint(dma_source_parse("torn-cacheline"), ==,
                    DMA_SOURCE_TORN_CACHELINE);
    g_assert_cmpint(dma_source_parse("torn-sector"), ==,
                    DMA_SOURCE_TORN_SECTOR);
    g_assert_cmpint(dma_source_parse("middle"), ==, -1);
    g_assert_cmpint(dma_source_parse(NULL), ==, -1);
    g_assert_cmpstr(dma_source_name(DMA_SOURCE_TORN_SECTOR), ==, "torn-sector");
}

/* Three reads of 4 KiB: each filled with its own index. */
static void assemble(DmaSource src, uint8_t *out)
{
    static uint8_t r0[4096], r1[4096], r2[4096];
    const uint8_t *reads[3] = { r0, r1, r2 };

    memset(r0, 0, sizeof(r0));
    memset(r1, 1, sizeof(r1));
    memset(r2, 2, sizeof(r2));
    dma_source_assemble(src, reads, 3, 4096, out);
}

static void test_assemble_first_last(void)
{
    uint8_t out[4096];
    size_t i;

    assemble(DMA_SOURCE_FIRST, out);
    for (i = 0; i < sizeof(out); i++) {
        g_assert_cmpuint(out[i], ==, 0);
    }
    assemble(DMA_SOURCE_LAST, out);
    for (i = 0; i < sizeof(out); i++) {
        g_assert_cmpuint(out[i], ==, 2);
    }
}

static void test_assemble_torn(void)
{
    uint8_t out[4096];
    size_t i;

    /* Sectors: 8 pieces over 3 reads: 0,0,0,1,1,1,2,2 (k*3/8). */
    assemble(DMA_SOURCE_TORN_SECTOR, out);
    for (i = 0; i < 8; i++) {
        g_assert_cmpuint(out[i * 512], ==, i * 3 / 8);
        g_assert_cmpuint(out[i * 512 + 511], ==, i * 3 / 8);
    }
    /* Cache lines: 64 pieces; monotonic, starts at 0, ends at 2. */
    assemble(DMA_SOURCE_TORN_CACHELINE, out);
    g_assert_cmpuint(out[0], ==, 0);
    g_assert_cmpuint(out[4095], ==, 2);
    for (i = 64; i < sizeof(out); i += 64) {
        g_assert_cmpuint(out[i], >=, out[i - 64]);
        g_assert_cmpuint(out[i], ==, out[i + 63]);
    }
    /* One read: every mode is that read. */
    g_assert_cmpuint(dma_source_read_for(DMA_SOURCE_TORN_SECTOR, 1, 4096, 4000),
                     ==, 0);
    g_assert_cmpuint(dma_source_read_for(DMA_SOURCE_LAST, 1, 4096, 0), ==, 0);
}

static void test_assemble_odd_length(void)
{
    static uint8_t r0[700], r1[700];
    const uint8_t *reads[2] = { r0, r1 };
    uint8_t out[700];

    memset(r0, 0xaa, sizeof(r0));
    memset(r1, 0xbb, sizeof(r1));
    /* 700 bytes = 2 sector pieces: the first from read 0, the tail 1. */
    dma_source_assemble(DMA_SOURCE_TORN_SECTOR, reads, 2, 700, out);
    g_assert_cmphex(out[0], ==, 0xaa);
    g_assert_cmphex(out[511], ==, 0xaa);
    g_assert_cmphex(out[512], ==, 0xbb);
    g_assert_cmphex(out[699], ==, 0xbb);
}

/* power-cut: names round-trip, and how much of a held write lands. */
static void test_power_cut(void)
{
    static const struct {
        DmaPowerCut c;
        size_t len, want;
    } cases[] = {
        { DMA_CUT_NONE, 8192, 0 },
        { DMA_CUT_FIRST, 8192, 8192 },
        { DMA_CUT_LAST, 8192, 8192 },
        { DMA_CUT_TORN, 8192, 4096 }, /* 16 sectors: 8 */
        { DMA_CUT_TORN, 4096, 2048 },
        { DMA_CUT_TORN, 1536, 512 }, /* 3 sectors: 1 */
        { DMA_CUT_TORN, 512, 256 },  /* one sector: tears at lines */
        { DMA_CUT_TORN, 100, 64 },   /* 1 line and a bit: the line */
        { DMA_CUT_TORN, 64, 0 },     /* one line: nothing to tear */
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        g_assert_cmpuint(dma_power_cut_bytes(cases[i].c, cases[i].len), ==,
                         cases[i].want);
    }
    for (i = DMA_CUT_NONE; i <= DMA_CUT_TORN; i++) {
        g_assert_cmpint(dma_power_cut_parse(dma_power_cut_name(i)), ==, i);
    }
    g_assert_cmpint(dma_power_cut_parse("torn-sector"), ==, -1);
    g_assert_cmpint(dma_power_cut_parse(NULL), ==, -1);
    g_assert_cmpstr(dma_power_cut_name(99), ==, "?");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/dma-policy/off", test_off_means_one_read);
    g_test_add_func("/dma-policy/delay-alone", test_delay_alone_reads_twice);
    g_test_add_func("/dma-policy/replay", test_replay_spreads_reads);
    g_test_add_func("/dma-policy/jitter", test_jitter_is_seeded_and_bounded);
    g_test_add_func("/dma-policy/source-names", test_source_names);
    g_test_add_func("/dma-policy/power-cut", test_power_cut);
    g_test_add_func("/dma-policy/assemble/first-last",
                    test_assemble_first_last);
    g_test_add_func("/dma-policy/assemble/torn", test_assemble_torn);
    g_test_add_func("/dma-policy/assemble/odd-length",
                    test_assemble_odd_length);
    return g_test_run();
}
