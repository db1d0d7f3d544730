/*
 * nvme-pi: Protection Information for one I/O command.  See pi-io.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_NVME_PI_PI_IO_H
#define HW_NVME_PI_PI_IO_H

/* A command's PRINFO and tags, decoded once. */
typedef struct NvmePiIoPi {
    unsigned prinfo;        /* PRACT | PRCHK bits (NVME_PRINFO_*) */
    uint64_t reftag;        /* ILBRT, 48-bit EILBRT with 64b guard */
    uint16_t apptag;
    uint16_t appmask;
} NvmePiIoPi;

void nvme_pi_io_pi_decode(const NvmePiNs *ns, const NvmeCmd *cmd,
                          unsigned prinfo, NvmePiIoPi *p);
/* Checks done before any data moves (INVALID_PROT_INFO). */
uint16_t nvme_pi_io_pi_precheck(const NvmePiNs *ns, uint64_t slba,
                                const NvmePiIoPi *p);
/* Whether metadata crosses the bus for this command (not stripped). */
bool nvme_pi_io_meta_xfer(const NvmePiNs *ns, const NvmePiIoPi *p);
/* Write: generate (PRACT) or verify the bounce copy. */
uint16_t nvme_pi_io_pi_write(NvmePiCtrl *n, NvmePiReq *req, uint64_t slba,
                             uint32_t nlb, const uint8_t *data,
                             uint8_t *meta, const NvmePiIoPi *p);
/* Read/compare/verify: check what the image holds. */
uint16_t nvme_pi_io_pi_read(NvmePiCtrl *n, NvmePiReq *req, uint64_t slba,
                            uint32_t nlb, const uint8_t *data,
                            const uint8_t *meta, const NvmePiIoPi *p);

#endif /* HW_NVME_PI_PI_IO_H */
