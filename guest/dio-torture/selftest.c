/*
 * selftest.c - --self-test: the block format, the classifier and the JSON
 * escaper checked in-process, no I/O.  Torn and corrupt blocks are hard to
 * provoke on demand, so they are built here by hand.
 */
#include "dio-torture.h"
#include "journal.h"
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

static enum dt_later_class later(const void *buf, const struct dt_block_id *id,
                                 const struct dt_version *v, size_t nv)
{
    struct dt_later_verdict lv;

    dt_classify_later(buf, id, v, nv, &lv);
    return lv.cls;
}

#define EXPECT_LATER(what, buf, id, v, nv, want)                               \
    do {                                                                       \
        enum dt_later_class got_ = later(buf, id, v, nv);                      \
        CHECK(got_ == (want), "later %s: got %s, want %s", what,              \
              dt_later_class_name(got_), dt_later_class_name(want));          \
    } while (0)

/* The verify-later classes, one case each and the corner cases between. */
static void test_later(uint64_t *a, uint64_t *b)
{
    struct dt_block_id id = { .seed = 77, .offset = 8 * BS, .bs = BS };
    struct dt_block_id id0 = { .seed = 77, .offset = 0, .bs = BS };
    struct dt_block_id other = { .seed = 77, .offset = 9 * BS, .bs = BS };
    /* seq 3 completed after 0 rewrites, seq 9 after 2 */
    struct dt_version done[] = { { 3, 0, true }, { 9, 2, true } };
    /* seq 9 was in flight at the cut: any k */
    struct dt_version cut[] = { { 3, 0, true }, { 9, 0, false } };
    /* the only write, in flight at the cut */
    struct dt_version first_cut[] = { { 9, 0, false } };
    uint64_t *c = aligned_alloc(4096, BS);

    if (!c) {
        CHECK(0, "aligned_alloc");
        return;
    }
    dt_fill(a, &id, dt_gen(9, 0));
    EXPECT_LATER("last k0", a, &id, done, 2, DT_LATER_LAST);
    dt_fill(a, &id, dt_gen(9, 2));
    EXPECT_LATER("last rewritten in flight", a, &id, done, 2, DT_LATER_LAST);
    dt_fill(a, &id0, dt_gen(9, 1));
    EXPECT_LATER("last, block 0", a, &id0, done, 2, DT_LATER_LAST);
    dt_fill(a, &id, dt_gen(3, 0));
    EXPECT_LATER("earlier", a, &id, done, 2, DT_LATER_EARLIER);
    memset(a, 0, BS);
    EXPECT_LATER("never", a, &id, done, 2, DT_LATER_NEVER);
    EXPECT_LATER("never, no versions", a, &id, done, 0, DT_LATER_NEVER);

    /* torn within the last write: still the last */
    dt_fill(a, &id, dt_gen(9, 0));
    dt_fill(b, &id, dt_gen(9, 2));
    memcpy((char *)a + 2048, (char *)b + 2048, 2048);
    EXPECT_LATER("torn in last", a, &id, done, 2, DT_LATER_LAST);
    /* caught mid-rewrite: header and payload k=2, checksum still k=1 */
    dt_fill(a, &id, dt_gen(9, 1));
    dt_fill(b, &id, dt_gen(9, 2));
    memcpy(a, b, DT_W_CSUM * 8);
    memcpy((char *)a + 64, (char *)b + 64, BS - 64);
    EXPECT_LATER("checksum lags", a, &id, done, 2, DT_LATER_LAST);
    /* byte-torn word within the last write */
    dt_fill(a, &id, dt_gen(9, 0));
    memcpy((char *)a + 800, (char *)b + 800, 3);
    EXPECT_LATER("byte-torn word", a, &id, done, 2, DT_LATER_LAST);

    /* mixed: half the earlier write, half the last (a tear at a cut) */
    dt_fill(a, &id, dt_gen(3, 0));
    dt_fill(b, &id, dt_gen(9, 1));
    memcpy((char *)a + 2048, (char *)b + 2048, 2048);
    EXPECT_LATER("mixed writes", a, &id, done, 2, DT_LATER_MIXED);
    /* the first write to the block torn over zeros at a cut */
    dt_fill(a, &id, dt_gen(9, 5));
    memset((char *)a + 2048, 0, 2048);
    EXPECT_LATER("first write torn over zeros", a, &id, first_cut, 1,
                 DT_LATER_MIXED);
    /* ... but zeros after a completed write explain nothing */
    EXPECT_LATER("zeros after completion", a, &id, cut, 2, DT_LATER_NEITHER);

    /* k beyond what the buffer held at completion: neither; unknown when
     * the write was cut in flight: last */
    dt_fill(a, &id, dt_gen(9, 3));
    EXPECT_LATER("k past completion", a, &id, done, 2, DT_LATER_NEITHER);
    EXPECT_LATER("k of a cut write", a, &id, cut, 2, DT_LATER_LAST);
    /* a write the journal never saw (an older run, a lost record) */
    dt_fill(a, &id, dt_gen(5, 0));
    EXPECT_LATER("unjournaled write", a, &id, done, 2, DT_LATER_NEITHER);
    /* another block's content (misdirected) */
    dt_fill(a, &other, dt_gen(9, 0));
    EXPECT_LATER("misdirected", a, &id, done, 2, DT_LATER_NEITHER);
    /* one flipped bit */
    dt_fill(a, &id, dt_gen(9, 1));
    a[300] ^= 1u << 9;
    EXPECT_LATER("bit flip", a, &id, done, 2, DT_LATER_NEITHER);

    /*
     * RAID5 skip_copy: parity P = D(k0) ^ X was computed over the data
     * page at k=0, the data member received k=1.  A degraded read of X
     * rebuilds P ^ D(k1) = X ^ D(k0) ^ D(k1): every word is wrong, though
     * both generations of D and X itself are legitimate versions.
     */
    dt_fill(a, &other, dt_gen(4, 0)); /* X */
    dt_fill(b, &id, dt_gen(9, 0));    /* D at parity time */
    dt_fill(c, &id, dt_gen(9, 1));    /* D on its member */
    for (size_t i = 0; i < BS / 8; i++) {
        a[i] ^= b[i] ^ c[i];
    }
    {
        struct dt_version xv[] = { { 4, 0, true } };

        EXPECT_LATER("parity rebuilt from changed pages", a, &other, xv, 1,
                     DT_LATER_NEITHER);
        /* the same rebuild with an unchanged page is X again */
        dt_fill(a, &other, dt_gen(4, 0));
        for (size_t i = 0; i < BS / 8; i++) {
            a[i] ^= b[i] ^ b[i];
        }
        EXPECT_LATER("parity rebuilt, no change", a, &other, xv, 1,
                     DT_LATER_LAST);
    }
    free(c);
}

/* Journal records: sealed per run and index; the index of versions. */
static void test_journal(void)
{
    struct dt_journal_hdr h, h2;
    struct dt_jrec r[8];
    struct dt_journal_index ix;
    const struct dt_version *v;

    dt_journal_hdr_make(&h, 1234, 77, 0, BS, 4);
    CHECK(dt_journal_hdr_valid(&h), "header valid");
    h2 = h;
    h2.seed ^= 1;
    CHECK(!dt_journal_hdr_valid(&h2), "changed header invalid");
    dt_journal_hdr_make(&h2, 999, 77, 0, BS, 4);

    dt_jrec_make(&r[0], &h, 0, DT_JREC_SUBMIT, 1, 2, 0);
    dt_jrec_make(&r[1], &h, 1, DT_JREC_SUBMIT, 2, 3, 0);
    dt_jrec_make(&r[2], &h, 2, DT_JREC_DONE, 1, 2, 7);
    dt_jrec_make(&r[3], &h, 3, DT_JREC_SUBMIT, 3, 2, 0);
    dt_jrec_make(&r[4], &h, 4, DT_JREC_SUBMIT, 4, 9, 0); /* blk 9 >= 4 */
    dt_jrec_make(&r[5], &h2, 5, DT_JREC_SUBMIT, 5, 1, 0); /* older run */
    dt_jrec_make(&r[6], &h, 6, DT_JREC_SUBMIT, 6, 1, 0);  /* after it */
    CHECK(dt_jrec_type_of(&r[0], &h, 0) == DT_JREC_SUBMIT, "submit type");
    CHECK(dt_jrec_type_of(&r[2], &h, 2) == DT_JREC_DONE, "done type");
    CHECK(dt_jrec_type_of(&r[0], &h, 1) == 0, "record at another index");
    CHECK(dt_jrec_type_of(&r[5], &h, 5) == 0, "another run's record");
    r[7] = r[1];
    r[7].blk ^= 1;
    CHECK(dt_jrec_type_of(&r[7], &h, 1) == 0, "torn record");

    if (!dt_journal_index_build(&h, r, 7, &ix)) {
        CHECK(0, "index build");
        return;
    }
    CHECK(ix.records == 5 && ix.submitted == 3 && ix.completed == 1 &&
              ix.out_of_range == 1,
          "index: %llu records, %llu submitted, %llu completed",
          (unsigned long long)ix.records, (unsigned long long)ix.submitted,
          (unsigned long long)ix.completed);
    CHECK(ix.first[2] == ix.first[1] && ix.first[3] - ix.first[2] == 2 &&
              ix.first[4] - ix.first[3] == 1,
          "versions per block");
    v = &ix.v[ix.first[2]];
    CHECK(v[0].seq == 1 && v[0].done && v[0].kmax == 7 && v[1].seq == 3 &&
              !v[1].done,
          "block 2: seq 1 done k 7, seq 3 in flight");
    dt_journal_index_free(&ix);
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
    test_later(a, b);
    test_journal();
    test_json();
    free(a);
    free(b);
    fprintf(stderr, "dio-torture: self-test %s (%d failure%s)\n",
            failures ? "FAILED" : "passed", failures, failures == 1 ? "" : "s");
    return failures ? 1 : 0;
}
