/*
 * options.c - command line: parsing, validation that needs no target, help
 *
 * Checks that need the target (block size against the device's logical
 * block size, size against the device) live in target.c.
 */
#include "dio-torture.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define ONCE_AFTER_USAGE \
    "wants once-after=MICROSECONDS[,bytes=N][,from=call|return]"

/* One source line per output line, so the text reads as printed. */
/* clang-format off */
static const char usage_text[] =
    "Usage: dio-torture --target PATH [options]\n"
    "\n"
    "Write self-describing blocks with O_DIRECT while (optionally) changing the\n"
    "write buffer in flight, then read everything back and say what landed.\n"
    "Results: one JSON object on stdout (none after a usage error, exit 3).\n"
    "Human diagnostics and progress go to stderr.\n"
    "\n"
    "Target:\n"
    "  -t, --target PATH     block device (opened O_EXCL) or regular file\n"
    "                        (created and extended to offset+size)\n"
    "  -s, --size SIZE       bytes to use (default: device size minus offset,\n"
    "                        or the existing file's size)\n"
    "  -o, --offset SIZE     first byte to use (default 0; a multiple of the\n"
    "                        logical block size)\n"
    "  -b, --bs SIZE         bytes per write (default 4096); a multiple of the\n"
    "                        logical block size (BLKSSZGET) or of the file's\n"
    "                        direct-I/O alignment (statx, else st_blksize)\n"
    "  SIZE takes k/m/g/t suffixes (powers of 1024), e.g. 4k, 64M.\n"
    "\n"
    "I/O:\n"
    "  -e, --engine NAME     psync (pwrite), libaio, io_uring (default psync)\n"
    "  -d, --iodepth N       writes in flight per thread (default 1 for psync,\n"
    "                        8 otherwise; psync is always 1)\n"
    "  -j, --threads N       writer threads, each on its own block range (default 1)\n"
    "  -p, --pattern P       seq or rand order of blocks (default seq)\n"
    "  -n, --count N         stop after N writes in total\n"
    "  -D, --duration SEC    stop after SEC seconds (decimals allowed)\n"
    "                        Neither: write every block once.  Both: first wins.\n"
    "      --seed N          content seed (default: from the clock; always\n"
    "                        reported in the JSON)\n"
    "\n"
    "Buffer mutation while a write is in flight (--mutate MODE):\n"
    "  none                  never touch a submitted buffer (default)\n"
    "  continuous            a mutator thread rewrites the whole buffer with a\n"
    "                        new generation, again and again, from just before\n"
    "                        submission until completion (fstests generic/761)\n"
    "  once-after=US[,bytes=N][,from=call|return]\n"
    "                        US microseconds after submission (CLOCK_MONOTONIC,\n"
    "                        busy wait in the mutator thread) rewrite N bytes\n"
    "                        from byte 64 (default: the whole block) once;\n"
    "                        submission is the submit call (default) or, with\n"
    "                        from=return, its return\n"
    "  page-reuse            rewrite the whole buffer as soon as the submit\n"
    "                        call returns, before completion (how a VM guest\n"
    "                        reuses a page); libaio and io_uring only\n"
    "  partial[,at=N]        continuously rewrite one 64-byte cache line (at\n"
    "                        byte N, default the middle of the block)\n"
    "\n"
    "Verify in a later boot (power cuts, RAID resync, degraded reads):\n"
    "      --journal PATH    record every write's seed and sequence before it\n"
    "                        is submitted (durably) on PATH, a device or file\n"
    "                        OUTSIDE the target (4 KiB + 32 bytes per write)\n"
    "      --verify-only     write nothing: read every block of the target\n"
    "                        and classify it against --journal: last (the\n"
    "                        last write's content, at submission or as\n"
    "                        rewritten in flight), earlier (an earlier\n"
    "                        write's), never (all zero), mixed (torn between\n"
    "                        writes and/or zero), neither (content no\n"
    "                        submitted version explains: exit 2).  Seed, block\n"
    "                        size, offset and size come from the journal;\n"
    "                        --offset reads the blocks elsewhere (an md leg\n"
    "                        at its data offset) under the same identity\n"
    "\n"
    "Verification:\n"
    "      --verify          read back and classify every written block (default)\n"
    "      --no-verify       skip the read-back\n"
    "      --stop-before-verify\n"
    "                        after the write phase stop (SIGSTOP) until sent\n"
    "                        SIGCONT, so another program can change the\n"
    "                        target before the read-back (the self-test's\n"
    "                        silent corruption)\n"
    "  Classes: ok_first (content at submission), ok_last (content at\n"
    "  completion), ok_mid (one generation in between), torn (a mix of those),\n"
    "  write_failed (last write returned an error), read_failed, and\n"
    "  silent_mismatch (content nothing legitimate explains, no error).\n"
    "\n"
    "      --await-mutation  (libaio, io_uring; continuous, partial, once-after)\n"
    "                        count a write as done only after the mutator\n"
    "                        rewrote its buffer at least once, so every write\n"
    "                        is mutated whatever the scheduling; the rewrite\n"
    "                        may come after the device read the buffer (then\n"
    "                        the block reads back ok_first)\n"
    "\n"
    "Other:\n"
    "      --kmsg            write start/end markers to /dev/kmsg\n"
    "      --per-write       list every write in the JSON (\"per_write\": seq,\n"
    "                        offset, errno, rewrites k, and in ns from the\n"
    "                        submit call: its return, the first rewrite, the\n"
    "                        completion): the first --count\n"
    "                        (at most 2^20) writes; the rest are counted in\n"
    "                        per_write_dropped\n"
    "  -q, --quiet           no diagnostics on stderr except errors\n"
    "  -v, --verbose         progress on stderr once a second\n"
    "      --self-test       check the block format and classifier, no I/O\n"
    "  -V, --version         print the version\n"
    "  -h, --help            this text\n"
    "\n"
    "Exit status (first that applies, in this order):\n"
    "  3  usage error (bad option or value; nothing was written)\n"
    "  2  silent mismatch: data read back wrong with no error reported\n"
    "  1  write or read errors (EILSEQ = integrity/PI error, EIO, other)\n"
    "  4  setup or runtime failure (cannot open, submit failed, ...);\n"
    "     a finding (2 or 1) made before the failure still wins\n"
    "  0  clean: every block ok_*, ok_mid or torn, no errors\n"
    "A torn block is not an error: the buffer really held that data.\n";
/* clang-format on */

void dt_usage(FILE *f)
{
    fputs(usage_text, f);
}

static int bad(const char *opt, const char *val, const char *why)
{
    fprintf(stderr, "dio-torture: %s: '%s' %s (see --help)\n", opt, val, why);
    return DT_EXIT_USAGE;
}

static int parse_u64(const char *opt, const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;

    errno = 0;
    if (*s == '-' || *s == '\0') {
        return bad(opt, s, "is not a non-negative integer");
    }
    v = strtoull(s, &end, 0);
    if (errno || *end) {
        return bad(opt, s, "is not a non-negative integer");
    }
    *out = v;
    return 0;
}

static int parse_size(const char *opt, const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;
    unsigned shift = 0;

    errno = 0;
    if (*s == '-' || *s == '\0') {
        return bad(opt, s, "is not a size (examples: 4096, 4k, 64M)");
    }
    v = strtoull(s, &end, 0);
    if (errno || end == s) {
        return bad(opt, s, "is not a size (examples: 4096, 4k, 64M)");
    }
    switch (*end) {
    case 'k':
    case 'K':
        shift = 10;
        break;
    case 'm':
    case 'M':
        shift = 20;
        break;
    case 'g':
    case 'G':
        shift = 30;
        break;
    case 't':
    case 'T':
        shift = 40;
        break;
    case '\0':
        break;
    default:
        return bad(opt, s, "is not a size (examples: 4096, 4k, 64M)");
    }
    if (*end) {
        end++;
        if (!strcmp(end, "iB") || !strcmp(end, "B") || !strcmp(end, "b")) {
            end += strlen(end);
        }
    }
    if (*end) {
        return bad(opt, s, "is not a size (examples: 4096, 4k, 64M)");
    }
    if (shift && v > (UINT64_MAX >> shift)) {
        return bad(opt, s, "is too large");
    }
    *out = (uint64_t)v << shift;
    return 0;
}

static int parse_mutate(const char *s, struct dt_config *cfg)
{
    const char *opt = "--mutate";

    if (!strcmp(s, "none")) {
        cfg->mutate = DT_MUT_NONE;
    } else if (!strcmp(s, "continuous")) {
        cfg->mutate = DT_MUT_CONTINUOUS;
    } else if (!strcmp(s, "page-reuse")) {
        cfg->mutate = DT_MUT_PAGE_REUSE;
    } else if (!strncmp(s, "partial", 7) && (s[7] == '\0' || s[7] == ',')) {
        uint64_t at;

        cfg->mutate = DT_MUT_PARTIAL;
        if (s[7] == ',') {
            if (strncmp(s + 8, "at=", 3) || parse_size(opt, s + 11, &at) != 0) {
                return bad(opt, s, "wants partial[,at=BYTE]");
            }
            cfg->partial_at = (int64_t)at;
        }
    } else if (!strncmp(s, "once-after=", 11)) {
        char num[32];
        const char *comma = strchr(s + 11, ',');
        size_t len = comma ? (size_t)(comma - (s + 11)) : strlen(s + 11);
        uint64_t bytes;

        cfg->mutate = DT_MUT_ONCE_AFTER;
        if (len == 0 || len >= sizeof(num)) {
            return bad(opt, s, ONCE_AFTER_USAGE);
        }
        memcpy(num, s + 11, len);
        num[len] = '\0';
        if (parse_u64(opt, num, &cfg->once_after_us) != 0) {
            return DT_EXIT_USAGE;
        }
        /* Sub-options, in any order: bytes=N, from=call|return. */
        while (comma) {
            const char *item = comma + 1;

            comma = strchr(item, ',');
            len = comma ? (size_t)(comma - item) : strlen(item);
            if (len > 6 && !strncmp(item, "bytes=", 6)) {
                if (len - 6 >= sizeof(num)) {
                    return bad(opt, s, ONCE_AFTER_USAGE " with 0 < N");
                }
                memcpy(num, item + 6, len - 6);
                num[len - 6] = '\0';
                if (parse_size(opt, num, &bytes) != 0 || bytes == 0 ||
                    bytes > UINT32_MAX) {
                    return bad(opt, s, ONCE_AFTER_USAGE " with 0 < N");
                }
                cfg->mut_bytes = (uint32_t)bytes;
            } else if (len == 9 && !strncmp(item, "from=call", 9)) {
                cfg->once_after_return = false;
            } else if (len == 11 && !strncmp(item, "from=return", 11)) {
                cfg->once_after_return = true;
            } else {
                return bad(opt, s, ONCE_AFTER_USAGE);
            }
        }
    } else {
        return bad(opt, s,
                   "is not one of none, continuous, "
                   "once-after=US[,bytes=N][,from=call|return], "
                   "page-reuse, partial[,at=N]");
    }
    return 0;
}

const char *dt_engine_name(enum dt_engine_kind e)
{
    switch (e) {
    case DT_ENGINE_LIBAIO:
        return "libaio";
    case DT_ENGINE_URING:
        return "io_uring";
    default:
        return "psync";
    }
}

const char *dt_mutate_name(enum dt_mutate m)
{
    switch (m) {
    case DT_MUT_CONTINUOUS:
        return "continuous";
    case DT_MUT_ONCE_AFTER:
        return "once-after";
    case DT_MUT_PAGE_REUSE:
        return "page-reuse";
    case DT_MUT_PARTIAL:
        return "partial";
    default:
        return "none";
    }
}

const char *dt_pattern_name(enum dt_pattern p)
{
    return p == DT_PAT_RAND ? "rand" : "seq";
}

enum {
    OPT_SEED = 256,
    OPT_VERIFY,
    OPT_NO_VERIFY,
    OPT_KMSG,
    OPT_SELF_TEST,
    OPT_MUTATE,
    OPT_PER_WRITE,
    OPT_JOURNAL,
    OPT_VERIFY_ONLY,
    OPT_AWAIT_MUTATION,
    OPT_STOP_BEFORE_VERIFY,
};

int dt_parse_options(int argc, char **argv, struct dt_config *cfg)
{
    static const struct option longopts[] = {
        { "target", required_argument, NULL, 't' },
        { "size", required_argument, NULL, 's' },
        { "offset", required_argument, NULL, 'o' },
        { "bs", required_argument, NULL, 'b' },
        { "engine", required_argument, NULL, 'e' },
        { "iodepth", required_argument, NULL, 'd' },
        { "threads", required_argument, NULL, 'j' },
        { "pattern", required_argument, NULL, 'p' },
        { "count", required_argument, NULL, 'n' },
        { "duration", required_argument, NULL, 'D' },
        { "seed", required_argument, NULL, OPT_SEED },
        { "mutate", required_argument, NULL, OPT_MUTATE },
        { "verify", no_argument, NULL, OPT_VERIFY },
        { "no-verify", no_argument, NULL, OPT_NO_VERIFY },
        { "kmsg", no_argument, NULL, OPT_KMSG },
        { "per-write", no_argument, NULL, OPT_PER_WRITE },
        { "journal", required_argument, NULL, OPT_JOURNAL },
        { "verify-only", no_argument, NULL, OPT_VERIFY_ONLY },
        { "await-mutation", no_argument, NULL, OPT_AWAIT_MUTATION },
        { "stop-before-verify", no_argument, NULL, OPT_STOP_BEFORE_VERIFY },
        { "self-test", no_argument, NULL, OPT_SELF_TEST },
        { "quiet", no_argument, NULL, 'q' },
        { "verbose", no_argument, NULL, 'v' },
        { "version", no_argument, NULL, 'V' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    bool depth_given = false, bs_given = false;
    uint64_t v;
    int c, rc;

    memset(cfg, 0, sizeof(*cfg));
    cfg->bs = 4096;
    cfg->iodepth = 1;
    cfg->threads = 1;
    cfg->verify = true;
    cfg->verbose = 1;
    cfg->partial_at = -1;

    opterr = 0;
    while ((c = getopt_long(argc, argv, ":t:s:o:b:e:d:j:p:n:D:qvVh", longopts,
                            NULL)) != -1) {
        const char *name = "option";
        char namebuf[64];

        if (optind > 1 && optind - 1 < argc) {
            snprintf(namebuf, sizeof(namebuf), "%s", argv[optind - 1]);
            name = namebuf;
        }
        rc = 0;
        switch (c) {
        case 't':
            cfg->target = optarg;
            break;
        case 's':
            rc = parse_size("--size", optarg, &cfg->size);
            if (!rc && cfg->size == 0) {
                rc = bad("--size", optarg, "must be more than 0");
            }
            break;
        case 'o':
            rc = parse_size("--offset", optarg, &cfg->offset);
            cfg->offset_given = true;
            break;
        case 'b':
            rc = parse_size("--bs", optarg, &v);
            if (!rc && (v < 512 || v > (64u << 20) || v % 512)) {
                rc = bad("--bs", optarg,
                         "must be a multiple of 512 between 512 and 64M");
            }
            cfg->bs = (uint32_t)v;
            bs_given = true;
            break;
        case 'e':
            if (!strcmp(optarg, "psync")) {
                cfg->engine = DT_ENGINE_PSYNC;
            } else if (!strcmp(optarg, "libaio")) {
                cfg->engine = DT_ENGINE_LIBAIO;
            } else if (!strcmp(optarg, "io_uring") ||
                       !strcmp(optarg, "uring")) {
                cfg->engine = DT_ENGINE_URING;
            } else {
                rc = bad("--engine", optarg,
                         "is not one of psync, libaio, io_uring");
            }
            break;
        case 'd':
            rc = parse_u64("--iodepth", optarg, &v);
            if (!rc && (v < 1 || v > 4096)) {
                rc = bad("--iodepth", optarg, "must be between 1 and 4096");
            }
            cfg->iodepth = (unsigned)v;
            depth_given = true;
            break;
        case 'j':
            rc = parse_u64("--threads", optarg, &v);
            if (!rc && (v < 1 || v > 256)) {
                rc = bad("--threads", optarg, "must be between 1 and 256");
            }
            cfg->threads = (unsigned)v;
            break;
        case 'p':
            if (!strcmp(optarg, "seq")) {
                cfg->pattern = DT_PAT_SEQ;
            } else if (!strcmp(optarg, "rand")) {
                cfg->pattern = DT_PAT_RAND;
            } else {
                rc = bad("--pattern", optarg, "is not seq or rand");
            }
            break;
        case 'n':
            rc = parse_u64("--count", optarg, &cfg->count);
            if (!rc && cfg->count == 0) {
                rc = bad("--count", optarg, "must be at least 1");
            }
            break;
        case 'D': {
            char *end;

            errno = 0;
            cfg->duration = strtod(optarg, &end);
            if (errno || *end || end == optarg || !(cfg->duration > 0) ||
                cfg->duration > 1e7) {
                rc = bad("--duration", optarg,
                         "is not a number of seconds above 0");
            }
            break;
        }
        case OPT_SEED:
            rc = parse_u64("--seed", optarg, &cfg->seed);
            cfg->seed_given = true;
            break;
        case OPT_MUTATE:
            rc = parse_mutate(optarg, cfg);
            break;
        case OPT_VERIFY:
            cfg->verify = true;
            break;
        case OPT_NO_VERIFY:
            cfg->verify = false;
            break;
        case OPT_KMSG:
            cfg->kmsg = true;
            break;
        case OPT_PER_WRITE:
            cfg->per_write = true;
            break;
        case OPT_JOURNAL:
            cfg->journal = optarg;
            break;
        case OPT_VERIFY_ONLY:
            cfg->verify_only = true;
            break;
        case OPT_AWAIT_MUTATION:
            cfg->await_mutation = true;
            break;
        case OPT_STOP_BEFORE_VERIFY:
            cfg->stop_before_verify = true;
            break;
        case OPT_SELF_TEST:
            cfg->self_test = true;
            break;
        case 'q':
            cfg->verbose = 0;
            break;
        case 'v':
            cfg->verbose = 2;
            break;
        case 'V':
            printf("dio-torture %s\n", DT_VERSION);
            return DT_EXIT_CLEAN;
        case 'h':
            dt_usage(stdout);
            return DT_EXIT_CLEAN;
        case ':':
            fprintf(stderr, "dio-torture: %s needs a value (see --help)\n",
                    name);
            return DT_EXIT_USAGE;
        default:
            fprintf(stderr, "dio-torture: unknown option '%s' (see --help)\n",
                    name);
            return DT_EXIT_USAGE;
        }
        if (rc) {
            return rc;
        }
    }
    if (optind < argc) {
        fprintf(stderr,
                "dio-torture: unexpected argument '%s'; the target is given "
                "with --target (see --help)\n",
                argv[optind]);
        return DT_EXIT_USAGE;
    }
    if (cfg->self_test) {
        return -1;
    }
    if (!cfg->target) {
        fprintf(stderr, "dio-torture: --target is required (see --help)\n");
        return DT_EXIT_USAGE;
    }
    if (cfg->verify_only && !cfg->journal) {
        fprintf(stderr, "dio-torture: --verify-only needs --journal PATH, "
                        "the journal an earlier run kept (see --help)\n");
        return DT_EXIT_USAGE;
    }
    if (cfg->verify_only && (cfg->size || cfg->seed_given || bs_given)) {
        fprintf(stderr, "dio-torture: --verify-only takes --size, --seed and "
                        "--bs from the journal; leave them out (see "
                        "--help)\n");
        return DT_EXIT_USAGE;
    }
    if (cfg->journal && cfg->target && !strcmp(cfg->journal, cfg->target)) {
        fprintf(stderr, "dio-torture: --journal must be outside the "
                        "target, not the target itself\n");
        return DT_EXIT_USAGE;
    }
    if (cfg->engine == DT_ENGINE_PSYNC) {
        if (depth_given && cfg->iodepth > 1) {
            dt_log(cfg, 1,
                   "--iodepth %u ignored: psync has one write in "
                   "flight per thread",
                   cfg->iodepth);
        }
        cfg->iodepth = 1;
        if (cfg->mutate == DT_MUT_PAGE_REUSE) {
            return bad("--mutate", "page-reuse",
                       "needs an asynchronous engine (--engine libaio or "
                       "io_uring): with psync the submit call returns only "
                       "after completion");
        }
        if (cfg->await_mutation) {
            fprintf(stderr,
                    "dio-torture: --await-mutation needs an asynchronous "
                    "engine (--engine libaio or io_uring): with psync the "
                    "write is complete when the submit call returns "
                    "(see --help)\n");
            return DT_EXIT_USAGE;
        }
    } else if (!depth_given) {
        cfg->iodepth = 8;
    }
    if (cfg->await_mutation && cfg->mutate != DT_MUT_CONTINUOUS &&
        cfg->mutate != DT_MUT_PARTIAL && cfg->mutate != DT_MUT_ONCE_AFTER) {
        fprintf(stderr,
                "dio-torture: --await-mutation waits for the mutator thread: "
                "use it with --mutate continuous, partial or once-after "
                "(see --help)\n");
        return DT_EXIT_USAGE;
    }
    if (cfg->mutate == DT_MUT_PARTIAL && cfg->partial_at >= 0 &&
        (uint64_t)cfg->partial_at + 64 > cfg->bs) {
        char val[32];

        snprintf(val, sizeof(val), "partial,at=%" PRId64, cfg->partial_at);
        return bad("--mutate", val, "puts the cache line past --bs");
    }
    if (cfg->mutate == DT_MUT_ONCE_AFTER && cfg->mut_bytes &&
        cfg->mut_bytes > cfg->bs - DT_HDR_BYTES) {
        cfg->mut_bytes = 0; /* the whole block */
    }
    return -1;
}
