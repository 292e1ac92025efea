# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""Network namespaces for tests and benchmarks that carry sockets traffic
over Marlin (a tap or an OVS internal port in each namespace).

  ip_tool()        iproute2's ip, or Skip
  make_netns       namespaces removed by the owner's cleanup (del_netns:
                   at once)
  tap_into_ns      wait for a tap, move it into a namespace, address it
  ns_ping          ICMP echo between namespaces (iputils ping, else raw ICMP
                   from Python); the rtt summary
  ns_tcp           a TCP transfer whose sha256 both ends compare
  iperf3           TCP throughput and retransmits (iperf3 -J)
  link_drops       the kernel's rx/tx drop counters of an interface

@owner is a Session (tests) or a bench Runner: processes started here are
Procs it kills at cleanup, namespaces go into its netns list.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

from .proc import Fail, Proc, Skip
from .session import check, log


def ip_tool():
    ip = shutil.which("ip")
    if not ip:
        raise Skip("ip (iproute2) not installed")
    return ip


def ip_run(*args):
    """ip @args; Fail with its message unless it succeeds."""
    r = subprocess.run([ip_tool()] + list(args), capture_output=True, text=True,
                       timeout=30)
    check(r.returncode == 0, "ip %s: %s" % (" ".join(args), r.stderr.strip()))
    return r.stdout


def make_netns(owner, stem, n):
    """@n network namespaces, removed by @owner's cleanup; Skip if not
    allowed."""
    nss = ["%s%d_%d" % (stem, os.getpid(), h) for h in range(n)]
    for ns in nss:
        r = subprocess.run([ip_tool(), "netns", "add", ns], capture_output=True,
                           text=True)
        if r.returncode != 0:
            raise Skip("cannot create network namespaces: %s" % r.stderr.strip())
        owner.netns.append(ns)
    return nss


def del_netns(owner, ns):
    """Remove namespace @ns now (made by make_netns for @owner)."""
    subprocess.run([ip_tool(), "netns", "del", ns], capture_output=True, timeout=30)
    if ns in owner.netns:
        owner.netns.remove(ns)


def tap_into_ns(tap, ns, addr, mac=None, proc=None, timeout=15.0):
    """Wait until @tap exists (made by @proc), move it into @ns, give it
    @addr (CIDR) and @mac, and bring it and lo up."""
    ip = ip_tool()
    deadline = time.time() + timeout
    while subprocess.run([ip, "link", "show", tap], capture_output=True).returncode:
        check(time.time() < deadline, "tap %s did not appear\n%s"
              % (tap, proc.tail() if proc else ""))
        time.sleep(0.2)
    ip_run("link", "set", tap, "netns", ns)
    if mac:
        ip_run("-n", ns, "link", "set", tap, "address", mac)
    ns_up(ns, tap, addr)


def ns_up(ns, dev, addr, txqueuelen=None):
    """Address @dev in @ns, optionally set its txqueuelen, bring it and lo
    up."""
    ip_run("-n", ns, "addr", "add", addr, "dev", dev)
    if txqueuelen:
        ip_run("-n", ns, "link", "set", dev, "txqueuelen", str(txqueuelen))
    ip_run("-n", ns, "link", "set", dev, "up")
    ip_run("-n", ns, "link", "set", "lo", "up")


def ns_ping(ns, addr, count=5, interval=0.2, quiet=False):
    """ICMP echo from namespace @ns to @addr (@count replies wanted); the
    rtt summary {min, avg, max, mdev} in ms (empty with the Python echo)."""
    ip = ip_tool()
    ping = shutil.which("ping")
    if ping:
        r = subprocess.run([ip, "netns", "exec", ns, ping, "-c", str(count), "-i",
                            str(interval), "-W", "2", addr], capture_output=True,
                           text=True, timeout=30 + count * max(interval, 0.2) * 2)
        if not quiet:
            log("\n".join(r.stdout.strip().splitlines()[-2:]) if r.stdout.strip()
                else r.stderr)
        check(r.returncode == 0, "ping failed:\n%s%s" % (r.stdout, r.stderr))
        m = re.search(r"= ([\d.]+)/([\d.]+)/([\d.]+)/([\d.]+) ms", r.stdout)
        return dict(zip(("min", "avg", "max", "mdev"),
                        map(float, m.groups()))) if m else {}
    code = PY_PING.replace("@HOST@", addr)
    r = subprocess.run([ip, "netns", "exec", ns, sys.executable, "-c", code],
                       capture_output=True, text=True, timeout=30)
    log("ping (python raw ICMP, iputils-ping not installed): %s"
        % " | ".join(r.stdout.split("\n")))
    check(r.returncode == 0, "ICMP echo failed:\n%s%s" % (r.stdout, r.stderr))
    return {}


def ns_tcp(owner, nss, addr, size):
    """@size bytes by TCP from nss[0] to @addr in nss[1]; sha256 compared.
    The rate in Mbit/s."""
    ip = ip_tool()
    srv = Proc(owner, "tcp-server", [ip, "netns", "exec", nss[1], sys.executable,
                                     "-c", PY_TCP_SERVER], stdin=False, merge=False)
    try:
        time.sleep(0.5)
        t0 = time.time()
        cli = subprocess.run([ip, "netns", "exec", nss[0], sys.executable, "-c",
                              PY_TCP_CLIENT.replace("@HOST@", addr)
                              .replace("@SIZE@", str(size))],
                             capture_output=True, text=True, timeout=60)
        dt = time.time() - t0
        try:
            srv.wait(30, "report what it received")
        except Fail as e:
            raise Fail("%s; the client exited with %d after %.1f s: %s" % (
                e, cli.returncode, dt, cli.stderr.strip()[-400:]))
    finally:
        srv.kill()
    out, err = "\n".join(srv.out), "\n".join(srv.err)
    check(cli.returncode == 0, "TCP client failed: %s" % cli.stderr)
    check(out.strip() == cli.stdout.strip() and len(out.strip()) == 64 + 1 + len(str(size)),
          "TCP transfer mismatch: sent %r, received %r (%s)" % (
              cli.stdout.strip(), out.strip(), err))
    rate = size * 8 / dt / 1e6
    log("TCP: %d MiB between namespaces in %.2f s (%.0f Mb/s), sha256 matches"
        % (size >> 20, dt, rate))
    return rate


def iperf3(owner, nss, addr, secs):
    """TCP from nss[0] to @addr in nss[1] for @secs seconds (iperf3 -J):
    {mbps, retransmits, segments, pct} and a one-line summary in 'text'.
    Skip when iperf3 is not installed."""
    ip, iperf = ip_tool(), shutil.which("iperf3")
    if not iperf:
        raise Skip("iperf3 not installed")
    srv = Proc(owner, "iperf3-server", [ip, "netns", "exec", nss[1], iperf, "-s", "-1"],
               stdin=False)
    try:
        time.sleep(0.5)
        r = subprocess.run([ip, "netns", "exec", nss[0], iperf, "-c", addr,
                            "-t", str(secs), "-J"], capture_output=True, text=True,
                           timeout=secs + 30)
    finally:
        srv.stop(signal.SIGTERM, timeout=10)
    if r.returncode != 0:
        raise Fail("iperf3 failed: %s %s" % (r.stdout[-500:], r.stderr))
    end = json.loads(r.stdout)["end"]
    sent = end["sum_sent"]
    # segments of the sender's MSS (1448 bytes with timestamps on a 1500 MTU)
    segs = max(1, sum(st["sender"].get("bytes", 0) for st in end["streams"]) // 1448)
    res = {"mbps": sent["bits_per_second"] / 1e6,
           "retransmits": sent.get("retransmits", 0), "segments": segs}
    res["pct"] = 100.0 * res["retransmits"] / segs
    res["text"] = ("%.0f Mbit/s, %d retransmits (%.3f%% of ~%d segments) in %d s"
                   % (res["mbps"], res["retransmits"], res["pct"], segs, secs))
    return res


def link_drops(ns, dev):
    """(rx dropped, tx dropped) of @dev in @ns from `ip -s -j link`."""
    r = subprocess.run([ip_tool(), "-n", ns, "-s", "-j", "link", "show", dev],
                       capture_output=True, text=True, timeout=30)
    st = json.loads(r.stdout)[0].get("stats64", {}) if r.returncode == 0 else {}
    return st.get("rx", {}).get("dropped"), st.get("tx", {}).get("dropped")


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
