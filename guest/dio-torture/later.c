/*
 * later.c - explain a block read in a later boot by the journal's versions
 *
 * Word by word: a header constant (or zero), a generation word or payload
 * word that decodes to a generation of a write the journal lists for this
 * block, or zero.  A word that is none of these gets a byte-wise second
 * chance against the generations already seen in the block, because a DMA
 * engine may copy in pieces smaller than the mutator's 8-byte stores.
 * The checksum word is tried against the whole-block checksum of each
 * generation seen.
 */
#include "later.h"

#include <string.h>

#define MAX_SEEN 16

const char *dt_later_class_name(enum dt_later_class c)
{
    static const char *const names[DT_LATER_COUNT] = {
        [DT_LATER_LAST] = "last",       [DT_LATER_EARLIER] = "earlier",
        [DT_LATER_NEVER] = "never",     [DT_LATER_MIXED] = "mixed",
        [DT_LATER_NEITHER] = "neither",
    };

    return (unsigned)c < DT_LATER_COUNT ? names[c] : "?";
}

/* The version of write @seq, or NULL (v sorted by seq). */
static const struct dt_version *find_seq(const struct dt_version *v, size_t nv,
                                         uint64_t seq)
{
    size_t lo = 0, hi = nv;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (v[mid].seq == seq) {
            return &v[mid];
        }
        if (v[mid].seq < seq) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

static bool gen_valid(const struct dt_version *v, size_t nv, uint64_t gen)
{
    const struct dt_version *w;

    if (dt_gen_seq(gen) == 0) {
        return false;
    }
    w = find_seq(v, nv, dt_gen_seq(gen));
    return w && (!w->done || dt_gen_k(gen) <= w->kmax);
}

struct seen {
    uint64_t gen[MAX_SEEN];
    unsigned n;
    uint64_t seq_a, seq_b; /* first two distinct writes seen */
};

static void saw(struct seen *s, uint64_t gen)
{
    uint64_t seq = dt_gen_seq(gen);

    if (!s->seq_a) {
        s->seq_a = seq;
    } else if (seq != s->seq_a && !s->seq_b) {
        s->seq_b = seq;
    }
    for (unsigned i = 0; i < s->n; i++) {
        if (s->gen[i] == gen) {
            return;
        }
    }
    if (s->n < MAX_SEEN) {
        s->gen[s->n++] = gen;
    } else {
        s->gen[MAX_SEEN - 1] = gen; /* keep the most recent */
    }
}

/* Every byte of @w is the same byte of word @i of a seen generation, or
 * (zero_ok) zero: a piece that never landed. */
static int64_t bytes_unexplained(const struct dt_block_id *id, size_t i,
                                 uint64_t w, const struct seen *s, bool zero_ok)
{
    for (int b = 0; b < 8; b++) {
        unsigned shift = 8 * b;
        uint8_t got = (uint8_t)(w >> shift);
        bool ok = zero_ok && got == 0;

        for (unsigned g = 0; g < s->n && !ok; g++) {
            ok = (uint8_t)(dt_word(id, s->gen[g], i) >> shift) == got;
        }
        if (!ok) {
            return b;
        }
    }
    return -1;
}

static void bad(struct dt_later_verdict *out, size_t i, int64_t byte,
                uint64_t w)
{
    if (out->words_bad++ == 0) {
        out->bad_byte = (int64_t)(i * 8) + (byte < 0 ? 0 : byte);
        out->bad_word = w;
    }
}

void dt_classify_later(const void *buf, const struct dt_block_id *id,
                       const struct dt_version *v, size_t nv,
                       struct dt_later_verdict *out)
{
    const uint64_t *w = buf;
    size_t n = id->bs / 8;
    struct seen s;
    bool any = false;
    /* Zero pieces are a write that never (fully) landed: only possible
     * while the block had never been written completely. */
    bool zero_ok = nv == 0 || !v[0].done;

    memset(out, 0, sizeof(*out));
    memset(&s, 0, sizeof(s));
    out->bad_byte = -1;

    for (size_t i = 0; i < n; i++) {
        any |= w[i] != 0;
    }
    if (!any) {
        out->cls = DT_LATER_NEVER;
        out->words_zero = (uint32_t)n;
        return;
    }

    /* First every generation the block shows (header, then payload), and
     * the first and completed generations of the writes seen, so a word
     * torn byte-wise is tried against all of them whatever its place. */
    if (gen_valid(v, nv, w[DT_W_GEN])) {
        saw(&s, w[DT_W_GEN]);
    }
    for (size_t i = DT_HDR_WORDS; i < n; i++) {
        uint64_t gen = dt_decode_word(id, i, w[i]);

        if (gen_valid(v, nv, gen)) {
            saw(&s, gen);
        }
    }
    for (unsigned g = 0, ng = s.n; g < ng; g++) {
        const struct dt_version *wv = find_seq(v, nv, dt_gen_seq(s.gen[g]));

        saw(&s, dt_gen(wv->seq, 0));
        if (wv->done) {
            saw(&s, dt_gen(wv->seq, wv->kmax));
        }
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t gen;

        if (i == DT_W_CSUM) {
            continue;
        }
        if (i < DT_HDR_WORDS && i != DT_W_GEN) {
            /* Constants every generation of this block shares (the
             * offset word of block 0 is one, and zero). */
            if (w[i] == dt_word(id, 0, i)) {
                out->words_ok++;
                continue;
            }
        } else {
            gen = i == DT_W_GEN ? w[i] : dt_decode_word(id, i, w[i]);
            if (gen_valid(v, nv, gen)) {
                out->words_ok++;
                continue;
            }
        }
        if (w[i] == 0 && zero_ok) {
            out->words_zero++;
            continue;
        }
        int64_t b = bytes_unexplained(id, i, w[i], &s, zero_ok);
        if (b < 0) {
            out->words_ok++;
        } else {
            bad(out, i, b, w[i]);
        }
    }

    /* The checksum: of one of the generations seen, or zero. */
    if (w[DT_W_CSUM] == 0 && zero_ok) {
        out->words_zero++;
    } else {
        bool ok = false;

        /* The mutator writes the checksum last, so a buffer caught in
         * the middle of a rewrite to k holds the checksum of k - 1. */
        for (unsigned g = 0; g < s.n && !ok; g++) {
            ok = dt_csum(id, s.gen[g]) == w[DT_W_CSUM] ||
                 (dt_gen_k(s.gen[g]) > 0 &&
                  dt_csum(id, s.gen[g] - 1) == w[DT_W_CSUM]);
        }
        if (ok) {
            out->words_ok++;
        } else {
            bad(out, DT_W_CSUM, 0, w[DT_W_CSUM]);
        }
    }

    if (out->words_bad) {
        out->cls = DT_LATER_NEITHER;
    } else if (!s.seq_a || s.seq_b || out->words_zero) {
        out->cls = DT_LATER_MIXED;
    } else {
        out->seq = s.seq_a;
        out->cls =
            nv && s.seq_a == v[nv - 1].seq ? DT_LATER_LAST : DT_LATER_EARLIER;
    }
}
