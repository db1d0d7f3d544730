/*
 * journal-io.c - create, append to and load the verify-later journal
 *
 * Records go through the page cache in index order under one lock, and a
 * submission record is followed by fdatasync() before the write it names
 * is submitted: when the sync returns, this record and every earlier one
 * are on the media, so the journal read after a power cut is a prefix of
 * what was appended with every submitted write in it.
 */
#include "dio-torture.h"
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LOAD_CHUNK_RECS 32768 /* 1 MiB */

static uint64_t make_nonce(void)
{
    struct timespec ts;
    uint64_t n;

    clock_gettime(CLOCK_REALTIME, &ts);
    n = dt_mix64((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^
                 ((uint64_t)getpid() << 12));
    return n ? n : 1;
}

static uint64_t journal_bytes(int fd, bool *is_blk)
{
    struct stat st;
    uint64_t bytes = 0;

    *is_blk = fstat(fd, &st) == 0 && S_ISBLK(st.st_mode);
    if (*is_blk) {
        if (ioctl(fd, BLKGETSIZE64, &bytes) < 0) {
            return 0;
        }
        return bytes;
    }
    return UINT64_MAX / 2; /* a file grows */
}

static ssize_t pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
    ssize_t r;

    do {
        r = pwrite(fd, buf, len, off);
    } while (r < 0 && errno == EINTR);
    return r;
}

int dt_journal_create(struct dt_journal *j, const char *path, uint64_t seed,
                      uint64_t offset, uint64_t bs, uint64_t nblocks, char *msg,
                      size_t msglen)
{
    static char page[DT_JOURNAL_HDR_BYTES];
    uint64_t bytes;
    bool is_blk;

    memset(j, 0, sizeof(*j));
    j->path = path;
    j->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (j->fd < 0) {
        snprintf(msg, msglen, "--journal: cannot open %s: %s", path,
                 strerror(errno));
        return -errno;
    }
    bytes = journal_bytes(j->fd, &is_blk);
    if (bytes < DT_JOURNAL_HDR_BYTES + 4096) {
        snprintf(msg, msglen,
                 "--journal: %s is too small (%llu bytes; it needs 4 KiB "
                 "plus 32 bytes per write)",
                 path, (unsigned long long)bytes);
        close(j->fd);
        return -ENOSPC;
    }
    j->capacity = (bytes - DT_JOURNAL_HDR_BYTES) / sizeof(struct dt_jrec);
    dt_journal_hdr_make(&j->hdr, make_nonce(), seed, offset, bs, nblocks);
    memset(page, 0, sizeof(page));
    memcpy(page, &j->hdr, sizeof(j->hdr));
    /* The first record page is cleared too: an old run's records there
     * would fail the seal anyway, this only makes the device read clean. */
    if (pwrite_all(j->fd, page, sizeof(page), 0) != (ssize_t)sizeof(page) ||
        (memset(page, 0, sizeof(page)),
         pwrite_all(j->fd, page, sizeof(page), DT_JOURNAL_HDR_BYTES) !=
             (ssize_t)sizeof(page)) ||
        fdatasync(j->fd) < 0) {
        snprintf(msg, msglen, "--journal: cannot write %s: %s", path,
                 strerror(errno));
        close(j->fd);
        return -EIO;
    }
    pthread_mutex_init(&j->lock, NULL);
    return 0;
}

static int append(struct dt_journal *j, enum dt_jrec_type type, uint64_t seq,
                  uint64_t blk, uint64_t k)
{
    struct dt_jrec r;
    off_t off;
    int rc = 0;

    pthread_mutex_lock(&j->lock);
    if (j->next >= j->capacity) {
        pthread_mutex_unlock(&j->lock);
        return -ENOSPC;
    }
    dt_jrec_make(&r, &j->hdr, j->next, type, seq, blk, k);
    off = DT_JOURNAL_HDR_BYTES + (off_t)(j->next * sizeof(r));
    if (pwrite_all(j->fd, &r, sizeof(r), off) != (ssize_t)sizeof(r)) {
        rc = errno ? -errno : -EIO;
    } else {
        j->next++;
    }
    pthread_mutex_unlock(&j->lock);
    return rc;
}

int dt_journal_submit(struct dt_journal *j, uint64_t seq, uint64_t blk)
{
    int rc = append(j, DT_JREC_SUBMIT, seq, blk, 0);

    if (rc == 0 && fdatasync(j->fd) < 0) {
        rc = -errno;
    }
    return rc;
}

int dt_journal_done(struct dt_journal *j, uint64_t seq, uint64_t blk,
                    uint32_t k)
{
    return append(j, DT_JREC_DONE, seq, blk, k);
}

int dt_journal_close(struct dt_journal *j)
{
    int rc = 0;

    if (j->fd < 0) {
        return 0;
    }
    if (fdatasync(j->fd) < 0) {
        rc = -errno;
    }
    close(j->fd);
    j->fd = -1;
    pthread_mutex_destroy(&j->lock);
    return rc;
}

int dt_journal_load(const char *path, struct dt_journal_hdr *h,
                    struct dt_journal_index *ix, char *msg, size_t msglen)
{
    struct dt_jrec *recs = NULL;
    size_t n = 0, cap = 0;
    bool is_blk, more = true;
    uint64_t bytes;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        snprintf(msg, msglen, "--journal: cannot open %s: %s", path,
                 strerror(errno));
        return DT_EXIT_RUNTIME;
    }
    bytes = journal_bytes(fd, &is_blk);
    if (pread(fd, h, sizeof(*h), 0) != (ssize_t)sizeof(*h) ||
        !dt_journal_hdr_valid(h)) {
        snprintf(msg, msglen,
                 "--journal: %s holds no dio-torture journal (was it "
                 "written with --journal by an earlier run?)",
                 path);
        close(fd);
        return DT_EXIT_USAGE;
    }
    /* Chunks until one holds a record that is not this run's. */
    while (more) {
        off_t off = DT_JOURNAL_HDR_BYTES + (off_t)(n * sizeof(*recs));
        ssize_t r;

        if ((uint64_t)off >= bytes) {
            break;
        }
        if (n + LOAD_CHUNK_RECS > cap) {
            struct dt_jrec *nr;

            cap = cap ? cap * 2 : LOAD_CHUNK_RECS;
            nr = realloc(recs, cap * sizeof(*recs));
            if (!nr) {
                free(recs);
                close(fd);
                snprintf(msg, msglen, "--journal: out of memory");
                return DT_EXIT_RUNTIME;
            }
            recs = nr;
        }
        r = pread(fd, recs + n, LOAD_CHUNK_RECS * sizeof(*recs), off);
        if (r <= 0) {
            break;
        }
        for (size_t i = 0; i < (size_t)r / sizeof(*recs); i++, n++) {
            if (!dt_jrec_type_of(&recs[n], h, n)) {
                more = false;
                break;
            }
        }
    }
    close(fd);
    if (!dt_journal_index_build(h, recs, n, ix)) {
        free(recs);
        snprintf(msg, msglen, "--journal: out of memory");
        return DT_EXIT_RUNTIME;
    }
    free(recs);
    return 0;
}
