/*
 * classify.h - decide what a block read back is (pure: no I/O)
 *
 * Given what was legitimately in the write buffer while the write was in
 * flight, say whether the block read back is exactly the first content,
 * exactly the last, exactly one generation in between, a torn mix of those
 * (every word explained), or something nothing explains.
 */
#ifndef DT_CLASSIFY_H
#define DT_CLASSIFY_H

#include "content.h"

enum dt_class {
    DT_CLASS_OK_FIRST,
    DT_CLASS_OK_LAST,
    DT_CLASS_OK_MID,
    DT_CLASS_TORN,
    DT_CLASS_MISMATCH,
    DT_CLASS_COUNT
};

/* What the last successful write to a block may have put there. */
struct dt_expect {
    struct dt_block_id id;
    uint64_t seq;   /* write sequence of the last write */
    uint32_t klast; /* generation index in the buffer at completion */
    uint32_t rfrom; /* bytes [rfrom, rfrom + rlen) are all a mutator */
    uint32_t rlen;  /* ever rewrote; 8-byte multiples */
};

struct dt_verdict {
    enum dt_class cls;
    uint32_t k;           /* OK_MID: the generation index found */
    uint32_t words_first; /* words equal to the first content */
    uint32_t words_last;  /* words equal to the last (and not the first) */
    uint32_t words_other; /* words from another in-window generation */
    uint32_t words_bad;   /* words nothing explains */
    int64_t bad_byte;     /* first unexplained byte in the block, or -1 */
    uint64_t bad_word;    /* the word read there */
    uint64_t want_word;   /* the first-generation word there */
    uint64_t hdr_gen;     /* generation field as read */
};

const char *dt_class_name(enum dt_class c);

void dt_classify(const void *buf, const struct dt_expect *e,
                 struct dt_verdict *v);

#endif
