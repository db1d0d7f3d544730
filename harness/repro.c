/*
 * repro.c - turn what the user gave `pit repro` into files for the
 * guest.  A dynamic binary's libraries are found the way guest/mkimage
 * finds its tools' (readelf's NEEDED, followed to a closure), here in
 * this host's library directories, and they travel with the binary's own
 * loader: the guest image's glibc may differ from the one it was built
 * against, and a loader always matches the libc it came with.
 */
#include "repro.h"
#include "image.h"
#include "repro-setup.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const lib_dirs[] = { "/lib/x86_64-linux-gnu",
                                        "/usr/lib/x86_64-linux-gnu",
                                        "/lib64",
                                        "/usr/lib64",
                                        "/lib",
                                        "/usr/lib",
                                        "/usr/local/lib",
                                        NULL };

const char *repro_kind_name(ReproKind k)
{
    static const char *const names[] = { "c", "static", "dynamic", "script" };

    return names[k];
}

static void file_free(gpointer p)
{
    ReproFile *f = p;

    g_free(f->host);
    g_free(f->guest);
    g_free(f);
}

void repro_add_file(Reproducer *r, const char *host, const char *guest,
                    bool exec)
{
    ReproFile *f = g_new0(ReproFile, 1);

    f->host = g_strdup(host);
    f->guest = g_strdup(guest);
    f->exec = exec;
    g_ptr_array_add(r->files, f);
}

Reproducer *repro_new(void)
{
    Reproducer *r = g_new0(Reproducer, 1);

    r->files = g_ptr_array_new_with_free_func(file_free);
    r->added = g_ptr_array_new_with_free_func(g_free);
    r->libs = g_ptr_array_new_with_free_func(g_free);
    return r;
}

void repro_free(Reproducer *r)
{
    if (!r) {
        return;
    }
    g_free(r->input);
    g_free(r->name);
    g_free(r->sha256);
    g_free(r->run);
    g_free(r->cc_log);
    g_ptr_array_unref(r->files);
    g_ptr_array_unref(r->added);
    g_ptr_array_unref(r->libs);
    g_free(r);
}

char *repro_elf_interp(const char *text)
{
    const char *k = strstr(text, "Requesting program interpreter: ");

    if (!k) {
        return NULL;
    }
    k += strlen("Requesting program interpreter: ");
    return g_strndup(k, strcspn(k, "]\n"));
}

/* Every "(TAG) ... [value]" of readelf -d for one tag. */
static char **dyn_values(const char *text, const char *tag)
{
    GPtrArray *a = g_ptr_array_new();
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

    for (unsigned i = 0; lines[i]; i++) {
        const char *t = strstr(lines[i], tag);
        const char *b = t ? strchr(t, '[') : NULL;
        const char *e = b ? strrchr(b, ']') : NULL;
        if (e) {
            g_ptr_array_add(a, g_strndup(b + 1, e - b - 1));
        }
    }
    g_ptr_array_add(a, NULL);
    return (char **)g_ptr_array_free(a, FALSE);
}

char **repro_elf_needed(const char *text)
{
    return dyn_values(text, "(NEEDED)");
}

char **repro_elf_runpath(const char *text)
{
    g_auto(GStrv) rp = dyn_values(text, "(RUNPATH)");
    g_auto(GStrv) r = dyn_values(text, "(RPATH)");
    g_autoptr(GPtrArray) a = g_ptr_array_new();

    for (char **v = rp[0] ? rp : r; *v; v++) {
        g_auto(GStrv) dirs = g_strsplit(*v, ":", -1);
        for (unsigned i = 0; dirs[i]; i++) {
            if (*dirs[i]) {
                g_ptr_array_add(a, g_strdup(dirs[i]));
            }
        }
    }
    g_ptr_array_add(a, NULL);
    return (char **)g_ptr_array_free(g_steal_pointer(&a), FALSE);
}

static char *readelf(const char *opt, const char *path, GError **error)
{
    const char *argv[] = { "readelf", opt, path, NULL };
    g_autofree char *out = NULL, *err = NULL;
    int status;

    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
                      NULL, &out, &err, &status, error)) {
        return NULL;
    }
    if (!g_spawn_check_wait_status(status, NULL)) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                    "readelf %s %s failed: %s", opt, path, g_strstrip(err));
        return NULL;
    }
    return g_steal_pointer(&out);
}

/* A library `soname` in the search dirs, or NULL. */
static char *find_lib(const char *soname, GPtrArray *dirs)
{
    for (unsigned i = 0; i < dirs->len; i++) {
        g_autofree char *p =
            g_build_filename(g_ptr_array_index(dirs, i), soname, NULL);
        if (g_file_test(p, G_FILE_TEST_IS_REGULAR)) {
            return g_steal_pointer(&p);
        }
    }
    return NULL;
}

static bool resolve_dynamic(Reproducer *r, const char *interp, GError **error)
{
    g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) todo = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GHashTable) seen =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GString) missing = g_string_new(NULL);
    g_autofree char *origin = g_path_get_dirname(r->input);
    g_autofree char *interp_name = g_path_get_basename(interp);

    g_ptr_array_add(todo, g_strdup(r->input));
    /* the binary's own dir and the added files' dirs come first */
    g_ptr_array_add(dirs, g_strdup(origin));
    for (unsigned i = 0; i < r->added->len; i++) {
        g_ptr_array_add(dirs,
                        g_path_get_dirname(g_ptr_array_index(r->added, i)));
    }
    for (unsigned t = 0; t < todo->len; t++) {
        const char *f = g_ptr_array_index(todo, t);
        g_autofree char *d = readelf("-dW", f, error);
        if (!d) {
            return false;
        }
        g_auto(GStrv) rp = repro_elf_runpath(d);
        for (unsigned i = 0; rp[i]; i++) {
            g_autofree char *fdir = g_path_get_dirname(f);
            g_auto(GStrv) parts = g_strsplit(rp[i], "$ORIGIN", -1);
            g_ptr_array_insert(dirs, 0, g_strjoinv(fdir, parts));
        }
        if (t == 0) {
            for (unsigned i = 0; lib_dirs[i]; i++) {
                g_ptr_array_add(dirs, g_strdup(lib_dirs[i]));
            }
        }
        g_auto(GStrv) needed = repro_elf_needed(d);
        for (unsigned i = 0; needed[i]; i++) {
            if (g_hash_table_contains(seen, needed[i]) ||
                !strcmp(needed[i], interp_name)) {
                continue;
            }
            g_hash_table_add(seen, g_strdup(needed[i]));
            char *p = find_lib(needed[i], dirs);
            if (!p) {
                g_string_append_printf(missing, "%s%s",
                                       missing->len ? ", " : "", needed[i]);
                continue;
            }
            g_autofree char *guest = g_strdup_printf("lib/%s", needed[i]);
            repro_add_file(r, p, guest, false);
            g_ptr_array_add(r->libs, g_strdup_printf("%s %s", needed[i], p));
            g_ptr_array_add(todo, p);
        }
    }
    if (missing->len) {
        g_autofree char *where = NULL;
        GString *w = g_string_new(NULL);
        for (unsigned i = 0; i < dirs->len; i++) {
            g_string_append_printf(w, "%s%s", i ? ":" : "",
                                   (char *)g_ptr_array_index(dirs, i));
        }
        where = g_string_free(w, FALSE);
        g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                    "reproducer %s is a dynamic binary whose libraries %s "
                    "were found nowhere (searched %s): link it statically "
                    "(-static), or put the libraries beside it or --add them",
                    r->input, missing->str, where);
        return false;
    }
    if (!g_file_test(interp, G_FILE_TEST_IS_REGULAR)) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                    "reproducer %s asks for the loader %s, which this host "
                    "does not have: link it statically (-static)",
                    r->input, interp);
        return false;
    }
    g_autofree char *gi = g_strdup_printf("lib/%s", interp_name);
    repro_add_file(r, interp, gi, true);
    r->run = g_strdup_printf(REPRO_GUEST_DIR
                             "/lib/%s --library-path " REPRO_GUEST_DIR
                             "/lib:" REPRO_GUEST_DIR " " REPRO_GUEST_DIR "/%s",
                             interp_name, r->name);
    return true;
}

static bool compile_c(Reproducer *r, const char *workdir, GError **error)
{
    const char *cc = g_getenv("CC") && *g_getenv("CC") ? g_getenv("CC") : "gcc";
    g_autofree char *exe = NULL, *out = NULL, *err = NULL, *base = NULL;
    int status;

    base = g_strdup(r->name);
    base[strlen(base) - 2] = '\0'; /* drop .c */
    if (g_mkdir_with_parents(workdir, 0755) < 0) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_FAILED, "cannot create %s: %s",
                    workdir, g_strerror(errno));
        return false;
    }
    exe = g_build_filename(workdir, base, NULL);
    /* libaio and liburing are linked only when used (static archives) */
    const char *argv[] = { cc,         "-static",       "-O2", "-g", "-Wall",
                           "-pthread", "-D_GNU_SOURCE", "-o",  exe,  r->input,
                           "-luring",  "-laio",         "-lm", NULL };
    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
                      NULL, &out, &err, &status, error)) {
        g_prefix_error(error, "cannot run the compiler %s: ", cc);
        return false;
    }
    r->cc_log = g_strconcat(out, err, NULL);
    if (!g_spawn_check_wait_status(status, NULL)) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                    "%s does not compile (%s -static -pthread ... -luring "
                    "-laio -lm):\n%s",
                    r->input, cc, g_strchomp(r->cc_log));
        return false;
    }
    g_free(r->name);
    r->name = g_steal_pointer(&base);
    repro_add_file(r, exe, r->name, true);
    r->run = g_strdup_printf(REPRO_GUEST_DIR "/%s", r->name);
    return true;
}

/* A script's interpreter: the guest has busybox's sh and nothing else. */
static bool script_ok(Reproducer *r, const char *head, GError **error)
{
    g_autofree char *line = g_strndup(head + 2, strcspn(head + 2, "\n"));
    g_auto(GStrv) w = g_strsplit_set(g_strstrip(line), " \t", -1);
    const char *interp = w[0] ? w[0] : "";
    g_autofree char *b = g_path_get_basename(interp);

    if (!strcmp(b, "env") && w[1]) {
        g_free(b);
        b = g_strdup(w[1]);
    }
    if (strcmp(b, "sh") && strcmp(b, "bash") && strcmp(b, "ash") &&
        strcmp(b, "dash") && strcmp(b, "busybox")) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                    "reproducer %s runs with '%s', which the guest does not "
                    "have (it has busybox sh): write it as a shell script, a "
                    "C file or a static binary",
                    r->input, interp);
        return false;
    }
    repro_add_file(r, r->input, r->name, true);
    r->run = g_strdup_printf("/bin/sh " REPRO_GUEST_DIR "/%s", r->name);
    return true;
}

Reproducer *repro_prepare(const char *path, char **add, const char *workdir,
                          GError **error)
{
    g_autoptr(Reproducer) r = repro_new();
    g_autofree char *data = NULL;
    gsize len;
    g_autoptr(GHashTable) names =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

    r->input = g_canonicalize_filename(path, NULL);
    r->name = g_path_get_basename(r->input);
    if (!g_file_test(r->input, G_FILE_TEST_IS_REGULAR) ||
        !g_file_get_contents(r->input, &data, &len, NULL)) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_NOT_FOUND,
                    "reproducer %s does not exist or is not a readable file",
                    path);
        return NULL;
    }
    r->sha256 = g_compute_checksum_for_data(G_CHECKSUM_SHA256,
                                            (const guint8 *)data, len);
    for (unsigned i = 0; add && add[i]; i++) {
        g_autofree char *abs = g_canonicalize_filename(add[i], NULL);
        g_autofree char *b = g_path_get_basename(abs);
        if (!g_file_test(abs, G_FILE_TEST_IS_REGULAR)) {
            g_set_error(error, PIT_ERROR, PIT_ERROR_NOT_FOUND,
                        "--add %s: no such file", add[i]);
            return NULL;
        }
        if (!strcmp(b, "lib") || g_hash_table_contains(names, b)) {
            g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                        "--add %s: a file named '%s' is already in the guest "
                        "directory; rename one",
                        add[i], b);
            return NULL;
        }
        g_hash_table_add(names, g_strdup(b));
        g_ptr_array_add(r->added, g_steal_pointer(&abs));
    }
    if (len >= 4 && !memcmp(data, "\177ELF", 4)) {
        g_autofree char *l = readelf("-lW", r->input, error);
        g_autofree char *interp = NULL;
        if (!l) {
            return NULL;
        }
        if (!strstr(l, "Elf file type is EXEC") &&
            !strstr(l, "Elf file type is DYN")) {
            g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                        "reproducer %s is an ELF file but not a program", path);
            return NULL;
        }
        if (len < 20 || data[4] != 2 || data[18] != 62) {
            g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                        "reproducer %s is not an x86-64 program (the guest "
                        "is x86-64)",
                        path);
            return NULL;
        }
        interp = repro_elf_interp(l);
        r->kind = interp ? REPRO_KIND_DYNAMIC : REPRO_KIND_STATIC;
        repro_add_file(r, r->input, r->name, true);
        if (interp) {
            if (!resolve_dynamic(r, interp, error)) {
                return NULL;
            }
        } else {
            r->run = g_strdup_printf(REPRO_GUEST_DIR "/%s", r->name);
        }
    } else if (len >= 2 && !memcmp(data, "#!", 2)) {
        r->kind = REPRO_KIND_SCRIPT;
        if (!script_ok(r, data, error)) {
            return NULL;
        }
    } else if (g_str_has_suffix(r->name, ".c")) {
        r->kind = REPRO_KIND_C;
        if (!compile_c(r, workdir, error)) {
            return NULL;
        }
    } else if (g_str_has_suffix(r->name, ".sh")) {
        r->kind = REPRO_KIND_SCRIPT;
        repro_add_file(r, r->input, r->name, true);
        r->run = g_strdup_printf("/bin/sh " REPRO_GUEST_DIR "/%s", r->name);
    } else {
        g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                    "reproducer %s is neither a C file (.c), an x86-64 "
                    "program (ELF) nor a shell script (#! or .sh)",
                    path);
        return NULL;
    }
    if (g_hash_table_contains(names, r->name)) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                    "--add: a file is named like the reproducer ('%s')",
                    r->name);
        return NULL;
    }
    for (unsigned i = 0; i < r->added->len; i++) {
        const char *a = g_ptr_array_index(r->added, i);
        g_autofree char *b = g_path_get_basename(a);
        repro_add_file(r, a, b, g_file_test(a, G_FILE_TEST_IS_EXECUTABLE));
    }
    return g_steal_pointer(&r);
}

/*
 * One newc entry, as the kernel's initramfs unpacker reads it (the
 * format of image.c's job archive; kept here so the two stay separate
 * files' concerns).
 */
GBytes *repro_cpio(const Reproducer *r, GError **error)
{
    g_autoptr(GByteArray) a = g_byte_array_new();
    unsigned ino = 1000;
    bool lib = false;

    image_cpio_entry(a, "nvme-pi", 040755, NULL, 0, ino++);
    image_cpio_entry(a, "nvme-pi/files", 040755, NULL, 0, ino++);
    for (unsigned i = 0; i < r->files->len; i++) {
        const ReproFile *f = g_ptr_array_index(r->files, i);
        g_autofree char *data = NULL;
        g_autofree char *name = g_strdup_printf("nvme-pi/files/%s", f->guest);
        gsize len;
        if (g_str_has_prefix(f->guest, "lib/") && !lib) {
            image_cpio_entry(a, "nvme-pi/files/lib", 040755, NULL, 0, ino++);
            lib = true;
        }
        if (!g_file_get_contents(f->host, &data, &len, error)) {
            return NULL;
        }
        image_cpio_entry(a, name, f->exec ? 0100755 : 0100644, data, len,
                         ino++);
    }
    image_cpio_entry(a, "TRAILER!!!", 0, NULL, 0, 0);
    return g_byte_array_free_to_bytes(g_steal_pointer(&a));
}
