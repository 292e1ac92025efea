#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""What the manager tests share: processes, the session, raw records,
ntb_shm hosts with manager=."""

import json
import os
import shutil
import signal
import socket
import struct
import subprocess

from marlin_harness.proc import Proc as HProc
from marlin_harness.session import Session, Skip, check

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


def grants_of(t):
    out = t.cli("--json", "grants", rc=0, json_out=True)
    return {(g["owner"], g["peer"], g["window"]): g["access"]
            for g in out["grants"]}


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
