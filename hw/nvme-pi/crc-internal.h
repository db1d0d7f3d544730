/*
 * nvme-pi: private interface between crc.c (portable CRCs, dispatch) and
 * crc-x86.c (carry-less-multiply and SSE4.2 versions).  Not for callers
 * outside these two files: use crc.h.
 *
 * All functions here work on the raw CRC register, without the init and
 * xorout of the public convention; for the reflected CRCs (CRC32C,
 * CRC64-NVM) the register is kept in reflected bit order, exactly as the
 * byte-table algorithm keeps it.
 */
#ifndef NVME_PI_CRC_INTERNAL_H
#define NVME_PI_CRC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Generator polynomials, normal (MSB-first) form, x^w term implied. */
#define CRC16_T10DIF_POLY 0x8BB7u
#define CRC32C_POLY 0x1EDC6F41u
#define CRC64_NVME_POLY 0xAD93D23594C93659ull

/* Portable slice-by-8 register updates; valid once crc.c has initialised. */
uint16_t crc16_t10dif_raw_slice8(uint16_t reg, const uint8_t *p, size_t len);
uint32_t crc32c_raw_slice8(uint32_t reg, const uint8_t *p, size_t len);
uint64_t crc64_nvme_raw_slice8(uint64_t reg, const uint8_t *p, size_t len);

#if defined(__x86_64__)
#define CRC_HAVE_X86 1

/* Derive folding constants and probe the CPU; called once by crc.c. */
void crc_x86_init(void);

bool crc_x86_has_pclmul(void);
bool crc_x86_has_vpclmul(void);
bool crc_x86_has_sse42(void);

uint16_t crc16_t10dif_raw_pclmul(uint16_t reg, const uint8_t *p, size_t len);
uint32_t crc32c_raw_pclmul(uint32_t reg, const uint8_t *p, size_t len);
uint64_t crc64_nvme_raw_pclmul(uint64_t reg, const uint8_t *p, size_t len);

uint16_t crc16_t10dif_raw_vpclmul(uint16_t reg, const uint8_t *p, size_t len);
uint32_t crc32c_raw_vpclmul(uint32_t reg, const uint8_t *p, size_t len);
uint64_t crc64_nvme_raw_vpclmul(uint64_t reg, const uint8_t *p, size_t len);

uint32_t crc32c_raw_sse42(uint32_t reg, const uint8_t *p, size_t len);
#endif

#endif /* NVME_PI_CRC_INTERNAL_H */
