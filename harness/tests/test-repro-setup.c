/*
 * test-repro-setup.c - pit repro's SETUP: short words make a scenario
 * that scenario.c accepts, bad words are refused by name, a scenario's
 * workload step becomes the program, and readelf's output is read.
 */
#include "repro-setup.h"
#include "repro.h"
#include "util.h"

#include <string.h>

static Scenario *words(const char *w)
{
    g_autoptr(GError) e = NULL;
    g_autofree char *ini = repro_setup_ini(w, 300, &e);
    Scenario *s;

    g_assert_no_error(e);
    s = scenario_parse(w, ini, strlen(ini), &e);
    g_assert_no_error(e);
    return s;
}

static void test_words(void)
{
    g_autoptr(Scenario) pi = words("pi");
    g_autoptr(Scenario) plain = words("plain,btrfs");
    g_autoptr(Scenario) r5 = words("raid5:4+skip_copy+xfs,size=256M");
    g_autoptr(Scenario) ext4 = words("ext4");
    ScnDevice *d = g_ptr_array_index(pi->devices, 0);

    g_assert_cmpuint(pi->devices->len, ==, 1);
    g_assert_cmpuint(d->pi, ==, 1);
    g_assert_cmpuint(d->ms, ==, 8);
    g_assert_cmpstr(d->expect_format, ==, "T10-DIF-TYPE1-CRC");
    g_assert_cmpstr(d->hooks[0], ==, "dma-delay=1000000");
    d = g_ptr_array_index(plain->devices, 0);
    g_assert_cmpuint(d->pi, ==, 0);
    g_assert_cmpstr(d->expect_format, ==, "none");
    g_assert_cmpstr(plain->fs_check, ==, "btrfs:" REPRO_MNT);
    g_assert_nonnull(strstr(plain->modules, "btrfs"));
    g_assert_cmpstr(ext4->fs_check, ==, "ext4:d0");
    g_assert_nonnull(strstr(ext4->modules, "ext4"));
    g_assert_cmpstr(r5->fs_check, ==, "xfs:/dev/md0");
    g_assert_cmpuint(r5->devices->len, ==, 4);
    g_assert_true(r5->md_check);
    g_assert_nonnull(strstr(r5->modules, "raid456"));
    g_assert_cmpuint(((ScnDevice *)g_ptr_array_index(r5->devices, 3))->size, ==,
                     256u << 20);
    bool skip = false;
    for (unsigned i = 0; r5->steps[i]; i++) {
        skip |= strstr(r5->steps[i], "skip_copy") != NULL;
    }
    g_assert_true(skip);
    g_assert_cmpstr(repro_setup_mnt("plain,btrfs"), ==, REPRO_MNT);
    g_assert_null(repro_setup_mnt("pi"));
    g_autofree char *dev = repro_setup_dev(r5, "raid5:4,xfs");
    g_assert_cmpstr(dev, ==, "/dev/md0");
}

static void test_bad_words(void)
{
    static const char *const bad[] = { "pi,frob", "pi,plain",  "skip_copy",
                                       "raid5:2", "xfs,btrfs", "delay=soon",
                                       "raid1:x", NULL };

    for (unsigned i = 0; bad[i]; i++) {
        g_autoptr(GError) e = NULL;
        g_autofree char *ini = repro_setup_ini(bad[i], 300, &e);
        g_assert_null(ini);
        g_assert_error(e, PIT_ERROR, PIT_ERROR_USAGE);
        g_assert_nonnull(strstr(e->message, bad[i]));
    }
}

static const char scn_text[] =
    "[scenario]\ndescription = x\n"
    "[device d0]\nhooks = dma-delay=5\nmutation-log = true\n"
    "[steps]\nmkfs = !mkfs.btrfs $DEV_d0\n"
    "torture = dio-torture -t /mnt/x --seed @SEED@\n"
    "workload = true\n"
    "reread = cat /mnt/x > /dev/null\n"
    "[expect]\nfail = *\n";

static void test_adapt(void)
{
    g_autoptr(GError) e = NULL;
    g_autoptr(Scenario) s = scenario_parse("t", scn_text, strlen(scn_text), &e);
    g_autoptr(Scenario) n = scenario_parse("t", scn_text, strlen(scn_text), &e);
    const char *args[] = { "$DEV", "two words", NULL };
    g_autofree char *step =
        repro_program_step("/nvme-pi/files/x", args, "$DEV_d0", NULL);

    g_assert_cmpstr(step, ==,
                    "cd /tmp && export DEV=$DEV_d0 MNT= REPRO_SEED=@SEED@ "
                    "&& /nvme-pi/files/x $DEV 'two words'");
    g_assert_cmpuint(repro_setup_adapt(s, "PROG", SCN_MODEL_NVME_PI), ==, 2);
    g_assert_cmpstr(s->steps[0], ==, "!mkfs.btrfs $DEV_d0");
    g_assert_cmpstr(s->steps[1], ==, "PROG");
    g_assert_cmpstr(s->steps[2], ==, "cat /mnt/x > /dev/null");
    g_assert_null(s->steps[3]);
    g_assert_cmpstr(s->step_names[2], ==, "reread");
    g_assert_cmpstr(s->name, ==, "nvme-pi");
    /* QEMU's nvme has no hooks */
    g_assert_cmpuint(repro_setup_adapt(n, "PROG", SCN_MODEL_QEMU_NVME), ==, 2);
    g_assert_null(((ScnDevice *)g_ptr_array_index(n->devices, 0))->hooks);
    g_assert_cmpstr(n->name, ==, "nvme");
}

static void test_readelf(void)
{
    const char *l = "Elf file type is DYN\n  INTERP 0x318\n"
                    "      [Requesting program interpreter: "
                    "/lib64/ld-linux-x86-64.so.2]\n";
    const char *d = " 0x0000000000000001 (NEEDED)             Shared library: "
                    "[libaio.so.1]\n"
                    " 0x0000000000000001 (NEEDED)             Shared library: "
                    "[libc.so.6]\n"
                    " 0x000000000000001d (RUNPATH)            Library runpath: "
                    "[$ORIGIN/../lib:/opt/x]\n";
    g_autofree char *interp = repro_elf_interp(l);
    g_auto(GStrv) needed = repro_elf_needed(d);
    g_auto(GStrv) rp = repro_elf_runpath(d);

    g_assert_cmpstr(interp, ==, "/lib64/ld-linux-x86-64.so.2");
    g_assert_null(repro_elf_interp("Elf file type is EXEC\n"));
    g_assert_cmpuint(g_strv_length(needed), ==, 2);
    g_assert_cmpstr(needed[0], ==, "libaio.so.1");
    g_assert_cmpuint(g_strv_length(rp), ==, 2);
    g_assert_cmpstr(rp[0], ==, "$ORIGIN/../lib");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/repro-setup/words", test_words);
    g_test_add_func("/repro-setup/bad-words", test_bad_words);
    g_test_add_func("/repro-setup/adapt", test_adapt);
    g_test_add_func("/repro-setup/readelf", test_readelf);
    return g_test_run();
}
