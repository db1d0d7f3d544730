/*
 * nvme-pi: x86_64 CRCs by carry-less multiplication (PCLMULQDQ, and
 * VPCLMULQDQ on AVX-512), plus CRC32C with the SSE4.2 crc32 instruction.
 *
 * This file owns the folding algorithm and its constants.  Nothing here is
 * compiled with global -m flags: each function carries a target attribute,
 * and crc.c only calls these after the CPU has been probed.
 *
 * The mathematics, for a CRC of width w with generator P (degree w):
 *
 *   The raw CRC register after message M, starting from register c, is
 *   (c * x^|M| + M * x^w) mod P, so c can be XORed into the first w bits of
 *   M, after which only M mod P matters.  We keep a 128-bit accumulator A
 *   congruent (mod P) to the message seen so far, and for the next 128
 *   bits N set A' = A * x^128 + N; with A = H * x^64 + L this is
 *       A' = H * (x^192 mod P) + L * (x^128 mod P) + N        (mod P)
 *   Two 64x64 carry-less multiplies per 16 bytes, no dependence between
 *   several accumulators, so folding over D bits with k accumulators uses
 *   x^(D+64) mod P and x^D mod P with D = 128k.  At the end, A * x^w mod P
 *   is obtained with one more fold to fewer than 64 + w bits and a Barrett
 *   reduction with mu = floor(x^(64+w) / P).
 *
 *   Non-reflected CRCs (T10-DIF) load each 16-byte block byte-swapped, so
 *   that bit k of the register is the coefficient of x^k.  Reflected CRCs
 *   (CRC32C, CRC64-NVM) keep the natural little-endian load, in which bit k
 *   is the coefficient of x^(127-k); a carry-less product of two such
 *   values comes out multiplied by an extra x, which the constants undo by
 *   being x^(D-1) instead of x^D.  The final reduction converts to the
 *   non-reflected order first, so there is one Barrett reduction to check.
 *
 *   Every constant is derived at start-up from the polynomial by
 *   fold_consts_init() below; the unit tests compare every implementation
 *   with the bit-at-a-time reference over all lengths and alignments.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crc-internal.h"

#ifdef CRC_HAVE_X86

#include <immintrin.h>

#define TARGET_SSE42 __attribute__((target("sse4.2")))
#define TARGET_128 __attribute__((target("pclmul,sse4.1,ssse3")))
#define TARGET_512                                                             \
    __attribute__((target("pclmul,sse4.1,ssse3,avx2,avx512f,avx512bw,"         \
                          "avx512vl,vpclmulqdq")))
#define ALWAYS_INLINE inline __attribute__((always_inline))

/* Fold distances 128 * n bits, n = 1 .. FOLD_MAX. */
#define FOLD_MAX 16

typedef struct FoldConsts {
    /*
     * kd[n] multiplies an accumulator to move it 128 * n bits further on;
     * [0] pairs with the low 64-bit lane, [1] with the high one, matching
     * the 0x00 and 0x11 selectors of PCLMULQDQ.
     */
    uint64_t kd[FOLD_MAX + 1][2];
    uint64_t kred; /* x^(64+w) mod P, normal order */
    uint64_t mu;   /* floor(x^(64+w) / P) without its x^64 term */
    uint64_t poly; /* P without its x^w term */
    unsigned width;
    bool reflected;
} FoldConsts;

static FoldConsts fc_t10dif, fc_crc32c, fc_crc64;
static bool have_pclmul, have_vpclmul, have_sse42;

static uint64_t bitrev64(uint64_t v)
{
    v = ((v >> 1) & 0x5555555555555555ull) | ((v & 0x5555555555555555ull) << 1);
    v = ((v >> 2) & 0x3333333333333333ull) | ((v & 0x3333333333333333ull) << 2);
    v = ((v >> 4) & 0x0F0F0F0F0F0F0F0Full) | ((v & 0x0F0F0F0F0F0F0F0Full) << 4);
    return __builtin_bswap64(v);
}

/*
 * x^n mod P by multiplying by x n times; *quot receives the low 64 bits
 * of floor(x^n / P), built up alongside (x * Q + carry at each step).
 */
static uint64_t xn_mod_p(unsigned n, uint64_t poly, unsigned w, uint64_t *quot)
{
    const uint64_t top = 1ull << (w - 1);
    const uint64_t mask = w == 64 ? ~0ull : (1ull << w) - 1;
    uint64_t rem = 1, q = 0;
    unsigned i;

    for (i = 0; i < n; i++) {
        bool carry = rem & top;

        rem = (rem << 1) & mask;
        q <<= 1;
        if (carry) {
            rem ^= poly;
            q |= 1;
        }
    }
    if (quot) {
        *quot = q;
    }
    return rem;
}

static void fold_consts_init(FoldConsts *fc, uint64_t poly, unsigned w,
                             bool reflected)
{
    unsigned n;

    for (n = 1; n <= FOLD_MAX; n++) {
        unsigned d = 128 * n;

        if (reflected) {
            /* Low lane holds the earlier (higher-degree) half. */
            fc->kd[n][0] = bitrev64(xn_mod_p(d + 64 - 1, poly, w, NULL));
            fc->kd[n][1] = bitrev64(xn_mod_p(d - 1, poly, w, NULL));
        } else {
            fc->kd[n][0] = xn_mod_p(d, poly, w, NULL);
            fc->kd[n][1] = xn_mod_p(d + 64, poly, w, NULL);
        }
    }
    fc->kred = xn_mod_p(64 + w, poly, w, &fc->mu);
    fc->poly = poly;
    fc->width = w;
    fc->reflected = reflected;
}

/* ---- 128-bit PCLMULQDQ ---- */

static ALWAYS_INLINE TARGET_128 __m128i bswap_mask(void)
{
    return _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
}

static ALWAYS_INLINE TARGET_128 __m128i load128(const uint8_t *p, bool refl)
{
    __m128i v = _mm_loadu_si128((const __m128i *)p);

    return refl ? v : _mm_shuffle_epi8(v, bswap_mask());
}

static ALWAYS_INLINE TARGET_128 __m128i kload(const uint64_t k[2])
{
    return _mm_loadu_si128((const __m128i *)k);
}

static ALWAYS_INLINE TARGET_128 __m128i fold128(__m128i a, __m128i k)
{
    return _mm_xor_si128(_mm_clmulepi64_si128(a, k, 0x00),
                         _mm_clmulepi64_si128(a, k, 0x11));
}

static ALWAYS_INLINE TARGET_128 __m128i fold128_add(__m128i a, __m128i k,
                                                    __m128i next)
{
    return _mm_xor_si128(fold128(a, k), next);
}

static ALWAYS_INLINE TARGET_128 void clmul64(uint64_t a, uint64_t b,
                                             uint64_t *hi, uint64_t *lo)
{
    __m128i r = _mm_clmulepi64_si128(_mm_cvtsi64_si128((long long)a),
                                     _mm_cvtsi64_si128((long long)b), 0x00);

    *lo = (uint64_t)_mm_cvtsi128_si64(r);
    *hi = (uint64_t)_mm_extract_epi64(r, 1);
}

/* The incoming register, placed over the first w bits of the message. */
static ALWAYS_INLINE TARGET_128 __m128i inject(const FoldConsts *fc,
                                               uint64_t reg)
{
    if (fc->reflected) {
        return _mm_cvtsi64_si128((long long)reg);
    }
    return _mm_set_epi64x((long long)(reg << (64 - fc->width)), 0);
}

/*
 * Fold the remaining whole blocks and the 0..15 byte tail into acc, then
 * reduce to the w-bit raw register.
 */
static ALWAYS_INLINE TARGET_128 uint64_t fold_finish(const FoldConsts *fc,
                                                     __m128i acc,
                                                     const uint8_t *p,
                                                     size_t len)
{
    const bool refl = fc->reflected;
    const unsigned w = fc->width;
    const __m128i k1 = kload(fc->kd[1]);
    uint64_t lo, hi, ahi, alo, th, tl, bl, bh, bq, q, r, unused;

    while (len >= 16) {
        acc = fold128_add(acc, k1, load128(p, refl));
        p += 16;
        len -= 16;
    }
    if (len) {
        /*
         * The accumulator's 16 bytes followed by the tail form a message
         * of 16 + len bytes; prefixing 16 - len zero bytes (which change
         * nothing) makes it exactly two blocks, folded as usual.
         */
        uint8_t tmp[48] = { 0 };

        _mm_storeu_si128((__m128i *)(tmp + 16),
                         refl ? acc : _mm_shuffle_epi8(acc, bswap_mask()));
        memcpy(tmp + 32, p, len);
        acc = fold128_add(load128(tmp + len, refl), k1,
                          load128(tmp + len + 16, refl));
    }

    lo = (uint64_t)_mm_cvtsi128_si64(acc);
    hi = (uint64_t)_mm_extract_epi64(acc, 1);
    if (refl) {
        ahi = bitrev64(lo);
        alo = bitrev64(hi);
    } else {
        ahi = hi;
        alo = lo;
    }

    /* B = A * x^w, folded to fewer than 64 + w bits: bh:bl. */
    clmul64(ahi, fc->kred, &th, &tl);
    if (w == 64) {
        bl = tl;
        bh = th ^ alo;
        bq = bh;
    } else {
        bl = tl ^ (alo << w);
        bh = th ^ (alo >> (64 - w));
        bq = (bl >> w) | (bh << (64 - w));
    }
    /* Barrett: q = floor(B / P) = floor((B >> w) * mu / x^64). */
    clmul64(bq, fc->mu, &q, &unused);
    q ^= bq; /* the implicit x^64 term of mu */
    /* B mod P = B - q * P; only the low w bits survive. */
    clmul64(q, fc->poly, &unused, &r);
    r ^= bl;
    if (w < 64) {
        r &= (1ull << w) - 1;
    }
    return refl ? bitrev64(r) >> (64 - w) : r;
}

/* Eight independent accumulators hide the multiplier latency. */
static ALWAYS_INLINE TARGET_128 uint64_t crc_fold128(const FoldConsts *fc,
                                                     uint64_t reg,
                                                     const uint8_t *p,
                                                     size_t len)
{
    const bool refl = fc->reflected;
    __m128i acc;

    if (len >= 128) {
        const __m128i k8 = kload(fc->kd[8]);
        __m128i x0 = _mm_xor_si128(load128(p, refl), inject(fc, reg));
        __m128i x1 = load128(p + 16, refl), x2 = load128(p + 32, refl);
        __m128i x3 = load128(p + 48, refl), x4 = load128(p + 64, refl);
        __m128i x5 = load128(p + 80, refl), x6 = load128(p + 96, refl);
        __m128i x7 = load128(p + 112, refl);

        p += 128;
        len -= 128;
        while (len >= 128) {
            x0 = fold128_add(x0, k8, load128(p, refl));
            x1 = fold128_add(x1, k8, load128(p + 16, refl));
            x2 = fold128_add(x2, k8, load128(p + 32, refl));
            x3 = fold128_add(x3, k8, load128(p + 48, refl));
            x4 = fold128_add(x4, k8, load128(p + 64, refl));
            x5 = fold128_add(x5, k8, load128(p + 80, refl));
            x6 = fold128_add(x6, k8, load128(p + 96, refl));
            x7 = fold128_add(x7, k8, load128(p + 112, refl));
            p += 128;
            len -= 128;
        }
        /* x_i lies 128 * (7 - i) bits before the end of x7. */
        acc = fold128_add(x0, kload(fc->kd[7]), x7);
        acc = _mm_xor_si128(acc, fold128(x1, kload(fc->kd[6])));
        acc = _mm_xor_si128(acc, fold128(x2, kload(fc->kd[5])));
        acc = _mm_xor_si128(acc, fold128(x3, kload(fc->kd[4])));
        acc = _mm_xor_si128(acc, fold128(x4, kload(fc->kd[3])));
        acc = _mm_xor_si128(acc, fold128(x5, kload(fc->kd[2])));
        acc = _mm_xor_si128(acc, fold128(x6, kload(fc->kd[1])));
    } else {
        acc = _mm_xor_si128(load128(p, refl), inject(fc, reg));
        p += 16;
        len -= 16;
    }
    return fold_finish(fc, acc, p, len);
}

/* Below one block the table is both simpler and faster. */
TARGET_128 uint16_t crc16_t10dif_raw_pclmul(uint16_t reg, const uint8_t *p,
                                            size_t len)
{
    if (len < 16) {
        return crc16_t10dif_raw_slice8(reg, p, len);
    }
    return (uint16_t)crc_fold128(&fc_t10dif, reg, p, len);
}

TARGET_128 uint32_t crc32c_raw_pclmul(uint32_t reg, const uint8_t *p,
                                      size_t len)
{
    if (len < 16) {
        return crc32c_raw_slice8(reg, p, len);
    }
    return (uint32_t)crc_fold128(&fc_crc32c, reg, p, len);
}

TARGET_128 uint64_t crc64_nvme_raw_pclmul(uint64_t reg, const uint8_t *p,
                                          size_t len)
{
    if (len < 16) {
        return crc64_nvme_raw_slice8(reg, p, len);
    }
    return crc_fold128(&fc_crc64, reg, p, len);
}

/* ---- 512-bit VPCLMULQDQ (AVX-512) ---- */

/*
 * The 512-bit helpers avoid the intrinsics built on _mm512_undefined_*()
 * (broadcast_i32x4, extracti32x4): with QEMU's -Winit-self, GCC 12 warns
 * about those inside its own headers, and QEMU builds with -Werror.
 */
static ALWAYS_INLINE TARGET_512 __m512i load512(const uint8_t *p, bool refl)
{
    /* bswap_mask() in each 128-bit lane; VPSHUFB stays within lanes. */
    const __m512i m = _mm512_set_epi64(
        0x0001020304050607ll, 0x08090A0B0C0D0E0Fll, 0x0001020304050607ll,
        0x08090A0B0C0D0E0Fll, 0x0001020304050607ll, 0x08090A0B0C0D0E0Fll,
        0x0001020304050607ll, 0x08090A0B0C0D0E0Fll);
    __m512i v = _mm512_loadu_si512((const void *)p);

    return refl ? v : _mm512_shuffle_epi8(v, m);
}

static ALWAYS_INLINE TARGET_512 __m512i kbcast(const uint64_t k[2])
{
    return _mm512_set_epi64((long long)k[1], (long long)k[0], (long long)k[1],
                            (long long)k[0], (long long)k[1], (long long)k[0],
                            (long long)k[1], (long long)k[0]);
}

static ALWAYS_INLINE TARGET_512 __m512i fold512_add(__m512i a, __m512i k,
                                                    __m512i next)
{
    /* 0x96: three-way XOR */
    return _mm512_ternarylogic_epi64(_mm512_clmulepi64_epi128(a, k, 0x00),
                                     _mm512_clmulepi64_epi128(a, k, 0x11), next,
                                     0x96);
}

/* Four 512-bit accumulators: 256 bytes per iteration.  len >= 256. */
static ALWAYS_INLINE TARGET_512 uint64_t crc_fold512(const FoldConsts *fc,
                                                     uint64_t reg,
                                                     const uint8_t *p,
                                                     size_t len)
{
    const bool refl = fc->reflected;
    const __m512i k16 = kbcast(fc->kd[16]);
    const __m512i k4 = kbcast(fc->kd[4]);
    __m512i z0, z1, z2, z3, z, t, klanes;
    __m128i acc;
    uint64_t kl[8], lanes[8], last[8];

    z0 = _mm512_xor_si512(
        load512(p, refl),
        _mm512_inserti32x4(_mm512_setzero_si512(), inject(fc, reg), 0));
    z1 = load512(p + 64, refl);
    z2 = load512(p + 128, refl);
    z3 = load512(p + 192, refl);
    p += 256;
    len -= 256;
    while (len >= 256) {
        z0 = fold512_add(z0, k16, load512(p, refl));
        z1 = fold512_add(z1, k16, load512(p + 64, refl));
        z2 = fold512_add(z2, k16, load512(p + 128, refl));
        z3 = fold512_add(z3, k16, load512(p + 192, refl));
        p += 256;
        len -= 256;
    }
    z = fold512_add(z2, k4, z3);
    z = fold512_add(z1, kbcast(fc->kd[8]), z);
    z = fold512_add(z0, kbcast(fc->kd[12]), z);
    while (len >= 64) {
        z = fold512_add(z, k4, load512(p, refl));
        p += 64;
        len -= 64;
    }

    /* Lane i (0 = earliest) is 128 * (3 - i) bits before lane 3's end. */
    memcpy(&kl[0], fc->kd[3], 16);
    memcpy(&kl[2], fc->kd[2], 16);
    memcpy(&kl[4], fc->kd[1], 16);
    kl[6] = kl[7] = 0;
    klanes = _mm512_loadu_si512((const void *)kl);
    t = _mm512_xor_si512(_mm512_clmulepi64_epi128(z, klanes, 0x00),
                         _mm512_clmulepi64_epi128(z, klanes, 0x11));
    _mm512_storeu_si512((void *)lanes, t);
    _mm512_storeu_si512((void *)last, z);
    acc = _mm_xor_si128(_mm_loadu_si128((const __m128i *)&lanes[0]),
                        _mm_loadu_si128((const __m128i *)&lanes[2]));
    acc = _mm_xor_si128(acc, _mm_loadu_si128((const __m128i *)&lanes[4]));
    acc = _mm_xor_si128(acc, _mm_loadu_si128((const __m128i *)&last[6]));
    return fold_finish(fc, acc, p, len);
}

TARGET_512 uint16_t crc16_t10dif_raw_vpclmul(uint16_t reg, const uint8_t *p,
                                             size_t len)
{
    if (len < 256) {
        return crc16_t10dif_raw_pclmul(reg, p, len);
    }
    return (uint16_t)crc_fold512(&fc_t10dif, reg, p, len);
}

TARGET_512 uint32_t crc32c_raw_vpclmul(uint32_t reg, const uint8_t *p,
                                       size_t len)
{
    if (len < 256) {
        return crc32c_raw_pclmul(reg, p, len);
    }
    return (uint32_t)crc_fold512(&fc_crc32c, reg, p, len);
}

TARGET_512 uint64_t crc64_nvme_raw_vpclmul(uint64_t reg, const uint8_t *p,
                                           size_t len)
{
    if (len < 256) {
        return crc64_nvme_raw_pclmul(reg, p, len);
    }
    return crc_fold512(&fc_crc64, reg, p, len);
}

/* ---- SSE4.2 crc32 instruction (Castagnoli only) ---- */

TARGET_SSE42 uint32_t crc32c_raw_sse42(uint32_t reg, const uint8_t *p,
                                       size_t len)
{
    uint64_t r = reg;

    while (len >= 8) {
        uint64_t v;

        memcpy(&v, p, sizeof(v));
        r = _mm_crc32_u64(r, v);
        p += 8;
        len -= 8;
    }
    reg = (uint32_t)r;
    while (len--) {
        reg = _mm_crc32_u8(reg, *p++);
    }
    return reg;
}

/* ---- set-up ---- */

bool crc_x86_has_pclmul(void)
{
    return have_pclmul;
}

bool crc_x86_has_vpclmul(void)
{
    return have_vpclmul;
}

bool crc_x86_has_sse42(void)
{
    return have_sse42;
}

void crc_x86_init(void)
{
    /* We may run from a constructor, before libgcc has probed the CPU. */
    __builtin_cpu_init();
    have_sse42 = __builtin_cpu_supports("sse4.2");
    have_pclmul = have_sse42 && __builtin_cpu_supports("pclmul");
    /* These also tell whether the OS saves the AVX-512 state (XCR0). */
    have_vpclmul = have_pclmul && __builtin_cpu_supports("avx512f") &&
                   __builtin_cpu_supports("avx512bw") &&
                   __builtin_cpu_supports("avx512vl") &&
                   __builtin_cpu_supports("vpclmulqdq");

    fold_consts_init(&fc_t10dif, CRC16_T10DIF_POLY, 16, false);
    fold_consts_init(&fc_crc32c, CRC32C_POLY, 32, true);
    fold_consts_init(&fc_crc64, CRC64_NVME_POLY, 64, true);
}

#endif /* CRC_HAVE_X86 */
