/*
 * kernel.c - kernel specs and the kernel cache.  Debian kernels come
 * from scripts/kernel-fetch (private apt state, all suites including the
 * security ones): its --index lists what the archive offers, the pure
 * kernel_debian_* functions here decide which one debian:VER means, and
 * --get fetches it.  A file: kernel is wrapped in a small cache dir of
 * symlinks so that everything downstream (guest/mkimage) sees one layout.
 */
#include "kernel.h"
#include "pit-defs.h"
#include "kbuild.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SPEC_FORMS                                                             \
    "debian:VERSION (e.g. debian:6.1, debian:7.2), "                           \
    "file:/path/bzImage[,modules=DIR] or build:TREE[@REV][+SERIES]"

bool kernel_spec_parse(const char *spec, KernelSpec *out, GError **error)
{
    memset(out, 0, sizeof(*out));
    if (g_str_has_prefix(spec, "debian:")) {
        const char *v = spec + 7;
        if (!*v || !g_ascii_isdigit(*v) ||
            strspn(v, "0123456789.-~+rc") != strlen(v)) {
            g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                        "kernel '%s': '%s' is not a version; try debian:6.1",
                        spec, v);
            return false;
        }
        out->kind = KERNEL_DEBIAN;
        out->version = g_strdup(v);
        return true;
    }
    if (g_str_has_prefix(spec, "file:")) {
        g_auto(GStrv) parts = g_strsplit(spec + 5, ",", -1);
        if (!parts[0] || !*parts[0]) {
            g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                        "kernel '%s': no path; try file:/path/bzImage", spec);
            return false;
        }
        out->kind = KERNEL_FILE;
        out->path = g_strdup(parts[0]);
        for (unsigned i = 1; parts[i]; i++) {
            if (g_str_has_prefix(parts[i], "modules=") && parts[i][8]) {
                g_free(out->modules);
                out->modules = g_strdup(parts[i] + 8);
            } else {
                g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                            "kernel '%s': unknown option '%s' (only "
                            "modules=DIR)",
                            spec, parts[i]);
                kernel_spec_clear(out);
                return false;
            }
        }
        return true;
    }
    if (g_str_has_prefix(spec, "build:")) {
        g_autofree char *rest = g_strdup(spec + 6);
        char *plus = strchr(rest, '+');
        char *at;
        if (plus) {
            *plus = '\0';
            out->series = g_strdup(plus + 1);
        }
        at = strchr(rest, '@');
        if (at) {
            *at = '\0';
            out->rev = g_strdup(at + 1);
        }
        if (!*rest || (at && !*out->rev) || (plus && !*out->series)) {
            g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                        "kernel '%s': expected build:TREE[@REV][+SERIES]",
                        spec);
            kernel_spec_clear(out);
            return false;
        }
        out->kind = KERNEL_BUILD;
        out->tree = g_steal_pointer(&rest);
        return true;
    }
    g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                "kernel '%s': unknown kind; use " SPEC_FORMS, spec);
    return false;
}

void kernel_spec_clear(KernelSpec *s)
{
    g_free(s->version);
    g_free(s->path);
    g_free(s->modules);
    g_free(s->tree);
    g_free(s->rev);
    g_free(s->series);
    memset(s, 0, sizeof(*s));
}

void kernel_free(Kernel *k)
{
    if (!k) {
        return;
    }
    g_free(k->spec);
    g_free(k->label);
    g_free(k->dir);
    g_free(k->vmlinuz);
    g_free(k->boot_image);
    g_free(k->version);
    g_free(k->suite);
    g_free(k->commit);
    g_free(k->base);
    g_free(k);
}

/* dpkg's character order: '~' first, then the end, letters, the rest. */
static int version_char_order(char c)
{
    if (c == '~') {
        return -1;
    }
    if (!c || g_ascii_isdigit(c)) {
        return 0;
    }
    if (g_ascii_isalpha(c)) {
        return (unsigned char)c;
    }
    return (unsigned char)c + 256;
}

/* One part (upstream or revision): alternating non-digit and digit runs. */
static int version_part_cmp(const char *a, const char *b)
{
    while (*a || *b) {
        int first_diff = 0;

        while ((*a && !g_ascii_isdigit(*a)) || (*b && !g_ascii_isdigit(*b))) {
            int ac = version_char_order(*a), bc = version_char_order(*b);

            if (ac != bc) {
                return ac - bc;
            }
            a += *a != '\0';
            b += *b != '\0';
        }
        while (*a == '0') {
            a++;
        }
        while (*b == '0') {
            b++;
        }
        while (g_ascii_isdigit(*a) && g_ascii_isdigit(*b)) {
            if (!first_diff) {
                first_diff = *a - *b;
            }
            a++;
            b++;
        }
        if (g_ascii_isdigit(*a)) {
            return 1;
        }
        if (g_ascii_isdigit(*b)) {
            return -1;
        }
        if (first_diff) {
            return first_diff;
        }
    }
    return 0;
}

/* "EPOCH:UPSTREAM-REVISION" -> its three parts (epoch 0 when absent). */
static void version_split(const char *v, unsigned long *epoch, char **upstream,
                          char **revision)
{
    const char *colon = strchr(v, ':');
    const char *dash;

    *epoch = colon ? strtoul(v, NULL, 10) : 0;
    v = colon ? colon + 1 : v;
    dash = strrchr(v, '-');
    *upstream = dash ? g_strndup(v, dash - v) : g_strdup(v);
    *revision = g_strdup(dash ? dash + 1 : "");
}

int kernel_debian_version_cmp(const char *a, const char *b)
{
    unsigned long ea, eb;
    g_autofree char *ua = NULL, *ra = NULL, *ub = NULL, *rb = NULL;
    int c;

    version_split(a, &ea, &ua, &ra);
    version_split(b, &eb, &ub, &rb);
    if (ea != eb) {
        return ea < eb ? -1 : 1;
    }
    c = version_part_cmp(ua, ub);
    return c ? c : version_part_cmp(ra, rb);
}

bool kernel_debian_version_matches(const char *want, const char *version)
{
    size_t n = strlen(want);

    return n && !strncmp(version, want, n) &&
           (version[n] == '\0' || strchr(".-~+", version[n]));
}

static void debian_kernel_free(gpointer p)
{
    DebianKernel *d = p;

    g_free(d->suite);
    g_free(d->version);
    g_free(d->package);
    g_free(d);
}

GPtrArray *kernel_debian_index_parse(const char *text)
{
    GPtrArray *index = g_ptr_array_new_with_free_func(debian_kernel_free);
    g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);

    for (unsigned i = 0; lines[i]; i++) {
        g_auto(GStrv) f = g_strsplit_set(g_strstrip(lines[i]), " \t", -1);
        DebianKernel *d;

        if (g_strv_length(f) != 3 || !*f[0] || !*f[1] || !*f[2] ||
            !g_ascii_isdigit(*f[1])) {
            continue;
        }
        d = g_new0(DebianKernel, 1);
        d->suite = g_strdup(f[0]);
        d->version = g_strdup(f[1]);
        d->package = g_strdup(f[2]);
        g_ptr_array_add(index, d);
    }
    return index;
}

static gint debian_kernel_cmp(gconstpointer a, gconstpointer b)
{
    const DebianKernel *x = *(DebianKernel *const *)a;
    const DebianKernel *y = *(DebianKernel *const *)b;

    return kernel_debian_version_cmp(x->version, y->version);
}

GPtrArray *kernel_debian_series(const GPtrArray *index, const char *series)
{
    GPtrArray *out = g_ptr_array_new();

    for (unsigned i = 0; i < index->len; i++) {
        DebianKernel *d = g_ptr_array_index(index, i);

        if (kernel_debian_version_matches(series, d->version)) {
            g_ptr_array_add(out, d);
        }
    }
    /* Stable: a tie keeps the index's suite order. */
    g_ptr_array_sort(out, debian_kernel_cmp);
    return out;
}

/* "6.1.187-1" -> "6.1": the series a user most likely wants listed. */
static char *series_of(const char *want)
{
    g_auto(GStrv) parts = g_strsplit_set(want, ".-~+", 3);

    if (!parts[0] || !parts[1] || !g_ascii_isdigit(*parts[1])) {
        return g_strdup(parts[0] ? parts[0] : want);
    }
    return g_strdup_printf("%s.%s", parts[0], parts[1]);
}

const DebianKernel *kernel_debian_pick(const GPtrArray *index, const char *want,
                                       GError **error)
{
    g_autoptr(GPtrArray) m = kernel_debian_series(index, want);
    g_autoptr(GPtrArray) near = NULL;
    g_autoptr(GString) have = NULL;
    g_autofree char *series = NULL;
    const DebianKernel *best = NULL;

    for (unsigned i = 0; i < m->len; i++) {
        const DebianKernel *d = g_ptr_array_index(m, i);

        /* Only a strictly newer one replaces: a tie keeps the first
         * suite (the sort is stable). */
        if (!best || kernel_debian_version_cmp(d->version, best->version) > 0) {
            best = d;
        }
    }
    if (best) {
        return best;
    }
    series = series_of(want);
    near = kernel_debian_series(index, series);
    have = g_string_new(NULL);
    for (unsigned i = 0; i < near->len; i++) {
        const DebianKernel *d = g_ptr_array_index(near, i);

        g_string_append_printf(have, "%s%s (%s)", i ? ", " : "", d->version,
                               d->suite);
    }
    g_set_error(error, PIT_ERROR, PIT_ERROR_NOT_FOUND,
                "kernel 'debian:%s' is not in Debian's archive, which has of "
                "%s: %s (it keeps only the current kernel of each suite); "
                "'pit kernel list --series %s' lists them",
                want, series, near->len ? have->str : "nothing", series);
    return NULL;
}

GPtrArray *kernel_debian_between(const GPtrArray *index, const char *a,
                                 const char *b, GError **error)
{
    const DebianKernel *da = kernel_debian_pick(index, a, error);
    const DebianKernel *db = da ? kernel_debian_pick(index, b, error) : NULL;
    const DebianKernel *lo, *hi;
    GPtrArray *out;

    if (!db) {
        return NULL;
    }
    if (!kernel_debian_version_cmp(da->version, db->version)) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                    "debian:%s and debian:%s are the same kernel (%s): give "
                    "two versions; 'pit kernel list --series X.Y' lists them",
                    a, b, da->version);
        return NULL;
    }
    lo = kernel_debian_version_cmp(da->version, db->version) < 0 ? da : db;
    hi = lo == da ? db : da;
    out = g_ptr_array_new();
    for (unsigned i = 0; i < index->len; i++) {
        g_ptr_array_add(out, g_ptr_array_index(index, i));
    }
    /* stable: of one version in two suites the index's first comes first */
    g_ptr_array_sort(out, debian_kernel_cmp);
    for (unsigned i = 0; i < out->len;) {
        const DebianKernel *d = g_ptr_array_index(out, i);
        const DebianKernel *prev = i ? g_ptr_array_index(out, i - 1) : NULL;

        if (kernel_debian_version_cmp(d->version, lo->version) < 0 ||
            kernel_debian_version_cmp(d->version, hi->version) > 0 ||
            (prev && !kernel_debian_version_cmp(d->version, prev->version))) {
            g_ptr_array_remove_index(out, i);
        } else {
            i++;
        }
    }
    return out;
}

/*
 * The setup header holds a pointer (at 0x20e, relative to 0x200) to a
 * string that starts with the release: "6.1.0-28-amd64 (debian-kernel@...".
 */
char *kernel_bzimage_version(const char *path)
{
    g_autofree char *data = NULL;
    gsize len;

    if (!g_file_get_contents(path, &data, &len, NULL) || len < 0x210 ||
        memcmp(data + 0x202, "HdrS", 4)) {
        return NULL;
    }
    size_t off =
        0x200 + ((unsigned char)data[0x20e] | (unsigned char)data[0x20f] << 8);
    if (off >= len) {
        return NULL;
    }
    size_t n = strcspn(data + off, " ");
    return n && off + n < len ? g_strndup(data + off, n) : NULL;
}

char *kernel_find_image(const char *dir)
{
    g_autofree char *boot = g_build_filename(dir, "boot", NULL);
    g_autoptr(GDir) d = g_dir_open(boot, 0, NULL);
    g_autofree char *elf = NULL;
    const char *n;

    while (d && (n = g_dir_read_name(d))) {
        if (g_str_has_prefix(n, "vmlinuz")) {
            return g_build_filename(boot, n, NULL);
        }
        if (!elf && g_str_has_prefix(n, "vmlinux-")) {
            elf = g_build_filename(boot, n, NULL);
        }
    }
    return g_steal_pointer(&elf);
}

char *kernel_label(const char *spec)
{
    GString *l = g_string_new(NULL);
    bool cut = false;
    const char *p = spec;

    /* fields end at , = @ : ; a field with a '/' is a path: its last
     * component stands for it */
    while (*p) {
        size_t n = strcspn(p, ",=@:");
        const char *slash = memrchr(p, '/', n);

        if (slash && slash + 1 < p + n) {
            g_string_append_len(l, slash + 1, p + n - slash - 1);
            cut = true;
        } else {
            g_string_append_len(l, p, n);
            cut |= slash != NULL;
        }
        if (p[n]) {
            g_string_append_c(l, p[n]);
            n++;
        }
        p += n;
    }
    for (char *q = l->str; *q; q++) {
        if (!g_ascii_isalnum(*q) && *q != '.' && *q != '-' && *q != '_') {
            *q = '-';
        }
    }
    if (cut) {
        /* two paths may end alike: the whole spec's hash keeps the
         * label (a run directory, an image's cache name) unique */
        g_autofree char *h =
            g_compute_checksum_for_string(G_CHECKSUM_SHA256, spec, -1);
        g_string_append_printf(l, "-%.6s", h);
    }
    return g_string_free(l, false);
}

GPtrArray *kernel_debian_index(GError **error)
{
    g_autofree char *script =
        g_build_filename(pit_srcdir(), "scripts", "kernel-fetch", NULL);
    const char *argv[] = { script, "--index", NULL };
    g_autofree char *text = pit_run_capture(argv, error);

    return text ? kernel_debian_index_parse(text) : NULL;
}

/* Fetch and unpack Debian's kernel D (cached by kernel-fetch). */
static bool fetch_debian(const char *spec, const DebianKernel *d, Kernel *k,
                         GError **error)
{
    g_autofree char *script =
        g_build_filename(pit_srcdir(), "scripts", "kernel-fetch", NULL);
    g_autoptr(GError) e = NULL;
    const char *argv[] = { script,     "--get",    d->suite,
                           d->version, d->package, NULL };
    k->dir = pit_run_capture(argv, &e);
    if (!k->dir) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_NOT_FOUND,
                    "kernel '%s' (%s from %s): %s", spec, d->version, d->suite,
                    e->message);
        return false;
    }
    k->version = g_strdup(d->version);
    k->suite = g_strdup(d->suite);
    return true;
}

static bool resolve_debian(const char *spec, const KernelSpec *ks, Kernel *k,
                           GError **error)
{
    g_autoptr(GError) e = NULL;
    g_autoptr(GPtrArray) index = kernel_debian_index(&e);
    const DebianKernel *d;

    if (!index) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_NOT_FOUND,
                    "kernel '%s': cannot list Debian's kernels: %s", spec,
                    e->message);
        return false;
    }
    d = kernel_debian_pick(index, ks->version, error);
    return d && fetch_debian(spec, d, k, error);
}

static bool resolve_file(const char *spec, const KernelSpec *ks, Kernel *k,
                         GError **error)
{
    g_autofree char *abs = g_canonicalize_filename(ks->path, NULL);
    g_autofree char *ver = kernel_bzimage_version(abs);
    g_autofree char *key = NULL;
    g_autofree char *vml = NULL, *mods = NULL, *boot = NULL, *libm = NULL;

    if (!ver) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_NOT_FOUND,
                    "kernel '%s': %s is not a readable bzImage", spec, abs);
        return false;
    }
    if (ks->modules && !g_file_test(ks->modules, G_FILE_TEST_IS_DIR)) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_NOT_FOUND,
                    "kernel '%s': modules dir %s does not exist", spec,
                    ks->modules);
        return false;
    }
    key = g_compute_checksum_for_string(G_CHECKSUM_SHA256, spec, -1);
    key[16] = '\0';
    k->dir = g_strdup_printf("%s/kernels/file-%s", pit_cache_dir(), key);
    boot = g_build_filename(k->dir, "boot", NULL);
    libm = g_build_filename(k->dir, "lib", "modules", NULL);
    vml = g_strdup_printf("%s/vmlinuz-%s", boot, ver);
    mods = g_build_filename(libm, ver, NULL);
    if (g_mkdir_with_parents(boot, 0755) || g_mkdir_with_parents(libm, 0755)) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_FAILED, "cannot create %s: %s",
                    k->dir, g_strerror(errno));
        return false;
    }
    unlink(vml);
    if (symlink(abs, vml) < 0) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_FAILED, "symlink %s: %s", vml,
                    g_strerror(errno));
        return false;
    }
    if (ks->modules) {
        g_autofree char *mabs = g_canonicalize_filename(ks->modules, NULL);
        unlink(mods);
        if (symlink(mabs, mods) < 0) {
            g_set_error(error, PIT_ERROR, PIT_ERROR_FAILED, "symlink %s: %s",
                        mods, g_strerror(errno));
            return false;
        }
    }
    k->version = g_steal_pointer(&ver);
    return true;
}

/*
 * The file QEMU boots for VMLINUZ: VMLINUZ itself when it is already an
 * ELF kernel (scripts/kernel-build publishes one when the configuration
 * has a PVH entry); for a bzImage, the uncompressed ELF kernel inside it
 * when scripts/kernel-boot-image finds a PVH entry point (under TCG the
 * bzImage's own decompression is most of the time before the guest's
 * clock starts), cached by the bzImage's content in <cache>/pvh/ (a
 * .none marker when it has none); VMLINUZ itself otherwise, or when
 * PIT_BOOT_BZIMAGE is set in the environment.
 */
char *kernel_boot_image(const char *vmlinuz)
{
    g_autoptr(GMappedFile) m = NULL;
    g_autofree char *sha = NULL, *dir = NULL, *elf = NULL, *none = NULL;
    g_autofree char *script = NULL;
    g_autoptr(GError) e = NULL;
    g_autofree char *out = NULL;

    if (g_getenv("PIT_BOOT_BZIMAGE")) {
        return g_strdup(vmlinuz);
    }
    m = g_mapped_file_new(vmlinuz, FALSE, NULL);
    if (!m || (g_mapped_file_get_length(m) >= 4 &&
               !memcmp(g_mapped_file_get_contents(m), "\177ELF", 4))) {
        return g_strdup(vmlinuz);
    }
    sha = g_compute_checksum_for_data(
        G_CHECKSUM_SHA256, (const guchar *)g_mapped_file_get_contents(m),
        g_mapped_file_get_length(m));
    sha[24] = '\0';
    dir = g_build_filename(pit_cache_dir(), "pvh", NULL);
    elf = g_strdup_printf("%s/%s.vmlinux", dir, sha);
    none = g_strdup_printf("%s/%s.none", dir, sha);
    if (g_file_test(elf, G_FILE_TEST_EXISTS)) {
        return g_steal_pointer(&elf);
    }
    if (g_file_test(none, G_FILE_TEST_EXISTS) ||
        g_mkdir_with_parents(dir, 0755) < 0) {
        return g_strdup(vmlinuz);
    }
    script =
        g_build_filename(pit_srcdir(), "scripts", "kernel-boot-image", NULL);
    const char *argv[] = { script, vmlinuz, elf, NULL };
    out = pit_run_capture(argv, &e);
    if (out && g_file_test(elf, G_FILE_TEST_EXISTS)) {
        return g_steal_pointer(&elf);
    }
    /* No PVH entry (or not unpackable): remember, boot the bzImage. */
    pit_write_file(none, e ? e->message : "", -1, NULL);
    return g_strdup(vmlinuz);
}

Kernel *kernel_resolve(const char *spec, GError **error)
{
    KernelSpec ks;
    g_autoptr(Kernel) k = g_new0(Kernel, 1);
    bool ok = false;

    if (!kernel_spec_parse(spec, &ks, error)) {
        return NULL;
    }
    k->spec = g_strdup(spec);
    k->label = kernel_label(spec);
    switch (ks.kind) {
    case KERNEL_DEBIAN:
        ok = resolve_debian(spec, &ks, k, error);
        break;
    case KERNEL_FILE:
        ok = resolve_file(spec, &ks, k, error);
        break;
    case KERNEL_BUILD:
        ok = kbuild_resolve(spec, k, error);
        break;
    }
    kernel_spec_clear(&ks);
    if (!ok) {
        return NULL;
    }
    k->vmlinuz = kernel_find_image(k->dir);
    if (!k->vmlinuz) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_NOT_FOUND,
                    "kernel '%s': no boot/vmlinuz-* or boot/vmlinux-* in %s",
                    spec, k->dir);
        return NULL;
    }
    k->boot_image = kernel_boot_image(k->vmlinuz);
    return g_steal_pointer(&k);
}

Kernel *kernel_resolve_debian(const DebianKernel *d, GError **error)
{
    g_autoptr(Kernel) k = g_new0(Kernel, 1);

    k->spec = g_strdup_printf("debian:%s", d->version);
    k->label = kernel_label(k->spec);
    if (!fetch_debian(k->spec, d, k, error)) {
        return NULL;
    }
    k->vmlinuz = kernel_find_image(k->dir);
    if (!k->vmlinuz) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_NOT_FOUND,
                    "kernel '%s': no boot/vmlinuz-* or boot/vmlinux-* in %s",
                    k->spec, k->dir);
        return NULL;
    }
    k->boot_image = kernel_boot_image(k->vmlinuz);
    return g_steal_pointer(&k);
}

/* The suite a cached kernel came from: kernel-fetch writes .suite; for
 * older cache entries, the suite that offers its version today. */
static char *cached_suite(const char *kdir, const char *name,
                          const GPtrArray *index)
{
    g_autofree char *f = g_build_filename(kdir, name, ".suite", NULL);
    const char *us = strrchr(name, '_');
    char *s = NULL;

    if (g_file_get_contents(f, &s, NULL, NULL)) {
        return g_strstrip(s);
    }
    for (unsigned i = 0; us && index && i < index->len; i++) {
        const DebianKernel *d = g_ptr_array_index(index, i);

        if (!strcmp(d->version, us + 1)) {
            return g_strdup(d->suite);
        }
    }
    return NULL;
}

int kernel_cmd_list(const char *series)
{
    g_autofree char *kdir = g_build_filename(pit_cache_dir(), "kernels", NULL);
    g_autoptr(GDir) d = g_dir_open(kdir, 0, NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) e = NULL;
    g_autoptr(GPtrArray) index = NULL;
    g_autoptr(GPtrArray) list = NULL;
    const char *n;

    if (series && !kernel_debian_version_matches(series, series)) {
        fprintf(stderr,
                "pit kernel list: --series needs a version, e.g. 6.1\n");
        return PIT_EXIT_INPUT;
    }
    index = kernel_debian_index(&e);
    if (!series) {
        printf("cached (%s):\n", kdir);
        while (d && (n = g_dir_read_name(d))) {
            g_ptr_array_add(names, g_strdup(n));
        }
        g_ptr_array_sort(names, pit_strptr_cmp);
        for (unsigned i = 0; i < names->len; i++) {
            const char *name = g_ptr_array_index(names, i);
            g_autofree char *suite = cached_suite(kdir, name, index);

            printf("  %-50s %s\n", name, suite ? suite : "");
        }
        if (!names->len) {
            printf("  (none)\n");
        }
    }
    if (!index) {
        fprintf(stderr, "pit: cannot list Debian's kernels: %s\n", e->message);
        return PIT_EXIT_INPUT;
    }
    if (series) {
        /* Oldest first, one line per (version, suite): the input of a
         * bisection between Debian versions. */
        list = kernel_debian_series(index, series);
        printf("Debian kernels of %s, oldest first (debian:VERSION picks "
               "one):\n",
               series);
    } else {
        list = g_ptr_array_new();
        for (unsigned i = 0; i < index->len; i++) {
            g_ptr_array_add(list, g_ptr_array_index(index, i));
        }
        printf("offered by Debian's archive, per suite (debian:6.1 = the "
               "newest 6.1 of all suites):\n");
    }
    for (unsigned i = 0; i < list->len; i++) {
        const DebianKernel *k = g_ptr_array_index(list, i);

        printf("  %-22s %-20s %s\n", k->version, k->suite, k->package);
    }
    if (!list->len) {
        printf("  (none)\n");
    }
    return series && !list->len ? PIT_EXIT_INPUT : PIT_EXIT_OK;
}

int kernel_cmd_fetch(const char *spec)
{
    g_autoptr(GError) e = NULL;
    g_autoptr(Kernel) k = kernel_resolve(spec, &e);

    if (!k) {
        fprintf(stderr, "pit: %s\n", e->message);
        return e->code == PIT_ERROR_NOT_IMPLEMENTED ? PIT_EXIT_DEPENDENCY
                                                    : PIT_EXIT_INPUT;
    }
    printf("%s\n  version %s\n", k->spec, k->version);
    if (k->suite) {
        printf("  suite   %s\n", k->suite);
    }
    printf("  vmlinuz %s\n", k->vmlinuz);
    if (strcmp(k->boot_image, k->vmlinuz)) {
        printf("  boots   %s (its ELF kernel, PVH entry)\n", k->boot_image);
    }
    printf("  dir     %s\n", k->dir);
    return PIT_EXIT_OK;
}
