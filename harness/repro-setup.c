/*
 * repro-setup.c - short SETUP words to a scenario, and a scenario to the
 * one `pit repro` boots (pure).
 *
 * Short words make an ordinary scenario text, parsed by scenario.c like
 * any file, so a short setup gets the same checks and runs through the
 * same run path as the library's scenarios.
 */
#include "repro-setup.h"
#include "util.h"

#include <string.h>

#define WORDS_HELP                                                             \
    "pi, plain, xfs, btrfs, ext4, raid1[:N], raid5[:N], skip_copy, "           \
    "size=SIZE, delay=NS"

typedef struct Words {
    bool pi, plain, skip_copy;
    const char *fs;   /* xfs btrfs ext4 or NULL */
    unsigned raid;    /* 0, 1 or 5 */
    unsigned members; /* namespaces */
    char *size;
    guint64 delay_ns;
} Words;

static bool parse_words(const char *text, Words *w, GError **error)
{
    g_auto(GStrv) parts = g_strsplit_set(text, ",+", -1);

    memset(w, 0, sizeof(*w));
    w->members = 1;
    w->delay_ns = REPRO_DEFAULT_DELAY_NS;
    for (unsigned i = 0; parts[i]; i++) {
        char *p = g_strstrip(parts[i]);
        if (!*p) {
            continue;
        }
        if (!strcmp(p, "pi")) {
            w->pi = true;
        } else if (!strcmp(p, "plain")) {
            w->plain = true;
        } else if (!strcmp(p, "xfs") || !strcmp(p, "btrfs") ||
                   !strcmp(p, "ext4")) {
            if (w->fs) {
                g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                            "setup '%s': two filesystems (%s and %s)", text,
                            w->fs, p);
                return false;
            }
            w->fs = !strcmp(p, "xfs")     ? "xfs"
                    : !strcmp(p, "btrfs") ? "btrfs"
                                          : "ext4";
        } else if (g_str_has_prefix(p, "raid1") ||
                   g_str_has_prefix(p, "raid5")) {
            const char *n = p + 5;
            w->raid = p[4] == '1' ? 1 : 5;
            w->members = w->raid == 1 ? 2 : 3;
            if (*n == ':') {
                char *end;
                guint64 v = g_ascii_strtoull(n + 1, &end, 10);
                if (end == n + 1 || *end || v < (w->raid == 1 ? 2 : 3) ||
                    v > 8) {
                    g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                                "setup '%s': '%s' wants a member count of "
                                "%d to 8 (e.g. raid%u:%d)",
                                text, p, w->raid == 1 ? 2 : 3, w->raid,
                                w->raid == 1 ? 2 : 3);
                    return false;
                }
                w->members = (unsigned)v;
            } else if (*n) {
                goto unknown;
            }
        } else if (!strcmp(p, "skip_copy")) {
            w->skip_copy = true;
        } else if (g_str_has_prefix(p, "size=") && p[5]) {
            g_free(w->size);
            w->size = g_strdup(p + 5);
        } else if (g_str_has_prefix(p, "delay=")) {
            char *end;
            w->delay_ns = g_ascii_strtoull(p + 6, &end, 10);
            if (end == p + 6 || *end) {
                g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                            "setup '%s': '%s' is not delay=NANOSECONDS", text,
                            p);
                return false;
            }
        } else {
            goto unknown;
        }
        continue;
    unknown:
        g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                    "setup '%s': unknown word '%s' (words: " WORDS_HELP
                    "; or a scenario: 'pit scenarios' lists them)",
                    text, p);
        return false;
    }
    if (w->pi && w->plain) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                    "setup '%s': a namespace is either pi or plain", text);
        return false;
    }
    if (w->skip_copy && w->raid != 5) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE,
                    "setup '%s': skip_copy is a raid5 setting (add raid5)",
                    text);
        return false;
    }
    if (!w->plain) {
        w->pi = true; /* the point of nvme-pi: PI unless told otherwise */
    }
    return true;
}

char *repro_setup_ini(const char *words, unsigned timeout_s, GError **error)
{
    Words w;
    GString *s;

    if (!parse_words(words, &w, error)) {
        g_free(w.size);
        return NULL;
    }
    s = g_string_new(NULL);
    g_string_append_printf(s,
                           "# pit repro: short setup '%s'\n"
                           "[scenario]\n"
                           "description = pit repro on '%s'\n"
                           "memory = 1024\nsmp = 2\ntimeout = %u\n"
                           "modules = ?crc32c_generic nvme%s%s%s\n",
                           words, words, timeout_s, w.fs ? " " : "",
                           w.fs ? w.fs : "",
                           w.raid == 1   ? " raid1"
                           : w.raid == 5 ? " raid456"
                                         : "");
    if (w.raid) {
        g_string_append(s, "md-check = true\n");
    }
    if (w.fs) {
        /*
         * guest/init checks btrfs mounted (scrub), xfs and ext4 unmounted
         * (xfs_repair -n, e2fsck -fn), so those name the device.
         */
        if (!strcmp(w.fs, "btrfs")) {
            g_string_append(s, "fs-check = btrfs:" REPRO_MNT "\n");
        } else {
            g_string_append_printf(s, "fs-check = %s:%s\n", w.fs,
                                   w.raid ? "/dev/md0" : "d0");
        }
    }
    for (unsigned i = 0; i < w.members; i++) {
        g_string_append_printf(
            s,
            "\n[device d%u]\nhooks = dma-delay=%" G_GUINT64_FORMAT "\n"
            "mutation-log = true\nsize = %s\nlbs = 4096\n",
            i, w.delay_ns, w.size ? w.size : "1G");
        if (w.pi) {
            g_string_append(s, "ms = 8\npi = 1\nformat = T10-DIF-TYPE1-CRC\n");
        } else {
            g_string_append(s, "format = none\n");
        }
    }
    g_string_append(s, "\n[steps]\n");
    if (w.raid) {
        g_string_append_printf(s,
                               "create = !mdadm --create /dev/md0 --run "
                               "--level=%u --raid-devices=%u --metadata=1.2",
                               w.raid, w.members);
        for (unsigned i = 0; i < w.members; i++) {
            g_string_append_printf(s, " $DEV_d%u", i);
        }
        g_string_append(s, "\nresync = mdadm --wait /dev/md0 || true\n");
        if (w.skip_copy) {
            g_string_append(
                s, "skipcopy = !echo 1 > /sys/block/md0/md/skip_copy\n");
        }
    }
    if (w.fs) {
        const char *dev = w.raid ? "/dev/md0" : "$DEV_d0";
        const char *force = !strcmp(w.fs, "ext4") ? "-F -q" : "-f -q";
        g_string_append_printf(s,
                               "mkfs = !mkfs.%s %s %s\n"
                               "mkdir = !mkdir -p " REPRO_MNT "\n"
                               "mount = !mount -t %s %s " REPRO_MNT "\n",
                               w.fs, force, dev, w.fs, dev);
    }
    g_string_append(s, "workload = true\n\n[expect]\nfail = *\n"
                       "note = pit repro judges runs by its own rule\n");
    g_free(w.size);
    return g_string_free(s, FALSE);
}

const char *repro_setup_mnt(const char *words)
{
    Words w;
    bool fs = parse_words(words, &w, NULL) && w.fs;

    g_free(w.size);
    return fs ? REPRO_MNT : NULL;
}

char *repro_setup_dev(const Scenario *s, const char *words)
{
    Words w;

    if (words && parse_words(words, &w, NULL)) {
        g_free(w.size);
        if (w.raid) {
            return g_strdup("/dev/md0");
        }
    }
    return g_strdup_printf(
        "$DEV_%s", ((ScnDevice *)g_ptr_array_index(s->devices, 0))->name);
}

static bool is_workload(const char *name, const char *cmd)
{
    static const char *const tools[] = { "dio-torture", "fio", "stress-ng",
                                         NULL };
    g_auto(GStrv) words = g_strsplit_set(cmd, " \t;|&()!`", -1);

    if (!strcmp(name, "workload") || !strcmp(name, "torture")) {
        return true;
    }
    for (unsigned i = 0; words[i]; i++) {
        for (unsigned t = 0; tools[t]; t++) {
            if (!strcmp(words[i], tools[t])) {
                return true;
            }
        }
    }
    return false;
}

unsigned repro_setup_adapt(Scenario *s, const char *program_cmd, ScnModel model)
{
    GPtrArray *names = g_ptr_array_new();
    GPtrArray *steps = g_ptr_array_new();
    unsigned at = 0;

    for (unsigned i = 0; s->steps[i]; i++) {
        if (is_workload(s->step_names[i], s->steps[i])) {
            if (at) {
                g_free(s->steps[i]);
                g_free(s->step_names[i]);
                continue;
            }
            g_free(s->steps[i]);
            s->steps[i] = g_strdup(program_cmd);
            at = steps->len + 1;
        }
        g_ptr_array_add(names, s->step_names[i]);
        g_ptr_array_add(steps, s->steps[i]);
    }
    if (!at) {
        g_ptr_array_add(names, g_strdup("workload"));
        g_ptr_array_add(steps, g_strdup(program_cmd));
        at = steps->len;
    }
    g_ptr_array_add(names, NULL);
    g_ptr_array_add(steps, NULL);
    g_free(s->step_names);
    g_free(s->steps);
    s->step_names = (char **)g_ptr_array_free(names, FALSE);
    s->steps = (char **)g_ptr_array_free(steps, FALSE);

    for (unsigned d = 0; d < s->devices->len; d++) {
        ScnDevice *dev = g_ptr_array_index(s->devices, d);
        dev->model = model;
        if (model == SCN_MODEL_QEMU_NVME) {
            g_strfreev(dev->hooks);
            dev->hooks = NULL;
        } else {
            dev->mutation_log = true;
        }
    }
    g_free(s->name);
    s->name = g_strdup(scn_model_name(model));
    repro_setup_boot_args(s);
    return at;
}

void repro_setup_boot_args(Scenario *s)
{
    if (s->append && strstr(s->append, REPRO_BOOT_ARGS)) {
        return;
    }
    char *a = g_strdup_printf("%s%s" REPRO_BOOT_ARGS,
                              s->append ? s->append : "", s->append ? " " : "");
    g_free(s->append);
    s->append = a;
}

/* Quote a word unless it is safe or meant for the guest's shell ($VAR). */
static char *arg_word(const char *a)
{
    if (*a && strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789-_./=:,+@%${}") == strlen(a)) {
        return g_strdup(a);
    }
    return g_shell_quote(a);
}

char *repro_program_step(const char *run, const char *const *args,
                         const char *dev, const char *mnt)
{
    GString *s = g_string_new(NULL);

    g_string_append_printf(s,
                           "cd %s && export DEV=%s MNT=%s "
                           "REPRO_SEED=@SEED@ && %s",
                           mnt ? mnt : "/tmp", dev, mnt ? mnt : "", run);
    for (unsigned i = 0; args && args[i]; i++) {
        g_autofree char *w = arg_word(args[i]);
        g_string_append_printf(s, " %s", w);
    }
    return g_string_free(s, FALSE);
}
