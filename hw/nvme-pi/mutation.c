/*
 * nvme-pi: the mutation recorder's pure core (see mutation.h).
 *
 * Pure C: no QEMU, no GLib, no I/O.
 */
#include "mutation.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

bool mutation_diff(const uint8_t *const *reads, uint32_t nreads, size_t len,
                   MutationEvent *ev)
{
    size_t off, line_end = 0;
    bool found = false;
    uint32_t r;

    ev->nreads = nreads;
    ev->reads_differing = 0;
    ev->bytes_changed = 0;
    ev->lines_changed = 0;
    ev->first_offset = 0;
    ev->sample_len = 0;
    if (nreads < 2) {
        return false;
    }
    for (r = 1; r < nreads; r++) {
        if (memcmp(reads[0], reads[r], len) != 0) {
            ev->reads_differing++;
        }
    }
    if (ev->reads_differing == 0) {
        return false;
    }
    for (off = 0; off < len; off++) {
        bool differs = false;

        for (r = 1; r < nreads && !differs; r++) {
            differs = reads[r][off] != reads[0][off];
        }
        if (!differs) {
            continue;
        }
        if (!found) {
            found = true;
            ev->first_offset = off;
        }
        ev->bytes_changed++;
        if (off >= line_end) {
            ev->lines_changed++;
            line_end = (off / 64 + 1) * 64;
        }
    }
    ev->first_lba =
        ev->slba + (ev->block_size ? ev->first_offset / ev->block_size : 0);
    ev->sample_len = (uint8_t)(len - ev->first_offset < MUTATION_SAMPLE
                                   ? len - ev->first_offset
                                   : MUTATION_SAMPLE);
    memcpy(ev->old_bytes, reads[0] + ev->first_offset, ev->sample_len);
    memcpy(ev->new_bytes, reads[nreads - 1] + ev->first_offset, ev->sample_len);
    return true;
}

void mutation_count(MutationCounters *c, const MutationEvent *ev)
{
    c->events++;
    c->bytes_changed += ev->bytes_changed;
    switch (ev->outcome) {
    case MUTATION_PI_ERROR:
        c->pi_errors++;
        break;
    case MUTATION_PERSISTED_FIRST:
        c->persisted_first++;
        break;
    case MUTATION_PERSISTED_LAST:
        c->persisted_last++;
        break;
    case MUTATION_PERSISTED_TORN:
        c->persisted_torn++;
        break;
    }
}

const char *mutation_outcome_name(MutationOutcome o)
{
    switch (o) {
    case MUTATION_PI_ERROR:
        return "pi-error";
    case MUTATION_PERSISTED_FIRST:
        return "persisted-first";
    case MUTATION_PERSISTED_LAST:
        return "persisted-last";
    case MUTATION_PERSISTED_TORN:
        return "persisted-torn";
    }
    return "?";
}

static void hex(char *out, const uint8_t *b, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 0xf];
    }
    out[2 * n] = '\0';
}

/* Serials are printable ASCII by property check; escape anyway. */
static void json_string(char *out, size_t size, const char *s)
{
    size_t o = 0;

    for (; s && *s && o + 7 < size; s++) {
        unsigned char ch = (unsigned char)*s;

        if (ch == '"' || ch == '\\') {
            out[o++] = '\\';
            out[o++] = (char)ch;
        } else if (ch < 0x20 || ch >= 0x7f) {
            o += (size_t)snprintf(out + o, size - o, "\\u%04x", ch);
        } else {
            out[o++] = (char)ch;
        }
    }
    out[o] = '\0';
}

int mutation_format_json(const MutationEvent *ev, const char *ctrl, char *buf,
                         size_t size)
{
    char oldh[2 * MUTATION_SAMPLE + 1], newh[2 * MUTATION_SAMPLE + 1];
    char name[128];
    char guards[160] = "";

    hex(oldh, ev->old_bytes, ev->sample_len);
    hex(newh, ev->new_bytes, ev->sample_len);
    json_string(name, sizeof(name), ctrl);
    if (ev->has_guard) {
        snprintf(guards, sizeof(guards),
                 ",\"guard_host\":\"0x%" PRIx64
                 "\",\"guard_first\":\"0x%" PRIx64
                 "\",\"guard_last\":\"0x%" PRIx64 "\"",
                 ev->guard_host, ev->guard_first, ev->guard_last);
    }
    return snprintf(
        buf, size,
        "{\"time_ns\":%" PRIu64 ",\"ctrl\":\"%s\",\"nsid\":%" PRIu32
        ",\"sqid\":%u,\"cid\":%u,\"opcode\":%u,\"slba\":%" PRIu64
        ",\"nlb\":%" PRIu32 ",\"lba\":%" PRIu64 ",\"offset\":%" PRIu64
        ",\"bytes_changed\":%" PRIu64 ",\"lines_changed\":%" PRIu64
        ",\"reads\":%" PRIu32 ",\"reads_differing\":%" PRIu32
        ",\"old\":\"%s\",\"new\":\"%s\"%s,\"outcome\":\"%s\"}",
        ev->time_ns, name, ev->nsid, ev->sqid, ev->cid, ev->opcode, ev->slba,
        ev->nlb, ev->first_lba, ev->first_offset, ev->bytes_changed,
        ev->lines_changed, ev->nreads, ev->reads_differing, oldh, newh, guards,
        mutation_outcome_name(ev->outcome));
}

void mutation_count_cut(MutationCounters *c, const MutationCut *cut)
{
    c->cut_writes++;
    switch (cut->policy) {
    case DMA_CUT_FIRST:
        c->cut_first++;
        break;
    case DMA_CUT_LAST:
        c->cut_last++;
        break;
    case DMA_CUT_TORN:
        c->cut_torn++;
        break;
    case DMA_CUT_NONE:
    default:
        c->cut_none++;
        break;
    }
}

int mutation_format_cut_json(const MutationCut *cut, const char *ctrl,
                             char *buf, size_t size)
{
    char name[128];

    json_string(name, sizeof(name), ctrl);
    return snprintf(
        buf, size,
        "{\"time_ns\":%" PRIu64 ",\"event\":\"power-cut\",\"ctrl\":\"%s\""
        ",\"nsid\":%" PRIu32 ",\"sqid\":%u,\"cid\":%u,\"opcode\":%u"
        ",\"slba\":%" PRIu64 ",\"nlb\":%" PRIu32 ",\"reads\":%" PRIu32
        ",\"bytes_changed\":%" PRIu64 ",\"bytes_persisted\":%" PRIu64
        ",\"outcome\":\"cut-%s\"}",
        cut->time_ns, name, cut->nsid, cut->sqid, cut->cid, cut->opcode,
        cut->slba, cut->nlb, cut->reads, cut->bytes_changed,
        cut->bytes_persisted, dma_power_cut_name(cut->policy));
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
    int i;

    for (i = 0; i < n; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

/* A little-endian field of the log page, whatever its width. */
#define PUT(field, v) put_le(p->field, (v), sizeof(p->field))

void mutation_log_page(const MutationCounters *c, const MutationEvent *last,
                       uint8_t buf[MUTATION_LOG_PAGE_SIZE])
{
    MutationLogPage *p = (MutationLogPage *)buf;

    memset(buf, 0, MUTATION_LOG_PAGE_SIZE);
    memcpy(p->signature, MUTATION_LOG_SIGNATURE, sizeof(p->signature));
    PUT(version, MUTATION_LOG_VERSION);
    PUT(writes_checked, c->writes_checked);
    PUT(events, c->events);
    PUT(pi_errors, c->pi_errors);
    PUT(persisted_first, c->persisted_first);
    PUT(persisted_last, c->persisted_last);
    PUT(persisted_torn, c->persisted_torn);
    PUT(bytes_changed, c->bytes_changed);
    if (!last || c->events == 0) {
        return;
    }
    PUT(last_time_ns, last->time_ns);
    PUT(last_nsid, last->nsid);
    PUT(last_cid, last->cid);
    p->last_opcode = last->opcode;
    p->last_outcome = (uint8_t)last->outcome;
    PUT(last_slba, last->slba);
    PUT(last_nlb, last->nlb);
    PUT(last_sqid, last->sqid);
    PUT(last_first_offset, last->first_offset);
    PUT(last_bytes_changed, last->bytes_changed);
    PUT(last_lines_changed, last->lines_changed);
    PUT(last_guard_host, last->guard_host);
    PUT(last_guard_first, last->guard_first);
    PUT(last_guard_last, last->guard_last);
    memcpy(p->last_old_bytes, last->old_bytes, last->sample_len);
    memcpy(p->last_new_bytes, last->new_bytes, last->sample_len);
    PUT(last_first_lba, last->first_lba);
    p->last_sample_len = last->sample_len;
}
