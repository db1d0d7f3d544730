/*
 * nvme-pi: guest data pointers (PRP, SGL, metadata pointer) as a list of
 * guest-physical segments, and the copies between them and the device's
 * bounce buffers.  See dma.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_NVME_PI_DMA_H
#define HW_NVME_PI_DMA_H

typedef struct NvmePiDmaSeg {
    uint64_t addr;
    uint32_t len;
    bool bucket;            /* SGL bit bucket: read data is discarded */
} NvmePiDmaSeg;

typedef struct NvmePiDmaList {
    NvmePiDmaSeg *seg;
    unsigned nseg;
    unsigned alloc;
    uint64_t len;           /* sum of seg[].len */
} NvmePiDmaList;

/* Data pointer (PRP or SGL per PSDT) covering exactly len bytes. */
uint16_t nvme_pi_dma_map_data(NvmePiCtrl *n, const NvmeCmd *cmd,
                              uint64_t len, bool to_guest,
                              NvmePiDmaList *l);
/* Metadata pointer (contiguous or SGL per PSDT) covering len bytes. */
uint16_t nvme_pi_dma_map_meta(NvmePiCtrl *n, const NvmeCmd *cmd,
                              uint64_t len, bool to_guest,
                              NvmePiDmaList *l);
void nvme_pi_dma_list_free(NvmePiDmaList *l);

/* Copy the list's bytes from guest memory into buf (l->len bytes). */
uint16_t nvme_pi_dma_from_guest(NvmePiCtrl *n, const NvmePiDmaList *l,
                                uint8_t *buf);
/* Copy buf (l->len bytes) to the guest; bit buckets are skipped. */
uint16_t nvme_pi_dma_to_guest(NvmePiCtrl *n, const NvmePiDmaList *l,
                              const uint8_t *buf);

/* Admin helpers: a whole buffer to/from the command's data pointer. */
uint16_t nvme_pi_dma_cmd_to_guest(NvmePiCtrl *n, const NvmeCmd *cmd,
                                  const void *buf, uint64_t len);
uint16_t nvme_pi_dma_cmd_from_guest(NvmePiCtrl *n, const NvmeCmd *cmd,
                                    void *buf, uint64_t len);

#endif /* HW_NVME_PI_DMA_H */
