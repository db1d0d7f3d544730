#!/usr/bin/env python3
"""bench/link-nohooks.py BUILD_DIR OUTDIR: two qemu-system-x86_64 binaries
for bench/hooks-overhead, linked from QEMU's build directory (made by
scripts/qemu-build) without writing anything into it:

  OUTDIR/qemu-hooks     every object as built, io.c.o included: the
                        ordinary device (relinked, so both binaries come
                        out of the same link step)
  OUTDIR/qemu-nohooks   the same objects, but hw/nvme-pi/io.c compiled again
                        with -DNVME_PI_NO_HOOKS: the write path with the
                        DMA-timing hook code compiled out

The compile command is io.c's from compile_commands.json, the link command
is the qemu-system-x86_64 statement of build.ninja (its *_LINKER rule),
with hw/nvme-pi/libnvme-pi.a swapped for an archive in OUTDIR.
"""
import json
import re
import os
import shlex
import subprocess
import sys

LIB = "hw/nvme-pi/libnvme-pi.a"


def ninja_unescape(s):
    return s.replace("$ ", " ").replace("$:", ":").replace("$$", "$")


def link_statement(bd, target="qemu-system-x86_64"):
    """(rule's command template, explicit inputs, {var: value}) of the
    `build TARGET: <x>_LINKER[_RSP] ...` statement: c_LINKER_RSP on QEMU
    10, cpp_LINKER on 7.2."""
    with open(os.path.join(bd, "build.ninja")) as f:
        lines = f.read().split("\n")
    m = None
    for i, line in enumerate(lines):
        m = re.match(rf"build {re.escape(target)}: (\w+_LINKER(?:_RSP)?) ", line)
        if m:
            break
    if not m:
        sys.exit(f"link-nohooks: no link statement of {target} in {bd}/build.ninja")
    rule = m.group(1)
    stmt = line
    while stmt.endswith("$"):  # continued lines
        i += 1
        stmt = stmt[:-1] + lines[i].lstrip()
    rest = stmt[m.end():]
    for sep in (" || ", " | "):
        rest = rest.split(sep)[0]
    inputs = [ninja_unescape(x.replace("\0", " "))
              for x in rest.replace("$ ", "\0").split()]
    vars_ = {}
    for line in lines[i + 1:]:
        if not line.startswith(" "):
            break
        k, _, v = line.strip().partition(" = ")
        vars_[k] = ninja_unescape(v)
    r = lines.index(f"rule {rule}")
    rv = {}
    for line in lines[r + 1:]:
        if not line.startswith(" "):
            break
        k, _, v = line.strip().partition(" = ")
        rv[k] = v
    cmd = rv["command"]
    if "rspfile_content" in rv:  # "cc -m64 @$out.rsp": inline the file
        cmd = cmd.replace("@$out.rsp", rv["rspfile_content"])
    return cmd, inputs, vars_


def main():
    bd, out = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    os.makedirs(out, exist_ok=True)
    cc = json.load(open(os.path.join(bd, "compile_commands.json")))
    ent = next(e for e in cc if e["file"].endswith("hw/nvme-pi/io.c"))
    args = shlex.split(ent["command"])
    keep, skip = [], 0
    for a in args:
        if skip:
            skip -= 1
            continue
        if a in ("-MQ", "-MF", "-o"):
            skip = 1
            continue
        if a == "-MD":
            continue
        keep.append(a)
    nohooks_o = os.path.join(out, "io-nohooks.c.o")
    subprocess.run(keep + ["-DNVME_PI_NO_HOOKS", "-o", nohooks_o],
                   cwd=ent["directory"], check=True)

    members = subprocess.run(["ar", "t", LIB], cwd=bd, check=True,
                             capture_output=True, text=True).stdout.split()
    cmd, inputs, vars_ = link_statement(bd)
    for name, swap in (("hooks", None), ("nohooks", nohooks_o)):
        lib = os.path.join(out, f"libnvme-pi-{name}.a")
        objs = [swap if swap and m.endswith("/io.c.o") else os.path.join(bd, m)
                for m in members]
        if os.path.exists(lib):
            os.unlink(lib)
        subprocess.run(["ar", "rcs", lib] + objs, check=True)
        exe = os.path.join(out, f"qemu-{name}")
        line = (cmd.replace("$ARGS", vars_.get("ARGS", ""))
                .replace("$LINK_ARGS", vars_.get("LINK_ARGS", "").replace(LIB, lib))
                .replace("$out", shlex.quote(exe))
                .replace("$in", " ".join(shlex.quote(x) for x in inputs)))
        rsp = os.path.join(out, f"qemu-{name}.rsp")
        argv = shlex.split(line)
        # A response file keeps the command line short whatever the inputs.
        with open(rsp, "w") as f:
            f.write(" ".join(shlex.quote(a) for a in argv[1:]))
        subprocess.run([argv[0], "@" + rsp], cwd=bd, check=True)
        print(exe)


if __name__ == "__main__":
    main()
