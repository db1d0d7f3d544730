/*
 * nvme-pi: the PCI function and its register file (BAR0).
 *
 * This file owns what the host sees of the controller as a PCI device:
 * PCI identity (class 01:08:02, NVM Express), BAR0 with the controller
 * registers (doorbells are handed to queue.c), MSI-X in its own BAR with
 * INTx as the fallback, INTMS/INTMC masking, and the CC/CSTS state
 * machine: enable, disable (controller reset), shutdown and Controller
 * Fatal Status; and the power failing (power-lost, per power-cut).
 * Queues, admin and I/O commands live in their own files.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/log.h"
#include "qemu/module.h"
#include "qemu/main-loop.h"
#include "hw/qdev-properties.h"
#include "hw/qdev-properties-system.h"
#include "hw/pci/msix.h"
#include "migration/vmstate.h"
#include "nvme-pi.h"
#include "trace.h"

/*
 * CAP: MQES = 1023 (0's based), CQR = 1 (contiguous queues required),
 * TO = 1 (500 ms), DSTRD = 0, CSS bit 0 (NVM command set), MPSMIN = 0
 * (4 KiB), MPSMAX = 4 (64 KiB).
 */
#define NVME_PI_CAP_DEFAULT (NVME_PI_MQES | NVME_PI_CAP_CQR | \
                             NVME_PI_CAP_TO(1) | NVME_PI_CAP_CSS_NVM | \
                             NVME_PI_CAP_MPSMIN(0) | NVME_PI_CAP_MPSMAX(4))
#define NVME_PI_VS          0x00010400  /* NVMe 1.4 */

static void nvme_pi_reset_regs(NvmePiCtrl *n)
{
    memset(&n->regs, 0, sizeof(n->regs));
    n->regs.cap = NVME_PI_CAP_DEFAULT;
    n->regs.vs = NVME_PI_VS;
}

/*
 * INTx is level triggered: asserted while any interrupt-enabled CQ that
 * is not masked in INTMS holds entries the host has not consumed.  With
 * MSI-X each posting sends a message on the CQ's vector.
 */
void nvme_pi_irq_update(NvmePiCtrl *n, NvmePiCQ *cq)
{
    PCIDevice *pci = PCI_DEVICE(n);
    bool level = false;
    unsigned i;

    if (msix_enabled(pci)) {
        if (cq && cq->ien && cq->head != cq->tail) {
            trace_nvme_pi_irq_msix(cq->vector);
            msix_notify(pci, cq->vector);
        }
        return;
    }
    for (i = 0; i < NVME_PI_MAX_QUEUES; i++) {
        NvmePiCQ *c = &n->cq[i];

        if (c->created && c->ien && c->head != c->tail &&
            !(n->regs.intms & (1u << (c->vector & 31)))) {
            level = true;
            break;
        }
    }
    if (level != n->irq_level) {
        trace_nvme_pi_irq_intx(level);
        n->irq_level = level;
        pci_set_irq(pci, level);
    }
}

/* A condition the controller cannot recover from without a reset. */
void nvme_pi_fatal(NvmePiCtrl *n, const char *why)
{
    if (!(n->regs.csts & NVME_PI_CSTS_CFS)) {
        trace_nvme_pi_cfs(why);
        qemu_log_mask(LOG_GUEST_ERROR, "nvme-pi: controller fatal: %s\n",
                      why);
    }
    n->regs.csts |= NVME_PI_CSTS_CFS;
}

/* Everything a controller reset (CC.EN 1 -> 0) returns to defaults. */
static void nvme_pi_ctrl_reset(NvmePiCtrl *n)
{
    NvmePiNs *ns;
    unsigned i;

    nvme_pi_queues_reset(n);
    /* Let aborted block I/O return now, not into the next enable. */
    NVME_PI_FOREACH_NS(n, ns, i) {
        blk_drain(ns->blk);
    }
    nvme_pi_admin_reset(n);
    n->regs.csts = 0;
    n->regs.intms = 0;
    if (n->irq_level) {
        n->irq_level = false;
        pci_set_irq(PCI_DEVICE(n), 0);
    }
}

static bool nvme_pi_start(NvmePiCtrl *n)
{
    uint32_t cc = n->regs.cc;
    uint32_t asqs = NVME_PI_AQA_ASQS(n->regs.aqa) + 1;
    uint32_t acqs = NVME_PI_AQA_ACQS(n->regs.aqa) + 1;
    unsigned mps = NVME_PI_CC_MPS(cc);

    if (mps > 4) {
        trace_nvme_pi_enable_bad("CC.MPS above CAP.MPSMAX", cc);
        return false;
    }
    if (NVME_PI_CC_CSS(cc) != 0) {
        trace_nvme_pi_enable_bad("CC.CSS: only the NVM command set", cc);
        return false;
    }
    if (NVME_PI_CC_AMS(cc) != 0) {
        trace_nvme_pi_enable_bad("CC.AMS: only round robin", cc);
        return false;
    }
    if (asqs < 2 || acqs < 2) {
        trace_nvme_pi_enable_bad("AQA: admin queues need 2+ entries",
                                 n->regs.aqa);
        return false;
    }
    if (!n->regs.asq || !n->regs.acq) {
        trace_nvme_pi_enable_bad("ASQ/ACQ not set", cc);
        return false;
    }
    n->page_size = 4096u << mps;
    nvme_pi_cq_init(n, 0, n->regs.acq, acqs, 0, true);
    nvme_pi_sq_init(n, 0, 0, n->regs.asq, asqs);
    return true;
}

static void nvme_pi_write_cc(NvmePiCtrl *n, uint32_t val)
{
    uint32_t old = n->regs.cc;

    n->regs.cc = val;
    if ((val & NVME_PI_CC_EN) && !(old & NVME_PI_CC_EN)) {
        if (nvme_pi_start(n)) {
            trace_nvme_pi_enable(val);
            n->regs.csts = NVME_PI_CSTS_RDY;
        } else {
            nvme_pi_fatal(n, "invalid configuration at CC.EN");
        }
    } else if (!(val & NVME_PI_CC_EN) && (old & NVME_PI_CC_EN)) {
        trace_nvme_pi_disable();
        nvme_pi_ctrl_reset(n);
    }
    if (NVME_PI_CC_SHN(val) && !NVME_PI_CC_SHN(old)) {
        NvmePiNs *ns;
        unsigned i;

        trace_nvme_pi_shutdown(NVME_PI_CC_SHN(val));
        NVME_PI_FOREACH_NS(n, ns, i) {
            nvme_pi_ns_flush(ns);
        }
        n->regs.csts = (n->regs.csts & ~NVME_PI_CSTS_SHST_MASK) |
                       NVME_PI_CSTS_SHST_COMPLETE;
    } else if (!NVME_PI_CC_SHN(val) && NVME_PI_CC_SHN(old)) {
        n->regs.csts &= ~NVME_PI_CSTS_SHST_MASK;
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
    if (addr < 0x38) {
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
    if (addr >= NVME_PI_REG_SIZE) {
        nvme_pi_doorbell_write(n, addr - NVME_PI_REG_SIZE, (uint32_t)val);
        return;
    }
    switch (addr) {
    case NVME_PI_REG_INTMS:
        n->regs.intms |= (uint32_t)val;
        nvme_pi_irq_update(n, NULL);
        break;
    case NVME_PI_REG_INTMC:
        n->regs.intms &= ~(uint32_t)val;
        nvme_pi_irq_update(n, NULL);
        break;
    case NVME_PI_REG_CC:
        nvme_pi_write_cc(n, (uint32_t)val);
        break;
    case NVME_PI_REG_AQA:
        n->regs.aqa = (uint32_t)val & NVME_PI_AQA_MASK;
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
        /* Read-only registers (CAP, VS, CSTS) and reserved space. */
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

/* dma-clock: one clock per controller, for every namespace's hooks. */
static bool nvme_pi_clock_realize(NvmePiCtrl *n, Error **errp)
{
    if (!n->prop_dma_clock || !strcmp(n->prop_dma_clock, "virtual")) {
        n->hook_clock = QEMU_CLOCK_VIRTUAL;
    } else if (!strcmp(n->prop_dma_clock, "realtime")) {
        n->hook_clock = QEMU_CLOCK_REALTIME;
    } else {
        error_setg(errp, "nvme-pi: dma-clock must be virtual or realtime, "
                   "got '%s'", n->prop_dma_clock);
        return false;
    }
    return true;
}

static bool nvme_pi_power_cut_realize(NvmePiCtrl *n, Error **errp)
{
    int c = n->prop_power_cut ? dma_power_cut_parse(n->prop_power_cut)
                              : DMA_CUT_NONE;

    if (c < 0) {
        error_setg(errp, "nvme-pi: power-cut must be none, first, last or "
                   "torn, got '%s'", n->prop_power_cut);
        return false;
    }
    n->power_cut = c;
    return true;
}

/*
 * power-lost: qom-set true is the power failing now (the harness stops
 * the VM first).  Writes the hooks hold land per power-cut and never
 * complete; the controller is fatal from then on.  The power does not
 * come back: a new QEMU on the same image is the next boot.
 */
static bool nvme_pi_get_power_lost(Object *obj, Error **errp)
{
    return NVME_PI(obj)->power_lost;
}

static void nvme_pi_set_power_lost(Object *obj, bool value, Error **errp)
{
    NvmePiCtrl *n = NVME_PI(obj);

    if (!value) {
        if (n->power_lost) {
            error_setg(errp, "nvme-pi: the power does not come back; start "
                       "QEMU again on the same image for the next boot");
        }
        return;
    }
    if (!DEVICE(obj)->realized) {
        error_setg(errp, "nvme-pi: power-lost can be set only on a running "
                   "device; for a policy use power-cut=");
        return;
    }
    if (n->power_lost) {
        return;
    }
    n->power_lost = true;
    nvme_pi_io_power_cut(n);
    nvme_pi_fatal(n, "power cut");
}

static void nvme_pi_realize(PCIDevice *pci, Error **errp)
{
    NvmePiCtrl *n = NVME_PI(pci);
    uint8_t *conf = pci->config;
    unsigned i;

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
    if (n->max_ioqpairs < 1 || n->max_ioqpairs > NVME_PI_MAX_IOQPAIRS) {
        error_setg(errp, "nvme-pi: max_ioqpairs must be 1..%d, got %u",
                   NVME_PI_MAX_IOQPAIRS, n->max_ioqpairs);
        return;
    }
    /* The hooks are checked even without a drive: nvme-pi-ns inherit them. */
    if (!nvme_pi_clock_realize(n, errp) ||
        !nvme_pi_power_cut_realize(n, errp) ||
        !nvme_pi_ns_hooks(n, &n->ns, NULL, errp) ||
        !nvme_pi_ns_realize(&n->ns, NVME_PI_NSID, &n->ns_props, errp) ||
        !nvme_pi_record_realize(n, errp)) {
        return;
    }
    if (n->ns.present) {
        n->nss[NVME_PI_NSID] = &n->ns;
    }
    nvme_pi_bus_init(n);

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
    for (i = 0; i < n->msix_qsize; i++) {
        msix_vector_use(pci, i);
    }
    n->bh = nvme_pi_bh_new(nvme_pi_process, n, DEVICE(n));
    nvme_pi_jobs_init(n);
    nvme_pi_reset_regs(n);
    nvme_pi_admin_reset(n);
}

static void nvme_pi_exit(PCIDevice *pci)
{
    NvmePiCtrl *n = NVME_PI(pci);
    NvmePiNs *ns;
    unsigned i;

    nvme_pi_queues_reset(n);
    nvme_pi_jobs_exit(n);       /* aborted jobs end (a Format finishes) */
    NVME_PI_FOREACH_NS(n, ns, i) {
        blk_drain(ns->blk);     /* aborted I/O still refers to n */
    }
    nvme_pi_record_exit(n);
    if (n->bh) {
        qemu_bh_delete(n->bh);
        n->bh = NULL;
    }
    NVME_PI_FOREACH_NS(n, ns, i) {
        nvme_pi_ns_flush(ns);
    }
    for (i = 0; i < n->msix_qsize; i++) {
        msix_vector_unuse(pci, i);
    }
    msix_uninit_exclusive_bar(pci);
}

static void nvme_pi_reset(DeviceState *dev)
{
    NvmePiCtrl *n = NVME_PI(dev);

    nvme_pi_ctrl_reset(n);
    nvme_pi_reset_regs(n);
}

/*
 * Format properties default to "not given" (0 / all ones) so that an
 * image's own header decides what was not asked for; see ns.c.
 */
static NVME_PI_PROPS_CONST Property nvme_pi_props[] = {
    DEFINE_PROP_DRIVE("drive", NvmePiCtrl, ns.blk),
    DEFINE_PROP_STRING("serial", NvmePiCtrl, serial),
    NVME_PI_NS_FORMAT_PROPS(NvmePiCtrl, ns_props),
    DEFINE_PROP_UINT8("mdts", NvmePiCtrl, mdts, 7),
    DEFINE_PROP_UINT32("max_ioqpairs", NvmePiCtrl, max_ioqpairs,
                       NVME_PI_MAX_IOQPAIRS),
    DEFINE_PROP_UINT32("msix_qsize", NvmePiCtrl, msix_qsize, 65),
    DEFINE_PROP_BOOL("pi-strict", NvmePiCtrl, pi_strict, true),
    DEFINE_PROP_BOOL("pi-dnr", NvmePiCtrl, pi_dnr, false),
    NVME_PI_HOOK_PROPS(NvmePiCtrl, hooks, 0),
    DEFINE_PROP_STRING("dma-clock", NvmePiCtrl, prop_dma_clock),
    DEFINE_PROP_STRING("mutation-log", NvmePiCtrl, mutation_log),
    DEFINE_PROP_STRING("power-cut", NvmePiCtrl, prop_power_cut),
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

static void nvme_pi_instance_init(Object *obj)
{
    NvmePiCtrl *n = NVME_PI(obj);

    QTAILQ_INIT(&n->inflight);
    nvme_pi_ns_ranges_init(&n->ns);
    nvme_pi_record_init(n);
    object_property_add_bool(obj, "power-lost", nvme_pi_get_power_lost,
                             nvme_pi_set_power_lost);
}

static const TypeInfo nvme_pi_info = {
    .name = TYPE_NVME_PI,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(NvmePiCtrl),
    .instance_init = nvme_pi_instance_init,
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
