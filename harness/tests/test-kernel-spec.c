/*
 * test-kernel-spec.c - kernel spec parsing, which Debian kernel a
 * debian:VER means (version order, matching, series), and the guest
 * result reader.
 */
#include "kbuild.h"
#include "kernel.h"
#include "result.h"
#include "util.h"

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

/* Labels name run directories and cached images: readable, file-system
 * safe, and distinct for distinct specs even when paths end alike. */
static void test_labels(void)
{
    g_autofree char *deb = kernel_label("debian:6.1");
    g_autofree char *a =
        kernel_label("build:/src/linux,config=/x/check.config+1");
    g_autofree char *b =
        kernel_label("build:/src/linux,config=/y/check.config+1");
    g_autofree char *c = kernel_label("build:debian:7.2@0123456789ab");
    g_autofree char *f = kernel_label("file:/b/bzImage");

    /* no path: as before, nothing appended */
    g_assert_cmpstr(deb, ==, "debian-6.1");
    g_assert_cmpstr(c, ==, "build-debian-7.2-0123456789ab");
    /* paths cut to their last component, then the spec's hash */
    g_assert_true(g_str_has_prefix(a, "build-linux-config-check.config-1-"));
    g_assert_cmpuint(strlen(a), ==,
                     strlen("build-linux-config-check.config-1-") + 6);
    g_assert_true(g_str_has_prefix(b, "build-linux-config-check.config-1-"));
    g_assert_cmpstr(a, !=, b);
    g_assert_true(g_str_has_prefix(f, "file-bzImage-"));
    for (const char *p = a; *p; p++) {
        g_assert_true(g_ascii_isalnum(*p) || strchr(".-_", *p));
    }
}

static void test_debian_version_order(void)
{
    /* Each row: a < b in Debian's order. */
    static const char *const less[][2] = {
        { "6.1.176-1", "6.1.192-3" },
        { "6.1.9-1", "6.1.10-1" }, /* numbers, not strings */
        { "6.1.192-3", "6.12.1-1" },
        { "7.3~rc7-1~exp1", "7.3-1" }, /* an rc before the release */
        { "7.3~rc7-1~exp1", "7.3.4-1~bpo13+1" },
        { "7.3.4-1~bpo13+1", "7.3.4-1" }, /* a backport before the original */
        { "6.12.95-1~bpo12+1", "6.12.95-1" },
        { "1.0-1", "1.0-1+b1" },
        { "1.0a-1", "1.0b-1" },
        { "1.0-1", "1.0+x-1" },
        { "9:1.0-1", "10:0.1-1" }, /* epochs first */
        { "2.0-9", "1:1.0-1" },
        { "1.0~~", "1.0~" },
        { "6.1.176", "6.1.176-1" },
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(less); i++) {
        g_assert_cmpint(kernel_debian_version_cmp(less[i][0], less[i][1]), <,
                        0);
        g_assert_cmpint(kernel_debian_version_cmp(less[i][1], less[i][0]), >,
                        0);
        g_assert_cmpint(kernel_debian_version_cmp(less[i][0], less[i][0]), ==,
                        0);
    }
    g_assert_cmpint(kernel_debian_version_cmp("6.01-1", "6.1-1"), ==, 0);
}

static void test_debian_version_matches(void)
{
    g_assert_true(kernel_debian_version_matches("6.1", "6.1.192-3"));
    g_assert_true(kernel_debian_version_matches("6.1", "6.1"));
    g_assert_true(kernel_debian_version_matches("7.3", "7.3~rc7-1~exp1"));
    g_assert_true(kernel_debian_version_matches("6.1.176", "6.1.176-1"));
    g_assert_true(kernel_debian_version_matches("6.1.176-1", "6.1.176-1"));
    g_assert_true(kernel_debian_version_matches("7", "7.2.13-1"));
    g_assert_false(kernel_debian_version_matches("6.1", "6.12.95-1~bpo12+1"));
    g_assert_false(kernel_debian_version_matches("6.1.17", "6.1.176-1"));
    g_assert_false(kernel_debian_version_matches("6.1.176-1", "6.1.176-10"));
    g_assert_false(kernel_debian_version_matches("", "6.1"));
}

/* What kernel-fetch --index printed on 2026-11-30, plus noise. */
static const char index_text[] =
    "bookworm 6.1.176-1 linux-image-6.1.0-50-amd64\n"
    "bookworm-security 6.1.192-3 linux-image-6.1.0-57-amd64\n"
    "bookworm-backports 6.12.95-1~bpo12+1 linux-image-6.12.95+deb12-amd64\n"
    "trixie 6.12.117-1 linux-image-6.12.117+deb13-amd64\n"
    "trixie-security 6.12.118-1 linux-image-6.12.118+deb13-amd64\n"
    "trixie-backports 7.3.4-1~bpo13+1 linux-image-7.3.4+deb13-amd64\n"
    "sid 7.2.13-1 linux-image-7.2.13+deb14-amd64\n"
    "experimental 7.3~rc7-1~exp1 linux-image-7.3-amd64\n"
    "experimental 7.4~rc1-1~exp1 linux-image-7.4-amd64\n"
    "garbage\n"
    "sid notaversion pkg\n"
    "\n";

static void test_debian_pick(void)
{
    g_autoptr(GPtrArray) index = kernel_debian_index_parse(index_text);
    g_autoptr(GError) e = NULL;
    const DebianKernel *d;

    g_assert_cmpuint(index->len, ==, 9);
    /* The security suite's 6.1 is newer than the point release's. */
    d = kernel_debian_pick(index, "6.1", &e);
    g_assert_no_error(e);
    g_assert_cmpstr(d->suite, ==, "bookworm-security");
    g_assert_cmpstr(d->version, ==, "6.1.192-3");
    g_assert_cmpstr(d->package, ==, "linux-image-6.1.0-57-amd64");
    /* An exact version picks that one even when newer ones exist. */
    d = kernel_debian_pick(index, "6.1.176", &e);
    g_assert_cmpstr(d->suite, ==, "bookworm");
    d = kernel_debian_pick(index, "6.12", &e);
    g_assert_cmpstr(d->version, ==, "6.12.118-1");
    /* 7.3: the backport is newer than experimental's rc. */
    d = kernel_debian_pick(index, "7.3", &e);
    g_assert_cmpstr(d->suite, ==, "trixie-backports");
    /* 7.4 only lives in experimental. */
    d = kernel_debian_pick(index, "7.4", &e);
    g_assert_no_error(e);
    g_assert_cmpstr(d->suite, ==, "experimental");
    d = kernel_debian_pick(index, "7.2", &e);
    g_assert_cmpstr(d->suite, ==, "sid");

    /* Not there: the error lists what the series has. */
    g_assert_null(kernel_debian_pick(index, "6.1.187", &e));
    g_assert_error(e, PIT_ERROR, PIT_ERROR_NOT_FOUND);
    g_assert_nonnull(strstr(e->message, "6.1.176-1 (bookworm), 6.1.192-3 "
                                        "(bookworm-security)"));
    g_assert_nonnull(strstr(e->message, "--series 6.1"));
    g_clear_error(&e);
    g_assert_null(kernel_debian_pick(index, "9.9", &e));
    g_assert_nonnull(strstr(e->message, "of 9.9: nothing"));
}

static void test_debian_series(void)
{
    g_autoptr(GPtrArray) index = kernel_debian_index_parse(index_text);
    g_autoptr(GPtrArray) s = kernel_debian_series(index, "7");
    static const char *const want[] = { "7.2.13-1", "7.3~rc7-1~exp1",
                                        "7.3.4-1~bpo13+1", "7.4~rc1-1~exp1" };

    g_assert_cmpuint(s->len, ==, G_N_ELEMENTS(want));
    for (unsigned i = 0; i < s->len; i++) {
        g_assert_cmpstr(((DebianKernel *)g_ptr_array_index(s, i))->version, ==,
                        want[i]);
    }
    g_ptr_array_unref(s);
    s = kernel_debian_series(index, "6.1");
    g_assert_cmpuint(s->len, ==, 2);
    g_assert_cmpstr(((DebianKernel *)g_ptr_array_index(s, 0))->suite, ==,
                    "bookworm");
}

static void test_build_unknown_tree(void)
{
    g_autoptr(GError) e = NULL;
    g_autoptr(Kernel) k = kernel_resolve("build:/nonexistent/linux", &e);

    /* build: is implemented (kbuild.c); a missing tree says what it wants */
    g_assert_null(k);
    g_assert_nonnull(strstr(e->message, "does not exist"));
}

/* Which failed builds are kept as cached failures: the source's own
 * errors are, accidents of the machine are not (even when the log also
 * shows a compiler error, as a killed compiler's does). */
static void test_failure_cacheable(void)
{
    static const struct {
        const char *log;
        bool cacheable;
    } cases[] = {
        { "  CC      block/fops.o\n"
          "block/fops.c:402:14: error: 'cuont' undeclared (first use in "
          "this function)\nmake[4]: *** [scripts/Makefile.build:229: "
          "block/fops.o] Error 1\n",
          true },
        { "  LD      vmlinux.o\nld: fs/x.o: in function `f':\nx.c:(.text+0x1): "
          "undefined reference to `g'\n",
          true },
        { "In file included from a.c:1:\nb.h:3:10: fatal error: c.h: No "
          "such file or directory\n",
          true },
        { "kernel-build: storage.config: 'CONFIG_X=y' did not survive "
          "olddefconfig (a missing dependency?)\n",
          true },
        { "a.c:1:1: error: x\ngcc: fatal error: Killed signal terminated "
          "program cc1\n",
          false },
        { "a.c:1:1: error: x\nmake[2]: *** [Makefile:1: a.o] Interrupt\n",
          false },
        { "make[2]: *** [Makefile:1: a.o] Terminated\n", false },
        { "/bin/sh: 1: flex: not found\nmake[3]: *** [x] Error 127\n", false },
        { "a.c:1:1: error: x\ncc1: No space left on device\n", false },
        { "a.c:9: internal compiler error: Segmentation fault\n", false },
        { "make: *** [Makefile:1: all] Error 2\n", false },
        { "", false },
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        const char *why = "unset";
        bool c = kbuild_failure_cacheable(cases[i].log, &why);
        if (c != cases[i].cacheable) {
            g_error("case %u: cacheable %d, want %d (%s)", i, c,
                    cases[i].cacheable, cases[i].log);
        }
        if (c) {
            g_assert_null(why);
        } else {
            g_assert_nonnull(why);
        }
    }
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

/* Bisecting between Debian releases: the versions between two ends. */
static void test_debian_between(void)
{
    static const char text[] =
        "bookworm 6.1.176-1 linux-image-6.1.0-50-amd64\n"
        "bookworm-security 6.1.192-3 linux-image-6.1.0-57-amd64\n"
        "bookworm-updates 6.1.180-1 linux-image-6.1.0-51-amd64\n"
        "proposed-updates 6.1.180-1 linux-image-6.1.0-51-amd64\n"
        "proposed-updates 6.1.195-1 linux-image-6.1.0-58-amd64\n"
        "bookworm-backports 6.12.95-1~bpo12+1 linux-image-6.12.95+deb12-amd64\n"
        "sid 7.2.13-1 linux-image-7.2.13+deb14-amd64\n";
    g_autoptr(GPtrArray) index = kernel_debian_index_parse(text);
    g_autoptr(GError) e = NULL;
    GPtrArray *b;
    const char *want[] = { "6.1.176-1", "6.1.180-1", "6.1.192-3" };

    /* oldest first, ends included, one entry a version (its first suite),
     * the same for either order of the ends */
    for (unsigned order = 0; order < 2; order++) {
        b = kernel_debian_between(index, order ? "6.1.192" : "6.1.176",
                                  order ? "6.1.176" : "6.1.192", &e);
        g_assert_no_error(e);
        g_assert_cmpuint(b->len, ==, G_N_ELEMENTS(want));
        for (unsigned i = 0; i < b->len; i++) {
            const DebianKernel *d = g_ptr_array_index(b, i);
            g_assert_cmpstr(d->version, ==, want[i]);
        }
        g_assert_cmpstr(((DebianKernel *)g_ptr_array_index(b, 1))->suite, ==,
                        "bookworm-updates");
        g_ptr_array_unref(b);
    }
    /* full versions work as ends; across series the order still holds */
    b = kernel_debian_between(index, "6.1.192-3", "6.12", &e);
    g_assert_no_error(e);
    g_assert_cmpuint(b->len, ==, 3);
    g_assert_cmpstr(((DebianKernel *)g_ptr_array_index(b, 1))->version, ==,
                    "6.1.195-1");
    g_ptr_array_unref(b);
    /* an end the archive does not have: the error lists what it has */
    g_assert_null(kernel_debian_between(index, "6.1.176", "6.1.187", &e));
    g_assert_error(e, PIT_ERROR, PIT_ERROR_NOT_FOUND);
    g_assert_nonnull(strstr(e->message, "6.1.180-1 (bookworm-updates)"));
    g_clear_error(&e);
    /* two names of one kernel: nothing to bisect */
    g_assert_null(kernel_debian_between(index, "6.1.176", "6.1.176-1", &e));
    g_assert_error(e, PIT_ERROR, PIT_ERROR_USAGE);
    g_assert_nonnull(strstr(e->message, "same kernel"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/kernel/specs", test_specs);
    g_test_add_func("/kernel/labels", test_labels);
    g_test_add_func("/kernel/debian-version-order", test_debian_version_order);
    g_test_add_func("/kernel/debian-version-matches",
                    test_debian_version_matches);
    g_test_add_func("/kernel/debian-pick", test_debian_pick);
    g_test_add_func("/kernel/debian-series", test_debian_series);
    g_test_add_func("/kernel/debian-between", test_debian_between);
    g_test_add_func("/kernel/build-not-implemented", test_build_unknown_tree);
    g_test_add_func("/kbuild/failure-cacheable", test_failure_cacheable);
    g_test_add_func("/result/parse", test_result);
    return g_test_run();
}
