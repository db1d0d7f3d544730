/*
 * content.h - the self-describing block format (pure: no I/O, no threads)
 *
 * Every block of --bs bytes that dio-torture writes is a function of
 * (seed, byte offset, generation).  A generation is (write sequence << 20
 * | k): k = 0 is the content at submission, k > 0 are the rewrites a
 * mutator made while the write was in flight.  Because each 64-bit
 * payload word is H(seed, offset, word index) ^ M(gen) with M invertible,
 * the generation of any single word read back can be recovered, which is
 * what lets verify tell "torn between legitimate generations" from
 * "garbage".
 *
 * Layout (native-endian 64-bit words):
 *   word 0 magic  1 offset  2 gen  3 seed  4 bs  5 format version
 *   word 6 ~offset  7 checksum of all other words  8.. payload
 */
#ifndef DT_CONTENT_H
#define DT_CONTENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DT_MAGIC 0x5254524f54494f44ULL /* "DIOTORTR" little-endian */
#define DT_FORMAT_VERSION 1
#define DT_HDR_WORDS 8
#define DT_HDR_BYTES (DT_HDR_WORDS * 8)
#define DT_W_MAGIC 0
#define DT_W_OFFSET 1
#define DT_W_GEN 2
#define DT_W_SEED 3
#define DT_W_BS 4
#define DT_W_VERSION 5
#define DT_W_NOFFSET 6
#define DT_W_CSUM 7

#define DT_K_BITS 20
#define DT_K_MAX ((1u << DT_K_BITS) - 1)

/* Identity of one block: everything but the generation. */
struct dt_block_id {
    uint64_t seed;
    uint64_t offset; /* byte offset on the target */
    uint32_t bs;
};

static inline uint64_t dt_gen(uint64_t seq, uint32_t k)
{
    return (seq << DT_K_BITS) | k;
}

static inline uint64_t dt_gen_seq(uint64_t gen)
{
    return gen >> DT_K_BITS;
}

static inline uint32_t dt_gen_k(uint64_t gen)
{
    return (uint32_t)(gen & DT_K_MAX);
}

uint64_t dt_mix64(uint64_t z);
uint64_t dt_unmix64(uint64_t z);

/* Expected value of word @i of the pure content of generation @gen.
 * For the checksum word this costs a pass over the block. */
uint64_t dt_word(const struct dt_block_id *id, uint64_t gen, size_t i);

/* Checksum of the pure content of generation @gen. */
uint64_t dt_csum(const struct dt_block_id *id, uint64_t gen);

/* Write the whole block for @gen into @buf (bs bytes, 8-byte aligned). */
void dt_fill(void *buf, const struct dt_block_id *id, uint64_t gen);

/*
 * Rewrite bytes [from, from + len) of @buf with the content of @gen.
 * from and len are multiples of 8.  The checksum word, when inside the
 * range, is written last, as a real writer would.
 */
void dt_fill_region(void *buf, const struct dt_block_id *id, uint64_t gen,
                    size_t from, size_t len);

/* Generation encoded in payload word @i (i >= DT_HDR_WORDS) holding @w. */
uint64_t dt_decode_word(const struct dt_block_id *id, size_t i, uint64_t w);

/* Parse the header: true if magic, offset, seed, bs and the checksum all
 * match (a block that is one intact generation); *gen gets the header
 * generation either way. */
bool dt_header_intact(const void *buf, const struct dt_block_id *id,
                      uint64_t *gen);

#endif
