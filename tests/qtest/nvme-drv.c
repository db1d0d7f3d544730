/*
 * nvme-pi qtests: a small NVMe host driver on libqtest/libqos.
 *
 * This file owns the host side of the NVMe protocol for the qtests:
 * controller bring-up, queue pairs, data pointers (PRP and SGL), polling
 * completions and the command helpers declared in nvme-drv.h.  It knows
 * the specification, not the device: nothing here depends on how nvme-pi
 * is implemented, so the same driver would drive QEMU's own nvme.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/pci-pc.h"
#include "libqos/malloc-pc.h"
#include "hw/pci/pci_regs.h"
#include "nvme-qtest-compat.h"
#include "nvme-drv.h"

#define FIRMWARE_ARGS   "-L /usr/share/qemu -L /usr/share/seabios "
#define SQE_SIZE        64
#define CQE_SIZE        16
/* Virtual time per poll step, and the most a command may take. */
#define POLL_STEP_NS    (100 * 1000)
#define CMD_TIMEOUT_NS  (10ULL * 1000 * 1000 * 1000)

const char *nvme_drv_device(void)
{
    const char *dev = g_getenv("NVME_QTEST_DEVICE");

    return dev && *dev ? dev : "nvme-pi";
}

/* Properties of QEMU's own nvme controller; the rest go to nvme-ns. */
static bool is_ref_ctrl_prop(const char *key)
{
    static const char *const ctrl[] = { "mdts", "msix_qsize", NULL };

    return g_strv_contains(ctrl, key);
}

const char *nvme_drv_file_prefix;

char *nvme_drv_cmdline(const NvmeDrv *d, const char *props)
{
    GString *s = g_string_new(FIRMWARE_ARGS);
    const char *img = d ? d->img_path : NULL;

    g_string_append(s, "-machine pc -display none -nodefaults -m 256 ");
    if (img) {
        g_string_append_printf(s, "-drive if=none,id=d0,format=raw,"
                               "file=%s%s ",
                               nvme_drv_file_prefix ? nvme_drv_file_prefix
                                                    : "", img);
    }
    if (strcmp(nvme_drv_device(), "nvme") == 0) {
        /* Reference mode: QEMU's own nvme, namespace as a child device. */
        g_auto(GStrv) kv = g_strsplit(props ? props : "", ",", -1);
        GString *ns = g_string_new(img ? "drive=d0" : "");

        g_string_append_printf(s, "-device nvme,id=c0,addr=%d.0,serial=qt0",
                               NVME_DRV_SLOT);
        for (int i = 0; kv[i]; i++) {
            g_autofree char *key = g_strndup(kv[i], strcspn(kv[i], "="));

            if (!*kv[i]) {
                continue;
            }
            if (is_ref_ctrl_prop(key)) {
                g_string_append_printf(s, ",%s", kv[i]);
            } else {
                g_string_append_printf(ns, ",%s", kv[i]);
            }
        }
        if (img) {
            g_string_append_printf(s, " -device nvme-ns,bus=c0,%s", ns->str);
        }
        g_string_free(ns, true);
    } else {
        g_string_append_printf(s, "-device nvme-pi,addr=%d.0,serial=qt0%s%s",
                               NVME_DRV_SLOT, img ? ",drive=d0" : "",
                               props ? props : "");
    }
    return g_string_free(s, false);
}

static NvmeDrv *start(const char *props, char *img_path)
{
    NvmeDrv *d = g_new0(NvmeDrv, 1);
    g_autofree char *cmd = NULL;
    unsigned mps_min;

    d->img_path = img_path;
    cmd = nvme_drv_cmdline(d, props);
    d->qts = qtest_init(cmd);
    d->bus = qpci_new_pc(d->qts, NULL);
    d->dev = qpci_device_find(d->bus, QPCI_DEVFN(NVME_DRV_SLOT, 0));
    g_assert_nonnull(d->dev);
    qpci_device_enable(d->dev);
    d->bar0 = qpci_iomap(d->dev, 0, NULL);
    pc_alloc_init(&d->alloc, d->qts, ALLOC_NO_FLAGS);

    d->cap = nvme_drv_rd64(d, NVME_DRV_REG_CAP);
    d->db_stride = 4u << ((d->cap >> 32) & 0xf);
    /* CAP.TO is in 500 ms units; allow at least one unit. */
    d->to_ns = MAX((d->cap >> 24) & 0xff, 1) * 500ULL * 1000 * 1000;
    mps_min = (d->cap >> 48) & 0xf;
    /* The driver uses 4 KiB pages; a controller must allow them. */
    g_assert_cmpuint(mps_min, ==, 0);
    return d;
}

NvmeDrv *nvme_drv_start(const char *props, unsigned img_mib)
{
    char *path = NULL;

    if (img_mib) {
        int fd = g_file_open_tmp("nvme-pi-qtest-XXXXXX.img", &path, NULL);

        g_assert_cmpint(fd, >=, 0);
        g_assert_cmpint(ftruncate(fd, (off_t)img_mib << 20), ==, 0);
        close(fd);
    }
    return start(props, path);
}

static void stop_qemu(NvmeDrv *d)
{
    alloc_destroy(&d->alloc);
    qpci_iounmap(d->dev, d->bar0);
    g_free(d->dev);
    qpci_free_pc(d->bus);
    qtest_quit(d->qts);
}

NvmeDrv *nvme_drv_restart(NvmeDrv *d, const char *props)
{
    char *path = d->img_path;

    stop_qemu(d);
    g_free(d);
    return start(props, path);
}

void nvme_drv_stop(NvmeDrv *d)
{
    if (!d) {
        return;
    }
    stop_qemu(d);
    if (d->img_path) {
        unlink(d->img_path);
        g_free(d->img_path);
    }
    g_free(d);
}

uint32_t nvme_drv_rd32(NvmeDrv *d, uint64_t off)
{
    return qpci_io_readl(d->dev, d->bar0, off);
}

uint64_t nvme_drv_rd64(NvmeDrv *d, uint64_t off)
{
    return nvme_drv_rd32(d, off) | ((uint64_t)nvme_drv_rd32(d, off + 4) << 32);
}

void nvme_drv_wr32(NvmeDrv *d, uint64_t off, uint32_t val)
{
    qpci_io_writel(d->dev, d->bar0, off, val);
}

void nvme_drv_wr64(NvmeDrv *d, uint64_t off, uint64_t val)
{
    /* Low half first, as Linux's lo_hi_writeq does. */
    nvme_drv_wr32(d, off, (uint32_t)val);
    nvme_drv_wr32(d, off + 4, (uint32_t)(val >> 32));
}

bool nvme_drv_wait_csts(NvmeDrv *d, uint32_t mask, uint32_t val)
{
    uint64_t waited = 0;

    for (;;) {
        uint32_t csts = nvme_drv_rd32(d, NVME_DRV_REG_CSTS);

        if ((csts & mask) == val) {
            return true;
        }
        if (csts == 0xffffffff || waited > d->to_ns) {
            return false;
        }
        qtest_clock_step(d->qts, 1000 * 1000);
        waited += 1000 * 1000;
    }
}

static void queue_init(NvmeDrv *d, NvmeDrvQueue *q, uint16_t qid,
                       uint16_t entries)
{
    memset(q, 0, sizeof(*q));
    q->qid = qid;
    q->size = entries;
    q->sq_addr = nvme_drv_alloc(d, (size_t)entries * SQE_SIZE);
    q->cq_addr = nvme_drv_alloc(d, (size_t)entries * CQE_SIZE);
    qtest_memset(d->qts, q->cq_addr, 0, (size_t)entries * CQE_SIZE);
    q->phase = true;
    q->next_cid = 1;
}

uint16_t nvme_drv_enable(NvmeDrv *d, uint16_t aq_entries)
{
    uint32_t cc;

    if (!nvme_drv_disable(d)) {
        return NVME_DRV_TIMEOUT;
    }
    queue_init(d, &d->admin, 0, aq_entries);
    nvme_drv_wr32(d, NVME_DRV_REG_AQA,
                  ((uint32_t)(aq_entries - 1) << 16) | (aq_entries - 1));
    nvme_drv_wr64(d, NVME_DRV_REG_ASQ, d->admin.sq_addr);
    nvme_drv_wr64(d, NVME_DRV_REG_ACQ, d->admin.cq_addr);
    /* IOSQES 6 (64 B), IOCQES 4 (16 B), MPS 0 (4 KiB), CSS NVM, EN. */
    cc = (6u << 16) | (4u << 20) | 1u;
    nvme_drv_wr32(d, NVME_DRV_REG_CC, cc);
    if (!nvme_drv_wait_csts(d, NVME_DRV_CSTS_RDY | NVME_DRV_CSTS_CFS,
                            NVME_DRV_CSTS_RDY)) {
        if (nvme_drv_rd32(d, NVME_DRV_REG_CSTS) & NVME_DRV_CSTS_CFS) {
            return NVME_DRV_CFS;
        }
        return NVME_DRV_TIMEOUT;
    }
    d->admin.live = true;
    return 0;
}

bool nvme_drv_disable(NvmeDrv *d)
{
    uint32_t cc = nvme_drv_rd32(d, NVME_DRV_REG_CC);

    nvme_drv_wr32(d, NVME_DRV_REG_CC, cc & ~1u);
    d->admin.live = false;
    for (int i = 0; i < NVME_DRV_MAX_QUEUES; i++) {
        d->io[i].live = false;
    }
    return nvme_drv_wait_csts(d, NVME_DRV_CSTS_RDY, 0);
}

bool nvme_drv_shutdown(NvmeDrv *d)
{
    uint32_t cc = nvme_drv_rd32(d, NVME_DRV_REG_CC);

    nvme_drv_wr32(d, NVME_DRV_REG_CC, (cc & ~(3u << 14)) |
                  NVME_DRV_CC_SHN_NORMAL);
    return nvme_drv_wait_csts(d, 3u << 2, 2u << 2);
}

uint64_t nvme_drv_alloc(NvmeDrv *d, size_t len)
{
    uint64_t addr = guest_alloc(&d->alloc, len);

    g_assert_cmphex(addr & (NVME_DRV_PAGE - 1), ==, 0);
    return addr;
}

void nvme_drv_buf_contig(NvmeDrv *d, NvmeDrvBuf *b, size_t len,
                         size_t offset)
{
    memset(b, 0, sizeof(*b));
    b->len = len;
    b->nsegs = 1;
    b->addr[0] = nvme_drv_alloc(d, len + offset) + offset;
    b->seglen[0] = len;
}

void nvme_drv_buf_scatter(NvmeDrv *d, NvmeDrvBuf *b, size_t len,
                          size_t piece)
{
    size_t slot = ROUND_UP(piece, NVME_DRV_PAGE);
    unsigned n = DIV_ROUND_UP(len, piece);
    uint64_t base;

    g_assert_cmpuint(n, <=, NVME_DRV_MAX_SEGS);
    memset(b, 0, sizeof(*b));
    /* Every other slot, highest first: never adjacent, never ascending. */
    base = nvme_drv_alloc(d, slot * 2 * n);
    b->len = len;
    b->nsegs = n;
    for (unsigned i = 0; i < n; i++) {
        b->addr[i] = base + slot * 2 * (n - 1 - i);
        b->seglen[i] = MIN(piece, len - (size_t)i * piece);
    }
}

void nvme_drv_buf_write(NvmeDrv *d, const NvmeDrvBuf *b, const void *src)
{
    const uint8_t *p = src;

    for (unsigned i = 0; i < b->nsegs; i++) {
        qtest_memwrite(d->qts, b->addr[i], p, b->seglen[i]);
        p += b->seglen[i];
    }
}

void nvme_drv_buf_read(NvmeDrv *d, const NvmeDrvBuf *b, void *dst)
{
    uint8_t *p = dst;

    for (unsigned i = 0; i < b->nsegs; i++) {
        qtest_memread(d->qts, b->addr[i], p, b->seglen[i]);
        p += b->seglen[i];
    }
}

void nvme_drv_buf_fill(NvmeDrv *d, const NvmeDrvBuf *b, uint8_t byte)
{
    for (unsigned i = 0; i < b->nsegs; i++) {
        qtest_memset(d->qts, b->addr[i], byte, b->seglen[i]);
    }
}

static void put_le64(NvmeDrv *d, uint64_t addr, uint64_t val)
{
    uint64_t le = cpu_to_le64(val);

    qtest_memwrite(d->qts, addr, &le, sizeof(le));
}

/*
 * PRPs: PRP1 is the first byte; every later PRP entry starts a page.  The
 * buffer's pieces must therefore end on page boundaries (except the last)
 * and begin on them (except the first).
 */
static void map_prp(NvmeDrv *d, NvmeCmd *cmd, const NvmeDrvBuf *b)
{
    uint64_t pages[NVME_DRV_MAX_SEGS * 64];
    unsigned n = 0;

    for (unsigned i = 0; i < b->nsegs; i++) {
        uint64_t a = b->addr[i];
        uint64_t end = a + b->seglen[i];

        if (i > 0) {
            g_assert_cmphex(a & (NVME_DRV_PAGE - 1), ==, 0);
        }
        if (i + 1 < b->nsegs) {
            g_assert_cmphex(end & (NVME_DRV_PAGE - 1), ==, 0);
        }
        while (a < end) {
            g_assert_cmpuint(n, <, ARRAY_SIZE(pages));
            pages[n++] = a;
            a = (a & ~(uint64_t)(NVME_DRV_PAGE - 1)) + NVME_DRV_PAGE;
        }
    }
    g_assert_cmpuint(n, >, 0);
    cmd->dptr.prp1 = cpu_to_le64(pages[0]);
    if (n == 1) {
        cmd->dptr.prp2 = 0;
    } else if (n == 2) {
        cmd->dptr.prp2 = cpu_to_le64(pages[1]);
    } else {
        /* A chain of PRP list pages: the last entry links to the next. */
        const unsigned per = NVME_DRV_PAGE / 8;
        unsigned left = n - 1, idx = 1;
        uint64_t list = nvme_drv_alloc(d, NVME_DRV_PAGE);

        cmd->dptr.prp2 = cpu_to_le64(list);
        while (left) {
            unsigned here = left <= per ? left : per - 1;

            for (unsigned j = 0; j < here; j++) {
                put_le64(d, list + 8 * j, pages[idx++]);
            }
            left -= here;
            if (left) {
                uint64_t next = nvme_drv_alloc(d, NVME_DRV_PAGE);

                put_le64(d, list + 8 * (per - 1), next);
                list = next;
            }
        }
    }
}

static void sgl_desc(NvmeSglDescriptor *s, uint64_t addr, uint32_t len,
                     uint8_t type)
{
    memset(s, 0, sizeof(*s));
    s->addr = cpu_to_le64(addr);
    s->len = cpu_to_le32(len);
    s->type = type << 4;
}

/*
 * SGLs: one piece is a Data Block descriptor in the command; more pieces
 * become a chain of segments of at most two data blocks each, linked by
 * Segment descriptors and ended by a Last Segment, so all three
 * descriptor kinds are exercised.
 */
static void map_sgl(NvmeDrv *d, NvmeSglDescriptor *root, const NvmeDrvBuf *b)
{
    const unsigned per = 2;
    unsigned nlists;
    uint64_t lists[NVME_DRV_MAX_SEGS];
    unsigned i;

    if (b->nsegs == 1) {
        sgl_desc(root, b->addr[0], b->seglen[0],
                 NVME_SGL_DESCR_TYPE_DATA_BLOCK);
        return;
    }
    nlists = DIV_ROUND_UP(b->nsegs, per);
    for (i = 0; i < nlists; i++) {
        lists[i] = nvme_drv_alloc(d, (per + 1) * sizeof(NvmeSglDescriptor));
    }
    for (i = 0; i < nlists; i++) {
        NvmeSglDescriptor seg[3];
        unsigned first = i * per;
        unsigned cnt = MIN(per, b->nsegs - first);
        unsigned k;

        for (k = 0; k < cnt; k++) {
            sgl_desc(&seg[k], b->addr[first + k], b->seglen[first + k],
                     NVME_SGL_DESCR_TYPE_DATA_BLOCK);
        }
        if (i + 1 < nlists) {
            unsigned next_cnt = MIN(per, b->nsegs - first - per);
            bool last = i + 2 == nlists;

            sgl_desc(&seg[k++], lists[i + 1],
                     (next_cnt + (last ? 0 : 1)) * sizeof(NvmeSglDescriptor),
                     last ? NVME_SGL_DESCR_TYPE_LAST_SEGMENT :
                     NVME_SGL_DESCR_TYPE_SEGMENT);
        }
        qtest_memwrite(d->qts, lists[i], seg, k * sizeof(seg[0]));
    }
    sgl_desc(root, lists[0],
             (MIN(per, b->nsegs) + (nlists > 1 ? 1 : 0)) *
             sizeof(NvmeSglDescriptor),
             nlists == 1 ? NVME_SGL_DESCR_TYPE_LAST_SEGMENT :
             NVME_SGL_DESCR_TYPE_SEGMENT);
}

void nvme_drv_map(NvmeDrv *d, NvmeCmd *cmd, const NvmeDrvBuf *b,
                  NvmeDrvDptr mode, const NvmeDrvBuf *meta, bool meta_sgl)
{
    uint8_t psdt = NVME_PSDT_PRP;

    if (b) {
        if (mode == NVME_DRV_DPTR_SGL) {
            map_sgl(d, &cmd->dptr.sgl, b);
            psdt = NVME_PSDT_SGL_MPTR_CONTIGUOUS;
        } else {
            map_prp(d, cmd, b);
        }
    }
    if (meta) {
        if (meta_sgl) {
            uint64_t desc = nvme_drv_alloc(d, sizeof(NvmeSglDescriptor));
            NvmeSglDescriptor s;

            map_sgl(d, &s, meta);
            qtest_memwrite(d->qts, desc, &s, sizeof(s));
            cmd->mptr = cpu_to_le64(desc);
            psdt = NVME_PSDT_SGL_MPTR_SGL;
        } else {
            g_assert_cmpuint(meta->nsegs, ==, 1);
            cmd->mptr = cpu_to_le64(meta->addr[0]);
        }
    }
    cmd->flags = (cmd->flags & 0x3f) | (psdt << 6);
}

void nvme_drv_msix_route(NvmeDrv *d, uint16_t vector, uint64_t addr,
                         uint32_t data)
{
    uint64_t off;

    if (!d->dev->msix_enabled) {
        qpci_msix_enable(d->dev);
    }
    g_assert_cmpuint(vector, <, qpci_msix_table_size(d->dev));
    off = d->dev->msix_table_off + (uint64_t)vector * PCI_MSIX_ENTRY_SIZE;
    qpci_io_writel(d->dev, d->dev->msix_table_bar,
                   off + PCI_MSIX_ENTRY_LOWER_ADDR, (uint32_t)addr);
    qpci_io_writel(d->dev, d->dev->msix_table_bar,
                   off + PCI_MSIX_ENTRY_UPPER_ADDR, (uint32_t)(addr >> 32));
    qpci_io_writel(d->dev, d->dev->msix_table_bar,
                   off + PCI_MSIX_ENTRY_DATA, data);
    qpci_io_writel(d->dev, d->dev->msix_table_bar,
                   off + PCI_MSIX_ENTRY_VECTOR_CTRL, 0);
}

NvmeDrvQueue *nvme_drv_ioq(NvmeDrv *d, uint16_t qid)
{
    g_assert_cmpuint(qid, >, 0);
    g_assert_cmpuint(qid, <, NVME_DRV_MAX_QUEUES);
    return &d->io[qid];
}

void nvme_drv_ring_sq(NvmeDrv *d, uint16_t qid, uint32_t tail)
{
    nvme_drv_wr32(d, NVME_DRV_REG_DBS + (2 * qid) * d->db_stride, tail);
}

void nvme_drv_ring_cq(NvmeDrv *d, uint16_t qid, uint32_t head)
{
    nvme_drv_wr32(d, NVME_DRV_REG_DBS + (2 * qid + 1) * d->db_stride, head);
}

uint16_t nvme_drv_submit(NvmeDrv *d, NvmeDrvQueue *q, NvmeCmd *cmd)
{
    uint16_t cid = q->next_cid++;

    if (q->next_cid == 0xffff) {
        q->next_cid = 1;
    }
    cmd->cid = cpu_to_le16(cid);
    qtest_memwrite(d->qts, q->sq_addr + (uint64_t)q->sq_tail * SQE_SIZE,
                   cmd, sizeof(*cmd));
    q->sq_tail = (q->sq_tail + 1) % q->size;
    nvme_drv_ring_sq(d, q->qid, q->sq_tail);
    return cid;
}

bool nvme_drv_reap(NvmeDrv *d, NvmeDrvQueue *q, NvmeCqe *cqe)
{
    uint64_t addr = q->cq_addr + (uint64_t)q->cq_head * CQE_SIZE;
    uint64_t waited = 0;

    for (;;) {
        qtest_memread(d->qts, addr, cqe, sizeof(*cqe));
        if ((le16_to_cpu(cqe->status) & 1) == q->phase) {
            break;
        }
        if (waited >= CMD_TIMEOUT_NS ||
            (nvme_drv_rd32(d, NVME_DRV_REG_CSTS) & NVME_DRV_CSTS_CFS)) {
            return false;
        }
        qtest_clock_step(d->qts, POLL_STEP_NS);
        waited += POLL_STEP_NS;
    }
    q->cq_head++;
    if (q->cq_head == q->size) {
        q->cq_head = 0;
        q->phase = !q->phase;
    }
    nvme_drv_ring_cq(d, q->qid, q->cq_head);
    return true;
}

uint16_t nvme_drv_cqe_status(const NvmeCqe *cqe)
{
    return (le16_to_cpu(cqe->status) >> 1) & 0x7ff;
}

bool nvme_drv_cqe_dnr(const NvmeCqe *cqe)
{
    return le16_to_cpu(cqe->status) & 0x8000;
}

uint16_t nvme_drv_exec(NvmeDrv *d, NvmeDrvQueue *q, NvmeCmd *cmd,
                       NvmeCqe *cqe)
{
    NvmeCqe local;
    uint16_t cid;

    if (!cqe) {
        cqe = &local;
    }
    cid = nvme_drv_submit(d, q, cmd);
    if (!nvme_drv_reap(d, q, cqe)) {
        return nvme_drv_rd32(d, NVME_DRV_REG_CSTS) & NVME_DRV_CSTS_CFS ?
            NVME_DRV_CFS : NVME_DRV_TIMEOUT;
    }
    /* One command in flight: the completion must be for it. */
    g_assert_cmpuint(le16_to_cpu(cqe->cid), ==, cid);
    g_assert_cmpuint(le16_to_cpu(cqe->sq_id), ==, q->qid);
    return nvme_drv_cqe_status(cqe);
}

static uint16_t admin(NvmeDrv *d, NvmeCmd *cmd, uint32_t *result)
{
    NvmeCqe cqe;
    uint16_t st = nvme_drv_exec(d, &d->admin, cmd, &cqe);

    if (result) {
        *result = le32_to_cpu(cqe.result);
    }
    return st;
}

uint16_t nvme_drv_create_cq(NvmeDrv *d, uint16_t qid, uint16_t entries,
                            uint64_t addr, uint16_t flags, uint16_t vector)
{
    NvmeCmd cmd = { .opcode = NVME_ADM_CMD_CREATE_CQ };
    NvmeCreateCq *c = (NvmeCreateCq *)&cmd;

    c->prp1 = cpu_to_le64(addr);
    c->cqid = cpu_to_le16(qid);
    c->qsize = cpu_to_le16(entries - 1);
    c->cq_flags = cpu_to_le16(flags);
    c->irq_vector = cpu_to_le16(vector);
    return admin(d, &cmd, NULL);
}

uint16_t nvme_drv_create_sq(NvmeDrv *d, uint16_t qid, uint16_t entries,
                            uint64_t addr, uint16_t flags, uint16_t cqid)
{
    NvmeCmd cmd = { .opcode = NVME_ADM_CMD_CREATE_SQ };
    NvmeCreateSq *c = (NvmeCreateSq *)&cmd;

    c->prp1 = cpu_to_le64(addr);
    c->sqid = cpu_to_le16(qid);
    c->qsize = cpu_to_le16(entries - 1);
    c->sq_flags = cpu_to_le16(flags);
    c->cqid = cpu_to_le16(cqid);
    return admin(d, &cmd, NULL);
}

static uint16_t delete_q(NvmeDrv *d, uint8_t opcode, uint16_t qid)
{
    NvmeCmd cmd = { .opcode = opcode };
    NvmeDeleteQ *c = (NvmeDeleteQ *)&cmd;

    c->qid = cpu_to_le16(qid);
    return admin(d, &cmd, NULL);
}

uint16_t nvme_drv_delete_sq(NvmeDrv *d, uint16_t qid)
{
    return delete_q(d, NVME_ADM_CMD_DELETE_SQ, qid);
}

uint16_t nvme_drv_delete_cq(NvmeDrv *d, uint16_t qid)
{
    return delete_q(d, NVME_ADM_CMD_DELETE_CQ, qid);
}

static uint16_t create_ioq(NvmeDrv *d, uint16_t qid, uint16_t entries,
                           uint16_t cq_flags, uint16_t vector)
{
    NvmeDrvQueue *q = nvme_drv_ioq(d, qid);
    uint16_t st;

    queue_init(d, q, qid, entries);
    st = nvme_drv_create_cq(d, qid, entries, q->cq_addr, cq_flags, vector);
    if (st) {
        return st;
    }
    st = nvme_drv_create_sq(d, qid, entries, q->sq_addr, NVME_SQ_PC, qid);
    if (st) {
        return st;
    }
    q->live = true;
    return 0;
}

uint16_t nvme_drv_create_ioq(NvmeDrv *d, uint16_t qid, uint16_t entries)
{
    return create_ioq(d, qid, entries, NVME_CQ_PC, 0);
}

uint16_t nvme_drv_create_ioq_irq(NvmeDrv *d, uint16_t qid, uint16_t entries,
                                 uint16_t vector)
{
    return create_ioq(d, qid, entries, NVME_CQ_PC | NVME_CQ_IEN, vector);
}

uint16_t nvme_drv_delete_ioq(NvmeDrv *d, uint16_t qid)
{
    uint16_t st = nvme_drv_delete_sq(d, qid);

    if (st) {
        return st;
    }
    nvme_drv_ioq(d, qid)->live = false;
    return nvme_drv_delete_cq(d, qid);
}

/* Admin data transfers: a fresh page-aligned guest buffer, PRP mapped. */
static uint16_t admin_in(NvmeDrv *d, NvmeCmd *cmd, void *out, size_t len,
                         uint32_t *result)
{
    NvmeDrvBuf b;
    uint16_t st;

    nvme_drv_buf_contig(d, &b, len, 0);
    nvme_drv_buf_fill(d, &b, 0xa5);
    nvme_drv_map(d, cmd, &b, NVME_DRV_DPTR_PRP, NULL, false);
    st = admin(d, cmd, result);
    if (out) {
        nvme_drv_buf_read(d, &b, out);
    }
    return st;
}

uint16_t nvme_drv_identify(NvmeDrv *d, uint8_t cns, uint32_t nsid,
                           uint8_t csi, void *out4k)
{
    NvmeCmd cmd = { .opcode = NVME_ADM_CMD_IDENTIFY };

    cmd.nsid = cpu_to_le32(nsid);
    cmd.cdw10 = cpu_to_le32(cns);
    cmd.cdw11 = cpu_to_le32((uint32_t)csi << 24);
    return admin_in(d, &cmd, out4k, 4096, NULL);
}

uint16_t nvme_drv_get_log(NvmeDrv *d, uint8_t lid, uint32_t nsid,
                          uint64_t offset, void *out, size_t len)
{
    NvmeCmd cmd = { .opcode = NVME_ADM_CMD_GET_LOG_PAGE };
    uint32_t numd = len / 4 - 1;

    g_assert_cmpuint(len % 4, ==, 0);
    cmd.nsid = cpu_to_le32(nsid);
    cmd.cdw10 = cpu_to_le32(lid | ((numd & 0xffff) << 16));
    cmd.cdw11 = cpu_to_le32(numd >> 16);
    cmd.cdw12 = cpu_to_le32((uint32_t)offset);
    cmd.cdw13 = cpu_to_le32((uint32_t)(offset >> 32));
    return admin_in(d, &cmd, out, len, NULL);
}

uint16_t nvme_drv_set_features(NvmeDrv *d, uint8_t fid, uint32_t nsid,
                               uint32_t cdw11, uint32_t *result)
{
    NvmeCmd cmd = { .opcode = NVME_ADM_CMD_SET_FEATURES };

    cmd.nsid = cpu_to_le32(nsid);
    cmd.cdw10 = cpu_to_le32(fid);
    cmd.cdw11 = cpu_to_le32(cdw11);
    return admin(d, &cmd, result);
}

uint16_t nvme_drv_get_features(NvmeDrv *d, uint8_t fid, uint32_t nsid,
                               uint8_t sel, uint32_t cdw11,
                               uint32_t *result)
{
    NvmeCmd cmd = { .opcode = NVME_ADM_CMD_GET_FEATURES };

    cmd.nsid = cpu_to_le32(nsid);
    cmd.cdw10 = cpu_to_le32(fid | ((uint32_t)sel << 8));
    cmd.cdw11 = cpu_to_le32(cdw11);
    return admin(d, &cmd, result);
}

uint16_t nvme_drv_format(NvmeDrv *d, uint32_t nsid, uint8_t lbaf, bool mset,
                         uint8_t pi, bool pil, uint8_t ses)
{
    NvmeCmd cmd = { .opcode = NVME_ADM_CMD_FORMAT_NVM };

    cmd.nsid = cpu_to_le32(nsid);
    cmd.cdw10 = cpu_to_le32((lbaf & 0xf) | ((uint32_t)mset << 4) |
                            ((uint32_t)(pi & 7) << 5) | ((uint32_t)pil << 8) |
                            ((uint32_t)(ses & 7) << 9) |
                            ((uint32_t)(lbaf >> 4) << 12));
    return admin(d, &cmd, NULL);
}

uint16_t nvme_drv_ns_probe(NvmeDrv *d, uint32_t nsid, NvmeDrvNs *ns)
{
    g_autofree NvmeIdNs *id = g_malloc0(sizeof(*id));
    g_autofree NvmeIdNsNvm *nvm = g_malloc0(sizeof(*nvm));
    uint16_t st;

    memset(ns, 0, sizeof(*ns));
    st = nvme_drv_identify(d, NVME_ID_CNS_NS, nsid, 0, id);
    if (st) {
        return st;
    }
    ns->nsid = nsid;
    ns->nsze = le64_to_cpu(id->nsze);
    ns->nlbaf = id->nlbaf;
    ns->flbas_index = NVME_ID_NS_FLBAS_INDEX(id->flbas) |
                      (((id->flbas >> 5) & 0x3) << 4);
    ns->extended = NVME_ID_NS_FLBAS_EXTENDED(id->flbas);
    memcpy(ns->lbaf, id->lbaf, sizeof(ns->lbaf));
    g_assert_cmpuint(ns->flbas_index, <=, ns->nlbaf);
    ns->lbads = 1u << id->lbaf[ns->flbas_index].ds;
    ns->ms = le16_to_cpu(id->lbaf[ns->flbas_index].ms);
    ns->pi_type = NVME_ID_NS_DPS_TYPE(id->dps);
    ns->pi_first = id->dps & NVME_ID_NS_DPS_FIRST_EIGHT;
    /* Without the NVM command set page, only the 16b guard exists. */
    if (nvme_drv_identify(d, NVME_ID_CNS_CS_NS, nsid, NVME_CSI_NVM,
                          nvm) == 0) {
        for (int i = 0; i < NVME_MAX_NLBAF; i++) {
            ns->elbaf[i] = le32_to_cpu(nvm->elbaf[i]);
        }
        ns->pif = NVME_ID_NS_NVM_ELBAF_PIF(ns->elbaf[ns->flbas_index]);
    }
    return 0;
}

int nvme_drv_ns_find_lbaf(const NvmeDrvNs *ns, uint32_t lbads, uint16_t ms,
                          uint8_t pif)
{
    for (int i = 0; i <= ns->nlbaf; i++) {
        if (ns->lbaf[i].ds && (1u << ns->lbaf[i].ds) == lbads &&
            le16_to_cpu(ns->lbaf[i].ms) == ms &&
            NVME_ID_NS_NVM_ELBAF_PIF(ns->elbaf[i]) == pif) {
            return i;
        }
    }
    return -1;
}

static void rw_build(NvmeDrv *d, const NvmeDrvRw *rw, NvmeCmd *cmd)
{
    NvmeRwCmd *c = (NvmeRwCmd *)cmd;

    memset(cmd, 0, sizeof(*cmd));
    cmd->opcode = rw->opcode;

    g_assert_cmpuint(rw->nlb, >=, 1);
    g_assert_cmpuint(rw->nlb, <=, 0x10000);
    c->nsid = cpu_to_le32(rw->nsid);
    c->slba = cpu_to_le64(rw->slba);
    c->nlb = cpu_to_le16(rw->nlb - 1);
    c->control = cpu_to_le16((uint16_t)(rw->prinfo & 0xf) << 10);
    c->reftag = cpu_to_le32((uint32_t)rw->reftag);
    /* 64b guard: EILBRT bits 47:32 live in CDW3 (NVM command set 2.0). */
    c->cdw3 = cpu_to_le32((uint32_t)(rw->reftag >> 32) & 0xffff);
    c->apptag = cpu_to_le16(rw->apptag);
    c->appmask = cpu_to_le16(rw->appmask);
    nvme_drv_map(d, cmd, rw->data, rw->dptr, rw->meta, rw->meta_sgl);
}

uint16_t nvme_drv_rw(NvmeDrv *d, NvmeDrvQueue *q, const NvmeDrvRw *rw,
                     NvmeCqe *cqe)
{
    NvmeCmd cmd;

    rw_build(d, rw, &cmd);
    return nvme_drv_exec(d, q, &cmd, cqe);
}

uint16_t nvme_drv_rw_submit(NvmeDrv *d, NvmeDrvQueue *q, const NvmeDrvRw *rw)
{
    NvmeCmd cmd;

    rw_build(d, rw, &cmd);
    return nvme_drv_submit(d, q, &cmd);
}

bool nvme_drv_cq_pending(NvmeDrv *d, NvmeDrvQueue *q)
{
    NvmeCqe cqe;

    qtest_memread(d->qts, q->cq_addr + (uint64_t)q->cq_head * CQE_SIZE,
                  &cqe, sizeof(cqe));
    return (le16_to_cpu(cqe.status) & 1) == q->phase;
}

uint16_t nvme_drv_flush(NvmeDrv *d, NvmeDrvQueue *q, uint32_t nsid)
{
    NvmeCmd cmd = { .opcode = NVME_CMD_FLUSH };

    cmd.nsid = cpu_to_le32(nsid);
    return nvme_drv_exec(d, q, &cmd, NULL);
}

uint16_t nvme_drv_dsm_deallocate(NvmeDrv *d, NvmeDrvQueue *q, uint32_t nsid,
                                 uint64_t slba, uint32_t nlb)
{
    NvmeCmd cmd = { .opcode = NVME_CMD_DSM };
    NvmeDsmRange r = {
        .nlb = cpu_to_le32(nlb),
        .slba = cpu_to_le64(slba),
    };
    NvmeDrvBuf b;

    nvme_drv_buf_contig(d, &b, sizeof(r), 0);
    nvme_drv_buf_write(d, &b, &r);
    cmd.nsid = cpu_to_le32(nsid);
    cmd.cdw10 = 0;                                  /* NR: one range */
    cmd.cdw11 = cpu_to_le32(NVME_DSMGMT_AD);
    nvme_drv_map(d, &cmd, &b, NVME_DRV_DPTR_PRP, NULL, false);
    return nvme_drv_exec(d, q, &cmd, NULL);
}

bool nvme_drv_qemu_alive(NvmeDrv *d)
{
    QDict *rsp = qtest_qmp(d->qts, "{ 'execute': 'query-status' }");
    bool ok = rsp && qdict_haskey(rsp, "return");

    qobject_unref(rsp);
    return ok;
}
