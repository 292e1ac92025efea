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

    def eal(self, host, tag, extra_vdev_args="", ntb_args=""):
        core = host
        return ["--lcores=0@(0,1),1@%d" % core, "--file-prefix=" + self.prefix(tag),
                "--no-pci", "--no-huge", "-m", "256", "--no-telemetry",
                "--log-level=lib.eal:error", "--log-level=pmd.net.eop:info",
                "--vdev", "ntb_shm0,fabric=%s,host=%d,hosts=2,mw_count=1,mw_size=%s,dir=%s%s"
                % (self.fabric, host, self.a.mw_size, self.tmp, ntb_args),
                "--vdev", "net_eop0,ntb=ntb_shm0,peer=%d%s" % (1 - host,
                                                           extra_vdev_args)]

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


def port_xstats(h):
    i = h.mark()
    h.call("show port xstats 0", r"link_ups:", CMD_TIMEOUT)
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
        ("net_eop0,ntb=ntb_shm0,peer=1,queues=8,depth=4096", r"cannot open an HRDMA channel"),
    ]
    for i, (vdev, msg) in enumerate(cases):
        eal = ["--lcores=0@(0,1),1@0", "--file-prefix=" + env.prefix("d%d" % i),
               "--no-pci", "--no-huge", "-m", "256", "--no-telemetry",
               "--log-level=lib.eal:error",
               "--vdev", "ntb_shm0,fabric=%s,host=0,hosts=2,mw_count=1,mw_size=%s,dir=%s"
               % (env.fabric + "d%d" % i, env.a.mw_size, env.tmp),
               "--vdev", vdev]
        h = env.testpmd_host(0, "d%d" % i, eal=eal)
        h.wait_for(msg, START_TIMEOUT)
        time.sleep(1.0)
        h.call("show port summary all", r"Number of available ports: 0",
               CMD_TIMEOUT)
        quit_pmd(h)
        log("devargs %-45s -> refused, no port" % vdev.split(",", 1)[1])


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
        time.sleep(0.7)
        before = port_stats(h1)["RX-packets"]
        time.sleep(0.8)
        after = port_stats(h1)["RX-packets"]
        check(after > before, "no traffic after reconfiguring to %d queues" % nq)
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


def t_sockets(env):
    ip = shutil.which("ip")
    if not ip:
        raise Skip("ip (iproute2) not installed")
    if not os.path.exists("/dev/net/tun"):
        raise Skip("/dev/net/tun missing: net_tap cannot run")
    nss = ["eopns%d_%d" % (os.getpid(), h) for h in (0, 1)]
    for ns in nss:
        r = subprocess.run([ip, "netns", "add", ns], capture_output=True, text=True)
        if r.returncode != 0:
            raise Skip("cannot create network namespaces: %s" % r.stderr.strip())
        env.netns.append(ns)
    taps = ["eoptap%d_%d" % (os.getpid() % 10000, h) for h in (0, 1)]
    hs = []
    for h in (0, 1):
        eal = env.eal(h, "s%d" % h) + ["--vdev", "net_tap0,iface=%s" % taps[h]]
        # port 0 = EOP, port 1 = tap; io forward between them
        hs.append(env.testpmd_host(h, "s%d" % h, eal=eal,
                                   pmd_args=["--forward-mode=io", "--auto-start"]))
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
    # ping
    ping = shutil.which("ping")
    if ping:
        r = subprocess.run([ip, "netns", "exec", nss[0], ping, "-c", "5", "-i", "0.2",
                            "-W", "2", "10.77.0.2"], capture_output=True, text=True,
                           timeout=30)
        log(r.stdout.strip().splitlines()[-2] if r.stdout.strip() else r.stderr)
        check(r.returncode == 0, "ping failed:\n%s%s" % (r.stdout, r.stderr))
    else:
        code = PY_PING.replace("@HOST@", "10.77.0.2")
        r = subprocess.run([ip, "netns", "exec", nss[0], sys.executable, "-c", code],
                           capture_output=True, text=True, timeout=30)
        log("ping (python raw ICMP, iputils-ping not installed): %s" % " | ".join(r.stdout.split("\n")))
        check(r.returncode == 0, "ICMP echo failed:\n%s%s" % (r.stdout, r.stderr))
    # TCP transfer
    size = 32 << 20
    srv = subprocess.Popen([ip, "netns", "exec", nss[1], sys.executable, "-c",
                            PY_TCP_SERVER], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)
        t0 = time.time()
        cli = subprocess.run([ip, "netns", "exec", nss[0], sys.executable, "-c",
                              PY_TCP_CLIENT.replace("@HOST@", "10.77.0.2")
                              .replace("@SIZE@", str(size))],
                             capture_output=True, text=True, timeout=60)
        dt = time.time() - t0
        out, err = srv.communicate(timeout=30)
    finally:
        if srv.poll() is None:
            srv.kill()
    check(cli.returncode == 0, "TCP client failed: %s" % cli.stderr)
    check(out.strip() == cli.stdout.strip() and len(out.strip()) == 64 + 1 + len(str(size)),
          "TCP transfer mismatch: sent %r, received %r (%s)" % (
              cli.stdout.strip(), out.strip(), err))
    log("TCP: %d MiB between namespaces over EOP in %.2f s (%.0f Mb/s), sha256 matches"
        % (size >> 20, dt, size * 8 / dt / 1e6))
    for h in hs:
        quit_pmd(h)


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
    check(re.search(r"queues=4 depth=256 slot=1024, this host with queues=2 "
                    r"depth=256 slot=2048: give both ends the same queues= slot=;",
                    m0.group(1)), "host 0 does not name the differing devargs")
    check(re.search(r"queues=2 depth=256 slot=2048, this host with queues=4 "
                    r"depth=256 slot=1024: give both ends the same queues= slot=;",
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
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build")
    ap.add_argument("--frames")
    ap.add_argument("--mw-size", default="16M")

    def prepare(a):
        if not a.build or not a.frames:
            ap.error("--build and --frames are required")
        a.frames = os.path.abspath(a.frames)
    return harness_main(ap, TESTS, lambda a: Env(a, a.test), prepare)


if __name__ == "__main__":
    sys.exit(main())
