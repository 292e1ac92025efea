#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""UCX transport benchmark: Marlin's UCX transport against UCX's own shared
memory (sysv, posix), TCP, and Open MPI's shared memory (vader), on two
cores, per placement.

Two processes on the two vCPUs of this kind of machine see "near" (~30 ns
cache-line latency) or "far" (~170 ns) placement, changing every few
seconds: every run is bracketed by the placement probe (marlin-perf
--probe), the transports alternate (order reversed every round), and the
tables show medians per placement of runs whose two probes agree.

Per round:
  * ucx_perftest tag_lat 8 B, tag_bw 64 KiB and 1 MiB, ucp_put_lat 8 B and
    ucp_put_bw 64 KiB and 1 MiB: marlin (two software hosts under marlin-run), sysv,
    posix, tcp;
  * the cost of one idle ucp_worker_progress() (progress_cost.c, ns):
    marlin, sysv: what the side that polls for a put adds;
  * MPI (Open MPI, scripts/bench/ucx/mpi_bench.c: ping-pong latency 8 B,
    windowed bandwidth 64 KiB and 1 MiB): pml ucx over marlin, pml ucx over
    UCX shared memory (sm = sysv/posix/cma), pml ob1 with btl vader, pml
    ob1 with btl tcp.

    scripts/bench/ucx/ucx_bench.py [--rounds N] [--quick] [--build-dir DIR]
                                   [--out-md FILE] [--out-json FILE]
                                   [--cores A,B] [--quiet-wait S] [--lat-only]
                                   [--bw-only]

Needs a build with the transport (scripts/setup.sh --build-dir build); the
default build dir is build/. Writes doc/benchmarks/ucx.md and ucx.json
after every round (a round takes 3-10 minutes, depending on the load).
Everything started is stopped and fabric files removed, also on Ctrl-C.
"""

import argparse
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


TOP = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
from marlin_harness import bench as hbench  # noqa: E402

runner = None   # the processes of this run (hbench.Runner), made by main()
KIB = 1024
MIB = KIB * KIB
FINAL = re.compile(r"^Final:\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", re.M)
ANALYSIS_MARK = "<!-- analysis: text below this line is kept on rerun -->"
fabrics = []


def log(msg):
    print("[ucx-bench] " + msg, file=sys.stderr, flush=True)


# One transport each, none with self: UCP progresses every interface it
# opened, so listing self on one side only would tax that side.
UCX_TLS = {"marlin": "marlin", "sysv": "sysv", "posix": "posix",
           "tcp": "tcp"}
PERF_TESTS = [("tag_lat", 8), ("tag_bw", 64 * KIB), ("tag_bw", MIB),
              ("ucp_put_lat", 8), ("ucp_put_bw", 64 * KIB), ("ucp_put_bw", MIB),
              ("progress_ns", 0)]
# --lat-only: the one-sided latency and what an idle progress costs.
LAT_TESTS = [("ucp_put_lat", 8), ("progress_ns", 0)]
# --bw-only: bandwidth, marlin against sysv only, for many short pairs.
BW_TESTS = [("ucp_put_bw", 64 * KIB), ("ucp_put_bw", MIB),
            ("tag_bw", 64 * KIB), ("tag_bw", MIB)]
MPI_TESTS = [("lat", 8), ("bw", 64 * KIB), ("bw", MIB)]
MPI_WAYS = ["ucx-marlin", "ucx-sm", "ob1-vader", "ob1-tcp"]


class Ctx:
    def __init__(self, a):
        self.a = a
        self.run_bin = os.path.join(a.build_dir, "drivers", "ucx", "marlin", "marlin-run")
        self.perf = os.path.join(a.build_dir, "apps", "marlin-perf", "marlin-perf")
        self.runs = []
        self.port = 30000 + os.getpid() % 20000

    def probe(self):
        p = hbench.probe(runner, self.perf, self.a.cores)
        return p["ns"], p["steady"]

    def record(self, kind, tl, size, value, before, after, cmd, error=None):
        (bns, bok), (ans, aok) = before, after
        if error:
            pl = "failed"
        elif not (bok and aok):
            pl = "unsteady"
        elif hbench.placement(bns) == hbench.placement(ans):
            pl = hbench.placement(bns)
        else:
            pl = "mixed"
        self.runs.append({"kind": kind, "transport": tl, "bytes": size,
                          "value": value, "placement": pl,
                          "probe_before_ns": bns, "probe_after_ns": ans,
                          "load1": os.getloadavg()[0], "cmd": cmd,
                          "error": error, "time": time.time()})
        log("%-12s %-10s %8d B  %s  (%s)" % (kind, tl, size,
                                              "-" if value is None else "%.3f" % value, pl))

    def iters(self, test, size):
        # Bandwidth runs move a few GB each (0.2-0.5 s): 4000 x 64 KiB was
        # 10 ms of copying, short enough for cache and start-up effects to
        # decide the ratio.
        n = 20000 if size <= 8 else (40000 if size <= 64 * KIB else 4000)
        return max(n // (5 if self.a.quick else 1), 50)

    def perftest(self, test, size, tl):
        """ucx_perftest @test, or (progress_ns) progress_cost: the ns of one
        idle ucp_worker_progress() of the client."""
        self.port += 1
        fabric = "ucxb%d_%d" % (os.getpid(), self.port)
        # Marlin's windows in 4 KiB shared memory, as UCX sysv's segments.
        env = {"UCX_TLS": UCX_TLS[tl], "UCX_SYSV_HUGETLB_MODE": "n",
               "UCX_WARN_UNUSED_ENV_VARS": "n", "MARLIN_DEVARGS": "dir=/dev/shm"}
        wrap = lambda host: ["taskset", "-c", str(self.a.cores[host])] + \
            ([self.run_bin, "--fabric", fabric, "--host", str(host), "--hosts", "2"]
             if tl == "marlin" else [])
        if tl == "marlin":
            fabrics.append(fabric)
        n = self.iters(test, size)
        if test == "progress_ns":
            client = wrap(1) + [self.progress_exe, "client", str(self.port), "2000000"]
            server = wrap(0) + [self.progress_exe, "server", str(self.port)]
        else:
            client = wrap(1) + ["ucx_perftest", "127.0.0.1", "-p", str(self.port),
                                "-t", test, "-s", str(size), "-n", str(n),
                                "-w", str(max(n // 10, 10))]
            server = wrap(0) + ["ucx_perftest", "-p", str(self.port)]
        srv = runner.start(server, env=env)
        time.sleep(1.5)  # the server must listen before the client connects
        rc, out, err = runner.run(client, timeout=120, env=env)
        runner.finish(srv, 20)
        if test == "progress_ns":
            m = re.search(r"^progress_ns ([\d.]+)", out, re.M)
            if rc != 0 or m is None:
                return None, " ".join(client), "rc %s: %s" % (rc, (err + out)[-300:])
            return float(m.group(1)), " ".join(client), None
        m = FINAL.search(out)
        if rc != 0 or m is None:
            return None, " ".join(client), "rc %s: %s" % (rc, (err + out)[-300:])
        if test.endswith("_lat"):
            return float(m.group(2)), " ".join(client), None       # median, us
        return float(m.group(6)) * MIB / 1e9, " ".join(client), None   # MiB/s -> GB/s

    def mpi(self, test, size, way, exe):
        fabric = "ucxb%d_m%d" % (os.getpid(), len(self.runs))
        n = self.iters(test, size) // (1 if test == "lat" else 20)
        cmd = ["mpirun.openmpi", "--allow-run-as-root", "-np", "2",
               "--bind-to", "core", "--cpu-set", "%d,%d" % tuple(self.a.cores)]
        tail = [exe, test, str(size), str(max(n, 20))]
        if way == "ucx-marlin":
            fabrics.append(fabric)
            cmd += ["--mca", "pml", "ucx", "--mca", "pml_ucx_tls", "any",
                    "--mca", "pml_ucx_devices", "any", "--mca", "btl", "self",
                    "-x", "UCX_TLS=marlin,self", "-x", "MARLIN_DEVARGS=dir=/dev/shm",
                    self.run_bin, "--fabric", fabric] + tail
        elif way == "ucx-sm":
            cmd += ["--mca", "pml", "ucx", "--mca", "pml_ucx_tls", "any",
                    "--mca", "pml_ucx_devices", "any", "--mca", "btl", "self",
                    "-x", "UCX_TLS=sm,self"] + tail
        elif way == "ob1-vader":
            cmd += ["--mca", "pml", "ob1", "--mca", "btl", "self,vader"] + tail
        else:
            cmd += ["--mca", "pml", "ob1", "--mca", "btl", "self,tcp",
                    "--mca", "btl_tcp_if_include", "lo"] + tail
        rc, out, err = runner.run(cmd, timeout=180)
        try:
            d = json.loads([l for l in out.splitlines() if l.startswith("{")][-1])
            return d["lat_us"] if test == "lat" else d["bw_gbs"], " ".join(cmd), None
        except (ValueError, KeyError, IndexError):
            return None, " ".join(cmd), "rc %s: %s" % (rc, (err + out)[-300:])

    def measure(self, kind, tl, size, f):
        before = self.probe()
        value, cmd, error = f()
        after = self.probe()
        self.record(kind, tl, size, value, before, after, cmd, error)


def med(v):
    v = sorted(v)
    return None if not v else (v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2)


def pair_ratios(runs, kind, size, a="marlin", b="sysv"):
    """Ratios a/b of back-to-back runs of one test (the two transports
    run one after the other in a round, whatever the placement): a
    memory-bandwidth swing of the VM between rounds cancels out."""
    rs = sorted((r for r in runs if r["kind"] == kind and r["bytes"] == size
                 and r["transport"] in (a, b) and r["value"]),
                key=lambda r: r["time"])
    out, i = [], 0
    while i + 1 < len(rs):
        x, y = rs[i], rs[i + 1]
        if x["transport"] != y["transport"] and y["time"] - x["time"] < 60:
            m, o = (x, y) if x["transport"] == a else (y, x)
            out.append(m["value"] / o["value"])
            i += 2
        else:
            i += 1
    return out


def pairs_table(runs, kinds):
    rows = ["| test | bytes | pairs | marlin / sysv, median of pair ratios "
            "| lowest | highest |", "|---|---:|---:|---:|---:|---:|"]
    for kind, size in kinds:
        r = pair_ratios(runs, kind, size)
        if r:
            rows.append("| %s | %d | %d | %.2f | %.2f | %.2f |" % (
                kind, size, len(r), med(r), min(r), max(r)))
    return "\n".join(rows)


def table(runs, kinds, tls, unit, placement):
    rows = ["| test | bytes | " + " | ".join(tls) + " | marlin / " + tls[1] + " |",
            "|---|---:|" + "---:|" * (len(tls) + 1)]
    for kind, size in kinds:
        vals = []
        for tl in tls:
            v = [r["value"] for r in runs if r["kind"] == kind and r["bytes"] == size
                 and r["transport"] == tl and r["placement"] == placement
                 and r["value"] is not None]
            vals.append((med(v), len(v)))
        cells = ["-" if m is None else "%.3f (%d)" % (m, n) for m, n in vals]
        ratio = "-"
        if vals[0][0] and vals[1][0]:
            ratio = "%.2f" % (vals[0][0] / vals[1][0])
        rows.append("| %s | %d | %s | %s |" % (kind, size, " | ".join(cells), ratio))
    return "\n".join(rows)


def write_md(path, ctx, cmdline, started, seconds, quiet):
    old = ""
    if os.path.exists(path):
        txt = open(path).read()
        if ANALYSIS_MARK in txt:
            old = txt[txt.index(ANALYSIS_MARK):]
    runs = ctx.runs
    out = ["# UCX transport: Marlin vs UCX shared memory, TCP and Open MPI vader", "",
           "Measured %s on this machine (2 vCPUs, %s), %.0f s, load average "
           "during the runs %.1f..%.1f (other work was running: read the "
           "figures as indicative). Command:" % (
               started, os.uname().machine, seconds,
               min(r["load1"] for r in runs), max(r["load1"] for r in runs)), "",
           "    " + cmdline, "",
           "Cells: median over runs whose placement probes agree (number of "
           "runs). Latency in us (one way: ucx_perftest and mpi_bench report "
           "half the round trip), bandwidth in GB/s (10^9 B/s), progress_ns "
           "in ns per idle ucp_worker_progress(). Every "
           "command is in ucx.json. CPU busy before start: %.0f%%." % (quiet * 100), ""]
    lat_only = not any(r["kind"].startswith("mpi_") for r in runs)
    bw_only = lat_only and any(r["kind"].endswith("_bw") for r in runs)
    kinds = BW_TESTS if bw_only else LAT_TESTS if lat_only else PERF_TESTS
    out += ["## Every placement: back-to-back pairs", "",
            pairs_table(runs, [k for k in kinds if k[0] != "progress_ns"]), ""]
    for pl in ("near", "far", "mixed", "unsteady"):
        if not any(r["placement"] == pl for r in runs):
            continue
        out += ["## Placement: %s" % pl, "",
                "ucx_perftest (latency us / bandwidth GB/s):", "",
                table(runs, kinds,
                      ["marlin", "sysv"] if lat_only else
                      ["marlin", "sysv", "posix", "tcp"], "", pl), ""]
        if not lat_only:
            out += ["MPI (Open MPI 4.1, mpi_bench):", "",
                    table(runs, [("mpi_" + k, s) for k, s in MPI_TESTS], MPI_WAYS, "", pl), ""]
    failed = [r for r in runs if r["placement"] == "failed"]
    out += ["%d runs, %d failed." % (len(runs), len(failed)), ""]
    for r in failed[:10]:
        out.append("- failed: `%s`: %s" % (r["cmd"], (r["error"] or "").replace("\n", " ")[:200]))
    out += ["", old or ANALYSIS_MARK + "\n"]
    with open(path, "w") as f:
        f.write("\n".join(out))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="1 round, fewer iterations")
    ap.add_argument("--build-dir", default=os.path.join(TOP, "build"))
    ap.add_argument("--out-md", default=os.path.join(TOP, "doc", "benchmarks", "ucx.md"))
    ap.add_argument("--out-json", default=os.path.join(TOP, "doc", "benchmarks", "ucx.json"))
    ap.add_argument("--cores", default="0,1")
    ap.add_argument("--quiet-wait", type=float, default=60,
                    help="wait up to S seconds for the CPUs to be idle first")
    ap.add_argument("--lat-only", action="store_true",
                    help="only ucp_put_lat 8 B and the idle progress cost, "
                    "marlin and sysv (no MPI): a short latency run")
    ap.add_argument("--bw-only", action="store_true",
                    help="only ucp_put_bw and tag_bw at 64 KiB and 1 MiB, "
                    "marlin and sysv (no MPI): many short pairs")
    a = ap.parse_args()
    a.cores = [int(x) for x in a.cores.split(",")]
    a.build_dir = os.path.abspath(a.build_dir)
    if a.quick:
        a.rounds = 1
    for t in ("ucx_perftest", "mpirun.openmpi", "mpicc.openmpi", "taskset"):
        if shutil.which(t) is None:
            sys.exit("ucx-bench: %s missing: run scripts/setup.sh" % t)
    ctx = Ctx(a)
    if not os.path.exists(ctx.run_bin):
        sys.exit("ucx-bench: %s missing: build with the UCX transport "
                 "(scripts/setup.sh --build-dir %s)" % (ctx.run_bin, a.build_dir))
    global runner
    runner = hbench.Runner("ucxb", a.build_dir)
    runner.handle_signals()
    tmp = tempfile.mkdtemp(prefix="ucx-bench-")
    exe = os.path.join(tmp, "mpi_bench")
    ctx.progress_exe = os.path.join(tmp, "progress_cost")
    try:
        subprocess.run(["mpicc.openmpi", "-O2", "-o", exe,
                        "-I", os.path.join(TOP, "lib", "marlin"),
                        os.path.join(HERE, "mpi_bench.c")], check=True)
        ucx_flags = subprocess.run(["pkg-config", "--cflags", "--libs", "ucx"],
                                   check=True, stdout=subprocess.PIPE,
                                   text=True).stdout.split()
        subprocess.run(["cc", "-O2", "-Wall", "-Wextra", "-o", ctx.progress_exe,
                        "-I", os.path.join(TOP, "tests", "ucx"),
                        os.path.join(HERE, "progress_cost.c")] + ucx_flags,
                       check=True)
        quiet, waited = hbench.wait_quiet(a.quiet_wait)
        log("CPUs %.0f%% busy after waiting %.0f s" % (quiet * 100, waited))
        started = datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC")
        t0 = time.time()
        for rnd in range(a.rounds):
            order = ["marlin", "sysv", "posix", "tcp"]
            ways = list(MPI_WAYS)
            if rnd % 2:
                order.reverse()
                ways.reverse()
            for test, size in (LAT_TESTS if a.lat_only else
                               BW_TESTS if a.bw_only else PERF_TESTS):
                for tl in order:
                    if a.bw_only and tl not in ("marlin", "sysv"):
                        continue
                    if test.startswith(("ucp_put", "progress")) and \
                            tl in ("posix", "tcp"):
                        continue
                    ctx.measure(test, tl, size, lambda: ctx.perftest(test, size, tl))
            for test, size in ([] if a.lat_only or a.bw_only else MPI_TESTS):
                for way in ways:
                    ctx.measure("mpi_" + test, way, size, lambda: ctx.mpi(test, size, way, exe))
            # After every round, so a stopped run still leaves its figures.
            with open(a.out_json, "w") as f:
                json.dump({"started": started, "rounds_done": rnd + 1,
                           "runs": ctx.runs}, f, indent=1)
            write_md(a.out_md, ctx, " ".join([os.path.relpath(sys.argv[0], TOP)] + sys.argv[1:]),
                     started, time.time() - t0, quiet)
            log("round %d: wrote %s and %s" % (rnd + 1, a.out_md, a.out_json))
    finally:
        runner.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)
        for fab in fabrics:
            for d in ("/dev/hugepages/marlin-fabric-" + fab, "/dev/shm/marlin-fabric-" + fab):
                shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
