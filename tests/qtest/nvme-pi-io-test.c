/*
 * nvme-pi qtests: NVM I/O commands moving data.
 *
 * This file owns the Read/Write round trips for every LBA format (512 and
 * 4096 data bytes x 0/8/16/64 metadata bytes, separate and extended), for
 * every PI type, guard size and PI location with all checks on, over PRP
 * lists and SGLs, and the other data commands: Flush, Compare, Verify,
 * Write Zeroes and Dataset Management.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "nvme-pi-fixture.h"

#define PRCHK_ALL   (NVME_PRINFO_PRCHK_GUARD | NVME_PRINFO_PRCHK_APP | \
                     NVME_PRINFO_PRCHK_REF)

typedef struct RwCase {
    const char *name;
    const char *props;
    NvmeFxIo io;
    uint32_t nlb;
} RwCase;

#define LBS4K ",logical_block_size=4096,physical_block_size=4096"
#define LBS512 ",logical_block_size=512"

static const RwCase rw_cases[] = {
    /* Every LBA format, separate metadata. */
    { .name = "fmt/512+0", .props = LBS512 },
    { .name = "fmt/512+8", .props = LBS512 ",ms=8" },
    { .name = "fmt/512+16", .props = LBS512 ",ms=16" },
    { .name = "fmt/512+64", .props = LBS512 ",ms=64" },
    { .name = "fmt/4096+0", .props = LBS4K },
    { .name = "fmt/4096+8", .props = LBS4K ",ms=8" },
    { .name = "fmt/4096+16", .props = LBS4K ",ms=16" },
    { .name = "fmt/4096+64", .props = LBS4K ",ms=64" },
    /* Extended LBAs. */
    { .name = "fmt/512+8-ext", .props = LBS512 ",ms=8,mset=1" },
    { .name = "fmt/512+16-ext", .props = LBS512 ",ms=16,mset=1" },
    { .name = "fmt/512+64-ext", .props = LBS512 ",ms=64,mset=1" },
    { .name = "fmt/4096+8-ext", .props = LBS4K ",ms=8,mset=1" },
    { .name = "fmt/4096+16-ext", .props = LBS4K ",ms=16,mset=1" },
    { .name = "fmt/4096+64-ext", .props = LBS4K ",ms=64,mset=1" },
    /* Data pointers. */
    { .name = "dptr/prp-list", .props = LBS4K, .nlb = 16,
      .io = { .scatter = true, .piece = 4096 } },
    { .name = "dptr/prp1-offset", .props = LBS512, .nlb = 16,
      .io = { .offset = 0x200 } },
    { .name = "dptr/prp-list-ext", .props = LBS512 ",ms=8,mset=1", .nlb = 40,
      .io = { .scatter = true, .piece = 8192 } },
    /* 520 pages: the PRP list needs a second, chained list page. */
    { .name = "dptr/prp-list-chained", .props = LBS4K ",mdts=0", .nlb = 520,
      .io = { .scatter = true, .piece = 64 * 4096 } },
    { .name = "dptr/sgl-data-block", .props = LBS4K ",ms=8",
      .io = { .dptr = NVME_DRV_DPTR_SGL } },
    { .name = "dptr/sgl-segments", .props = LBS512, .nlb = 15,
      .io = { .dptr = NVME_DRV_DPTR_SGL, .scatter = true, .piece = 1536 } },
    { .name = "dptr/sgl-meta", .props = LBS512 ",ms=16", .nlb = 8,
      .io = { .dptr = NVME_DRV_DPTR_SGL, .meta_sgl = true } },
    { .name = "dptr/sgl-pi-ext", .props = LBS512 ",ms=8,mset=1,pi=1",
      .nlb = 9, .io = { .dptr = NVME_DRV_DPTR_SGL, .scatter = true,
                        .piece = 1000, .prinfo = PRCHK_ALL } },
};

static bool need_sgl(NvmeDrv *d, const NvmeFxIo *io)
{
    g_autofree NvmeIdCtrl *id = g_malloc0(sizeof(*id));
    uint32_t sgls;

    if (io->dptr != NVME_DRV_DPTR_SGL && !io->meta_sgl) {
        return true;
    }
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id), ==, 0);
    sgls = le32_to_cpu(id->sgls);
    if (!(sgls & NVME_CTRL_SGLS_SUPPORT_MASK)) {
        nvme_fx_skip("device: SGLs not implemented (SGLS 0x%x)", sgls);
        return false;
    }
    if (io->meta_sgl && !(sgls & NVME_CTRL_SGLS_MPTR_SGL)) {
        nvme_fx_skip("device: MPTR SGLs not implemented (SGLS 0x%x)", sgls);
        return false;
    }
    return true;
}

/* Write a pattern (with valid PI), read it back, compare every byte. */
static void roundtrip(NvmeDrv *d, const NvmeDrvNs *ns, const NvmeFxIo *io,
                      uint64_t slba, uint32_t nlb)
{
    size_t dl = nvme_ref_data_len(ns, nlb), ml = nvme_ref_meta_len(ns, nlb);
    g_autofree uint8_t *wd = g_malloc0(dl);
    g_autofree uint8_t *wm = g_malloc0(ml + 1);
    g_autofree uint8_t *rd = g_malloc0(dl);
    g_autofree uint8_t *rm = g_malloc0(ml + 1);
    uint16_t st;

    nvme_ref_pattern(ns, wd, wm, nlb, slba + nlb);
    nvme_ref_protect(ns, wd, wm, nlb, slba, 0x5a17);
    st = nvme_fx_write(d, ns, slba, nlb, wd, wm, io, slba, 0x5a17);
    if (nvme_fx_unimpl(st, "Write")) {
        return;
    }
    g_assert_cmphex(st, ==, 0);
    st = nvme_fx_read(d, ns, slba, nlb, rd, rm, io, slba, 0x5a17);
    if (nvme_fx_unimpl(st, "Read")) {
        return;
    }
    g_assert_cmphex(st, ==, 0);
    g_assert_cmpmem(rd, dl, wd, dl);
    g_assert_cmpmem(rm, ml, wm, ml);
}

static void test_rw(const void *opaque)
{
    const RwCase *c = opaque;
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(c->props, &ns);

    if (!d || !need_sgl(d, &c->io)) {
        return;
    }
    /* Two places: the start, and somewhere not block 0. */
    roundtrip(d, &ns, &c->io, 0, c->nlb ? c->nlb : 4);
    if (!g_test_failed()) {
        roundtrip(d, &ns, &c->io, ns.nsze / 2 + 3, c->nlb ? c->nlb : 4);
    }
}

/* PI types x guard x location x layout, all checks on. */
typedef struct PiCase {
    char name[48];
    char props[160];
} PiCase;

static PiCase pi_cases[3 * 2 * 2 * 2];

static void test_pi_rw(const void *opaque)
{
    const PiCase *c = opaque;
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(c->props, &ns);
    NvmeFxIo io = { .prinfo = PRCHK_ALL };
    uint32_t nlb = 6;
    size_t dl, ml;
    g_autofree uint8_t *rd = NULL;
    g_autofree uint8_t *rm = NULL;

    if (!d) {
        return;
    }
    g_assert_cmpuint(ns.pi_type, >=, 1);
    if (ns.pi_type == 3) {
        /* Type 3 has no reference tag to check (PRINFO would be 181h). */
        io.prinfo &= ~NVME_PRINFO_PRCHK_REF;
    }
    roundtrip(d, &ns, &io, 17, nlb);
    if (g_test_failed()) {
        return;
    }
    /* What is stored carries the tuples the host sent, block by block. */
    dl = nvme_ref_data_len(&ns, nlb);
    ml = nvme_ref_meta_len(&ns, nlb);
    rd = g_malloc0(dl);
    rm = g_malloc0(ml + 1);
    /* No PRCHK; ILBRT still given, as pi-strict checks type 2 with it. */
    io.prinfo = 0;
    g_assert_cmphex(nvme_fx_read(d, &ns, 17, nlb, rd, rm, &io, 17, 0), ==, 0);
    for (uint32_t i = 0; i < nlb; i++) {
        NvmeRefTuple t;
        uint8_t *bm = nvme_ref_blk_meta(&ns, rd, rm, i);

        nvme_ref_tuple_get(&ns, bm, &t);
        g_assert_cmphex(t.guard, ==,
                        nvme_ref_guard(&ns, nvme_ref_blk_data(&ns, rd, i), bm));
        g_assert_cmphex(t.apptag, ==, 0x5a17);
        g_assert_cmphex(t.reftag, ==, ns.pi_type == 3 ? 17 : 17 + i);
    }
}

static void build_pi_cases(void)
{
    unsigned n = 0;

    for (int type = 1; type <= 3; type++) {
        for (int g64 = 0; g64 <= 1; g64++) {
            for (int first = 0; first <= 1; first++) {
                for (int ext = 0; ext <= 1; ext++) {
                    /* ms leaves room before/after the tuple. */
                    int ms = g64 ? 64 : 16;
                    PiCase *c = &pi_cases[n++];

                    snprintf(c->name, sizeof(c->name),
                             "/nvme-pi/io/pi/type%d-%s-%s-%s", type,
                             g64 ? "64b" : "16b", first ? "first" : "last",
                             ext ? "ext" : "sep");
                    snprintf(c->props, sizeof(c->props),
                             "%s,ms=%d,mset=%d,pi=%d,pil=%d%s",
                             g64 ? LBS4K : LBS512, ms, ext, type, first,
                             g64 ? ",pif=2" : "");
                }
            }
        }
    }
}

static void test_flush(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(NULL, &ns);
    uint16_t st;

    if (!d) {
        return;
    }
    st = nvme_drv_flush(d, nvme_drv_ioq(d, NVME_FX_IOQ), 1);
    if (nvme_fx_unimpl(st, "Flush")) {
        return;
    }
    g_assert_cmphex(st, ==, 0);
    /* Broadcast NSID flushes every namespace. */
    g_assert_cmphex(nvme_drv_flush(d, nvme_drv_ioq(d, NVME_FX_IOQ),
                                   0xffffffff), ==, 0);
}

static uint16_t compare(NvmeDrv *d, const NvmeDrvNs *ns, uint64_t slba,
                        uint32_t nlb, const uint8_t *data)
{
    NvmeDrvBuf b;
    NvmeDrvRw rw = {
        .opcode = NVME_CMD_COMPARE, .nsid = 1, .slba = slba, .nlb = nlb,
        .data = &b,
    };

    nvme_drv_buf_contig(d, &b, nvme_ref_data_len(ns, nlb), 0);
    nvme_drv_buf_write(d, &b, data);
    return nvme_drv_rw(d, nvme_drv_ioq(d, NVME_FX_IOQ), &rw, NULL);
}

static void test_compare(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(LBS512, &ns);
    uint8_t buf[4 * 512];

    if (!d || !nvme_fx_oncs(d, NVME_ONCS_COMPARE, "Compare")) {
        return;
    }
    nvme_ref_pattern(&ns, buf, NULL, 4, 1);
    g_assert_cmphex(nvme_fx_write(d, &ns, 8, 4, buf, NULL, NULL, 0, 0), ==,
                    0);
    g_assert_cmphex(compare(d, &ns, 8, 4, buf), ==, 0);
    /* One bit differs in the last block. */
    buf[3 * 512 + 100] ^= 0x10;
    g_assert_cmphex(compare(d, &ns, 8, 4, buf), ==, NVME_CMP_FAILURE);
}

static uint16_t verify(NvmeDrv *d, uint64_t slba, uint32_t nlb,
                       uint8_t prinfo, uint64_t reftag, uint16_t apptag)
{
    NvmeDrvRw rw = {
        .opcode = NVME_CMD_VERIFY, .nsid = 1, .slba = slba, .nlb = nlb,
        .prinfo = prinfo, .reftag = reftag, .apptag = apptag,
        .appmask = 0xffff,
    };

    return nvme_drv_rw(d, nvme_drv_ioq(d, NVME_FX_IOQ), &rw, NULL);
}

static void test_verify(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(LBS512 ",ms=8,pi=1,pi-strict=off", &ns);
    uint8_t data[4 * 512], meta[4 * 8];
    NvmeFxIo raw = { 0 };

    if (!d || !nvme_fx_oncs(d, NVME_ONCS_VERIFY, "Verify")) {
        return;
    }
    nvme_ref_pattern(&ns, data, meta, 4, 2);
    nvme_ref_protect(&ns, data, meta, 4, 40, 0x77);
    /* Block 2's guard is wrong; written without checks. */
    meta[2 * 8] ^= 0xff;
    g_assert_cmphex(nvme_fx_write(d, &ns, 40, 4, data, meta, &raw, 0, 0), ==,
                    0);
    g_assert_cmphex(verify(d, 40, 2, NVME_PRINFO_PRCHK_GUARD |
                           NVME_PRINFO_PRCHK_REF, 40, 0x77), ==, 0);
    g_assert_cmphex(verify(d, 40, 4, NVME_PRINFO_PRCHK_GUARD, 40, 0x77), ==,
                    NVME_E2E_GUARD_ERROR);
    g_assert_cmphex(verify(d, 40, 2, NVME_PRINFO_PRCHK_APP, 40, 0x78), ==,
                    NVME_E2E_APP_ERROR);
}

static void test_write_zeroes(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(LBS512, &ns);
    uint8_t buf[8 * 512], zero[8 * 512] = { 0 };
    NvmeDrvRw rw = {
        .opcode = NVME_CMD_WRITE_ZEROES, .nsid = 1, .slba = 3, .nlb = 4,
    };

    if (!d || !nvme_fx_oncs(d, NVME_ONCS_WRITE_ZEROES, "Write Zeroes")) {
        return;
    }
    nvme_ref_pattern(&ns, buf, NULL, 8, 3);
    g_assert_cmphex(nvme_fx_write(d, &ns, 1, 8, buf, NULL, NULL, 0, 0), ==,
                    0);
    g_assert_cmphex(nvme_drv_rw(d, nvme_drv_ioq(d, NVME_FX_IOQ), &rw, NULL),
                    ==, 0);
    memset(zero, 0, sizeof(zero));
    {
        uint8_t got[8 * 512];

        g_assert_cmphex(nvme_fx_read(d, &ns, 1, 8, got, NULL, NULL, 0, 0),
                        ==, 0);
        /* Blocks 1-2 and 7-8 untouched, 3-6 zero. */
        g_assert_cmpmem(got, 2 * 512, buf, 2 * 512);
        g_assert_cmpmem(got + 2 * 512, 4 * 512, zero, 4 * 512);
        g_assert_cmpmem(got + 6 * 512, 2 * 512, buf + 6 * 512, 2 * 512);
    }
}

static void test_dsm_deallocate(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(LBS512 ",ms=8,pi=1", &ns);
    g_autofree NvmeIdNs *id = g_malloc0(sizeof(*id));
    uint8_t data[4 * 512], meta[4 * 8], got[4 * 512], gm[4 * 8];
    uint8_t zero[4 * 512] = { 0 };
    uint16_t st;

    if (!d || !nvme_fx_oncs(d, NVME_ONCS_DSM, "Dataset Management")) {
        return;
    }
    nvme_ref_pattern(&ns, data, meta, 4, 4);
    nvme_ref_protect(&ns, data, meta, 4, 60, 1);
    g_assert_cmphex(nvme_fx_write(d, &ns, 60, 4, data, meta, NULL, 0, 0), ==,
                    0);
    st = nvme_drv_dsm_deallocate(d, nvme_drv_ioq(d, NVME_FX_IOQ), 1, 60, 4);
    g_assert_cmphex(st, ==, 0);
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_NS, 1, 0, id), ==, 0);
    /* DLFEAT 001b: deallocated blocks read as zeroes. */
    g_assert_cmpuint(id->dlfeat & 7, ==, 1);
    g_assert_cmphex(nvme_fx_read(d, &ns, 60, 4, got, gm, NULL, 0, 0), ==, 0);
    g_assert_cmpmem(got, sizeof(got), zero, sizeof(zero));
    /* PI of deallocated blocks carries escape values: reads with every
     * check on still succeed. */
    {
        NvmeFxIo chk = { .prinfo = PRCHK_ALL };

        g_assert_cmphex(nvme_fx_read(d, &ns, 60, 4, got, gm, &chk, 60, 0x0),
                        ==, 0);
        for (int i = 0; i < 4; i++) {
            NvmeRefTuple t;

            nvme_ref_tuple_get(&ns, gm + 8 * i, &t);
            g_assert_cmphex(t.apptag, ==, 0xffff);
        }
    }
}

static void test_two_queues(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(LBS512, &ns);
    uint8_t a[512], b[512], got[512];
    NvmeDrvBuf ba, bb;
    NvmeCmd ca = { .opcode = NVME_CMD_WRITE };
    NvmeCmd cb = { .opcode = NVME_CMD_WRITE };
    NvmeCqe cqe;

    if (!d) {
        return;
    }
    g_assert_cmphex(nvme_drv_create_ioq(d, 2, 8), ==, 0);
    nvme_ref_pattern(&ns, a, NULL, 1, 10);
    nvme_ref_pattern(&ns, b, NULL, 1, 11);
    nvme_drv_buf_contig(d, &ba, 512, 0);
    nvme_drv_buf_contig(d, &bb, 512, 0);
    nvme_drv_buf_write(d, &ba, a);
    nvme_drv_buf_write(d, &bb, b);
    /* Both submitted before either is reaped: block 5 and block 6. */
    ca.nsid = cb.nsid = cpu_to_le32(1);
    ((NvmeRwCmd *)&ca)->slba = cpu_to_le64(5);
    ((NvmeRwCmd *)&cb)->slba = cpu_to_le64(6);
    nvme_drv_map(d, &ca, &ba, NVME_DRV_DPTR_PRP, NULL, false);
    nvme_drv_map(d, &cb, &bb, NVME_DRV_DPTR_PRP, NULL, false);
    nvme_drv_submit(d, nvme_drv_ioq(d, NVME_FX_IOQ), &ca);
    nvme_drv_submit(d, nvme_drv_ioq(d, 2), &cb);
    g_assert_true(nvme_drv_reap(d, nvme_drv_ioq(d, 2), &cqe));
    g_assert_cmphex(nvme_drv_cqe_status(&cqe), ==, 0);
    g_assert_cmpuint(le16_to_cpu(cqe.sq_id), ==, 2);
    g_assert_true(nvme_drv_reap(d, nvme_drv_ioq(d, NVME_FX_IOQ), &cqe));
    g_assert_cmphex(nvme_drv_cqe_status(&cqe), ==, 0);
    g_assert_cmpuint(le16_to_cpu(cqe.sq_id), ==, 1);
    g_assert_cmphex(nvme_fx_read(d, &ns, 5, 1, got, NULL, NULL, 0, 0), ==, 0);
    g_assert_cmpmem(got, 512, a, 512);
    g_assert_cmphex(nvme_fx_read(d, &ns, 6, 1, got, NULL, NULL, 0, 0), ==, 0);
    g_assert_cmpmem(got, 512, b, 512);
}

static void test_sgl_bit_bucket(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(LBS512, &ns);
    g_autofree NvmeIdCtrl *id = g_malloc0(sizeof(*id));
    uint8_t data[3 * 512], got[512];
    NvmeSglDescriptor sg[3];
    NvmeCmd cmd = { .opcode = NVME_CMD_READ };
    NvmeRwCmd *c = (NvmeRwCmd *)&cmd;
    uint64_t list, a, b;

    if (!d) {
        return;
    }
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id), ==, 0);
    if (!(le32_to_cpu(id->sgls) & NVME_CTRL_SGLS_BITBUCKET)) {
        nvme_fx_skip("device: SGL bit bucket not implemented");
        return;
    }
    nvme_ref_pattern(&ns, data, NULL, 3, 20);
    g_assert_cmphex(nvme_fx_write(d, &ns, 10, 3, data, NULL, NULL, 0, 0), ==,
                    0);
    /* Read 3 blocks: first and last to buffers, the middle discarded. */
    a = nvme_drv_alloc(d, 4096);
    b = nvme_drv_alloc(d, 4096);
    qtest_memset(d->qts, a, 0xee, 4096);
    qtest_memset(d->qts, b, 0xee, 4096);
    memset(sg, 0, sizeof(sg));
    sg[0].addr = cpu_to_le64(a);
    sg[0].len = cpu_to_le32(512);
    sg[1].len = cpu_to_le32(512);
    sg[1].type = NVME_SGL_DESCR_TYPE_BIT_BUCKET << 4;
    sg[2].addr = cpu_to_le64(b);
    sg[2].len = cpu_to_le32(512);
    list = nvme_drv_alloc(d, 4096);
    qtest_memwrite(d->qts, list, sg, sizeof(sg));
    c->nsid = cpu_to_le32(1);
    c->slba = cpu_to_le64(10);
    c->nlb = cpu_to_le16(2);
    cmd.flags = NVME_PSDT_SGL_MPTR_CONTIGUOUS << 6;
    cmd.dptr.sgl.addr = cpu_to_le64(list);
    cmd.dptr.sgl.len = cpu_to_le32(sizeof(sg));
    cmd.dptr.sgl.type = NVME_SGL_DESCR_TYPE_LAST_SEGMENT << 4;
    g_assert_cmphex(nvme_drv_exec(d, nvme_drv_ioq(d, NVME_FX_IOQ), &cmd, NULL),
                    ==, 0);
    qtest_memread(d->qts, a, got, 512);
    g_assert_cmpmem(got, 512, data, 512);
    qtest_memread(d->qts, b, got, 512);
    g_assert_cmpmem(got, 512, data + 1024, 512);
    /* Nothing landed after the first buffer's 512 bytes. */
    qtest_memread(d->qts, a + 512, got, 512);
    g_assert_cmphex(got[0], ==, 0xee);
    g_assert_cmphex(got[511], ==, 0xee);
    /* A bit bucket has nothing to give: refused in a write. */
    cmd.opcode = NVME_CMD_WRITE;
    g_assert_cmphex(nvme_drv_exec(d, nvme_drv_ioq(d, NVME_FX_IOQ), &cmd, NULL),
                    ==, NVME_SGL_DESCR_TYPE_INVALID);
}

static void test_write_zeroes_deac(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(LBS512 ",ms=8,pi=1", &ns);
    uint8_t data[4 * 512], meta[4 * 8], got[4 * 512], gm[4 * 8];
    uint8_t zero[4 * 512] = { 0 }, ones[4 * 8];
    NvmeCmd cmd;

    if (!d || !nvme_fx_oncs(d, NVME_ONCS_WRITE_ZEROES, "Write Zeroes")) {
        return;
    }
    nvme_ref_pattern(&ns, data, meta, 4, 21);
    nvme_ref_protect(&ns, data, meta, 4, 70, 3);
    g_assert_cmphex(nvme_fx_write(d, &ns, 70, 4, data, meta, NULL, 70, 0), ==,
                    0);
    /* Write Zeroes with DEAC (CDW12 bit 25): deallocated blocks. */
    memset(&cmd, 0, sizeof(cmd));
    cmd.opcode = NVME_CMD_WRITE_ZEROES;
    cmd.nsid = cpu_to_le32(1);
    ((NvmeRwCmd *)&cmd)->slba = cpu_to_le64(70);
    ((NvmeRwCmd *)&cmd)->nlb = cpu_to_le16(3);
    cmd.cdw12 |= cpu_to_le32(1u << 25);
    g_assert_cmphex(nvme_drv_exec(d, nvme_drv_ioq(d, NVME_FX_IOQ), &cmd, NULL),
                    ==, 0);
    g_assert_cmphex(nvme_fx_read(d, &ns, 70, 4, got, gm, NULL, 70, 0), ==, 0);
    g_assert_cmpmem(got, sizeof(got), zero, sizeof(zero));
    /* Deallocated metadata is the escape value: all FFh. */
    memset(ones, 0xff, sizeof(ones));
    g_assert_cmpmem(gm, sizeof(gm), ones, sizeof(ones));
}

void nvme_pi_io_tests(void)
{
    for (unsigned i = 0; i < ARRAY_SIZE(rw_cases); i++) {
        g_autofree char *path = g_strdup_printf("/nvme-pi/io/rw/%s",
                                                rw_cases[i].name);

        qtest_add_data_func(path, &rw_cases[i], test_rw);
    }
    build_pi_cases();
    for (unsigned i = 0; i < ARRAY_SIZE(pi_cases); i++) {
        qtest_add_data_func(pi_cases[i].name, &pi_cases[i], test_pi_rw);
    }
    qtest_add_func("/nvme-pi/io/flush", test_flush);
    qtest_add_func("/nvme-pi/io/compare", test_compare);
    qtest_add_func("/nvme-pi/io/verify", test_verify);
    qtest_add_func("/nvme-pi/io/write-zeroes", test_write_zeroes);
    qtest_add_func("/nvme-pi/io/dsm-deallocate", test_dsm_deallocate);
    qtest_add_func("/nvme-pi/io/two-queues", test_two_queues);
    qtest_add_func("/nvme-pi/io/sgl-bit-bucket", test_sgl_bit_bucket);
    qtest_add_func("/nvme-pi/io/write-zeroes-deac", test_write_zeroes_deac);
}
