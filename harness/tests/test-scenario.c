/*
 * test-scenario.c - the .ini parser (including its error messages: file,
 * line, key), version ranges and expectation lookup; plus every shipped
 * scenario parses.
 */
#include "image.h"
#include "scenario.h"
#include "util.h"

#include <string.h>

static const char *good =
    "[scenario]\n"
    "description = raw PI\n"
    "references = a;b\n"
    "default = true\n"
    "model = nvme\n"
    "memory = 512\n"
    "modules = nvme\n"
    "\n"
    "[device pi0]\n"
    "size = 256M\n"
    "ms = 8\n"
    "pi = 1\n"
    "format = T10-DIF-TYPE1-CRC\n"
    "\n"
    "[device d1]\n"
    "model = nvme-pi\n"
    "hooks = dma-delay=100;dma-replay=2\n"
    "\n"
    "[steps]\n"
    "mkfs = !mkfs.xfs -f $DEV_pi0\n"
    "torture = dio-torture -t $DEV_pi0 > $OUT/x.dio.json\n"
    "\n"
    "[expect]\n"
    "fail = <7.0\n"
    "pass = >=7.0\n";

static Scenario *parse(const char *text, GError **e)
{
    return scenario_parse("t.ini", text, strlen(text), e);
}

static void test_good(void)
{
    g_autoptr(GError) e = NULL;
    g_autoptr(Scenario) s = parse(good, &e);

    g_assert_no_error(e);
    g_assert_cmpstr(s->name, ==, "t");
    g_assert_true(s->is_default);
    g_assert_cmpuint(s->memory_mb, ==, 512);
    g_assert_cmpuint(s->smp, ==, 2);
    g_assert_cmpuint(g_strv_length(s->references), ==, 2);
    g_assert_cmpuint(s->devices->len, ==, 2);
    ScnDevice *d = g_ptr_array_index(s->devices, 0);
    g_assert_cmpstr(d->name, ==, "pi0");
    g_assert_cmpstr(d->serial, ==, "pi0");
    g_assert_cmpint(d->model, ==, SCN_MODEL_QEMU_NVME);
    g_assert_cmpuint(d->size, ==, 256u << 20);
    g_assert_cmpuint(d->lbs, ==, 4096);
    g_assert_cmpuint(d->ms, ==, 8);
    d = g_ptr_array_index(s->devices, 1);
    g_assert_cmpint(d->model, ==, SCN_MODEL_NVME_PI);
    g_assert_cmpstr(d->hooks[1], ==, "dma-replay=2");
    g_assert_cmpstr(s->step_names[0], ==, "mkfs");
    g_assert_cmpstr(s->steps[0], ==, "!mkfs.xfs -f $DEV_pi0");
    g_assert_cmpstr(s->steps[1], ==,
                    "dio-torture -t $DEV_pi0 > $OUT/x.dio.json");
    g_assert_null(s->steps[2]);
    g_assert_cmpint(scenario_expect_for(s, "6.1.176-1", NULL), ==,
                    SCN_EXPECT_FAIL);
    g_assert_cmpint(scenario_expect_for(s, "7.0-rc3", NULL), ==,
                    SCN_EXPECT_PASS);
    g_assert_cmpint(scenario_expect_for(s, "7.2.1-1~bpo13+1", NULL), ==,
                    SCN_EXPECT_PASS);
}

/* Replace the first `from` in `good` with `to`, parse, expect an error. */
static char *error_for(const char *from, const char *to)
{
    g_autoptr(GString) t = g_string_new(good);
    g_autoptr(GError) e = NULL;
    char *at = strstr(t->str, from);

    g_assert_nonnull(at);
    g_string_erase(t, at - t->str, strlen(from));
    g_string_insert(t, at - t->str, to);
    g_autoptr(Scenario) s = parse(t->str, &e);
    g_assert_null(s);
    g_assert_nonnull(e);
    return g_strdup(e->message);
}

static void test_errors(void)
{
    struct {
        const char *from, *to, *want;
    } cases[] = {
        { "memory = 512", "memroy = 512",
          "t.ini:6: [scenario] memroy: "
          "unknown key" },
        { "ms = 8", "ms = eight",
          "t.ini:11: [device pi0] ms: 'eight' is "
          "not a number" },
        { "pi = 1", "pi = 1\nbogus = 2",
          "t.ini:13: [device pi0] bogus: "
          "unknown key" },
        { "default = true", "default = maybe",
          "t.ini:4: [scenario] default: 'maybe' is not a boolean" },
        { "fail = <7.0", "fail = before 7",
          "t.ini:24: [expect] fail: "
          "'before 7' is not a version" },
        { "model = nvme\n", "model = virtio\n",
          "t.ini:5: [scenario] model: 'virtio' is not a device model" },
        { "[steps]", "[stpes]", "t.ini:19: [stpes]: unknown group" },
        { "size = 256M", "size = 256M\nthis line is broken", "t.ini:11: " },
        { "ms = 8", "ms = 0", "t.ini:11: [device pi0] ms: PI type 1" },
        { "hooks = dma-delay=100;dma-replay=2", "hooks = dma-delay",
          "t.ini:17: [device d1] hooks: 'dma-delay' is "
          "not property=value" },
        { "[device d1]\nmodel = nvme-pi\n", "[device d1]\nmodel = nvme\n",
          "[device d1] hooks: timing hooks need model = nvme-pi" },
        { "description = raw PI\n", "",
          "t.ini:1: [scenario]: no "
          "description" },
        { "memory = 512\n", "memory = 512\nimage = fat\n",
          "t.ini:7: [scenario] image: 'fat' is not a guest image" },
        { "memory = 512\n", "memory = 256\nimage = full\n",
          "t.ini:6: [scenario] memory: 256 MiB is too small for image = "
          "full" },
        { "memory = 512\n", "memory = 512\nimage = Full\n",
          "t.ini:7: [scenario] image: 'Full' is not a guest image" },
        { "torture = dio-torture", "fio = fio --name=x; dio-torture",
          "t.ini:21: [steps] fio: fio is only in the full guest image" },
        { "mkfs = !mkfs.xfs -f $DEV_pi0", "stress = !stress-ng --vm 1 -t 5",
          "t.ini:20: [steps] stress: stress-ng is only in the full guest "
          "image" },
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *msg = error_for(cases[i].from, cases[i].to);
        if (!strstr(msg, cases[i].want)) {
            g_test_message("case %u: got '%s', want '%s'", i, msg,
                           cases[i].want);
        }
        g_assert_nonnull(strstr(msg, cases[i].want));
    }
}

/* `image = default|full`: which guest/mkimage variant the guest boots. */
static void test_image(void)
{
    g_autoptr(GError) e = NULL;
    g_autoptr(Scenario) def = parse(good, &e);
    g_autoptr(GString) t = g_string_new(good);
    g_autofree char *name = NULL;

    g_assert_no_error(e);
    g_assert_cmpint(def->image, ==, SCN_IMAGE_DEFAULT);
    g_assert_cmpstr(scn_image_name(def->image), ==, "default");

    /* full allows fio and stress-ng steps */
    g_string_replace(t, "memory = 512\n", "memory = 512\nimage = full\n", 1);
    g_string_replace(t, "[steps]\n",
                     "[steps]\nfio = fio --name=v --filename=$DEV_pi0\n", 1);
    g_autoptr(Scenario) full = parse(t->str, &e);
    g_assert_no_error(e);
    g_assert_cmpint(full->image, ==, SCN_IMAGE_FULL);
    g_assert_cmpstr(scn_image_name(full->image), ==, "full");
    g_assert_cmpstr(full->steps[0], ==, "fio --name=v --filename=$DEV_pi0");

    /* an explicit default is the default; words merely containing a
     * tool's name are no reason to ask for the full image */
    g_string_assign(t, good);
    g_string_replace(t, "memory = 512\n", "memory = 512\nimage = default\n", 1);
    g_string_replace(t, "[steps]\n",
                     "[steps]\nx = echo fio-like > $OUT/stress-ng.txt\n", 1);
    g_autoptr(Scenario) expl = parse(t->str, &e);
    g_assert_no_error(e);
    g_assert_cmpint(expl->image, ==, SCN_IMAGE_DEFAULT);

    /* the cached link pit boots from is per kernel and per variant */
    name = image_cache_name("debian-7.2", SCN_IMAGE_FULL);
    g_assert_cmpstr(name, ==, "pit-debian-7.2-full.cpio.gz");
    g_free(name);
    name = image_cache_name("debian-7.2", SCN_IMAGE_DEFAULT);
    g_assert_cmpstr(name, ==, "pit-debian-7.2.cpio.gz");
}

static void test_versions(void)
{
    g_assert_cmpint(version_compare("6.1.176-1", "6.1"), >, 0);
    g_assert_cmpint(version_compare("6.1", "6.1.0"), ==, 0);
    g_assert_cmpint(version_compare("6.12", "6.2"), >, 0);
    g_assert_cmpint(version_compare("7.0-rc3", "7.0"), ==, 0);
    g_assert_cmpint(version_range_match("<7.0", "6.19.2"), ==, 1);
    g_assert_cmpint(version_range_match("<7.0", "7.0"), ==, 0);
    g_assert_cmpint(version_range_match(">=7.0", "7.0.1"), ==, 1);
    g_assert_cmpint(version_range_match(">=6.1 <6.14", "6.12.3"), ==, 1);
    g_assert_cmpint(version_range_match(">=6.1,<6.14", "6.14"), ==, 0);
    g_assert_cmpint(version_range_match("*", "1.0"), ==, 1);
    g_assert_cmpint(version_range_match("=6.12", "6.12.0"), ==, 1);
    g_assert_cmpint(version_range_match("6.12", "6.12.1"), ==, 0);
    g_assert_cmpint(version_range_match("!=6.12", "6.13"), ==, 1);
    g_assert_cmpint(version_range_match("<>7", "7"), ==, -1);
    g_assert_cmpint(version_range_match("<7.", "7"), ==, -1);
    g_assert_cmpint(version_range_match("", "7"), ==, -1);
    g_assert_cmpint(version_range_match("<x", "7"), ==, -1);
}

static void test_shipped(void)
{
    g_autofree char *dir = g_build_filename(pit_srcdir(), "scenarios", NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *n;
    unsigned count = 0;

    g_assert_nonnull(d);
    while ((n = g_dir_read_name(d))) {
        g_autofree char *p = g_build_filename(dir, n, NULL);
        g_autoptr(GError) e = NULL;
        if (!g_str_has_suffix(n, ".ini")) {
            continue;
        }
        g_autoptr(Scenario) s = scenario_load(p, &e);
        g_assert_no_error(e);
        g_assert_nonnull(s);
        count++;
    }
    g_assert_cmpuint(count, >=, 12);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/scenario/good", test_good);
    g_test_add_func("/scenario/errors", test_errors);
    g_test_add_func("/scenario/image", test_image);
    g_test_add_func("/scenario/versions", test_versions);
    g_test_add_func("/scenario/shipped", test_shipped);
    return g_test_run();
}
