/*
 * nvme-pi: the namespace, its LBA formats and its backing image.
 *
 * This file owns how a namespace is stored: the LBA format table the
 * controller offers, the layout of the backing image, and the block I/O
 * that reads and writes data and metadata there.
 *
 * Backing image layout (docs/device.md has the full description):
 *
 *   offset 0          header block (4096 bytes): magic, format, sizes
 *   offset 4096       data region: nlbas x lbasz bytes, LBA order
 *   after the data    metadata region: nlbas x ms bytes, LBA order
 *
 * Metadata is always stored apart from the data, whatever the host's
 * view (mset: extended LBA or separate buffer); that is a property of the
 * transfer, not of the storage.  A freshly formatted or deallocated block
 * reads as zero data and all-ones metadata, i.e. the PI escape values
 * (application tag FFFFh, reference tag all ones), so unwritten blocks
 * never fail a PI check.  The header makes the format and the metadata
 * persist across QEMU restarts.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "nvme-pi.h"
#include "crc.h"
#include "trace.h"

#define NVME_PI_HDR_SIZE        4096
#define NVME_PI_HDR_MAGIC       "nvme-pi\0"
#define NVME_PI_HDR_VERSION     1
#define NVME_PI_FILL_CHUNK      (1024 * 1024)
#define NVME_PI_ZERO_CHUNK      (1ULL << 30)

/*
 * The LBA formats offered, in Identify Namespace order.  The guard
 * format is a property of the LBA format (ELBAF.PIF): 64b guard needs a
 * 16-byte tuple, so it has formats of its own.
 */
const NvmePiLbaf nvme_pi_lbaf[] = {
    {  512,  0, PI_GUARD_16 }, {  512,  8, PI_GUARD_16 },
    {  512, 16, PI_GUARD_16 }, {  512, 64, PI_GUARD_16 },
    { 4096,  0, PI_GUARD_16 }, { 4096,  8, PI_GUARD_16 },
    { 4096, 16, PI_GUARD_16 }, { 4096, 64, PI_GUARD_16 },
    {  512, 16, PI_GUARD_64 }, {  512, 64, PI_GUARD_64 },
    { 4096, 16, PI_GUARD_64 }, { 4096, 64, PI_GUARD_64 },
};
const unsigned nvme_pi_nlbaf = ARRAY_SIZE(nvme_pi_lbaf);

/* On-image header, little endian. */
typedef struct QEMU_PACKED NvmePiHdr {
    char magic[8];
    uint32_t version;
    uint32_t lbasz;
    uint16_t ms;
    uint8_t mset;
    uint8_t pi;
    uint8_t pil;
    uint8_t pif;
    uint8_t lbaf;
    uint8_t rsvd23;
    uint64_t nlbas;
    uint64_t data_off;
    uint64_t meta_off;
    uint32_t crc;           /* CRC32C of the bytes before it */
} NvmePiHdr;

static int nvme_pi_lbaf_find(uint32_t ds, uint16_t ms, uint8_t pif)
{
    unsigned i;

    for (i = 0; i < nvme_pi_nlbaf; i++) {
        if (nvme_pi_lbaf[i].ds == ds && nvme_pi_lbaf[i].ms == ms &&
            nvme_pi_lbaf[i].pif == pif) {
            return i;
        }
    }
    return -1;
}

/* The PI engine's view of a format (the device's own, separate buffers). */
static PiFormat nvme_pi_ns_pifmt(uint8_t lbaf, uint8_t pi, bool pi_first)
{
    const NvmePiLbaf *f = &nvme_pi_lbaf[lbaf];

    return (PiFormat) {
        .block_size = f->ds,
        .meta_size = f->ms,
        .extended = false,
        .pi_first = pi_first,
        .pi_type = pi,
        .guard = f->pif,
    };
}

/*
 * Whether PI type pi can be used with LBA format lbaf: the PI engine
 * must accept the format, or strict PI could not check it.  Realize and
 * Format NVM refuse what this refuses, so no namespace ever has a format
 * the engine cannot verify.
 */
uint16_t nvme_pi_ns_check_format(uint8_t lbaf, uint8_t pi)
{
    PiFormat fmt;
    PiCtx ctx;

    if (lbaf >= nvme_pi_nlbaf) {
        return NVME_INVALID_FORMAT | NVME_PI_STATUS_DNR;
    }
    if (pi > NVME_PI_MAX_PI_TYPE) {
        return NVME_INVALID_FIELD | NVME_PI_STATUS_DNR;
    }
    /* pil does not change what fits: checked as PI last. */
    fmt = nvme_pi_ns_pifmt(lbaf, pi, false);
    if (pi_ctx_init(&ctx, &fmt, PI_PRCHK_ALL, 0, 0, 0) != PI_OK) {
        return NVME_INVALID_FORMAT | NVME_PI_STATUS_DNR;
    }
    return NVME_SUCCESS;
}

static void nvme_pi_ns_set_format(NvmePiNs *ns, uint8_t lbaf, bool extended,
                                  uint8_t pi, bool pi_first)
{
    const NvmePiLbaf *f = &nvme_pi_lbaf[lbaf];

    ns->lbaf = lbaf;
    ns->lbasz = f->ds;
    ns->ms = f->ms;
    ns->pif = f->pif;
    ns->extended = extended;
    ns->pi = pi;
    ns->pi_first = pi_first;
    ns->data_off = NVME_PI_HDR_SIZE;
    ns->nlbas = (ns->img_size - NVME_PI_HDR_SIZE) / (f->ds + f->ms);
    ns->meta_off = ns->data_off + ns->nlbas * f->ds;
    ns->pifmt = nvme_pi_ns_pifmt(lbaf, pi, pi_first);
}

static int nvme_pi_ns_write_header(NvmePiNs *ns)
{
    g_autofree uint8_t *blk = g_malloc0(NVME_PI_HDR_SIZE);
    NvmePiHdr *h = (NvmePiHdr *)blk;

    memcpy(h->magic, NVME_PI_HDR_MAGIC, sizeof(h->magic));
    h->version = cpu_to_le32(NVME_PI_HDR_VERSION);
    h->lbasz = cpu_to_le32(ns->lbasz);
    h->ms = cpu_to_le16(ns->ms);
    h->mset = ns->extended;
    h->pi = ns->pi;
    h->pil = ns->pi_first;
    h->pif = ns->pif;
    h->lbaf = ns->lbaf;
    h->nlbas = cpu_to_le64(ns->nlbas);
    h->data_off = cpu_to_le64(ns->data_off);
    h->meta_off = cpu_to_le64(ns->meta_off);
    h->crc = cpu_to_le32(crc32c(0, h, offsetof(NvmePiHdr, crc)));
    return blk_pwrite(ns->blk, 0, NVME_PI_HDR_SIZE, blk, 0);
}

/* Read the header; false if there is none (or it is damaged). */
static bool nvme_pi_ns_read_header(NvmePiNs *ns, NvmePiHdr *out)
{
    g_autofree uint8_t *blk = g_malloc0(NVME_PI_HDR_SIZE);
    NvmePiHdr *h = (NvmePiHdr *)blk;
    int lbaf;

    if (blk_pread(ns->blk, 0, NVME_PI_HDR_SIZE, blk, 0) < 0 ||
        memcmp(h->magic, NVME_PI_HDR_MAGIC, sizeof(h->magic))) {
        return false;
    }
    if (le32_to_cpu(h->crc) != crc32c(0, h, offsetof(NvmePiHdr, crc)) ||
        le32_to_cpu(h->version) != NVME_PI_HDR_VERSION) {
        warn_report("nvme-pi: image header damaged or of another version; "
                    "reformatting");
        return false;
    }
    lbaf = nvme_pi_lbaf_find(le32_to_cpu(h->lbasz), le16_to_cpu(h->ms),
                             h->pif);
    if (lbaf < 0 || h->pi > 3 || h->mset > 1 || h->pil > 1) {
        warn_report("nvme-pi: image header has an unknown format; "
                    "reformatting");
        return false;
    }
    *out = *h;
    out->lbaf = lbaf;
    return true;
}

static int nvme_pi_ns_fill_meta(NvmePiNs *ns, uint64_t slba, uint64_t nlb,
                                uint8_t byte)
{
    uint64_t off = ns->meta_off + slba * ns->ms;
    uint64_t left = nlb * ns->ms;
    g_autofree uint8_t *buf = NULL;

    if (!left) {
        return 0;
    }
    buf = g_malloc(MIN(left, (uint64_t)NVME_PI_FILL_CHUNK));
    memset(buf, byte, MIN(left, (uint64_t)NVME_PI_FILL_CHUNK));
    while (left) {
        uint64_t len = MIN(left, (uint64_t)NVME_PI_FILL_CHUNK);
        int ret = blk_pwrite(ns->blk, off, len, buf, 0);

        if (ret < 0) {
            return ret;
        }
        off += len;
        left -= len;
    }
    return 0;
}

static int nvme_pi_ns_zero_data(NvmePiNs *ns, uint64_t slba, uint64_t nlb)
{
    uint64_t off = ns->data_off + slba * ns->lbasz;
    uint64_t left = nlb * ns->lbasz;

    while (left) {
        uint64_t len = MIN(left, NVME_PI_ZERO_CHUNK);
        int ret = blk_pwrite_zeroes(ns->blk, off, len, BDRV_REQ_MAY_UNMAP);

        if (ret < 0) {
            return ret;
        }
        off += len;
        left -= len;
    }
    return 0;
}

/* Zero data, all-ones metadata: what an unwritten block reads as. */
uint16_t nvme_pi_ns_deallocate(NvmePiNs *ns, uint64_t slba, uint64_t nlb)
{
    trace_nvme_pi_ns_deallocate(slba, nlb);
    if (nvme_pi_ns_zero_data(ns, slba, nlb) < 0 ||
        nvme_pi_ns_fill_meta(ns, slba, nlb, 0xff) < 0) {
        trace_nvme_pi_ns_io_error("deallocate", slba, nlb);
        return NVME_INTERNAL_DEV_ERROR;
    }
    return NVME_SUCCESS;
}

uint64_t nvme_pi_ns_step_blocks(const NvmePiNs *ns)
{
    uint64_t nlb = NVME_PI_STEP_DATA_BYTES / ns->lbasz;

    if (ns->ms) {
        nlb = MIN(nlb, NVME_PI_STEP_META_BYTES / ns->ms);
    }
    return nlb;
}

uint16_t nvme_pi_ns_format_begin(NvmePiNs *ns, uint8_t lbaf, bool extended,
                                 uint8_t pi, bool pi_first)
{
    const NvmePiLbaf *f = &nvme_pi_lbaf[lbaf];

    if (ns->img_size < NVME_PI_HDR_SIZE + f->ds + f->ms) {
        trace_nvme_pi_ns_format_too_small(lbaf, ns->img_size);
        return NVME_INVALID_FORMAT | NVME_PI_STATUS_DNR;
    }
    nvme_pi_ns_set_format(ns, lbaf, extended, pi, pi_first);
    trace_nvme_pi_ns_format(lbaf, ns->lbasz, ns->ms, extended, pi, pi_first,
                            ns->pif, ns->nlbas);
    ns->formatting = true;
    ns->format_done = 0;
    return NVME_SUCCESS;
}

uint16_t nvme_pi_ns_format_step(NvmePiNs *ns)
{
    uint16_t status;

    if (ns->format_done < ns->nlbas) {
        uint64_t nlb = MIN(ns->nlbas - ns->format_done,
                           nvme_pi_ns_step_blocks(ns));

        status = nvme_pi_ns_deallocate(ns, ns->format_done, nlb);
        if (status) {
            ns->formatting = false;
            return status;
        }
        ns->format_done += nlb;
        return NVME_NO_COMPLETE;
    }
    ns->formatting = false;
    if (nvme_pi_ns_write_header(ns) < 0 || blk_flush(ns->blk) < 0) {
        trace_nvme_pi_ns_io_error("header", 0, 0);
        return NVME_INTERNAL_DEV_ERROR;
    }
    return NVME_SUCCESS;
}

uint16_t nvme_pi_ns_format(NvmePiNs *ns, uint8_t lbaf, bool extended,
                           uint8_t pi, bool pi_first)
{
    uint16_t status = nvme_pi_ns_format_begin(ns, lbaf, extended, pi,
                                              pi_first);

    if (status) {
        return status;
    }
    do {
        status = nvme_pi_ns_format_step(ns);
    } while (status == NVME_NO_COMPLETE);
    return status;
}

/*
 * Realize: the format comes from the properties that were given, and for
 * those that were not, from the image header if there is one, else from
 * the defaults (512 bytes, no metadata).  An image whose header matches
 * is used as is; otherwise it is formatted.
 */
bool nvme_pi_ns_realize(NvmePiNs *ns, uint32_t nsid, const NvmePiNsProps *p,
                        Error **errp)
{
    NvmePiHdr h = { 0 };
    bool have_hdr;
    uint32_t lbs = 512;
    uint16_t ms = 0;
    uint8_t mset = 0, pi = 0, pil = 0, pif = 0;
    int lbaf;
    uint16_t status;

    ns->present = false;
    ns->nsid = nsid;
    if (!ns->blk) {
        return true;        /* a controller without namespaces */
    }
    if (!blk_is_inserted(ns->blk)) {
        error_setg(errp, "nvme-pi: drive has no medium");
        return false;
    }
    if (!blk_supports_write_perm(ns->blk)) {
        error_setg(errp, "nvme-pi: drive must be writable (the image "
                   "holds the format header and the metadata)");
        return false;
    }
    if (blk_set_perm(ns->blk, BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE,
                     BLK_PERM_ALL, errp) < 0) {
        return false;
    }
    ns->img_size = blk_getlength(ns->blk);
    if (ns->img_size < 0) {
        error_setg(errp, "nvme-pi: cannot get the drive's size");
        return false;
    }

    have_hdr = nvme_pi_ns_read_header(ns, &h);
    if (have_hdr) {
        lbs = le32_to_cpu(h.lbasz);
        ms = le16_to_cpu(h.ms);
        mset = h.mset;
        pi = h.pi;
        pil = h.pil;
        pif = h.pif;
    }
    if (p->lbs) {
        lbs = p->lbs;
    }
    if (p->ms != UINT16_MAX) {
        ms = p->ms;
    }
    if (p->mset != UINT8_MAX) {
        mset = p->mset;
    }
    if (p->pi != UINT8_MAX) {
        pi = p->pi;
    }
    if (p->pil != UINT8_MAX) {
        pil = p->pil;
    }
    if (p->pif != UINT8_MAX) {
        pif = p->pif;
    }
    if (mset > 1 || pil > 1) {
        error_setg(errp, "nvme-pi: mset and pil must be 0 or 1");
        return false;
    }
    if (pif != PI_GUARD_16 && pif != PI_GUARD_64) {
        error_setg(errp, "nvme-pi: pif must be %u (16b guard) or %u (64b "
                   "guard), got %u", PI_GUARD_16, PI_GUARD_64, pif);
        return false;
    }
    if (pi > NVME_PI_MAX_PI_TYPE) {
        error_setg(errp, "nvme-pi: pi must be 0..3, got %u", pi);
        return false;
    }
    lbaf = nvme_pi_lbaf_find(lbs, ms, pif);
    if (lbaf < 0) {
        error_setg(errp, "nvme-pi: no LBA format %u+%u with pif=%u; "
                   "logical_block_size is 512 or 4096, ms is 0, 8, 16 or "
                   "64, and pif=2 needs ms 16 or 64", lbs, ms, pif);
        return false;
    }
    if (nvme_pi_ns_check_format(lbaf, pi)) {
        error_setg(errp, "nvme-pi: pi=%u cannot be checked on the format "
                   "%u+%u pif=%u: the PI tuple needs ms of at least %zu "
                   "bytes; choose a larger ms or pi=0", pi, lbs, ms, pif,
                   pi_tuple_size(pif));
        return false;
    }
    ns->pbs = p->pbs ? p->pbs : lbs;
    if (ns->pbs < lbs || ns->pbs % lbs) {
        error_setg(errp, "nvme-pi: physical_block_size must be a multiple "
                   "of logical_block_size");
        return false;
    }

    if (have_hdr && h.lbaf == lbaf && h.mset == mset && h.pi == pi &&
        h.pil == pil) {
        nvme_pi_ns_set_format(ns, lbaf, mset, pi, pil);
        if (le64_to_cpu(h.nlbas) == ns->nlbas &&
            le64_to_cpu(h.meta_off) == ns->meta_off) {
            trace_nvme_pi_ns_open(lbaf, ns->nlbas);
            ns->present = true;
            return true;
        }
        warn_report("nvme-pi: image size changed since it was formatted; "
                    "reformatting");
    } else if (have_hdr) {
        warn_report("nvme-pi: image was formatted %u+%u pi=%u, properties "
                    "ask for %u+%u pi=%u: reformatting (data is lost)",
                    le32_to_cpu(h.lbasz), le16_to_cpu(h.ms), h.pi, lbs, ms,
                    pi);
    }
    status = nvme_pi_ns_format(ns, lbaf, mset, pi, pil);
    if (status) {
        error_setg(errp, "nvme-pi: cannot format the drive (%s)",
                   (status & 0xff) == (NVME_INVALID_FORMAT & 0xff) ?
                   "image too small for one block" : "I/O error");
        return false;
    }
    ns->present = true;
    return true;
}

uint16_t nvme_pi_ns_read(NvmePiNs *ns, uint64_t slba, uint32_t nlb,
                         uint8_t *data, uint8_t *meta)
{
    if (blk_pread(ns->blk, ns->data_off + slba * ns->lbasz,
                  (int64_t)nlb * ns->lbasz, data, 0) < 0 ||
        (ns->ms && meta &&
         blk_pread(ns->blk, ns->meta_off + slba * ns->ms,
                   (int64_t)nlb * ns->ms, meta, 0) < 0)) {
        trace_nvme_pi_ns_io_error("read", slba, nlb);
        return NVME_UNRECOVERED_READ;
    }
    return NVME_SUCCESS;
}

uint16_t nvme_pi_ns_write(NvmePiNs *ns, uint64_t slba, uint32_t nlb,
                          const uint8_t *data, const uint8_t *meta, bool fua)
{
    BdrvRequestFlags flags = fua ? BDRV_REQ_FUA : 0;

    if ((data && blk_pwrite(ns->blk, ns->data_off + slba * ns->lbasz,
                            (int64_t)nlb * ns->lbasz, data, flags) < 0) ||
        (ns->ms && meta &&
         blk_pwrite(ns->blk, ns->meta_off + slba * ns->ms,
                    (int64_t)nlb * ns->ms, meta, flags) < 0)) {
        trace_nvme_pi_ns_io_error("write", slba, nlb);
        return NVME_WRITE_FAULT;
    }
    return NVME_SUCCESS;
}

uint16_t nvme_pi_ns_flush(NvmePiNs *ns)
{
    if (blk_flush(ns->blk) < 0) {
        trace_nvme_pi_ns_io_error("flush", 0, 0);
        return NVME_INTERNAL_DEV_ERROR;
    }
    return NVME_SUCCESS;
}

/*
 * ---- In-flight range lock ----
 *
 * A write persists data and metadata as two block requests; two
 * overlapping writes running at once could end as "data of one +
 * metadata of the other" (a guard error the guest did not cause), and a
 * read running with a write could see one half new and one half old.  So
 * every range of blocks with block I/O under way is in ns->held: writes
 * exclusive, reads shared.  A command whose range conflicts with a held
 * range, or with an earlier waiter (FIFO: no starvation, overlapping
 * writes persist in fetch order), goes to ns->waiting and is granted
 * from the unlock that clears the way -- never a busy loop, never a
 * blocked main loop.  Each step is linear in the number of commands in
 * flight (the unlock rescans the waiters).
 */
static bool nvme_pi_range_conflict(const NvmePiRange *a, const NvmePiRange *b)
{
    return (a->write || b->write) && a->slba < b->end && b->slba < a->end;
}

static bool nvme_pi_range_blocked(NvmePiNs *ns, NvmePiRange *r)
{
    NvmePiRange *o;

    QTAILQ_FOREACH(o, &ns->held, next) {
        if (nvme_pi_range_conflict(o, r)) {
            return true;
        }
    }
    QTAILQ_FOREACH(o, &ns->waiting, next) {
        if (o == r) {
            break;
        }
        if (nvme_pi_range_conflict(o, r)) {
            return true;
        }
    }
    return false;
}

void nvme_pi_ns_ranges_init(NvmePiNs *ns)
{
    QTAILQ_INIT(&ns->held);
    QTAILQ_INIT(&ns->waiting);
}

bool nvme_pi_ns_range_lock(NvmePiNs *ns, NvmePiRange *r)
{
    r->held = false;
    r->waiting = false;
    if (nvme_pi_range_blocked(ns, r)) {
        trace_nvme_pi_range_wait(r->slba, r->end - r->slba, r->write);
        r->waiting = true;
        QTAILQ_INSERT_TAIL(&ns->waiting, r, next);
        return false;
    }
    r->held = true;
    QTAILQ_INSERT_TAIL(&ns->held, r, next);
    return true;
}

/* Grant every waiter the way is clear for, in FIFO order. */
static void nvme_pi_range_wake(NvmePiNs *ns)
{
    QTAILQ_HEAD(, NvmePiRange) granted = QTAILQ_HEAD_INITIALIZER(granted);
    NvmePiRange *r, *next;

    QTAILQ_FOREACH_SAFE(r, &ns->waiting, next, next) {
        if (!nvme_pi_range_blocked(ns, r)) {
            QTAILQ_REMOVE(&ns->waiting, r, next);
            r->waiting = false;
            r->held = true;
            QTAILQ_INSERT_TAIL(&ns->held, r, next);
            /* Remember it without the list entry, which ns->held uses. */
            QTAILQ_INSERT_TAIL(&granted, r, granted_next);
        }
    }
    /* Only now: a grant may start block I/O, or even unlock. */
    while ((r = QTAILQ_FIRST(&granted))) {
        QTAILQ_REMOVE(&granted, r, granted_next);
        trace_nvme_pi_range_resume(r->slba, r->end - r->slba, r->write);
        r->grant(r);
    }
}

void nvme_pi_ns_range_unlock(NvmePiNs *ns, NvmePiRange *r)
{
    assert(r->held);
    QTAILQ_REMOVE(&ns->held, r, next);
    r->held = false;
    nvme_pi_range_wake(ns);
}

bool nvme_pi_ns_range_cancel(NvmePiNs *ns, NvmePiRange *r)
{
    if (!r->waiting) {
        return false;
    }
    QTAILQ_REMOVE(&ns->waiting, r, next);
    r->waiting = false;
    /* Waiters behind it may have been waiting only for it. */
    nvme_pi_range_wake(ns);
    return true;
}

/* One of a command's (up to two) block requests returned. */
static void nvme_pi_ns_aio_cb(void *opaque, int ret)
{
    NvmePiNsAio *a = opaque;

    if (ret < 0 && !a->ret) {
        a->ret = ret;
    }
    if (--a->pending == 0) {
        /* Both halves are on the image: the range is free again. */
        nvme_pi_ns_range_unlock(a->ns, &a->range);
        a->cb(a->opaque, a->ret);
    }
}

static void nvme_pi_ns_aio_start(NvmePiNsAio *a)
{
    NvmePiNs *ns = a->ns;
    uint64_t slba = a->slba;

    /* Completions always arrive later, from the main loop, never here. */
    if (a->write) {
        blk_aio_pwritev(ns->blk, ns->data_off + slba * ns->lbasz, &a->dqiov,
                        a->flags, nvme_pi_ns_aio_cb, a);
        if (a->with_meta) {
            blk_aio_pwritev(ns->blk, ns->meta_off + slba * ns->ms, &a->mqiov,
                            a->flags, nvme_pi_ns_aio_cb, a);
        }
    } else {
        blk_aio_preadv(ns->blk, ns->data_off + slba * ns->lbasz, &a->dqiov,
                       0, nvme_pi_ns_aio_cb, a);
        if (a->with_meta) {
            blk_aio_preadv(ns->blk, ns->meta_off + slba * ns->ms, &a->mqiov,
                           0, nvme_pi_ns_aio_cb, a);
        }
    }
}

static void nvme_pi_ns_aio_grant(NvmePiRange *r)
{
    nvme_pi_ns_aio_start(container_of(r, NvmePiNsAio, range));
}

void nvme_pi_ns_aio(NvmePiNs *ns, bool write, uint64_t slba, uint32_t nlb,
                    uint8_t *data, uint8_t *meta, bool fua, NvmePiNsAio *a,
                    NvmePiNsCb *cb, void *opaque)
{
    a->cb = cb;
    a->opaque = opaque;
    a->ret = 0;
    a->ns = ns;
    a->slba = slba;
    a->write = write;
    a->flags = write && fua ? BDRV_REQ_FUA : 0;
    a->with_meta = ns->ms && meta;
    a->pending = a->with_meta ? 2 : 1;
    qemu_iovec_init_buf(&a->dqiov, data, (size_t)nlb * ns->lbasz);
    if (a->with_meta) {
        qemu_iovec_init_buf(&a->mqiov, meta, (size_t)nlb * ns->ms);
    }
    a->range.slba = slba;
    a->range.end = slba + nlb;
    a->range.write = write;
    a->range.grant = nvme_pi_ns_aio_grant;
    if (nvme_pi_ns_range_lock(ns, &a->range)) {
        nvme_pi_ns_aio_start(a);
    }
}

bool nvme_pi_ns_aio_cancel(NvmePiNs *ns, NvmePiNsAio *a)
{
    return a->range.grant == nvme_pi_ns_aio_grant &&
           nvme_pi_ns_range_cancel(ns, &a->range);
}

/* A flush holds no range. */
static void nvme_pi_ns_flush_cb(void *opaque, int ret)
{
    NvmePiNsAio *a = opaque;

    a->cb(a->opaque, ret);
}

void nvme_pi_ns_aio_flush(NvmePiNs *ns, NvmePiNsAio *a, NvmePiNsCb *cb,
                          void *opaque)
{
    a->cb = cb;
    a->opaque = opaque;
    a->ret = 0;
    a->pending = 1;
    blk_aio_flush(ns->blk, nvme_pi_ns_flush_cb, a);
}
