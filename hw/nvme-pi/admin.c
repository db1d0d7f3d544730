/*
 * nvme-pi: the admin command set.
 *
 * This file owns Identify, Get Log Page (Error Information, SMART /
 * Health, Firmware Slot, Commands Supported and Effects, and the vendor
 * page reserved for the mutation recorder), Set/Get Features, I/O queue
 * creation and deletion, Abort, Asynchronous Event Request, Format NVM
 * and Keep Alive, plus the error log and event state they report.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "hw/pci/msix.h"
#include "nvme-pi.h"
#include "dma.h"
#include "crc.h"
#include "trace.h"

#define NVME_PI_TEMP_KELVIN     303     /* what the SMART log reports */
#define NVME_PI_WCTEMP          343
#define NVME_PI_CCTEMP          373
#define NVME_PI_FW_REV          "1.0"
#define NVME_PI_MODEL           "nvme-pi"

/* Volatile Write Cache: one setting for every namespace's image. */
static void nvme_pi_vwc_apply(NvmePiCtrl *n)
{
    NvmePiNs *ns;
    unsigned i;

    NVME_PI_FOREACH_NS(n, ns, i) {
        blk_set_enable_write_cache(ns->blk, n->feat_vwc);
    }
}

void nvme_pi_admin_reset(NvmePiCtrl *n)
{
    n->feat_arb = NVME_ARB_AB_NOLIMIT;
    n->feat_temp_over = NVME_PI_WCTEMP;
    n->feat_temp_under = 0;
    n->feat_err_rec = 0;
    n->feat_vwc = true;
    n->feat_intc = 0;
    n->feat_aec = 0;
    n->feat_kato = 0;
    n->nsq_granted = n->max_ioqpairs;
    n->ncq_granted = n->max_ioqpairs;
    n->aer_outstanding = 0;
    n->aer_queued = 0;
    n->aer_masked = 0;
    nvme_pi_vwc_apply(n);
}

/* ---- error log and asynchronous events ---- */

void nvme_pi_error_log_add(NvmePiCtrl *n, NvmePiReq *req, uint16_t status,
                           uint64_t lba, uint32_t nsid)
{
    NvmeErrorLog *e = &n->errlog[n->errlog_next];

    memset(e, 0, sizeof(*e));
    e->error_count = cpu_to_le64(++n->error_count);
    e->sqid = cpu_to_le16(req->sq ? req->sq->sqid : 0);
    e->cid = req->cmd.cid;
    e->status_field = cpu_to_le16(status << 1);
    e->param_error_location = cpu_to_le16(0xffff);
    e->lba = cpu_to_le64(lba);
    e->nsid = cpu_to_le32(nsid);
    n->errlog_next = (n->errlog_next + 1) % ARRAY_SIZE(n->errlog);
    trace_nvme_pi_error_log(n->error_count, status, lba, nsid);
}

void nvme_pi_aer_enqueue(NvmePiCtrl *n, uint8_t type, uint8_t info,
                         uint8_t log_page)
{
    if (type == NVME_AER_TYPE_SMART && !(n->feat_aec & (1u << info))) {
        trace_nvme_pi_aer_disabled(type, info);
        return;
    }
    if (n->aer_queued == NVME_PI_MAX_AER_EVENTS) {
        trace_nvme_pi_aer_dropped(type, info);
        return;
    }
    n->aer_queue[n->aer_queued++] = (NvmeAerResult) {
        .event_type = type, .event_info = info, .log_page = log_page,
    };
    trace_nvme_pi_aer_queued(type, info, log_page);
    nvme_pi_kick(n);
}

/*
 * Complete outstanding AERs with queued events.  An event type stays
 * masked from its delivery until the host reads its log page.
 */
void nvme_pi_aer_deliver(NvmePiCtrl *n)
{
    unsigned i = 0;

    while (n->aer_outstanding && i < n->aer_queued) {
        NvmeAerResult ev = n->aer_queue[i];
        uint32_t result;

        if (n->aer_masked & (1u << ev.event_type)) {
            i++;
            continue;
        }
        result = ev.event_type | (ev.event_info << 8) | (ev.log_page << 16);
        if (!nvme_pi_post_cqe(n, &n->cq[0], 0, n->sq[0].head,
                              n->aer_cid[n->aer_outstanding - 1],
                              NVME_SUCCESS, result)) {
            return;     /* admin CQ full: retried on the next doorbell */
        }
        trace_nvme_pi_aer_complete(ev.event_type, ev.event_info);
        n->aer_outstanding--;
        n->aer_masked |= 1u << ev.event_type;
        memmove(&n->aer_queue[i], &n->aer_queue[i + 1],
                (n->aer_queued - i - 1) * sizeof(n->aer_queue[0]));
        n->aer_queued--;
    }
}

static uint16_t nvme_pi_aer(NvmePiCtrl *n, NvmePiReq *req)
{
    if (n->aer_outstanding > NVME_PI_AERL) {
        trace_nvme_pi_aer_limit();
        return NVME_AER_LIMIT_EXCEEDED;
    }
    n->aer_cid[n->aer_outstanding++] = req->cmd.cid;
    nvme_pi_kick(n);
    return NVME_NO_COMPLETE;
}

/* ---- Identify ---- */

static void nvme_pi_strpad(uint8_t *dst, const char *src, size_t len)
{
    size_t l = MIN(strlen(src), len);

    memset(dst, ' ', len);
    memcpy(dst, src, l);
}

/* NGUID: the controller's serial and the nsid, hashed; stable over runs. */
static void nvme_pi_nguid(NvmePiCtrl *n, uint32_t nsid, uint8_t nguid[16])
{
    g_autofree char *tag = g_strdup_printf("nvme-pi-ns%u", nsid);
    uint64_t a = crc64_nvme(0, n->serial, strlen(n->serial));
    uint64_t b = crc64_nvme(a, tag, strlen(tag));

    stq_be_p(nguid, a);
    stq_be_p(nguid + 8, b);
}

static uint16_t nvme_pi_identify_ctrl(NvmePiCtrl *n, NvmePiReq *req)
{
    g_autofree NvmeIdCtrl *id = g_new0(NvmeIdCtrl, 1);
    g_autofree char *nqn = g_strdup_printf("nqn.2024-01.io.nvme-pi:%s",
                                           n->serial);

    id->vid = cpu_to_le16(n->vendor_id);
    id->ssvid = cpu_to_le16(pci_get_word(PCI_DEVICE(n)->config +
                                         PCI_SUBSYSTEM_VENDOR_ID));
    nvme_pi_strpad(id->sn, n->serial, sizeof(id->sn));
    nvme_pi_strpad(id->mn, NVME_PI_MODEL, sizeof(id->mn));
    nvme_pi_strpad(id->fr, NVME_PI_FW_REV, sizeof(id->fr));
    id->rab = 6;
    id->ieee[0] = 0x00;
    id->ieee[1] = 0x54;
    id->ieee[2] = 0x52;
    id->mdts = n->mdts;
    id->ver = cpu_to_le32(n->regs.vs);
    id->ctratt = cpu_to_le32(NVME_CTRATT_ELBAS);
    id->cntrltype = NVME_PI_CNTRLTYPE_IO;
    id->oacs = cpu_to_le16(NVME_OACS_FORMAT);
    id->acl = 3;
    id->aerl = NVME_PI_AERL;
    id->frmw = NVME_FRMW_SLOT1_RO | (1 << 1);
    id->lpa = NVME_PI_LPA_EFFECTS | NVME_LPA_EXTENDED;
    id->elpe = NVME_PI_ELPE;
    id->wctemp = cpu_to_le16(NVME_PI_WCTEMP);
    id->cctemp = cpu_to_le16(NVME_PI_CCTEMP);
    id->kas = cpu_to_le16(10);     /* 100 ms units: 1 s granularity */
    /* Required and maximum entry sizes: the only ones there are. */
    id->sqes = (NVME_PI_SQES_LOG2 << 4) | NVME_PI_SQES_LOG2;
    id->cqes = (NVME_PI_CQES_LOG2 << 4) | NVME_PI_CQES_LOG2;
    id->nn = cpu_to_le32(NVME_PI_MAX_NS);
    id->oncs = cpu_to_le16(NVME_ONCS_COMPARE | NVME_ONCS_DSM |
                           NVME_ONCS_WRITE_ZEROES | NVME_ONCS_FEATURES |
                           NVME_ONCS_VERIFY);
    id->vwc = NVME_VWC_PRESENT | NVME_VWC_NSID_BROADCAST_SUPPORT;
    id->sgls = cpu_to_le32(NVME_CTRL_SGLS_SUPPORT_NO_ALIGN |
                           NVME_CTRL_SGLS_BITBUCKET |
                           NVME_CTRL_SGLS_MPTR_CONTIGUOUS |
                           NVME_CTRL_SGLS_EXCESS_LENGTH |
                           NVME_CTRL_SGLS_MPTR_SGL);
    pstrcpy((char *)id->subnqn, sizeof(id->subnqn), nqn);
    id->psd[0].mp = cpu_to_le16(0x9c4);
    id->psd[0].enlat = cpu_to_le32(0x10);
    id->psd[0].exlat = cpu_to_le32(0x4);
    return nvme_pi_dma_cmd_to_guest(n, &req->cmd, id, sizeof(*id));
}

static uint16_t nvme_pi_identify_ns(NvmePiCtrl *n, NvmePiReq *req,
                                    uint32_t nsid)
{
    g_autofree NvmeIdNs *id = g_new0(NvmeIdNs, 1);
    NvmePiNs *ns = nvme_pi_ns_get(n, nsid);
    unsigned i;

    /* An inactive nsid (or the broadcast one) reads as zeroes. */
    if (ns) {
        uint16_t per_pb = ns->pbs / ns->lbasz - 1;

        id->nsze = id->ncap = id->nuse = cpu_to_le64(ns->nlbas);
        id->nsfeat = NVME_PI_NSFEAT_OPTPERF;
        id->nlbaf = nvme_pi_nlbaf - 1;
        id->flbas = NVME_PI_FLBAS_LOW(ns->lbaf) | NVME_PI_FLBAS_HIGH(ns->lbaf) |
                    (ns->extended ? NVME_ID_NS_FLBAS_EXTENDED : 0);
        id->mc = NVME_ID_NS_MC_EXTENDED | NVME_ID_NS_MC_SEPARATE;
        id->dpc = NVME_PI_DPC_TYPE1 | NVME_PI_DPC_TYPE2 | NVME_PI_DPC_TYPE3 |
                  NVME_PI_DPC_FIRST | NVME_PI_DPC_LAST;
        id->dps = ns->pi | (ns->pi && ns->pi_first ?
                            NVME_ID_NS_DPS_FIRST_EIGHT : 0);
        id->dlfeat = NVME_PI_DLFEAT_READ_ZEROES | NVME_PI_DLFEAT_WZ_DEAC;
        id->npwg = id->npwa = id->nows = cpu_to_le16(per_pb);
        nvme_pi_nguid(n, nsid, id->nguid);
        for (i = 0; i < nvme_pi_nlbaf; i++) {
            id->lbaf[i].ms = cpu_to_le16(nvme_pi_lbaf[i].ms);
            id->lbaf[i].ds = ctz32(nvme_pi_lbaf[i].ds);
        }
    }
    return nvme_pi_dma_cmd_to_guest(n, &req->cmd, id, sizeof(*id));
}

static uint16_t nvme_pi_identify(NvmePiCtrl *n, NvmePiReq *req)
{
    NvmeIdentify *c = (NvmeIdentify *)&req->cmd;
    uint32_t nsid = le32_to_cpu(c->nsid);
    uint8_t csi = le32_to_cpu(req->cmd.cdw11) >> 24;
    NvmePiNs *ns = nvme_pi_ns_get(n, nsid);
    bool nsid_ok = nsid == NVME_NSID_BROADCAST ||
                   (nsid >= 1 && nsid <= NVME_PI_MAX_NS);

    trace_nvme_pi_identify(c->cns, nsid, csi);
    switch (c->cns) {
    case NVME_ID_CNS_NS:
        if (!nsid_ok) {
            return NVME_INVALID_NSID | NVME_PI_STATUS_DNR;
        }
        return nvme_pi_identify_ns(n, req, nsid);
    case NVME_ID_CNS_CTRL:
        return nvme_pi_identify_ctrl(n, req);
    case NVME_ID_CNS_CS_NS_ACTIVE_LIST:
        if (csi != NVME_CSI_NVM) {
            return NVME_INVALID_FIELD | NVME_PI_STATUS_DNR;
        }
        /* fall through */
    case NVME_ID_CNS_NS_ACTIVE_LIST: {
        uint32_t list[1024] = { 0 };
        unsigned k = 0, i;

        if (nsid >= NVME_NSID_BROADCAST - 1) {
            return NVME_INVALID_NSID | NVME_PI_STATUS_DNR;
        }
        NVME_PI_FOREACH_NS(n, ns, i) {
            if (i > nsid) {
                list[k++] = cpu_to_le32(i);
            }
        }
        return nvme_pi_dma_cmd_to_guest(n, &req->cmd, list, sizeof(list));
    }
    case NVME_ID_CNS_NS_DESCR_LIST: {
        g_autofree NvmePiNsDescrList *d = g_new0(NvmePiNsDescrList, 1);

        if (!ns) {
            return NVME_INVALID_NSID | NVME_PI_STATUS_DNR;
        }
        d->nguid_hdr.nidt = NVME_NIDT_NGUID;
        d->nguid_hdr.nidl = NVME_PI_NIDL_NGUID;
        nvme_pi_nguid(n, nsid, d->nguid);
        d->csi_hdr.nidt = NVME_NIDT_CSI;
        d->csi_hdr.nidl = NVME_PI_NIDL_CSI;
        d->csi = NVME_CSI_NVM;
        return nvme_pi_dma_cmd_to_guest(n, &req->cmd, d, sizeof(*d));
    }
    case NVME_ID_CNS_CS_NS: {
        g_autofree NvmeIdNsNvm *id = g_new0(NvmeIdNsNvm, 1);
        unsigned i;

        if (csi != NVME_CSI_NVM) {
            trace_nvme_pi_identify_bad_csi(c->cns, csi);
            return NVME_INVALID_FIELD | NVME_PI_STATUS_DNR;
        }
        if (!nsid_ok) {
            return NVME_INVALID_NSID | NVME_PI_STATUS_DNR;
        }
        for (i = 0; i < nvme_pi_nlbaf; i++) {
            id->elbaf[i] = cpu_to_le32(NVME_PI_ELBAF(nvme_pi_lbaf[i].pif, 0));
        }
        return nvme_pi_dma_cmd_to_guest(n, &req->cmd, id, sizeof(*id));
    }
    case NVME_ID_CNS_CS_CTRL: {
        g_autofree NvmeIdCtrlNvm *id = g_new0(NvmeIdCtrlNvm, 1);

        if (csi != NVME_CSI_NVM) {
            trace_nvme_pi_identify_bad_csi(c->cns, csi);
            return NVME_INVALID_FIELD | NVME_PI_STATUS_DNR;
        }
        return nvme_pi_dma_cmd_to_guest(n, &req->cmd, id, sizeof(*id));
    }
    default:
        trace_nvme_pi_identify_bad_cns(c->cns);
        return NVME_INVALID_FIELD | NVME_PI_STATUS_DNR;
    }
}

/* ---- Get Log Page ---- */

/* The largest log page offered: the buffer every Get Log Page fills. */
#define NVME_PI_LOG_MAX_SIZE    4096
QEMU_BUILD_BUG_ON(sizeof(NvmeEffectsLog) > NVME_PI_LOG_MAX_SIZE);
QEMU_BUILD_BUG_ON(sizeof(NvmeSmartLog) > NVME_PI_LOG_MAX_SIZE);
QEMU_BUILD_BUG_ON(sizeof(NvmeErrorLog) * (NVME_PI_ELPE + 1) >
                  NVME_PI_LOG_MAX_SIZE);
QEMU_BUILD_BUG_ON(sizeof(MutationLogPage) > NVME_PI_LOG_MAX_SIZE);

/* 128-bit little-endian counter; the upper half stays zero. */
#define nvme_pi_put128(field, v) do { \
        (field)[0] = cpu_to_le64(v); \
        (field)[1] = 0; \
    } while (0)

static size_t nvme_pi_log_smart(NvmePiCtrl *n, uint8_t *buf)
{
    NvmeSmartLog *s = (NvmeSmartLog *)buf;
    uint8_t warn = 0;

    if (NVME_PI_TEMP_KELVIN > n->feat_temp_over ||
        NVME_PI_TEMP_KELVIN < n->feat_temp_under) {
        warn |= NVME_SMART_TEMPERATURE;
    }
    s->critical_warning = warn;
    s->temperature = cpu_to_le16(NVME_PI_TEMP_KELVIN);
    s->available_spare = 100;
    s->available_spare_threshold = 10;
    nvme_pi_put128(s->data_units_read, DIV_ROUND_UP(n->units_read, 1000));
    nvme_pi_put128(s->data_units_written,
                   DIV_ROUND_UP(n->units_written, 1000));
    nvme_pi_put128(s->host_read_commands, n->host_reads);
    nvme_pi_put128(s->host_write_commands, n->host_writes);
    nvme_pi_put128(s->power_cycles, 1);
    nvme_pi_put128(s->media_errors, n->media_errors);
    nvme_pi_put128(s->number_of_error_log_entries, n->error_count);
    return sizeof(*s);
}

static size_t nvme_pi_log_errors(NvmePiCtrl *n, uint8_t *buf)
{
    unsigned i, cnt = MIN(n->error_count, (uint64_t)ARRAY_SIZE(n->errlog));
    unsigned max = ARRAY_SIZE(n->errlog);

    /* Newest first. */
    for (i = 0; i < cnt; i++) {
        unsigned idx = (n->errlog_next + max - 1 - i) % max;

        memcpy(buf + i * sizeof(NvmeErrorLog), &n->errlog[idx],
               sizeof(NvmeErrorLog));
    }
    return max * sizeof(NvmeErrorLog);
}

static size_t nvme_pi_log_effects(uint8_t *buf)
{
    NvmeEffectsLog *e = (NvmeEffectsLog *)buf;
    static const uint8_t admin[] = {
        NVME_ADM_CMD_DELETE_SQ, NVME_ADM_CMD_CREATE_SQ,
        NVME_ADM_CMD_GET_LOG_PAGE, NVME_ADM_CMD_DELETE_CQ,
        NVME_ADM_CMD_CREATE_CQ, NVME_ADM_CMD_IDENTIFY, NVME_ADM_CMD_ABORT,
        NVME_ADM_CMD_SET_FEATURES, NVME_ADM_CMD_GET_FEATURES,
        NVME_ADM_CMD_ASYNC_EV_REQ, NVME_PI_ADM_CMD_KEEP_ALIVE,
    };
    static const uint8_t io[] = {
        NVME_CMD_FLUSH, NVME_CMD_READ, NVME_CMD_COMPARE, NVME_CMD_VERIFY,
    };
    unsigned i;

    for (i = 0; i < ARRAY_SIZE(admin); i++) {
        e->acs[admin[i]] = cpu_to_le32(NVME_CMD_EFF_CSUPP);
    }
    /* Format changes the namespace's format and contents. */
    e->acs[NVME_ADM_CMD_FORMAT_NVM] =
        cpu_to_le32(NVME_CMD_EFF_CSUPP | NVME_CMD_EFF_LBCC |
                    NVME_CMD_EFF_NCC | NVME_CMD_EFF_NIC | (1u << 16));
    for (i = 0; i < ARRAY_SIZE(io); i++) {
        e->iocs[io[i]] = cpu_to_le32(NVME_CMD_EFF_CSUPP);
    }
    e->iocs[NVME_CMD_WRITE] = cpu_to_le32(NVME_CMD_EFF_CSUPP |
                                          NVME_CMD_EFF_LBCC);
    e->iocs[NVME_CMD_WRITE_ZEROES] = e->iocs[NVME_CMD_WRITE];
    e->iocs[NVME_CMD_DSM] = e->iocs[NVME_CMD_WRITE];
    return sizeof(*e);
}

static uint16_t nvme_pi_get_log(NvmePiCtrl *n, NvmePiReq *req)
{
    uint32_t dw10 = le32_to_cpu(req->cmd.cdw10);
    uint32_t dw11 = le32_to_cpu(req->cmd.cdw11);
    uint8_t lid = NVME_PI_LOG_LID(dw10);
    uint64_t numd = ((uint64_t)(dw11 & 0xffff) << 16 |
                     NVME_PI_LOG_NUMDL(dw10)) + 1;
    uint64_t len = numd * 4;
    uint64_t off = le32_to_cpu(req->cmd.cdw12) |
                   ((uint64_t)le32_to_cpu(req->cmd.cdw13) << 32);
    /* Room for the largest page offered (Commands Supported and Effects). */
    g_autofree uint8_t *buf = g_malloc0(NVME_PI_LOG_MAX_SIZE);
    size_t size;

    trace_nvme_pi_get_log(lid, len, off);
    if (off & 3) {
        return NVME_INVALID_FIELD | NVME_PI_STATUS_DNR;
    }
    switch (lid) {
    case NVME_LOG_ERROR_INFO:
        size = nvme_pi_log_errors(n, buf);
        break;
    case NVME_LOG_SMART_INFO:
        size = nvme_pi_log_smart(n, buf);
        break;
    case NVME_LOG_FW_SLOT_INFO: {
        NvmeFwSlotInfoLog *fw = (NvmeFwSlotInfoLog *)buf;

        fw->afi = 1;
        nvme_pi_strpad(fw->frs1, NVME_PI_FW_REV, sizeof(fw->frs1));
        size = sizeof(*fw);
        break;
    }
    case NVME_LOG_CMD_EFFECTS:
        size = nvme_pi_log_effects(buf);
        break;
    case NVME_PI_LOG_VENDOR_MUTATIONS:
        size = nvme_pi_record_log_page(n, buf);
        break;
    default:
        trace_nvme_pi_get_log_bad(lid);
        return NVME_INVALID_LOG_ID | NVME_PI_STATUS_DNR;
    }
    if (off > size) {
        trace_nvme_pi_get_log_bad_offset(lid, off, size);
        return NVME_INVALID_FIELD | NVME_PI_STATUS_DNR;
    }
    if (!NVME_PI_LOG_RAE(dw10)) {
        if (lid == NVME_LOG_ERROR_INFO) {
            n->aer_masked &= ~(1u << NVME_AER_TYPE_ERROR);
        } else if (lid == NVME_LOG_SMART_INFO) {
            n->aer_masked &= ~(1u << NVME_AER_TYPE_SMART);
        }
        nvme_pi_kick(n);
    }
    return nvme_pi_dma_cmd_to_guest(n, &req->cmd, buf + off,
                                    MIN(len, size - off));
}

/* ---- Features ---- */

static bool nvme_pi_feat_changeable(uint8_t fid)
{
    switch (fid) {
    case NVME_ARBITRATION:
    case NVME_POWER_MANAGEMENT:
    case NVME_TEMPERATURE_THRESHOLD:
    case NVME_ERROR_RECOVERY:
    case NVME_VOLATILE_WRITE_CACHE:
    case NVME_NUMBER_OF_QUEUES:
    case NVME_INTERRUPT_COALESCING:
    case NVME_ASYNCHRONOUS_EVENT_CONF:
    case NVME_PI_FEAT_KEEP_ALIVE_TIMER:
        return true;
    default:
        return false;
    }
}

static uint16_t nvme_pi_get_features(NvmePiCtrl *n, NvmePiReq *req)
{
    uint32_t dw10 = le32_to_cpu(req->cmd.cdw10);
    uint32_t dw11 = le32_to_cpu(req->cmd.cdw11);
    uint8_t fid = NVME_GETSETFEAT_FID(dw10);
    uint8_t sel = NVME_GETFEAT_SELECT(dw10);
    uint32_t *res = &req->result;

    trace_nvme_pi_get_feature(fid, sel);
    if (!nvme_pi_feat_changeable(fid)) {
        trace_nvme_pi_feature_bad(fid);
        return NVME_INVALID_FIELD | NVME_PI_STATUS_DNR;
    }
    if (sel == NVME_GETFEAT_SELECT_CAP) {
        *res = NVME_FEAT_CAP_CHANGE;
        return NVME_SUCCESS;
    }
    if (sel > NVME_GETFEAT_SELECT_CAP) {
        return NVME_INVALID_FIELD | NVME_PI_STATUS_DNR;
    }
    if (sel != NVME_GETFEAT_SELECT_CURRENT) {
        /* default (nothing is saveable, so saved == default) */
        switch (fid) {
        case NVME_ARBITRATION:
            *res = NVME_ARB_AB_NOLIMIT;
            break;
        case NVME_TEMPERATURE_THRESHOLD:
            *res = NVME_TEMP_THSEL(dw11) == NVME_TEMP_THSEL_OVER ?
                   NVME_PI_WCTEMP : 0;
            break;
        case NVME_VOLATILE_WRITE_CACHE:
            *res = 1;
            break;
        case NVME_NUMBER_OF_QUEUES:
            *res = ((n->max_ioqpairs - 1) << 16) | (n->max_ioqpairs - 1);
            break;
        default:
            *res = 0;
            break;
        }
        return NVME_SUCCESS;
    }
    switch (fid) {
    case NVME_ARBITRATION:
        *res = n->feat_arb;
        break;
    case NVME_POWER_MANAGEMENT:
        *res = 0;
        break;
    case NVME_TEMPERATURE_THRESHOLD:
        if (NVME_TEMP_TMPSEL(dw11) != NVME_TEMP_TMPSEL_COMPOSITE) {
            *res = 0;
        } else {
            *res = NVME_TEMP_THSEL(dw11) == NVME_TEMP_THSEL_OVER ?
                   n->feat_temp_over : n->feat_temp_under;
        }
        break;
    case NVME_ERROR_RECOVERY:
        *res = n->feat_err_rec;
        break;
    case NVME_VOLATILE_WRITE_CACHE:
        *res = n->feat_vwc;
        break;
    case NVME_NUMBER_OF_QUEUES:
        *res = ((n->ncq_granted - 1) << 16) | (n->nsq_granted - 1);
        break;
    case NVME_INTERRUPT_COALESCING:
        *res = n->feat_intc;
        break;
    case NVME_ASYNCHRONOUS_EVENT_CONF:
        *res = n->feat_aec;
        break;
    case NVME_PI_FEAT_KEEP_ALIVE_TIMER:
        *res = n->feat_kato;
        break;
    }
    return NVME_SUCCESS;
}

static bool nvme_pi_io_queues_exist(NvmePiCtrl *n)
{
    unsigned i;

    for (i = 1; i < NVME_PI_MAX_QUEUES; i++) {
        if (n->sq[i].created || n->cq[i].created) {
            return true;
        }
    }
    return false;
}

static uint16_t nvme_pi_set_features(NvmePiCtrl *n, NvmePiReq *req)
{
    uint32_t dw10 = le32_to_cpu(req->cmd.cdw10);
    uint32_t dw11 = le32_to_cpu(req->cmd.cdw11);
    uint8_t fid = NVME_GETSETFEAT_FID(dw10);

    trace_nvme_pi_set_feature(fid, dw11);
    if (!nvme_pi_feat_changeable(fid)) {
        trace_nvme_pi_feature_bad(fid);
        return NVME_INVALID_FIELD | NVME_PI_STATUS_DNR;
    }
    if (NVME_SETFEAT_SAVE(dw10)) {
        return NVME_FID_NOT_SAVEABLE | NVME_PI_STATUS_DNR;
    }
    switch (fid) {
    case NVME_ARBITRATION:
        n->feat_arb = dw11;
        break;
    case NVME_POWER_MANAGEMENT:
        if (dw11 & 0x1f) {      /* PS: only power state 0 exists */
            return NVME_INVALID_FIELD | NVME_PI_STATUS_DNR;
        }
        break;
    case NVME_TEMPERATURE_THRESHOLD:
        if (NVME_TEMP_TMPSEL(dw11) != NVME_TEMP_TMPSEL_COMPOSITE ||
            NVME_TEMP_THSEL(dw11) > NVME_TEMP_THSEL_UNDER) {
            return NVME_INVALID_FIELD | NVME_PI_STATUS_DNR;
        }
        if (NVME_TEMP_THSEL(dw11) == NVME_TEMP_THSEL_OVER) {
            n->feat_temp_over = NVME_TEMP_TMPTH(dw11);
        } else {
            n->feat_temp_under = NVME_TEMP_TMPTH(dw11);
        }
        if (NVME_PI_TEMP_KELVIN > n->feat_temp_over ||
            NVME_PI_TEMP_KELVIN < n->feat_temp_under) {
            nvme_pi_aer_enqueue(n, NVME_AER_TYPE_SMART,
                                NVME_AER_INFO_SMART_TEMP_THRESH,
                                NVME_LOG_SMART_INFO);
        }
        break;
    case NVME_ERROR_RECOVERY:
        if (NVME_ERR_REC_DULBE(dw11)) {
            return NVME_INVALID_FIELD | NVME_PI_STATUS_DNR;
        }
        n->feat_err_rec = dw11;
        break;
    case NVME_VOLATILE_WRITE_CACHE:
        n->feat_vwc = dw11 & 1;
        nvme_pi_vwc_apply(n);
        break;
    case NVME_NUMBER_OF_QUEUES: {
        uint32_t nsqr = (dw11 & 0xffff) + 1, ncqr = (dw11 >> 16) + 1;

        if ((dw11 & 0xffff) == 0xffff || (dw11 >> 16) == 0xffff) {
            return NVME_INVALID_FIELD | NVME_PI_STATUS_DNR;
        }
        if (nvme_pi_io_queues_exist(n)) {
            return NVME_CMD_SEQ_ERROR | NVME_PI_STATUS_DNR;
        }
        n->nsq_granted = MIN(nsqr, n->max_ioqpairs);
        n->ncq_granted = MIN(ncqr, n->max_ioqpairs);
        req->result = ((n->ncq_granted - 1) << 16) | (n->nsq_granted - 1);
        break;
    }
    case NVME_INTERRUPT_COALESCING:
        n->feat_intc = dw11 & 0xffff;   /* accepted, not applied */
        break;
    case NVME_ASYNCHRONOUS_EVENT_CONF:
        n->feat_aec = dw11;
        break;
    case NVME_PI_FEAT_KEEP_ALIVE_TIMER:
        n->feat_kato = dw11;            /* accepted, expiry not enforced */
        break;
    }
    return NVME_SUCCESS;
}

/* ---- queues ---- */

static uint16_t nvme_pi_create_cq(NvmePiCtrl *n, NvmePiReq *req)
{
    NvmeCreateCq *c = (NvmeCreateCq *)&req->cmd;
    uint16_t cqid = le16_to_cpu(c->cqid);
    uint32_t qsize = le16_to_cpu(c->qsize) + 1;
    uint16_t flags = le16_to_cpu(c->cq_flags);
    uint16_t vector = le16_to_cpu(c->irq_vector);
    uint64_t prp1 = le64_to_cpu(c->prp1);

    trace_nvme_pi_create_cq(cqid, qsize, flags, vector, prp1);
    if (!cqid || cqid > n->ncq_granted || n->cq[cqid].created) {
        return NVME_INVALID_QID | NVME_PI_STATUS_DNR;
    }
    if (qsize < 2 || qsize > NVME_PI_MQES + 1) {
        return NVME_MAX_QSIZE_EXCEEDED | NVME_PI_STATUS_DNR;
    }
    if (!NVME_CQ_FLAGS_PC(flags)) {
        return NVME_INVALID_FIELD | NVME_PI_STATUS_DNR;
    }
    if (!prp1 || (prp1 & (n->page_size - 1))) {
        return NVME_INVALID_PRP_OFFSET | NVME_PI_STATUS_DNR;
    }
    if (NVME_PI_CC_IOCQES(n->regs.cc) != NVME_PI_CQES_LOG2) {
        return NVME_INVALID_FIELD | NVME_PI_STATUS_DNR;
    }
    if (vector >= n->msix_qsize ||
        (!msix_enabled(PCI_DEVICE(n)) && vector != 0)) {
        return NVME_INVALID_IRQ_VECTOR | NVME_PI_STATUS_DNR;
    }
    nvme_pi_cq_init(n, cqid, prp1, qsize, vector, NVME_CQ_FLAGS_IEN(flags));
    return NVME_SUCCESS;
}

static uint16_t nvme_pi_create_sq(NvmePiCtrl *n, NvmePiReq *req)
{
    NvmeCreateSq *c = (NvmeCreateSq *)&req->cmd;
    uint16_t sqid = le16_to_cpu(c->sqid);
    uint16_t cqid = le16_to_cpu(c->cqid);
    uint32_t qsize = le16_to_cpu(c->qsize) + 1;
    uint16_t flags = le16_to_cpu(c->sq_flags);
    uint64_t prp1 = le64_to_cpu(c->prp1);

    trace_nvme_pi_create_sq(sqid, cqid, qsize, flags, prp1);
    if (!sqid || sqid > n->nsq_granted || n->sq[sqid].created) {
        return NVME_INVALID_QID | NVME_PI_STATUS_DNR;
    }
    if (!cqid || cqid >= NVME_PI_MAX_QUEUES || !n->cq[cqid].created) {
        return NVME_INVALID_CQID | NVME_PI_STATUS_DNR;
    }
    if (qsize < 2 || qsize > NVME_PI_MQES + 1) {
        return NVME_MAX_QSIZE_EXCEEDED | NVME_PI_STATUS_DNR;
    }
    if (!NVME_SQ_FLAGS_PC(flags)) {
        return NVME_INVALID_FIELD | NVME_PI_STATUS_DNR;
    }
    if (!prp1 || (prp1 & (n->page_size - 1))) {
        return NVME_INVALID_PRP_OFFSET | NVME_PI_STATUS_DNR;
    }
    if (NVME_PI_CC_IOSQES(n->regs.cc) != NVME_PI_SQES_LOG2) {
        return NVME_INVALID_FIELD | NVME_PI_STATUS_DNR;
    }
    nvme_pi_sq_init(n, sqid, cqid, prp1, qsize);
    return NVME_SUCCESS;
}

static uint16_t nvme_pi_delete_sq(NvmePiCtrl *n, NvmePiReq *req)
{
    uint16_t qid = le16_to_cpu(((NvmeDeleteQ *)&req->cmd)->qid);

    if (!qid || qid >= NVME_PI_MAX_QUEUES || !n->sq[qid].created) {
        trace_nvme_pi_delete_bad(qid, false);
        return NVME_INVALID_QID | NVME_PI_STATUS_DNR;
    }
    nvme_pi_sq_delete(n, qid);
    return NVME_SUCCESS;
}

static uint16_t nvme_pi_delete_cq(NvmePiCtrl *n, NvmePiReq *req)
{
    uint16_t qid = le16_to_cpu(((NvmeDeleteQ *)&req->cmd)->qid);

    if (!qid || qid >= NVME_PI_MAX_QUEUES || !n->cq[qid].created) {
        trace_nvme_pi_delete_bad(qid, true);
        return NVME_INVALID_QID | NVME_PI_STATUS_DNR;
    }
    if (n->cq[qid].nsq) {
        trace_nvme_pi_delete_bad(qid, true);
        return NVME_INVALID_QUEUE_DEL | NVME_PI_STATUS_DNR;
    }
    nvme_pi_cq_delete(n, qid);
    return NVME_SUCCESS;
}

/* ---- Format NVM ---- */

static unsigned nvme_pi_ns_count(NvmePiCtrl *n)
{
    NvmePiNs *ns;
    unsigned i, count = 0;

    NVME_PI_FOREACH_NS(n, ns, i) {
        count++;
    }
    return count;
}

/*
 * A Format is a job (job.c): the namespaces are formatted one after the
 * other, a bounded run of blocks per step, while I/O to them completes
 * with Format In Progress and other namespaces carry on.  The admin
 * queue waits for it (admin_busy): admin commands run one at a time.
 * Aborted by a controller reset, it still finishes, so the image header
 * always matches what was zeroed.
 */
typedef struct NvmePiFormatJob {
    NvmePiJob job;
    NvmePiCtrl *n;
    NvmePiReq *req;
    uint32_t nsid;          /* being formatted, or done last; 0: none */
    bool in_ns;             /* nsid's format has begun, not ended */
    bool broadcast;         /* every namespace, in nsid order */
    uint8_t lbaf, pi;
    bool mset, pil;
} NvmePiFormatJob;

/* The next namespace the job formats after nsid, or NULL. */
static NvmePiNs *nvme_pi_format_next(NvmePiFormatJob *f, uint32_t nsid)
{
    uint32_t i;

    if (!f->broadcast) {
        return nsid ? NULL : nvme_pi_ns_get(f->n, le32_to_cpu(f->req->cmd.nsid));
    }
    for (i = nsid + 1; i <= NVME_PI_MAX_NS; i++) {
        if (f->n->nss[i]) {
            return f->n->nss[i];
        }
    }
    return NULL;
}

static void nvme_pi_format_end(NvmePiFormatJob *f, uint16_t status)
{
    NvmePiCtrl *n = f->n;
    NvmePiNs *ns = nvme_pi_format_next(f, 0);

    /* After a failure the namespaces not reached are usable again. */
    for (; ns; ns = nvme_pi_format_next(f, ns->nsid)) {
        ns->formatting = false;
    }
    trace_nvme_pi_format_done(f->nsid, status);
    n->admin_busy = false;
    f->req->job = NULL;
    nvme_pi_req_complete(n, f->req, status);    /* frees an aborted one */
    g_free(f);
    nvme_pi_kick(n);            /* the admin queue goes on */
}

/* Begin formatting the namespace after the current one, if any. */
static uint16_t nvme_pi_format_begin_next(NvmePiFormatJob *f)
{
    NvmePiNs *ns = nvme_pi_format_next(f, f->nsid);

    if (!ns) {
        return NVME_SUCCESS;
    }
    f->nsid = ns->nsid;
    f->in_ns = true;
    return nvme_pi_ns_format_begin(ns, f->lbaf, f->mset, f->pi, f->pil);
}

static bool nvme_pi_format_step(NvmePiJob *job)
{
    NvmePiFormatJob *f = container_of(job, NvmePiFormatJob, job);
    NvmePiNs *ns = nvme_pi_ns_get(f->n, f->nsid);
    uint16_t status;

    if (!f->in_ns) {
        status = nvme_pi_format_begin_next(f);
    } else if (!ns) {
        status = NVME_INTERNAL_DEV_ERROR;   /* its device went away */
    } else {
        status = nvme_pi_ns_format_step(ns);
        if (status == NVME_NO_COMPLETE) {
            return true;
        }
        f->in_ns = false;
        if (!status) {
            status = nvme_pi_format_begin_next(f);
        }
    }
    if (status || !f->in_ns) {
        nvme_pi_format_end(f, status);
        return false;
    }
    return true;
}

static uint16_t nvme_pi_format(NvmePiCtrl *n, NvmePiReq *req)
{
    uint32_t dw10 = le32_to_cpu(req->cmd.cdw10);
    uint32_t nsid = le32_to_cpu(req->cmd.nsid);
    uint8_t lbaf = NVME_PI_FMT_LBAFL(dw10) | (NVME_PI_FMT_LBAFU(dw10) << 4);
    uint8_t pi = NVME_PI_FMT_PI(dw10);
    uint8_t ses = NVME_PI_FMT_SES(dw10);
    bool broadcast = nsid == NVME_NSID_BROADCAST;
    NvmePiFormatJob *f;
    NvmePiReq *r;
    NvmePiNs *ns;
    uint16_t status;

    trace_nvme_pi_format_cmd(nsid, lbaf, NVME_PI_FMT_MSET(dw10), pi,
                             NVME_PI_FMT_PIL(dw10), ses);
    ns = nvme_pi_ns_get(n, nsid);
    if (!ns && (!broadcast || !nvme_pi_ns_count(n))) {
        return NVME_INVALID_NSID | NVME_PI_STATUS_DNR;
    }
    if (ses > 1) {      /* no cryptographic erase */
        return NVME_INVALID_FIELD | NVME_PI_STATUS_DNR;
    }
    status = nvme_pi_ns_check_format(lbaf, pi);
    if (status) {
        return status;
    }
    /*
     * I/O still in flight on a namespace to format (a delayed write, a
     * read being posted) was sized for the old format: the host must
     * quiesce it first, as Linux does.
     */
    QTAILQ_FOREACH(r, &n->inflight, entry) {
        if (r != req && r->ns && (broadcast || r->ns == ns)) {
            trace_nvme_pi_format_busy();
            return NVME_CMD_SEQ_ERROR;
        }
    }
    f = g_new0(NvmePiFormatJob, 1);
    f->n = n;
    f->req = req;
    f->broadcast = broadcast;
    f->lbaf = lbaf;
    f->pi = pi;
    f->mset = NVME_PI_FMT_MSET(dw10);
    f->pil = NVME_PI_FMT_PIL(dw10);
    /* FNA bit 0 clear: the broadcast nsid formats each namespace alike. */
    for (ns = nvme_pi_format_next(f, 0); ns;
         ns = nvme_pi_format_next(f, ns->nsid)) {
        ns->formatting = true;
    }
    f->job.step = nvme_pi_format_step;
    req->job = &f->job;
    n->admin_busy = true;
    nvme_pi_job_start(n, &f->job);
    return NVME_NO_COMPLETE;
}

uint16_t nvme_pi_admin_cmd(NvmePiCtrl *n, NvmePiReq *req)
{
    switch (req->cmd.opcode) {
    case NVME_ADM_CMD_DELETE_SQ:
        return nvme_pi_delete_sq(n, req);
    case NVME_ADM_CMD_CREATE_SQ:
        return nvme_pi_create_sq(n, req);
    case NVME_ADM_CMD_GET_LOG_PAGE:
        return nvme_pi_get_log(n, req);
    case NVME_ADM_CMD_DELETE_CQ:
        return nvme_pi_delete_cq(n, req);
    case NVME_ADM_CMD_CREATE_CQ:
        return nvme_pi_create_cq(n, req);
    case NVME_ADM_CMD_IDENTIFY:
        return nvme_pi_identify(n, req);
    case NVME_ADM_CMD_ABORT:
        req->result = 1;    /* not aborted: in-flight I/O always finishes */
        return NVME_SUCCESS;
    case NVME_ADM_CMD_SET_FEATURES:
        return nvme_pi_set_features(n, req);
    case NVME_ADM_CMD_GET_FEATURES:
        return nvme_pi_get_features(n, req);
    case NVME_ADM_CMD_ASYNC_EV_REQ:
        return nvme_pi_aer(n, req);
    case NVME_PI_ADM_CMD_KEEP_ALIVE:
        return NVME_SUCCESS;
    case NVME_ADM_CMD_FORMAT_NVM:
        return nvme_pi_format(n, req);
    default:
        trace_nvme_pi_admin_bad_opcode(req->cmd.opcode);
        return NVME_INVALID_OPCODE | NVME_PI_STATUS_DNR;
    }
}
