/*
 * util.c - clock, PRNG, errno names and stderr logging
 */
#include "dio-torture.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

uint64_t dt_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t dt_rng_next(uint64_t *state)
{
    *state += 0x9e3779b97f4a7c15ULL;
    return dt_mix64(*state);
}

const char *dt_errno_name(int err)
{
    const char *name;

    if (err == 0) {
        return "SHORT";
    }
    name = strerrorname_np(err);
    return name ? name : "UNKNOWN";
}

void dt_log(const struct dt_config *cfg, int level, const char *fmt, ...)
{
    va_list ap;

    if (cfg && cfg->verbose < level) {
        return;
    }
    va_start(ap, fmt);
    fputs("dio-torture: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void dt_block_id_of(const struct dt_run *run, uint64_t blk,
                    struct dt_block_id *id)
{
    id->seed = run->cfg->seed;
    id->offset = run->cfg->offset + blk * run->cfg->bs;
    id->bs = run->cfg->bs;
}
