/*
 * journal.c - the journal's on-media format and the per-block index of
 * versions built from it (pure: no I/O; journal-io.c does the I/O)
 */
#include "journal.h"

#include <stdlib.h>
#include <string.h>

#define SEAL_GAMMA 0x9e3779b97f4a7c15ULL

static uint64_t hdr_csum(const struct dt_journal_hdr *h)
{
    const uint64_t *w = (const uint64_t *)h;
    uint64_t c = 0x243f6a8885a308d3ULL;

    for (size_t i = 0; i < offsetof(struct dt_journal_hdr, csum) / 8; i++) {
        c = dt_mix64(c ^ w[i]);
    }
    return c;
}

void dt_journal_hdr_make(struct dt_journal_hdr *h, uint64_t nonce,
                         uint64_t seed, uint64_t offset, uint64_t bs,
                         uint64_t nblocks)
{
    memset(h, 0, sizeof(*h));
    h->magic = DT_JOURNAL_MAGIC;
    h->version = DT_JOURNAL_VERSION;
    h->nonce = nonce;
    h->seed = seed;
    h->offset = offset;
    h->bs = bs;
    h->nblocks = nblocks;
    h->csum = hdr_csum(h);
}

bool dt_journal_hdr_valid(const struct dt_journal_hdr *h)
{
    return h->magic == DT_JOURNAL_MAGIC && h->version == DT_JOURNAL_VERSION &&
           h->csum == hdr_csum(h) && h->bs >= 512 && h->bs % 512 == 0 &&
           h->nblocks > 0;
}

/* Depends on the run, the record's place and every field of it. */
static uint64_t seal(const struct dt_journal_hdr *h, uint64_t index,
                     uint64_t seq, uint64_t blk, uint64_t k)
{
    return dt_mix64(h->nonce + (index + 1) * SEAL_GAMMA) ^
           dt_mix64(seq ^ dt_mix64(blk ^ dt_mix64(k ^ SEAL_GAMMA)));
}

void dt_jrec_make(struct dt_jrec *r, const struct dt_journal_hdr *h,
                  uint64_t index, enum dt_jrec_type type, uint64_t seq,
                  uint64_t blk, uint64_t k)
{
    r->seq = seq;
    r->blk = blk;
    r->k = k;
    r->tag = seal(h, index, seq, blk, k) ^ (uint64_t)type;
}

int dt_jrec_type_of(const struct dt_jrec *r, const struct dt_journal_hdr *h,
                    uint64_t index)
{
    uint64_t t = r->tag ^ seal(h, index, r->seq, r->blk, r->k);

    return t == DT_JREC_SUBMIT || t == DT_JREC_DONE ? (int)t : 0;
}

void dt_journal_index_free(struct dt_journal_index *ix)
{
    free(ix->first);
    free(ix->v);
    memset(ix, 0, sizeof(*ix));
}

bool dt_journal_index_build(const struct dt_journal_hdr *h,
                            const struct dt_jrec *recs, size_t nrec,
                            struct dt_journal_index *ix)
{
    uint64_t nb = h->nblocks, *fill;
    size_t valid = 0;

    memset(ix, 0, sizeof(*ix));
    ix->nblocks = nb;
    ix->first = calloc(nb + 1, sizeof(*ix->first));
    fill = calloc(nb + 1, sizeof(*fill));
    if (!ix->first || !fill) {
        free(fill);
        dt_journal_index_free(ix);
        return false;
    }
    /* Count submissions per block; the journal ends at the first record
     * that is not this run's. */
    for (; valid < nrec; valid++) {
        int t = dt_jrec_type_of(&recs[valid], h, valid);

        if (!t) {
            break;
        }
        if (recs[valid].blk >= nb) {
            ix->out_of_range++;
        } else if (t == DT_JREC_SUBMIT) {
            ix->first[recs[valid].blk + 1]++;
            ix->submitted++;
        }
    }
    ix->records = valid;
    for (uint64_t b = 0; b < nb; b++) {
        ix->first[b + 1] += ix->first[b];
    }
    ix->v = calloc(ix->submitted ? ix->submitted : 1, sizeof(*ix->v));
    if (!ix->v) {
        free(fill);
        dt_journal_index_free(ix);
        return false;
    }
    /* Submissions to one block are journaled in seq order: a block has
     * one write in flight at a time and belongs to one thread. */
    for (size_t i = 0; i < valid; i++) {
        const struct dt_jrec *r = &recs[i];

        if (r->blk < nb && dt_jrec_type_of(r, h, i) == DT_JREC_SUBMIT) {
            struct dt_version *v = &ix->v[ix->first[r->blk] + fill[r->blk]++];

            v->seq = r->seq;
        }
    }
    for (size_t i = 0; i < valid; i++) {
        const struct dt_jrec *r = &recs[i];

        if (r->blk >= nb || dt_jrec_type_of(r, h, i) != DT_JREC_DONE) {
            continue;
        }
        for (uint64_t j = ix->first[r->blk + 1]; j > ix->first[r->blk]; j--) {
            struct dt_version *v = &ix->v[j - 1];

            if (v->seq == r->seq) {
                v->done = true;
                v->kmax = (uint32_t)r->k;
                ix->completed++;
                break;
            }
        }
    }
    free(fill);
    return true;
}
