/*
 * bundle.c - packing and unpacking repro bundles.  tar(1) does the
 * archive (GNU tar refuses members that climb out with ".." and strips
 * a leading '/'); everything pit reads from a bundle is then looked up
 * by the names its manifest gives, under the unpacked top directory.
 */
#include "bundle.h"
#include "json-util.h"
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

static JsonObject *member_obj(JsonObject *o, const char *k)
{
    JsonNode *n = json_object_get_member(o, k);

    return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

static JsonArray *member_arr(JsonObject *o, const char *k)
{
    JsonNode *n = json_object_get_member(o, k);

    return n && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;
}

static const char *member_str(JsonObject *o, const char *k)
{
    JsonNode *n = o ? json_object_get_member(o, k) : NULL;

    return n && JSON_NODE_HOLDS_VALUE(n) &&
                   json_node_get_value_type(n) == G_TYPE_STRING
               ? json_node_get_string(n)
               : NULL;
}

bool bundle_manifest_check(JsonNode *m, const char *what, GError **error)
{
    JsonObject *o =
        m && JSON_NODE_HOLDS_OBJECT(m) ? json_node_get_object(m) : NULL;
    const char *fmt = member_str(o, "format");
    JsonObject *repro = o ? member_obj(o, "reproducer") : NULL;
    JsonObject *setup = o ? member_obj(o, "setup") : NULL;
    JsonArray *runs = o ? member_arr(o, "runs") : NULL;
    JsonArray *kernels = o ? member_arr(o, "kernels") : NULL;

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
    if (!repro || !member_str(repro, "run") || !member_arr(repro, "files") ||
        !setup || !member_str(setup, "file") || !runs ||
        !json_array_get_length(runs) || !kernels ||
        !json_array_get_length(kernels)) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                    "%s: manifest.json lacks %s: the bundle is damaged", what,
                    !repro || !member_str(repro, "run") ||
                            !member_arr(repro, "files")
                        ? "the reproducer"
                    : !setup || !member_str(setup, "file")  ? "the setup"
                    : !runs || !json_array_get_length(runs) ? "the runs"
                                                            : "the kernels");
        return false;
    }
    for (guint i = 0; i < json_array_get_length(runs); i++) {
        JsonNode *rn = json_array_get_element(runs, i);
        JsonObject *r =
            JSON_NODE_HOLDS_OBJECT(rn) ? json_node_get_object(rn) : NULL;
        if (!r || !member_str(r, "kernel") || !member_str(r, "model") ||
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
