/*
 * util.c - where pit finds its source tree, cache and QEMU, and how it
 * runs the project's helper scripts.
 */
#include "util.h"

#include <errno.h>
#include <string.h>

G_DEFINE_QUARK(pit_error_quark, pit_error)

const char *pit_srcdir(void)
{
    const char *env = g_getenv("NVME_PI_SRCDIR");

    return env && *env ? env : PIT_SRCDIR;
}

const char *pit_cache_dir(void)
{
    static char *dir;
    const char *env = g_getenv("NVME_PI_CACHE");

    /* once, whichever of the run threads asks first */
    if (g_once_init_enter(&dir)) {
        char *d = env && *env ? g_strdup(env)
                              : g_build_filename(g_get_home_dir(), ".cache",
                                                 "nvme-pi", NULL);
        g_once_init_leave(&dir, d);
    }
    return dir;
}

const char *pit_qemu_binary(void)
{
    const char *env = g_getenv("NVME_PI_QEMU");

    return env && *env ? env : PIT_QEMU;
}

char *pit_run_capture(const char *const *argv, GError **error)
{
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_auto(GStrv) envp = g_get_environ();
    int status = 0;

    envp = g_environ_setenv(envp, "NVME_PI_CACHE", pit_cache_dir(), TRUE);
    if (!g_spawn_sync(NULL, (char **)argv, envp, G_SPAWN_DEFAULT, NULL, NULL,
                      &out, &err, &status, error)) {
        return NULL;
    }
    if (!g_spawn_check_wait_status(status, NULL)) {
        g_strchomp(err);
        const char *last = strrchr(err, '\n');
        g_set_error(error, PIT_ERROR, PIT_ERROR_FAILED, "%s",
                    last ? last + 1 : (*err ? err : "failed"));
        return NULL;
    }
    g_strchomp(out);
    return g_steal_pointer(&out);
}

char *pit_shell_quote(const char *s)
{
    if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789-_./=:,+@%") == strlen(s)) {
        return g_strdup(s);
    }
    return g_shell_quote(s);
}

gboolean pit_write_file(const char *path, const char *data, gssize len,
                        GError **error)
{
    g_autofree char *dir = g_path_get_dirname(path);

    if (g_mkdir_with_parents(dir, 0755) < 0) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_FAILED,
                    "cannot create directory %s: %s", dir, g_strerror(errno));
        return FALSE;
    }
    return g_file_set_contents(path, data, len, error);
}

double pit_now(void)
{
    return g_get_monotonic_time() / 1e6;
}

int pit_strptr_cmp(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(char *const *)a, *(char *const *)b);
}
