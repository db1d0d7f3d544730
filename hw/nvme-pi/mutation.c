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

static void put_le(uint8_t *p, uint64_t v, int n)
{
    int i;

    for (i = 0; i < n; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

void mutation_log_page(const MutationCounters *c, const MutationEvent *last,
                       uint8_t buf[MUTATION_LOG_PAGE_SIZE])
{
    memset(buf, 0, MUTATION_LOG_PAGE_SIZE);
    memcpy(buf, MUTATION_LOG_SIGNATURE, 4);
    put_le(buf + 4, MUTATION_LOG_VERSION, 2);
    put_le(buf + 8, c->writes_checked, 8);
    put_le(buf + 16, c->events, 8);
    put_le(buf + 24, c->pi_errors, 8);
    put_le(buf + 32, c->persisted_first, 8);
    put_le(buf + 40, c->persisted_last, 8);
    put_le(buf + 48, c->persisted_torn, 8);
    put_le(buf + 56, c->bytes_changed, 8);
    if (!last || c->events == 0) {
        return;
    }
    put_le(buf + 64, last->time_ns, 8);
    put_le(buf + 72, last->nsid, 4);
    put_le(buf + 76, last->cid, 2);
    buf[78] = last->opcode;
    buf[79] = (uint8_t)last->outcome;
    put_le(buf + 80, last->slba, 8);
    put_le(buf + 88, last->nlb, 4);
    put_le(buf + 92, last->sqid, 2);
    put_le(buf + 96, last->first_offset, 8);
    put_le(buf + 104, last->bytes_changed, 8);
    put_le(buf + 112, last->lines_changed, 8);
    put_le(buf + 120, last->guard_host, 8);
    put_le(buf + 128, last->guard_first, 8);
    put_le(buf + 136, last->guard_last, 8);
    memcpy(buf + 144, last->old_bytes, last->sample_len);
    memcpy(buf + 160, last->new_bytes, last->sample_len);
    put_le(buf + 176, last->first_lba, 8);
    buf[184] = last->sample_len;
}
