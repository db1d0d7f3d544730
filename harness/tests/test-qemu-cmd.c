/*
 * test-qemu-cmd.c - the QEMU command line for both device models, the
 * kernel command line, and the per-run job (text and cpio).
 */
#include "image.h"
#include "qemu-cmd.h"

#include <string.h>

static const char *ini =
    "[scenario]\n"
    "description = d\n"
    "model = nvme\n"
    "modules = ?crc32c_generic nvme\n"
    "append = loglevel=4\n"
    "[device pi0]\n"
    "size = 64M\n"
    "ms = 8\n"
    "pi = 1\n"
    "format = T10-DIF-TYPE1-CRC\n"
    "[device fast]\n"
    "model = nvme-pi\n"
    "serial = S2\n"
    "ms = 16\n"
    "pi = 1\n"
    "pif = 2\n"
    "pi-strict = true\n"
    "hooks = dma-delay=100\n"
    "[steps]\n"
    "a = dio-torture --seed @SEED@ -t $DEV_pi0 > $OUT/a.dio.json\n"
    "b = echo 'quoted'\n"
    "[expect]\n"
    "pass = *\n";

static char *joined(GPtrArray *argv)
{
    GString *s = g_string_new(NULL);

    for (unsigned i = 0; i < argv->len && g_ptr_array_index(argv, i); i++) {
        g_string_append_printf(s, "%s|", (char *)g_ptr_array_index(argv, i));
    }
    return g_string_free(s, FALSE);
}

static void test_cmdline(void)
{
    g_autoptr(GError) e = NULL;
    g_autoptr(Scenario) s = scenario_parse("c.ini", ini, strlen(ini), &e);
    const char *backing[] = { "/r/pi0.img", "/r/fast.img" };
    const char *mutlog[] = { NULL, "/r/fast.mutations.jsonl" };
    QemuCmdInput in = {
        .qemu = "/q/qemu",
        .scn = s,
        .accel = "tcg",
        .kernel = "/k/vmlinuz",
        .initrd = "/r/initrd.img",
        .run_id = "debian-6.1.c.1",
        .console_path = "/r/console.log",
        .result_path = "/r/result.raw",
        .qmp_path = "/t/qmp.sock",
        .backing = backing,
        .mutlog = mutlog,
    };

    g_assert_no_error(e);
    g_autoptr(GPtrArray) argv = qemu_cmd_build(&in);
    g_autofree char *j = joined(argv);
    g_assert_null(g_ptr_array_index(argv, argv->len - 1));
    g_assert_true(
        g_str_has_prefix(j, "/q/qemu|-M|q35|-nodefaults|-accel|tcg|-m|1024|"
                            "-smp|2,sockets=2,cores=1,threads=1|"
                            "-kernel|/k/vmlinuz|-initrd|"
                            "/r/initrd.img|-append|console=ttyS0 "
                            "panic=-1 oops=panic no_timer_check nvmepi.run="
                            "debian-6.1.c.1 loglevel=4|"));
    /* QEMU's baseline: controller + namespace on its bus */
    g_assert_nonnull(strstr(
        j, "|-drive|file=/r/pi0.img,if=none,id=drv0,format=raw,discard=unmap"
           "|-device|nvme,id=pi0,serial=pi0|-device|nvme-ns,bus=pi0,"
           "drive=drv0,nsid=1,logical_block_size=4096,physical_block_size="
           "4096,ms=8,mset=0,pi=1,pil=0|"));
    /* ours: one device, format, strict, hooks, mutation log */
    g_assert_nonnull(strstr(
        j, "|-device|nvme-pi,id=fast,drive=drv1,serial=S2,logical_block_size"
           "=4096,physical_block_size=4096,ms=16,mset=0,pi=1,pil=0,pif=2,"
           "pi-strict=on,dma-delay=100,mutation-log=/r/fast.mutations.jsonl|"));
    g_assert_nonnull(strstr(j, "|-chardev|file,id=console,path=/r/console.log"
                               "|-serial|chardev:console|-chardev|file,id="
                               "result,path=/r/result.raw|-serial|chardev:"
                               "result|-qmp|unix:/t/qmp.sock,server=on,wait="
                               "off|-no-reboot|-no-shutdown|-nic|none|-L|"
                               "/usr/share/qemu|-L|/usr/share/seabios|"));

    g_autofree char *line = qemu_cmd_to_string(argv);
    g_assert_nonnull(strstr(line, " -append 'console=ttyS0 panic=-1 "));
    g_assert_true(g_str_has_suffix(line, "/usr/share/seabios\n"));
}

static void test_job(void)
{
    g_autoptr(GError) e = NULL;
    g_autoptr(Scenario) s = scenario_parse("c.ini", ini, strlen(ini), &e);
    g_autofree char *job = image_job_text(s, "r1", 240, 42);

    g_assert_no_error(e);
    g_assert_nonnull(strstr(job, "NVMEPI_RUN_ID='r1'\n"));
    g_assert_nonnull(strstr(job, "NVMEPI_TIMEOUT='240'\n"));
    g_assert_nonnull(strstr(job, "NVMEPI_MODULES='?crc32c_generic nvme'\n"));
    g_assert_nonnull(
        strstr(job, "NVMEPI_DEVICES='pi0=pi0:T10-DIF-TYPE1-CRC:8 fast=S2'\n"));
    g_assert_nonnull(strstr(job, "NVMEPI_STEPS='dio-torture --seed 42 -t "
                                 "$DEV_pi0 > $OUT/a.dio.json\n"
                                 "echo '\\''quoted'\\'''\n"));
    g_assert_nonnull(strstr(job, "NVMEPI_MD_CHECK='0'\n"));

    g_autoptr(GBytes) cpio = image_job_cpio(job);
    gsize len;
    const char *c = g_bytes_get_data(cpio, &len);
    g_assert_cmpuint(len % 4, ==, 0);
    g_assert_true(!memcmp(c, "070701", 6));
    g_assert_nonnull(memmem(c, len, "nvme-pi/job", strlen("nvme-pi/job")));
    g_assert_nonnull(memmem(c, len, "TRAILER!!!", strlen("TRAILER!!!")));
    g_assert_nonnull(
        memmem(c, len, "NVMEPI_RUN_ID='r1'", strlen("NVMEPI_RUN_ID='r1'")));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qemu-cmd/cmdline", test_cmdline);
    g_test_add_func("/qemu-cmd/job", test_job);
    return g_test_run();
}
