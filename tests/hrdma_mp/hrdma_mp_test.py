#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""HRDMA across processes: a receiver killed mid-transfer, then restarted.

    hrdma_mp_test.py --host PATH [--engine cpu|dmadev] [--skeleton SO]

Host 0 receives (core 0), host 1 sends (core 1), each its own process on a
two-host ntb_shm fabric in a fresh directory under /dev/shm. The test checks:
every message the receiver takes is intact and in order; after the receiver
is killed with SIGKILL the sender sees the channel go down, every operation
it had posted completes (with -ENOLINK where it was lost) and nothing hangs;
a restarted receiver brings the channel back with new epochs and traffic
flows again, intact. Every wait is bounded; all processes are killed and all
files removed however the test ends.
"""

import argparse
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

START_TIMEOUT = 60.0
UP_TIMEOUT = 30.0


class Fail(Exception):
    pass


def kv(line):
    return dict(w.split("=", 1) for w in line.split()[1:] if "=" in w)


class Host:
    def __init__(self, t, hid, role, gen):
        self.name = "host%d(%s)" % (hid, role)
        self.prefix = "hmp%d_h%d_%d" % (os.getpid(), hid, gen)
        t.prefixes.append(self.prefix)
        devargs = "ntb_shm0,fabric=%s,host=%d,hosts=2,mw=1,mw_size=4M,dir=%s" % (
            t.fabric, hid, t.parent)
        args = [t.host_bin, "-l", str(hid % 2), "--no-pci", "--no-huge",
                "-m", "128", "--no-telemetry", "--file-prefix", self.prefix,
                "--log-level", "lib.eal:warning", "--vdev", devargs]
        if t.engine == "dmadev":
            args += ["-d", t.skeleton, "--vdev", "dma_skeleton0"]
        args += ["--", "--role", role, "--engine", t.engine]
        self.q = queue.Queue()
        self.lines = []
        self.stats = {}
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True,
                                     bufsize=1)
        t.procs.append(self.proc)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            self.lines.append(line)
            if line.startswith("STATS "):
                self.stats = kv(line)
            self.q.put(line)
        self.q.put(None)

    def wait_for(self, pred, what, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.q.get(timeout=0.2)
            except queue.Empty:
                continue
            if line is None:
                raise Fail("%s exited (%s) while waiting for %s" %
                           (self.name, self.proc.poll(), what))
            if line.startswith(("FATAL", "HANG")):
                raise Fail("%s: %s" % (self.name, line))
            if pred(line):
                return line
        raise Fail("%s: no %s within %.0f s" % (self.name, what, timeout))

    def wait_stat(self, key, at_least, timeout):
        return self.wait_for(
            lambda l: l.startswith("STATS ") and int(kv(l)[key]) >= at_least,
            "%s >= %d" % (key, at_least), timeout)

    def quit(self):
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            raise Fail("%s did not exit on quit" % self.name)
        # drain the reader so the final STATS line is in
        time.sleep(0.1)
        return self.proc.returncode


class Test:
    def __init__(self, args):
        self.host_bin = args.host
        self.engine = args.engine
        self.skeleton = args.skeleton
        self.fabric = "hmp%d" % os.getpid()
        self.parent = tempfile.mkdtemp(prefix="marlin-hmp-", dir="/dev/shm")
        self.procs = []
        self.prefixes = []

    def cleanup(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        shutil.rmtree(self.parent, ignore_errors=True)
        for pfx in self.prefixes:
            shutil.rmtree("/var/run/dpdk/" + pfx, ignore_errors=True)

    def run(self):
        rx = Host(self, 0, "rx", 0)
        tx = Host(self, 1, "tx", 0)
        for h in (rx, tx):
            h.wait_for(lambda l: l.startswith("READY"), "READY", START_TIMEOUT)
        up = lambda l: l.startswith("STATE UP")
        tx.wait_for(up, "channel up", UP_TIMEOUT)
        rx.wait_for(up, "channel up", UP_TIMEOUT)
        rx.wait_stat("msgs", 2000, 60)
        rx.wait_stat("notifies", 500, 30)
        print("traffic flows: %s" % rx.stats, flush=True)

        # pull the receiver out mid-transfer
        t0 = time.monotonic()
        rx.proc.send_signal(signal.SIGKILL)
        rx.proc.wait(timeout=10)
        tx.wait_for(lambda l: l.startswith("STATE DOWN"), "channel down", 5)
        print("sender saw the channel down %.0f ms after the kill" %
              ((time.monotonic() - t0) * 1000), flush=True)
        drained = tx.wait_for(lambda l: l.startswith("DRAINED"),
                              "every posted operation completed", 5)
        d = kv(drained)
        if d["posted"] != d["completed"]:
            raise Fail("sender: %s" % drained)
        print("sender: %s" % drained, flush=True)

        # the receiver comes back: new bring-up, traffic again
        rx2 = Host(self, 0, "rx", 1)
        rx2.wait_for(lambda l: l.startswith("READY"), "READY", START_TIMEOUT)
        rx2.wait_for(up, "channel up after restart", UP_TIMEOUT)
        line = tx.wait_for(up, "channel up after restart", UP_TIMEOUT)
        print("sender back up: %s" % line, flush=True)
        rx2.wait_stat("msgs", 2000, 60)
        rx2.wait_stat("notifies", 500, 30)

        rc_tx = tx.quit()
        rc_rx = rx2.quit()
        print("sender: %s" % tx.stats, flush=True)
        print("receiver: %s" % rx2.stats, flush=True)
        if rc_rx != 0 or int(rx2.stats.get("bad", 1)) != 0:
            raise Fail("receiver found bad messages or failed (exit %s): %s" %
                       (rc_rx, rx2.stats))
        if rc_tx != 0 or int(tx.stats.get("errors", 1)) != 0:
            raise Fail("sender saw errors other than -ENOLINK (exit %s): %s" %
                       (rc_tx, tx.stats))
        if int(tx.stats["posted"]) != int(tx.stats["completed"]):
            raise Fail("sender: completions missing at exit: %s" % tx.stats)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", required=True)
    ap.add_argument("--engine", default="cpu", choices=("cpu", "dmadev"))
    ap.add_argument("--skeleton", default="")
    args = ap.parse_args()
    if args.engine == "dmadev" and not os.path.exists(args.skeleton):
        print("SKIP: DPDK's dma_skeleton driver not found at '%s'" %
              args.skeleton)
        return 77
    t = Test(args)
    try:
        t.run()
    except Fail as e:
        print("FAIL: %s" % e, flush=True)
        return 1
    finally:
        t.cleanup()
    print("PASS", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
