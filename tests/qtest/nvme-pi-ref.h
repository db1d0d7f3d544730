/*
 * nvme-pi qtests: the host's side of Protection Information.
 *
 * This header owns what a host computes for PI, written from the NVM
 * Command Set specification and independent of the device's PI engine
 * (hw/nvme-pi/pi.c); only the CRCs come from hw/nvme-pi/crc.c, which the
 * unit tests check against a bit-at-a-time reference.  Tests use it to
 * build valid tuples, to predict what PRACT generates, and to decode what
 * the device stored.
 *
 * Buffers are host images of nlb blocks: `data` holds each block's data
 * (followed by its metadata when the format is extended), `meta` holds the
 * separate metadata (NULL when extended or ms == 0).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef NVME_PI_REF_H
#define NVME_PI_REF_H

#include "nvme-drv.h"

typedef struct NvmeRefTuple {
    uint64_t guard;
    uint16_t apptag;
    uint64_t reftag;
} NvmeRefTuple;

/* PI tuple size for the format (0 when pi_type is 0). */
size_t nvme_ref_tuple_size(const NvmeDrvNs *ns);
/* Bytes of data buffer / metadata buffer for nlb blocks. */
size_t nvme_ref_data_len(const NvmeDrvNs *ns, uint32_t nlb);
size_t nvme_ref_meta_len(const NvmeDrvNs *ns, uint32_t nlb);
/* Block i's data and metadata within the host image. */
uint8_t *nvme_ref_blk_data(const NvmeDrvNs *ns, uint8_t *data, uint32_t i);
uint8_t *nvme_ref_blk_meta(const NvmeDrvNs *ns, uint8_t *data, uint8_t *meta,
                           uint32_t i);

/* Deterministic pattern over data and metadata, different per seed. */
void nvme_ref_pattern(const NvmeDrvNs *ns, uint8_t *data, uint8_t *meta,
                      uint32_t nlb, uint32_t seed);
/* The guard for one block (covers preceding metadata when PI is last). */
uint64_t nvme_ref_guard(const NvmeDrvNs *ns, const uint8_t *blk_data,
                        const uint8_t *blk_meta);
void nvme_ref_tuple_get(const NvmeDrvNs *ns, const uint8_t *blk_meta,
                        NvmeRefTuple *t);
void nvme_ref_tuple_set(const NvmeDrvNs *ns, uint8_t *blk_meta,
                        const NvmeRefTuple *t);
/*
 * Write valid tuples into every block, as PRACT would: guard over the
 * data, apptag, reftag = reftag0 + i for types 1 and 2, reftag0 for type 3
 * (truncated to 32 bits, or 48 for the 64b guard).
 */
void nvme_ref_protect(const NvmeDrvNs *ns, uint8_t *data, uint8_t *meta,
                      uint32_t nlb, uint64_t reftag0, uint16_t apptag);
/* Mask of the reference tag bits for the guard format. */
uint64_t nvme_ref_reftag_mask(const NvmeDrvNs *ns);

#endif /* NVME_PI_REF_H */
