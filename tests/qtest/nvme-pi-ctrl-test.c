/*
 * nvme-pi qtests: controller enable, disable, reset and shutdown.
 *
 * This file owns the CC/CSTS handshakes once an admin queue exists:
 * CSTS.RDY following CC.EN, what a controller reset keeps and clears,
 * re-enabling with fresh queues, and normal/abrupt shutdown.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "nvme-pi-fixture.h"

static void test_enable_ready(void)
{
    g_autoptr(NvmeDrv) d = nvme_fx_admin(NULL, 0);
    uint32_t cc, csts;

    if (!d) {
        return;
    }
    csts = nvme_drv_rd32(d, NVME_DRV_REG_CSTS);
    g_assert_cmphex(csts & NVME_DRV_CSTS_RDY, ==, NVME_DRV_CSTS_RDY);
    g_assert_cmphex(csts & NVME_DRV_CSTS_CFS, ==, 0);
    g_assert_cmpuint(NVME_DRV_CSTS_SHST(csts), ==, 0);
    cc = nvme_drv_rd32(d, NVME_DRV_REG_CC);
    g_assert_cmphex(cc, ==, (6u << 16) | (4u << 20) | 1u);
    /* The admin queue answers: Identify Controller succeeds. */
    {
        g_autofree NvmeIdCtrl *id = g_malloc0(sizeof(*id));
        uint16_t st = nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id);

        if (nvme_fx_unimpl(st, "Identify")) {
            return;
        }
        g_assert_cmphex(st, ==, 0);
    }
}

static void test_disable_reset(void)
{
    g_autoptr(NvmeDrv) d = nvme_fx_admin(NULL, 0);
    uint32_t aqa;
    uint64_t asq, acq;

    if (!d) {
        return;
    }
    aqa = nvme_drv_rd32(d, NVME_DRV_REG_AQA);
    asq = nvme_drv_rd64(d, NVME_DRV_REG_ASQ);
    acq = nvme_drv_rd64(d, NVME_DRV_REG_ACQ);
    g_assert_true(nvme_drv_disable(d));
    g_assert_cmphex(nvme_drv_rd32(d, NVME_DRV_REG_CSTS) &
                    (NVME_DRV_CSTS_RDY | NVME_DRV_CSTS_CFS), ==, 0);
    /* Base spec, "Controller Reset": AQA, ASQ and ACQ are not reset. */
    g_assert_cmphex(nvme_drv_rd32(d, NVME_DRV_REG_AQA), ==, aqa);
    g_assert_cmphex(nvme_drv_rd64(d, NVME_DRV_REG_ASQ), ==, asq);
    g_assert_cmphex(nvme_drv_rd64(d, NVME_DRV_REG_ACQ), ==, acq);
}

static void test_reenable(void)
{
    g_autoptr(NvmeDrv) d = nvme_fx_admin(NULL, 0);
    g_autofree NvmeIdCtrl *a = g_malloc0(sizeof(*a));
    g_autofree NvmeIdCtrl *b = g_malloc0(sizeof(*b));
    uint16_t st;

    if (!d) {
        return;
    }
    /* Move the admin queues' heads and phases away from the start... */
    for (int i = 0; i < 40; i++) {
        st = nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, a);
        if (nvme_fx_unimpl(st, "Identify")) {
            return;
        }
        g_assert_cmphex(st, ==, 0);
    }
    /* ...then a reset must bring them back: the driver starts at 0. */
    g_assert_cmphex(nvme_drv_enable(d, 8), ==, 0);
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, b), ==, 0);
    g_assert_cmpmem(a->sn, sizeof(a->sn), b->sn, sizeof(b->sn));
}

static void test_reset_drops_ioq(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(NULL, &ns);

    if (!d) {
        return;
    }
    g_assert_cmphex(nvme_drv_enable(d, 16), ==, 0);
    /* After a reset I/O queue 1 is gone: deleting it is an error. */
    g_assert_cmphex(nvme_drv_delete_sq(d, NVME_FX_IOQ), ==, NVME_INVALID_QID);
    /* And it can be created again. */
    g_assert_cmphex(nvme_drv_create_ioq(d, NVME_FX_IOQ, 16), ==, 0);
    g_assert_cmphex(nvme_drv_flush(d, nvme_drv_ioq(d, NVME_FX_IOQ), 1), ==,
                    0);
}

static void test_shutdown(void)
{
    g_autoptr(NvmeDrv) d = nvme_fx_admin(NULL, 0);
    uint32_t csts;

    if (!d) {
        return;
    }
    g_assert_true(nvme_drv_shutdown(d));
    csts = nvme_drv_rd32(d, NVME_DRV_REG_CSTS);
    g_assert_cmpuint(NVME_DRV_CSTS_SHST(csts), ==, 2);
    g_assert_cmphex(csts & NVME_DRV_CSTS_CFS, ==, 0);
    /* Disable after shutdown, then the controller comes back. */
    g_assert_cmphex(nvme_drv_enable(d, 8), ==, 0);
    g_assert_cmpuint(NVME_DRV_CSTS_SHST(nvme_drv_rd32(d, NVME_DRV_REG_CSTS)),
                     ==, 0);
    g_assert_true(nvme_drv_qemu_alive(d));
}

static void test_system_reset(void)
{
    g_autoptr(NvmeDrv) d = nvme_fx_admin(NULL, 0);

    if (!d) {
        return;
    }
    qtest_qmp_assert_success(d->qts, "{ 'execute': 'system_reset' }");
    qtest_qmp_eventwait(d->qts, "RESET");
    /* Nothing re-runs the firmware: map BAR0 again ourselves. */
    qpci_device_enable(d->dev);
    d->bar0 = qpci_iomap(d->dev, 0, NULL);
    /* A PCI reset disables the controller and clears the registers. */
    g_assert_cmphex(nvme_drv_rd32(d, NVME_DRV_REG_CC), ==, 0);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_DRV_REG_CSTS), ==, 0);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_DRV_REG_AQA), ==, 0);
}

static void test_msix_completion(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(NULL, &ns);
    uint64_t word;
    uint32_t got = 0;

    if (!d) {
        return;
    }
    word = nvme_drv_alloc(d, 4096);
    qtest_memset(d->qts, word, 0, 4);
    nvme_drv_msix_route(d, 3, word, 0x4e564d33);
    g_assert_cmphex(nvme_drv_create_ioq_irq(d, 2, 8, 3), ==, 0);
    /* No completion yet, no message. */
    qtest_memread(d->qts, word, &got, 4);
    g_assert_cmphex(got, ==, 0);
    g_assert_cmphex(nvme_drv_flush(d, nvme_drv_ioq(d, 2), 1), ==, 0);
    /* The completion on CQ 2 was signalled on vector 3. */
    qtest_memread(d->qts, word, &got, 4);
    g_assert_cmphex(le32_to_cpu(got), ==, 0x4e564d33);
    /* A polled queue (IEN=0) sends nothing. */
    qtest_memset(d->qts, word, 0, 4);
    g_assert_cmphex(nvme_drv_flush(d, nvme_drv_ioq(d, NVME_FX_IOQ), 1), ==,
                    0);
    qtest_memread(d->qts, word, &got, 4);
    g_assert_cmphex(got, ==, 0);
}

static void test_enable_bad_mps(void)
{
    g_autoptr(NvmeDrv) d = nvme_fx_admin(NULL, 0);
    uint32_t cc;

    if (!d) {
        return;
    }
    g_assert_true(nvme_drv_disable(d));
    /* MPS beyond CAP.MPSMAX: the controller cannot start. */
    cc = (6u << 16) | (4u << 20) | ((((d->cap >> 52) & 0xf) + 1) << 7) | 1u;
    nvme_drv_wr32(d, NVME_DRV_REG_CC, cc);
    qtest_clock_step(d->qts, 1000 * 1000);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_DRV_REG_CSTS) & NVME_DRV_CSTS_RDY,
                    ==, 0);
    g_assert_true(nvme_drv_qemu_alive(d));
    /* A reset and a valid configuration bring it back. */
    g_assert_cmphex(nvme_drv_enable(d, 8), ==, 0);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_DRV_REG_CSTS) & NVME_DRV_CSTS_CFS,
                    ==, 0);
}

void nvme_pi_ctrl_tests(void)
{
    qtest_add_func("/nvme-pi/ctrl/enable-ready", test_enable_ready);
    qtest_add_func("/nvme-pi/ctrl/disable-reset", test_disable_reset);
    qtest_add_func("/nvme-pi/ctrl/reenable", test_reenable);
    qtest_add_func("/nvme-pi/ctrl/reset-drops-ioq", test_reset_drops_ioq);
    qtest_add_func("/nvme-pi/ctrl/shutdown", test_shutdown);
    qtest_add_func("/nvme-pi/ctrl/system-reset", test_system_reset);
    qtest_add_func("/nvme-pi/ctrl/msix-completion", test_msix_completion);
    qtest_add_func("/nvme-pi/ctrl/enable-bad-mps", test_enable_bad_mps);
}
