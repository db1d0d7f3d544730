/*
 * kernel.h - kernel specs (debian:VER, file:PATH[,modules=DIR],
 * build:TREE[@REV][+SERIES]) and resolving them to a cached kernel dir
 * (boot/vmlinuz-VER, lib/modules/VER) as guest/mkimage expects.
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
    char *spec;  /* as given */
    char *label; /* file-system-safe name: debian-6.1 */
    char *dir;   /* kernel dir for guest/mkimage */
    char *vmlinuz;
    char *version; /* for expectations: 6.1.158-1 */
} Kernel;

/* Pure: parse a spec.  Errors say what forms are accepted. */
bool kernel_spec_parse(const char *spec, KernelSpec *out, GError **error);
void kernel_spec_clear(KernelSpec *s);

/* Fetch/unpack as needed (scripts/kernel-fetch) and describe it. */
Kernel *kernel_resolve(const char *spec, GError **error);
void kernel_free(Kernel *k);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Kernel, kernel_free)

/* Version string from a bzImage's setup header, or NULL. */
char *kernel_bzimage_version(const char *path);

/* pit kernel list / pit kernel fetch */
int kernel_cmd_list(void);
int kernel_cmd_fetch(const char *spec);

#endif
