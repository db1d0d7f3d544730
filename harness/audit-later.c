/*
 * audit-later.c - RAID1 legs against the verify-later journal, on the
 * host.  The journal's block identity is the array's logical offset; on
 * a RAID1 leg block b lives at data_offset + journal offset + b * bs.
 */
#include "audit-later.h"

#include <string.h>

bool audit_journal_find(const uint8_t *data, uint64_t len,
                        struct dt_journal_hdr *h, struct dt_journal_index *ix)
{
    if (len < DT_JOURNAL_HDR_BYTES + sizeof(struct dt_jrec)) {
        return false;
    }
    memcpy(h, data, sizeof(*h));
    if (!dt_journal_hdr_valid(h)) {
        return false;
    }
    /* the index stops at the first record that is not this run's */
    return dt_journal_index_build(
        h, (const struct dt_jrec *)(data + DT_JOURNAL_HDR_BYTES),
        (len - DT_JOURNAL_HDR_BYTES) / sizeof(struct dt_jrec), ix);
}

bool audit_later_raid1(const struct dt_journal_hdr *h,
                       const struct dt_journal_index *ix, const RaidMember *m,
                       unsigned n, Raid1Later *out)
{
    memset(out, 0, sizeof(*out));
    if (n == 0 || n > AUDIT_LATER_MAX_LEGS || m[0].sb.level != 1) {
        return false;
    }
    out->legs = n;
    for (uint64_t b = 0; b < h->nblocks; b++) {
        uint64_t off = h->offset + b * h->bs;
        const struct dt_version *v = &ix->v[ix->first[b]];
        size_t nv = ix->first[b + 1] - ix->first[b];
        struct dt_block_id id = { .seed = h->seed,
                                  .offset = off,
                                  .bs = (uint32_t)h->bs };
        bool all_versions = true, differ = false;
        const uint8_t *first = NULL;

        for (unsigned l = 0; l < n; l++) {
            uint64_t at = m[l].sb.data_offset * 512 + off;
            struct dt_later_verdict lv;

            if (at + h->bs > m[l].len || off + h->bs > m[l].sb.size * 512) {
                return b > 0; /* the journal covers more than the array */
            }
            dt_classify_later(m[l].data + at, &id, v, nv, &lv);
            out->cls[l][lv.cls]++;
            all_versions &= lv.cls != DT_LATER_NEITHER;
            if (!first) {
                first = m[l].data + at;
            } else if (memcmp(first, m[l].data + at, h->bs)) {
                differ = true;
            }
        }
        out->blocks++;
        out->differ += differ;
        out->differ_versions += differ && all_versions;
    }
    return true;
}
