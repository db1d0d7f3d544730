/*
 * kernel.c - kernel specs and the kernel cache.  Debian kernels come
 * from scripts/kernel-fetch (private apt state, all suites); a file:
 * kernel is wrapped in a small cache dir of symlinks so that everything
 * downstream (guest/mkimage) sees one layout.
 */
#include "kernel.h"
#include "kbuild.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
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
    g_free(k->version);
    g_free(k);
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

static char *find_vmlinuz(const char *dir)
{
    g_autofree char *boot = g_build_filename(dir, "boot", NULL);
    g_autoptr(GDir) d = g_dir_open(boot, 0, NULL);
    const char *n;

    while (d && (n = g_dir_read_name(d))) {
        if (g_str_has_prefix(n, "vmlinuz")) {
            return g_build_filename(boot, n, NULL);
        }
    }
    return NULL;
}

static char *label_of(const char *spec)
{
    char *l = g_strdup(spec);

    for (char *p = l; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '.' && *p != '-' && *p != '_') {
            *p = '-';
        }
    }
    return l;
}

static bool resolve_debian(const char *spec, Kernel *k, GError **error)
{
    g_autofree char *script =
        g_build_filename(pit_srcdir(), "scripts", "kernel-fetch", NULL);
    const char *argv[] = { script, spec, NULL };
    g_autoptr(GError) e = NULL;
    const char *us;

    k->dir = pit_run_capture(argv, &e);
    if (!k->dir) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_NOT_FOUND,
                    "kernel '%s': %s; try 'pit kernel list'", spec, e->message);
        return false;
    }
    /* .../linux-image-6.1.0-28-amd64_6.1.119-1 */
    us = strrchr(k->dir, '_');
    k->version = g_strdup(us ? us + 1 : spec + 7);
    return true;
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

Kernel *kernel_resolve(const char *spec, GError **error)
{
    KernelSpec ks;
    g_autoptr(Kernel) k = g_new0(Kernel, 1);
    bool ok = false;

    if (!kernel_spec_parse(spec, &ks, error)) {
        return NULL;
    }
    k->spec = g_strdup(spec);
    k->label = label_of(spec);
    switch (ks.kind) {
    case KERNEL_DEBIAN:
        ok = resolve_debian(spec, k, error);
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
    k->vmlinuz = find_vmlinuz(k->dir);
    if (!k->vmlinuz) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_NOT_FOUND,
                    "kernel '%s': no boot/vmlinuz-* in %s", spec, k->dir);
        return NULL;
    }
    return g_steal_pointer(&k);
}

int kernel_cmd_list(void)
{
    static const char *const suites[] = { "bookworm", "bookworm-backports",
                                          "trixie",   "trixie-backports",
                                          "sid",      "experimental",
                                          NULL };
    g_autofree char *kdir = g_build_filename(pit_cache_dir(), "kernels", NULL);
    g_autofree char *script =
        g_build_filename(pit_srcdir(), "scripts", "debian-fetch", NULL);
    g_autoptr(GDir) d = g_dir_open(kdir, 0, NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *n;

    printf("cached (%s):\n", kdir);
    while (d && (n = g_dir_read_name(d))) {
        g_ptr_array_add(names, g_strdup(n));
    }
    g_ptr_array_sort(names, pit_strptr_cmp);
    for (unsigned i = 0; i < names->len; i++) {
        printf("  %s\n", (char *)g_ptr_array_index(names, i));
    }
    if (!names->len) {
        printf("  (none)\n");
    }
    printf("offered (latest linux-image-amd64 per suite; use debian:VERSION):"
           "\n");
    for (unsigned i = 0; suites[i]; i++) {
        const char *argv[] = { script, suites[i], "version",
                               "linux-image-amd64", NULL };
        g_autoptr(GError) e = NULL;
        g_autofree char *v = pit_run_capture(argv, &e);
        printf("  %-20s %s\n", suites[i], v ? v : e->message);
    }
    return 0;
}

int kernel_cmd_fetch(const char *spec)
{
    g_autoptr(GError) e = NULL;
    g_autoptr(Kernel) k = kernel_resolve(spec, &e);

    if (!k) {
        fprintf(stderr, "pit: %s\n", e->message);
        return e->code == PIT_ERROR_NOT_IMPLEMENTED ? 3 : 2;
    }
    printf("%s\n  version %s\n  vmlinuz %s\n  dir     %s\n", k->spec,
           k->version, k->vmlinuz, k->dir);
    return 0;
}
