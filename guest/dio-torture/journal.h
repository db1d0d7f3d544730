/*
 * journal.h - the verify-later journal: which writes were submitted to
 * which block, kept on a device outside the one under test
 *
 * Seeds, not data: a header (seed, offset, block size, blocks) and one
 * 32-byte record per event -- "write seq submitted to block blk" before
 * the write goes out (made durable first, so a power cut can never leave
 * a write on the media that the journal does not know), and "write seq
 * completed after k rewrites" after it completes (durable with the next
 * submission).  Every record is sealed with the run's nonce and its own
 * index, so records of an older run further down the device, or a torn
 * record, end the journal instead of being believed.
 *
 * The format and the index built from it are pure (journal.c); opening,
 * appending and loading are in journal-io.c.
 */
#ifndef DT_JOURNAL_H
#define DT_JOURNAL_H

#include "later.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DT_JOURNAL_MAGIC 0x4c4e524a54494f44ULL /* "DIOTJRNL" */
#define DT_JOURNAL_VERSION 1
#define DT_JOURNAL_HDR_BYTES 4096 /* records start here */

enum dt_jrec_type { DT_JREC_SUBMIT = 1, DT_JREC_DONE = 2 };

struct dt_journal_hdr {
    uint64_t magic;
    uint64_t version;
    uint64_t nonce; /* this run's: seals every record */
    uint64_t seed;
    uint64_t offset; /* byte offset of block 0 on the target */
    uint64_t bs;
    uint64_t nblocks;
    uint64_t csum; /* of the words above */
};
_Static_assert(sizeof(struct dt_journal_hdr) == 64, "journal header layout");

struct dt_jrec {
    uint64_t tag; /* seal ^ type */
    uint64_t seq;
    uint64_t blk;
    uint64_t k; /* DONE: rewrites while in flight */
};
_Static_assert(sizeof(struct dt_jrec) == 32, "journal record layout");

/* Per block, the writes submitted to it (index built from the records). */
struct dt_journal_index {
    uint64_t nblocks;
    uint64_t *first;      /* nblocks + 1: versions of blk are
                             v[first[blk] .. first[blk + 1]) */
    struct dt_version *v; /* sorted by seq within a block */
    uint64_t records;     /* valid records read */
    uint64_t submitted, completed;
    uint64_t out_of_range; /* records naming a block past nblocks */
};

/* pure: journal.c */
void dt_journal_hdr_make(struct dt_journal_hdr *h, uint64_t nonce,
                         uint64_t seed, uint64_t offset, uint64_t bs,
                         uint64_t nblocks);
bool dt_journal_hdr_valid(const struct dt_journal_hdr *h);
void dt_jrec_make(struct dt_jrec *r, const struct dt_journal_hdr *h,
                  uint64_t index, enum dt_jrec_type type, uint64_t seq,
                  uint64_t blk, uint64_t k);
/* The record's type if it is record @index of this run, else 0. */
int dt_jrec_type_of(const struct dt_jrec *r, const struct dt_journal_hdr *h,
                    uint64_t index);
/* Index @nrec records (stops at the first invalid one); false on ENOMEM. */
bool dt_journal_index_build(const struct dt_journal_hdr *h,
                            const struct dt_jrec *recs, size_t nrec,
                            struct dt_journal_index *ix);
void dt_journal_index_free(struct dt_journal_index *ix);

/* I/O: journal-io.c */
struct dt_journal {
    int fd;
    const char *path;
    struct dt_journal_hdr hdr;
    uint64_t capacity; /* records that fit */
    pthread_mutex_t lock;
    uint64_t next; /* index of the next record */
};

/* Open @path (block device or file), write a fresh header; msg on error. */
int dt_journal_create(struct dt_journal *j, const char *path, uint64_t seed,
                      uint64_t offset, uint64_t bs, uint64_t nblocks, char *msg,
                      size_t msglen);
/* Durable before it returns: call before submitting the write. */
int dt_journal_submit(struct dt_journal *j, uint64_t seq, uint64_t blk);
/* Written, made durable by the next submit or dt_journal_close(). */
int dt_journal_done(struct dt_journal *j, uint64_t seq, uint64_t blk,
                    uint32_t k);
int dt_journal_close(struct dt_journal *j);
/* Read the header and every record of @path into @ix. */
int dt_journal_load(const char *path, struct dt_journal_hdr *h,
                    struct dt_journal_index *ix, char *msg, size_t msglen);

#endif
