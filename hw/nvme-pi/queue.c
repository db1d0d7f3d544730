/*
 * nvme-pi: submission and completion queues.
 *
 * This file owns queue state (base, size, head, tail, phase), the
 * doorbells, command fetch with round-robin arbitration over the admin
 * queue and up to 64 I/O submission queues, and completion posting.
 *
 * Work is done in a bottom half, never in the doorbell write itself, and
 * each run of the bottom half processes a bounded number of commands
 * before yielding to the main loop: a guest that keeps its queues full
 * cannot keep QEMU from doing anything else.  Commands that may run long
 * (Format NVM, Write Zeroes, DSM, Verify, Compare) only start a job here
 * (job.c); the admin queue is not fetched while an admin job runs.  I/O commands may complete
 * later and in any order (asynchronous block I/O, DMA-timing hooks):
 * every fetched command holds a slot of its completion queue until it
 * completes, and a command is only fetched when its CQ has a free slot
 * nobody holds, so a completion is never dropped; a full CQ simply stalls
 * its SQs until the host moves the CQ head.  Deleting an SQ aborts its
 * commands still in flight: they complete without a completion entry.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "nvme-pi.h"
#include "trace.h"

/*
 * Commands per bottom-half run, over all queues.  What one command costs
 * at fetch is bounded (a transfer of at most MDTS bytes; long commands
 * only start a job, job.c), so a run costs at most 64 such transfers.
 */
#define NVME_PI_BH_BUDGET   64

void nvme_pi_kick(NvmePiCtrl *n)
{
    if (n->bh) {
        qemu_bh_schedule(n->bh);
    }
}

void nvme_pi_cq_init(NvmePiCtrl *n, uint16_t cqid, uint64_t addr,
                     uint32_t size, uint16_t vector, bool ien)
{
    NvmePiCQ *cq = &n->cq[cqid];

    memset(cq, 0, sizeof(*cq));
    cq->created = true;
    cq->cqid = cqid;
    cq->dma_addr = addr;
    cq->size = size;
    cq->vector = vector;
    cq->ien = ien;
    cq->phase = true;
    trace_nvme_pi_cq_create(cqid, addr, size, vector, ien);
}

void nvme_pi_sq_init(NvmePiCtrl *n, uint16_t sqid, uint16_t cqid,
                     uint64_t addr, uint32_t size)
{
    NvmePiSQ *sq = &n->sq[sqid];

    memset(sq, 0, sizeof(*sq));
    sq->created = true;
    sq->sqid = sqid;
    sq->cqid = cqid;
    sq->dma_addr = addr;
    sq->size = size;
    n->cq[cqid].nsq++;
    trace_nvme_pi_sq_create(sqid, cqid, addr, size);
}

void nvme_pi_sq_delete(NvmePiCtrl *n, uint16_t sqid)
{
    NvmePiSQ *sq = &n->sq[sqid];
    NvmePiReq *req, *next;

    if (!sq->created) {
        return;
    }
    QTAILQ_FOREACH_SAFE(req, &n->inflight, entry, next) {
        if (req->sq != sq) {
            continue;
        }
        trace_nvme_pi_req_abort(sqid, le16_to_cpu(req->cmd.cid));
        QTAILQ_REMOVE(&n->inflight, req, entry);
        n->cq[sq->cqid].inflight--;
        req->aborted = true;
        req->sq = NULL;
        if (req->job) {
            continue;   /* its job ends, and frees it, at its next step */
        }
        nvme_pi_io_abort(n, req);
    }
    n->cq[sq->cqid].nsq--;
    memset(sq, 0, sizeof(*sq));
    trace_nvme_pi_sq_delete(sqid);
}

void nvme_pi_cq_delete(NvmePiCtrl *n, uint16_t cqid)
{
    NvmePiCQ *cq = &n->cq[cqid];

    if (!cq->created) {
        return;
    }
    memset(cq, 0, sizeof(*cq));
    trace_nvme_pi_cq_delete(cqid);
    nvme_pi_irq_update(n, NULL);
}

void nvme_pi_queues_reset(NvmePiCtrl *n)
{
    unsigned i;

    for (i = 0; i < NVME_PI_MAX_QUEUES; i++) {
        nvme_pi_sq_delete(n, i);
    }
    for (i = 0; i < NVME_PI_MAX_QUEUES; i++) {
        nvme_pi_cq_delete(n, i);
    }
    n->rr_next = 0;
}

static bool nvme_pi_cq_full(NvmePiCQ *cq)
{
    return (cq->tail + 1) % cq->size == cq->head;
}

/* Whether a new command may be fetched for this CQ (see the top). */
static bool nvme_pi_cq_has_room(NvmePiCQ *cq)
{
    uint32_t used = (cq->tail + cq->size - cq->head) % cq->size;

    return cq->size - 1 - used > cq->inflight;
}

/*
 * Write one completion entry.  A failed DMA to the CQ leaves the host
 * unable to learn the outcome of anything: that is a fatal error.
 */
bool nvme_pi_post_cqe(NvmePiCtrl *n, NvmePiCQ *cq, uint16_t sqid,
                      uint16_t sqhd, uint16_t cid, uint16_t status,
                      uint32_t result)
{
    NvmeCqe cqe;
    uint64_t addr;

    if (nvme_pi_cq_full(cq)) {
        trace_nvme_pi_cq_full(cq->cqid);
        return false;
    }
    memset(&cqe, 0, sizeof(cqe));
    cqe.result = cpu_to_le32(result);
    cqe.sq_head = cpu_to_le16(sqhd);
    cqe.sq_id = cpu_to_le16(sqid);
    cqe.cid = cid;      /* already little endian, as fetched */
    cqe.status = cpu_to_le16((status << 1) | (cq->phase ? 1 : 0));
    addr = cq->dma_addr + (uint64_t)cq->tail * sizeof(cqe);
    if (pci_dma_write(PCI_DEVICE(n), addr, &cqe, sizeof(cqe))) {
        nvme_pi_fatal(n, "completion queue write failed");
        return false;
    }
    trace_nvme_pi_cqe(cq->cqid, sqid, le16_to_cpu(cid), status, result);
    if (++cq->tail == cq->size) {
        cq->tail = 0;
        cq->phase = !cq->phase;
    }
    nvme_pi_irq_update(n, cq);
    return true;
}

/*
 * Post req's completion (unless it was aborted), release its CQ slot and
 * free it.  Called from the bottom half for commands that complete at
 * once, and from block I/O callbacks and timers for the others.
 */
void nvme_pi_req_complete(NvmePiCtrl *n, NvmePiReq *req, uint16_t status)
{
    NvmePiSQ *sq = req->sq;

    if (!req->aborted && sq) {
        NvmePiCQ *cq = &n->cq[sq->cqid];

        if (status != NVME_SUCCESS) {
            trace_nvme_pi_cmd_status(sq->sqid, le16_to_cpu(req->cmd.cid),
                                     req->cmd.opcode, status);
        }
        QTAILQ_REMOVE(&n->inflight, req, entry);
        cq->inflight--;
        nvme_pi_post_cqe(n, cq, sq->sqid, sq->head, req->cmd.cid, status,
                         req->result);
        if (!n->processing) {
            nvme_pi_kick(n);    /* a CQ slot is free: fetch more */
        }
    }
    g_free(req);
}

/* Fetch, execute and (maybe) complete one command from sq.  False: stop. */
static bool nvme_pi_sq_process_one(NvmePiCtrl *n, NvmePiSQ *sq)
{
    NvmePiCQ *cq = &n->cq[sq->cqid];
    NvmePiReq *req;
    uint64_t addr = sq->dma_addr + (uint64_t)sq->head * sizeof(NvmeCmd);
    uint16_t status;

    if (sq->head == sq->tail || !cq->created || !nvme_pi_cq_has_room(cq)) {
        return false;
    }
    if (sq->sqid == 0 && n->admin_busy) {
        return false;   /* admin commands run one at a time */
    }
    req = g_new0(NvmePiReq, 1);
    if (pci_dma_read(PCI_DEVICE(n), addr, &req->cmd, sizeof(req->cmd))) {
        g_free(req);
        nvme_pi_fatal(n, "submission queue read failed");
        return false;
    }
    req->sq = sq;
    sq->head = (sq->head + 1) % sq->size;
    cq->inflight++;
    QTAILQ_INSERT_TAIL(&n->inflight, req, entry);
    trace_nvme_pi_cmd(sq->sqid, le16_to_cpu(req->cmd.cid), req->cmd.opcode,
                      le32_to_cpu(req->cmd.nsid));

    if (NVME_CMD_FLAGS_FUSE(req->cmd.flags)) {
        trace_nvme_pi_cmd_fused(sq->sqid, le16_to_cpu(req->cmd.cid));
        status = NVME_INVALID_FIELD | NVME_PI_STATUS_DNR;
    } else if (sq->sqid == 0) {
        status = nvme_pi_admin_cmd(n, req);
        if (status == NVME_NO_COMPLETE && req->job) {
            return true;    /* a Format: its job completes it */
        }
        if (status == NVME_NO_COMPLETE) {
            /* An AER: admin.c keeps its CID and completes it itself. */
            QTAILQ_REMOVE(&n->inflight, req, entry);
            cq->inflight--;
            g_free(req);
            return true;
        }
    } else {
        status = nvme_pi_io_cmd(n, req);
        if (status == NVME_NO_COMPLETE) {
            return true;    /* io.c completes it */
        }
    }
    nvme_pi_req_complete(n, req, status);
    return !(n->regs.csts & NVME_PI_CSTS_CFS);
}

/*
 * The bottom half.  Round robin: each SQ in turn gets a burst of up to
 * 2^AB commands (Arbitration feature, AB = 7 meaning no limit, which is
 * capped by the budget), starting after the SQ served last.
 */
void nvme_pi_process(void *opaque)
{
    NvmePiCtrl *n = opaque;
    unsigned budget = NVME_PI_BH_BUDGET;
    unsigned ab = NVME_ARB_AB(n->feat_arb);
    unsigned burst = ab == NVME_ARB_AB_NOLIMIT ? NVME_PI_BH_BUDGET : 1u << ab;
    bool progress = true;

    if (n->processing) {
        /*
         * Re-entered from a nested event loop (synchronous block I/O
         * polls the main context): run again once the outer run ends.
         */
        n->kick_pending = true;
        return;
    }
    if (!(n->regs.csts & NVME_PI_CSTS_RDY) ||
        (n->regs.csts & NVME_PI_CSTS_CFS)) {
        return;
    }
    n->processing = true;
    nvme_pi_aer_deliver(n);
    while (budget && progress) {
        unsigned i;

        progress = false;
        for (i = 0; i < NVME_PI_MAX_QUEUES && budget; i++) {
            unsigned q = (n->rr_next + i) % NVME_PI_MAX_QUEUES;
            NvmePiSQ *sq = &n->sq[q];
            unsigned b;

            if (!sq->created) {
                continue;
            }
            for (b = 0; b < burst && budget; b++) {
                if (!nvme_pi_sq_process_one(n, sq)) {
                    break;
                }
                budget--;
                progress = true;
            }
            if (n->regs.csts & NVME_PI_CSTS_CFS) {
                budget = 0;
                break;
            }
        }
        n->rr_next = (n->rr_next + 1) % NVME_PI_MAX_QUEUES;
    }
    nvme_pi_aer_deliver(n);
    n->processing = false;
    if (n->regs.csts & NVME_PI_CSTS_CFS) {
        return;
    }
    if (!budget) {
        trace_nvme_pi_budget_exhausted();
        nvme_pi_kick(n);
    } else if (n->kick_pending) {
        n->kick_pending = false;
        nvme_pi_kick(n);
    }
}

/*
 * Doorbells: SQ y tail at 2y * 4, CQ y head at (2y + 1) * 4 (DSTRD = 0).
 * A write to a queue that does not exist or with a value beyond the
 * queue is an error the host hears about through an asynchronous event
 * (Base 5.2, "Invalid Doorbell Register/Write Value"); it is ignored.
 */
void nvme_pi_doorbell_write(NvmePiCtrl *n, hwaddr off, uint32_t val)
{
    unsigned qid = off >> 3;
    bool is_cq = (off >> 2) & 1;

    if (!(n->regs.csts & NVME_PI_CSTS_RDY) || (off & 3)) {
        trace_nvme_pi_db_not_ready(off, val);
        return;
    }
    if (qid >= NVME_PI_MAX_QUEUES) {
        trace_nvme_pi_db_bad_queue(qid, is_cq, val);
        nvme_pi_aer_enqueue(n, NVME_AER_TYPE_ERROR,
                            NVME_AER_INFO_ERR_INVALID_DB_REGISTER,
                            NVME_LOG_ERROR_INFO);
        return;
    }
    if (is_cq) {
        NvmePiCQ *cq = &n->cq[qid];
        bool was_full;

        if (!cq->created) {
            trace_nvme_pi_db_bad_queue(qid, is_cq, val);
            nvme_pi_aer_enqueue(n, NVME_AER_TYPE_ERROR,
                                NVME_AER_INFO_ERR_INVALID_DB_REGISTER,
                                NVME_LOG_ERROR_INFO);
            return;
        }
        if (val >= cq->size) {
            trace_nvme_pi_db_bad_value(qid, is_cq, val, cq->size);
            nvme_pi_aer_enqueue(n, NVME_AER_TYPE_ERROR,
                                NVME_AER_INFO_ERR_INVALID_DB_VALUE,
                                NVME_LOG_ERROR_INFO);
            return;
        }
        was_full = !nvme_pi_cq_has_room(cq);    /* SQs may be stalled */
        cq->head = val;
        nvme_pi_irq_update(n, NULL);
        if (was_full || n->aer_queued) {
            nvme_pi_kick(n);
        }
    } else {
        NvmePiSQ *sq = &n->sq[qid];

        if (!sq->created) {
            trace_nvme_pi_db_bad_queue(qid, is_cq, val);
            nvme_pi_aer_enqueue(n, NVME_AER_TYPE_ERROR,
                                NVME_AER_INFO_ERR_INVALID_DB_REGISTER,
                                NVME_LOG_ERROR_INFO);
            return;
        }
        if (val >= sq->size) {
            trace_nvme_pi_db_bad_value(qid, is_cq, val, sq->size);
            nvme_pi_aer_enqueue(n, NVME_AER_TYPE_ERROR,
                                NVME_AER_INFO_ERR_INVALID_DB_VALUE,
                                NVME_LOG_ERROR_INFO);
            return;
        }
        sq->tail = val;
        nvme_pi_kick(n);
    }
}
