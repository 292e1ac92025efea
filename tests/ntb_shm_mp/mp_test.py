#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""Multi-process tests of the NTB class over the software NTB (ntb_shm).

Each host is a real process (mp_host) with its own EAL file prefix, pinned
to core 0 or 1 in turn, on a fabric of its own under a fresh directory in
/dev/shm. The harness talks to the hosts over stdin/stdout (see mp_host.c).

    mp_test.py --host PATH [--fabric-tool PATH] TEST
    mp_test.py --skip REASON TEST        (exits 77: the test cannot run)

TEST is one of: two_hosts, four_hosts, kill, cut (mp_host), pingpong
(the example program) and demo (scripts/demo.sh).
Every wait is bounded; whatever happens, all host processes are killed and
the fabric and EAL runtime directories are removed before exit.
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from marlin_harness.session import (  # noqa: E402
    CmdHost, Fail, Proc, Session, kv, log, skip)
from marlin_harness.session import main as harness_main  # noqa: E402
from marlin_harness.stats import median  # noqa: E402

CMD_TIMEOUT = 20.0
LINK_TIMEOUT_MS = 10000
# ntb_shm promises that a dead or cut peer is seen down within 100 ms by a
# host that polls at least every 10 ms (mp_host polls every 1 ms).
DOWN_LIMIT_MS = 100.0


class Host(CmdHost):
    """One mp_host process, host @hid of the test's fabric, on core hid % 2."""

    def __init__(self, t, hid, restart=0):
        self.hid = hid
        prefix = t.prefix("h%d_%d" % (hid, restart))
        args = ([t.host_bin] + t.eal_args(hid % 2, prefix) +
                ["--vdev", t.shm_devargs(hid, t.hosts)])
        CmdHost.__init__(self, t, "host%d" % hid, args, merge=False)
        self.port = None

    def wait_ready(self):
        self.port = int(CmdHost.wait_ready(self)["port"])
        if self.port != self.hid:
            raise Fail("%s: port number %d, expected the host id %d" %
                       (self.name, self.port, self.hid))

    def try_cmd(self, line, timeout=CMD_TIMEOUT):
        """Send a command; return (ok, answer line)."""
        ok, _, ans = self.ask(line, timeout)
        return ok, ans

    def wait_down(self, peer, ms):
        """Start watching the link with peer; return once polling."""
        self.send("wait_down %d %d" % (peer, ms))
        self.expect(("WATCHING",), CMD_TIMEOUT)


def seed(a, b, r=0):
    return 0x5eed0000 + (r << 12) + (a << 6) + b


class Test(Session):
    """State of one test: its fabric, directory and processes."""

    def __init__(self, name, hosts, args):
        Session.__init__(self, name, tag="mp")
        self.hosts = hosts
        self.host_bin = args.host
        self.fabric_tool = args.fabric_tool
        self.pingpong_bin = getattr(args, "pingpong", None)
        self.all = []

    def start(self, hid, restart=0):
        h = Host(self, hid, restart)
        self.all.append(h)
        return h

    def ctl(self, *words):
        """Cut or restore a link through the driver API (mp_host --ctl)."""
        return self.run([self.host_bin, "--ctl"] + list(words)).strip()


def bring_up(hosts):
    """Enable every host, then wait until each sees all its peers."""
    for h in hosts:
        h.wait_ready()
    for h in hosts:
        h.cmd("enable")
    epochs = {}
    for h in hosts:
        for p in hosts:
            if p is h:
                continue
            r = h.cmd("wait_up %d %d" % (p.hid, LINK_TIMEOUT_MS),
                      timeout=LINK_TIMEOUT_MS / 1000 + CMD_TIMEOUT)
            if int(r["epoch"], 16) == 0:
                raise Fail("%s: link with host%d up but peer epoch 0" %
                           (h.name, p.hid))
            epochs[(h.hid, p.hid)] = r["epoch"]
    # Everyone sees one epoch per host.
    for p in hosts:
        seen = {epochs[(h.hid, p.hid)] for h in hosts if h is not p}
        if len(seen) != 1:
            raise Fail("hosts disagree on host%d's epoch: %s" % (p.hid, seen))
    return epochs


def check_info(h, n):
    r = h.cmd("info")
    want = ",".join(str(i) for i in range(n) if i != h.hid)
    if int(r["peers"]) != n - 1 or r["ports"] != want:
        raise Fail("%s: peers=%s ports=%s, expected %d peers, ports %s" %
                   (h.name, r["peers"], r["ports"], n - 1, want))
    if int(r["mw"]) < 1 or int(r["peer_mw"]) < 1:
        raise Fail("%s: no memory windows (%s)" % (h.name, r))
    return r


def exchange(src, dst, r=0, spads=0):
    """Window write, doorbell and scratchpads from src to dst, verified."""
    s = seed(src.hid, dst.hid, r)
    src.cmd("write %d %d" % (dst.hid, s))
    dst.cmd("verify %d %d" % (src.hid, s))
    bit = 1 << src.hid
    src.cmd("db %d %d" % (dst.hid, bit))
    dst.cmd("db_wait %d 5000" % bit)
    if spads > 0:
        vals = [(0xa5000000 | (r << 16) | (src.hid << 8) | dst.hid) ^ i
                for i in (0, spads - 1)]
        for sidx, v in zip((0, spads - 1), vals):
            src.cmd("spad_w %d %d %d" % (dst.hid, sidx, v))
        for sidx, v in zip((0, spads - 1), vals):
            got = int(dst.cmd("spad_r %d %d" % (src.hid, sidx))["val"], 16)
            if got != v:
                raise Fail("%s: scratchpad %d of host%d's bank reads 0x%x, "
                           "host%d wrote 0x%x" %
                           (dst.name, sidx, src.hid, got, src.hid, v))


def test_two_hosts(t):
    h = [t.start(0), t.start(1)]
    bring_up(h)
    info = check_info(h[0], 2)
    check_info(h[1], 2)
    spads = int(info["spads"])
    # Nothing rang yet: a doorbell must not appear on its own.
    for x in h:
        bits = int(x.cmd("db_read")["bits"], 16)
        if bits:
            raise Fail("%s: doorbell bits 0x%x pending before any ring" %
                       (x.name, bits))
    exchange(h[0], h[1], spads=spads)
    exchange(h[1], h[0], spads=spads)
    # A second pattern replaces the first, in both directions.
    exchange(h[0], h[1], r=1)
    exchange(h[1], h[0], r=1)
    # link_disable on one side takes the link down on both; enabling it
    # again brings it back with the same epochs (nobody restarted).
    e01 = h[0].cmd("link 1")["epoch"]
    h[0].cmd("disable")
    for a, b in ((h[0], 1), (h[1], 0)):
        a.wait_down(b, 2000)
        a.result("waiting for the link to go down after link_disable")
    h[0].cmd("enable")
    for a, b in ((h[0], 1), (h[1], 0)):
        a.cmd("wait_up %d %d" % (b, LINK_TIMEOUT_MS),
              timeout=LINK_TIMEOUT_MS / 1000 + CMD_TIMEOUT)
    if h[0].cmd("link 1")["epoch"] != e01:
        raise Fail("host1's epoch changed across host0's link_disable")
    exchange(h[0], h[1], r=2)
    exchange(h[1], h[0], r=2)
    # Cleared doorbells stay cleared.
    for x in h:
        bits = int(x.cmd("db_read")["bits"], 16)
        if bits:
            raise Fail("%s: doorbell bits 0x%x still set after db_clear" %
                       (x.name, bits))
    for x in h:
        x.quit()
    log("two hosts: windows, doorbells and %d scratchpads both ways" % spads)


def test_four_hosts(t):
    n = 4
    h = [t.start(i) for i in range(n)]
    bring_up(h)
    spads = int(check_info(h[0], n)["spads"])
    for x in h[1:]:
        check_info(x, n)
    pairs = [(a, b) for a in h for b in h if a is not b]
    # All writes first, then all checks: a slice that overlaps another
    # host's slice would be overwritten and caught here.
    for a, b in pairs:
        a.cmd("write %d %d" % (b.hid, seed(a.hid, b.hid)))
    for a, b in pairs:
        b.cmd("verify %d %d" % (a.hid, seed(a.hid, b.hid)))
    # Doorbells: each sender rings its own bit; every host waits for the
    # bits of all three peers.
    for a, b in pairs:
        a.cmd("db %d %d" % (b.hid, 1 << a.hid))
    for b in h:
        want = sum(1 << a.hid for a in h if a is not b)
        got = int(b.cmd("db_wait %d 5000" % want)["bits"], 16)
        if got != want:
            raise Fail("%s: doorbell bits 0x%x, expected exactly 0x%x" %
                       (b.name, got, want))
    # Scratchpads: one bank per peer, so no pair disturbs another.
    if spads > 0:
        for a, b in pairs:
            a.cmd("spad_w %d 0 %d" % (b.hid, 0xb0000000 | a.hid << 8 | b.hid))
        for a, b in pairs:
            got = int(b.cmd("spad_r %d 0" % a.hid)["val"], 16)
            want = 0xb0000000 | a.hid << 8 | b.hid
            if got != want:
                raise Fail("%s: scratchpad 0 of host%d's bank reads 0x%x, "
                           "expected 0x%x" % (b.name, a.hid, got, want))
    # One host leaves: only its links go down.
    h[3].cmd("disable")
    for x in h[:3]:
        x.wait_down(3, 2000)
        x.result("waiting for host3's link to go down")
        for y in h[:3]:
            if y is not x and x.cmd("link %d" % y.hid)["up"] != "1":
                raise Fail("%s: link with host%d went down when host3 "
                           "disabled its link" % (x.name, y.hid))
    for x in h:
        x.quit()
    log("four hosts: %d directed pairs exchanged windows, doorbells, "
        "scratchpads" % len(pairs))


def test_kill(t):
    h0 = t.start(0)
    h1 = t.start(1)
    epochs = bring_up([h0, h1])
    spads = int(check_info(h0, 2)["spads"])
    exchange(h0, h1, spads=spads)
    exchange(h1, h0, spads=spads)
    seen_epochs = [epochs[(0, 1)]]
    delays = []
    # Three kill/restart rounds. The detection delay is taken from the
    # harness's kill() to the survivor's CLOCK_MONOTONIC stamp of the poll
    # that saw the link down; on a loaded 2-core machine one round can be
    # delayed by scheduling alone, so the limit applies to the median.
    for r in range(1, 4):
        h0.wait_down(1, 3000)
        t_kill = time.monotonic_ns()
        os.kill(h1.proc.pid, signal.SIGKILL)
        line = h0.expect(("OK", "ERR"), CMD_TIMEOUT)
        if line.startswith("ERR"):
            raise Fail("round %d: host0 never saw the link go down after "
                       "SIGKILL of host1: %s" % (r, line))
        res = kv(line)
        if res["up"] != "0":
            raise Fail("round %d: host0 answered %s" % (r, line))
        ms = (int(res["t_ns"]) - t_kill) / 1e6
        delays.append(ms)
        log("round %d: host0 saw host1 down %.1f ms after SIGKILL" % (r, ms))
        h1.kill()
        # Down means down: our stores towards the dead host go nowhere
        # and doorbells are refused or dropped; nothing may crash.
        dead_seed = seed(0, 1, 50 + r)
        h0.cmd("write 1 %d" % dead_seed)
        h0.try_cmd("db 1 1")
        h1 = t.start(1, restart=r)
        h1.wait_ready()
        h1.cmd("enable")
        e = h0.cmd("wait_up 1 %d" % LINK_TIMEOUT_MS,
                   timeout=LINK_TIMEOUT_MS / 1000 + CMD_TIMEOUT)["epoch"]
        h1.cmd("wait_up 0 %d" % LINK_TIMEOUT_MS,
               timeout=LINK_TIMEOUT_MS / 1000 + CMD_TIMEOUT)
        if e in seen_epochs:
            raise Fail("round %d: restarted host1 has epoch %s, seen before "
                       "(%s)" % (r, e, seen_epochs))
        seen_epochs.append(e)
        # The new incarnation starts clean: no stale doorbells from the
        # ring above, and data flows both ways again.
        bits = int(h1.cmd("db_read")["bits"], 16)
        if bits:
            raise Fail("round %d: restarted host1 has doorbell bits 0x%x "
                       "before anyone rang" % (r, bits))
        h1.cmd("absent 0 %d" % dead_seed)
        # What the previous incarnation left in its scratchpad bank on
        # host0 must not pass for a value of the new one.
        if spads > 0:
            old = 0xa5000000 | ((r - 1) << 16) | (1 << 8) | 0
            got = int(h0.cmd("spad_r 1 0")["val"], 16)
            if got == old:
                raise Fail("round %d: host0 still reads the dead host1's "
                           "scratchpad value 0x%x after the restart" %
                           (r, got))
        exchange(h0, h1, r=r, spads=spads)
        exchange(h1, h0, r=r, spads=spads)
    med = median(delays)
    log("link-down detection after SIGKILL: %s ms, median %.1f ms "
        "(limit %.0f ms); epochs %s" %
        (", ".join("%.1f" % d for d in delays), med, DOWN_LIMIT_MS,
         " -> ".join(seen_epochs)))
    if med > DOWN_LIMIT_MS:
        raise Fail("median detection delay %.1f ms > %.0f ms" %
                   (med, DOWN_LIMIT_MS))
    h0.quit()
    h1.quit()


def cut_round(t, h0, h1, how, r, spads):
    """Cut the link 0-1 (how: 'api' or 'tool'), check, restore, check."""
    def run(op):
        if how == "api":
            t.ctl(op, t.fabric, t.parent, 0, 1)
        else:
            t.run([t.fabric_tool, "--dir", t.parent, t.fabric, op, "0", "1"])

    before = h0.cmd("link 1")
    if before["up"] != "1":
        raise Fail("[%s] link not up before the cut" % how)
    s_old = seed(0, 1, r)
    h0.cmd("write 1 %d" % s_old)
    h1.cmd("verify 0 %d" % s_old)
    if spads > 0:
        h0.cmd("spad_w 1 0 %d" % 0x11110000)

    t_cut = time.monotonic_ns()
    run("cut")
    down = []
    for a, b in ((h0, 1), (h1, 0)):
        a.wait_down(b, 2000)
        res = a.result("waiting for the link to go down after the cut")
        down.append((int(res["t_ns"]) - t_cut) / 1e6)
    log("[%s] cut: host0 down after %.1f ms, host1 after %.1f ms" %
        (how, down[0], down[1]))
    if h0.cmd("link 1")["up"] != "0" or h1.cmd("link 0")["up"] != "0":
        raise Fail("[%s] link came back up while cut" % how)

    # Stores while cut: the mapping stays valid, the data must not land.
    s_cut = seed(0, 1, r + 100)
    h0.cmd("write 1 %d" % s_cut)
    h1.cmd("absent 0 %d" % s_cut)
    h1.cmd("verify 0 %d" % s_old)
    h0.try_cmd("db 1 %d" % (1 << 7))
    if spads > 0:
        h0.try_cmd("spad_w 1 0 %d" % 0x22220000)
    time.sleep(0.05)
    bits = int(h1.cmd("db_read")["bits"], 16)
    if bits & (1 << 7):
        raise Fail("[%s] doorbell rung during the cut reached host1" % how)

    t_restore = time.monotonic_ns()
    run("restore")
    for a, b in ((h0, 1), (h1, 0)):
        r_up = a.cmd("wait_up %d %d" % (b, LINK_TIMEOUT_MS),
                     timeout=LINK_TIMEOUT_MS / 1000 + CMD_TIMEOUT)
        if a is h0 and r_up["epoch"] != before["epoch"]:
            raise Fail("[%s] peer epoch changed across a cut (%s -> %s): "
                       "the peer did not restart" %
                       (how, before["epoch"], r_up["epoch"]))
    log("[%s] restored: both up again %.1f ms after restore" %
        (how, (time.monotonic_ns() - t_restore) / 1e6))

    # Nothing sent during the cut shows up afterwards either.
    h1.cmd("absent 0 %d" % s_cut)
    h1.cmd("verify 0 %d" % s_old)
    bits = int(h1.cmd("db_read")["bits"], 16)
    if bits & (1 << 7):
        raise Fail("[%s] doorbell rung during the cut arrived after restore"
                   % how)
    if spads > 0:
        got = int(h1.cmd("spad_r 0 0")["val"], 16)
        if got == 0x22220000:
            raise Fail("[%s] scratchpad written during the cut landed" % how)
    exchange(h0, h1, r=r + 1, spads=spads)
    exchange(h1, h0, r=r + 1, spads=spads)


def cut_restart(t, h0, h1, spads):
    """A cut survives a restart of one end until it is restored."""
    t.ctl("cut", t.fabric, t.parent, 0, 1)
    h0.wait_down(1, 2000)
    h0.result("waiting for the link to go down after the cut")
    h1.quit()
    h1 = t.start(1, restart=1)
    h1.wait_ready()
    h1.cmd("enable")
    # Give the new host time to find its peer: it must not.
    time.sleep(0.3)
    for a, b in ((h0, 1), (h1, 0)):
        if a.cmd("link %d" % b)["up"] != "0":
            raise Fail("%s: link up across a cut after host1 restarted" %
                       a.name)
    t.ctl("restore", t.fabric, t.parent, 0, 1)
    for a, b in ((h0, 1), (h1, 0)):
        a.cmd("wait_up %d %d" % (b, LINK_TIMEOUT_MS),
              timeout=LINK_TIMEOUT_MS / 1000 + CMD_TIMEOUT)
    exchange(h0, h1, r=9, spads=spads)
    exchange(h1, h0, r=9, spads=spads)
    log("cut held across a restart of host1 until restored")
    return h1


def test_cut(t):
    h0 = t.start(0)
    h1 = t.start(1)
    bring_up([h0, h1])
    spads = int(check_info(h0, 2)["spads"])
    exchange(h0, h1, spads=spads)
    exchange(h1, h0, spads=spads)
    cut_round(t, h0, h1, "api", 1, spads)
    h1 = cut_restart(t, h0, h1, spads)
    if t.fabric_tool and os.access(t.fabric_tool, os.X_OK):
        cut_round(t, h0, h1, "tool", 3, spads)
    else:
        log("marlin-fabric not built: cut/restore checked through the "
            "driver API only")
    h0.quit()
    h1.quit()


def pingpong_run(t, tag, per_host, expect_rc, timeout=120):
    """Run marlin-ntb-pingpong hosts; per_host[i] = its extra arguments.
    Returns the combined output of each host."""
    procs = []
    for hid, extra in enumerate(per_host):
        args = ([t.pingpong_bin] +
                t.eal_args(hid % 2, t.prefix("pp%s_h%d" % (tag, hid))) +
                ["--vdev", t.shm_devargs(hid, 2, fabric=t.fabric + tag),
                 "--"] + extra)
        procs.append(Proc(t, "pingpong%s%d" % (tag, hid), args, stdin=False))
    outs = []
    for hid, p in enumerate(procs):
        rc = p.wait(timeout, "finish [%s]" % tag)
        out = "\n".join(p.lines()) + "\n"
        outs.append(out)
        if rc != expect_rc[hid]:
            raise Fail("[%s] host%d exited %d, expected %d; it said:\n%s" %
                       (tag, hid, rc, expect_rc[hid], out))
    return outs


def pingpong_line(out, pattern):
    """The numbers of the program's one-line summary."""
    m = re.search(r"^ntb_pingpong: " + pattern + "$", out, re.M)
    if not m:
        raise Fail("no line /ntb_pingpong: %s/ in:\n%s" % (pattern, out))
    return [int(x) for x in m.groups()]


def test_pingpong(t):
    """The example program: both modes, and its error paths."""
    if not t.pingpong_bin or not os.access(t.pingpong_bin, os.X_OK):
        raise Fail("marlin-ntb-pingpong not found at %s" % t.pingpong_bin)
    n = 3000
    for mode in ("mem", "db"):
        common = ["--mode", mode, "--iters", str(n), "--timeout", "30"]
        outs = pingpong_run(t, mode, [common, common], [0, 0])
        # the lower port pings and times, the other answers
        trips, lo, med, hi = pingpong_line(
            outs[0], r"(\d+) round trips, one-way latency ns: "
            r"min (\d+) median (\d+) max (\d+)")
        answered = pingpong_line(outs[1], r"answered (\d+) round trips "
                                 r"\(mode %s\)" % mode)[0]
        if trips != n or answered != n:
            raise Fail("[%s] %d round trips timed, %d answered, expected %d"
                       % (mode, trips, answered, n))
        if not 0 < lo <= med <= hi:
            raise Fail("[%s] latency figures out of order: %d %d %d" %
                       (mode, lo, med, hi))
        log("pingpong %s: %d round trips, median one-way %d ns" %
            (mode, n, med))
    # Mismatched parameters are refused on both sides, quickly.
    outs = pingpong_run(t, "mm", [["--iters", "100", "--timeout", "30"],
                                  ["--iters", "200", "--timeout", "30"]],
                        [1, 1])
    for o in outs:
        if "runs --iters" not in o:
            raise Fail("[mismatch] no message about --iters:\n" + o)
    # A peer that never comes: bounded wait and a hint naming host=1.
    out = pingpong_run(t, "alone", [["--timeout", "1"]], [1])[0]
    if "did not come up within 1 s" not in out or "host=1" not in out:
        raise Fail("[alone] no clear message about the missing peer:\n" +
                   out)
    log("pingpong: mismatch and missing peer reported")


def test_demo(t):
    """scripts/demo.sh end to end (without the setup step)."""
    script = os.path.join(os.environ.get("MARLIN_SOURCE_DIR", ""),
                          "scripts", "demo.sh")
    build = os.environ.get("MARLIN_BUILD_DIR", "")
    args = ["bash", script, "--no-setup", "--build-dir", build,
            "--iters", "3000", "--fabric", t.fabric, "--timeout", "30"]
    p = subprocess.run(args, capture_output=True, text=True, timeout=150)
    if p.returncode != 0:
        raise Fail("demo.sh exited %d:\n%s%s" %
                   (p.returncode, p.stdout, p.stderr))
    lines = p.stdout.strip().splitlines()
    result = [l for l in lines
              if l.startswith("[host0] ntb_pingpong: 3000 round trips")]
    if not result:
        raise Fail("demo.sh printed no ping-pong result line:\n" + p.stdout)
    if "[host1] ntb_pingpong: answered 3000" not in p.stdout:
        raise Fail("demo.sh did not show host1's output:\n" + p.stdout)
    # the hosts took their windows from the rack manager it started
    if "[demo] rack manager: " not in p.stdout:
        raise Fail("demo.sh started no rack manager:\n" + p.stdout)
    # then marlin-perf's tables: bandwidth rows at 64 KiB and 1 MiB and the
    # 8-byte latency row
    for row in (r"^ 65536 +20000 ", r"^ 1048576 +2000 ", r"^ 8 +100000 "):
        if not any(re.match(row, l) for l in lines):
            raise Fail("demo.sh printed no marlin-perf row /%s/:\n%s" %
                       (row, p.stdout))
    for d in ("/dev/shm", "/dev/hugepages"):
        if os.path.exists(os.path.join(d, "marlin-fabric-" + t.fabric)):
            raise Fail("demo.sh left its fabric in " + d)
    log("demo: " + result[-1])


TESTS = {
    "pingpong": test_pingpong,
    "demo": test_demo,
    "two_hosts": test_two_hosts,
    "four_hosts": test_four_hosts,
    "kill": test_kill,
    "cut": test_cut,
}
HOSTS = {"four_hosts": 4}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", help="mp_host executable")
    ap.add_argument("--fabric-tool", help="marlin-fabric executable")
    ap.add_argument("--pingpong", help="marlin-ntb-pingpong executable")

    def prepare(args):
        if not args.host:
            ap.error("--host is required")
        if args.test in ("pingpong", "demo") and not args.pingpong:
            return skip(args.test, "examples are not built "
                        "(-Dexamples=false)")
        if not os.path.isdir("/dev/shm"):
            return skip(args.test, "no /dev/shm")
        return None
    return harness_main(ap, TESTS, lambda a: Test(a.test, HOSTS.get(a.test, 2),
                                                 a), prepare)


if __name__ == "__main__":
    sys.exit(main())
