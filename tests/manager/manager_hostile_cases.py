#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""ntb_shm hosts with manager= next to hostile ones: mixed fabrics, two
users, planted and replaced files, a host scribbling on every bank it gets."""

import os
import signal
import struct
import subprocess
import time

from manager_common import (Proc, need_root, EalHost, NOBODY)
from marlin_harness.session import Skip, check


def test_mixed(t):
    """A host with manager= and one without on one fabric: the second to
    come is refused (-EPERM), with the reason, both ways."""
    if t.mp_host is None:
        raise Skip("mp_host (tests/ntb_shm_mp) not built")
    os.mkdir(os.path.join(t.tmp, "fab"))
    t.serve()

    def refused(hid, fabric, manager):
        prefix = t.prefix("%s_h%d_refused" % (fabric, hid))
        dev = ("ntb_shm0,fabric=%s,host=%d,hosts=2,mw_count=1,mw_size=64K,"
               "dir=%s" % (fabric, hid, os.path.join(t.tmp, "fab")))
        if manager:
            dev += ",manager=%s" % t.sock
        p = Proc(t, [t.mp_host, "-l", "1", "--no-pci", "--no-huge", "-m",
                     "128", "--no-telemetry", "--file-prefix", prefix,
                     "--log-level", "lib.eal:warning", "--vdev", dev])
        check(p.wait(60) != 0, "host %d must not start" % hid)
        err = "\n".join(p.err + p.out)
        check("must all use manager= (or none)" in err, err[-600:])

    h0 = EalHost(t, 0, "mx", 0)
    refused(1, "mx", False)
    h0.proc.stdin.close()
    check(h0.wait(30) == 0, "host exits cleanly")
    # The other way round the host with manager= starts (a page file
    # anyone may plant must not keep it from starting), says so, and
    # never links.
    h0 = EalHost(t, 0, "my", 0, manager=False)
    h1 = EalHost(t, 1, "my", 1)
    # stderr is read by its own thread: the warning may trail READY
    h1.wait_for(r"must all use manager= \(or none\)", 10, stderr=True)
    for h in (h0, h1):
        h.ok("enable")
    check(h1.do("wait_up 0 1500", timeout=10).group(0) == "ERR",
          "no link between a host with manager= and one without")
    for h in (h0, h1):
        h.proc.stdin.close()
        check(h.wait(30) == 0, "host exits cleanly")


def test_two_users(t):
    """ntb_shm with manager=: host 0 as root and host 1 as nobody, on a
    fabric directory shared by group: traffic, doorbells, scratchpads."""
    if t.mp_host is None:
        raise Skip("mp_host (tests/ntb_shm_mp) not built")
    need_root()
    fab = os.path.join(t.tmp, "fab")
    os.mkdir(fab)
    os.chmod(fab, 0o755)
    shared = os.path.join(fab, "marlin-fabric-du")
    os.mkdir(shared)
    os.chown(shared, 0, NOBODY)
    os.chmod(shared, 0o2770)
    pol = os.path.join(t.tmp, "policy")
    with open(pol, "w") as f:
        f.write("host 0 uid 0\nhost 1 uid %d\nadmin uid 0\n"
                "grant all all rw\n" % NOBODY)
    t.serve("--policy", pol, "--group", "nogroup")
    h0 = EalHost(t, 0, "du", 0)
    h1 = EalHost(t, 1, "du", 1, user=NOBODY)
    for h in (h0, h1):
        h.ok("enable")
    h0.ok("wait_up 1 10000")
    h1.ok("wait_up 0 10000")
    h1.ok("write 0 31")
    h0.ok("verify 1 31")
    h0.ok("write 1 32")
    h1.ok("verify 0 32")
    h1.ok("spad_w 0 3 0x4242")
    h1.ok("db 0 0x4")
    h0.ok("db_wait 0x4 5000")
    check(h0.ok("spad_r 1 3").endswith("val=0x00004242"),
          "host 0 reads nobody's scratchpad")
    for h in (h0, h1):
        h.proc.stdin.close()
        check(h.wait(30) == 0, "host exits cleanly")


def forged_page(hid, hosts=2, link=0, epoch=1):
    """An ntb_shm register page (drivers/ntb/shm/shm_wire.h) as a
    hostile process would plant it: published (magic), link disabled,
    every link cut, every doorbell rung."""
    hdr = struct.pack("<6IQQIIQQ", 0x534e4c4d, 1, hid, hosts, 1, 16, 65536,
                      epoch, 4242, link, 0, 1)
    mgmt = struct.pack("<Q", (1 << 64) - 1) + bytes(56)
    return hdr + mgmt + b"\x01" * (64 * 384)


def test_hostile_files(t):
    """ntb_shm with manager=: the fabric directory holds only lock files,
    which running hosts do not read; a process of the same uid that
    plants, replaces, truncates or removes files there cannot take a link
    down or change link state; link enable and disable reach the peer with
    the manager killed; kill -9 and restart of a host and of the manager
    bring everything back."""
    if t.mp_host is None:
        raise Skip("mp_host (tests/ntb_shm_mp) not built")
    parent = os.path.join(t.tmp, "fab")
    os.mkdir(parent)
    m = t.serve()
    h0 = EalHost(t, 0, "hf", 0)
    h1 = EalHost(t, 1, "hf", 1)
    for h in (h0, h1):
        h.ok("enable")
    h0.ok("wait_up 1 10000")
    h1.ok("wait_up 0 10000")
    fab = os.path.join(parent, "marlin-fabric-hf")
    check(sorted(os.listdir(fab)) == ["host-0.lock", "host-1.lock"],
          "only lock files in the fabric directory: %s" % os.listdir(fab))

    def up(tag):
        time.sleep(0.5)                   # > 10 slow checks of each host
        for h, o in ((h0, 1), (h1, 0)):
            check(h.proc.poll() is None, "%s: host still running" % tag)
            check(" up=1 " in h.ok("link %d" % o), "%s: link stays up" % tag)

    # Forged register pages (link disabled, every link cut), a window
    # file, a cut record, FIFOs where a page or a lock would be.
    for hid in (0, 1):
        with open(os.path.join(fab, "host-%d.regs" % hid), "wb") as f:
            f.write(forged_page(hid))
        with open(os.path.join(fab, "host-%d.mw-0" % hid), "wb") as f:
            f.write(b"\xee" * 65536)
    open(os.path.join(fab, "cut-0-1"), "w").close()
    os.mkfifo(os.path.join(fab, "host-2.regs"))
    os.mkfifo(os.path.join(fab, "host-3.lock"))
    up("planted pages, windows, cut record, FIFOs")
    # Replaced and truncated: the forged pages, then the locks (sized
    # and emptied again: flock does not care).
    for hid in (0, 1):
        tmp = os.path.join(fab, "x%d" % hid)
        with open(tmp, "wb") as f:
            f.write(forged_page(hid, epoch=7))
        os.rename(tmp, os.path.join(fab, "host-%d.regs" % hid))
        os.truncate(os.path.join(fab, "host-%d.regs" % hid), 64)
        os.truncate(os.path.join(fab, "host-%d.lock" % hid), 1 << 20)
        os.truncate(os.path.join(fab, "host-%d.lock" % hid), 0)
    up("replaced and truncated files")
    h1.ok("write 0 41")
    h0.ok("verify 1 41")
    # The directory commands say what they know and never hang.
    p = subprocess.run([t.tool, "--dir", parent, "--socket", t.sock, "hf",
                        "status"], capture_output=True, text=True,
                       timeout=30)
    print(p.stdout + p.stderr, flush=True)
    check(p.returncode == 0, "status: exit %d" % p.returncode)
    check("rack manager" in p.stdout and "0      1      up" in p.stdout,
          "status shows the manager's view of the link: %s" % p.stdout)
    # Link enable and disable are shared memory: no manager needed.
    m.stop(signal.SIGKILL)
    h0.ok("disable")
    h1.ok("wait_down 0 10000")
    h0.ok("enable")
    h1.ok("wait_up 0 10000")
    h0.ok("wait_up 1 10000")
    h0.ok("write 1 42")
    h1.ok("verify 0 42")
    # The manager back, then host 1 killed and started anew: a new
    # header object, a new epoch, the link back.
    t.serve()
    end = time.monotonic() + 20
    while True:
        hosts = t.cli("--json", "hosts", rc=0, json_out=True)["hosts"]
        if len(hosts) == 2 and all(x["connected"] for x in hosts):
            break
        check(time.monotonic() < end, "hosts registered again: %s" % hosts)
        time.sleep(0.2)
    def restart_h1(old, val):
        old.proc.kill()
        old.wait(10)
        h0.ok("wait_down 1 10000")
        new = EalHost(t, 1, "hf", 1)
        new.ok("enable")
        new.ok("wait_up 0 10000")
        h0.ok("wait_up 1 10000")
        new.ok("write 0 %d" % val)
        h0.ok("verify 1 %d" % val)
        return new

    h1 = restart_h1(h1, 43)
    # Liveness is a lock on the header object, not the lock file: host
    # 0's lock file replaced, then removed, then a FIFO; the link stays up,
    # and host 1 started anew meanwhile finds host 0 alive.
    lock0 = os.path.join(fab, "host-0.lock")
    os.unlink(lock0)
    open(lock0, "w").close()
    up("lock file replaced")
    os.unlink(lock0)
    os.mkfifo(lock0)
    h1 = restart_h1(h1, 44)
    up("lock file a FIFO, host 1 restarted")
    os.unlink(lock0)
    for h in (h0, h1):
        h.proc.stdin.close()
        check(h.wait(30) == 0, "host exits cleanly")


def test_banks(t):
    """ntb_shm with manager=: a third host (rack_host as host 2) cannot
    write host 0's register bank for host 1, forge doorbells or
    scratchpads of host 1 through the register file, change link state
    through the register file's cut masks, or write the manager's link
    page."""
    if t.mp_host is None:
        raise Skip("mp_host (tests/ntb_shm_mp) not built")
    os.mkdir(os.path.join(t.tmp, "fab"))
    t.serve()
    h0 = EalHost(t, 0, "bk", 0, hosts=3)
    h1 = EalHost(t, 1, "bk", 1, hosts=3)
    bad = t.host(2, "--size", "65536", "--bank-scribble")
    ln = bad.expect(r"^links ")
    for what in ("write_map", "mprotect", "pwrite", "reopen_rw", "shrink"):
        check("%s=refused" % what in ln.string,
              "a host cannot write the link page (%s): %s" % (what, ln.string))
    bad.expect(r"event=grant owner=0 peer=2 window=8 access=rw .*fd=1 .*"
               r"bank_scribbling=yes")
    # The register headers of hosts 0 and 1 reach host 2 read-only, and
    # it cannot write them in any way either.
    for o in (0, 1):
        ln = bad.expect(r"event=grant owner=%d peer=2 window=9 access=ro "
                        r".*fd=1 header" % o)
        for what in ("write_map", "mprotect", "pwrite", "reopen_rw",
                     "shrink"):
            check(" %s=refused" % what in ln.string,
                  "host 2 cannot write host %d's header (%s): %s"
                  % (o, what, ln.string))
    for h in (h0, h1):
        h.ok("enable")
    h0.ok("wait_up 1 10000")
    h1.ok("wait_up 0 10000")
    h1.ok("spad_w 0 0 0x1111")
    h1.ok("db 0 0x1")
    h0.ok("db_wait 0x1 5000")
    check(h0.ok("spad_r 1 0").endswith("val=0x00001111"),
          "host 0 reads host 1's scratchpad")
    time.sleep(0.3)                       # host 2 goes on scribbling
    # Register page files as host 2 would write them without the
    # manager (host 1's doorbells and scratchpads in host 0's page, cut
    # masks): there are none to write, and planted ones are not read.
    fab = os.path.join(t.tmp, "fab", "marlin-fabric-bk")
    check(sorted(os.listdir(fab)) == ["host-0.lock", "host-1.lock"],
          "only lock files: %s" % os.listdir(fab))
    for hid in (0, 1):
        with open(os.path.join(fab, "host-%d.regs" % hid), "wb") as f:
            f.write(forged_page(hid, hosts=3))
    time.sleep(0.5)
    check(h0.ok("spad_r 1 0").endswith("val=0x00001111"),
          "host 1's scratchpad in host 0 is untouched")
    h0.ok("db_read")                      # clears nothing: read only
    bits = int(h0.ok("db_read").split("bits=")[1], 16)
    check(bits & ~0x1 == 0, "no doorbell forged for host 1: 0x%x" % bits)
    check(" up=1 " in h0.ok("link 1") and " up=1 " in h1.ok("link 0"),
          "the register files' cut masks do not take the link down")
    # Host 2's scribbling lands only in its own bank of host 0: it was
    # handed no object of any other (owner, peer).
    check(bad.proc.poll() is None, "host 2 still scribbling")
    for x in list(bad.out):
        if x.startswith("event=grant") and " fd=1" in x:
            check(" peer=2 " in x, "host 2 got another's object: %s" % x)
    h1.ok("write 0 21")
    h0.ok("verify 1 21")
    # The manager's cut does take it down, and restore brings it back.
    t.cli("cut", "0", "1", rc=0)
    h0.ok("wait_down 1 10000")
    t.cli("restore", "0", "1", rc=0)
    h0.ok("wait_up 1 10000")
    # Revoking host 2 everywhere: host 0 renews host 2's bank.
    t.cli("revoke", "0", "2", rc=0)
    bad.expect(r"event=revoke owner=0 peer=2 window=8")
    h0.expect(r"register bank of host 2 revoked: it writes to memory "
              r"nobody reads", timeout=10)
    for h in (h0, h1):
        h.proc.stdin.close()
        check(h.wait(30) == 0, "host exits cleanly")


TESTS = {n[5:]: f for n, f in globals().items() if n.startswith("test_")}
