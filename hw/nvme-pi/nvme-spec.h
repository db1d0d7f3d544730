/*
 * nvme-pi: NVMe specification names that include/block/nvme.h lacks in
 * some of the QEMU releases we build against (7.2 .. 10.x), or does not
 * have at all.  Named after the specification (NVMe Base 2.0, NVM
 * Command Set 1.0), prefixed NVME_PI_ so they never collide with a
 * later QEMU's own definition.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_NVME_PI_SPEC_H
#define HW_NVME_PI_SPEC_H

/* Admin opcodes not in every block/nvme.h. */
#define NVME_PI_ADM_CMD_KEEP_ALIVE      0x18

/* Feature identifiers not in every block/nvme.h. */
#define NVME_PI_FEAT_KEEP_ALIVE_TIMER   0x0f

/* CAP fields (Base 3.1.1). */
#define NVME_PI_CAP_CQR                 (1ULL << 16)
#define NVME_PI_CAP_TO(x)               ((uint64_t)(x) << 24)
#define NVME_PI_CAP_CSS_NVM             (1ULL << 37)
#define NVME_PI_CAP_MPSMIN(x)           ((uint64_t)(x) << 48)
#define NVME_PI_CAP_MPSMAX(x)           ((uint64_t)(x) << 52)

/* CC fields (Base 3.1.5). */
#define NVME_PI_CC_EN                   (1u << 0)
#define NVME_PI_CC_CSS(cc)              (((cc) >> 4) & 0x7)
#define NVME_PI_CC_MPS(cc)              (((cc) >> 7) & 0xf)
#define NVME_PI_CC_AMS(cc)              (((cc) >> 11) & 0x7)
#define NVME_PI_CC_SHN(cc)              (((cc) >> 14) & 0x3)
#define NVME_PI_CC_IOSQES(cc)           (((cc) >> 16) & 0xf)
#define NVME_PI_CC_IOCQES(cc)           (((cc) >> 20) & 0xf)

/* Queue entry sizes as log2 (SQES/CQES, CC.IOSQES/IOCQES): 64 and 16. */
#define NVME_PI_SQES_LOG2               6
#define NVME_PI_CQES_LOG2               4

/* AQA: admin queue sizes, 0's based, 12 bits each (Base 3.1.8). */
#define NVME_PI_AQA_ASQS(aqa)           ((aqa) & 0xfff)
#define NVME_PI_AQA_ACQS(aqa)           (((aqa) >> 16) & 0xfff)
#define NVME_PI_AQA_MASK                0x0fff0fffu

/* Read/Write CDW12: NLB, 0's based (NVM Command Set 3.2.4). */
#define NVME_PI_RW_NLB(cdw12)           ((cdw12) & 0xffff)

/* CSTS fields (Base 3.1.6). */
#define NVME_PI_CSTS_RDY                (1u << 0)
#define NVME_PI_CSTS_CFS                (1u << 1)
#define NVME_PI_CSTS_SHST_MASK          (3u << 2)
#define NVME_PI_CSTS_SHST_COMPLETE      (2u << 2)

/* Status field bits above SCT/SC. */
#define NVME_PI_STATUS_DNR              0x4000

/* Generic status 84h: the namespace is being formatted (Base 4.1.1.1). */
#define NVME_PI_SC_FORMAT_IN_PROGRESS   0x0084

/* Highest Protection Information type (DPS.PIT, Format NVM PI). */
#define NVME_PI_MAX_PI_TYPE             3

/* Log identifiers: first vendor-specific page (reserved for mutations). */
#define NVME_PI_LOG_VENDOR_MUTATIONS    0xc0

/* Get Log Page CDW10 (Base 5.16). */
#define NVME_PI_LOG_LID(dw10)           ((dw10) & 0xff)
#define NVME_PI_LOG_RAE(dw10)           (((dw10) >> 15) & 0x1)
#define NVME_PI_LOG_NUMDL(dw10)         ((dw10) >> 16)

/* Format NVM CDW10 (NVM Command Set 4.2). */
#define NVME_PI_FMT_LBAFL(dw10)         ((dw10) & 0xf)
#define NVME_PI_FMT_MSET(dw10)          (((dw10) >> 4) & 0x1)
#define NVME_PI_FMT_PI(dw10)            (((dw10) >> 5) & 0x7)
#define NVME_PI_FMT_PIL(dw10)           (((dw10) >> 8) & 0x1)
#define NVME_PI_FMT_SES(dw10)           (((dw10) >> 9) & 0x7)
#define NVME_PI_FMT_LBAFU(dw10)         (((dw10) >> 12) & 0x3)

/* Write Zeroes CDW12: Deallocate (NVM Command Set 3.2.8). */
#define NVME_PI_WZ_DEAC                 (1u << 25)

/* Identify Namespace: NSFEAT.OPTPERF and FLBAS upper index bits. */
#define NVME_PI_NSFEAT_OPTPERF          (1u << 4)
#define NVME_PI_NSFEAT_DEALLOC          (1u << 2)
#define NVME_PI_FLBAS_LOW(i)            ((i) & 0xf)
#define NVME_PI_FLBAS_HIGH(i)           ((((i) >> 4) & 0x3) << 5)
#define NVME_PI_DLFEAT_READ_ZEROES      0x1
#define NVME_PI_DLFEAT_WZ_DEAC          (1u << 3)

/* Identify Namespace: DPC (data protection capabilities). */
#define NVME_PI_DPC_TYPE1               (1u << 0)
#define NVME_PI_DPC_TYPE2               (1u << 1)
#define NVME_PI_DPC_TYPE3               (1u << 2)
#define NVME_PI_DPC_FIRST               (1u << 3)
#define NVME_PI_DPC_LAST                (1u << 4)

/* ELBAF (I/O Command Set specific Identify Namespace): PIF in 8:7. */
#define NVME_PI_ELBAF(pif, sts)         (((uint32_t)(pif) << 7) | (sts))

/*
 * Namespace Identification Descriptor list (Identify CNS 03h, Base
 * 5.17.2.4): what this device reports, an NGUID and the command set
 * identifier, then zeroes (an NIDT of 0 ends the list).
 */
typedef struct QEMU_PACKED NvmePiNsDescrHdr {
    uint8_t nidt;                       /* NVME_NIDT_* */
    uint8_t nidl;                       /* bytes of the identifier */
    uint8_t rsvd2[2];
} NvmePiNsDescrHdr;
#define NVME_PI_NIDL_NGUID              16
#define NVME_PI_NIDL_CSI                1
typedef struct QEMU_PACKED NvmePiNsDescrList {
    NvmePiNsDescrHdr nguid_hdr;
    uint8_t nguid[NVME_PI_NIDL_NGUID];
    NvmePiNsDescrHdr csi_hdr;
    uint8_t csi;
    uint8_t rsvd[4096 - 2 * sizeof(NvmePiNsDescrHdr) - NVME_PI_NIDL_NGUID -
                 NVME_PI_NIDL_CSI];
} NvmePiNsDescrList;
QEMU_BUILD_BUG_ON(sizeof(NvmePiNsDescrHdr) != 4);
QEMU_BUILD_BUG_ON(offsetof(NvmePiNsDescrList, csi_hdr) != 20);
QEMU_BUILD_BUG_ON(offsetof(NvmePiNsDescrList, csi) != 24);
QEMU_BUILD_BUG_ON(sizeof(NvmePiNsDescrList) != 4096);

/* Controller type (Identify Controller CNTRLTYPE). */
#define NVME_PI_CNTRLTYPE_IO            1

/* Identify Controller LPA: Commands Supported and Effects log page. */
#define NVME_PI_LPA_EFFECTS             (1u << 1)

#endif /* HW_NVME_PI_SPEC_H */
