/*
 * audit-raid.h - RAID1 and RAID4/5 consistency of an MD array from its
 * member images, on the host: RAID1 legs must hold the same bytes, and
 * the XOR of every RAID4/5 member's chunk at the same offset must be
 * zero (true for every layout; the layout only says which member holds
 * the parity, which the report names).  Pure over memory: the caller
 * maps the images.  tests/test-audit-raid.c.
 */
#ifndef PIT_AUDIT_RAID_H
#define PIT_AUDIT_RAID_H

#include "md-super.h"

#include <stdbool.h>
#include <stdint.h>

#define RAID_UNIT 4096u /* compared in md's stripe-cache page size */
#define RAID_FIRST_BAD 8
/*
 * md's RAID1 check compares a resync request at a time and, on a
 * mismatch, adds all of that request's sectors to mismatch_cnt: with
 * the default 64 KiB requests one differing 4 KiB unit counts 128
 * sectors.  (RAID4/5 count 8 sectors per mismatched 4 KiB stripe page.)
 */
#define RAID1_CHECK_WINDOW 65536u

typedef struct RaidMember {
    const char *name;
    const uint8_t *data; /* the member device's bytes from offset 0 */
    uint64_t len;
    MdSuper sb;
} RaidMember;

typedef struct RaidBad {
    uint64_t offset; /* bytes from the members' data_offset */
    uint64_t stripe; /* RAID4/5: device chunk number */
    int parity_role; /* RAID4/5: the member that holds its parity */
} RaidBad;

typedef struct RaidReport {
    int level;
    unsigned raid_disks;
    unsigned present; /* active members given */
    uint64_t units;   /* RAID_UNIT pieces compared */
    uint64_t bad;     /* pieces that are not consistent */
    uint64_t bad_windows; /* RAID1: RAID1_CHECK_WINDOW windows with a bad
                             piece, what md's mismatch_cnt counts */
    RaidBad first[RAID_FIRST_BAD];
    unsigned nfirst;
    char problem[160]; /* set when the set cannot be checked */
    char note[160];    /* a caveat about the result, or "" */
} RaidReport;

/*
 * Check one array (members of one set_uuid, any order).  Returns false
 * with r->problem set when the set cannot be checked (unsupported level,
 * members missing or disagreeing about the geometry, short images).
 */
bool raid_check_set(const RaidMember *members, unsigned n, RaidReport *r);

#endif
