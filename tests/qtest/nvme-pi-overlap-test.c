/*
 * nvme-pi qtests: overlapping writes are serialised.
 *
 * A write persists its data and its metadata as two block requests.  Two
 * writes to the same LBA in flight at once must not end as "data of one +
 * PI of the other" (a guard error the guest did not cause), so the device
 * holds an in-flight range lock over the persist step.  The proof is
 * deterministic: the image sits behind blkdebug, HMP qemu-io "break"
 * stops the first write's data request half-way, the second write's
 * persist starts (dma-delay on dma-clock=virtual times both), and only
 * then is the first one resumed.  Without the lock the image ends as data
 * of write 1 + PI of write 2 and the read-back fails its guard check.
 * Also: many jittered overlapping writes, a Write Zeroes waiting for a
 * write, and deleting an SQ with a write waiting for the lock.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "nvme-pi-fixture.h"
#include "nvme-qtest-compat.h"

#define DELAY_NS        (1000 * 1000)       /* 1 ms of virtual time */
#define BS              4096
#define MS              8
#define PI1             ",logical_block_size=4096,ms=8,pi=1"
#define PRCHK           (NVME_PRINFO_PRCHK_GUARD | NVME_PRINFO_PRCHK_REF)
#define LBA             24

typedef struct OvRun {
    NvmeDrv *d;
    NvmeDrvNs ns;
    NvmeDrvQueue *q;
} OvRun;

/*
 * Start with PI type 1, 4 KiB + 8, hooks on the virtual clock; with
 * blkdebug, the image behind blkdebug (HMP qemu-io break/resume).
 */
static bool ov_start(OvRun *r, const char *props, bool blkdebug)
{
    g_autofree char *all = g_strdup_printf(PI1 ",dma-clock=virtual%s",
                                           props);
    int saved = -1;

    memset(r, 0, sizeof(*r));
    if (blkdebug) {
        /*
         * Under qtest blkdebug prints "Suspended request" on QEMU's
         * stdout, which is ours: keep it out of the TAP stream.
         */
        int null = open("/dev/null", O_WRONLY);

        g_assert_cmpint(null, >=, 0);
        fflush(stdout);
        saved = dup(STDOUT_FILENO);
        g_assert_cmpint(saved, >=, 0);
        dup2(null, STDOUT_FILENO);
        close(null);
        nvme_drv_file_prefix = "blkdebug::";
    }
    r->d = nvme_fx_io(all, &r->ns);
    if (blkdebug) {
        fflush(stdout);
        dup2(saved, STDOUT_FILENO);
        close(saved);
        nvme_drv_file_prefix = NULL;
    }
    if (r->d) {
        r->q = nvme_drv_ioq(r->d, NVME_FX_IOQ);
    }
    return r->d != NULL;
}

static void ov_stop(OvRun *r)
{
    if (r->d) {
        nvme_drv_stop(r->d);
    }
}

static void ov_qemu_io(OvRun *r, const char *cmd)
{
    g_autofree char *out = qtest_hmp(r->d->qts, "qemu-io d0 \"%s\"", cmd);

    g_assert_null(strstr(out, "rror"));
    g_assert_null(strstr(out, "not found"));
}

/* One block with valid type 1 PI for lba, put in guest memory. */
typedef struct OvBlock {
    uint8_t data[BS];
    uint8_t meta[MS];
    NvmeDrvBuf db, mb;
} OvBlock;

static void ov_block(OvRun *r, OvBlock *b, uint64_t lba, uint32_t seed)
{
    nvme_ref_pattern(&r->ns, b->data, b->meta, 1, seed);
    nvme_ref_protect(&r->ns, b->data, b->meta, 1, lba, 0);
    nvme_drv_buf_contig(r->d, &b->db, BS, 0);
    nvme_drv_buf_write(r->d, &b->db, b->data);
    nvme_drv_buf_contig(r->d, &b->mb, MS, 0);
    nvme_drv_buf_write(r->d, &b->mb, b->meta);
}

static uint16_t ov_submit(OvRun *r, uint8_t opcode, uint64_t lba,
                          const OvBlock *b, uint8_t prinfo)
{
    NvmeDrvRw rw;

    memset(&rw, 0, sizeof(rw));
    rw.opcode = opcode;
    rw.nsid = 1;
    rw.slba = lba;
    rw.nlb = 1;
    rw.prinfo = prinfo;
    rw.reftag = lba;
    rw.data = b ? &b->db : NULL;
    rw.meta = b ? &b->mb : NULL;
    return nvme_drv_rw_submit(r->d, r->q, &rw);
}

/*
 * Give the block layer real time to finish whatever it may finish (the
 * virtual clock stands still); true as soon as a completion is posted.
 */
static bool ov_settle(OvRun *r)
{
    for (int i = 0; i < 50; i++) {
        nvme_drv_rd32(r->d, NVME_DRV_REG_CSTS);
        if (nvme_drv_cq_pending(r->d, r->q)) {
            return true;
        }
        g_usleep(10 * 1000);
    }
    return false;
}

/* Read lba back with guard and reference checks: must succeed. */
static void ov_read_back(OvRun *r, uint64_t lba, uint8_t *data, uint8_t *meta)
{
    NvmeFxIo io = { .prinfo = PRCHK };

    g_assert_cmphex(nvme_fx_read(r->d, &r->ns, lba, 1, data, meta, &io, lba,
                                 0), ==, 0);
}

static bool ov_is(const OvBlock *b, const uint8_t *data, const uint8_t *meta)
{
    return !memcmp(b->data, data, BS) && !memcmp(b->meta, meta, MS);
}

/*
 * Two writes to one LBA, the first one's data request stopped in the
 * block layer while the second persists: the second waits, and the
 * block ends as exactly one of them with its own PI.
 */
static void test_two_writes(void)
{
    OvRun r;
    OvBlock a, b;
    uint8_t data[BS], meta[MS];
    uint16_t cid_a, cid_b;
    bool early, seen_a = false, seen_b = false;
    NvmeCqe cqe;

    if (!ov_start(&r, ",dma-delay=1000000", true)) {
        ov_stop(&r);
        return;
    }
    ov_block(&r, &a, LBA, 1);
    ov_block(&r, &b, LBA, 2);
    g_assert_cmpint(memcmp(a.data, b.data, BS), !=, 0);
    ov_qemu_io(&r, "break pwritev ov");
    cid_a = ov_submit(&r, NVME_CMD_WRITE, LBA, &a, PRCHK);
    cid_b = ov_submit(&r, NVME_CMD_WRITE, LBA, &b, PRCHK);
    nvme_drv_rd32(r.d, NVME_DRV_REG_CSTS);
    /* Both reads of the guest buffers are done: persist both. */
    qtest_clock_step(r.d->qts, DELAY_NS + 1);
    early = ov_settle(&r);
    if (early) {
        /* Without the lock: the write that was not stopped finished. */
        g_assert_true(nvme_drv_reap(r.d, r.q, &cqe));
        g_assert_cmphex(nvme_drv_cqe_status(&cqe), ==, 0);
        seen_a |= le16_to_cpu(cqe.cid) == cid_a;
        seen_b |= le16_to_cpu(cqe.cid) == cid_b;
        g_assert_false(nvme_drv_cq_pending(r.d, r.q));
    }
    ov_qemu_io(&r, "resume ov");
    while (!(seen_a && seen_b)) {
        g_assert_true(nvme_drv_reap(r.d, r.q, &cqe));
        g_assert_cmphex(nvme_drv_cqe_status(&cqe), ==, 0);
        g_assert_false(le16_to_cpu(cqe.cid) == cid_a && seen_a);
        g_assert_false(le16_to_cpu(cqe.cid) == cid_b && seen_b);
        seen_a |= le16_to_cpu(cqe.cid) == cid_a;
        seen_b |= le16_to_cpu(cqe.cid) == cid_b;
    }
    /* The proof: PI-consistent, and exactly one of the two writes. */
    ov_read_back(&r, LBA, data, meta);
    g_assert_true(ov_is(&a, data, meta) || ov_is(&b, data, meta));
    /* The second write waited for the first (fetch order is kept). */
    g_assert_false(early);
    g_assert_true(ov_is(&b, data, meta));
    ov_stop(&r);
}

/*
 * 16 writes to 4 LBAs with jittered delays: each completes once, and
 * each LBA reads back PI-consistent as one of the writes sent to it.
 */
static void test_many_overlapping(void)
{
    enum { N = 16, NLBA = 4 };
    OvRun r;
    OvBlock *blk = g_new0(OvBlock, N);
    bool seen[0x10000] = { false };
    uint16_t cids[N];
    int i, j;

    if (!ov_start(&r, ",dma-delay=1000000,dma-jitter=2000000,seed=11",
                  false)) {
        ov_stop(&r);
        g_free(blk);
        return;
    }
    for (i = 0; i < N; i++) {
        ov_block(&r, &blk[i], LBA + i % NLBA, 100 + i);
        cids[i] = ov_submit(&r, NVME_CMD_WRITE, LBA + i % NLBA, &blk[i],
                            PRCHK);
    }
    for (i = 0; i < N; i++) {
        NvmeCqe cqe;

        g_assert_true(nvme_drv_reap(r.d, r.q, &cqe));
        g_assert_cmphex(nvme_drv_cqe_status(&cqe), ==, 0);
        g_assert_false(seen[le16_to_cpu(cqe.cid)]);
        seen[le16_to_cpu(cqe.cid)] = true;
    }
    g_assert_false(nvme_drv_cq_pending(r.d, r.q));
    for (i = 0; i < N; i++) {
        g_assert_true(seen[cids[i]]);
    }
    for (i = 0; i < NLBA; i++) {
        uint8_t data[BS], meta[MS];
        bool one = false;

        ov_read_back(&r, LBA + i, data, meta);
        for (j = i; j < N; j += NLBA) {
            one |= ov_is(&blk[j], data, meta);
        }
        g_assert_true(one);
    }
    ov_stop(&r);
    g_free(blk);
}

/* A Write Zeroes (PRACT) overlapping a stopped write waits for it. */
static void test_write_zeroes_waits(void)
{
    OvRun r;
    OvBlock a, z;
    uint8_t data[BS], meta[MS];
    NvmeCqe cqe;
    uint16_t cid_a;

    if (!ov_start(&r, ",dma-delay=1000000", true)) {
        ov_stop(&r);
        return;
    }
    ov_block(&r, &a, LBA, 3);
    memset(&z, 0, sizeof(z));
    nvme_ref_protect(&r.ns, z.data, z.meta, 1, LBA, 0);
    ov_qemu_io(&r, "break pwritev wz");
    cid_a = ov_submit(&r, NVME_CMD_WRITE, LBA, &a, PRCHK);
    qtest_clock_step(r.d->qts, DELAY_NS + 1);
    ov_submit(&r, NVME_CMD_WRITE_ZEROES, LBA, NULL, NVME_PRINFO_PRACT);
    g_assert_false(ov_settle(&r));
    ov_qemu_io(&r, "resume wz");
    g_assert_true(nvme_drv_reap(r.d, r.q, &cqe));
    g_assert_cmphex(nvme_drv_cqe_status(&cqe), ==, 0);
    g_assert_cmphex(le16_to_cpu(cqe.cid), ==, cid_a);
    g_assert_true(nvme_drv_reap(r.d, r.q, &cqe));
    g_assert_cmphex(nvme_drv_cqe_status(&cqe), ==, 0);
    ov_read_back(&r, LBA, data, meta);
    g_assert_true(ov_is(&z, data, meta));
    ov_stop(&r);
}

/*
 * Deleting the SQ while one write is stopped in the block layer and an
 * overlapping one waits for it: no completion, no crash, no leaked range
 * (a new write to the LBA completes).
 */
static void test_delete_sq_waiting(void)
{
    OvRun r;
    OvBlock a, b, c;
    uint8_t data[BS], meta[MS];
    NvmeCqe cqe;

    if (!ov_start(&r, ",dma-delay=1000000", true)) {
        ov_stop(&r);
        return;
    }
    ov_block(&r, &a, LBA, 4);
    ov_block(&r, &b, LBA, 5);
    ov_block(&r, &c, LBA, 6);
    ov_qemu_io(&r, "break pwritev del");
    ov_submit(&r, NVME_CMD_WRITE, LBA, &a, PRCHK);
    ov_submit(&r, NVME_CMD_WRITE, LBA, &b, PRCHK);
    qtest_clock_step(r.d->qts, DELAY_NS + 1);
    g_assert_false(ov_settle(&r));
    g_assert_cmphex(nvme_drv_delete_ioq(r.d, NVME_FX_IOQ), ==, 0);
    ov_qemu_io(&r, "resume del");
    g_assert_true(nvme_drv_qemu_alive(r.d));
    g_assert_cmphex(nvme_drv_create_ioq(r.d, NVME_FX_IOQ, NVME_FX_IOQ_SIZE),
                    ==, 0);
    r.q = nvme_drv_ioq(r.d, NVME_FX_IOQ);
    ov_submit(&r, NVME_CMD_WRITE, LBA, &c, PRCHK);
    qtest_clock_step(r.d->qts, DELAY_NS + 1);
    g_assert_true(nvme_drv_reap(r.d, r.q, &cqe));
    g_assert_cmphex(nvme_drv_cqe_status(&cqe), ==, 0);
    g_assert_false(nvme_drv_cq_pending(r.d, r.q));
    ov_read_back(&r, LBA, data, meta);
    g_assert_true(ov_is(&c, data, meta));
    ov_stop(&r);
}

void nvme_pi_overlap_tests(void)
{
    qtest_add_func("/nvme-pi/overlap/two-writes", test_two_writes);
    qtest_add_func("/nvme-pi/overlap/many", test_many_overlapping);
    qtest_add_func("/nvme-pi/overlap/write-zeroes-waits",
                   test_write_zeroes_waits);
    qtest_add_func("/nvme-pi/overlap/delete-sq-waiting",
                   test_delete_sq_waiting);
}
