/*
 * md-super.c - parse an MD v1.x superblock (see md-super.h).  Offsets
 * are those of struct mdp_superblock_1; the checksum is md's
 * calc_sb_1_csum.
 */
#include "md-super.h"

#include <string.h>

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

uint32_t md_super_csum(const uint8_t *sb, size_t len)
{
    uint32_t max_dev = len >= MD_SB_HEADER ? le32(sb + 220) : 0;
    size_t size = MD_SB_HEADER + (size_t)max_dev * 2;
    uint64_t sum = 0;
    size_t i;

    if (size > len) {
        size = len;
    }
    for (i = 0; i + 4 <= size; i += 4) {
        sum += i == 216 ? 0 : le32(sb + i); /* sb_csum counts as zero */
    }
    if (size - i == 2) {
        sum += le16(sb + i);
    }
    return (uint32_t)((sum & 0xffffffffu) + (sum >> 32));
}

MdSuperStatus md_super_parse(const uint8_t *sb, size_t len, MdSuper *out)
{
    memset(out, 0, sizeof(*out));
    out->role = -3;
    if (len < MD_SB_HEADER) {
        return MD_SUPER_SHORT;
    }
    if (le32(sb) != MD_SB_MAGIC) {
        return MD_SUPER_NO_MAGIC;
    }
    out->major_version = le32(sb + 4);
    if (out->major_version != 1) {
        return MD_SUPER_BAD_VERSION;
    }
    out->feature_map = le32(sb + 8);
    memcpy(out->set_uuid, sb + 16, 16);
    memcpy(out->set_name, sb + 32, 32);
    out->level = (int32_t)le32(sb + 72);
    out->layout = le32(sb + 76);
    out->size = le64(sb + 80);
    out->chunksize = le32(sb + 88);
    out->raid_disks = le32(sb + 92);
    out->data_offset = le64(sb + 128);
    out->data_size = le64(sb + 136);
    out->super_offset = le64(sb + 144);
    out->dev_number = le32(sb + 160);
    out->events = le64(sb + 200);
    out->resync_offset = le64(sb + 208);
    out->sb_csum = le32(sb + 216);
    out->max_dev = le32(sb + 220);
    if (MD_SB_HEADER + (size_t)out->max_dev * 2 > len) {
        return MD_SUPER_SHORT;
    }
    out->csum_ok = md_super_csum(sb, len) == out->sb_csum;
    if (out->dev_number < out->max_dev) {
        uint16_t r = le16(sb + MD_SB_HEADER + 2 * out->dev_number);
        out->role = r == MD_ROLE_SPARE ? -1 : r == MD_ROLE_FAULTY ? -2 : (int)r;
    }
    return MD_SUPER_OK;
}

const char *md_super_status_name(MdSuperStatus s)
{
    switch (s) {
    case MD_SUPER_OK:
        return "ok";
    case MD_SUPER_SHORT:
        return "truncated superblock";
    case MD_SUPER_NO_MAGIC:
        return "no md superblock";
    case MD_SUPER_BAD_VERSION:
        return "not an md v1 superblock";
    }
    return "?";
}

const char *md_layout_name(uint32_t layout)
{
    static const char *const names[] = {
        "left-asymmetric", "right-asymmetric", "left-symmetric",
        "right-symmetric", "parity-first",     "parity-last",
    };

    return layout < sizeof(names) / sizeof(names[0]) ? names[layout] : NULL;
}

/* md's raid5_compute_sector, parity part, for RAID4/5 layouts. */
int md_parity_role(uint32_t layout, unsigned raid_disks, uint64_t stripe)
{
    unsigned data_disks = raid_disks - 1;

    switch (layout) {
    case MD_LAYOUT_LEFT_ASYMMETRIC:
    case MD_LAYOUT_LEFT_SYMMETRIC:
        return (int)(data_disks - stripe % raid_disks);
    case MD_LAYOUT_RIGHT_ASYMMETRIC:
    case MD_LAYOUT_RIGHT_SYMMETRIC:
        return (int)(stripe % raid_disks);
    case MD_LAYOUT_PARITY_0:
        return 0;
    case MD_LAYOUT_PARITY_N:
        return (int)data_disks;
    }
    return -1;
}
