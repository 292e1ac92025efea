#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""UCX programs across software Marlin hosts, over the Marlin UCX transport.

  ucx_test.py perftest        ucx_perftest put/get/am latency and bandwidth
  ucx_test.py rma             UCP put/flush/get program, data checked
                              (8 B .. 1 MiB, straight into the heap)
  ucx_test.py rma_nomgr       the same on a fabric without a rack manager
  ucx_test.py rma4            the same on four hosts: hosts 1-3 each in a
                              quarter of host 0's heap, directly
  ucx_test.py rma_regmem      the same into ordinary registered memory (by
                              messages the sleeping server answers), 6 runs
  ucx_test.py rma_fence       a fence orders HRDMA puts before direct ones
  ucx_test.py rma_revoked     a put under a key whose memory was freed fails
  ucx_test.py rma_realloc     a put under a key already used, whose memory
                              was then freed and allocated again, fails
                              and the new memory stays zero
  ucx_test.py rma_forged      puts under keys with a forged secret or naming
                              another host fail, the target stays zero
  ucx_test.py tag_heap        UCP tag messages 8 B .. 1 MiB between buffers
                              in the heaps, data checked: rendezvous data
                              fetched straight from the sender's heap
  ucx_test.py tag_plain       the same between malloc()ed buffers (by
                              HRDMA messages)
  ucx_test.py openmpi N       Open MPI ping-pong + allreduce on N hosts
  ucx_test.py mpich N         MPICH ping-pong + allreduce on N hosts
  ucx_test.py kill            a rank killed mid-run: the job ends with an
                              error within a bound, nothing left behind
  ucx_test.py rma_kill        the UCP program's peer killed mid-run: the
                              survivor's put/flush fail with an error
  ucx_test.py hostile         a hostile host sends a UCP program what no
                              honest peer sends: all refused, memory intact

Every fabric has a rack manager of its own (marlin-fabric serve, every
pair granted) unless the case says otherwise. Every run is forced onto Marlin (UCX_TLS=marlin,self) and each process
prints how many messages it moved over Marlin (MARLIN_UCX_STATS), which is
checked. Exit 77 when UCX, the MPI runtimes or the plugin are missing.
"""

import glob
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

BUILD = os.environ.get("MARLIN_BUILD_DIR", ".")
RUN = os.path.join(BUILD, "drivers", "ucx", "marlin", "marlin-run")
FABRIC_BIN = os.path.join(BUILD, "apps", "marlin-fabric", "marlin-fabric")
# Fabric name -> its rack manager's socket (fabrics run with a manager).
SOCKETS = {}
PLUGIN = os.path.join(BUILD, "drivers", "ucx", "marlin", "libuct_marlin.so")
SRC = os.path.dirname(os.path.abspath(__file__))
STATS = re.compile(r"\[marlin ucx\] host (\d+): (\d+) messages sent, (\d+) received, (\d+) refused, (\d+) direct")


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


def fail(why, out=""):
    if out:
        print(out[-6000:])
    print("FAIL: " + why)
    sys.exit(1)


class Fabric:
    """A fabric name of our own, and its files removed at the end. With
    @manager (the default) a rack manager of its own (marlin-fabric serve,
    no policy: every pair granted rw) that the hosts register with
    (ntb_shm manager=); marlin-run then makes window 1, the heap, one
    memory for all granted peers (shared_mw=1)."""

    def __init__(self, tag, manager=True):
        self.name = "ucxt%s%d" % (tag, os.getpid())
        self.manager = manager
        self.mgr = None
        self.run_dir = None

    def __enter__(self):
        if self.manager:
            try:
                self.manager_start()
            except BaseException:
                self.__exit__()
                raise
        return self

    def manager_start(self):
        if not os.path.exists(FABRIC_BIN):
            skip("marlin-fabric not built")
        self.run_dir = tempfile.mkdtemp(prefix="ucxt-mgr-")
        self.mgr = subprocess.Popen([FABRIC_BIN, "serve", "--run-dir", self.run_dir],
                                    stdout=subprocess.PIPE,
                                    stderr=open(os.path.join(self.run_dir, "log"), "w"),
                                    text=True, start_new_session=True)
        # "ready SOCKET" once it accepts connections
        deadline = time.time() + 30
        while time.time() < deadline:
            r, _, _ = select.select([self.mgr.stdout], [], [], 1.0)
            if not r:
                continue
            line = self.mgr.stdout.readline()
            if line.startswith("ready "):
                SOCKETS[self.name] = line.split()[1]
                return
            if line == "":
                break
        fail("the rack manager did not get ready: " +
             open(os.path.join(self.run_dir, "log")).read()[-2000:])

    def __exit__(self, *exc):
        # Ranks an MPI launcher started may outlive its process group (a
        # timeout, a launcher killed): stop whatever still runs on this
        # fabric, found by its environment.
        tag = b"MARLIN_FABRIC=%s\0" % self.name.encode()
        for pid in os.listdir("/proc"):
            if not pid.isdigit() or int(pid) == os.getpid():
                continue
            try:
                if tag in open("/proc/%s/environ" % pid, "rb").read():
                    os.kill(int(pid), signal.SIGKILL)
            except OSError:
                pass
        for d in glob.glob("/dev/hugepages/marlin-fabric-" + self.name) + \
                glob.glob("/dev/shm/marlin-fabric-" + self.name) + \
                glob.glob("/var/run/dpdk/ucx-%s-*" % self.name):
            shutil.rmtree(d, ignore_errors=True)
        SOCKETS.pop(self.name, None)
        if self.mgr is not None:
            self.mgr.terminate()
            try:
                self.mgr.wait(10)
            except subprocess.TimeoutExpired:
                self.mgr.kill()
                self.mgr.wait()
            self.mgr.stdout.close()
        if self.run_dir is not None:
            shutil.rmtree(self.run_dir, ignore_errors=True)


def env(fabric, **extra):
    e = dict(os.environ)
    # Fabrics on /dev/shm: hugepages are shared with whatever else runs
    # and may run out between two hosts' starts.
    e.update(UCX_TLS="marlin,self", UCX_WARN_UNUSED_ENV_VARS="n",
             MARLIN_UCX_STATS="1", MARLIN_FABRIC=fabric,
             MARLIN_DEVARGS="dir=/dev/shm" + (",manager=" + SOCKETS[fabric]
                                              if fabric in SOCKETS else ""))
    e.update({k: str(v) for k, v in extra.items()})
    return e


def run(cmd, e, timeout):
    """Run in a process group; kill the group on timeout."""
    p = subprocess.Popen(cmd, env=e, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True,
                         start_new_session=True)
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        fail("%s did not finish within %d s" % (cmd[0], timeout), out)
    return p.returncode, out


def check_stats(out, hosts, passive=()):
    """Every host moved something over Marlin: received messages or did
    puts/gets straight into a peer's heap; @passive hosts only serve."""
    seen = {int(m.group(1)): (int(m.group(2)), int(m.group(3)), int(m.group(4)),
                              int(m.group(5)))
            for m in STATS.finditer(out)}
    for h in range(hosts):
        if h not in seen or (h not in passive and seen[h][1] + seen[h][3] == 0):
            fail("host %d moved nothing over Marlin (stats: %s)" % (h, seen), out)
        if seen[h][2] != 0:
            fail("host %d refused messages (stats: %s)" % (h, seen), out)
    return seen


def need(*tools):
    for t in tools:
        if shutil.which(t) is None:
            skip("%s not installed (scripts/setup.sh installs ucx-utils, "
                 "openmpi-bin, mpich)" % t)
    if not os.path.exists(PLUGIN):
        skip("libuct_marlin not built (-Ducx=auto found no UCX headers: "
             "run scripts/setup.sh)")


def pair(fabric, server, client, timeout=60, **extra):
    """Host 0 runs @server, host 1 @client; both must succeed. @extra:
    more environment for both."""
    srv = subprocess.Popen([RUN, "--host", "0", "--hosts", "2"] + server,
                           env=env(fabric, **extra), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True,
                           start_new_session=True)
    try:
        time.sleep(1.0)
        rc, out = run([RUN, "--host", "1", "--hosts", "2"] + client,
                      env(fabric, **extra), timeout)
        try:
            sout, _ = srv.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(srv.pid, signal.SIGKILL)
            sout, _ = srv.communicate()
            fail("server did not finish", sout + out)
    finally:
        if srv.poll() is None:
            os.killpg(srv.pid, signal.SIGKILL)
            srv.wait()
    if rc != 0 or srv.returncode != 0:
        fail("client rc %d, server rc %d" % (rc, srv.returncode), sout + out)
    return sout, out


PERF = re.compile(r"^Final:\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", re.M)


def perftest():
    need("ucx_perftest")
    port = 20000 + os.getpid() % 20000
    rows = []
    # (test, size, iterations, UCT data layout): UCT and UCP, latency and
    # bandwidth.
    for i, (t, s, n, d) in enumerate([
            ("am_lat", 8, 5000, "short"), ("put_lat", 8, 5000, "short"),
            ("am_bw", 4096, 5000, "bcopy"), ("put_bw", 8000, 5000, "zcopy"),
            ("get", 8000, 1000, "bcopy"), ("get", 8000, 1000, "zcopy"),
            ("ucp_put_lat", 8, 5000, ""), ("ucp_get", 65536, 200, ""),
            ("tag_lat", 8, 5000, ""), ("tag_bw", 1 << 20, 50, "")]):
        args = ["-p", str(port + i), "-t", t, "-s", str(s), "-n", str(n), "-w", "10"]
        if d:
            args += ["-D", d]
        if not t.startswith(("ucp_", "tag_")):
            args += ["-x", "marlin", "-d", "ntb_shm_ucx"]
        with Fabric("p%d" % i) as f:
            _, out = pair(f.name, ["ucx_perftest", "-p", str(port + i)],
                          ["ucx_perftest", "localhost"] + args)
        m = PERF.search(out)
        if m is None:
            fail("%s: no Final: row" % t, out)
        iters, lat50, lat = int(m.group(1)), float(m.group(2)), float(m.group(3))
        bw = float(m.group(5))
        if iters != n or not (lat > 0 and bw > 0):
            fail("%s: %d iterations (expected %d), latency %.3f us, %.1f MB/s"
                 % (t, iters, n, lat, bw), out)
        rows.append((t, s, lat50, lat, bw))
        print("%-12s %-5s %8d B  median %8.3f us  avg %8.3f us  %10.1f MB/s"
              % (t, d, s, lat50, lat, bw))
    print("perftest: %d tests over Marlin, all iterations done" % len(rows))


def rma_forged():
    """Keys with a changed secret or owner are refused; the server's buffer
    stays zero."""
    need()
    prog = os.path.join(BUILD, "tests", "ucx", "ucp_rma")
    port = str(40000 + os.getpid() % 20000)
    with Fabric("x") as f:
        sout, out = pair(f.name, [prog, "server", port, "zero"],
                         [prog, "client", port, "forged"])
    if "ucp_rma OK" not in out or "ucp_rma server OK" not in sout:
        fail("no OK line", sout + out)
    print([l for l in out.splitlines() if "ucp_rma OK" in l][0])


def rma(mode="", manager=True):
    """ucp_rma server/client in @mode ("", "fence", "revoked", "realloc"):
    both say OK, and the client's puts/gets went where they should."""
    need()
    prog = os.path.join(BUILD, "tests", "ucx", "ucp_rma")
    port = str(40000 + os.getpid() % 20000)
    extra = [mode] if mode else []
    with Fabric("r" + mode[:1], manager) as f:
        sout, out = pair(f.name, [prog, "server", port] + extra,
                         [prog, "client", port] + extra)
    if "ucp_rma OK" not in out or "ucp_rma server OK" not in sout:
        fail("no OK line", sout + out)
    # The server only serves; under a freed key nothing moves at all.
    seen = check_stats(sout + out, 2, passive=(0, 1) if mode == "revoked" else (0,))
    if mode == "realloc" and seen[0][1] == 0:
        fail("the server heard no acknowledgement of its revocation "
             "(stats: %s)" % seen, sout + out)
    if mode != "revoked" and seen[1][3] == 0:
        fail("the client's puts/gets did not go straight into the server's heap "
             "(stats: %s)" % seen, sout + out)
    if mode == "fence" and seen[1][0] == 0:
        fail("the client did not mix HRDMA and direct puts (stats: %s)" % seen,
             sout + out)
    print([l for l in out.splitlines() if "ucp_rma OK" in l][0])
    print([l for l in sout.splitlines() if "server OK" in l][0])


def tag(mode):
    """ucp_tag server/client in @mode ("heap", "plain"): every message
    arrives intact; rendezvous data comes straight from the sender's heap
    (heap), or only by messages (plain)."""
    need()
    prog = os.path.join(BUILD, "tests", "ucx", "ucp_tag")
    port = str(40000 + os.getpid() % 20000)
    with Fabric("t" + mode[0]) as f:
        sout, out = pair(f.name, [prog, "server", port, mode],
                         [prog, "client", port, mode])
    if "ucp_tag OK" not in out or "ucp_tag server OK" not in sout:
        fail("no OK line", sout + out)
    seen = check_stats(sout + out, 2)
    if mode == "heap" and seen[0][3] == 0:
        fail("the receiver did not fetch rendezvous data straight from the "
             "sender's heap (stats: %s)" % seen, sout + out)
    if mode == "plain" and seen[0][3] != 0:
        fail("the receiver reached malloc()ed memory of the sender directly "
             "(stats: %s)" % seen, sout + out)
    print([l for l in out.splitlines() if "ucp_tag OK" in l][0])
    print([l for l in sout.splitlines() if "server OK" in l][0])
    print("stats (sent, received, refused, direct): %s" % seen)


def rma4():
    """Four hosts: host 0 serves, hosts 1..3 each put/get into their own
    quarter of its heap, directly (with the manager, only through the
    shared window 1), data checked on both sides."""
    need()
    prog = os.path.join(BUILD, "tests", "ucx", "ucp_rma")
    port = str(40000 + os.getpid() % 20000)
    with Fabric("r4") as f:
        srv = subprocess.Popen([RUN, "--host", "0", "--hosts", "4", prog, "server",
                                port, "multi", "3"],
                               env=env(f.name), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
        clients = []
        try:
            time.sleep(1.0)
            for k in range(3):
                clients.append(subprocess.Popen(
                    [RUN, "--host", str(k + 1), "--hosts", "4", prog, "client", port,
                     "slice", str(k)], env=env(f.name), stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT, text=True, start_new_session=True))
            outs = []
            deadline = time.time() + 90
            for p in clients + [srv]:
                try:
                    outs.append(p.communicate(timeout=max(1, deadline - time.time()))[0])
                except subprocess.TimeoutExpired:
                    fail("a host of four did not finish within 90 s")
        finally:
            for p in clients + [srv]:
                if p.poll() is None:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait()
    out = "".join(outs)
    if any(p.returncode != 0 for p in clients + [srv]):
        fail("rc %s" % [p.returncode for p in clients + [srv]], out)
    if out.count("ucp_rma OK") != 3 or "ucp_rma server OK (3 clients" not in out:
        fail("no OK lines", out)
    seen = check_stats(out, 4, passive=(0,))
    for h in (1, 2, 3):
        if seen[h][3] == 0:
            fail("host %d did not reach host 0's heap directly (stats: %s)"
                 % (h, seen), out)
    print([l for l in out.splitlines() if "server OK" in l][0])
    print("rma4: hosts 1-3 direct puts/gets: %s"
          % ", ".join(str(seen[h][3]) for h in (1, 2, 3)))


REGMEM_RUNS = 6


def rma_regmem():
    """The server's buffer in ordinary registered memory (not the heap):
    every put and get is a message its progress must answer while it
    sleeps on the worker's event fd between bursts. Repeated, since a
    wake-up lost between arm and sleep showed only in some runs (the
    server then sleeps through its 10 s poll and fails). Every other run
    sets UCX_ZCOPY_THRESH=2048, so that UCP puts 4 KiB and more by put
    zcopy (one message, and pieces) instead of put short."""
    need()
    prog = os.path.join(BUILD, "tests", "ucx", "ucp_rma")
    sleeps = 0
    for i in range(REGMEM_RUNS):
        port = str(40000 + (os.getpid() + i) % 20000)
        t0 = time.time()
        extra = {"UCX_ZCOPY_THRESH": "2048"} if i % 2 else {}
        with Fabric("g%d" % i) as f:
            sout, out = pair(f.name, [prog, "server", port],
                             [prog, "client", port], timeout=40,
                             UCX_ALLOC_PRIO="huge,thp,mmap,heap", **extra)
        if "ucp_rma OK" not in out or "ucp_rma server OK" not in sout:
            fail("run %d: no OK line" % i, sout + out)
        seen = check_stats(sout + out, 2)
        if seen[1][3] != 0 or seen[0][0] == 0:
            fail("run %d: the puts and gets did not go by messages the "
                 "server answers (stats: %s)" % (i, seen), sout + out)
        m = re.search(r"slept (\d+) times", sout)
        sleeps += int(m.group(1)) if m else 0
        print("run %d%s: %.1f s, %s" % (i, " (zcopy)" if extra else "",
                                        time.time() - t0,
                                        m.group(0) if m else "?"))
    if sleeps == 0:
        fail("the server never slept on its event fd")
    print("rma_regmem: %d runs, server asleep %d times in all" % (REGMEM_RUNS, sleeps))


def rma_kill():
    need()
    prog = os.path.join(BUILD, "tests", "ucx", "ucp_rma")
    port = str(40000 + os.getpid() % 20000)
    with Fabric("rk") as f:
        srv = subprocess.Popen([RUN, "--host", "0", "--hosts", "2", prog, "server", port],
                               env=env(f.name), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
        cli = subprocess.Popen([RUN, "--host", "1", "--hosts", "2", prog, "client", port, "loop"],
                               env=env(f.name), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
        try:
            line = cli.stdout.readline()
            if "looping" not in line:
                fail("the client did not start its loop: " + line)
            time.sleep(1.0)
            t0 = time.time()
            os.kill(srv.pid, signal.SIGKILL)
            srv.wait()
            try:
                out, _ = cli.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                fail("the survivor still runs 30 s after its peer was killed")
            took = time.time() - t0
        finally:
            for p in (srv, cli):
                if p.poll() is None:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait()
    if cli.returncode != 3 or "ucp_rma peer error" not in out:
        fail("survivor rc %d (expected 3, a peer error)" % cli.returncode, out)
    print("rma_kill: %s after %.2f s" % (
        [l for l in out.splitlines() if "peer error" in l][0], took))


def hostile():
    need()
    prog = os.path.join(BUILD, "tests", "ucx", "ucp_rma")
    bad = os.path.join(BUILD, "tests", "ucx", "hostile_peer")
    port = str(40000 + os.getpid() % 20000)
    with Fabric("h") as f:
        sout, out = pair(f.name, [prog, "server", port, "zero"], [bad, port])
    if "ucp_rma server OK" not in sout or "hostile_peer: sent" not in out:
        fail("no OK lines", sout + out)
    m = STATS.search(sout)
    if m is None or int(m.group(4)) < 13:
        fail("the server refused %s of 13 hostile messages"
             % (m.group(4) if m else "none"), sout + out)
    print("hostile: server alive, buffer untouched, refused %s messages" % m.group(4))


def build_mpi(flavour, tmp):
    cc = {"openmpi": "mpicc.openmpi", "mpich": "mpicc.mpich"}[flavour]
    need(cc, "mpirun." + flavour)
    exe = os.path.join(tmp, "mpi_check_" + flavour)
    r = subprocess.run([cc, "-O2", "-Wall", "-o", exe,
                        os.path.join(SRC, "mpi_check.c")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        fail("%s failed" % cc, r.stdout)
    return exe


def mpi_cmd(flavour, n, fabric, exe, args=()):
    if flavour == "openmpi":
        return ["mpirun.openmpi", "--allow-run-as-root", "--oversubscribe",
                "-np", str(n), "--bind-to", "none",
                "--mca", "pml", "ucx", "--mca", "pml_ucx_tls", "any",
                "--mca", "pml_ucx_devices", "any", "--mca", "btl", "self",
                "--mca", "osc", "^ucx",
                "-x", "UCX_TLS", "-x", "MARLIN_UCX_STATS", "-x", "UCX_WARN_UNUSED_ENV_VARS",
                "-x", "MARLIN_DEVARGS", "-x", "ASAN_OPTIONS",
                RUN, "--fabric", fabric, exe] + list(args)
    # MPICH: MPIR_CVAR_NOLOCAL keeps it off its own shared memory.
    return ["mpirun.mpich", "-np", str(n), "-genv", "MPIR_CVAR_NOLOCAL", "1",
            RUN, "--fabric", fabric, exe] + list(args)


def no_leak_check(e):
    """MPI ranks run without LSan: the runtimes leave thousands of objects
    at exit (tests/lsan.supp says why they are not suppressed one by one)."""
    e["ASAN_OPTIONS"] = re.sub(r"detect_leaks=\d", "detect_leaks=0",
                               e.get("ASAN_OPTIONS", "")) or "detect_leaks=0"
    if "detect_leaks" not in e["ASAN_OPTIONS"]:
        e["ASAN_OPTIONS"] += ":detect_leaks=0"
    return e


def mpi(flavour, n):
    with tempfile.TemporaryDirectory() as tmp:
        exe = build_mpi(flavour, tmp)
        with Fabric(flavour[0] + str(n)) as f:
            rc, out = run(mpi_cmd(flavour, n, f.name, exe),
                          no_leak_check(env(f.name)), 120)
    if rc != 0 or "mpi_check OK" not in out:
        fail("%s with %d ranks: rc %d" % (flavour, n, rc), out)
    check_stats(out, n)
    print([l for l in out.splitlines() if "mpi_check OK" in l][0])


def kill():
    with tempfile.TemporaryDirectory() as tmp:
        exe = build_mpi("openmpi", tmp)
        with Fabric("k") as f:
            p = subprocess.Popen(mpi_cmd("openmpi", 2, f.name, exe, ["--rounds", "1000000"]),
                                 env=no_leak_check(env(f.name)), stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True,
                                 start_new_session=True)
            try:
                victim = None
                deadline = time.time() + 30
                while victim is None and time.time() < deadline:
                    time.sleep(0.5)
                    for pid in os.listdir("/proc"):
                        if not pid.isdigit():
                            continue
                        try:
                            e = open("/proc/%s/environ" % pid, "rb").read()
                            comm = open("/proc/%s/comm" % pid).read().strip()
                        except OSError:
                            continue
                        if comm.startswith("mpi_check") and \
                                (b"MARLIN_FABRIC=%s\0" % f.name.encode()) in e and \
                                b"MARLIN_HOST=1\0" in e:
                            victim = int(pid)
                if victim is None:
                    fail("rank 1 never started")
                time.sleep(1.0)
                t0 = time.time()
                os.kill(victim, signal.SIGKILL)
                try:
                    out, _ = p.communicate(timeout=60)
                except subprocess.TimeoutExpired:
                    fail("the job still runs 60 s after rank 1 was killed")
                took = time.time() - t0
            finally:
                if p.poll() is None:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait()
    if p.returncode == 0:
        fail("mpirun exited 0 although rank 1 was killed", out)
    print("kill: rank 1 killed; job ended with rc %d after %.1f s" % (p.returncode, took))


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    what = sys.argv[1]
    if what == "perftest":
        perftest()
    elif what == "rma":
        rma()
    elif what == "rma_nomgr":
        rma(manager=False)
    elif what in ("openmpi", "mpich"):
        mpi(what, int(sys.argv[2]) if len(sys.argv) > 2 else 2)
    elif what == "kill":
        kill()
    elif what == "rma_kill":
        rma_kill()
    elif what == "rma4":
        rma4()
    elif what == "rma_regmem":
        rma_regmem()
    elif what == "rma_forged":
        rma_forged()
    elif what in ("rma_fence", "rma_revoked", "rma_realloc"):
        rma(what[4:])
    elif what in ("tag_heap", "tag_plain"):
        tag(what[4:])
    elif what == "hostile":
        hostile()
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
