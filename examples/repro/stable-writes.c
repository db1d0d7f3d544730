/*
 * stable-writes.c - a reproducer in the style of the "stable writes"
 * reports: threads write one buffer to a file with O_DIRECT while
 * another thread keeps memset()ing it.  Whatever checksums the data
 * before the device reads it (btrfs data checksums, PI, RAID parity)
 * then disagrees with what lands on disk; reading the file back shows
 * it (btrfs: EIO and "csum failed" in the kernel log).
 *
 *   stable-writes [FILE] [WRITES-PER-THREAD] [THREADS]
 *     FILE defaults to ./stable-writes.dat (pit repro runs it in $MNT)
 *
 * Exit status: 0 every write and the read-back succeeded, 1 a write or
 * the read-back failed, 2 usage or setup error.
 * Build: cc -O2 -static -pthread -o stable-writes stable-writes.c
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BS 4096

static unsigned char *buf;
static int fd;
static long per_thread = 256;
static atomic_int done, write_errors;

static void *mutator(void *arg)
{
    unsigned v = 0;

    (void)arg;
    while (!atomic_load(&done)) {
        memset(buf, v++ & 0xff, BS);
    }
    return NULL;
}

static void *writer(void *arg)
{
    long t = (long)arg;

    for (long i = 0; i < per_thread; i++) {
        off_t off = ((off_t)t * per_thread + i) * BS;
        if (pwrite(fd, buf, BS, off) != BS) {
            atomic_fetch_add(&write_errors, 1);
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "stable-writes.dat";
    long threads = argc > 3 ? strtol(argv[3], NULL, 0) : 2;
    pthread_t mt, wt[16];
    unsigned char rb[BS];
    long read_errors = 0, blocks;

    if (argc > 2) {
        per_thread = strtol(argv[2], NULL, 0);
    }
    if (per_thread < 1 || threads < 1 || threads > 16) {
        fprintf(stderr, "usage: stable-writes [FILE] [WRITES] [THREADS<=16]\n");
        return 2;
    }
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_DIRECT, 0644);
    if (fd < 0 || posix_memalign((void **)&buf, BS, BS)) {
        fprintf(stderr, "stable-writes: open %s: %s\n", path, strerror(errno));
        return 2;
    }
    memset(buf, 0, BS);
    pthread_create(&mt, NULL, mutator, NULL);
    for (long t = 0; t < threads; t++) {
        pthread_create(&wt[t], NULL, writer, (void *)t);
    }
    for (long t = 0; t < threads; t++) {
        pthread_join(wt[t], NULL);
    }
    atomic_store(&done, 1);
    pthread_join(mt, NULL);
    fsync(fd);
    close(fd);

    /* read it back from the disk, not from the page cache */
    int dc = open("/proc/sys/vm/drop_caches", O_WRONLY);
    if (dc >= 0) {
        sync();
        if (write(dc, "3\n", 2) != 2) {
            perror("stable-writes: drop_caches");
        }
        close(dc);
    }
    fd = open(path, O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "stable-writes: reopen %s: %s\n", path,
                strerror(errno));
        return 2;
    }
    blocks = threads * per_thread;
    for (long b = 0; b < blocks; b++) {
        if (pread(fd, rb, BS, (off_t)b * BS) != BS) {
            read_errors++;
        }
    }
    close(fd);
    printf("stable-writes: %ld blocks, %d write errors, %ld read-back "
           "errors\n",
           blocks, atomic_load(&write_errors), read_errors);
    return write_errors || read_errors ? 1 : 0;
}
