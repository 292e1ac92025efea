# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""What the EOP test cases share: the test's Env (fabric, EAL options,
testpmd and eop_frames hosts) and the testpmd and eop_frames helpers
(statistics, link waits, txonly->rxonly and io forward runs with their
count checks)."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from marlin_harness.session import (  # noqa: E402,F401 (re-exported)
    Fail, Proc, Session, Skip, check, log)
from marlin_harness import plugins  # noqa: E402

START_TIMEOUT = 60.0
CMD_TIMEOUT = 20.0


class Env(Session):
    """One test: the fabric (in self.tmp), processes, prefixes, netns, and
    the rack manager its hosts register with (unless --no-manager: every
    pair granted, windows not shared among peers)."""

    def __init__(self, a, name):
        Session.__init__(self, name, tag="eop",
                         manager=not getattr(a, "no_manager", False))
        self.a = a
        self.build = os.path.abspath(a.build)
        self.tmp = self.parent
        self.shm_so = plugins.plugin_path(self.build, "ntb_shm")
        self.eop_so = plugins.plugin_path(self.build, "net_eop")
        self.testpmd = shutil.which("dpdk-testpmd")
        # EAL refuses a plugin path below a world-writable directory (a
        # clone under /tmp): bare names, found through LD_LIBRARY_PATH
        self.dargs, self.proc_env = plugins.load_args([self.shm_so,
                                                       self.eop_so])
        # testpmd is not built with sanitizers; an instrumented plugin
        # needs their runtimes loaded first
        self.testpmd_env = dict(self.proc_env)
        self.testpmd_env.update(plugins.sanitizer_env(self.eop_so))
        self.hosts = 2           # ntb_shm hosts= (window slices)

    def eal(self, host, tag, extra_vdev_args="", ntb_args="", fabric=None,
            vdev=None, core=None):
        """EAL options of host @host: ntb_shm0 on @fabric (this session's by
        default, self.hosts hosts) and net_eop0 (@vdev, or peer 1 - host
        with @extra_vdev_args); pinned to @core (default: @host)."""
        core = host if core is None else core
        if vdev is None:
            vdev = "net_eop0,ntb=ntb_shm0,peer=%d%s" % (1 - host, extra_vdev_args)
        return ["--lcores=0@(0,1),1@%d" % core, "--file-prefix=" + self.prefix(tag),
                "--no-pci", "--no-huge", "-m", "256", "--no-telemetry",
                "--log-level=lib.eal:error", "--log-level=pmd.net.eop:info",
                "--vdev", "ntb_shm0,fabric=%s,host=%d,hosts=%d,mw_count=1,mw_size=%s,dir=%s%s%s"
                % (fabric or self.fabric, host, self.hosts, self.a.mw_size, self.tmp,
                   ntb_args, self.manager_devarg()),
                "--vdev", vdev]

    def plugin_args(self):
        """EAL -d options for the built plugins (by name)."""
        return list(self.dargs)

    def testpmd_host(self, host, tag, vdev="", pmd_args=(), eal_extra=(),
                     eal=None):
        if not self.testpmd:
            raise Skip("dpdk-testpmd not found (Debian package dpdk)")
        # testpmd's printf output is block-buffered on a pipe: line-buffer it
        stdbuf = shutil.which("stdbuf")
        args = ([stdbuf, "-oL", "-eL"] if stdbuf else []) + [self.testpmd]
        args += eal if eal is not None else self.eal(host, tag, vdev)
        args += self.plugin_args() + list(eal_extra)
        args += ["--", "-i", "--nb-cores=1", "--total-num-mbufs=16384"] + list(pmd_args)
        return Proc(self, "h%d%s" % (host, tag), args, self.testpmd_env,
                    cwd="/")

    def frames_host(self, host, tag, app_args, vdev=""):
        args = [self.a.frames] + self.eal(host, tag, vdev) + ["--"] + app_args
        return Proc(self, "h%d%s" % (host, tag), args, self.proc_env, cwd="/")


# ---- testpmd helpers ---------------------------------------------------------

PROMPT = r"testpmd> ?$|^testpmd>"


def pmd_ready(h):
    h.wait_for(r"Done|testpmd>", START_TIMEOUT)


def port_stats(h):
    """Counters of port 0 from 'show port stats 0'."""
    i = h.mark()
    h.call("show port stats 0", r"TX-packets:\s*\d+\s+TX-errors",
           CMD_TIMEOUT)
    block = "\n".join(h.lines(i))
    st = {}
    for key in ("RX-packets", "RX-missed", "RX-errors", "RX-nombuf",
                "TX-packets", "TX-errors"):
        m = re.findall(r"%s:\s*(\d+)" % key, block)
        st[key] = int(m[-1]) if m else 0
    return st


def port_xstats(h, last=r"link_ups:"):
    """Extended statistics of port 0; @last matches its last line."""
    i = h.mark()
    h.call("show port xstats 0", last, CMD_TIMEOUT)
    time.sleep(0.5)
    block = h.lines(i)
    xs = {}
    for line in block:
        m = re.match(r"\s*(\w+):\s*(\d+)\s*$", line)
        if m:
            xs[m.group(1)] = int(m.group(2))
    return xs


def wait_link(h, up, timeout=15.0):
    """Poll 'show port info' until the link is up (or down)."""
    deadline = time.time() + timeout
    want = "up" if up else "down"
    while time.time() < deadline:
        m = h.call("show port info 0", r"Link status:\s*(\w+)", CMD_TIMEOUT)
        if m.group(1) == want:
            return
        time.sleep(0.3)
    raise Fail("%s: link not %s after %.0f s\n%s" % (h.name, want, timeout, h.tail()))


def quit_pmd(h):
    if h.alive():
        h.send("quit")
        try:
            h.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            raise Fail("%s: testpmd did not quit\n%s" % (h.name, h.tail()))
    h.join()
    check(h.proc.returncode == 0, "%s: testpmd exited with %s\n%s" % (
        h.name, h.proc.returncode, h.tail()))


def two_pmds(env, vdev="", pmd_args=()):
    h0 = env.testpmd_host(0, "a", vdev, pmd_args)
    h1 = env.testpmd_host(1, "b", vdev, pmd_args)
    pmd_ready(h0)
    pmd_ready(h1)
    wait_link(h0, True)
    wait_link(h1, True)
    return h0, h1


def drops(st, xs):
    """What a receiver reports as dropped."""
    return st["RX-missed"] + st["RX-errors"] + st["RX-nombuf"] + xs.get("rx_filtered_frames", 0)


def run_fwd(h0, h1, mode0, mode1, start, secs):
    """Forward @mode0 on host 0 and @mode1 on host 1 for @secs seconds
    (@start: testpmd's start command, the receiver first); stop the sender
    first, and host 1 a second later, once its ring is drained."""
    h0.send("set fwd " + mode0)
    h1.send("set fwd " + mode1)
    h1.send(start)
    h0.send(start)
    time.sleep(secs)
    h0.call("stop", r"Done\.", CMD_TIMEOUT)
    time.sleep(1.0)
    h1.call("stop", r"Done\.", CMD_TIMEOUT)


def run_txrx(env, h0, h1, secs, label):
    """txonly on host 0, rxonly on host 1; stop the sender first."""
    run_fwd(h0, h1, "txonly", "rxonly", "start", secs)
    s0, s1 = port_stats(h0), port_stats(h1)
    x1 = port_xstats(h1)
    x0 = port_xstats(h0)
    sent, got = s0["TX-packets"], s1["RX-packets"]
    lost = x0.get("tx_link_lost_frames", 0)
    log("%s: txonly sent %d, rxonly received %d, receiver drops %d, "
        "sender refused (ring full) %d" % (label, sent, got, drops(s1, x1),
                                           x0.get("tx_ring_full", 0)))
    check(sent > 0, "%s: nothing sent" % label)
    check(got > 0, "%s: nothing received" % label)
    check(sent - got <= drops(s1, x1) + lost and got <= sent,
          "%s: sent %d, received %d, but only %d reported dropped" % (
              label, sent, got, drops(s1, x1) + lost))
    return s0, s1, x0, x1


def run_io(env, h0, h1, secs, label):
    """io forward on both sides, started with a tx burst on each; then
    drain: stop host 0, let host 1 drain its ring, stop it, and let host 0
    receive what host 1 sent meanwhile (rxonly), so counts must match."""
    b0, b1 = port_stats(h0), port_stats(h1)
    run_fwd(h0, h1, "io", "io", "start tx_first", secs)
    m = h0.mark()
    h0.send("set fwd rxonly")
    h0.send("start")
    time.sleep(1.0)
    h0.send("stop")
    h0.wait_for(r"Done\.", CMD_TIMEOUT, m)
    s0, s1 = port_stats(h0), port_stats(h1)
    x0, x1 = port_xstats(h0), port_xstats(h1)
    t01 = s0["TX-packets"] - b0["TX-packets"]
    r01 = s1["RX-packets"] - b1["RX-packets"]
    t10 = s1["TX-packets"] - b1["TX-packets"]
    r10 = s0["RX-packets"] - b0["RX-packets"]
    log("%s: io forward: 0->1 sent %d received %d; 1->0 sent %d received %d"
        % (label, t01, r01, t10, r10))
    check(t01 > 64 and t10 > 64, "%s: io forward moved almost nothing" % label)
    check(t01 - r01 <= drops(s1, x1) and r01 <= t01,
          "%s: 0->1 sent %d, received %d, drops %d" % (label, t01, r01, drops(s1, x1)))
    check(t10 - r10 <= drops(s0, x0) and r10 <= t10,
          "%s: 1->0 sent %d, received %d, drops %d" % (label, t10, r10, drops(s0, x0)))



# ---- eop_frames helpers and a lone testpmd -----------------------------------

def lone_pmd(env, tag, vdev):
    """One testpmd (host 0 of env.hosts) on its own fabric @tag with
    net_eop @vdev."""
    fabric = env.add_fabric(env.fabric + tag, env.tmp)
    return env.testpmd_host(0, tag, eal=env.eal(0, tag, fabric=fabric, vdev=vdev))


def frames_pair(env, args0, args1, vdev=""):
    h0 = env.frames_host(0, "a", args0, vdev)
    h1 = env.frames_host(1, "b", args1, vdev)
    h0.wait_for(r"^READY", START_TIMEOUT)
    h1.wait_for(r"^READY", START_TIMEOUT)
    return h0, h1


def last_json(h, tag, since=0):
    for line in reversed(h.lines(since)):
        if line.startswith(tag + " "):
            return json.loads(line[len(tag) + 1:])
    raise Fail("%s: no %s line\n%s" % (h.name, tag, h.tail()))


def finish_frames(hosts):
    """Stop sending, let frames in flight land, stop; return FINAL/PORT/MBUFS."""
    for h in hosts:
        h.proc.send_signal(signal.SIGUSR1)
    time.sleep(1.5)
    out = []
    for h in hosts:
        rc = h.stop(signal.SIGTERM)
        check(rc == 0, "%s exited with %s\n%s" % (h.name, rc, h.tail()))
        out.append((last_json(h, "FINAL"), last_json(h, "PORT"), last_json(h, "MBUFS")))
    return out


def check_clean(h, fin, port, mb):
    check(fin["corrupt"] == 0, "%s: %d corrupted frames" % (h.name, fin["corrupt"]))
    check(fin["reorder"] == 0, "%s: %d frames out of order" % (h.name, fin["reorder"]))
    check(fin["misrouted"] == 0, "%s: %d frames on the wrong queue" % (h.name, fin["misrouted"]))
    check(mb["in_use"] == 0, "%s: %d mbufs still in use after close" % (h.name, mb["in_use"]))
    check(port["rx_malformed_frames"] == 0, "%s: malformed frames" % h.name)
