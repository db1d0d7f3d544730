/*
 * nvme-pi qtests: I/O queue creation and deletion.
 *
 * This file owns Create/Delete I/O Submission and Completion Queue: the
 * good paths (many pairs, a queue wrapping its phase) and every
 * refusal the base specification names (Invalid Queue Identifier,
 * Invalid Queue Size, Completion Queue Invalid, Invalid Queue Deletion).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "nvme-pi-fixture.h"

/* Admin fixture plus a probe that queue creation exists at all. */
static NvmeDrv *queue_fixture(void)
{
    NvmeDrv *d = nvme_fx_admin(NULL, NVME_FX_IMG_MIB);
    uint64_t cq;
    uint16_t st;

    if (!d) {
        return NULL;
    }
    cq = nvme_drv_alloc(d, 4096);
    st = nvme_drv_create_cq(d, 9, 4, cq, NVME_CQ_PC, 0);
    if (nvme_fx_unimpl(st, "Create I/O CQ")) {
        nvme_drv_stop(d);
        return NULL;
    }
    g_assert_cmphex(st, ==, 0);
    g_assert_cmphex(nvme_drv_delete_cq(d, 9), ==, 0);
    return d;
}

/*
 * Delete I/O CQ of a queue that does not exist: Invalid Queue Identifier
 * (101h) per the base specification; QEMU's nvme answers Completion Queue
 * Invalid (100h), which tells the host the same thing.
 */
static void assert_no_cq(uint16_t st)
{
    g_assert_true(st == NVME_INVALID_QID || st == NVME_INVALID_CQID);
}

static void test_create_delete(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(NULL, &ns);
    NvmeDrvQueue *q;

    if (!d) {
        return;
    }
    q = nvme_drv_ioq(d, NVME_FX_IOQ);
    g_assert_cmphex(nvme_drv_flush(d, q, 1), ==, 0);
    g_assert_cmphex(nvme_drv_delete_ioq(d, NVME_FX_IOQ), ==, 0);
    /* Gone: a second delete is refused. */
    g_assert_cmphex(nvme_drv_delete_sq(d, NVME_FX_IOQ), ==, NVME_INVALID_QID);
    assert_no_cq(nvme_drv_delete_cq(d, NVME_FX_IOQ));
}

static void test_create_many(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(NULL, &ns);
    uint32_t res = 0;
    unsigned n;

    if (!d) {
        return;
    }
    g_assert_cmphex(nvme_drv_get_features(d, NVME_NUMBER_OF_QUEUES, 0, 0, 0,
                                          &res), ==, 0);
    n = MIN(res & 0xffff, res >> 16) + 1;
    g_assert_cmpuint(n, >=, 2);
    n = MIN(n, NVME_DRV_MAX_QUEUES - 1);
    for (unsigned qid = 2; qid <= n; qid++) {
        g_assert_cmphex(nvme_drv_create_ioq(d, qid, 4), ==, 0);
    }
    /* Every pair carries commands, each on its own queue. */
    for (unsigned qid = 1; qid <= n; qid++) {
        g_assert_cmphex(nvme_drv_flush(d, nvme_drv_ioq(d, qid), 1), ==, 0);
    }
}

static void test_phase_wrap(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(NULL, &ns);
    NvmeDrvQueue *q;

    if (!d) {
        return;
    }
    g_assert_cmphex(nvme_drv_create_ioq(d, 2, 3), ==, 0);
    q = nvme_drv_ioq(d, 2);
    /* Seven wraps of a 3-entry queue: phase flips each time. */
    for (int i = 0; i < 21; i++) {
        g_assert_cmphex(nvme_drv_flush(d, q, 1), ==, 0);
    }
    g_assert_false(q->phase);
}

static void test_cq_qid_zero(void)
{
    g_autoptr(NvmeDrv) d = queue_fixture();

    if (d) {
        g_assert_cmphex(nvme_drv_create_cq(d, 0, 4, nvme_drv_alloc(d, 4096),
                                           NVME_CQ_PC, 0), ==,
                        NVME_INVALID_QID);
    }
}

static void test_cq_qid_too_big(void)
{
    g_autoptr(NvmeDrv) d = queue_fixture();
    uint32_t res = 0;

    if (!d) {
        return;
    }
    g_assert_cmphex(nvme_drv_get_features(d, NVME_NUMBER_OF_QUEUES, 0, 0, 0,
                                          &res), ==, 0);
    g_assert_cmphex(nvme_drv_create_cq(d, (res >> 16) + 2, 4,
                                       nvme_drv_alloc(d, 4096), NVME_CQ_PC,
                                       0), ==, NVME_INVALID_QID);
    g_assert_cmphex(nvme_drv_create_cq(d, 0xffff, 4, nvme_drv_alloc(d, 4096),
                                       NVME_CQ_PC, 0), ==, NVME_INVALID_QID);
}

static void test_cq_duplicate(void)
{
    g_autoptr(NvmeDrv) d = queue_fixture();

    if (!d) {
        return;
    }
    g_assert_cmphex(nvme_drv_create_cq(d, 2, 4, nvme_drv_alloc(d, 4096),
                                       NVME_CQ_PC, 0), ==, 0);
    g_assert_cmphex(nvme_drv_create_cq(d, 2, 4, nvme_drv_alloc(d, 4096),
                                       NVME_CQ_PC, 0), ==, NVME_INVALID_QID);
}

static void test_cq_size(void)
{
    g_autoptr(NvmeDrv) d = queue_fixture();
    uint32_t mqes;

    if (!d) {
        return;
    }
    mqes = (d->cap & 0xffff) + 1;
    /* A one-entry queue (QSIZE 0) is invalid... */
    g_assert_cmphex(nvme_drv_create_cq(d, 2, 1, nvme_drv_alloc(d, 4096),
                                       NVME_CQ_PC, 0), ==,
                    NVME_MAX_QSIZE_EXCEEDED);
    /* ...and so is one beyond CAP.MQES... */
    if (mqes < 0x10000) {
        g_assert_cmphex(nvme_drv_create_cq(d, 2, mqes + 1,
                                           nvme_drv_alloc(d, 16 * 4096),
                                           NVME_CQ_PC, 0), ==,
                        NVME_MAX_QSIZE_EXCEEDED);
    }
    /* ...while exactly MQES entries is fine. */
    g_assert_cmphex(nvme_drv_create_cq(d, 2, mqes,
                                       nvme_drv_alloc(d, mqes * 16),
                                       NVME_CQ_PC, 0), ==, 0);
}

static void test_sq_size(void)
{
    g_autoptr(NvmeDrv) d = queue_fixture();

    if (!d) {
        return;
    }
    g_assert_cmphex(nvme_drv_create_cq(d, 2, 4, nvme_drv_alloc(d, 4096),
                                       NVME_CQ_PC, 0), ==, 0);
    g_assert_cmphex(nvme_drv_create_sq(d, 2, 1, nvme_drv_alloc(d, 4096),
                                       NVME_SQ_PC, 2), ==,
                    NVME_MAX_QSIZE_EXCEEDED);
}

static void test_cq_not_contiguous(void)
{
    g_autoptr(NvmeDrv) d = queue_fixture();

    if (!d) {
        return;
    }
    /* CAP.CQR=1: PC=0 queues are refused with Invalid Field. */
    g_assert_true(d->cap & (1ULL << 16));
    g_assert_cmphex(nvme_drv_create_cq(d, 2, 4, nvme_drv_alloc(d, 4096),
                                       0, 0), ==, NVME_INVALID_FIELD);
}

static void test_sq_no_cq(void)
{
    g_autoptr(NvmeDrv) d = queue_fixture();

    if (!d) {
        return;
    }
    g_assert_cmphex(nvme_drv_create_sq(d, 2, 4, nvme_drv_alloc(d, 4096),
                                       NVME_SQ_PC, 5), ==, NVME_INVALID_CQID);
    /* CQ 0 is the admin queue: not a valid target either. */
    g_assert_cmphex(nvme_drv_create_sq(d, 2, 4, nvme_drv_alloc(d, 4096),
                                       NVME_SQ_PC, 0), ==, NVME_INVALID_CQID);
}

static void test_sq_qid_zero(void)
{
    g_autoptr(NvmeDrv) d = queue_fixture();

    if (!d) {
        return;
    }
    g_assert_cmphex(nvme_drv_create_cq(d, 2, 4, nvme_drv_alloc(d, 4096),
                                       NVME_CQ_PC, 0), ==, 0);
    g_assert_cmphex(nvme_drv_create_sq(d, 0, 4, nvme_drv_alloc(d, 4096),
                                       NVME_SQ_PC, 2), ==, NVME_INVALID_QID);
}

static void test_delete_cq_in_use(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(NULL, &ns);

    if (!d) {
        return;
    }
    /* SQ 1 still posts to CQ 1. */
    g_assert_cmphex(nvme_drv_delete_cq(d, NVME_FX_IOQ), ==,
                    NVME_INVALID_QUEUE_DEL);
    g_assert_cmphex(nvme_drv_flush(d, nvme_drv_ioq(d, NVME_FX_IOQ), 1), ==,
                    0);
}

static void test_delete_admin(void)
{
    g_autoptr(NvmeDrv) d = queue_fixture();

    if (!d) {
        return;
    }
    g_assert_cmphex(nvme_drv_delete_sq(d, 0), ==, NVME_INVALID_QID);
    assert_no_cq(nvme_drv_delete_cq(d, 0));
    g_assert_true(nvme_drv_qemu_alive(d));
}

static void test_cq_bad_vector(void)
{
    g_autoptr(NvmeDrv) d = queue_fixture();
    uint16_t nvec;

    if (!d) {
        return;
    }
    qpci_msix_enable(d->dev);
    nvec = qpci_msix_table_size(d->dev);
    g_assert_cmphex(nvme_drv_create_cq(d, 2, 4, nvme_drv_alloc(d, 4096),
                                       NVME_CQ_PC | NVME_CQ_IEN, nvec), ==,
                    NVME_INVALID_IRQ_VECTOR);
    g_assert_cmphex(nvme_drv_create_cq(d, 2, 4, nvme_drv_alloc(d, 4096),
                                       NVME_CQ_PC | NVME_CQ_IEN, nvec - 1),
                    ==, 0);
}

void nvme_pi_queue_tests(void)
{
    qtest_add_func("/nvme-pi/queue/create-delete", test_create_delete);
    qtest_add_func("/nvme-pi/queue/create-many", test_create_many);
    qtest_add_func("/nvme-pi/queue/phase-wrap", test_phase_wrap);
    qtest_add_func("/nvme-pi/queue/cq-qid-zero", test_cq_qid_zero);
    qtest_add_func("/nvme-pi/queue/cq-qid-too-big", test_cq_qid_too_big);
    qtest_add_func("/nvme-pi/queue/cq-duplicate", test_cq_duplicate);
    qtest_add_func("/nvme-pi/queue/cq-size", test_cq_size);
    qtest_add_func("/nvme-pi/queue/sq-size", test_sq_size);
    qtest_add_func("/nvme-pi/queue/cq-not-contiguous", test_cq_not_contiguous);
    qtest_add_func("/nvme-pi/queue/sq-no-cq", test_sq_no_cq);
    qtest_add_func("/nvme-pi/queue/sq-qid-zero", test_sq_qid_zero);
    qtest_add_func("/nvme-pi/queue/delete-cq-in-use", test_delete_cq_in_use);
    qtest_add_func("/nvme-pi/queue/delete-admin", test_delete_admin);
    qtest_add_func("/nvme-pi/queue/cq-bad-vector", test_cq_bad_vector);
}
