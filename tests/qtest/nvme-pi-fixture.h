/*
 * nvme-pi qtests: what every case file shares.
 *
 * This header owns the fixtures that bring the device to the state a case
 * needs (admin queue up, namespace probed, one I/O queue pair) and the
 * honesty rule: a case whose feature the device lacks, decided by a probe
 * (a missing property, CSTS.CFS on enable, Invalid Command Opcode), is
 * never passed silently.  On QEMU's own nvme (NVME_QTEST_DEVICE=nvme) it
 * is skipped with "device: <what> not implemented"; on nvme-pi, which has
 * them all, it fails as a regression.  Any other failure fails.  It also declares each case file's registration
 * function, called from nvme-pi-test.c's main().
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef NVME_PI_FIXTURE_H
#define NVME_PI_FIXTURE_H

#include "nvme-drv.h"
#include "nvme-pi-ref.h"

#define NVME_FX_IMG_MIB     8
#define NVME_FX_IOQ         1
#define NVME_FX_IOQ_SIZE    32

/*
 * The device lacks what the case needs ("device: ..."): skip on QEMU's
 * nvme, fail on nvme-pi.  The caller returns at once either way.
 */
void nvme_fx_skip(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/*
 * True when the device under test has every property named in props
 * (",key=val,..."); otherwise skip the case and return false.
 */
bool nvme_fx_props(const char *props);

/* QEMU started and the controller enabled; NULL (case skipped) if not. */
NvmeDrv *nvme_fx_admin(const char *props, unsigned img_mib);

/*
 * Admin fixture plus a backing image, namespace 1 probed into *ns and I/O
 * queue pair 1; NULL (case skipped) when the device lacks any of them.
 */
NvmeDrv *nvme_fx_io(const char *props, NvmeDrvNs *ns);
/* Bring an already started device to the nvme_fx_io() state. */
bool nvme_fx_io_ready(NvmeDrv *d, NvmeDrvNs *ns);

/*
 * If status says the command is not implemented (Invalid Command
 * Opcode), skip the case naming `what` and return true.
 */
bool nvme_fx_unimpl(uint16_t status, const char *what);
/* Skip unless Identify Controller's ONCS has bit `oncs`. */
bool nvme_fx_oncs(NvmeDrv *d, uint16_t oncs, const char *what);

/* Write then read nlb blocks at slba of a fresh pattern; assert equal. */
typedef struct NvmeFxIo {
    NvmeDrvDptr dptr;
    bool scatter;           /* data in separate non-adjacent pieces */
    size_t piece;           /* piece size when scattered */
    size_t offset;          /* PRP1/first SGL address offset */
    bool meta_sgl;
    uint8_t prinfo;         /* PRCHK bits for both commands */
} NvmeFxIo;

uint16_t nvme_fx_write(NvmeDrv *d, const NvmeDrvNs *ns, uint64_t slba,
                       uint32_t nlb, const uint8_t *data, const uint8_t *meta,
                       const NvmeFxIo *io, uint64_t reftag, uint16_t apptag);
/* On failure (status != 0) data and meta are left untouched. */
uint16_t nvme_fx_read(NvmeDrv *d, const NvmeDrvNs *ns, uint64_t slba,
                      uint32_t nlb, uint8_t *data, uint8_t *meta,
                      const NvmeFxIo *io, uint64_t reftag, uint16_t apptag);
/* Last Error Information log entry (the newest); false if none. */
bool nvme_fx_last_error(NvmeDrv *d, NvmeErrorLog *e);

/*
 * QEMU started with `args` (after "-machine pc -display none -nodefaults
 * -S") must exit non-zero and say `message` on stderr.
 */
void nvme_fx_expect_start_error(const char *args, const char *message);
/* The lines of a mutation-log=PATH file, each parsed (QDict *). */
GPtrArray *nvme_fx_mutation_events(const char *path);
/* An integer QOM property (qom-get), e.g. a stat-* counter. */
uint64_t nvme_fx_qom_int(NvmeDrv *d, const char *path, const char *prop);

/* Registration of each case file. */
void nvme_pi_ctrl_tests(void);
void nvme_pi_admin_tests(void);
void nvme_pi_queue_tests(void);
void nvme_pi_io_tests(void);
void nvme_pi_prot_tests(void);
void nvme_pi_bad_tests(void);
void nvme_pi_hooks_tests(void);
void nvme_pi_overlap_tests(void);
void nvme_pi_ns_tests(void);
void nvme_pi_long_tests(void);

#endif /* NVME_PI_FIXTURE_H */
