#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""The manager on its own: policy, garbage on its socket, descriptor
exhaustion, hostile directories, persisted state, --json, memory objects,
the fabric directory commands."""

import os
import shutil
import signal
import socket
import stat
import struct
import subprocess
import time

from manager_common import (Proc, need_root, admin_record, raw_ask, grants_of, NOBODY, MAGIC, VERSION, T_ADMIN)
from marlin_harness.session import Skip, check


def test_policy(t):
    """The policy, not a lock file, says who holds a host id."""
    need_root()
    pol = os.path.join(t.tmp, "policy")
    with open(pol, "w") as f:
        f.write("# test policy\nhost 0 uid 0\nhost 1-2 uid %d\n"
                "admin uid 0\ngrant all all rw\n" % NOBODY)
    m = t.serve("--policy", pol, "--group", "nogroup")
    st = os.stat(t.run_dir)
    check(stat.S_IMODE(st.st_mode) == 0o750, "run dir mode %o" % st.st_mode)
    # nobody may not hold host 0 ...
    h = t.host(0, user=NOBODY)
    h.expect(r"^refused errno=13")
    check(h.wait(20) == 1, "refused host exits 1")
    check(any("does not let uid %d hold host 0" % NOBODY in ln
              for ln in h.err), "the refusal says why: %s" % h.err)
    m.expect(r"uid=%d pid=\d+: hello host 0: refused" % NOBODY)
    # ... but host 1, and then nobody else gets host 1.
    h1 = t.host(1, user=NOBODY)
    h1.expect(r"^registered host=1 base=0x40000000000")
    h1b = t.host(1, user=NOBODY)
    h1b.expect(r"^refused errno=16")
    # root holds host 0; both see each other's grants and the link.
    h0 = t.host(0)
    h0.expect(r"^registered host=0")
    h0.expect(r"event=link a=0 b=1 up=1")
    h1.expect(r"event=grant owner=0 peer=1 window=0 access=rw")
    # nobody may look, not decide.
    t.cli("status", user=NOBODY, rc=0)
    p = t.cli("grant", "0", "1", "ro", user=NOBODY, rc=1)
    check("uid %d may not administer" % NOBODY in p.stderr, "admin refusal")
    m.expect(r"uid=%d pid=\d+: grant: refused" % NOBODY)
    t.cli("revoke", "0", "1", rc=0)
    h1.expect(r"event=revoke owner=0 peer=1 window=0")
    check(m.stop() == 0, "manager exits 0 on SIGTERM")
    check(not os.path.exists(t.sock), "socket removed at exit")


def test_garbage(t):
    """Garbage on the socket is refused; no client blocks another."""
    m = t.serve("--idle-ms", "1500")
    idle = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    idle.connect(t.sock)                       # says nothing at all
    hdr = struct.pack("<IHHII", MAGIC, VERSION, T_ADMIN, 32, 1)
    cases = [
        (b"\x00" * 3, "shorter than its header"),
        (os.urandom(200), "bad magic"),
        (struct.pack("<IHHII", MAGIC, 9, T_ADMIN, 32, 1) + bytes(32),
         "version not supported"),
        (hdr[:12] + struct.pack("<I", 1) + bytes(31), "length field"),
        (struct.pack("<IHHII", MAGIC, VERSION, 99, 0, 1), "unknown record type"),
        (struct.pack("<IHHII", MAGIC, VERSION, T_ADMIN, 32, 1)
         + struct.pack("<8I", 77, 0, 0, 0, 0, 0, 0, 0), "unknown admin operation"),
        (struct.pack("<IHHII", MAGIC, VERSION, T_ADMIN, 32, 1)
         + struct.pack("<8I", 6, 0, 3, 3, 0, 2, 0, 0), "two host ids"),
        (struct.pack("<IHHII", MAGIC, VERSION, 4, 16, 1) + bytes(16),
         "not a request"),
        (struct.pack("<IHHII", MAGIC, VERSION, 1, 32, 1)
         + struct.pack("<IIQ4I", 70, 1, 4096, 0, 0, 0, 0), "host id out of range"),
        (bytes(40000), "longer than"),
    ]
    for rec, want in cases:
        reply = raw_ask(t, rec)
        check(want in str(reply), "garbage %r...: reply %r lacks %r"
              % (rec[:8], reply, want))
    # A descriptor attached to a record that takes none.
    r, w = os.pipe()
    reply = raw_ask(t, admin_record(), fds=[r])
    os.close(r)
    os.close(w)
    check("descriptors attached" in reply, "fd on ADMIN refused: %r" % reply)
    # A client that sends half its business and stops, and one that floods
    # without reading: others are still served at once.
    flood = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    flood.connect(t.sock)
    flood.setblocking(False)
    for _ in range(2000):
        try:
            flood.send(admin_record(flags=1))
        except BlockingIOError:
            break
    t0 = time.monotonic()
    out = t.cli("--json", "status", json_out=True)
    check(time.monotonic() - t0 < 5, "status answered promptly")
    check(out["manager"]["clients"] >= 2, "the idle clients are still counted")
    m.expect(r"no request within 1500 ms: connection closed", timeout=10)
    check(idle.recv(100) == b"", "the idle client was closed")
    idle.close()
    flood.close()
    t.cli("status", rc=0)
    check(m.proc.poll() is None, "the manager survived")


def test_fd_exhaustion(t):
    """Out of descriptors, the manager pauses accepting instead of spinning
    or failing, and serves again once clients leave."""
    if shutil.which("prlimit") is None:
        raise Skip("prlimit (util-linux) not installed")
    m = Proc(t, ["prlimit", "--nofile=24:24", t.tool, "serve", "--run-dir",
                 t.run_dir])
    m.expect(r"^ready ")
    socks = []
    for _ in range(40):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.settimeout(2)
        s.connect(t.sock)                   # the backlog takes them all
        socks.append(s)
    m.expect(r"out of file descriptors .*: not accepting for 1 s")
    for s in socks:
        s.close()
    t.cli("status", rc=0)
    check(m.proc.poll() is None, "the manager survived")


def test_hostile_dir(t):
    """A directory or file prepared by someone else is refused, never used."""
    need_root()
    cases = []
    d = os.path.join(t.tmp, "open")            # world-writable
    os.mkdir(d)
    os.chmod(d, 0o777)
    cases.append((d, "mode 0777 lets other users write"))
    d = os.path.join(t.tmp, "theirs")          # another user's
    os.mkdir(d, 0o700)
    os.chown(d, NOBODY, NOBODY)
    cases.append((d, "belongs to uid %d" % NOBODY))
    d = os.path.join(t.tmp, "link")            # a symlink to our own dir
    os.mkdir(os.path.join(t.tmp, "real"), 0o700)
    os.symlink(os.path.join(t.tmp, "real"), d)
    cases.append((d, "it is a symbolic link, not a directory"))
    d = os.path.join(t.tmp, "fifo")            # a FIFO instead of the dir
    os.mkfifo(d)
    cases.append((d, "it is a FIFO, not a directory"))
    d = os.path.join(t.tmp, "sockfifo")        # a FIFO as the socket
    os.mkdir(d, 0o700)
    os.mkfifo(os.path.join(d, "manager.sock"))
    cases.append((d, "manager.sock: it is a FIFO, not a socket"))
    d = os.path.join(t.tmp, "lockfifo")        # a FIFO as the lock
    os.mkdir(d, 0o700)
    os.mkfifo(os.path.join(d, "manager.lock"))
    cases.append((d, "manager.lock: a FIFO"))
    for d, want in cases:
        p = subprocess.run([t.tool, "serve", "--run-dir", d],
                           capture_output=True, text=True, timeout=20)
        print("serve --run-dir %s -> %d: %s" % (d, p.returncode,
              p.stderr.strip()), flush=True)
        check(p.returncode == 1, "exit 1 for %s" % d)
        check(want in p.stderr, "%r in %r" % (want, p.stderr))
    check(stat.S_IMODE(os.stat(os.path.join(t.tmp, "open")).st_mode) == 0o777,
          "a refused directory is left alone")
    # A second manager on the same directory is refused too.
    t.serve()
    p = subprocess.run([t.tool, "serve", "--run-dir", t.run_dir],
                       capture_output=True, text=True, timeout=20)
    check(p.returncode == 1 and "another manager" in p.stderr,
          "second manager refused: %s" % p.stderr)


def test_persist(t):
    """Grants, revocations, cuts and hosts survive kill -9 of the manager."""
    m = t.serve()
    for hid in (0, 1, 2):
        h = t.host(hid, "--windows", "2", "--seconds", "5")
        h.expect(r"^registered")
        h.proc.stdin.close()
        h.wait(20)
    t.cli("grant", "0", "1", "ro", "1", rc=0)
    t.cli("revoke", "1", "0", rc=0)
    t.cli("cut", "0", "2", rc=0)
    before = grants_of(t)
    check(before[(0, 1, 1)] == "ro" and before[(0, 1, 0)] == "rw",
          "grant 0 1 ro 1")
    check((1, 0, 0) not in before and (1, 0, 1) not in before, "revoked 1 0")
    m.stop(signal.SIGKILL)
    check(os.path.exists(t.sock), "kill -9 leaves the socket behind")
    m2 = t.serve()                             # over the stale socket
    check(grants_of(t) == before, "grants after restart")
    links = t.cli("--json", "links", rc=0, json_out=True)["links"]
    check({"a": 0, "b": 2, "state": "cut"} in links, "cut kept: %s" % links)
    hosts = t.cli("--json", "hosts", rc=0, json_out=True)["hosts"]
    check([h["id"] for h in hosts] == [0, 1, 2], "hosts known")
    check(not any(h["connected"] for h in hosts), "none connected")
    t.cli("grant", "1", "0", "rw", "0", rc=0)  # new decisions still work
    check(grants_of(t)[(1, 0, 0)] == "rw", "grant after restart")
    m2.expect(r"uid=0 pid=\d+: grant 1 0 rw window 0: granted")
    # A state file that is not ours stops the start with a clear line.
    m2.stop()
    with open(os.path.join(t.run_dir, "state"), "w") as f:
        f.write("something else\n")
    p = subprocess.run([t.tool, "serve", "--run-dir", t.run_dir],
                       capture_output=True, text=True, timeout=20)
    check(p.returncode == 1 and "not a marlin-fabric state file" in p.stderr,
          p.stderr)


def test_json(t):
    """Every command's --json output parses and says what the table says
    (with the demo policy shipped in apps/marlin-fabric)."""
    src = os.environ.get("MARLIN_SOURCE_DIR",
                         os.path.join(os.path.dirname(__file__), "..", ".."))
    pol = os.path.join(src, "apps", "marlin-fabric", "demo.policy")
    if os.geteuid() != 0:
        pol = os.path.join(t.tmp, "policy")     # the demo names uid 0
        with open(pol, "w") as f:
            f.write("host all uid %d\nadmin uid %d\ngrant all all rw\n"
                    % (os.geteuid(), os.geteuid()))
    t.serve("--policy", pol)
    h = t.host(1, "--windows", "2", "--size", "0x200000")
    h.expect(r"^registered host=1")
    st = t.cli("--json", "status", rc=0, json_out=True)
    check(st["hosts_connected"] == 1 and st["manager"]["pid"] > 0, st)
    mp = t.cli("--json", "map", rc=0, json_out=True)
    check(mp["address_bits"] == 48 and mp["host_shift"] == 42, mp)
    w1 = mp["hosts"][0]["windows"][1]
    check(w1["start"] == (1 << 42) | (1 << 39) and w1["size"] == 0x200000, w1)
    txt = t.cli("map", rc=0).stdout
    check("0x048000000000" in txt, "map table shows host 1 window 1")
    for cmd in ("hosts", "links", "grants"):
        t.cli("--json", cmd, rc=0, json_out=True)
    ok = t.cli("--json", "grant", "1", "0", "ro", rc=0, json_out=True)
    check(ok["ok"] is True and "granted" in ok["message"], ok)
    bad = t.cli("--json", "grant", "1", "0", "ro", "5", rc=1, json_out=True)
    check(bad["ok"] is False and bad["status"] == -22 and
          "has 2 windows" in bad["error"], bad)
    p = t.cli("--json", "grant", "1", "1", "rw", rc=2)
    check(p.stdout == "", "usage errors print no JSON")


def test_memfd(t):
    """Sealed memfds go from owner to granted peer only."""
    t.serve()
    t.cli("revoke", "0", "2", rc=0)
    h1 = t.host(1)
    h1.expect(r"^registered host=1")
    h2 = t.host(2)
    h2.expect(r"^registered host=2")
    h0 = t.host(0, "--offer", "1:0", "--offer", "2:0")
    h0.expect(r"^registered host=0")
    h0.expect(r"event=reply status=0 text=\".*passed to host 1")
    h0.expect(r"event=reply status=0 text=\".*passed on once host 2 is granted")
    m = h1.expect(r"event=grant owner=0 peer=1 window=0 access=rw .* fd=1 "
                  r"data=\"(.*)\" shrink=(\w+)")
    check(m.group(1) == "owner=0 peer=1 window=0", "data %s" % m.group(1))
    check(m.group(2) == "refused", "a sealed object cannot shrink")
    t.cli("grant", "0", "2", "ro", "0", rc=0)
    m = h2.expect(r"event=grant owner=0 peer=2 window=0 access=ro .* fd=1 "
                  r"data=\"(.*)\"")
    check(m.group(1) == "owner=0 peer=2 window=0", "host 2 got its own object")
    t.cli("revoke", "0", "1", "0", rc=0)
    h1.expect(r"event=revoke owner=0 peer=1 window=0 access=none .* fd=0")
    h0.expect(r"event=revoke owner=0 peer=1 window=0")
    grants = t.cli("--json", "grants", rc=0, json_out=True)["grants"]
    check(not any(g["owner"] == 0 and g["peer"] == 1 for g in grants),
          "revoked grant gone")
    # An unsealed memfd is refused.
    h3 = t.host(3, "--offer", "0:0", "--unsealed")
    h3.expect(r"event=reply status=-1 text=\".*must be sealed")
    # Killing the owner's peer takes its link down at the others.
    h2.proc.kill()
    h0.expect(r"event=link a=2 b=0 up=0|event=link a=0 b=2 up=0")


def test_fabric_dir(t):
    """marlin-fabric FABRIC ...: the command line is checked first (exit 2
    whether or not the fabric exists); a restore that empties the fabric
    directory removes it."""
    parent = os.path.join(t.tmp, "fab")
    os.mkdir(parent)
    def run(*args):
        p = subprocess.run([t.tool, "--dir", parent] + list(args),
                           capture_output=True, text=True, timeout=20)
        print("$ marlin-fabric %s -> %d %s" % (" ".join(args), p.returncode,
              p.stderr.strip()), flush=True)
        return p
    for args in (("nofab", "cut", "0", "64"), ("nofab", "cut", "1", "1"),
                 ("nofab", "restore", "0"), ("nofab", "status", "x"),
                 ("nofab", "frob"), ("bad/name", "status")):
        check(run(*args).returncode == 2, "exit 2 for %s" % (args,))
    check(run("nofab", "status").returncode == 1, "missing fabric: exit 1")
    fab = os.path.join(parent, "marlin-fabric-rk")
    os.mkdir(fab, 0o770)
    check(run("rk", "cut", "0", "1").returncode == 0, "cut")
    check(os.listdir(fab) == ["cut-0-1"], "cut record: %s" % os.listdir(fab))
    p = run("rk", "restore", "0", "1")
    check(p.returncode == 0 and "removed" in p.stdout, p.stdout)
    check(not os.path.exists(fab), "emptied fabric directory removed")
