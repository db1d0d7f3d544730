/*
 * test-kernel-spec.c - kernel spec parsing and the guest result reader.
 */
#include "kernel.h"
#include "result.h"

#include <string.h>

static void test_specs(void)
{
    KernelSpec k;
    g_autoptr(GError) e = NULL;

    g_assert_true(kernel_spec_parse("debian:6.12", &k, NULL));
    g_assert_cmpint(k.kind, ==, KERNEL_DEBIAN);
    g_assert_cmpstr(k.version, ==, "6.12");
    kernel_spec_clear(&k);

    g_assert_true(kernel_spec_parse("file:/b/bzImage,modules=/m", &k, NULL));
    g_assert_cmpint(k.kind, ==, KERNEL_FILE);
    g_assert_cmpstr(k.path, ==, "/b/bzImage");
    g_assert_cmpstr(k.modules, ==, "/m");
    kernel_spec_clear(&k);

    g_assert_true(kernel_spec_parse("build:~/linux@v7.0+fix.mbox", &k, NULL));
    g_assert_cmpint(k.kind, ==, KERNEL_BUILD);
    g_assert_cmpstr(k.tree, ==, "~/linux");
    g_assert_cmpstr(k.rev, ==, "v7.0");
    g_assert_cmpstr(k.series, ==, "fix.mbox");
    kernel_spec_clear(&k);

    g_assert_false(kernel_spec_parse("debian:", &k, &e));
    g_assert_nonnull(strstr(e->message, "not a version"));
    g_clear_error(&e);
    g_assert_false(kernel_spec_parse("file:/b,bogus=1", &k, &e));
    g_assert_nonnull(strstr(e->message, "unknown option 'bogus=1'"));
    g_clear_error(&e);
    g_assert_false(kernel_spec_parse("ubuntu:24.04", &k, &e));
    g_assert_nonnull(strstr(e->message, "debian:VERSION"));
    g_clear_error(&e);
    g_assert_false(kernel_spec_parse("build:tree@", &k, &e));
}

static void test_build_unknown_tree(void)
{
    g_autoptr(GError) e = NULL;
    g_autoptr(Kernel) k = kernel_resolve("build:/nonexistent/linux", &e);

    /* build: is implemented (kbuild.c); a missing tree says what it wants */
    g_assert_null(k);
    g_assert_nonnull(strstr(e->message, "does not exist"));
}

static void test_result(void)
{
    const char *raw =
        "noise\r\nNVMEPI-RESULT-BEGIN\r\n"
        "{\"run_id\": \"r\", \"kernel\": \"6.1.0-50-amd64\", \"status\": "
        "\"ok\", \"steps\": [{\"n\": 1, \"cmd\": \"dio-torture\", \"rc\": "
        "1}], \"dio\": [{\"write_errors\": {\"EILSEQ\": 4, \"EIO\": 0, "
        "\"other\": 0}, \"read_errors\": {\"EILSEQ\": 0, \"EIO\": 2, "
        "\"other\": 0}, \"verify\": {\"silent_mismatch\": 1}}], "
        "\"dmesg\": {\"protection_errors\": 7, \"lines\": [\"a\", \"b\"]}, "
        "\"md\": [{\"dev\": \"md0\", \"mismatch_cnt\": 128}, {\"dev\": "
        "\"md1\", \"mismatch_cnt\": -1}], \"fs_checks\": [{\"kind\": "
        "\"xfs\", \"rc\": 1, \"clean\": false}]}\r\n"
        "NVMEPI-RESULT-END\r\n";
    g_autofree char *json = result_extract(raw, strlen(raw));
    g_autoptr(GError) e = NULL;
    RunFacts f = { 0 };

    g_assert_nonnull(json);
    g_autoptr(GuestResult) r = result_parse(json, &e);
    g_assert_no_error(e);
    result_fill_facts(r, &f);
    g_assert_true(f.have_result);
    g_assert_cmpstr(f.status, ==, "ok");
    g_assert_cmpuint(f.steps_failed, ==, 1);
    g_assert_cmpuint(f.dio_write_eilseq, ==, 4);
    g_assert_cmpuint(f.dio_read_eio, ==, 2);
    g_assert_cmpuint(f.dio_silent_mismatch, ==, 1);
    g_assert_cmpuint(f.dmesg_protection, ==, 7);
    g_assert_cmpuint(f.md_mismatch, ==, 128);
    g_assert_cmpuint(f.fs_unclean, ==, 1);
    g_assert_cmpstr(result_kernel(r), ==, "6.1.0-50-amd64");
    g_autofree char *dm = result_dmesg_text(r);
    g_assert_cmpstr(dm, ==, "a\nb\n");

    g_assert_null(result_extract("NVMEPI-RESULT-BEGIN\n{", 21));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/kernel/specs", test_specs);
    g_test_add_func("/kernel/build-not-implemented",
                    test_build_unknown_tree);
    g_test_add_func("/result/parse", test_result);
    return g_test_run();
}
