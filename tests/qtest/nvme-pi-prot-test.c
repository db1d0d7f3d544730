/*
 * nvme-pi qtests: Protection Information checking and generation.
 *
 * This file owns what the device does with PI beyond moving it: each
 * PRCHK failure (guard 282h, application tag 283h, reference tag 284h)
 * with its Error Information log entry, PRINFO validation (281h), escape
 * values and LBATM, PRACT generate and strip, pi-strict, Write Zeroes
 * with PRACT, metadata surviving a QEMU restart, and Format NVM.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "nvme-pi-fixture.h"

#define PI1_512     ",logical_block_size=512,ms=8,pi=1"
#define NLB         4
#define SLBA        32

/* Blocks at SLBA with valid type 1 PI, then one field of block 2 broken. */
static void write_broken(const NvmeDrvNs *ns, uint8_t *data,
                         uint8_t *meta, int which)
{
    NvmeRefTuple t;
    uint8_t *bm;

    nvme_ref_pattern(ns, data, meta, NLB, 7);
    nvme_ref_protect(ns, data, meta, NLB, SLBA, 0x1234);
    bm = nvme_ref_blk_meta(ns, data, meta, 2);
    nvme_ref_tuple_get(ns, bm, &t);
    switch (which) {
    case NVME_PRINFO_PRCHK_GUARD:
        t.guard ^= 0x8001;
        break;
    case NVME_PRINFO_PRCHK_APP:
        t.apptag ^= 0x0100;
        break;
    case NVME_PRINFO_PRCHK_REF:
        t.reftag += 7;
        break;
    }
    nvme_ref_tuple_set(ns, bm, &t);
}

typedef struct CheckCase {
    const char *name;
    uint8_t prchk;
    uint16_t status;
    bool on_read;           /* stored unchecked, then caught on read */
} CheckCase;

#define GUARD       NVME_PRINFO_PRCHK_GUARD
#define APP         NVME_PRINFO_PRCHK_APP
#define REF         NVME_PRINFO_PRCHK_REF

static const CheckCase check_cases[] = {
    { .name = "write-guard", .prchk = GUARD, .status = NVME_E2E_GUARD_ERROR },
    { .name = "write-apptag", .prchk = APP, .status = NVME_E2E_APP_ERROR },
    { .name = "write-reftag", .prchk = REF, .status = NVME_E2E_REF_ERROR },
    { .name = "read-guard", .prchk = GUARD, .status = NVME_E2E_GUARD_ERROR,
      .on_read = true },
    { .name = "read-apptag", .prchk = APP, .status = NVME_E2E_APP_ERROR,
      .on_read = true },
    { .name = "read-reftag", .prchk = REF, .status = NVME_E2E_REF_ERROR,
      .on_read = true },
};

static void test_check(const void *opaque)
{
    const CheckCase *c = opaque;
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(PI1_512 ",pi-strict=off", &ns);
    uint8_t data[NLB * 512], meta[NLB * 8];
    NvmeFxIo chk = { .prinfo = c->prchk }, raw = { 0 };
    NvmeErrorLog e;
    uint16_t st;

    if (!d) {
        return;
    }
    write_broken(&ns, data, meta, c->prchk);
    if (c->on_read) {
        g_assert_cmphex(nvme_fx_write(d, &ns, SLBA, NLB, data, meta, &raw,
                                      0, 0), ==, 0);
        st = nvme_fx_read(d, &ns, SLBA, NLB, data, meta, &chk, SLBA,
                          0x1234);
    } else {
        st = nvme_fx_write(d, &ns, SLBA, NLB, data, meta, &chk, SLBA,
                           0x1234);
    }
    g_assert_cmphex(st, ==, c->status);
    /* The same checks, all but the broken one, pass. */
    chk.prinfo = (NVME_PRINFO_PRCHK_GUARD | NVME_PRINFO_PRCHK_APP |
                  NVME_PRINFO_PRCHK_REF) & ~c->prchk;
    if (c->on_read) {
        g_assert_cmphex(nvme_fx_read(d, &ns, SLBA, NLB, data, meta, &chk,
                                     SLBA, 0x1234), ==, 0);
    }
    /* The Error Information log names the command and the bad block. */
    g_assert_true(nvme_fx_last_error(d, &e));
    g_assert_cmphex((le16_to_cpu(e.status_field) >> 1) & 0x7ff, ==,
                    c->status);
    g_assert_cmpuint(le16_to_cpu(e.sqid), ==, NVME_FX_IOQ);
    g_assert_cmpuint(le32_to_cpu(e.nsid), ==, 1);
    g_assert_cmpuint(le64_to_cpu(e.lba), ==, SLBA + 2);
}

static void test_error_log_count(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(PI1_512 ",pi-strict=off", &ns);
    uint8_t data[NLB * 512], meta[NLB * 8];
    NvmeFxIo chk = { .prinfo = NVME_PRINFO_PRCHK_GUARD };
    NvmeErrorLog e1, e2;

    if (!d) {
        return;
    }
    write_broken(&ns, data, meta, NVME_PRINFO_PRCHK_GUARD);
    g_assert_cmphex(nvme_fx_write(d, &ns, SLBA, NLB, data, meta, &chk, SLBA,
                                  0), ==, NVME_E2E_GUARD_ERROR);
    g_assert_true(nvme_fx_last_error(d, &e1));
    g_assert_cmphex(nvme_fx_write(d, &ns, SLBA, NLB, data, meta, &chk, SLBA,
                                  0), ==, NVME_E2E_GUARD_ERROR);
    g_assert_true(nvme_fx_last_error(d, &e2));
    /* Each error is a new entry with the next count. */
    g_assert_cmpuint(le64_to_cpu(e2.error_count), ==,
                     le64_to_cpu(e1.error_count) + 1);
    g_assert_cmpuint(le16_to_cpu(e2.cid), !=, le16_to_cpu(e1.cid));
}

static void test_prinfo_invalid(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(PI1_512, &ns);
    uint8_t data[NLB * 512], meta[NLB * 8];
    NvmeFxIo chk = { .prinfo = NVME_PRINFO_PRCHK_REF };

    if (!d) {
        return;
    }
    nvme_ref_pattern(&ns, data, meta, NLB, 8);
    nvme_ref_protect(&ns, data, meta, NLB, SLBA + 1, 0);
    /* Type 1: ILBRT must be the SLBA when the reftag is checked. */
    g_assert_cmphex(nvme_fx_write(d, &ns, SLBA, NLB, data, meta, &chk,
                                  SLBA + 1, 0), ==, NVME_INVALID_PROT_INFO);
}

static void test_type3_no_reftag(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(",logical_block_size=512,ms=8,pi=3",
                                      &ns);
    uint8_t data[NLB * 512], meta[NLB * 8];
    NvmeFxIo chk = { .prinfo = NVME_PRINFO_PRCHK_REF };

    if (!d) {
        return;
    }
    nvme_ref_pattern(&ns, data, meta, NLB, 9);
    nvme_ref_protect(&ns, data, meta, NLB, 99, 0);
    g_assert_cmphex(nvme_fx_write(d, &ns, SLBA, NLB, data, meta, &chk, 99, 0),
                    ==, NVME_INVALID_PROT_INFO);
    /* Guard and apptag checks are fine on type 3, reftag any value. */
    chk.prinfo = NVME_PRINFO_PRCHK_GUARD | NVME_PRINFO_PRCHK_APP;
    g_assert_cmphex(nvme_fx_write(d, &ns, SLBA, NLB, data, meta, &chk, 0, 0),
                    ==, 0);
}

static void test_type2_ilbrt(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(",logical_block_size=512,ms=8,pi=2",
                                      &ns);
    uint8_t data[NLB * 512], meta[NLB * 8];
    NvmeFxIo chk = { .prinfo = NVME_PRINFO_PRCHK_REF |
                     NVME_PRINFO_PRCHK_GUARD };

    if (!d) {
        return;
    }
    /* Type 2: ILBRT is the host's choice, not the SLBA. */
    nvme_ref_pattern(&ns, data, meta, NLB, 10);
    nvme_ref_protect(&ns, data, meta, NLB, 0xabc000, 0);
    g_assert_cmphex(nvme_fx_write(d, &ns, SLBA, NLB, data, meta, &chk,
                                  0xabc000, 0), ==, 0);
    g_assert_cmphex(nvme_fx_read(d, &ns, SLBA, NLB, data, meta, &chk,
                                 0xabc000, 0), ==, 0);
    g_assert_cmphex(nvme_fx_read(d, &ns, SLBA, NLB, data, meta, &chk,
                                 0xabc001, 0), ==, NVME_E2E_REF_ERROR);
}

static void test_escape_apptag(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(PI1_512 ",pi-strict=off", &ns);
    uint8_t data[NLB * 512], meta[NLB * 8];
    NvmeFxIo chk = { .prinfo = NVME_PRINFO_PRCHK_GUARD |
                     NVME_PRINFO_PRCHK_REF }, raw = { 0 };
    NvmeRefTuple t = { .guard = 0xdead, .apptag = 0xffff, .reftag = 5 };

    if (!d) {
        return;
    }
    nvme_ref_pattern(&ns, data, meta, NLB, 11);
    nvme_ref_protect(&ns, data, meta, NLB, SLBA, 0);
    /* Block 1: nonsense guard and reftag, but apptag FFFFh. */
    nvme_ref_tuple_set(&ns, meta + 8, &t);
    g_assert_cmphex(nvme_fx_write(d, &ns, SLBA, NLB, data, meta, &raw, 0, 0),
                    ==, 0);
    g_assert_cmphex(nvme_fx_read(d, &ns, SLBA, NLB, data, meta, &chk, SLBA,
                                 0), ==, 0);
}

static void test_type3_escape(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(",logical_block_size=512,ms=8,pi=3"
                                      ",pi-strict=off", &ns);
    uint8_t data[NLB * 512], meta[NLB * 8];
    NvmeFxIo chk = { .prinfo = NVME_PRINFO_PRCHK_GUARD }, raw = { 0 };
    NvmeRefTuple t = { .guard = 0xdead, .apptag = 0xffff, .reftag = 5 };

    if (!d) {
        return;
    }
    nvme_ref_pattern(&ns, data, meta, NLB, 12);
    nvme_ref_protect(&ns, data, meta, NLB, 0, 0);
    /* Type 3: apptag FFFFh alone does not escape... */
    nvme_ref_tuple_set(&ns, meta + 8, &t);
    g_assert_cmphex(nvme_fx_write(d, &ns, SLBA, NLB, data, meta, &raw, 0, 0),
                    ==, 0);
    g_assert_cmphex(nvme_fx_read(d, &ns, SLBA, NLB, data, meta, &chk, 0, 0),
                    ==, NVME_E2E_GUARD_ERROR);
    /* ...apptag FFFFh with reftag FFFFFFFFh does. */
    t.reftag = 0xffffffff;
    nvme_ref_tuple_set(&ns, meta + 8, &t);
    g_assert_cmphex(nvme_fx_write(d, &ns, SLBA, NLB, data, meta, &raw, 0, 0),
                    ==, 0);
    g_assert_cmphex(nvme_fx_read(d, &ns, SLBA, NLB, data, meta, &chk, 0, 0),
                    ==, 0);
}

static void test_apptag_mask(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(PI1_512, &ns);
    uint8_t data[NLB * 512], meta[NLB * 8];
    NvmeDrvBuf db, mb;
    NvmeDrvRw rw = {
        .opcode = NVME_CMD_WRITE, .nsid = 1, .slba = SLBA, .nlb = NLB,
        .prinfo = NVME_PRINFO_PRCHK_APP, .reftag = SLBA, .data = &db,
        .meta = &mb,
    };
    NvmeDrvQueue *q;

    if (!d) {
        return;
    }
    q = nvme_drv_ioq(d, NVME_FX_IOQ);
    nvme_ref_pattern(&ns, data, meta, NLB, 13);
    nvme_ref_protect(&ns, data, meta, NLB, SLBA, 0x12ab);
    nvme_drv_buf_contig(d, &db, sizeof(data), 0);
    nvme_drv_buf_contig(d, &mb, sizeof(meta), 0);
    nvme_drv_buf_write(d, &db, data);
    nvme_drv_buf_write(d, &mb, meta);
    /* LBAT differs from the stored tag only in bits LBATM ignores. */
    rw.apptag = 0x12cd;
    rw.appmask = 0xff00;
    g_assert_cmphex(nvme_drv_rw(d, q, &rw, NULL), ==, 0);
    rw.appmask = 0xfff0;
    g_assert_cmphex(nvme_drv_rw(d, q, &rw, NULL), ==, NVME_E2E_APP_ERROR);
}

static void test_pract_generate(const void *opaque)
{
    const char *props = opaque;
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(props, &ns);
    size_t dl, ml;
    g_autofree uint8_t *data = NULL;
    g_autofree uint8_t *meta = NULL;
    g_autofree uint8_t *got = NULL;
    g_autofree uint8_t *gm = NULL;
    NvmeFxIo pract = { .prinfo = NVME_PRINFO_PRACT }, raw = { 0 };

    if (!d) {
        return;
    }
    dl = nvme_ref_data_len(&ns, NLB);
    ml = nvme_ref_meta_len(&ns, NLB);
    data = g_malloc0(dl);
    meta = g_malloc0(ml + 1);
    got = g_malloc0(dl);
    gm = g_malloc0(ml + 1);
    nvme_ref_pattern(&ns, data, meta, NLB, 14);
    g_assert_cmphex(nvme_fx_write(d, &ns, SLBA, NLB, data, meta, &pract,
                                  SLBA, 0x4242), ==, 0);
    /* Stored: the host's data and the tuples PRACT must have built. */
    g_assert_cmphex(nvme_fx_read(d, &ns, SLBA, NLB, got, gm, &raw, SLBA, 0),
                    ==, 0);
    nvme_ref_protect(&ns, data, meta, NLB, SLBA, 0x4242);
    for (uint32_t i = 0; i < NLB; i++) {
        NvmeRefTuple want, have;

        g_assert_cmpmem(nvme_ref_blk_data(&ns, got, i), ns.lbads,
                        nvme_ref_blk_data(&ns, data, i), ns.lbads);
        nvme_ref_tuple_get(&ns, nvme_ref_blk_meta(&ns, data, meta, i), &want);
        nvme_ref_tuple_get(&ns, nvme_ref_blk_meta(&ns, got, gm, i), &have);
        g_assert_cmphex(have.guard, ==, want.guard);
        g_assert_cmphex(have.apptag, ==, want.apptag);
        g_assert_cmphex(have.reftag, ==, want.reftag);
    }
}

static void test_pract_strip(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(PI1_512 ",mset=1,pi-strict=off", &ns);
    uint8_t data[NLB * 520], got[NLB * 520];
    NvmeFxIo strip = { .prinfo = NVME_PRINFO_PRACT | NVME_PRINFO_PRCHK_GUARD },
             raw = { 0 };

    if (!d) {
        return;
    }
    nvme_ref_pattern(&ns, data, NULL, NLB, 15);
    nvme_ref_protect(&ns, data, NULL, NLB, SLBA, 0);
    g_assert_cmphex(nvme_fx_write(d, &ns, SLBA, NLB, data, NULL, &raw, 0, 0),
                    ==, 0);
    /* PRACT read of 512+8: 512-byte blocks reach the host, PI checked. */
    memset(got, 0, sizeof(got));
    g_assert_cmphex(nvme_fx_read(d, &ns, SLBA, NLB, got, NULL, &strip, SLBA,
                                 0), ==, 0);
    for (uint32_t i = 0; i < NLB; i++) {
        g_assert_cmpmem(nvme_ref_blk_data(&ns, got, i), 512,
                        nvme_ref_blk_data(&ns, data, i), 512);
    }
    /* A bad guard is still caught when the PI is stripped. */
    data[520 + 7] ^= 1;
    g_assert_cmphex(nvme_fx_write(d, &ns, SLBA, NLB, data, NULL, &raw, 0, 0),
                    ==, 0);
    g_assert_cmphex(nvme_fx_read(d, &ns, SLBA, NLB, got, NULL, &strip, SLBA,
                                 0), ==, NVME_E2E_GUARD_ERROR);
}

static void test_strict_write(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(PI1_512 ",pi-strict=on", &ns);
    uint8_t data[NLB * 512], meta[NLB * 8];
    NvmeFxIo raw = { 0 };

    if (!d) {
        return;
    }
    /* No PRCHK from the host, yet the guard and reftag are checked. */
    write_broken(&ns, data, meta, NVME_PRINFO_PRCHK_GUARD);
    g_assert_cmphex(nvme_fx_write(d, &ns, SLBA, NLB, data, meta, &raw, 0, 0),
                    ==, NVME_E2E_GUARD_ERROR);
    write_broken(&ns, data, meta, NVME_PRINFO_PRCHK_REF);
    g_assert_cmphex(nvme_fx_write(d, &ns, SLBA, NLB, data, meta, &raw, 0, 0),
                    ==, NVME_E2E_REF_ERROR);
    write_broken(&ns, data, meta, 0);
    g_assert_cmphex(nvme_fx_write(d, &ns, SLBA, NLB, data, meta, &raw, 0, 0),
                    ==, 0);
}

static void test_strict_off(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(PI1_512 ",pi-strict=off", &ns);
    uint8_t data[NLB * 512], meta[NLB * 8], got[NLB * 512], gm[NLB * 8];
    NvmeFxIo raw = { 0 };

    if (!d) {
        return;
    }
    /* Without PRCHK and without pi-strict, bad PI is stored as given. */
    write_broken(&ns, data, meta, NVME_PRINFO_PRCHK_GUARD);
    g_assert_cmphex(nvme_fx_write(d, &ns, SLBA, NLB, data, meta, &raw, 0, 0),
                    ==, 0);
    g_assert_cmphex(nvme_fx_read(d, &ns, SLBA, NLB, got, gm, &raw, 0, 0), ==,
                    0);
    g_assert_cmpmem(gm, sizeof(gm), meta, sizeof(meta));
}

/*
 * A guard error completes without DNR by default (as QEMU's nvme: a host
 * may retry); with pi-dnr=on, with DNR.  Reads the same way.
 */
static void test_pi_dnr(const void *opaque)
{
    bool dnr = opaque != NULL;
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(dnr ? PI1_512 ",pi-dnr=on,pi-strict=off"
                                          : PI1_512 ",pi-strict=off", &ns);
    uint8_t data[NLB * 512], meta[NLB * 8];
    NvmeDrvBuf db, mb;
    NvmeDrvRw rw = {
        .opcode = NVME_CMD_WRITE, .nsid = 1, .slba = SLBA, .nlb = NLB,
        .reftag = SLBA, .data = &db, .meta = &mb,
    };
    NvmeCqe cqe;

    if (!d) {
        return;
    }
    write_broken(&ns, data, meta, NVME_PRINFO_PRCHK_GUARD);
    nvme_drv_buf_contig(d, &db, sizeof(data), 0);
    nvme_drv_buf_contig(d, &mb, sizeof(meta), 0);
    nvme_drv_buf_write(d, &db, data);
    nvme_drv_buf_write(d, &mb, meta);
    rw.prinfo = NVME_PRINFO_PRCHK_GUARD;
    g_assert_cmphex(nvme_drv_rw(d, nvme_drv_ioq(d, NVME_FX_IOQ), &rw, &cqe),
                    ==, NVME_E2E_GUARD_ERROR);
    g_assert_cmpint(nvme_drv_cqe_dnr(&cqe), ==, dnr);
    /* Stored unchecked (pi-strict off, no PRCHK), caught on read. */
    rw.prinfo = 0;
    g_assert_cmphex(nvme_drv_rw(d, nvme_drv_ioq(d, NVME_FX_IOQ), &rw, &cqe),
                    ==, 0);
    rw.opcode = NVME_CMD_READ;
    rw.prinfo = NVME_PRINFO_PRCHK_GUARD;
    g_assert_cmphex(nvme_drv_rw(d, nvme_drv_ioq(d, NVME_FX_IOQ), &rw, &cqe),
                    ==, NVME_E2E_GUARD_ERROR);
    g_assert_cmpint(nvme_drv_cqe_dnr(&cqe), ==, dnr);
}

static void test_strict_read_after_restart(void)
{
    NvmeDrvNs ns;
    NvmeDrv *d = nvme_fx_io(PI1_512 ",pi-strict=off", &ns);
    uint8_t data[NLB * 512], meta[NLB * 8], got[NLB * 512], gm[NLB * 8];
    NvmeFxIo raw = { 0 };

    if (!d) {
        return;
    }
    if (!nvme_fx_props(",pi-strict=on")) {
        nvme_drv_stop(d);
        return;
    }
    /* Block 2 and a good block 3 stored unchecked... */
    write_broken(&ns, data, meta, NVME_PRINFO_PRCHK_GUARD);
    g_assert_cmphex(nvme_fx_write(d, &ns, SLBA, NLB, data, meta, &raw, 0, 0),
                    ==, 0);
    /* ...survive a restart, metadata included, and pi-strict reads them. */
    d = nvme_drv_restart(d, PI1_512 ",pi-strict=on");
    g_assert_cmphex(nvme_drv_enable(d, 32), ==, 0);
    g_assert_true(nvme_fx_io_ready(d, &ns));
    g_assert_cmphex(nvme_fx_read(d, &ns, SLBA + 3, 1, got, gm, &raw, 0, 0),
                    ==, 0);
    g_assert_cmpmem(got, 512, data + 3 * 512, 512);
    g_assert_cmpmem(gm, 8, meta + 3 * 8, 8);
    g_assert_cmphex(nvme_fx_read(d, &ns, SLBA, NLB, got, gm, &raw, 0, 0), ==,
                    NVME_E2E_GUARD_ERROR);
    nvme_drv_stop(d);
}

static void test_metadata_persists(void)
{
    NvmeDrvNs ns;
    const char *props = ",logical_block_size=4096,physical_block_size=4096,"
                        "ms=16,pi=1,pif=2";
    NvmeDrv *d = nvme_fx_io(props, &ns);
    static uint8_t data[NLB * 4096], got[NLB * 4096];
    uint8_t meta[NLB * 16], gm[NLB * 16];
    NvmeFxIo chk = { .prinfo = NVME_PRINFO_PRCHK_GUARD |
                     NVME_PRINFO_PRCHK_APP | NVME_PRINFO_PRCHK_REF };

    if (!d) {
        return;
    }
    nvme_ref_pattern(&ns, data, meta, NLB, 16);
    nvme_ref_protect(&ns, data, meta, NLB, SLBA, 0x99);
    g_assert_cmphex(nvme_fx_write(d, &ns, SLBA, NLB, data, meta, &chk, SLBA,
                                  0x99), ==, 0);
    d = nvme_drv_restart(d, props);
    g_assert_cmphex(nvme_drv_enable(d, 32), ==, 0);
    g_assert_true(nvme_fx_io_ready(d, &ns));
    g_assert_cmphex(nvme_fx_read(d, &ns, SLBA, NLB, got, gm, &chk, SLBA,
                                 0x99), ==, 0);
    g_assert_cmpmem(got, sizeof(got), data, sizeof(data));
    g_assert_cmpmem(gm, sizeof(gm), meta, sizeof(meta));
    nvme_drv_stop(d);
}

static void test_write_zeroes_pract(void)
{
    NvmeDrvNs ns;
    g_autoptr(NvmeDrv) d = nvme_fx_io(PI1_512, &ns);
    uint8_t got[NLB * 512], gm[NLB * 8], zero[512] = { 0 };
    NvmeDrvRw rw = {
        .opcode = NVME_CMD_WRITE_ZEROES, .nsid = 1, .slba = SLBA, .nlb = NLB,
        .prinfo = NVME_PRINFO_PRACT, .reftag = SLBA, .apptag = 0x0bad,
    };
    NvmeFxIo chk = { .prinfo = NVME_PRINFO_PRCHK_GUARD |
                     NVME_PRINFO_PRCHK_APP | NVME_PRINFO_PRCHK_REF };

    if (!d || !nvme_fx_oncs(d, NVME_ONCS_WRITE_ZEROES, "Write Zeroes")) {
        return;
    }
    g_assert_cmphex(nvme_drv_rw(d, nvme_drv_ioq(d, NVME_FX_IOQ), &rw, NULL),
                    ==, 0);
    /* Zeroes with generated PI: every check passes, tuples as PRACT. */
    g_assert_cmphex(nvme_fx_read(d, &ns, SLBA, NLB, got, gm, &chk, SLBA,
                                 0x0bad), ==, 0);
    for (uint32_t i = 0; i < NLB; i++) {
        NvmeRefTuple t;

        g_assert_cmpmem(got + i * 512, 512, zero, 512);
        nvme_ref_tuple_get(&ns, gm + i * 8, &t);
        g_assert_cmphex(t.guard, ==, nvme_ref_guard(&ns, zero, gm + i * 8));
        g_assert_cmphex(t.apptag, ==, 0x0bad);
        g_assert_cmphex(t.reftag, ==, SLBA + i);
    }
}

static void test_format_nvm(void)
{
    NvmeDrvNs ns, after;
    g_autoptr(NvmeDrv) d = nvme_fx_io(",logical_block_size=512", &ns);
    int lbaf;
    uint16_t st;
    uint8_t data[2 * 4096], meta[2 * 8], got[2 * 4096], gm[2 * 8];
    NvmeFxIo chk = { .prinfo = NVME_PRINFO_PRCHK_GUARD |
                     NVME_PRINFO_PRCHK_REF };

    if (!d) {
        return;
    }
    lbaf = nvme_drv_ns_find_lbaf(&ns, 4096, 8, 0);
    g_assert_cmpint(lbaf, >=, 0);
    st = nvme_drv_format(d, 1, lbaf, false, 1, false, 0);
    if (nvme_fx_unimpl(st, "Format NVM")) {
        return;
    }
    g_assert_cmphex(st, ==, 0);
    /* Identify now reports 4096+8, PI type 1, separate metadata. */
    g_assert_cmphex(nvme_drv_ns_probe(d, 1, &after), ==, 0);
    g_assert_cmpuint(after.flbas_index, ==, lbaf);
    g_assert_cmpuint(after.lbads, ==, 4096);
    g_assert_cmpuint(after.ms, ==, 8);
    g_assert_cmpuint(after.pi_type, ==, 1);
    g_assert_false(after.extended);
    g_assert_cmpuint(after.nsze, <, ns.nsze);
    nvme_ref_pattern(&after, data, meta, 2, 17);
    nvme_ref_protect(&after, data, meta, 2, 5, 0);
    g_assert_cmphex(nvme_fx_write(d, &after, 5, 2, data, meta, &chk, 5, 0),
                    ==, 0);
    g_assert_cmphex(nvme_fx_read(d, &after, 5, 2, got, gm, &chk, 5, 0), ==,
                    0);
    g_assert_cmpmem(got, sizeof(got), data, sizeof(data));
}

static void test_format_64b(void)
{
    NvmeDrvNs ns, after;
    g_autoptr(NvmeDrv) d = nvme_fx_io(",logical_block_size=512", &ns);
    int lbaf;
    uint16_t st;

    if (!d) {
        return;
    }
    lbaf = nvme_drv_ns_find_lbaf(&ns, 4096, 16, 2);
    if (lbaf < 0) {
        nvme_fx_skip("device: no 4096+16 64b-guard LBA format listed");
        return;
    }
    st = nvme_drv_format(d, 1, lbaf, true, 3, true, 0);
    if (nvme_fx_unimpl(st, "Format NVM")) {
        return;
    }
    g_assert_cmphex(st, ==, 0);
    g_assert_cmphex(nvme_drv_ns_probe(d, 1, &after), ==, 0);
    g_assert_cmpuint(after.pif, ==, 2);
    g_assert_cmpuint(after.pi_type, ==, 3);
    g_assert_true(after.pi_first);
    g_assert_true(after.extended);
}

static void test_format_invalid(void)
{
    NvmeDrvNs ns, after;
    g_autoptr(NvmeDrv) d = nvme_fx_io(",logical_block_size=512", &ns);
    int lbaf0;
    uint16_t st;

    if (!d) {
        return;
    }
    st = nvme_drv_format(d, 1, ns.nlbaf + 1, false, 0, false, 0);
    if (nvme_fx_unimpl(st, "Format NVM")) {
        return;
    }
    g_assert_cmphex(st, ==, NVME_INVALID_FORMAT);
    /* PI on a format without metadata. */
    lbaf0 = nvme_drv_ns_find_lbaf(&ns, 512, 0, 0);
    g_assert_cmpint(lbaf0, >=, 0);
    st = nvme_drv_format(d, 1, lbaf0, false, 1, false, 0);
    g_assert_true(st == NVME_INVALID_FORMAT || st == NVME_INVALID_FIELD);
    /* PI type 4 does not exist. */
    st = nvme_drv_format(d, 1, lbaf0, false, 4, false, 0);
    g_assert_true(st == NVME_INVALID_FORMAT || st == NVME_INVALID_FIELD);
    /* Nothing changed. */
    g_assert_cmphex(nvme_drv_ns_probe(d, 1, &after), ==, 0);
    g_assert_cmpuint(after.flbas_index, ==, ns.flbas_index);
    g_assert_cmpuint(after.pi_type, ==, 0);
}

void nvme_pi_prot_tests(void)
{
    static const char *const pract_props[] = {
        PI1_512,
        ",logical_block_size=512,ms=16,pi=2,pil=1,mset=1",
        ",logical_block_size=4096,physical_block_size=4096,ms=16,pi=1,pif=2",
        ",logical_block_size=4096,physical_block_size=4096,ms=64,pi=3,pif=2",
    };
    static const char *const pract_names[] = {
        "512+8-type1", "512+16-type2-first-ext", "4096+16-type1-64b",
        "4096+64-type3-64b",
    };

    for (unsigned i = 0; i < ARRAY_SIZE(check_cases); i++) {
        g_autofree char *path = g_strdup_printf("/nvme-pi/pi/check/%s",
                                                check_cases[i].name);

        qtest_add_data_func(path, &check_cases[i], test_check);
    }
    qtest_add_func("/nvme-pi/pi/error-log-count", test_error_log_count);
    qtest_add_func("/nvme-pi/pi/prinfo-invalid", test_prinfo_invalid);
    qtest_add_func("/nvme-pi/pi/type3-no-reftag", test_type3_no_reftag);
    qtest_add_func("/nvme-pi/pi/type2-ilbrt", test_type2_ilbrt);
    qtest_add_func("/nvme-pi/pi/escape-apptag", test_escape_apptag);
    qtest_add_func("/nvme-pi/pi/type3-escape", test_type3_escape);
    qtest_add_func("/nvme-pi/pi/apptag-mask", test_apptag_mask);
    for (unsigned i = 0; i < ARRAY_SIZE(pract_props); i++) {
        g_autofree char *path =
            g_strdup_printf("/nvme-pi/pi/pract-generate/%s", pract_names[i]);

        qtest_add_data_func(path, pract_props[i], test_pract_generate);
    }
    qtest_add_func("/nvme-pi/pi/pract-strip", test_pract_strip);
    qtest_add_func("/nvme-pi/pi/strict-write", test_strict_write);
    qtest_add_func("/nvme-pi/pi/strict-off", test_strict_off);
    qtest_add_data_func("/nvme-pi/pi/dnr-off", NULL, test_pi_dnr);
    qtest_add_data_func("/nvme-pi/pi/dnr-on", "on", test_pi_dnr);
    qtest_add_func("/nvme-pi/pi/strict-read-after-restart",
                   test_strict_read_after_restart);
    qtest_add_func("/nvme-pi/pi/metadata-persists", test_metadata_persists);
    qtest_add_func("/nvme-pi/pi/write-zeroes-pract", test_write_zeroes_pract);
    qtest_add_func("/nvme-pi/format/change-format", test_format_nvm);
    qtest_add_func("/nvme-pi/format/64b-guard", test_format_64b);
    qtest_add_func("/nvme-pi/format/invalid", test_format_invalid);
}
