#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""CMMC benchmark: CMMC against UCX, process_vm_writev and the copy limit,
on two cores, per placement.

Two processes on the two vCPUs of this kind of machine see either "near"
(~30 ns cache-line latency) or "far" (~170 ns) placement, and that changes
every few seconds. Every run is therefore bracketed by the placement probe
(marlin-perf --probe), CMMC and UCX alternate in short rounds (A B, then
B A), and the tables show medians per placement and the median of the
CMMC/UCX ratios of runs of one round that saw the same placement.

Per round, for 4 KiB .. 4 MiB:
  * CMMC write (the receiver never reads, as ucp_put_bw), write with the
    receiver copying out every byte (notification per message, credits
    back every quarter ring), the same with streaming stores
    (nt_threshold 64 KiB), and read;
  * ucx_perftest ucp_put_bw and ucp_get over sysv shared memory;
  * process_vm_writev (scripts/bench/pvw_bw.c);
and 8-byte notify latency (CMMC write with notification, ping-pong) against
ucp_put_lat (and HRDMA's own marlin-perf write_lat); the single-core copy
limit at the same footprints (marlin-copy-bench) once per round.

    scripts/bench/cmmc/cmmc_bench.py [--rounds N] [--quick] [--build-dir DIR]
                                [--out-md FILE] [--cores S,C]

The helpers (process handling, probe, UCX and process_vm_writev runs, copy
limit) are those of scripts/bench/bench.py. CMMC runs use
scripts/bench/cmmc/cmmc_perf.c, built here with pkg-config against the
build tree. The fabric lives on hugetlbfs (exported memory is hugepage
memory); both hosts run with EAL --in-memory. Everything started is
stopped and every file removed at the end, also on Ctrl-C.
"""

import argparse
import datetime
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def _load_helpers():
    """scripts/bench/bench.py, the HRDMA benchmark, as a module."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "marlin_bench_helpers", os.path.join(os.path.dirname(HERE),
                                             "bench.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


hb = _load_helpers()

TOP = hb.TOP
MIB = hb.MIB
KIB = 1024
SIZES = [4 * KIB, 16 * KIB, 64 * KIB, 256 * KIB, MIB, 4 * MIB]
TARGET_FROM = 64 * KIB
ANALYSIS_MARK = "<!-- analysis: text below this line is kept on rerun -->"

sessions = []


def log(msg):
    print("[cmmc-bench] " + msg, file=sys.stderr, flush=True)


class Session:
    """Two cmmc_perf hosts on one fabric, idle (blocked on stdin) between
    runs so that the probe can use the same cores."""

    def __init__(self, exe, env, tag, cores, nt, fabric_dir=None):
        self.tag = tag
        self.fabric = "cmmcb%d%s" % (os.getpid(), tag)
        self.prefixes = []
        self.procs = []
        self.queues = []
        for hid, role in ((0, "server"), (1, "client")):
            prefix = "%s_h%d" % (self.fabric, hid)
            self.prefixes.append(prefix)
            args = [exe, "-l", str(cores[hid]), "--in-memory", "--no-pci",
                    "--file-prefix", prefix,
                    "--no-telemetry", "-m", "64", "--log-level",
                    "lib.eal:warning", "--vdev",
                    "ntb_shm0,fabric=%s,host=%d,hosts=2,mw=1,mw_size=64M%s" %
                    (self.fabric, hid, ",dir=" + fabric_dir if fabric_dir
                     else ""), "--", "--role", role]
            if nt is not None:
                args += ["--nt", str(nt)]
            p = subprocess.Popen(args, stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, bufsize=1,
                                 env=env, start_new_session=True)
            q = queue.Queue()
            threading.Thread(target=self._reader, args=(p.stdout, q),
                             daemon=True).start()
            threading.Thread(target=lambda s=p.stderr: s.read(),
                             daemon=True).start()
            self.procs.append(p)
            self.queues.append(q)
        self.cmdline = " ".join(args)
        sessions.append(self)
        for i in (0, 1):
            d = self.line(i, 90)
            if not d.get("ready"):
                raise RuntimeError("session %s host %d: %s" % (tag, i, d))

    @staticmethod
    def _reader(f, q):
        for line in f:
            q.put(line)
        q.put(None)

    def line(self, i, timeout):
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            if left <= 0:
                return {"error": "timeout"}
            try:
                line = self.queues[i].get(timeout=left)
            except queue.Empty:
                return {"error": "timeout"}
            if line is None:
                return {"error": "host %d exited (%s)" %
                        (i, self.procs[i].poll())}
            line = line.strip()
            if line.startswith("{"):
                try:
                    return json.loads(line)
                except ValueError:
                    continue

    def run(self, test, size, iters):
        self.procs[0].stdin.write("serve\n")
        self.procs[0].stdin.flush()
        self.procs[1].stdin.write("run %s %d %d\n" % (test, size, iters))
        self.procs[1].stdin.flush()
        c = self.line(1, 120)
        s = self.line(0, 30)
        if "error" in s and "error" not in c:
            c["error"] = "server: " + s["error"]
        if s.get("stamp_errors"):
            c["error"] = "server saw %d wrong stamps" % s["stamp_errors"]
        return c

    def close(self):
        for p in self.procs:
            try:
                p.stdin.write("quit\n")
                p.stdin.flush()
            except (BrokenPipeError, OSError):
                pass
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                hb.kill(p)
        remove_fabric(self.fabric)
        remove_runtime(self.prefixes)


def remove_runtime(prefixes):
    """EAL runtime directories of our hosts."""
    for pre in prefixes:
        for base in ("/var/run/dpdk", "/tmp/dpdk", os.path.join(
                os.environ.get("XDG_RUNTIME_DIR", "/tmp"), "dpdk")):
            shutil.rmtree(os.path.join(base, pre), ignore_errors=True)


def remove_fabric(name):
    for d in ("/dev/hugepages", "/dev/shm"):
        shutil.rmtree(os.path.join(d, "marlin-fabric-" + name),
                      ignore_errors=True)


def cleanup():
    for s in sessions:
        for p in s.procs:
            hb.kill(p)
        remove_fabric(s.fabric)
        remove_runtime(s.prefixes)
    hb.cleanup()


def on_signal(sig, _frame):
    log("signal %d: stopping" % sig)
    cleanup()
    sys.exit(128 + sig)


def build_perf(build_dir):
    """cmmc_perf with pkg-config against the (uninstalled) build tree."""
    env = dict(os.environ)
    env["PKG_CONFIG_PATH"] = os.path.join(build_dir, "meson-uninstalled")
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libcmmc",
                            "libmarlin", "libdpdk"], env=env,
                           capture_output=True, text=True)
    if flags.returncode != 0:
        sys.exit("pkg-config cannot find libcmmc in %s: %s" %
                 (build_dir, flags.stderr))
    exe = os.path.join(hb.tmpdir, "cmmc_perf")
    shm = os.path.join(build_dir, "drivers")
    cmd = ["cc", "-O3", "-Wall", "-Wextra", "-D_GNU_SOURCE",
           "-DALLOW_EXPERIMENTAL_API", os.path.join(HERE, "cmmc_perf.c"),
           "-o", exe] + flags.stdout.split() + [
           "-L" + shm, "-Wl,--no-as-needed", "-lrte_ntb_shm",
           "-Wl,--as-needed"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("cannot build cmmc_perf:\n" + r.stderr)
    shm_copy = os.path.join(hb.tmpdir, "shm_copy")
    r = subprocess.run(["cc", "-O2", "-Wall", os.path.join(HERE, "shm_copy.c"),
                        "-o", shm_copy], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("cannot build shm_copy:\n" + r.stderr)
    run_env = dict(os.environ)
    run_env["LD_LIBRARY_PATH"] = ":".join(
        [os.path.join(build_dir, d) for d in ("lib", "drivers")] +
        [os.environ.get("LD_LIBRARY_PATH", "")])
    return exe, run_env, " ".join(cmd), shm_copy


def iters_bw(size, quick):
    n = (512 * MIB if quick else 2048 * MIB) // size
    return int(min(max(n, 300), 400000))


def cmmc_run(b, sess, kind, test, size, iters, rnd):
    before = b.probe()
    r = sess.run(test, size, iters)
    after = b.probe()
    extra = {"cmd": "%s | run %s %d %d" % (sess.cmdline, test, size, iters),
             "session": sess.tag}
    if test == "lat":
        value = r.get("median_ns")
        extra.update({k: r.get(k) for k in ("avg_ns", "min_ns", "p99_ns")})
    else:
        value = r.get("gbs")
        extra["slots"] = r.get("slots")
    return b.record(kind, size, value, before, after, extra, rnd,
                    error=r.get("error"))


def settled(b, f):
    """scripts/bench/bench.py's retry of runs whose probes were unsteady
    or disagreed, when it has one."""
    if hasattr(hb, "settled"):
        return hb.settled(b, f)
    return f()


def shm_copy(b, size, rnd):
    """memcpy into a shared file mapping on hugetlbfs (scripts/bench/cmmc/
    shm_copy.c), on the issuer's core."""
    cmd = [b.shm_copy, str(size), str(512 * MIB), str(b.client_core),
           "/dev/hugepages" if os.path.isdir("/dev/hugepages") else "/dev/shm"]
    rc, out, err = hb.run(cmd, timeout=120)
    try:
        value = json.loads(out)["gbs"]
    except (ValueError, KeyError):
        value = None
    return b.record("shm_copy", size, value, (None, True), (None, True),
                    {"cmd": " ".join(cmd)}, rnd,
                    error=None if value is not None else err.strip()[-200:])


def run_round(b, ss, rnd, sizes, quick):
    lat_iters = 50000 if quick else 200000

    def cmmc_block(size):
        n = iters_bw(size, quick)
        settled(b, lambda: cmmc_run(b, ss["plain"], "cmmc_write", "write",
                                    size, n, rnd))
        settled(b, lambda: cmmc_run(b, ss["plain"], "cmmc_consume",
                                    "consume", size, max(n // 2, 300), rnd))
        settled(b, lambda: cmmc_run(b, ss["nt"], "cmmc_consume_nt",
                                    "consume", size, max(n // 2, 300), rnd))
        settled(b, lambda: cmmc_run(b, ss["plain"], "cmmc_read", "read",
                                    size, n, rnd))

    def ucx_block(size):
        if b.have_ucx:
            n = iters_bw(size, quick)
            settled(b, lambda: b.ucx("ucx_put_bw", "ucp_put_bw", size, n,
                                     rnd))
            settled(b, lambda: b.ucx("ucx_get", "ucp_get", size, n, rnd))

    for size in sizes:
        first, second = (cmmc_block, ucx_block) if rnd % 2 == 0 else \
            (ucx_block, cmmc_block)
        first(size)
        second(size)
    lat = [lambda: cmmc_run(b, ss["plain"], "cmmc_lat", "lat", 8, lat_iters,
                            rnd),
           # HRDMA alone (marlin-perf), to show what CMMC adds to it
           lambda: b.marlin("hrdma_lat", "write_lat", 8, lat_iters, [], rnd)]
    if b.have_ucx:
        lat.append(lambda: b.ucx("ucx_put_lat", "ucp_put_lat", 8, lat_iters,
                                 rnd))
    if rnd % 2:
        lat.reverse()
    for f in lat:
        settled(b, f)
    for size in sizes:
        settled(b, lambda: b.pvw(size, max(iters_bw(size, quick) // 8, 50),
                                 rnd))
    # the single-core copy limit in every round: it moves with the machine
    b.copy_limit(sizes, "round %d" % rnd)
    for size in sizes:
        shm_copy(b, size, rnd)


# ---- analysis ---------------------------------------------------------------

KINDS_BW = ["cmmc_write", "cmmc_consume", "cmmc_consume_nt", "cmmc_read",
            "ucx_put_bw", "ucx_get", "pvw_bw"]
RATIOS = [("cmmc_write", "ucx_put_bw"), ("cmmc_read", "ucx_get"),
          ("cmmc_consume", "ucx_put_bw")]


def analyse(runs, sizes):
    med = hb.med
    ok = [r for r in runs if r.get("value") is not None and
          r["placement"] in ("near", "far")]
    out = {}
    for pl in ("near", "far"):
        res = {"bw": {}, "copy": {}, "lat": {}}
        for size in sizes:
            row = {}
            by = {}
            for k in KINDS_BW:
                by[k] = {}
                for r in ok:
                    if r["kind"] == k and r["bytes"] == size and \
                            r["placement"] == pl:
                        by[k].setdefault(r["round"], r)
                row[k] = med([r["value"] for r in by[k].values()])
                row[k + "_n"] = len(by[k])
            for a, u in RATIOS:
                pairs = sorted(set(by[a]) & set(by[u]))
                row[a + "/" + u] = med([by[a][k]["value"] / by[u][k]["value"]
                                        for k in pairs if by[u][k]["value"]])
                row[a + "/" + u + "_pairs"] = len(pairs)
            res["bw"][size] = row
            cp = [r for r in runs if r["kind"] == "copy_limit" and
                  r["bytes"] == size and r.get("value") is not None]
            sc = [r["value"] for r in runs if r["kind"] == "shm_copy" and
                  r["bytes"] == size and r.get("value") is not None]
            res["copy"][size] = {
                "shm": med(sc),
                "best": med([r["value"] for r in cp]),
                "memcpy": med([r["memcpy_gbs"] for r in cp
                               if r.get("memcpy_gbs")]),
                "nt": med([r["nt_gbs"] for r in cp if r.get("nt_gbs")]),
                "n": len(cp)}
        hl = [r["value"] for r in ok if r["kind"] == "hrdma_lat" and
              r["placement"] == pl]
        cl = {r["round"]: r for r in ok if r["kind"] == "cmmc_lat" and
              r["placement"] == pl}
        ul = {r["round"]: r for r in ok if r["kind"] == "ucx_put_lat" and
              r["placement"] == pl}
        pairs = sorted(set(cl) & set(ul))
        probes = [p for r in list(cl.values()) + list(ul.values())
                  for p in (r["probe_before_ns"], r["probe_after_ns"])
                  if p is not None]
        res["lat"] = {
            "cmmc": med([r["value"] for r in cl.values()]),
            "cmmc_p99": med([r["p99_ns"] for r in cl.values()
                             if r.get("p99_ns")]),
            "ucx": med([r["value"] for r in ul.values()]),
            "hrdma": med(hl), "n_hrdma": len(hl),
            "n_cmmc": len(cl), "n_ucx": len(ul), "pairs": len(pairs),
            "probe": med(probes),
            "ratio": med([cl[k]["value"] / ul[k]["value"] for k in pairs
                          if ul[k]["value"]]),
        }
        out[pl] = res
    return out


def write_md(path, a, res, runs, sizes, cmdline, started, seconds, build_cmd,
             quiet):
    fmt = hb.fmt
    human = hb.human
    lines = []
    add = lines.append
    rev = subprocess.run(["git", "-C", TOP, "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True).stdout.strip()
    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    count = {}
    for r in runs:
        count[r["placement"]] = count.get(r["placement"], 0) + 1
    loads = [r["load1"] for r in runs]
    add("# CMMC benchmark: CMMC vs UCX, process_vm_writev and the copy limit")
    add("")
    add("Generated by `scripts/bench/cmmc/cmmc_bench.py`; raw runs in `%s`." %
        os.path.basename(a.out_json))
    add("")
    add("- command: `%s`" % cmdline)
    add("- when: %s, %.0f s, %d rounds; git %s" % (started, seconds,
                                                  a.rounds, rev))
    add("- machine: %s, %d CPUs; server (owner) core %d, client (issuer) "
        "core %d" % (cpu, os.cpu_count(), a.cores[0], a.cores[1]))
    add("- runs by placement: %s; only near and far runs (both probes "
        "steady and agreeing) count (shm_copy is single-core: unknown). "
        "Load average: median %.2f, max %.2f" %
        (", ".join("%s %d" % kv for kv in sorted(count.items())),
         hb.med(loads) or 0, max(loads or [0])))
    qb = [q["busy"] for q in quiet if q.get("busy") is not None]
    if qb:
        add("- other processes before each round: CPUs busy median %.0f%%, "
            "max %.0f%% (a round starts below 15%% or after %.0f s)" %
            (100 * hb.med(qb), 100 * max(qb), a.quiet_wait))
    add("- units: GB/s = 1e9 B/s (UCX's \"MB/s\" is MiB/s, converted); "
        "latency ns one-way (half a round trip, as UCX reports it); each "
        "figure is the median of the runs kept for that placement; a ratio "
        "is the median over rounds of CMMC/peer measured in the same round "
        "and placement")
    add("- placement: near < %.0f ns <= far (one-way cache-line probe "
        "before and after each run)" % hb.NEAR_NS)
    add("")
    for pl in ("near", "far"):
        r = res[pl]
        add("## Placement: %s" % pl)
        add("")
        add("### Bandwidth (GB/s)")
        add("")
        add("| bytes | copy limit (memcpy / NT) | copy into shared memory "
            "| CMMC write | CMMC write, "
            "receiver reads | same + NT stores | CMMC read | UCX put_bw | "
            "UCX get | process_vm_writev | write / UCX put | read / UCX get "
            "| write / copy limit | write / shared copy | "
            "n (write, put, pairs) |")
        add("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for size in sizes:
            b = r["bw"][size]
            cp = r["copy"][size]
            wr = b["cmmc_write"]
            add("| %s | %s (%s / %s) | %s | %s | %s | %s | %s | %s | %s | "
                "%s | %s | %s | %s | %s | %d, %d, %d |" % (
                    human(size), fmt(cp["best"]), fmt(cp["memcpy"]),
                    fmt(cp["nt"]), fmt(cp["shm"]), fmt(wr),
                    fmt(b["cmmc_consume"]),
                    fmt(b["cmmc_consume_nt"]), fmt(b["cmmc_read"]),
                    fmt(b["ucx_put_bw"]), fmt(b["ucx_get"]),
                    fmt(b["pvw_bw"]), fmt(b["cmmc_write/ucx_put_bw"]),
                    fmt(b["cmmc_read/ucx_get"]),
                    fmt(wr / cp["best"] if wr and cp["best"] else None),
                    fmt(wr / cp["shm"] if wr and cp["shm"] else None),
                    b["cmmc_write_n"], b["ucx_put_bw_n"],
                    b["cmmc_write/ucx_put_bw_pairs"]))
        add("")
        lt = r["lat"]
        add("### 8-byte notification latency (ns, one-way)")
        add("")
        add("| probe (cache line) | CMMC write+notify median (p99) | "
            "HRDMA alone (marlin-perf write_lat) | UCX put_lat median | "
            "CMMC / UCX | n (CMMC, HRDMA, UCX, pairs) |")
        add("|---|---|---|---|---|---|")
        add("| %s | %s (%s) | %s | %s | %s | %d, %d, %d, %d |" % (
            fmt(lt["probe"], 1), fmt(lt["cmmc"], 1), fmt(lt["cmmc_p99"], 1),
            fmt(lt["hrdma"], 1), fmt(lt["ucx"], 1), fmt(lt["ratio"]),
            lt["n_cmmc"], lt["n_hrdma"], lt["n_ucx"], lt["pairs"]))
        add("")
        add("### Targets")
        add("")
        add("| target | measured | verdict |")
        add("|---|---|---|")
        for size in sizes:
            if size < TARGET_FROM:
                continue
            b = r["bw"][size]
            cp = r["copy"][size]["best"]
            q = b["cmmc_write/ucx_put_bw"]
            add("| write %s >= UCX put_bw | %s x | %s |" % (
                human(size), fmt(q), verdict(q, q is not None and q >= 1.0)))
            q2 = b["cmmc_write"] / cp if b["cmmc_write"] and cp else None
            add("| write %s >= 0.9 x copy limit | %s x | %s |" % (
                human(size), fmt(q2),
                verdict(q2, q2 is not None and q2 >= 0.9)))
            sh = r["copy"][size]["shm"]
            q3 = b["cmmc_write"] / sh if b["cmmc_write"] and sh else None
            add("| (reference) write %s vs copy into shared memory | %s x | "
                "%s |" % (human(size), fmt(q3), "-" if q3 is None else
                          ("within 10%" if q3 >= 0.9 else "below")))
        q = lt["ratio"]
        add("| 8 B notify one-way <= UCX put_lat | %s x | %s |" % (
            fmt(q), verdict(q, q is not None and q <= 1.0)))
        add("")
    add("## How the runs were made")
    add("")
    ex = {}
    for r in runs:
        if r.get("cmd") and r["kind"] not in ex:
            ex[r["kind"]] = r["cmd"]
    for k in sorted(ex):
        add("- %s: `%s`" % (k, ex[k].replace(hb.tmpdir, "$TMP")))
    add("- cmmc_perf build (pkg-config against the build tree): `%s`" %
        build_cmd.replace(hb.tmpdir, "$TMP"))
    add("- probe: `marlin-perf --probe --json --probe-cores %d,%d` before "
        "and after every run" % (a.cores[1], a.cores[0]))
    add("- copy limit: marlin-copy-bench pinned to core %d once per round "
        "(best of memcpy, rte_memcpy and non-temporal stores per footprint, "
        "median over rounds; footprint = bytes per copy, from a buffer of "
        "that size to another)" % a.cores[1])
    add("- copy into shared memory: `shm_copy SIZE 512M %d /dev/hugepages` "
        "(scripts/bench/cmmc/shm_copy.c): memcpy from a private buffer into "
        "a MAP_SHARED file mapping, best of five, once per round" %
        a.cores[1])
    add("- HRDMA alone: `marlin-perf write_lat -s 8` (WRITE_NOTIFY ping-pong "
        "of the transport CMMC runs on), same cores")
    add("")
    old = ""
    if os.path.exists(path):
        txt = open(path).read()
        if ANALYSIS_MARK in txt:
            old = txt.split(ANALYSIS_MARK, 1)[1]
    add(ANALYSIS_MARK + old.rstrip("\n"))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def verdict(q, ok):
    return "-" if q is None else ("met" if ok else "**missed**")


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rounds", type=int, default=None,
                    help="rounds (default 6)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: 2 short rounds")
    ap.add_argument("--build-dir", default=os.path.join(TOP, "build"))
    ap.add_argument("--out-md", default=os.path.join(
        TOP, "doc", "benchmarks", "cmmc.md"))
    ap.add_argument("--out-json", default=None)
    ap.add_argument("--cores", default="0,1",
                    help="server core,client core (default 0,1)")
    ap.add_argument("--no-install", action="store_true")
    ap.add_argument("--retries", type=int, default=2,
                    help="runs again a measurement whose probes were "
                    "unsteady or disagreed (default 2)")
    ap.add_argument("--quiet-wait", type=float, default=60,
                    help="before a round, wait up to this many seconds for "
                    "other processes to leave the CPUs (default 60)")
    a = ap.parse_args()
    # what scripts/bench/bench.py's Bench expects of its arguments
    a.marlin_huge = "yes"
    a.cores = [int(x) for x in a.cores.split(",")]
    if len(a.cores) != 2 or a.cores[0] == a.cores[1]:
        ap.error("--cores wants two different cores")
    if a.rounds is None:
        a.rounds = 2 if a.quick else 6
    if a.out_json is None:
        a.out_json = os.path.splitext(a.out_md)[0] + ".json"
    a.quick = bool(a.quick)
    cmdline = " ".join(["scripts/bench/cmmc/cmmc_bench.py"] + sys.argv[1:])
    build_dir = os.path.abspath(a.build_dir)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    hb.tmpdir = tempfile.mkdtemp(prefix="marlin-cmmc-bench-")
    try:
        have_ucx = hb.ensure_ucx(a.no_install)
        probe_exe, helper, copy_bench = hb.build(build_dir, True)
        perf, env, build_cmd, shm_copy = build_perf(build_dir)
        b = hb.Bench(a, probe_exe, helper, copy_bench, have_ucx)
        b.shm_copy = shm_copy
        b.quiet = []
        quiet = b.quiet
        started = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
        t0 = time.time()
        ss = {"plain": Session(perf, env, "p", a.cores, None),
              "nt": Session(perf, env, "n", a.cores, 64 * KIB)}
        for rnd in range(a.rounds):
            busy, waited = (hb.wait_quiet(a.quiet_wait)
                            if hasattr(hb, "wait_quiet") else (None, 0))
            quiet.append({"round": rnd, "busy": busy, "waited_s": waited})
            log("round %d/%d (load %.2f, others busy %s)" % (
                rnd + 1, a.rounds, os.getloadavg()[0],
                "?" if busy is None else "%.0f%%" % (100 * busy)))
            run_round(b, ss, rnd, SIZES, a.quick)
        seconds = time.time() - t0
        for s in ss.values():
            s.close()
        res = analyse(b.runs, SIZES)
        os.makedirs(os.path.dirname(os.path.abspath(a.out_md)), exist_ok=True)
        with open(a.out_json, "w") as f:
            json.dump({"command": cmdline, "started": started,
                       "seconds": seconds, "rounds": a.rounds,
                       "cores": {"server": a.cores[0], "client": a.cores[1]},
                       "quiet": quiet, "runs": b.runs, "summary": res}, f,
                      indent=1)
        write_md(a.out_md, a, res, b.runs, SIZES, cmdline, started, seconds,
                 build_cmd, quiet)
        log("wrote %s and %s" % (a.out_md, a.out_json))
    finally:
        cleanup()
        shutil.rmtree(hb.tmpdir, ignore_errors=True)


if __name__ == "__main__":
    main()
