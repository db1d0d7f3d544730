/*
 * nvme-pi qtests: fixtures and capability probes shared by the case files.
 *
 * This file owns how a case reaches its starting state and when it may
 * skip.  The probes find "not there" (missing property, CSTS.CFS on
 * enable, Invalid Command Opcode, no namespace behind drive=): on QEMU's
 * own nvme that skips the case, on nvme-pi it fails it (nvme_fx_skip).
 * A device that answers but answers wrongly fails the case either way.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "nvme-pi-fixture.h"
#include "qapi/error.h"
#include "nvme-qtest-compat.h"

/*
 * Against QEMU's own nvme (NVME_QTEST_DEVICE=nvme) a missing feature
 * skips the case: the reference device is allowed to lack it.  nvme-pi
 * has every feature these probes look for, so there the same finding is
 * a regression of nvme-pi, and the case fails with the reason.
 */
void nvme_fx_skip(const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (strcmp(nvme_drv_device(), "nvme-pi") != 0) {
        g_test_skip(msg);
        return;
    }
    g_test_message("nvme-pi lost a feature it has: %s", msg);
    g_test_fail();
}

/* "-device <dev>,help" of the binary under test, run once per device. */
static const char *device_help(const char *dev)
{
    static GHashTable *cache;
    const char *qemu = g_getenv("QTEST_QEMU_BINARY");
    char *out = NULL;
    g_autofree char *cmd = NULL;

    if (!cache) {
        cache = g_hash_table_new(g_str_hash, g_str_equal);
    }
    out = g_hash_table_lookup(cache, dev);
    if (out) {
        return out;
    }
    g_assert_nonnull(qemu);
    cmd = g_strdup_printf("%s -device %s,help", qemu, dev);
    g_assert_true(g_spawn_command_line_sync(cmd, &out, NULL, NULL, NULL));
    g_hash_table_insert(cache, g_strdup(dev), out);
    return out;
}

static bool has_prop(const char *key)
{
    g_autofree char *needle = g_strdup_printf("  %s=", key);

    if (strcmp(nvme_drv_device(), "nvme") == 0) {
        return strstr(device_help("nvme"), needle) ||
               strstr(device_help("nvme-ns"), needle);
    }
    return strstr(device_help("nvme-pi"), needle);
}

bool nvme_fx_props(const char *props)
{
    g_auto(GStrv) kv = g_strsplit(props ? props : "", ",", -1);

    for (int i = 0; kv[i]; i++) {
        g_autofree char *key = g_strndup(kv[i], strcspn(kv[i], "="));

        if (*key && !has_prop(key)) {
            nvme_fx_skip("device: property '%s' not implemented", key);
            return false;
        }
    }
    return true;
}

NvmeDrv *nvme_fx_admin(const char *props, unsigned img_mib)
{
    g_autofree char *all = g_strdup_printf("%s%s", img_mib ? ",drive=d0" : "",
                                           props ? props : "");
    NvmeDrv *d;
    uint16_t st;

    if (!nvme_fx_props(all)) {
        return NULL;
    }
    d = nvme_drv_start(props, img_mib);
    st = nvme_drv_enable(d, 32);
    if (st == NVME_DRV_CFS) {
        nvme_drv_stop(d);
        nvme_fx_skip("device: CC.EN=1 reports CFS "
                     "(admin queue not implemented)");
        return NULL;
    }
    g_assert_cmphex(st, ==, 0);
    return d;
}

bool nvme_fx_unimpl(uint16_t status, const char *what)
{
    if (status == NVME_INVALID_OPCODE) {
        nvme_fx_skip("device: %s not implemented (Invalid Opcode)", what);
        return true;
    }
    return false;
}

bool nvme_fx_oncs(NvmeDrv *d, uint16_t oncs, const char *what)
{
    g_autofree NvmeIdCtrl *id = g_malloc0(sizeof(*id));

    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id), ==, 0);
    if (!(le16_to_cpu(id->oncs) & oncs)) {
        nvme_fx_skip("device: %s not implemented (ONCS 0x%x)", what,
                     le16_to_cpu(id->oncs));
        return false;
    }
    return true;
}

bool nvme_fx_io_ready(NvmeDrv *d, NvmeDrvNs *ns)
{
    g_autofree NvmeIdCtrl *id = g_malloc0(sizeof(*id));
    uint16_t st;

    st = nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id);
    if (nvme_fx_unimpl(st, "Identify")) {
        return false;
    }
    g_assert_cmphex(st, ==, 0);
    st = nvme_drv_ns_probe(d, 1, ns);
    if (nvme_fx_unimpl(st, "Identify Namespace")) {
        return false;
    }
    g_assert_cmphex(st, ==, 0);
    if (ns->nsze == 0) {
        nvme_fx_skip("device: no namespace 1 behind drive= "
                     "(Identify NS reports NSZE 0)");
        return false;
    }
    st = nvme_drv_create_ioq(d, NVME_FX_IOQ, NVME_FX_IOQ_SIZE);
    if (nvme_fx_unimpl(st, "Create I/O Queue")) {
        return false;
    }
    g_assert_cmphex(st, ==, 0);
    return true;
}

NvmeDrv *nvme_fx_io(const char *props, NvmeDrvNs *ns)
{
    NvmeDrv *d = nvme_fx_admin(props, NVME_FX_IMG_MIB);

    if (d && !nvme_fx_io_ready(d, ns)) {
        nvme_drv_stop(d);
        return NULL;
    }
    return d;
}

/* PRACT with metadata that is only the tuple: no metadata moves. */
static bool strips(const NvmeDrvNs *ns, uint8_t prinfo)
{
    return (prinfo & NVME_PRINFO_PRACT) && ns->pi_type &&
           ns->ms == nvme_ref_tuple_size(ns);
}

static void make_buf(NvmeDrv *d, NvmeDrvBuf *b, size_t len,
                     const NvmeFxIo *io)
{
    if (io && io->scatter) {
        nvme_drv_buf_scatter(d, b, len, io->piece ? io->piece : 4096);
    } else {
        nvme_drv_buf_contig(d, b, len, io ? io->offset : 0);
    }
}

static uint16_t xfer(NvmeDrv *d, const NvmeDrvNs *ns, uint8_t opcode,
                     uint64_t slba, uint32_t nlb, uint8_t *data,
                     uint8_t *meta, const NvmeFxIo *io, uint64_t reftag,
                     uint16_t apptag)
{
    static const NvmeFxIo plain;
    bool strip;
    size_t dlen, mlen;
    g_autofree uint8_t *wire = NULL;
    NvmeDrvBuf db, mb;
    NvmeDrvRw rw;
    uint16_t st;

    io = io ? io : &plain;
    strip = strips(ns, io->prinfo);
    dlen = strip ? (size_t)nlb * ns->lbads : nvme_ref_data_len(ns, nlb);
    mlen = strip ? 0 : nvme_ref_meta_len(ns, nlb);
    wire = g_malloc0(dlen);
    if (strip) {
        for (uint32_t i = 0; i < nlb; i++) {
            memcpy(wire + (size_t)i * ns->lbads,
                   nvme_ref_blk_data(ns, data, i), ns->lbads);
        }
    } else {
        memcpy(wire, data, dlen);
    }
    make_buf(d, &db, dlen, io);
    if (mlen) {
        if (io->meta_sgl) {
            nvme_drv_buf_scatter(d, &mb, mlen, MAX(mlen / 2, 8));
        } else {
            nvme_drv_buf_contig(d, &mb, mlen, 0);
        }
    }
    if (opcode == NVME_CMD_WRITE || opcode == NVME_CMD_COMPARE) {
        nvme_drv_buf_write(d, &db, wire);
        if (mlen) {
            nvme_drv_buf_write(d, &mb, meta);
        }
    } else {
        nvme_drv_buf_fill(d, &db, 0xee);
        if (mlen) {
            nvme_drv_buf_fill(d, &mb, 0xee);
        }
    }
    rw = (NvmeDrvRw) {
        .opcode = opcode, .nsid = ns->nsid, .slba = slba, .nlb = nlb,
        .prinfo = io->prinfo, .reftag = reftag, .apptag = apptag,
        .appmask = 0xffff, .data = &db, .meta = mlen ? &mb : NULL,
        .dptr = io->dptr, .meta_sgl = io->meta_sgl,
    };
    st = nvme_drv_rw(d, nvme_drv_ioq(d, NVME_FX_IOQ), &rw, NULL);
    /* A failed read leaves the host's image as it was. */
    if (opcode == NVME_CMD_READ && st == 0) {
        nvme_drv_buf_read(d, &db, wire);
        if (strip) {
            for (uint32_t i = 0; i < nlb; i++) {
                memcpy(nvme_ref_blk_data(ns, data, i),
                       wire + (size_t)i * ns->lbads, ns->lbads);
            }
        } else {
            memcpy(data, wire, dlen);
        }
        if (mlen) {
            nvme_drv_buf_read(d, &mb, meta);
        }
    }
    return st;
}

uint16_t nvme_fx_write(NvmeDrv *d, const NvmeDrvNs *ns, uint64_t slba,
                       uint32_t nlb, const uint8_t *data, const uint8_t *meta,
                       const NvmeFxIo *io, uint64_t reftag, uint16_t apptag)
{
    return xfer(d, ns, NVME_CMD_WRITE, slba, nlb, (uint8_t *)data,
                (uint8_t *)meta, io, reftag, apptag);
}

uint16_t nvme_fx_read(NvmeDrv *d, const NvmeDrvNs *ns, uint64_t slba,
                      uint32_t nlb, uint8_t *data, uint8_t *meta,
                      const NvmeFxIo *io, uint64_t reftag, uint16_t apptag)
{
    return xfer(d, ns, NVME_CMD_READ, slba, nlb, data, meta, io, reftag,
                apptag);
}

bool nvme_fx_last_error(NvmeDrv *d, NvmeErrorLog *e)
{
    g_autofree NvmeIdCtrl *id = g_malloc0(sizeof(*id));
    NvmeErrorLog log[4];
    unsigned n;
    bool found = false;

    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id), ==, 0);
    n = MIN(id->elpe + 1u, ARRAY_SIZE(log));
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_ERROR_INFO, 0, 0, log,
                                     n * sizeof(log[0])), ==, 0);
    /* Whatever the order, the newest entry has the highest count. */
    for (unsigned i = 0; i < n; i++) {
        if (le64_to_cpu(log[i].error_count) &&
            (!found || le64_to_cpu(log[i].error_count) >
             le64_to_cpu(e->error_count))) {
            *e = log[i];
            found = true;
        }
    }
    return found;
}

void nvme_fx_expect_start_error(const char *args, const char *message)
{
    const char *qemu = g_getenv("QTEST_QEMU_BINARY");
    g_autofree char *cmd = NULL;
    g_autofree char *err = NULL;
    g_autoptr(GError) gerr = NULL;
    int status = 0;

    g_assert_nonnull(qemu);
    /* -accel qtest, as qtest_init gives: a QEMU built for the qtests
     * alone has no TCG, and KVM may be missing */
    cmd = g_strdup_printf("%s -L /usr/share/qemu -L /usr/share/seabios "
                          "-machine pc -accel qtest -display none "
                          "-nodefaults -S %s",
                          qemu, args);
    g_assert_true(g_spawn_command_line_sync(cmd, NULL, &err, &status, &gerr));
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) != 0);
    if (!strstr(err, message)) {
        g_printerr("%s: %s\n", args, err);
    }
    g_assert_nonnull(strstr(err, message));
}

static void qdict_free(gpointer p)
{
    qobject_unref((QDict *)p);
}

GPtrArray *nvme_fx_mutation_events(const char *path)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    GPtrArray *ev = g_ptr_array_new_with_free_func(qdict_free);
    unsigned i;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    lines = g_strsplit(text, "\n", -1);
    for (i = 0; lines[i]; i++) {
        QDict *o;

        if (!*lines[i]) {
            continue;
        }
        o = qobject_to(QDict, qobject_from_json(lines[i], &error_abort));
        g_assert_nonnull(o);
        g_ptr_array_add(ev, o);
    }
    return ev;
}

uint64_t nvme_fx_qom_int(NvmeDrv *d, const char *path, const char *prop)
{
    QDict *rsp = qtest_qmp(d->qts, "{ 'execute': 'qom-get', 'arguments':"
                           " { 'path': %s, 'property': %s } }", path, prop);
    uint64_t v;

    g_assert_true(qdict_haskey(rsp, "return"));
    v = qdict_get_int(rsp, "return");
    qobject_unref(rsp);
    return v;
}
