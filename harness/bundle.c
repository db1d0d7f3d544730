/*
 * bundle.c - packing and unpacking repro bundles.  tar(1) does the
 * archive (GNU tar refuses members that climb out with ".." and strips
 * a leading '/'); everything pit reads from a bundle is then looked up
 * by the names its manifest gives, under the unpacked top directory.
 * Also a kernel's identity in the manifest: for a build: kernel the
 * tree, revision, series and configuration, with the series and the
 * configuration in the bundle, and the spec replay rebuilds it from.
 */
#include "bundle.h"
#include "json-util.h"
#include "kbuild.h"
#include "util.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

bool bundle_add_file(const char *stage, const char *host, const char *rel,
                     GError **error)
{
    g_autofree char *data = NULL;
    g_autofree char *dst = g_build_filename(stage, rel, NULL);
    gsize len;

    if (!g_file_get_contents(host, &data, &len, error)) {
        return false;
    }
    if (!pit_write_file(dst, data, len, error)) {
        return false;
    }
    if (g_file_test(host, G_FILE_TEST_IS_EXECUTABLE)) {
        g_chmod(dst, 0755);
    }
    return true;
}

bool bundle_add_text(const char *stage, const char *rel, const char *text,
                     GError **error)
{
    g_autofree char *dst = g_build_filename(stage, rel, NULL);

    return pit_write_file(dst, text, -1, error);
}

static bool run_tar(const char *const *argv, GError **error)
{
    g_autofree char *err = NULL;
    int status;

    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
                      NULL, NULL, &err, &status, error)) {
        return false;
    }
    if (!g_spawn_check_wait_status(status, NULL)) {
        g_strstrip(err);
        g_set_error(error, PIT_ERROR, PIT_ERROR_FAILED, "%s",
                    *err ? err : "tar failed");
        return false;
    }
    return true;
}

bool bundle_pack(const char *stage, JsonNode *manifest, const char *tarball,
                 GError **error)
{
    g_autofree char *parent = g_path_get_dirname(stage);
    g_autofree char *base = g_path_get_basename(stage);
    g_autofree char *mp = g_build_filename(stage, "manifest.json", NULL);

    if (!pit_json_write(mp, manifest, error)) {
        return false;
    }
    const char *argv[] = { "tar",       "-czf",      tarball, "-C", parent,
                           "--owner=0", "--group=0", base,    NULL };
    if (!run_tar(argv, error)) {
        g_prefix_error(error, "cannot pack %s: ", tarball);
        return false;
    }
    return true;
}

bool bundle_manifest_check(JsonNode *m, const char *what, GError **error)
{
    JsonObject *o =
        m && JSON_NODE_HOLDS_OBJECT(m) ? json_node_get_object(m) : NULL;
    const char *fmt = pit_json_string(o, "format");
    JsonObject *repro = o ? pit_json_object(o, "reproducer") : NULL;
    JsonObject *setup = o ? pit_json_object(o, "setup") : NULL;
    JsonArray *runs = o ? pit_json_array(o, "runs") : NULL;
    JsonArray *kernels = o ? pit_json_array(o, "kernels") : NULL;

    if (!fmt || strcmp(fmt, BUNDLE_FORMAT)) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                    "%s is not a pit repro bundle (its manifest.json has no "
                    "\"format\": \"" BUNDLE_FORMAT "\"); bundles come from "
                    "'pit repro'",
                    what);
        return false;
    }
    if (!json_object_has_member(o, "version") ||
        json_object_get_int_member(o, "version") != BUNDLE_VERSION) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                    "%s is a repro bundle of version %" G_GINT64_FORMAT
                    "; this pit reads version %d",
                    what,
                    json_object_has_member(o, "version")
                        ? json_object_get_int_member(o, "version")
                        : (gint64)0,
                    BUNDLE_VERSION);
        return false;
    }
    if (!repro || !pit_json_string(repro, "run") ||
        !pit_json_array(repro, "files") || !setup ||
        !pit_json_string(setup, "file") || !runs ||
        !json_array_get_length(runs) || !kernels ||
        !json_array_get_length(kernels)) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                    "%s: manifest.json lacks %s: the bundle is damaged", what,
                    !repro || !pit_json_string(repro, "run") ||
                            !pit_json_array(repro, "files")
                        ? "the reproducer"
                    : !setup || !pit_json_string(setup, "file") ? "the setup"
                    : !runs || !json_array_get_length(runs)     ? "the runs"
                                                            : "the kernels");
        return false;
    }
    for (guint i = 0; i < json_array_get_length(runs); i++) {
        JsonNode *rn = json_array_get_element(runs, i);
        JsonObject *r =
            JSON_NODE_HOLDS_OBJECT(rn) ? json_node_get_object(rn) : NULL;
        if (!r || !pit_json_string(r, "kernel") ||
            !pit_json_string(r, "model") ||
            !json_object_has_member(r, "seed") ||
            !json_object_has_member(r, "index")) {
            g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                        "%s: manifest.json run %u lacks its kernel, model, "
                        "index or seed: the bundle is damaged",
                        what, i + 1);
            return false;
        }
    }
    return true;
}

char *bundle_unpack(const char *tarball, const char *dir, JsonNode **manifest,
                    GError **error)
{
    g_autoptr(JsonParser) p = json_parser_new();
    g_autofree char *top = g_build_filename(dir, BUNDLE_TOP, NULL);
    g_autofree char *mpath = g_build_filename(top, "manifest.json", NULL);
    g_autoptr(GError) e = NULL;

    if (!g_file_test(tarball, G_FILE_TEST_IS_REGULAR)) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_NOT_FOUND,
                    "bundle %s does not exist", tarball);
        return NULL;
    }
    if (g_mkdir_with_parents(dir, 0755) < 0) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_FAILED, "cannot create %s: %s",
                    dir, g_strerror(errno));
        return NULL;
    }
    const char *argv[] = { "tar", "-xzf", tarball, "-C", dir, "--no-same-owner",
                           NULL };
    if (!run_tar(argv, &e)) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                    "%s is not a readable .tar.gz (damaged, or not a bundle "
                    "from 'pit repro'): %s",
                    tarball, e->message);
        return NULL;
    }
    if (!g_file_test(mpath, G_FILE_TEST_IS_REGULAR)) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                    "%s is not a pit repro bundle: no " BUNDLE_TOP
                    "/manifest.json in it (bundles come from 'pit repro')",
                    tarball);
        return NULL;
    }
    if (!json_parser_load_from_file(p, mpath, &e)) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                    "%s: manifest.json is not JSON (%s): the bundle is "
                    "damaged",
                    tarball, e->message);
        return NULL;
    }
    if (!bundle_manifest_check(json_parser_get_root(p), tarball, error)) {
        return NULL;
    }
    *manifest = json_node_copy(json_parser_get_root(p));
    return g_steal_pointer(&top);
}

/* ---- a kernel's identity ----------------------------------------------- */

static char *sha256_of(const char *path)
{
    g_autofree char *data = NULL;
    gsize len;

    if (!g_file_get_contents(path, &data, &len, NULL)) {
        return NULL;
    }
    return g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guint8 *)data,
                                       len);
}

/* Copy `host` into the bundle as `rel` and add it to the array open in b. */
static bool add_bundled(JsonBuilder *b, const char *stage, const char *host,
                        const char *rel, GError **error)
{
    g_autofree char *sha = sha256_of(host);

    if (!bundle_add_file(stage, host, rel, error)) {
        return false;
    }
    json_builder_begin_object(b);
    pit_json_add_str(b, "file", rel);
    pit_json_add_str(b, "sha256", sha);
    json_builder_end_object(b);
    return true;
}

/* The series: a directory's *.patch in name order, an mbox, or a range. */
static bool add_series(JsonBuilder *b, const KbuildSpec *ks, const char *dir,
                       const char *stage, GError **error)
{
    bool is_dir = g_file_test(ks->series, G_FILE_TEST_IS_DIR);
    bool is_file = !is_dir && g_file_test(ks->series, G_FILE_TEST_IS_REGULAR);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);

    pit_json_add_str(b, "series", ks->series);
    pit_json_add_str(b, "series_kind",
                     is_dir    ? "dir"
                     : is_file ? "mbox"
                               : "range");
    json_builder_set_member_name(b, "series_files");
    json_builder_begin_array(b);
    if (is_dir) {
        g_autoptr(GDir) d = g_dir_open(ks->series, 0, error);
        const char *n;
        if (!d) {
            return false;
        }
        while ((n = g_dir_read_name(d))) {
            if (g_str_has_suffix(n, ".patch")) {
                g_ptr_array_add(names, g_strdup(n));
            }
        }
        g_ptr_array_sort(names, pit_strptr_cmp);
        for (unsigned i = 0; i < names->len; i++) {
            const char *n1 = g_ptr_array_index(names, i);
            g_autofree char *host = g_build_filename(ks->series, n1, NULL);
            g_autofree char *rel = g_build_filename(dir, "series", n1, NULL);
            if (!add_bundled(b, stage, host, rel, error)) {
                return false;
            }
        }
    } else if (is_file) {
        g_autofree char *rel = g_build_filename(dir, "series.mbox", NULL);
        if (!add_bundled(b, stage, ks->series, rel, error)) {
            return false;
        }
    }
    json_builder_end_array(b);
    return true;
}

bool bundle_add_kernel_build(JsonBuilder *b, const Kernel *k, const char *stage,
                             GError **error)
{
    KbuildSpec ks;
    g_autofree char *dir = g_build_filename("kernels", k->label, NULL);
    g_autofree char *config =
        g_strdup_printf("%s/boot/config-%s", k->dir, k->version);
    g_autofree char *config_rel = g_build_filename(dir, "config", NULL);
    bool ok = true;

    if (!g_str_has_prefix(k->spec, "build:")) {
        return true;
    }
    if (!kbuild_spec_parse(k->spec, &ks, error)) {
        return false;
    }
    json_builder_set_member_name(b, "build");
    json_builder_begin_object(b);
    pit_json_add_str(b, "tree", ks.tree);
    pit_json_add_str(b, "rev", ks.rev);
    pit_json_add_str(b, "base", k->base);
    pit_json_add_str(b, "commit", k->commit);
    if (ks.series) {
        ok = add_series(b, &ks, dir, stage, error);
    }
    json_builder_set_member_name(b, "config_fragments");
    json_builder_begin_array(b);
    for (unsigned i = 0; ok && ks.configs && ks.configs[i]; i++) {
        g_autofree char *base = g_path_get_basename(ks.configs[i]);
        g_autofree char *name = g_strdup_printf("%u-%s", i + 1, base);
        g_autofree char *rel =
            g_build_filename(dir, "config-fragments", name, NULL);
        ok = add_bundled(b, stage, ks.configs[i], rel, error);
    }
    json_builder_end_array(b);
    /* the whole .config the kernel was built with */
    json_builder_set_member_name(b, "config");
    if (ok && g_file_test(config, G_FILE_TEST_IS_REGULAR)) {
        json_builder_begin_array(b);
        ok = add_bundled(b, stage, config, config_rel, error);
        json_builder_end_array(b);
    } else {
        json_builder_add_null_value(b);
    }
    json_builder_end_object(b);
    kbuild_spec_clear(&ks);
    return ok;
}

/* The bundled file of element i of array `k` of `o`, under `top`. */
static char *bundled_path(JsonObject *o, const char *k, guint i,
                          const char *top)
{
    JsonArray *a = pit_json_array(o, k);
    JsonObject *f = a && i < json_array_get_length(a)
                        ? json_array_get_object_element(a, i)
                        : NULL;
    const char *rel = pit_json_string(f, "file");

    if (!rel || *rel == '/' || strstr(rel, "..")) {
        return NULL;
    }
    return g_build_filename(top, rel, NULL);
}

/*
 * build:TREE[@REV][+SERIES][,config=F]... from the manifest's build
 * object, with the series and fragments from the bundle.  A user's tree
 * is pinned to the commit the series applied to.
 */
char *bundle_kernel_spec(JsonObject *ko, const char *top, GError **error)
{
    JsonObject *bo = pit_json_object(ko, "build");
    const char *spec = pit_json_string(ko, "spec");
    const char *tree = pit_json_string(bo, "tree");
    const char *base = pit_json_string(bo, "base");
    const char *kind = pit_json_string(bo, "series_kind");
    JsonArray *frags = pit_json_array(bo, "config_fragments");
    g_autoptr(GString) s = NULL;

    if (!spec) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                    "manifest.json has a kernel without its spec: the bundle "
                    "is damaged");
        return NULL;
    }
    if (!g_str_has_prefix(spec, "build:")) {
        return g_strdup(spec);
    }
    if (!tree || !base) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                    "kernel '%s': the bundle does not say which tree and "
                    "commit it was built from (made by an older pit?); "
                    "cannot rebuild it",
                    spec);
        return NULL;
    }
    if (strpbrk(top, "+,@")) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                    "kernel '%s': cannot name the bundle's series in a "
                    "kernel spec from %s (it has a '+', ',' or '@'); give "
                    "--out a plain directory",
                    spec, top);
        return NULL;
    }
    s = g_string_new("build:");
    if (g_str_has_prefix(tree, "debian:")) {
        g_string_append(s, tree);
    } else if (!g_file_test(tree, G_FILE_TEST_IS_DIR)) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_DEPENDENCY,
                    "kernel '%s' was built from the git tree %s, which is "
                    "not on this machine: put a clone of it there (it needs "
                    "commit %s) and replay again",
                    spec, tree, base);
        return NULL;
    } else if (!g_strcmp0(kind, "range")) {
        /* the range names its own commits in the tree */
        const char *rev = pit_json_string(bo, "rev");
        g_string_append_printf(s, "%s%s%s", tree, rev ? "@" : "",
                               rev ? rev : "");
    } else {
        g_string_append_printf(s, "%s@%s", tree, base);
    }
    if (!g_strcmp0(kind, "range")) {
        g_string_append_printf(s, "+%s", pit_json_string(bo, "series"));
    } else if (kind) {
        g_autofree char *first = bundled_path(bo, "series_files", 0, top);
        g_autofree char *dir = first ? g_path_get_dirname(first) : NULL;
        if (!first || !g_file_test(first, G_FILE_TEST_IS_REGULAR)) {
            g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                        "kernel '%s': the bundle lacks its patch series: the "
                        "bundle is damaged",
                        spec);
            return NULL;
        }
        g_string_append_printf(s, "+%s", !g_strcmp0(kind, "dir") ? dir : first);
    }
    for (guint i = 0; frags && i < json_array_get_length(frags); i++) {
        g_autofree char *f = bundled_path(bo, "config_fragments", i, top);
        if (!f || !g_file_test(f, G_FILE_TEST_IS_REGULAR)) {
            g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                        "kernel '%s': the bundle lacks config fragment %u: "
                        "the bundle is damaged",
                        spec, i + 1);
            return NULL;
        }
        g_string_append_printf(s, ",config=%s", f);
    }
    return g_string_free(g_steal_pointer(&s), FALSE);
}

char *bundle_config_sha256(JsonObject *ko)
{
    JsonArray *a = pit_json_array(pit_json_object(ko, "build"), "config");
    JsonObject *f = a && json_array_get_length(a)
                        ? json_array_get_object_element(a, 0)
                        : NULL;

    return g_strdup(pit_json_string(f, "sha256"));
}

char *bundle_kernel_config_sha256(const Kernel *k)
{
    g_autofree char *config =
        g_strdup_printf("%s/boot/config-%s", k->dir, k->version);

    return sha256_of(config);
}
