/*
 * nvme-pi: controller state shared by the files of the device model.
 *
 * ctrl.c   PCI function, BAR0 registers, CC/CSTS, interrupts
 * queue.c  submission/completion queues, doorbells, arbitration
 * admin.c  admin command set, features, logs, AER
 * io.c     NVM command set (read, write, compare, verify, ...), the
 *          asynchronous order of work and the DMA-timing hooks' timers
 * dma.c    data and metadata pointers (PRP, SGL) and the bounce copies
 * ns.c     a namespace: backing image layout and LBA formats
 * ns-dev.c the nvme-pi-ns device (more namespaces, per-namespace hooks)
 * job.c    long commands (Format, Write Zeroes, DSM, Verify, Compare) in
 *          bounded steps on a timer, so they never hold the main loop
 * pi-io.c  glue between an I/O command and the pure PI engine (pi.h)
 * record.c the mutation recorder's QEMU side: log file, stat-* counters
 *          and vendor log page C0h around the pure core (mutation.h)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_NVME_PI_H
#define HW_NVME_PI_H

#include "compat.h"
#include "qemu/queue.h"
#include "qemu/timer.h"
#include "qemu/units.h"
#include "block/nvme.h"
#include "nvme-spec.h"
#include "pi.h"
#include "dma-policy.h"
#include "mutation.h"

#define TYPE_NVME_PI "nvme-pi"
OBJECT_DECLARE_SIMPLE_TYPE(NvmePiCtrl, NVME_PI)
#define TYPE_NVME_PI_NS "nvme-pi-ns"
OBJECT_DECLARE_SIMPLE_TYPE(NvmePiNsDev, NVME_PI_NS)
#define TYPE_NVME_PI_BUS "nvme-pi-bus"

/* BAR0: controller registers then doorbells (stride 4 bytes, DSTRD=0). */
#define NVME_PI_REG_SIZE        0x1000
#define NVME_PI_MAX_IOQPAIRS    64
#define NVME_PI_MAX_QUEUES      (NVME_PI_MAX_IOQPAIRS + 1) /* + admin */
#define NVME_PI_BAR0_SIZE       (NVME_PI_REG_SIZE + 2 * 4 * NVME_PI_MAX_QUEUES)
#define NVME_PI_MSIX_BAR        4

#define NVME_PI_MQES            1023    /* CAP.MQES, 0's based */
#define NVME_PI_AERL            3       /* 4 outstanding AERs */
#define NVME_PI_ELPE            63      /* 64 error log entries */
#define NVME_PI_MAX_AER_EVENTS  16
#define NVME_PI_VENDOR_LOG_SIZE MUTATION_LOG_PAGE_SIZE /* C0h */
#define NVME_PI_NSID            1       /* the controller's own drive= */
#define NVME_PI_MAX_NS          16      /* Identify Controller NN */

/*
 * Long commands (job.c): one run of the job timer does at most
 * NVME_PI_JOB_STEPS steps, then waits NVME_PI_JOB_PACE_NS on the hook
 * clock.  One step zeroes at most NVME_PI_STEP_DATA_BYTES of data and
 * writes at most NVME_PI_STEP_META_BYTES of metadata (deallocation,
 * Format), or reads/writes NVME_PI_STEP_BLOCKS blocks (Verify, Write
 * Zeroes), so a run holds the main loop for a few milliseconds at most.
 */
#define NVME_PI_JOB_STEPS           4
#define NVME_PI_JOB_PACE_NS         1000
#define NVME_PI_STEP_DATA_BYTES     (8 * MiB)
#define NVME_PI_STEP_META_BYTES     (1 * MiB)
#define NVME_PI_STEP_BLOCKS         256

/* Register offsets (NVMe base specification, 3.1 "Controller Registers"). */
enum {
    NVME_PI_REG_CAP     = 0x00,
    NVME_PI_REG_VS      = 0x08,
    NVME_PI_REG_INTMS   = 0x0c,
    NVME_PI_REG_INTMC   = 0x10,
    NVME_PI_REG_CC      = 0x14,
    NVME_PI_REG_CSTS    = 0x1c,
    NVME_PI_REG_NSSR    = 0x20,
    NVME_PI_REG_AQA     = 0x24,
    NVME_PI_REG_ASQ     = 0x28,
    NVME_PI_REG_ACQ     = 0x30,
};

typedef struct NvmePiRegs {
    uint64_t cap;
    uint32_t vs;
    uint32_t intms;
    uint32_t cc;
    uint32_t csts;
    uint32_t aqa;
    uint64_t asq;
    uint64_t acq;
} NvmePiRegs;

typedef struct NvmePiCQ {
    bool created;
    bool ien;
    bool phase;
    uint16_t cqid;
    uint16_t vector;
    uint32_t size;          /* entries (1's based) */
    uint32_t head, tail;
    uint64_t dma_addr;
    unsigned nsq;           /* SQs posting here */
    uint32_t inflight;      /* fetched commands that will complete here */
} NvmePiCQ;

typedef struct NvmePiSQ {
    bool created;
    uint16_t sqid;
    uint16_t cqid;
    uint32_t size;
    uint32_t head, tail;
    uint64_t dma_addr;
} NvmePiSQ;

/*
 * A range of blocks a command holds or waits for (ns.c): writes hold it
 * exclusively, reads shared, for the duration of their block I/O, so two
 * overlapping writes never persist "data of one + metadata of the other"
 * and a read never sees half of a write.  grant runs when a waiter gets
 * the range.
 */
typedef struct NvmePiRange NvmePiRange;
struct NvmePiRange {
    uint64_t slba, end;     /* [slba, end) */
    bool write;
    bool held;
    bool waiting;
    void (*grant)(NvmePiRange *r);
    QTAILQ_ENTRY(NvmePiRange) next;
    QTAILQ_ENTRY(NvmePiRange) granted_next;    /* ns.c's wake-up */
};

/*
 * Format properties of a namespace, as given: 0 / all ones where not
 * given, so that the image header decides (ns.c).  The controller has one
 * set for its own drive=, each nvme-pi-ns device another.
 */
typedef struct NvmePiNsProps {
    uint32_t lbs, pbs;
    uint16_t ms;
    uint8_t mset, pi, pil, pif;
} NvmePiNsProps;

/*
 * DMA-timing hook properties as given (docs/device.md).  The
 * controller's are the defaults of all its namespaces; an nvme-pi-ns
 * overrides any of them (NVME_PI_HOOK_INHERIT / NULL: not given).
 */
#define NVME_PI_HOOK_INHERIT    UINT64_MAX
typedef struct NvmePiHookProps {
    uint64_t delay, jitter, seed, replay;
    char *source;
    uint64_t read_complete_delay;
} NvmePiHookProps;

/* The properties above, for the controller's and nvme-pi-ns's lists. */
#define NVME_PI_NS_FORMAT_PROPS(T, f) \
    DEFINE_PROP_UINT32("logical_block_size", T, f.lbs, 0), \
    DEFINE_PROP_UINT32("physical_block_size", T, f.pbs, 0), \
    DEFINE_PROP_UINT16("ms", T, f.ms, UINT16_MAX), \
    DEFINE_PROP_UINT8("mset", T, f.mset, UINT8_MAX), \
    DEFINE_PROP_UINT8("pi", T, f.pi, UINT8_MAX), \
    DEFINE_PROP_UINT8("pil", T, f.pil, UINT8_MAX), \
    DEFINE_PROP_UINT8("pif", T, f.pif, UINT8_MAX)
#define NVME_PI_HOOK_PROPS(T, f, dflt) \
    DEFINE_PROP_UINT64("dma-delay", T, f.delay, dflt), \
    DEFINE_PROP_UINT64("dma-jitter", T, f.jitter, dflt), \
    DEFINE_PROP_UINT64("seed", T, f.seed, dflt), \
    DEFINE_PROP_UINT64("dma-replay", T, f.replay, dflt), \
    DEFINE_PROP_STRING("dma-source", T, f.source), \
    DEFINE_PROP_UINT64("read-complete-delay", T, f.read_complete_delay, dflt)

/* A namespace's format, where it lives in the backing image, its hooks. */
typedef struct NvmePiNs {
    BlockBackend *blk;
    QTAILQ_HEAD(, NvmePiRange) held;    /* ranges with block I/O under way */
    QTAILQ_HEAD(, NvmePiRange) waiting; /* FIFO of commands waiting */
    bool present;
    uint32_t nsid;
    uint8_t lbaf;           /* index into nvme_pi_lbaf[] */
    uint32_t lbasz;         /* data bytes per block */
    uint16_t ms;            /* metadata bytes per block */
    bool extended;          /* mset: metadata interleaved on the wire */
    uint8_t pi;             /* PI type 0..3 */
    bool pi_first;          /* pil */
    uint8_t pif;            /* PIF: PI_GUARD_16 or PI_GUARD_64 */
    uint32_t pbs;           /* physical block size, for NPWG/NPWA */
    int64_t img_size;       /* backing image length */
    uint64_t nlbas;
    uint64_t data_off;      /* byte offsets in the backing image */
    uint64_t meta_off;
    PiFormat pifmt;         /* the same, as the PI engine sees it */
    /* DMA-timing hooks in effect (controller's, overridden per ns) */
    DmaPolicy policy;
    DmaRng rng;
    uint64_t read_complete_delay;
    MutationCounters mut;   /* this namespace's share of the controller's */
    /* Format NVM under way (I/O gets Format In Progress), blocks done */
    bool formatting;
    uint64_t format_done;
} NvmePiNs;

/*
 * A long command's work, in steps (job.c).  step does a bounded amount
 * and returns true while there is more; once it returns false the job
 * has ended (and may have freed itself).
 */
typedef struct NvmePiJob NvmePiJob;
struct NvmePiJob {
    bool (*step)(NvmePiJob *job);
    QTAILQ_ENTRY(NvmePiJob) next;
};

/*
 * One command, from fetch to completion.  I/O commands may outlive the
 * bottom half that fetched them (asynchronous block I/O, DMA-timing
 * timers): io points at io.c's state for them.
 */
typedef struct NvmePiReq NvmePiReq;
struct NvmePiReq {
    NvmeCmd cmd;
    NvmePiSQ *sq;
    uint32_t result;        /* CQE DW0 */
    bool aborted;           /* its SQ was deleted: complete silently */
    NvmePiNs *ns;           /* I/O commands: the namespace addressed */
    void *io;               /* io.c's NvmePiIo while in flight */
    NvmePiJob *job;         /* its job, once started: the job frees it */
    QTAILQ_ENTRY(NvmePiReq) entry;
};

/* Asynchronous data + metadata block I/O of one command (ns.c). */
typedef void NvmePiNsCb(void *opaque, int ret);
typedef struct NvmePiNsAio {
    QEMUIOVector dqiov, mqiov;
    unsigned pending;
    int ret;                /* first error */
    NvmePiNsCb *cb;
    void *opaque;
    NvmePiNs *ns;
    NvmePiRange range;      /* held from start to completion */
    uint64_t slba;
    bool write, with_meta;
    BdrvRequestFlags flags;
} NvmePiNsAio;

struct NvmePiCtrl {
    PCIDevice parent_obj;

    MemoryRegion bar0;
    NvmePiRegs regs;
    uint32_t page_size;     /* from CC.MPS */
    bool irq_level;         /* INTx pin state */

    NvmePiSQ sq[NVME_PI_MAX_QUEUES];
    NvmePiCQ cq[NVME_PI_MAX_QUEUES];
    QEMUBH *bh;
    bool processing;
    bool kick_pending;      /* work arrived while processing */
    bool admin_busy;        /* an admin job (Format) runs: SQ 0 waits */
    QTAILQ_HEAD(, NvmePiJob) jobs;  /* job.c: long commands, run order */
    QEMUTimer *job_timer;
    unsigned rr_next;       /* round-robin position over SQs */
    uint16_t nsq_granted;   /* Number of Queues feature, 1's based */
    uint16_t ncq_granted;

    /* features (current values) */
    uint32_t feat_arb;
    uint32_t feat_temp_over;
    uint32_t feat_temp_under;
    uint32_t feat_err_rec;
    bool feat_vwc;
    uint32_t feat_intc;
    uint32_t feat_aec;
    uint32_t feat_kato;

    /* asynchronous events */
    uint16_t aer_cid[NVME_PI_AERL + 1];
    unsigned aer_outstanding;
    NvmeAerResult aer_queue[NVME_PI_MAX_AER_EVENTS];
    unsigned aer_queued;
    uint8_t aer_masked;     /* event types waiting for their log page */

    /* error information log: a ring, newest at errlog_next - 1 */
    NvmeErrorLog errlog[NVME_PI_ELPE + 1];
    unsigned errlog_next;
    uint64_t error_count;

    /* SMART counters */
    uint64_t units_read, units_written;      /* in 512-byte units */
    uint64_t host_reads, host_writes;
    uint64_t media_errors;

    BusState bus;           /* nvme-pi-ns devices plug in here */
    NvmePiNs ns;            /* the one behind the controller's drive= */
    NvmePiNs *nss[NVME_PI_MAX_NS + 1]; /* by nsid; NULL: inactive */

    /* commands fetched and not yet completed, every queue */
    QTAILQ_HEAD(, NvmePiReq) inflight;

    /* dma-clock: the DMA-timing hooks' and the jobs' timers */
    QEMUClockType hook_clock;

    /* mutation recorder (record.c) */
    MutationCounters mut;
    MutationEvent mut_last;
    FILE *mut_log;
    uint64_t stat_guard_errors, stat_apptag_errors, stat_reftag_errors;

    /* properties */
    char *serial;
    uint32_t msix_qsize;
    uint16_t vendor_id;
    uint16_t device_id;
    NvmePiNsProps ns_props;
    uint8_t mdts;
    uint32_t max_ioqpairs;
    bool pi_strict;
    bool pi_dnr;
    NvmePiHookProps hooks;
    char *prop_dma_clock;
    char *mutation_log;
    char *prop_power_cut;

    /* power-cut policy, and whether the power is gone (power-lost) */
    DmaPowerCut power_cut;
    bool power_lost;
};

/* An nvme-pi-ns device: one more namespace on an nvme-pi controller. */
struct NvmePiNsDev {
    DeviceState parent_obj;
    NvmePiNs ns;
    uint32_t nsid;          /* 0: the lowest free one */
    NvmePiNsProps props;
    NvmePiHookProps hooks;
};

/* The active namespace nsid, or NULL. */
static inline NvmePiNs *nvme_pi_ns_get(NvmePiCtrl *n, uint32_t nsid)
{
    return nsid && nsid <= NVME_PI_MAX_NS ? n->nss[nsid] : NULL;
}

/* Every active namespace, in nsid order. */
#define NVME_PI_FOREACH_NS(n, ns, i) \
    for ((i) = 1; (i) <= NVME_PI_MAX_NS; (i)++) \
        if (((ns) = (n)->nss[(i)]) != NULL)

/* ctrl.c */
void nvme_pi_irq_update(NvmePiCtrl *n, NvmePiCQ *cq);
void nvme_pi_fatal(NvmePiCtrl *n, const char *why);

/* queue.c */
void nvme_pi_queues_reset(NvmePiCtrl *n);
void nvme_pi_cq_init(NvmePiCtrl *n, uint16_t cqid, uint64_t addr,
                     uint32_t size, uint16_t vector, bool ien);
void nvme_pi_sq_init(NvmePiCtrl *n, uint16_t sqid, uint16_t cqid,
                     uint64_t addr, uint32_t size);
void nvme_pi_sq_delete(NvmePiCtrl *n, uint16_t sqid);
void nvme_pi_cq_delete(NvmePiCtrl *n, uint16_t cqid);
void nvme_pi_doorbell_write(NvmePiCtrl *n, hwaddr off, uint32_t val);
bool nvme_pi_post_cqe(NvmePiCtrl *n, NvmePiCQ *cq, uint16_t sqid,
                      uint16_t sqhd, uint16_t cid, uint16_t status,
                      uint32_t result);
void nvme_pi_req_complete(NvmePiCtrl *n, NvmePiReq *req, uint16_t status);
void nvme_pi_kick(NvmePiCtrl *n);
void nvme_pi_process(void *opaque);

/* job.c */
void nvme_pi_jobs_init(NvmePiCtrl *n);
void nvme_pi_jobs_exit(NvmePiCtrl *n);
void nvme_pi_job_start(NvmePiCtrl *n, NvmePiJob *job);

/* admin.c */
uint16_t nvme_pi_admin_cmd(NvmePiCtrl *n, NvmePiReq *req);
void nvme_pi_admin_reset(NvmePiCtrl *n);
void nvme_pi_aer_enqueue(NvmePiCtrl *n, uint8_t type, uint8_t info,
                         uint8_t log_page);
void nvme_pi_aer_deliver(NvmePiCtrl *n);
void nvme_pi_error_log_add(NvmePiCtrl *n, NvmePiReq *req, uint16_t status,
                           uint64_t lba, uint32_t nsid);

/* io.c */
/* A status, or NVME_NO_COMPLETE: io.c completes req later. */
uint16_t nvme_pi_io_cmd(NvmePiCtrl *n, NvmePiReq *req);
/* req's SQ is going away: stop its timers, free it now or when its
 * block I/O returns. */
void nvme_pi_io_abort(NvmePiCtrl *n, NvmePiReq *req);
/*
 * The power fails: every write the DMA-timing hooks still hold reaches
 * the media as n->power_cut says, is recorded, and never completes.
 */
void nvme_pi_io_power_cut(NvmePiCtrl *n);

/* record.c */
bool nvme_pi_record_realize(NvmePiCtrl *n, Error **errp);
void nvme_pi_record_init(NvmePiCtrl *n);
void nvme_pi_record_exit(NvmePiCtrl *n);
/*
 * Compare the reads of one write (data and metadata, nreads each); true
 * and *ev filled (outcome still to decide) when the data differs.
 */
bool nvme_pi_record_diff(NvmePiCtrl *n, NvmePiReq *req, uint64_t slba,
                         uint32_t nlb, uint8_t *const *data,
                         uint8_t *const *meta, uint32_t nreads,
                         MutationEvent *ev);
/* Decide the outcome from the write's PI status, count and log. */
void nvme_pi_record_event(NvmePiCtrl *n, NvmePiNs *ns, MutationEvent *ev,
                          uint16_t status);
/* stat-* QOM counters of the mutation recorder: on obj, from c. */
void nvme_pi_record_counters(Object *obj, MutationCounters *c);
void nvme_pi_record_pi_error(NvmePiCtrl *n, PiCheck check);
/* A write held at the power cut (cut's counts and policy filled). */
void nvme_pi_record_cut(NvmePiCtrl *n, NvmePiReq *req, MutationCut *cut);
size_t nvme_pi_record_log_page(NvmePiCtrl *n, uint8_t *buf);

/* ns-dev.c */
void nvme_pi_bus_init(NvmePiCtrl *n);
/*
 * Check the controller's hook properties and, over them, ns's overrides
 * (over: NULL for the controller's own namespace); set ns's policy.
 */
bool nvme_pi_ns_hooks(NvmePiCtrl *n, NvmePiNs *ns,
                      const NvmePiHookProps *over, Error **errp);

/* ns.c */
typedef struct NvmePiLbaf {
    uint32_t ds;            /* data bytes */
    uint16_t ms;            /* metadata bytes */
    uint8_t pif;            /* its guard format (PIF), a PiGuardFormat */
} NvmePiLbaf;
extern const NvmePiLbaf nvme_pi_lbaf[];
extern const unsigned nvme_pi_nlbaf;
/* Open (or format) ns->blk as namespace nsid; props as given. */
bool nvme_pi_ns_realize(NvmePiNs *ns, uint32_t nsid, const NvmePiNsProps *p,
                        Error **errp);
/* Format at once (realize); admin.c's Format NVM uses the steps. */
uint16_t nvme_pi_ns_format(NvmePiNs *ns, uint8_t lbaf, bool extended,
                           uint8_t pi, bool pi_first);
/*
 * Set the new format and mark the namespace formatting; then each step
 * deallocates a bounded run of blocks and returns NVME_NO_COMPLETE, and
 * the last one writes the image header and returns the status.
 */
uint16_t nvme_pi_ns_format_begin(NvmePiNs *ns, uint8_t lbaf, bool extended,
                                 uint8_t pi, bool pi_first);
uint16_t nvme_pi_ns_format_step(NvmePiNs *ns);
/* Blocks one step may deallocate (NVME_PI_STEP_*_BYTES). */
uint64_t nvme_pi_ns_step_blocks(const NvmePiNs *ns);
uint16_t nvme_pi_ns_check_format(uint8_t lbaf, uint8_t pi);
uint16_t nvme_pi_ns_read(NvmePiNs *ns, uint64_t slba, uint32_t nlb,
                         uint8_t *data, uint8_t *meta);
uint16_t nvme_pi_ns_write(NvmePiNs *ns, uint64_t slba, uint32_t nlb,
                          const uint8_t *data, const uint8_t *meta,
                          bool fua);
uint16_t nvme_pi_ns_deallocate(NvmePiNs *ns, uint64_t slba, uint64_t nlb);
uint16_t nvme_pi_ns_flush(NvmePiNs *ns);
/*
 * Start reading or writing nlb blocks' data (and metadata, when the
 * namespace has some and meta is not NULL); cb(opaque, ret) runs once,
 * from the main loop, when both are done, with the first error.
 */
void nvme_pi_ns_aio(NvmePiNs *ns, bool write, uint64_t slba, uint32_t nlb,
                    uint8_t *data, uint8_t *meta, bool fua, NvmePiNsAio *a,
                    NvmePiNsCb *cb, void *opaque);
void nvme_pi_ns_aio_flush(NvmePiNs *ns, NvmePiNsAio *a, NvmePiNsCb *cb,
                          void *opaque);
/*
 * A command whose SQ is deleted: if its block I/O is still waiting for an
 * overlapping command, forget it and return true (nothing refers to a
 * any more); false if the block I/O was started (its cb will run).
 */
bool nvme_pi_ns_aio_cancel(NvmePiNs *ns, NvmePiNsAio *a);
/*
 * The range lock itself.  r->slba, r->end, r->write and r->grant are the
 * caller's.  lock returns true if r is held now; otherwise r waits and
 * r->grant(r) runs (from the unlock of a conflicting range) once it is
 * held.  cancel removes a waiting r (true) or does nothing (false).
 */
void nvme_pi_ns_ranges_init(NvmePiNs *ns);
bool nvme_pi_ns_range_lock(NvmePiNs *ns, NvmePiRange *r);
void nvme_pi_ns_range_unlock(NvmePiNs *ns, NvmePiRange *r);
bool nvme_pi_ns_range_cancel(NvmePiNs *ns, NvmePiRange *r);

#endif /* HW_NVME_PI_H */
