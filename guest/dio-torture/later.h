/*
 * later.h - classify a block read back in a later boot against every
 * version the journal says was submitted to it (pure: no I/O)
 *
 * In the same run, classify.c knows the one write that must explain a
 * block.  After a power cut, a reboot, a RAID resync or a degraded read
 * the block may legitimately hold the last write, an earlier one, a
 * write that was in flight at the cut, or nothing at all; what it must
 * never hold is content no submitted version explains.  A "version" is
 * any generation (seq, k) the workload can regenerate from the seed: the
 * content at submission (k = 0) and every rewrite the mutator made while
 * the write was in flight (k > 0), because those were really in the
 * buffer the device read.  md parity computed over one generation and
 * XORed with another member's different generation decodes to no
 * generation at all, so it is "neither".
 */
#ifndef DT_LATER_H
#define DT_LATER_H

#include "content.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum dt_later_class {
    DT_LATER_LAST,    /* generations of the last write submitted */
    DT_LATER_EARLIER, /* generations of one earlier write */
    DT_LATER_NEVER,   /* all zero: never written (or nothing landed) */
    DT_LATER_MIXED,   /* every word from a submitted write or zero, but
                         not one write: torn across writes, or a write
                         torn over a never-written block (zero pieces
                         count only while no write to the block has
                         completed; after that they are "neither") */
    DT_LATER_NEITHER, /* content no submitted version explains */
    DT_LATER_COUNT
};

/* One write the journal recorded for a block, in submission order. */
struct dt_version {
    uint64_t seq;
    uint32_t kmax; /* done: rewrites while in flight (generation at end) */
    bool done;     /* the completion was journaled; else k is unbounded */
};

struct dt_later_verdict {
    enum dt_later_class cls;
    uint64_t seq;        /* LAST/EARLIER: the write found */
    uint32_t words_ok;   /* words from a submitted generation */
    uint32_t words_zero; /* words that are zero */
    uint32_t words_bad;  /* words nothing explains */
    int64_t bad_byte;    /* first unexplained byte, or -1 */
    uint64_t bad_word;   /* the word read there */
};

const char *dt_later_class_name(enum dt_later_class c);

/*
 * Classify @buf (id->bs bytes) against @nv versions @v of that block
 * (sorted by seq; the last entry is the last write submitted).
 */
void dt_classify_later(const void *buf, const struct dt_block_id *id,
                       const struct dt_version *v, size_t nv,
                       struct dt_later_verdict *out);

#endif
