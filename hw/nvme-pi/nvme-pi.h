/*
 * nvme-pi: controller state shared by the files of the device model.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_NVME_PI_H
#define HW_NVME_PI_H

#include "compat.h"
#include "exec/memory.h"

#define TYPE_NVME_PI "nvme-pi"
OBJECT_DECLARE_SIMPLE_TYPE(NvmePiCtrl, NVME_PI)

/* BAR0: controller registers then doorbells (stride 4 bytes, DSTRD=0). */
#define NVME_PI_REG_SIZE        0x1000
#define NVME_PI_MAX_QUEUES      65      /* admin + 64 I/O queue pairs */
#define NVME_PI_BAR0_SIZE       (NVME_PI_REG_SIZE + 2 * 4 * NVME_PI_MAX_QUEUES)
#define NVME_PI_MSIX_BAR        4

/* Register offsets (NVMe base specification, 3.1 "Controller Registers"). */
enum {
    NVME_PI_REG_CAP     = 0x00,
    NVME_PI_REG_VS      = 0x08,
    NVME_PI_REG_INTMS   = 0x0c,
    NVME_PI_REG_INTMC   = 0x10,
    NVME_PI_REG_CC      = 0x14,
    NVME_PI_REG_CSTS    = 0x1c,
    NVME_PI_REG_NSSR    = 0x20,
    NVME_PI_REG_AQA     = 0x24,
    NVME_PI_REG_ASQ     = 0x28,
    NVME_PI_REG_ACQ     = 0x30,
};

typedef struct NvmePiRegs {
    uint64_t cap;
    uint32_t vs;
    uint32_t intms;
    uint32_t cc;
    uint32_t csts;
    uint32_t aqa;
    uint64_t asq;
    uint64_t acq;
} NvmePiRegs;

struct NvmePiCtrl {
    PCIDevice parent_obj;

    MemoryRegion bar0;
    NvmePiRegs regs;

    /* properties */
    char *serial;
    uint32_t msix_qsize;
    uint16_t vendor_id;
    uint16_t device_id;
};

#endif /* HW_NVME_PI_H */
