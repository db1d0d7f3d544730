/*
 * nvme-pi: the NVM command set (I/O queues).
 *
 * This file owns Read, Write, Compare, Verify, Flush, Write Zeroes and
 * Dataset Management: decoding the command, range and size checks
 * (LBA range, MDTS), the shape of the transfer (extended LBA or separate
 * metadata buffer, metadata stripped or inserted by PRACT), and the
 * order of work.  Writes always go "map guest buffer -> copy into a
 * bounce buffer -> check PI on the copy -> persist"; reads "read the
 * image -> check PI -> copy to the guest".  PI decisions are in pi-io.c,
 * data pointers in dma.c, the image in ns.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "nvme-pi.h"
#include "dma.h"
#include "pi-io.h"
#include "trace.h"

/* Blocks per chunk for commands without a transfer (Verify, ...). */
#define NVME_PI_CHUNK_BLOCKS    256

typedef struct NvmePiXfer {
    uint64_t slba;
    uint32_t nlb;
    bool meta_xfer;         /* metadata crosses the bus */
    uint64_t data_len;      /* bytes through the data pointer */
    uint64_t meta_len;      /* bytes through the metadata pointer */
    NvmePiIoPi pi;
    uint8_t *data;          /* bounce: nlb * lbasz */
    uint8_t *meta;          /* bounce: nlb * ms */
    NvmePiDmaList dl, ml;
} NvmePiXfer;

static uint16_t nvme_pi_check_range(NvmePiNs *ns, uint64_t slba, uint64_t nlb)
{
    if (slba >= ns->nlbas || nlb > ns->nlbas - slba) {
        trace_nvme_pi_lba_range(slba, nlb, ns->nlbas);
        return NVME_LBA_RANGE | NVME_PI_STATUS_DNR;
    }
    return NVME_SUCCESS;
}

static void nvme_pi_xfer_free(NvmePiXfer *x)
{
    g_free(x->data);
    g_free(x->meta);
    nvme_pi_dma_list_free(&x->dl);
    nvme_pi_dma_list_free(&x->ml);
}

/*
 * Decode a read/write/compare, check it, size it, map the guest buffers
 * and allocate the bounce buffers.
 */
static uint16_t nvme_pi_xfer_prepare(NvmePiCtrl *n, NvmePiReq *req,
                                     bool to_guest, NvmePiXfer *x)
{
    NvmePiNs *ns = &n->ns;
    NvmeCmd *cmd = &req->cmd;
    uint32_t cdw12 = le32_to_cpu(cmd->cdw12);
    uint64_t max;
    uint16_t status;

    memset(x, 0, sizeof(*x));
    x->slba = le32_to_cpu(cmd->cdw10) |
              ((uint64_t)le32_to_cpu(cmd->cdw11) << 32);
    x->nlb = (cdw12 & 0xffff) + 1;
    nvme_pi_io_pi_decode(ns, cmd, (cdw12 >> 26) & 0xf, &x->pi);

    status = nvme_pi_check_range(ns, x->slba, x->nlb);
    if (status) {
        return status;
    }
    x->meta_xfer = nvme_pi_io_meta_xfer(ns, &x->pi);
    x->data_len = (uint64_t)x->nlb * ns->lbasz;
    if (x->meta_xfer) {
        if (ns->extended) {
            x->data_len += (uint64_t)x->nlb * ns->ms;
        } else {
            x->meta_len = (uint64_t)x->nlb * ns->ms;
        }
    }
    max = n->mdts ? (4096ULL << n->mdts) : UINT64_MAX;
    if (x->data_len > max) {
        trace_nvme_pi_mdts(x->data_len, max);
        return NVME_INVALID_FIELD | NVME_PI_STATUS_DNR;
    }
    status = nvme_pi_io_pi_precheck(ns, x->slba, &x->pi);
    if (status) {
        return status;
    }
    status = nvme_pi_dma_map_data(n, cmd, x->data_len, to_guest, &x->dl);
    if (status) {
        return status;
    }
    status = nvme_pi_dma_map_meta(n, cmd, x->meta_len, to_guest, &x->ml);
    if (status) {
        return status;
    }
    x->data = g_try_malloc((size_t)x->nlb * ns->lbasz);
    x->meta = g_try_malloc0((size_t)x->nlb * ns->ms + 1);
    if (!x->data || !x->meta) {
        trace_nvme_pi_nomem(x->data_len);
        return NVME_INTERNAL_DEV_ERROR;
    }
    return NVME_SUCCESS;
}

/* Guest -> bounce: the one copy of the guest's buffer. */
static uint16_t nvme_pi_xfer_in(NvmePiCtrl *n, NvmePiXfer *x)
{
    NvmePiNs *ns = &n->ns;
    uint16_t status;

    if (x->meta_xfer && ns->extended) {
        g_autofree uint8_t *wire = g_try_malloc(x->data_len);
        uint32_t i;

        if (!wire) {
            return NVME_INTERNAL_DEV_ERROR;
        }
        status = nvme_pi_dma_from_guest(n, &x->dl, wire);
        for (i = 0; status == NVME_SUCCESS && i < x->nlb; i++) {
            const uint8_t *b = wire + (size_t)i * (ns->lbasz + ns->ms);

            memcpy(x->data + (size_t)i * ns->lbasz, b, ns->lbasz);
            memcpy(x->meta + (size_t)i * ns->ms, b + ns->lbasz, ns->ms);
        }
        return status;
    }
    status = nvme_pi_dma_from_guest(n, &x->dl, x->data);
    if (status == NVME_SUCCESS && x->meta_len) {
        status = nvme_pi_dma_from_guest(n, &x->ml, x->meta);
    }
    return status;
}

/* Bounce -> guest. */
static uint16_t nvme_pi_xfer_out(NvmePiCtrl *n, NvmePiXfer *x)
{
    NvmePiNs *ns = &n->ns;
    uint16_t status;

    if (x->meta_xfer && ns->extended) {
        g_autofree uint8_t *wire = g_try_malloc(x->data_len);
        uint32_t i;

        if (!wire) {
            return NVME_INTERNAL_DEV_ERROR;
        }
        for (i = 0; i < x->nlb; i++) {
            uint8_t *b = wire + (size_t)i * (ns->lbasz + ns->ms);

            memcpy(b, x->data + (size_t)i * ns->lbasz, ns->lbasz);
            memcpy(b + ns->lbasz, x->meta + (size_t)i * ns->ms, ns->ms);
        }
        return nvme_pi_dma_to_guest(n, &x->dl, wire);
    }
    status = nvme_pi_dma_to_guest(n, &x->dl, x->data);
    if (status == NVME_SUCCESS && x->meta_len) {
        status = nvme_pi_dma_to_guest(n, &x->ml, x->meta);
    }
    return status;
}

static uint16_t nvme_pi_write(NvmePiCtrl *n, NvmePiReq *req)
{
    NvmePiNs *ns = &n->ns;
    bool fua = le32_to_cpu(req->cmd.cdw12) & NVME_RW_FUA;
    NvmePiXfer x;
    uint16_t status;

    status = nvme_pi_xfer_prepare(n, req, false, &x);
    if (!status) {
        status = nvme_pi_xfer_in(n, &x);
    }
    if (!status) {
        status = nvme_pi_io_pi_write(n, req, x.slba, x.nlb, x.data, x.meta,
                                     &x.pi);
    }
    if (!status) {
        status = nvme_pi_ns_write(ns, x.slba, x.nlb, x.data,
                                  ns->ms ? x.meta : NULL, fua);
    }
    if (!status) {
        n->host_writes++;
        n->units_written += (uint64_t)x.nlb * ns->lbasz / 512;
    }
    nvme_pi_xfer_free(&x);
    return status;
}

static uint16_t nvme_pi_read(NvmePiCtrl *n, NvmePiReq *req)
{
    NvmePiNs *ns = &n->ns;
    NvmePiXfer x;
    uint16_t status;

    status = nvme_pi_xfer_prepare(n, req, true, &x);
    if (!status) {
        status = nvme_pi_ns_read(ns, x.slba, x.nlb, x.data, x.meta);
    }
    if (!status) {
        status = nvme_pi_io_pi_read(n, req, x.slba, x.nlb, x.data, x.meta,
                                    &x.pi);
    }
    if (!status) {
        status = nvme_pi_xfer_out(n, &x);
    }
    if (!status) {
        n->host_reads++;
        n->units_read += (uint64_t)x.nlb * ns->lbasz / 512;
    }
    nvme_pi_xfer_free(&x);
    return status;
}

static uint16_t nvme_pi_compare(NvmePiCtrl *n, NvmePiReq *req)
{
    NvmePiNs *ns = &n->ns;
    NvmePiXfer x;
    g_autofree uint8_t *data = NULL, *meta = NULL;
    uint16_t status;

    status = nvme_pi_xfer_prepare(n, req, false, &x);
    if (!status) {
        status = nvme_pi_ns_read(ns, x.slba, x.nlb, x.data, x.meta);
    }
    if (!status) {
        status = nvme_pi_io_pi_read(n, req, x.slba, x.nlb, x.data, x.meta,
                                    &x.pi);
    }
    if (!status) {
        /* Keep the stored copy; read the host's into fresh buffers. */
        data = x.data;
        meta = x.meta;
        x.data = g_try_malloc((size_t)x.nlb * ns->lbasz);
        x.meta = g_try_malloc0((size_t)x.nlb * ns->ms + 1);
        status = x.data && x.meta ? nvme_pi_xfer_in(n, &x)
                                  : NVME_INTERNAL_DEV_ERROR;
    }
    if (!status &&
        (memcmp(data, x.data, (size_t)x.nlb * ns->lbasz) ||
         (x.meta_xfer && memcmp(meta, x.meta, (size_t)x.nlb * ns->ms)))) {
        trace_nvme_pi_compare_fail(x.slba, x.nlb);
        status = NVME_CMP_FAILURE;
    }
    nvme_pi_xfer_free(&x);
    return status;
}

/* Verify: read and check, nothing crosses the bus; no MDTS limit. */
static uint16_t nvme_pi_verify(NvmePiCtrl *n, NvmePiReq *req)
{
    NvmePiNs *ns = &n->ns;
    NvmeCmd *cmd = &req->cmd;
    uint32_t cdw12 = le32_to_cpu(cmd->cdw12);
    uint64_t slba = le32_to_cpu(cmd->cdw10) |
                    ((uint64_t)le32_to_cpu(cmd->cdw11) << 32);
    uint32_t nlb = (cdw12 & 0xffff) + 1, done = 0;
    g_autofree uint8_t *data = NULL, *meta = NULL;
    NvmePiIoPi p;
    uint16_t status;

    nvme_pi_io_pi_decode(ns, cmd, (cdw12 >> 26) & 0xf, &p);
    status = nvme_pi_check_range(ns, slba, nlb);
    if (!status) {
        status = nvme_pi_io_pi_precheck(ns, slba, &p);
    }
    if (status) {
        return status;
    }
    data = g_malloc((size_t)NVME_PI_CHUNK_BLOCKS * ns->lbasz);
    meta = g_malloc0((size_t)NVME_PI_CHUNK_BLOCKS * ns->ms + 1);
    while (!status && done < nlb) {
        uint32_t cnt = MIN(nlb - done, NVME_PI_CHUNK_BLOCKS);
        NvmePiIoPi cp = p;

        if (ns->pi != 3) {
            cp.reftag = p.reftag + done;
        }
        status = nvme_pi_ns_read(ns, slba + done, cnt, data, meta);
        if (!status) {
            status = nvme_pi_io_pi_read(n, req, slba + done, cnt, data, meta,
                                        &cp);
        }
        done += cnt;
    }
    return status;
}

static uint16_t nvme_pi_write_zeroes(NvmePiCtrl *n, NvmePiReq *req)
{
    NvmePiNs *ns = &n->ns;
    NvmeCmd *cmd = &req->cmd;
    uint32_t cdw12 = le32_to_cpu(cmd->cdw12);
    uint64_t slba = le32_to_cpu(cmd->cdw10) |
                    ((uint64_t)le32_to_cpu(cmd->cdw11) << 32);
    uint32_t nlb = (cdw12 & 0xffff) + 1, done = 0;
    g_autofree uint8_t *data = NULL, *meta = NULL;
    NvmePiIoPi p;
    PiCtx ctx;
    uint16_t status;

    nvme_pi_io_pi_decode(ns, cmd, (cdw12 >> 26) & 0xf, &p);
    status = nvme_pi_check_range(ns, slba, nlb);
    if (status) {
        return status;
    }
    if (!ns->pi || !(p.prinfo & NVME_PRINFO_PRACT)) {
        if (cdw12 & NVME_PI_WZ_DEAC) {
            return nvme_pi_ns_deallocate(ns, slba, nlb);
        }
        /* Zero data and zero metadata (no PI generated without PRACT). */
        data = g_malloc0((size_t)NVME_PI_CHUNK_BLOCKS * ns->lbasz);
        meta = g_malloc0((size_t)NVME_PI_CHUNK_BLOCKS * ns->ms + 1);
    } else {
        data = g_malloc0((size_t)NVME_PI_CHUNK_BLOCKS * ns->lbasz);
        meta = g_malloc0((size_t)NVME_PI_CHUNK_BLOCKS * ns->ms + 1);
    }
    while (!status && done < nlb) {
        uint32_t cnt = MIN(nlb - done, NVME_PI_CHUNK_BLOCKS);

        if (ns->pi && (p.prinfo & NVME_PRINFO_PRACT)) {
            uint64_t ref = ns->pi == 3 ? p.reftag : p.reftag + done;

            memset(meta, 0, (size_t)cnt * ns->ms);
            pi_ctx_init(&ctx, &ns->pifmt, 0, ref, p.apptag, p.appmask);
            pi_generate(&ctx, data, meta, cnt);
        }
        status = nvme_pi_ns_write(ns, slba + done, cnt, data,
                                  ns->ms ? meta : NULL, false);
        done += cnt;
    }
    return status;
}

static uint16_t nvme_pi_dsm(NvmePiCtrl *n, NvmePiReq *req)
{
    NvmePiNs *ns = &n->ns;
    NvmeCmd *cmd = &req->cmd;
    unsigned nr = (le32_to_cpu(cmd->cdw10) & 0xff) + 1;
    uint32_t attr = le32_to_cpu(cmd->cdw11);
    NvmeDsmRange ranges[256];
    uint16_t status;
    unsigned i;

    if (!(attr & NVME_DSMGMT_AD)) {
        return NVME_SUCCESS;    /* hints only */
    }
    status = nvme_pi_dma_cmd_from_guest(n, cmd, ranges, nr * sizeof(ranges[0]));
    if (status) {
        return status;
    }
    for (i = 0; i < nr; i++) {
        status = nvme_pi_check_range(ns, le64_to_cpu(ranges[i].slba),
                                     le32_to_cpu(ranges[i].nlb));
        if (status) {
            return status;
        }
    }
    for (i = 0; i < nr && !status; i++) {
        if (le32_to_cpu(ranges[i].nlb)) {
            status = nvme_pi_ns_deallocate(ns, le64_to_cpu(ranges[i].slba),
                                           le32_to_cpu(ranges[i].nlb));
        }
    }
    return status;
}

static uint16_t nvme_pi_io_dispatch(NvmePiCtrl *n, NvmePiReq *req)
{
    uint32_t nsid = le32_to_cpu(req->cmd.nsid);

    if (req->cmd.opcode == NVME_CMD_FLUSH && nsid == NVME_NSID_BROADCAST &&
        n->ns.present) {
        return nvme_pi_ns_flush(&n->ns);
    }
    if (nsid != NVME_PI_NSID || !n->ns.present) {
        trace_nvme_pi_io_bad_nsid(nsid);
        return NVME_INVALID_NSID | NVME_PI_STATUS_DNR;
    }
    switch (req->cmd.opcode) {
    case NVME_CMD_FLUSH:
        return nvme_pi_ns_flush(&n->ns);
    case NVME_CMD_WRITE:
        return nvme_pi_write(n, req);
    case NVME_CMD_READ:
        return nvme_pi_read(n, req);
    case NVME_CMD_COMPARE:
        return nvme_pi_compare(n, req);
    case NVME_CMD_WRITE_ZEROES:
        return nvme_pi_write_zeroes(n, req);
    case NVME_CMD_DSM:
        return nvme_pi_dsm(n, req);
    case NVME_CMD_VERIFY:
        return nvme_pi_verify(n, req);
    default:
        trace_nvme_pi_io_bad_opcode(req->cmd.opcode);
        return NVME_INVALID_OPCODE | NVME_PI_STATUS_DNR;
    }
}

/*
 * Failed I/O commands go to the Error Information log; PI failures are
 * logged where they are found, with the failing block's LBA.
 */
uint16_t nvme_pi_io_cmd(NvmePiCtrl *n, NvmePiReq *req)
{
    uint16_t status = nvme_pi_io_dispatch(n, req);
    uint16_t sc = status & 0x7ff;

    if (status && status != NVME_NO_COMPLETE &&
        sc != NVME_E2E_GUARD_ERROR && sc != NVME_E2E_APP_ERROR &&
        sc != NVME_E2E_REF_ERROR) {
        uint64_t slba = le32_to_cpu(req->cmd.cdw10) |
                        ((uint64_t)le32_to_cpu(req->cmd.cdw11) << 32);

        nvme_pi_error_log_add(n, req, status, slba,
                              le32_to_cpu(req->cmd.nsid));
    }
    return status;
}
