/*
 * shell-cmd.c - `pit shell`: the torture VM with a scenario's devices
 * and a shell on this terminal (the serial console on stdio), for poking
 * at a problem by hand.  pit stays beside QEMU: it prints where the
 * device's mutation log is, keeps one status line at the bottom of the
 * terminal with the device's counters (QMP), and makes sure no QEMU is
 * left when the shell ends (exit, poweroff, QEMU's C-a x, or pit's own
 * death: QEMU gets SIGKILL with it).
 *
 * QEMU stays in pit's process group, the terminal's foreground group,
 * so it may read the terminal; its stdio chardev has signal=off, so
 * Ctrl-C reaches the guest's shell instead of ending QEMU.
 */
#include "shell-cmd.h"
#include "image.h"
#include "kernel.h"
#include "qemu-cmd.h"
#include "procs.h"
#include "qmp.h"
#include "repro-setup.h"
#include "repro.h"
#include "run.h"
#include "scenario.h"
#include "util.h"
#include "pit-defs.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static volatile sig_atomic_t got_signal;
static volatile pid_t qemu_pid;

static void on_signal(int sig)
{
    got_signal = sig;
    if (qemu_pid > 0) {
        kill(qemu_pid, SIGKILL);
    }
}

static void child_setup(gpointer data)
{
    (void)data;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}

typedef struct Term {
    bool tty;
    bool have_saved;
    struct termios saved;
    unsigned rows, cols;
} Term;

static void term_write(const char *s)
{
    size_t n = strlen(s);

    while (n) {
        ssize_t w = write(STDOUT_FILENO, s, n);
        if (w <= 0) {
            if (w < 0 && errno == EINTR) {
                continue;
            }
            return;
        }
        s += w;
        n -= (size_t)w;
    }
}

/* The status line: the terminal's last row, outside the scroll region. */
static void status_draw(const Term *t, const char *text)
{
    if (!t->tty) {
        g_autofree char *l = g_strdup_printf("%s\n", text);
        term_write(l);
        return;
    }
    g_autofree char *cut = g_strndup(text, t->cols ? t->cols - 1 : 79);
    /* save cursor, go to the last row, clear it, write, restore */
    g_autofree char *s = g_strdup_printf(
        "\0337\033[%u;1H\033[2K\033[7m%s\033[0m\0338", t->rows, cut);
    term_write(s);
}

static void term_setup(Term *t)
{
    struct winsize ws;

    t->tty = isatty(STDOUT_FILENO) && isatty(STDIN_FILENO);
    if (!t->tty) {
        return;
    }
    t->have_saved = tcgetattr(STDIN_FILENO, &t->saved) == 0;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 4) {
        t->rows = ws.ws_row;
        t->cols = ws.ws_col;
    } else {
        t->rows = 24;
        t->cols = 80;
    }
    /* clear, and scroll everything but the last row */
    g_autofree char *s =
        g_strdup_printf("\033[H\033[2J\033[1;%ur\033[H", t->rows - 1);
    term_write(s);
}

static void term_restore(const Term *t)
{
    if (!t->tty) {
        return;
    }
    if (t->have_saved) {
        tcsetattr(STDIN_FILENO, TCSANOW, &t->saved);
    }
    g_autofree char *s = g_strdup_printf("\033[r\033[%u;1H\n", t->rows);
    term_write(s);
}

/* "d0: 12 in-flight changes, 3 PI errors" over the nvme-pi devices. */
static char *counters_text(Qmp *q, const Scenario *s, guint64 *changes)
{
    GString *out = g_string_new(NULL);

    *changes = 0;
    for (unsigned i = 0; i < s->devices->len; i++) {
        const ScnDevice *d = g_ptr_array_index(s->devices, i);
        if (d->model != SCN_MODEL_NVME_PI) {
            continue;
        }
        g_autofree char *path =
            g_strdup_printf("/machine/peripheral/%s", d->name);
        JsonObject *c = q ? qmp_device_counters(q, path) : NULL;
        gint64 m = c && json_object_has_member(c, "stat-mutation-events")
                       ? json_object_get_int_member(c, "stat-mutation-events")
                       : 0;
        gint64 g = c && json_object_has_member(c, "stat-guard-errors")
                       ? json_object_get_int_member(c, "stat-guard-errors")
                       : 0;
        if (c) {
            json_object_unref(c);
        }
        *changes += (guint64)m;
        g_string_append_printf(out,
                               "%s%s: %" G_GINT64_FORMAT
                               " in-flight changes, %" G_GINT64_FORMAT
                               " guard errors",
                               out->len ? "; " : "", d->name, m, g);
    }
    if (!out->len) {
        g_string_append(out, "QEMU's nvme: no in-flight record");
    }
    return g_string_free(out, FALSE);
}

static char *scenario_file(const char *name)
{
    if (g_str_has_suffix(name, ".ini") || strchr(name, '/')) {
        return g_strdup(name);
    }
    return g_strdup_printf("%s/scenarios/%s.ini", pit_srcdir(), name);
}

static Scenario *load_setup(const char *given, GError **error)
{
    g_autofree char *path = scenario_file(given);
    g_autofree char *ini = NULL;

    if (g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
        return scenario_load(path, error);
    }
    if (strchr(given, '/') || g_str_has_suffix(given, ".ini")) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_NOT_FOUND,
                    "scenario %s does not exist", given);
        return NULL;
    }
    ini = repro_setup_ini(given, 300, error);
    return ini ? scenario_parse(given, ini, strlen(ini), error) : NULL;
}

int shell_cmd(int argc, char **argv)
{
    g_autofree char *kspec = NULL, *accel = NULL, *qemu_opt = NULL,
                    *out_opt = NULL, *model = NULL;
    g_auto(GStrv) add = NULL;
    GOptionEntry entries[] = {
        { "kernel", 'k', 0, G_OPTION_ARG_STRING, &kspec,
          "kernel to boot: debian:VER, file:PATH[,modules=DIR]", "SPEC" },
        { "add", 'a', 0, G_OPTION_ARG_FILENAME_ARRAY, &add,
          "put FILE into the guest's /nvme-pi/files (repeatable)", "FILE" },
        { "model", 0, 0, G_OPTION_ARG_STRING, &model,
          "every device's model: nvme-pi (default: the scenario's) or nvme",
          "MODEL" },
        { "accel", 0, 0, G_OPTION_ARG_STRING, &accel,
          "kvm or tcg (default tcg: KVM guests hang on some hosts)", "MODE" },
        { "qemu", 0, 0, G_OPTION_ARG_FILENAME, &qemu_opt,
          "QEMU binary (default: build/qemu/qemu-system-x86_64)", "PATH" },
        { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out_opt,
          "directory for the backing images and the mutation log "
          "(default build/pit/shell-<timestamp>)",
          "DIR" },
        G_OPTION_ENTRY_NULL
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("[SCENARIO | SETUP] --kernel SPEC");
    g_autoptr(GError) e = NULL;
    g_autoptr(Scenario) s = NULL;
    g_autoptr(Kernel) k = NULL;
    g_autoptr(Reproducer) files = repro_new();
    g_autoptr(GBytes) fcpio = NULL, jcpio = NULL;
    g_autoptr(GPtrArray) backing = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) mutlog = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) a = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *dir = NULL, *base = NULL, *img1 = NULL, *initrd = NULL,
                    *job = NULL, *tmp = NULL, *qmp_path = NULL, *append = NULL;
    const char *qemu;
    Term term = { 0 };
    Qmp *q = NULL;
    GPid pid;
    int status = 0;

    g_option_context_set_summary(
        ctx, "Boot the torture VM with a scenario's devices (or SETUP words, "
             "as pit repro;\ndefault: pi) and give a shell on this terminal. "
             "The last row shows the\ndevice's counters.  Leave with exit or "
             "poweroff, or Ctrl-a x.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &e)) {
        fprintf(stderr, "pit shell: %s\n", e->message);
        return PIT_EXIT_INPUT;
    }
    if (!kspec || argc > 2) {
        fprintf(stderr, "pit shell: give --kernel SPEC and at most one "
                        "SCENARIO (see pit shell --help)\n");
        return PIT_EXIT_INPUT;
    }
    if (model && strcmp(model, "nvme-pi") && strcmp(model, "nvme")) {
        fprintf(stderr, "pit shell: --model must be nvme-pi or nvme\n");
        return PIT_EXIT_INPUT;
    }
    if (accel && strcmp(accel, "kvm") && strcmp(accel, "tcg")) {
        fprintf(stderr, "pit shell: --accel must be kvm or tcg\n");
        return PIT_EXIT_INPUT;
    }
    for (unsigned i = 0; add && add[i]; i++) {
        g_autofree char *abs = g_canonicalize_filename(add[i], NULL);
        g_autofree char *b = g_path_get_basename(abs);
        if (!g_file_test(abs, G_FILE_TEST_IS_REGULAR)) {
            fprintf(stderr, "pit shell: --add %s: no such file\n", add[i]);
            return PIT_EXIT_INPUT;
        }
        repro_add_file(files, abs, b,
                       g_file_test(abs, G_FILE_TEST_IS_EXECUTABLE));
    }
    s = load_setup(argc == 2 ? argv[1] : "pi", &e);
    if (!s) {
        fprintf(stderr, "pit shell: %s\n", e->message);
        return PIT_EXIT_INPUT;
    }
    repro_setup_boot_args(s);
    for (unsigned i = 0; model && i < s->devices->len; i++) {
        ScnDevice *d = g_ptr_array_index(s->devices, i);
        d->model =
            strcmp(model, "nvme") ? SCN_MODEL_NVME_PI : SCN_MODEL_QEMU_NVME;
        if (d->model == SCN_MODEL_QEMU_NVME) {
            g_strfreev(d->hooks);
            d->hooks = NULL;
        }
    }
    qemu = qemu_opt ? qemu_opt : pit_qemu_binary();
    if (!g_file_test(qemu, G_FILE_TEST_IS_EXECUTABLE)) {
        fprintf(stderr,
                "pit: QEMU not found at %s: build it with 'make "
                "qemu' or pass --qemu PATH\n",
                qemu);
        return PIT_EXIT_DEPENDENCY;
    }
    k = kernel_resolve(kspec, &e);
    if (!k) {
        fprintf(stderr, "pit shell: %s\n", e->message);
        return e->code == PIT_ERROR_NOT_IMPLEMENTED ? PIT_EXIT_DEPENDENCY
                                                    : PIT_EXIT_INPUT;
    }
    base = image_for_kernel(k, s->image, &e);
    if (!base) {
        fprintf(stderr, "pit shell: %s\n", e->message);
        return PIT_EXIT_DEPENDENCY;
    }
    if (out_opt) {
        dir = g_canonicalize_filename(out_opt, NULL);
    } else {
        g_autoptr(GDateTime) now = g_date_time_new_now_local();
        g_autofree char *stamp = g_date_time_format(now, "%Y%m%d-%H%M%S");
        dir = g_strdup_printf("%s/build/pit/shell-%s", pit_srcdir(), stamp);
    }
    if (g_mkdir_with_parents(dir, 0755) < 0) {
        fprintf(stderr, "pit shell: cannot create %s: %s\n", dir,
                g_strerror(errno));
        return PIT_EXIT_INPUT;
    }
    for (unsigned i = 0; i < s->devices->len; i++) {
        const ScnDevice *d = g_ptr_array_index(s->devices, i);
        g_ptr_array_add(backing, g_strdup_printf("%s/%s.img", dir, d->name));
        g_ptr_array_add(
            mutlog, d->model == SCN_MODEL_NVME_PI
                        ? g_strdup_printf("%s/%s.mutations.jsonl", dir, d->name)
                        : NULL);
        if (!run_create_backing(g_ptr_array_index(backing, i), d->size, &e)) {
            fprintf(stderr, "pit shell: %s\n", e->message);
            return PIT_EXIT_INPUT;
        }
    }
    term_setup(&term);
    {
        g_autofree char *j0 = image_job_text(s, "shell", 86400, 1);
        g_autofree char *tty =
            term.tty
                ? g_strdup_printf("rows %u cols %u", term.rows - 1, term.cols)
                : g_strdup("");
        job = g_strdup_printf("%sNVMEPI_SHELL='1'\nNVMEPI_TTY='%s'\n", j0, tty);
    }
    jcpio = image_job_cpio(job);
    fcpio = repro_cpio(files, &e);
    img1 = g_build_filename(dir, "initrd-files.img", NULL);
    initrd = g_build_filename(dir, "initrd.img", NULL);
    if (!fcpio || !image_write_initrd(base, fcpio, img1, &e) ||
        !image_write_initrd(img1, jcpio, initrd, &e)) {
        term_restore(&term);
        fprintf(stderr, "pit shell: %s\n", e->message);
        return PIT_EXIT_INPUT;
    }
    unlink(img1);
    tmp = g_dir_make_tmp("pit-shell-XXXXXX", NULL);
    qmp_path = g_build_filename(tmp, "qmp.sock", NULL);
    append = qemu_cmd_append(s, "shell");

    QemuCmdInput in = {
        .qemu = qemu,
        .scn = s,
        .accel = accel ? accel : "tcg",
        .kernel = k->boot_image ? k->boot_image : k->vmlinuz,
        .initrd = initrd,
        .run_id = "shell",
        .backing = (const char *const *)backing->pdata,
        .mutlog = (const char *const *)mutlog->pdata,
    };
#define ADD(x) g_ptr_array_add(a, g_strdup(x))
    ADD(qemu);
    ADD("-M");
    ADD("q35");
    ADD("-nodefaults");
    ADD("-accel");
    ADD(in.accel);
    if (s->cpu) {
        ADD("-cpu");
        ADD(s->cpu);
    }
    ADD("-m");
    g_ptr_array_add(a, g_strdup_printf("%u", s->memory_mb));
    ADD("-smp");
    g_ptr_array_add(a, g_strdup_printf("%u", s->smp));
    ADD("-kernel");
    ADD(k->boot_image ? k->boot_image : k->vmlinuz);
    ADD("-initrd");
    ADD(initrd);
    ADD("-append");
    ADD(append);
    qemu_cmd_add_devices(a, &in);
    ADD("-display");
    ADD("none");
    /* the monitor first, so the serial port has the mux's focus */
    ADD("-chardev");
    ADD("stdio,id=con,mux=on,signal=off");
    ADD("-mon");
    ADD("chardev=con,mode=readline");
    ADD("-serial");
    ADD("chardev:con");
    ADD("-qmp");
    g_ptr_array_add(a, g_strdup_printf("unix:%s,server=on,wait=off", qmp_path));
    ADD("-no-reboot");
    ADD("-nic");
    ADD("none");
    qemu_cmd_add_firmware(a);
    g_ptr_array_add(a, NULL);
#undef ADD
    {
        g_autofree char *cl = qemu_cmd_to_string(a);
        g_autofree char *p = g_build_filename(dir, "qemu.cmdline", NULL);
        pit_write_file(p, cl, -1, NULL);
    }

    printf(
        "pit shell: %s (%s), %s on %s; files in %s\r\n", k->spec, k->version,
        argc == 2 ? argv[1] : "pi",
        scn_model_name(((ScnDevice *)g_ptr_array_index(s->devices, 0))->model),
        dir);
    for (unsigned i = 0; i < s->devices->len; i++) {
        const char *ml = g_ptr_array_index(mutlog, i);
        if (ml) {
            printf("pit shell: mutation log of %s: %s\r\n",
                   ((ScnDevice *)g_ptr_array_index(s->devices, i))->name, ml);
        }
    }
    printf("pit shell: leave with 'exit' or 'poweroff' in the guest, or "
           "Ctrl-a x\r\n");
    fflush(stdout);

    procs_install_handler(on_signal);
    if (!g_spawn_async(NULL, (char **)a->pdata, NULL,
                       G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_CHILD_INHERITS_STDIN,
                       child_setup, NULL, &pid, &e)) {
        term_restore(&term);
        fprintf(stderr, "pit shell: cannot start QEMU: %s\n", e->message);
        return PIT_EXIT_DEPENDENCY;
    }
    qemu_pid = pid;

    g_autofree char *last = NULL;
    double start = pit_now(), next = 0, drawn_at = 0;
    guint64 changes = 0;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD)) {
            break;
        }
        double now = pit_now();
        if (!q && now - start > 0.5) {
            q = qmp_connect(qmp_path, 0, NULL);
        }
        if (now >= next) {
            g_autofree char *c = counters_text(q, s, &changes);
            g_autofree char *line = g_strdup_printf("[pit] %s", c);
            next = now + 1.0;
            /* redraw on a change, and now and then (a clear wipes it) */
            if (g_strcmp0(line, last) || now - drawn_at > 5) {
                status_draw(&term, line);
                g_free(last);
                last = g_steal_pointer(&line);
                drawn_at = now;
            }
        }
        g_usleep(100000);
    }
    qemu_pid = 0;
    qmp_close(q);
    unlink(qmp_path);
    rmdir(tmp);
    unlink(initrd);
    term_restore(&term);
    printf("pit shell: QEMU ended (%s %d); %s\n",
           WIFSIGNALED(status) ? "signal" : "exit",
           WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
           last ? last + 6 : "");
    for (unsigned i = 0; i < mutlog->len; i++) {
        const char *ml = g_ptr_array_index(mutlog, i);
        if (ml && g_file_test(ml, G_FILE_TEST_EXISTS)) {
            printf("pit shell: mutation log: %s\n", ml);
        }
    }
    return got_signal ? PIT_EXIT_INTERRUPTED : PIT_EXIT_OK;
}
