/*
 * nvme-pi: the DMA timing policy (see dma-policy.h).
 *
 * Pure C: no QEMU, no GLib, no I/O.
 */
#include "dma-policy.h"

#include <string.h>

void dma_rng_seed(DmaRng *rng, uint64_t seed)
{
    rng->state = seed;
}

/* splitmix64: tiny, full-period, and good enough to spread delays. */
uint64_t dma_rng_next(DmaRng *rng)
{
    uint64_t z = (rng->state += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

bool dma_policy_is_off(const DmaPolicy *p)
{
    return p->delay_ns == 0 && p->jitter_ns == 0 && p->replay == 0;
}

void dma_policy_schedule(const DmaPolicy *p, DmaRng *rng, DmaSchedule *s)
{
    uint64_t total = p->delay_ns;
    uint32_t extra = p->replay;
    uint32_t i;

    if (p->jitter_ns) {
        /* Uniform in [0, jitter]; the modulo bias is irrelevant here. */
        total += dma_rng_next(rng) % (p->jitter_ns + 1);
    }
    if (extra == 0 && total > 0) {
        extra = 1; /* a delay alone: re-read when it ends */
    }
    if (extra > DMA_MAX_READS - 1) {
        extra = DMA_MAX_READS - 1;
    }
    s->nreads = 1 + extra;
    s->at_ns[0] = 0;
    for (i = 1; i <= extra; i++) {
        s->at_ns[i] = total * i / extra;
    }
}

static const char *const dma_source_names[] = {
    [DMA_SOURCE_FIRST] = "first",
    [DMA_SOURCE_LAST] = "last",
    [DMA_SOURCE_TORN_CACHELINE] = "torn-cacheline",
    [DMA_SOURCE_TORN_SECTOR] = "torn-sector",
};

int dma_source_parse(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(dma_source_names) / sizeof(dma_source_names[0]);
         i++) {
        if (name && strcmp(name, dma_source_names[i]) == 0) {
            return (int)i;
        }
    }
    return -1;
}

const char *dma_source_name(DmaSource s)
{
    if ((size_t)s < sizeof(dma_source_names) / sizeof(dma_source_names[0])) {
        return dma_source_names[s];
    }
    return "?";
}

static size_t dma_torn_piece(DmaSource s)
{
    return s == DMA_SOURCE_TORN_SECTOR ? DMA_TORN_SECTOR : DMA_TORN_CACHELINE;
}

uint32_t dma_source_read_for(DmaSource s, uint32_t nreads, size_t len,
                             size_t offset)
{
    size_t piece, npieces;

    if (nreads <= 1) {
        return 0;
    }
    switch (s) {
    case DMA_SOURCE_FIRST:
        return 0;
    case DMA_SOURCE_TORN_CACHELINE:
    case DMA_SOURCE_TORN_SECTOR:
        piece = dma_torn_piece(s);
        npieces = (len + piece - 1) / piece;
        if (npieces == 0) {
            return 0;
        }
        return (uint32_t)((offset / piece) * nreads / npieces);
    case DMA_SOURCE_LAST:
    default:
        return nreads - 1;
    }
}

void dma_source_assemble(DmaSource s, const uint8_t *const *reads,
                         uint32_t nreads, size_t len, uint8_t *out)
{
    size_t piece, off;

    if (nreads == 0 || len == 0) {
        return;
    }
    switch (s) {
    case DMA_SOURCE_TORN_CACHELINE:
    case DMA_SOURCE_TORN_SECTOR:
        piece = dma_torn_piece(s);
        for (off = 0; off < len; off += piece) {
            size_t n = len - off < piece ? len - off : piece;

            memcpy(out + off,
                   reads[dma_source_read_for(s, nreads, len, off)] + off, n);
        }
        break;
    case DMA_SOURCE_FIRST:
    case DMA_SOURCE_LAST:
    default:
        if (out != reads[dma_source_read_for(s, nreads, len, 0)]) {
            memcpy(out, reads[dma_source_read_for(s, nreads, len, 0)], len);
        }
        break;
    }
}

static const char *const dma_power_cut_names[] = {
    [DMA_CUT_NONE] = "none",
    [DMA_CUT_FIRST] = "first",
    [DMA_CUT_LAST] = "last",
    [DMA_CUT_TORN] = "torn",
};

int dma_power_cut_parse(const char *name)
{
    size_t i;

    for (i = 0;
         i < sizeof(dma_power_cut_names) / sizeof(dma_power_cut_names[0]);
         i++) {
        if (name && strcmp(name, dma_power_cut_names[i]) == 0) {
            return (int)i;
        }
    }
    return -1;
}

const char *dma_power_cut_name(DmaPowerCut c)
{
    if ((size_t)c <
        sizeof(dma_power_cut_names) / sizeof(dma_power_cut_names[0])) {
        return dma_power_cut_names[c];
    }
    return "?";
}

size_t dma_power_cut_bytes(DmaPowerCut c, size_t len)
{
    size_t piece, half;

    switch (c) {
    case DMA_CUT_FIRST:
    case DMA_CUT_LAST:
        return len;
    case DMA_CUT_TORN:
        piece = len > DMA_TORN_SECTOR ? DMA_TORN_SECTOR : DMA_TORN_CACHELINE;
        if (len <= piece) {
            return 0; /* nothing to tear: the piece never started */
        }
        half = (len / piece) / 2 * piece;
        return half ? half : piece;
    case DMA_CUT_NONE:
    default:
        return 0;
    }
}
