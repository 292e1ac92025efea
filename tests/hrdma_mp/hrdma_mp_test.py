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
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from marlin_harness.session import (  # noqa: E402
    Fail, Proc, Session, kv, run, skip)
from marlin_harness import plugins  # noqa: E402

START_TIMEOUT = 60.0
UP_TIMEOUT = 30.0


class Host(Proc):
    """hrdma_mp_host: prints READY, STATE changes, STATS, DRAINED."""

    def __init__(self, t, hid, role, gen):
        self.stats = {}
        args = ([t.host_bin] + t.eal_args(hid % 2, t.prefix("h%d_%d" % (
            hid, gen))) + ["--vdev", t.shm_devargs(hid, 2, ",mw_count=1,mw_size=4M")])
        env = None
        if t.engine == "dmadev":
            dargs, env = plugins.load_args([t.skeleton])
            args += dargs + ["--vdev", "dma_skeleton0"]
        args += ["--", "--role", role, "--engine", t.engine]
        Proc.__init__(self, t, "host%d(%s)" % (hid, role), args, env=env,
                      on_line=self._stats)

    def _stats(self, line):
        if line.startswith("STATS "):
            self.stats = kv(line)

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
        Session.__init__(self, "kill" + args.engine, tag="hmp")
        self.host_bin = args.host
        self.engine = args.engine
        self.skeleton = args.skeleton

    def run_test(self):
        rx = Host(self, 0, "rx", 0)
        tx = Host(self, 1, "tx", 0)
        for h in (rx, tx):
            h.wait_for(r"^READY", "READY", START_TIMEOUT)
        up = r"^STATE UP"
        tx.wait_for(up, "channel up", UP_TIMEOUT)
        rx.wait_for(up, "channel up", UP_TIMEOUT)
        rx.wait_stat("msgs", 2000, 60)
        rx.wait_stat("notifies", 500, 30)
        print("traffic flows: %s" % rx.stats, flush=True)

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
    name = "hrdma_mp_kill_" + args.engine
    if args.engine == "dmadev" and not os.path.exists(args.skeleton):
        return skip(name, "DPDK's dma_skeleton driver not found at '%s'" %
                    args.skeleton)
    t = Test(args)
    return run(name, lambda _t: t.run_test(), t)


if __name__ == "__main__":
    sys.exit(main())
