/*
 * bench-crc: throughput of every CRC implementation in hw/nvme-pi/crc.c,
 * measured in one run so the figures are comparable.
 *
 * For CRC16 T10-DIF, CRC32C and CRC64-NVM, at 512 B, 4 KiB and 64 KiB
 * (the PI block sizes and a large transfer), prints GB/s per
 * implementation and the ratio of the fastest to the byte-table one.
 * Data stays in cache: this measures the CRC, not memory.
 *
 * Usage: bench-crc [milliseconds per measurement, default 200]
 * Not a test: timings are not pass/fail.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crc.h"

enum { ALGO_T10DIF, ALGO_CRC32C, ALGO_CRC64, ALGO__MAX };

static const char *const algo_names[ALGO__MAX] = { "CRC16 T10-DIF", "CRC32C",
                                                   "CRC64-NVM" };
static const size_t sizes[] = { 512, 4096, 65536 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

static volatile uint64_t sink;

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int available(int algo, CrcImpl impl)
{
    switch (algo) {
    case ALGO_T10DIF:
        return crc16_t10dif_impl(impl) != NULL;
    case ALGO_CRC32C:
        return crc32c_impl(impl) != NULL;
    default:
        return crc64_nvme_impl(impl) != NULL;
    }
}

/* Chain each call on the previous result, as a real caller would. */
static uint64_t run_n(int algo, CrcImpl impl, const uint8_t *buf, size_t len,
                      long n)
{
    uint64_t c = 0;
    long i;

    switch (algo) {
    case ALGO_T10DIF: {
        Crc16Fn f = crc16_t10dif_impl(impl);

        for (i = 0; i < n; i++) {
            c = f((uint16_t)c, buf, len);
        }
        break;
    }
    case ALGO_CRC32C: {
        Crc32Fn f = crc32c_impl(impl);

        for (i = 0; i < n; i++) {
            c = f((uint32_t)c, buf, len);
        }
        break;
    }
    default: {
        Crc64Fn f = crc64_nvme_impl(impl);

        for (i = 0; i < n; i++) {
            c = f(c, buf, len);
        }
        break;
    }
    }
    return c;
}

/* Best of several rounds: a shared VM is noisy, the best is repeatable. */
static double measure(int algo, CrcImpl impl, const uint8_t *buf, size_t len,
                      double budget)
{
    const int rounds = 5;
    double best = 0;
    long n = 1;
    int r;

    /* Calibrate to about budget / rounds per round. */
    for (;;) {
        double t0 = now(), dt;

        sink ^= run_n(algo, impl, buf, len, n);
        dt = now() - t0;
        if (dt > budget / rounds / 4) {
            n = (long)(n * (budget / rounds) / dt) + 1;
            break;
        }
        n *= 2;
    }
    for (r = 0; r < rounds; r++) {
        double t0 = now(), dt, gbs;

        sink ^= run_n(algo, impl, buf, len, n);
        dt = now() - t0;
        gbs = (double)len * n / dt / 1e9;
        if (gbs > best) {
            best = gbs;
        }
    }
    return best;
}

int main(int argc, char **argv)
{
    double budget = (argc > 1 ? atof(argv[1]) : 200) / 1000;
    uint8_t *buf = aligned_alloc(64, 65536);
    int algo;
    size_t s, i;

    if (!buf || budget <= 0) {
        fprintf(stderr, "usage: bench-crc [milliseconds per measurement]\n");
        return 1;
    }
    for (i = 0; i < 65536; i++) {
        buf[i] = (uint8_t)(i * 2654435761u >> 13);
    }

    printf("GB/s (1e9 bytes/s), data in cache, best of 5 rounds\n");
    for (algo = 0; algo < ALGO__MAX; algo++) {
        double table[NSIZES] = { 0 }, best[NSIZES] = { 0 };
        const char *best_name[NSIZES] = { 0 };
        CrcImpl impl;

        printf("\n%-14s %10s %10s %10s\n", algo_names[algo], "512 B", "4 KiB",
               "64 KiB");
        for (impl = CRC_IMPL_TABLE; impl < CRC_IMPL__MAX; impl++) {
            if (!available(algo, impl)) {
                continue;
            }
            printf("  %-12s", crc_impl_name(impl));
            for (s = 0; s < NSIZES; s++) {
                double g = measure(algo, impl, buf, sizes[s], budget);

                printf(" %10.2f", g);
                fflush(stdout);
                if (impl == CRC_IMPL_TABLE) {
                    table[s] = g;
                }
                if (g > best[s]) {
                    best[s] = g;
                    best_name[s] = crc_impl_name(impl);
                }
            }
            printf("\n");
        }
        printf("  %-12s", "best/table");
        for (s = 0; s < NSIZES; s++) {
            printf(" %9.1fx", best[s] / table[s]);
        }
        printf("\n  %-12s", "best is");
        for (s = 0; s < NSIZES; s++) {
            printf(" %10s", best_name[s]);
        }
        printf("\n");
    }
    free(buf);
    return 0;
}
