/*
 * selftest.c - --self-test: the block format, the classifier and the JSON
 * escaper checked in-process, no I/O.  Torn and corrupt blocks are hard to
 * provoke on demand, so they are built here by hand.
 */
#include "dio-torture.h"
#include "json.h"

#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond, ...)                                                       \
    do {                                                                       \
        if (!(cond)) {                                                         \
            failures++;                                                        \
            fprintf(stderr, "self-test FAIL %s:%d: ", __FILE__, __LINE__);     \
            fprintf(stderr, __VA_ARGS__);                                      \
            fputc('\n', stderr);                                               \
        }                                                                      \
    } while (0)

enum { BS = 4096 };

static enum dt_class classify(const void *buf, const struct dt_expect *e)
{
    struct dt_verdict v;

    dt_classify(buf, e, &v);
    return v.cls;
}

static void expect_class(const char *what, const void *buf,
                         const struct dt_expect *e, enum dt_class want)
{
    enum dt_class got = classify(buf, e);

    CHECK(got == want, "%s: got %s, want %s", what, dt_class_name(got),
          dt_class_name(want));
}

static void test_mix(void)
{
    uint64_t s = 42;

    for (int i = 0; i < 10000; i++) {
        uint64_t x = dt_rng_next(&s);

        CHECK(dt_unmix64(dt_mix64(x)) == x, "unmix(mix(%#llx))",
              (unsigned long long)x);
    }
}

static void test_whole_block(uint64_t *a, uint64_t *b)
{
    struct dt_expect e = {
        .id = { .seed = 7, .offset = 1u << 20, .bs = BS },
        .seq = 99,
        .klast = 5,
        .rfrom = 0,
        .rlen = BS,
    };
    uint64_t g;

    dt_fill(a, &e.id, dt_gen(e.seq, 0));
    CHECK(dt_header_intact(a, &e.id, &g) && g == dt_gen(99, 0),
          "fresh header intact");
    for (size_t i = DT_HDR_WORDS; i < BS / 8; i += 97) {
        CHECK(dt_decode_word(&e.id, i, a[i]) == dt_gen(99, 0), "decode %zu", i);
    }
    expect_class("first", a, &e, DT_CLASS_OK_FIRST);

    dt_fill(a, &e.id, dt_gen(e.seq, 5));
    expect_class("last", a, &e, DT_CLASS_OK_LAST);

    dt_fill(a, &e.id, dt_gen(e.seq, 3));
    expect_class("mid", a, &e, DT_CLASS_OK_MID);

    /* first half k=0, second half k=5: a tear at a sector boundary */
    dt_fill(a, &e.id, dt_gen(e.seq, 0));
    dt_fill(b, &e.id, dt_gen(e.seq, 5));
    memcpy((char *)a + 2048, (char *)b + 2048, 2048);
    expect_class("torn halves", a, &e, DT_CLASS_TORN);
    CHECK(!dt_header_intact(a, &e.id, &g), "torn header not intact");

    /* mutator caught mid-rewrite: header and start k=4, rest k=3,
     * checksum still k=3 (it is written last) */
    dt_fill(a, &e.id, dt_gen(e.seq, 3));
    dt_fill(b, &e.id, dt_gen(e.seq, 4));
    memcpy(a, b, DT_W_CSUM * 8);
    memcpy((char *)a + 64, (char *)b + 64, 1000);
    expect_class("torn in rewrite", a, &e, DT_CLASS_TORN);

    /* a word torn byte-wise between k=0 and k=5 */
    dt_fill(a, &e.id, dt_gen(e.seq, 0));
    dt_fill(b, &e.id, dt_gen(e.seq, 5));
    memcpy((char *)a + 800, (char *)b + 800, 3);
    expect_class("byte-torn word", a, &e, DT_CLASS_TORN);

    /* one flipped bit */
    dt_fill(a, &e.id, dt_gen(e.seq, 0));
    a[300] ^= 1u << 9;
    expect_class("bit flip", a, &e, DT_CLASS_MISMATCH);

    /* a zeroed sector */
    dt_fill(a, &e.id, dt_gen(e.seq, 5));
    memset((char *)a + 1024, 0, 512);
    expect_class("zero sector", a, &e, DT_CLASS_MISMATCH);

    /* stale: the previous write to this block */
    dt_fill(a, &e.id, dt_gen(e.seq - 1, 0));
    expect_class("stale block", a, &e, DT_CLASS_MISMATCH);

    /* a generation beyond what the buffer ever held */
    dt_fill(a, &e.id, dt_gen(e.seq, 6));
    expect_class("future k", a, &e, DT_CLASS_MISMATCH);

    /* another block's content (misdirected write) */
    e.id.offset += BS;
    dt_fill(a, &e.id, dt_gen(e.seq, 0));
    e.id.offset -= BS;
    expect_class("misdirected", a, &e, DT_CLASS_MISMATCH);

    /* nothing mutated: only k=0 is legitimate */
    e.klast = 0;
    dt_fill(a, &e.id, dt_gen(e.seq, 0));
    expect_class("unmutated first", a, &e, DT_CLASS_OK_FIRST);
    dt_fill(a, &e.id, dt_gen(e.seq, 1));
    expect_class("unmutated k1", a, &e, DT_CLASS_MISMATCH);
}

static void test_region(uint64_t *a)
{
    struct dt_expect e = {
        .id = { .seed = 3, .offset = 0, .bs = BS },
        .seq = 5,
        .klast = 9,
        .rfrom = 2048,
        .rlen = 64,
    };
    struct dt_verdict v;

    dt_fill(a, &e.id, dt_gen(e.seq, 0));
    dt_fill_region(a, &e.id, dt_gen(e.seq, 9), e.rfrom, e.rlen);
    expect_class("partial last", a, &e, DT_CLASS_OK_LAST);
    dt_fill_region(a, &e.id, dt_gen(e.seq, 4), e.rfrom, e.rlen);
    dt_classify(a, &e, &v);
    CHECK(v.cls == DT_CLASS_OK_MID && v.k == 4, "partial mid: %s k=%u",
          dt_class_name(v.cls), v.k);
    dt_fill_region(a, &e.id, dt_gen(e.seq, 9), e.rfrom, 32);
    expect_class("partial torn", a, &e, DT_CLASS_TORN);
    /* a change outside the region is not explained by the mutator */
    dt_fill_region(a, &e.id, dt_gen(e.seq, 9), 1024, 8);
    expect_class("outside region", a, &e, DT_CLASS_MISMATCH);

    /* once-after: bytes [64, 64+512) rewritten once */
    e.rfrom = DT_HDR_BYTES;
    e.rlen = 512;
    e.klast = 1;
    dt_fill(a, &e.id, dt_gen(e.seq, 0));
    dt_fill_region(a, &e.id, dt_gen(e.seq, 1), e.rfrom, e.rlen);
    expect_class("once last", a, &e, DT_CLASS_OK_LAST);
    dt_fill_region(a, &e.id, dt_gen(e.seq, 0), e.rfrom, 256);
    expect_class("once torn", a, &e, DT_CLASS_TORN);
}

static void test_json(void)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);

    if (!f) {
        CHECK(0, "open_memstream");
        return;
    }
    json_write_string(f, "a\"b\\c\n\x01\x7f\xc3\xa9\xff/");
    fclose(f);
    CHECK(!strcmp(out, "\"a\\\"b\\\\c\\n\\u0001\\u007f\xc3\xa9\\u00ff/\""),
          "json escape: %s", out);
    free(out);
}

int dt_self_test(void)
{
    uint64_t *a = aligned_alloc(4096, BS), *b = aligned_alloc(4096, BS);

    if (!a || !b) {
        fprintf(stderr, "self-test: out of memory\n");
        return DT_EXIT_RUNTIME;
    }
    test_mix();
    test_whole_block(a, b);
    test_region(a);
    test_json();
    free(a);
    free(b);
    fprintf(stderr, "dio-torture: self-test %s (%d failure%s)\n",
            failures ? "FAILED" : "passed", failures, failures == 1 ? "" : "s");
    return failures ? 1 : 0;
}
