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
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from marlin_harness.session import (  # noqa: E402
    Fail, Proc, Session, kv, run, skip)
from marlin_harness import garbage, plugins  # noqa: E402

START_TIMEOUT = 60.0
UP_TIMEOUT = 30.0
RECOVERY_BOUND = 1.0     # s from the last garbage to intact traffic
CORRUPT_SECS = 3.0


class Host(Proc):
    """hrdma_mp_host: prints READY, STATE changes, STATS, DRAINED."""

    def __init__(self, t, hid, role, gen, extra=()):
        self.stats = {}
        self.states = []     # (arrival time, state name)
        self.flow = []       # (arrival time, messages received)
        args = ([t.host_bin] + t.eal_args(hid % 2, t.prefix("h%d_%d" % (
            hid, gen))) + ["--vdev", t.shm_devargs(
                hid, 2, ",mw_count=1,mw_size=4M")])
        env = None
        if t.engine == "dmadev":
            dargs, env = plugins.load_args([t.skeleton])
            args += dargs + ["--vdev", "dma_skeleton0"]
        args += ["--", "--role", role, "--engine", t.engine] + list(extra)
        Proc.__init__(self, t, "host%d(%s)" % (hid, role), args, env=env,
                      on_line=self._track)

    def _track(self, line):
        if line.startswith("STATS "):
            self.stats = kv(line)
            self.flow.append((time.monotonic(), int(self.stats["msgs"])))
        if line.startswith("STATE "):
            self.states.append((time.monotonic(), line.split()[1]))

    def wait_for(self, regex, what, timeout):
        """Next line matching @regex; FATAL or HANG first fail the test."""
        return self.next_line(regex, timeout, what, fail=r"^(FATAL|HANG)")

    def wait_stat(self, key, at_least, timeout):
        deadline = time.monotonic() + timeout
        while True:
            line = self.wait_for(r"^STATS ", "%s >= %d" % (key, at_least),
                                 max(deadline - time.monotonic(), 0.01))
            if int(kv(line)[key]) >= at_least:
                return line

    def quit(self):
        try:
            self.send("quit")
        except Fail:
            pass
        return self.wait(20, "exit on quit")


class Test(Session):
    def __init__(self, args):
        Session.__init__(self, args.case + args.engine, tag="hmp")
        self.host_bin = args.host
        self.engine = args.engine
        self.skeleton = args.skeleton
        self.manager_bin = args.manager

    def manager_start(self, tool=None, extra=()):
        return Session.manager_start(self, tool or self.manager_bin, extra)

    def start_pair(self, extra=()):
        """Receiver (host 0) and sender (host 1), up and carrying traffic."""
        rx = Host(self, 0, "rx", 0, extra)
        tx = Host(self, 1, "tx", 0, extra)
        for h in (rx, tx):
            h.wait_for(r"^READY", "READY", START_TIMEOUT)
        up = r"^STATE UP"
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

    def run_test(self):
        rx, tx = self.start_pair()
        up = r"^STATE UP"

        if self.manager is not None:
            # The manager dies mid-transfer: traffic goes on; it comes back
            # (state reloaded) and the hosts register again, no reset.
            seen = {h: h.mark() for h in (tx, rx)}
            self.manager.kill()
            base = int(rx.stats["msgs"])
            rx.wait_stat("msgs", base + 2000, 60)
            self.manager_start()
            time.sleep(2)               # the hosts retry once a second
            base = int(rx.stats["msgs"])
            rx.wait_stat("msgs", base + 2000, 60)
            downs = [h.name + ": " + l for h in (tx, rx)
                     for l in h.lines(seen[h]) if l.startswith("STATE DOWN")]
            if downs:
                raise Fail("the channel went down across the manager's "
                           "restart: %s" % downs)
            print("traffic went on across the manager's kill -9 and restart: %s"
                  % rx.stats, flush=True)

        # pull the receiver out mid-transfer
        t0 = time.monotonic()
        rx.send_signal(signal.SIGKILL)
        rx.wait(10)
        tx.wait_for(r"^STATE DOWN", "channel down", 5)
        print("sender saw the channel down %.0f ms after the kill" %
              ((time.monotonic() - t0) * 1000), flush=True)
        drained = tx.wait_for(r"^DRAINED",
                              "every posted operation completed", 5)
        d = kv(drained)
        if d["posted"] != d["completed"]:
            raise Fail("sender: %s" % drained)
        print("sender: %s" % drained, flush=True)

        # the receiver comes back: new bring-up, traffic again
        rx2 = Host(self, 0, "rx", 1)
        rx2.wait_for(r"^READY", "READY", START_TIMEOUT)
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
        path = garbage.window_file(self.parent, self.fabric, 0)
        size = os.path.getsize(path)
        t0 = time.monotonic()
        writes, t_stop = garbage.scribble(
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
        rx.wait_for(r"^RESET$", "RESET", 10)
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
    name = "hrdma_mp_%s_%s" % (args.case, args.engine)
    if args.engine == "dmadev" and not os.path.exists(args.skeleton):
        return skip(name, "DPDK's dma_skeleton driver not found at '%s'" %
                    args.skeleton)
    if args.manager:
        name += "_manager"
    t = Test(args)

    def body(_t):
        if args.manager:
            # windows granted by a rack manager (ntb_shm manager=): the
            # restarted receiver registers again and hands over new ones
            t.manager_start()
        if args.case == "corrupt":
            t.corrupt()
        else:
            t.run_test()
    return run(name, body, t)


if __name__ == "__main__":
    sys.exit(main())
