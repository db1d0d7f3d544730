/*
 * content.c - generate, checksum and decode self-describing blocks
 *
 * Pure functions only, so the same code can check a backing image on the
 * host.  The word hash is counter-based (splitmix64) so any word can be
 * produced on its own, which verify needs to explain torn blocks.
 */
#include "content.h"

#define DT_GAMMA 0x9e3779b97f4a7c15ULL
#define DT_MIX_C1 0xbf58476d1ce4e5b9ULL
#define DT_MIX_C2 0x94d049bb133111ebULL

uint64_t dt_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * DT_MIX_C1;
    z = (z ^ (z >> 27)) * DT_MIX_C2;
    return z ^ (z >> 31);
}

static uint64_t unxorshift(uint64_t x, unsigned s)
{
    uint64_t r = x;

    for (unsigned i = s; i < 64; i += s) {
        r = x ^ (r >> s);
    }
    return r;
}

/* Multiplicative inverse modulo 2^64 of an odd constant (Newton). */
static uint64_t inv64(uint64_t c)
{
    uint64_t x = c;

    for (int i = 0; i < 5; i++) {
        x *= 2 - c * x;
    }
    return x;
}

uint64_t dt_unmix64(uint64_t z)
{
    z = unxorshift(z, 31);
    z *= inv64(DT_MIX_C2);
    z = unxorshift(z, 27);
    z *= inv64(DT_MIX_C1);
    return unxorshift(z, 30);
}

static uint64_t block_base(const struct dt_block_id *id)
{
    return dt_mix64(id->seed ^ dt_mix64(id->offset ^ 0x5851f42d4c957f2dULL));
}

/* M(gen): invertible, and never 0 for any generation we use. */
static uint64_t gen_mask(uint64_t gen)
{
    return dt_mix64(gen + DT_GAMMA);
}

static uint64_t payload_word(uint64_t base, uint64_t mask, size_t i)
{
    return dt_mix64(base + (uint64_t)(i + 1) * DT_GAMMA) ^ mask;
}

static uint64_t header_word(const struct dt_block_id *id, uint64_t gen,
                            size_t i)
{
    switch (i) {
    case DT_W_MAGIC:
        return DT_MAGIC;
    case DT_W_OFFSET:
        return id->offset;
    case DT_W_GEN:
        return gen;
    case DT_W_SEED:
        return id->seed;
    case DT_W_BS:
        return id->bs;
    case DT_W_VERSION:
        return DT_FORMAT_VERSION;
    case DT_W_NOFFSET:
        return ~id->offset;
    default:
        return dt_csum(id, gen);
    }
}

static uint64_t csum_step(uint64_t c, uint64_t w)
{
    c = (c ^ w) * DT_GAMMA;
    return (c << 31) | (c >> 33);
}

static uint64_t csum_init(const struct dt_block_id *id)
{
    return 0x6a09e667f3bcc909ULL ^ id->bs;
}

uint64_t dt_csum(const struct dt_block_id *id, uint64_t gen)
{
    uint64_t base = block_base(id), mask = gen_mask(gen);
    uint64_t c = csum_init(id);
    size_t n = id->bs / 8;

    for (size_t i = 0; i < DT_W_CSUM; i++) {
        c = csum_step(c, header_word(id, gen, i));
    }
    for (size_t i = DT_HDR_WORDS; i < n; i++) {
        c = csum_step(c, payload_word(base, mask, i));
    }
    return dt_mix64(c);
}

uint64_t dt_word(const struct dt_block_id *id, uint64_t gen, size_t i)
{
    if (i < DT_HDR_WORDS) {
        return header_word(id, gen, i);
    }
    return payload_word(block_base(id), gen_mask(gen), i);
}

void dt_fill(void *buf, const struct dt_block_id *id, uint64_t gen)
{
    uint64_t *w = buf;
    uint64_t base = block_base(id), mask = gen_mask(gen);
    uint64_t c = csum_init(id);
    size_t n = id->bs / 8;

    for (size_t i = 0; i < DT_W_CSUM; i++) {
        w[i] = header_word(id, gen, i);
        c = csum_step(c, w[i]);
    }
    for (size_t i = DT_HDR_WORDS; i < n; i++) {
        w[i] = payload_word(base, mask, i);
        c = csum_step(c, w[i]);
    }
    w[DT_W_CSUM] = dt_mix64(c);
}

void dt_fill_region(void *buf, const struct dt_block_id *id, uint64_t gen,
                    size_t from, size_t len)
{
    uint64_t *w = buf;
    uint64_t base = block_base(id), mask = gen_mask(gen);
    size_t first = from / 8, end = (from + len) / 8;
    bool csum = false;

    if (from == 0 && len >= id->bs) {
        dt_fill(buf, id, gen);
        return;
    }
    if (end > id->bs / 8) {
        end = id->bs / 8;
    }
    for (size_t i = first; i < end; i++) {
        if (i == DT_W_CSUM) {
            csum = true;
        } else if (i < DT_HDR_WORDS) {
            w[i] = header_word(id, gen, i);
        } else {
            w[i] = payload_word(base, mask, i);
        }
    }
    if (csum) {
        w[DT_W_CSUM] = dt_csum(id, gen);
    }
}

uint64_t dt_decode_word(const struct dt_block_id *id, size_t i, uint64_t w)
{
    uint64_t h = dt_mix64(block_base(id) + (uint64_t)(i + 1) * DT_GAMMA);

    return dt_unmix64(w ^ h) - DT_GAMMA;
}

bool dt_header_intact(const void *buf, const struct dt_block_id *id,
                      uint64_t *gen)
{
    const uint64_t *w = buf;
    uint64_t c = csum_init(id);
    size_t n = id->bs / 8;

    *gen = w[DT_W_GEN];
    if (w[DT_W_MAGIC] != DT_MAGIC || w[DT_W_OFFSET] != id->offset ||
        w[DT_W_SEED] != id->seed || w[DT_W_BS] != id->bs) {
        return false;
    }
    /* The checksum covers what is actually there, not what should be. */
    for (size_t i = 0; i < n; i++) {
        if (i != DT_W_CSUM) {
            c = csum_step(c, w[i]);
        }
    }
    return w[DT_W_CSUM] == dt_mix64(c);
}
