/*
 * nvme-pi: the PCI function and its register file (BAR0).
 *
 * This file owns what the host sees of the controller before any queue
 * exists: PCI identity (class 01:08:02, NVM Express), BAR0 with the
 * controller registers and doorbells, MSI-X in its own BAR, and the
 * CC/CSTS state machine.  Queue processing, admin and I/O commands live
 * in their own files.
 *
 * Status of this skeleton: registers read and write as the specification
 * describes, but there is no admin queue processing yet, so enabling the
 * controller (CC.EN=1) reports Controller Fatal Status instead of ready.
 * A driver therefore finds the device and gives up cleanly, which is the
 * truth about what it can do.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/log.h"
#include "qemu/module.h"
#include "hw/qdev-properties.h"
#include "hw/pci/msix.h"
#include "migration/vmstate.h"
#include "nvme-pi.h"
#include "trace.h"

/*
 * CAP: MQES = 1023 (0's based), CQR = 1 (contiguous queues required),
 * TO = 1 (500 ms), DSTRD = 0, CSS bit 0 (NVM command set), MPSMIN = 0
 * (4 KiB), MPSMAX = 4 (64 KiB).
 */
#define NVME_PI_CAP_MQES    1023ULL
#define NVME_PI_CAP_DEFAULT (NVME_PI_CAP_MQES | (1ULL << 16) | \
                             (1ULL << 24) | (1ULL << 37) | (4ULL << 52))
#define NVME_PI_VS          0x00010400  /* NVMe 1.4 */

#define NVME_PI_CC_EN       (1u << 0)
#define NVME_PI_CC_SHN(cc)  (((cc) >> 14) & 0x3)
#define NVME_PI_CSTS_RDY    (1u << 0)
#define NVME_PI_CSTS_CFS    (1u << 1)
#define NVME_PI_CSTS_SHST_COMPLETE (2u << 2)

static void nvme_pi_reset_regs(NvmePiCtrl *n)
{
    memset(&n->regs, 0, sizeof(n->regs));
    n->regs.cap = NVME_PI_CAP_DEFAULT;
    n->regs.vs = NVME_PI_VS;
}

static void nvme_pi_write_cc(NvmePiCtrl *n, uint32_t val)
{
    uint32_t old = n->regs.cc;

    n->regs.cc = val;
    if ((val & NVME_PI_CC_EN) && !(old & NVME_PI_CC_EN)) {
        /* No admin queue processing yet: say so rather than fake RDY. */
        trace_nvme_pi_enable_unsupported(val);
        n->regs.csts |= NVME_PI_CSTS_CFS;
    } else if (!(val & NVME_PI_CC_EN) && (old & NVME_PI_CC_EN)) {
        trace_nvme_pi_disable();
        nvme_pi_reset_regs(n);
        n->regs.cc = val;
    }
    if (NVME_PI_CC_SHN(val) && !NVME_PI_CC_SHN(old)) {
        n->regs.csts |= NVME_PI_CSTS_SHST_COMPLETE;
    }
}

static uint64_t nvme_pi_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    NvmePiCtrl *n = NVME_PI(opaque);
    uint64_t val = 0;

    if (addr & (size - 1)) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "nvme-pi: misaligned register read at 0x%" HWADDR_PRIx
                      "\n", addr);
        trace_nvme_pi_mmio_bad(addr, size);
        return 0;
    }
    if (addr < sizeof(NvmePiRegs) + 8) {
        /* Serialise the register file in its on-bar layout. */
        uint8_t bar[0x38] = { 0 };

        stq_le_p(bar + NVME_PI_REG_CAP, n->regs.cap);
        stl_le_p(bar + NVME_PI_REG_VS, n->regs.vs);
        stl_le_p(bar + NVME_PI_REG_INTMS, n->regs.intms);
        stl_le_p(bar + NVME_PI_REG_INTMC, n->regs.intms);
        stl_le_p(bar + NVME_PI_REG_CC, n->regs.cc);
        stl_le_p(bar + NVME_PI_REG_CSTS, n->regs.csts);
        stl_le_p(bar + NVME_PI_REG_AQA, n->regs.aqa);
        stq_le_p(bar + NVME_PI_REG_ASQ, n->regs.asq);
        stq_le_p(bar + NVME_PI_REG_ACQ, n->regs.acq);
        if (addr + size <= sizeof(bar)) {
            val = ldn_le_p(bar + addr, size);
        }
    }
    trace_nvme_pi_mmio_read(addr, size, val);
    return val;
}

static void nvme_pi_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                               unsigned size)
{
    NvmePiCtrl *n = NVME_PI(opaque);

    trace_nvme_pi_mmio_write(addr, size, val);
    if (addr & (size - 1)) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "nvme-pi: misaligned register write at 0x%" HWADDR_PRIx
                      "\n", addr);
        trace_nvme_pi_mmio_bad(addr, size);
        return;
    }
    switch (addr) {
    case NVME_PI_REG_INTMS:
        n->regs.intms |= (uint32_t)val;
        break;
    case NVME_PI_REG_INTMC:
        n->regs.intms &= ~(uint32_t)val;
        break;
    case NVME_PI_REG_CC:
        nvme_pi_write_cc(n, (uint32_t)val);
        break;
    case NVME_PI_REG_AQA:
        n->regs.aqa = (uint32_t)val & 0x0fff0fff;
        break;
    case NVME_PI_REG_ASQ:
        n->regs.asq = size == 8 ? val & ~0xfffULL :
            deposit64(n->regs.asq, 0, 32, val & ~0xfffULL);
        break;
    case NVME_PI_REG_ASQ + 4:
        n->regs.asq = deposit64(n->regs.asq, 32, 32, val);
        break;
    case NVME_PI_REG_ACQ:
        n->regs.acq = size == 8 ? val & ~0xfffULL :
            deposit64(n->regs.acq, 0, 32, val & ~0xfffULL);
        break;
    case NVME_PI_REG_ACQ + 4:
        n->regs.acq = deposit64(n->regs.acq, 32, 32, val);
        break;
    default:
        /* Read-only registers and doorbells of queues that do not exist. */
        trace_nvme_pi_mmio_ignored(addr, val);
        break;
    }
}

static const MemoryRegionOps nvme_pi_mmio_ops = {
    .read = nvme_pi_mmio_read,
    .write = nvme_pi_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .impl = {
        .min_access_size = 2,
        .max_access_size = 8,
    },
};

static void nvme_pi_realize(PCIDevice *pci, Error **errp)
{
    NvmePiCtrl *n = NVME_PI(pci);
    uint8_t *conf = pci->config;

    if (!n->serial) {
        error_setg(errp, "nvme-pi: 'serial' property is required "
                   "(e.g. -device nvme-pi,serial=pi0)");
        return;
    }
    if (n->msix_qsize < 1 || n->msix_qsize > 2048) {
        error_setg(errp, "nvme-pi: msix_qsize must be 1..2048, got %u",
                   n->msix_qsize);
        return;
    }

    pci_config_set_vendor_id(conf, n->vendor_id);
    pci_config_set_device_id(conf, n->device_id);
    pci_config_set_class(conf, PCI_CLASS_STORAGE_EXPRESS);
    pci_config_set_prog_interface(conf, 0x02);   /* NVM Express */
    conf[PCI_INTERRUPT_PIN] = 1;

    memory_region_init_io(&n->bar0, OBJECT(n), &nvme_pi_mmio_ops, n,
                          "nvme-pi-bar0", pow2ceil(NVME_PI_BAR0_SIZE));
    pci_register_bar(pci, 0, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &n->bar0);
    if (msix_init_exclusive_bar(pci, n->msix_qsize, NVME_PI_MSIX_BAR, errp)) {
        return;
    }
    nvme_pi_reset_regs(n);
}

static void nvme_pi_exit(PCIDevice *pci)
{
    msix_uninit_exclusive_bar(pci);
}

static void nvme_pi_reset(DeviceState *dev)
{
    nvme_pi_reset_regs(NVME_PI(dev));
}

static NVME_PI_PROPS_CONST Property nvme_pi_props[] = {
    DEFINE_PROP_STRING("serial", NvmePiCtrl, serial),
    DEFINE_PROP_UINT32("msix_qsize", NvmePiCtrl, msix_qsize, 65),
    DEFINE_PROP_UINT16("vendor-id", NvmePiCtrl, vendor_id, 0x1234),
    DEFINE_PROP_UINT16("device-id", NvmePiCtrl, device_id, 0x5049),
    NVME_PI_PROP_END
};

static const VMStateDescription nvme_pi_vmstate = {
    .name = "nvme-pi",
    .unmigratable = 1,
};

static void nvme_pi_class_init(ObjectClass *oc, NVME_PI_CLASS_DATA data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(oc);

    pc->realize = nvme_pi_realize;
    pc->exit = nvme_pi_exit;
    pc->class_id = PCI_CLASS_STORAGE_EXPRESS;
    pc->revision = 1;
    set_bit(DEVICE_CATEGORY_STORAGE, dc->categories);
    dc->desc = "NVMe controller with strict PI and DMA-timing hooks";
    nvme_pi_set_reset(dc, nvme_pi_reset);
    dc->vmsd = &nvme_pi_vmstate;
    device_class_set_props(dc, nvme_pi_props);
}

static const TypeInfo nvme_pi_info = {
    .name = TYPE_NVME_PI,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(NvmePiCtrl),
    .class_init = nvme_pi_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_CONVENTIONAL_PCI_DEVICE },
        { }
    },
};

static void nvme_pi_register_types(void)
{
    type_register_static(&nvme_pi_info);
}

type_init(nvme_pi_register_types)
