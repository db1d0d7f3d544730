/*
 * audit-later.c - RAID1 legs against the verify-later journal, on the
 * host.  The journal's block identity is the array's logical offset; on
 * a RAID1 leg block b lives at data_offset + journal offset + b * bs.
 */
#include "audit-later.h"

#include <glib.h>
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

/* md's raid5_compute_sector, data part: the role holding data chunk
 * `idx` of `stripe`; -1 for a layout pit does not know. */
static int data_role(uint32_t layout, unsigned n, uint64_t stripe, unsigned idx)
{
    int pd = md_parity_role(layout, n, stripe);

    switch (layout) {
    case MD_LAYOUT_LEFT_ASYMMETRIC:
    case MD_LAYOUT_RIGHT_ASYMMETRIC:
        return (int)idx >= pd ? (int)idx + 1 : (int)idx;
    case MD_LAYOUT_LEFT_SYMMETRIC:
    case MD_LAYOUT_RIGHT_SYMMETRIC:
        return (int)((pd + 1 + idx) % n);
    case MD_LAYOUT_PARITY_0:
        return (int)idx + 1;
    case MD_LAYOUT_PARITY_N:
        return (int)idx;
    }
    return -1;
}

bool audit_later_raid5(const struct dt_journal_hdr *h,
                       const struct dt_journal_index *ix, const RaidMember *m,
                       unsigned n, Raid5Later *out)
{
    const RaidMember *by_role[AUDIT_LATER_MAX_LEGS] = { 0 };
    uint64_t chunk = (uint64_t)m[0].sb.chunksize * 512;
    uint32_t layout = m[0].sb.level == 4 ? MD_LAYOUT_PARITY_N : m[0].sb.layout;
    uint8_t *rb;

    memset(out, 0, sizeof(*out));
    if ((m[0].sb.level != 5 && m[0].sb.level != 4) || n != m[0].sb.raid_disks ||
        n < 3 || n > AUDIT_LATER_MAX_LEGS || !chunk || h->bs > chunk ||
        chunk % h->bs) {
        return false;
    }
    for (unsigned i = 0; i < n; i++) {
        if (m[i].sb.role < 0 || (unsigned)m[i].sb.role >= n) {
            return false;
        }
        by_role[m[i].sb.role] = &m[i];
    }
    for (unsigned i = 0; i < n; i++) {
        if (!by_role[i]) {
            return false;
        }
    }
    rb = g_malloc(h->bs);
    for (uint64_t b = 0; b < h->nblocks; b++) {
        uint64_t off = h->offset + b * h->bs;
        uint64_t cno = off / chunk, stripe = cno / (n - 1);
        uint64_t moff = stripe * chunk + off % chunk;
        int role = data_role(layout, n, stripe, (unsigned)(cno % (n - 1)));
        const struct dt_version *v = &ix->v[ix->first[b]];
        size_t nv = ix->first[b + 1] - ix->first[b];
        struct dt_block_id id = { .seed = h->seed,
                                  .offset = off,
                                  .bs = (uint32_t)h->bs };
        struct dt_later_verdict lv;
        bool fits = role >= 0 && moff + h->bs <= m[0].sb.size * 512;

        for (unsigned i = 0; fits && i < n; i++) {
            fits = by_role[i]->sb.data_offset * 512 + moff + h->bs <=
                   by_role[i]->len;
        }
        if (!fits) {
            break; /* the journal covers more than the array */
        }
        dt_classify_later(by_role[role]->data +
                              by_role[role]->sb.data_offset * 512 + moff,
                          &id, v, nv, &lv);
        out->stored[lv.cls]++;
        memset(rb, 0, h->bs);
        for (unsigned i = 0; i < n; i++) {
            const uint8_t *p =
                by_role[i]->data + by_role[i]->sb.data_offset * 512 + moff;
            if ((int)i == role) {
                continue;
            }
            for (uint64_t k = 0; k < h->bs; k++) {
                rb[k] ^= p[k];
            }
        }
        dt_classify_later(rb, &id, v, nv, &lv);
        out->rebuilt[lv.cls]++;
        out->blocks++;
    }
    g_free(rb);
    return out->blocks > 0;
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
        bool all_versions = true, differ = false, one_write = true;
        const uint8_t *first = NULL;
        uint64_t seq = 0;

        for (unsigned l = 0; l < n; l++) {
            uint64_t at = m[l].sb.data_offset * 512 + off;
            struct dt_later_verdict lv;

            if (at + h->bs > m[l].len || off + h->bs > m[l].sb.size * 512) {
                return b > 0; /* the journal covers more than the array */
            }
            dt_classify_later(m[l].data + at, &id, v, nv, &lv);
            out->cls[l][lv.cls]++;
            all_versions &= lv.cls != DT_LATER_NEITHER;
            /* one write found on every leg, the same one */
            one_write &=
                (lv.cls == DT_LATER_LAST || lv.cls == DT_LATER_EARLIER) &&
                (l == 0 || lv.seq == seq);
            seq = lv.seq;
            if (!first) {
                first = m[l].data + at;
            } else if (memcmp(first, m[l].data + at, h->bs)) {
                differ = true;
            }
        }
        out->blocks++;
        out->differ += differ;
        out->differ_versions += differ && all_versions;
        out->differ_same_write += differ && one_write;
    }
    return true;
}
