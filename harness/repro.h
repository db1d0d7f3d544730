/*
 * repro.h - the reproducer of `pit repro`: a C file compiled here for
 * the guest (static, -pthread, libaio and liburing at hand), a prebuilt
 * binary (a dynamic one travels with its libraries and loader), or a
 * shell script; plus the files given with --add.  They reach the guest
 * as a cpio appended to its initramfs, under REPRO_GUEST_DIR.
 */
#ifndef PIT_REPRO_H
#define PIT_REPRO_H

#include <glib.h>
#include <stdbool.h>

typedef enum ReproKind {
    REPRO_KIND_C,
    REPRO_KIND_STATIC,  /* ELF without an interpreter */
    REPRO_KIND_DYNAMIC, /* ELF with one: libraries resolved on this host */
    REPRO_KIND_SCRIPT,
} ReproKind;

typedef struct ReproFile {
    char *host;  /* the file's path here */
    char *guest; /* path under REPRO_GUEST_DIR */
    bool exec;
} ReproFile;

typedef struct Reproducer {
    ReproKind kind;
    char *input;      /* absolute path as given */
    char *name;       /* its base name */
    char *sha256;     /* of the input */
    char *run;        /* the guest command that starts it, without args */
    char *cc_log;     /* C: the compiler's output (warnings) */
    GPtrArray *files; /* ReproFile*: program, libraries, added files */
    GPtrArray *added; /* char*: --add inputs, absolute */
    GPtrArray *libs;  /* char*: "soname host-path" of a dynamic binary */
} Reproducer;

/*
 * Examine `path`, compile it when it is C (into `workdir`), resolve a
 * dynamic binary's libraries, check the added files.  Errors say what
 * was wrong and what to do; a compile error carries the compiler's
 * output.  Nothing is booted.
 */
Reproducer *repro_prepare(const char *path, char **add, const char *workdir,
                          GError **error);
void repro_free(Reproducer *r);
/* An empty reproducer and adding one file (a bundle's, for replay). */
Reproducer *repro_new(void);
void repro_add_file(Reproducer *r, const char *host, const char *guest,
                    bool exec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Reproducer, repro_free)

const char *repro_kind_name(ReproKind k); /* c, static, dynamic, script */

/* The files as a newc cpio (to append to the guest image). */
GBytes *repro_cpio(const Reproducer *r, GError **error);

/*
 * Pure parsers of readelf's output: the program interpreter of `readelf
 * -lW`, and the NEEDED names / RUNPATH (or RPATH) dirs of `readelf -dW`.
 */
char *repro_elf_interp(const char *readelf_l);
char **repro_elf_needed(const char *readelf_d);
char **repro_elf_runpath(const char *readelf_d);

#endif
