/*
 * nvme-pi: portable CRC16 T10-DIF, CRC32C and CRC64-NVM, and the choice
 * of implementation.
 *
 * This file owns:
 *   - the bit-at-a-time reference of each CRC, written straight from the
 *     polynomial definition; every other implementation, and every table,
 *     is derived from it or tested against it;
 *   - the byte-table (one byte per step) and slice-by-8 versions;
 *   - the one-time selection of the fastest implementation for this CPU,
 *     behind crc16_t10dif(), crc32c() and crc64_nvme().
 * The x86_64 carry-less-multiply versions live in crc-x86.c.
 *
 * Pure C: standard headers only, so that it compiles unchanged in QEMU's
 * tree and in our own meson build.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crc.h"
#include "crc-internal.h"

/*
 * Tables, built once from the bitwise reference by crc_init().  [0] is the
 * classic byte table; [k] gives the contribution of a byte followed by k
 * zero bytes, which is what lets slice-by-8 consume eight bytes at once.
 */
static uint16_t t10dif_tab[8][256];
static uint32_t crc32c_tab[8][256];
static uint64_t crc64_tab[8][256];

static void crc_init(void);

/* ---- bit-at-a-time references (raw register, no init/xorout) ---- */

static uint64_t reflect(uint64_t v, unsigned width)
{
    uint64_t r = 0;
    unsigned i;

    for (i = 0; i < width; i++) {
        if (v & (1ull << i)) {
            r |= 1ull << (width - 1 - i);
        }
    }
    return r;
}

static uint16_t crc16_t10dif_raw_bitwise(uint16_t reg, const uint8_t *p,
                                         size_t len)
{
    size_t i;
    int bit;

    for (i = 0; i < len; i++) {
        reg ^= (uint16_t)(p[i] << 8);
        for (bit = 0; bit < 8; bit++) {
            reg = (reg & 0x8000) ? (uint16_t)((reg << 1) ^ CRC16_T10DIF_POLY)
                                 : (uint16_t)(reg << 1);
        }
    }
    return reg;
}

/* Reflected CRCs shift right, so the polynomial is used bit-reversed. */
static uint32_t crc32c_raw_bitwise(uint32_t reg, const uint8_t *p, size_t len)
{
    const uint32_t rpoly = (uint32_t)reflect(CRC32C_POLY, 32);
    size_t i;
    int bit;

    for (i = 0; i < len; i++) {
        reg ^= p[i];
        for (bit = 0; bit < 8; bit++) {
            reg = (reg & 1) ? (reg >> 1) ^ rpoly : reg >> 1;
        }
    }
    return reg;
}

static uint64_t crc64_nvme_raw_bitwise(uint64_t reg, const uint8_t *p,
                                       size_t len)
{
    const uint64_t rpoly = reflect(CRC64_NVME_POLY, 64);
    size_t i;
    int bit;

    for (i = 0; i < len; i++) {
        reg ^= p[i];
        for (bit = 0; bit < 8; bit++) {
            reg = (reg & 1) ? (reg >> 1) ^ rpoly : reg >> 1;
        }
    }
    return reg;
}

/* ---- byte table ---- */

static uint16_t crc16_t10dif_raw_table(uint16_t reg, const uint8_t *p,
                                       size_t len)
{
    while (len--) {
        reg = (uint16_t)(reg << 8) ^ t10dif_tab[0][(reg >> 8) ^ *p++];
    }
    return reg;
}

static uint32_t crc32c_raw_table(uint32_t reg, const uint8_t *p, size_t len)
{
    while (len--) {
        reg = (reg >> 8) ^ crc32c_tab[0][(reg ^ *p++) & 0xff];
    }
    return reg;
}

static uint64_t crc64_nvme_raw_table(uint64_t reg, const uint8_t *p, size_t len)
{
    while (len--) {
        reg = (reg >> 8) ^ crc64_tab[0][(reg ^ *p++) & 0xff];
    }
    return reg;
}

/* ---- slice-by-8 ---- */

/* Byte-wise little-endian loads: correct on big-endian QEMU hosts too. */
static inline uint32_t ld32_le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static inline uint64_t ld64_le(const uint8_t *p)
{
    return (uint64_t)ld32_le(p) | (uint64_t)ld32_le(p + 4) << 32;
}

uint16_t crc16_t10dif_raw_slice8(uint16_t reg, const uint8_t *p, size_t len)
{
    const uint16_t(*t)[256] = t10dif_tab;

    /* Not reflected: the register meets the first two bytes of the word. */
    while (len >= 8) {
        reg = t[7][p[0] ^ (reg >> 8)] ^ t[6][p[1] ^ (reg & 0xff)] ^ t[5][p[2]] ^
              t[4][p[3]] ^ t[3][p[4]] ^ t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]];
        p += 8;
        len -= 8;
    }
    return crc16_t10dif_raw_table(reg, p, len);
}

uint32_t crc32c_raw_slice8(uint32_t reg, const uint8_t *p, size_t len)
{
    const uint32_t(*t)[256] = crc32c_tab;

    while (len >= 8) {
        uint32_t lo = reg ^ ld32_le(p);
        uint32_t hi = ld32_le(p + 4);

        reg = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^
              t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^ t[3][hi & 0xff] ^
              t[2][(hi >> 8) & 0xff] ^ t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
        p += 8;
        len -= 8;
    }
    return crc32c_raw_table(reg, p, len);
}

uint64_t crc64_nvme_raw_slice8(uint64_t reg, const uint8_t *p, size_t len)
{
    const uint64_t(*t)[256] = crc64_tab;

    while (len >= 8) {
        uint64_t v = reg ^ ld64_le(p);

        reg = t[7][v & 0xff] ^ t[6][(v >> 8) & 0xff] ^ t[5][(v >> 16) & 0xff] ^
              t[4][(v >> 24) & 0xff] ^ t[3][(v >> 32) & 0xff] ^
              t[2][(v >> 40) & 0xff] ^ t[1][(v >> 48) & 0xff] ^ t[0][v >> 56];
        p += 8;
        len -= 8;
    }
    return crc64_nvme_raw_table(reg, p, len);
}

/* ---- public-convention wrappers, one per implementation ---- */

/*
 * T10-DIF has init 0 and no xorout, so register == result.  CRC32C and
 * CRC64-NVM start from ~0 and invert at the end; inverting the incoming
 * value as well is what makes "pass the previous result" chain.
 */
#define CRC_WRAPPERS(impl)                                                     \
    static uint16_t crc16_t10dif_##impl(uint16_t crc, const void *buf,         \
                                        size_t len)                            \
    {                                                                          \
        return crc16_t10dif_raw_##impl(crc, buf, len);                         \
    }                                                                          \
    static uint32_t crc32c_##impl(uint32_t crc, const void *buf, size_t len)   \
    {                                                                          \
        return ~crc32c_raw_##impl(~crc, buf, len);                             \
    }                                                                          \
    static uint64_t crc64_nvme_##impl(uint64_t crc, const void *buf,           \
                                      size_t len)                              \
    {                                                                          \
        return ~crc64_nvme_raw_##impl(~crc, buf, len);                         \
    }

CRC_WRAPPERS(bitwise)
CRC_WRAPPERS(table)
CRC_WRAPPERS(slice8)
#ifdef CRC_HAVE_X86
CRC_WRAPPERS(pclmul)
CRC_WRAPPERS(vpclmul)

static uint32_t crc32c_sse42(uint32_t crc, const void *buf, size_t len)
{
    return ~crc32c_raw_sse42(~crc, buf, len);
}
#endif

/* ---- dispatch ---- */

/*
 * The dispatch pointers start at a stub that initialises and retries, so
 * a call that races ahead of the constructor (say, from another
 * constructor) still gets a correct answer.  After crc_init() they never
 * change again.
 */
static uint16_t crc16_t10dif_first(uint16_t crc, const void *buf, size_t len);
static uint32_t crc32c_first(uint32_t crc, const void *buf, size_t len);
static uint64_t crc64_nvme_first(uint64_t crc, const void *buf, size_t len);

static Crc16Fn crc16_best = crc16_t10dif_first;
static Crc32Fn crc32_best = crc32c_first;
static Crc64Fn crc64_best = crc64_nvme_first;
static CrcImpl crc16_best_impl, crc32_best_impl, crc64_best_impl;

static uint16_t crc16_t10dif_first(uint16_t crc, const void *buf, size_t len)
{
    crc_init();
    return crc16_best(crc, buf, len);
}

static uint32_t crc32c_first(uint32_t crc, const void *buf, size_t len)
{
    crc_init();
    return crc32_best(crc, buf, len);
}

static uint64_t crc64_nvme_first(uint64_t crc, const void *buf, size_t len)
{
    crc_init();
    return crc64_best(crc, buf, len);
}

uint16_t crc16_t10dif(uint16_t crc, const void *buf, size_t len)
{
    return crc16_best(crc, buf, len);
}

uint32_t crc32c(uint32_t crc, const void *buf, size_t len)
{
    return crc32_best(crc, buf, len);
}

uint64_t crc64_nvme(uint64_t crc, const void *buf, size_t len)
{
    return crc64_best(crc, buf, len);
}

/* These are meant to run before any thread exists: see crc_init_ctor(). */
Crc16Fn crc16_t10dif_impl(CrcImpl impl)
{
    crc_init();
    switch (impl) {
    case CRC_IMPL_BITWISE:
        return crc16_t10dif_bitwise;
    case CRC_IMPL_TABLE:
        return crc16_t10dif_table;
    case CRC_IMPL_SLICE8:
        return crc16_t10dif_slice8;
#ifdef CRC_HAVE_X86
    case CRC_IMPL_PCLMUL:
        return crc_x86_has_pclmul() ? crc16_t10dif_pclmul : NULL;
    case CRC_IMPL_VPCLMUL:
        return crc_x86_has_vpclmul() ? crc16_t10dif_vpclmul : NULL;
#endif
    default:
        return NULL;
    }
}

Crc32Fn crc32c_impl(CrcImpl impl)
{
    crc_init();
    switch (impl) {
    case CRC_IMPL_BITWISE:
        return crc32c_bitwise;
    case CRC_IMPL_TABLE:
        return crc32c_table;
    case CRC_IMPL_SLICE8:
        return crc32c_slice8;
#ifdef CRC_HAVE_X86
    case CRC_IMPL_SSE42:
        return crc_x86_has_sse42() ? crc32c_sse42 : NULL;
    case CRC_IMPL_PCLMUL:
        return crc_x86_has_pclmul() ? crc32c_pclmul : NULL;
    case CRC_IMPL_VPCLMUL:
        return crc_x86_has_vpclmul() ? crc32c_vpclmul : NULL;
#endif
    default:
        return NULL;
    }
}

Crc64Fn crc64_nvme_impl(CrcImpl impl)
{
    crc_init();
    switch (impl) {
    case CRC_IMPL_BITWISE:
        return crc64_nvme_bitwise;
    case CRC_IMPL_TABLE:
        return crc64_nvme_table;
    case CRC_IMPL_SLICE8:
        return crc64_nvme_slice8;
#ifdef CRC_HAVE_X86
    case CRC_IMPL_PCLMUL:
        return crc_x86_has_pclmul() ? crc64_nvme_pclmul : NULL;
    case CRC_IMPL_VPCLMUL:
        return crc_x86_has_vpclmul() ? crc64_nvme_vpclmul : NULL;
#endif
    default:
        return NULL;
    }
}

CrcImpl crc16_t10dif_selected(void)
{
    crc_init();
    return crc16_best_impl;
}

CrcImpl crc32c_selected(void)
{
    crc_init();
    return crc32_best_impl;
}

CrcImpl crc64_nvme_selected(void)
{
    crc_init();
    return crc64_best_impl;
}

const char *crc_impl_name(CrcImpl impl)
{
    static const char *const names[CRC_IMPL__MAX] = {
        [CRC_IMPL_BITWISE] = "bitwise", [CRC_IMPL_TABLE] = "table",
        [CRC_IMPL_SLICE8] = "slice8",   [CRC_IMPL_SSE42] = "sse42",
        [CRC_IMPL_PCLMUL] = "pclmul",   [CRC_IMPL_VPCLMUL] = "vpclmul",
    };

    if ((unsigned)impl >= CRC_IMPL__MAX) {
        return "?";
    }
    return names[impl];
}

static void crc_build_tables(void)
{
    unsigned i, k;

    for (i = 0; i < 256; i++) {
        uint8_t b = (uint8_t)i;

        t10dif_tab[0][i] = crc16_t10dif_raw_bitwise(0, &b, 1);
        crc32c_tab[0][i] = crc32c_raw_bitwise(0, &b, 1);
        crc64_tab[0][i] = crc64_nvme_raw_bitwise(0, &b, 1);
    }
    /* Appending a zero byte is one more table step with input 0. */
    for (k = 1; k < 8; k++) {
        for (i = 0; i < 256; i++) {
            uint16_t r16 = t10dif_tab[k - 1][i];
            uint32_t r32 = crc32c_tab[k - 1][i];
            uint64_t r64 = crc64_tab[k - 1][i];

            t10dif_tab[k][i] = (uint16_t)(r16 << 8) ^ t10dif_tab[0][r16 >> 8];
            crc32c_tab[k][i] = (r32 >> 8) ^ crc32c_tab[0][r32 & 0xff];
            crc64_tab[k][i] = (r64 >> 8) ^ crc64_tab[0][r64 & 0xff];
        }
    }
}

/*
 * Preference order, fastest first, measured with bench-crc: the folding
 * versions beat the SSE4.2 crc32 instruction (one dependent 8-byte step
 * per 3 cycles), which beats slice-by-8.
 */
static void crc_select(void)
{
    static const CrcImpl order[] = {
        CRC_IMPL_VPCLMUL,
        CRC_IMPL_PCLMUL,
        CRC_IMPL_SSE42,
        CRC_IMPL_SLICE8,
    };
    bool got16 = false, got32 = false, got64 = false;
    size_t i;

    for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        Crc16Fn f16 = crc16_t10dif_impl(order[i]);
        Crc32Fn f32 = crc32c_impl(order[i]);
        Crc64Fn f64 = crc64_nvme_impl(order[i]);

        if (f16 && !got16) {
            crc16_best = f16;
            crc16_best_impl = order[i];
            got16 = true;
        }
        if (f32 && !got32) {
            crc32_best = f32;
            crc32_best_impl = order[i];
            got32 = true;
        }
        if (f64 && !got64) {
            crc64_best = f64;
            crc64_best_impl = order[i];
            got64 = true;
        }
    }
}

static void crc_init(void)
{
    static bool initialised;

    if (initialised) {
        return;
    }
    /* Set first: crc_select() calls back into the *_impl() accessors. */
    initialised = true;
    crc_build_tables();
#ifdef CRC_HAVE_X86
    crc_x86_init();
#endif
    crc_select();
}

/*
 * Run at load time, while the process is still single-threaded, so the
 * tables and pointers are never written once threads (QEMU's iothreads,
 * the test runner's) can read them.
 */
static void __attribute__((constructor)) crc_init_ctor(void)
{
    crc_init();
}
