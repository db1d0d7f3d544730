/*
 * util.h - small helpers shared by pit's modules: the error domain, where
 * things live (source tree, cache, QEMU binary) and running a helper
 * script with its stdout captured.
 */
#ifndef PIT_UTIL_H
#define PIT_UTIL_H

#include <glib.h>

#define PIT_ERROR (pit_error_quark())
GQuark pit_error_quark(void);

typedef enum PitErrorCode {
    PIT_ERROR_USAGE = 1,  /* bad input: scenario, option, kernel spec */
    PIT_ERROR_NOT_FOUND,  /* a named thing does not exist */
    PIT_ERROR_DEPENDENCY, /* a tool or file pit needs is missing */
    PIT_ERROR_NOT_IMPLEMENTED,
    PIT_ERROR_FAILED, /* anything else */
} PitErrorCode;

/* The nvme-pi source tree (scenarios/, scripts/, guest/). */
const char *pit_srcdir(void);
/* The cache directory ($NVME_PI_CACHE, else ~/.cache/nvme-pi). */
const char *pit_cache_dir(void);
/* The QEMU binary ($NVME_PI_QEMU, else build/qemu/qemu-system-x86_64). */
const char *pit_qemu_binary(void);

/*
 * Run argv with NVME_PI_CACHE set; on success return its stdout with the
 * trailing newline removed.  On failure the error carries the child's
 * last stderr line (helper scripts put their message there).
 */
char *pit_run_capture(const char *const *argv, GError **error);

/* Quote one word for a POSIX shell. */
char *pit_shell_quote(const char *s);

/* Write a whole file, creating parent directories. */
gboolean pit_write_file(const char *path, const char *data, gssize len,
                        GError **error);

/* GCompareFunc for a GPtrArray of strings. */
int pit_strptr_cmp(gconstpointer a, gconstpointer b);

/* Monotonic seconds since some fixed point. */
double pit_now(void);

#endif
