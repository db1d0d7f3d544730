/*
 * nvme-pi: walking the guest's data and metadata pointers.
 *
 * This file owns the translation of a command's data pointer (PRP1/PRP2
 * with PRP lists, or an SGL of data block, segment, last segment and bit
 * bucket descriptors) and of its metadata pointer (contiguous or SGL)
 * into a list of guest-physical segments, and the copies between those
 * segments and the device's own bounce buffers.
 *
 * The I/O path is always "map the guest buffer, copy it into a bounce
 * buffer, verify PI on that copy, persist the copy" (and the reverse for
 * reads).  The copy is the only moment the device looks at guest
 * memory; the DMA-timing hooks (io.c, on timers, per dma-policy.c's
 * schedule) repeat it later into more bounce buffers to see what changed.
 *
 * Everything here is bounded by the transfer length, which the caller
 * has already bounded (MDTS for a data transfer, the structure's size
 * for admin data and DSM ranges), and by a cap on SGL descriptors:
 * garbage pointers give a status, never a loop or a crash.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "nvme-pi.h"
#include "dma.h"
#include "trace.h"

/* SGL descriptors walked per command, all segments together. */
#define NVME_PI_MAX_SGL_DESCS   4096

static void list_add(NvmePiDmaList *l, uint64_t addr, uint32_t len,
                     bool bucket)
{
    if (l->nseg && !bucket && !l->seg[l->nseg - 1].bucket &&
        l->seg[l->nseg - 1].addr + l->seg[l->nseg - 1].len == addr &&
        (uint64_t)l->seg[l->nseg - 1].len + len <= UINT32_MAX) {
        l->seg[l->nseg - 1].len += len;     /* merge contiguous pages */
    } else {
        if (l->nseg == l->alloc) {
            l->alloc = l->alloc ? l->alloc * 2 : 16;
            l->seg = g_renew(NvmePiDmaSeg, l->seg, l->alloc);
        }
        l->seg[l->nseg++] = (NvmePiDmaSeg) {
            .addr = addr, .len = len, .bucket = bucket,
        };
    }
    l->len += len;
}

void nvme_pi_dma_list_free(NvmePiDmaList *l)
{
    g_free(l->seg);
    memset(l, 0, sizeof(*l));
}

/* PRP1 may start anywhere dword aligned; later entries are page aligned. */
static uint16_t map_prp(NvmePiCtrl *n, uint64_t prp1, uint64_t prp2,
                        uint64_t len, NvmePiDmaList *l)
{
    uint64_t ps = n->page_size;
    uint64_t first = MIN(len, ps - (prp1 & (ps - 1)));
    uint64_t left = len - first;
    unsigned per_page = ps / 8;

    if (prp1 & 3) {
        trace_nvme_pi_prp_bad("PRP1 not dword aligned", prp1);
        return NVME_INVALID_PRP_OFFSET | NVME_PI_STATUS_DNR;
    }
    list_add(l, prp1, first, false);
    if (!left) {
        return NVME_SUCCESS;
    }
    if (left <= ps) {
        if (prp2 & (ps - 1)) {
            trace_nvme_pi_prp_bad("PRP2 entry not page aligned", prp2);
            return NVME_INVALID_PRP_OFFSET | NVME_PI_STATUS_DNR;
        }
        list_add(l, prp2, left, false);
        return NVME_SUCCESS;
    }

    /* PRP2 points to a PRP list, which may chain through its last entry. */
    if (prp2 & 7) {
        trace_nvme_pi_prp_bad("PRP list not qword aligned", prp2);
        return NVME_INVALID_PRP_OFFSET | NVME_PI_STATUS_DNR;
    }
    while (left) {
        unsigned idx = (prp2 & (ps - 1)) / 8;
        unsigned avail = per_page - idx;   /* entries left in this page */
        uint64_t need = DIV_ROUND_UP(left, ps);
        unsigned take = MIN(need, (uint64_t)avail);
        g_autofree uint64_t *ents = NULL;
        unsigned i;

        /* Not the last page of the list: its last entry is a pointer. */
        if (need > avail) {
            take = avail;
        }
        ents = g_new(uint64_t, take);
        if (pci_dma_read(PCI_DEVICE(n), prp2, ents, take * 8)) {
            trace_nvme_pi_prp_bad("PRP list unreadable", prp2);
            return NVME_DATA_TRAS_ERROR;
        }
        for (i = 0; i < take && left; i++) {
            uint64_t e = le64_to_cpu(ents[i]);

            if (need > avail && i == take - 1) {
                /* chain to the next list page, page aligned */
                if (e & (ps - 1)) {
                    trace_nvme_pi_prp_bad("PRP list chain misaligned", e);
                    return NVME_INVALID_PRP_OFFSET | NVME_PI_STATUS_DNR;
                }
                prp2 = e;
                break;
            }
            if (e & (ps - 1)) {
                trace_nvme_pi_prp_bad("PRP entry not page aligned", e);
                return NVME_INVALID_PRP_OFFSET | NVME_PI_STATUS_DNR;
            }
            list_add(l, e, MIN(left, ps), false);
            left -= MIN(left, ps);
        }
    }
    return NVME_SUCCESS;
}

/*
 * Walk an SGL starting at the descriptor in the command (or at MPTR for
 * metadata).  Data beyond len is ignored (SGLS advertises "excess
 * length"); fewer bytes than len is an error.
 */
static uint16_t map_sgl(NvmePiCtrl *n, NvmeSglDescriptor first, uint64_t len,
                        bool to_guest, bool meta, NvmePiDmaList *l)
{
    NvmeSglDescriptor *descs = &first;
    unsigned ndescs = 1, walked = 0;
    g_autofree NvmeSglDescriptor *buf = NULL;
    uint64_t left = len;
    uint16_t len_err = meta ? NVME_MD_SGL_LEN_INVALID
                            : NVME_DATA_SGL_LEN_INVALID;
    bool last_segment = false;

    for (;;) {
        unsigned i;
        NvmeSglDescriptor *next = NULL;

        for (i = 0; i < ndescs; i++) {
            NvmeSglDescriptor *d = &descs[i];
            uint8_t type = NVME_SGL_TYPE(d->type);
            uint64_t addr = le64_to_cpu(d->addr);
            uint32_t dlen = le32_to_cpu(d->len);

            if (++walked > NVME_PI_MAX_SGL_DESCS) {
                trace_nvme_pi_sgl_bad("too many descriptors", walked);
                return NVME_INVALID_NUM_SGL_DESCRS | NVME_PI_STATUS_DNR;
            }
            switch (type) {
            case NVME_SGL_DESCR_TYPE_DATA_BLOCK:
            case NVME_SGL_DESCR_TYPE_BIT_BUCKET:
                if (NVME_SGL_SUBTYPE(d->type) != NVME_SGL_DESCR_SUBTYPE_ADDRESS &&
                    type == NVME_SGL_DESCR_TYPE_DATA_BLOCK) {
                    trace_nvme_pi_sgl_bad("data block subtype", d->type);
                    return NVME_SGL_DESCR_TYPE_INVALID | NVME_PI_STATUS_DNR;
                }
                if (type == NVME_SGL_DESCR_TYPE_BIT_BUCKET && !to_guest) {
                    trace_nvme_pi_sgl_bad("bit bucket in a write", d->type);
                    return NVME_SGL_DESCR_TYPE_INVALID | NVME_PI_STATUS_DNR;
                }
                if (left && dlen) {
                    uint32_t take = MIN((uint64_t)dlen, left);

                    list_add(l, addr, take,
                             type == NVME_SGL_DESCR_TYPE_BIT_BUCKET);
                    left -= take;
                }
                break;
            case NVME_SGL_DESCR_TYPE_SEGMENT:
            case NVME_SGL_DESCR_TYPE_LAST_SEGMENT:
                /* Only the last descriptor of a segment may chain. */
                if (last_segment || i != ndescs - 1) {
                    trace_nvme_pi_sgl_bad("segment descriptor misplaced",
                                          walked);
                    return NVME_INVALID_SGL_SEG_DESCR | NVME_PI_STATUS_DNR;
                }
                if (!dlen || dlen % sizeof(NvmeSglDescriptor) ||
                    dlen / sizeof(NvmeSglDescriptor) >
                    NVME_PI_MAX_SGL_DESCS) {
                    trace_nvme_pi_sgl_bad("segment length", dlen);
                    return NVME_INVALID_SGL_SEG_DESCR | NVME_PI_STATUS_DNR;
                }
                next = d;
                break;
            default:
                trace_nvme_pi_sgl_bad("descriptor type", d->type);
                return NVME_SGL_DESCR_TYPE_INVALID | NVME_PI_STATUS_DNR;
            }
        }
        if (!next || !left) {
            break;
        }
        last_segment = NVME_SGL_TYPE(next->type) ==
                       NVME_SGL_DESCR_TYPE_LAST_SEGMENT;
        ndescs = le32_to_cpu(next->len) / sizeof(NvmeSglDescriptor);
        {
            uint64_t addr = le64_to_cpu(next->addr);

            g_free(buf);
            buf = g_new(NvmeSglDescriptor, ndescs);
            if (pci_dma_read(PCI_DEVICE(n), addr, buf,
                             ndescs * sizeof(NvmeSglDescriptor))) {
                trace_nvme_pi_sgl_bad("segment unreadable", addr);
                return NVME_DATA_TRAS_ERROR;
            }
        }
        descs = buf;
    }
    if (left) {
        trace_nvme_pi_sgl_bad("SGL shorter than the transfer", left);
        return len_err | NVME_PI_STATUS_DNR;
    }
    return NVME_SUCCESS;
}

uint16_t nvme_pi_dma_map_data(NvmePiCtrl *n, const NvmeCmd *cmd,
                              uint64_t len, bool to_guest,
                              NvmePiDmaList *l)
{
    memset(l, 0, sizeof(*l));
    if (!len) {
        return NVME_SUCCESS;
    }
    switch (NVME_CMD_FLAGS_PSDT(cmd->flags)) {
    case NVME_PSDT_PRP:
        return map_prp(n, le64_to_cpu(cmd->dptr.prp1),
                       le64_to_cpu(cmd->dptr.prp2), len, l);
    case NVME_PSDT_SGL_MPTR_CONTIGUOUS:
    case NVME_PSDT_SGL_MPTR_SGL:
        return map_sgl(n, cmd->dptr.sgl, len, to_guest, false, l);
    default:
        trace_nvme_pi_sgl_bad("PSDT reserved", cmd->flags);
        return NVME_INVALID_FIELD | NVME_PI_STATUS_DNR;
    }
}

uint16_t nvme_pi_dma_map_meta(NvmePiCtrl *n, const NvmeCmd *cmd,
                              uint64_t len, bool to_guest,
                              NvmePiDmaList *l)
{
    uint64_t mptr = le64_to_cpu(cmd->mptr);
    NvmeSglDescriptor d;

    memset(l, 0, sizeof(*l));
    if (!len) {
        return NVME_SUCCESS;
    }
    if (NVME_CMD_FLAGS_PSDT(cmd->flags) != NVME_PSDT_SGL_MPTR_SGL) {
        list_add(l, mptr, len, false);     /* one contiguous buffer */
        return NVME_SUCCESS;
    }
    /* MPTR points at the first descriptor of the metadata SGL. */
    if (pci_dma_read(PCI_DEVICE(n), mptr, &d, sizeof(d))) {
        trace_nvme_pi_sgl_bad("metadata SGL unreadable", mptr);
        return NVME_DATA_TRAS_ERROR;
    }
    return map_sgl(n, d, len, to_guest, true, l);
}

/*
 * The copies.  This is the device's one look at guest memory for a
 * transfer: future DMA-timing hooks go here.
 */
uint16_t nvme_pi_dma_from_guest(NvmePiCtrl *n, const NvmePiDmaList *l,
                                uint8_t *buf)
{
    unsigned i;

    for (i = 0; i < l->nseg; i++) {
        const NvmePiDmaSeg *s = &l->seg[i];

        if (pci_dma_read(PCI_DEVICE(n), s->addr, buf, s->len)) {
            trace_nvme_pi_dma_error("read", s->addr, s->len);
            return NVME_DATA_TRAS_ERROR;
        }
        buf += s->len;
    }
    return NVME_SUCCESS;
}

uint16_t nvme_pi_dma_to_guest(NvmePiCtrl *n, const NvmePiDmaList *l,
                              const uint8_t *buf)
{
    unsigned i;

    for (i = 0; i < l->nseg; i++) {
        const NvmePiDmaSeg *s = &l->seg[i];

        if (!s->bucket &&
            pci_dma_write(PCI_DEVICE(n), s->addr, buf, s->len)) {
            trace_nvme_pi_dma_error("write", s->addr, s->len);
            return NVME_DATA_TRAS_ERROR;
        }
        buf += s->len;
    }
    return NVME_SUCCESS;
}

/* Admin commands transfer with PRPs only (Base 4.1.1: SGLs are I/O only). */
static uint16_t admin_map(NvmePiCtrl *n, const NvmeCmd *cmd, uint64_t len,
                          NvmePiDmaList *l)
{
    memset(l, 0, sizeof(*l));
    if (NVME_CMD_FLAGS_PSDT(cmd->flags) != NVME_PSDT_PRP) {
        trace_nvme_pi_sgl_bad("SGL in an admin command", cmd->flags);
        return NVME_INVALID_FIELD | NVME_PI_STATUS_DNR;
    }
    return nvme_pi_dma_map_data(n, cmd, len, true, l);
}

uint16_t nvme_pi_dma_cmd_to_guest(NvmePiCtrl *n, const NvmeCmd *cmd,
                                  const void *buf, uint64_t len)
{
    NvmePiDmaList l;
    uint16_t status = admin_map(n, cmd, len, &l);

    if (status == NVME_SUCCESS) {
        status = nvme_pi_dma_to_guest(n, &l, buf);
    }
    nvme_pi_dma_list_free(&l);
    return status;
}

uint16_t nvme_pi_dma_cmd_from_guest(NvmePiCtrl *n, const NvmeCmd *cmd,
                                    void *buf, uint64_t len)
{
    NvmePiDmaList l;
    uint16_t status;

    memset(&l, 0, sizeof(l));
    status = nvme_pi_dma_map_data(n, cmd, len, false, &l);
    if (status == NVME_SUCCESS) {
        status = nvme_pi_dma_from_guest(n, &l, buf);
    }
    nvme_pi_dma_list_free(&l);
    return status;
}
