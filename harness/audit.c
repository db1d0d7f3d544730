/*
 * audit.c - `pit audit RUNDIR`: verify, on the host and with picore, the
 * PI of every written block in a run's backing images, independently of
 * the guest kernel that wrote them.
 *
 * The devices and their formats are read back from the run's
 * qemu.cmdline, so the audit checks exactly what QEMU was given.  The
 * image layout is QEMU nvme-ns's (and nvme-pi's, which keeps it): the
 * data of N = size / (lbs + ms) blocks, then N metadata entries of ms
 * bytes.  A block whose metadata is all zero was never written with PI
 * and is counted as unwritten, not checked.
 *
 * Then the MD arrays: every namespace whose data starts with an md v1.2
 * superblock (4 KiB in) is a member; members are grouped by array UUID
 * and checked by audit-raid.c (RAID1 legs equal, RAID4/5 parity).
 *
 * With the libvirt backend the run has domain.xml instead of
 * qemu.cmdline: the same -drive/-device arguments are its qemu:arg
 * values.
 */
#include "audit.h"
#include "audit-later.h"
#include "audit-raid.h"
#include "md-super.h"
#include "pit-defs.h"
#include "util.h"

#include "pi.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct AuditDev {
    char *id;
    char *drive;
    char *file;
    unsigned lbs, ms, pi, pil, pif;
} AuditDev;

static unsigned prop_uint(const char *props, const char *key, unsigned dflt)
{
    g_autofree char *k = g_strdup_printf(",%s=", key);
    const char *p = strstr(props, k);

    return p ? (unsigned)g_ascii_strtoull(p + strlen(k), NULL, 10) : dflt;
}

static char *prop_str(const char *props, const char *key)
{
    g_autofree char *k = g_strdup_printf("%s=", key);
    g_auto(GStrv) parts = g_strsplit(props, ",", -1);

    for (unsigned i = 0; parts[i]; i++) {
        if (g_str_has_prefix(parts[i], k)) {
            return g_strdup(parts[i] + strlen(k));
        }
    }
    return NULL;
}

static void dev_free(gpointer p)
{
    AuditDev *d = p;

    g_free(d->id);
    g_free(d->drive);
    g_free(d->file);
    g_free(d);
}

/* Namespaces with their drive file, from the QEMU argv. */
static GPtrArray *devices_of(char **argv)
{
    GPtrArray *devs = g_ptr_array_new_with_free_func(dev_free);
    g_autoptr(GHashTable) files =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

    for (unsigned i = 0; argv[i] && argv[i + 1]; i++) {
        if (!strcmp(argv[i], "-drive")) {
            g_hash_table_insert(files, prop_str(argv[i + 1], "id"),
                                prop_str(argv[i + 1], "file"));
        }
    }
    for (unsigned i = 0; argv[i] && argv[i + 1]; i++) {
        const char *a = argv[i + 1];
        if (strcmp(argv[i], "-device") || !(g_str_has_prefix(a, "nvme-ns,") ||
                                            g_str_has_prefix(a, "nvme-pi,"))) {
            continue;
        }
        AuditDev *d = g_new0(AuditDev, 1);
        g_autofree char *props = g_strdup_printf(",%s", a);
        d->drive = prop_str(a, "drive");
        d->id = g_str_has_prefix(a, "nvme-ns,") ? prop_str(a, "bus")
                                                : prop_str(a, "id");
        d->file =
            g_strdup(d->drive ? g_hash_table_lookup(files, d->drive) : NULL);
        d->lbs = prop_uint(props, "logical_block_size", 512);
        d->ms = prop_uint(props, "ms", 0);
        d->pi = prop_uint(props, "pi", 0);
        d->pil = prop_uint(props, "pil", 0);
        d->pif = prop_uint(props, "pif", 0);
        g_ptr_array_add(devs, d);
    }
    return devs;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i]) {
            return false;
        }
    }
    return true;
}

/*
 * nvme-pi's images start with a 4 KiB header (magic "nvme-pi\0",
 * docs/device.md "Backing image layout"), QEMU nvme's with the data:
 * where the data region of this image starts.
 */
static uint64_t data_start(const uint8_t *img, uint64_t size)
{
    static const char magic[8] = "nvme-pi";

    return size >= 4096 && !memcmp(img, magic, sizeof(magic)) ? 4096 : 0;
}

/* The image: next to the run dir (it may have moved), else as named. */
static char *image_path(const AuditDev *d, const char *rundir)
{
    g_autofree char *base = g_path_get_basename(d->file);
    char *path = g_build_filename(rundir, base, NULL);

    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        g_free(path);
        path = g_strdup(d->file);
    }
    return path;
}

/* Returns the number of bad blocks, or -1 if the image cannot be read. */
static long audit_dev(const AuditDev *d, const char *rundir)
{
    g_autofree char *path = NULL;
    PiFormat fmt = { .block_size = d->lbs,
                     .meta_size = d->ms,
                     .extended = false,
                     .pi_first = d->pil != 0,
                     .pi_type = (uint8_t)d->pi,
                     .guard = (PiGuardFormat)d->pif };
    PiCtx ctx;
    struct stat st;
    uint64_t nblocks, written = 0, bad = 0;
    const uint8_t *img;
    int fd;

    if (!d->file) {
        fprintf(stderr, "pit audit: %s: no drive file on the command line\n",
                d->id);
        return -1;
    }
    path = image_path(d, rundir);
    if (!d->pi) {
        printf("%-8s %s: no PI (pi=0), nothing to check\n", d->id, path);
        return 0;
    }
    if (pi_ctx_init(&ctx, &fmt, PI_PRCHK_GUARD | PI_PRCHK_REFTAG, 0, 0, 0) !=
        PI_OK) {
        fprintf(stderr,
                "pit audit: %s: format lbs=%u ms=%u pi=%u pif=%u is "
                "not valid\n",
                d->id, d->lbs, d->ms, d->pi, d->pif);
        return -1;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0) {
        fprintf(stderr, "pit audit: %s: %s\n", path, g_strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    const uint8_t *map =
        st.st_size ? mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)
                   : MAP_FAILED;
    close(fd);
    if (map == MAP_FAILED) {
        fprintf(stderr, "pit audit: %s: cannot map\n", path);
        return -1;
    }
    img = map + data_start(map, (uint64_t)st.st_size);
    nblocks = ((uint64_t)st.st_size - (uint64_t)(img - map)) /
              (d->lbs + d->ms);
    const uint8_t *meta = img + nblocks * d->lbs;
    for (uint64_t lba = 0; lba < nblocks; lba++) {
        const uint8_t *m = meta + lba * d->ms;
        PiError err;
        if (all_zero(m, d->ms)) {
            continue;
        }
        written++;
        ctx.init_reftag = lba & ctx.reftag_mask;
        if (pi_verify(&ctx, img + lba * d->lbs, m, 1, &err) != PI_OK) {
            if (bad++ < 10) {
                printf("%-8s lba %" G_GUINT64_FORMAT ": %s check failed: "
                       "expected 0x%" G_GINT64_MODIFIER
                       "x, stored 0x%" G_GINT64_MODIFIER "x\n",
                       d->id, lba, pi_check_name(err.check), err.expected,
                       err.actual);
            }
        }
    }
    munmap((void *)map, st.st_size);
    printf("%-8s %s: %" G_GUINT64_FORMAT " blocks, %" G_GUINT64_FORMAT
           " written with PI, %" G_GUINT64_FORMAT " bad\n",
           d->id, path, nblocks, written, bad);
    return (long)bad;
}

/* qemu:arg values of a libvirt domain XML, in order. */
static void xml_arg(GMarkupParseContext *ctx, const char *el,
                    const char **names, const char **values, gpointer data,
                    GError **error)
{
    (void)ctx;
    (void)error;
    if (strcmp(el, "qemu:arg")) {
        return;
    }
    for (unsigned i = 0; names[i]; i++) {
        if (!strcmp(names[i], "value")) {
            g_ptr_array_add(data, g_strdup(values[i]));
        }
    }
}

static char **argv_of_domain_xml(const char *xml, GError **error)
{
    GMarkupParser p = { .start_element = xml_arg };
    GPtrArray *a = g_ptr_array_new();
    g_autoptr(GMarkupParseContext) ctx =
        g_markup_parse_context_new(&p, 0, a, NULL);

    if (!g_markup_parse_context_parse(ctx, xml, -1, error) ||
        !g_markup_parse_context_end_parse(ctx, error)) {
        g_ptr_array_free(a, TRUE);
        return NULL;
    }
    g_ptr_array_add(a, NULL);
    return (char **)g_ptr_array_free(a, FALSE);
}

/* The run's QEMU arguments: qemu.cmdline, or domain.xml (libvirt). */
static char **run_argv(const char *rundir, GError **error)
{
    g_autofree char *cmdfile = g_build_filename(rundir, "qemu.cmdline", NULL);
    g_autofree char *xmlfile = g_build_filename(rundir, "domain.xml", NULL);
    g_autofree char *text = NULL;
    char **argv = NULL;

    if (g_file_get_contents(cmdfile, &text, NULL, NULL)) {
        g_shell_parse_argv(g_strstrip(text), NULL, &argv, error);
        return argv;
    }
    if (g_file_get_contents(xmlfile, &text, NULL, NULL)) {
        return argv_of_domain_xml(text, error);
    }
    g_set_error(error, PIT_ERROR, PIT_ERROR_NOT_FOUND, "neither %s nor %s",
                cmdfile, xmlfile);
    return NULL;
}

typedef struct Mapped {
    const uint8_t *p;
    size_t len;
} Mapped;

static void print_raid(const char *uuid, const RaidMember *m, unsigned n,
                       const RaidReport *r, bool ok)
{
    printf("md %-8.32s uuid %s RAID%d, %u of %u members:", m[0].sb.set_name,
           uuid, m[0].sb.level, r->present, m[0].sb.raid_disks);
    for (unsigned i = 0; i < n; i++) {
        printf(" %s(role %d)", m[i].name, m[i].sb.role);
    }
    printf("\n");
    for (unsigned i = 0; i < n; i++) {
        if (!m[i].sb.csum_ok) {
            printf("   %s: superblock checksum does not match\n", m[i].name);
        }
    }
    if (!ok) {
        printf("   not checked: %s\n", r->problem);
        return;
    }
    if (m[0].sb.level == 1) {
        printf("   %" G_GUINT64_FORMAT
               " units of %u bytes compared, %" G_GUINT64_FORMAT
               " differ between the legs, in %" G_GUINT64_FORMAT
               " windows of %u KiB (md's check counts %" G_GUINT64_FORMAT
               " sectors for them)\n",
               r->units, RAID_UNIT, r->bad, r->bad_windows,
               RAID1_CHECK_WINDOW / 1024,
               r->bad_windows * (RAID1_CHECK_WINDOW / 512));
    } else {
        printf("   layout %s, chunk %u KiB: %" G_GUINT64_FORMAT
               " units of %u bytes, %" G_GUINT64_FORMAT " with bad parity "
               "(md's check counts %" G_GUINT64_FORMAT " sectors for them)\n",
               m[0].sb.level == 4 ? "raid4" : md_layout_name(m[0].sb.layout),
               m[0].sb.chunksize / 2, r->units, RAID_UNIT, r->bad,
               r->bad * (RAID_UNIT / 512));
    }
    for (unsigned i = 0; i < r->nfirst; i++) {
        if (m[0].sb.level == 1) {
            printf("   differs at member offset %" G_GUINT64_FORMAT
                   " (data_offset + %" G_GUINT64_FORMAT ")\n",
                   m[0].sb.data_offset * 512 + r->first[i].offset,
                   r->first[i].offset);
        } else {
            printf("   bad parity at data_offset + %" G_GUINT64_FORMAT
                   " (stripe %" G_GUINT64_FORMAT ", parity on role %d)\n",
                   r->first[i].offset, r->first[i].stripe,
                   r->first[i].parity_role);
        }
    }
    if (r->note[0]) {
        printf("   note: %s\n", r->note);
    }
}

/*
 * md's own count from the guest: every md check the run's boots made
 * (guest.json, boot-N/guest.json), in 512-byte sectors; md compares in
 * 4 KiB pages, so sectors / 8 is comparable with the host's units.
 */
static void print_guest_mismatch(const char *rundir)
{
    g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);

    g_ptr_array_add(files, g_build_filename(rundir, "guest.json", NULL));
    for (unsigned b = 1; b <= 64; b++) {
        g_autofree char *d = g_strdup_printf("%s/boot-%u", rundir, b);
        if (!g_file_test(d, G_FILE_TEST_IS_DIR)) {
            break;
        }
        g_ptr_array_add(files, g_build_filename(d, "guest.json", NULL));
    }
    for (unsigned i = 0; i < files->len; i++) {
        const char *f = g_ptr_array_index(files, i);
        g_autoptr(JsonParser) p = json_parser_new();
        JsonNode *root;
        JsonArray *md;

        if (!json_parser_load_from_file(p, f, NULL)) {
            continue;
        }
        root = json_parser_get_root(p);
        if (!JSON_NODE_HOLDS_OBJECT(root) ||
            !json_object_has_member(json_node_get_object(root), "md")) {
            continue;
        }
        md = json_object_get_array_member(json_node_get_object(root), "md");
        for (unsigned k = 0; md && k < json_array_get_length(md); k++) {
            JsonObject *o = json_array_get_object_element(md, k);
            gint64 mm = json_object_get_int_member(o, "mismatch_cnt");
            g_autofree char *where = g_path_get_dirname(f);
            g_autofree char *base = g_path_get_basename(where);
            printf("   the guest's md check (%s): %s (%s) mismatch_cnt %" G_GINT64_FORMAT
                   " sectors\n",
                   strcmp(where, rundir) ? base : "its only boot",
                   json_object_get_string_member(o, "dev"),
                   json_object_get_string_member(o, "level"), mm);
        }
    }
}

/* The journal's line over an array; false when it does not fit it. */
static bool print_journal_head(const char *jname, bool fits, uint64_t blocks,
                               const struct dt_journal_hdr *h,
                               const struct dt_journal_index *ix)
{
    if (!fits) {
        printf("   journal on %s: does not fit this array, not classified\n",
               jname);
        return false;
    }
    printf("   journal on %s: %" G_GUINT64_FORMAT
           " blocks of %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
           " writes submitted, %" G_GUINT64_FORMAT " completed\n",
           jname, blocks, h->bs, ix->submitted, ix->completed);
    return true;
}

/* "   LABEL: last N earlier N ..." */
static void print_classes(const char *label, const uint64_t *cls)
{
    printf("   %s:", label);
    for (int c = 0; c < DT_LATER_COUNT; c++) {
        printf(" %s %" G_GUINT64_FORMAT, dt_later_class_name(c), cls[c]);
    }
    printf("\n");
}

/* The blocks of a RAID1 or RAID4/5 set against the journal. */
static void print_later(const char *jname, const struct dt_journal_hdr *h,
                        const struct dt_journal_index *ix, const RaidMember *m,
                        unsigned n, int level)
{
    Raid1Later r1;
    Raid5Later r5;
    bool raid1 = level == 1;
    bool fits = raid1 ? audit_later_raid1(h, ix, m, n, &r1)
                      : audit_later_raid5(h, ix, m, n, &r5);

    if (!print_journal_head(jname, fits, raid1 ? r1.blocks : r5.blocks, h,
                            ix)) {
        return;
    }
    if (!raid1) {
        print_classes("as stored", r5.stored);
        print_classes("rebuilt from parity (its member gone)", r5.rebuilt);
        return;
    }
    for (unsigned l = 0; l < r1.legs; l++) {
        print_classes(m[l].name, r1.cls[l]);
    }
    printf("   blocks the legs disagree on: %" G_GUINT64_FORMAT
           " (every leg holding a submitted version: %" G_GUINT64_FORMAT
           ")\n",
           r1.differ, r1.differ_versions);
    printf("   %s%" G_GUINT64_FORMAT "\n", AUDIT_SAME_WRITE,
           r1.differ_same_write);
}

/*
 * Find the md members among the namespaces and check each array.
 * Returns the number of inconsistent units, or -1 when an array could
 * not be checked.
 */
static long audit_raid(GPtrArray *devs, const char *rundir)
{
    g_autoptr(GHashTable) sets = g_hash_table_new_full(
        g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_array_unref);
    g_autoptr(GArray) maps = g_array_new(FALSE, TRUE, sizeof(Mapped));
    struct dt_journal_hdr jh;
    struct dt_journal_index jix = { 0 };
    const char *jname = NULL;
    long bad = 0;

    for (unsigned i = 0; i < devs->len; i++) {
        const AuditDev *d = g_ptr_array_index(devs, i);
        g_autofree char *path = NULL;
        struct stat st;
        RaidMember m = { 0 };
        char uuid[33];
        int fd;

        if (!d->file) {
            continue;
        }
        path = image_path(d, rundir);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0 || !st.st_size) {
            if (fd >= 0) {
                close(fd);
            }
            continue;
        }
        Mapped mp = { .len = st.st_size };
        mp.p = mmap(NULL, mp.len, PROT_READ, MAP_PRIVATE, fd, 0);
        close(fd);
        if (mp.p == MAP_FAILED) {
            continue;
        }
        g_array_append_val(maps, mp);
        /* the namespace's data: N blocks, then N metadata entries */
        m.data = mp.p + data_start(mp.p, mp.len);
        m.len = (mp.len - (uint64_t)(m.data - mp.p)) / (d->lbs + d->ms) *
                d->lbs;
        if (!jname && audit_journal_find(m.data, m.len, &jh, &jix)) {
            jname = d->id;
            continue;
        }
        if (m.len < MD_SB_V12_OFFSET + MD_SB_MAX_BYTES ||
            md_super_parse(m.data + MD_SB_V12_OFFSET, MD_SB_MAX_BYTES, &m.sb) !=
                MD_SUPER_OK) {
            continue;
        }
        m.name = d->id;
        for (unsigned b = 0; b < 16; b++) {
            snprintf(uuid + 2 * b, 3, "%02x", m.sb.set_uuid[b]);
        }
        GArray *set = g_hash_table_lookup(sets, uuid);
        if (!set) {
            set = g_array_new(FALSE, TRUE, sizeof(RaidMember));
            g_hash_table_insert(sets, g_strdup(uuid), set);
        }
        g_array_append_val(set, m);
    }
    GHashTableIter it;
    gpointer key, val;
    g_hash_table_iter_init(&it, sets);
    while (g_hash_table_iter_next(&it, &key, &val)) {
        GArray *set = val;
        RaidReport r;
        bool ok = raid_check_set((RaidMember *)set->data, set->len, &r);
        print_raid(key, (RaidMember *)set->data, set->len, &r, ok);
        if (ok && jname && (r.level == 1 || r.level == 4 || r.level == 5)) {
            print_later(jname, &jh, &jix, (RaidMember *)set->data, set->len,
                        r.level);
        }
        if (ok) {
            print_guest_mismatch(rundir);
        }
        if (!ok) {
            bad = bad < 0 ? bad : -1;
        } else if (bad >= 0) {
            bad += (long)r.bad;
        }
    }
    for (unsigned i = 0; i < maps->len; i++) {
        Mapped *mp = &g_array_index(maps, Mapped, i);
        munmap((void *)mp->p, mp->len);
    }
    dt_journal_index_free(&jix);
    return bad;
}

int audit_cmd(int argc, char **argv)
{
    g_auto(GStrv) qargv = NULL;
    g_autoptr(GError) e = NULL;
    g_autoptr(GPtrArray) devs = NULL;
    long bad = 0, rbad;
    bool broken = false;

    if (argc != 2 || !strcmp(argv[1], "--help")) {
        printf("usage: pit audit RUNDIR\n"
               "Verify, on the host, the backing images of one run "
               "(<out>/<kernel>/<scenario>/<repeat>):\n"
               "- the PI (guard, reference tag) of every written block;\n"
               "- every MD array found on the namespaces (md v1.2 "
               "superblocks): RAID1 legs\n  identical, RAID4/5 parity "
               "consistent, over each member's data area.\n"
               "Exit 0 all good, 1 bad blocks or inconsistencies found, "
               "2 cannot audit.\n");
        return argc == 2 ? PIT_EXIT_OK : PIT_EXIT_INPUT;
    }
    qargv = run_argv(argv[1], &e);
    if (!qargv) {
        fprintf(stderr, "pit audit: %s (is %s a run directory?)\n", e->message,
                argv[1]);
        return PIT_EXIT_INPUT;
    }
    devs = devices_of(qargv);
    if (!devs->len) {
        fprintf(stderr, "pit audit: no NVMe namespace in %s's QEMU arguments\n",
                argv[1]);
        return PIT_EXIT_INPUT;
    }
    for (unsigned i = 0; i < devs->len; i++) {
        long b = audit_dev(g_ptr_array_index(devs, i), argv[1]);
        if (b < 0) {
            broken = true;
        } else {
            bad += b;
        }
    }
    rbad = audit_raid(devs, argv[1]);
    if (rbad < 0) {
        broken = true;
    } else {
        bad += rbad;
    }
    return bad ? PIT_EXIT_UNEXPECTED : broken ? PIT_EXIT_INPUT : PIT_EXIT_OK;
}
