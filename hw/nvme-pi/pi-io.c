/*
 * nvme-pi: Protection Information glue for I/O commands.
 *
 * This file owns the decisions between an NVMe command and the pure PI
 * engine (pi.h): decoding PRINFO and the tags from the command, which
 * checks run (the host's PRCHK bits, plus guard and reference tag on
 * every transfer when pi-strict is on), generating PI for PRACT, and
 * turning a failed check into the NVMe status, an Error Information log
 * entry with the failing LBA, and a trace line.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "nvme-pi.h"
#include "pi-io.h"
#include "trace.h"

void nvme_pi_io_pi_decode(const NvmePiNs *ns, const NvmeCmd *cmd,
                          unsigned prinfo, NvmePiIoPi *p)
{
    uint32_t cdw15 = le32_to_cpu(cmd->cdw15);

    p->prinfo = prinfo;
    p->reftag = le32_to_cpu(cmd->cdw14);
    if (ns->pifmt.guard == PI_GUARD_64) {
        /* 48-bit EILBRT: upper 16 bits in CDW3 (no storage tag). */
        p->reftag |= ((le64_to_cpu(cmd->res1) >> 32) & 0xffff) << 32;
    }
    p->apptag = cdw15 & 0xffff;
    p->appmask = cdw15 >> 16;
}

uint16_t nvme_pi_io_pi_precheck(const NvmePiNs *ns, uint64_t slba,
                                const NvmePiIoPi *p)
{
    uint16_t status;

    if (!ns->pi) {
        return NVME_SUCCESS;
    }
    status = pi_check_prinfo(&ns->pifmt, p->prinfo & NVME_PRINFO_PRCHK_MASK,
                             slba, p->reftag);
    if (status) {
        trace_nvme_pi_prinfo_bad(p->prinfo, slba, p->reftag);
        return status | NVME_PI_STATUS_DNR;
    }
    return NVME_SUCCESS;
}

bool nvme_pi_io_meta_xfer(const NvmePiNs *ns, const NvmePiIoPi *p)
{
    if (!ns->ms) {
        return false;
    }
    /* PRACT with PI-only metadata: the controller inserts/strips it. */
    return !(ns->pi && (p->prinfo & NVME_PRINFO_PRACT) &&
             ns->ms == pi_tuple_size(ns->pifmt.guard));
}

/*
 * The checks that run: the host's, plus with pi-strict the guard and, for
 * type 1, the reference tag, whose expected value is then the SLBA (what
 * type 1 stores).  Type 2 reference tags are host-defined and type 3 has
 * none, so strict mode cannot know what to expect there unless the host
 * asks for the check with its ILBRT.
 */
static PiStatus nvme_pi_io_ctx(NvmePiCtrl *n, const NvmePiNs *ns,
                               uint64_t slba, const NvmePiIoPi *p,
                               PiCtx *ctx)
{
    unsigned prchk = p->prinfo & NVME_PRINFO_PRCHK_MASK;
    uint64_t reftag = p->reftag;

    if (n->pi_strict) {
        prchk |= PI_PRCHK_GUARD;
        if (ns->pi == 1 && !(prchk & PI_PRCHK_REFTAG)) {
            prchk |= PI_PRCHK_REFTAG;
            reftag = slba;
        }
    }
    return pi_ctx_init(ctx, &ns->pifmt, prchk, reftag, p->apptag,
                       p->appmask);
}

/*
 * The engine refused the namespace's format or the command's checks.
 * Realize and Format refuse such formats, so this is a device bug; the
 * command fails rather than passing unchecked.
 */
static uint16_t nvme_pi_io_pi_invalid(NvmePiReq *req, uint64_t slba,
                                      const char *what)
{
    trace_nvme_pi_pi_invalid(what, req->ns->nsid, slba);
    return NVME_INTERNAL_DEV_ERROR | NVME_PI_STATUS_DNR;
}

static uint16_t nvme_pi_io_pi_fail(NvmePiCtrl *n, NvmePiReq *req,
                                   uint64_t slba, const PiError *err,
                                   bool write)
{
    uint16_t status = pi_check_to_nvme_status(err->check);

    trace_nvme_pi_pi_error(write ? "write" : "read",
                           pi_check_name(err->check), slba + err->block,
                           err->expected, err->actual);
    n->media_errors++;
    nvme_pi_record_pi_error(n, err->check);
    nvme_pi_error_log_add(n, req, status, slba + err->block,
                          le32_to_cpu(req->cmd.nsid));
    /* pi-dnr: tell the host not to retry (Linux retries without DNR). */
    return n->pi_dnr ? status | NVME_PI_STATUS_DNR : status;
}

/* Verify nlb blocks; anything but PI_OK fails the command. */
static uint16_t nvme_pi_io_pi_check(NvmePiCtrl *n, NvmePiReq *req,
                                    uint64_t slba, uint32_t nlb,
                                    const uint8_t *data, const uint8_t *meta,
                                    const NvmePiIoPi *p, bool write)
{
    PiCtx ctx;
    PiError err;

    if (nvme_pi_io_ctx(n, req->ns, slba, p, &ctx) != PI_OK) {
        return nvme_pi_io_pi_invalid(req, slba, "context");
    }
    switch (pi_verify(&ctx, data, meta, nlb, &err)) {
    case PI_OK:
        return NVME_SUCCESS;
    case PI_CHECK_FAILED:
        return nvme_pi_io_pi_fail(n, req, slba, &err, write);
    default:
        return nvme_pi_io_pi_invalid(req, slba, "verify");
    }
}

uint16_t nvme_pi_io_pi_write(NvmePiCtrl *n, NvmePiReq *req, uint64_t slba,
                             uint32_t nlb, const uint8_t *data,
                             uint8_t *meta, const NvmePiIoPi *p)
{
    NvmePiNs *ns = req->ns;
    PiCtx ctx;

    if (!ns->pi) {
        return NVME_SUCCESS;
    }
    if (p->prinfo & NVME_PRINFO_PRACT) {
        if (pi_ctx_init(&ctx, &ns->pifmt, 0, p->reftag, p->apptag,
                        p->appmask) != PI_OK ||
            pi_generate(&ctx, data, meta, nlb) != PI_OK) {
            return nvme_pi_io_pi_invalid(req, slba, "generate");
        }
        return NVME_SUCCESS;
    }
    return nvme_pi_io_pi_check(n, req, slba, nlb, data, meta, p, true);
}

uint16_t nvme_pi_io_pi_read(NvmePiCtrl *n, NvmePiReq *req, uint64_t slba,
                            uint32_t nlb, const uint8_t *data,
                            const uint8_t *meta, const NvmePiIoPi *p)
{
    if (!req->ns->pi) {
        return NVME_SUCCESS;
    }
    return nvme_pi_io_pi_check(n, req, slba, nlb, data, meta, p, false);
}
