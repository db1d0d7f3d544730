/*
 * accel.c - the KVM probe.  Boot the kernel under KVM with no initrd and
 * an init that does not exist: a working KVM gets as far as the VFS
 * "No working init found" panic in a second or two; a broken one shows
 * nothing.  Seeing the kernel reach the init stage is the only proof.
 */
#include "accel.h"
#include "util.h"

#include <fcntl.h>
#include <stdbool.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROBE_TIMEOUT_S 20

static char *boot_id(void)
{
    char *id = NULL;

    if (g_file_get_contents("/proc/sys/kernel/random/boot_id", &id, NULL,
                            NULL)) {
        g_strstrip(id);
    }
    return id ? id : g_strdup("unknown");
}

static void child_setup(gpointer data)
{
    (void)data;
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static bool probe_kvm(const char *qemu, const char *vmlinuz)
{
    g_autofree char *dir = g_dir_make_tmp("pit-kvm-XXXXXX", NULL);
    g_autofree char *log = NULL, *con = NULL, *data = NULL;
    GPid pid;
    bool ok = false;
    int fd, status;

    if (!dir) {
        return false;
    }
    log = g_build_filename(dir, "console", NULL);
    con = g_strdup_printf("file,id=c,path=%s", log);
    const char *argv[] = { qemu,
                           "-M",
                           "q35",
                           "-nodefaults",
                           "-accel",
                           "kvm",
                           "-m",
                           "256",
                           "-kernel",
                           vmlinuz,
                           "-append",
                           "console=ttyS0 panic=-1 init=/pit-probe-no-init",
                           "-display",
                           "none",
                           "-monitor",
                           "none",
                           "-chardev",
                           con,
                           "-serial",
                           "chardev:c",
                           "-no-reboot",
                           "-nic",
                           "none",
                           "-L",
                           "/usr/share/qemu",
                           "-L",
                           "/usr/share/seabios",
                           NULL };
    fd = open("/dev/null", O_WRONLY);
    if (g_spawn_async_with_fds(NULL, (char **)argv, NULL,
                               G_SPAWN_DO_NOT_REAP_CHILD, child_setup, NULL,
                               &pid, -1, fd, fd, NULL)) {
        double end = pit_now() + PROBE_TIMEOUT_S;
        while (pit_now() < end && !ok) {
            if (waitpid(pid, &status, WNOHANG) == pid) {
                pid = 0;
            }
            g_free(data);
            data = NULL;
            if (g_file_get_contents(log, &data, NULL, NULL) &&
                (strstr(data, "No working init found") ||
                 strstr(data, "Kernel panic") || strstr(data, "Run /"))) {
                ok = true;
            }
            if (!pid) {
                break;
            }
            g_usleep(100000);
        }
        if (pid) {
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
        }
    }
    if (fd >= 0) {
        close(fd);
    }
    unlink(log);
    rmdir(dir);
    return ok;
}

const char *accel_choose(const char *mode, const char *qemu,
                         const char *vmlinuz, char **why)
{
    g_autofree char *id = NULL, *cache = NULL, *cached = NULL, *key = NULL;
    bool ok;

    if (!strcmp(mode, "tcg")) {
        *why = g_strdup("tcg (--accel tcg)");
        return "tcg";
    }
    if (!strcmp(mode, "kvm")) {
        *why = g_strdup("kvm (--accel kvm, not probed)");
        return "kvm";
    }
    if (access("/dev/kvm", R_OK | W_OK) < 0) {
        *why = g_strdup("tcg (/dev/kvm not usable)");
        return "tcg";
    }
    id = boot_id();
    key = g_strdup_printf("%s %s", id, qemu);
    cache = g_build_filename(pit_cache_dir(), "accel-probe", NULL);
    if (g_file_get_contents(cache, &cached, NULL, NULL) &&
        g_str_has_prefix(cached, key) && cached[strlen(key)] == ' ') {
        const char *r = cached + strlen(key) + 1;
        bool kvm = g_str_has_prefix(r, "kvm");
        *why = g_strdup_printf(
            "%s (KVM probe cached for this host boot: %s)", kvm ? "kvm" : "tcg",
            kvm ? "KVM guests boot" : "KVM guests do not boot");
        return kvm ? "kvm" : "tcg";
    }
    ok = probe_kvm(qemu, vmlinuz);
    g_autofree char *line = g_strdup_printf("%s %s\n", key, ok ? "kvm" : "tcg");
    pit_write_file(cache, line, -1, NULL);
    *why = g_strdup_printf(ok ? "kvm (KVM probe: a test boot reached init)"
                              : "tcg (KVM probe: no boot within %d s under "
                                "KVM, falling back)",
                           PROBE_TIMEOUT_S);
    return ok ? "kvm" : "tcg";
}
