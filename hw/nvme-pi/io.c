/*
 * nvme-pi: the NVM command set (I/O queues).
 *
 * This file owns Read, Write, Compare, Verify, Flush, Write Zeroes and
 * Dataset Management: decoding the command, range and size checks
 * (LBA range, MDTS), the shape of the transfer (extended LBA or separate
 * metadata buffer, metadata stripped or inserted by PRACT), and the
 * order of work.  Writes go "map guest buffer -> copy into a bounce
 * buffer -> (DMA-timing hooks: copy it again into more bounce buffers on
 * timers, assemble per dma-source, record a mutation) -> check PI on the
 * bytes to persist -> persist"; reads "read the image -> check PI -> copy
 * to the guest -> (read-complete-delay) -> complete".
 *
 * Read, Write and Flush are asynchronous: the block I/O is started from
 * the queue bottom half and completes from the main loop, with any number
 * of commands in flight and completions in any order; hook delays are
 * timers on the hook clock (dma-clock), never a sleep.  Compare, Verify,
 * Write Zeroes and Dataset Management are jobs (job.c): bounded steps of
 * synchronous block I/O under the range lock, spread over the main loop.
 * At a power cut, the writes the hooks hold land as power-cut says.
 * PI decisions are in pi-io.c, data pointers in dma.c, the image in
 * ns.c, the mutation recorder in record.c, the hook policy in
 * dma-policy.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/memalign.h"
#include "nvme-pi.h"
#include "dma.h"
#include "pi-io.h"
#include "trace.h"

typedef struct NvmePiIo NvmePiIo;
/* One step of a long command; NVME_NO_COMPLETE while there is more. */
typedef uint16_t NvmePiStepFn(NvmePiCtrl *n, NvmePiReq *req, NvmePiIo *io);

typedef struct NvmePiXfer {
    NvmePiNs *ns;
    uint64_t slba;
    uint32_t nlb;
    bool meta_xfer;         /* metadata crosses the bus */
    uint64_t data_len;      /* bytes through the data pointer */
    uint64_t meta_len;      /* bytes through the metadata pointer */
    NvmePiIoPi pi;
    uint8_t *data;          /* bounce: nlb * lbasz, block-aligned */
    uint8_t *meta;          /* bounce: nlb * ms (+1, never empty) */
    NvmePiDmaList dl, ml;
} NvmePiXfer;

/*
 * An I/O command in flight.  A write reads the guest buffer
 * sched.nreads times (DMA-timing hooks): read 0 into dreads[0]/mreads[0]
 * at fetch, the others on timers; x.data/x.meta then point at the bytes
 * persisted (one of the reads, or their assembly per dma-source).
 */
struct NvmePiIo {
    NvmePiCtrl *n;
    NvmePiReq *req;
    NvmePiXfer x;
    NvmePiNsAio aio;
    bool in_aio;            /* block I/O outstanding: free when it returns */
    bool fua;
    uint16_t status;
    DmaSchedule sched;
    uint32_t nread;         /* reads done */
    uint8_t *dreads[DMA_MAX_READS];
    uint8_t *mreads[DMA_MAX_READS];
    int64_t fetch_ns;
    QEMUTimer *timer;
    void (*timer_fn)(struct NvmePiIo *io);
    /* A long command (job.c): its step, range and progress. */
    NvmePiStepFn *step_fn;
    NvmePiRange range;
    NvmePiJob job;
    bool started;           /* step_fn decoded the command */
    bool deallocate;        /* Write Zeroes by deallocation */
    uint64_t done;          /* blocks done (of the current DSM range) */
    NvmeDsmRange *dsm;      /* DSM: the ranges, fetched at the first step */
    unsigned dsm_nr, dsm_i;
};

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
    qemu_vfree(x->data);
    g_free(x->meta);
    x->data = NULL;
    x->meta = NULL;
    nvme_pi_dma_list_free(&x->dl);
    nvme_pi_dma_list_free(&x->ml);
}

/* SLBA, NLB and the PI fields of a Read-family command, range-checked. */
static uint16_t nvme_pi_rw_decode(NvmePiReq *req, uint64_t *slba,
                                      uint32_t *nlb, NvmePiIoPi *p)
{
    NvmeCmd *cmd = &req->cmd;
    uint32_t cdw12 = le32_to_cpu(cmd->cdw12);

    *slba = le32_to_cpu(cmd->cdw10) |
            ((uint64_t)le32_to_cpu(cmd->cdw11) << 32);
    *nlb = NVME_PI_RW_NLB(cdw12) + 1;
    nvme_pi_io_pi_decode(req->ns, cmd, (cdw12 >> 26) & 0xf, p);
    return nvme_pi_check_range(req->ns, *slba, *nlb);
}

/*
 * Decode a read/write/compare, check it, size it, map the guest buffers
 * and allocate the bounce buffers.
 */
static uint16_t nvme_pi_xfer_prepare(NvmePiCtrl *n, NvmePiReq *req,
                                     bool to_guest, NvmePiXfer *x)
{
    NvmePiNs *ns = req->ns;
    NvmeCmd *cmd = &req->cmd;
    uint64_t max;
    uint16_t status;

    memset(x, 0, sizeof(*x));
    x->ns = ns;
    status = nvme_pi_rw_decode(req, &x->slba, &x->nlb, &x->pi);
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
    x->data = blk_try_blockalign(ns->blk, (size_t)x->nlb * ns->lbasz);
    x->meta = g_try_malloc0((size_t)x->nlb * ns->ms + 1);
    if (!x->data || !x->meta) {
        trace_nvme_pi_nomem(x->data_len);
        return NVME_INTERNAL_DEV_ERROR;
    }
    return NVME_SUCCESS;
}

/* Guest -> bounce: one read of the guest's buffer into data/meta. */
static uint16_t nvme_pi_xfer_in_to(NvmePiCtrl *n, NvmePiXfer *x,
                                   uint8_t *data, uint8_t *meta)
{
    NvmePiNs *ns = x->ns;
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

            memcpy(data + (size_t)i * ns->lbasz, b, ns->lbasz);
            memcpy(meta + (size_t)i * ns->ms, b + ns->lbasz, ns->ms);
        }
        return status;
    }
    status = nvme_pi_dma_from_guest(n, &x->dl, data);
    if (status == NVME_SUCCESS && x->meta_len) {
        status = nvme_pi_dma_from_guest(n, &x->ml, meta);
    }
    return status;
}

static uint16_t nvme_pi_xfer_in(NvmePiCtrl *n, NvmePiXfer *x)
{
    return nvme_pi_xfer_in_to(n, x, x->data, x->meta);
}

/* Bounce -> guest. */
static uint16_t nvme_pi_xfer_out(NvmePiCtrl *n, NvmePiXfer *x)
{
    NvmePiNs *ns = x->ns;
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

/* ---- Commands in flight ---- */

static NvmePiIo *nvme_pi_io_new(NvmePiCtrl *n, NvmePiReq *req)
{
    NvmePiIo *io = g_new0(NvmePiIo, 1);

    io->n = n;
    io->req = req;
    req->io = io;
    return io;
}

static void nvme_pi_io_free(NvmePiIo *io)
{
    uint32_t i;

    if (io->timer) {
        timer_free(io->timer);
    }
    /* dreads[0]/mreads[0] may be the persisted buffers themselves. */
    if (io->x.data == io->dreads[0]) {
        io->x.data = NULL;
    }
    if (io->x.meta == io->mreads[0]) {
        io->x.meta = NULL;
    }
    for (i = 0; i < DMA_MAX_READS; i++) {
        qemu_vfree(io->dreads[i]);
        g_free(io->mreads[i]);
    }
    nvme_pi_xfer_free(&io->x);
    g_free(io->dsm);
    g_free(io);
}

/*
 * The end of an I/O command, whatever path it took.  Failed commands go
 * to the Error Information log; PI failures were logged where they were
 * found, with the failing block's LBA.
 */
static void nvme_pi_io_error_log(NvmePiCtrl *n, NvmePiReq *req,
                                 uint16_t status)
{
    uint16_t sc = status & 0x7ff;

    if (status && status != NVME_NO_COMPLETE &&
        sc != NVME_E2E_GUARD_ERROR && sc != NVME_E2E_APP_ERROR &&
        sc != NVME_E2E_REF_ERROR) {
        uint64_t slba = le32_to_cpu(req->cmd.cdw10) |
                        ((uint64_t)le32_to_cpu(req->cmd.cdw11) << 32);

        nvme_pi_error_log_add(n, req, status, slba,
                              le32_to_cpu(req->cmd.nsid));
    }
}

static void nvme_pi_io_finish(NvmePiIo *io, uint16_t status)
{
    NvmePiCtrl *n = io->n;
    NvmePiReq *req = io->req;

    nvme_pi_io_free(io);
    req->io = NULL;
    if (req->aborted) {
        g_free(req);
        return;
    }
    nvme_pi_io_error_log(n, req, status);
    nvme_pi_req_complete(n, req, status);
}

void nvme_pi_io_abort(NvmePiCtrl *n, NvmePiReq *req)
{
    NvmePiIo *io = req->io;

    if (!io) {
        g_free(req);    /* completed synchronously: never here */
        return;
    }
    /* A long command whose job started never comes here (queue.c). */
    if (io->step_fn) {
        if (!nvme_pi_ns_range_cancel(req->ns, &io->range)) {
            return;     /* not waiting: cannot be, see above */
        }
    } else if (io->in_aio && !nvme_pi_ns_aio_cancel(req->ns, &io->aio)) {
        return;         /* the block I/O callback frees it */
    }
    /*
     * Waiting on a DMA-timing timer or for an overlapping range: nothing
     * else refers to it.
     */
    nvme_pi_io_free(io);
    g_free(req);
}

static void nvme_pi_io_timer_cb(void *opaque)
{
    NvmePiIo *io = opaque;

    io->timer_fn(io);
}

/* Run fn at fetch + at_ns on the hook clock. */
static void nvme_pi_io_arm(NvmePiIo *io, uint64_t at_ns,
                           void (*fn)(NvmePiIo *io))
{
    if (!io->timer) {
        io->timer = timer_new_ns(io->n->hook_clock, nvme_pi_io_timer_cb, io);
    }
    io->timer_fn = fn;
    timer_mod_ns(io->timer, io->fetch_ns + (int64_t)at_ns);
}

/* Block I/O returned: a command whose SQ was deleted just goes away. */
static bool nvme_pi_io_aio_back(NvmePiIo *io)
{
    io->in_aio = false;
    if (io->req->aborted) {
        NvmePiReq *req = io->req;

        nvme_pi_io_free(io);
        g_free(req);
        return false;
    }
    return true;
}

/* ---- Write ---- */

static void nvme_pi_write_done(void *opaque, int ret)
{
    NvmePiIo *io = opaque;
    NvmePiCtrl *n = io->n;

    if (!nvme_pi_io_aio_back(io)) {
        return;
    }
    if (ret < 0) {
        trace_nvme_pi_ns_io_error("write", io->x.slba, io->x.nlb);
        nvme_pi_io_finish(io, NVME_WRITE_FAULT);
        return;
    }
    n->host_writes++;
    n->units_written += (uint64_t)io->x.nlb * io->x.ns->lbasz / 512;
    nvme_pi_io_finish(io, NVME_SUCCESS);
}

/*
 * Every read of the guest buffer is done: choose the bytes to persist
 * (dma-source), record a mutation if the reads differ, check PI on the
 * chosen bytes -- the device verifies what it persists -- and persist.
 */
static void nvme_pi_write_reads_done(NvmePiIo *io)
{
    NvmePiCtrl *n = io->n;
    NvmePiXfer *x = &io->x;
    NvmePiNs *ns = x->ns;
    uint32_t nreads = io->sched.nreads;
    size_t dlen = (size_t)x->nlb * ns->lbasz;
    size_t mlen = (size_t)x->nlb * ns->ms;
    MutationEvent ev;
    bool mutated = false;
    uint16_t status;

#ifndef NVME_PI_NO_HOOKS
    if (nreads > 1) {
        DmaSource src = ns->policy.source;

        n->mut.writes_checked++;
        ns->mut.writes_checked++;
        if (src != DMA_SOURCE_FIRST) {
            x->data = blk_try_blockalign(ns->blk, dlen);
            x->meta = g_try_malloc0(mlen + 1);
            if (!x->data || !x->meta) {
                trace_nvme_pi_nomem(dlen);
                nvme_pi_io_finish(io, NVME_INTERNAL_DEV_ERROR);
                return;
            }
            dma_source_assemble(src, (const uint8_t *const *)io->dreads,
                                nreads, dlen, x->data);
            dma_source_assemble(src, (const uint8_t *const *)io->mreads,
                                nreads, mlen, x->meta);
        }
        mutated = nvme_pi_record_diff(n, io->req, x->slba, x->nlb,
                                      io->dreads, io->mreads, nreads, &ev);
        if (!mutated) {
            trace_nvme_pi_hook_same(io->req->sq->sqid,
                                    le16_to_cpu(io->req->cmd.cid), nreads);
        }
    }
#else
    (void)nreads;
    (void)dlen;
    (void)mlen;
    (void)ev;
    (void)mutated;
#endif
    status = nvme_pi_io_pi_write(n, io->req, x->slba, x->nlb, x->data,
                                 x->meta, &x->pi);
#ifndef NVME_PI_NO_HOOKS
    if (mutated) {
        nvme_pi_record_event(n, ns, &ev, status);
    }
#endif
    if (status) {
        nvme_pi_io_finish(io, status);
        return;
    }
    io->in_aio = true;
    nvme_pi_ns_aio(ns, true, x->slba, x->nlb, x->data,
                   ns->ms ? x->meta : NULL, io->fua, &io->aio,
                   nvme_pi_write_done, io);
}

#ifndef NVME_PI_NO_HOOKS
/* A DMA-timing hook's timer: read the guest buffer once more. */
static void nvme_pi_write_reread(NvmePiIo *io)
{
    NvmePiCtrl *n = io->n;
    NvmePiNs *ns = io->x.ns;
    uint32_t i = io->nread;
    uint16_t status;

    trace_nvme_pi_hook_read(io->req->sq->sqid, le16_to_cpu(io->req->cmd.cid),
                            i, io->sched.nreads, io->sched.at_ns[i]);
    io->dreads[i] = blk_try_blockalign(ns->blk,
                                       (size_t)io->x.nlb * ns->lbasz);
    io->mreads[i] = g_try_malloc0((size_t)io->x.nlb * ns->ms + 1);
    if (!io->dreads[i] || !io->mreads[i]) {
        trace_nvme_pi_nomem(io->x.data_len);
        nvme_pi_io_finish(io, NVME_INTERNAL_DEV_ERROR);
        return;
    }
    status = nvme_pi_xfer_in_to(n, &io->x, io->dreads[i], io->mreads[i]);
    if (status) {
        nvme_pi_io_finish(io, status);
        return;
    }
    io->nread++;
    if (io->nread < io->sched.nreads) {
        nvme_pi_io_arm(io, io->sched.at_ns[io->nread], nvme_pi_write_reread);
    } else {
        nvme_pi_write_reads_done(io);
    }
}
#endif

static uint16_t nvme_pi_write(NvmePiCtrl *n, NvmePiReq *req)
{
    NvmePiIo *io = nvme_pi_io_new(n, req);
    NvmePiXfer *x = &io->x;
    uint16_t status;

    io->fua = le32_to_cpu(req->cmd.cdw12) & NVME_RW_FUA;
    status = nvme_pi_xfer_prepare(n, req, false, x);
    if (!status) {
        /* Read 0, at fetch: all a controller without hooks does. */
        status = nvme_pi_xfer_in(n, x);
    }
    if (status) {
        nvme_pi_io_free(io);
        req->io = NULL;
        return status;
    }
    io->dreads[0] = x->data;
    io->mreads[0] = x->meta;
    io->nread = 1;
#ifdef NVME_PI_NO_HOOKS
    /*
     * bench/hooks-overhead's reference build (-DNVME_PI_NO_HOOKS): the
     * write path without the DMA-timing hooks compiled in, to measure what
     * they cost when off.  Never the default.
     */
    io->sched.nreads = 1;
    nvme_pi_write_reads_done(io);
    return NVME_NO_COMPLETE;
#else
    if (dma_policy_is_off(&req->ns->policy)) {
        io->sched.nreads = 1;
        nvme_pi_write_reads_done(io);
        return NVME_NO_COMPLETE;
    }
    io->fetch_ns = qemu_clock_get_ns(n->hook_clock);
    dma_policy_schedule(&req->ns->policy, &req->ns->rng, &io->sched);
    trace_nvme_pi_hook_schedule(req->sq->sqid, le16_to_cpu(req->cmd.cid),
                                x->slba, x->nlb, io->sched.nreads,
                                io->sched.at_ns[io->sched.nreads - 1]);
    if (io->sched.nreads == 1) {
        nvme_pi_write_reads_done(io);
    } else {
        nvme_pi_io_arm(io, io->sched.at_ns[1], nvme_pi_write_reread);
    }
    return NVME_NO_COMPLETE;
#endif
}

/*
 * ---- Power cut ----
 *
 * The power fails while the hooks hold a write (a read of its buffer
 * still to come): the device decides what of it reaches the media
 * (power-cut, dma-policy.h), reading the guest buffer one last time as
 * it is at the cut for last and torn.  The device does not check PI on
 * these bytes (nobody is told the outcome); a torn block fails its PI
 * check when it is read, as on a real drive.  The harness stops the VM
 * before the cut, so no other block I/O is under way.
 */
#ifndef NVME_PI_NO_HOOKS
static bool nvme_pi_write_held(NvmePiIo *io)
{
    return io->timer_fn == nvme_pi_write_reread && io->timer &&
           timer_pending(io->timer);
}

/* Persist the first `keep` bytes of data (and the metadata of the
 * blocks they cover whole); the rest of the range stays as it was. */
static uint16_t nvme_pi_write_cut_persist(NvmePiIo *io, const uint8_t *data,
                                          const uint8_t *meta, size_t keep)
{
    NvmePiXfer *x = &io->x;
    NvmePiNs *ns = x->ns;
    size_t dlen = (size_t)x->nlb * ns->lbasz;
    uint8_t *old;
    g_autofree uint8_t *oldm = NULL;
    uint16_t status;

    if (keep == dlen) {
        return nvme_pi_ns_write(ns, x->slba, x->nlb, data,
                                ns->ms ? meta : NULL, false);
    }
    old = blk_try_blockalign(ns->blk, dlen);
    oldm = g_try_malloc0((size_t)x->nlb * ns->ms + 1);
    if (!old || !oldm) {
        qemu_vfree(old);
        return NVME_INTERNAL_DEV_ERROR;
    }
    status = nvme_pi_ns_read(ns, x->slba, x->nlb, old, oldm);
    if (!status) {
        memcpy(old, data, keep);
        memcpy(oldm, meta, keep / ns->lbasz * ns->ms);
        status = nvme_pi_ns_write(ns, x->slba, x->nlb, old,
                                  ns->ms ? oldm : NULL, false);
    }
    qemu_vfree(old);
    return status;
}

static void nvme_pi_write_cut(NvmePiIo *io)
{
    NvmePiCtrl *n = io->n;
    NvmePiXfer *x = &io->x;
    NvmePiNs *ns = x->ns;
    size_t dlen = (size_t)x->nlb * ns->lbasz;
    uint8_t *now = blk_try_blockalign(ns->blk, dlen);
    g_autofree uint8_t *nowm = g_try_malloc0((size_t)x->nlb * ns->ms + 1);
    MutationCut cut = {
        .slba = x->slba,
        .nlb = x->nlb,
        .reads = io->nread,
        .policy = n->power_cut,
    };
    size_t keep = dma_power_cut_bytes(n->power_cut, dlen);
    uint16_t status = NVME_INTERNAL_DEV_ERROR;

    /* The buffer as it is at the cut: what the engine was fetching. */
    if (now && nowm && !nvme_pi_xfer_in_to(n, x, now, nowm)) {
        const uint8_t *reads[2] = { io->dreads[0], now };
        MutationEvent ev = { 0 };

        mutation_diff(reads, 2, dlen, &ev);
        cut.bytes_changed = ev.bytes_changed;
        status = NVME_SUCCESS;
    }
    if (keep && n->power_cut == DMA_CUT_FIRST) {
        status = nvme_pi_write_cut_persist(io, io->dreads[0], io->mreads[0],
                                           keep);
    } else if (keep && !status) {
        status = nvme_pi_write_cut_persist(io, now, nowm, keep);
    }
    cut.bytes_persisted = keep && !status ? keep : 0;
    if (keep && status) {
        trace_nvme_pi_ns_io_error("power cut", x->slba, x->nlb);
    }
    qemu_vfree(now);
    nvme_pi_record_cut(n, io->req, &cut);
}

void nvme_pi_io_power_cut(NvmePiCtrl *n)
{
    NvmePiReq *req;

    trace_nvme_pi_power_cut(dma_power_cut_name(n->power_cut));
    QTAILQ_FOREACH(req, &n->inflight, entry) {
        NvmePiIo *io = req->io;

        if (!io || !nvme_pi_write_held(io)) {
            continue;
        }
        nvme_pi_write_cut(io);
        /* No completion ever: a reset frees req like any aborted one. */
        nvme_pi_io_free(io);
        req->io = NULL;
    }
}
#else
void nvme_pi_io_power_cut(NvmePiCtrl *n)
{
    /* Without the hooks nothing is held: every write landed at fetch. */
    trace_nvme_pi_power_cut(dma_power_cut_name(n->power_cut));
}
#endif

/* ---- Read ---- */

static void nvme_pi_read_posted(NvmePiIo *io)
{
    trace_nvme_pi_hook_read_complete(io->req->sq->sqid,
                                     le16_to_cpu(io->req->cmd.cid));
    nvme_pi_io_finish(io, NVME_SUCCESS);
}

static void nvme_pi_read_done(void *opaque, int ret)
{
    NvmePiIo *io = opaque;
    NvmePiCtrl *n = io->n;
    NvmePiXfer *x = &io->x;
    uint16_t status;

    if (!nvme_pi_io_aio_back(io)) {
        return;
    }
    if (ret < 0) {
        trace_nvme_pi_ns_io_error("read", x->slba, x->nlb);
        nvme_pi_io_finish(io, NVME_UNRECOVERED_READ);
        return;
    }
    status = nvme_pi_io_pi_read(n, io->req, x->slba, x->nlb, x->data,
                                x->meta, &x->pi);
    if (!status) {
        status = nvme_pi_xfer_out(n, x);
    }
    if (status) {
        nvme_pi_io_finish(io, status);
        return;
    }
    n->host_reads++;
    n->units_read += (uint64_t)x->nlb * x->ns->lbasz / 512;
    if (x->ns->read_complete_delay) {
        /* The data is in guest memory; the completion comes later. */
        trace_nvme_pi_hook_read_delay(io->req->sq->sqid,
                                      le16_to_cpu(io->req->cmd.cid),
                                      x->ns->read_complete_delay);
        io->fetch_ns = qemu_clock_get_ns(n->hook_clock);
        nvme_pi_io_arm(io, x->ns->read_complete_delay, nvme_pi_read_posted);
        return;
    }
    nvme_pi_io_finish(io, NVME_SUCCESS);
}

static uint16_t nvme_pi_read(NvmePiCtrl *n, NvmePiReq *req)
{
    NvmePiNs *ns = req->ns;
    NvmePiIo *io = nvme_pi_io_new(n, req);
    NvmePiXfer *x = &io->x;
    uint16_t status;

    status = nvme_pi_xfer_prepare(n, req, true, x);
    if (status) {
        nvme_pi_io_free(io);
        req->io = NULL;
        return status;
    }
    io->in_aio = true;
    nvme_pi_ns_aio(ns, false, x->slba, x->nlb, x->data, x->meta, false,
                   &io->aio, nvme_pi_read_done, io);
    return NVME_NO_COMPLETE;
}

/* ---- Flush ---- */

static void nvme_pi_flush_done(void *opaque, int ret)
{
    NvmePiIo *io = opaque;

    if (!nvme_pi_io_aio_back(io)) {
        return;
    }
    if (ret < 0) {
        trace_nvme_pi_ns_io_error("flush", 0, 0);
    }
    nvme_pi_io_finish(io, ret < 0 ? NVME_INTERNAL_DEV_ERROR : NVME_SUCCESS);
}

static uint16_t nvme_pi_flush(NvmePiCtrl *n, NvmePiReq *req)
{
    NvmePiIo *io = nvme_pi_io_new(n, req);

    io->in_aio = true;
    nvme_pi_ns_aio_flush(req->ns, &io->aio, nvme_pi_flush_done, io);
    return NVME_NO_COMPLETE;
}

/*
 * Flush with the broadcast nsid: every namespace, synchronously (Linux
 * flushes per namespace; this is for other hosts).  With no namespace
 * the nsid is invalid, as for any other command.
 */
static uint16_t nvme_pi_flush_all(NvmePiCtrl *n)
{
    NvmePiNs *ns;
    uint16_t status = NVME_SUCCESS;
    bool any = false;
    unsigned i;

    NVME_PI_FOREACH_NS(n, ns, i) {
        uint16_t s = nvme_pi_ns_flush(ns);

        any = true;
        status = status ? status : s;
    }
    return any ? status : NVME_INVALID_NSID | NVME_PI_STATUS_DNR;
}

/*
 * ---- Long commands: jobs under the range lock ----
 *
 * Compare and Verify (shared), Write Zeroes and Dataset Management
 * (exclusive) hold their range from the first step to the last, so an
 * overlapping command waits for them (and they for it) as for any block
 * I/O.  Once the range is held, the command is a job (job.c): each step
 * does a bounded amount of synchronous block I/O, and the job timer
 * spreads the steps of all jobs over the main loop.
 */
static bool nvme_pi_io_job_step(NvmePiJob *job)
{
    NvmePiIo *io = container_of(job, NvmePiIo, job);
    NvmePiReq *req = io->req;
    NvmePiNs *ns = req->ns;
    uint16_t status = NVME_SUCCESS;

    if (!req->aborted) {
        status = io->step_fn(io->n, req, io);
        if (status == NVME_NO_COMPLETE) {
            return true;
        }
    }
    req->job = NULL;
    /* May grant a waiter, which may start a job or block I/O at once. */
    nvme_pi_ns_range_unlock(ns, &io->range);
    if (req->aborted) {
        nvme_pi_io_free(io);
        g_free(req);
    } else {
        nvme_pi_io_finish(io, status);
    }
    return false;
}

static void nvme_pi_io_job_begin(NvmePiIo *io)
{
    io->job.step = nvme_pi_io_job_step;
    io->req->job = &io->job;
    nvme_pi_job_start(io->n, &io->job);
}

static void nvme_pi_io_job_grant(NvmePiRange *r)
{
    nvme_pi_io_job_begin(container_of(r, NvmePiIo, range));
}

static uint16_t nvme_pi_locked(NvmePiCtrl *n, NvmePiReq *req, uint64_t slba,
                               uint64_t nlb, bool write, NvmePiStepFn *fn)
{
    NvmePiIo *io = nvme_pi_io_new(n, req);

    io->step_fn = fn;
    io->range.slba = slba;
    io->range.end = nlb > UINT64_MAX - slba ? UINT64_MAX : slba + nlb;
    io->range.write = write;
    io->range.grant = nvme_pi_io_job_grant;
    if (nvme_pi_ns_range_lock(req->ns, &io->range)) {
        nvme_pi_io_job_begin(io);
    }
    return NVME_NO_COMPLETE;
}

/* SLBA and NLB of a Compare, Verify or Write Zeroes, unchecked. */
static uint16_t nvme_pi_locked_rw(NvmePiCtrl *n, NvmePiReq *req, bool write,
                                  NvmePiStepFn *fn)
{
    NvmeCmd *cmd = &req->cmd;
    uint64_t slba = le32_to_cpu(cmd->cdw10) |
                    ((uint64_t)le32_to_cpu(cmd->cdw11) << 32);

    return nvme_pi_locked(n, req, slba,
                          NVME_PI_RW_NLB(le32_to_cpu(cmd->cdw12)) + 1,
                          write, fn);
}

/* Compare: one step, bounded by MDTS like any transfer. */
static uint16_t nvme_pi_compare(NvmePiCtrl *n, NvmePiReq *req, NvmePiIo *io)
{
    NvmePiNs *ns = req->ns;
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
        /* Read the host's copy into buffers of our own. */
        data = g_try_malloc((size_t)x.nlb * ns->lbasz);
        meta = g_try_malloc0((size_t)x.nlb * ns->ms + 1);
        status = data && meta ? nvme_pi_xfer_in_to(n, &x, data, meta)
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

/* Bounce buffers for NVME_PI_STEP_BLOCKS blocks, zeroed. */
/*
 * Buffers for one step of a Verify or Write Zeroes: as many blocks as the
 * command has, at most NVME_PI_STEP_BLOCKS (a one-block Verify does not
 * allocate and clear a whole step's worth).
 */
static uint16_t nvme_pi_step_buffers(NvmePiIo *io, NvmePiNs *ns)
{
    size_t blocks = MIN(io->x.nlb, NVME_PI_STEP_BLOCKS);
    size_t dlen = blocks * ns->lbasz;

    io->x.data = blk_try_blockalign(ns->blk, dlen);
    io->x.meta = g_try_malloc0(blocks * ns->ms + 1);
    if (!io->x.data || !io->x.meta) {
        trace_nvme_pi_nomem(dlen);
        return NVME_INTERNAL_DEV_ERROR;
    }
    memset(io->x.data, 0, dlen);
    return NVME_SUCCESS;
}

/* Verify: read and check, nothing crosses the bus; no MDTS limit. */
static uint16_t nvme_pi_verify(NvmePiCtrl *n, NvmePiReq *req, NvmePiIo *io)
{
    NvmePiNs *ns = req->ns;
    NvmePiXfer *x = &io->x;
    NvmePiIoPi cp;
    uint32_t cnt;
    uint16_t status;

    if (!io->started) {
        status = nvme_pi_rw_decode(req, &x->slba, &x->nlb, &x->pi);
        if (!status) {
            status = nvme_pi_io_pi_precheck(ns, x->slba, &x->pi);
        }
        if (!status) {
            status = nvme_pi_step_buffers(io, ns);
        }
        if (status) {
            return status;
        }
        io->started = true;
    }
    cnt = MIN(x->nlb - io->done, NVME_PI_STEP_BLOCKS);
    cp = x->pi;
    if (ns->pi != 3) {
        cp.reftag = x->pi.reftag + io->done;
    }
    status = nvme_pi_ns_read(ns, x->slba + io->done, cnt, x->data, x->meta);
    if (!status) {
        status = nvme_pi_io_pi_read(n, req, x->slba + io->done, cnt, x->data,
                                    x->meta, &cp);
    }
    io->done += cnt;
    return !status && io->done < x->nlb ? NVME_NO_COMPLETE : status;
}

static uint16_t nvme_pi_write_zeroes(NvmePiCtrl *n, NvmePiReq *req,
                                     NvmePiIo *io)
{
    NvmePiNs *ns = req->ns;
    NvmePiXfer *x = &io->x;
    NvmePiIoPi *p = &x->pi;
    uint64_t cnt;
    uint16_t status;

    if (!io->started) {
        bool deac = le32_to_cpu(req->cmd.cdw12) & NVME_PI_WZ_DEAC;

        status = nvme_pi_rw_decode(req, &x->slba, &x->nlb, p);
        if (status) {
            return status;
        }
        /* With PRACT the blocks get PI over zeroes: no deallocation. */
        io->deallocate = deac && (!ns->pi || !(p->prinfo & NVME_PRINFO_PRACT));
        if (!io->deallocate) {
            status = nvme_pi_step_buffers(io, ns);
            if (status) {
                return status;
            }
        }
        io->started = true;
    }
    if (io->deallocate) {
        cnt = MIN(x->nlb - io->done, nvme_pi_ns_step_blocks(ns));
        status = nvme_pi_ns_deallocate(ns, x->slba + io->done, cnt);
    } else {
        /* Zero data; zero metadata, or PI generated over zeroes (PRACT). */
        cnt = MIN(x->nlb - io->done, NVME_PI_STEP_BLOCKS);
        if (ns->pi && (p->prinfo & NVME_PRINFO_PRACT)) {
            uint64_t ref = ns->pi == 3 ? p->reftag : p->reftag + io->done;
            PiCtx ctx;

            memset(x->meta, 0, (size_t)cnt * ns->ms);
            if (pi_ctx_init(&ctx, &ns->pifmt, 0, ref, p->apptag,
                            p->appmask) != PI_OK ||
                pi_generate(&ctx, x->data, x->meta, cnt) != PI_OK) {
                trace_nvme_pi_pi_invalid("generate", ns->nsid,
                                         x->slba + io->done);
                return NVME_INTERNAL_DEV_ERROR | NVME_PI_STATUS_DNR;
            }
        }
        status = nvme_pi_ns_write(ns, x->slba + io->done, cnt, x->data,
                                  ns->ms ? x->meta : NULL, false);
    }
    io->done += cnt;
    return !status && io->done < x->nlb ? NVME_NO_COMPLETE : status;
}

/* Dataset Management, Deallocate: the ranges, a bounded run per step. */
static uint16_t nvme_pi_dsm(NvmePiCtrl *n, NvmePiReq *req, NvmePiIo *io)
{
    NvmePiNs *ns = req->ns;
    NvmeCmd *cmd = &req->cmd;
    NvmeDsmRange *r;
    uint64_t slba, nlb, cnt;
    uint16_t status;
    unsigned i;

    if (!io->started) {
        io->dsm_nr = (le32_to_cpu(cmd->cdw10) & 0xff) + 1;
        io->dsm = g_new0(NvmeDsmRange, io->dsm_nr);
        status = nvme_pi_dma_cmd_from_guest(n, cmd, io->dsm,
                                            io->dsm_nr * sizeof(*io->dsm));
        if (status) {
            return status;
        }
        for (i = 0; i < io->dsm_nr; i++) {
            status = nvme_pi_check_range(ns, le64_to_cpu(io->dsm[i].slba),
                                         le32_to_cpu(io->dsm[i].nlb));
            if (status) {
                return status;
            }
        }
        io->started = true;
    }
    /* Skip empty ranges; a step works on one range. */
    while (io->dsm_i < io->dsm_nr &&
           io->done >= le32_to_cpu(io->dsm[io->dsm_i].nlb)) {
        io->dsm_i++;
        io->done = 0;
    }
    if (io->dsm_i == io->dsm_nr) {
        return NVME_SUCCESS;
    }
    r = &io->dsm[io->dsm_i];
    slba = le64_to_cpu(r->slba);
    nlb = le32_to_cpu(r->nlb);
    cnt = MIN(nlb - io->done, nvme_pi_ns_step_blocks(ns));
    status = nvme_pi_ns_deallocate(ns, slba + io->done, cnt);
    io->done += cnt;
    return status ? status : NVME_NO_COMPLETE;
}

static uint16_t nvme_pi_io_dispatch(NvmePiCtrl *n, NvmePiReq *req)
{
    uint32_t nsid = le32_to_cpu(req->cmd.nsid);

    req->ns = nvme_pi_ns_get(n, nsid);
    if (req->cmd.opcode == NVME_CMD_FLUSH && nsid == NVME_NSID_BROADCAST) {
        return nvme_pi_flush_all(n);
    }
    if (!req->ns) {
        trace_nvme_pi_io_bad_nsid(nsid);
        return NVME_INVALID_NSID | NVME_PI_STATUS_DNR;
    }
    if (req->ns->formatting) {
        /* No DNR: the host may retry once the Format completes. */
        trace_nvme_pi_io_formatting(nsid, req->cmd.opcode);
        req->ns = NULL;     /* holds nothing, blocks no Format */
        return NVME_PI_SC_FORMAT_IN_PROGRESS;
    }
    switch (req->cmd.opcode) {
    case NVME_CMD_FLUSH:
        return nvme_pi_flush(n, req);
    case NVME_CMD_WRITE:
        return nvme_pi_write(n, req);
    case NVME_CMD_READ:
        return nvme_pi_read(n, req);
    case NVME_CMD_COMPARE:
        return nvme_pi_locked_rw(n, req, false, nvme_pi_compare);
    case NVME_CMD_WRITE_ZEROES:
        return nvme_pi_locked_rw(n, req, true, nvme_pi_write_zeroes);
    case NVME_CMD_DSM:
        if (!(le32_to_cpu(req->cmd.cdw11) & NVME_DSMGMT_AD)) {
            return NVME_SUCCESS;    /* hints only */
        }
        /* Rare: one range for the whole namespace, whatever it lists. */
        return nvme_pi_locked(n, req, 0, UINT64_MAX, true, nvme_pi_dsm);
    case NVME_CMD_VERIFY:
        return nvme_pi_locked_rw(n, req, false, nvme_pi_verify);
    default:
        trace_nvme_pi_io_bad_opcode(req->cmd.opcode);
        return NVME_INVALID_OPCODE | NVME_PI_STATUS_DNR;
    }
}

uint16_t nvme_pi_io_cmd(NvmePiCtrl *n, NvmePiReq *req)
{
    uint16_t status = nvme_pi_io_dispatch(n, req);

    nvme_pi_io_error_log(n, req, status);
    return status;
}
