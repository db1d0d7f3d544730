/*
 * nvme-pi qtests: DMA-timing hooks and the mutation recorder.
 *
 * This file owns the deterministic, virtual-time proof that the hooks do
 * what docs/device.md says: a write is read at fetch and again when
 * dma-delay ends; the test changes the guest buffer in between (the
 * device has fetched the command but the clock has not moved) and then
 * steps the clock.  Each dma-source mode is checked for its status, the
 * one event in mutation-log=PATH (LBA, byte offset, outcome), the bytes
 * persisted (read back), and the counters (qom-get stat-*, log page C0h).
 * Also: no change -> no event; a namespace without PI -> event, no error;
 * read-complete-delay holds the completion until the clock steps; many
 * delayed commands in flight complete; bad hook properties are refused.
 * A power cut (qom-set power-lost) while a write is held: what reaches
 * the image under each power-cut policy, read back after a restart.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "nvme-pi-fixture.h"
#include "nvme-qtest-compat.h"

#define DELAY_NS        (1000 * 1000)       /* 1 ms of virtual time */
#define SLBA            16
#define NLB             2
#define BS              4096
#define PI1             ",logical_block_size=4096,ms=8,pi=1"
#define PLAIN           ",logical_block_size=4096"
#define DEV_PATH        "/machine/peripheral-anon/device[0]"

typedef struct HookRun {
    NvmeDrv *d;
    NvmeDrvNs ns;
    char *log_path;
    uint8_t data[NLB * BS];
    uint8_t meta[NLB * 8];
    NvmeDrvBuf db, mb;
} HookRun;

/* Start a device with the hooks in `props` and a fresh mutation log. */
static bool hook_start(HookRun *r, const char *fmt, const char *props)
{
    g_autofree char *all = NULL;
    int fd;

    memset(r, 0, sizeof(*r));
    fd = g_file_open_tmp("nvme-pi-mut-XXXXXX.jsonl", &r->log_path, NULL);
    g_assert_cmpint(fd, >=, 0);
    close(fd);
    all = g_strdup_printf("%s,dma-clock=virtual,mutation-log=%s%s", fmt,
                          r->log_path, props);
    r->d = nvme_fx_io(all, &r->ns);
    return r->d != NULL;
}

static void hook_stop(HookRun *r)
{
    if (r->d) {
        nvme_drv_stop(r->d);
    }
    unlink(r->log_path);
    g_free(r->log_path);
}

/* Put a pattern (with valid type 1 PI if the format has PI) in memory. */
static void hook_fill(HookRun *r, uint32_t seed)
{
    bool pi = r->ns.pi_type != 0;

    nvme_ref_pattern(&r->ns, r->data, pi ? r->meta : NULL, NLB, seed);
    if (pi) {
        nvme_ref_protect(&r->ns, r->data, r->meta, NLB, SLBA, 0);
    }
    nvme_drv_buf_contig(r->d, &r->db, sizeof(r->data), 0);
    nvme_drv_buf_write(r->d, &r->db, r->data);
    if (pi) {
        nvme_drv_buf_contig(r->d, &r->mb, sizeof(r->meta), 0);
        nvme_drv_buf_write(r->d, &r->mb, r->meta);
    }
}

static void hook_rw(HookRun *r, NvmeDrvRw *rw, uint8_t opcode,
                    const NvmeDrvBuf *db)
{
    memset(rw, 0, sizeof(*rw));
    rw->opcode = opcode;
    rw->nsid = 1;
    rw->slba = SLBA;
    rw->nlb = NLB;
    rw->reftag = SLBA;
    rw->data = db;
    rw->meta = r->ns.pi_type ? &r->mb : NULL;
}

/*
 * Submit the write; let the bottom half fetch it (and read the buffer
 * once) without moving the clock; apply `change` to the guest buffer,
 * byte offsets into the transfer, each XORed with 0xff; step half the
 * delay: the write is still held.  hook_write_changing() then lets the
 * delay pass and returns the write's status.
 */
static NvmeDrvQueue *hook_submit_changing(HookRun *r, const size_t *change,
                                          unsigned nchange)
{
    NvmeDrvQueue *q = nvme_drv_ioq(r->d, NVME_FX_IOQ);
    NvmeDrvRw rw;
    unsigned i;

    hook_rw(r, &rw, NVME_CMD_WRITE, &r->db);
    nvme_drv_rw_submit(r->d, q, &rw);
    /* Register reads are round trips: the fetch bottom half runs first. */
    nvme_drv_rd32(r->d, NVME_DRV_REG_CSTS);
    nvme_drv_rd32(r->d, NVME_DRV_REG_CSTS);
    g_assert_false(nvme_drv_cq_pending(r->d, q));
    for (i = 0; i < nchange; i++) {
        uint8_t b = r->data[change[i]] ^ 0xff;

        qtest_memwrite(r->d->qts, r->db.addr[0] + change[i], &b, 1);
    }
    /* Half the delay: still in flight. */
    qtest_clock_step(r->d->qts, DELAY_NS / 2);
    g_assert_false(nvme_drv_cq_pending(r->d, q));
    return q;
}

static uint16_t hook_write_changing(HookRun *r, const size_t *change,
                                    unsigned nchange)
{
    NvmeDrvQueue *q = hook_submit_changing(r, change, nchange);
    NvmeCqe cqe;

    g_assert_true(nvme_drv_reap(r->d, q, &cqe));
    return nvme_drv_cqe_status(&cqe);
}

/*
 * hook_start(), then something known written there first (into before),
 * to tell "not persisted" apart, and a new pattern in the buffer.  False
 * (and stopped) when the case is skipped.
 */
static bool hook_start_known(HookRun *r, const char *fmt, const char *props,
                             uint8_t *before)
{
    if (!hook_start(r, fmt, props)) {
        hook_stop(r);
        return false;
    }
    hook_fill(r, 9);
    g_assert_cmphex(hook_write_changing(r, NULL, 0), ==, 0);
    memcpy(before, r->data, sizeof(r->data));
    hook_fill(r, 3);
    return true;
}

static GPtrArray *hook_events(HookRun *r)
{
    return nvme_fx_mutation_events(r->log_path);
}

static uint64_t hook_stat(HookRun *r, const char *name)
{
    return nvme_fx_qom_int(r->d, DEV_PATH, name);
}

static void hook_read_back(HookRun *r, uint8_t *out)
{
    NvmeFxIo io = { 0 };
    uint8_t meta[NLB * 8];

    g_assert_cmphex(nvme_fx_read(r->d, &r->ns, SLBA, NLB, out,
                                 r->ns.pi_type ? meta : NULL, &io, SLBA, 0),
                    ==, 0);
}

static void check_event(QDict *e, size_t offset, const char *outcome)
{
    g_assert_cmpint(qdict_get_int(e, "slba"), ==, SLBA);
    g_assert_cmpint(qdict_get_int(e, "nlb"), ==, NLB);
    g_assert_cmpint(qdict_get_int(e, "lba"), ==, SLBA + offset / BS);
    g_assert_cmpint(qdict_get_int(e, "offset"), ==, offset);
    g_assert_cmpint(qdict_get_int(e, "nsid"), ==, 1);
    g_assert_cmpint(qdict_get_int(e, "sqid"), ==, NVME_FX_IOQ);
    g_assert_cmpint(qdict_get_int(e, "opcode"), ==, NVME_CMD_WRITE);
    g_assert_cmpstr(qdict_get_str(e, "outcome"), ==, outcome);
    /* Time from the virtual clock: at least the delay after start. */
    g_assert_cmpint(qdict_get_int(e, "time_ns"), >=, DELAY_NS);
}

/* Default dma-source (last) on PI: the guest sees a guard error. */
static void test_guard_error(void)
{
    HookRun r;
    const size_t change[] = { BS + 100 };
    g_autoptr(GPtrArray) ev = NULL;
    NvmeErrorLog e;
    QDict *o;

    if (!hook_start(&r, PI1, ",dma-delay=1000000")) {
        hook_stop(&r);
        return;
    }
    hook_fill(&r, 1);
    g_assert_cmphex(hook_write_changing(&r, change, 1), ==,
                    NVME_E2E_GUARD_ERROR);
    ev = hook_events(&r);
    g_assert_cmpuint(ev->len, ==, 1);
    o = g_ptr_array_index(ev, 0);
    check_event(o, BS + 100, "pi-error");
    g_assert_cmpint(qdict_get_int(o, "bytes_changed"), ==, 1);
    g_assert_cmpint(qdict_get_int(o, "lines_changed"), ==, 1);
    g_assert_cmpint(qdict_get_int(o, "reads"), ==, 2);
    /* The host's guard is the first read's; the last read's differs. */
    g_assert_cmpstr(qdict_get_str(o, "guard_host"), ==,
                    qdict_get_str(o, "guard_first"));
    g_assert_cmpstr(qdict_get_str(o, "guard_host"), !=,
                    qdict_get_str(o, "guard_last"));
    /* The error log names the changed block. */
    g_assert_true(nvme_fx_last_error(r.d, &e));
    g_assert_cmpuint(le64_to_cpu(e.lba), ==, SLBA + 1);
    g_assert_cmpuint(hook_stat(&r, "stat-mutation-events"), ==, 1);
    g_assert_cmpuint(hook_stat(&r, "stat-mutation-pi-errors"), ==, 1);
    g_assert_cmpuint(hook_stat(&r, "stat-guard-errors"), ==, 1);
    g_assert_cmpuint(hook_stat(&r, "stat-writes-checked"), ==, 1);
    hook_stop(&r);
}

/* The same write, nobody touching the buffer: success and no event. */
static void test_no_change(void)
{
    HookRun r;
    g_autoptr(GPtrArray) ev = NULL;
    uint8_t back[NLB * BS];

    if (!hook_start(&r, PI1, ",dma-delay=1000000")) {
        hook_stop(&r);
        return;
    }
    hook_fill(&r, 2);
    g_assert_cmphex(hook_write_changing(&r, NULL, 0), ==, 0);
    ev = hook_events(&r);
    g_assert_cmpuint(ev->len, ==, 0);
    hook_read_back(&r, back);
    g_assert_cmpmem(back, sizeof(back), r.data, sizeof(r.data));
    g_assert_cmpuint(hook_stat(&r, "stat-mutation-events"), ==, 0);
    g_assert_cmpuint(hook_stat(&r, "stat-writes-checked"), ==, 1);
    g_assert_cmpuint(hook_stat(&r, "stat-guard-errors"), ==, 0);
    hook_stop(&r);
}

typedef struct SourceCase {
    const char *name;
    const char *fmt;
    const char *props;
    uint16_t status;
    const char *outcome;
    /* which of the two changed bytes the persisted data carries new */
    bool first_new, second_new;
} SourceCase;

/*
 * Two bytes change: one in the first 64-byte line (offset 100 is line 1
 * and sector 0) and one near the end (offset 8000).  Torn reads take the
 * start of the buffer from the first read and its end from the last.
 */
static const SourceCase source_cases[] = {
    { "first-pi", PI1, ",dma-source=first", 0, "persisted-first",
      false, false },
    { "last-pi", PI1, ",dma-source=last", NVME_E2E_GUARD_ERROR, "pi-error",
      false, false },
    { "last-plain", PLAIN, "", 0, "persisted-last", true, true },
    { "first-plain", PLAIN, ",dma-source=first", 0, "persisted-first",
      false, false },
    { "torn-cacheline", PLAIN, ",dma-source=torn-cacheline", 0,
      "persisted-torn", false, true },
    { "torn-sector", PLAIN, ",dma-source=torn-sector", 0, "persisted-torn",
      false, true },
    { "torn-cacheline-pi", PI1, ",dma-source=torn-cacheline",
      NVME_E2E_GUARD_ERROR, "pi-error", false, false },
};

static void test_source(const void *opaque)
{
    const SourceCase *c = opaque;
    const size_t change[] = { 100, 8000 };
    g_autofree char *props = g_strdup_printf(",dma-delay=1000000%s",
                                             c->props);
    g_autoptr(GPtrArray) ev = NULL;
    uint8_t back[NLB * BS], before[NLB * BS];
    HookRun r;

    if (!hook_start_known(&r, c->fmt, props, before)) {
        return;
    }
    g_assert_cmphex(hook_write_changing(&r, change, 2), ==, c->status);
    ev = hook_events(&r);
    g_assert_cmpuint(ev->len, ==, 1);
    check_event(g_ptr_array_index(ev, 0), 100, c->outcome);
    g_assert_cmpint(qdict_get_int(g_ptr_array_index(ev, 0),
                                  "bytes_changed"), ==, 2);
    hook_read_back(&r, back);
    if (c->status) {
        /* Nothing persisted: the previous write's bytes remain. */
        g_assert_cmpmem(back, sizeof(back), before, sizeof(before));
    } else {
        g_assert_cmphex(back[100], ==,
                        c->first_new ? r.data[100] ^ 0xff : r.data[100]);
        g_assert_cmphex(back[8000], ==,
                        c->second_new ? r.data[8000] ^ 0xff : r.data[8000]);
        back[100] = r.data[100];
        back[8000] = r.data[8000];
        g_assert_cmpmem(back, sizeof(back), r.data, sizeof(r.data));
    }
    g_assert_cmpuint(hook_stat(&r, "stat-mutation-events"), ==, 1);
    g_assert_cmpuint(hook_stat(&r, "stat-guard-errors"), ==,
                     c->status ? 1 : 0);
    hook_stop(&r);
}

/* dma-replay: more reads over the delay, still one event per write. */
static void test_replay(void)
{
    HookRun r;
    const size_t change[] = { 5 };
    g_autoptr(GPtrArray) ev = NULL;

    if (!hook_start(&r, PLAIN, ",dma-delay=1000000,dma-replay=4")) {
        hook_stop(&r);
        return;
    }
    hook_fill(&r, 4);
    g_assert_cmphex(hook_write_changing(&r, change, 1), ==, 0);
    ev = hook_events(&r);
    g_assert_cmpuint(ev->len, ==, 1);
    g_assert_cmpint(qdict_get_int(g_ptr_array_index(ev, 0), "reads"), ==, 5);
    /* Changed before read 1: reads 1..4 all differ from read 0. */
    g_assert_cmpint(qdict_get_int(g_ptr_array_index(ev, 0),
                                  "reads_differing"), ==, 4);
    check_event(g_ptr_array_index(ev, 0), 5, "persisted-last");
    hook_stop(&r);
}

/* Vendor log page C0h carries the counters and the last event. */
static void test_log_page(void)
{
    HookRun r;
    const size_t change[] = { BS + 7 };
    uint8_t page[512];

    if (!hook_start(&r, PI1, ",dma-delay=1000000")) {
        hook_stop(&r);
        return;
    }
    hook_fill(&r, 5);
    g_assert_cmphex(hook_write_changing(&r, NULL, 0), ==, 0);
    g_assert_cmphex(hook_write_changing(&r, change, 1), ==,
                    NVME_E2E_GUARD_ERROR);
    g_assert_cmphex(nvme_drv_get_log(r.d, 0xc0, 0, 0, page,
                                     sizeof(page)), ==, 0);
    g_assert_cmpmem(page, 4, "NVPI", 4);
    g_assert_cmpuint(ldl_le_p(page + 4) & 0xffff, ==, 1);   /* version */
    g_assert_cmpuint(ldq_le_p(page + 8), ==, 2);    /* writes checked */
    g_assert_cmpuint(ldq_le_p(page + 16), ==, 1);   /* events */
    g_assert_cmpuint(ldq_le_p(page + 24), ==, 1);   /* PI errors */
    g_assert_cmpuint(ldq_le_p(page + 56), ==, 1);   /* bytes changed */
    g_assert_cmpuint(ldl_le_p(page + 72), ==, 1);   /* nsid */
    g_assert_cmpuint(page[78], ==, NVME_CMD_WRITE);
    g_assert_cmpuint(page[79], ==, 0);              /* pi-error */
    g_assert_cmpuint(ldq_le_p(page + 80), ==, SLBA);
    g_assert_cmpuint(ldl_le_p(page + 88), ==, NLB);
    g_assert_cmpuint(lduw_le_p(page + 92), ==, NVME_FX_IOQ);
    g_assert_cmpuint(ldq_le_p(page + 96), ==, BS + 7);
    g_assert_cmpuint(ldq_le_p(page + 176), ==, SLBA + 1);
    g_assert_cmpuint(page[144], ==, r.data[BS + 7]);        /* old */
    g_assert_cmpuint(page[160], ==, r.data[BS + 7] ^ 0xff); /* new */
    hook_stop(&r);
}

/* read-complete-delay: data in guest memory, completion later. */
static void test_read_complete_delay(void)
{
    HookRun r;
    NvmeDrvQueue *q;
    NvmeDrvRw rw;
    NvmeDrvBuf rb;
    NvmeCqe cqe;
    uint8_t got[NLB * BS];

    if (!hook_start(&r, PLAIN, ",read-complete-delay=1000000")) {
        hook_stop(&r);
        return;
    }
    q = nvme_drv_ioq(r.d, NVME_FX_IOQ);
    hook_fill(&r, 6);
    g_assert_cmphex(nvme_fx_write(r.d, &r.ns, SLBA, NLB, r.data, NULL,
                                  &(NvmeFxIo){ 0 }, 0, 0), ==, 0);
    nvme_drv_buf_contig(r.d, &rb, sizeof(got), 0);
    nvme_drv_buf_fill(r.d, &rb, 0);
    hook_rw(&r, &rw, NVME_CMD_READ, &rb);
    nvme_drv_rw_submit(r.d, q, &rw);
    /* Block I/O is asynchronous: give the main loop real time. */
    for (int i = 0; i < 200; i++) {
        nvme_drv_buf_read(r.d, &rb, got);
        if (!memcmp(got, r.data, sizeof(got))) {
            break;
        }
        g_usleep(1000);
    }
    g_assert_cmpmem(got, sizeof(got), r.data, sizeof(r.data));
    g_assert_false(nvme_drv_cq_pending(r.d, q));
    qtest_clock_step(r.d->qts, DELAY_NS / 2);
    g_assert_false(nvme_drv_cq_pending(r.d, q));
    qtest_clock_step(r.d->qts, DELAY_NS / 2 + 1);
    g_assert_true(nvme_drv_cq_pending(r.d, q));
    g_assert_true(nvme_drv_reap(r.d, q, &cqe));
    g_assert_cmphex(nvme_drv_cqe_status(&cqe), ==, 0);
    hook_stop(&r);
}

/*
 * Many delayed writes in flight with jitter: every one completes, each
 * exactly once, in whatever order the jittered delays give.
 */
static void test_many_in_flight(void)
{
    enum { N = 24 };
    HookRun r;
    NvmeDrvQueue *q;
    bool seen[0x10000] = { false };
    uint16_t cids[N];
    NvmeDrvBuf bufs[N];
    bool in_order = true;
    int i;

    if (!hook_start(&r, PLAIN, ",dma-delay=1000000,dma-jitter=2000000,"
                    "seed=7")) {
        hook_stop(&r);
        return;
    }
    q = nvme_drv_ioq(r.d, NVME_FX_IOQ);
    for (i = 0; i < N; i++) {
        NvmeDrvRw rw;

        nvme_drv_buf_contig(r.d, &bufs[i], BS, 0);
        nvme_drv_buf_fill(r.d, &bufs[i], i);
        memset(&rw, 0, sizeof(rw));
        rw.opcode = NVME_CMD_WRITE;
        rw.nsid = 1;
        rw.slba = i;
        rw.nlb = 1;
        rw.data = &bufs[i];
        cids[i] = nvme_drv_rw_submit(r.d, q, &rw);
    }
    for (i = 0; i < N; i++) {
        NvmeCqe cqe;
        uint16_t cid;

        g_assert_true(nvme_drv_reap(r.d, q, &cqe));
        g_assert_cmphex(nvme_drv_cqe_status(&cqe), ==, 0);
        cid = le16_to_cpu(cqe.cid);
        g_assert_false(seen[cid]);
        seen[cid] = true;
        in_order &= cid == cids[i];
    }
    for (i = 0; i < N; i++) {
        g_assert_true(seen[cids[i]]);
    }
    /* Jittered delays with this seed do not finish in submission order. */
    g_assert_false(in_order);
    for (i = 0; i < N; i++) {
        uint8_t blk[BS], want[BS];
        NvmeFxIo io = { 0 };

        memset(want, i, sizeof(want));
        g_assert_cmphex(nvme_fx_read(r.d, &r.ns, i, 1, blk, NULL, &io, 0, 0),
                        ==, 0);
        g_assert_cmpmem(blk, BS, want, BS);
    }
    hook_stop(&r);
}

/* Deleting an SQ with delayed writes in it: no completion, no crash. */
static void test_delete_sq_in_flight(void)
{
    HookRun r;
    NvmeDrvQueue *q;
    NvmeDrvRw rw;

    if (!hook_start(&r, PLAIN, ",dma-delay=1000000")) {
        hook_stop(&r);
        return;
    }
    q = nvme_drv_ioq(r.d, NVME_FX_IOQ);
    hook_fill(&r, 8);
    hook_rw(&r, &rw, NVME_CMD_WRITE, &r.db);
    nvme_drv_rw_submit(r.d, q, &rw);
    nvme_drv_rd32(r.d, NVME_DRV_REG_CSTS);
    g_assert_cmphex(nvme_drv_delete_ioq(r.d, NVME_FX_IOQ), ==, 0);
    qtest_clock_step(r.d->qts, 2 * DELAY_NS);
    g_assert_true(nvme_drv_qemu_alive(r.d));
    g_assert_cmphex(nvme_drv_create_ioq(r.d, NVME_FX_IOQ, NVME_FX_IOQ_SIZE),
                    ==, 0);
    hook_stop(&r);
}

typedef struct CutCase {
    const char *name;
    /* bytes [0, from_new) as the guest buffer is at the cut, the rest:
     * 'o' what the image held, 'f' the buffer as first read */
    size_t from_new;
    char rest;
} CutCase;

static const CutCase cut_cases[] = {
    { "none", 0, 'o' },
    { "first", 0, 'f' },
    { "last", NLB * BS, 'o' },
    { "torn", NLB * BS / 2, 'o' },   /* 8 of 16 sectors */
};

/*
 * Hold a write (dma-delay), change its buffer, cut the power: the write
 * never completes, the clock moving changes nothing, and after a restart
 * the image holds what the policy says.
 */
static void test_power_cut(const void *opaque)
{
    const CutCase *c = opaque;
    const size_t change[] = { 100, 8000 };
    g_autofree char *props = g_strdup_printf(",dma-delay=1000000,"
                                             "power-cut=%s", c->name);
    g_autoptr(GPtrArray) ev = NULL;
    uint8_t before[NLB * BS], first[NLB * BS], now[NLB * BS], want[NLB * BS];
    uint8_t back[NLB * BS];
    NvmeDrvQueue *q;
    QDict *rsp, *cut;
    HookRun r;
    size_t i;

    if (!hook_start_known(&r, PLAIN, props, before)) {
        return;
    }
    memcpy(first, r.data, sizeof(first));
    memcpy(now, r.data, sizeof(now));
    for (i = 0; i < ARRAY_SIZE(change); i++) {
        now[change[i]] ^= 0xff;
    }
    q = hook_submit_changing(&r, change, ARRAY_SIZE(change));

    rsp = qtest_qmp(r.d->qts, "{ 'execute': 'qom-set', 'arguments':"
                    " { 'path': %s, 'property': 'power-lost',"
                    " 'value': true } }", DEV_PATH);
    g_assert_true(qdict_haskey(rsp, "return"));
    qobject_unref(rsp);
    /* The held write never completes, however long the clock runs. */
    qtest_clock_step(r.d->qts, 4 * DELAY_NS);
    g_assert_false(nvme_drv_cq_pending(r.d, q));
    g_assert_true(nvme_drv_rd32(r.d, NVME_DRV_REG_CSTS) & NVME_DRV_CSTS_CFS);
    g_assert_cmpuint(hook_stat(&r, "stat-power-cut-writes"), ==, 1);
    {
        g_autofree char *stat = g_strdup_printf("stat-power-cut-%s",
                                                c->name);

        g_assert_cmpuint(hook_stat(&r, stat), ==, 1);
    }
    g_assert_cmpuint(hook_stat(&r, "stat-mutation-events"), ==, 0);
    ev = hook_events(&r);
    g_assert_cmpuint(ev->len, ==, 1);
    cut = g_ptr_array_index(ev, 0);
    g_assert_cmpstr(qdict_get_str(cut, "event"), ==, "power-cut");
    g_assert_cmpint(qdict_get_int(cut, "slba"), ==, SLBA);
    g_assert_cmpint(qdict_get_int(cut, "nlb"), ==, NLB);
    g_assert_cmpint(qdict_get_int(cut, "reads"), ==, 1);
    g_assert_cmpint(qdict_get_int(cut, "bytes_changed"), ==, 2);
    {
        g_autofree char *outcome = g_strdup_printf("cut-%s", c->name);

        g_assert_cmpstr(qdict_get_str(cut, "outcome"), ==, outcome);
    }

    /* The next boot: the same image, no hooks. */
    r.d = nvme_drv_restart(r.d, PLAIN);
    g_assert_cmphex(nvme_drv_enable(r.d, 32), ==, 0);
    g_assert_true(nvme_fx_io_ready(r.d, &r.ns));
    hook_read_back(&r, back);
    memcpy(want, c->rest == 'f' ? first : before, sizeof(want));
    memcpy(want, now, c->from_new);
    g_assert_cmpint(qdict_get_int(cut, "bytes_persisted"), ==,
                    c->from_new ? c->from_new : c->rest == 'f' ? NLB * BS : 0);
    g_assert_cmpmem(back, sizeof(back), want, sizeof(want));
    hook_stop(&r);
}

static void expect_realize_error(const char *props, const char *message)
{
    g_autofree char *args = g_strdup_printf("-device nvme-pi,serial=x%s",
                                            props);

    nvme_fx_expect_start_error(args, message);
}

static void test_bad_props(void)
{
    if (!nvme_fx_props(",dma-source=x,dma-clock=x,dma-replay=1,"
                       "mutation-log=x")) {
        return;
    }
    expect_realize_error(",dma-source=middle",
                         "dma-source must be first, last, torn-cacheline "
                         "or torn-sector, got 'middle'");
    expect_realize_error(",dma-clock=wall",
                         "dma-clock must be virtual or realtime");
    expect_realize_error(",dma-replay=17", "dma-replay must be 0..16");
    expect_realize_error(",mutation-log=/nonexistent/dir/m.jsonl",
                         "cannot open mutation-log "
                         "'/nonexistent/dir/m.jsonl'");
    expect_realize_error(",dma-delay=100000000000000000",
                         "at most one day");
    expect_realize_error(",power-cut=half",
                         "power-cut must be none, first, last or torn, "
                         "got 'half'");
}

void nvme_pi_hooks_tests(void)
{
    size_t i;

    qtest_add_func("/nvme-pi/hooks/guard-error", test_guard_error);
    qtest_add_func("/nvme-pi/hooks/no-change", test_no_change);
    for (i = 0; i < ARRAY_SIZE(source_cases); i++) {
        g_autofree char *path = g_strdup_printf("/nvme-pi/hooks/source/%s",
                                                source_cases[i].name);

        qtest_add_data_func(path, &source_cases[i], test_source);
    }
    qtest_add_func("/nvme-pi/hooks/replay", test_replay);
    qtest_add_func("/nvme-pi/hooks/log-page", test_log_page);
    qtest_add_func("/nvme-pi/hooks/read-complete-delay",
                   test_read_complete_delay);
    qtest_add_func("/nvme-pi/hooks/many-in-flight", test_many_in_flight);
    qtest_add_func("/nvme-pi/hooks/delete-sq-in-flight",
                   test_delete_sq_in_flight);
    for (i = 0; i < ARRAY_SIZE(cut_cases); i++) {
        g_autofree char *path = g_strdup_printf("/nvme-pi/hooks/power-cut/%s",
                                                cut_cases[i].name);

        qtest_add_data_func(path, &cut_cases[i], test_power_cut);
    }
    qtest_add_func("/nvme-pi/hooks/bad-props", test_bad_props);
}
