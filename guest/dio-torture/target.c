/*
 * target.c - open the block device or file, learn its alignment and size
 *
 * Everything here can fail because of the target rather than the program:
 * the caller gets DT_EXIT_USAGE for a request the target cannot satisfy
 * (block size, range) and DT_EXIT_RUNTIME when the target cannot be used.
 */
#include "dio-torture.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

static int open_blockdev(const struct dt_config *cfg, struct dt_target *tg,
                         char *msg, size_t msglen)
{
    int lbs = 0;
    uint64_t bytes = 0;

    /* O_EXCL on a block device: refuse it if mounted or claimed by md/dm. */
    tg->fd = open(cfg->target, O_RDWR | O_DIRECT | O_EXCL | O_CLOEXEC);
    if (tg->fd < 0) {
        int e = errno;

        snprintf(msg, msglen, "cannot open block device %s: %s%s", cfg->target,
                 strerror(e),
                 e == EBUSY ? " (mounted, or claimed by md/dm/another "
                              "exclusive opener?)"
                            : "");
        return DT_EXIT_RUNTIME;
    }
    if (ioctl(tg->fd, BLKSSZGET, &lbs) < 0 || lbs <= 0) {
        snprintf(msg, msglen, "%s: BLKSSZGET failed: %s", cfg->target,
                 strerror(errno));
        return DT_EXIT_RUNTIME;
    }
    if (ioctl(tg->fd, BLKGETSIZE64, &bytes) < 0) {
        snprintf(msg, msglen, "%s: BLKGETSIZE64 failed: %s", cfg->target,
                 strerror(errno));
        return DT_EXIT_RUNTIME;
    }
    tg->is_blockdev = true;
    tg->kind = "block";
    tg->lbs = (uint32_t)lbs;
    tg->mem_align = 4096;
    tg->dev_size = bytes;
    return 0;
}

static int open_file(const struct dt_config *cfg, struct dt_target *tg,
                     char *msg, size_t msglen)
{
    struct statx stx;
    struct stat st;
    bool existed = access(cfg->target, F_OK) == 0;

    if (!existed && cfg->size == 0) {
        snprintf(msg, msglen,
                 "--size is needed to create %s (it does not exist)",
                 cfg->target);
        return DT_EXIT_USAGE;
    }
    tg->fd = open(cfg->target, O_RDWR | O_CREAT | O_DIRECT | O_CLOEXEC, 0644);
    if (tg->fd < 0) {
        int e = errno;

        snprintf(msg, msglen, "cannot open %s: %s%s", cfg->target, strerror(e),
                 e == EINVAL ? " (does this filesystem support O_DIRECT?)"
                             : "");
        return DT_EXIT_RUNTIME;
    }
    tg->created = !existed;
    if (fstat(tg->fd, &st) < 0) {
        snprintf(msg, msglen, "fstat %s: %s", cfg->target, strerror(errno));
        return DT_EXIT_RUNTIME;
    }
    tg->kind = "file";
    tg->dev_size = (uint64_t)st.st_size;
    tg->lbs = (uint32_t)st.st_blksize;
    tg->mem_align = 4096;
    memset(&stx, 0, sizeof(stx));
    if (statx(tg->fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) == 0 &&
        (stx.stx_mask & STATX_DIOALIGN)) {
        if (stx.stx_dio_offset_align == 0) {
            snprintf(msg, msglen,
                     "%s: the filesystem reports no direct I/O support "
                     "(statx dio alignment 0)",
                     cfg->target);
            return DT_EXIT_RUNTIME;
        }
        tg->lbs = stx.stx_dio_offset_align;
        if (stx.stx_dio_mem_align > tg->mem_align) {
            tg->mem_align = stx.stx_dio_mem_align;
        }
    }
    return 0;
}

static int extend_file(const struct dt_config *cfg, struct dt_target *tg,
                       uint64_t want, char *msg, size_t msglen)
{
    if (tg->dev_size >= want) {
        return 0;
    }
    /* Allocate so the writes under test do not also allocate extents;
     * not every filesystem can, and a sparse file still works. */
    if (fallocate(tg->fd, 0, 0, (off_t)want) < 0 &&
        ftruncate(tg->fd, (off_t)want) < 0) {
        snprintf(msg, msglen, "cannot extend %s to %" PRIu64 " bytes: %s",
                 cfg->target, want, strerror(errno));
        return DT_EXIT_RUNTIME;
    }
    tg->dev_size = want;
    return 0;
}

int dt_target_open(const struct dt_config *cfg, struct dt_target *tg, char *msg,
                   size_t msglen)
{
    struct stat st;
    uint64_t size = cfg->size;
    int rc;

    memset(tg, 0, sizeof(*tg));
    tg->fd = -1;
    if (stat(cfg->target, &st) == 0 && S_ISBLK(st.st_mode)) {
        rc = open_blockdev(cfg, tg, msg, msglen);
    } else if (stat(cfg->target, &st) == 0 && !S_ISREG(st.st_mode)) {
        snprintf(msg, msglen,
                 "--target: %s is neither a block device nor a regular file",
                 cfg->target);
        return DT_EXIT_USAGE;
    } else {
        rc = open_file(cfg, tg, msg, msglen);
    }
    if (rc) {
        return rc;
    }

    if (cfg->bs % tg->lbs) {
        snprintf(
            msg, msglen,
            "--bs: %" PRIu32 " is not a multiple of the %s %" PRIu32 " of %s",
            cfg->bs,
            tg->is_blockdev ? "logical block size" : "direct I/O alignment",
            tg->lbs, cfg->target);
        return DT_EXIT_USAGE;
    }
    if (cfg->offset % tg->lbs) {
        snprintf(msg, msglen,
                 "--offset: %" PRIu64 " is not a multiple of the %s %" PRIu32
                 " of %s",
                 cfg->offset,
                 tg->is_blockdev ? "logical block size"
                                 : "direct I/O alignment",
                 tg->lbs, cfg->target);
        return DT_EXIT_USAGE;
    }
    if (size == 0) {
        if (tg->dev_size <= cfg->offset) {
            snprintf(msg, msglen,
                     "--size is needed: %s has %" PRIu64
                     " bytes, nothing past --offset %" PRIu64,
                     cfg->target, tg->dev_size, cfg->offset);
            return DT_EXIT_USAGE;
        }
        size = tg->dev_size - cfg->offset;
    }
    if (tg->is_blockdev &&
        (cfg->offset > tg->dev_size || size > tg->dev_size - cfg->offset)) {
        snprintf(msg, msglen,
                 "--offset/--size: %" PRIu64 "+%" PRIu64
                 " goes past the end of %s (%" PRIu64 " bytes)",
                 cfg->offset, size, cfg->target, tg->dev_size);
        return DT_EXIT_USAGE;
    }
    tg->nblocks = size / cfg->bs;
    tg->size = tg->nblocks * cfg->bs;
    if (tg->nblocks < cfg->threads) {
        snprintf(msg, msglen,
                 "--size: %" PRIu64 " bytes hold %" PRIu64
                 " blocks of --bs %" PRIu32 ", fewer than --threads %u",
                 size, tg->nblocks, cfg->bs, cfg->threads);
        return DT_EXIT_USAGE;
    }
    if (tg->size != size) {
        dt_log(cfg, 1,
               "using %" PRIu64 " bytes: --size rounded down to a "
               "multiple of --bs",
               tg->size);
    }
    if (!tg->is_blockdev) {
        return extend_file(cfg, tg, cfg->offset + tg->size, msg, msglen);
    }
    return 0;
}

void dt_region_for(const struct dt_config *cfg, struct dt_region *r)
{
    r->from = 0;
    r->len = cfg->bs;
    switch (cfg->mutate) {
    case DT_MUT_NONE:
        r->len = 0;
        break;
    case DT_MUT_ONCE_AFTER:
        if (cfg->mut_bytes) {
            r->from = DT_HDR_BYTES;
            r->len = (cfg->mut_bytes + 7) & ~7u;
            if (r->len > cfg->bs - r->from) {
                r->len = cfg->bs - r->from;
            }
        }
        break;
    case DT_MUT_PARTIAL:
        r->from =
            (uint32_t)(cfg->partial_at >= 0 ? cfg->partial_at : cfg->bs / 2) &
            ~63u;
        r->len = 64;
        break;
    default:
        break;
    }
}
