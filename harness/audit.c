/*
 * audit.c - `pit audit RUNDIR`: verify, on the host and with picore, the
 * PI of every written block in a run's backing images, independently of
 * the guest kernel that wrote them.
 *
 * The devices and their formats are read back from the run's
 * qemu.cmdline, so the audit checks exactly what QEMU was given.  The
 * image layout is QEMU nvme-ns's (and nvme-pi's, which keeps it): the
 * data of N = size / (lbs + ms) blocks, then N metadata entries of ms
 * bytes.  A block whose metadata is all zero was never written with PI
 * and is counted as unwritten, not checked.
 */
#include "audit.h"
#include "util.h"

#include "pi.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct AuditDev {
    char *id;
    char *drive;
    char *file;
    unsigned lbs, ms, pi, pil, pif;
} AuditDev;

static unsigned prop_uint(const char *props, const char *key, unsigned dflt)
{
    g_autofree char *k = g_strdup_printf(",%s=", key);
    const char *p = strstr(props, k);

    return p ? (unsigned)g_ascii_strtoull(p + strlen(k), NULL, 10) : dflt;
}

static char *prop_str(const char *props, const char *key)
{
    g_autofree char *k = g_strdup_printf("%s=", key);
    g_auto(GStrv) parts = g_strsplit(props, ",", -1);

    for (unsigned i = 0; parts[i]; i++) {
        if (g_str_has_prefix(parts[i], k)) {
            return g_strdup(parts[i] + strlen(k));
        }
    }
    return NULL;
}

static void dev_free(gpointer p)
{
    AuditDev *d = p;

    g_free(d->id);
    g_free(d->drive);
    g_free(d->file);
    g_free(d);
}

/* Namespaces with their drive file, from the QEMU argv. */
static GPtrArray *devices_of(char **argv)
{
    GPtrArray *devs = g_ptr_array_new_with_free_func(dev_free);
    g_autoptr(GHashTable) files =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

    for (unsigned i = 0; argv[i] && argv[i + 1]; i++) {
        if (!strcmp(argv[i], "-drive")) {
            g_hash_table_insert(files, prop_str(argv[i + 1], "id"),
                                prop_str(argv[i + 1], "file"));
        }
    }
    for (unsigned i = 0; argv[i] && argv[i + 1]; i++) {
        const char *a = argv[i + 1];
        if (strcmp(argv[i], "-device") || !(g_str_has_prefix(a, "nvme-ns,") ||
                                            g_str_has_prefix(a, "nvme-pi,"))) {
            continue;
        }
        AuditDev *d = g_new0(AuditDev, 1);
        g_autofree char *props = g_strdup_printf(",%s", a);
        d->drive = prop_str(a, "drive");
        d->id = g_str_has_prefix(a, "nvme-ns,") ? prop_str(a, "bus")
                                                : prop_str(a, "id");
        d->file =
            g_strdup(d->drive ? g_hash_table_lookup(files, d->drive) : NULL);
        d->lbs = prop_uint(props, "logical_block_size", 512);
        d->ms = prop_uint(props, "ms", 0);
        d->pi = prop_uint(props, "pi", 0);
        d->pil = prop_uint(props, "pil", 0);
        d->pif = prop_uint(props, "pif", 0);
        g_ptr_array_add(devs, d);
    }
    return devs;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i]) {
            return false;
        }
    }
    return true;
}

/* Returns the number of bad blocks, or -1 if the image cannot be read. */
static long audit_dev(const AuditDev *d, const char *rundir)
{
    g_autofree char *path = NULL;
    PiFormat fmt = { .block_size = d->lbs,
                     .meta_size = d->ms,
                     .extended = false,
                     .pi_first = d->pil != 0,
                     .pi_type = (uint8_t)d->pi,
                     .guard = (PiGuardFormat)d->pif };
    PiCtx ctx;
    struct stat st;
    uint64_t nblocks, written = 0, bad = 0;
    const uint8_t *img;
    int fd;

    if (!d->file) {
        fprintf(stderr, "pit audit: %s: no drive file on the command line\n",
                d->id);
        return -1;
    }
    /* the run dir may have moved since: prefer the file next to it */
    g_autofree char *base = g_path_get_basename(d->file);
    path = g_build_filename(rundir, base, NULL);
    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        g_free(path);
        path = g_strdup(d->file);
    }
    if (!d->pi) {
        printf("%-8s %s: no PI (pi=0), nothing to check\n", d->id, path);
        return 0;
    }
    if (pi_ctx_init(&ctx, &fmt, PI_PRCHK_GUARD | PI_PRCHK_REFTAG, 0, 0, 0) !=
        PI_OK) {
        fprintf(stderr,
                "pit audit: %s: format lbs=%u ms=%u pi=%u pif=%u is "
                "not valid\n",
                d->id, d->lbs, d->ms, d->pi, d->pif);
        return -1;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0) {
        fprintf(stderr, "pit audit: %s: %s\n", path, g_strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    nblocks = (uint64_t)st.st_size / (d->lbs + d->ms);
    img = st.st_size ? mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)
                     : MAP_FAILED;
    close(fd);
    if (img == MAP_FAILED) {
        fprintf(stderr, "pit audit: %s: cannot map\n", path);
        return -1;
    }
    const uint8_t *meta = img + nblocks * d->lbs;
    for (uint64_t lba = 0; lba < nblocks; lba++) {
        const uint8_t *m = meta + lba * d->ms;
        PiError err;
        if (all_zero(m, d->ms)) {
            continue;
        }
        written++;
        ctx.init_reftag = lba & ctx.reftag_mask;
        if (pi_verify(&ctx, img + lba * d->lbs, m, 1, &err) != PI_OK) {
            if (bad++ < 10) {
                printf("%-8s lba %" G_GUINT64_FORMAT ": %s check failed: "
                       "expected 0x%" G_GINT64_MODIFIER
                       "x, stored 0x%" G_GINT64_MODIFIER "x\n",
                       d->id, lba, pi_check_name(err.check), err.expected,
                       err.actual);
            }
        }
    }
    munmap((void *)img, st.st_size);
    printf("%-8s %s: %" G_GUINT64_FORMAT " blocks, %" G_GUINT64_FORMAT
           " written with PI, %" G_GUINT64_FORMAT " bad\n",
           d->id, path, nblocks, written, bad);
    return (long)bad;
}

int audit_cmd(int argc, char **argv)
{
    g_autofree char *cmdfile = NULL, *text = NULL;
    g_auto(GStrv) qargv = NULL;
    g_autoptr(GError) e = NULL;
    g_autoptr(GPtrArray) devs = NULL;
    long bad = 0;
    bool broken = false;

    if (argc != 2 || !strcmp(argv[1], "--help")) {
        printf("usage: pit audit RUNDIR\n"
               "Verify the PI (guard, reference tag) of every written block "
               "in the backing\nimages of one run "
               "(<out>/<kernel>/<scenario>/<repeat>), on the host.\n"
               "Exit 0 all good, 1 bad blocks found, 2 cannot audit.\n"
               "Not yet: RAID1/RAID5 consistency across member images.\n");
        return argc == 2 ? 0 : 2;
    }
    cmdfile = g_build_filename(argv[1], "qemu.cmdline", NULL);
    if (!g_file_get_contents(cmdfile, &text, NULL, &e) ||
        !g_shell_parse_argv(g_strstrip(text), NULL, &qargv, &e)) {
        fprintf(stderr, "pit audit: %s (is %s a run directory?)\n", e->message,
                argv[1]);
        return 2;
    }
    devs = devices_of(qargv);
    if (!devs->len) {
        fprintf(stderr, "pit audit: no NVMe namespace in %s\n", cmdfile);
        return 2;
    }
    for (unsigned i = 0; i < devs->len; i++) {
        long b = audit_dev(g_ptr_array_index(devs, i), argv[1]);
        if (b < 0) {
            broken = true;
        } else {
            bad += b;
        }
    }
    return broken ? 2 : bad ? 1 : 0;
}
