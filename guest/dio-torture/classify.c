/*
 * classify.c - explain a block read back in terms of write generations
 *
 * Word by word: equal to the first content, equal to the last, or (inside
 * the range the mutator touched) decodable to a generation of the same
 * write that was in the buffer during the in-flight window.  A word that
 * is none of these gets a byte-wise second chance, because a DMA engine
 * may copy in pieces smaller than the mutator's 8-byte stores.
 */
#include "classify.h"

#include <string.h>

const char *dt_class_name(enum dt_class c)
{
    static const char *const names[DT_CLASS_COUNT] = {
        [DT_CLASS_OK_FIRST] = "ok_first",
        [DT_CLASS_OK_LAST] = "ok_last",
        [DT_CLASS_OK_MID] = "ok_mid",
        [DT_CLASS_TORN] = "torn",
        [DT_CLASS_MISMATCH] = "silent_mismatch",
    };

    return (unsigned)c < DT_CLASS_COUNT ? names[c] : "?";
}

/* k of an in-window generation, or -1. */
static int64_t window_k(const struct dt_expect *e, uint64_t gen)
{
    if (dt_gen_seq(gen) != e->seq || dt_gen_k(gen) > e->klast) {
        return -1;
    }
    return dt_gen_k(gen);
}

static bool bytes_explained(uint64_t w, const uint64_t *cand, int ncand)
{
    for (int b = 0; b < 8; b++) {
        unsigned shift = 8 * b;
        uint8_t got = (uint8_t)(w >> shift);
        bool ok = false;

        for (int c = 0; c < ncand && !ok; c++) {
            ok = (uint8_t)(cand[c] >> shift) == got;
        }
        if (!ok) {
            return false;
        }
    }
    return true;
}

static int first_bad_byte(uint64_t w, const uint64_t *cand, int ncand)
{
    for (int b = 0; b < 8; b++) {
        unsigned shift = 8 * b;
        bool ok = false;

        for (int c = 0; c < ncand && !ok; c++) {
            ok = (uint8_t)(cand[c] >> shift) == (uint8_t)(w >> shift);
        }
        if (!ok) {
            return b;
        }
    }
    return 0;
}

/* The checksum word is only explainable by computing whole-block sums,
 * so try the few generations the rest of the block points at. */
static int64_t explain_csum(const struct dt_expect *e, uint64_t w,
                            const int64_t *ks, int nks)
{
    for (int i = 0; i < nks; i++) {
        if (ks[i] < 0 || ks[i] > (int64_t)e->klast) {
            continue;
        }
        if (dt_csum(&e->id, dt_gen(e->seq, (uint32_t)ks[i])) == w) {
            return ks[i];
        }
    }
    return -1;
}

void dt_classify(const void *buf, const struct dt_expect *e,
                 struct dt_verdict *v)
{
    const uint64_t *w = buf;
    size_t n = e->id.bs / 8;
    size_t rfirst = e->rfrom / 8, rend = (e->rfrom + e->rlen) / 8;
    uint64_t g0 = dt_gen(e->seq, 0), gl = dt_gen(e->seq, e->klast);
    bool all_first = true, all_last = true, single = true;
    int64_t kone = -1, krecent = 0;

    memset(v, 0, sizeof(*v));
    v->bad_byte = -1;
    v->hdr_gen = w[DT_W_GEN];

    for (size_t pass = 0; pass < 2; pass++) {
        /* pass 0: every word but the checksum; pass 1: the checksum, once
         * the rest has told us which generations to try. */
        size_t lo = pass ? DT_W_CSUM : 0, hi = pass ? DT_W_CSUM + 1 : n;

        for (size_t i = lo; i < hi; i++) {
            bool inr = e->klast > 0 && i >= rfirst && i < rend;
            uint64_t e0, el, cand[3];
            int64_t k = -1;

            if (i == DT_W_CSUM && !pass) {
                continue;
            }
            if (i == DT_W_CSUM) {
                e0 = dt_csum(&e->id, g0);
                el = inr ? dt_csum(&e->id, gl) : e0;
            } else {
                e0 = dt_word(&e->id, g0, i);
                el = inr ? dt_word(&e->id, gl, i) : e0;
            }

            if (w[i] == e0) {
                k = 0;
                v->words_first++;
            } else if (w[i] == el) {
                k = e->klast;
                v->words_last++;
            } else if (inr) {
                if (i == DT_W_CSUM) {
                    int64_t hk = window_k(e, w[DT_W_GEN]);
                    int64_t ks[4] = { hk, hk - 1, kone, krecent };

                    k = explain_csum(e, w[i], ks, 4);
                } else if (i == DT_W_GEN) {
                    k = window_k(e, w[i]);
                } else if (i >= DT_HDR_WORDS) {
                    k = window_k(e, dt_decode_word(&e->id, i, w[i]));
                }
                if (k >= 0) {
                    v->words_other++;
                }
            }

            if (w[i] != e0) {
                all_first = false;
            }
            if (w[i] != el) {
                all_last = false;
            }
            if (k >= 0) {
                /* Words all generations share (magic, offset...) say
                 * nothing about which generation this is. */
                if (inr && e0 != el) {
                    if (kone < 0) {
                        kone = k;
                    } else if (kone != k) {
                        single = false;
                    }
                    krecent = k;
                }
                continue;
            }

            /* Torn inside a word?  Try bytes of the neighbours' content. */
            cand[0] = e0;
            cand[1] = el;
            cand[2] = e0;
            if (inr && i != DT_W_CSUM) {
                cand[2] = dt_word(&e->id, dt_gen(e->seq, (uint32_t)krecent), i);
            }
            single = false;
            if (bytes_explained(w[i], cand, 3)) {
                v->words_other++;
                continue;
            }
            if (v->words_bad++ == 0) {
                v->bad_byte = (int64_t)(i * 8) + first_bad_byte(w[i], cand, 3);
                v->bad_word = w[i];
                v->want_word = e0;
            }
        }
    }

    if (v->words_bad) {
        v->cls = DT_CLASS_MISMATCH;
    } else if (all_first) {
        v->cls = DT_CLASS_OK_FIRST;
    } else if (all_last) {
        v->cls = DT_CLASS_OK_LAST;
    } else if (single && kone > 0) {
        v->cls = DT_CLASS_OK_MID;
        v->k = (uint32_t)kone;
    } else {
        v->cls = DT_CLASS_TORN;
    }
}
