/*
 * scenario.h - a scenario (.ini, see docs/scenarios.md) as a struct:
 * what to boot with (devices, memory), what the guest runs (modules,
 * steps, checks) and what each kernel range is expected to show.
 */
#ifndef PIT_SCENARIO_H
#define PIT_SCENARIO_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* Which QEMU device model backs a namespace. */
typedef enum ScnModel {
    SCN_MODEL_NVME_PI,   /* -device nvme-pi (ours) */
    SCN_MODEL_QEMU_NVME, /* -device nvme + -device nvme-ns (baseline) */
} ScnModel;

/* Which guest/mkimage initramfs the guest boots (scenario key `image`). */
typedef enum ScnImage {
    SCN_IMAGE_DEFAULT, /* busybox, nvme-cli, mdadm, xfsprogs, btrfs-progs */
    SCN_IMAGE_FULL,    /* mkimage --full: also fio and stress-ng */
} ScnImage;

typedef struct ScnDevice {
    char *name;   /* [device NAME]: DEV_<name> in the guest */
    char *serial; /* controller serial; defaults to name */
    ScnModel model;
    uint64_t size; /* backing image bytes (data + metadata) */
    unsigned lbs;  /* logical_block_size */
    unsigned ms;   /* metadata bytes per block */
    unsigned mset; /* 1: extended LBA */
    unsigned pi;   /* PI type 0-3 */
    unsigned pil;  /* 1: PI in the first metadata bytes */
    unsigned pif;  /* 0 16b, 1 32b, 2 64b guard */
    bool pi_strict;
    bool mutation_log;
    char *expect_format; /* guest integrity/format, NULL: don't check */
    char **hooks;        /* extra nvme-pi properties "key=value" */
} ScnDevice;

typedef enum ScnOutcome {
    SCN_EXPECT_NONE = 0, /* no range matched */
    SCN_EXPECT_PASS,
    SCN_EXPECT_FAIL,
} ScnOutcome;

typedef struct ScnExpect {
    ScnOutcome outcome;
    char *range; /* e.g. "<7.0", ">=6.1 <6.14", "*" */
} ScnExpect;

/* A power cut: the VM stopped without a clean shutdown (docs/scenarios.md). */
typedef enum ScnCut {
    SCN_CUT_NONE,
    SCN_CUT_AFTER,  /* when the step has ended */
    SCN_CUT_DURING, /* at a seeded moment in [cut_min_s, cut_max_s] after
                       the step began (at its end if it ends first) */
} ScnCut;

/*
 * One boot over the same backing images.  Boot 1 is [steps] with
 * [boot 1]; boot N > 1 is [steps N] with [boot N].  What a boot does not
 * say is the scenario's.
 */
typedef struct ScnBoot {
    char **step_names; /* this boot's [steps] keys, in file order */
    char **steps;
    ScnCut cut;
    unsigned cut_step; /* 0-based index into steps */
    double cut_min_s, cut_max_s;
    char **remove; /* devices absent from this boot (images kept) */
    char **hooks;  /* per device (devices' order): this boot's hooks as
                      "a=1;b=2", or NULL for the device's own */
    int md_check;  /* -1: the scenario's */
    char *fs_check; /* NULL: the scenario's */
    bool audit;     /* host: `pit audit` the images before this boot */
} ScnBoot;

typedef struct Scenario {
    char *name; /* file name without .ini */
    char *file;
    char *description;
    char **references;
    bool is_default;
    unsigned memory_mb;
    unsigned smp;
    unsigned timeout_s; /* guest job timeout; host adds boot slack */
    char *modules;
    char **step_names; /* [steps] keys, in file order */
    char **steps;      /* [steps] values */
    bool md_check;
    char *fs_check;
    char *append;       /* extra kernel command line */
    char *cpu;          /* -cpu, NULL: QEMU's default */
    ScnImage image;     /* initramfs variant */
    GPtrArray *devices; /* ScnDevice* */
    GArray *expect;     /* ScnExpect, in file order */
    char *expect_note;
    GPtrArray *boots; /* ScnBoot*, at least one; boots[0] runs `steps` */
} Scenario;

/* Parse a scenario file; errors name the file, line (when known), key. */
Scenario *scenario_load(const char *path, GError **error);
/* Parse from memory; `path` only names the source in messages. */
Scenario *scenario_parse(const char *path, const char *data, gsize len,
                         GError **error);
void scenario_free(Scenario *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Scenario, scenario_free)

const char *scn_model_name(ScnModel m);
const char *scn_image_name(ScnImage i); /* "default" or "full" */
const char *scn_outcome_name(ScnOutcome o);

/*
 * The expectation for a kernel version ("6.1.158", "7.0-rc3"): the first
 * [expect] entry whose range matches; SCN_EXPECT_NONE when none does.
 */
ScnOutcome scenario_expect_for(const Scenario *s, const char *kver,
                               const char **range);

/*
 * Version ranges: space- or comma-separated comparisons that must all
 * hold ("<7.0", ">=6.1 <6.14", "=6.12", "*").  Versions compare by their
 * numeric dotted parts; a suffix (-rc3, -1, ~bpo) is ignored, so 7.0-rc3
 * is 7.0.  Returns -1 when the range is malformed.
 */
int version_range_match(const char *range, const char *version);
bool version_range_valid(const char *range);
int version_compare(const char *a, const char *b);

#endif
