/*
 * nvme-pi: the mutation recorder, QEMU side.
 *
 * This file owns what the device does with a write whose reads of guest
 * memory differ: it fills a MutationEvent (who, where, when on the hook
 * clock, the guards), decides the outcome from the PI status of the bytes
 * persisted, counts it, appends it to mutation-log=PATH as one JSON line
 * (flushed per line, so a crashed or killed QEMU still leaves every event
 * before it), records the writes a power cut caught in flight (one line
 * each, "event":"power-cut"), and serves the counters as QOM properties (stat-*, read by
 * the harness with qom-get) and as vendor log page C0h.  What an event
 * says, the JSON line and the log page layout are the pure core's
 * (mutation.c); this file is the glue.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qom/object.h"
#include "nvme-pi.h"
#include "trace.h"

void nvme_pi_record_counters(Object *obj, MutationCounters *c)
{
    static const struct {
        const char *name;
        size_t off;
    } stats[] = {
        { "stat-writes-checked", offsetof(MutationCounters, writes_checked) },
        { "stat-mutation-events", offsetof(MutationCounters, events) },
        { "stat-mutation-pi-errors", offsetof(MutationCounters, pi_errors) },
        { "stat-mutation-persisted-first",
          offsetof(MutationCounters, persisted_first) },
        { "stat-mutation-persisted-last",
          offsetof(MutationCounters, persisted_last) },
        { "stat-mutation-persisted-torn",
          offsetof(MutationCounters, persisted_torn) },
        { "stat-mutation-bytes-changed",
          offsetof(MutationCounters, bytes_changed) },
        { "stat-power-cut-writes", offsetof(MutationCounters, cut_writes) },
        { "stat-power-cut-none", offsetof(MutationCounters, cut_none) },
        { "stat-power-cut-first", offsetof(MutationCounters, cut_first) },
        { "stat-power-cut-last", offsetof(MutationCounters, cut_last) },
        { "stat-power-cut-torn", offsetof(MutationCounters, cut_torn) },
    };
    size_t i;

    for (i = 0; i < ARRAY_SIZE(stats); i++) {
        object_property_add_uint64_ptr(obj, stats[i].name,
                                       (uint64_t *)((char *)c + stats[i].off),
                                       OBJ_PROP_FLAG_READ);
    }
}

/*
 * The counters the harness reads: every stat-* property is one.  An
 * nvme-pi-ns has the mutation ones for itself (ns-dev.c).
 */
void nvme_pi_record_init(NvmePiCtrl *n)
{
    static const struct {
        const char *name;
        size_t off;
    } stats[] = {
        { "stat-guard-errors", offsetof(NvmePiCtrl, stat_guard_errors) },
        { "stat-apptag-errors", offsetof(NvmePiCtrl, stat_apptag_errors) },
        { "stat-reftag-errors", offsetof(NvmePiCtrl, stat_reftag_errors) },
        { "stat-writes", offsetof(NvmePiCtrl, host_writes) },
        { "stat-reads", offsetof(NvmePiCtrl, host_reads) },
    };
    size_t i;

    nvme_pi_record_counters(OBJECT(n), &n->mut);
    for (i = 0; i < ARRAY_SIZE(stats); i++) {
        object_property_add_uint64_ptr(OBJECT(n), stats[i].name,
                                       (uint64_t *)((char *)n + stats[i].off),
                                       OBJ_PROP_FLAG_READ);
    }
}

bool nvme_pi_record_realize(NvmePiCtrl *n, Error **errp)
{
    if (!n->mutation_log || !*n->mutation_log) {
        return true;
    }
    n->mut_log = fopen(n->mutation_log, "a");
    if (!n->mut_log) {
        error_setg_errno(errp, errno, "nvme-pi: cannot open mutation-log "
                         "'%s' for appending (does its directory exist?)",
                         n->mutation_log);
        return false;
    }
    return true;
}

void nvme_pi_record_exit(NvmePiCtrl *n)
{
    if (n->mut_log) {
        fclose(n->mut_log);
        n->mut_log = NULL;
    }
}

void nvme_pi_record_pi_error(NvmePiCtrl *n, PiCheck check)
{
    switch (check) {
    case PI_CHECK_GUARD:
        n->stat_guard_errors++;
        break;
    case PI_CHECK_APPTAG:
        n->stat_apptag_errors++;
        break;
    case PI_CHECK_REFTAG:
        n->stat_reftag_errors++;
        break;
    case PI_CHECK_NONE:
        break;
    }
}

bool nvme_pi_record_diff(NvmePiCtrl *n, NvmePiReq *req, uint64_t slba,
                         uint32_t nlb, uint8_t *const *data,
                         uint8_t *const *meta, uint32_t nreads,
                         MutationEvent *ev)
{
    NvmePiNs *ns = req->ns;
    uint64_t blk;

    memset(ev, 0, sizeof(*ev));
    ev->nsid = ns->nsid;
    ev->cid = le16_to_cpu(req->cmd.cid);
    ev->sqid = req->sq ? req->sq->sqid : 0;
    ev->opcode = req->cmd.opcode;
    ev->slba = slba;
    ev->nlb = nlb;
    ev->block_size = ns->lbasz;
    if (!mutation_diff((const uint8_t *const *)data, nreads,
                       (size_t)nlb * ns->lbasz, ev)) {
        return false;
    }
    /* The guards of the first changed block, as sent and as read. */
    blk = ev->first_lba - slba;
    ev->has_guard = false;
    if (ns->pi) {
        PiCtx ctx;
        PiTuple t;
        size_t d = blk * ns->lbasz, m = blk * ns->ms;

        /* No guards rather than guards of a context the engine refused. */
        if (pi_ctx_init(&ctx, &ns->pifmt, 0, 0, 0, 0) != PI_OK) {
            return true;
        }
        ev->has_guard = true;
        pi_tuple_read(&ctx, meta[0] + m, &t);
        ev->guard_host = t.guard;
        ev->guard_first = pi_block_guard(&ctx, data[0] + d, meta[0] + m);
        ev->guard_last = pi_block_guard(&ctx, data[nreads - 1] + d,
                                        meta[nreads - 1] + m);
    }
    return true;
}

static void nvme_pi_record_put_line(NvmePiCtrl *n, const char *out)
{
    if (fputs(out, n->mut_log) < 0 || fputc('\n', n->mut_log) < 0 ||
        fflush(n->mut_log) != 0) {
        trace_nvme_pi_mutation_log_error(n->mutation_log, errno);
    }
}

static void nvme_pi_record_write_line(NvmePiCtrl *n, const MutationEvent *ev)
{
    char line[1024];
    g_autofree char *big = NULL;
    const char *out = line;
    int len;

    if (!n->mut_log) {
        return;
    }
    len = mutation_format_json(ev, n->serial, line, sizeof(line));
    if (len >= (int)sizeof(line)) {
        big = g_malloc(len + 1);
        mutation_format_json(ev, n->serial, big, len + 1);
        out = big;
    }
    nvme_pi_record_put_line(n, out);
}

void nvme_pi_record_event(NvmePiCtrl *n, NvmePiNs *ns, MutationEvent *ev,
                          uint16_t status)
{
    uint16_t sc = status & 0x7ff;

    if (sc == NVME_E2E_GUARD_ERROR || sc == NVME_E2E_APP_ERROR ||
        sc == NVME_E2E_REF_ERROR) {
        ev->outcome = MUTATION_PI_ERROR;
    } else {
        switch (ns->policy.source) {
        case DMA_SOURCE_FIRST:
            ev->outcome = MUTATION_PERSISTED_FIRST;
            break;
        case DMA_SOURCE_LAST:
            ev->outcome = MUTATION_PERSISTED_LAST;
            break;
        default:
            ev->outcome = MUTATION_PERSISTED_TORN;
            break;
        }
    }
    ev->time_ns = qemu_clock_get_ns(n->hook_clock);
    trace_nvme_pi_mutation(ev->sqid, ev->cid, ev->slba, ev->first_lba,
                           ev->first_offset, ev->bytes_changed,
                           dma_source_name(ns->policy.source),
                           mutation_outcome_name(ev->outcome));
    mutation_count(&n->mut, ev);
    mutation_count(&ns->mut, ev);
    n->mut_last = *ev;
    nvme_pi_record_write_line(n, ev);
}

void nvme_pi_record_cut(NvmePiCtrl *n, NvmePiReq *req, MutationCut *cut)
{
    char line[512];
    g_autofree char *big = NULL;
    int len;

    cut->time_ns = qemu_clock_get_ns(n->hook_clock);
    cut->nsid = req->ns->nsid;
    cut->cid = le16_to_cpu(req->cmd.cid);
    cut->sqid = req->sq ? req->sq->sqid : 0;
    cut->opcode = req->cmd.opcode;
    trace_nvme_pi_power_cut_write(cut->sqid, cut->cid, cut->slba, cut->nlb,
                                  cut->reads, dma_power_cut_name(cut->policy),
                                  cut->bytes_persisted);
    mutation_count_cut(&n->mut, cut);
    mutation_count_cut(&req->ns->mut, cut);
    if (!n->mut_log) {
        return;
    }
    len = mutation_format_cut_json(cut, n->serial, line, sizeof(line));
    if (len >= (int)sizeof(line)) {
        big = g_malloc(len + 1);
        mutation_format_cut_json(cut, n->serial, big, len + 1);
    }
    nvme_pi_record_put_line(n, big ? big : line);
}

size_t nvme_pi_record_log_page(NvmePiCtrl *n, uint8_t *buf)
{
    mutation_log_page(&n->mut, &n->mut_last, buf);
    return MUTATION_LOG_PAGE_SIZE;
}
