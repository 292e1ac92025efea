#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""HRDMA across processes: a receiver killed mid-transfer, then restarted;
or its rings corrupted under traffic.

    hrdma_mp_test.py --host PATH [--engine cpu|dmadev] [--skeleton SO]
                     [--case kill|corrupt]

Host 0 receives (core 0), host 1 sends (core 1), each its own process on a
two-host ntb_shm fabric in a fresh directory under /dev/shm. The test checks:
every message the receiver takes is intact and in order; after the receiver
is killed with SIGKILL the sender sees the channel go down, every operation
it had posted completes (with -ENOLINK where it was lost) and nothing hangs;
a restarted receiver brings the channel back with new epochs and traffic
flows again, intact.

--case corrupt: while traffic runs, this script writes random bytes into the
receiver's window file (the rings the sender writes there, and now and then
anywhere in the file) for a few seconds; the register pages are left alone.
Both ends must see the channel go down (the receiver stops on the garbage,
the sender is told), and once the writing stops both must come back by
themselves, with fresh epochs, and carry intact traffic within
RECOVERY_BOUND seconds.

Every wait is bounded; all processes are killed and all files removed
however the test ends.
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

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import ring_garbage  # noqa: E402  (tests/ring_garbage.py)

START_TIMEOUT = 60.0
UP_TIMEOUT = 30.0
RECOVERY_BOUND = 1.0     # s from the last garbage to intact traffic
CORRUPT_SECS = 3.0


class Fail(Exception):
    pass


def kv(line):
    return dict(w.split("=", 1) for w in line.split()[1:] if "=" in w)


class Host:
    def __init__(self, t, hid, role, gen, extra=()):
        self.name = "host%d(%s)" % (hid, role)
        self.prefix = "hmp%d_h%d_%d" % (os.getpid(), hid, gen)
        t.prefixes.append(self.prefix)
        devargs = "ntb_shm0,fabric=%s,host=%d,hosts=2,mw=1,mw_size=4M,dir=%s" % (
            t.fabric, hid, t.parent)
        if t.socket:
            devargs += ",manager=" + t.socket
        args = [t.host_bin, "-l", str(hid % 2), "--no-pci", "--no-huge",
                "-m", "128", "--no-telemetry", "--file-prefix", self.prefix,
                "--log-level", "lib.eal:warning", "--vdev", devargs]
        if t.engine == "dmadev":
            args += ["-d", t.skeleton, "--vdev", "dma_skeleton0"]
        args += ["--", "--role", role, "--engine", t.engine] + list(extra)
        self.q = queue.Queue()
        self.lines = []
        self.stats = {}
        self.states = []     # (arrival time, state name)
        self.flow = []       # (arrival time, messages received)
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
                self.flow.append((time.monotonic(), int(self.stats["msgs"])))
            if line.startswith("STATE "):
                self.states.append((time.monotonic(), line.split()[1]))
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

    def send(self, cmd):
        self.proc.stdin.write(cmd + "\n")
        self.proc.stdin.flush()

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
        self.socket = None
        self.manager = None
        self.manager_bin = args.manager
        if args.manager:
            # Windows granted by a rack manager (ntb_shm manager=): the
            # restarted receiver registers again and hands over new ones.
            self.manager_start()

    def manager_start(self):
        run = os.path.join(self.parent, "run")
        m = subprocess.Popen([self.manager_bin, "serve", "--run-dir", run],
                             stdout=subprocess.PIPE, text=True)
        self.procs.append(m)
        line = m.stdout.readline()      # "ready SOCKET", or EOF on failure
        if not line.startswith("ready "):
            raise Fail("the rack manager did not start: %r" % line)
        self.socket = line.split()[1]
        self.manager = m

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

    def start_pair(self, extra=()):
        """Receiver (host 0) and sender (host 1), up and carrying traffic."""
        rx = Host(self, 0, "rx", 0, extra)
        tx = Host(self, 1, "tx", 0, extra)
        for h in (rx, tx):
            h.wait_for(lambda l: l.startswith("READY"), "READY", START_TIMEOUT)
        up = lambda l: l.startswith("STATE UP")
        tx.wait_for(up, "channel up", UP_TIMEOUT)
        rx.wait_for(up, "channel up", UP_TIMEOUT)
        rx.wait_stat("msgs", 2000, 60)
        rx.wait_stat("notifies", 500, 30)
        print("traffic flows: %s" % rx.stats, flush=True)
        return rx, tx

    @staticmethod
    def finish(tx, rx):
        """Quit both; nothing bad received, every post completed."""
        rc_tx = tx.quit()
        rc_rx = rx.quit()
        print("sender: %s" % tx.stats, flush=True)
        print("receiver: %s" % rx.stats, flush=True)
        if rc_rx != 0 or int(rx.stats.get("bad", 1)) != 0:
            raise Fail("receiver found bad messages or failed (exit %s): %s" %
                       (rc_rx, rx.stats))
        if rc_tx != 0 or int(tx.stats.get("errors", 1)) != 0:
            raise Fail("sender saw errors other than -ENOLINK (exit %s): %s" %
                       (rc_tx, tx.stats))
        if int(tx.stats["posted"]) != int(tx.stats["completed"]):
            raise Fail("sender: completions missing at exit: %s" % tx.stats)

    def run(self):
        rx, tx = self.start_pair()
        up = lambda l: l.startswith("STATE UP")

        if self.manager is not None:
            # The manager dies mid-transfer: traffic goes on; it comes back
            # (state reloaded) and the hosts register again, no reset.
            seen = {h: len(h.lines) for h in (tx, rx)}
            self.manager.kill()
            self.manager.wait(timeout=10)
            base = int(rx.stats["msgs"])
            rx.wait_stat("msgs", base + 2000, 60)
            self.manager_start()
            time.sleep(2)               # the hosts retry once a second
            base = int(rx.stats["msgs"])
            rx.wait_stat("msgs", base + 2000, 60)
            downs = [h.name + ": " + l for h in (tx, rx)
                     for l in h.lines[seen[h]:] if l.startswith("STATE DOWN")]
            if downs:
                raise Fail("the channel went down across the manager's "
                           "restart: %s" % downs)
            print("traffic went on across the manager's kill -9 and restart: %s"
                  % rx.stats, flush=True)

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
        self.finish(tx, rx2)

    def corrupt(self):
        rx, tx = self.start_pair(["--stats-ms", "50"])

        # the receiver's window: host 0's inbound window file; the sender
        # (port 1) owns the second half (one slice per port of a 2-host
        # fabric), rings first
        path = ring_garbage.window_file(self.parent, self.fabric, 0)
        size = os.path.getsize(path)
        t0 = time.monotonic()
        writes, t_stop = ring_garbage.scribble(
            path, size // 2, size // 2 + 96 * 1024, CORRUPT_SECS, os.getpid())
        print("wrote garbage %d times in %.1f s into %s" %
              (writes, CORRUPT_SECS, path), flush=True)

        # both ends went down (the receiver on the garbage, the sender
        # because it was told), during the corruption
        for h, bad_state in ((rx, "ERROR"), (tx, None)):
            downs = [s for (ts, s) in h.states
                     if t0 <= ts and s != "UP" and (bad_state is None or
                                                   s == bad_state)]
            if not downs:
                raise Fail("%s never saw the channel go down while its "
                           "peer's rings were garbage: %s" %
                           (h.name, h.states[-5:]))
        # and come back, carrying traffic, within the bound: the first
        # report, after both ends are UP again, of 100 more messages
        t_flow = None
        deadline = t_stop + RECOVERY_BOUND + 5.0
        while t_flow is None and time.monotonic() < deadline:
            time.sleep(0.05)
            if not (rx.states and tx.states and rx.states[-1][1] == "UP" and
                    tx.states[-1][1] == "UP"):
                continue
            t_up = max(t_stop, rx.states[-1][0], tx.states[-1][0])
            flow = list(rx.flow)
            base = [n for (ts, n) in flow if ts <= t_up]
            base = base[-1] if base else 0
            later = [ts for (ts, n) in flow if ts > t_up and n >= base + 100]
            if later:
                t_flow = later[0]
        took = (t_flow if t_flow is not None else time.monotonic()) - t_stop
        for h in (rx, tx):
            print("%s: states since the garbage: %s" % (h.name, " ".join(
                "%s@%+.3f" % (s, ts - t_stop) for (ts, s) in h.states
                if ts >= t0)), flush=True)
        print("traffic flowing again %.0f ms after the garbage stopped; "
              "receiver: %s; messages received since: %s" % (
                  took * 1000, rx.stats, " ".join(
                      "%d@%+.3f" % (n, ts - t_stop) for (ts, n) in rx.flow
                      if t_stop - 0.2 <= ts <= t_stop + 1.5)), flush=True)
        if t_flow is None or took > RECOVERY_BOUND:
            raise Fail("traffic did not resume within %.1f s of the garbage "
                       "stopping (%.2f s); receiver %s, sender %s" %
                       (RECOVERY_BOUND, took, rx.states[-3:], tx.states[-3:]))
        if int(rx.stats.get("peer_errors", 0)) == 0:
            raise Fail("the receiver counted no peer error: %s" % rx.stats)

        # what arrives from now on is intact
        rx.send("reset")
        rx.wait_for(lambda l: l == "RESET", "RESET", 10)
        m0 = int(rx.stats["msgs"])
        rx.wait_stat("msgs", m0 + 2000, 30)
        self.finish(tx, rx)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", required=True)
    ap.add_argument("--engine", default="cpu", choices=("cpu", "dmadev"))
    ap.add_argument("--skeleton", default="")
    ap.add_argument("--case", default="kill", choices=("kill", "corrupt"))
    ap.add_argument("--manager", default="",
                    help="marlin-fabric: run the hosts with a rack manager")
    args = ap.parse_args()
    if args.engine == "dmadev" and not os.path.exists(args.skeleton):
        print("SKIP: DPDK's dma_skeleton driver not found at '%s'" %
              args.skeleton)
        return 77
    t = None
    try:
        t = Test(args)
        if args.case == "corrupt":
            t.corrupt()
        else:
            t.run()
    except Fail as e:
        print("FAIL: %s" % e, flush=True)
        return 1
    finally:
        if t is not None:
            t.cleanup()
    print("PASS", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
