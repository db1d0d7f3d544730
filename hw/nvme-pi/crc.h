/*
 * nvme-pi: the CRCs that NVMe Protection Information uses as guards.
 *
 * This header owns the public CRC interface of the pure core:
 *   - CRC16 T10-DIF  (16b guard):  poly 0x8BB7, not reflected, init 0,
 *                                  no xorout, check("123456789") = 0xD0DB
 *   - CRC32C         (32b guard):  Castagnoli poly 0x1EDC6F41, reflected,
 *                                  init/xorout ~0, check = 0xE3069283
 *   - CRC64-NVM      (64b guard):  poly 0xAD93D23594C93659, reflected,
 *                                  init/xorout ~0, check = 0xAE8B14860A799888
 *
 * Chaining convention (the same for all three, zlib-style): pass 0 to
 * start, pass the previous return value to continue.  Any init/xorout is
 * applied inside, so crc(crc(0, A), B) == crc(0, A || B).  The PI guard
 * relies on this to cover the data block and then the metadata bytes that
 * precede the PI tuple, which live in a different buffer.
 *
 * Each CRC has several implementations (bit-at-a-time reference, byte
 * table, slice-by-8 and, on x86_64, carry-less-multiply folding).  The
 * plain crc16_t10dif()/crc32c()/crc64_nvme() use the fastest one this CPU
 * supports, chosen once; the *_impl() accessors expose each of them so the
 * tests and the benchmark can compare them all.
 *
 * Pure C: no QEMU, no GLib, no I/O.
 */
#ifndef NVME_PI_CRC_H
#define NVME_PI_CRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum CrcImpl {
    CRC_IMPL_BITWISE, /* one bit per step: the reference, slow */
    CRC_IMPL_TABLE,   /* one byte per step, 256-entry table */
    CRC_IMPL_SLICE8,  /* eight bytes per step, 8 x 256-entry tables */
    CRC_IMPL_SSE42,   /* x86_64 SSE4.2 crc32 instruction (CRC32C only) */
    CRC_IMPL_PCLMUL,  /* x86_64 PCLMULQDQ folding, 128-bit lanes */
    CRC_IMPL_VPCLMUL, /* x86_64 AVX-512 VPCLMULQDQ folding, 512-bit */
    CRC_IMPL__MAX,
} CrcImpl;

typedef uint16_t (*Crc16Fn)(uint16_t crc, const void *buf, size_t len);
typedef uint32_t (*Crc32Fn)(uint32_t crc, const void *buf, size_t len);
typedef uint64_t (*Crc64Fn)(uint64_t crc, const void *buf, size_t len);

/* The fastest implementation available on this CPU. */
uint16_t crc16_t10dif(uint16_t crc, const void *buf, size_t len);
uint32_t crc32c(uint32_t crc, const void *buf, size_t len);
uint64_t crc64_nvme(uint64_t crc, const void *buf, size_t len);

/*
 * One particular implementation, or NULL when it does not exist for this
 * CRC, was not built for this architecture, or this CPU lacks the
 * instructions it needs.  All non-NULL results give identical answers.
 */
Crc16Fn crc16_t10dif_impl(CrcImpl impl);
Crc32Fn crc32c_impl(CrcImpl impl);
Crc64Fn crc64_nvme_impl(CrcImpl impl);

/* Which implementation the plain functions above dispatch to. */
CrcImpl crc16_t10dif_selected(void);
CrcImpl crc32c_selected(void);
CrcImpl crc64_nvme_selected(void);

/* Short stable name ("bitwise", "table", "pclmul", ...), or "?" */
const char *crc_impl_name(CrcImpl impl);

#endif /* NVME_PI_CRC_H */
