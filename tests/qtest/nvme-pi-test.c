/*
 * nvme-pi qtests: register-level tests of the device, run inside QEMU's
 * qtest framework (the overlay links this directory into QEMU's
 * tests/qtest as nvme-pi/).
 *
 * This first file covers what the controller exposes before any queue
 * exists: PCI identity, the register file's reset values and write
 * masks, misaligned accesses, and realize-time errors.  It also holds
 * main(), which registers the cases of the other nvme-pi-*-test.c files
 * (all written against the qtest NVMe driver in nvme-drv.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/pci.h"
#include "libqos/pci-pc.h"
#include "hw/pci/pci_regs.h"
#include "nvme-pi/nvme-pi-fixture.h"

#define NVME_PI_SLOT    4
#define FIRMWARE_ARGS   "-L /usr/share/qemu -L /usr/share/seabios "

typedef struct Fixture {
    QTestState *qts;
    QPCIBus *bus;
    QPCIDevice *dev;
    QPCIBar bar0;
} Fixture;

static void fixture_start(Fixture *f, const char *extra)
{
    f->qts = qtest_initf(FIRMWARE_ARGS "-machine pc -display none -nodefaults "
                         "-device nvme-pi,addr=%d.0,serial=qt0%s",
                         NVME_PI_SLOT, extra ? extra : "");
    f->bus = qpci_new_pc(f->qts, NULL);
    f->dev = qpci_device_find(f->bus, QPCI_DEVFN(NVME_PI_SLOT, 0));
    g_assert_nonnull(f->dev);
    qpci_device_enable(f->dev);
    f->bar0 = qpci_iomap(f->dev, 0, NULL);
}

static void fixture_stop(Fixture *f)
{
    qpci_iounmap(f->dev, f->bar0);
    g_free(f->dev);
    qpci_free_pc(f->bus);
    qtest_quit(f->qts);
}

static uint32_t reg_read32(Fixture *f, uint64_t off)
{
    return qpci_io_readl(f->dev, f->bar0, off);
}

static uint64_t reg_read64(Fixture *f, uint64_t off)
{
    return reg_read32(f, off) | ((uint64_t)reg_read32(f, off + 4) << 32);
}

static void reg_write32(Fixture *f, uint64_t off, uint32_t val)
{
    qpci_io_writel(f->dev, f->bar0, off, val);
}

static void test_pci_identity(void)
{
    Fixture f;

    fixture_start(&f, NULL);
    /* NVM Express: class 01h, subclass 08h, programming interface 02h. */
    g_assert_cmphex(qpci_config_readw(f.dev, PCI_CLASS_DEVICE), ==, 0x0108);
    g_assert_cmphex(qpci_config_readb(f.dev, PCI_CLASS_PROG), ==, 0x02);
    g_assert_cmphex(qpci_config_readw(f.dev, PCI_VENDOR_ID), ==, 0x1234);
    g_assert_cmphex(qpci_config_readw(f.dev, PCI_DEVICE_ID), ==, 0x5049);
    /* MSI-X capability present. */
    g_assert_cmpint(qpci_find_capability(f.dev, PCI_CAP_ID_MSIX, 0), !=, 0);
    fixture_stop(&f);
}

static void test_reset_values(void)
{
    Fixture f;
    uint64_t cap;

    fixture_start(&f, NULL);
    cap = reg_read64(&f, 0x00);
    g_assert_cmpuint(cap & 0xffff, ==, 1023);          /* MQES */
    g_assert_true(cap & (1ULL << 16));                  /* CQR */
    g_assert_cmpuint((cap >> 32) & 0xf, ==, 0);         /* DSTRD */
    g_assert_true(cap & (1ULL << 37));                  /* CSS: NVM */
    g_assert_cmphex(reg_read32(&f, 0x08), ==, 0x00010400);     /* VS 1.4 */
    g_assert_cmphex(reg_read32(&f, 0x14), ==, 0);       /* CC */
    g_assert_cmphex(reg_read32(&f, 0x1c), ==, 0);       /* CSTS */
    g_assert_cmphex(reg_read32(&f, 0x24), ==, 0);       /* AQA */
    fixture_stop(&f);
}

static void test_admin_queue_regs(void)
{
    Fixture f;

    fixture_start(&f, NULL);
    /* AQA keeps 12-bit ACQS/ASQS; ASQ/ACQ are 4 KiB aligned. */
    reg_write32(&f, 0x24, 0xffffffff);
    g_assert_cmphex(reg_read32(&f, 0x24), ==, 0x0fff0fff);
    reg_write32(&f, 0x28, 0x12345678);
    reg_write32(&f, 0x2c, 0x9);
    g_assert_cmphex(reg_read64(&f, 0x28), ==, 0x912345000ULL);
    reg_write32(&f, 0x30, 0xabcdefff);
    g_assert_cmphex(reg_read64(&f, 0x30), ==, 0xabcde000ULL);
    /* CAP and VS are read-only. */
    reg_write32(&f, 0x08, 0);
    g_assert_cmphex(reg_read32(&f, 0x08), ==, 0x00010400);
    fixture_stop(&f);
}

static void test_intms_intmc(void)
{
    Fixture f;

    fixture_start(&f, NULL);
    reg_write32(&f, 0x0c, 0x5);
    g_assert_cmphex(reg_read32(&f, 0x0c), ==, 0x5);
    reg_write32(&f, 0x10, 0x1);
    g_assert_cmphex(reg_read32(&f, 0x0c), ==, 0x4);
    g_assert_cmphex(reg_read32(&f, 0x10), ==, 0x4);
    fixture_stop(&f);
}

static void test_misaligned_access(void)
{
    Fixture f;

    fixture_start(&f, NULL);
    /*
     * Misaligned accesses are the memory core's or the device's to
     * refuse; either way they must not change state or stop QEMU.
     */
    (void)qpci_io_readw(f.dev, f.bar0, 0x01);
    qpci_io_writew(f.dev, f.bar0, 0x15, 0xffff);
    g_assert_cmphex(reg_read32(&f, 0x14), ==, 0);
    g_assert_cmphex(reg_read32(&f, 0x08), ==, 0x00010400);
    fixture_stop(&f);
}

/* Starting QEMU with a bad configuration must fail with a clear message. */
static void expect_realize_error(const char *device, const char *message)
{
    g_autofree char *args = g_strdup_printf("-device %s", device);

    nvme_fx_expect_start_error(args, message);
}

static void test_realize_errors(void)
{
    expect_realize_error("nvme-pi", "'serial' property is required");
    expect_realize_error("nvme-pi,serial=x,msix_qsize=0",
                         "msix_qsize must be 1..2048");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/nvme-pi/pci/identity", test_pci_identity);
    qtest_add_func("/nvme-pi/regs/reset-values", test_reset_values);
    qtest_add_func("/nvme-pi/regs/admin-queue", test_admin_queue_regs);
    qtest_add_func("/nvme-pi/regs/intms-intmc", test_intms_intmc);
    qtest_add_func("/nvme-pi/regs/misaligned", test_misaligned_access);
    qtest_add_func("/nvme-pi/realize/errors", test_realize_errors);
    nvme_pi_ctrl_tests();
    nvme_pi_admin_tests();
    nvme_pi_queue_tests();
    nvme_pi_io_tests();
    nvme_pi_prot_tests();
    nvme_pi_bad_tests();
    nvme_pi_hooks_tests();
    nvme_pi_overlap_tests();
    nvme_pi_ns_tests();
    nvme_pi_long_tests();
    return g_test_run();
}
