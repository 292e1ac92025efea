# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""EOP between two testpmd or eop_frames hosts: devargs, traffic (sizes,
queues, rings, small windows), integrity, peer loss, interrupts,
reconfiguration, mismatched ends, link info, garbage in the rings."""

import os
import re
import time

from eop_common import (CMD_TIMEOUT, START_TIMEOUT, check, check_clean,
                        finish_frames, frames_pair, last_json, lone_pmd, log,
                        pmd_ready, port_stats, port_xstats, quit_pmd, run_io,
                        run_txrx, two_pmds, wait_link)
from marlin_harness import garbage


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
    # the default depth is what the window holds: 512 in a window shared
    # by two hosts, 1024 in one of the peer's own (with the rack manager)
    check(re.search(r"queues=4 depth=(\d+) slot=1024, this host with queues=2 "
                    r"depth=\1 slot=2048: give both ends the same queues= slot=;",
                    m0.group(1)), "host 0 does not name the differing devargs")
    check(re.search(r"queues=2 depth=(\d+) slot=2048, this host with queues=4 "
                    r"depth=\1 slot=1024: give both ends the same queues= slot=;",
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
    # half (with the rack manager: host 0's memory object for host 1, all
    # of it), starting with the rings of the port's HRDMA queue pairs (two
    # per queue; depth 256, 2 KiB slots: 128 + 256 * 64 + 256 * 2048 bytes
    # each)
    if env.socket:
        path = garbage.window_object(h0.proc.pid, 0, 1)
        lo = 0
    else:
        path = garbage.window_file(env.tmp, env.fabric, 0)
        lo = os.path.getsize(path) // 2
    writes, t_stop = garbage.scribble(
        path, lo, lo + 4 * (128 + 256 * 64 + 256 * 2048), 3.0, os.getpid())
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
