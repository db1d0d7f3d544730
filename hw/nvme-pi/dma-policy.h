/*
 * nvme-pi: the DMA timing policy, as pure C.
 *
 * Owns the decisions the device's DMA-timing hooks make for one write:
 * how many times the guest buffer is read and when (dma-delay,
 * dma-jitter, dma-replay, seed), and, when those reads differ, which bytes
 * are persisted and PI-checked (dma-source).  The device glue (io.c's
 * timers, dma.c's copies) performs the reads; this file only decides, so every
 * rule is unit-tested without QEMU and replayable from a seed.
 *
 * Pure C: no QEMU, no GLib, no I/O, nothing allocated.
 */
#ifndef NVME_PI_DMA_POLICY_H
#define NVME_PI_DMA_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * What reaches the media of a write the hooks hold (its reads not all
 * done) when the power fails (power-cut).  The device models an engine
 * that was still fetching the buffer: none of it, all of it as first
 * read, all of it as the buffer is at the cut, or the start of it as at
 * the cut and the rest of the range as it was (torn).
 */
typedef enum DmaPowerCut {
    DMA_CUT_NONE = 0, /* nothing (default) */
    DMA_CUT_FIRST,    /* the whole write, the bytes of its first read */
    DMA_CUT_LAST,     /* the whole write, the guest buffer at the cut */
    DMA_CUT_TORN,     /* its first half, in 512-byte sectors, at the cut */
} DmaPowerCut;

/* Granularity of a torn read: a CPU cache line, a 512-byte sector. */
#define DMA_TORN_CACHELINE 64
#define DMA_TORN_SECTOR 512

/* Upper bound on reads of one buffer (1 + dma-replay). */
#define DMA_MAX_READS 17

typedef enum DmaSource {
    DMA_SOURCE_FIRST = 0,      /* the bytes of the first read */
    DMA_SOURCE_LAST,           /* the bytes of the last read (default) */
    DMA_SOURCE_TORN_CACHELINE, /* 64-byte pieces from successive reads */
    DMA_SOURCE_TORN_SECTOR,    /* 512-byte pieces from successive reads */
} DmaSource;

typedef struct DmaPolicy {
    uint64_t delay_ns;  /* command fetch -> last data read of a write */
    uint64_t jitter_ns; /* uniform extra delay in [0, jitter_ns] */
    uint32_t replay;    /* extra reads spread over the delay */
    DmaSource source;
} DmaPolicy;

/* A seeded generator (splitmix64): same seed, same schedule. */
typedef struct DmaRng {
    uint64_t state;
} DmaRng;

typedef struct DmaSchedule {
    uint32_t nreads;               /* 1 .. DMA_MAX_READS */
    uint64_t at_ns[DMA_MAX_READS]; /* offset of each read from fetch */
} DmaSchedule;

void dma_rng_seed(DmaRng *rng, uint64_t seed);
uint64_t dma_rng_next(DmaRng *rng);

/* True when the policy changes nothing: one read, at fetch time. */
bool dma_policy_is_off(const DmaPolicy *p);

/*
 * The reads of one write.  Hooks off: one read at 0.  A delay alone: a
 * read at fetch and one when the delay ends, so a change in between is
 * seen.  dma-replay=N: N reads after the first, evenly spread, the last
 * one at the (jittered) delay.  Capped at DMA_MAX_READS.
 */
void dma_policy_schedule(const DmaPolicy *p, DmaRng *rng, DmaSchedule *s);

/* Parse/print the dma-source property; -1 for an unknown name. */
int dma_source_parse(const char *name);
const char *dma_source_name(DmaSource s);

/*
 * Which read supplies the byte at @offset of a buffer of @len bytes read
 * @nreads times.  first/last are constant; torn modes model an engine
 * that walks the buffer while time passes: piece k of K comes from read
 * floor(k * nreads / K), so the start of the buffer is from early reads
 * and its end from late ones.
 */
uint32_t dma_source_read_for(DmaSource s, uint32_t nreads, size_t len,
                             size_t offset);

/*
 * Assemble the bytes to persist from @nreads reads (@reads[i] each @len
 * bytes) into @out, per @source.  @out may alias reads[0] only for
 * DMA_SOURCE_FIRST.
 */
void dma_source_assemble(DmaSource s, const uint8_t *const *reads,
                         uint32_t nreads, size_t len, uint8_t *out);

/* Parse/print the power-cut property; -1 for an unknown name. */
int dma_power_cut_parse(const char *name);
const char *dma_power_cut_name(DmaPowerCut c);

/*
 * Bytes of a @len-byte held write that reach the media at a cut, from its
 * start: 0 (none), len (first, last) or, torn, half of its 512-byte
 * sectors (at least one, never all); a write of one sector or less tears
 * at 64-byte lines instead.
 */
size_t dma_power_cut_bytes(DmaPowerCut c, size_t len);

#endif /* NVME_PI_DMA_POLICY_H */
