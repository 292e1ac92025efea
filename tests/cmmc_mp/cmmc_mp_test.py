#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""Multi-process tests of CMMC over the software NTB (ntb_shm).

Each host is its own process (cmmc_mp_host) with its own EAL file prefix,
host 0 pinned to core 0 and host 1 to core 1, on a fabric of its own in a
fresh directory under /dev/shm, with a rack manager (marlin-fabric serve,
every pair granted; --no-manager runs without). The harness drives the
hosts over stdin/stdout (see cmmc_mp_host.c).

    cmmc_mp_test.py --host PATH [--pingpong PATH] [--source DIR]
                    [--build DIR] TEST [--engine none|cpu|skeleton]
                    [--no-manager]
    cmmc_mp_test.py --skip REASON TEST      (exits 77)

TEST: transfer, forged, reader, revoked, restart, kill, corrupt, pingpong,
pkgconfig. corrupt: host 0 streams notified writes into host 1's memory
while random bytes are written into host 1's window (the rings host 0
writes there; its file, or with the manager its memory object) for 3 s; both ends must see the peer leave READY, every
operation must complete (with -ENOLINK where the link was lost), and the
writes must flow again within RECOVERY_BOUND s of the garbage stopping,
with data intact afterwards.
Every wait is bounded; whatever happens, every process is killed and the
fabric, temporary and EAL runtime directories are removed before exit.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from marlin_harness.session import (  # noqa: E402
    CmdHost, Fail, Proc, Session, Skip, kv, log)
from marlin_harness.session import main as harness_main  # noqa: E402
from marlin_harness import garbage, plugins  # noqa: E402

CMD_TIMEOUT = 30.0
PEER_TIMEOUT_MS = 20000
RECOVERY_BOUND = 1.0      # s from the last garbage to traffic again


class Host(CmdHost):
    """One cmmc_mp_host process."""

    cmd_timeout = CMD_TIMEOUT

    def __init__(self, t, hid, incarnation=0):
        self.hid = hid
        prefix = t.prefix("h%d_%d" % (hid, incarnation))
        args = ([t.args.host] + t.eal_args(hid % 2, prefix) +
                ["--vdev", t.devargs(hid)])
        env = None
        if t.engine == "skeleton":
            dargs, env = plugins.load_args([os.path.join(
                t.pmd_path, "librte_dma_skeleton.so")])
            args += dargs + ["--vdev", "dma_skeleton0"]
        args += ["--", "--engine", t.engine]
        CmdHost.__init__(self, t, "host%d" % hid, args, env=env, merge=False)
        self.port = None

    def wait_ready(self):
        r = CmdHost.wait_ready(self)
        self.port = int(r["port"])
        self.pid = int(r["pid"])
        if self.port != self.hid:
            raise Fail("%s: port %d, expected %d" % (self.name, self.port,
                                                     self.hid))


class Test(Session):
    def __init__(self, name, args):
        Session.__init__(self, name, tag="cm", manager=not args.no_manager)
        self.args = args
        self.engine = args.engine
        self.tmp = self.tmpdir()
        self.pmd_path = None
        if self.engine == "skeleton":
            self.pmd_path = self.run([args.host, "--pmd-path"]).strip()

    def devargs(self, hid):
        return self.shm_devargs(hid, 2, ",mw_size=8M")

    def window(self, owner, peer):
        """Path of @owner's (a Host) window 0 where host @peer writes: its
        file, or with a rack manager the owner's memory object for @peer
        (the whole window is that peer's then; without one, port 0 has the
        first half)."""
        if self.socket:
            return garbage.window_object(owner.pid, owner.hid, peer)
        return garbage.window_file(self.parent, self.fabric, owner.hid)


# ---- helpers ------------------------------------------------------------

def fnv1a64(data):
    h = 0xcbf29ce484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001b3) & 0xffffffffffffffff
    return h


def reforge(hexkey, offset, size, value):
    """Change a little-endian field of a key and fix its checksum, as a
    forger who knows the format would."""
    b = bytearray(bytes.fromhex(hexkey))
    b[offset:offset + size] = value.to_bytes(size, "little")
    b[56:64] = fnv1a64(bytes(b[:56])).to_bytes(8, "little")
    return b.hex()


def field(hexkey, offset, size):
    return int.from_bytes(bytes.fromhex(hexkey)[offset:offset + size], "little")


def pair(t):
    h = [Host(t, 0), Host(t, 1)]
    for x in h:
        x.wait_ready()
    for x in h:
        x.cmd("wait %d %d" % (1 - x.hid, PEER_TIMEOUT_MS),
              timeout=PEER_TIMEOUT_MS / 1000 + CMD_TIMEOUT)
    return h


def share(owner, user, size, access):
    """owner allocates size bytes for user, exports, user imports."""
    mem = owner.cmd("alloc %d %d" % (user.hid, size))["mem"]
    key = owner.cmd("export %s 0 %d %s" % (mem, size, access))["key"]
    rk = user.cmd("import %s" % key)["rk"]
    return mem, key, rk


# ---- tests --------------------------------------------------------------

def one_direction(src, dst, seed):
    """src writes, notifies and reads dst's memory; every byte checked."""
    size = 1 << 20
    mem, key, rk = share(dst, src, size, "rw")
    lbuf = src.cmd("reg %d" % (2 * size))["mem"]
    src.cmd("fill %s 0 %d %d" % (lbuf, size, seed))
    p = dst.hid
    # 1 MiB plain, then verified at the owner
    src.cmd("write %d %s 0 %s 0 %d" % (p, rk, lbuf, size))
    dst.cmd("check %s 0 %d %d 0" % (mem, size, seed))
    # odd sizes and offsets with notifications, each checked on arrival
    cases = [(8, 8, 16), (4096, 12288, 4096), (3333, 77, 999),
             (65537, 100000, 123), (size - 4096, 4096, 4096)]
    for i, (ln, roff, loff) in enumerate(cases):
        src.cmd("fill %s %d %d %d" % (lbuf, loff, ln, seed + 1 + i))
        src.cmd("write %d %s %d %s %d %d %d" % (p, rk, roff, lbuf, loff, ln,
                                                 0x1000 + i))
        ev = dst.cmd("recv %d 1 5000" % src.hid)
        want = "%d:%s:%d:%d" % (0x1000 + i, mem, roff, ln)
        if ev["n"] != "1" or ev["ev"] != want:
            raise Fail("%s: notification %s, expected %s" %
                       (dst.name, ev, want))
        dst.cmd("check %s %d %d %d %d" % (mem, roff, ln, seed + 1 + i, loff))
    # read everything back into the second half of the local buffer
    src.cmd("read %d %s 0 %s %d %d" % (p, rk, lbuf, size, size))
    dst.cmd("fill %s 0 %d %d" % (mem, size, seed + 50))
    src.cmd("read %d %s 0 %s %d %d" % (p, rk, lbuf, size, size))
    src.cmd("check %s %d %d %d 0" % (lbuf, size, size, seed + 50))
    # gather: 8 pieces of the source in reverse order land end to end
    src.cmd("fill %s 0 %d %d" % (lbuf, 65536, seed + 60))
    src.cmd("writev %d %s 4096 %s 0 65536 8" % (p, rk, lbuf))
    for k in range(8):
        dst.cmd("check %s %d 8192 %d %d" % (mem, 4096 + k * 8192, seed + 60,
                                             (7 - k) * 8192))
    st = dst.cmd("stats %d" % src.hid)
    if st["notify_rx"] != str(len(cases)) or st["refused_notify"] != "0":
        raise Fail("%s: stats %s" % (dst.name, st))


def test_transfer(t):
    h = pair(t)
    one_direction(h[0], h[1], 100)
    one_direction(h[1], h[0], 200)
    # a message each way
    h[0].cmd("msg 1 hello-from-0")
    r = h[1].cmd("recv 0 1 5000")
    if r["msgs"] != "1":
        raise Fail("host1 got no message: %s" % r)
    for x in h:
        x.quit()
    log("transfer (%s engine): write/read/notify/gather both ways, every "
        "byte checked" % t.engine)


def test_forged(t):
    h = pair(t)
    mem, key, rk = share(h[1], h[0], 65536, "w")
    h[0].cmd("reg 65536")
    bad = bytearray(bytes.fromhex(key))
    bad[45] ^= 1
    h[0].refused("import %s" % bad.hex(), "EBADMSG")
    h[0].refused("import %s" % reforge(key, 40, 8, field(key, 40, 8) ^ 1),
                 "EACCES")                          # secret
    h[0].refused("import %s" % reforge(key, 32, 8, 1 << 20), "EACCES")  # len
    h[0].refused("import %s" % reforge(key, 5, 1, 3), "EACCES")  # rights
    h[0].refused("import %s" % reforge(key, 10, 2, 1), "EINVAL")  # importer
    h[0].refused("import %s" % reforge(key, 12, 4, field(key, 12, 4) + 1),
                 "EKEYREVOKED")                     # generation
    # the genuine key still works and rights are enforced
    h[0].cmd("write 1 %s 0 0 0 4096" % rk)
    h[0].refused("read 1 %s 0 0 0 4096" % rk, "EPERM")
    h[0].refused("write 1 %s 65000 0 0 4096" % rk, "ERANGE")
    # the owner cannot be made to revoke by a forged key
    h[1].refused("revoke %s" % reforge(key, 40, 8, 12345), "ENOENT")
    h[1].cmd("revoke %s" % key)
    for x in h:
        x.quit()
    log("forged keys refused: damaged, secret, length, rights, generation")


def test_table_reader(t):
    """The importer's process reads the owner's key table in its own window
    file (as any reader of that memory can) and tries every distinct word
    of it as the secret of a key it was not given: all refused; the table
    holds neither secret."""
    h = pair(t)
    share(h[1], h[0], 65536, "w")                  # one key handed over
    mem2 = h[1].cmd("alloc 0 65536")["mem"]
    key2 = h[1].cmd("export %s 0 65536 rw" % mem2)["key"]  # never handed
    # host 0's window; host 1 writes its table at the start of its slice
    path = t.window(h[0], 1)
    with open(path, "rb") as f:
        data = f.read()
    at = data.find(b"CMMCKTB2")
    if at < 0:
        raise Fail("no version 2 key table in %s" % path)
    table = data[at:at + 16384]
    secret = bytes.fromhex(key2)[40:48]
    if secret in table:
        raise Fail("the secret of an exported key is in the importer's table")
    words = sorted(set(int.from_bytes(table[i:i + 8], "little")
                       for i in range(0, len(table), 8)) - {0})
    for w in words:
        h[0].refused("import %s" % reforge(key2, 40, 8, w), "EACCES")
    h[0].cmd("import %s" % key2)                   # the real key imports
    for x in h:
        x.quit()
    log("table reader: %d distinct words of the table tried as the secret, "
        "all refused; no secret in the table" % len(words))


def test_revoked(t):
    h = pair(t)
    mem, key, rk = share(h[1], h[0], 1 << 20, "rw")
    lbuf = h[0].cmd("reg %d" % (1 << 20))["mem"]
    h[0].cmd("write 1 %s 0 %s 0 4096 7" % (rk, lbuf))
    h[1].cmd("recv 0 1 5000")
    h[1].cmd("revoke %s" % key)
    # at once, for writes, notifications, reads and new imports
    h[0].refused("write 1 %s 0 %s 0 4096" % (rk, lbuf), "EKEYREVOKED")
    h[0].refused("write 1 %s 0 %s 0 8 9" % (rk, lbuf), "EKEYREVOKED")
    h[0].refused("read 1 %s 0 %s 0 4096" % (rk, lbuf), "EKEYREVOKED")
    h[0].refused("import %s" % key, "EKEYREVOKED")
    h[1].refused("revoke %s" % key, "ENOENT")
    h[1].cmd("free %s" % mem)

    # The window: host0 streams 64 KiB writes while host1 revokes. The last
    # write that host0 started must have started before the revocation
    # returned on host1; the first refusal comes right after it.
    mem, key, rk = share(h[1], h[0], 1 << 20, "w")
    h[0].send("stream 1 %s 0 %s 65536 15000 plain" % (rk, lbuf))
    time.sleep(0.5)
    rev = h[1].cmd("revoke %s" % key)
    res = kv(h[0].expect(("OK", "ERR"), CMD_TIMEOUT + 15))
    t_rev = int(rev["t_ns"])
    if res["post_err"] != "EKEYREVOKED":
        raise Fail("stream ended with %s, expected EKEYREVOKED: %s" %
                   (res["post_err"], res))
    if int(res["posted"]) == 0:
        raise Fail("nothing was written before the revocation: %s" % res)
    if int(res["t_last_ok_ns"]) > t_rev:
        raise Fail("a write started %.1f us after the revocation returned" %
                   ((int(res["t_last_ok_ns"]) - t_rev) / 1e3))
    log("revocation window: last write started %.1f us before revoke "
        "returned, first refusal at %+.1f us from it; %s writes before" %
        ((t_rev - int(res["t_last_ok_ns"])) / 1e3,
         (int(res["t_err_ns"]) - t_rev) / 1e3, res["posted"]))
    for x in h:
        x.quit()


def test_restart(t):
    h = pair(t)
    mem, key, rk = share(h[1], h[0], 65536, "rw")
    lbuf = h[0].cmd("reg 65536")["mem"]
    h[0].cmd("write 1 %s 0 %s 0 4096" % (rk, lbuf))
    # host1 goes away cleanly and comes back as a new instance
    h[1].quit()
    h1 = Host(t, 1, incarnation=1)
    h1.wait_ready()
    h1.cmd("wait 0 %d" % PEER_TIMEOUT_MS, timeout=PEER_TIMEOUT_MS / 1000 + 10)
    h[0].cmd("wait 1 %d" % PEER_TIMEOUT_MS, timeout=PEER_TIMEOUT_MS / 1000 + 10)
    h[0].refused("write 1 %s 0 %s 0 4096" % (rk, lbuf), "ESTALE")
    h[0].refused("import %s" % key, "ESTALE")
    h1.refused("revoke %s" % key, "EINVAL")
    # new keys work
    mem2, key2, rk2 = share(h1, h[0], 65536, "rw")
    h[0].cmd("fill %s 0 4096 5" % lbuf)
    h[0].cmd("write 1 %s 0 %s 0 4096" % (rk2, lbuf))
    h1.cmd("check %s 0 4096 5 0" % mem2)
    h[0].quit()
    h1.quit()
    log("restart: keys of the old owner instance refused (ESTALE)")


def test_kill(t):
    h = pair(t)
    mem, key, rk = share(h[1], h[0], 1 << 20, "w")
    lbuf = h[0].cmd("reg %d" % (1 << 20))["mem"]
    h[1].send("serve 0 30000")
    h[0].send("stream 1 %s 0 %s 262144 20000 notify" % (rk, lbuf))
    time.sleep(1.0)
    t_kill = time.monotonic_ns()
    os.kill(h[1].pid, signal.SIGKILL)
    res = kv(h[0].expect(("OK", "ERR"), CMD_TIMEOUT + 20))
    h[1].kill()
    if res["post_err"] != "ENOLINK":
        raise Fail("stream ended with %s, expected ENOLINK: %s" %
                   (res["post_err"], res))
    if res["outstanding"] != "0":
        raise Fail("%s signalled operations never completed: %s" %
                   (res["outstanding"], res))
    if int(res["posted"]) < 8:
        raise Fail("the stream barely ran before the kill: %s" % res)
    ms = (int(res["t_err_ns"]) - t_kill) / 1e6
    if ms > 5000:
        raise Fail("the issuer noticed the dead peer only after %.0f ms" % ms)
    # the issuer is still alive and answers; its key is now unusable
    h[0].cmd("stats 1")
    h[0].refused("write 1 %s 0 %s 0 4096" % (rk, lbuf), "ENOLINK")
    h[0].quit()
    log("kill (%s engine): %s operations posted, %s completions (%s with "
        "errors), issuer saw ENOLINK %.0f ms after SIGKILL, nothing "
        "outstanding" % (t.engine, res["posted"], res["completed"],
                         res["cpl_errors"], ms))



def gaps(f):
    """The (start, end) ns pairs of a soak/serve answer."""
    if f.get("gaps", "-") == "-":
        return []
    return [tuple(int(x) for x in g.split("-")) for g in f["gaps"].split(",")]


def test_corrupt(t):
    h = pair(t)
    mem, key, rk = share(h[1], h[0], 1 << 20, "w")
    lbuf = h[0].cmd("reg 65536")["mem"]
    h[0].cmd("fill %s 0 4096 3" % lbuf)
    secs = 8
    h[1].send("serve 0 %d" % (secs * 1000))
    h[0].send("soak 1 %s 0 %s 4096 %d" % (rk, lbuf, secs * 1000))
    time.sleep(1.0)
    # host 1's window; host 0 (port 0) owns its first half: the rings of
    # the endpoint's and the control queue pairs (256 x 64-byte descriptors
    # and 256 x 2 KiB slots each), then the region
    path = t.window(h[1], 0)
    writes, t_stop = garbage.scribble(
        path, 0, 2 * (128 + 256 * 64 + 256 * 2048), 3.0, os.getpid())
    t_stop_ns = int(t_stop * 1e9)
    log("corrupt: wrote garbage %d times in 3 s into %s" % (writes, path))
    tx = kv(h[0].expect(("OK", "ERR"), secs + CMD_TIMEOUT))
    rx = kv(h[1].expect(("OK", "ERR"), secs + CMD_TIMEOUT))
    log("corrupt: issuer posted %s, completed %s, post errors %s (first %s), "
        "completion errors %s (first %s); owner received %s notifications" % (
            tx["posted"], tx["completed"], tx["post_errors"],
            tx["first_post_err"], tx["cpl_errors"], tx["first_cpl_err"],
            rx["n"]))
    for who, f in (("issuer", tx), ("owner", rx)):
        if int(f["downs"]) < 1:
            raise Fail("the %s never saw its peer leave READY while the "
                       "rings were garbage: %s" % (who, f))
    if tx["completed"] != tx["posted"]:
        raise Fail("operations taken but never completed: %s" % tx)
    if tx["first_cpl_err"] not in ("none", "ENOLINK"):
        raise Fail("completions failed with %s, expected ENOLINK" %
                   tx["first_cpl_err"])
    # both ends came back by themselves, and traffic with them, within
    # the bound (the gaps are shown for the record: on a loaded machine
    # the scheduler makes some of its own)
    for who, f in (("issuer", tx), ("owner", rx)):
        t_up, t_flow = int(f["t_up_ns"]), int(f["t_flow_ns"])
        log("corrupt: %s: peer READY again %+.0f ms, traffic %+.0f ms from "
            "the garbage's end; gaps over 50 ms: %s" % (
                who, (t_up - t_stop_ns) / 1e6, (t_flow - t_stop_ns) / 1e6,
                " ".join("%+.0f..%+.0f" % ((b - t_stop_ns) / 1e6,
                                           (e - t_stop_ns) / 1e6)
                         for (b, e) in gaps(f))))
        if int(f["t_down_ns"]) > t_up or t_flow < t_up:
            raise Fail("%s: the peer did not come back with traffic: %s" %
                       (who, f))
        took = max(t_flow - t_stop_ns, 0) / 1e9
        if took > RECOVERY_BOUND:
            raise Fail("%s: traffic resumed only %.2f s after the garbage "
                       "stopped (bound %.1f s): %s" %
                       (who, took, RECOVERY_BOUND, f))
    for x in h:
        if x.cmd("state %d" % (1 - x.hid))["state"] != "2":
            raise Fail("%s: peer not READY after the recovery" % x.name)
    # the same imported key works, bytes intact
    h[0].cmd("fill %s 0 4096 9" % lbuf)
    h[0].cmd("write 1 %s 8192 %s 0 4096" % (rk, lbuf))
    h[1].cmd("check %s 8192 4096 9 0" % mem)
    for x in h:
        x.quit()


def pingpong_args(t, binary, hid, extra):
    return ([binary] + t.eal_args(hid, t.prefix("pp%d" % hid)) + extra +
            ["--vdev", t.devargs(hid), "--", "--sizes", "8,4096,65536,1048576",
             "--iters", "200", "--timeout", "30"])


def run_pingpong(t, binary, extra=(), env=None):
    p = [Proc(t, "pingpong%d" % i, pingpong_args(t, binary, i, list(extra)),
              env=env, stdin=False, merge=False) for i in (0, 1)]
    for x in p:
        rc = x.wait(120, "finish")
        if rc != 0:
            raise Fail("%s exited with %d" % (x.name, rc))
    results = [l for x in p for l in x.lines() if l.startswith("RESULT")]
    if len(results) != 2 or not all(r.startswith("RESULT OK") for r in results):
        raise Fail("pingpong results: %s" % results)
    for x in p:
        for l in x.lines():
            if l.startswith("size") or l.strip().split(" ")[0].isdigit():
                log("  " + x.name + ": " + l)
    return results


def test_pingpong(t):
    if not t.args.pingpong:
        raise Fail("no --pingpong binary given")
    res = run_pingpong(t, t.args.pingpong)
    log("pingpong: " + " | ".join(res))


def build_option(build, name):
    """Value of a meson option of the build tree, or None."""
    try:
        with open(os.path.join(build, "meson-info",
                               "intro-buildoptions.json")) as f:
            for o in json.load(f):
                if o.get("name") == name:
                    v = o.get("value")
                    return ",".join(v) if isinstance(v, list) else str(v)
    except (OSError, ValueError):
        pass
    return None


def staged_install(t):
    """meson install this build into a staging directory; returns the
    directory of its .pc files and of its libraries."""
    stage = os.path.join(t.tmp, "stage")
    r = subprocess.run(["meson", "install", "-C", t.args.build, "--no-rebuild",
                        "--quiet", "--destdir", stage],
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise Fail("meson install --destdir failed:\n%s\n%s" %
                   (r.stdout, r.stderr))
    pcs = [root for root, _, files in os.walk(stage) if "libcmmc.pc" in files]
    if len(pcs) != 1:
        raise Fail("staged install has %d directories with libcmmc.pc" %
                   len(pcs))
    pcdir = pcs[0]
    for pc in ("libmarlin.pc", "libmarlin-ntb-shm.pc"):
        if not os.path.exists(os.path.join(pcdir, pc)):
            raise Fail("staged install lacks " + pc)
    return pcdir, os.path.dirname(pcdir)


def test_pkgconfig(t):
    """Stage an install (meson install --destdir), build the example out of
    tree with its Makefile and the staged .pc files (relocatable), then run
    it on the staged libraries."""
    src = os.path.join(t.args.source, "examples", "cmmc_pingpong")
    if shutil.which("make") is None or shutil.which("pkg-config") is None:
        raise Skip("make or pkg-config missing: cannot build the example by "
                   "hand")
    pcdir, libdir = staged_install(t)
    env = dict(os.environ)
    env["PKG_CONFIG_PATH"] = pcdir
    out = os.path.join(t.tmp, "build")
    margs = ["make", "-C", src, "BUILD=" + out]
    san = build_option(t.args.build, "b_sanitize")
    if san not in (None, "none", ""):
        # the libraries are instrumented: so must the program be
        margs.append("CC=%s -fsanitize=%s" % (os.environ.get("CC", "cc"), san))
    r = subprocess.run(margs, env=env, capture_output=True, text=True,
                       timeout=300)
    if r.returncode != 0:
        raise Fail("make failed:\n%s\n%s" % (r.stdout, r.stderr))
    binary = os.path.join(out, "marlin-cmmc-pingpong")
    needed = subprocess.run(["readelf", "-d", binary], capture_output=True,
                            text=True).stdout
    if "librte_ntb_shm" not in needed:
        raise Fail("the example did not link librte_ntb_shm through "
                   "libmarlin-ntb-shm.pc")
    # only the staged libraries: a stale build tree path must not help
    os.environ["LD_LIBRARY_PATH"] = ":".join(
        [libdir] + [d for d in os.environ.get("LD_LIBRARY_PATH", "").split(":")
                    if d and not d.startswith(t.args.build)])
    res = run_pingpong(t, binary, [])
    log("example built from the staged install runs: " + " | ".join(res))


TESTS = {
    "transfer": test_transfer,
    "forged": test_forged,
    "reader": test_table_reader,
    "revoked": test_revoked,
    "restart": test_restart,
    "kill": test_kill,
    "corrupt": test_corrupt,
    "pingpong": test_pingpong,
    "pkgconfig": test_pkgconfig,
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host")
    ap.add_argument("--pingpong")
    ap.add_argument("--source")
    ap.add_argument("--build")
    ap.add_argument("--engine", default="none",
                    choices=("none", "cpu", "skeleton"))
    ap.add_argument("--no-manager", action="store_true",
                    help="run the hosts without a rack manager (default: "
                    "one is started and every pair granted)")

    def prepare(args):
        if not args.host:
            ap.error("--host is required")

    def session(args):
        return Test(args.test + ("" if args.engine == "none" else
                                 args.engine[:3]), args)
    return harness_main(ap, TESTS, session, prepare)


if __name__ == "__main__":
    sys.exit(main())
