/*
 * md-super.h - the Linux MD v1.x superblock (struct mdp_superblock_1 in
 * include/uapi/linux/raid/md_p.h): parse it from a member's bytes and
 * compute its checksum.  Pure (no I/O): tests/test-audit-raid.c.
 *
 * Version 1.2 (mdadm's default) sits 4 KiB from the start of the member;
 * every field is little-endian; sizes and offsets are 512-byte sectors.
 */
#ifndef PIT_MD_SUPER_H
#define PIT_MD_SUPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MD_SB_MAGIC 0xa92b4efcu
#define MD_SB_V12_OFFSET 4096u
#define MD_SB_HEADER 256u     /* fixed part; dev_roles[] follow */
#define MD_SB_MAX_BYTES 4096u /* what pit reads: header + roles */
#define MD_ROLE_SPARE 0xffffu
#define MD_ROLE_FAULTY 0xfffeu
#define MD_RESYNC_DONE UINT64_MAX /* resync_offset of an in-sync array */

/* RAID5 layouts (md's raid5.h ALGORITHM_*) */
enum {
    MD_LAYOUT_LEFT_ASYMMETRIC = 0,
    MD_LAYOUT_RIGHT_ASYMMETRIC = 1,
    MD_LAYOUT_LEFT_SYMMETRIC = 2, /* mdadm's default */
    MD_LAYOUT_RIGHT_SYMMETRIC = 3,
    MD_LAYOUT_PARITY_0 = 4,
    MD_LAYOUT_PARITY_N = 5,
};

typedef enum MdSuperStatus {
    MD_SUPER_OK = 0,
    MD_SUPER_SHORT,       /* fewer bytes than the header (or its roles) */
    MD_SUPER_NO_MAGIC,    /* not an md v1 member */
    MD_SUPER_BAD_VERSION, /* major_version != 1 */
} MdSuperStatus;

typedef struct MdSuper {
    uint32_t major_version;
    uint32_t feature_map;
    uint8_t set_uuid[16];
    char set_name[33];
    int32_t level; /* 1, 4, 5, 6, 10, 0, -1 linear */
    uint32_t layout;
    uint64_t size;      /* sectors of each member used by the array */
    uint32_t chunksize; /* sectors */
    uint32_t raid_disks;
    uint64_t data_offset; /* sectors from the member's start */
    uint64_t data_size;
    uint64_t super_offset;
    uint32_t dev_number;
    uint64_t events;
    uint64_t resync_offset;
    uint32_t sb_csum;
    uint32_t max_dev;
    bool csum_ok;
    int role; /* dev_roles[dev_number]; -1 spare, -2 faulty, -3 none */
} MdSuper;

/* Parse the superblock at `sb` (the bytes at its offset, `len` of them). */
MdSuperStatus md_super_parse(const uint8_t *sb, size_t len, MdSuper *out);
/* md's calc_sb_1_csum over 256 + 2 * max_dev bytes, sb_csum as zero. */
uint32_t md_super_csum(const uint8_t *sb, size_t len);
const char *md_super_status_name(MdSuperStatus s);
/* "left-symmetric", ... or NULL for an unknown RAID5 layout. */
const char *md_layout_name(uint32_t layout);
/* The member role holding parity for device-chunk `stripe` (RAID4/5). */
int md_parity_role(uint32_t layout, unsigned raid_disks, uint64_t stripe);

#endif
