/*
 * domain-xml.c - the libvirt domain XML of one run (see domain-xml.h).
 *
 * What libvirt owns and how it maps to the qemu backend's command line:
 *   <domain type>     kvm or qemu (TCG): -accel
 *   <os>              -M q35, -kernel, -initrd, -append
 *   <serial> x2       file chardevs: ttyS0 console, ttyS1 result channel
 *   <on_reboot>       destroy: libvirt adds -no-reboot, so the guest's
 *                     panic=-1 reboot ends the VM like the qemu backend
 *   <on_poweroff>     destroy: the guest's `poweroff -f` ends the run
 * and through qemu:commandline, byte for byte what qemu-cmd.c gives the
 * qemu backend: the -drive/-device pairs, -cpu, the firmware path (-L),
 * and optionally a second QMP monitor that pit reads the device counters
 * from (libvirt keeps the first one).
 */
#include "domain-xml.h"
#include "qemu-cmd.h"

#include <string.h>

#define QEMU_NS "http://libvirt.org/schemas/domain/qemu/1.0"

static void text_el(GString *x, const char *indent, const char *tag,
                    const char *value)
{
    g_autofree char *v = g_markup_escape_text(value, -1);

    g_string_append_printf(x, "%s<%s>%s</%s>\n", indent, tag, v, tag);
}

static void serial(GString *x, unsigned port, const char *path)
{
    g_autofree char *p = g_markup_escape_text(path, -1);

    g_string_append_printf(x,
                           "    <serial type='file'>\n"
                           "      <source path='%s'/>\n"
                           "      <target port='%u'/>\n"
                           "    </serial>\n",
                           p, port);
}

/* XML comments may not contain "--" nor end in "-". */
static void comment(GString *x, const char *text)
{
    g_autoptr(GString) c = g_string_new(text);

    while (strstr(c->str, "--")) {
        char *p = strstr(c->str, "--");
        g_string_insert_c(c, p - c->str + 1, ' ');
    }
    if (c->len && c->str[c->len - 1] == '-') {
        g_string_append_c(c, ' ');
    }
    g_string_append_printf(x, "<!--\n%s\n-->\n", c->str);
}

char *domain_xml_name(const char *text)
{
    GString *n = g_string_new(NULL);

    for (const char *p = text; *p && n->len < 64; p++) {
        g_string_append_c(n, g_ascii_isalnum(*p) || *p == '.' || *p == '-' ||
                                     *p == '_'
                                 ? *p
                                 : '_');
    }
    return g_string_free(n, FALSE);
}

char *domain_xml_build(const DomainXmlInput *in)
{
    GString *x = g_string_new(NULL);
    g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *append = qemu_cmd_append(in->vm.scn, in->vm.run_id);
    g_autofree char *desc = g_strdup_printf(
        "nvme-pi scenario %s: %s", in->vm.scn->name, in->vm.scn->description);

    if (in->comment) {
        comment(x, in->comment);
    }
    g_string_append_printf(x, "<domain type='%s' xmlns:qemu='%s'>\n",
                           strcmp(in->vm.accel, "kvm") ? "qemu" : "kvm",
                           QEMU_NS);
    text_el(x, "  ", "name", in->name);
    text_el(x, "  ", "description", desc);
    g_string_append_printf(x, "  <memory unit='MiB'>%u</memory>\n",
                           in->vm.scn->memory_mb);
    g_string_append_printf(x, "  <vcpu>%u</vcpu>\n", in->vm.scn->smp);
    g_string_append(x, "  <os>\n"
                       "    <type arch='x86_64' machine='q35'>hvm</type>\n");
    text_el(x, "    ", "kernel", in->vm.kernel);
    text_el(x, "    ", "initrd", in->vm.initrd);
    text_el(x, "    ", "cmdline", append);
    g_string_append(x, "  </os>\n"
                       "  <features>\n"
                       "    <acpi/>\n"
                       "  </features>\n"
                       "  <clock offset='utc'/>\n"
                       "  <on_poweroff>destroy</on_poweroff>\n"
                       "  <on_reboot>destroy</on_reboot>\n"
                       "  <on_crash>destroy</on_crash>\n"
                       "  <devices>\n");
    text_el(x, "    ", "emulator", in->vm.qemu);
    serial(x, 0, in->vm.console_path);
    serial(x, 1, in->vm.result_path);
    g_string_append(x, "    <controller type='usb' model='none'/>\n"
                       "    <memballoon model='none'/>\n"
                       "  </devices>\n"
                       "  <qemu:commandline>\n");
    if (in->vm.scn->cpu) {
        g_ptr_array_add(args, g_strdup("-cpu"));
        g_ptr_array_add(args, g_strdup(in->vm.scn->cpu));
    }
    qemu_cmd_add_devices(args, &in->vm);
    qemu_cmd_add_firmware(args);
    if (in->vm.qmp_path) {
        g_ptr_array_add(args, g_strdup("-qmp"));
        g_ptr_array_add(args, g_strdup_printf("unix:%s,server=on,wait=off",
                                              in->vm.qmp_path));
    }
    for (unsigned i = 0; i < args->len; i++) {
        g_autofree char *v =
            g_markup_escape_text(g_ptr_array_index(args, i), -1);
        g_string_append_printf(x, "    <qemu:arg value='%s'/>\n", v);
    }
    g_string_append(x, "  </qemu:commandline>\n</domain>\n");
    return g_string_free(x, FALSE);
}
