/*
 * qemu-cmd.c - QEMU arguments from a scenario: machine, accelerator,
 * memory, kernel/initrd/append, the NVMe controllers and namespaces
 * (ours or QEMU's baseline), serial ports, QMP.
 *
 * -no-reboot turns the guest's panic reboot into a shutdown and
 * -no-shutdown keeps QEMU alive after it, so pit can still read the
 * device counters over QMP before it sends quit.
 */
#include "qemu-cmd.h"
#include "pit-defs.h"
#include "util.h"

static void add(GPtrArray *a, const char *s)
{
    g_ptr_array_add(a, g_strdup(s));
}

G_GNUC_PRINTF(2, 3)
static void addf(GPtrArray *a, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_ptr_array_add(a, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}

/* The format properties both device models share (QEMU's names). */
static void format_props(GString *s, const ScnDevice *d)
{
    g_string_append_printf(s,
                           ",logical_block_size=%u,physical_block_size=%u"
                           ",ms=%u,mset=%u,pi=%u,pil=%u",
                           d->lbs, d->lbs, d->ms, d->mset, d->pi, d->pil);
    /* QEMU 7.2's nvme-ns has no pif: only name it when it matters. */
    if (d->pif) {
        g_string_append_printf(s, ",pif=%u", d->pif);
    }
}

static void add_device(GPtrArray *a, const ScnDevice *d, unsigned idx,
                       const char *backing, const char *mutlog)
{
    g_autoptr(GString) dev = g_string_new(NULL);

    add(a, "-drive");
    addf(a, "file=%s,if=none,id=drv%u,format=raw,discard=unmap", backing, idx);
    add(a, "-device");
    if (d->model == SCN_MODEL_QEMU_NVME) {
        addf(a, "nvme,id=%s,serial=%s", d->name, d->serial);
        g_string_printf(dev, "nvme-ns,bus=%s,drive=drv%u,nsid=1", d->name, idx);
        format_props(dev, d);
    } else {
        g_string_printf(dev, "nvme-pi,id=%s,drive=drv%u,serial=%s", d->name,
                        idx, d->serial);
        format_props(dev, d);
        /* explicit: the device's own default may differ from ours */
        g_string_append_printf(dev, ",pi-strict=%s",
                               d->pi_strict ? "on" : "off");
        for (unsigned i = 0; d->hooks && d->hooks[i]; i++) {
            g_string_append_printf(dev, ",%s", d->hooks[i]);
        }
        if (mutlog) {
            g_string_append_printf(dev, ",mutation-log=%s", mutlog);
        }
    }
    if (d->model == SCN_MODEL_QEMU_NVME) {
        add(a, "-device");
    }
    add(a, dev->str);
}

char *qemu_cmd_append(const Scenario *scn, const char *run_id)
{
    return g_strdup_printf(PIT_BOOT_APPEND " " PIT_BOOT_RUN_KEY "%s%s%s",
                           run_id, scn->append ? " " : "",
                           scn->append ? scn->append : "");
}

void qemu_cmd_add_devices(GPtrArray *a, const QemuCmdInput *in)
{
    for (unsigned i = 0; i < in->scn->devices->len; i++) {
        add_device(a, g_ptr_array_index(in->scn->devices, i), i, in->backing[i],
                   in->mutlog ? in->mutlog[i] : NULL);
    }
}

void qemu_cmd_add_firmware(GPtrArray *a)
{
    add(a, "-L");
    add(a, "/usr/share/qemu");
    add(a, "-L");
    add(a, "/usr/share/seabios");
}

GPtrArray *qemu_cmd_build(const QemuCmdInput *in)
{
    GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *append = qemu_cmd_append(in->scn, in->run_id);

    add(a, in->qemu);
    add(a, "-M");
    add(a, "q35");
    /* Without it q35 gets an AHCI CD-ROM that SeaBIOS waits ~30 s on. */
    add(a, "-nodefaults");
    add(a, "-accel");
    add(a, in->accel);
    if (in->scn->cpu) {
        add(a, "-cpu");
        add(a, in->scn->cpu);
    }
    add(a, "-m");
    addf(a, "%u", in->scn->memory_mb);
    /*
     * Each CPU its own socket: a kernel without ACPI (storage-test.config)
     * finds its CPUs in SeaBIOS's MP table, which lists one CPU per
     * socket; with QEMU's default topology (cores of one socket) such a
     * guest would run on its boot CPU alone.  libvirt's default for a
     * <vcpu> without <topology> is the same (sockets=N,cores=1,threads=1).
     */
    add(a, "-smp");
    addf(a, "%u,sockets=%u,cores=1,threads=1", in->scn->smp, in->scn->smp);
    add(a, "-kernel");
    add(a, in->kernel);
    add(a, "-initrd");
    add(a, in->initrd);
    add(a, "-append");
    add(a, append);
    qemu_cmd_add_devices(a, in);
    add(a, "-display");
    add(a, "none");
    add(a, "-monitor");
    add(a, "none");
    add(a, "-chardev");
    addf(a, "file,id=console,path=%s", in->console_path);
    add(a, "-serial");
    add(a, "chardev:console");
    add(a, "-chardev");
    addf(a, "file,id=result,path=%s", in->result_path);
    add(a, "-serial");
    add(a, "chardev:result");
    add(a, "-qmp");
    addf(a, "unix:%s,server=on,wait=off", in->qmp_path);
    add(a, "-no-reboot");
    add(a, "-no-shutdown");
    add(a, "-nic");
    add(a, "none");
    qemu_cmd_add_firmware(a);
    g_ptr_array_add(a, NULL);
    return a;
}

char *qemu_cmd_to_string(GPtrArray *argv)
{
    GString *s = g_string_new(NULL);

    for (unsigned i = 0; i < argv->len && g_ptr_array_index(argv, i); i++) {
        g_autofree char *q = pit_shell_quote(g_ptr_array_index(argv, i));
        g_string_append_printf(s, "%s%s", i ? " " : "", q);
    }
    g_string_append_c(s, '\n');
    return g_string_free(s, FALSE);
}
