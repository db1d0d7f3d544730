/*
 * nvme-pi: NVMe end-to-end Protection Information, as a pure C engine.
 *
 * This header owns the PI vocabulary shared by the device, the unit
 * tests, the guest tool and `pit audit`:
 *   - PiFormat: how a namespace is formatted (block and metadata size,
 *     extended LBA or separate metadata, PI first or last in the metadata,
 *     PI type 0-3, 16b/32b/64b guard; the device offers 16b and 64b
 *     formats, the engine and `pit audit` handle all three);
 *   - PiCtx: a format plus one command's checking parameters (PRCHK, LBAT
 *     and LBATM, ILBRT/EILBRT), initialised once, then used to generate
 *     (PRACT on write) or verify any number of blocks;
 *   - PiError: which check failed, expected vs actual, and where;
 *   - the NVMe status codes for those failures.
 *
 * Tuple layouts (all fields big-endian, per the NVM Command Set spec):
 *   16b guard, 8 bytes:  guard CRC16 T10-DIF (2) | app tag (2) | ref tag (4)
 *   32b guard, 16 bytes: guard CRC32C (4) | app tag (2) |
 *                        storage reference space (10) = storage tag (2,
 *                        written 0, not checked) | ref tag (8)
 *   64b guard, 16 bytes: guard CRC64-NVM (8) | app tag (2) | ref tag (6)
 * i.e. storage tag size 0 for 16b/64b and 16 for 32b guard.
 *
 * The guard covers the logical block data and, when the PI is in the last
 * bytes of the metadata, the metadata bytes before the tuple; when the PI
 * is first it covers the data only.
 *
 * Pure C: no QEMU, no GLib, no I/O.  Nothing is allocated.
 */
#ifndef NVME_PI_PI_H
#define NVME_PI_PI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* NVMe status (SCT << 8 | SC) for end-to-end errors: SCT 2h, Media Errors */
#define NVME_PI_SC_GUARD_CHECK 0x282  /* End-to-end Guard Check Error */
#define NVME_PI_SC_APPTAG_CHECK 0x283 /* End-to-end Application Tag Check */
#define NVME_PI_SC_REFTAG_CHECK 0x284 /* End-to-end Reference Tag Check */
/* SCT 1h (command specific), SC 81h: bad PRINFO/ILBRT for the format */
#define NVME_PI_SC_INVALID_PROT_INFO 0x181

/* PRCHK bits of PRINFO (CDW12 bits 28:26 shifted down), and PRACT. */
#define PI_PRCHK_REFTAG 0x1
#define PI_PRCHK_APPTAG 0x2
#define PI_PRCHK_GUARD 0x4
#define PI_PRCHK_ALL (PI_PRCHK_REFTAG | PI_PRCHK_APPTAG | PI_PRCHK_GUARD)
#define PI_PRINFO_PRACT 0x8

/* Escape values: blocks carrying them are not checked. */
#define PI_APPTAG_ESCAPE 0xFFFF

/* Values of the NVMe Protection Information Format (PIF) field. */
typedef enum PiGuardFormat {
    PI_GUARD_16 = 0, /* 16b guard, CRC16 T10-DIF, 8-byte tuple */
    PI_GUARD_32 = 1, /* 32b guard, CRC32C, 16-byte tuple */
    PI_GUARD_64 = 2, /* 64b guard, CRC64-NVM, 16-byte tuple */
} PiGuardFormat;

/* Which check failed; the values are the PRCHK bits that enable them. */
typedef enum PiCheck {
    PI_CHECK_NONE = 0,
    PI_CHECK_REFTAG = PI_PRCHK_REFTAG,
    PI_CHECK_APPTAG = PI_PRCHK_APPTAG,
    PI_CHECK_GUARD = PI_PRCHK_GUARD,
} PiCheck;

typedef enum PiStatus {
    PI_OK = 0,
    PI_CHECK_FAILED = 1, /* a block failed a check: see PiError */
    PI_INVALID = -1,     /* the format or the arguments make no sense */
} PiStatus;

typedef struct PiFormat {
    uint32_t block_size; /* data bytes per logical block, e.g. 512, 4096 */
    uint32_t meta_size;  /* metadata bytes per block: 0, 8, 16, 64, ... */
    bool extended;       /* metadata right after each block's data */
    bool pi_first;       /* DPS.PIP: tuple in the first metadata bytes */
    uint8_t pi_type;     /* DPS.PIT: 0 (no PI), 1, 2 or 3 */
    PiGuardFormat guard; /* PIF */
} PiFormat;

/* One tuple, decoded.  reftag holds 32, 48 or 64 significant bits. */
typedef struct PiTuple {
    uint64_t guard;
    uint16_t apptag;
    uint64_t reftag;
} PiTuple;

typedef struct PiError {
    PiCheck check;     /* which check failed */
    uint64_t expected; /* computed guard / command's tag / expected reftag */
    uint64_t actual;   /* the value found in the tuple */
    uint64_t block;    /* index of the block within the call, from 0 */
} PiError;

/* PiCtx.ready after a successful pi_ctx_init(), and only then. */
#define PI_CTX_READY 0x50694374u /* "PiCt" */

typedef struct PiCtx {
    uint32_t ready;      /* PI_CTX_READY, or the context must not be used */
    PiFormat fmt;
    /* derived from fmt by pi_ctx_init() */
    size_t tuple_size;   /* 8 or 16 */
    size_t tuple_offset; /* of the tuple within a block's metadata */
    size_t guard_meta;   /* metadata bytes covered by the guard */
    size_t data_stride;  /* from one block's data to the next */
    size_t meta_stride;  /* from one block's metadata to the next */
    uint64_t reftag_mask;
    /* one command's parameters */
    unsigned prchk;       /* PI_PRCHK_* */
    uint64_t init_reftag; /* ILBRT (EILBRT for 64b guard), masked */
    uint16_t apptag;      /* LBAT */
    uint16_t apptag_mask; /* LBATM: 1 bits are compared */
} PiCtx;

/*
 * Check the format and derive the layout; store the command's checking
 * parameters.  The context is then read-only and may be shared.  On
 * PI_INVALID the context is left unusable: pi_generate() and pi_verify()
 * refuse it (PI_INVALID), so a failed init can never verify as OK.
 */
PiStatus pi_ctx_init(PiCtx *ctx, const PiFormat *fmt, unsigned prchk,
                     uint64_t init_reftag, uint16_t apptag,
                     uint16_t apptag_mask);

/* Bytes of the tuple for a guard format: 8 or 16 (0 if invalid). */
size_t pi_tuple_size(PiGuardFormat guard);

/*
 * Command-level checks done before any data moves: for type 1 with
 * reference tag checking, ILBRT must equal the low bits of the SLBA; type
 * 3 does not allow reference tag checking.  Returns 0 or
 * NVME_PI_SC_INVALID_PROT_INFO.
 */
uint16_t pi_check_prinfo(const PiFormat *fmt, unsigned prchk, uint64_t slba,
                         uint64_t init_reftag);

/*
 * Buffers: `data` points at block 0's data and `meta` at block 0's
 * metadata.  With a separate metadata buffer these are two buffers; with
 * extended LBAs both point into the same one, meta = data + block_size.
 * Blocks are ctx->data_stride / ctx->meta_stride apart.
 */

/*
 * PRACT on write: fill the tuple of each of nblocks blocks (guard over the
 * data, apptag = LBAT, reftag = ILBRT + i for types 1 and 2, ILBRT for
 * type 3).  Metadata bytes outside the tuple are left alone.  Nothing to
 * do for type 0.  PI_INVALID for a context pi_ctx_init() did not accept.
 */
PiStatus pi_generate(const PiCtx *ctx, const uint8_t *data, uint8_t *meta,
                     uint64_t nblocks);

/*
 * Verify nblocks blocks; stop at the first failure and describe it in
 * *err (which may be NULL).  PI_INVALID, never PI_OK, for a context
 * pi_ctx_init() did not accept: callers treat anything but PI_OK as a
 * failed command.  Checks, in this order, those enabled by
 * PRCHK: guard, application tag (under LBATM), reference tag (types 1 and
 * 2 only, ILBRT + i).  A block whose application tag is FFFFh (types 1/2),
 * or whose application tag is FFFFh and reference tag all ones (type 3),
 * is not checked.
 */
PiStatus pi_verify(const PiCtx *ctx, const uint8_t *data, const uint8_t *meta,
                   uint64_t nblocks, PiError *err);

/*
 * The guard generate would compute for one block (its data and the
 * block's metadata), whatever the checking flags.
 */
uint64_t pi_block_guard(const PiCtx *ctx, const uint8_t *data,
                        const uint8_t *meta);

/* Decode/encode the tuple of one block, given that block's metadata. */
void pi_tuple_read(const PiCtx *ctx, const uint8_t *meta, PiTuple *t);
void pi_tuple_write(const PiCtx *ctx, uint8_t *meta, const PiTuple *t);

/* The same on the tuple bytes themselves, for a guard format. */
void pi_tuple_decode(PiGuardFormat guard, const uint8_t *bytes, PiTuple *t);
void pi_tuple_encode(PiGuardFormat guard, uint8_t *bytes, const PiTuple *t);

/* NVME_PI_SC_* for a failed check, 0 for PI_CHECK_NONE. */
uint16_t pi_check_to_nvme_status(PiCheck check);

/* "guard", "apptag", "reftag" or "none", for logs. */
const char *pi_check_name(PiCheck check);

#endif /* NVME_PI_PI_H */
