#!/usr/bin/python3
"""fuzz/seeds.py: seed inputs for QEMU's generic-fuzz target on an NVMe
controller (nvme-pi, or QEMU's own nvme for the baseline).

This file owns the seeds: byte strings in generic-fuzz's input format that
bring the controller up (AQA/ASQ/ACQ, CC.EN), create I/O queue pairs and
issue every admin and I/O command the device knows, with PRP, PRP-list,
SGL and metadata pointers, so that the fuzzer starts past the register
handshake instead of having to guess it.

generic-fuzz's input format (facts from QEMU's tests/qtest/fuzz/
generic_fuzz.c): operations separated by the 4 bytes "FUZZ"; the first
byte of an operation, modulo 10, is the opcode; the operand bytes are a
C struct copied with memcpy (so with the compiler's padding):
  2 read   {u8 size; u8 region; u32 offset}            size 0..3 = 1,2,4,8 B
  3 write  {u8 size; u8 region; u32 offset; u64 value}
  5 pci-write {u8 size; u8 device; u8 offset; u32 value}
  7 add DMA pattern {u8 index; u8 stride; data...}
  8 clear DMA patterns, 9 clock step (to the next virtual-clock deadline).
"region" indexes the fuzzed device's MMIO ranges in address order (BAR0's
registers are range 0).  The fuzzer has no way to write guest memory
directly: whenever the device reads guest RAM, the bytes are filled from
the DMA patterns, one pattern per read, round robin.  So every command
below is "clear patterns; add the SQE as pattern 0 (and a PRP list or SGL
segment as pattern 1); ring the doorbell": the device's fetch of the SQE
reads pattern 0, its next read (the list or segment) pattern 1.

Usage: seeds.py OUTDIR [--nsids NSID:BS:LBAF/PI[/MSET[/PIL]],...] [--clock]
  --clock  three clock steps after each command instead of one
           (configurations whose DMA hooks or read-complete delays wait
           on virtual-clock timers).
"""
import argparse
import os
import struct
import sys

SEP = b"FUZZ"
OP_READ, OP_WRITE, OP_PCI_WRITE = 2, 3, 5
OP_ADD_PATTERN, OP_CLEAR_PATTERNS, OP_CLOCK_STEP = 7, 8, 9
SZ = {1: 0, 2: 1, 4: 2, 8: 3}

# NVMe registers (BAR0) and doorbells with CAP.DSTRD = 0.
REG_CAP, REG_VS, REG_INTMS, REG_INTMC, REG_CC = 0x0, 0x8, 0xC, 0x10, 0x14
REG_CSTS, REG_AQA, REG_ASQ, REG_ACQ = 0x1C, 0x24, 0x28, 0x30
DB = 0x1000
CC_EN_4K = 0x00460001          # EN, MPS 0 (4 KiB), IOSQES 6, IOCQES 4

# Guest memory used by the seeds (RAM is 512 MiB in generic-fuzz).
ASQ, ACQ, AQ_SIZE = 0x100000, 0x101000, 32
IOSQ, IOCQ, IOQ_SIZE = 0x110000, 0x120000, 16
DATA, LIST, SEG, META, META_SGL = 0x200000, 0x280000, 0x290000, 0x2A0000, 0x2B0000


class Seed:
    """One fuzz input being assembled, with the queue state the seed's
    commands imply (tails, heads, how many completions to consume)."""

    def __init__(self, clock=False):
        self.ops = []
        self.clock = clock
        self.sq_tail = {}
        self.cq_head = {}
        self.cid = 1

    def op(self, opcode, payload=b""):
        self.ops.append(bytes([opcode]) + payload)

    def write(self, off, val, size=4, region=0):
        self.op(OP_WRITE, struct.pack("<BBxxIQ", SZ[size], region, off, val))

    def read(self, off, size=4, region=0):
        self.op(OP_READ, struct.pack("<BBxxI", SZ[size], region, off))

    def pci_write(self, off, val, size=4):
        self.op(OP_PCI_WRITE, struct.pack("<BBBxI", SZ[size], 0, off, val))

    def pattern(self, data, index=0, stride=0):
        self.op(OP_ADD_PATTERN, bytes([index, stride]) + data)

    def clear(self):
        self.op(OP_CLEAR_PATTERNS)

    def step(self, n=1):
        for _ in range(n):
            self.op(OP_CLOCK_STEP)

    def enable(self):
        self.write(REG_CC, 0)
        self.write(REG_AQA, ((AQ_SIZE - 1) << 16) | (AQ_SIZE - 1))
        self.write(REG_ASQ, ASQ, 8)
        self.write(REG_ACQ, ACQ, 8)
        self.write(REG_CC, CC_EN_4K)
        self.read(REG_CSTS)
        self.sq_tail = {0: 0}
        self.cq_head = {0: 0}

    def cmd(self, qid, sqe, aux=None, completes=True, qsize=None):
        """Post one SQE on SQ qid (its CQ has the same id here), with an
        optional second pattern (PRP list, SGL segment, DSM ranges)."""
        size = qsize or (AQ_SIZE if qid == 0 else IOQ_SIZE)
        self.clear()
        self.pattern(sqe)
        if aux is not None:
            self.pattern(*aux)
        self.sq_tail[qid] = (self.sq_tail.get(qid, 0) + 1) % size
        self.write(DB + 8 * qid, self.sq_tail[qid])
        # Long commands (Format NVM, Write Zeroes, DSM, Verify, Compare)
        # run as jobs paced on the hook clock, which under the qtest
        # accelerator moves only when stepped: one step lets a job on
        # these small drives finish.  The DMA hooks' delays need more.
        self.step(3 if self.clock else 1)
        if completes:
            self.cq_head[qid] = (self.cq_head.get(qid, 0) + 1) % size
            self.write(DB + 8 * qid + 4, self.cq_head[qid])

    def next_cid(self):
        self.cid = (self.cid + 1) & 0xFFFF
        return self.cid

    def bytes(self):
        out = SEP.join(self.ops)
        for i, o in enumerate(self.ops):
            assert SEP not in o, "operation %d contains the separator" % i
        return out


def sqe(opc, cid, nsid=0, flags=0, mptr=0, prp1=0, prp2=0,
        c10=0, c11=0, c12=0, c13=0, c14=0, c15=0, c2=0, c3=0):
    return struct.pack("<BBHIIIQQQIIIIII", opc, flags, cid, nsid, c2, c3,
                       mptr, prp1, prp2, c10, c11, c12, c13, c14, c15)


def sgl_desc(addr, length, dtype, sub=0):
    return struct.pack("<QI3xB", addr, length, (dtype << 4) | sub)


def prp_list_pattern(base):
    # 8-byte entries whose address byte 1 grows by 0x10 each: +4 KiB.
    return (struct.pack("<Q", base), 1, 0x10)


def sgl_segment_pattern(base, length):
    # Data block descriptors whose address grows by 0x200 each.
    return (sgl_desc(base, length, 0), 1, 0x02)


# ---------------------------------------------------------------- admin

def admin(s, opc, nsid=0, prp1=0, completes=True, **kw):
    s.cmd(0, sqe(opc, s.next_cid(), nsid=nsid, prp1=prp1, **kw),
          completes=completes)


def create_ioq(s, qid, size=IOQ_SIZE):
    admin(s, 0x05, prp1=IOCQ + (qid << 12), c10=((size - 1) << 16) | qid,
          c11=0x3)
    admin(s, 0x01, prp1=IOSQ + (qid << 12), c10=((size - 1) << 16) | qid,
          c11=(qid << 16) | 0x1)
    s.sq_tail[qid] = 0
    s.cq_head[qid] = 0


def delete_ioq(s, qid):
    admin(s, 0x00, c10=qid)
    admin(s, 0x04, c10=qid)


def seed_admin(nsids, clock):
    s = Seed(clock)
    s.enable()
    buf = DATA
    for cns, nsid in [(0, 1), (1, 0), (2, 0), (3, 1), (5, 1), (6, 0), (7, 0),
                      (0, 0xFFFFFFFF), (0, 99), (0x1F, 0), (8, 0)]:
        admin(s, 0x06, nsid=nsid, prp1=buf, c10=cns)
    for n in nsids[1:]:
        admin(s, 0x06, nsid=n, prp1=buf, c10=0)
        admin(s, 0x06, nsid=n, prp1=buf, c10=3)
    for lid in (0x01, 0x02, 0x03, 0x05, 0xC0, 0x7F):
        admin(s, 0x02, nsid=0xFFFFFFFF, prp1=buf, c10=(0x7F << 16) | lid)
    admin(s, 0x02, prp1=buf, c10=(0x3FF << 16) | (1 << 15) | 0x02, c12=8)
    admin(s, 0x02, prp1=buf, c10=(0x0F << 16) | 0xC0, c12=0x10000)
    for fid in (0x01, 0x02, 0x04, 0x05, 0x06, 0x07, 0x08, 0x0B, 0x0F, 0x7E):
        admin(s, 0x0A, nsid=1, prp1=buf, c10=fid)
        admin(s, 0x0A, nsid=1, prp1=buf, c10=(3 << 8) | fid)
    for fid, val in [(0x01, 0x3), (0x02, 0x1), (0x04, 0x0150), (0x04, 0x100150),
                     (0x05, 0x1), (0x06, 0x1), (0x06, 0x0), (0x07, 0x00030003),
                     (0x08, 0x0105), (0x0B, 0x100), (0x0F, 1000), (0x0F, 0),
                     (0x7E, 1), (0x02, 0x1F)]:
        admin(s, 0x09, nsid=1, prp1=buf, c10=fid, c11=val)
    admin(s, 0x09, prp1=buf, c10=(1 << 31) | 0x06, c11=1)   # SV
    admin(s, 0x18)                                           # keep alive
    admin(s, 0x08, c10=(7 << 16) | 0)                        # abort
    admin(s, 0x08, c10=(3 << 16) | 5)
    create_ioq(s, 1)
    create_ioq(s, 2, size=4)
    # Queue creation errors: qid 0, too large, reused, bad CQ, no PC.
    admin(s, 0x05, prp1=IOCQ, c10=(15 << 16) | 0, c11=1)
    admin(s, 0x05, prp1=IOCQ, c10=(15 << 16) | 300, c11=1)
    admin(s, 0x05, prp1=IOCQ, c10=(0xFFFF << 16) | 5, c11=1)
    admin(s, 0x05, prp1=IOCQ, c10=(15 << 16) | 1, c11=1)
    admin(s, 0x05, prp1=IOCQ + 0x8000, c10=(15 << 16) | 6, c11=0)
    admin(s, 0x05, prp1=IOCQ + 0x8004, c10=(15 << 16) | 6, c11=3 | (99 << 16))
    admin(s, 0x01, prp1=IOSQ, c10=(15 << 16) | 7, c11=(9 << 16) | 1)
    admin(s, 0x01, prp1=IOSQ, c10=(15 << 16) | 7, c11=(0 << 16) | 1)
    admin(s, 0x01, prp1=IOSQ, c10=(15 << 16) | 1, c11=(1 << 16) | 1)
    admin(s, 0x04, c10=1)            # CQ still has an SQ
    delete_ioq(s, 2)
    admin(s, 0x00, c10=0)
    admin(s, 0x00, c10=40)
    admin(s, 0x04, c10=40)
    admin(s, 0x7F)                   # invalid opcode
    admin(s, 0x81)
    admin(s, 0x06, prp1=buf + 3, c10=1)   # misaligned PRP1
    admin(s, 0x06, flags=0x40, prp1=buf, c10=1)   # SGL on admin
    admin(s, 0x0C, completes=False)  # AER stays outstanding
    admin(s, 0x0C, completes=False)
    s.read(REG_CSTS)
    s.write(REG_CC, 0)               # reset with an AER outstanding
    s.read(REG_CSTS)
    return s


def format_cdw10(f):
    lbaf, pi, mset, pil = f
    return lbaf | (mset << 4) | (pi << 5) | (pil << 8)


def restore_format(s, ns):
    """Format every namespace back to its configured format.  A namespace's
    format is media state: it survives the system reset generic-fuzz does
    between inputs, so without this an input that formatted a namespace
    to another format (say, without PI) would change what every later
    input reaches."""
    for n, _, f in ns:
        admin(s, 0x80, nsid=n, c10=format_cdw10(f))


def seed_format(ns, clock):
    s = Seed(clock)
    s.enable()
    restore_format(s, ns)
    lbaf = ns[0][2][0]
    admin(s, 0x80, nsid=0xFFFFFFFF, c10=lbaf)
    admin(s, 0x80, nsid=1, c10=15)                 # no such format
    admin(s, 0x80, nsid=1, c10=0 | (1 << 5))       # PI without metadata
    admin(s, 0x80, nsid=1, c10=lbaf | (1 << 9))    # secure erase
    admin(s, 0x80, nsid=77, c10=lbaf)
    admin(s, 0x06, nsid=1, prp1=DATA, c10=0)
    restore_format(s, ns)
    return s


# ---------------------------------------------------------------- I/O

def io(s, opc, nsid, slba=0, nlb=1, flags=0, mptr=META, prp1=DATA, prp2=0,
       prinfo=0, aux=None, qid=1, c13=0, c14=None, c15=0, c2=0, c3=0,
       extra12=0, completes=True):
    c14 = slba & 0xFFFFFFFF if c14 is None else c14
    s.cmd(qid, sqe(opc, s.next_cid(), nsid=nsid, flags=flags, mptr=mptr,
                   prp1=prp1, prp2=prp2, c10=slba & 0xFFFFFFFF,
                   c11=slba >> 32, c12=((nlb - 1) & 0xFFFF) | (prinfo << 26) |
                   extra12, c13=c13, c14=c14, c15=c15, c2=c2, c3=c3),
          aux=aux, completes=completes)


PRACT, PRCHK_ALL = 0x8, 0x7


# Every LBA below stays under 256: the fuzzing drives are 1 MiB
# (fuzz/machine.py), 256 blocks of 4 KiB.
def seed_io(n, bs, fmt, clock, tail):
    """Reads, writes and every other I/O command on namespace n (block
    size bs, configured format fmt), with each kind of data pointer; tail
    adds the commands to namespaces that do not exist and doorbell
    misuse."""
    s = Seed(clock)
    s.enable()
    restore_format(s, [(n, bs, fmt)])
    create_ioq(s, 1)
    per_page = max(1, 4096 // bs)
    if True:
        # PRACT: the controller inserts / strips and checks PI.
        io(s, 0x01, n, slba=0, nlb=1, prinfo=PRACT | PRCHK_ALL)
        io(s, 0x02, n, slba=0, nlb=1, prinfo=PRACT | PRCHK_ALL)
        # PRP1 with an offset spilling into PRP2, metadata pointer.
        io(s, 0x01, n, slba=8, nlb=per_page, prp1=DATA + 0x200,
           prp2=DATA + 0x1000, prinfo=PRACT | PRCHK_ALL)
        io(s, 0x02, n, slba=8, nlb=per_page, prp1=DATA + 0x200,
           prp2=DATA + 0x1000, prinfo=PRCHK_ALL)
        # A PRP list (pattern 1), with and without PI checks.
        io(s, 0x01, n, slba=64, nlb=4 * per_page, prp2=LIST,
           aux=prp_list_pattern(DATA + 0x1000), prinfo=PRACT | PRCHK_ALL)
        io(s, 0x02, n, slba=64, nlb=4 * per_page, prp2=LIST,
           aux=prp_list_pattern(DATA + 0x1000), prinfo=PRCHK_ALL)
        io(s, 0x01, n, slba=128, nlb=3 * per_page, prp2=LIST + 0xFF8,
           aux=prp_list_pattern(DATA + 0x3000))      # list crosses a page
        io(s, 0x02, n, slba=128, nlb=3 * per_page, prp2=LIST + 0xFF8,
           aux=prp_list_pattern(DATA + 0x3000), prinfo=0x1)
        # Host-supplied PI, unchecked then checked: the guard mismatches.
        io(s, 0x01, n, slba=150, nlb=2, prinfo=0)
        io(s, 0x02, n, slba=150, nlb=2, prinfo=PRCHK_ALL)
        io(s, 0x01, n, slba=160, nlb=2, prinfo=0x4)
        io(s, 0x01, n, slba=170, nlb=2, prinfo=0x1, c15=0xFFFF0000)
        io(s, 0x02, n, slba=180, nlb=2, prinfo=PRCHK_ALL)   # never written
        # FUA, limited retry, 64-bit guard storage/reference tag dwords.
        io(s, 0x01, n, slba=16, nlb=1, prinfo=PRACT | PRCHK_ALL,
           extra12=(1 << 30) | (1 << 31), c2=0x10, c3=0x1)
        # SGL: one data block in the SQE, then a last segment of blocks,
        # a bit bucket on read, an SGL metadata pointer.
        io(s, 0x01, n, slba=32, nlb=2, flags=0x40,
           prp1=DATA, prp2=(2 * bs) | (0x00 << 56), prinfo=PRACT | PRCHK_ALL)
        sq = sqe(0x01, s.next_cid(), nsid=n, flags=0x40, mptr=META,
                 c10=40, c12=3 | ((PRACT | PRCHK_ALL) << 26), c14=40)
        sq = sq[:24] + sgl_desc(SEG, 4 * 16, 3) + sq[40:]
        s.cmd(1, sq, aux=sgl_segment_pattern(DATA, bs))
        sq = sqe(0x02, s.next_cid(), nsid=n, flags=0x40, mptr=META,
                 c10=40, c12=3 | (PRCHK_ALL << 26), c14=40)
        sq = sq[:24] + sgl_desc(SEG, 4 * 16, 3) + sq[40:]
        s.cmd(1, sq, aux=(sgl_desc(DATA, bs, 1), 1, 0x02))
        sq = sqe(0x02, s.next_cid(), nsid=n, flags=0x80, mptr=META_SGL,
                 c10=40, c12=1 | (PRCHK_ALL << 26), c14=40)
        sq = sq[:24] + sgl_desc(DATA, 2 * bs, 0) + sq[40:]
        s.cmd(1, sq, aux=(sgl_desc(META, 64, 0), 0, 0))
        sq = sqe(0x01, s.next_cid(), nsid=n, flags=0x40, mptr=META,
                 c10=48, c12=7)
        sq = sq[:24] + sgl_desc(SEG, 2 * 16, 2) + sq[40:]   # segment chain
        s.cmd(1, sq, aux=(sgl_desc(SEG + 0x100, 32, 2), 0, 0))
        sq = sqe(0x01, s.next_cid(), nsid=n, flags=0x40, c10=48, c12=0)
        sq = sq[:24] + sgl_desc(DATA, bs, 0, 1) + sq[40:]   # bad subtype
        s.cmd(1, sq)
        # The other commands.
        io(s, 0x05, n, slba=0, nlb=1, prinfo=PRACT | PRCHK_ALL)   # compare
        io(s, 0x05, n, slba=150, nlb=2, prinfo=0)
        io(s, 0x08, n, slba=200, nlb=16, prinfo=PRACT)            # write zeroes
        io(s, 0x08, n, slba=220, nlb=16, extra12=1 << 25)         # deallocate
        io(s, 0x0C, n, slba=0, nlb=8, prinfo=PRCHK_ALL)           # verify
        io(s, 0x0C, n, slba=200, nlb=16, prinfo=PRACT | PRCHK_ALL)
        dsm = struct.pack("<IIQ", 0, 8, 240)
        s.cmd(1, sqe(0x09, s.next_cid(), nsid=n, prp1=DATA, c10=3, c11=0x4),
              aux=(dsm, 8, 0x08))
        s.cmd(1, sqe(0x09, s.next_cid(), nsid=n, prp1=DATA, c10=0, c11=0x1))
        io(s, 0x00, n)                                            # flush
        # Errors: out of range, too long for MDTS, reserved PRINFO.
        io(s, 0x01, n, slba=(1 << 40), nlb=1)
        io(s, 0x02, n, slba=0, nlb=0x10000, prp2=LIST,
           aux=prp_list_pattern(DATA))
        io(s, 0x02, n, slba=0, nlb=1, prp1=DATA + 2)
        io(s, 0x02, n, slba=0, nlb=2 * per_page, prp1=DATA,
           prp2=DATA + 0x10)
        io(s, 0x01, n, slba=0, nlb=5 * per_page, prp2=LIST + 4,
           aux=prp_list_pattern(DATA))
        io(s, 0x01, n, slba=0, nlb=5 * per_page, prp2=LIST,
           aux=(struct.pack("<Q", DATA + 0x10), 0, 0))
    if not tail:
        return s
    io(s, 0x00, 0xFFFFFFFF)
    io(s, 0x02, 0, slba=0, nlb=1)
    io(s, 0x02, 77, slba=0, nlb=1)
    io(s, 0x7E, 1)
    io(s, 0x81, 1)
    # Doorbell misuse: SQ tail past the queue, CQ head not yet produced.
    s.write(DB + 8, 200)
    s.write(DB + 12, 9)
    s.write(DB + 8 * 40, 1)
    s.write(DB + 8 * 3 + 4, 1)
    s.read(REG_CSTS)
    return s


def seed_regs(clock):
    """Register-level behaviour: every register, bad accesses, bad
    configurations at CC.EN, shutdown, interrupt masks, MSI-X, PCI."""
    s = Seed(clock)
    for off, size in [(REG_CAP, 8), (REG_CAP, 4), (REG_VS, 4), (REG_INTMS, 4),
                      (REG_INTMC, 4), (REG_CC, 4), (REG_CSTS, 4), (REG_AQA, 4),
                      (REG_ASQ, 8), (REG_ACQ, 8), (0x3, 4), (0x40, 4),
                      (0x30, 8), (0x34, 4), (DB, 4), (0x1F00, 4), (0x1, 1)]:
        s.read(off, size)
    s.write(REG_CAP, 0xFFFF, 4)
    s.write(REG_VS, 0xFFFF, 4)
    s.write(0x2, 0x1, 2)
    s.write(REG_INTMS, 0x1)
    s.write(REG_INTMC, 0x1)
    s.write(REG_ASQ, ASQ)
    s.write(REG_ASQ + 4, 0)
    s.write(REG_ACQ, ACQ)
    s.write(REG_ACQ + 4, 0)
    for cc in (0x00460001 | (5 << 7), 0x00460001 | (1 << 4),
               0x00460001 | (1 << 11)):
        s.write(REG_CC, cc)
        s.read(REG_CSTS)
        s.write(REG_CC, 0)
    s.write(REG_AQA, 0)
    s.write(REG_CC, CC_EN_4K)        # AQA too small
    s.write(REG_CC, 0)
    s.write(REG_AQA, 0x000F000F)
    s.write(REG_ASQ, 0, 8)
    s.write(REG_CC, CC_EN_4K)        # ASQ unset
    s.write(REG_CC, 0)
    s.enable()
    s.write(REG_CC, CC_EN_4K | (1 << 14))    # normal shutdown
    s.read(REG_CSTS)
    s.write(REG_CC, CC_EN_4K | (2 << 14))
    s.write(REG_CC, CC_EN_4K)
    s.write(DB, 1)
    s.write(DB, 5, 2)
    s.write(DB + 2, 5, 2)
    s.write(DB + 4, 33)
    s.write(0x1FFC, 1)
    s.write(REG_INTMS, 0xFFFFFFFF)
    s.write(REG_INTMC, 0xFFFFFFFF)
    # MSI-X: enable in config space, then touch the table (region 1).
    s.pci_write(0x04, 0x0406)
    s.write(0x0, 0xFEE00000, 4, region=1)
    s.write(0xC, 0x0, 4, region=1)
    s.read(0x0, 4, region=2)
    s.write(REG_CC, 0)
    return s


def parse_nsids(text):
    """NSID:BLOCKSIZE:LBAF/PI[/MSET[/PIL]],... -> [(nsid, bs, (lbaf, pi,
    mset, pil))]: each namespace with the format its device properties
    give it, to which the seeds format it back."""
    out = []
    for x in text.split(","):
        w = x.split(":")
        if len(w) != 3:
            raise SystemExit("seeds.py: namespace '%s': want NSID:BLOCKSIZE:"
                             "LBAF/PI[/MSET[/PIL]]" % x)
        f = [int(v) for v in w[2].split("/")] + [0, 0]
        out.append((int(w[0]), int(w[1]), tuple(f[:4])))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--nsids", default="1:512:1/1",
                    help="namespaces as NSID:BLOCKSIZE:LBAF/PI[/MSET[/PIL]],...")
    ap.add_argument("--clock", action="store_true")
    a = ap.parse_args()
    ns = parse_nsids(a.nsids)
    nsids = [n for n, _, _ in ns]
    seeds = {
        "seed-regs": seed_regs(a.clock),
        "seed-admin": seed_admin(nsids, a.clock),
        "seed-format": seed_format(ns, a.clock),
    }
    for i, (n, bs, f) in enumerate(ns):
        seeds["seed-io-n%d" % n] = seed_io(n, bs, f, a.clock, i == 0)
    os.makedirs(a.outdir, exist_ok=True)
    for name, s in seeds.items():
        with open(os.path.join(a.outdir, name), "wb") as f:
            f.write(s.bytes())
    return 0


if __name__ == "__main__":
    sys.exit(main())
