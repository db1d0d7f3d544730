/*
 * nvme-pi qtests: a small NVMe host driver on libqtest/libqos.
 *
 * This header owns the driver the device tests are written against:
 * starting QEMU with an nvme-pi controller (and a backing image), the
 * controller registers, CC/CSTS handshakes on virtual time, admin and I/O
 * queue pairs, command submission with PRPs (PRP1/PRP2, PRP lists) or
 * SGLs (data block, segment, last segment), separate metadata (MPTR,
 * contiguous or SGL), completion polling with phase tags, and helpers for
 * the admin and NVM commands the tests use.  Names follow the NVMe
 * specification and QEMU's include/block/nvme.h.
 *
 * Completions are polled (no interrupts); the virtual clock is stepped
 * while waiting, so a device that defers work to a virtual-clock timer
 * (DMA-timing hooks) completes deterministically.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef NVME_DRV_H
#define NVME_DRV_H

#include "qemu/bswap.h"
#include "libqtest.h"
#include "libqos/pci.h"
#include "libqos/libqos-malloc.h"
#include "block/nvme.h"

#define NVME_DRV_SLOT           4
#define NVME_DRV_PAGE           4096
#define NVME_DRV_MAX_QUEUES     65
#define NVME_DRV_MAX_SEGS       64

/* Pseudo status values, outside the 11-bit SCT/SC space. */
#define NVME_DRV_TIMEOUT        0xf000  /* no completion arrived */
#define NVME_DRV_CFS            0xf001  /* CSTS.CFS set while waiting */

/* Register offsets (NVMe base specification, "Controller Registers"). */
enum {
    NVME_DRV_REG_CAP    = 0x00,
    NVME_DRV_REG_VS     = 0x08,
    NVME_DRV_REG_INTMS  = 0x0c,
    NVME_DRV_REG_INTMC  = 0x10,
    NVME_DRV_REG_CC     = 0x14,
    NVME_DRV_REG_CSTS   = 0x1c,
    NVME_DRV_REG_AQA    = 0x24,
    NVME_DRV_REG_ASQ    = 0x28,
    NVME_DRV_REG_ACQ    = 0x30,
    NVME_DRV_REG_DBS    = 0x1000,
};

#define NVME_DRV_CSTS_RDY       (1u << 0)
#define NVME_DRV_CSTS_CFS       (1u << 1)
#define NVME_DRV_CSTS_SHST(c)   (((c) >> 2) & 0x3)
#define NVME_DRV_CC_SHN_NORMAL  (1u << 14)

/* Opcodes include/block/nvme.h does not name in every release we use. */
#define NVME_DRV_ADM_KEEP_ALIVE 0x18

/* A guest buffer: one or more guest-physical pieces, in order. */
typedef struct NvmeDrvBuf {
    size_t len;
    unsigned nsegs;
    uint64_t addr[NVME_DRV_MAX_SEGS];
    uint32_t seglen[NVME_DRV_MAX_SEGS];
} NvmeDrvBuf;

/* How a command's data (or metadata) pointer is built. */
typedef enum NvmeDrvDptr {
    NVME_DRV_DPTR_PRP,      /* PRP1/PRP2, a PRP list when needed */
    NVME_DRV_DPTR_SGL,      /* SGL: data block, or segment chain */
} NvmeDrvDptr;

/* One submission/completion queue pair sharing an id. */
typedef struct NvmeDrvQueue {
    uint16_t qid;
    uint16_t size;          /* entries */
    uint64_t sq_addr;
    uint64_t cq_addr;
    uint16_t sq_tail;
    uint16_t cq_head;
    bool phase;
    uint16_t next_cid;
    bool live;
} NvmeDrvQueue;

/* The namespace format as Identify reports it. */
typedef struct NvmeDrvNs {
    uint32_t nsid;
    uint64_t nsze;
    uint8_t flbas_index;
    uint32_t lbads;         /* data bytes per block */
    uint16_t ms;            /* metadata bytes per block */
    bool extended;          /* FLBAS bit 4: metadata inline */
    uint8_t pi_type;        /* DPS.PIT */
    bool pi_first;          /* DPS.PIP */
    uint8_t pif;            /* ELBAF.PIF: 0 16b, 1 32b, 2 64b guard */
    uint8_t nlbaf;          /* 0's based, as in Identify */
    NvmeLBAF lbaf[NVME_MAX_NLBAF];
    uint32_t elbaf[NVME_MAX_NLBAF];
} NvmeDrvNs;

typedef struct NvmeDrv {
    QTestState *qts;
    QPCIBus *bus;
    QPCIDevice *dev;
    QPCIBar bar0;
    QGuestAllocator alloc;
    char *img_path;         /* backing image we created, or NULL */
    uint64_t cap;
    uint32_t db_stride;     /* bytes between doorbells */
    uint64_t to_ns;         /* CAP.TO as virtual nanoseconds */
    NvmeDrvQueue admin;
    NvmeDrvQueue io[NVME_DRV_MAX_QUEUES];
} NvmeDrv;

/* One Read/Write-family command (Read, Write, Compare, Verify, WZ). */
typedef struct NvmeDrvRw {
    uint8_t opcode;
    uint32_t nsid;
    uint64_t slba;
    uint32_t nlb;           /* number of blocks (not 0's based) */
    uint8_t prinfo;         /* NVME_PRINFO_PRACT | NVME_PRINFO_PRCHK_* */
    uint64_t reftag;        /* ILBRT; EILBRT (48 bits) for 64b guard */
    uint16_t apptag;
    uint16_t appmask;
    const NvmeDrvBuf *data; /* NULL for Verify and Write Zeroes */
    const NvmeDrvBuf *meta; /* separate metadata, or NULL */
    NvmeDrvDptr dptr;
    bool meta_sgl;          /* PSDT 10b: MPTR points at an SGL descriptor */
} NvmeDrvRw;

/*
 * Start QEMU with "-device nvme-pi,addr=4.0,serial=qt0<props>"; when
 * img_mib > 0, also create a raw image of that many MiB and pass it as
 * drive=d0.  props starts with a comma or is empty.
 */
NvmeDrv *nvme_drv_start(const char *props, unsigned img_mib);
/*
 * Put before the image's file name in -drive (e.g. "blkdebug::" to stop
 * and resume block requests from HMP qemu-io); NULL for none.
 */
extern const char *nvme_drv_file_prefix;
void nvme_drv_stop(NvmeDrv *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvmeDrv, nvme_drv_stop)
/* Quit QEMU and start it again on the same image with new properties. */
NvmeDrv *nvme_drv_restart(NvmeDrv *d, const char *props);
/*
 * The device under test: "nvme-pi", or with NVME_QTEST_DEVICE=nvme QEMU's
 * own nvme (+ nvme-ns), to check the tests against a reference device.
 */
const char *nvme_drv_device(void);

/* Command line nvme_drv_start() would use, for spawn-based checks. */
char *nvme_drv_cmdline(const NvmeDrv *d, const char *props);

uint32_t nvme_drv_rd32(NvmeDrv *d, uint64_t off);
uint64_t nvme_drv_rd64(NvmeDrv *d, uint64_t off);
void nvme_drv_wr32(NvmeDrv *d, uint64_t off, uint32_t val);
void nvme_drv_wr64(NvmeDrv *d, uint64_t off, uint64_t val);

/* Step virtual time until (CSTS & mask) == val; false on timeout. */
bool nvme_drv_wait_csts(NvmeDrv *d, uint32_t mask, uint32_t val);

/*
 * Program the admin queue (aq_entries each way) and set CC.EN.  Returns
 * 0 when CSTS.RDY came up, NVME_DRV_CFS if the controller reported a
 * fatal status instead, NVME_DRV_TIMEOUT if neither happened within
 * CAP.TO.
 */
uint16_t nvme_drv_enable(NvmeDrv *d, uint16_t aq_entries);
/* Clear CC.EN and wait for RDY to clear; forgets all queues. */
bool nvme_drv_disable(NvmeDrv *d);
/* CC.SHN normal shutdown; true when CSTS.SHST reports complete. */
bool nvme_drv_shutdown(NvmeDrv *d);

/* Guest memory. */
uint64_t nvme_drv_alloc(NvmeDrv *d, size_t len);
/* len bytes in one piece starting `offset` bytes into a fresh page. */
void nvme_drv_buf_contig(NvmeDrv *d, NvmeDrvBuf *b, size_t len,
                         size_t offset);
/*
 * len bytes scattered over non-adjacent pieces of at most `piece` bytes
 * (piece a multiple of 4 KiB for PRPs; any size for SGLs), allocated in
 * descending address order so that a device assuming contiguity reads
 * the wrong memory.
 */
void nvme_drv_buf_scatter(NvmeDrv *d, NvmeDrvBuf *b, size_t len,
                          size_t piece);
void nvme_drv_buf_write(NvmeDrv *d, const NvmeDrvBuf *b, const void *src);
void nvme_drv_buf_read(NvmeDrv *d, const NvmeDrvBuf *b, void *dst);
void nvme_drv_buf_fill(NvmeDrv *d, const NvmeDrvBuf *b, uint8_t byte);

/*
 * Fill the data pointer of cmd for buffer b (PRP or SGL) and set PSDT;
 * with meta, also MPTR (a contiguous pointer, or with meta_sgl an SGL
 * descriptor).  PRP lists and SGL segments are allocated in guest memory.
 */
void nvme_drv_map(NvmeDrv *d, NvmeCmd *cmd, const NvmeDrvBuf *b,
                  NvmeDrvDptr mode, const NvmeDrvBuf *meta, bool meta_sgl);

/*
 * MSI-X: enable it and route `vector` to a plain guest memory write of
 * `data` at `addr` (not the APIC window), so a test sees each message.
 */
void nvme_drv_msix_route(NvmeDrv *d, uint16_t vector, uint64_t addr,
                         uint32_t data);

/* Queues. */
NvmeDrvQueue *nvme_drv_ioq(NvmeDrv *d, uint16_t qid);
/* Ring a doorbell directly (for bad-input tests). */
void nvme_drv_ring_sq(NvmeDrv *d, uint16_t qid, uint32_t tail);
void nvme_drv_ring_cq(NvmeDrv *d, uint16_t qid, uint32_t head);

/*
 * Copy cmd into q's next SQ slot (cid assigned here), ring the doorbell.
 * Returns the cid.
 */
uint16_t nvme_drv_submit(NvmeDrv *d, NvmeDrvQueue *q, NvmeCmd *cmd);
/*
 * Wait for the next completion on q (stepping virtual time), consume it
 * and ring the CQ head doorbell.  Returns false on timeout or CFS.
 */
bool nvme_drv_reap(NvmeDrv *d, NvmeDrvQueue *q, NvmeCqe *cqe);
/*
 * Submit and wait.  Returns SCT << 8 | SC (0 on success), or
 * NVME_DRV_TIMEOUT / NVME_DRV_CFS.  cqe may be NULL.
 */
uint16_t nvme_drv_exec(NvmeDrv *d, NvmeDrvQueue *q, NvmeCmd *cmd,
                       NvmeCqe *cqe);
uint16_t nvme_drv_cqe_status(const NvmeCqe *cqe);
bool nvme_drv_cqe_dnr(const NvmeCqe *cqe);

/* Admin commands: all return the status as nvme_drv_exec() does. */
uint16_t nvme_drv_create_cq(NvmeDrv *d, uint16_t qid, uint16_t entries,
                            uint64_t addr, uint16_t flags, uint16_t vector);
uint16_t nvme_drv_create_sq(NvmeDrv *d, uint16_t qid, uint16_t entries,
                            uint64_t addr, uint16_t flags, uint16_t cqid);
uint16_t nvme_drv_delete_sq(NvmeDrv *d, uint16_t qid);
uint16_t nvme_drv_delete_cq(NvmeDrv *d, uint16_t qid);
/* Create CQ then SQ with id qid, physically contiguous, polled. */
uint16_t nvme_drv_create_ioq(NvmeDrv *d, uint16_t qid, uint16_t entries);
uint16_t nvme_drv_delete_ioq(NvmeDrv *d, uint16_t qid);
/* The same with interrupts enabled on MSI-X/INTx vector `vector`. */
uint16_t nvme_drv_create_ioq_irq(NvmeDrv *d, uint16_t qid, uint16_t entries,
                                 uint16_t vector);

uint16_t nvme_drv_identify(NvmeDrv *d, uint8_t cns, uint32_t nsid,
                           uint8_t csi, void *out4k);
uint16_t nvme_drv_get_log(NvmeDrv *d, uint8_t lid, uint32_t nsid,
                          uint64_t offset, void *out, size_t len);
uint16_t nvme_drv_set_features(NvmeDrv *d, uint8_t fid, uint32_t nsid,
                               uint32_t cdw11, uint32_t *result);
uint16_t nvme_drv_get_features(NvmeDrv *d, uint8_t fid, uint32_t nsid,
                               uint8_t sel, uint32_t cdw11,
                               uint32_t *result);
/* Format NVM: LBAF index, MSET, PI type, PIL, SES. */
uint16_t nvme_drv_format(NvmeDrv *d, uint32_t nsid, uint8_t lbaf, bool mset,
                         uint8_t pi, bool pil, uint8_t ses);

/* Identify Namespace (+ the NVM command set one when it answers). */
uint16_t nvme_drv_ns_probe(NvmeDrv *d, uint32_t nsid, NvmeDrvNs *ns);
/* LBAF index with these sizes and guard format, or -1. */
int nvme_drv_ns_find_lbaf(const NvmeDrvNs *ns, uint32_t lbads, uint16_t ms,
                          uint8_t pif);

/* NVM commands (on I/O queue q). */
uint16_t nvme_drv_rw(NvmeDrv *d, NvmeDrvQueue *q, const NvmeDrvRw *rw,
                     NvmeCqe *cqe);
/* Submit without waiting (reap with nvme_drv_reap); returns the cid. */
uint16_t nvme_drv_rw_submit(NvmeDrv *d, NvmeDrvQueue *q,
                            const NvmeDrvRw *rw);
/* Whether q's next completion entry has been posted (not consumed). */
bool nvme_drv_cq_pending(NvmeDrv *d, NvmeDrvQueue *q);
uint16_t nvme_drv_flush(NvmeDrv *d, NvmeDrvQueue *q, uint32_t nsid);
/* Dataset Management with one range, attribute AD (deallocate). */
uint16_t nvme_drv_dsm_deallocate(NvmeDrv *d, NvmeDrvQueue *q, uint32_t nsid,
                                 uint64_t slba, uint32_t nlb);

/* Is QEMU still alive and answering QMP? */
bool nvme_drv_qemu_alive(NvmeDrv *d);

#endif /* NVME_DRV_H */
