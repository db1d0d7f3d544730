/*
 * kernel.h - kernel specs (debian:VER, file:PATH[,modules=DIR],
 * build:TREE[@REV][+SERIES]) and resolving them to a cached kernel dir
 * (boot/vmlinuz-VER, lib/modules/VER) as guest/mkimage expects; which
 * Debian kernel a debian:VER means (pure: version order, matching, the
 * versions of one series for bisecting).
 */
#ifndef PIT_KERNEL_H
#define PIT_KERNEL_H

#include <glib.h>
#include <stdbool.h>

typedef enum KernelKind {
    KERNEL_DEBIAN,
    KERNEL_FILE,
    KERNEL_BUILD,
} KernelKind;

typedef struct KernelSpec {
    KernelKind kind;
    char *version; /* debian: "6.1" */
    char *path;    /* file: the bzImage */
    char *modules; /* file: modules dir (lib/modules/<ver>), or NULL */
    char *tree;    /* build: */
    char *rev;
    char *series;
} KernelSpec;

typedef struct Kernel {
    char *spec;    /* as given */
    char *label;   /* file-system-safe name: debian-6.1 */
    char *dir;     /* kernel dir for guest/mkimage */
    char *vmlinuz; /* the kernel file: a bzImage, or an ELF kernel */
    /* what QEMU loads: vmlinuz when it is an ELF kernel; for a bzImage,
     * the ELF inside it when it has a PVH entry (no self-decompression
     * under TCG), else vmlinuz itself */
    char *boot_image;
    char *version; /* for expectations: 6.1.158-1 */
    char *suite;   /* debian: the suite it came from, else NULL */
    char *commit;  /* build: the commit built (the series' last patch) */
    char *base;    /* build: the tree's commit the series applies to */
} Kernel;

/* One kernel Debian's archive offers: a line of kernel-fetch --index. */
typedef struct DebianKernel {
    char *suite;   /* bookworm-security */
    char *version; /* 6.1.192-3 (linux-image-amd64's version) */
    char *package; /* linux-image-6.1.0-57-amd64 */
} DebianKernel;

/* Pure: Debian version order (epoch, upstream, revision; '~' sorts
 * before anything, even the end): <0, 0, >0 like strcmp. */
int kernel_debian_version_cmp(const char *a, const char *b);
/* Pure: VERSION is WANT or starts with WANT at a component boundary
 * (. - ~ +): 6.1 matches 6.1.192-3 and 6.1~rc1, never 6.12.1. */
bool kernel_debian_version_matches(const char *want, const char *version);
/* Pure: "SUITE VERSION PACKAGE" lines -> DebianKernel array; malformed
 * lines are left out. */
GPtrArray *kernel_debian_index_parse(const char *text);
/* Pure: the kernels of INDEX matching SERIES (6.1, 7.3, 6.1.176),
 * oldest first; same version in two suites: listed once per suite.
 * Borrowed pointers into INDEX. */
GPtrArray *kernel_debian_series(const GPtrArray *index, const char *series);
/* Pure: what debian:WANT means: the newest matching kernel, the first
 * suite of INDEX on a tie.  NULL with an error that lists what the
 * series has when nothing matches. */
const DebianKernel *kernel_debian_pick(const GPtrArray *index, const char *want,
                                       GError **error);

/* Pure: the kernels of INDEX from debian:A to debian:B (either order;
 * each end is what kernel_debian_pick makes of it), oldest first, one per
 * version (the first suite of INDEX on a tie): the positions of a
 * bisection between Debian releases.  Borrowed pointers into INDEX.  NULL
 * with an error that lists what exists when an end is not in INDEX or
 * both ends are one kernel. */
GPtrArray *kernel_debian_between(const GPtrArray *index, const char *a,
                                 const char *b, GError **error);

/* Pure: parse a spec.  Errors say what forms are accepted. */
bool kernel_spec_parse(const char *spec, KernelSpec *out, GError **error);
void kernel_spec_clear(KernelSpec *s);

/* A file-system-safe name for SPEC, used for run directories and cached
 * images: debian:6.1 -> debian-6.1.  A path in it (a user's tree, a
 * config fragment) is cut to its last component, followed by 6 hex
 * digits of the spec's hash so that two paths that end alike differ:
 * build:/src/linux,config=/x/check.config -> build-linux-config-check.config-1a2b3c */
char *kernel_label(const char *spec);

/* Fetch/unpack as needed (scripts/kernel-fetch) and describe it. */
Kernel *kernel_resolve(const char *spec, GError **error);
void kernel_free(Kernel *k);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Kernel, kernel_free)

/* Debian's kernels as the archive offers them now (kernel-fetch --index). */
GPtrArray *kernel_debian_index(GError **error);
/* Fetch/unpack exactly kernel D of that index, as debian:VERSION. */
Kernel *kernel_resolve_debian(const DebianKernel *d, GError **error);

/* The kernel file of kernel dir DIR (Kernel.vmlinuz), or NULL:
 * boot/vmlinuz* (a bzImage: Debian's, a user's), else boot/vmlinux-* (the
 * ELF kernel scripts/kernel-build publishes when the configuration has a
 * PVH entry). */
char *kernel_find_image(const char *dir);

/* What QEMU boots for the kernel file VMLINUZ (Kernel.boot_image). */
char *kernel_boot_image(const char *vmlinuz);

/* Version string from a bzImage's setup header, or NULL. */
char *kernel_bzimage_version(const char *path);

/* pit kernel list [--series S] / pit kernel fetch */
int kernel_cmd_list(const char *series);
int kernel_cmd_fetch(const char *spec);

#endif
