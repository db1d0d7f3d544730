/*
 * nvme-pi: the mutation recorder's pure core.
 *
 * A write whose reads of guest memory differ is a mutation event.  This
 * file owns what an event says (where the buffer changed, how much, the
 * first old/new bytes, the guards, the outcome), the counters, the JSON
 * line written to mutation-log=PATH, and the byte layout of vendor log
 * page 0xC0.  The device glue supplies the reads, times and identities and
 * does the writing.
 *
 * Pure C: no QEMU, no GLib, no I/O, nothing allocated.
 */
#ifndef NVME_PI_MUTATION_H
#define NVME_PI_MUTATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dma-policy.h"

#define MUTATION_SAMPLE 16 /* old/new bytes kept per event */
#define MUTATION_LOG_PAGE_ID 0xC0
#define MUTATION_LOG_PAGE_SIZE 512
#define MUTATION_LOG_SIGNATURE "NVPI"
#define MUTATION_LOG_VERSION 1

typedef enum MutationOutcome {
    MUTATION_PI_ERROR = 0,    /* the persisted bytes failed PI: error */
    MUTATION_PERSISTED_FIRST, /* the bytes of the first read persisted */
    MUTATION_PERSISTED_LAST,  /* the bytes of the last read persisted */
    MUTATION_PERSISTED_TORN,  /* a mix of reads persisted */
} MutationOutcome;

typedef struct MutationEvent {
    /* filled by the glue */
    uint64_t time_ns; /* virtual or real clock, per dma-clock */
    uint32_t nsid;
    uint16_t cid;
    uint16_t sqid;
    uint8_t opcode;
    uint64_t slba;
    uint32_t nlb;         /* 1's based number of blocks */
    uint32_t block_size;  /* data bytes per block, for first_lba */
    bool has_guard;       /* namespace formatted with PI */
    uint64_t guard_host;  /* guard the host sent for first_lba */
    uint64_t guard_first; /* guard of the first read's data */
    uint64_t guard_last;  /* guard of the last read's data */
    MutationOutcome outcome;
    /* filled by mutation_diff() */
    uint32_t nreads;
    uint32_t reads_differing;           /* reads that differ from the first */
    uint64_t first_offset;              /* byte offset into the transfer */
    uint64_t first_lba;                 /* slba + first_offset / block_size */
    uint64_t bytes_changed;             /* positions where any read differs */
    uint64_t lines_changed;             /* 64-byte lines with any difference */
    uint8_t sample_len;                 /* valid bytes of old/new below */
    uint8_t old_bytes[MUTATION_SAMPLE]; /* first read, from first_offset */
    uint8_t new_bytes[MUTATION_SAMPLE]; /* last read, from first_offset */
} MutationEvent;

typedef struct MutationCounters {
    uint64_t writes_checked; /* writes whose buffer was read >1 times */
    uint64_t events;
    uint64_t pi_errors;
    uint64_t persisted_first;
    uint64_t persisted_last;
    uint64_t persisted_torn;
    uint64_t bytes_changed;
    /* writes held by the hooks when the power was cut, by what landed */
    uint64_t cut_writes;
    uint64_t cut_none;
    uint64_t cut_first;
    uint64_t cut_last;
    uint64_t cut_torn;
} MutationCounters;

/*
 * A write the hooks still held when the power was cut (power-cut), and
 * what of it reached the media: one more line of the mutation log, with
 * "event":"power-cut".
 */
typedef struct MutationCut {
    uint64_t time_ns;
    uint32_t nsid;
    uint16_t cid;
    uint16_t sqid;
    uint8_t opcode;
    uint64_t slba;
    uint32_t nlb;           /* 1's based */
    uint32_t reads;         /* reads of the buffer done before the cut */
    uint64_t bytes_changed; /* since the first read, as seen at the cut */
    DmaPowerCut policy;     /* what the device let land (power-cut) */
    uint64_t bytes_persisted;
} MutationCut;

/*
 * Compare @nreads reads of a @len-byte transfer.  Returns true (and fills
 * the diff fields of @ev) when any read differs from the first.
 */
bool mutation_diff(const uint8_t *const *reads, uint32_t nreads, size_t len,
                   MutationEvent *ev);

void mutation_count(MutationCounters *c, const MutationEvent *ev);

const char *mutation_outcome_name(MutationOutcome o);

/* Count @cut under its policy. */
void mutation_count_cut(MutationCounters *c, const MutationCut *cut);

/* One JSON object (no newline) for @cut, as mutation_format_json(). */
int mutation_format_cut_json(const MutationCut *cut, const char *ctrl,
                             char *buf, size_t size);

/*
 * One JSON object (no newline) for @ev, from controller @ctrl (its
 * serial).  Returns the length snprintf would produce; the line is
 * complete only if that is < @size.
 */
int mutation_format_json(const MutationEvent *ev, const char *ctrl, char *buf,
                         size_t size);

/*
 * Vendor log page 0xC0 on the wire: every field little-endian, kept as
 * bytes so the layout is the same on any host; the offsets are part of
 * the device's interface (docs/device.md), hence the assertions.
 */
typedef struct MutationLogPage {
    char signature[4];            /* MUTATION_LOG_SIGNATURE */
    uint8_t version[2];           /* MUTATION_LOG_VERSION */
    uint8_t rsvd6[2];
    /* the counters (MutationCounters) */
    uint8_t writes_checked[8];
    uint8_t events[8];
    uint8_t pi_errors[8];
    uint8_t persisted_first[8];
    uint8_t persisted_last[8];
    uint8_t persisted_torn[8];
    uint8_t bytes_changed[8];
    /* the last event, zero while there has been none */
    uint8_t last_time_ns[8];
    uint8_t last_nsid[4];
    uint8_t last_cid[2];
    uint8_t last_opcode;
    uint8_t last_outcome;         /* MutationOutcome */
    uint8_t last_slba[8];
    uint8_t last_nlb[4];
    uint8_t last_sqid[2];
    uint8_t rsvd94[2];
    uint8_t last_first_offset[8];
    uint8_t last_bytes_changed[8];
    uint8_t last_lines_changed[8];
    uint8_t last_guard_host[8];
    uint8_t last_guard_first[8];
    uint8_t last_guard_last[8];
    uint8_t last_old_bytes[MUTATION_SAMPLE];
    uint8_t last_new_bytes[MUTATION_SAMPLE];
    uint8_t last_first_lba[8];
    uint8_t last_sample_len;
    uint8_t rsvd185[MUTATION_LOG_PAGE_SIZE - 185];
} MutationLogPage;
_Static_assert(sizeof(MutationLogPage) == MUTATION_LOG_PAGE_SIZE,
               "log page C0h is 512 bytes");
_Static_assert(offsetof(MutationLogPage, writes_checked) == 8, "C0h layout");
_Static_assert(offsetof(MutationLogPage, last_time_ns) == 64, "C0h layout");
_Static_assert(offsetof(MutationLogPage, last_slba) == 80, "C0h layout");
_Static_assert(offsetof(MutationLogPage, last_first_offset) == 96,
               "C0h layout");
_Static_assert(offsetof(MutationLogPage, last_old_bytes) == 144,
               "C0h layout");
_Static_assert(offsetof(MutationLogPage, last_first_lba) == 176,
               "C0h layout");
_Static_assert(offsetof(MutationLogPage, last_sample_len) == 184,
               "C0h layout");

/*
 * Fill vendor log page 0xC0 (a MutationLogPage, MUTATION_LOG_PAGE_SIZE
 * bytes): signature, version, counters, last event.  @last may be NULL.
 * Fills @buf completely (zero-padded).
 */
void mutation_log_page(const MutationCounters *c, const MutationEvent *last,
                       uint8_t buf[MUTATION_LOG_PAGE_SIZE]);

#endif /* NVME_PI_MUTATION_H */
