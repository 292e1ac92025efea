#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""marlin-ivshmem-server against Python clients speaking QEMU's ivshmem
client protocol: ids, shared memory, eventfds, connect/disconnect
notifications, reconnect with the same id, interrupts between clients,
garbage on the socket, a stale socket after a crash, clean stop.

    server_test.py SERVER_BINARY
"""
import array
import os
import signal
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from marlin_harness.session import Fail, Proc, Session, run  # noqa: E402

VECTORS = 2
TIMEOUT = 10.0


class Client:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(TIMEOUT)
        self.s.connect(path)

    def msg(self):
        """(value, fd or None); raises on EOF or timeout."""
        fds = array.array("i")
        data, anc, _, _ = self.s.recvmsg(8, socket.CMSG_SPACE(4))
        if len(data) == 0:
            raise EOFError("server closed the connection")
        assert len(data) == 8, f"short message: {len(data)} bytes"
        for level, typ, d in anc:
            if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
                fds.frombytes(d[:len(d) - len(d) % 4])
        return struct.unpack("<q", data)[0], (fds[0] if fds else None)

    def setup(self, others):
        """Read the greeting; others: ids expected as existing peers."""
        v, fd = self.msg()
        assert (v, fd) == (0, None), f"version message {v} {fd}"
        self.id, fd = self.msg()
        assert fd is None
        v, self.shm = self.msg()
        assert v == -1 and self.shm is not None, "no shared memory fd"
        self.peers = {}
        for o in sorted(others):
            self.peers[o] = self.vec(o)
        self.own = self.vec(self.id)
        return self.id

    def vec(self, want):
        fds = []
        for _ in range(VECTORS):
            v, fd = self.msg()
            assert v == want and fd is not None, f"expected {want}+fd, got {v} {fd}"
            fds.append(fd)
        return fds

    def quiet(self, what):
        """Assert that nothing arrives for a moment."""
        self.s.settimeout(0.3)
        try:
            data = self.s.recv(8, socket.MSG_PEEK)
            raise AssertionError("%s: got %r" % (what, data))
        except socket.timeout:
            pass
        finally:
            self.s.settimeout(TIMEOUT)

    def close(self):
        self.s.close()


def start(t, server, path, *extra):
    p = Proc(t, "marlin-ivshmem-server",
             [server, "-S", path, "-l", "1M", "-n", str(VECTORS), "-p", "4"] +
             list(extra), merge=False, stdin=False)
    # Ready once it says so (the socket file of a dead server may exist).
    p.wait_for("listening on", TIMEOUT, stderr=True)
    return p


def server_test(t, server):
    path = os.path.join(t.tmpdir(), "sock")
    srv = start(t, server, path)

    a = Client(path)
    assert a.setup([]) == 0, "first client gets id 0"
    assert os.fstat(a.shm).st_size == 1 << 20, "shared memory size"
    b = Client(path)
    assert b.setup([0]) == 1, "second client gets id 1"
    a.peers[1] = a.vec(1)  # A told about B
    print("ok: ids, memory and connect notifications")

    # B rings A's vector 1 through the fd it got for peer 0.
    os.write(b.peers[0][1], struct.pack("=Q", 1))
    assert struct.unpack("=Q", os.read(a.own[1], 8))[0] == 1
    # Memory is shared.
    ma = os.pread(a.shm, 4, 0)
    os.pwrite(b.shm, b"MLIV", 0)
    assert os.pread(a.shm, 4, 0) == b"MLIV" and ma != b"MLIV"
    print("ok: interrupt and memory between clients")

    # B's guest dies. Nobody is told (QEMU mishandles a reused id
    # after a departure notice); B's slot keeps its eventfds.
    old_ring = a.peers[1][0]
    b.close()
    a.quiet("no departure notice by default")
    b = Client(path)
    assert b.setup([0]) == 1, "a client that comes back gets its id"
    a.quiet("no connect notice for a reused id")
    assert os.pread(b.shm, 4, 0) == b"MLIV", "memory survives a restart"
    # A still rings B through the eventfd it got for B's first life.
    os.write(old_ring, struct.pack("=Q", 1))
    assert struct.unpack("=Q", os.read(b.own[0], 8))[0] == 1
    print("ok: disconnect and reconnect on the same id and eventfds")

    g = Client(path)
    assert g.setup([0, 1]) == 2
    assert a.vec(2) and b.vec(2)
    g.s.sendall(b"garbage that no ivshmem client sends\n")
    try:
        while True:
            g.msg()
    except EOFError:
        pass
    g.close()
    c = Client(path)
    assert c.setup([0, 1]) == 2, "id of the dropped client is free again"
    a.quiet("garbage sender replaced silently")
    print("ok: garbage drops only the sender")

    # Full: 4 peers max.
    d = Client(path)
    d.setup([0, 1, 2])
    e = Client(path)
    try:
        e.msg()
        raise AssertionError("a fifth client was accepted")
    except (EOFError, ConnectionResetError):
        pass
    print("ok: a client beyond --peers is refused")

    # A crash leaves a stale socket; a new server replaces it, a
    # second server on a live socket is refused.
    second = subprocess.run([server, "-S", path, "-l", "1M"],
                            capture_output=True, text=True, timeout=TIMEOUT)
    assert second.returncode == 1 and "another server" in second.stderr
    srv.kill()
    srv.wait(TIMEOUT)
    assert os.path.exists(path), "SIGKILL leaves the socket behind"
    srv = start(t, server, path)
    for cl in (a, b, c, d, e):
        cl.close()
    a = Client(path)
    assert a.setup([]) == 0
    a.close()
    srv.send_signal(signal.SIGTERM)
    assert srv.wait(TIMEOUT) == 0, "SIGTERM: exit 0"
    assert not os.path.exists(path), "socket removed on stop"
    print("ok: stale socket replaced, live one refused, clean stop")

    # --notify-gone: departures announced, ids never reused.
    srv = start(t, server, path, "--notify-gone")
    x = Client(path)
    assert x.setup([]) == 0
    y = Client(path)
    assert y.setup([0]) == 1
    x.vec(1)
    y.close()
    v, fd = x.msg()
    assert (v, fd) == (1, None), f"departure notice, got {v} {fd}"
    z = Client(path)
    assert z.setup([0]) == 2, "a retired id is not reused"
    x.vec(2)
    x.close()
    z.close()
    srv.send_signal(signal.SIGTERM)
    assert srv.wait(TIMEOUT) == 0
    print("ok: --notify-gone")

    bad = subprocess.run([server, "-S", path, "-l", "3M"],
                         capture_output=True, text=True, timeout=TIMEOUT)
    assert bad.returncode == 2 and "power of two" in bad.stderr
    print("ok: usage errors")


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    server = sys.argv[1]

    def test(t):
        try:
            server_test(t, server)
        except AssertionError as e:
            raise Fail(str(e) or "assertion failed")
    return run("ivshmem_server", test,
               Session("ivshmem", tag="ivsh", fabric_parent=False))


if __name__ == "__main__":
    sys.exit(main())
