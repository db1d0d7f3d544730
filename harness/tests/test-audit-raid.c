/*
 * test-audit-raid.c - md v1.2 superblock parsing and the RAID1 / RAID5
 * consistency checks of `pit audit`, on synthetic member images built
 * here: consistent sets pass, an injected difference is found at the
 * right place, and the superblock area in front of the data (which
 * differs between real members) never counts.
 */
#include "audit-later.h"
#include "audit-raid.h"
#include "md-super.h"

#include <glib.h>
#include <string.h>

#define DATA_OFFSET 16ull /* sectors: superblock at 4 KiB, data at 8 KiB */
#define CHUNK 128u        /* sectors: 64 KiB */
#define CHUNKS 6u
#define SIZE ((uint64_t)CHUNK * CHUNKS) /* sectors per member */
#define MEMBER_BYTES ((DATA_OFFSET + SIZE) * 512)

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

/* A v1.2 superblock, 4 KiB into `member`, as mdadm would write it. */
static void write_super(uint8_t *member, int level, unsigned raid_disks,
                        unsigned dev_number, const uint16_t *roles,
                        unsigned max_dev, uint64_t resync)
{
    uint8_t *sb = member + MD_SB_V12_OFFSET;

    memset(sb, 0, MD_SB_MAX_BYTES);
    put32(sb, MD_SB_MAGIC);
    put32(sb + 4, 1);
    memset(sb + 16, 0xab, 16); /* set_uuid */
    memcpy(sb + 32, "host:0", 6);
    put32(sb + 72, (uint32_t)level);
    put32(sb + 76, level == 5 ? MD_LAYOUT_LEFT_SYMMETRIC : 0);
    put64(sb + 80, SIZE);
    put32(sb + 88, level == 1 ? 0 : CHUNK);
    put32(sb + 92, raid_disks);
    put64(sb + 128, DATA_OFFSET);
    put64(sb + 136, SIZE);
    put64(sb + 144, 8);
    put32(sb + 160, dev_number);
    sb[168] = (uint8_t)dev_number; /* device_uuid: differs per member */
    put64(sb + 200, 42);
    put64(sb + 208, resync);
    put32(sb + 220, max_dev);
    for (unsigned i = 0; i < max_dev; i++) {
        sb[256 + 2 * i] = (uint8_t)roles[i];
        sb[257 + 2 * i] = (uint8_t)(roles[i] >> 8);
    }
    put32(sb + 216, md_super_csum(sb, MD_SB_MAX_BYTES));
}

static void fill_random(uint8_t *p, size_t n, guint32 seed)
{
    GRand *r = g_rand_new_with_seed(seed);

    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)g_rand_int(r);
    }
    g_rand_free(r);
}

/*
 * RAID1 legs against a verify-later journal: 4 blocks, block 0 written
 * twice (seq 1, then seq 3 cut in flight), block 1 once (seq 2, done
 * after 2 rewrites), blocks 2 and 3 never.  Leg 0 holds seq 3, leg 1
 * seq 1 for block 0 (disagree, both versions); block 1 is k=2 on leg 0
 * and garbage on leg 1 (disagree, neither).
 */
static void test_raid1_later(void)
{
    enum { BS = 4096 };
    g_autofree uint8_t *jimg = g_malloc0(DT_JOURNAL_HDR_BYTES + 8 * 32);
    g_autofree uint8_t *l0 = g_malloc0(MEMBER_BYTES);
    g_autofree uint8_t *l1 = g_malloc0(MEMBER_BYTES);
    const uint16_t roles[] = { 0, 1 };
    struct dt_journal_hdr h, hf;
    struct dt_journal_index ix;
    struct dt_jrec *r = (struct dt_jrec *)(jimg + DT_JOURNAL_HDR_BYTES);
    struct dt_block_id id = { .seed = 9, .bs = BS };
    uint8_t *d0 = l0 + DATA_OFFSET * 512, *d1 = l1 + DATA_OFFSET * 512;
    RaidMember m[2] = { { .name = "a", .data = l0, .len = MEMBER_BYTES },
                        { .name = "b", .data = l1, .len = MEMBER_BYTES } };
    Raid1Later rl;

    dt_journal_hdr_make(&h, 77, 9, 0, BS, 4);
    memcpy(jimg, &h, sizeof(h));
    dt_jrec_make(&r[0], &h, 0, DT_JREC_SUBMIT, 1, 0, 0);
    dt_jrec_make(&r[1], &h, 1, DT_JREC_DONE, 1, 0, 0);
    dt_jrec_make(&r[2], &h, 2, DT_JREC_SUBMIT, 2, 1, 0);
    dt_jrec_make(&r[3], &h, 3, DT_JREC_DONE, 2, 1, 2);
    dt_jrec_make(&r[4], &h, 4, DT_JREC_SUBMIT, 3, 0, 0);
    g_assert_true(audit_journal_find(jimg, DT_JOURNAL_HDR_BYTES + 8 * 32,
                                     &hf, &ix));
    g_assert_cmpuint(ix.submitted, ==, 3);
    g_assert_cmpuint(ix.completed, ==, 2);

    write_super(l0, 1, 2, 0, roles, 2, MD_RESYNC_DONE);
    write_super(l1, 1, 2, 1, roles, 2, MD_RESYNC_DONE);
    g_assert_cmpint(md_super_parse(l0 + MD_SB_V12_OFFSET, MD_SB_MAX_BYTES,
                                   &m[0].sb), ==, MD_SUPER_OK);
    g_assert_cmpint(md_super_parse(l1 + MD_SB_V12_OFFSET, MD_SB_MAX_BYTES,
                                   &m[1].sb), ==, MD_SUPER_OK);
    id.offset = 0;
    dt_fill(d0, &id, dt_gen(3, 7));
    dt_fill(d1, &id, dt_gen(1, 0));
    id.offset = BS;
    dt_fill(d0 + BS, &id, dt_gen(2, 2));
    fill_random(d1 + BS, BS, 5);

    g_assert_true(audit_later_raid1(&hf, &ix, m, 2, &rl));
    g_assert_cmpuint(rl.blocks, ==, 4);
    g_assert_cmpuint(rl.cls[0][DT_LATER_LAST], ==, 2);
    g_assert_cmpuint(rl.cls[0][DT_LATER_NEVER], ==, 2);
    g_assert_cmpuint(rl.cls[1][DT_LATER_EARLIER], ==, 1);
    g_assert_cmpuint(rl.cls[1][DT_LATER_NEITHER], ==, 1);
    g_assert_cmpuint(rl.cls[1][DT_LATER_NEVER], ==, 2);
    g_assert_cmpuint(rl.differ, ==, 2);
    g_assert_cmpuint(rl.differ_versions, ==, 1);
    g_assert_cmpuint(rl.differ_same_write, ==, 0);
    /* two generations of write 2 on the legs: the buffer changed */
    id.offset = BS;
    dt_fill(d1 + BS, &id, dt_gen(2, 1));
    g_assert_true(audit_later_raid1(&hf, &ix, m, 2, &rl));
    g_assert_cmpuint(rl.differ, ==, 2);
    g_assert_cmpuint(rl.differ_versions, ==, 2);
    g_assert_cmpuint(rl.differ_same_write, ==, 1);
    dt_journal_index_free(&ix);

    /* no journal: an md member is not one */
    g_assert_false(audit_journal_find(l0, MEMBER_BYTES, &hf, &ix));
}

/*
 * RAID5 (3 members, left-symmetric, 64 KiB chunks): block 0 (stripe 0,
 * role 0) was submitted as seq 1 and changed in flight, block 16 (stripe
 * 0, role 1) as seq 2.  Parity was computed over block 0 at k=0, role 0
 * received k=1.  As stored both are the last version; rebuilt without
 * its member, block 0 is its k=0 content (a version), block 16 is
 * P ^ block0(k=1) = block16 ^ block0(k=0) ^ block0(k=1): neither.
 */
static void test_raid5_later(void)
{
    enum { BS = 4096 };
    g_autofree uint8_t *jimg = g_malloc0(DT_JOURNAL_HDR_BYTES + 8 * 32);
    g_autofree uint8_t *mb[3] = { g_malloc0(MEMBER_BYTES),
                                  g_malloc0(MEMBER_BYTES),
                                  g_malloc0(MEMBER_BYTES) };
    g_autofree uint8_t *k0 = g_malloc(BS);
    const uint16_t roles[] = { 0, 1, 2 };
    struct dt_journal_hdr h, hf;
    struct dt_journal_index ix;
    struct dt_jrec *r = (struct dt_jrec *)(jimg + DT_JOURNAL_HDR_BYTES);
    struct dt_block_id id = { .seed = 4, .bs = BS };
    RaidMember m[3];
    Raid5Later rl;

    dt_journal_hdr_make(&h, 5, 4, 0, BS, 17);
    memcpy(jimg, &h, sizeof(h));
    dt_jrec_make(&r[0], &h, 0, DT_JREC_SUBMIT, 1, 0, 0);
    dt_jrec_make(&r[1], &h, 1, DT_JREC_DONE, 1, 0, 1);
    dt_jrec_make(&r[2], &h, 2, DT_JREC_SUBMIT, 2, 16, 0);
    dt_jrec_make(&r[3], &h, 3, DT_JREC_DONE, 2, 16, 0);
    g_assert_true(audit_journal_find(jimg, DT_JOURNAL_HDR_BYTES + 8 * 32,
                                     &hf, &ix));
    for (unsigned i = 0; i < 3; i++) {
        write_super(mb[i], 5, 3, i, roles, 3, MD_RESYNC_DONE);
        m[i] = (RaidMember){ .name = "m", .data = mb[i], .len = MEMBER_BYTES };
        g_assert_cmpint(md_super_parse(mb[i] + MD_SB_V12_OFFSET,
                                       MD_SB_MAX_BYTES, &m[i].sb),
                        ==, MD_SUPER_OK);
    }
    g_assert_cmpint(md_parity_role(MD_LAYOUT_LEFT_SYMMETRIC, 3, 0), ==, 2);
    uint8_t *d0 = mb[0] + DATA_OFFSET * 512, *d1 = mb[1] + DATA_OFFSET * 512,
            *p = mb[2] + DATA_OFFSET * 512;
    id.offset = 0;
    dt_fill(k0, &id, dt_gen(1, 0));
    dt_fill(d0, &id, dt_gen(1, 1));
    id.offset = 16 * BS;
    dt_fill(d1, &id, dt_gen(2, 0));
    for (unsigned k = 0; k < BS; k++) {
        p[k] = k0[k] ^ d1[k];
    }

    g_assert_true(audit_later_raid5(&hf, &ix, m, 3, &rl));
    g_assert_cmpuint(rl.blocks, ==, 17);
    g_assert_cmpuint(rl.stored[DT_LATER_LAST], ==, 2);
    g_assert_cmpuint(rl.stored[DT_LATER_NEVER], ==, 15);
    g_assert_cmpuint(rl.rebuilt[DT_LATER_LAST], ==, 1);
    g_assert_cmpuint(rl.rebuilt[DT_LATER_NEITHER], ==, 1);
    g_assert_cmpuint(rl.rebuilt[DT_LATER_NEVER], ==, 15);
    dt_journal_index_free(&ix);
}

static void test_super_parse(void)
{
    g_autofree uint8_t *m = g_malloc0(MEMBER_BYTES);
    const uint16_t roles[] = { 1, 0, MD_ROLE_SPARE, MD_ROLE_FAULTY };
    MdSuper sb;

    write_super(m, 5, 3, 1, roles, 4, MD_RESYNC_DONE);
    g_assert_cmpint(md_super_parse(m + 4096, MD_SB_MAX_BYTES, &sb), ==,
                    MD_SUPER_OK);
    g_assert_true(sb.csum_ok);
    g_assert_cmpint(sb.level, ==, 5);
    g_assert_cmpuint(sb.layout, ==, MD_LAYOUT_LEFT_SYMMETRIC);
    g_assert_cmpuint(sb.raid_disks, ==, 3);
    g_assert_cmpuint(sb.chunksize, ==, CHUNK);
    g_assert_cmpuint(sb.size, ==, SIZE);
    g_assert_cmpuint(sb.data_offset, ==, DATA_OFFSET);
    g_assert_cmpuint(sb.data_size, ==, SIZE);
    g_assert_cmpuint(sb.dev_number, ==, 1);
    g_assert_cmpint(sb.role, ==, 0);
    g_assert_cmpstr(sb.set_name, ==, "host:0");
    g_assert_cmpuint(sb.set_uuid[0], ==, 0xab);
    g_assert_cmpuint(sb.resync_offset, ==, MD_RESYNC_DONE);

    write_super(m, 5, 3, 2, roles, 4, MD_RESYNC_DONE);
    md_super_parse(m + 4096, MD_SB_MAX_BYTES, &sb);
    g_assert_cmpint(sb.role, ==, -1);
    write_super(m, 5, 3, 3, roles, 4, MD_RESYNC_DONE);
    md_super_parse(m + 4096, MD_SB_MAX_BYTES, &sb);
    g_assert_cmpint(sb.role, ==, -2);

    m[4096 + 100] ^= 1; /* any covered byte breaks the checksum */
    g_assert_cmpint(md_super_parse(m + 4096, MD_SB_MAX_BYTES, &sb), ==,
                    MD_SUPER_OK);
    g_assert_false(sb.csum_ok);
    g_assert_cmpint(md_super_parse(m + 4096, 100, &sb), ==, MD_SUPER_SHORT);
    m[4096] = 0;
    g_assert_cmpint(md_super_parse(m + 4096, MD_SB_MAX_BYTES, &sb), ==,
                    MD_SUPER_NO_MAGIC);
    memset(m, 0, 8192);
    g_assert_cmpint(md_super_parse(m + 4096, MD_SB_MAX_BYTES, &sb), ==,
                    MD_SUPER_NO_MAGIC);
}

/* md_super_csum: md's fold of the 64-bit sum of le32 words. */
static void test_super_csum(void)
{
    uint8_t sb[260] = { 0 };

    put32(sb, 0xffffffffu);
    put32(sb + 4, 2);            /* 0x1_0000_0001 -> 1 + 1 */
    put32(sb + 216, 0x12345678); /* sb_csum itself counts as zero */
    put32(sb + 220, 1);          /* max_dev 1: 2 more bytes */
    sb[256] = 5;
    g_assert_cmphex(md_super_csum(sb, sizeof(sb)), ==, 2 + 1 + 5);
}

static void test_parity_role(void)
{
    /* left-symmetric, 3 disks: parity on 2, 1, 0, 2, ... */
    g_assert_cmpint(md_parity_role(MD_LAYOUT_LEFT_SYMMETRIC, 3, 0), ==, 2);
    g_assert_cmpint(md_parity_role(MD_LAYOUT_LEFT_SYMMETRIC, 3, 1), ==, 1);
    g_assert_cmpint(md_parity_role(MD_LAYOUT_LEFT_SYMMETRIC, 3, 2), ==, 0);
    g_assert_cmpint(md_parity_role(MD_LAYOUT_LEFT_SYMMETRIC, 3, 3), ==, 2);
    g_assert_cmpint(md_parity_role(MD_LAYOUT_RIGHT_SYMMETRIC, 4, 5), ==, 1);
    g_assert_cmpint(md_parity_role(MD_LAYOUT_PARITY_N, 4, 5), ==, 3);
    g_assert_cmpstr(md_layout_name(2), ==, "left-symmetric");
    g_assert_null(md_layout_name(17));
}

typedef struct Set {
    uint8_t *img[4];
    RaidMember m[4];
    unsigned n;
} Set;

static void set_free(Set *s)
{
    for (unsigned i = 0; i < s->n; i++) {
        g_free(s->img[i]);
    }
}

static void set_parse(Set *s)
{
    for (unsigned i = 0; i < s->n; i++) {
        s->m[i].name = i == 0 ? "d0" : i == 1 ? "d1" : i == 2 ? "d2" : "d3";
        s->m[i].data = s->img[i];
        s->m[i].len = MEMBER_BYTES;
        g_assert_cmpint(
            md_super_parse(s->img[i] + 4096, MD_SB_MAX_BYTES, &s->m[i].sb), ==,
            MD_SUPER_OK);
    }
}

/* Two legs with the same data; member order in the images is d1, d0. */
static void make_raid1(Set *s, uint64_t resync)
{
    const uint16_t roles[] = { 1, 0 };

    s->n = 2;
    for (unsigned i = 0; i < 2; i++) {
        s->img[i] = g_malloc0(MEMBER_BYTES);
        write_super(s->img[i], 1, 2, i, roles, 2, resync);
        fill_random(s->img[i] + DATA_OFFSET * 512, SIZE * 512, 7);
    }
    set_parse(s);
}

static void test_raid1(void)
{
    Set s = { 0 };
    RaidReport r;

    make_raid1(&s, MD_RESYNC_DONE);
    g_assert_true(raid_check_set(s.m, s.n, &r));
    g_assert_cmpuint(r.units, ==, SIZE * 512 / RAID_UNIT);
    g_assert_cmpuint(r.bad, ==, 0);
    g_assert_cmpstr(r.note, ==, "");

    /* the superblocks differ (dev_number, device uuid): not data */
    g_assert_cmpint(memcmp(s.img[0], s.img[1], DATA_OFFSET * 512), !=, 0);

    /* one byte in the 3rd 4 KiB unit of one leg */
    s.img[1][DATA_OFFSET * 512 + 2 * 4096 + 17] ^= 0x40;
    g_assert_true(raid_check_set(s.m, s.n, &r));
    g_assert_cmpuint(r.bad, ==, 1);
    g_assert_cmpuint(r.nfirst, ==, 1);
    g_assert_cmpuint(r.first[0].offset, ==, 2 * 4096);
    g_assert_cmpuint(r.bad_windows, ==, 1);

    /* two more units: one in the same 64 KiB window as the first, one
     * in the next -- md's check would count 2 x 128 sectors */
    s.img[1][DATA_OFFSET * 512 + 5 * 4096] ^= 1;
    s.img[1][DATA_OFFSET * 512 + 17 * 4096] ^= 1;
    g_assert_true(raid_check_set(s.m, s.n, &r));
    g_assert_cmpuint(r.bad, ==, 3);
    g_assert_cmpuint(r.bad_windows, ==, 2);
    set_free(&s);
}

static void test_raid1_unsynced_note(void)
{
    Set s = { 0 };
    RaidReport r;

    make_raid1(&s, 1024);
    g_assert_true(raid_check_set(s.m, s.n, &r));
    g_assert_nonnull(strstr(r.note, "resync_offset 1024"));
    set_free(&s);
}

/* Three members, left-symmetric: parity = XOR of the data chunks. */
static void make_raid5(Set *s)
{
    const uint16_t roles[] = { 0, 1, 2 };
    const size_t chunk = CHUNK * 512;

    s->n = 3;
    for (unsigned i = 0; i < 3; i++) {
        s->img[i] = g_malloc0(MEMBER_BYTES);
        write_super(s->img[i], 5, 3, i, roles, 3, MD_RESYNC_DONE);
    }
    for (unsigned st = 0; st < CHUNKS; st++) {
        int p = md_parity_role(MD_LAYOUT_LEFT_SYMMETRIC, 3, st);
        uint8_t *par = s->img[p] + DATA_OFFSET * 512 + st * chunk;
        for (unsigned d = 0; d < 3; d++) {
            uint8_t *c = s->img[d] + DATA_OFFSET * 512 + st * chunk;
            if ((int)d == p) {
                continue;
            }
            fill_random(c, chunk, st * 3 + d);
            for (size_t j = 0; j < chunk; j++) {
                par[j] ^= c[j];
            }
        }
    }
    set_parse(s);
}

static void test_raid5(void)
{
    Set s = { 0 };
    RaidReport r;
    const size_t chunk = CHUNK * 512;

    make_raid5(&s);
    g_assert_true(raid_check_set(s.m, s.n, &r));
    g_assert_cmpuint(r.units, ==, SIZE * 512 / RAID_UNIT);
    g_assert_cmpuint(r.bad, ==, 0);

    /* a data byte of stripe 4 changes without its parity (skip_copy) */
    s.img[0][DATA_OFFSET * 512 + 4 * chunk + 5 * 4096 + 1] ^= 0xff;
    g_assert_true(raid_check_set(s.m, s.n, &r));
    g_assert_cmpuint(r.bad, ==, 1);
    g_assert_cmpuint(r.first[0].offset, ==, 4 * chunk + 5 * 4096);
    g_assert_cmpuint(r.first[0].stripe, ==, 4);
    g_assert_cmpint(r.first[0].parity_role, ==, 1);

    /* bytes in front of data_offset never count */
    s.img[2][DATA_OFFSET * 512 - 1] ^= 1;
    g_assert_true(raid_check_set(s.m, s.n, &r));
    g_assert_cmpuint(r.bad, ==, 1);
    set_free(&s);
}

static void test_cannot_check(void)
{
    Set s = { 0 };
    RaidReport r;

    make_raid5(&s);
    g_assert_false(raid_check_set(s.m, 2, &r)); /* degraded */
    g_assert_nonnull(strstr(r.problem, "needs all 3 members"));
    s.m[2].sb.chunksize = 256;
    g_assert_false(raid_check_set(s.m, 3, &r));
    g_assert_nonnull(strstr(r.problem, "disagree"));
    s.m[2].sb.chunksize = CHUNK;
    s.m[2].len = 4096 * 3;
    g_assert_false(raid_check_set(s.m, 3, &r));
    g_assert_nonnull(strstr(r.problem, "shorter"));
    s.m[2].len = MEMBER_BYTES;
    for (unsigned i = 0; i < 3; i++) {
        s.m[i].sb.level = 0;
    }
    g_assert_false(raid_check_set(s.m, 3, &r));
    g_assert_nonnull(strstr(r.problem, "only RAID1 and RAID4/5"));
    set_free(&s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/audit-raid/super-parse", test_super_parse);
    g_test_add_func("/audit-raid/super-csum", test_super_csum);
    g_test_add_func("/audit-raid/parity-role", test_parity_role);
    g_test_add_func("/audit-raid/raid1", test_raid1);
    g_test_add_func("/audit-raid/raid1-later", test_raid1_later);
    g_test_add_func("/audit-raid/raid5-later", test_raid5_later);
    g_test_add_func("/audit-raid/raid1-unsynced", test_raid1_unsynced_note);
    g_test_add_func("/audit-raid/raid5", test_raid5);
    g_test_add_func("/audit-raid/cannot-check", test_cannot_check);
    return g_test_run();
}
