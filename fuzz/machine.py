"""fuzz/machine.py: the machine every fuzzing configuration runs, shared by
scripts/fuzz-run (the fuzzer) and scripts/fuzz-replay (the corpus replay
in make check), so that both build the same QEMU command line.

Four null-co drives d0..d3: reads give zeros and writes are dropped, so
block I/O completes from the main loop, never from a thread, and an input
does the same thing every time it runs.  1 MiB each: enough for every LBA
the seeds use with 4 KiB blocks, small enough that a Format NVM stays
cheap: it zeroes the whole drive, and null-co has no write-zeroes, so the
block layer writes zeroed buffers; at 16 MiB that zeroing was the largest
single cost of an execution.
"""
import sys

FIRMWARE = "-L /usr/share/qemu -L /usr/share/seabios"
DRIVE_SIZE = 1 << 20
DRIVES = " ".join(
    "-blockdev driver=null-co,node-name=d%d,read-zeroes=on,size=%d" % (i, DRIVE_SIZE)
    for i in range(4))


def read_configs(path):
    """fuzz/configs lines: name | QOM objects | seed options | QEMU args.
    Returns a list of dicts in file order."""
    out = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) != 4:
                sys.exit("%s:%d: want 'name | objects | seed options | qemu args'"
                         % (path, n))
            out.append({"name": parts[0], "objects": parts[1],
                        "seedopts": parts[2], "args": parts[3]})
    return out


def qemu_args(args):
    """The machine for a configuration's QEMU arguments (generic-fuzz and
    the replay add -display none, the qtest accelerator and -m 512M)."""
    return "-machine q35 -nodefaults %s %s %s" % (FIRMWARE, DRIVES, args)
