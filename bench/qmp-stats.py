#!/usr/bin/env python3
"""bench/qmp-stats.py SOCKET OUT.json DEVICE-ID... : QMP side of a bench boot.

Connects to QEMU's QMP socket (retrying while QEMU starts), waits for the
guest to shut down (QEMU runs with -action shutdown=pause, so the device
is still there), reads every stat-* QOM property of each nvme-pi DEVICE-ID
(/machine/peripheral/ID), writes {"ID": {"stat-...": N, ...}} to OUT.json
and tells QEMU to quit.  Not a test; a helper of bench/lib.sh.
"""
import json
import socket
import sys
import time


class Qmp:
    def __init__(self, path, timeout=60):
        end = time.monotonic() + timeout
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.s.connect(path)
                break
            except OSError:
                self.s.close()
                if time.monotonic() > end:
                    raise
                time.sleep(0.2)
        self.f = self.s.makefile("rw")
        self.events = []
        json.loads(self.f.readline())  # greeting
        self.cmd("qmp_capabilities")

    def read(self):
        line = self.f.readline()
        if not line:
            raise EOFError("QMP closed")
        return json.loads(line)

    def cmd(self, name, **args):
        self.f.write(json.dumps({"execute": name, "arguments": args}) + "\n")
        self.f.flush()
        while True:
            m = self.read()
            if "event" in m:
                self.events.append(m["event"])
                continue
            if "error" in m:
                raise RuntimeError(f"{name}: {m['error']}")
            return m.get("return")

    def wait_event(self, names):
        while not any(e in names for e in self.events):
            m = self.read()
            if "event" in m:
                self.events.append(m["event"])


def main():
    sock, out, devs = sys.argv[1], sys.argv[2], sys.argv[3:]
    q = Qmp(sock)
    try:
        q.wait_event({"SHUTDOWN", "STOP"})
    except EOFError:
        return 1  # QEMU went away (timeout, crash): no counters
    stats = {}
    for d in devs:
        path = f"/machine/peripheral/{d}"
        props = [p["name"] for p in q.cmd("qom-list", path=path)]
        stats[d] = {p: q.cmd("qom-get", path=path, property=p)
                    for p in sorted(props) if p.startswith("stat-")}
    with open(out, "w") as f:
        json.dump(stats, f, indent=1)
    try:
        q.cmd("quit")
    except (EOFError, OSError):
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
