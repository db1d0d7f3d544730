/*
 * raw-pi-inflight.c - a small reproducer: O_DIRECT writes to a raw PI
 * namespace whose buffer is changed right after submission, while the
 * write is in flight.
 *
 * The block layer computes each block's PI guard from the buffer when
 * the write is submitted (inside io_submit); the device reads the buffer
 * later.  Changing it in between makes the device see data whose guard
 * does not match: the write fails (EILSEQ / EIO) and the kernel logs a
 * protection error.  On real hardware, and on QEMU's own nvme, that
 * happens only when the change wins the race against the device's DMA;
 * nvme-pi reads the buffer again after its dma-delay, so every write
 * whose buffer changed in that window fails.
 *
 *   raw-pi-inflight [DEVICE] [WRITES]     (DEVICE defaults to $DEV)
 *
 * Exit status: 0 every write succeeded, 1 some write failed, 2 usage or
 * setup error.  Build: cc -O2 -static -o raw-pi-inflight raw-pi-inflight.c -laio
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <libaio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BS 4096

int main(int argc, char **argv)
{
    const char *dev = argc > 1 ? argv[1] : getenv("DEV");
    long writes = argc > 2 ? strtol(argv[2], NULL, 0) : 64;
    io_context_t ctx = 0;
    struct iocb cb, *cbs[1] = { &cb };
    struct io_event ev;
    unsigned char *buf;
    long failed = 0;
    int fd, err;

    if (!dev || !*dev || writes < 1) {
        fprintf(stderr, "usage: raw-pi-inflight [DEVICE] [WRITES]\n");
        return 2;
    }
    fd = open(dev, O_RDWR | O_DIRECT);
    if (fd < 0) {
        fprintf(stderr, "raw-pi-inflight: open %s: %s\n", dev, strerror(errno));
        return 2;
    }
    if (posix_memalign((void **)&buf, BS, BS) || (err = io_setup(1, &ctx))) {
        fprintf(stderr, "raw-pi-inflight: setup failed\n");
        return 2;
    }
    for (long i = 0; i < writes; i++) {
        memset(buf, 0x10 + (i & 0x3f), BS);
        io_prep_pwrite(&cb, fd, buf, BS, (long long)i * BS);
        if (io_submit(ctx, 1, cbs) != 1) {
            fprintf(stderr, "raw-pi-inflight: io_submit failed\n");
            return 2;
        }
        /* the guard is computed; the device may not have read yet */
        memset(buf, 0xa5, BS);
        if (io_getevents(ctx, 1, 1, &ev, NULL) != 1) {
            fprintf(stderr, "raw-pi-inflight: io_getevents failed\n");
            return 2;
        }
        if ((long)ev.res != BS) {
            if (!failed++) {
                fprintf(stderr,
                        "raw-pi-inflight: write %ld (lba %ld) "
                        "failed: %s\n",
                        i, i,
                        (long)ev.res < 0 ? strerror(-(long)ev.res)
                                         : "short write");
            }
        }
    }
    io_destroy(ctx);
    close(fd);
    printf("raw-pi-inflight: %ld of %ld writes failed%s\n", failed, writes,
           failed ? " (buffer changed in flight)" : "");
    return failed ? 1 : 0;
}
