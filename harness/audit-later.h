/*
 * audit-later.h - which submitted version each block of an md array's
 * members holds, on the host, from dio-torture's verify-later journal
 * (guest/dio-torture/journal.h) found on another namespace: per RAID1
 * leg the classes of guest/dio-torture/later.c, and the blocks the legs
 * disagree on.  Pure over memory; tests/test-audit-raid.c.
 */
#ifndef PIT_AUDIT_LATER_H
#define PIT_AUDIT_LATER_H

#include "audit-raid.h"
#include "journal.h"

#include <stdbool.h>
#include <stdint.h>

#define AUDIT_LATER_MAX_LEGS 8

typedef struct Raid1Later {
    unsigned legs;
    uint64_t blocks; /* journal blocks inside the array */
    uint64_t cls[AUDIT_LATER_MAX_LEGS][DT_LATER_COUNT];
    uint64_t differ;          /* blocks whose bytes differ between legs */
    uint64_t differ_versions; /* ... where every leg holds a version */
    uint64_t differ_same_write; /* ... the same write on every leg, in
                                   different bytes: only its buffer
                                   changing in flight explains that (a
                                   cut between legs leaves two writes) */
} Raid1Later;

typedef struct Raid5Later {
    uint64_t blocks;
    uint64_t stored[DT_LATER_COUNT];  /* the block as its member holds it */
    uint64_t rebuilt[DT_LATER_COUNT]; /* the block rebuilt from the other
                                         members and the parity: what a
                                         read returns once its member is
                                         gone */
} Raid5Later;

/* The journal at the start of `data` (a namespace's bytes), or false. */
bool audit_journal_find(const uint8_t *data, uint64_t len,
                        struct dt_journal_hdr *h, struct dt_journal_index *ix);

/* Classify every journal block on every leg of a RAID1 set. */
bool audit_later_raid1(const struct dt_journal_hdr *h,
                       const struct dt_journal_index *ix, const RaidMember *m,
                       unsigned n, Raid1Later *out);

/* Classify every journal block of a complete RAID4/5 set, as stored and
 * as rebuilt without its member. */
bool audit_later_raid5(const struct dt_journal_hdr *h,
                       const struct dt_journal_index *ix,
                       const RaidMember *m, unsigned n, Raid5Later *out);

#endif
