#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""ntb_shm hosts with manager=: grants, refusals, revocation (and its
acknowledgement), shared windows, ranges mode."""

import json
import os
import signal
import subprocess
import time

from manager_common import (Proc, grants_of, EalHost)
from marlin_harness.session import Skip, check


def test_fabric_grants(t):
    """ntb_shm with manager=: windows are granted memory objects, revocation
    moves the owner's pages, traffic outlives the manager."""
    if t.mp_host is None:
        raise Skip("mp_host (tests/ntb_shm_mp) not built")
    os.mkdir(os.path.join(t.tmp, "fab"))
    m = t.serve()
    t.cli("revoke", "1", "0", rc=0)       # host 0 may not reach host 1
    h0 = EalHost(t, 0, "mg", 0)
    h1 = EalHost(t, 1, "mg", 1)
    fab = os.path.join(t.tmp, "fab", "marlin-fabric-mg")
    files = sorted(os.listdir(fab))
    check(not any(".mw-" in f for f in files),
          "no window files to open by name: %s" % files)
    for h in (h0, h1):
        h.ok("enable")
    # Host 0 may not reach host 1: no translation that way, no link.
    m0 = h0.do("wait_up 1 1500", timeout=10)
    check(m0.group(0) == "ERR", "link 0-1 must stay down without a grant")
    t.cli("grant", "1", "0", "rw", rc=0)
    h0.ok("wait_up 1 10000")
    h1.ok("wait_up 0 10000")
    # A second process for host 1 is turned away by the manager.
    dup = Proc(t, [t.mp_host, "-l", "1", "--no-pci", "--no-huge", "-m", "128",
                   "--no-telemetry", "--file-prefix", h1.prefix + "dup",
                   "--log-level", "lib.eal:warning", "--vdev",
                   h1.args[-1]])
    t.prefixes.append(h1.prefix + "dup")
    check(dup.wait(60) != 0, "a second host 1 must not start")
    check(any("held by pid %d" % h1.proc.pid in ln for ln in dup.err),
          "the refusal names the holder: %s" % dup.err[-5:])
    h1.ok("write 0 11")
    h0.ok("verify 1 11")
    h0.ok("write 1 12")
    h1.ok("verify 0 12")
    # Revoke: host 0 moves host 1's pages to fresh memory; both see the
    # link go down; nothing of what host 1 wrote is left in host 0's view.
    t.cli("revoke", "0", "1", rc=0)
    h1.ok("wait_down 0 10000")
    h0.ok("wait_down 1 10000")
    h0.ok("absent 1 11")
    t.cli("grant", "0", "1", "rw", rc=0)
    h0.ok("wait_up 1 10000")
    h1.ok("wait_up 0 10000")
    h1.ok("write 0 13")
    h0.ok("verify 1 13")
    # Cuts come from the manager (no --fabric: nothing in the directory).
    t.cli("cut", "0", "1", rc=0)
    h0.ok("wait_down 1 10000")
    h1.ok("wait_down 0 10000")
    check(not any(f.startswith("cut-") for f in os.listdir(fab)),
          "the cut is the manager's, not a file")
    t.cli("restore", "0", "1", rc=0)
    h0.ok("wait_up 1 10000")
    h1.ok("wait_up 0 10000")
    # The data plane does not need the manager.
    m.stop(signal.SIGKILL)
    h1.ok("write 0 14")
    h0.ok("verify 1 14")
    check(" up=1 " in h0.ok("link 1"), "link up without the manager")
    # Back with its saved state: the hosts register again on their own,
    # keep their windows (no link flap), and new decisions reach them.
    m2 = t.serve()
    end = time.monotonic() + 20
    while True:
        hosts = t.cli("--json", "hosts", rc=0, json_out=True)["hosts"]
        if all(x["connected"] for x in hosts) and len(hosts) == 2:
            break
        check(time.monotonic() < end, "hosts registered again: %s" % hosts)
        time.sleep(0.2)
    m2.expect(r"hello host 0 .*registered again \(same process\)")
    h1.ok("write 0 15")
    h0.ok("verify 1 15")
    t.cli("revoke", "0", "1", rc=0)
    h1.ok("wait_down 0 10000")
    h0.ok("wait_down 1 10000")
    t.cli("grant", "0", "1", "rw", rc=0)
    h0.ok("wait_up 1 10000")
    h1.ok("wait_up 0 10000")
    h1.ok("write 0 16")
    h0.ok("verify 1 16")
    for h in (h0, h1):
        h.proc.stdin.close()
        check(h.wait(30) == 0, "host exits cleanly")


def test_fabric_refused(t):
    """ntb_shm with manager=: no manager, or a policy that does not let this
    uid hold the id: the host does not start, and says why."""
    if t.mp_host is None:
        raise Skip("mp_host (tests/ntb_shm_mp) not built")
    os.mkdir(os.path.join(t.tmp, "fab"))
    fab = os.path.join(t.tmp, "fab", "marlin-fabric-rf")

    def start(hid):
        prefix = "mgr%d_rf_h%d" % (os.getpid(), hid)
        t.prefixes.append(prefix)
        p = Proc(t, [t.mp_host, "-l", "0", "--no-pci", "--no-huge", "-m",
                     "128", "--no-telemetry", "--file-prefix", prefix,
                     "--log-level", "lib.eal:warning", "--vdev",
                     "ntb_shm0,fabric=rf,host=%d,hosts=2,dir=%s,manager=%s"
                     % (hid, os.path.join(t.tmp, "fab"), t.sock)])
        check(p.wait(60) != 0, "host %d must not start" % hid)
        time.sleep(0.2)
        return "\n".join(p.err + p.out)

    err = start(0)
    check("cannot reach the rack manager" in err and
          "is marlin-fabric serve running?" in err, err[-400:])
    pol = os.path.join(t.tmp, "policy")
    with open(pol, "w") as f:
        f.write("host 1 uid %d\nadmin uid 0\n" % os.geteuid())
    t.serve("--policy", pol)
    err = start(0)
    check("does not let uid %d hold host 0" % os.geteuid() in err, err[-400:])
    check(not os.path.exists(fab) or not os.listdir(fab),
          "a refused host leaves no files: %s" %
          (os.listdir(fab) if os.path.exists(fab) else ""))


def test_revoked_peer(t):
    """A hostile peer keeps the object it was granted mapped and writes on
    after the revocation: none of it reaches the owner any more."""
    if t.mp_host is None:
        raise Skip("mp_host (tests/ntb_shm_mp) not built")
    os.mkdir(os.path.join(t.tmp, "fab"))
    t.serve()
    h0 = EalHost(t, 0, "rv", 0)
    bad = t.host(1, "--size", "65536", "--scribble", "0xab")
    bad.expect(r"event=grant owner=0 peer=1 window=0 access=rw .*"
               r"scribbling=yes")

    def peek_until(want, timeout=10.0):
        end = time.monotonic() + timeout
        while True:
            val = int(h0.ok("peek 0").split("val=")[1], 16)
            if val == want or time.monotonic() > end:
                return val
            time.sleep(0.05)

    check(peek_until(0xabababababababab) == 0xabababababababab,
          "the granted peer's stores land in host 0's window")

    def counter():
        return int(h0.ok("peek 8").split("val=")[1], 16)

    def moving(want, timeout=10.0):
        end = time.monotonic() + timeout
        while True:
            a = counter()
            time.sleep(0.2)
            if (counter() != a) == want or time.monotonic() > end:
                return counter() != a if want else counter() == a
            time.sleep(0.05)

    check(moving(True), "the peer's counter moves in host 0's window")
    # Down to read-only: host 0 copies the pages to an object the peer
    # gets read-only; its old writable mapping reaches nothing.
    t.cli("grant", "0", "1", "ro", "0", rc=0)
    bad.expect(r"event=grant owner=0 peer=1 window=0 access=ro .*fd=1 .*"
               r"write_map=refused")
    check(moving(False), "after the downgrade the counter stands still")
    check(peek_until(0xabababababababab, timeout=0) == 0xabababababababab,
          "the data is still there to read")
    t.cli("revoke", "0", "1", rc=0)
    bad.expect(r"event=revoke owner=0 peer=1 window=0")
    check(peek_until(0) == 0, "after revoke host 0 sees fresh memory")
    time.sleep(0.5)                       # the peer goes on scribbling
    check(bad.proc.poll() is None, "the hostile peer is still running")
    check(peek_until(0, timeout=0) == 0,
          "the revoked peer's stores do not land")
    h0.proc.stdin.close()
    check(h0.wait(30) == 0, "host 0 exits cleanly")


def test_shared_mw(t):
    """ntb_shm with manager= and shared_mw=0: host 0's window is one object
    for both its peers (each overwrites the other's data there); revoking
    one moves it with its contents for the other, which goes on."""
    if t.mp_host is None:
        raise Skip("mp_host (tests/ntb_shm_mp) not built")
    os.mkdir(os.path.join(t.tmp, "fab"))
    t.serve()
    h0 = EalHost(t, 0, "sh", 0, hosts=3, devargs=",shared_mw=0")
    h1 = EalHost(t, 1, "sh", 1, hosts=3)
    h2 = EalHost(t, 2, "sh", 1, hosts=3)
    for h in (h0, h1, h2):
        h.ok("enable")
    for a, b in ((h0, 1), (h0, 2), (h1, 0), (h2, 0)):
        a.ok("wait_up %d 10000" % b)
    # Peers of a managed fabric write at offset 0 of their copy: here the
    # copies are one memory, which host 0 reads as peer 1's window.
    h1.ok("write 0 21")
    h0.ok("verify 1 21")
    h2.ok("write 0 22")
    h0.ok("verify 2 22")
    h0.ok("absent 1 21")

    def lands(h, port, seed, timeout=10.0):
        end = time.monotonic() + timeout
        while True:
            h.ok("write 0 %d" % seed)
            if h0.do("verify %d %d" % (port, seed)).group(0) == "OK":
                return True
            check(time.monotonic() < end, "host %d's stores reach host 0 "
                  "again after the move" % port)
            time.sleep(0.1)

    t.cli("revoke", "0", "2", rc=0)
    h2.ok("wait_down 0 10000")
    h0.ok("wait_down 2 10000")
    h0.ok("verify 2 22")                  # moved with its contents
    lands(h1, 1, 23)                      # host 1 maps the new object
    t.cli("grant", "0", "2", "rw", rc=0)
    h2.ok("wait_up 0 10000")
    lands(h2, 2, 24)
    for h in (h0, h1, h2):
        h.proc.stdin.close()
        check(h.wait(30) == 0, "host exits cleanly")


def test_revoke_ack(t):
    """revoke returns only once the owner moved the pages: a hostile peer
    storing in a tight loop reaches none of the owner's memory from the
    moment revoke returns. An owner that does not confirm makes revoke
    fail with a timeout naming it (the revocation stays recorded); an
    owner that went away counts as done."""
    if t.mp_host is None:
        raise Skip("mp_host (tests/ntb_shm_mp) not built")
    os.mkdir(os.path.join(t.tmp, "fab"))
    m = t.serve()
    h0 = EalHost(t, 0, "ra", 0)
    bad = t.host(1, "--size", "65536", "--scribble", "0xcd", "--tight")
    bad.expect(r"event=grant owner=0 peer=1 window=0 access=rw .*"
               r"scribbling=yes")

    def peek(off):
        return int(h0.ok("peek %d" % off).split("val=")[1], 16)

    end = time.monotonic() + 10
    while peek(0) != 0xcdcdcdcdcdcdcdcd:
        check(time.monotonic() < end, "the granted peer's stores land")
        time.sleep(0.05)
    vals = set()
    for _ in range(40):
        vals.add(peek(8))
        if len(vals) > 2:
            break
        time.sleep(0.01)
    check(len(vals) > 2, "the peer's counter moves in host 0's window")
    # No downgrade first: the peer writes rw up to the revoke. Host 0 is
    # stopped (it cannot poll): revoke must wait for it, not return.
    os.kill(h0.proc.pid, signal.SIGSTOP)
    try:
        cli = subprocess.Popen([t.tool, "--socket", t.sock, "--json",
                                "revoke", "0", "1", "0", "--wait-ms", "10000"],
                               stdout=subprocess.PIPE, text=True)
        time.sleep(0.5)
        check(cli.poll() is None,
              "revoke returned before host 0 moved its pages")
    finally:
        os.kill(h0.proc.pid, signal.SIGCONT)
    out, _ = cli.communicate(timeout=20)
    print("$ marlin-fabric --json revoke 0 1 0 -> %d\n%s" % (cli.returncode,
          out), flush=True)
    out = json.loads(out)
    check(cli.returncode == 0 and out["owner_ack"] == "moved",
          "owner confirmed: %s" % out)
    # From here on, nothing the peer stores may show in host 0's window.
    seen = set()
    for _ in range(60):
        seen.add((peek(0), peek(8)))
    check(seen == {(0, 0)}, "stores after revoke returned landed: %s" %
          sorted("%x/%x" % v for v in seen)[:4])
    check(bad.proc.poll() is None, "the hostile peer is still running")
    m.expect(r"uid=0 pid=\d+: revoke 0 1 window 0: .*host 0 moved the "
             r"pages to fresh memory \(confirmed in \d+ ms\)")
    # An owner that never confirms: revoke says so and fails, the
    # revocation is recorded all the same.
    mute = t.host(2, "--no-ack")
    mute.expect(r"^registered")
    mute.expect(r"event=link a=\d b=\d up=1")
    t0 = time.monotonic()
    p = t.cli("--json", "revoke", "2", "0", "--wait-ms", "300", rc=1)
    took = time.monotonic() - t0
    out = json.loads(p.stdout)
    check(out["ok"] is False and out["status"] == -110 and
          out["owner_ack"] == "timeout", "timeout reported: %s" % out)
    check("host 2 did not confirm within 300 ms" in p.stderr, p.stderr)
    check(0.25 < took < 5, "bounded wait: %.2f s" % took)
    m.expect(r"revoke 2 0 window all: .*but host 2 did not confirm within "
             r"300 ms")
    check((2, 0, 0) not in grants_of(t), "the timed-out revoke is recorded")
    mute.expect(r"event=revoke owner=2 peer=0 window=0 .*ack=withheld")
    # A dead owner counts as done.
    mute.stop(signal.SIGKILL)
    m.expect(r"host 2 \(pid \d+\) disconnected")
    out = t.cli("--json", "revoke", "2", "1", rc=0, json_out=True)
    check(out["owner_ack"] == "owner_away", "dead owner: %s" % out)
    t.cli("revoke", "0", "1", "--wait-ms", "0", rc=2)
    t.cli("grant", "0", "1", "rw", "--wait-ms", "100", rc=2)
    h0.proc.stdin.close()
    check(h0.wait(30) == 0, "host 0 exits cleanly")


def test_ranges(t):
    """Ranges mode (mw_ranges=1): a hostile peer granted host 0's window
    gets no object for the window, only the ranges host 0 exposes; after
    unexpose or revoke its stores no longer reach host 0. An honest peer
    faults on a store outside the exposed ranges."""
    if t.mp_host is None:
        raise Skip("mp_host (tests/ntb_shm_mp) not built")
    os.mkdir(os.path.join(t.tmp, "fab"))
    m = t.serve()
    h0 = EalHost(t, 0, "rg", 0, hosts=3, devargs=",mw_ranges=1")
    bad = t.host(1, "--size", "65536", "--scribble", "0xee", "--tight")
    # The grant comes without an object: nothing of the window to map.
    bad.expect(r"event=grant owner=0 peer=1 window=0 access=rw .*fd=0 "
               r"ranges=1")
    g = t.cli("--json", "grants", rc=0, json_out=True)["grants"]
    check(any(x["owner"] == 0 and x["ranges"] for x in g) and
          not any(x["owner"] == 1 and x["ranges"] for x in g),
          "grants say which owner is in ranges mode: %s" % g)

    def peek(off):
        return int(h0.ok("peek %d" % off).split("val=")[1], 16)

    def counter_moves(off):
        vals = set()
        for _ in range(40):
            vals.add(peek(off))
            if len(vals) > 2:
                return True
            time.sleep(0.01)
        return False

    time.sleep(0.3)
    check(all(peek(o) == 0 for o in range(0, 65536, 4096)),
          "nothing of host 0's window reached before an expose")
    check(h0.do("expose 1 4097 4096 rw").group(0) == "ERR",
          "an unaligned range is refused")
    def exposed_to(peer, off, size, byte):
        h0.ok("expose 1 %d %d rw" % (off, size))
        peer.expect(r"event=range owner=0 peer=1 window=0 access=rw "
                    r"offset=%d size=%d fd=1 scribbling=yes" % (off, size))
        end = time.monotonic() + 10
        while peek(off) != int.from_bytes(bytes([byte]) * 8, "little"):
            check(time.monotonic() < end, "stores land in the exposed range")
            time.sleep(0.02)

    exposed_to(bad, 8192, 4096, 0xee)
    check(counter_moves(8200), "the peer writes the exposed range")
    check(all(peek(o) == 0 for o in range(0, 65536, 4096) if o != 8192),
          "nothing outside the exposed range reached")
    check(h0.do("expose 1 4096 8192 rw").group(0) == "ERR",
          "an overlapping range is refused")
    # Taken back: out of the peer's reach when unexpose returns, bytes kept.
    h0.ok("unexpose 1 8192 4096")
    check(not counter_moves(8200), "stores after unexpose returned landed")
    check(peek(8192) == 0xeeeeeeeeeeeeeeee, "host 0 keeps the bytes")
    bad.expect(r"event=range owner=0 peer=1 window=0 access=none "
               r"offset=8192 size=4096 fd=0")
    check(h0.do("unexpose 1 8192 4096").group(0) == "ERR",
          "a range not exposed cannot be taken back")
    check(bad.proc.poll() is None, "the hostile peer is still running")
    # An honest peer in ranges mode maps nothing but the exposed ranges:
    # a store elsewhere faults in the storing process.
    h2 = EalHost(t, 2, "rg", 1, hosts=3, devargs=",mw_ranges=1")
    for h in (h0, h2):
        h.ok("enable")
    h0.ok("wait_up 2 10000")
    h2.ok("wait_up 0 10000")
    check("signal=11" in h2.ok("poke 0 8192"),
          "a store outside the exposed ranges faults")
    h0.ok("expose 2 8192 4096 rw")
    end = time.monotonic() + 10
    while "exit=0" not in h2.ok("poke 0 8192"):
        check(time.monotonic() < end, "the exposed range is writable")
        time.sleep(0.02)
    check("signal=11" in h2.ok("poke 0 12288"),
          "the next page is still out of reach")
    h0.ok("unexpose 2 8192 4096")
    end = time.monotonic() + 10
    while "signal=11" not in h2.ok("poke 0 8192"):
        check(time.monotonic() < end, "taken back: unmapped at the peer")
        time.sleep(0.02)
    # revoke moves the exposed ranges (bytes kept) before it returns.
    bad.stop(signal.SIGKILL)
    bad2 = t.host(1, "--size", "65536", "--scribble", "0xdd", "--tight")
    bad2.expect(r"event=grant owner=0 peer=1 window=0 access=rw .*ranges=1")
    exposed_to(bad2, 16384, 8192, 0xdd)
    out = t.cli("--json", "revoke", "0", "1", "0", rc=0, json_out=True)
    check(out["owner_ack"] == "moved", "owner confirmed: %s" % out)
    check(not counter_moves(16392), "stores after revoke returned landed")
    check(peek(16384) == 0xdddddddddddddddd, "host 0 keeps the bytes")
    m.expect(r"host 0 moved the pages")
    # The manager killed and back: the range stays mapped meanwhile, the
    # owner hands its ranges over again, and taking one back still works.
    h0.ok("expose 2 8192 4096 rw")
    end = time.monotonic() + 10
    while "exit=0" not in h2.ok("poke 0 8192"):
        check(time.monotonic() < end, "exposed to host 2 again")
        time.sleep(0.02)
    m.stop(signal.SIGKILL)
    check("exit=0" in h2.ok("poke 0 8192"), "mapped without the manager")
    m = t.serve()
    end = time.monotonic() + 20
    while True:
        hosts = t.cli("--json", "hosts", rc=0, json_out=True)["hosts"]
        if all(x["connected"] for x in hosts if x["id"] in (0, 2)):
            break
        check(time.monotonic() < end, "hosts registered again: %s" % hosts)
        time.sleep(0.2)
    check("exit=0" in h2.ok("poke 0 8192"), "kept across the restart")
    h0.ok("unexpose 2 8192 4096")
    end = time.monotonic() + 10
    while "signal=11" not in h2.ok("poke 0 8192"):
        check(time.monotonic() < end, "taken back after the restart")
        time.sleep(0.02)

    def ready2(off, size):
        return "ready=1" in h2.ok("ready 0 %d %d" % (off, size))

    # Host 0 dies with a range exposed and starts anew: the old run's
    # range must not count as ready at host 2 (its stores would land in
    # the dead run's memory) until the new run exposes its own.
    h0.ok("expose 2 8192 4096 rw")
    end = time.monotonic() + 10
    while not ready2(8192, 4096):
        check(time.monotonic() < end, "exposed to host 2 before the kill")
        time.sleep(0.02)
    h0.stop(signal.SIGKILL)
    h0 = EalHost(t, 0, "rg", 0, hosts=3, devargs=",mw_ranges=1")
    h0.ok("enable")
    h0.ok("wait_up 2 10000")
    for _ in range(20):
        check(not ready2(8192, 4096),
              "the dead run's range still counts as ready at host 2")
        time.sleep(0.02)
    h0.ok("expose 2 8192 4096 rw")
    end = time.monotonic() + 10
    while not ready2(8192, 4096):
        check(time.monotonic() < end, "the new run's range reaches host 2")
        time.sleep(0.02)
    # (host 0's peek reads its view for host 1: host 2's stores go to
    # the view for host 2, so only whether they fault is seen here)
    check("exit=0" in h2.ok("poke 0 8192"), "host 2 stores into the new run")
    check("signal=11" in h2.ok("poke 0 12288"),
          "the new run's next page is out of reach")
    for h in (h0, h2):
        h.proc.stdin.close()
        check(h.wait(30) == 0, "host exits cleanly")
