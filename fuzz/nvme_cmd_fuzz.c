/*
 * nvme-cmd: a device-aware libFuzzer target for NVMe PCI controllers
 * (nvme-pi, and QEMU's own nvme for the side-by-side baseline).
 *
 * QEMU's generic-fuzz resets the whole machine before every input and
 * must rediscover the register handshake each time; most of an input is
 * spent getting a controller to the point where it runs commands.  This
 * target keeps a machine and brings the controller up itself: before
 * every input it resets the controller (CC.EN 1 -> 0 -> 1, the path a
 * guest driver's reset takes), creates three I/O queue pairs and puts
 * every namespace back to the format it had when fuzzing started, so an
 * input does the same thing whatever ran before it.  The input bytes are
 * then read as NVMe-level operations: admin and I/O commands written
 * straight into the submission queues in guest memory, guest memory
 * changed while commands are in flight, PRP lists, register writes,
 * virtual-clock steps.  The fields that decide whether a command reaches
 * the deep paths (opcode, namespace, data pointers, LBA range) are
 * chosen from valid values most of the time and left raw otherwise.
 *
 * The machine comes from QEMU_FUZZ_ARGS, as for generic-fuzz; the first
 * PCI function with class code 01 08 02 (NVMe) is the one fuzzed.  Copied
 * into QEMU's tests/qtest/fuzz/ by nvme-pi's scripts/fuzz-build; only the
 * fuzzing build compiles it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"

#include "qemu/bswap.h"
#include "hw/pci/pci_regs.h"
#include "tests/qtest/libqtest.h"
#include "tests/qtest/libqos/pci.h"
#include "tests/qtest/libqos/pci-pc.h"
#include "fuzz.h"

/* Controller registers (NVMe base specification, "Controller Registers"). */
enum {
    REG_CAP = 0x00,
    REG_INTMS = 0x0c,
    REG_INTMC = 0x10,
    REG_CC = 0x14,
    REG_CSTS = 0x1c,
    REG_NSSR = 0x20,
    REG_AQA = 0x24,
    REG_ASQ = 0x28,
    REG_ACQ = 0x30,
    REG_DOORBELL = 0x1000,
};

#define CC_EN           1u
#define CC_IOSQES_IOCQES ((6u << 16) | (4u << 20))
#define CSTS_RDY        1u
#define CSTS_CFS        2u

/* Guest memory the target owns (the machine has at least 512 MiB). */
#define MEM_ASQ         0x100000ull
#define MEM_ACQ         0x101000ull
#define MEM_IOSQ        0x110000ull /* + qid * 0x1000 */
#define MEM_IOCQ        0x120000ull /* + qid * 0x1000 */
#define MEM_LIST        0x200000ull /* PRP lists and SGL segments, 16 pages */
#define MEM_LIST_SIZE   0x10000u
#define MEM_DATA        0x400000ull /* data buffers, 256 pages */
#define MEM_DATA_PAGES  256u
#define MEM_META        0x600000ull /* separate metadata, 64 KiB */
#define MEM_META_SIZE   0x10000u
#define MEM_IDENT       0x700000ull /* the target's own Identify buffers */
#define BAR0_ADDR       0xe0000000ull
#define PAGE            4096u

#define AQ_SIZE         16u     /* >= IOQ_SIZE */
#define IOQ_SIZE        16u
#define NR_IOQ          3u      /* SQ1->CQ1, SQ2->CQ2, SQ3->CQ1 */
#define NR_Q            (NR_IOQ + 1)
#define MAX_NS          16u

/* How long the target waits for the controller, in virtual time. */
#define WAIT_STEP_NS    1000000     /* 1 ms a step */
#define WAIT_STEPS      2000        /* 2 s */

typedef struct FuzzQueue {
    uint64_t sq, cq;
    uint32_t sq_tail, sq_rung, cq_head;
    bool phase;
    uint16_t cqid;
} FuzzQueue;

typedef struct FuzzNs {
    uint32_t nsid;
    uint8_t flbas, dps;     /* as found before fuzzing: restored */
    uint32_t lba_size, ms;
} FuzzNs;

typedef struct FuzzState {
    QPCIBus *bus;
    QPCIDevice *dev;
    FuzzQueue q[NR_Q];
    FuzzNs ns[MAX_NS];
    unsigned nr_ns;
    uint16_t cid;
    bool format_touched;    /* an input may have changed a format */
} FuzzState;

static FuzzState fz;

/* The input, read front to back; reads past the end give zeros. */
typedef struct Input {
    const uint8_t *p;
    size_t left;
} Input;

static uint8_t in_u8(Input *in)
{
    if (!in->left) {
        return 0;
    }
    in->left--;
    return *in->p++;
}

static uint32_t in_u32(Input *in)
{
    uint32_t v = 0;

    for (int i = 0; i < 4; i++) {
        v |= (uint32_t)in_u8(in) << (8 * i);
    }
    return v;
}

static void in_bytes(Input *in, void *buf, size_t n)
{
    size_t k = MIN(n, in->left);

    memcpy(buf, in->p, k);
    memset((uint8_t *)buf + k, 0, n - k);
    in->p += k;
    in->left -= k;
}

static void wr32(QTestState *s, uint32_t off, uint32_t v)
{
    qtest_writel(s, BAR0_ADDR + off, v);
}

static uint32_t rd32(QTestState *s, uint32_t off)
{
    return qtest_readl(s, BAR0_ADDR + off);
}

/* BAR0 at a fixed address, memory decoding and bus mastering on. */
static void map_device(void)
{
    qpci_config_writel(fz.dev, PCI_BASE_ADDRESS_0, (uint32_t)BAR0_ADDR);
    qpci_config_writel(fz.dev, PCI_BASE_ADDRESS_1, 0);
    qpci_config_writew(fz.dev, PCI_COMMAND,
                       PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

static uint64_t sq_slot(unsigned qid, uint32_t idx)
{
    return fz.q[qid].sq + (uint64_t)idx * 64;
}

static uint32_t q_size(unsigned qid)
{
    return qid ? IOQ_SIZE : AQ_SIZE;
}

/* Write one 64-byte command at qid's tail (the doorbell is separate). */
static void sq_put(QTestState *s, unsigned qid, const uint8_t *sqe)
{
    FuzzQueue *q = &fz.q[qid];

    qtest_memwrite(s, sq_slot(qid, q->sq_tail), sqe, 64);
    q->sq_tail = (q->sq_tail + 1) % q_size(qid);
}

static void sq_ring(QTestState *s, unsigned qid)
{
    FuzzQueue *q = &fz.q[qid];

    if (q->sq_rung != q->sq_tail) {
        wr32(s, REG_DOORBELL + 8 * qid, q->sq_tail);
        q->sq_rung = q->sq_tail;
    }
}

/*
 * Consume the completions posted to queue pair qid's CQ.  Returns how
 * many there were; *status gets the last one's status field (phase
 * bit dropped) and *cid its command identifier.
 */
static unsigned cq_reap(QTestState *s, unsigned qid, uint16_t *cid,
                        uint16_t *status)
{
    FuzzQueue *q = &fz.q[qid];
    unsigned n = 0;
    uint8_t cqe[16];

    if (q->cqid != qid) {
        return 0;                   /* shares another pair's CQ */
    }
    for (;;) {
        qtest_memread(s, q->cq + (uint64_t)q->cq_head * 16, cqe, sizeof(cqe));
        uint16_t sf = cqe[14] | cqe[15] << 8;
        if ((sf & 1) != q->phase) {
            break;
        }
        if (cid) {
            *cid = cqe[12] | cqe[13] << 8;
        }
        if (status) {
            *status = sf >> 1;
        }
        n++;
        if (++q->cq_head == q_size(qid)) {
            q->cq_head = 0;
            q->phase = !q->phase;
        }
        if (n > q_size(qid)) {
            break;
        }
    }
    if (n) {
        wr32(s, REG_DOORBELL + 8 * qid + 4, q->cq_head);
    }
    return n;
}

static void reap_all(QTestState *s)
{
    for (unsigned qid = 0; qid < NR_Q; qid++) {
        cq_reap(s, qid, NULL, NULL);
    }
}

/*
 * Run one admin command to completion (the target's own setup work).
 * Returns its status, or -1 if the controller never completed it.
 */
static int admin_sync(QTestState *s, uint8_t opc, uint32_t nsid,
                      uint64_t prp1, uint32_t cdw10, uint32_t cdw11)
{
    uint8_t sqe[64] = { 0 };
    uint16_t cid = ++fz.cid, got_cid = 0, status = 0;

    sqe[0] = opc;
    stw_le_p(sqe + 2, cid);
    stl_le_p(sqe + 4, nsid);
    stq_le_p(sqe + 24, prp1);
    stl_le_p(sqe + 40, cdw10);
    stl_le_p(sqe + 44, cdw11);
    sq_put(s, 0, sqe);
    sq_ring(s, 0);
    for (int i = 0; i < WAIT_STEPS; i++) {
        flush_events(s);
        while (cq_reap(s, 0, &got_cid, &status)) {
            if (got_cid == cid) {
                return status;
            }
        }
        qtest_clock_step(s, WAIT_STEP_NS);
    }
    return -1;
}

static bool wait_ready(QTestState *s, bool ready)
{
    for (int i = 0; i < WAIT_STEPS; i++) {
        flush_events(s);
        uint32_t csts = rd32(s, REG_CSTS);
        if (!!(csts & CSTS_RDY) == ready) {
            return true;
        }
        if (ready && (csts & CSTS_CFS)) {
            return false;
        }
        qtest_clock_step(s, WAIT_STEP_NS);
    }
    return false;
}

/*
 * Controller reset and bring-up: disable, program the admin queue,
 * enable, create the I/O queue pairs.  Returns false if the controller
 * did not come back.
 */
static bool ctrl_up(QTestState *s)
{
    static const uint8_t zeroes[AQ_SIZE * 16];

    wr32(s, REG_CC, 0);
    if (!wait_ready(s, false)) {
        return false;
    }
    memset(fz.q, 0, sizeof(fz.q));
    for (unsigned qid = 0; qid < NR_Q; qid++) {
        FuzzQueue *q = &fz.q[qid];

        q->sq = qid ? MEM_IOSQ + qid * 0x1000 : MEM_ASQ;
        q->cq = qid ? MEM_IOCQ + qid * 0x1000 : MEM_ACQ;
        q->phase = true;
        q->cqid = qid == 3 ? 1 : qid;
        /* Not qtest_memset: its in-process wrapper leaks its buffer. */
        qtest_memwrite(s, q->cq, zeroes, q_size(qid) * 16);
    }
    wr32(s, REG_INTMS, 0xffffffff);
    wr32(s, REG_AQA, (AQ_SIZE - 1) << 16 | (AQ_SIZE - 1));
    wr32(s, REG_ASQ, (uint32_t)MEM_ASQ);
    wr32(s, REG_ASQ + 4, 0);
    wr32(s, REG_ACQ, (uint32_t)MEM_ACQ);
    wr32(s, REG_ACQ + 4, 0);
    wr32(s, REG_CC, CC_IOSQES_IOCQES | CC_EN);
    if (!wait_ready(s, true)) {
        return false;
    }
    wr32(s, REG_INTMC, 0xffffffff);
    for (unsigned qid = 1; qid < NR_Q; qid++) {
        FuzzQueue *q = &fz.q[qid];

        /* Create I/O CQ: PC, IEN, vector 0; Create I/O SQ: PC, on cqid. */
        if (q->cqid == qid &&
            admin_sync(s, 0x05, 0, q->cq, (IOQ_SIZE - 1) << 16 | qid, 3)) {
            return false;
        }
        if (admin_sync(s, 0x01, 0, q->sq, (IOQ_SIZE - 1) << 16 | qid,
                       (uint32_t)q->cqid << 16 | 1)) {
            return false;
        }
    }
    return true;
}

/* Identify Namespace for nsid into ns (FLBAS, DPS and the sizes). */
static bool ns_identify(QTestState *s, uint32_t nsid, FuzzNs *ns)
{
    uint8_t id[4096];

    if (admin_sync(s, 0x06, nsid, MEM_IDENT, 0, 0)) {
        return false;
    }
    qtest_memread(s, MEM_IDENT, id, sizeof(id));
    unsigned lbaf = (id[26] & 0xf) | ((id[26] >> 5) & 3) << 4;
    uint32_t f = ldl_le_p(id + 128 + 4 * MIN(lbaf, 63u));

    ns->nsid = nsid;
    ns->flbas = id[26];
    ns->dps = id[29];
    ns->ms = f & 0xffff;
    ns->lba_size = 1u << MIN(MAX((f >> 16) & 0xff, 9u), 16u);
    return true;
}

/* Put every namespace back to its format from before fuzzing. */
static void ns_restore(QTestState *s)
{
    for (unsigned i = 0; i < fz.nr_ns; i++) {
        FuzzNs now, *was = &fz.ns[i];

        if (ns_identify(s, was->nsid, &now) && now.flbas == was->flbas &&
            now.dps == was->dps) {
            continue;
        }
        uint32_t cdw10 = (was->flbas & 0xf) | (was->flbas & 0x10) |
                         (uint32_t)(was->dps & 7) << 5 |
                         (uint32_t)((was->dps >> 3) & 1) << 8 |
                         (uint32_t)((was->flbas >> 5) & 3) << 12;
        admin_sync(s, 0x80, was->nsid, 0, cdw10, 0);
    }
}

static void fuzz_setup(QTestState *s)
{
    if (!ctrl_up(s)) {
        /* The controller did not come back: start from a fresh machine. */
        fuzz_reset(s);
        map_device();
        if (!ctrl_up(s)) {
            fprintf(stderr, "nvme-cmd: the controller does not come up "
                    "after a machine reset\n");
            abort();
        }
    }
    if (fz.format_touched) {
        ns_restore(s);
        fz.format_touched = false;
    }
}

static void nvme_cmd_pre_fuzz(QTestState *s)
{
    uint8_t list[4096];

    fz.bus = qpci_new_pc(s, NULL);
    for (int devfn = 0; devfn < 256 && !fz.dev; devfn++) {
        QPCIDevice *d = qpci_device_find(fz.bus, devfn);

        if (!d) {
            continue;
        }
        if (qpci_config_readw(d, PCI_CLASS_DEVICE) == 0x0108 &&
            qpci_config_readb(d, PCI_CLASS_PROG) == 0x02) {
            fz.dev = d;
        } else {
            g_free(d);
        }
    }
    if (!fz.dev) {
        fprintf(stderr, "nvme-cmd: no NVMe controller (class 010802) on "
                "the PCI bus: give one in QEMU_FUZZ_ARGS\n");
        exit(1);
    }
    map_device();
    if (!ctrl_up(s)) {
        fprintf(stderr, "nvme-cmd: the controller does not come up\n");
        exit(1);
    }
    /* The active namespaces and their formats, restored before inputs. */
    if (admin_sync(s, 0x06, 0, MEM_IDENT, 2, 0) == 0) {
        qtest_memread(s, MEM_IDENT, list, sizeof(list));
        for (unsigned i = 0; i < 1024 && fz.nr_ns < MAX_NS; i++) {
            uint32_t nsid = ldl_le_p(list + 4 * i);

            if (!nsid) {
                break;
            }
            if (ns_identify(s, nsid, &fz.ns[fz.nr_ns])) {
                fz.nr_ns++;
            }
        }
    }
    if (!fz.nr_ns) {
        fprintf(stderr, "nvme-cmd: the controller has no namespace\n");
        exit(1);
    }
}

/* ---- the operations an input is made of ---- */

static const uint8_t admin_opcodes[] = {
    0x00, 0x01, 0x02, 0x04, 0x05, 0x06, 0x08, 0x09, 0x0a, 0x0c, 0x80,
    0x0d, 0x10, 0x11, 0x14, 0x18, 0x19, 0x1a, 0x81, 0x82, 0x84, 0xc0, 0xc2,
};

static const uint8_t io_opcodes[] = {
    0x00, 0x01, 0x02, 0x04, 0x05, 0x08, 0x09, 0x0c, 0x0d, 0x11, 0x15,
};

/* A data page of the target's buffer region, by index. */
static uint64_t data_page(uint8_t idx)
{
    return MEM_DATA + (uint64_t)(idx % MEM_DATA_PAGES) * PAGE;
}

/*
 * Point a command's data at the target's buffers, as a driver would:
 * PRP1 at a data page (page-aligned or, from mode, at a dword offset),
 * PRP2 the next page or a PRP list in MEM_LIST that names len bytes'
 * worth of pages, or (mode bit 2) an SGL data block descriptor.
 */
static void point_data(QTestState *s, uint8_t *sqe, uint8_t mode,
                       uint8_t page, uint32_t len)
{
    uint64_t prp1 = data_page(page);

    if (mode & 1) {
        prp1 += (uint64_t)(page & 0x3f) * 4 + (mode & 0xf0);
    }
    if (mode & 4) {
        /* PSDT = 01: SGL; one data block descriptor in DPTR. */
        sqe[1] = (sqe[1] & ~0xc0) | 0x40;
        stq_le_p(sqe + 24, prp1);
        stl_le_p(sqe + 32, len);
        sqe[39] = (mode & 8) ? 0x20 : 0x00;     /* last segment : data */
        if (mode & 8) {
            uint8_t desc[16] = { 0 };

            stq_le_p(desc, data_page(page + 1));
            stl_le_p(desc + 8, len);
            qtest_memwrite(s, MEM_LIST, desc, sizeof(desc));
            stq_le_p(sqe + 24, MEM_LIST);
            stl_le_p(sqe + 32, sizeof(desc));
        }
        return;
    }
    sqe[1] &= ~0xc0;
    uint32_t first = PAGE - (uint32_t)(prp1 % PAGE);
    uint64_t prp2 = 0;

    if (len > first) {
        uint32_t rest = len - first;
        if (rest <= PAGE) {
            prp2 = data_page(page + 1);
        } else {
            unsigned n = MIN(DIV_ROUND_UP(rest, PAGE), MEM_LIST_SIZE / 8);
            uint64_t list[MEM_LIST_SIZE / 8];
            uint64_t at = MEM_LIST + ((mode & 2) ? PAGE - 8 * (n > 1) : 0);

            for (unsigned i = 0; i < n; i++) {
                list[i] = cpu_to_le64(data_page(page + 1 + i));
            }
            qtest_memwrite(s, at, list, 8 * n);
            prp2 = at;
        }
    }
    stq_le_p(sqe + 24, prp1);
    stq_le_p(sqe + 32, prp2);
}

static void submit(QTestState *s, unsigned qid, uint8_t *sqe, bool defer)
{
    stw_le_p(sqe + 2, ++fz.cid);
    if (qid == 0 && (sqe[0] == 0x80 || sqe[0] == 0x0d || sqe[0] == 0x84)) {
        fz.format_touched = true;
    }
    sq_put(s, qid, sqe);
    if (!defer) {
        sq_ring(s, qid);
        flush_events(s);
        reap_all(s);
    }
}

/*
 * ADMIN flags sqe[64]: a raw admin command.  flags bit 0: opcode from
 * the table; bit 1: data pointer at the buffers; bit 2: NSID from the
 * namespaces; bit 3: defer the doorbell.
 */
static void op_admin(QTestState *s, Input *in)
{
    uint8_t flags = in_u8(in), sqe[64];

    in_bytes(in, sqe, sizeof(sqe));
    if (flags & 1) {
        sqe[0] = admin_opcodes[sqe[0] % sizeof(admin_opcodes)];
    }
    if (flags & 2) {
        point_data(s, sqe, flags >> 4, sqe[8], PAGE);
    }
    if (flags & 4) {
        stl_le_p(sqe + 4, fz.ns[sqe[4] % fz.nr_ns].nsid);
    }
    submit(s, 0, sqe, flags & 8);
}

/*
 * IO qsel flags sqe[64]: a raw I/O command on queue 1..3.  flags bit 0:
 * opcode from the table; bit 1: NSID from the namespaces; bit 2: LBA
 * range inside the first 256 blocks, NLB < 64, data pointers for it
 * (mode from the high nibble); bit 3: metadata pointer at MEM_META;
 * bit 4: defer the doorbell.
 */
static void op_io(QTestState *s, Input *in)
{
    unsigned qid = 1 + in_u8(in) % NR_IOQ;
    uint8_t flags = in_u8(in), sqe[64];

    in_bytes(in, sqe, sizeof(sqe));
    if (flags & 1) {
        sqe[0] = io_opcodes[sqe[0] % sizeof(io_opcodes)];
    }
    FuzzNs *ns = &fz.ns[sqe[4] % fz.nr_ns];
    if (flags & 2) {
        stl_le_p(sqe + 4, ns->nsid);
    }
    if (flags & 4) {
        uint32_t nlb = sqe[48] & 0x3f;
        uint32_t bs = ns->lba_size + ((ns->flbas & 0x10) ? ns->ms : 0);

        stq_le_p(sqe + 40, sqe[40]);
        stw_le_p(sqe + 48, nlb);
        point_data(s, sqe, flags >> 4, sqe[24], (nlb + 1) * bs);
    }
    if (flags & 8) {
        stq_le_p(sqe + 16, MEM_META + (sqe[16] & 0x3c) * 64);
    }
    submit(s, qid, sqe, flags & 0x10);
}

/*
 * RW qsel opc slba nlb prinfo reftag[4] apptag[2] appmask[2] mode: a
 * well-formed read, write, compare, verify or write zeroes, its data in
 * the buffers (and separate metadata in MEM_META): what reaches the PI
 * engine and the DMA hooks most often.
 */
static void op_rw(QTestState *s, Input *in)
{
    static const uint8_t opcs[] = { 0x01, 0x02, 0x05, 0x0c, 0x08, 0x01 };
    unsigned qid = 1 + in_u8(in) % NR_IOQ;
    uint8_t sel = in_u8(in), sqe[64] = { 0 };
    FuzzNs *ns = &fz.ns[(sel >> 3) % fz.nr_ns];
    uint8_t slba = in_u8(in), nlb = in_u8(in) & 0x1f, prinfo = in_u8(in);
    uint32_t reftag = in_u32(in), tags = in_u32(in);
    uint8_t mode = in_u8(in);
    uint32_t bs = ns->lba_size + ((ns->flbas & 0x10) ? ns->ms : 0);

    sqe[0] = opcs[sel % sizeof(opcs)];
    stl_le_p(sqe + 4, ns->nsid);
    stq_le_p(sqe + 16, MEM_META + (mode & 0x30) * 16);
    point_data(s, sqe, mode & 0xcf, mode, (nlb + 1u) * bs);
    stq_le_p(sqe + 40, slba);
    /* CDW12: NLB, PRINFO (bits 29:26: PRACT + PRCHK), FUA (bit 30). */
    stl_le_p(sqe + 48, nlb | (uint32_t)(prinfo & 0x1f) << 26 |
             (uint32_t)(prinfo & 0x20) << 25);
    stl_le_p(sqe + 56, reftag);
    stl_le_p(sqe + 60, tags);
    submit(s, qid, sqe, sel & 0x80);
}

/* MEM region offset[2] len data[len]: change guest memory we own. */
static void op_mem(QTestState *s, Input *in)
{
    static const struct {
        uint64_t base;
        uint32_t size;
    } regions[] = {
        { MEM_DATA, MEM_DATA_PAGES * PAGE }, { MEM_META, MEM_META_SIZE },
        { MEM_LIST, MEM_LIST_SIZE }, { MEM_IOSQ, 0x4000 },
        { MEM_ASQ, 0x1000 },
    };
    uint8_t r = in_u8(in) % ARRAY_SIZE(regions);
    uint32_t off = in_u8(in) | in_u8(in) << 8;
    uint8_t len = in_u8(in), buf[256];

    if (r == 0) {
        off *= 16;
    }
    off %= regions[r].size;
    len = MIN(len, regions[r].size - off);
    in_bytes(in, buf, len);
    qtest_memwrite(s, regions[r].base + off, buf, len);
}

/* LIST at n page: a PRP list at MEM_LIST + at * 8 naming n data pages. */
static void op_list(QTestState *s, Input *in)
{
    uint32_t at = (in_u8(in) | in_u8(in) << 8) % (MEM_LIST_SIZE / 8);
    unsigned n = MIN(in_u8(in) % 64u + 1, MEM_LIST_SIZE / 8 - at);
    uint8_t page = in_u8(in);
    uint64_t list[64];

    for (unsigned i = 0; i < n; i++) {
        list[i] = cpu_to_le64(data_page(page + i));
    }
    qtest_memwrite(s, MEM_LIST + at * 8ull, list, n * 8);
}

/* CLOCK b: step the virtual clock 2^(b % 28) ns, or to the next timer. */
static void op_clock(QTestState *s, Input *in)
{
    uint8_t b = in_u8(in);

    if (b >= 0xf0) {
        qtest_clock_step_next(s);
    } else {
        qtest_clock_step(s, 1ll << (b % 28));
    }
}

/*
 * REG sel value[4]: write a controller register or a doorbell (what a
 * confused or hostile driver does); the next input's reset repairs it.
 */
static void op_reg(QTestState *s, Input *in)
{
    static const uint16_t regs[] = {
        REG_INTMS, REG_INTMC, REG_CC, REG_NSSR, REG_AQA, REG_ASQ,
        REG_ASQ + 4, REG_ACQ, REG_ACQ + 4, REG_CSTS, REG_CAP,
    };
    uint8_t sel = in_u8(in);
    uint32_t v = in_u32(in);
    uint32_t off;

    if (sel < 0x80) {
        off = regs[sel % ARRAY_SIZE(regs)];
    } else if (sel < 0xc0) {
        off = REG_DOORBELL + 4 * (sel % 16);
        v %= 64;
    } else {
        off = (uint32_t)(v >> 16) % 0x1200 & ~3u;
        v &= 0xffff;
    }
    wr32(s, off, v);
    flush_events(s);
}

/* RING: ring every deferred doorbell. */
static void op_ring(QTestState *s, Input *in)
{
    for (unsigned qid = 0; qid < NR_Q; qid++) {
        sq_ring(s, qid);
    }
    flush_events(s);
    reap_all(s);
}

/* READ off[2]: read a register (some have side effects on the state). */
static void op_read(QTestState *s, Input *in)
{
    uint32_t off = (in_u8(in) | in_u8(in) << 8) % 0x1200 & ~3u;

    rd32(s, off);
}

typedef void (*FuzzOp)(QTestState *s, Input *in);

static const FuzzOp ops[] = {
    op_rw, op_rw, op_rw, op_io, op_io, op_admin, op_mem, op_mem,
    op_list, op_clock, op_clock, op_reg, op_ring, op_read,
};

static void nvme_cmd_fuzz(QTestState *s, const unsigned char *data,
                          size_t size)
{
    Input in = { data, size };

    fuzz_setup(s);
    while (in.left) {
        ops[in_u8(&in) % ARRAY_SIZE(ops)](s, &in);
        flush_events(s);
    }
    /* Let what is in flight finish (delays, replays, long commands). */
    for (int i = 0; i < 4; i++) {
        qtest_clock_step_next(s);
        flush_events(s);
    }
    reap_all(s);
}

static GString *nvme_cmd_cmdline(FuzzTarget *t)
{
    const char *args = getenv("QEMU_FUZZ_ARGS");
    /* argv[0]: only a name (TARGET_NAME is per-target, this file is not). */
    GString *cmd_line = g_string_new("qemu-fuzz");

    if (!args) {
        fprintf(stderr, "nvme-cmd: set QEMU_FUZZ_ARGS to the machine, with "
                "an NVMe controller (-device nvme-pi,... or -device nvme,...)\n");
        exit(1);
    }
    g_string_append_printf(cmd_line, " -display none -machine accel=qtest "
                           "-m 512M %s ", args);
    return cmd_line;
}

static void register_nvme_cmd_fuzz_target(void)
{
    fuzz_add_target(&(FuzzTarget){
        .name = "nvme-cmd",
        .description = "NVMe commands on a controller kept up between "
                       "inputs (QEMU_FUZZ_ARGS: the machine)",
        .get_init_cmdline = nvme_cmd_cmdline,
        .pre_fuzz = nvme_cmd_pre_fuzz,
        .fuzz = nvme_cmd_fuzz,
    });
}

fuzz_target_init(register_nvme_cmd_fuzz_target);
