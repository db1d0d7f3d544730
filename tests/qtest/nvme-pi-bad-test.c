/*
 * nvme-pi qtests: bad input from the guest.
 *
 * This file owns what the device does with garbage and edge cases: data
 * pointers into nothing, PRP entries with offsets, a PRP list that ends
 * (and chains) before its page does, malformed SGLs, LBAs out of range,
 * transfers beyond MDTS, unknown namespaces and opcodes, doorbells of
 * queues that do not exist or with values beyond the queue.  Each case
 * expects the specification's status (or CSTS.CFS where the spec allows
 * a fatal error) and checks that QEMU is still alive and answering.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "nvme-pi-fixture.h"

#define LBS512 ",logical_block_size=512"

/*
 * A DMA into nothing: the bus may report it (Data Transfer Error), the
 * controller may give up (CFS), or, as unassigned PCI memory on a PC reads
 * as all-ones and ignores writes, the transfer may simply complete.  What
 * is never allowed is no completion at all.
 */
static void assert_dma_fault_handled(uint16_t st)
{
    g_assert_true(st == 0 || st == NVME_DATA_TRAS_ERROR ||
                  st == NVME_DRV_CFS);
}

/* QEMU alive and, unless the controller declared itself dead, working. */
static void assert_survived(NvmeDrv *d)
{
    g_assert_true(nvme_drv_qemu_alive(d));
    if (!(nvme_drv_rd32(d, NVME_DRV_REG_CSTS) & NVME_DRV_CSTS_CFS)) {
        g_assert_cmphex(nvme_drv_flush(d, nvme_drv_ioq(d, NVME_FX_IOQ), 1),
                        ==, 0);
    }
}

static uint16_t raw_rw(NvmeDrv *d, uint8_t opcode, uint64_t slba,
                       uint32_t nlb, uint64_t prp1, uint64_t prp2)
{
    NvmeCmd cmd = { .opcode = opcode };
    NvmeRwCmd *c = (NvmeRwCmd *)&cmd;

    c->nsid = cpu_to_le32(1);
    c->slba = cpu_to_le64(slba);
    c->nlb = cpu_to_le16(nlb - 1);
    c->dptr.prp1 = cpu_to_le64(prp1);
    c->dptr.prp2 = cpu_to_le64(prp2);
    return nvme_drv_exec(d, nvme_drv_ioq(d, NVME_FX_IOQ), &cmd, NULL);
}

static uint16_t raw_read(NvmeDrv *d, uint64_t slba, uint32_t nlb,
                         uint64_t prp1, uint64_t prp2)
{
    return raw_rw(d, NVME_CMD_READ, slba, nlb, prp1, prp2);
}

/* n little-endian PRP entries at addr in guest memory. */
static void put_le64s(NvmeDrv *d, uint64_t addr, const uint64_t *v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        uint64_t le = cpu_to_le64(v[i]);

        qtest_memwrite(d->qts, addr + 8 * i, &le, sizeof(le));
    }
}

static void test_prp_unmapped(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(LBS512, &ns);
    uint16_t st;

    if (!d) {
        return;
    }
    /* Far beyond guest RAM and any BAR. */
    st = raw_read(d, 0, 1, 0xfff0000000000ULL, 0);
    assert_dma_fault_handled(st);
    assert_survived(d);
}

static void test_prp2_offset(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(LBS512, &ns);
    uint64_t buf;

    if (!d) {
        return;
    }
    buf = nvme_drv_alloc(d, 3 * 4096);
    /* 8 KiB needs PRP2 as a page pointer; give it an offset. */
    g_assert_cmphex(raw_read(d, 0, 16, buf, buf + 4096 + 0x10), ==,
                    NVME_INVALID_PRP_OFFSET);
    assert_survived(d);
}

static void test_prp_list_garbage(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(LBS512, &ns);
    uint64_t buf, list;
    uint64_t ent[2] = { cpu_to_le64(0xfff0000000000ULL),
                        cpu_to_le64(0xfff0000001000ULL) };
    uint16_t st;

    if (!d) {
        return;
    }
    buf = nvme_drv_alloc(d, 4096);
    list = nvme_drv_alloc(d, 4096);
    qtest_memwrite(d->qts, list, ent, sizeof(ent));
    /* 12 KiB: PRP1 + a list whose entries point at nothing. */
    st = raw_read(d, 0, 24, buf, list);
    assert_dma_fault_handled(st);
    assert_survived(d);
}

/*
 * A PRP list that starts two entries before the end of its page: those
 * two entries are one data page and the pointer to the next list page,
 * whatever the transfer still needs.  The page after the list page holds
 * misaligned entries, so a device that reads the list past the end of
 * its page fails the command (or, were they aligned, moves the wrong
 * data); the right walk writes and reads the four pages in order.
 */
static void test_prp_list_mid_page(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(LBS512, &ns);
    g_autofree uint8_t *data = g_malloc(4 * 4096);
    g_autofree uint8_t *back = g_malloc(4 * 4096);
    g_autofree uint8_t *zero = g_malloc0(4 * 4096);
    uint64_t page[4], list, list2, poison[2];

    if (!d) {
        return;
    }
    for (unsigned i = 0; i < 4 * 4096; i++) {
        data[i] = i * 7 + i / 4096;
    }
    for (unsigned i = 0; i < 4; i++) {
        page[i] = nvme_drv_alloc(d, 4096);
        qtest_memwrite(d->qts, page[i], data + i * 4096, 4096);
    }
    list = nvme_drv_alloc(d, 2 * 4096);     /* the list page + the next */
    list2 = nvme_drv_alloc(d, 4096);
    put_le64s(d, list + 4096 - 16, (uint64_t[]) { page[1], list2 }, 2);
    put_le64s(d, list2, (uint64_t[]) { page[2], page[3] }, 2);
    poison[0] = page[2] + 0x10;
    poison[1] = page[3] + 0x10;
    put_le64s(d, list + 4096, poison, 2);

    /* 16 KiB: PRP1 + three entries, the list chained after one. */
    g_assert_cmphex(raw_rw(d, NVME_CMD_WRITE, 0, 32, page[0],
                           list + 4096 - 16), ==, 0);
    g_assert_cmphex(nvme_fx_read(d, &ns, 0, 32, back, NULL, NULL, 0, 0),
                    ==, 0);
    g_assert_cmpmem(back, 4 * 4096, data, 4 * 4096);

    for (unsigned i = 0; i < 4; i++) {
        qtest_memwrite(d->qts, page[i], zero, 4096);
    }
    g_assert_cmphex(raw_read(d, 0, 32, page[0], list + 4096 - 16), ==, 0);
    for (unsigned i = 0; i < 4; i++) {
        qtest_memread(d->qts, page[i], back + i * 4096, 4096);
    }
    g_assert_cmpmem(back, 4 * 4096, data, 4 * 4096);
    assert_survived(d);
}

static uint16_t sgl_read(NvmeDrv *d, uint32_t nlb, const NvmeSglDescriptor *s)
{
    NvmeCmd cmd = { .opcode = NVME_CMD_READ };
    NvmeRwCmd *c = (NvmeRwCmd *)&cmd;

    c->nsid = cpu_to_le32(1);
    c->nlb = cpu_to_le16(nlb - 1);
    cmd.dptr.sgl = *s;
    cmd.flags = NVME_PSDT_SGL_MPTR_CONTIGUOUS << 6;
    return nvme_drv_exec(d, nvme_drv_ioq(d, NVME_FX_IOQ), &cmd, NULL);
}

static bool have_sgl(NvmeDrv *d)
{
    g_autofree NvmeIdCtrl *id = g_malloc0(sizeof(*id));

    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id), ==, 0);
    if (!(le32_to_cpu(id->sgls) & NVME_CTRL_SGLS_SUPPORT_MASK)) {
        nvme_fx_skip("device: SGLs not implemented");
        return false;
    }
    return true;
}

static void test_sgl_bad_type(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(LBS512, &ns);
    NvmeSglDescriptor s = { 0 };
    uint16_t st;

    if (!d || !have_sgl(d)) {
        return;
    }
    s.addr = cpu_to_le64(nvme_drv_alloc(d, 4096));
    s.len = cpu_to_le32(512);
    s.type = 0xe << 4;          /* reserved descriptor type */
    /* SGL Descriptor Type Invalid; QEMU's nvme says Invalid SGL Segment
     * Descriptor for a bad type in the command itself. */
    st = sgl_read(d, 1, &s);
    g_assert_true(st == NVME_SGL_DESCR_TYPE_INVALID ||
                  st == NVME_INVALID_SGL_SEG_DESCR);
    assert_survived(d);
}

static void test_sgl_short(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(LBS512, &ns);
    NvmeSglDescriptor s = { 0 };

    if (!d || !have_sgl(d)) {
        return;
    }
    s.addr = cpu_to_le64(nvme_drv_alloc(d, 4096));
    s.len = cpu_to_le32(1024);
    s.type = NVME_SGL_DESCR_TYPE_DATA_BLOCK << 4;
    /* Four blocks into a 1 KiB SGL. */
    g_assert_cmphex(sgl_read(d, 4, &s), ==, NVME_DATA_SGL_LEN_INVALID);
    assert_survived(d);
}

static void test_sgl_segment_loop(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(LBS512, &ns);
    NvmeSglDescriptor s = { 0 }, seg;
    uint64_t list;
    uint16_t st;

    if (!d || !have_sgl(d)) {
        return;
    }
    /*
     * A segment holding only a Segment descriptor that points back at
     * itself: no data, no progress, forever unless the device refuses.
     */
    list = nvme_drv_alloc(d, 4096);
    memset(&seg, 0, sizeof(seg));
    seg.addr = cpu_to_le64(list);
    seg.len = cpu_to_le32(sizeof(seg));
    seg.type = NVME_SGL_DESCR_TYPE_SEGMENT << 4;
    qtest_memwrite(d->qts, list, &seg, sizeof(seg));
    s = seg;
    st = sgl_read(d, 8, &s);
    g_assert_cmphex(st, !=, NVME_DRV_TIMEOUT);
    g_assert_cmphex(st, !=, 0);
    assert_survived(d);
}

static void test_sgl_meta_short(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(LBS512 ",ms=8", &ns);
    g_autofree NvmeIdCtrl *id = g_malloc0(sizeof(*id));
    NvmeCmd cmd = { .opcode = NVME_CMD_READ };
    NvmeRwCmd *c = (NvmeRwCmd *)&cmd;
    NvmeSglDescriptor m = { 0 };
    uint64_t mdesc;

    if (!d) {
        return;
    }
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id), ==, 0);
    if (!(le32_to_cpu(id->sgls) & NVME_CTRL_SGLS_MPTR_SGL)) {
        nvme_fx_skip("device: MPTR SGLs not implemented");
        return;
    }
    /* Four blocks need 32 metadata bytes; the metadata SGL has 16. */
    m.addr = cpu_to_le64(nvme_drv_alloc(d, 4096));
    m.len = cpu_to_le32(16);
    m.type = NVME_SGL_DESCR_TYPE_DATA_BLOCK << 4;
    mdesc = nvme_drv_alloc(d, 4096);
    qtest_memwrite(d->qts, mdesc, &m, sizeof(m));
    c->nsid = cpu_to_le32(1);
    c->nlb = cpu_to_le16(3);
    cmd.dptr.sgl.addr = cpu_to_le64(nvme_drv_alloc(d, 4096));
    cmd.dptr.sgl.len = cpu_to_le32(4 * 512);
    cmd.dptr.sgl.type = NVME_SGL_DESCR_TYPE_DATA_BLOCK << 4;
    cmd.mptr = cpu_to_le64(mdesc);
    cmd.flags = NVME_PSDT_SGL_MPTR_SGL << 6;
    g_assert_cmphex(nvme_drv_exec(d, nvme_drv_ioq(d, NVME_FX_IOQ), &cmd, NULL),
                    ==, NVME_MD_SGL_LEN_INVALID);
    assert_survived(d);
}

static void test_lba_range(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(LBS512, &ns);
    uint64_t buf;

    if (!d) {
        return;
    }
    buf = nvme_drv_alloc(d, 4096);
    g_assert_cmphex(raw_read(d, ns.nsze, 1, buf, 0), ==, NVME_LBA_RANGE);
    /* Starts inside, ends outside. */
    g_assert_cmphex(raw_read(d, ns.nsze - 1, 2, buf, 0), ==, NVME_LBA_RANGE);
    /* SLBA + NLB wrapping around 2^64. */
    g_assert_cmphex(raw_read(d, UINT64_MAX, 2, buf, 0), ==, NVME_LBA_RANGE);
    /* The last block itself is fine. */
    g_assert_cmphex(raw_read(d, ns.nsze - 1, 1, buf, 0), ==, 0);
}

static void test_mdts(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(LBS512 ",mdts=2", &ns);
    NvmeDrvBuf b;
    NvmeDrvRw rw = { .opcode = NVME_CMD_READ, .nsid = 1, .data = &b };
    NvmeDrvQueue *q;

    if (!d) {
        return;
    }
    q = nvme_drv_ioq(d, NVME_FX_IOQ);
    /* MDTS 2 with 4 KiB pages: 16 KiB, i.e. 32 blocks of 512. */
    nvme_drv_buf_contig(d, &b, 32 * 512, 0);
    rw.nlb = 32;
    g_assert_cmphex(nvme_drv_rw(d, q, &rw, NULL), ==, 0);
    nvme_drv_buf_contig(d, &b, 33 * 512, 0);
    rw.nlb = 33;
    g_assert_cmphex(nvme_drv_rw(d, q, &rw, NULL), ==, NVME_INVALID_FIELD);
    assert_survived(d);
}

static void test_bad_nsid(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(LBS512, &ns);
    NvmeDrvBuf b;
    NvmeDrvRw rw = { .opcode = NVME_CMD_READ, .nlb = 1, .data = &b };
    NvmeDrvQueue *q;

    if (!d) {
        return;
    }
    q = nvme_drv_ioq(d, NVME_FX_IOQ);
    nvme_drv_buf_contig(d, &b, 512, 0);
    rw.nsid = 0;
    g_assert_cmphex(nvme_drv_rw(d, q, &rw, NULL), ==, NVME_INVALID_NSID);
    rw.nsid = 0x1234;
    g_assert_cmphex(nvme_drv_rw(d, q, &rw, NULL), ==, NVME_INVALID_NSID);
    assert_survived(d);
}

static void test_io_bad_opcode(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(LBS512, &ns);
    NvmeCmd cmd = { .opcode = 0x7f };

    if (!d) {
        return;
    }
    cmd.nsid = cpu_to_le32(1);
    g_assert_cmphex(nvme_drv_exec(d, nvme_drv_ioq(d, NVME_FX_IOQ), &cmd,
                                  NULL), ==, NVME_INVALID_OPCODE);
    /* An admin-only opcode on an I/O queue is just as invalid. */
    cmd.opcode = NVME_ADM_CMD_IDENTIFY;
    g_assert_cmphex(nvme_drv_exec(d, nvme_drv_ioq(d, NVME_FX_IOQ), &cmd,
                                  NULL), ==, NVME_INVALID_OPCODE);
    assert_survived(d);
}

static void test_doorbell_no_queue(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(LBS512, &ns);

    if (!d) {
        return;
    }
    /* Doorbells of queues 5..64, which do not exist, and past them. */
    for (uint16_t qid = 5; qid < 65; qid++) {
        nvme_drv_ring_sq(d, qid, 1);
        nvme_drv_ring_cq(d, qid, 1);
    }
    nvme_drv_wr32(d, NVME_DRV_REG_DBS + 0x7fc, 3);
    qtest_clock_step(d->qts, 1000 * 1000);
    assert_survived(d);
}

static void test_doorbell_beyond_size(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(LBS512, &ns);
    NvmeCmd cmd = { .opcode = NVME_ADM_CMD_IDENTIFY };
    uint32_t csts;
    uint16_t st;

    if (!d) {
        return;
    }
    /* SQ tail beyond the 32-entry queue: an invalid doorbell value. */
    nvme_drv_ring_sq(d, NVME_FX_IOQ, 1000);
    nvme_drv_ring_cq(d, NVME_FX_IOQ, 1000);
    qtest_clock_step(d->qts, 1000 * 1000);
    g_assert_true(nvme_drv_qemu_alive(d));
    csts = nvme_drv_rd32(d, NVME_DRV_REG_CSTS);
    if (csts & NVME_DRV_CSTS_CFS) {
        return;
    }
    /* The write was ignored: the admin queue still answers. */
    cmd.cdw10 = cpu_to_le32(NVME_ID_CNS_CTRL);
    nvme_drv_map(d, &cmd, NULL, NVME_DRV_DPTR_PRP, NULL, false);
    cmd.dptr.prp1 = cpu_to_le64(nvme_drv_alloc(d, 4096));
    st = nvme_drv_exec(d, &d->admin, &cmd, NULL);
    g_assert_cmphex(st, ==, 0);
}

static void test_cq_doorbell_ahead(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(LBS512, &ns);

    if (!d) {
        return;
    }
    /* The host claims to have consumed completions it never got. */
    nvme_drv_ring_cq(d, NVME_FX_IOQ, 17);
    qtest_clock_step(d->qts, 1000 * 1000);
    g_assert_true(nvme_drv_qemu_alive(d));
}

static void test_bad_sqid_in_create(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(LBS512, &ns);

    if (!d) {
        return;
    }
    /* Queue memory at an address with nothing behind it. */
    g_assert_cmphex(nvme_drv_create_cq(d, 3, 8, 0xfff0000000000ULL,
                                       NVME_CQ_PC, 0), ==, 0);
    g_assert_cmphex(nvme_drv_create_sq(d, 3, 8, 0xfff0000002000ULL,
                                       NVME_SQ_PC, 3), ==, 0);
    nvme_drv_ring_sq(d, 3, 1);
    qtest_clock_step(d->qts, 10 * 1000 * 1000);
    assert_survived(d);
}

void nvme_pi_bad_tests(void)
{
    qtest_add_func("/nvme-pi/bad/prp-unmapped", test_prp_unmapped);
    qtest_add_func("/nvme-pi/bad/prp2-offset", test_prp2_offset);
    qtest_add_func("/nvme-pi/bad/prp-list-garbage", test_prp_list_garbage);
    qtest_add_func("/nvme-pi/bad/prp-list-mid-page", test_prp_list_mid_page);
    qtest_add_func("/nvme-pi/bad/sgl-bad-type", test_sgl_bad_type);
    qtest_add_func("/nvme-pi/bad/sgl-short", test_sgl_short);
    qtest_add_func("/nvme-pi/bad/sgl-segment-loop", test_sgl_segment_loop);
    qtest_add_func("/nvme-pi/bad/sgl-meta-short", test_sgl_meta_short);
    qtest_add_func("/nvme-pi/bad/lba-range", test_lba_range);
    qtest_add_func("/nvme-pi/bad/mdts", test_mdts);
    qtest_add_func("/nvme-pi/bad/nsid", test_bad_nsid);
    qtest_add_func("/nvme-pi/bad/io-opcode", test_io_bad_opcode);
    qtest_add_func("/nvme-pi/bad/doorbell-no-queue", test_doorbell_no_queue);
    qtest_add_func("/nvme-pi/bad/doorbell-beyond-size",
                   test_doorbell_beyond_size);
    qtest_add_func("/nvme-pi/bad/cq-doorbell-ahead", test_cq_doorbell_ahead);
    qtest_add_func("/nvme-pi/bad/queue-memory-unmapped",
                   test_bad_sqid_in_create);
}
