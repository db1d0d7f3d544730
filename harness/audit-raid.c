/*
 * audit-raid.c - RAID1 / RAID4/5 consistency from member images (see
 * audit-raid.h).  Members are ordered by role; spares and faulty ones
 * are left out.  The area compared is each member's
 * [data_offset, data_offset + size) in sectors, so the superblock,
 * bitmap and bad-block log in front of the data never count.
 */
#include "audit-raid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECTOR 512u

static int by_role(const void *a, const void *b)
{
    const RaidMember *x = *(const RaidMember *const *)a;
    const RaidMember *y = *(const RaidMember *const *)b;

    return x->sb.role - y->sb.role;
}

static void add_bad(RaidReport *r, uint64_t off, uint64_t stripe, int prole)
{
    if (r->nfirst < RAID_FIRST_BAD) {
        r->first[r->nfirst++] =
            (RaidBad){ .offset = off, .stripe = stripe, .parity_role = prole };
    }
    r->bad++;
}

/* The members agree on the geometry and are big enough. */
static bool geometry_ok(const RaidMember *const *m, unsigned n, RaidReport *r)
{
    const MdSuper *s0 = &m[0]->sb;

    for (unsigned i = 0; i < n; i++) {
        const MdSuper *s = &m[i]->sb;
        if (memcmp(s->set_uuid, s0->set_uuid, 16) || s->level != s0->level ||
            s->raid_disks != s0->raid_disks || s->size != s0->size ||
            s->chunksize != s0->chunksize || s->layout != s0->layout) {
            snprintf(r->problem, sizeof(r->problem),
                     "%s and %s disagree about the array's geometry",
                     m[0]->name, m[i]->name);
            return false;
        }
        if (i && s->role == m[i - 1]->sb.role) {
            snprintf(r->problem, sizeof(r->problem),
                     "%s and %s both claim role %d", m[i - 1]->name, m[i]->name,
                     s->role);
            return false;
        }
        if ((s->data_offset + s0->size) * SECTOR > m[i]->len) {
            snprintf(r->problem, sizeof(r->problem),
                     "%s: %llu bytes, shorter than data_offset + size",
                     m[i]->name, (unsigned long long)m[i]->len);
            return false;
        }
    }
    return true;
}

static void check_raid1(const RaidMember *const *m, unsigned n, uint64_t bytes,
                        RaidReport *r)
{
    uint64_t last_window = UINT64_MAX;

    for (uint64_t off = 0; off < bytes; off += RAID_UNIT) {
        uint64_t len = bytes - off < RAID_UNIT ? bytes - off : RAID_UNIT;
        const uint8_t *a = m[0]->data + m[0]->sb.data_offset * SECTOR + off;
        r->units++;
        for (unsigned i = 1; i < n; i++) {
            const uint8_t *b = m[i]->data + m[i]->sb.data_offset * SECTOR + off;
            if (memcmp(a, b, len)) {
                add_bad(r, off, 0, -1);
                if (off / RAID1_CHECK_WINDOW != last_window) {
                    last_window = off / RAID1_CHECK_WINDOW;
                    r->bad_windows++;
                }
                break;
            }
        }
    }
}

static void check_parity(const RaidMember *const *m, unsigned n, uint64_t bytes,
                         RaidReport *r)
{
    uint64_t chunk = (uint64_t)m[0]->sb.chunksize * SECTOR;
    uint8_t x[RAID_UNIT];

    for (uint64_t off = 0; off < bytes; off += RAID_UNIT) {
        uint64_t len = bytes - off < RAID_UNIT ? bytes - off : RAID_UNIT;
        bool bad = false;
        memset(x, 0, sizeof(x));
        for (unsigned i = 0; i < n; i++) {
            const uint8_t *p = m[i]->data + m[i]->sb.data_offset * SECTOR + off;
            for (uint64_t j = 0; j < len; j++) {
                x[j] ^= p[j];
            }
        }
        for (uint64_t j = 0; j < len && !bad; j++) {
            bad = x[j] != 0;
        }
        r->units++;
        if (bad) {
            uint64_t stripe = off / chunk;
            int prole =
                m[0]->sb.level == 4
                    ? (int)r->raid_disks - 1
                    : md_parity_role(m[0]->sb.layout, r->raid_disks, stripe);
            add_bad(r, off, stripe, prole);
        }
    }
}

bool raid_check_set(const RaidMember *members, unsigned n, RaidReport *r)
{
    const RaidMember **m = calloc(n ? n : 1, sizeof(*m));
    unsigned active = 0;
    uint64_t bytes;
    bool ok = false;

    memset(r, 0, sizeof(*r));
    for (unsigned i = 0; i < n; i++) {
        if (members[i].sb.role >= 0) {
            m[active++] = &members[i];
        }
    }
    r->present = active;
    if (!active) {
        snprintf(r->problem, sizeof(r->problem), "no active member");
        goto out;
    }
    qsort(m, active, sizeof(*m), by_role);
    r->level = m[0]->sb.level;
    r->raid_disks = m[0]->sb.raid_disks;
    if (!geometry_ok(m, active, r)) {
        goto out;
    }
    bytes = m[0]->sb.size * SECTOR;
    if (r->level == 1) {
        if (active < 2) {
            snprintf(r->problem, sizeof(r->problem),
                     "RAID1 with %u member here: nothing to compare", active);
            goto out;
        }
        check_raid1(m, active, bytes, r);
    } else if (r->level == 4 || r->level == 5) {
        if (active != r->raid_disks) {
            snprintf(r->problem, sizeof(r->problem),
                     "RAID%d needs all %u members for parity, %u here",
                     r->level, r->raid_disks, active);
            goto out;
        }
        if (!m[0]->sb.chunksize ||
            (r->level == 5 && !md_layout_name(m[0]->sb.layout))) {
            snprintf(r->problem, sizeof(r->problem),
                     "RAID%d chunk %u sectors, layout %u: not supported",
                     r->level, m[0]->sb.chunksize, m[0]->sb.layout);
            goto out;
        }
        /* md uses whole chunks only */
        bytes -= bytes % ((uint64_t)m[0]->sb.chunksize * SECTOR);
        check_parity(m, active, bytes, r);
    } else {
        snprintf(r->problem, sizeof(r->problem),
                 "RAID level %d: only RAID1 and RAID4/5 are checked", r->level);
        goto out;
    }
    if (m[0]->sb.resync_offset != MD_RESYNC_DONE) {
        snprintf(r->note, sizeof(r->note),
                 "the array was not in sync at its last superblock update "
                 "(resync_offset %llu sectors): differences past it may be "
                 "an unfinished resync",
                 (unsigned long long)m[0]->sb.resync_offset);
    }
    ok = true;
out:
    free(m);
    return ok;
}
