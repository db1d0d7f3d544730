/*
 * test-bundle.c - the repro bundle's manifest: what bundle_manifest_check
 * refuses, and the kernel spec replay rebuilds a build: kernel from (the
 * bundle's series and config fragments, a user's tree pinned to its
 * commit, a tree that is not here refused by name).
 */
#include "bundle.h"
#include "util.h"

#include <glib/gstdio.h>
#include <string.h>

static JsonObject *parse(const char *text, JsonParser *p)
{
    g_autoptr(GError) e = NULL;

    g_assert_true(json_parser_load_from_data(p, text, -1, &e));
    g_assert_no_error(e);
    return json_node_get_object(json_parser_get_root(p));
}

/* A bundle top with the files a build: kernel's entry names. */
static char *make_top(void)
{
    g_autoptr(GError) e = NULL;
    char *top = g_dir_make_tmp("test-bundle-XXXXXX", &e);

    g_assert_no_error(e);
    g_assert_true(
        bundle_add_text(top, "kernels/k/series/0001-a.patch", "x", &e));
    g_assert_true(
        bundle_add_text(top, "kernels/k/series/0002-b.patch", "y", &e));
    g_assert_true(bundle_add_text(top, "kernels/k/config-fragments/1-f.config",
                                  "CONFIG_X=y\n", &e));
    g_assert_no_error(e);
    return top;
}

static void remove_tree(const char *dir)
{
    const char *argv[] = { "rm", "-rf", dir, NULL };

    g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                 NULL, NULL, NULL, NULL);
}

static void test_spec_debian(void)
{
    g_autoptr(JsonParser) p = json_parser_new();
    g_autofree char *top = make_top();
    g_autoptr(GError) e = NULL;
    JsonObject *ko = parse(
        "{\"spec\": \"build:debian:7.2+/gone/s,config=/gone/f.config\","
        " \"build\": {\"tree\": \"debian:7.2\", \"rev\": null,"
        " \"base\": \"abc\", \"series_kind\": \"dir\","
        " \"series_files\": [{\"file\": \"kernels/k/series/0001-a.patch\"},"
        " {\"file\": \"kernels/k/series/0002-b.patch\"}],"
        " \"config_fragments\": [{\"file\":"
        " \"kernels/k/config-fragments/1-f.config\"}]}}",
        p);
    g_autofree char *spec = bundle_kernel_spec(ko, top, &e);
    g_autofree char *want = g_strdup_printf(
        "build:debian:7.2+%s/kernels/k/series,config=%s/kernels/k/"
        "config-fragments/1-f.config",
        top, top);

    g_assert_no_error(e);
    g_assert_cmpstr(spec, ==, want);
    remove_tree(top);
}

static void test_spec_tree(void)
{
    g_autoptr(JsonParser) p = json_parser_new();
    g_autoptr(JsonParser) p2 = json_parser_new();
    g_autoptr(JsonParser) p3 = json_parser_new();
    g_autofree char *top = make_top();
    g_autoptr(GError) e = NULL, e2 = NULL;
    /* a tree that is here: pinned to the commit the series applied to */
    g_autofree char *text = g_strdup_printf(
        "{\"spec\": \"build:%s@main\", \"build\": {\"tree\": \"%s\","
        " \"rev\": \"main\", \"base\": \"0123abcd\"}}",
        top, top);
    JsonObject *here = parse(text, p);
    JsonObject *gone = parse(
        "{\"spec\": \"build:/no/such/linux@v6.9\", \"build\": {\"tree\":"
        " \"/no/such/linux\", \"rev\": \"v6.9\", \"base\": \"0123abcd\"}}",
        p2);
    JsonObject *plain = parse("{\"spec\": \"debian:6.1\"}", p3);
    g_autofree char *spec = bundle_kernel_spec(here, top, &e);
    g_autofree char *want = g_strdup_printf("build:%s@0123abcd", top);
    g_autofree char *none = bundle_kernel_spec(gone, top, &e2);
    g_autofree char *same = bundle_kernel_spec(plain, top, NULL);

    g_assert_no_error(e);
    g_assert_cmpstr(spec, ==, want);
    g_assert_null(none);
    g_assert_error(e2, PIT_ERROR, PIT_ERROR_DEPENDENCY);
    g_assert_nonnull(strstr(e2->message, "/no/such/linux"));
    g_assert_nonnull(strstr(e2->message, "0123abcd"));
    g_assert_cmpstr(same, ==, "debian:6.1");
    remove_tree(top);
}

static void test_spec_damaged(void)
{
    static const char *const bad[] = {
        /* no tree/commit: an older bundle */
        "{\"spec\": \"build:debian:7.2\", \"build\": {}}",
        /* a series file that is not in the bundle */
        "{\"spec\": \"build:debian:7.2+s\", \"build\": {\"tree\":"
        " \"debian:7.2\", \"base\": \"a\", \"series_kind\": \"mbox\","
        " \"series_files\": [{\"file\": \"kernels/k/nope.mbox\"}]}}",
        /* a fragment that climbs out */
        "{\"spec\": \"build:debian:7.2\", \"build\": {\"tree\":"
        " \"debian:7.2\", \"base\": \"a\", \"config_fragments\":"
        " [{\"file\": \"../../etc/passwd\"}]}}",
        "{\"build\": {}}", NULL
    };
    g_autofree char *top = make_top();

    for (unsigned i = 0; bad[i]; i++) {
        g_autoptr(JsonParser) p = json_parser_new();
        g_autoptr(GError) e = NULL;
        g_autofree char *spec = bundle_kernel_spec(parse(bad[i], p), top, &e);
        g_assert_null(spec);
        g_assert_error(e, PIT_ERROR, PIT_ERROR_USAGE);
    }
    remove_tree(top);
}

static void test_manifest_check(void)
{
    static const struct {
        const char *text, *says;
    } cases[] = {
        { "{\"format\": \"something-else\"}", "not a pit repro bundle" },
        { "{\"format\": \"" BUNDLE_FORMAT "\", \"version\": 99}",
          "version 99" },
        { "{\"format\": \"" BUNDLE_FORMAT "\", \"version\": 1}",
          "lacks the reproducer" },
        { "[1, 2]", "not a pit repro bundle" },
        { NULL, NULL },
    };

    for (unsigned i = 0; cases[i].text; i++) {
        g_autoptr(JsonParser) p = json_parser_new();
        g_autoptr(GError) e = NULL;
        g_assert_true(json_parser_load_from_data(p, cases[i].text, -1, NULL));
        g_assert_false(
            bundle_manifest_check(json_parser_get_root(p), "b.tar.gz", &e));
        g_assert_error(e, PIT_ERROR, PIT_ERROR_USAGE);
        g_assert_nonnull(strstr(e->message, cases[i].says));
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/bundle/spec-debian", test_spec_debian);
    g_test_add_func("/bundle/spec-tree", test_spec_tree);
    g_test_add_func("/bundle/spec-damaged", test_spec_damaged);
    g_test_add_func("/bundle/manifest-check", test_manifest_check);
    return g_test_run();
}
