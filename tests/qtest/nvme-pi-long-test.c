/*
 * nvme-pi qtests: long commands never hold QEMU's main loop.
 *
 * This file owns the cases that fill a queue with commands that may
 * touch a whole namespace -- Format NVM on the admin queue; Write
 * Zeroes, Verify and Dataset Management on an I/O queue -- ring its
 * doorbell once, and show that a command on another queue completes
 * while every one of them is still pending.
 *
 * Deterministic on virtual time: the device runs long commands in
 * steps paced on its hook clock (dma-clock=virtual), which only moves
 * when a test steps it.  While waiting for the other queue's command
 * these cases poll guest memory without stepping the clock, so the long
 * commands cannot have progressed, however fast or slow the machine is.
 * A device that runs them inside its queue bottom half (a Format, or a
 * Write Zeroes of the whole namespace, done before the next command is
 * fetched) completes them before the other queue's command instead.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "nvme-pi-fixture.h"

#define ADMIN_ENTRIES 512 /* 511 Formats fill it */
#define LONG_QID 1        /* the queue of long commands */
#define LONG_ENTRIES 32
#define OTHER_QID 2 /* the queue that must progress */
#define POLL_US 1000
#define POLL_MAX (30 * 1000) /* 30 s of real time, no clock */
#define NS1_MIB 64           /* Format: several steps */
#define JOB_PACE_NS 1000     /* the device's job timer pace */

typedef struct LongRun {
    NvmeDrv *d;
    char *img2; /* nvme-pi-ns's image: namespace 2 */
    NvmeDrvNs ns1, ns2;
} LongRun;

static bool long_start(LongRun *r)
{
    g_autofree char *props = NULL;
    int fd;

    memset(r, 0, sizeof(*r));
    if (strcmp(nvme_drv_device(), "nvme-pi") != 0) {
        /* QEMU's nvme runs Format in its bottom half: not a regression. */
        nvme_fx_skip("device: %s runs long commands at once",
                     nvme_drv_device());
        return false;
    }
    fd = g_file_open_tmp("nvme-pi-long-XXXXXX.img", &r->img2, NULL);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, (off_t)NVME_FX_IMG_MIB << 20), ==, 0);
    close(fd);
    props = g_strdup_printf(",id=c0,dma-clock=virtual -drive if=none,id=n2,"
                            "format=raw,file=%s -device nvme-pi-ns,bus=c0,"
                            "drive=n2,nsid=2",
                            r->img2);
    r->d = nvme_drv_start(props, NS1_MIB);
    g_assert_cmphex(nvme_drv_enable(r->d, ADMIN_ENTRIES), ==, 0);
    g_assert_cmphex(nvme_drv_ns_probe(r->d, 1, &r->ns1), ==, 0);
    g_assert_cmphex(nvme_drv_ns_probe(r->d, 2, &r->ns2), ==, 0);
    g_assert_cmpuint(r->ns1.nsze, >, 0);
    g_assert_cmpuint(r->ns2.nsze, >, 0);
    g_assert_cmphex(nvme_drv_create_ioq(r->d, LONG_QID, LONG_ENTRIES), ==, 0);
    g_assert_cmphex(nvme_drv_create_ioq(r->d, OTHER_QID, 4), ==, 0);
    return true;
}

static void long_stop(LongRun *r)
{
    nvme_drv_stop(r->d);
    unlink(r->img2);
    g_free(r->img2);
}

/* Put cmds[0..n) on q with one doorbell write at the end. */
static void post_all(NvmeDrv *d, NvmeDrvQueue *q, NvmeCmd *cmds, unsigned n)
{
    unsigned i;

    g_assert_cmpuint(n, <, q->size);
    for (i = 0; i < n; i++) {
        cmds[i].cid = cpu_to_le16(q->next_cid++);
        qtest_memwrite(d->qts, q->sq_addr + (uint64_t)q->sq_tail * 64, &cmds[i],
                       sizeof(cmds[i]));
        q->sq_tail = (q->sq_tail + 1) % q->size;
    }
    nvme_drv_ring_sq(d, q->qid, q->sq_tail);
}

/* Completions posted on q and not yet consumed, without consuming them. */
static unsigned posted(NvmeDrv *d, NvmeDrvQueue *q)
{
    unsigned k;

    for (k = 0; k < q->size - 1u; k++) {
        uint16_t slot = (q->cq_head + k) % q->size;
        bool phase = q->phase ^ (q->cq_head + k >= q->size);
        NvmeCqe cqe;

        qtest_memread(d->qts, q->cq_addr + (uint64_t)slot * 16, &cqe,
                      sizeof(cqe));
        if ((le16_to_cpu(cqe.status) & 1) != phase) {
            break;
        }
    }
    return k;
}

/*
 * Read 8 blocks of namespace 2 on the other queue and wait for it
 * without moving the virtual clock; return its status.
 */
static uint16_t other_queue_read(LongRun *r)
{
    NvmeDrvQueue *q = nvme_drv_ioq(r->d, OTHER_QID);
    NvmeDrvBuf b;
    NvmeDrvRw rw;
    NvmeCqe cqe;
    unsigned i;

    nvme_drv_buf_contig(r->d, &b, 8 * r->ns2.lbads, 0);
    rw = (NvmeDrvRw){
        .opcode = NVME_CMD_READ,
        .nsid = 2,
        .slba = 0,
        .nlb = 8,
        .data = &b,
        .dptr = NVME_DRV_DPTR_PRP,
    };
    nvme_drv_rw_submit(r->d, q, &rw);
    for (i = 0; i < POLL_MAX && !nvme_drv_cq_pending(r->d, q); i++) {
        g_usleep(POLL_US);
    }
    g_assert_true(nvme_drv_cq_pending(r->d, q));
    g_assert_true(nvme_drv_reap(r->d, q, &cqe));
    return nvme_drv_cqe_status(&cqe);
}

/* Reap n completions of q (stepping the clock), each with `status`. */
static void reap_all(NvmeDrv *d, NvmeDrvQueue *q, unsigned n, uint16_t status)
{
    unsigned i;

    for (i = 0; i < n; i++) {
        NvmeCqe cqe;

        g_assert_true(nvme_drv_reap(d, q, &cqe));
        g_assert_cmphex(nvme_drv_cqe_status(&cqe), ==, status);
    }
}

/*
 * A full admin queue of Format NVM (namespace 1), one doorbell write:
 * a read of namespace 2 on an I/O queue completes before any Format
 * has; then every Format completes.  While one runs, I/O to namespace 1
 * completes at once with Format In Progress.
 */
static void test_format_queue_yields(void)
{
    LongRun r;
    unsigned n = ADMIN_ENTRIES - 1, i;
    g_autofree NvmeCmd *cmds = g_new0(NvmeCmd, n);

    if (!long_start(&r)) {
        return;
    }
    for (i = 0; i < n; i++) {
        cmds[i].opcode = NVME_ADM_CMD_FORMAT_NVM;
        cmds[i].nsid = cpu_to_le32(1);
        cmds[i].cdw10 = cpu_to_le32(r.ns1.flbas_index & 0xf);
    }
    post_all(r.d, &r.d->admin, cmds, n);
    g_assert_cmphex(other_queue_read(&r), ==, 0);
    g_assert_cmpuint(posted(r.d, &r.d->admin), ==, 0);

    /*
     * One pace of the device's job timer: one run of a few steps, the
     * first Format has begun and (64 MiB, 8 MiB a step) not ended.
     */
    qtest_clock_step(r.d->qts, JOB_PACE_NS);
    g_assert_cmpuint(posted(r.d, &r.d->admin), ==, 0);
    {
        NvmeDrvQueue *q = nvme_drv_ioq(r.d, OTHER_QID);
        NvmeDrvBuf b;
        NvmeDrvRw rw;
        NvmeCqe cqe;

        nvme_drv_buf_contig(r.d, &b, r.ns1.lbads, 0);
        rw = (NvmeDrvRw){
            .opcode = NVME_CMD_READ,
            .nsid = 1,
            .slba = 0,
            .nlb = 1,
            .data = &b,
            .dptr = NVME_DRV_DPTR_PRP,
        };
        nvme_drv_rw_submit(r.d, q, &rw);
        for (i = 0; i < POLL_MAX && !nvme_drv_cq_pending(r.d, q); i++) {
            g_usleep(POLL_US);
        }
        g_assert_true(nvme_drv_reap(r.d, q, &cqe));
        g_assert_cmphex(nvme_drv_cqe_status(&cqe), ==, NVME_FORMAT_IN_PROGRESS);
        g_assert_false(nvme_drv_cqe_dnr(&cqe));
    }
    reap_all(r.d, &r.d->admin, n, 0);
    /* Namespace 1 is usable again. */
    g_assert_cmphex(nvme_drv_flush(r.d, nvme_drv_ioq(r.d, OTHER_QID), 1), ==,
                    0);
    long_stop(&r);
}

/*
 * A full I/O queue of Write Zeroes, Verify and Dataset Management over
 * all of namespace 1, one doorbell write: a read of namespace 2 on
 * another queue completes before any of them has; then all succeed.
 */
static void test_io_queue_yields(void)
{
    LongRun r;
    unsigned n = LONG_ENTRIES - 1, i;
    NvmeCmd cmds[LONG_ENTRIES];
    NvmeDrvQueue *q;
    NvmeDrvBuf dsm;
    NvmeDsmRange range;
    uint32_t nlb;

    if (!long_start(&r)) {
        return;
    }
    q = nvme_drv_ioq(r.d, LONG_QID);
    /* 16384 blocks (8 MiB of 512 bytes): 64 of the device's steps each. */
    nlb = MIN(r.ns1.nsze, 16384);
    range = (NvmeDsmRange){
        .nlb = cpu_to_le32(r.ns1.nsze),
        .slba = 0,
    };
    nvme_drv_buf_contig(r.d, &dsm, sizeof(range), 0);
    nvme_drv_buf_write(r.d, &dsm, &range);
    memset(cmds, 0, sizeof(cmds));
    for (i = 0; i < n; i++) {
        NvmeCmd *c = &cmds[i];

        c->nsid = cpu_to_le32(1);
        switch (i % 3) {
        case 0:
            c->opcode = NVME_CMD_WRITE_ZEROES;
            c->cdw12 = cpu_to_le32(nlb - 1);
            break;
        case 1:
            c->opcode = NVME_CMD_VERIFY;
            c->cdw12 = cpu_to_le32(nlb - 1);
            break;
        default:
            c->opcode = NVME_CMD_DSM;
            c->cdw11 = cpu_to_le32(NVME_DSMGMT_AD);
            nvme_drv_map(r.d, c, &dsm, NVME_DRV_DPTR_PRP, NULL, false);
            break;
        }
    }
    post_all(r.d, q, cmds, n);
    g_assert_cmphex(other_queue_read(&r), ==, 0);
    g_assert_cmpuint(posted(r.d, q), ==, 0);
    reap_all(r.d, q, n, 0);
    long_stop(&r);
}

void nvme_pi_long_tests(void)
{
    qtest_add_func("/nvme-pi/long/format-queue-yields",
                   test_format_queue_yields);
    qtest_add_func("/nvme-pi/long/io-queue-yields", test_io_queue_yields);
}
