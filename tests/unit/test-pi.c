/*
 * Unit tests for hw/nvme-pi/pi.c: generate/verify round trips over every
 * supported format, the exact error record for every single-byte
 * corruption class, escape values, PRCHK bits, the application tag mask,
 * command-level PRINFO checks, and independently computed known answers.
 */
#include <glib.h>
#include <string.h>

#include "crc.h"
#include "pi.h"

static GRand *prng;

typedef struct Layout {
    PiCtx ctx;
    uint64_t nblocks;
    uint8_t *data; /* block 0's data */
    uint8_t *meta; /* block 0's metadata */
    uint8_t *buf1, *buf2;
} Layout;

static void fill_random(uint8_t *p, size_t n)
{
    while (n--) {
        *p++ = (uint8_t)g_rand_int(prng);
    }
}

static void layout_init(Layout *l, const PiFormat *f, uint64_t nblocks,
                        unsigned prchk, uint64_t reftag, uint16_t apptag,
                        uint16_t mask)
{
    g_assert_cmpint(pi_ctx_init(&l->ctx, f, prchk, reftag, apptag, mask), ==,
                    PI_OK);
    l->nblocks = nblocks;
    if (f->extended) {
        size_t n = nblocks * (f->block_size + f->meta_size);

        l->buf1 = g_malloc(n);
        l->buf2 = NULL;
        fill_random(l->buf1, n);
        l->data = l->buf1;
        l->meta = l->buf1 + f->block_size;
    } else {
        l->buf1 = g_malloc(nblocks * f->block_size);
        l->buf2 = g_malloc(nblocks * f->meta_size + 1);
        fill_random(l->buf1, nblocks * f->block_size);
        fill_random(l->buf2, nblocks * f->meta_size);
        l->data = l->buf1;
        l->meta = l->buf2;
    }
}

/* g_memdup2() needs GLib 2.68; the build accepts 2.66. */
static uint8_t *dup(const uint8_t *p, size_t n)
{
    uint8_t *q = g_malloc(n + 1);

    memcpy(q, p, n);
    return q;
}

static void layout_free(Layout *l)
{
    g_free(l->buf1);
    g_free(l->buf2);
}

static uint8_t *blk_data(Layout *l, uint64_t i)
{
    return l->data + i * l->ctx.data_stride;
}

static uint8_t *blk_meta(Layout *l, uint64_t i)
{
    return l->meta + i * l->ctx.meta_stride;
}

static uint8_t *blk_tuple(Layout *l, uint64_t i)
{
    return blk_meta(l, i) + l->ctx.tuple_offset;
}

/*
 * The guard recomputed without pi.c: one CRC over a copy of data || the
 * metadata in front of a trailing tuple, with the plain table version.
 */
static uint64_t ref_guard(const PiFormat *f, const uint8_t *data,
                          const uint8_t *meta)
{
    size_t tsize = pi_tuple_size(f->guard);
    size_t mlen = f->pi_first ? 0 : f->meta_size - tsize;
    g_autofree uint8_t *tmp = g_malloc(f->block_size + mlen + 1);
    uint64_t g;

    memcpy(tmp, data, f->block_size);
    memcpy(tmp + f->block_size, meta, mlen);
    switch (f->guard) {
    case PI_GUARD_16:
        g = crc16_t10dif_impl(CRC_IMPL_TABLE)(0, tmp, f->block_size + mlen);
        break;
    case PI_GUARD_32:
        g = crc32c_impl(CRC_IMPL_TABLE)(0, tmp, f->block_size + mlen);
        break;
    default:
        g = crc64_nvme_impl(CRC_IMPL_TABLE)(0, tmp, f->block_size + mlen);
        break;
    }
    return g;
}

/* ---- every format ---- */

static const uint32_t block_sizes[] = { 512, 4096 };
static const uint32_t meta_sizes[] = { 8, 16, 64 };
static const PiGuardFormat guards[] = { PI_GUARD_16, PI_GUARD_32, PI_GUARD_64 };

typedef void (*FormatFn)(const PiFormat *f);

/* Calls fn for every valid combination; returns how many. */
static int for_each_format(FormatFn fn)
{
    int n = 0;
    size_t b, m, g;
    unsigned type, first, ext;

    for (b = 0; b < G_N_ELEMENTS(block_sizes); b++) {
        for (m = 0; m < G_N_ELEMENTS(meta_sizes); m++) {
            for (g = 0; g < G_N_ELEMENTS(guards); g++) {
                if (meta_sizes[m] < pi_tuple_size(guards[g])) {
                    continue;
                }
                for (type = 1; type <= 3; type++) {
                    for (first = 0; first < 2; first++) {
                        for (ext = 0; ext < 2; ext++) {
                            PiFormat f = {
                                .block_size = block_sizes[b],
                                .meta_size = meta_sizes[m],
                                .extended = ext,
                                .pi_first = first,
                                .pi_type = (uint8_t)type,
                                .guard = guards[g],
                            };

                            fn(&f);
                            n++;
                        }
                    }
                }
            }
        }
    }
    return n;
}

static char *fmt_str(const PiFormat *f)
{
    return g_strdup_printf("%u+%u %s PI%s type %u %db guard", f->block_size,
                           f->meta_size, f->extended ? "ext" : "sep",
                           f->pi_first ? "first" : "last", f->pi_type,
                           f->guard == PI_GUARD_16   ? 16
                           : f->guard == PI_GUARD_32 ? 32
                                                     : 64);
}

/* An initial reftag just below the wrap, so wrapping is exercised. */
static uint64_t near_wrap(const PiFormat *f)
{
    return f->guard == PI_GUARD_16   ? 0xfffffffeull
           : f->guard == PI_GUARD_64 ? 0xfffffffffffeull
                                     : 0xfffffffffffffffeull;
}

static void roundtrip_one(const PiFormat *f)
{
    const uint64_t nblocks = 5;
    g_autofree char *name = fmt_str(f);
    g_autofree uint8_t *before = NULL;
    uint64_t mask = f->guard == PI_GUARD_16   ? 0xffffffffull
                    : f->guard == PI_GUARD_64 ? 0xffffffffffffull
                                              : ~0ull;
    Layout l;
    PiError err;
    uint64_t i;
    size_t mbytes;

    layout_init(&l, f, nblocks, PI_PRCHK_ALL, near_wrap(f), 0x1234, 0xffff);
    mbytes = f->extended ? nblocks * l.ctx.meta_stride
                         : nblocks * (size_t)f->meta_size;
    before = dup(l.meta, mbytes - (f->extended ? f->block_size : 0));

    g_assert_cmpint(pi_generate(&l.ctx, l.data, l.meta, nblocks), ==, PI_OK);
    g_assert_cmpint(pi_verify(&l.ctx, l.data, l.meta, nblocks, &err), ==,
                    PI_OK);
    g_assert_cmpint(err.check, ==, PI_CHECK_NONE);

    for (i = 0; i < nblocks; i++) {
        PiTuple t;
        uint64_t want_ref =
            f->pi_type == 3 ? near_wrap(f) : (near_wrap(f) + i) & mask;
        size_t k;

        pi_tuple_read(&l.ctx, blk_meta(&l, i), &t);
        if (t.guard != ref_guard(f, blk_data(&l, i), blk_meta(&l, i))) {
            g_test_message("%s: block %" G_GUINT64_FORMAT, name, i);
        }
        g_assert_cmphex(t.guard, ==,
                        ref_guard(f, blk_data(&l, i), blk_meta(&l, i)));
        g_assert_cmphex(
            t.guard, ==,
            pi_block_guard(&l.ctx, blk_data(&l, i), blk_meta(&l, i)));
        g_assert_cmphex(t.apptag, ==, 0x1234);
        g_assert_cmphex(t.reftag, ==, want_ref);
        /* Metadata outside the tuple is the host's: untouched. */
        for (k = 0; k < f->meta_size; k++) {
            if (k >= l.ctx.tuple_offset &&
                k < l.ctx.tuple_offset + l.ctx.tuple_size) {
                continue;
            }
            g_assert_cmphex(blk_meta(&l, i)[k], ==,
                            before[i * l.ctx.meta_stride + k]);
        }
    }
    layout_free(&l);
}

static void test_roundtrip(void)
{
    int n = for_each_format(roundtrip_one);

    /* 2 block sizes x (3 + 2 + 2 meta/guard pairs) x 3 types x 2 x 2 */
    g_assert_cmpint(n, ==, 2 * 7 * 3 * 2 * 2);
}

/* ---- corruptions ---- */

static void expect_fail(Layout *l, PiCheck check, uint64_t expected,
                        uint64_t actual, uint64_t block, const char *what)
{
    PiError err;
    PiStatus st = pi_verify(&l->ctx, l->data, l->meta, l->nblocks, &err);

    if (st != PI_CHECK_FAILED || err.check != check ||
        err.expected != expected || err.actual != actual ||
        err.block != block) {
        g_autofree char *name = fmt_str(&l->ctx.fmt);

        g_test_message("%s: %s: got st %d check %s exp 0x%" G_GINT64_MODIFIER
                       "x act 0x%" G_GINT64_MODIFIER "x blk %" G_GUINT64_FORMAT,
                       name, what, st, pi_check_name(err.check), err.expected,
                       err.actual, err.block);
    }
    g_assert_cmpint(st, ==, PI_CHECK_FAILED);
    g_assert_cmpint(err.check, ==, check);
    g_assert_cmphex(err.expected, ==, expected);
    g_assert_cmphex(err.actual, ==, actual);
    g_assert_cmpuint(err.block, ==, block);
}

static void expect_ok(Layout *l, const char *what)
{
    PiError err;
    PiStatus st = pi_verify(&l->ctx, l->data, l->meta, l->nblocks, &err);

    if (st != PI_OK) {
        g_autofree char *name = fmt_str(&l->ctx.fmt);

        g_test_message("%s: %s: unexpected %s error", name, what,
                       pi_check_name(err.check));
    }
    g_assert_cmpint(st, ==, PI_OK);
}

static void corrupt_data_byte(Layout *l, uint64_t bad, size_t k,
                              uint64_t guard0)
{
    uint8_t *p = blk_data(l, bad) + k;

    *p ^= 0x01;
    expect_fail(l, PI_CHECK_GUARD,
                ref_guard(&l->ctx.fmt, blk_data(l, bad), blk_meta(l, bad)),
                guard0, bad, "data byte");
    *p ^= 0x01;
}

static void corrupt_one(const PiFormat *f)
{
    const uint64_t nblocks = 3, blk = f->pi_type; /* vary the victim */
    const uint64_t bad = blk % nblocks;
    const size_t tsize = pi_tuple_size(f->guard);
    const size_t gsize = f->guard == PI_GUARD_16   ? 2
                         : f->guard == PI_GUARD_32 ? 4
                                                   : 8;
    const size_t tag_at = gsize, ref_at = gsize + 2;
    Layout l;
    PiTuple good;
    uint64_t guard0;
    size_t k, step;

    layout_init(&l, f, nblocks, PI_PRCHK_ALL, 1000, 0x1234, 0xffff);
    g_assert_cmpint(pi_generate(&l.ctx, l.data, l.meta, nblocks), ==, PI_OK);
    pi_tuple_read(&l.ctx, blk_meta(&l, bad), &good);
    guard0 = good.guard;

    /* Data: every byte of 512-byte blocks, a stride through 4 KiB ones. */
    step = f->block_size == 512 ? 1 : 61;
    for (k = 0; k < f->block_size; k += step) {
        corrupt_data_byte(&l, bad, k, guard0);
    }
    corrupt_data_byte(&l, bad, f->block_size - 1, guard0);

    /* Metadata outside the tuple: covered only when the PI is last. */
    for (k = 0; k < f->meta_size; k++) {
        uint8_t *p = blk_meta(&l, bad) + k;

        if (k >= l.ctx.tuple_offset && k < l.ctx.tuple_offset + tsize) {
            continue;
        }
        *p ^= 0x80;
        if (f->pi_first) {
            expect_ok(&l, "metadata after a leading tuple");
        } else {
            uint64_t g = ref_guard(f, blk_data(&l, bad), blk_meta(&l, bad));

            expect_fail(&l, PI_CHECK_GUARD, g, guard0, bad,
                        "metadata before a trailing tuple");
        }
        *p ^= 0x80;
    }

    /* Each byte of the guard field. */
    for (k = 0; k < gsize; k++) {
        uint8_t *p = blk_tuple(&l, bad) + k;
        PiTuple t;

        *p ^= 0x5a;
        pi_tuple_read(&l.ctx, blk_meta(&l, bad), &t);
        g_assert_cmphex(t.guard, !=, guard0);
        expect_fail(&l, PI_CHECK_GUARD, guard0, t.guard, bad, "guard byte");
        *p ^= 0x5a;
    }

    /* Each byte of the application tag. */
    for (k = 0; k < 2; k++) {
        uint8_t *p = blk_tuple(&l, bad) + tag_at + k;
        PiTuple t;

        *p ^= 0x5a;
        pi_tuple_read(&l.ctx, blk_meta(&l, bad), &t);
        expect_fail(&l, PI_CHECK_APPTAG, 0x1234, t.apptag, bad, "apptag");
        *p ^= 0x5a;
    }

    /*
     * Each byte after the application tag: the reference tag (and, with
     * the 32b guard, the 2-byte storage tag, which is not checked).  Type 3
     * never checks the reference tag.
     */
    for (k = ref_at; k < tsize; k++) {
        uint8_t *p = blk_tuple(&l, bad) + k;
        PiTuple t;

        *p ^= 0x5a;
        pi_tuple_read(&l.ctx, blk_meta(&l, bad), &t);
        if (f->pi_type == 3 || (f->guard == PI_GUARD_32 && k < 8)) {
            expect_ok(&l, "unchecked reftag/storage tag");
        } else {
            expect_fail(&l, PI_CHECK_REFTAG, 1000 + bad, t.reftag, bad,
                        "reftag");
        }
        *p ^= 0x5a;
    }

    /* Guard first: with guard and apptag both bad, the guard is reported. */
    blk_data(&l, bad)[7] ^= 0x10;
    blk_tuple(&l, bad)[tag_at] ^= 0x10;
    g_assert_cmpint(pi_verify(&l.ctx, l.data, l.meta, nblocks, NULL), ==,
                    PI_CHECK_FAILED);
    expect_fail(&l, PI_CHECK_GUARD,
                ref_guard(f, blk_data(&l, bad), blk_meta(&l, bad)), guard0, bad,
                "guard before apptag");
    blk_data(&l, bad)[7] ^= 0x10;
    blk_tuple(&l, bad)[tag_at] ^= 0x10;

    /* The first failing block is the one reported. */
    blk_data(&l, nblocks - 1)[0] ^= 1;
    blk_data(&l, 0)[0] ^= 1;
    pi_tuple_read(&l.ctx, blk_meta(&l, 0), &good);
    expect_fail(&l, PI_CHECK_GUARD,
                ref_guard(f, blk_data(&l, 0), blk_meta(&l, 0)), good.guard, 0,
                "first of two");
    blk_data(&l, nblocks - 1)[0] ^= 1;
    blk_data(&l, 0)[0] ^= 1;

    expect_ok(&l, "restored");
    layout_free(&l);
}

static void test_corruption(void)
{
    for_each_format(corrupt_one);
}

/* ---- escapes, PRCHK, mask ---- */

static void set_tuple(Layout *l, uint64_t blk, uint16_t apptag, uint64_t reftag)
{
    PiTuple t;

    pi_tuple_read(&l->ctx, blk_meta(l, blk), &t);
    t.apptag = apptag;
    t.reftag = reftag;
    pi_tuple_write(&l->ctx, blk_meta(l, blk), &t);
}

static void escape_one(const PiFormat *f)
{
    const uint64_t all_ones = f->guard == PI_GUARD_16   ? 0xffffffffull
                              : f->guard == PI_GUARD_64 ? 0xffffffffffffull
                                                        : ~0ull;
    Layout l;

    layout_init(&l, f, 2, PI_PRCHK_ALL, 77, 0x1234, 0xffff);
    g_assert_cmpint(pi_generate(&l.ctx, l.data, l.meta, 2), ==, PI_OK);
    blk_data(&l, 1)[3] ^= 0xff; /* guard now wrong too */

    set_tuple(&l, 1, 0xffff, 12345);
    if (f->pi_type == 3) {
        /* Type 3 needs both tags at their escape value. */
        PiTuple t;

        pi_tuple_read(&l.ctx, blk_meta(&l, 1), &t);
        expect_fail(&l, PI_CHECK_GUARD,
                    ref_guard(f, blk_data(&l, 1), blk_meta(&l, 1)), t.guard, 1,
                    "type 3 apptag-only escape");
    } else {
        expect_ok(&l, "apptag escape");
    }
    set_tuple(&l, 1, 0xffff, all_ones);
    expect_ok(&l, "apptag + reftag escape");
    /* All ones in fewer bits than the reftag field is not the escape. */
    set_tuple(&l, 1, 0xffff, all_ones >> 1);
    if (f->pi_type == 3) {
        PiError err;

        g_assert_cmpint(pi_verify(&l.ctx, l.data, l.meta, 2, &err), ==,
                        PI_CHECK_FAILED);
        g_assert_cmpint(err.check, ==, PI_CHECK_GUARD);
    } else {
        expect_ok(&l, "apptag escape, any reftag");
    }
    layout_free(&l);
}

static void test_escape(void)
{
    for_each_format(escape_one);
}

static void test_prchk(void)
{
    PiFormat f = {
        .block_size = 512, .meta_size = 8, .pi_type = 1, .guard = PI_GUARD_16
    };
    Layout l;
    PiTuple t;

    layout_init(&l, &f, 4, PI_PRCHK_ALL, 5, 0x1234, 0xffff);
    g_assert_cmpint(pi_generate(&l.ctx, l.data, l.meta, 4), ==, PI_OK);

    /* Break guard, apptag and reftag of three different blocks. */
    blk_tuple(&l, 1)[0] ^= 1;
    set_tuple(&l, 2, 0x4321, 5 + 2);
    pi_tuple_read(&l.ctx, blk_meta(&l, 3), &t);
    t.reftag = 99;
    pi_tuple_write(&l.ctx, blk_meta(&l, 3), &t);

    l.ctx.prchk = PI_PRCHK_ALL;
    g_assert_cmpint(pi_verify(&l.ctx, l.data, l.meta, 4, NULL), ==,
                    PI_CHECK_FAILED);
    l.ctx.prchk = PI_PRCHK_APPTAG | PI_PRCHK_REFTAG;
    expect_fail(&l, PI_CHECK_APPTAG, 0x1234, 0x4321, 2, "no guard check");
    l.ctx.prchk = PI_PRCHK_REFTAG;
    expect_fail(&l, PI_CHECK_REFTAG, 5 + 3, 99, 3, "reftag only");
    l.ctx.prchk = PI_PRCHK_GUARD | PI_PRCHK_APPTAG;
    g_assert_cmpint(pi_verify(&l.ctx, l.data, l.meta, 4, NULL), ==,
                    PI_CHECK_FAILED);
    l.ctx.prchk = 0;
    expect_ok(&l, "no checks");
    /* The same through pi_ctx_init, as a device would. */
    g_assert_cmpint(pi_ctx_init(&l.ctx, &f, 0, 5, 0x1234, 0xffff), ==, PI_OK);
    expect_ok(&l, "no checks (init)");
    layout_free(&l);
}

static void test_apptag_mask(void)
{
    PiFormat f = { .block_size = 4096,
                   .meta_size = 16,
                   .pi_type = 2,
                   .guard = PI_GUARD_64,
                   .extended = true };
    Layout l;

    layout_init(&l, &f, 1, PI_PRCHK_ALL, 0, 0x12ff, 0xff00);
    g_assert_cmpint(pi_generate(&l.ctx, l.data, l.meta, 1), ==, PI_OK);
    set_tuple(&l, 0, 0x1200, 0);
    expect_ok(&l, "masked-out low byte differs");
    set_tuple(&l, 0, 0x13ff, 0);
    expect_fail(&l, PI_CHECK_APPTAG, 0x12ff, 0x13ff, 0, "masked byte");
    l.ctx.apptag_mask = 0;
    expect_ok(&l, "mask 0 compares nothing");
    layout_free(&l);
}

/* ---- known answers ---- */

/*
 * Expected tuples computed independently of this code base: a short
 * Python model of each CRC written from its polynomial definition (width,
 * poly, init, refin, refout, xorout; one bit at a time) over the same
 * bytes, with the tuple laid out by hand from the NVM Command Set figures.
 * Data is bytes i & 0xff; metadata in front of a trailing tuple is bytes
 * 0xA0 + i.
 *   T10DIF(inc512)              = 0x4F10
 *   T10DIF(inc512 || meta[56])  = 0xF990
 *   CRC64(inc4096)              = 0x3E729F5F6750449C (NVM spec test case)
 *   CRC64(inc4096 || meta[48])  = 0xB01B65CEE189D34A
 *   CRC32C(inc4096 || meta[48]) = 0x705BCACC
 */
typedef struct KnownPi {
    PiFormat f;
    uint64_t reftag;
    uint16_t apptag;
    uint8_t tuple[16];
} KnownPi;

static const KnownPi known_pi[] = {
    { { 512, 8, false, false, 1, PI_GUARD_16 },
      0x01020304,
      0xabcd,
      { 0x4f, 0x10, 0xab, 0xcd, 0x01, 0x02, 0x03, 0x04 } },
    { { 512, 64, true, false, 2, PI_GUARD_16 },
      0x0a0b0c0d,
      0x0001,
      { 0xf9, 0x90, 0x00, 0x01, 0x0a, 0x0b, 0x0c, 0x0d } },
    { { 512, 64, false, true, 1, PI_GUARD_16 },
      0x0a0b0c0d,
      0x0001,
      { 0x4f, 0x10, 0x00, 0x01, 0x0a, 0x0b, 0x0c, 0x0d } },
    { { 4096, 16, false, false, 1, PI_GUARD_64 },
      0x123456789abcull,
      0xbeef,
      { 0x3e, 0x72, 0x9f, 0x5f, 0x67, 0x50, 0x44, 0x9c, 0xbe, 0xef, 0x12, 0x34,
        0x56, 0x78, 0x9a, 0xbc } },
    { { 4096, 64, true, false, 1, PI_GUARD_64 },
      7,
      0x0002,
      { 0xb0, 0x1b, 0x65, 0xce, 0xe1, 0x89, 0xd3, 0x4a, 0x00, 0x02, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x07 } },
    { { 4096, 64, false, false, 1, PI_GUARD_32 },
      0x1122334455667788ull,
      0x0303,
      { 0x70, 0x5b, 0xca, 0xcc, 0x03, 0x03, 0x00, 0x00, 0x11, 0x22, 0x33, 0x44,
        0x55, 0x66, 0x77, 0x88 } },
};

static void test_known_answers(void)
{
    size_t i, k;

    for (i = 0; i < G_N_ELEMENTS(known_pi); i++) {
        const KnownPi *kp = &known_pi[i];
        Layout l;
        PiTuple t;
        uint8_t enc[16];

        layout_init(&l, &kp->f, 1, PI_PRCHK_ALL, kp->reftag, kp->apptag,
                    0xffff);
        for (k = 0; k < kp->f.block_size; k++) {
            l.data[k] = (uint8_t)k;
        }
        for (k = 0; k < kp->f.meta_size; k++) {
            l.meta[k] = (uint8_t)(0xa0 + k);
        }
        g_assert_cmpint(pi_generate(&l.ctx, l.data, l.meta, 1), ==, PI_OK);
        g_assert_cmpmem(blk_tuple(&l, 0), l.ctx.tuple_size, kp->tuple,
                        l.ctx.tuple_size);
        expect_ok(&l, "known answer");

        /* decode/encode agree with the bytes */
        pi_tuple_decode(kp->f.guard, kp->tuple, &t);
        g_assert_cmphex(t.apptag, ==, kp->apptag);
        g_assert_cmphex(t.reftag, ==, kp->reftag);
        pi_tuple_encode(kp->f.guard, enc, &t);
        g_assert_cmpmem(enc, l.ctx.tuple_size, kp->tuple, l.ctx.tuple_size);
        layout_free(&l);
    }
}

/* ---- formats, PRINFO, status codes ---- */

static void test_invalid_formats(void)
{
    PiCtx ctx;
    PiFormat f = {
        .block_size = 512, .meta_size = 8, .pi_type = 1, .guard = PI_GUARD_64
    };

    g_assert_cmpint(pi_ctx_init(&ctx, &f, 0, 0, 0, 0), ==, PI_INVALID);
    f.guard = PI_GUARD_32;
    g_assert_cmpint(pi_ctx_init(&ctx, &f, 0, 0, 0, 0), ==, PI_INVALID);
    f.guard = PI_GUARD_16;
    g_assert_cmpint(pi_ctx_init(&ctx, &f, 0, 0, 0, 0), ==, PI_OK);
    f.pi_type = 4;
    g_assert_cmpint(pi_ctx_init(&ctx, &f, 0, 0, 0, 0), ==, PI_INVALID);
    f.pi_type = 1;
    f.block_size = 0;
    g_assert_cmpint(pi_ctx_init(&ctx, &f, 0, 0, 0, 0), ==, PI_INVALID);
    f.block_size = 512;
    g_assert_cmpint(pi_ctx_init(&ctx, &f, 0x8, 0, 0, 0), ==, PI_INVALID);
    f.guard = (PiGuardFormat)3;
    g_assert_cmpint(pi_ctx_init(&ctx, &f, 0, 0, 0, 0), ==, PI_INVALID);
    g_assert_cmpuint(pi_tuple_size((PiGuardFormat)3), ==, 0);
}

/*
 * Strict PI must not turn itself off: a context whose init failed, or
 * that was never initialised, refuses to verify or generate -- even over
 * blocks whose guard is wrong, which a zeroed "type 0" context would
 * have passed.
 */
static void test_failed_init_never_verifies(void)
{
    static const PiFormat bad[] = {
        { .block_size = 512, .meta_size = 8, .pi_type = 1,
          .guard = PI_GUARD_64 },                   /* tuple does not fit */
        { .block_size = 512, .meta_size = 8, .pi_type = 4 },
        { .block_size = 0, .meta_size = 8, .pi_type = 1 },
        { .block_size = 512, .meta_size = 8, .pi_type = 1,
          .guard = (PiGuardFormat)3 },
    };
    PiFormat good = { .block_size = 512, .meta_size = 8, .pi_type = 1 };
    uint8_t data[512], meta[8];
    PiCtx ctx;
    PiError err;
    unsigned i;

    memset(data, 0x5a, sizeof(data));
    memset(meta, 0, sizeof(meta));          /* guard 0: wrong for data */
    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        /* A context that was usable before the failed init, too. */
        g_assert_cmpint(pi_ctx_init(&ctx, &good, PI_PRCHK_ALL, 0, 0, 0xffff),
                        ==, PI_OK);
        g_assert_cmpint(pi_verify(&ctx, data, meta, 1, &err), ==,
                        PI_CHECK_FAILED);
        g_assert_cmpint(pi_ctx_init(&ctx, &bad[i], PI_PRCHK_ALL, 0, 0,
                                    0xffff), ==, PI_INVALID);
        g_assert_cmpint(pi_verify(&ctx, data, meta, 1, &err), ==, PI_INVALID);
        g_assert_cmpint(pi_verify(&ctx, data, meta, 1, NULL), ==, PI_INVALID);
        g_assert_cmpint(pi_generate(&ctx, data, meta, 1), ==, PI_INVALID);
    }
    /* Bad PRCHK bits with a good format. */
    g_assert_cmpint(pi_ctx_init(&ctx, &good, 0x10, 0, 0, 0), ==, PI_INVALID);
    g_assert_cmpint(pi_verify(&ctx, data, meta, 1, &err), ==, PI_INVALID);
    /* Never initialised: all zeroes (type 0, no checks) or garbage. */
    memset(&ctx, 0, sizeof(ctx));
    g_assert_cmpint(pi_verify(&ctx, data, meta, 1, &err), ==, PI_INVALID);
    memset(&ctx, 0xa5, sizeof(ctx));
    g_assert_cmpint(pi_verify(&ctx, data, meta, 1, &err), ==, PI_INVALID);
    g_assert_cmpint(pi_generate(&ctx, data, meta, 1), ==, PI_INVALID);
}

static void test_type0(void)
{
    PiFormat f = { .block_size = 512, .meta_size = 8, .pi_type = 0 };
    Layout l;
    g_autofree uint8_t *copy = NULL;

    layout_init(&l, &f, 2, PI_PRCHK_ALL, 0, 0, 0xffff);
    copy = dup(l.meta, 16);
    g_assert_cmpint(pi_generate(&l.ctx, l.data, l.meta, 2), ==, PI_OK);
    g_assert_cmpmem(l.meta, 16, copy, 16);
    expect_ok(&l, "type 0 has nothing to check");
    layout_free(&l);

    /* No metadata at all is a valid type 0 format. */
    f.meta_size = 0;
    layout_init(&l, &f, 2, 0, 0, 0, 0);
    expect_ok(&l, "no metadata");
    layout_free(&l);
}

static void test_prinfo(void)
{
    PiFormat f16 = {
        .block_size = 512, .meta_size = 8, .pi_type = 1, .guard = PI_GUARD_16
    };
    PiFormat f64 = {
        .block_size = 4096, .meta_size = 16, .pi_type = 1, .guard = PI_GUARD_64
    };

    /* Type 1: ILBRT must be the low 32 (16b) or 48 (64b) bits of SLBA. */
    g_assert_cmphex(pi_check_prinfo(&f16, PI_PRCHK_ALL, 0x100000005ull, 5), ==,
                    0);
    g_assert_cmphex(pi_check_prinfo(&f16, PI_PRCHK_ALL, 6, 5), ==,
                    NVME_PI_SC_INVALID_PROT_INFO);
    g_assert_cmphex(pi_check_prinfo(&f16, PI_PRCHK_GUARD, 6, 5), ==, 0);
    g_assert_cmphex(
        pi_check_prinfo(&f64, PI_PRCHK_ALL, 0x100000005ull, 0x100000005ull), ==,
        0);
    g_assert_cmphex(pi_check_prinfo(&f64, PI_PRCHK_ALL, 0x100000005ull, 5), ==,
                    NVME_PI_SC_INVALID_PROT_INFO);
    /* Type 2: any ILBRT. */
    f16.pi_type = 2;
    g_assert_cmphex(pi_check_prinfo(&f16, PI_PRCHK_ALL, 6, 5), ==, 0);
    /* Type 3: reference tag checking is not allowed. */
    f16.pi_type = 3;
    g_assert_cmphex(pi_check_prinfo(&f16, PI_PRCHK_REFTAG, 6, 6), ==,
                    NVME_PI_SC_INVALID_PROT_INFO);
    g_assert_cmphex(pi_check_prinfo(&f16, PI_PRCHK_GUARD, 6, 6), ==, 0);
}

static void test_status_codes(void)
{
    g_assert_cmphex(pi_check_to_nvme_status(PI_CHECK_GUARD), ==, 0x282);
    g_assert_cmphex(pi_check_to_nvme_status(PI_CHECK_APPTAG), ==, 0x283);
    g_assert_cmphex(pi_check_to_nvme_status(PI_CHECK_REFTAG), ==, 0x284);
    g_assert_cmphex(pi_check_to_nvme_status(PI_CHECK_NONE), ==, 0);
    g_assert_cmpstr(pi_check_name(PI_CHECK_GUARD), ==, "guard");
    g_assert_cmpstr(pi_check_name(PI_CHECK_APPTAG), ==, "apptag");
    g_assert_cmpstr(pi_check_name(PI_CHECK_REFTAG), ==, "reftag");
    g_assert_cmpstr(pi_check_name(PI_CHECK_NONE), ==, "none");
}

/* Reference tags wrap at the width of their field. */
static void test_reftag_wrap(void)
{
    PiFormat f = {
        .block_size = 512, .meta_size = 16, .pi_type = 1, .guard = PI_GUARD_64
    };
    Layout l;
    PiTuple t;

    layout_init(&l, &f, 2, PI_PRCHK_ALL, 0xffffffffffffull, 0, 0xffff);
    g_assert_cmpint(pi_generate(&l.ctx, l.data, l.meta, 2), ==, PI_OK);
    pi_tuple_read(&l.ctx, blk_meta(&l, 1), &t);
    g_assert_cmphex(t.reftag, ==, 0);
    expect_ok(&l, "48-bit wrap");
    layout_free(&l);

    f.guard = PI_GUARD_16;
    f.meta_size = 8;
    layout_init(&l, &f, 2, PI_PRCHK_ALL, 0x1ffffffffull, 0, 0xffff);
    g_assert_cmphex(l.ctx.init_reftag, ==, 0xffffffff);
    g_assert_cmpint(pi_generate(&l.ctx, l.data, l.meta, 2), ==, PI_OK);
    pi_tuple_read(&l.ctx, blk_meta(&l, 1), &t);
    g_assert_cmphex(t.reftag, ==, 0);
    layout_free(&l);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    prng = g_rand_new_with_seed(0x7069);

    g_test_add_func("/pi/roundtrip", test_roundtrip);
    g_test_add_func("/pi/corruption", test_corruption);
    g_test_add_func("/pi/escape", test_escape);
    g_test_add_func("/pi/prchk", test_prchk);
    g_test_add_func("/pi/apptag-mask", test_apptag_mask);
    g_test_add_func("/pi/known-answers", test_known_answers);
    g_test_add_func("/pi/invalid-formats", test_invalid_formats);
    g_test_add_func("/pi/failed-init-never-verifies",
                    test_failed_init_never_verifies);
    g_test_add_func("/pi/type0", test_type0);
    g_test_add_func("/pi/prinfo", test_prinfo);
    g_test_add_func("/pi/status-codes", test_status_codes);
    g_test_add_func("/pi/reftag-wrap", test_reftag_wrap);

    return g_test_run();
}
