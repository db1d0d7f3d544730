/*
 * image.c - initramfs for a run.  The big image is built once per kernel
 * and variant (guest/mkimage caches it by its inputs; `image = full`
 * scenarios get the one with fio and stress-ng); the job is a
 * tiny uncompressed cpio appended per run, so passing a job needs no disk
 * or network in the guest and no image rebuild.
 */
#include "image.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

char *image_cache_name(const char *kernel_label, ScnImage variant)
{
    return g_strdup_printf("pit-%s%s.cpio.gz", kernel_label,
                           variant == SCN_IMAGE_FULL ? "-full" : "");
}

/*
 * Two pit processes may share a cache: the second waits for the first's
 * mkimage of the same image instead of writing the same file at once.
 * The lock is the file OUT.lock, held (flock) until closed.
 */
static int image_lock(const char *out, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(out);
    g_autofree char *path = g_strdup_printf("%s.lock", out);
    int fd;

    g_mkdir_with_parents(dir, 0755);
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 || flock(fd, LOCK_EX) < 0) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_FAILED, "cannot lock %s: %s",
                    path, g_strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    return fd;
}

char *image_for_kernel(const Kernel *k, ScnImage variant, GError **error)
{
    g_autofree char *mk =
        g_build_filename(pit_srcdir(), "guest", "mkimage", NULL);
    g_autofree char *out = NULL, *res = NULL, *name = NULL;
    g_autoptr(GError) e = NULL;

    if (!g_file_test(mk, G_FILE_TEST_IS_EXECUTABLE)) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_DEPENDENCY,
                    "%s is missing: pit needs the guest image builder "
                    "to boot scenarios; is the source tree complete?",
                    mk);
        return NULL;
    }
    /*
     * mkimage keys its own cache by every input (packages, kernel, init,
     * dio-torture, --full), so asking it every time is cheap and never
     * stale.  The link pit boots from is named by the variant too: one
     * `pit run` may boot both for the same kernel.
     */
    name = image_cache_name(k->label, variant);
    out = g_build_filename(pit_cache_dir(), "images", name, NULL);
    const char *full = variant == SCN_IMAGE_FULL ? "--full" : NULL;
    const char *argv[] = {
        mk, "--kernel-dir", k->dir, "--out", out, full, NULL
    };
    int lock = image_lock(out, error);
    if (lock < 0) {
        return NULL;
    }
    res = pit_run_capture(argv, &e);
    close(lock); /* releases the flock */
    if (!res || !g_file_test(out, G_FILE_TEST_IS_REGULAR)) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_FAILED,
                    "guest/mkimage%s failed for %s: %s",
                    variant == SCN_IMAGE_FULL ? " --full" : "", k->spec,
                    e ? e->message : "no image written");
        return NULL;
    }
    return g_steal_pointer(&out);
}

static void assign(GString *s, const char *key, const char *value)
{
    g_string_append_printf(s, "%s='", key);
    for (const char *p = value; *p; p++) {
        if (*p == '\'') {
            g_string_append(s, "'\\''");
        } else {
            g_string_append_c(s, *p);
        }
    }
    g_string_append(s, "'\n");
}

static char *subst_seed(const char *step, guint64 seed)
{
    g_auto(GStrv) parts = g_strsplit(step, "@SEED@", -1);
    g_autofree char *s = g_strdup_printf("%" G_GUINT64_FORMAT, seed);

    return g_strjoinv(s, parts);
}

/* The job of one boot; e NULL: the scenario's only boot. */
static char *job_text(const Scenario *s, const BootPlanEntry *e,
                      unsigned nboots, const char *run_id, unsigned timeout_s,
                      guint64 seed)
{
    GString *j = g_string_new("# nvme-pi job, written by pit\n");
    g_autoptr(GString) devs = g_string_new(NULL);
    g_autoptr(GString) steps = g_string_new(NULL);
    g_autofree char *t = g_strdup_printf("%u", timeout_s);
    char *const *step_list = e ? e->boot->steps : s->steps;
    bool md = e ? e->md_check : s->md_check;
    const char *fs = e ? e->fs_check : s->fs_check;

    for (unsigned i = 0; i < s->devices->len; i++) {
        const ScnDevice *d = g_ptr_array_index(s->devices, i);
        if (e && !e->present[i]) {
            continue; /* removed for this boot: the guest must not wait */
        }
        g_string_append_printf(devs, "%s%s=%s", devs->len ? " " : "", d->name,
                               d->serial);
        if (d->expect_format) {
            g_string_append_printf(devs, ":%s", d->expect_format);
            if (d->ms && strcmp(d->expect_format, "none")) {
                g_string_append_printf(devs, ":%u", d->ms);
            }
        }
    }
    for (unsigned i = 0; step_list[i]; i++) {
        g_autofree char *st = subst_seed(step_list[i], seed);
        g_string_append_printf(steps, "%s%s", i ? "\n" : "", st);
    }
    assign(j, "NVMEPI_RUN_ID", run_id);
    assign(j, "NVMEPI_TIMEOUT", t);
    assign(j, "NVMEPI_MODULES", s->modules ? s->modules : "");
    assign(j, "NVMEPI_DEVICES", devs->str);
    assign(j, "NVMEPI_STEPS", steps->str);
    assign(j, "NVMEPI_MD_CHECK", md ? "1" : "0");
    assign(j, "NVMEPI_FS_CHECK", fs ? fs : "");
    if (e) {
        g_autofree char *n = g_strdup_printf("%u", e->n);
        g_autofree char *nb = g_strdup_printf("%u", nboots);
        g_autofree char *cut = boot_plan_cut_arg(e);
        assign(j, "NVMEPI_BOOT", n);
        assign(j, "NVMEPI_BOOTS", nb);
        assign(j, "NVMEPI_CUT", cut);
    }
    return g_string_free(j, FALSE);
}

char *image_job_text(const Scenario *s, const char *run_id, unsigned timeout_s,
                     guint64 seed)
{
    return job_text(s, NULL, 1, run_id, timeout_s, seed);
}

char *image_job_text_boot(const Scenario *s, const BootPlan *plan,
                          unsigned boot, const char *run_id, unsigned timeout_s,
                          guint64 seed)
{
    return job_text(s, &plan->boots[boot], plan->n, run_id, timeout_s, seed);
}

void image_cpio_entry(GByteArray *a, const char *name, unsigned mode,
                      const char *data, size_t len, unsigned ino)
{
    static const guint8 zeros[4];
    char hdr[128];
    size_t namesz = strlen(name) + 1;

    snprintf(hdr, sizeof(hdr),
             "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", ino,
             mode, 0u, 0u, 1u, 0u, (unsigned)len, 0u, 0u, 0u, 0u,
             (unsigned)namesz, 0u);
    g_byte_array_append(a, (const guint8 *)hdr, 110);
    g_byte_array_append(a, (const guint8 *)name, namesz);
    g_byte_array_append(a, zeros, (4 - a->len % 4) % 4);
    if (len) {
        g_byte_array_append(a, (const guint8 *)data, len);
        g_byte_array_append(a, zeros, (4 - a->len % 4) % 4);
    }
}

GBytes *image_job_cpio(const char *job)
{
    GByteArray *a = g_byte_array_new();

    image_cpio_entry(a, "nvme-pi", 040755, NULL, 0, 1);
    image_cpio_entry(a, "nvme-pi/job", 0100644, job, strlen(job), 2);
    image_cpio_entry(a, "TRAILER!!!", 0, NULL, 0, 0);
    return g_byte_array_free_to_bytes(a);
}

gboolean image_write_initrd(const char *image, GBytes *job_cpio,
                            const char *out, GError **error)
{
    g_autofree char *data = NULL;
    gsize len;
    g_autoptr(GByteArray) a = NULL;
    gsize jlen;
    const guint8 *j = g_bytes_get_data(job_cpio, &jlen);
    static const guint8 zeros[4];

    if (!g_file_get_contents(image, &data, &len, error)) {
        return FALSE;
    }
    a = g_byte_array_sized_new(len + jlen + 4);
    g_byte_array_append(a, (const guint8 *)data, len);
    /* the kernel skips zero padding between archives */
    g_byte_array_append(a, zeros, (4 - len % 4) % 4);
    g_byte_array_append(a, j, jlen);
    return g_file_set_contents(out, (const char *)a->data, a->len, error);
}
