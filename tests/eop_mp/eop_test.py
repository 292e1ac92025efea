#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""EOP integration tests: two hosts (processes) on one ntb_shm fabric.

    eop_test.py --build DIR --frames PATH TEST
    eop_test.py --skip REASON TEST          (exits 77)

Hosts are Debian's dpdk-testpmd, driven interactively over stdin and
loading the built plugins by name (-d librte_ntb_shm.so -d librte_net_eop.so,
found through LD_LIBRARY_PATH: see tests/lib/marlin_harness/plugins.py),
or eop_frames (integrity traffic). Host 0 runs on core 0, host 1 on core 1.

TEST is one of:
  devargs    bad or unknown devargs: a clear error and no port
  txrx       txonly -> rxonly, then io forward both ways; counts match
  queues4    the same with 4 queues each way
  jumbo      the same with 9000-byte frames (multi-segment tx, scatter rx)
  integrity  checksummed, sequence-numbered frames both ways, 4 queues,
             60..9000 bytes, multi-segment: nothing corrupted or reordered
  kill       the peer is killed mid-traffic: the survivor sees the link go
             down, keeps running, and recovers when the peer restarts
  intr       a receiver in interrupt mode sleeps while idle and is woken
             by doorbells
  reconfig   stop / reconfigure / start a port under traffic
  sockets    each host bridges EOP to a tap in its own network namespace:
             ping and a TCP transfer between the namespaces
  teardown_cmdline      testpmd exits from its command-line error path
             (rte_exit) with the port open, rmdir delayed 300 ms by strace:
             exit code 1, not SIGSEGV, and no fabric files left
  teardown_detach       ntb_shm0 removed under a sending port: link down on
             both ends, clean quit, no files left
  teardown_close_first  port closed before the NTB device goes: clean quit
  mismatch   queues=2 against queues=4 (and depth): both ends name the
             devargs that differ; the link stays down
  linkinfo   over the software fabric the link speed is Unknown
  corrupt    host 1 sends to host 0 (txonly -> rxonly, 2 queues) while
             random bytes are written into host 0's window file for 3 s:
             both ends report the link down (LSC), and within 1 s of the
             garbage stopping both report it up again by themselves and
             frames arrive again; then io forward both ways
  ovs        two Open vSwitch instances (DPDK datapath, each its own
             ovsdb-server, run directory and network namespace) joined by
             EOP: ping and a TCP transfer with its sha256 compared
  rack       rack=1 on 4 hosts (net_tap + namespaces): every pair pings and
             exchanges verified TCP; unknown unicast counted; a killed
             host stops only its own traffic
  smallwin   ntb_shm mw_size=1M across 8 hosts: EOP's default rings fit,
             traffic of 64 and 1500 bytes flows; 4 queues are refused with
             the window size that would fit
  rings      --rxd/--txd are used (rounded to a power of two, logged); the
             window's limit is the reported descriptor limit, with the
             mw_size= that lifts it

Every wait is bounded; whatever happens, the processes are killed and the
fabric, EAL runtime directories and namespaces are removed before exit.
"""

import argparse
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
from marlin_harness.session import (  # noqa: E402
    Fail, Proc, Session, Skip, check, log)
from marlin_harness.session import main as harness_main  # noqa: E402
from marlin_harness import garbage, plugins  # noqa: E402

START_TIMEOUT = 60.0
CMD_TIMEOUT = 20.0


class Env(Session):
    """One test: the fabric (in self.tmp), processes, prefixes, netns."""

    def __init__(self, a, name):
        Session.__init__(self, name, tag="eop")
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
                "--vdev", "ntb_shm0,fabric=%s,host=%d,hosts=%d,mw_count=1,mw_size=%s,dir=%s%s"
                % (fabric or self.fabric, host, self.hosts, self.a.mw_size, self.tmp,
                   ntb_args),
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


def run_txrx(env, h0, h1, secs, label):
    """txonly on host 0, rxonly on host 1; stop the sender first."""
    h0.send("set fwd txonly")
    h1.send("set fwd rxonly")
    h1.send("start")
    h0.send("start")
    time.sleep(secs)
    h0.call("stop", r"Done\.", CMD_TIMEOUT)
    time.sleep(1.0)
    h1.call("stop", r"Done\.", CMD_TIMEOUT)
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
    h0.send("set fwd io")
    h1.send("set fwd io")
    h1.send("start tx_first")
    h0.send("start tx_first")
    time.sleep(secs)
    h0.call("stop", r"Done\.", CMD_TIMEOUT)
    time.sleep(1.0)
    h1.call("stop", r"Done\.", CMD_TIMEOUT)
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


# ---- tests -------------------------------------------------------------------

def lone_pmd(env, tag, vdev):
    """One testpmd (host 0 of env.hosts) on its own fabric @tag with
    net_eop @vdev."""
    fabric = env.add_fabric(env.fabric + tag, env.tmp)
    return env.testpmd_host(0, tag, eal=env.eal(0, tag, fabric=fabric, vdev=vdev))


def t_devargs(env):
    cases = [
        ("net_eop0,ntb=ntb_shm0,peer=1,bogus=1", r"unknown devarg \"bogus\""),
        ("net_eop0,peer=1", r"devarg ntb=NAME is required"),
        ("net_eop0,ntb=ntb_shm0", r"devarg peer=HOST is required"),
        ("net_eop0,ntb=ntb_shm9,peer=1", r"NTB device ntb_shm9 not found.*before --vdev"),
        ("net_eop0,ntb=ntb_shm0,peer=0", r"peer=0 is not a peer of ntb_shm0"),
        ("net_eop0,ntb=ntb_shm0,peer=1,queues=9", r"queues=9 is out of range"),
        ("net_eop0,ntb=ntb_shm0,peer=1,depth=100", r"depth=100 is not a power of two"),
        ("net_eop0,ntb=ntb_shm0,peer=1,mac=zz", r"mac=zz is not a unicast MAC"),
        ("net_eop0,ntb=ntb_shm0,peer=1,queues=8,depth=4096",
         r"cannot hold queues=8 with this depth= even at depth=4096 slot=256: "
         r"use fewer queues, a smaller depth=, or mw_size=\d+M"),
        ("net_eop0,ntb=ntb_shm0,peer=1,queues=8,depth=4096,slot=2K",
         r"cannot open an HRDMA channel"),
        ("net_eop0,ntb=ntb_shm0,peer=1,widx=1", r"window 1 does not exist"),
        ("net_eop0,ntb=ntb_shm0,peer=1,mw=1,widx=1", r"devarg widx is given more than once"),
    ]
    for i, (vdev, msg) in enumerate(cases):
        h = lone_pmd(env, "d%d" % i, vdev)
        h.wait_for(msg, START_TIMEOUT)
        time.sleep(1.0)
        h.call("show port summary all", r"Number of available ports: 0",
               CMD_TIMEOUT)
        quit_pmd(h)
        log("devargs %-45s -> refused, no port" % vdev.split(",", 1)[1])
    # the deprecated names still make a port, with a line naming the new ones
    h = lone_pmd(env, "d%d" % len(cases), "net_eop0,ntb=ntb_shm0,peer=1,mw=0,nt_min=0")
    h.wait_for(r"devarg mw is deprecated: write widx=0", START_TIMEOUT)
    h.wait_for(r"devarg nt_min is deprecated: write nt_threshold=0", START_TIMEOUT)
    i0 = h.mark()
    h.send("show port summary all")
    h.wait_for(r"Number of available ports: 1", CMD_TIMEOUT, i0)
    quit_pmd(h)
    log("devargs mw=0,nt_min=0 (deprecated) -> port, with a line naming widx/nt_threshold")


def t_txrx(env):
    h0, h1 = two_pmds(env, pmd_args=["--txpkts=64"])
    run_txrx(env, h0, h1, 3, "64 B")
    for h in (h0, h1):
        h.send("set txpkts 1500")
    run_txrx(env, h0, h1, 3, "1500 B")
    for h in (h0, h1):
        h.send("set txpkts 64")
    run_io(env, h0, h1, 3, "64 B")
    x1 = port_xstats(h1)
    log("receiver: %d zero-copy, %d copied frames" % (
        x1.get("rx_zero_copy_frames", 0), x1.get("rx_copied_frames", 0)))
    check(x1.get("rx_zero_copy_frames", 0) > 0, "no frame received zero-copy")
    check(x1.get("rx_copied_frames", 0) > 0, "no frame received by copy")
    quit_pmd(h0)
    quit_pmd(h1)


def t_rings(env):
    """The application's ring sizes are used (rounded to a power of two, with
    a line saying so), the window's limit is stated with the window size that
    lifts it, and traffic flows over the resized rings."""
    h0, h1 = two_pmds(env, pmd_args=["--rxd=1000", "--txd=1000", "--txpkts=64"])
    for h in (h0, h1):
        h.wait_for(r"rx queue 0: 1000 descriptors rounded to 1024", CMD_TIMEOUT, 0)
        h.wait_for(r"tx queue 0: 1000 descriptors rounded to 1024", CMD_TIMEOUT, 0)
        # 16M shared by 2 hosts holds 1024-slot rings of 2 KiB slots, not 4096
        h.wait_for(r"this window holds rings of up to 1024 slots \(nb_desc <= 1024\); "
                   r"rings of 4096 slots need mw_size=\d+M", CMD_TIMEOUT, 0)
        m = h.mark()
        h.send("show rxq info 0 0")
        h.wait_for(r"Number of RXDs: 1024", CMD_TIMEOUT, m)
        m = h.mark()
        h.send("show txq info 0 0")
        h.wait_for(r"Number of TXDs: 1024", CMD_TIMEOUT, m)
    wait_link(h0, True)
    wait_link(h1, True)
    run_txrx(env, h0, h1, 2, "rings of 1024 slots, 64 B")
    quit_pmd(h0)
    quit_pmd(h1)
    # beyond what the window holds: refused by the limit EOP reports
    h = lone_pmd(env, "r", "net_eop0,ntb=ntb_shm0,peer=1")
    pmd_ready(h)
    m = h.mark()
    h.send("port stop all")
    h.send("port config all rxd 4096")
    h.wait_for(r"rxd \(4096\) can.t be greater than max_rxds \(1024\)", CMD_TIMEOUT, m)
    quit_pmd(h)
    log("rings: --rxd/--txd 1000 -> 1024 slots used, traffic flows; 4096 refused "
        "by the stated limit with the window size named")


def t_smallwin(env):
    """A 1 MiB window shared by 8 hosts (128 KiB each): without depth= and
    slot= EOP picks rings that fit, and frames of every size flow; 4 queues
    cannot fit, and the refusal names the window that would do."""
    env.hosts, env.a.mw_size = 8, "1M"
    h0, h1 = two_pmds(env, pmd_args=["--txpkts=64"])
    for h in (h0, h1):
        h.wait_for(r"rings of 64 slots of 512 bytes by default \(what a 1048576-byte "
                   r"window shared by 8 hosts holds", CMD_TIMEOUT, 0)
    run_txrx(env, h0, h1, 2, "1 MiB window / 8 hosts, 64 B")
    for h in (h0, h1):
        h.send("set txpkts 1500")
    run_txrx(env, h0, h1, 2, "1 MiB window / 8 hosts, 1500 B")
    run_io(env, h0, h1, 2, "1 MiB window / 8 hosts, 1500 B")
    quit_pmd(h0)
    quit_pmd(h1)
    h = lone_pmd(env, "q", "net_eop0,ntb=ntb_shm0,peer=1,queues=4")
    m = h.wait_for(r"cannot hold queues=4 with any ring size even at depth=64 slot=256.*(mw_size=\S+)",
                   START_TIMEOUT)
    quit_pmd(h)
    log("smallwin: 64 x 512-byte rings in 128 KiB per host, traffic flows; "
        "queues=4 refused naming %s" % m.group(1))


def t_queues4(env):
    h0, h1 = two_pmds(env, vdev=",queues=4",
                      pmd_args=["--rxq=4", "--txq=4", "--txpkts=64"])
    run_txrx(env, h0, h1, 3, "4 queues, 64 B")
    x1 = port_xstats(h1)
    per_q = [x1.get("rx_q%d_packets" % q, 0) for q in range(4)]
    log("4 queues: received per queue %s" % per_q)
    check(all(v > 0 for v in per_q), "a receive queue got nothing: %s" % per_q)
    run_io(env, h0, h1, 3, "4 queues, 64 B")
    quit_pmd(h0)
    quit_pmd(h1)


def t_jumbo(env):
    h0 = env.testpmd_host(0, "a", "", ["--max-pkt-len=9018", "--enable-scatter",
                                       "--tx-offloads=0x8000",
                                       "--txpkts=2048,2048,2048,2048,808"])
    h1 = env.testpmd_host(1, "b", "", ["--max-pkt-len=9018", "--enable-scatter",
                                       "--tx-offloads=0x8000",
                                       "--txpkts=2048,2048,2048,2048,808"])
    pmd_ready(h0)
    pmd_ready(h1)
    wait_link(h0, True)
    wait_link(h1, True)
    s0, s1, x0, x1 = run_txrx(env, h0, h1, 3, "9000 B")
    check(s1["RX-packets"] > 0 and x1.get("rx_oversize_frames", 0) == 0,
          "9000-byte frames refused as oversize")
    run_io(env, h0, h1, 3, "9000 B")
    quit_pmd(h0)
    quit_pmd(h1)


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


def t_integrity(env):
    args = ["--queues", "4", "--min", "60", "--max", "9000", "--mtu", "9000",
            "--seg", "1000", "--status-ms", "1000"]
    h0, h1 = frames_pair(env, args, args, ",queues=4")
    time.sleep(6)
    (f0, p0, m0), (f1, p1, m1) = finish_frames([h0, h1])
    for h, f, p, m in ((h0, f0, p0, m0), (h1, f1, p1, m1)):
        log("%s: sent %d, received %d (zero-copy %d, copied %d), corrupted %d, "
            "reordered %d, lost %d, ring full %d" % (
                h.name, f["tx"], f["rx"], p["rx_zero_copy_frames"],
                p["rx_copied_frames"], f["corrupt"], f["reorder"], f["lost"],
                p["tx_ring_full"]))
        check_clean(h, f, p, m)
        check(f["lost"] == 0, "%s: %d frames missing in sequence" % (h.name, f["lost"]))
        check(p["rx_zero_copy_frames"] > 0 and p["rx_copied_frames"] > 0,
              "%s: both receive paths should be used" % h.name)
    check(f0["tx"] == f1["rx"] and f1["tx"] == f0["rx"],
          "counts differ: 0->1 %d/%d, 1->0 %d/%d" % (f0["tx"], f1["rx"], f1["tx"], f0["rx"]))
    check(f0["tx"] > 1000 and f1["tx"] > 1000, "too little traffic")


def t_kill(env):
    args = ["--queues", "2", "--min", "60", "--max", "1514", "--status-ms", "250"]
    h0, h1 = frames_pair(env, args, args, ",queues=2")
    h0.wait_for(r'^STATUS \{"link": 1', 20)
    time.sleep(2)
    before = last_json(h0, "STATUS")
    check(before["rx"] > 0, "no traffic before the kill")
    m = h0.mark()
    t_kill = time.time()
    h1.proc.kill()
    h1.proc.wait(timeout=10)
    h0.wait_for(r"^LINK down", 5, m)
    log("kill: survivor saw the link go down after %.2f s" % (time.time() - t_kill))
    time.sleep(1.0)
    check(h0.alive(), "survivor died\n%s" % h0.tail())
    st = last_json(h0, "STATUS", m)
    check(st["link"] == 0, "survivor still reports link up")
    # restart the peer
    m = h0.mark()
    h1b = env.frames_host(1, "b2", args, ",queues=2")
    h1b.wait_for(r"^READY", START_TIMEOUT)
    h0.wait_for(r"^LINK up", 20, m)
    log("kill: link up again %.2f s after the restart began" % (time.time() - t_kill))
    time.sleep(2)
    (f0, p0, m0), (f1, p1, m1) = finish_frames([h0, h1b])
    log("survivor: sent %d, received %d, runs seen %d, lost in sequence %d, "
        "link_downs %d, tx lost at link loss %d, corrupted %d, reordered %d" % (
            f0["tx"], f0["rx"], f0["runs"], f0["lost"], p0["link_downs"],
            p0["tx_link_lost_frames"], f0["corrupt"], f0["reorder"]))
    check_clean(h0, f0, p0, m0)
    check_clean(h1b, f1, p1, m1)
    check(f0["runs"] >= 2 * 2 - 1, "survivor did not receive from the restarted peer")
    check(f0["rx"] > before["rx"], "no traffic after the restart")
    check(f1["rx"] > 0, "restarted peer received nothing")
    check(p0["link_downs"] >= 1, "link_downs not counted")


def t_intr(env):
    # The sender first, so that the receiver never idles before traffic.
    h0 = env.frames_host(0, "a", ["--pause-ms", "400", "--status-ms", "500"])
    h0.wait_for(r"^READY", START_TIMEOUT)
    h1 = env.frames_host(1, "b", ["--no-tx", "--rx-intr", "--status-ms", "500"])
    h1.wait_for(r"^READY", START_TIMEOUT)
    time.sleep(5)
    (f0, p0, m0), (f1, p1, m1) = finish_frames([h0, h1])
    log("interrupt-mode receiver: received %d of %d, slept %d times, woken by "
        "events %d, timed out %d (with frames waiting: %d); sender rang %d "
        "doorbells" % (f1["rx"], f0["tx"], f1["sleeps"], f1["woken"],
                       f1["timeouts"], f1["overslept"],
            p0["tx_doorbells"]))
    check_clean(h1, f1, p1, m1)
    check(f1["rx"] == f0["tx"] and f1["lost"] == 0, "frames lost")
    check(f1["sleeps"] > 0, "receiver never slept")
    check(f1["woken"] > 0 and p0["tx_doorbells"] > 0, "receiver never woken by a doorbell")
    check(f1["overslept"] == 0,
          "receiver slept through traffic until its 3 s timeout %d times" % f1["overslept"])


def traffic_resumes(h, limit):
    """Seconds until @h's RX-packets grow after a port start (the link
    renegotiates first), or None after @limit seconds."""
    t0 = time.monotonic()
    before = port_stats(h)["RX-packets"]
    while time.monotonic() - t0 < limit:
        time.sleep(0.25)
        if port_stats(h)["RX-packets"] > before:
            return time.monotonic() - t0
    return None


def t_reconfig(env):
    h0, h1 = two_pmds(env, vdev=",queues=2",
                      pmd_args=["--rxq=2", "--txq=2", "--txpkts=64"])
    h0.send("set fwd txonly")
    h0.send("start")
    h1.send("set fwd rxonly")
    h1.send("start")
    time.sleep(1)
    for i, nq in enumerate((1, 2, 1, 2)):
        h1.send("stop")
        h1.send("port stop 0")
        h1.send("port config all rxq %d" % nq)
        h1.send("port config all txq %d" % nq)
        h1.send("port start 0")
        h1.send("start")
        took = traffic_resumes(h1, 5.0)
        check(took is not None,
              "no traffic within 5 s of reconfiguring to %d queues" % nq)
        log("reconfig: %d queue(s): traffic again %.2f s after start" % (nq, took))
        check(h0.alive() and h1.alive(), "a host died")
    # stop and restart the sender's port under traffic too
    h0.send("stop")
    h0.send("port stop 0")
    h0.send("port start 0")
    h0.send("start")
    time.sleep(1)
    b = port_stats(h1)["RX-packets"]
    time.sleep(1)
    check(port_stats(h1)["RX-packets"] > b, "no traffic after restarting the sender")
    # close the receiver's port under traffic
    h1.send("stop")
    h1.send("port stop 0")
    h1.send("port close 0")
    # the peer sees its link go down when the port closes
    wait_link(h0, False, 10)
    check(h0.alive() and h1.alive(), "a host died after port close")
    h0.send("stop")
    quit_pmd(h0)
    quit_pmd(h1)
    log("reconfig: 4 reconfigurations, sender restart and a close under traffic survived")


def make_netns(env, ip, stem, n):
    """@n network namespaces, removed by Env.cleanup; Skip if not allowed."""
    nss = ["%s%d_%d" % (stem, os.getpid(), h) for h in range(n)]
    for ns in nss:
        r = subprocess.run([ip, "netns", "add", ns], capture_output=True, text=True)
        if r.returncode != 0:
            raise Skip("cannot create network namespaces: %s" % r.stderr.strip())
        env.netns.append(ns)
    return nss


def t_sockets(env):
    ip = shutil.which("ip")
    if not ip:
        raise Skip("ip (iproute2) not installed")
    if not os.path.exists("/dev/net/tun"):
        raise Skip("/dev/net/tun missing: net_tap cannot run")
    nss = make_netns(env, ip, "eopns", 2)
    taps = ["eoptap%d_%d" % (os.getpid() % 10000, h) for h in (0, 1)]
    hs = []
    for h in (0, 1):
        eal = env.eal(h, "s%d" % h) + ["--vdev", "net_tap0,iface=%s" % taps[h]]
        # port 0 = EOP, port 1 = tap; io forward between them
        rings = ["--rxd=%d" % env.a.rxd, "--txd=%d" % env.a.rxd] if env.a.rxd else []
        hs.append(env.testpmd_host(h, "s%d" % h, eal=eal,
                                   pmd_args=["--forward-mode=io", "--auto-start"] + rings))
    for h in hs:
        pmd_ready(h)
    for h, tap in enumerate(taps):
        deadline = time.time() + 15
        while subprocess.run([ip, "link", "show", tap], capture_output=True).returncode:
            if time.time() > deadline:
                raise Fail("tap %s did not appear\n%s" % (tap, hs[h].tail()))
            time.sleep(0.2)
        for cmd in (["link", "set", tap, "netns", nss[h]],
                    ["-n", nss[h], "addr", "add", "10.77.0.%d/24" % (h + 1), "dev", tap],
                    ["-n", nss[h], "link", "set", tap, "up"],
                    ["-n", nss[h], "link", "set", "lo", "up"]):
            r = subprocess.run([ip] + cmd, capture_output=True, text=True)
            check(r.returncode == 0, "ip %s: %s" % (" ".join(cmd), r.stderr))
    wait_link(hs[0], True)
    ns_ping(ip, nss[0], "10.77.0.2")
    ns_tcp(env, ip, nss, "10.77.0.2", 32 << 20)
    iperf = shutil.which("iperf3")
    if iperf and env.a.iperf_secs > 0:
        log("iperf3: %s" % iperf3_run(env, ip, iperf, nss, "10.77.0.2", env.a.iperf_secs))
        for h in hs:
            x = port_xstats(h)
            i = h.mark()
            h.send("show fwd stats all")
            h.wait_for(r"Accumulated forward statistics for all ports", CMD_TIMEOUT, i)
            time.sleep(0.3)
            drops = [l.strip() for l in h.lines(i) if "TX-dropped" in l]
            log("  %s: EOP tx_ring_full %d, rx_nombuf %d; forwarding %s" % (
                h.name, x.get("tx_ring_full", 0), x.get("rx_mbuf_allocation_errors", 0),
                " | ".join(drops)))
        for ns, tap in zip(nss, taps):
            r = subprocess.run([ip, "-n", ns, "-s", "-j", "link", "show", tap],
                               capture_output=True, text=True)
            st = json.loads(r.stdout)[0].get("stats64", {}) if r.returncode == 0 else {}
            log("  %s kernel: rx dropped %s, tx dropped %s" % (
                tap, st.get("rx", {}).get("dropped"), st.get("tx", {}).get("dropped")))
    for h in hs:
        quit_pmd(h)


def ns_ping(ip, ns, addr, count=5):
    """ICMP echo from namespace @ns to @addr (@count replies wanted)."""
    ping = shutil.which("ping")
    if ping:
        r = subprocess.run([ip, "netns", "exec", ns, ping, "-c", str(count), "-i", "0.2",
                            "-W", "2", addr], capture_output=True, text=True,
                           timeout=30 + count)
        log("\n".join(r.stdout.strip().splitlines()[-2:]) if r.stdout.strip() else r.stderr)
        check(r.returncode == 0, "ping failed:\n%s%s" % (r.stdout, r.stderr))
    else:
        code = PY_PING.replace("@HOST@", addr)
        r = subprocess.run([ip, "netns", "exec", ns, sys.executable, "-c", code],
                           capture_output=True, text=True, timeout=30)
        log("ping (python raw ICMP, iputils-ping not installed): %s" % " | ".join(r.stdout.split("\n")))
        check(r.returncode == 0, "ICMP echo failed:\n%s%s" % (r.stdout, r.stderr))


def ns_tcp(env, ip, nss, addr, size):
    """@size bytes by TCP from nss[0] to @addr in nss[1]; sha256 compared."""
    srv = env.start("tcp-server", [ip, "netns", "exec", nss[1], sys.executable,
                                   "-c", PY_TCP_SERVER], stdin=False, merge=False)
    try:
        time.sleep(0.5)
        t0 = time.time()
        cli = subprocess.run([ip, "netns", "exec", nss[0], sys.executable, "-c",
                              PY_TCP_CLIENT.replace("@HOST@", addr)
                              .replace("@SIZE@", str(size))],
                             capture_output=True, text=True, timeout=60)
        dt = time.time() - t0
        srv.wait(30, "report what it received")
    finally:
        srv.kill()
    out, err = "\n".join(srv.out), "\n".join(srv.err)
    check(cli.returncode == 0, "TCP client failed: %s" % cli.stderr)
    check(out.strip() == cli.stdout.strip() and len(out.strip()) == 64 + 1 + len(str(size)),
          "TCP transfer mismatch: sent %r, received %r (%s)" % (
              cli.stdout.strip(), out.strip(), err))
    log("TCP: %d MiB between namespaces in %.2f s (%.0f Mb/s), sha256 matches"
        % (size >> 20, dt, size * 8 / dt / 1e6))


def iperf3_run(env, ip, iperf, nss, addr, secs):
    """TCP from nss[0] to addr in nss[1] for secs; a line with rate and
    retransmits (a measurement, never asserted)."""
    srv = env.start("iperf3-server", [ip, "netns", "exec", nss[1], iperf, "-s", "-1"],
                    stdin=False)
    try:
        time.sleep(0.5)
        r = subprocess.run([ip, "netns", "exec", nss[0], iperf, "-c", addr,
                            "-t", str(secs), "-J"], capture_output=True, text=True,
                           timeout=secs + 30)
    finally:
        srv.stop(signal.SIGTERM, timeout=10)
    check(r.returncode == 0, "iperf3 failed: %s %s" % (r.stdout[-500:], r.stderr))
    end = json.loads(r.stdout)["end"]
    sent = end["sum_sent"]
    segs = sum(st["sender"].get("bytes", 0) for st in end["streams"]) // 1448
    return ("%.0f Mbit/s, %d retransmits (~%.3f%% of ~%d segments) in %d s"
            % (sent["bits_per_second"] / 1e6, sent.get("retransmits", 0),
               100.0 * sent.get("retransmits", 0) / max(segs, 1), segs, secs))


# ---- Open vSwitch with DPDK ---------------------------------------------------

OVS_VSWITCHD = "/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk"
OVS_SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"
OVS_SOCKET_MEM = 128  # MiB of hugepages per ovs-vswitchd


def ovs_install():
    """Install openvswitch-switch-dpdk through scripts/setup.sh if missing;
    Skip when it cannot be installed here."""
    def present():
        return (os.path.exists(OVS_VSWITCHD) and os.path.exists(OVS_SCHEMA) and
                all(shutil.which(t) for t in ("ovsdb-server", "ovsdb-tool",
                                              "ovs-vsctl", "ovs-appctl")))
    if present():
        return
    top = os.environ.get("MARLIN_SOURCE_DIR") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..")
    log("installing openvswitch-switch-dpdk (scripts/setup.sh --no-build --with-ovs)")
    try:
        r = subprocess.run(["bash", os.path.join(top, "scripts", "setup.sh"),
                            "--no-build", "--with-ovs"], capture_output=True,
                           text=True, timeout=600)
        why = (r.stderr or r.stdout).strip().splitlines()[-1:] or ["?"]
    except (OSError, subprocess.SubprocessError) as e:
        why = [str(e)]
    if not present():
        raise Skip("openvswitch-switch-dpdk cannot be installed here: %s" % why[0])


def hugepages_free_mib():
    free = size = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("HugePages_Free:"):
                free = int(line.split()[1])
            elif line.startswith("Hugepagesize:"):
                size = int(line.split()[1])
    return free * size // 1024


class OvsHost:
    """One Open vSwitch (ovsdb-server + the DPDK ovs-vswitchd) of host @h,
    with its own run directory, database and sockets, running inside the
    network namespace @ns (so its bridge's internal port lives there)."""

    def __init__(self, env, h, ns, ip):
        self.env, self.h, self.ns, self.ip = env, h, ns, ip
        self.dir = os.path.join(env.tmp, "ovs%d" % h)
        os.makedirs(self.dir)
        self.sock = os.path.join(self.dir, "db.sock")
        self.ovs_env = {"OVS_RUNDIR": self.dir, "OVS_DBDIR": self.dir,
                        "OVS_LOGDIR": self.dir, "OVS_SYSCONFDIR": self.dir}
        db = os.path.join(self.dir, "conf.db")
        r = subprocess.run(["ovsdb-tool", "create", db, OVS_SCHEMA],
                           capture_output=True, text=True, timeout=30)
        check(r.returncode == 0, "ovsdb-tool create: %s" % r.stderr)
        self.db = Proc(env, "ovsdb%d" % h, [
            ip, "netns", "exec", ns, "ovsdb-server", db,
            "--remote=punix:" + self.sock, "--pidfile=" + self.path("ovsdb-server.pid"),
            "--unixctl=" + self.path("ovsdb-server.ctl"),
            "--log-file=" + self.path("ovsdb-server.log")], self.ovs_env)
        deadline = time.time() + 20
        while not os.path.exists(self.sock):
            check(time.time() < deadline and self.db.alive(),
                  "ovsdb-server %d did not start\n%s" % (h, self.db.tail()))
            time.sleep(0.1)
        mask = "0x%x" % (1 << h)
        for tries in range(3):  # the socket exists a moment before it accepts
            r = subprocess.run(["ovs-vsctl", "--db=unix:" + self.sock, "--timeout=10",
                                "--no-wait", "init"], capture_output=True, text=True,
                               timeout=20)
            if r.returncode == 0:
                break
            time.sleep(0.5)
        check(r.returncode == 0, "ovs-vsctl init (host %d): %s\n%s" % (
            h, r.stderr.strip(), self.db.tail()))
        self.vsctl("--no-wait", "set", "Open_vSwitch", ".",
                   "other_config:dpdk-init=true",
                   "other_config:dpdk-lcore-mask=" + mask,
                   "other_config:pmd-cpu-mask=" + mask,
                   "other_config:dpdk-socket-mem=%d" % OVS_SOCKET_MEM,
                   "other_config:dpdk-extra=--file-prefix=%s --no-pci "
                   "--log-level=pmd.net.eop:info "
                   "-d librte_ntb_shm.so -d librte_net_eop.so --vdev "
                   "ntb_shm0,fabric=%s,host=%d,hosts=2,mw_count=1,mw_size=%s,dir=%s"
                   % (env.prefix("ovs%d" % h), env.fabric, h, env.a.ovs_mw_size,
                      env.tmp))
        self.sw = Proc(env, "ovs%d" % h, [
            ip, "netns", "exec", ns, OVS_VSWITCHD, "unix:" + self.sock,
            "--pidfile=" + self.path("ovs-vswitchd.pid"),
            "--unixctl=" + self.path("ovs-vswitchd.ctl"),
            "--log-file=" + self.path("ovs-vswitchd.log")],
            dict(self.ovs_env, **env.testpmd_env))

    def path(self, name):
        return os.path.join(self.dir, name)

    def vsctl(self, *args, timeout=30):
        r = subprocess.run(["ovs-vsctl", "--db=unix:" + self.sock,
                            "--timeout=%d" % timeout] + list(args),
                           capture_output=True, text=True, timeout=timeout + 10)
        check(r.returncode == 0, "ovs-vsctl %s (host %d): %s\n%s" % (
            " ".join(args), self.h, r.stderr.strip(), self.log_tail()))
        return r.stdout.strip()

    def log_tail(self, n=15):
        try:
            with open(self.path("ovs-vswitchd.log")) as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            sw = getattr(self, "sw", None)
            return (sw or self.db).tail(n)

    def stop(self):
        """Ask both daemons to exit (SIGTERM, then SIGKILL, if they do not);
        Env.cleanup kills whatever is left even when this is never reached."""
        for ctl, pr in (("ovs-vswitchd.ctl", self.sw), ("ovsdb-server.ctl", self.db)):
            subprocess.run(["ovs-appctl", "-t", self.path(ctl), "exit"],
                           capture_output=True, timeout=20)
            pr.stop(signal.SIGTERM, timeout=15)


def t_ovs(env):
    """Two Open vSwitch instances (DPDK datapath) joined by EOP, each with its
    bridge's internal port in its own namespace: ping, and a TCP transfer
    whose sha256 both ends compare."""
    ip = shutil.which("ip")
    if not ip:
        raise Skip("ip (iproute2) not installed")
    ovs_install()
    need = 2 * OVS_SOCKET_MEM
    if hugepages_free_mib() < need:
        raise Skip("OVS-DPDK needs %d MiB of free hugepages (--in-memory), %d free: "
                   "scripts/setup.sh reserves them" % (need, hugepages_free_mib()))
    nss = make_netns(env, ip, "eopovs", 2)
    hosts = [OvsHost(env, h, nss[h], ip) for h in (0, 1)]
    try:
        for o in hosts:
            o.vsctl("add-br", "br0", "--", "set", "bridge", "br0",
                    "datapath_type=netdev", timeout=60)
            dev = "net_eop0,ntb=ntb_shm0,peer=%d" % (1 - o.h)
            o.vsctl("add-port", "br0", "eop0", "--", "set", "Interface", "eop0",
                    "type=dpdk", "options:dpdk-devargs=" + dev, timeout=60)
            for cmd in (["addr", "add", "10.78.0.%d/24" % (o.h + 1), "dev", "br0"],
                        ["link", "set", "br0", "up"], ["link", "set", "lo", "up"]):
                r = subprocess.run([ip, "-n", o.ns] + cmd, capture_output=True, text=True)
                check(r.returncode == 0, "ip %s: %s" % (" ".join(cmd), r.stderr))
        for o in hosts:
            deadline = time.time() + 20
            while o.vsctl("get", "Interface", "eop0", "link_state") != "up":
                check(time.time() < deadline, "host %d: eop0 link not up in 20 s\n%s"
                      % (o.h, o.log_tail()))
                time.sleep(0.3)
        for o in hosts:
            # OVS asks for 2048 descriptors a queue (n_rxq_desc/n_txq_desc)
            rings = re.findall(r"rings of (\d+) slots per queue", o.log_tail(400))
            check(rings[-1:] == ["2048"],
                  "host %d: EOP did not take OVS's ring size (2048): %s\n%s"
                  % (o.h, rings, o.log_tail()))
        log("OVS: both eop0 links up, EOP rings of 2048 slots as OVS asked")
        ns_ping(ip, nss[0], "10.78.0.2", env.a.ping_count)
        ns_tcp(env, ip, nss, "10.78.0.2", 32 << 20)
        iperf = shutil.which("iperf3")
        if iperf and env.a.iperf_secs > 0:
            log("iperf3 through OVS: %s" % iperf3_run(env, ip, iperf, nss, "10.78.0.2",
                                                       env.a.iperf_secs))
            for o in hosts:
                for ifc in ("eop0", "br0"):
                    st = o.vsctl("get", "Interface", ifc, "statistics")
                    log("  host %d %s: %s" % (o.h, ifc, ", ".join(
                        kv for kv in st.strip("{}").split(", ")
                        if re.match(r"(rx|tx)_(packets|dropped)=|ovs_tx_failure", kv))))
    finally:
        for o in hosts:
            o.stop()


def t_rack(env):
    """Rack mode: 4 hosts, one EOP port each (rack=1) bridged by testpmd to a
    tap in the host's namespace, the tap wearing the host's MAC: every pair
    pings and exchanges a TCP stream whose sha256 both ends compare; unknown
    unicast is counted; a dead host stops only its own traffic."""
    ip = shutil.which("ip")
    if not ip:
        raise Skip("ip (iproute2) not installed")
    if not os.path.exists("/dev/net/tun"):
        raise Skip("/dev/net/tun missing: net_tap cannot run")
    n = 4
    env.hosts = n
    nss = make_netns(env, ip, "eoprk", n)
    taps = ["eoprk%d_%d" % (os.getpid() % 10000, h) for h in range(n)]
    hs = []
    for h in range(n):
        eal = env.eal(h, "r%d" % h, vdev="net_eop0,ntb=ntb_shm0,rack=1", core=h % 2)
        eal += ["--vdev", "net_tap0,iface=%s" % taps[h]]
        hs.append(env.testpmd_host(h, "r%d" % h, eal=eal,
                                   pmd_args=["--forward-mode=io", "--auto-start"]))
    macs = []
    for h, p in enumerate(hs):
        m = p.wait_for(r"Port 0: ([0-9A-Fa-f:]{17})", START_TIMEOUT)
        macs.append(m.group(1).lower())
    check(len(set(macs)) == n, "hosts share a MAC: %s" % macs)
    for h, tap in enumerate(taps):
        deadline = time.time() + 15
        while subprocess.run([ip, "link", "show", tap], capture_output=True).returncode:
            check(time.time() < deadline, "tap %s did not appear\n%s" % (tap, hs[h].tail()))
            time.sleep(0.2)
        for cmd in (["link", "set", tap, "netns", nss[h]],
                    ["-n", nss[h], "link", "set", tap, "address", macs[h]],
                    ["-n", nss[h], "addr", "add", "10.79.0.%d/24" % (h + 1), "dev", tap],
                    ["-n", nss[h], "link", "set", tap, "up"],
                    ["-n", nss[h], "link", "set", "lo", "up"]):
            r = subprocess.run([ip] + cmd, capture_output=True, text=True)
            check(r.returncode == 0, "ip %s: %s" % (" ".join(cmd), r.stderr))
    rack_last = r"peer%d_tx_dropped:" % (n - 1 if n > 1 else 0)
    for h, p in enumerate(hs):
        wait_link(p, True)
        # the port is up with its first peer: wait for every peer's link
        deadline = time.time() + 20
        while True:
            x = port_xstats(p, r"peer%d_tx_dropped:" % (n - 1 if h != n - 1 else n - 2))
            down = [k for k, v in x.items() if k.endswith("_link_up") and v != 1]
            if not down:
                break
            check(time.time() < deadline, "host %d: links still down: %s" % (h, down))
            time.sleep(0.5)
    pairs = [(a, b) for a in range(n) for b in range(a + 1, n)]
    for a, b in pairs:
        ns_ping(ip, nss[a], "10.79.0.%d" % (b + 1), 2)
    for a, b in pairs:
        ns_tcp(env, ip, [nss[a], nss[b]], "10.79.0.%d" % (b + 1), 4 << 20)
    # unknown unicast: a static neighbour with a MAC no host has
    subprocess.run([ip, "-n", nss[0], "neigh", "add", "10.79.0.99", "lladdr",
                    "02:00:00:00:99:99", "dev", taps[0]], capture_output=True)
    subprocess.run([ip, "netns", "exec", nss[0], "ping", "-c", "3", "-i", "0.2", "-W", "1",
                    "10.79.0.99"], capture_output=True, timeout=20)
    x0 = port_xstats(hs[0], rack_last)
    check(x0.get("tx_unknown_unicast", 0) >= 3,
          "unknown unicast not counted: %s" % x0.get("tx_unknown_unicast"))
    log("rack: per-peer stats of host 0: %s" % ", ".join(
        "%s=%d" % (k, v) for k, v in sorted(x0.items()) if k.startswith(("peer", "tx_unk"))))
    # a dead host affects only its own traffic
    hs[3].kill()
    ns_ping(ip, nss[0], "10.79.0.2", 3)
    ns_tcp(env, ip, [nss[1], nss[2]], "10.79.0.3", 4 << 20)
    deadline = time.time() + 10
    while port_xstats(hs[0], rack_last).get("peer3_link_up", 1) != 0:
        check(time.time() < deadline, "host 0 still sees host 3's link up")
        time.sleep(0.5)
    log("rack: 4 hosts, %d pairs pinged and exchanged verified TCP; host 3 killed: "
        "0<->1 ping and 1->2 TCP still fine, host 0 sees peer3 link down" % len(pairs))
    for p in hs[:3]:
        quit_pmd(p)


def t_mismatch(env):
    """queues=2 against queues=4 (and slot): each end names the devargs that differ, in
    the user's words (not HRDMA's queue-pair count), and the link stays down."""
    h0 = env.testpmd_host(0, "a", ",queues=2")
    h1 = env.testpmd_host(1, "b", ",queues=4,slot=1024")
    pmd_ready(h0)
    pmd_ready(h1)
    m0 = h0.wait_for(r"net_eop: port 0: host 1 runs net_eop with (.*)", 20)
    m1 = h1.wait_for(r"net_eop: port 0: host 0 runs net_eop with (.*)", 20)
    log("host 0: %s" % m0.group(0))
    log("host 1: %s" % m1.group(0))
    check(re.search(r"queues=4 depth=512 slot=1024, this host with queues=2 "
                    r"depth=512 slot=2048: give both ends the same queues= slot=;",
                    m0.group(1)), "host 0 does not name the differing devargs")
    check(re.search(r"queues=2 depth=512 slot=2048, this host with queues=4 "
                    r"depth=512 slot=1024: give both ends the same queues= slot=;",
                    m1.group(1)), "host 1 does not name the differing devargs")
    check("nb_qp" not in m0.group(0) + m1.group(0), "EOP speaks of queue pairs")
    wait_link(h0, False, 2.0)
    wait_link(h1, False, 2.0)
    quit_pmd(h0)
    quit_pmd(h1)


def t_linkinfo(env):
    """A software fabric has no PCIe speed: the NTB link says unknown and EOP
    reports RTE_ETH_SPEED_NUM_UNKNOWN (testpmd: "Link speed: Unknown")."""
    h0, h1 = two_pmds(env)
    for h in (h0, h1):
        m = h.call("show port info 0", r"Link speed:\s*(.*)$", CMD_TIMEOUT)
        log("%s: Link speed: %s" % (h.name, m.group(1)))
        check(m.group(1).strip() == "Unknown",
              "%s: link speed %r, expected Unknown for a software fabric"
              % (h.name, m.group(1)))
    quit_pmd(h0)
    quit_pmd(h1)


# ---- teardown: every order safe, checked with a delay injected into rmdir --

def strace_delay():
    """Prefix that holds every rmdir 300 ms (strace fault injection): the
    NTB device's close then lasts long enough for anything that still
    polls it (EOP's alarm) to run into it."""
    st = shutil.which("strace")
    if not st:
        raise Skip("strace not found (Debian package strace)")
    args = [st, "-f", "-qq", "-o", "/dev/null", "-e", "trace=rmdir",
            "-e", "inject=rmdir:delay_enter=300000"]
    try:
        r = subprocess.run(args + ["true"], capture_output=True, text=True,
                           timeout=30)
    except (OSError, subprocess.SubprocessError) as e:
        raise Skip("strace cannot run: %s" % e)
    if r.returncode != 0:
        raise Skip("strace cannot trace here (ptrace refused?): %s"
                   % r.stderr.strip()[:200])
    return args


def delayed_pmd(env, host, tag, pmd_args, interactive=True):
    if not env.testpmd:
        raise Skip("dpdk-testpmd not found (Debian package dpdk)")
    stdbuf = shutil.which("stdbuf")
    args = ([stdbuf, "-oL", "-eL"] if stdbuf else []) + strace_delay()
    args += [env.testpmd] + env.eal(host, tag) + env.plugin_args()
    args += ["--"] + (["-i"] if interactive else []) + list(pmd_args)
    return Proc(env, "h%d%s" % (host, tag), args, env.testpmd_env, cwd="/")


def host_files(env, host):
    """Files host @host left in the fabric directory."""
    d = os.path.join(env.tmp, "marlin-fabric-" + env.fabric)
    try:
        return sorted(n for n in os.listdir(d) if n.startswith("host-%d." % host))
    except FileNotFoundError:
        return []


def exited_clean(env, h, host, want_rc, label):
    rc = h.wait(30, "exit (%s)" % label)
    check(rc == want_rc, "%s: exited with %s, expected %d%s\n%s" % (
        label, rc, want_rc,
        " (killed by a signal)" if rc < 0 or rc > 128 else "",
        h.tail()))
    left = host_files(env, host)
    check(not left, "%s: the host's fabric files were left behind: %s" % (label, left))


def t_teardown_cmdline(env):
    """testpmd quits from its own command-line error path (rte_exit): the EAL
    removes ntb_shm0 before net_eop0, whose alarm is still polling it."""
    h = delayed_pmd(env, 1, "c", ["--no-such-option"], interactive=False)
    h.wait_for(r"Invalid option|incomplete or incorrect", START_TIMEOUT)
    exited_clean(env, h, 1, 1, "command-line error exit")
    log("teardown_cmdline: rte_exit with the EOP port open: exit code 1, no files left")


def t_teardown_detach(env):
    """ntb_shm0 is removed (testpmd 'device detach') while the EOP port still
    holds a channel on it and sends: the port sees the link go down, the peer
    too, nothing crashes, and quitting afterwards frees everything."""
    h0 = env.testpmd_host(0, "a")
    h1 = delayed_pmd(env, 1, "b", ["--nb-cores=1", "--total-num-mbufs=16384"])
    pmd_ready(h0)
    pmd_ready(h1)
    wait_link(h0, True)
    wait_link(h1, True)
    h0.send("set fwd rxonly")
    h0.send("start")
    h1.send("set fwd txonly")
    h1.send("start")
    time.sleep(1.0)
    h1.call("device detach ntb_shm0", r"ntb_shm0 removed while 1 user",
            CMD_TIMEOUT)
    wait_link(h1, False, 5.0)
    wait_link(h0, False, 5.0)
    time.sleep(0.5)
    check(h1.alive(), "host 1 died after the detach\n%s" % h1.tail())
    h1.call("stop", r"Done\.", CMD_TIMEOUT)
    h1.send("quit")
    exited_clean(env, h1, 1, 0, "quit after the detach")
    quit_pmd(h0)
    log("teardown_detach: device removed under a running port: link down on both "
        "ends, clean quit, no files left")


def t_teardown_close_first(env):
    """The other order: the EOP port is closed first ('port close', then the
    EAL removes ntb_shm0 at quit); also a plain quit, where testpmd closes the
    port itself. Passes on the old code too: it guards the order that worked."""
    for i, cmds in enumerate((["port stop 0", "port close 0"], [])):
        h = delayed_pmd(env, 1, "q%d" % i, ["--nb-cores=1", "--total-num-mbufs=16384"])
        pmd_ready(h)
        for c in cmds:
            h.call(c, r"Done|closed|Stopping", CMD_TIMEOUT)
        h.send("quit")
        exited_clean(env, h, 1, 0, "quit after %s" % (" + ".join(cmds) or "nothing"))
    log("teardown_close_first: port closed before the NTB device: clean quit, no files left")
LINK_RE = re.compile(r"link to host \d+ (up|down)")


def link_events(h, since):
    """EOP's link lines (up/down) of @h from line @since on."""
    lines = h.lines(since)
    return [m.group(1) for m in map(LINK_RE.search, lines) if m]


def t_corrupt(env):
    """Garbage in the rings: both ends go down, then recover by themselves."""
    bound = 1.0
    h0, h1 = two_pmds(env, ",queues=2", ["--rxq=2", "--txq=2", "--txpkts=64"])
    h0.send("set fwd rxonly")
    h1.send("set fwd txonly")
    h0.send("start")
    h1.send("start")
    time.sleep(1.0)
    m0, m1 = h0.mark(), h1.mark()
    # host 0's window; the slice host 1 writes (port 1 of 2) is its second
    # half, starting with the rings of the port's HRDMA queue pairs (two per
    # queue; depth 256, 2 KiB slots: 128 + 256 * 64 + 256 * 2048 bytes each)
    path = garbage.window_file(env.tmp, env.fabric, 0)
    size = os.path.getsize(path)
    writes, t_stop = garbage.scribble(
        path, size // 2, size // 2 + 4 * (128 + 256 * 64 + 256 * 2048), 3.0,
        os.getpid())
    log("corrupt: wrote garbage %d times in 3 s into %s" % (writes, path))
    t_up = None
    while time.monotonic() < t_stop + bound + 5.0:
        e0, e1 = link_events(h0, m0), link_events(h1, m1)
        if e0 and e1 and e0[-1] == "up" and e1[-1] == "up":
            t_up = time.monotonic()
            break
        time.sleep(0.02)
    e0, e1 = link_events(h0, m0), link_events(h1, m1)
    log("corrupt: host 0 link %s; host 1 link %s" % (" ".join(e0), " ".join(e1)))
    for h, ev, m in ((h0, e0, m0), (h1, e1, m1)):
        check("down" in ev, "%s never reported the link down while host 0's "
              "rings were garbage\n%s" % (h.name, h.tail()))
        lsc = sum("link state change" in x for x in h.lines(m))
        check(lsc >= 2, "%s: %d link state change events (want down and up)"
              % (h.name, lsc))
    check(t_up is not None, "links not both up within %.0f s of the garbage "
          "stopping" % (bound + 5.0))
    took = t_up - t_stop
    # frames arrive again, within the bound: host 0's counter grows
    r1 = port_stats(h0)["RX-packets"]
    r2, t_flow = r1, None
    while time.monotonic() < t_stop + bound + 5.0:
        r2 = port_stats(h0)["RX-packets"]
        if r2 > r1:
            t_flow = time.monotonic()
            break
        time.sleep(0.02)
    check(t_flow is not None, "no frames arrive after the recovery\n%s" % h0.tail())
    log("corrupt: both links up %.0f ms after the garbage stopped, frames "
        "arriving again by %.0f ms" % (took * 1000, (t_flow - t_stop) * 1000))
    check(took <= bound, "links up only %.2f s after the garbage stopped "
          "(bound %.1f s)" % (took, bound))
    check(t_flow - t_stop <= bound, "frames arrive only %.2f s after the "
          "garbage stopped (bound %.1f s)" % (t_flow - t_stop, bound))
    # the sender first, then the receiver once its rings are drained
    for h in (h1, h0):
        wait_link(h, True, 5)
        h.call("stop", r"Done\.", CMD_TIMEOUT)
        time.sleep(0.5)
    x0, x1 = port_xstats(h0), port_xstats(h1)
    log("corrupt: link_downs %d / %d, peer_malformed %d / %d" % (
        x0["link_downs"], x1["link_downs"], x0.get("peer_malformed", 0),
        x1.get("peer_malformed", 0)))
    check(x0["link_downs"] >= 1 and x1["link_downs"] >= 1,
          "link_downs not counted on both ends")
    # frames flow both ways again (io forward lost its frames at the flaps:
    # prime it anew, as after any link loss)
    run_io(env, h0, h1, 2, "after recovery")
    quit_pmd(h0)
    quit_pmd(h1)


PY_PING = r"""
import os, socket, struct, sys, time
def cks(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.settimeout(2)
ok = 0
for seq in range(5):
    pl = b'eop-ping' * 4
    h = struct.pack('!BBHHH', 8, 0, 0, os.getpid() & 0xffff, seq)
    h = struct.pack('!BBHHH', 8, 0, cks(h + pl), os.getpid() & 0xffff, seq)
    t = time.time(); s.sendto(h + pl, ('@HOST@', 0))
    try:
        while True:
            d, a = s.recvfrom(2048)
            ihl = (d[0] & 15) * 4
            ty, _, _, i, sq = struct.unpack('!BBHHH', d[ihl:ihl + 8])
            if ty == 0 and i == os.getpid() & 0xffff and sq == seq:
                ok += 1; print('reply seq=%d %.2f ms' % (seq, (time.time() - t) * 1e3)); break
    except socket.timeout:
        pass
    time.sleep(0.2)
print('%d/5 replies' % ok)
sys.exit(0 if ok == 5 else 1)
"""

PY_TCP_SERVER = r"""
import hashlib, socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('0.0.0.0', 5201)); s.listen(1); s.settimeout(40)
c, _ = s.accept(); c.settimeout(40)
h = hashlib.sha256(); n = 0
while True:
    b = c.recv(1 << 16)
    if not b: break
    h.update(b); n += len(b)
print(h.hexdigest(), n)
"""

PY_TCP_CLIENT = r"""
import hashlib, os, socket
c = socket.create_connection(('@HOST@', 5201), timeout=20)
h = hashlib.sha256(); left = @SIZE@; blk = os.urandom(1 << 16)
while left > 0:
    b = blk[:min(left, len(blk))]; c.sendall(b); h.update(b); left -= len(b)
c.shutdown(socket.SHUT_WR); c.recv(1); c.close()
print(h.hexdigest(), @SIZE@)
"""

TESTS = {
    "devargs": t_devargs, "txrx": t_txrx, "queues4": t_queues4, "jumbo": t_jumbo,
    "integrity": t_integrity, "kill": t_kill, "intr": t_intr,
    "reconfig": t_reconfig, "sockets": t_sockets,
    "teardown_cmdline": t_teardown_cmdline, "teardown_detach": t_teardown_detach,
    "teardown_close_first": t_teardown_close_first,
    "mismatch": t_mismatch, "linkinfo": t_linkinfo, "corrupt": t_corrupt,
    "rings": t_rings, "ovs": t_ovs, "smallwin": t_smallwin, "rack": t_rack,
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build")
    ap.add_argument("--frames")
    ap.add_argument("--mw-size", default="16M")
    ap.add_argument("--ovs-mw-size", default="32M",
                    help="ovs: ntb_shm window (32M holds OVS's 2048-slot rings)")
    ap.add_argument("--ping-count", type=int, default=5,
                    help="sockets/ovs: ICMP echoes")
    ap.add_argument("--rxd", type=int, default=0,
                    help="sockets: ring size testpmd asks for (0: the port's default)")
    ap.add_argument("--iperf-secs", type=int, default=3,
                    help="sockets: iperf3 seconds when iperf3 is installed (0: none)")

    def prepare(a):
        if not a.build or not a.frames:
            ap.error("--build and --frames are required")
        a.frames = os.path.abspath(a.frames)
    return harness_main(ap, TESTS, lambda a: Env(a, a.test), prepare)


if __name__ == "__main__":
    sys.exit(main())
