/*
 * test-domain-xml.c - the libvirt domain XML: libvirt's own elements
 * from the scenario (type, memory, vcpus, direct kernel boot, the two
 * serial files, lifecycle), the devices passed through qemu:commandline
 * exactly as the qemu backend gives them, escaping, and that the result
 * is well-formed XML.
 */
#include "domain-xml.h"
#include "qemu-cmd.h"

#include <string.h>

static const char *ini = "[scenario]\n"
                         "description = d <&> 'q'\n"
                         "memory = 1536\n"
                         "smp = 3\n"
                         "cpu = max\n"
                         "append = loglevel=4\n"
                         "[device pi0]\n"
                         "model = nvme\n"
                         "ms = 8\n"
                         "pi = 1\n"
                         "[device fast]\n"
                         "serial = S2\n"
                         "ms = 16\n"
                         "pi = 1\n"
                         "pif = 2\n"
                         "hooks = dma-delay=100\n"
                         "mutation-log = true\n"
                         "[steps]\n"
                         "a = true\n"
                         "[expect]\n"
                         "pass = *\n";

static const char *backing[] = { "/r/pi0.img", "/r/fast.img" };
static const char *mutlog[] = { NULL, "/r/fast.mutations.jsonl" };

static char *build(const Scenario *s, const char *accel, const char *qmp,
                   const char *comment)
{
    DomainXmlInput in = {
        .name = "pit-1-debian-6.1.c.1",
        .comment = comment,
        .vm = {
            .qemu = "/b/qemu/qemu-system-x86_64",
            .scn = s,
            .accel = accel,
            .kernel = "/k/vmlinuz",
            .initrd = "/r/initrd.img",
            .run_id = "debian-6.1.c.1",
            .console_path = "/r/console.log",
            .result_path = "/r/result.raw",
            .qmp_path = qmp,
            .backing = backing,
            .mutlog = mutlog,
        },
    };
    return domain_xml_build(&in);
}

/* qemu:arg values, in order */
static void on_start(GMarkupParseContext *c, const char *el, const char **n,
                     const char **v, gpointer data, GError **e)
{
    (void)c;
    (void)e;
    if (!strcmp(el, "qemu:arg")) {
        g_assert_cmpstr(n[0], ==, "value");
        g_ptr_array_add(data, g_strdup(v[0]));
    }
}

static GPtrArray *qemu_args(const char *xml)
{
    GMarkupParser p = { .start_element = on_start };
    GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) e = NULL;
    GMarkupParseContext *ctx = g_markup_parse_context_new(&p, 0, a, NULL);

    g_assert_true(g_markup_parse_context_parse(ctx, xml, -1, &e));
    g_assert_no_error(e);
    g_assert_true(g_markup_parse_context_end_parse(ctx, &e));
    g_markup_parse_context_free(ctx);
    return a;
}

static void test_libvirt_elements(void)
{
    g_autoptr(GError) e = NULL;
    g_autoptr(Scenario) s = scenario_parse("c.ini", ini, strlen(ini), &e);
    g_autofree char *x = build(s, "tcg", NULL, NULL);

    g_assert_no_error(e);
    g_assert_true(g_str_has_prefix(
        x, "<domain type='qemu' "
           "xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\n"));
    g_assert_nonnull(strstr(x, "<name>pit-1-debian-6.1.c.1</name>"));
    g_assert_nonnull(strstr(x, "<memory unit='MiB'>1536</memory>"));
    g_assert_nonnull(strstr(x, "<vcpu>3</vcpu>"));
    g_assert_nonnull(strstr(x, "<type arch='x86_64' machine='q35'>hvm</type>"));
    g_assert_nonnull(strstr(x, "<kernel>/k/vmlinuz</kernel>"));
    g_assert_nonnull(strstr(x, "<initrd>/r/initrd.img</initrd>"));
    g_assert_nonnull(strstr(x, "<cmdline>console=ttyS0 panic=-1 oops=panic "
                               "no_timer_check nvmepi.run=debian-6.1.c.1 "
                               "loglevel=4</cmdline>"));
    g_assert_nonnull(
        strstr(x, "<emulator>/b/qemu/qemu-system-x86_64</emulator>"));
    g_assert_nonnull(strstr(x, "<source path='/r/console.log'/>\n"
                               "      <target port='0'/>"));
    g_assert_nonnull(strstr(x, "<source path='/r/result.raw'/>\n"
                               "      <target port='1'/>"));
    g_assert_nonnull(strstr(x, "<on_poweroff>destroy</on_poweroff>"));
    g_assert_nonnull(strstr(x, "<on_reboot>destroy</on_reboot>"));
    g_assert_nonnull(strstr(x, "<on_crash>destroy</on_crash>"));
    g_assert_nonnull(strstr(x, "<acpi/>"));
    g_assert_nonnull(strstr(x, "<controller type='usb' model='none'/>"));
    g_assert_nonnull(strstr(x, "<memballoon model='none'/>"));
    /* the description is escaped */
    g_assert_nonnull(strstr(x, "d &lt;&amp;&gt; &apos;q&apos;"));
    g_assert_null(strstr(x, "<!--"));
    g_assert_null(strstr(x, "-qmp"));
}

static void test_kvm(void)
{
    g_autoptr(GError) e = NULL;
    g_autoptr(Scenario) s = scenario_parse("c.ini", ini, strlen(ini), &e);
    g_autofree char *x = build(s, "kvm", NULL, NULL);

    g_assert_true(g_str_has_prefix(x, "<domain type='kvm' "));
}

/* The devices are the qemu backend's arguments, in the same order. */
static void test_passthrough_matches_qemu_cmd(void)
{
    g_autoptr(GError) e = NULL;
    g_autoptr(Scenario) s = scenario_parse("c.ini", ini, strlen(ini), &e);
    g_autofree char *x = build(s, "tcg", "/t/pit-qmp.sock", NULL);
    g_autoptr(GPtrArray) got = qemu_args(x);
    g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func(g_free);
    QemuCmdInput in = { .scn = s, .backing = backing, .mutlog = mutlog };

    g_ptr_array_add(want, g_strdup("-cpu"));
    g_ptr_array_add(want, g_strdup("max"));
    qemu_cmd_add_devices(want, &in);
    qemu_cmd_add_firmware(want);
    g_ptr_array_add(want, g_strdup("-qmp"));
    g_ptr_array_add(want, g_strdup("unix:/t/pit-qmp.sock,server=on,wait=off"));
    g_assert_cmpuint(got->len, ==, want->len);
    for (unsigned i = 0; i < want->len; i++) {
        g_assert_cmpstr(g_ptr_array_index(got, i), ==,
                        g_ptr_array_index(want, i));
    }
    /* spot checks: both models and the nvme-pi specifics */
    g_assert_nonnull(
        strstr(x, "<qemu:arg value='file=/r/pi0.img,if=none,id=drv0,format=raw,"
                  "discard=unmap'/>"));
    g_assert_nonnull(strstr(x, "<qemu:arg value='nvme,id=pi0,serial=pi0'/>"));
    g_assert_nonnull(strstr(x, "value='nvme-pi,id=fast,drive=drv1,serial=S2,"));
    g_assert_nonnull(strstr(x, ",dma-delay=100,mutation-log=/r/fast."
                               "mutations.jsonl'/>"));
}

static void test_comment(void)
{
    g_autoptr(GError) e = NULL;
    g_autoptr(Scenario) s = scenario_parse("c.ini", ini, strlen(ini), &e);
    g_autofree char *x = build(s, "tcg", NULL, "run with --prepare -");
    const char *end = strstr(x, "-->");

    /* qemu_args() asserts that it is still well-formed */
    g_ptr_array_unref(qemu_args(x));
    g_assert_true(g_str_has_prefix(x, "<!--\nrun with - -prepare - \n-->\n"));
    g_assert_nonnull(end);
    g_assert_null(g_strstr_len(x + 4, end - x - 4, "--"));
}

static void test_name(void)
{
    g_autofree char *n = domain_xml_name("pit-12-debian:7.2/x y.1");
    g_autofree char *l = domain_xml_name(
        "0123456789012345678901234567890123456789012345678901234567890123456");

    g_assert_cmpstr(n, ==, "pit-12-debian_7.2_x_y.1");
    g_assert_cmpuint(strlen(l), ==, 64);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/domain-xml/libvirt-elements", test_libvirt_elements);
    g_test_add_func("/domain-xml/kvm", test_kvm);
    g_test_add_func("/domain-xml/passthrough",
                    test_passthrough_matches_qemu_cmd);
    g_test_add_func("/domain-xml/comment", test_comment);
    g_test_add_func("/domain-xml/name", test_name);
    return g_test_run();
}
