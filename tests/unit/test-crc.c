/*
 * Unit tests for hw/nvme-pi/crc.c (and crc-x86.c): every implementation
 * of CRC16 T10-DIF, CRC32C and CRC64-NVM against the bit-at-a-time
 * reference, on every length up to ~1 KiB, random lengths up to 70000 and
 * every alignment 0..63; check values; chaining; known answers.
 */
#include <glib.h>
#include <string.h>

#include "crc.h"

typedef enum Algo { ALGO_T10DIF, ALGO_CRC32C, ALGO_CRC64, ALGO__MAX } Algo;

static const char *const algo_names[ALGO__MAX] = { "t10dif", "crc32c",
                                                   "crc64nvme" };

typedef struct Case {
    Algo algo;
    CrcImpl impl;
} Case;

#define BUF_MAX 70000
#define ALIGN_MAX 64

/* Random bytes, filled once from a fixed seed so failures reproduce. */
static uint8_t *rnd;
static GRand *prng;

static bool have(Algo algo, CrcImpl impl)
{
    switch (algo) {
    case ALGO_T10DIF:
        return crc16_t10dif_impl(impl) != NULL;
    case ALGO_CRC32C:
        return crc32c_impl(impl) != NULL;
    default:
        return crc64_nvme_impl(impl) != NULL;
    }
}

static uint64_t run(Algo algo, CrcImpl impl, uint64_t crc, const void *buf,
                    size_t len)
{
    switch (algo) {
    case ALGO_T10DIF:
        return crc16_t10dif_impl(impl)((uint16_t)crc, buf, len);
    case ALGO_CRC32C:
        return crc32c_impl(impl)((uint32_t)crc, buf, len);
    default:
        return crc64_nvme_impl(impl)(crc, buf, len);
    }
}

static uint64_t run_best(Algo algo, uint64_t crc, const void *buf, size_t len)
{
    switch (algo) {
    case ALGO_T10DIF:
        return crc16_t10dif((uint16_t)crc, buf, len);
    case ALGO_CRC32C:
        return crc32c((uint32_t)crc, buf, len);
    default:
        return crc64_nvme(crc, buf, len);
    }
}

static uint64_t width_mask(Algo algo)
{
    return algo == ALGO_T10DIF   ? 0xffff
           : algo == ALGO_CRC32C ? 0xffffffff
                                 : ~0ull;
}

static void check_against_ref(const Case *c, uint64_t seed, size_t off,
                              size_t len)
{
    uint64_t want = run(c->algo, CRC_IMPL_BITWISE, seed, rnd + off, len);
    uint64_t got = run(c->algo, c->impl, seed, rnd + off, len);

    if (want != got) {
        g_test_message("%s/%s: len %zu align %zu seed 0x%" G_GINT64_MODIFIER
                       "x: want 0x%" G_GINT64_MODIFIER
                       "x got 0x%" G_GINT64_MODIFIER "x",
                       algo_names[c->algo], crc_impl_name(c->impl), len, off,
                       seed, want, got);
    }
    g_assert_cmphex(got, ==, want);
}

static void test_check_value(gconstpointer opaque)
{
    const Case *c = opaque;
    static const uint64_t check[ALGO__MAX] = {
        [ALGO_T10DIF] = 0xD0DB,
        [ALGO_CRC32C] = 0xE3069283,
        [ALGO_CRC64] = 0xAE8B14860A799888ull,
    };

    g_assert_cmphex(run(c->algo, c->impl, 0, "123456789", 9), ==,
                    check[c->algo]);
}

static void test_zero_length(gconstpointer opaque)
{
    const Case *c = opaque;
    uint64_t seeds[] = { 0, 1, 0x1234, 0xdeadbeef, 0x0123456789abcdefull };
    size_t i;

    /* No bytes: the result is the incoming value, whatever it is. */
    for (i = 0; i < G_N_ELEMENTS(seeds); i++) {
        uint64_t s = seeds[i] & width_mask(c->algo);

        g_assert_cmphex(run(c->algo, c->impl, s, rnd, 0), ==, s);
    }
}

/* Every length to just past 1 KiB: all tail sizes, all loop boundaries. */
static void test_every_length(gconstpointer opaque)
{
    const Case *c = opaque;
    size_t len;

    for (len = 0; len <= 1100; len++) {
        uint64_t seed = g_rand_int(prng) * 0x100000001ull;

        check_against_ref(c, 0, (len * 7) % ALIGN_MAX, len);
        check_against_ref(c, seed & width_mask(c->algo), len % ALIGN_MAX, len);
    }
}

/* Random lengths up to 70000 at every alignment 0..63. */
static void test_random(gconstpointer opaque)
{
    const Case *c = opaque;
    size_t off;
    int i;

    for (off = 0; off < ALIGN_MAX; off++) {
        for (i = 0; i < 3; i++) {
            size_t len = g_rand_int_range(prng, 0, BUF_MAX + 1);
            uint64_t seed = i ? g_rand_int(prng) * 0x9E3779B97F4A7C15ull : 0;

            check_against_ref(c, seed & width_mask(c->algo), off, len);
        }
    }
    /* The largest length, every alignment, once each. */
    for (off = 0; off < ALIGN_MAX; off += 9) {
        check_against_ref(c, 0, off, BUF_MAX);
    }
}

/* crc(crc(0, A), B) == crc(0, A || B): the PI guard depends on it. */
static void test_chaining(gconstpointer opaque)
{
    const Case *c = opaque;
    size_t split, total = 700;
    int i;

    for (split = 0; split <= total; split++) {
        uint64_t whole = run(c->algo, c->impl, 0, rnd + 3, total);
        uint64_t a = run(c->algo, c->impl, 0, rnd + 3, split);

        g_assert_cmphex(
            run(c->algo, c->impl, a, rnd + 3 + split, total - split), ==,
            whole);
    }
    for (i = 0; i < 50; i++) {
        size_t len = g_rand_int_range(prng, 0, BUF_MAX / 2);
        size_t cut = g_rand_int_range(prng, 0, len + 1);
        uint64_t whole = run(c->algo, c->impl, 0, rnd, len);
        uint64_t a = run(c->algo, c->impl, 0, rnd, cut);

        g_assert_cmphex(run(c->algo, c->impl, a, rnd + cut, len - cut), ==,
                        whole);
    }
}

/*
 * Known answers, computed independently of this code base with a short
 * Python model written from the polynomial definitions (Rocksoft model:
 * width, poly, init, refin, refout, xorout), one bit at a time:
 *   t10dif    16, 0x8BB7,             0,  False, False, 0
 *   crc32c    32, 0x1EDC6F41,         ~0, True,  True,  ~0
 *   crc64nvme 64, 0xAD93D23594C93659, ~0, True,  True,  ~0
 * The CRC64 values for 4 KiB of 00h, FFh and incrementing bytes also
 * match the test cases printed in the NVM Command Set specification.
 * "inc" is bytes i & 0xff for i = 0 .. len-1.
 */
typedef struct KnownAnswer {
    size_t len;
    int fill; /* byte value, or -1 for incrementing */
    uint64_t crc[ALGO__MAX];
} KnownAnswer;

static const KnownAnswer known[] = {
    { 512, 0x00, { 0x0000, 0x30fcedc0, 0x1de60e2868a782e9ull } },
    { 512, 0xff, { 0xe6a1, 0x5bd99297, 0x5277682ddaeb44b6ull } },
    { 512, -1, { 0x4f10, 0xae10ee5a, 0x65f48632094a1b07ull } },
    { 4096, 0x00, { 0x0000, 0x98f94189, 0x6482d367eb22b64eull } },
    { 4096, 0xff, { 0x8b5d, 0x25c1fe13, 0xc0ddba7302eca3acull } },
    { 4096, -1, { 0x8f6d, 0x9c71fe32, 0x3e729f5f6750449cull } },
};

static void test_known_answers(gconstpointer opaque)
{
    const Case *c = opaque;
    g_autofree uint8_t *buf = g_malloc(4096);
    size_t i, j;

    for (i = 0; i < G_N_ELEMENTS(known); i++) {
        for (j = 0; j < known[i].len; j++) {
            buf[j] = known[i].fill < 0 ? (uint8_t)j : (uint8_t)known[i].fill;
        }
        g_assert_cmphex(run(c->algo, c->impl, 0, buf, known[i].len), ==,
                        known[i].crc[c->algo]);
    }
}

/* The dispatched function is one of the implementations, and agrees. */
static void test_dispatch(void)
{
    Algo a;

    for (a = 0; a < ALGO__MAX; a++) {
        CrcImpl sel = a == ALGO_T10DIF   ? crc16_t10dif_selected()
                      : a == ALGO_CRC32C ? crc32c_selected()
                                         : crc64_nvme_selected();

        g_test_message("%s: selected %s", algo_names[a], crc_impl_name(sel));
        g_assert_true(have(a, sel));
        g_assert_cmphex(run_best(a, 0, rnd + 5, 4096), ==,
                        run(a, CRC_IMPL_BITWISE, 0, rnd + 5, 4096));
    }
    g_assert_cmpstr(crc_impl_name(CRC_IMPL__MAX), ==, "?");
    g_assert_null(crc16_t10dif_impl(CRC_IMPL_SSE42));
}

int main(int argc, char **argv)
{
    static Case cases[ALGO__MAX][CRC_IMPL__MAX];
    static const struct {
        const char *name;
        GTestDataFunc fn;
        bool skip_bitwise; /* comparing the reference with itself */
    } tests[] = {
        { "check", test_check_value, false },
        { "zero-length", test_zero_length, false },
        { "known-answers", test_known_answers, false },
        { "chaining", test_chaining, false },
        { "every-length", test_every_length, true },
        { "random", test_random, true },
    };
    Algo a;
    CrcImpl i;
    size_t t, k;

    g_test_init(&argc, &argv, NULL);

    prng = g_rand_new_with_seed(0x6e766d65);
    rnd = g_malloc(BUF_MAX + ALIGN_MAX);
    for (k = 0; k < BUF_MAX + ALIGN_MAX; k++) {
        rnd[k] = (uint8_t)g_rand_int(prng);
    }

    for (a = 0; a < ALGO__MAX; a++) {
        for (i = 0; i < CRC_IMPL__MAX; i++) {
            cases[a][i] = (Case){ a, i };
            if (!have(a, i)) {
                continue;
            }
            for (t = 0; t < G_N_ELEMENTS(tests); t++) {
                g_autofree char *path = NULL;

                if (tests[t].skip_bitwise && i == CRC_IMPL_BITWISE) {
                    continue;
                }
                path = g_strdup_printf("/crc/%s/%s/%s", algo_names[a],
                                       crc_impl_name(i), tests[t].name);
                g_test_add_data_func(path, &cases[a][i], tests[t].fn);
            }
        }
    }
    g_test_add_func("/crc/dispatch", test_dispatch);

    return g_test_run();
}
