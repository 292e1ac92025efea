#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""The rack manager (marlin-fabric serve) as hostile users would meet it.

    manager_test.py --tool MARLIN_FABRIC --host RACK_HOST TEST

TEST: policy, garbage, fd_exhaustion, hostile_dir, persist, json, memfd,
fabric_dir,
fabric_grants, fabric_refused, revoked_peer, revoke_ack, ranges, banks,
hostile_files, mixed, two_users, shared_mw (ntb_shm hosts with manager=,
need --mp-host).
Every process runs with a timeout; whatever happens, all of them are
killed and the temporary directory is removed. Tests that need another
user (policy, hostile_dir) run as root and exit 77 otherwise.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from marlin_harness.proc import Proc as HProc  # noqa: E402
from marlin_harness.session import Session, Skip, check  # noqa: E402
from marlin_harness.session import main as harness_main  # noqa: E402

NOBODY = 65534
MAGIC, VERSION = 0x4b43524d, 1
T_ADMIN, OP_STATUS = 3, 1


class Proc(HProc):
    """A process whose stdout and stderr lines are read by the harness;
    expect() takes the next line of either that matches."""

    def __init__(self, t, args, user=None):
        if user is not None:
            args = ["setpriv", "--reuid=%d" % user, "--regid=%d" % user,
                    "--clear-groups"] + args
        HProc.__init__(self, t, os.path.basename(args[0]), args,
                       merge=False)

    def expect(self, pattern, timeout=20.0):
        return self.next_match(pattern, timeout)

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        return HProc.stop(self, sig, timeout)


class Test(Session):
    def __init__(self, a):
        Session.__init__(self, a.test, tag="mgr", fabric_parent=False)
        self.tool, self.host_bin, self.mp_host = a.tool, a.host, a.mp_host
        self.tmp = self.tmpdir()
        os.chmod(self.tmp, 0o755)   # other users traverse, never write
        self.run_dir = os.path.join(self.tmp, "run")
        self.sock = os.path.join(self.run_dir, "manager.sock")

    def serve(self, *extra, run=None, ready=True):
        m = Proc(self, [self.tool, "serve", "--run-dir", run or self.run_dir]
                 + list(extra))
        if ready:
            m.expect(r"^ready ")
        return m

    def cli(self, *args, user=None, rc=None, json_out=False):
        if "revoke" in args and "--wait-ms" not in args:
            # the owner confirms from its poll: allow for a loaded machine
            args = args + ("--wait-ms", "10000")
        cmd = [self.tool, "--socket", self.sock] + list(args)
        if user is not None:
            cmd = ["setpriv", "--reuid=%d" % user, "--regid=%d" % user,
                   "--clear-groups"] + cmd
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        print("$ marlin-fabric %s -> %d\n%s%s" % (" ".join(args),
              p.returncode, p.stdout, p.stderr), flush=True)
        if rc is not None:
            check(p.returncode == rc, "%s: exit %d, wanted %d" %
                  (" ".join(args), p.returncode, rc))
        if json_out:
            return json.loads(p.stdout)
        return p

    def host(self, hid, *extra, user=None):
        h = Proc(self, [self.host_bin, "--socket", self.sock, "--host",
                        str(hid)] + list(extra), user=user)
        return h


def need_root():
    if os.geteuid() != 0:
        raise Skip("needs root to act as another user (setpriv)")
    if shutil.which("setpriv") is None:
        raise Skip("setpriv (util-linux) not installed")


def admin_record(op=OP_STATUS, flags=0):
    body = struct.pack("<8I", op, flags, 0, 0, 0, 0, 0, 0)
    return struct.pack("<IHHII", MAGIC, VERSION, T_ADMIN, len(body), 7) + body


def raw_ask(t, record, fds=None, timeout=5.0):
    """Send one record on a fresh connection; return the reply text."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(timeout)
    try:
        s.connect(t.sock)
        if fds:
            socket.send_fds(s, [record], fds)
        else:
            s.send(record)
        data = s.recv(65536)
        if len(data) < 32:
            return data
        return data[32:].decode(errors="replace")
    finally:
        s.close()


# ---- tests ----

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


def grants_of(t):
    out = t.cli("--json", "grants", rc=0, json_out=True)
    return {(g["owner"], g["peer"], g["window"]): g["access"]
            for g in out["grants"]}


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


class EalHost(Proc):
    """An mp_host (tests/ntb_shm_mp) on an ntb_shm fabric with manager=."""

    def __init__(self, t, hid, fabric, core, hosts=2, user=None,
                 manager=True, devargs=""):
        self.prefix = t.prefix("%s_h%d" % (fabric, hid))
        dev = ("ntb_shm0,fabric=%s,host=%d,hosts=%d,mw_count=1,mw_size=64K,"
               "dir=%s%s" % (fabric, hid, hosts, os.path.join(t.tmp, "fab"),
                             devargs))
        if manager:
            dev += ",manager=%s" % t.sock
        super().__init__(t, [t.mp_host, "-l", str(core), "--no-pci",
                             "--no-huge", "-m", "128", "--no-telemetry",
                             "--file-prefix", self.prefix, "--log-level",
                             "lib.eal:warning", "--vdev", dev], user=user)
        self.expect(r"^READY port=%d" % hid, timeout=60)

    def do(self, cmd, want="^OK", timeout=20.0):
        self.send(cmd)
        return self.expect(r"%s|^ERR|^FATAL" % want, timeout=timeout)

    def ok(self, cmd, timeout=20.0):
        m = self.do(cmd, timeout=timeout)
        check(m.group(0).startswith("OK"), "%s: %s" % (cmd, m.string))
        return m.string


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
    h2.proc.stdin.close()
    check(h2.wait(30) == 0, "host 2 exits cleanly")
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
    h0.proc.stdin.close()
    check(h0.wait(30) == 0, "host 0 exits cleanly")


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
    check(any("must all use manager= (or none)" in ln for ln in h1.err),
          "the host with manager= warns: %s" % h1.err[-5:])
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tool", required=True)
    ap.add_argument("--host", required=True)
    ap.add_argument("--mp-host", help="tests/ntb_shm_mp's mp_host")
    return harness_main(ap, TESTS, Test)


if __name__ == "__main__":
    sys.exit(main())
