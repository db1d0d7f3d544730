/*
 * nvme-pi qtests: several namespaces, and DMA-timing hooks per namespace.
 *
 * This file owns the checks of the nvme-pi-ns device: a controller with
 * its own drive= (namespace 1) and nvme-pi-ns devices at other nsids
 * reports them all (Identify active list, per-namespace formats and
 * NGUIDs), keeps their data apart, formats one without touching the
 * others and refuses commands to an inactive nsid.  The hooks: a
 * namespace overrides the controller's dma-delay / dma-source and
 * inherits what it does not give, proven on virtual time the way
 * nvme-pi-hooks-test.c does (change the buffer after fetch, step the
 * clock): the event names the namespace it happened on, and a namespace
 * with its hooks off records nothing.  Bad nvme-pi-ns properties are
 * refused at start-up with a message that says what to do.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "nvme-pi-fixture.h"
#include "nvme-qtest-compat.h"

#define DELAY_NS        (1000 * 1000)       /* 1 ms of virtual time */
#define SLBA            8
#define NLB             2
#define BS              4096
#define CTRL_PATH       "/machine/peripheral/c0"

/* A controller c0 (namespace 1 on drive=d0) and more nvme-pi-ns. */
typedef struct NsRun {
    NvmeDrv *d;
    char *imgs[4];          /* images of the nvme-pi-ns devices */
    char *log_path;
    NvmeDrvNs ns[4];        /* probed: ns[0] nsid 1, then in given order */
    unsigned nns;
} NsRun;

static bool ns_supported(void)
{
    if (strcmp(nvme_drv_device(), "nvme-pi") != 0) {
        nvme_fx_skip("device: %s has no nvme-pi-ns", nvme_drv_device());
        return false;
    }
    return true;
}

/*
 * ctrl: extra controller properties (",k=v..."); extra[i]: the i-th
 * nvme-pi-ns's properties, e.g. "nsid=2,logical_block_size=4096".  Each
 * gets a fresh 8 MiB image.  Probes every namespace of the Identify
 * active list into r->ns (in nsid order; there must be one per device)
 * and creates I/O queue pair NVME_FX_IOQ.
 */
static void ns_start(NsRun *r, const char *ctrl, const char *const *extra)
{
    g_autoptr(GString) props = g_string_new(NULL);
    g_autofree uint32_t *list = g_malloc0(4096);
    int fd;
    unsigned i;

    memset(r, 0, sizeof(*r));
    fd = g_file_open_tmp("nvme-pi-mut-XXXXXX.jsonl", &r->log_path, NULL);
    g_assert_cmpint(fd, >=, 0);
    close(fd);
    g_string_append_printf(props, ",id=c0,dma-clock=virtual,"
                           "mutation-log=%s%s", r->log_path, ctrl);
    for (i = 0; extra[i]; i++) {
        fd = g_file_open_tmp("nvme-pi-ns-XXXXXX.img", &r->imgs[i], NULL);
        g_assert_cmpint(fd, >=, 0);
        g_assert_cmpint(ftruncate(fd, (off_t)NVME_FX_IMG_MIB << 20), ==, 0);
        close(fd);
        g_string_append_printf(props, " -drive if=none,id=n%u,format=raw,"
                               "file=%s -device nvme-pi-ns,bus=c0,drive=n%u,%s",
                               i, r->imgs[i], i, extra[i]);
    }
    r->d = nvme_drv_start(props->str, NVME_FX_IMG_MIB);
    g_assert_cmphex(nvme_drv_enable(r->d, 32), ==, 0);
    g_assert_cmphex(nvme_drv_identify(r->d, NVME_ID_CNS_NS_ACTIVE_LIST, 0, 0,
                                      list), ==, 0);
    for (r->nns = 0; r->nns < ARRAY_SIZE(r->ns) && list[r->nns]; r->nns++) {
        NvmeDrvNs *ns = &r->ns[r->nns];

        g_assert_cmphex(nvme_drv_ns_probe(r->d, le32_to_cpu(list[r->nns]),
                                          ns), ==, 0);
        g_assert_cmpuint(ns->nsze, >, 0);
    }
    /* The controller's drive= plus one per nvme-pi-ns. */
    g_assert_cmpuint(r->nns, ==, i + 1);
    g_assert_cmphex(nvme_drv_create_ioq(r->d, NVME_FX_IOQ, NVME_FX_IOQ_SIZE),
                    ==, 0);
}

static void ns_stop(NsRun *r)
{
    unsigned i;

    nvme_drv_stop(r->d);
    for (i = 0; i < ARRAY_SIZE(r->imgs) && r->imgs[i]; i++) {
        unlink(r->imgs[i]);
        g_free(r->imgs[i]);
    }
    unlink(r->log_path);
    g_free(r->log_path);
}

/*
 * Write NLB blocks of a fresh pattern (valid PI where the format has
 * PI) at SLBA of ns; once the command is fetched, flip byte `change` of
 * the guest buffer (unless it is SIZE_MAX), then let DELAY_NS pass.
 * Returns the status; *data gets what the host wrote first.
 */
static uint16_t ns_write_changing(NsRun *r, const NvmeDrvNs *ns,
                                  uint32_t seed, size_t change,
                                  uint8_t *data)
{
    NvmeDrvQueue *q = nvme_drv_ioq(r->d, NVME_FX_IOQ);
    uint8_t meta[NLB * 8];
    NvmeDrvBuf db, mb;
    NvmeDrvRw rw = {
        .opcode = NVME_CMD_WRITE, .nsid = ns->nsid, .slba = SLBA,
        .nlb = NLB, .reftag = SLBA, .data = &db,
        .meta = ns->pi_type ? &mb : NULL,
    };
    NvmeCqe cqe;

    g_assert_cmpuint(ns->lbads, ==, BS);
    g_assert_true(ns->ms == 0 || ns->ms == 8);
    g_assert_false(ns->extended);
    nvme_ref_pattern(ns, data, ns->pi_type ? meta : NULL, NLB, seed);
    if (ns->pi_type) {
        nvme_ref_protect(ns, data, meta, NLB, SLBA, 0);
        nvme_drv_buf_contig(r->d, &mb, sizeof(meta), 0);
        nvme_drv_buf_write(r->d, &mb, meta);
    }
    nvme_drv_buf_contig(r->d, &db, NLB * BS, 0);
    nvme_drv_buf_write(r->d, &db, data);
    nvme_drv_rw_submit(r->d, q, &rw);
    /* Register reads are round trips: the fetch bottom half runs first. */
    nvme_drv_rd32(r->d, NVME_DRV_REG_CSTS);
    nvme_drv_rd32(r->d, NVME_DRV_REG_CSTS);
    if (change != SIZE_MAX) {
        uint8_t b = data[change] ^ 0xff;

        qtest_memwrite(r->d->qts, db.addr[0] + change, &b, 1);
    }
    qtest_clock_step(r->d->qts, 2 * DELAY_NS);
    g_assert_true(nvme_drv_reap(r->d, q, &cqe));
    return nvme_drv_cqe_status(&cqe);
}

/* Read back NLB blocks at SLBA of ns (no PI checks) into data. */
static void ns_read(NsRun *r, const NvmeDrvNs *ns, uint8_t *data)
{
    NvmeFxIo io = { 0 };
    uint8_t meta[NLB * 8];

    g_assert_cmphex(nvme_fx_read(r->d, ns, SLBA, NLB, data,
                                 ns->pi_type ? meta : NULL, &io, SLBA, 0),
                    ==, 0);
}

static GPtrArray *ns_events(NsRun *r)
{
    return nvme_fx_mutation_events(r->log_path);
}

static uint64_t ns_stat(NsRun *r, const char *name)
{
    return nvme_fx_qom_int(r->d, CTRL_PATH, name);
}

/* Identify, data kept apart, an inactive nsid refused. */
static void test_list(void)
{
    static const char *const extra[] = {
        "nsid=2,logical_block_size=4096,ms=8,pi=1",
        "nsid=5,logical_block_size=4096",
        NULL,
    };
    g_autofree NvmeIdCtrl *idc = g_malloc0(sizeof(*idc));
    g_autofree uint32_t *list = g_malloc0(4096);
    g_autofree NvmeIdNs *idn = g_malloc0(sizeof(*idn));
    uint8_t desc[3][4096];
    uint8_t a[NLB * BS], b[NLB * BS], back[NLB * BS];
    NvmeDrvQueue *q;
    NvmeDrvRw rw = { .opcode = NVME_CMD_READ, .nsid = 3, .slba = 0,
                     .nlb = 1 };
    NvmeDrvBuf buf;
    NvmeCqe cqe;
    NvmeFxIo io = { 0 };
    NsRun r;
    unsigned i;

    if (!ns_supported()) {
        return;
    }
    ns_start(&r, ",logical_block_size=4096", extra);
    g_assert_cmphex(nvme_drv_identify(r.d, NVME_ID_CNS_CTRL, 0, 0, idc), ==,
                    0);
    g_assert_cmpuint(le32_to_cpu(idc->nn), ==, 16);
    g_assert_cmphex(nvme_drv_identify(r.d, NVME_ID_CNS_NS_ACTIVE_LIST, 0, 0,
                                      list), ==, 0);
    g_assert_cmpuint(le32_to_cpu(list[0]), ==, 1);
    g_assert_cmpuint(le32_to_cpu(list[1]), ==, 2);
    g_assert_cmpuint(le32_to_cpu(list[2]), ==, 5);
    g_assert_cmpuint(le32_to_cpu(list[3]), ==, 0);
    /* The list starts above the nsid given. */
    g_assert_cmphex(nvme_drv_identify(r.d, NVME_ID_CNS_NS_ACTIVE_LIST, 2, 0,
                                      list), ==, 0);
    g_assert_cmpuint(le32_to_cpu(list[0]), ==, 5);
    g_assert_cmpuint(le32_to_cpu(list[1]), ==, 0);
    /* Each its own format. */
    g_assert_cmpuint(r.ns[0].ms, ==, 0);
    g_assert_cmpuint(r.ns[1].ms, ==, 8);
    g_assert_cmpuint(r.ns[1].pi_type, ==, 1);
    g_assert_cmpuint(r.ns[2].ms, ==, 0);
    g_assert_cmpuint(r.ns[2].pi_type, ==, 0);
    /* An inactive nsid in range: Identify Namespace reads as zeroes. */
    g_assert_cmphex(nvme_drv_identify(r.d, NVME_ID_CNS_NS, 3, 0, idn), ==, 0);
    g_assert_cmpuint(le64_to_cpu(idn->nsze), ==, 0);
    g_assert_cmphex(nvme_drv_identify(r.d, NVME_ID_CNS_NS, 17, 0, idn), ==,
                    NVME_INVALID_NSID);
    /* Three different NGUIDs. */
    for (i = 0; i < 3; i++) {
        g_assert_cmphex(nvme_drv_identify(r.d, NVME_ID_CNS_NS_DESCR_LIST,
                                          r.ns[i].nsid, 0, desc[i]), ==, 0);
        g_assert_cmpuint(desc[i][0], ==, NVME_NIDT_NGUID);
    }
    g_assert_cmpmem(desc[0], 4, desc[1], 4);
    g_assert_true(memcmp(desc[0] + 4, desc[1] + 4, 16) != 0);
    g_assert_true(memcmp(desc[1] + 4, desc[2] + 4, 16) != 0);
    g_assert_true(memcmp(desc[0] + 4, desc[2] + 4, 16) != 0);
    g_assert_cmphex(nvme_drv_identify(r.d, NVME_ID_CNS_NS_DESCR_LIST, 3, 0,
                                      desc[0]), ==, NVME_INVALID_NSID);

    /* Same LBA, different data, on namespaces 1 and 5: each keeps its. */
    nvme_ref_pattern(&r.ns[0], a, NULL, NLB, 11);
    nvme_ref_pattern(&r.ns[2], b, NULL, NLB, 12);
    g_assert_cmphex(nvme_fx_write(r.d, &r.ns[0], SLBA, NLB, a, NULL, &io,
                                  SLBA, 0), ==, 0);
    g_assert_cmphex(nvme_fx_write(r.d, &r.ns[2], SLBA, NLB, b, NULL, &io,
                                  SLBA, 0), ==, 0);
    ns_read(&r, &r.ns[0], back);
    g_assert_cmpmem(back, sizeof(back), a, sizeof(a));
    ns_read(&r, &r.ns[2], back);
    g_assert_cmpmem(back, sizeof(back), b, sizeof(b));

    /* I/O to an inactive nsid: Invalid Namespace or Format, DNR. */
    q = nvme_drv_ioq(r.d, NVME_FX_IOQ);
    nvme_drv_buf_contig(r.d, &buf, BS, 0);
    rw.data = &buf;
    g_assert_cmphex(nvme_drv_rw(r.d, q, &rw, &cqe), ==, NVME_INVALID_NSID);
    g_assert_true(nvme_drv_cqe_dnr(&cqe));
    /* Flush to every namespace at once. */
    g_assert_cmphex(nvme_drv_flush(r.d, q, NVME_NSID_BROADCAST), ==, 0);
    ns_stop(&r);
}

/* Format NVM of one nsid leaves the others as they were. */
static void test_format_one(void)
{
    static const char *const extra[] = {
        "nsid=2,logical_block_size=4096,ms=8,pi=1", NULL,
    };
    uint8_t a[NLB * BS], back[NLB * BS];
    NvmeFxIo io = { 0 };
    NvmeDrvNs ns;
    NsRun r;
    int lbaf;

    if (!ns_supported()) {
        return;
    }
    ns_start(&r, ",logical_block_size=4096", extra);
    nvme_ref_pattern(&r.ns[0], a, NULL, NLB, 21);
    g_assert_cmphex(nvme_fx_write(r.d, &r.ns[0], SLBA, NLB, a, NULL, &io,
                                  SLBA, 0), ==, 0);
    lbaf = nvme_drv_ns_find_lbaf(&r.ns[1], 512, 0, 0);
    g_assert_cmpint(lbaf, >=, 0);
    g_assert_cmphex(nvme_drv_format(r.d, 2, lbaf, false, 0, false, 0), ==, 0);
    g_assert_cmphex(nvme_drv_ns_probe(r.d, 2, &ns), ==, 0);
    g_assert_cmpuint(ns.lbads, ==, 512);
    g_assert_cmpuint(ns.pi_type, ==, 0);
    g_assert_cmphex(nvme_drv_ns_probe(r.d, 1, &ns), ==, 0);
    g_assert_cmpuint(ns.lbads, ==, BS);
    ns_read(&r, &r.ns[0], back);
    g_assert_cmpmem(back, sizeof(back), a, sizeof(a));
    /* An inactive nsid cannot be formatted. */
    g_assert_cmphex(nvme_drv_format(r.d, 4, lbaf, false, 0, false, 0), ==,
                    NVME_INVALID_NSID);
    ns_stop(&r);
}

/*
 * Hooks per namespace: the controller's are off, namespace 2 turns
 * them on.  A change after fetch is a guard error and one event on
 * namespace 2; the same change on namespace 1 goes unseen (one read at
 * fetch): no event, the first bytes persisted.
 */
static void test_hooks_override(void)
{
    static const char *const extra[] = {
        "nsid=2,logical_block_size=4096,ms=8,pi=1,dma-delay=1000000", NULL,
    };
    g_autoptr(GPtrArray) ev = NULL;
    uint8_t data[NLB * BS], back[NLB * BS];
    NsRun r;
    QDict *o;

    if (!ns_supported()) {
        return;
    }
    ns_start(&r, ",logical_block_size=4096,ms=8,pi=1", extra);
    g_assert_cmphex(ns_write_changing(&r, &r.ns[0], 1, BS + 7, data), ==, 0);
    ns_read(&r, &r.ns[0], back);
    g_assert_cmpmem(back, sizeof(back), data, sizeof(data));
    ev = ns_events(&r);
    g_assert_cmpuint(ev->len, ==, 0);
    g_ptr_array_unref(ev);

    g_assert_cmphex(ns_write_changing(&r, &r.ns[1], 2, BS + 7, data), ==,
                    NVME_E2E_GUARD_ERROR);
    ev = ns_events(&r);
    g_assert_cmpuint(ev->len, ==, 1);
    o = g_ptr_array_index(ev, 0);
    g_assert_cmpint(qdict_get_int(o, "nsid"), ==, 2);
    g_assert_cmpint(qdict_get_int(o, "lba"), ==, SLBA + 1);
    g_assert_cmpint(qdict_get_int(o, "offset"), ==, BS + 7);
    g_assert_cmpstr(qdict_get_str(o, "outcome"), ==, "pi-error");
    g_assert_cmpuint(ns_stat(&r, "stat-mutation-events"), ==, 1);
    g_assert_cmpuint(ns_stat(&r, "stat-writes-checked"), ==, 1);
    ns_stop(&r);
}

/*
 * The other way round, and inheritance field by field: the controller
 * delays 1 ms with dma-source=first; namespace 2 keeps the delay but
 * overrides dma-source=last; namespace 3 turns the hooks off
 * (dma-delay=0).  Namespace 1: event, first persisted, success.
 * Namespace 2: event, guard error.  Namespace 3: nothing.
 */
static void test_hooks_inherit(void)
{
    static const char *const extra[] = {
        "id=ns2,nsid=2,logical_block_size=4096,ms=8,pi=1,dma-source=last",
        "id=ns3,nsid=3,logical_block_size=4096,ms=8,pi=1,dma-delay=0",
        NULL,
    };
    g_autoptr(GPtrArray) ev = NULL;
    uint8_t data[NLB * BS], back[NLB * BS];
    NsRun r;

    if (!ns_supported()) {
        return;
    }
    ns_start(&r, ",logical_block_size=4096,ms=8,pi=1,dma-delay=1000000,"
             "dma-source=first", extra);
    g_assert_cmphex(ns_write_changing(&r, &r.ns[0], 1, 100, data), ==, 0);
    ns_read(&r, &r.ns[0], back);
    g_assert_cmpmem(back, sizeof(back), data, sizeof(data));
    g_assert_cmphex(ns_write_changing(&r, &r.ns[1], 2, 100, data), ==,
                    NVME_E2E_GUARD_ERROR);
    g_assert_cmphex(ns_write_changing(&r, &r.ns[2], 3, 100, data), ==, 0);
    ns_read(&r, &r.ns[2], back);
    g_assert_cmpmem(back, sizeof(back), data, sizeof(data));

    ev = ns_events(&r);
    g_assert_cmpuint(ev->len, ==, 2);
    g_assert_cmpint(qdict_get_int(g_ptr_array_index(ev, 0), "nsid"), ==, 1);
    g_assert_cmpstr(qdict_get_str(g_ptr_array_index(ev, 0), "outcome"), ==,
                    "persisted-first");
    g_assert_cmpint(qdict_get_int(g_ptr_array_index(ev, 1), "nsid"), ==, 2);
    g_assert_cmpstr(qdict_get_str(g_ptr_array_index(ev, 1), "outcome"), ==,
                    "pi-error");
    g_assert_cmpuint(ns_stat(&r, "stat-writes-checked"), ==, 2);
    g_assert_cmpuint(ns_stat(&r, "stat-mutation-events"), ==, 2);
    /* Each nvme-pi-ns counts its own. */
    g_assert_cmpuint(nvme_fx_qom_int(r.d, "/machine/peripheral/ns2",
                                     "stat-mutation-events"), ==, 1);
    g_assert_cmpuint(nvme_fx_qom_int(r.d, "/machine/peripheral/ns2",
                                     "stat-mutation-pi-errors"), ==, 1);
    g_assert_cmpuint(nvme_fx_qom_int(r.d, "/machine/peripheral/ns3",
                                     "stat-writes-checked"), ==, 0);
    g_assert_cmpuint(nvme_fx_qom_int(r.d, "/machine/peripheral/ns3",
                                     "stat-mutation-events"), ==, 0);
    ns_stop(&r);
}

/* QEMU with two null drives d0, d1 and `args` must refuse to start. */
static void expect_start_error(const char *args, const char *message)
{
    g_autofree char *all = g_strdup_printf(
        "-drive if=none,id=d0,format=raw,file=null-co:// "
        "-drive if=none,id=d1,format=raw,file=null-co:// %s", args);

    nvme_fx_expect_start_error(all, message);
}

static void test_bad_props(void)
{
    if (!ns_supported()) {
        return;
    }
    expect_start_error("-device nvme-pi,id=c0,serial=x,drive=d0 "
                       "-device nvme-pi-ns,bus=c0,drive=d1,nsid=1",
                       "nsid 1 is taken on controller 'x' by its own drive=");
    expect_start_error("-device nvme-pi,id=c0,serial=x "
                       "-device nvme-pi-ns,bus=c0,drive=d0,nsid=2 "
                       "-device nvme-pi-ns,bus=c0,drive=d1,nsid=2",
                       "nsid 2 is taken on controller 'x'");
    expect_start_error("-device nvme-pi,id=c0,serial=x "
                       "-device nvme-pi-ns,bus=c0,drive=d1,nsid=17",
                       "nsid must be 1..16");
    expect_start_error("-device nvme-pi,id=c0,serial=x "
                       "-device nvme-pi-ns,bus=c0,nsid=2",
                       "'drive' property is required");
    expect_start_error("-device nvme-pi,id=c0,serial=x "
                       "-device nvme-pi-ns,bus=c0,drive=d1,dma-source=middle",
                       "nvme-pi-ns: dma-source must be first, last, "
                       "torn-cacheline or torn-sector, got 'middle'");
    expect_start_error("-device nvme-pi,id=c0,serial=x "
                       "-device nvme-pi-ns,bus=c0,drive=d1,dma-replay=17",
                       "nvme-pi-ns: dma-replay must be 0..16");
    /* Without a controller, QEMU itself says there is no bus. */
    expect_start_error("-device nvme-pi-ns,drive=d1", "nvme-pi-bus");
}

void nvme_pi_ns_tests(void)
{
    qtest_add_func("/nvme-pi/ns/list", test_list);
    qtest_add_func("/nvme-pi/ns/format-one", test_format_one);
    qtest_add_func("/nvme-pi/ns/hooks-override", test_hooks_override);
    qtest_add_func("/nvme-pi/ns/hooks-inherit", test_hooks_inherit);
    qtest_add_func("/nvme-pi/ns/bad-props", test_bad_props);
}
