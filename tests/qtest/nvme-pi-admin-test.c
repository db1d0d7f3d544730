/*
 * nvme-pi qtests: admin commands other than queue management.
 *
 * This file owns Identify (controller, namespace per format, lists,
 * descriptors, the NVM command set pages), Get Log Page (Error, SMART,
 * FW Slot, Commands Supported and Effects), Set/Get Features and Keep
 * Alive, and what the admin queue answers to opcodes and fields it must
 * refuse.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "hw/pci/pci_regs.h"
#include "nvme-pi-fixture.h"

/* Identify Controller, or NULL with the case skipped. */
static NvmeIdCtrl *id_ctrl(NvmeDrv *d)
{
    NvmeIdCtrl *id = g_malloc0(sizeof(*id));
    uint16_t st = nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id);

    if (nvme_fx_unimpl(st, "Identify")) {
        g_free(id);
        return NULL;
    }
    g_assert_cmphex(st, ==, 0);
    return id;
}

static void test_identify_ctrl(void)
{
    g_autoptr(NvmeDrv) d = nvme_fx_admin(",mdts=5", 0);
    g_autofree NvmeIdCtrl *id = NULL;
    char sn[21] = "qt0                 ";

    if (!d || !(id = id_ctrl(d))) {
        return;
    }
    g_assert_cmphex(le16_to_cpu(id->vid), ==,
                    qpci_config_readw(d->dev, PCI_VENDOR_ID));
    g_assert_cmphex(le16_to_cpu(id->ssvid), ==,
                    qpci_config_readw(d->dev, PCI_SUBSYSTEM_VENDOR_ID));
    /* Serial: ASCII, space padded. */
    g_assert_cmpmem(id->sn, 20, sn, 20);
    g_assert_cmpint(id->mn[0], >, ' ');
    g_assert_cmpint(id->fr[0], >, ' ');
    g_assert_cmpuint(id->mdts, ==, 5);
    g_assert_cmphex(le32_to_cpu(id->ver), ==,
                    nvme_drv_rd32(d, NVME_DRV_REG_VS));
    /* 64-byte SQ entries and 16-byte CQ entries, required and maximum. */
    g_assert_cmphex(id->sqes, ==, 0x66);
    g_assert_cmphex(id->cqes, ==, 0x44);
    g_assert_cmpuint(le32_to_cpu(id->nn), >=, 1);
    g_assert_cmpuint(id->aerl + 1, >=, 1);
    g_assert_cmpuint(id->elpe + 1, >=, 1);
}

static void test_identify_active_list(void)
{
    g_autoptr(NvmeDrv) d = nvme_fx_admin(NULL, NVME_FX_IMG_MIB);
    uint32_t list[1024];
    uint16_t st;

    if (!d) {
        return;
    }
    st = nvme_drv_identify(d, NVME_ID_CNS_NS_ACTIVE_LIST, 0, 0, list);
    if (nvme_fx_unimpl(st, "Identify")) {
        return;
    }
    g_assert_cmphex(st, ==, 0);
    g_assert_cmpuint(le32_to_cpu(list[0]), ==, 1);
    g_assert_cmpuint(le32_to_cpu(list[1]), ==, 0);
    /* Only NSIDs greater than CDW1.NSID are listed. */
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_NS_ACTIVE_LIST, 1, 0,
                                      list), ==, 0);
    g_assert_cmpuint(le32_to_cpu(list[0]), ==, 0);
}

static void test_identify_ns_descriptors(void)
{
    g_autoptr(NvmeDrv) d = nvme_fx_admin(NULL, NVME_FX_IMG_MIB);
    uint8_t buf[4096];
    size_t off = 0;
    bool csi = false;
    uint16_t st;

    if (!d) {
        return;
    }
    st = nvme_drv_identify(d, NVME_ID_CNS_NS_DESCR_LIST, 1, 0, buf);
    if (nvme_fx_unimpl(st, "Identify")) {
        return;
    }
    g_assert_cmphex(st, ==, 0);
    /* NIDT/NIDL pairs with the lengths the spec fixes; CSI required. */
    while (off + 4 <= sizeof(buf) && buf[off]) {
        uint8_t nidt = buf[off], nidl = buf[off + 1];

        switch (nidt) {
        case 1:
            g_assert_cmpuint(nidl, ==, 8);
            break;
        case 2:
        case 3:
            g_assert_cmpuint(nidl, ==, 16);
            break;
        case 4:
            g_assert_cmpuint(nidl, ==, 1);
            g_assert_cmpuint(buf[off + 4], ==, NVME_CSI_NVM);
            csi = true;
            break;
        default:
            g_assert_not_reached();
        }
        off += 4 + nidl;
    }
    g_assert_true(csi);
}

static void test_identify_cs_ctrl(void)
{
    g_autoptr(NvmeDrv) d = nvme_fx_admin(NULL, 0);
    uint8_t buf[4096];
    uint16_t st;

    if (!d) {
        return;
    }
    st = nvme_drv_identify(d, NVME_ID_CNS_CS_CTRL, 0, NVME_CSI_NVM, buf);
    if (nvme_fx_unimpl(st, "Identify")) {
        return;
    }
    g_assert_cmphex(st, ==, 0);
}

static void test_identify_bad_nsid(void)
{
    g_autoptr(NvmeDrv) d = nvme_fx_admin(NULL, NVME_FX_IMG_MIB);
    g_autofree NvmeIdCtrl *id = NULL;
    uint8_t buf[4096];

    if (!d || !(id = id_ctrl(d))) {
        return;
    }
    /* Beyond NN (and not broadcast): Invalid Namespace or Format. */
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_NS,
                                      le32_to_cpu(id->nn) + 1, 0, buf), ==,
                    NVME_INVALID_NSID);
}

static void test_identify_bad_cns(void)
{
    g_autoptr(NvmeDrv) d = nvme_fx_admin(NULL, 0);
    uint8_t buf[4096];
    uint16_t st;

    if (!d) {
        return;
    }
    st = nvme_drv_identify(d, 0xff, 0, 0, buf);
    if (nvme_fx_unimpl(st, "Identify")) {
        return;
    }
    g_assert_cmphex(st, ==, NVME_INVALID_FIELD);
}

/* Identify Namespace for a format chosen by properties. */
typedef struct IdNsCase {
    const char *name;
    const char *props;
    uint32_t lbads;
    uint16_t ms;
    bool extended;
    uint8_t pi;
    bool pi_first;
    uint8_t pif;
} IdNsCase;

#define LBS4K ",logical_block_size=4096,physical_block_size=4096"
#define LBS512 ",logical_block_size=512"

static const IdNsCase id_ns_cases[] = {
    { .name = "512+0", .props = LBS512, .lbads = 512 },
    { .name = "512+8", .props = LBS512 ",ms=8", .lbads = 512, .ms = 8 },
    { .name = "512+16", .props = LBS512 ",ms=16", .lbads = 512, .ms = 16 },
    { .name = "512+64", .props = LBS512 ",ms=64", .lbads = 512, .ms = 64 },
    { .name = "4096+0", .props = LBS4K, .lbads = 4096 },
    { .name = "4096+8-ext", .props = LBS4K ",ms=8,mset=1", .lbads = 4096,
      .ms = 8, .extended = true },
    { .name = "4096+16", .props = LBS4K ",ms=16", .lbads = 4096, .ms = 16 },
    { .name = "4096+64-ext", .props = LBS4K ",ms=64,mset=1", .lbads = 4096,
      .ms = 64, .extended = true },
    { .name = "4096+8-pi1", .props = LBS4K ",ms=8,pi=1", .lbads = 4096,
      .ms = 8, .pi = 1 },
    { .name = "512+16-pi2-first", .props = LBS512 ",ms=16,pi=2,pil=1",
      .lbads = 512, .ms = 16, .pi = 2, .pi_first = true },
    { .name = "512+8-pi3-ext", .props = LBS512 ",ms=8,mset=1,pi=3",
      .lbads = 512, .ms = 8, .extended = true, .pi = 3 },
    { .name = "4096+16-pi1-64b", .props = LBS4K ",ms=16,pi=1,pif=2",
      .lbads = 4096, .ms = 16, .pi = 1, .pif = 2 },
};

static void test_identify_ns(const void *opaque)
{
    const IdNsCase *c = opaque;
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_admin(c->props, NVME_FX_IMG_MIB);
    g_autofree NvmeIdNs *id = g_malloc0(sizeof(*id));
    g_autofree NvmeIdCtrl *ctrl = NULL;
    uint16_t st;

    if (!d || !(ctrl = id_ctrl(d))) {
        return;
    }
    st = nvme_drv_ns_probe(d, 1, &ns);
    g_assert_cmphex(st, ==, 0);
    if (ns.nsze == 0) {
        nvme_fx_skip("device: no namespace behind drive=");
        return;
    }
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_NS, 1, 0, id), ==, 0);
    g_assert_cmpuint(ns.lbads, ==, c->lbads);
    g_assert_cmpuint(ns.ms, ==, c->ms);
    g_assert_cmpuint(ns.extended, ==, c->extended);
    g_assert_cmpuint(ns.pi_type, ==, c->pi);
    g_assert_cmpuint(ns.pi_first, ==, c->pi_first);
    g_assert_cmpuint(ns.pif, ==, c->pif);
    /* The namespace fits in the image, with its metadata. */
    g_assert_cmpuint(ns.nsze, >, 0);
    g_assert_cmpuint(le64_to_cpu(id->ncap), <=, ns.nsze);
    g_assert_cmpuint(ns.nsze * (ns.lbads + ns.ms), <=,
                     (uint64_t)NVME_FX_IMG_MIB << 20);
    if (c->ms) {
        /* MC says the chosen layout is supported. */
        g_assert_true(id->mc & (c->extended ? 1 : 2));
    }
    if (c->pi) {
        /* DPC: this type, and this PI location, are supported. */
        g_assert_true(id->dpc & (1u << (c->pi - 1)));
        g_assert_true(id->dpc & (c->pi_first ? 0x8 : 0x10));
    }
    if (c->pif) {
        g_assert_true(le32_to_cpu(ctrl->ctratt) & NVME_CTRATT_ELBAS);
    }
    /* Every LBA format listed has 512- or 4096-byte blocks (LBADS 9, 12). */
    for (int i = 0; i <= ns.nlbaf; i++) {
        g_assert_true(ns.lbaf[i].ds == 9 || ns.lbaf[i].ds == 12);
    }
}

static void test_log_error_empty(void)
{
    g_autoptr(NvmeDrv) d = nvme_fx_admin(NULL, 0);
    NvmeErrorLog log[1];
    uint16_t st;

    if (!d) {
        return;
    }
    st = nvme_drv_get_log(d, NVME_LOG_ERROR_INFO, 0, 0, log, sizeof(log));
    if (nvme_fx_unimpl(st, "Get Log Page")) {
        return;
    }
    g_assert_cmphex(st, ==, 0);
    for (unsigned i = 0; i < ARRAY_SIZE(log); i++) {
        g_assert_cmpuint(le64_to_cpu(log[i].error_count), ==, 0);
    }
}

static void test_log_smart(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(NULL, &ns);
    NvmeSmartLog a, b;
    g_autofree uint8_t *data = NULL;
    uint16_t st;

    if (!d) {
        return;
    }
    st = nvme_drv_get_log(d, NVME_LOG_SMART_INFO, 0xffffffff, 0, &a,
                          sizeof(a));
    if (nvme_fx_unimpl(st, "Get Log Page")) {
        return;
    }
    g_assert_cmphex(st, ==, 0);
    data = g_malloc0(nvme_ref_data_len(&ns, 4));
    for (int i = 0; i < 3; i++) {
        g_assert_cmphex(nvme_fx_write(d, &ns, 0, 4, data, NULL, NULL, 0, 0),
                        ==, 0);
    }
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_SMART_INFO, 0xffffffff, 0,
                                     &b, sizeof(b)), ==, 0);
    /* Three writes were counted; temperature is plausible (Kelvin). */
    g_assert_cmpuint(le64_to_cpu(b.host_write_commands[0]) -
                     le64_to_cpu(a.host_write_commands[0]), ==, 3);
    g_assert_cmpuint(le16_to_cpu(b.temperature), >, 200);
}

static void test_log_fw_slot(void)
{
    g_autoptr(NvmeDrv) d = nvme_fx_admin(NULL, 0);
    g_autofree NvmeIdCtrl *id = NULL;
    NvmeFwSlotInfoLog fw;

    if (!d || !(id = id_ctrl(d))) {
        return;
    }
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_FW_SLOT_INFO, 0xffffffff, 0,
                                     &fw, sizeof(fw)), ==, 0);
    /* The active slot's revision is the one Identify reports. */
    g_assert_cmpuint(fw.afi & 7, >=, 1);
    g_assert_cmpmem(fw.frs1, strnlen((char *)fw.frs1, 8), id->fr,
                    strnlen((char *)fw.frs1, 8));
    g_assert_cmpint(fw.frs1[0], >, ' ');
}

static void test_log_effects(void)
{
    g_autoptr(NvmeDrv) d = nvme_fx_admin(NULL, 0);
    uint32_t eff[1024];
    uint16_t st;

    if (!d) {
        return;
    }
    st = nvme_drv_get_log(d, NVME_LOG_CMD_EFFECTS, 0, 0, eff, sizeof(eff));
    if (nvme_fx_unimpl(st, "Get Log Page")) {
        return;
    }
    g_assert_cmphex(st, ==, 0);
    /* CSUPP for Identify (admin) and for Read and Write (I/O). */
    g_assert_true(le32_to_cpu(eff[NVME_ADM_CMD_IDENTIFY]) & 1);
    g_assert_true(le32_to_cpu(eff[256 + NVME_CMD_READ]) & 1);
    g_assert_true(le32_to_cpu(eff[256 + NVME_CMD_WRITE]) & 1);
}

static void test_log_bad_lid(void)
{
    g_autoptr(NvmeDrv) d = nvme_fx_admin(NULL, 0);
    uint8_t buf[512];
    uint16_t st;

    if (!d) {
        return;
    }
    st = nvme_drv_get_log(d, 0x7e, 0, 0, buf, sizeof(buf));
    if (nvme_fx_unimpl(st, "Get Log Page")) {
        return;
    }
    /* Invalid Log Page (109h), or Invalid Field as QEMU's nvme says. */
    g_assert_true(st == 0x109 || st == NVME_INVALID_FIELD);
}

static void test_features_num_queues(void)
{
    g_autoptr(NvmeDrv) d = nvme_fx_admin(NULL, 0);
    uint32_t res = 0, got = 0;
    uint16_t st;

    if (!d) {
        return;
    }
    st = nvme_drv_set_features(d, NVME_NUMBER_OF_QUEUES, 0,
                               (3u << 16) | 3u, &res);
    if (nvme_fx_unimpl(st, "Set Features")) {
        return;
    }
    g_assert_cmphex(st, ==, 0);
    /* 0's based: at least the 4 + 4 asked for, at most 64 + 64. */
    g_assert_cmpuint(res & 0xffff, >=, 3);
    g_assert_cmpuint(res >> 16, >=, 3);
    g_assert_cmpuint(res & 0xffff, <=, 63);
    g_assert_cmphex(nvme_drv_get_features(d, NVME_NUMBER_OF_QUEUES, 0, 0, 0,
                                          &got), ==, 0);
    g_assert_cmphex(got, ==, res);
}

/* A feature whose value set by Set Features reads back unchanged. */
typedef struct FeatCase {
    const char *name;
    uint8_t fid;
    uint32_t value;
} FeatCase;

static const FeatCase feat_cases[] = {
    { "arbitration", NVME_ARBITRATION, 0x03020107 },
    { "temperature-threshold", NVME_TEMPERATURE_THRESHOLD, 0x0000015e },
    { "error-recovery", NVME_ERROR_RECOVERY, 0x0010 },
    { "volatile-write-cache", NVME_VOLATILE_WRITE_CACHE, 1 },
    { "interrupt-coalescing", NVME_INTERRUPT_COALESCING, 0x0a04 },
    { "async-event-config", NVME_ASYNCHRONOUS_EVENT_CONF, 0x1 },
};

static void test_features_roundtrip(const void *opaque)
{
    const FeatCase *c = opaque;
    g_autoptr(NvmeDrv) d = nvme_fx_admin(NULL, NVME_FX_IMG_MIB);
    g_autofree NvmeIdCtrl *id = NULL;
    uint32_t got = 0xdeadbeef, nsid;
    uint16_t st;

    if (!d || !(id = id_ctrl(d))) {
        return;
    }
    if (c->fid == NVME_VOLATILE_WRITE_CACHE && !(id->vwc & 1)) {
        /* Without a volatile cache the feature must be refused. */
        g_assert_cmphex(nvme_drv_set_features(d, c->fid, 0, 1, NULL), !=, 0);
        return;
    }
    /* Error Recovery is namespace specific since NVMe 2.0 (DULBE). */
    nsid = c->fid == NVME_ERROR_RECOVERY ? 1 : 0;
    st = nvme_drv_set_features(d, c->fid, nsid, c->value, NULL);
    if (nvme_fx_unimpl(st, "Set Features")) {
        return;
    }
    g_assert_cmphex(st, ==, 0);
    g_assert_cmphex(nvme_drv_get_features(d, c->fid, nsid, 0, 0, &got), ==,
                    0);
    g_assert_cmphex(got, ==, c->value);
}

static void test_features_bad_fid(void)
{
    g_autoptr(NvmeDrv) d = nvme_fx_admin(NULL, 0);
    uint16_t st;

    if (!d) {
        return;
    }
    st = nvme_drv_get_features(d, 0x7f, 0, 0, 0, NULL);
    if (nvme_fx_unimpl(st, "Get Features")) {
        return;
    }
    g_assert_cmphex(st, ==, NVME_INVALID_FIELD);
}

static void test_keep_alive(void)
{
    g_autoptr(NvmeDrv) d = nvme_fx_admin(NULL, 0);
    NvmeCmd cmd = { .opcode = NVME_DRV_ADM_KEEP_ALIVE };
    uint16_t st;

    if (!d) {
        return;
    }
    st = nvme_drv_exec(d, &d->admin, &cmd, NULL);
    if (nvme_fx_unimpl(st, "Keep Alive")) {
        return;
    }
    g_assert_cmphex(st, ==, 0);
}

static void test_admin_bad_opcode(void)
{
    g_autoptr(NvmeDrv) d = nvme_fx_admin(NULL, 0);
    NvmeCmd cmd = { .opcode = 0xc3 };
    NvmeCqe cqe;

    if (!d) {
        return;
    }
    g_assert_cmphex(nvme_drv_exec(d, &d->admin, &cmd, &cqe), ==,
                    NVME_INVALID_OPCODE);
    /* The next command still works. */
    g_assert_true(nvme_drv_qemu_alive(d));
    g_assert_cmphex(nvme_drv_exec(d, &d->admin, &cmd, &cqe), ==,
                    NVME_INVALID_OPCODE);
}

static void test_aer_bad_doorbell(void)
{
    g_autoptr(NvmeDrv) d = nvme_fx_admin(NULL, 0);
    NvmeCmd aer = { .opcode = NVME_ADM_CMD_ASYNC_EV_REQ };
    NvmeCqe cqe;
    uint32_t res;
    uint16_t cid;

    if (!d) {
        return;
    }
    cid = nvme_drv_submit(d, &d->admin, &aer);
    /* Nothing to report yet: the request stays outstanding. */
    qtest_clock_step(d->qts, 1000 * 1000);
    qtest_memread(d->qts, d->admin.cq_addr, &cqe, sizeof(cqe));
    g_assert_cmpuint(le16_to_cpu(cqe.status) & 1, ==, 0);
    /* The SQ doorbell of a queue that does not exist. */
    nvme_drv_ring_sq(d, 7, 1);
    g_assert_true(nvme_drv_reap(d, &d->admin, &cqe));
    g_assert_cmpuint(le16_to_cpu(cqe.cid), ==, cid);
    if (nvme_fx_unimpl(nvme_drv_cqe_status(&cqe),
                       "Asynchronous Event Request")) {
        return;
    }
    g_assert_cmphex(nvme_drv_cqe_status(&cqe), ==, 0);
    res = le32_to_cpu(cqe.result);
    /* Type Error Status, info Invalid Doorbell Register, log page 01h. */
    g_assert_cmphex(res & 0x7, ==, NVME_AER_TYPE_ERROR);
    g_assert_cmphex((res >> 8) & 0xff, ==,
                    NVME_AER_INFO_ERR_INVALID_DB_REGISTER);
    g_assert_cmphex((res >> 16) & 0xff, ==, NVME_LOG_ERROR_INFO);
}

static void test_aer_limit(void)
{
    g_autoptr(NvmeDrv) d = nvme_fx_admin(NULL, 0);
    g_autofree NvmeIdCtrl *id = NULL;
    NvmeCmd aer = { .opcode = NVME_ADM_CMD_ASYNC_EV_REQ };
    NvmeCqe cqe;
    uint16_t cid = 0;

    if (!d || !(id = id_ctrl(d))) {
        return;
    }
    /* AERL + 1 may be outstanding; the next one is refused at once. */
    for (int i = 0; i <= id->aerl + 1; i++) {
        aer.cid = 0;
        cid = nvme_drv_submit(d, &d->admin, &aer);
    }
    g_assert_true(nvme_drv_reap(d, &d->admin, &cqe));
    g_assert_cmpuint(le16_to_cpu(cqe.cid), ==, cid);
    g_assert_cmphex(nvme_drv_cqe_status(&cqe), ==, 0x105);
}

static void test_features_not_saveable(void)
{
    g_autoptr(NvmeDrv) d = nvme_fx_admin(NULL, 0);
    NvmeCmd cmd = { .opcode = NVME_ADM_CMD_SET_FEATURES };
    uint16_t st;

    if (!d) {
        return;
    }
    /* SV (CDW10 bit 31) on a controller that saves nothing. */
    cmd.cdw10 = cpu_to_le32(NVME_TEMPERATURE_THRESHOLD | (1u << 31));
    cmd.cdw11 = cpu_to_le32(0x150);
    st = nvme_drv_exec(d, &d->admin, &cmd, NULL);
    if (nvme_fx_unimpl(st, "Set Features")) {
        return;
    }
    g_assert_cmphex(st, ==, 0x10d);
}

static void test_identify_cs_active_list(void)
{
    g_autoptr(NvmeDrv) d = nvme_fx_admin(NULL, NVME_FX_IMG_MIB);
    uint32_t list[1024];
    uint16_t st;

    if (!d) {
        return;
    }
    st = nvme_drv_identify(d, NVME_ID_CNS_CS_NS_ACTIVE_LIST, 0, NVME_CSI_NVM,
                           list);
    if (nvme_fx_unimpl(st, "Identify")) {
        return;
    }
    g_assert_cmphex(st, ==, 0);
    g_assert_cmpuint(le32_to_cpu(list[0]), ==, 1);
    g_assert_cmpuint(le32_to_cpu(list[1]), ==, 0);
}

void nvme_pi_admin_tests(void)
{
    qtest_add_func("/nvme-pi/admin/identify-ctrl", test_identify_ctrl);
    qtest_add_func("/nvme-pi/admin/identify-active-list",
                   test_identify_active_list);
    qtest_add_func("/nvme-pi/admin/identify-ns-descriptors",
                   test_identify_ns_descriptors);
    qtest_add_func("/nvme-pi/admin/identify-cs-ctrl", test_identify_cs_ctrl);
    qtest_add_func("/nvme-pi/admin/identify-bad-nsid", test_identify_bad_nsid);
    qtest_add_func("/nvme-pi/admin/identify-bad-cns", test_identify_bad_cns);
    for (unsigned i = 0; i < ARRAY_SIZE(id_ns_cases); i++) {
        g_autofree char *path = g_strdup_printf("/nvme-pi/admin/identify-ns/%s",
                                                id_ns_cases[i].name);

        qtest_add_data_func(path, &id_ns_cases[i], test_identify_ns);
    }
    qtest_add_func("/nvme-pi/admin/log-error-empty", test_log_error_empty);
    qtest_add_func("/nvme-pi/admin/log-smart", test_log_smart);
    qtest_add_func("/nvme-pi/admin/log-fw-slot", test_log_fw_slot);
    qtest_add_func("/nvme-pi/admin/log-effects", test_log_effects);
    qtest_add_func("/nvme-pi/admin/log-bad-lid", test_log_bad_lid);
    qtest_add_func("/nvme-pi/admin/features-num-queues",
                   test_features_num_queues);
    for (unsigned i = 0; i < ARRAY_SIZE(feat_cases); i++) {
        g_autofree char *path = g_strdup_printf("/nvme-pi/admin/features/%s",
                                                feat_cases[i].name);

        qtest_add_data_func(path, &feat_cases[i], test_features_roundtrip);
    }
    qtest_add_func("/nvme-pi/admin/features-bad-fid", test_features_bad_fid);
    qtest_add_func("/nvme-pi/admin/keep-alive", test_keep_alive);
    qtest_add_func("/nvme-pi/admin/bad-opcode", test_admin_bad_opcode);
    qtest_add_func("/nvme-pi/admin/aer-bad-doorbell", test_aer_bad_doorbell);
    qtest_add_func("/nvme-pi/admin/aer-limit", test_aer_limit);
    qtest_add_func("/nvme-pi/admin/features-not-saveable",
                   test_features_not_saveable);
    qtest_add_func("/nvme-pi/admin/identify-cs-active-list",
                   test_identify_cs_active_list);
}
