/*
 * nvme-pi: generate and verify NVMe Protection Information.
 *
 * This file owns the rules: the tuple layouts of the 16b, 32b and 64b
 * guard formats, what the guard covers, the order of the checks, the
 * escape values, reference tag progression per PI type, and the mapping of
 * a failed check to its NVMe status.  It walks plain buffers; fetching
 * them (PRP/SGL, delays, replays) is dma.c's business, and reporting a
 * failure is the caller's.
 *
 * Pure C: standard headers only, so that it compiles unchanged in QEMU's
 * tree and in our own meson build.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crc.h"
#include "pi.h"

static uint64_t ld_be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;

    while (n--) {
        v = v << 8 | *p++;
    }
    return v;
}

static void st_be(uint8_t *p, size_t n, uint64_t v)
{
    while (n--) {
        p[n] = (uint8_t)v;
        v >>= 8;
    }
}

size_t pi_tuple_size(PiGuardFormat guard)
{
    switch (guard) {
    case PI_GUARD_16:
        return 8;
    case PI_GUARD_32:
    case PI_GUARD_64:
        return 16;
    default:
        return 0;
    }
}

static uint64_t reftag_mask(PiGuardFormat guard)
{
    switch (guard) {
    case PI_GUARD_16:
        return 0xffffffffull;
    case PI_GUARD_64:
        return 0xffffffffffffull;
    default:
        return ~0ull;
    }
}

void pi_tuple_decode(PiGuardFormat guard, const uint8_t *b, PiTuple *t)
{
    switch (guard) {
    case PI_GUARD_16:
        t->guard = ld_be(b, 2);
        t->apptag = (uint16_t)ld_be(b + 2, 2);
        t->reftag = ld_be(b + 4, 4);
        break;
    case PI_GUARD_32:
        /* bytes 6-7: storage tag, not modelled */
        t->guard = ld_be(b, 4);
        t->apptag = (uint16_t)ld_be(b + 4, 2);
        t->reftag = ld_be(b + 8, 8);
        break;
    case PI_GUARD_64:
    default:
        t->guard = ld_be(b, 8);
        t->apptag = (uint16_t)ld_be(b + 8, 2);
        t->reftag = ld_be(b + 10, 6);
        break;
    }
}

void pi_tuple_encode(PiGuardFormat guard, uint8_t *b, const PiTuple *t)
{
    switch (guard) {
    case PI_GUARD_16:
        st_be(b, 2, t->guard);
        st_be(b + 2, 2, t->apptag);
        st_be(b + 4, 4, t->reftag);
        break;
    case PI_GUARD_32:
        st_be(b, 4, t->guard);
        st_be(b + 4, 2, t->apptag);
        st_be(b + 6, 2, 0);
        st_be(b + 8, 8, t->reftag);
        break;
    case PI_GUARD_64:
    default:
        st_be(b, 8, t->guard);
        st_be(b + 8, 2, t->apptag);
        st_be(b + 10, 6, t->reftag);
        break;
    }
}

PiStatus pi_ctx_init(PiCtx *ctx, const PiFormat *fmt, unsigned prchk,
                     uint64_t init_reftag, uint16_t apptag,
                     uint16_t apptag_mask)
{
    size_t tsize = pi_tuple_size(fmt->guard);

    memset(ctx, 0, sizeof(*ctx));
    if (fmt->block_size == 0 || fmt->pi_type > 3 || tsize == 0 ||
        (prchk & ~(unsigned)PI_PRCHK_ALL)) {
        return PI_INVALID;
    }
    if (fmt->pi_type != 0 && fmt->meta_size < tsize) {
        return PI_INVALID;
    }

    ctx->fmt = *fmt;
    ctx->tuple_size = tsize;
    ctx->tuple_offset = fmt->pi_first ? 0 : fmt->meta_size - tsize;
    /* PI last: the guard also protects the metadata in front of it. */
    ctx->guard_meta = fmt->pi_first ? 0 : fmt->meta_size - tsize;
    if (fmt->pi_type == 0) {
        ctx->tuple_offset = ctx->guard_meta = 0;
    }
    if (fmt->extended) {
        ctx->data_stride = ctx->meta_stride =
            (size_t)fmt->block_size + fmt->meta_size;
    } else {
        ctx->data_stride = fmt->block_size;
        ctx->meta_stride = fmt->meta_size;
    }
    ctx->reftag_mask = reftag_mask(fmt->guard);
    ctx->prchk = prchk;
    ctx->init_reftag = init_reftag & ctx->reftag_mask;
    ctx->apptag = apptag;
    ctx->apptag_mask = apptag_mask;
    ctx->ready = PI_CTX_READY;
    return PI_OK;
}

uint16_t pi_check_prinfo(const PiFormat *fmt, unsigned prchk, uint64_t slba,
                         uint64_t init_reftag)
{
    uint64_t mask = reftag_mask(fmt->guard);

    if (!(prchk & PI_PRCHK_REFTAG)) {
        return 0;
    }
    if (fmt->pi_type == 1 && (slba & mask) != (init_reftag & mask)) {
        return NVME_PI_SC_INVALID_PROT_INFO;
    }
    if (fmt->pi_type == 3) {
        return NVME_PI_SC_INVALID_PROT_INFO;
    }
    return 0;
}

uint64_t pi_block_guard(const PiCtx *ctx, const uint8_t *data,
                        const uint8_t *meta)
{
    size_t bs = ctx->fmt.block_size, mlen = ctx->guard_meta;

    /* Data then metadata prefix: two buffers, one chained CRC. */
    switch (ctx->fmt.guard) {
    case PI_GUARD_16:
        return crc16_t10dif(crc16_t10dif(0, data, bs), meta, mlen);
    case PI_GUARD_32:
        return crc32c(crc32c(0, data, bs), meta, mlen);
    case PI_GUARD_64:
    default:
        return crc64_nvme(crc64_nvme(0, data, bs), meta, mlen);
    }
}

void pi_tuple_read(const PiCtx *ctx, const uint8_t *meta, PiTuple *t)
{
    pi_tuple_decode(ctx->fmt.guard, meta + ctx->tuple_offset, t);
}

void pi_tuple_write(const PiCtx *ctx, uint8_t *meta, const PiTuple *t)
{
    pi_tuple_encode(ctx->fmt.guard, meta + ctx->tuple_offset, t);
}

/* Types 1 and 2 count up from ILBRT; type 3 keeps it (and never checks). */
static uint64_t block_reftag(const PiCtx *ctx, uint64_t i)
{
    if (ctx->fmt.pi_type == 3) {
        return ctx->init_reftag;
    }
    return (ctx->init_reftag + i) & ctx->reftag_mask;
}

PiStatus pi_generate(const PiCtx *ctx, const uint8_t *data, uint8_t *meta,
                     uint64_t nblocks)
{
    uint64_t i;

    if (ctx->ready != PI_CTX_READY) {
        return PI_INVALID;
    }
    if (ctx->fmt.pi_type == 0) {
        return PI_OK;
    }
    for (i = 0; i < nblocks; i++) {
        PiTuple t = {
            .guard = pi_block_guard(ctx, data, meta),
            .apptag = ctx->apptag,
            .reftag = block_reftag(ctx, i),
        };

        pi_tuple_write(ctx, meta, &t);
        data += ctx->data_stride;
        meta += ctx->meta_stride;
    }
    return PI_OK;
}

static bool is_escape(const PiCtx *ctx, const PiTuple *t)
{
    if (t->apptag != PI_APPTAG_ESCAPE) {
        return false;
    }
    return ctx->fmt.pi_type != 3 || t->reftag == ctx->reftag_mask;
}

static PiStatus fail(PiError *err, PiCheck check, uint64_t expected,
                     uint64_t actual, uint64_t block)
{
    if (err) {
        err->check = check;
        err->expected = expected;
        err->actual = actual;
        err->block = block;
    }
    return PI_CHECK_FAILED;
}

PiStatus pi_verify(const PiCtx *ctx, const uint8_t *data, const uint8_t *meta,
                   uint64_t nblocks, PiError *err)
{
    uint64_t i;

    if (err) {
        memset(err, 0, sizeof(*err));
    }
    /* A context that failed (or never had) pi_ctx_init: never "OK". */
    if (ctx->ready != PI_CTX_READY) {
        return PI_INVALID;
    }
    if (ctx->fmt.pi_type == 0 || ctx->prchk == 0) {
        return PI_OK;
    }
    for (i = 0; i < nblocks; i++) {
        PiTuple t;

        pi_tuple_read(ctx, meta, &t);
        if (!is_escape(ctx, &t)) {
            if (ctx->prchk & PI_PRCHK_GUARD) {
                uint64_t g = pi_block_guard(ctx, data, meta);

                if (g != t.guard) {
                    return fail(err, PI_CHECK_GUARD, g, t.guard, i);
                }
            }
            if ((ctx->prchk & PI_PRCHK_APPTAG) &&
                ((t.apptag ^ ctx->apptag) & ctx->apptag_mask)) {
                return fail(err, PI_CHECK_APPTAG, ctx->apptag, t.apptag, i);
            }
            if ((ctx->prchk & PI_PRCHK_REFTAG) && ctx->fmt.pi_type != 3 &&
                t.reftag != block_reftag(ctx, i)) {
                return fail(err, PI_CHECK_REFTAG, block_reftag(ctx, i),
                            t.reftag, i);
            }
        }
        data += ctx->data_stride;
        meta += ctx->meta_stride;
    }
    return PI_OK;
}

uint16_t pi_check_to_nvme_status(PiCheck check)
{
    switch (check) {
    case PI_CHECK_GUARD:
        return NVME_PI_SC_GUARD_CHECK;
    case PI_CHECK_APPTAG:
        return NVME_PI_SC_APPTAG_CHECK;
    case PI_CHECK_REFTAG:
        return NVME_PI_SC_REFTAG_CHECK;
    default:
        return 0;
    }
}

const char *pi_check_name(PiCheck check)
{
    switch (check) {
    case PI_CHECK_GUARD:
        return "guard";
    case PI_CHECK_APPTAG:
        return "apptag";
    case PI_CHECK_REFTAG:
        return "reftag";
    default:
        return "none";
    }
}
