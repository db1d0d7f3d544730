/*
 * scenario.c - the .ini scenario parser (GKeyFile) and the version-range
 * rules that pick a scenario's expectation for a kernel.
 *
 * Every key is known: a misspelt key is an error rather than a silently
 * ignored setting, because a scenario that quietly runs without its
 * timing hook would "pass" for the wrong reason.  GKeyFile does not keep
 * line numbers, so messages find the line by scanning the text again.
 */
#include "scenario.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct Parser {
    const char *path;
    const char *data;
    gsize len;
    GKeyFile *kf;
} Parser;

/* 1-based line of `key` in `[group]` (key NULL: the group header), or 0. */
static unsigned find_line(const Parser *p, const char *group, const char *key)
{
    g_auto(GStrv) lines = g_strsplit(p->data, "\n", -1);
    bool in_group = false;

    for (unsigned i = 0; lines[i]; i++) {
        const char *l = lines[i];
        while (*l == ' ' || *l == '\t') {
            l++;
        }
        if (*l == '[') {
            const char *end = strchr(l, ']');
            in_group = end && (size_t)(end - l - 1) == strlen(group) &&
                       !strncmp(l + 1, group, end - l - 1);
            if (in_group && !key) {
                return i + 1;
            }
            continue;
        }
        if (in_group && key && g_str_has_prefix(l, key)) {
            const char *r = l + strlen(key);
            while (*r == ' ' || *r == '\t') {
                r++;
            }
            if (*r == '=') {
                return i + 1;
            }
        }
    }
    return 0;
}

/* The first line GKeyFile cannot have liked, for its parse errors. */
static unsigned find_bad_line(const Parser *p)
{
    g_auto(GStrv) lines = g_strsplit(p->data, "\n", -1);

    for (unsigned i = 0; lines[i]; i++) {
        g_autofree char *l = g_strstrip(g_strdup(lines[i]));
        if (!*l || *l == '#') {
            continue;
        }
        if (*l == '[') {
            if (l[strlen(l) - 1] != ']') {
                return i + 1;
            }
            continue;
        }
        if (!strchr(l, '=') || *l == '=') {
            return i + 1;
        }
    }
    return 0;
}

G_GNUC_PRINTF(5, 6)
static void perr(const Parser *p, GError **error, const char *group,
                 const char *key, const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    g_autofree char *where = NULL;
    unsigned line = group ? find_line(p, group, key) : 0;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (line) {
        where = g_strdup_printf("%s:%u", p->path, line);
    } else {
        where = g_strdup(p->path);
    }
    if (key) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE, "%s: [%s] %s: %s", where,
                    group, key, msg);
    } else if (group) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE, "%s: [%s]: %s", where,
                    group, msg);
    } else {
        g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE, "%s: %s", where, msg);
    }
}

static bool check_keys(const Parser *p, const char *group,
                       const char *const *known, GError **error)
{
    g_auto(GStrv) keys = g_key_file_get_keys(p->kf, group, NULL, NULL);

    for (unsigned i = 0; keys && keys[i]; i++) {
        if (!g_strv_contains(known, keys[i])) {
            g_autofree char *list = g_strjoinv(", ", (char **)known);
            perr(p, error, group, keys[i], "unknown key (known: %s)", list);
            return false;
        }
    }
    return true;
}

static bool get_str(const Parser *p, const char *group, const char *key,
                    char **out, GError **error)
{
    g_autoptr(GError) e = NULL;
    char *v;

    if (!g_key_file_has_key(p->kf, group, key, NULL)) {
        return true;
    }
    v = g_key_file_get_string(p->kf, group, key, &e);
    if (!v) {
        perr(p, error, group, key, "%s", e->message);
        return false;
    }
    g_free(*out);
    *out = g_strstrip(v);
    return true;
}

static bool get_bool(const Parser *p, const char *group, const char *key,
                     bool *out, GError **error)
{
    g_autofree char *v = NULL;

    if (!get_str(p, group, key, &v, error)) {
        return false;
    }
    if (!v) {
        return true;
    }
    if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1")) {
        *out = true;
    } else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0")) {
        *out = false;
    } else {
        perr(p, error, group, key, "'%s' is not a boolean (true or false)", v);
        return false;
    }
    return true;
}

/* Unsigned with an optional K/M/G/T suffix (powers of 1024). */
static bool get_size(const Parser *p, const char *group, const char *key,
                     uint64_t max, uint64_t *out, GError **error)
{
    g_autofree char *v = NULL;
    char *end;
    guint64 n;

    if (!get_str(p, group, key, &v, error)) {
        return false;
    }
    if (!v) {
        return true;
    }
    errno = 0;
    n = g_ascii_strtoull(v, &end, 0);
    if (end == v || errno || *v == '-') {
        goto bad;
    }
    switch (g_ascii_toupper(*end)) {
    case 'K':
        n <<= 10, end++;
        break;
    case 'M':
        n <<= 20, end++;
        break;
    case 'G':
        n <<= 30, end++;
        break;
    case 'T':
        n <<= 40, end++;
        break;
    default:
        break;
    }
    if (g_ascii_toupper(*end) == 'I') {
        end++;
    }
    if (g_ascii_toupper(*end) == 'B') {
        end++;
    }
    if (*end || n > max) {
        goto bad;
    }
    *out = n;
    return true;
bad:
    perr(p, error, group, key, "'%s' is not a number up to %" G_GUINT64_FORMAT,
         v, max);
    return false;
}

static bool get_uint(const Parser *p, const char *group, const char *key,
                     unsigned max, unsigned *out, GError **error)
{
    uint64_t v = *out;

    if (!get_size(p, group, key, max, &v, error)) {
        return false;
    }
    *out = (unsigned)v;
    return true;
}

static bool parse_model(const Parser *p, const char *group, const char *v,
                        ScnModel *out, GError **error)
{
    if (!strcmp(v, "nvme-pi")) {
        *out = SCN_MODEL_NVME_PI;
    } else if (!strcmp(v, "nvme")) {
        *out = SCN_MODEL_QEMU_NVME;
    } else {
        perr(p, error, group, "model",
             "'%s' is not a device model (nvme-pi, or nvme for QEMU's own)", v);
        return false;
    }
    return true;
}

static void device_free(gpointer data)
{
    ScnDevice *d = data;

    g_free(d->name);
    g_free(d->serial);
    g_free(d->expect_format);
    g_strfreev(d->hooks);
    g_free(d);
}

static const char *const device_keys[] = {
    "model", "serial", "size",      "lbs",          "ms",     "mset",  "pi",
    "pil",   "pif",    "pi-strict", "mutation-log", "format", "hooks", NULL
};

static bool parse_device(const Parser *p, Scenario *s, const char *group,
                         ScnModel model, GError **error)
{
    ScnDevice *d = g_new0(ScnDevice, 1);
    g_autofree char *m = NULL;
    const char *name = group + strlen("device ");

    g_ptr_array_add(s->devices, d);
    d->name = g_strstrip(g_strdup(name));
    d->model = model;
    d->size = 512 << 20;
    d->lbs = 4096;
    if (!*d->name || strspn(d->name, "abcdefghijklmnopqrstuvwxyz"
                                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
                         strlen(d->name)) {
        perr(p, error, group, NULL,
             "device name '%s' must be letters, digits and _ (it becomes "
             "$DEV_%s in the guest)",
             d->name, d->name);
        return false;
    }
    if (!check_keys(p, group, device_keys, error) ||
        !get_str(p, group, "model", &m, error) ||
        (m && !parse_model(p, group, m, &d->model, error)) ||
        !get_str(p, group, "serial", &d->serial, error) ||
        !get_size(p, group, "size", 1ULL << 40, &d->size, error) ||
        !get_uint(p, group, "lbs", 65536, &d->lbs, error) ||
        !get_uint(p, group, "ms", 256, &d->ms, error) ||
        !get_uint(p, group, "mset", 1, &d->mset, error) ||
        !get_uint(p, group, "pi", 3, &d->pi, error) ||
        !get_uint(p, group, "pil", 1, &d->pil, error) ||
        !get_uint(p, group, "pif", 2, &d->pif, error) ||
        !get_bool(p, group, "pi-strict", &d->pi_strict, error) ||
        !get_bool(p, group, "mutation-log", &d->mutation_log, error) ||
        !get_str(p, group, "format", &d->expect_format, error)) {
        return false;
    }
    if (d->lbs < 512 || (d->lbs & (d->lbs - 1))) {
        perr(p, error, group, "lbs", "%u is not a power of two >= 512", d->lbs);
        return false;
    }
    if (d->size < 1 << 20) {
        perr(p, error, group, "size", "at least 1M is needed");
        return false;
    }
    if (d->pi && d->ms < (d->pif ? 16u : 8u)) {
        perr(p, error, group, "ms",
             "PI type %u with pif=%u needs ms >= %u (got %u)", d->pi, d->pif,
             d->pif ? 16 : 8, d->ms);
        return false;
    }
    if (!d->serial) {
        d->serial = g_strdup(d->name);
    }
    if (g_key_file_has_key(p->kf, group, "hooks", NULL)) {
        d->hooks =
            g_key_file_get_string_list(p->kf, group, "hooks", NULL, NULL);
        for (unsigned i = 0; d->hooks && d->hooks[i]; i++) {
            g_strstrip(d->hooks[i]);
            if (!strchr(d->hooks[i], '=')) {
                perr(p, error, group, "hooks",
                     "'%s' is not property=value (e.g. dma-delay=100)",
                     d->hooks[i]);
                return false;
            }
        }
        if (d->model != SCN_MODEL_NVME_PI && d->hooks && d->hooks[0]) {
            perr(p, error, group, "hooks",
                 "timing hooks need model = nvme-pi (QEMU's nvme has none)");
            return false;
        }
    }
    return true;
}

static const char *const scenario_keys[] = {
    "description", "references", "default", "model",    "memory",
    "smp",         "timeout",    "modules", "md-check", "fs-check",
    "append",      "cpu",        "image",   NULL
};

static bool parse_image(const Parser *p, const char *v, ScnImage *out,
                        GError **error)
{
    if (!strcmp(v, "default")) {
        *out = SCN_IMAGE_DEFAULT;
    } else if (!strcmp(v, "full")) {
        *out = SCN_IMAGE_FULL;
    } else {
        perr(p, error, "scenario", "image",
             "'%s' is not a guest image (default, or full for fio and "
             "stress-ng)",
             v);
        return false;
    }
    return true;
}

/*
 * The tools only the full image has.  A step that runs one of them from
 * the default image would fail with "not found" and be reported as an
 * ERROR far from its cause, so say it at parse time.
 */
static const char *full_only_tool(const char *step)
{
    static const char *const tools[] = { "fio", "stress-ng", NULL };
    g_auto(GStrv) words = g_strsplit_set(step, " \t;|&()!`", -1);

    for (unsigned i = 0; words[i]; i++) {
        for (unsigned t = 0; tools[t]; t++) {
            if (!strcmp(words[i], tools[t])) {
                return tools[t];
            }
        }
    }
    return NULL;
}

static bool parse_expect(const Parser *p, Scenario *s, GError **error)
{
    static const char *const keys[] = { "pass", "fail", "note", NULL };
    g_auto(GStrv) names = g_key_file_get_keys(p->kf, "expect", NULL, NULL);

    if (!names) {
        perr(p, error, NULL, NULL,
             "no [expect] group: say which kernels should pass or fail "
             "(e.g. pass = *)");
        return false;
    }
    if (!check_keys(p, "expect", keys, error) ||
        !get_str(p, "expect", "note", &s->expect_note, error)) {
        return false;
    }
    for (unsigned i = 0; names[i]; i++) {
        if (!strcmp(names[i], "note")) {
            continue;
        }
        g_auto(GStrv) ranges =
            g_key_file_get_string_list(p->kf, "expect", names[i], NULL, NULL);
        for (unsigned r = 0; ranges && ranges[r]; r++) {
            ScnExpect e = { 0 };
            g_strstrip(ranges[r]);
            if (!*ranges[r]) {
                continue;
            }
            if (!version_range_valid(ranges[r])) {
                perr(p, error, "expect", names[i],
                     "'%s' is not a version range (e.g. <7.0, >=6.1 <6.14, *)",
                     ranges[r]);
                return false;
            }
            e.outcome =
                strcmp(names[i], "pass") ? SCN_EXPECT_FAIL : SCN_EXPECT_PASS;
            e.range = g_strdup(ranges[r]);
            g_array_append_val(s->expect, e);
            /* cppcheck-suppress memleak ; s->expect owns e.range now */
        }
    }
    if (!s->expect->len) {
        perr(p, error, "expect", NULL, "no pass or fail range given");
        return false;
    }
    return true;
}

/* The steps of one group ([steps] or [steps N]) into names/values. */
static bool parse_step_group(const Parser *p, const char *group, char ***out,
                             char ***out_names, GError **error)
{
    g_auto(GStrv) names = g_key_file_get_keys(p->kf, group, NULL, NULL);
    GPtrArray *vals = g_ptr_array_new();

    for (unsigned i = 0; names && names[i]; i++) {
        char *v = NULL;
        if (!get_str(p, group, names[i], &v, error)) {
            g_ptr_array_free(vals, TRUE);
            return false;
        }
        if (strchr(v, '\n')) {
            g_free(v);
            perr(p, error, group, names[i],
                 "a step is one shell line (split it into two steps)");
            g_ptr_array_free(vals, TRUE);
            return false;
        }
        g_ptr_array_add(vals, v);
    }
    g_ptr_array_add(vals, NULL);
    *out = (char **)g_ptr_array_free(vals, FALSE);
    *out_names = names ? g_steal_pointer(&names) : g_new0(char *, 1);
    if (!(*out)[0]) {
        perr(p, error, NULL, NULL, "no [%s]: the guest would run nothing",
             group);
        return false;
    }
    return true;
}

static bool parse_steps(const Parser *p, Scenario *s, GError **error)
{
    return parse_step_group(p, "steps", &s->steps, &s->step_names, error);
}

/* "steps 3" / "boot 3" -> 3; 0 when the group is not of that kind. */
static unsigned group_number(const char *group, const char *kind)
{
    size_t kl = strlen(kind);
    char *end;
    unsigned long n;

    if (strncmp(group, kind, kl) || group[kl] != ' ') {
        return 0;
    }
    n = strtoul(group + kl + 1, &end, 10);
    return *end || end == group + kl + 1 || n > 64 ? 0 : (unsigned)n;
}

static void boot_free(gpointer data)
{
    ScnBoot *b = data;

    g_strfreev(b->step_names);
    g_strfreev(b->steps);
    g_strfreev(b->remove);
    g_strfreev(b->hooks);
    g_free(b->fs_check);
    g_free(b);
}

static int device_index(const Scenario *s, const char *name)
{
    for (unsigned i = 0; i < s->devices->len; i++) {
        const ScnDevice *d = g_ptr_array_index(s->devices, i);
        if (!strcmp(d->name, name)) {
            return (int)i;
        }
    }
    return -1;
}

/* power-cut = after STEP | during STEP [S | MIN-MAX] */
static bool parse_cut(const Parser *p, const char *group, const char *v,
                      ScnBoot *b, GError **error)
{
    g_auto(GStrv) w = g_strsplit_set(v, " \t", -1);
    GPtrArray *words = g_ptr_array_new();
    bool ok = false;

    for (unsigned i = 0; w[i]; i++) {
        if (*w[i]) {
            g_ptr_array_add(words, w[i]);
        }
    }
    if (words->len >= 2 && words->len <= 3) {
        const char *kind = g_ptr_array_index(words, 0);
        const char *step = g_ptr_array_index(words, 1);
        for (unsigned i = 0; b->step_names[i]; i++) {
            if (!strcmp(b->step_names[i], step)) {
                b->cut_step = i;
                ok = true;
            }
        }
        if (!ok) {
            g_autofree char *list = g_strjoinv(", ", b->step_names);
            perr(p, error, group, "power-cut",
                 "'%s' is not a step of this boot (its steps: %s)", step, list);
            g_ptr_array_free(words, TRUE);
            return false;
        }
        b->cut_min_s = 1;
        b->cut_max_s = 5;
        if (!strcmp(kind, "after") && words->len == 2) {
            b->cut = SCN_CUT_AFTER;
        } else if (!strcmp(kind, "during")) {
            b->cut = SCN_CUT_DURING;
            if (words->len == 3) {
                const char *r = g_ptr_array_index(words, 2);
                char *end;
                b->cut_min_s = g_ascii_strtod(r, &end);
                b->cut_max_s = b->cut_min_s;
                if (*end == '-') {
                    b->cut_max_s = g_ascii_strtod(end + 1, &end);
                }
                ok = !*end && end != r && b->cut_min_s >= 0 &&
                     b->cut_max_s >= b->cut_min_s && b->cut_max_s < 86400;
            }
        } else {
            ok = false;
        }
    }
    g_ptr_array_free(words, TRUE);
    if (!ok) {
        perr(p, error, group, "power-cut",
             "'%s' is not 'after STEP' or 'during STEP [SECONDS | MIN-MAX]'",
             v);
    }
    return ok;
}

static bool parse_boot_group(const Parser *p, Scenario *s, const char *group,
                             ScnBoot *b, GError **error)
{
    static const char *const keys[] = { "power-cut", "remove", "md-check",
                                        "fs-check",  "audit",  NULL };
    g_auto(GStrv) names = g_key_file_get_keys(p->kf, group, NULL, NULL);
    g_autofree char *cut = NULL, *remove = NULL;
    bool md = false;

    for (unsigned i = 0; names && names[i]; i++) {
        if (g_str_has_prefix(names[i], "hooks-")) {
            const char *dev = names[i] + strlen("hooks-");
            int di = device_index(s, dev);
            g_autofree char *v = NULL;
            if (di < 0 ||
                ((ScnDevice *)g_ptr_array_index(s->devices, di))->model !=
                    SCN_MODEL_NVME_PI) {
                perr(p, error, group, names[i],
                     di < 0 ? "no [device %s] in this scenario"
                            : "timing hooks need model = nvme-pi (%s is "
                              "QEMU's nvme)",
                     dev);
                return false;
            }
            if (!get_str(p, group, names[i], &v, error)) {
                return false;
            }
            g_auto(GStrv) hs = g_strsplit(v, ";", -1);
            for (unsigned h = 0; hs[h]; h++) {
                g_strstrip(hs[h]);
                if (*hs[h] && !strchr(hs[h], '=')) {
                    perr(p, error, group, names[i],
                         "'%s' is not property=value (e.g. dma-delay=0)",
                         hs[h]);
                    return false;
                }
            }
            g_free(b->hooks[di]);
            b->hooks[di] = g_strjoinv(";", hs);
        } else if (!g_strv_contains(keys, names[i])) {
            g_autofree char *list = g_strjoinv(", ", (char **)keys);
            perr(p, error, group, names[i],
                 "unknown key (known: %s, hooks-DEVICE)", list);
            return false;
        }
    }
    if (!get_str(p, group, "power-cut", &cut, error) ||
        (cut && !parse_cut(p, group, cut, b, error)) ||
        !get_str(p, group, "remove", &remove, error) ||
        !get_str(p, group, "fs-check", &b->fs_check, error) ||
        !get_bool(p, group, "audit", &b->audit, error)) {
        return false;
    }
    if (g_key_file_has_key(p->kf, group, "md-check", NULL)) {
        if (!get_bool(p, group, "md-check", &md, error)) {
            return false;
        }
        b->md_check = md;
    }
    if (remove) {
        g_auto(GStrv) r = g_strsplit_set(remove, " ,\t", -1);
        GPtrArray *list = g_ptr_array_new();
        for (unsigned i = 0; r[i]; i++) {
            if (!*r[i]) {
                continue;
            }
            if (device_index(s, r[i]) < 0) {
                perr(p, error, group, "remove",
                     "no [device %s] in this scenario", r[i]);
                g_ptr_array_free(list, TRUE);
                return false;
            }
            g_ptr_array_add(list, g_strdup(r[i]));
        }
        g_ptr_array_add(list, NULL);
        b->remove = (char **)g_ptr_array_free(list, FALSE);
    }
    return true;
}

/* Boot 1 from [steps], boot N from [steps N]; [boot N] adds actions. */
static bool parse_boots(const Parser *p, Scenario *s, char **groups,
                        GError **error)
{
    unsigned nboots = 1;

    for (unsigned i = 0; groups[i]; i++) {
        unsigned n = group_number(groups[i], "steps");
        if (n > nboots) {
            nboots = n;
        }
    }
    for (unsigned n = 1; n <= nboots; n++) {
        ScnBoot *b = g_new0(ScnBoot, 1);
        g_autofree char *sg = g_strdup_printf("steps %u", n);
        g_autofree char *bg = g_strdup_printf("boot %u", n);

        g_ptr_array_add(s->boots, b);
        b->md_check = -1;
        b->hooks = g_new0(char *, s->devices->len + 1);
        if (n == 1) {
            if (g_key_file_has_group(p->kf, sg)) {
                perr(p, error, sg, NULL,
                     "boot 1's steps are [steps]; later boots are [steps 2], "
                     "[steps 3], ...");
                return false;
            }
            b->steps = g_strdupv(s->steps);
            b->step_names = g_strdupv(s->step_names);
        } else if (!g_key_file_has_group(p->kf, sg)) {
            perr(p, error, NULL, NULL,
                 "there is a [steps %u] but no [%s]: number boots 2, 3, ... "
                 "without gaps",
                 nboots, sg);
            return false;
        } else if (!parse_step_group(p, sg, &b->steps, &b->step_names, error)) {
            return false;
        }
        if (g_key_file_has_group(p->kf, bg) &&
            !parse_boot_group(p, s, bg, b, error)) {
            return false;
        }
    }
    for (unsigned i = 0; groups[i]; i++) {
        unsigned n = group_number(groups[i], "boot");
        if (n > nboots) {
            perr(p, error, groups[i], NULL,
                 "there is no boot %u: give it its steps in [steps %u]", n, n);
            return false;
        }
    }
    return true;
}

Scenario *scenario_parse(const char *path, const char *data, gsize len,
                         GError **error)
{
    g_autoptr(Scenario) s = g_new0(Scenario, 1);
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) e = NULL;
    g_autofree char *text = g_strndup(data, len);
    g_autofree char *base = g_path_get_basename(path);
    g_autofree char *model = NULL, *image = NULL;
    g_auto(GStrv) groups = NULL;
    ScnModel default_model = SCN_MODEL_NVME_PI;
    Parser p = { path, text, len, kf };

    s->file = g_strdup(path);
    s->name = g_strdup(base);
    if (g_str_has_suffix(s->name, ".ini")) {
        s->name[strlen(s->name) - 4] = '\0';
    }
    s->devices = g_ptr_array_new_with_free_func(device_free);
    s->expect = g_array_new(FALSE, TRUE, sizeof(ScnExpect));
    s->boots = g_ptr_array_new_with_free_func(boot_free);
    s->memory_mb = 1024;
    s->smp = 2;
    s->timeout_s = 300;

    if (!g_key_file_load_from_data(kf, text, len, G_KEY_FILE_NONE, &e)) {
        unsigned line = find_bad_line(&p);
        if (line) {
            g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE, "%s:%u: %s", path,
                        line, e->message);
        } else {
            g_set_error(error, PIT_ERROR, PIT_ERROR_USAGE, "%s: %s", path,
                        e->message);
        }
        return NULL;
    }
    if (!g_key_file_has_group(kf, "scenario")) {
        perr(&p, error, NULL, NULL, "no [scenario] group");
        return NULL;
    }
    groups = g_key_file_get_groups(kf, NULL);
    for (unsigned i = 0; groups[i]; i++) {
        if (strcmp(groups[i], "scenario") && strcmp(groups[i], "steps") &&
            strcmp(groups[i], "expect") &&
            !g_str_has_prefix(groups[i], "device ") &&
            !group_number(groups[i], "steps") &&
            !group_number(groups[i], "boot")) {
            perr(&p, error, groups[i], NULL,
                 "unknown group (known: [scenario], [device NAME], [steps], "
                 "[expect], and for more boots [steps N], [boot N])");
            return NULL;
        }
    }
    if (!check_keys(&p, "scenario", scenario_keys, error) ||
        !get_str(&p, "scenario", "description", &s->description, error) ||
        !get_bool(&p, "scenario", "default", &s->is_default, error) ||
        !get_str(&p, "scenario", "model", &model, error) ||
        (model && !parse_model(&p, "scenario", model, &default_model, error)) ||
        !get_uint(&p, "scenario", "memory", 65536, &s->memory_mb, error) ||
        !get_uint(&p, "scenario", "smp", 64, &s->smp, error) ||
        !get_uint(&p, "scenario", "timeout", 86400, &s->timeout_s, error) ||
        !get_str(&p, "scenario", "modules", &s->modules, error) ||
        !get_bool(&p, "scenario", "md-check", &s->md_check, error) ||
        !get_str(&p, "scenario", "fs-check", &s->fs_check, error) ||
        !get_str(&p, "scenario", "append", &s->append, error) ||
        !get_str(&p, "scenario", "cpu", &s->cpu, error) ||
        !get_str(&p, "scenario", "image", &image, error) ||
        (image && !parse_image(&p, image, &s->image, error))) {
        return NULL;
    }
    if (!s->description) {
        perr(&p, error, "scenario", NULL,
             "no description: say in one line what this scenario shows");
        return NULL;
    }
    if (s->memory_mb < 128 || s->smp < 1 || s->timeout_s < 10) {
        perr(&p, error, "scenario", s->memory_mb < 128 ? "memory" : "timeout",
             "too small (memory >= 128 MiB, smp >= 1, timeout >= 10 s)");
        return NULL;
    }
    /*
     * The full image unpacks to ~140 MiB of guest RAM (plus ~47 MiB for
     * the compressed initrd while unpacking, and swiotlb's 64 MiB): at
     * 256 MiB the kernel reports "Initramfs unpacking failed: write
     * error" and the job never arrives.  Say so here.
     */
    if (s->image == SCN_IMAGE_FULL && s->memory_mb < 384) {
        perr(&p, error, "scenario", "memory",
             "%u MiB is too small for image = full (it unpacks to ~140 MiB "
             "in guest RAM): give memory >= 384",
             s->memory_mb);
        return NULL;
    }
    s->references =
        g_key_file_get_string_list(kf, "scenario", "references", NULL, NULL);
    if (!s->references) {
        s->references = g_new0(char *, 1);
    }
    for (unsigned i = 0; groups[i]; i++) {
        if (g_str_has_prefix(groups[i], "device ") &&
            !parse_device(&p, s, groups[i], default_model, error)) {
            return NULL;
        }
    }
    if (!s->devices->len) {
        perr(&p, error, NULL, NULL,
             "no [device NAME] group: a scenario needs a namespace");
        return NULL;
    }
    if (!parse_steps(&p, s, error) || !parse_boots(&p, s, groups, error) ||
        !parse_expect(&p, s, error)) {
        return NULL;
    }
    for (unsigned b = 0; s->image != SCN_IMAGE_FULL && b < s->boots->len; b++) {
        const ScnBoot *boot = g_ptr_array_index(s->boots, b);
        g_autofree char *group =
            b ? g_strdup_printf("steps %u", b + 1) : g_strdup("steps");
        for (unsigned i = 0; boot->steps[i]; i++) {
            const char *tool = full_only_tool(boot->steps[i]);
            if (tool) {
                perr(&p, error, group, boot->step_names[i],
                     "%s is only in the full guest image: add 'image = full' "
                     "to [scenario]",
                     tool);
                return NULL;
            }
        }
    }
    return g_steal_pointer(&s);
}

Scenario *scenario_load(const char *path, GError **error)
{
    g_autofree char *data = NULL;
    gsize len;
    g_autoptr(GError) e = NULL;

    if (!g_file_get_contents(path, &data, &len, &e)) {
        g_set_error(error, PIT_ERROR, PIT_ERROR_NOT_FOUND, "%s", e->message);
        return NULL;
    }
    return scenario_parse(path, data, len, error);
}

void scenario_free(Scenario *s)
{
    if (!s) {
        return;
    }
    g_free(s->name);
    g_free(s->file);
    g_free(s->description);
    g_strfreev(s->references);
    g_free(s->modules);
    g_strfreev(s->step_names);
    g_strfreev(s->steps);
    g_free(s->fs_check);
    g_free(s->append);
    g_free(s->cpu);
    g_free(s->expect_note);
    if (s->devices) {
        g_ptr_array_free(s->devices, TRUE);
    }
    if (s->boots) {
        g_ptr_array_free(s->boots, TRUE);
    }
    if (s->expect) {
        for (unsigned i = 0; i < s->expect->len; i++) {
            g_free(g_array_index(s->expect, ScnExpect, i).range);
        }
        g_array_free(s->expect, TRUE);
    }
    g_free(s);
}

const char *scn_model_name(ScnModel m)
{
    return m == SCN_MODEL_NVME_PI ? "nvme-pi" : "nvme";
}

const char *scn_image_name(ScnImage i)
{
    return i == SCN_IMAGE_FULL ? "full" : "default";
}

const char *scn_outcome_name(ScnOutcome o)
{
    switch (o) {
    case SCN_EXPECT_PASS:
        return "pass";
    case SCN_EXPECT_FAIL:
        return "fail";
    default:
        return "none";
    }
}

/* Compare the numeric dotted prefix: "6.12.3-1" vs "6.12" -> 1. */
int version_compare(const char *a, const char *b)
{
    while (g_ascii_isdigit(*a) || g_ascii_isdigit(*b)) {
        unsigned long x = 0, y = 0;
        if (g_ascii_isdigit(*a)) {
            x = strtoul(a, (char **)&a, 10);
        }
        if (g_ascii_isdigit(*b)) {
            y = strtoul(b, (char **)&b, 10);
        }
        if (x != y) {
            return x < y ? -1 : 1;
        }
        a += *a == '.' && g_ascii_isdigit(a[1]);
        b += *b == '.' && g_ascii_isdigit(b[1]);
    }
    return 0;
}

/* One comparison: returns 1/0, or -1 if malformed. */
static int match_one(const char *c, const char *version)
{
    int cmp;

    if (!strcmp(c, "*")) {
        return 1;
    }
    const char *v = c + strspn(c, "<>=!");
    size_t oplen = v - c;
    if (!g_ascii_isdigit(*v) || strspn(v, "0123456789.") != strlen(v) ||
        v[strlen(v) - 1] == '.') {
        return -1;
    }
    cmp = version_compare(version, v);
    if (oplen == 0 || (oplen == 1 && *c == '=') || !strncmp(c, "==", 2)) {
        return oplen <= 2 && cmp == 0;
    }
    if (oplen == 1 && *c == '<') {
        return cmp < 0;
    }
    if (oplen == 1 && *c == '>') {
        return cmp > 0;
    }
    if (oplen == 2 && !strncmp(c, "<=", 2)) {
        return cmp <= 0;
    }
    if (oplen == 2 && !strncmp(c, ">=", 2)) {
        return cmp >= 0;
    }
    if (oplen == 2 && !strncmp(c, "!=", 2)) {
        return cmp != 0;
    }
    return -1;
}

int version_range_match(const char *range, const char *version)
{
    g_auto(GStrv) parts = g_strsplit_set(range, " ,\t", -1);
    int result = 1, n = 0;

    for (unsigned i = 0; parts[i]; i++) {
        if (!*parts[i]) {
            continue;
        }
        int m = match_one(parts[i], version);
        if (m < 0) {
            return -1;
        }
        result &= m;
        n++;
    }
    return n ? result : -1;
}

bool version_range_valid(const char *range)
{
    return version_range_match(range, "1.0") >= 0;
}

ScnOutcome scenario_expect_for(const Scenario *s, const char *kver,
                               const char **range)
{
    for (unsigned i = 0; i < s->expect->len; i++) {
        const ScnExpect *e = &g_array_index(s->expect, ScnExpect, i);
        if (version_range_match(e->range, kver) == 1) {
            if (range) {
                *range = e->range;
            }
            return e->outcome;
        }
    }
    if (range) {
        *range = NULL;
    }
    return SCN_EXPECT_NONE;
}
