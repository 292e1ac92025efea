# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""What the benchmarks (scripts/bench/<component>/) share.

Two-process figures on a 2-vCPU virtual machine swing with where the host
puts the two vCPUs ("near": ~30 ns cache-line latency, "far": ~170 ns),
and that changes every few seconds. Every run is therefore bracketed by
the placement probe (marlin-perf --probe), and a run counts for a
placement only when both of its probes were steady and name it.

  Runner       processes of a benchmark (each in its own process group),
               stopped and cleaned up at the end and on Ctrl-C/SIGTERM
  Bench        the probe, recorded runs, and the measurements every
               benchmark compares with: ucx_perftest, process_vm_writev
               (scripts/bench/pvw_bw.c), the single-core copy limit and
               marlin-perf itself
  settled      a measurement retried while its probes disagree
  wait_quiet   wait until other work leaves the CPUs alone
  add_common_args, machine, write_page, bench_program: command line,
               facts for the page header, result pages, built programs
"""

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

from .proc import Proc
from .session import Session, clean_fabric, fabric_tool, remove_runtime
from .stats import MIB, median

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..",
                                   ".."))
NEAR_NS = 80.0
STEADY = 1.5          # marlin-perf's PERF_STEADY_SPREAD
UCX_ENV = {"UCX_TLS": "sysv", "UCX_SYSV_HUGETLB_MODE": "n"}
ANALYSIS_MARK = "<!-- analysis: text below this line is kept on rerun -->"


def logger(tag):
    def log(msg):
        print("[%s] %s" % (tag, msg), file=sys.stderr, flush=True)
    return log


log = logger("bench")


# ---- processes ---------------------------------------------------------------

class Runner(Session):
    """The processes of one benchmark run. Each runs in its own process
    group; cleanup() (also on SIGINT/SIGTERM/SIGHUP once handle_signals()
    was called) stops them and removes what they left: fabrics named with
    add_fabric(), EAL prefixes, the temporary directory."""

    def __init__(self, tag, build=None):
        Session.__init__(self, "b", tag=tag, fabric_parent=False,
                         tool=fabric_tool(build))
        self.tmp = self.tmpdir()
        self.marlin_perf_pids = []

    def start(self, cmd, env=None, **kw):
        return Proc(self, os.path.basename(str(cmd[0])), cmd, env=env,
                    merge=False, stdin=False, group=True, **kw)

    def finish(self, p, timeout):
        """(status, stdout, stderr) of @p, killed after @timeout s."""
        try:
            p.proc.wait(timeout=timeout)
            rc = p.proc.returncode
        except subprocess.TimeoutExpired:
            p.kill()
            rc = -9
        p.join()
        out = "\n".join(p.out) + ("\n" if p.out else "")
        err = "\n".join(p.err)
        if rc == -9 and p.proc.returncode in (None, -9):
            err += "\n(timed out after %d s)" % timeout
        if p in self.procs:
            self.procs.remove(p)
        return rc, out, err

    def run(self, cmd, timeout=120, env=None):
        return self.finish(self.start(cmd, env=env), timeout)

    def run_marlin_perf(self, cmd, timeout=120):
        """marlin-perf in local mode: its fabric and EAL prefixes are named
        after its pid; remembered for cleanup."""
        p = self.start(cmd)
        self.marlin_perf_pids.append(p.pid)
        return self.finish(p, timeout)

    def cleanup(self):
        for p in list(self.procs):
            p.send_signal(signal.SIGTERM)
            try:
                p.proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                pass
        Session.cleanup(self)
        for pid in self.marlin_perf_pids:
            clean_fabric("mperf-%d" % pid, tool=self.tool)
            remove_runtime(["marlin-perf-mperf-%d-%d" % (pid, h)
                            for h in (0, 1)])

    def handle_signals(self):
        def on_signal(sig, _frame):
            log("signal %d: stopping" % sig)
            self.cleanup()
            sys.exit(128 + sig)
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(s, on_signal)


# ---- setup ---------------------------------------------------------------------

def ensure_ucx(runner, no_install):
    """ucx_perftest present (installing Debian's ucx-utils unless
    @no_install)?"""
    if shutil.which("ucx_perftest"):
        return True
    if no_install:
        log("ucx_perftest missing and --no-install given: UCX runs skipped")
        return False
    log("installing ucx-utils (Debian package)")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    runner.run(sudo + ["apt-get", "update", "-qq"], timeout=600, env=env)
    rc, _, err = runner.run(sudo + ["apt-get", "install", "-y", "-qq",
                                    "--no-install-recommends", "ucx-utils"],
                            timeout=600, env=env)
    if rc != 0 or not shutil.which("ucx_perftest"):
        log("could not install ucx-utils: %s" % err.strip()[-300:])
        return False
    return True


def build(runner, build_dir, no_build, meson_opts=()):
    """Configure (with the benchmark programs: -Dbenchmarks=true; a new
    build directory also with @meson_opts) and build @build_dir unless
    @no_build."""
    if no_build:
        return
    if not os.path.isfile(os.path.join(build_dir, "build.ninja")):
        log("configuring %s" % build_dir)
        rc, out, err = runner.run(["meson", "setup", build_dir, TOP,
                                   "-Dbenchmarks=true"] + list(meson_opts),
                                  timeout=600)
    else:
        rc, out, err = runner.run(["meson", "configure", build_dir,
                                   "-Dbenchmarks=true"], timeout=600)
    if rc != 0:
        sys.exit("meson failed:\n" + out + err)
    log("building (ninja -C %s)" % build_dir)
    rc, out, err = runner.run(["ninja", "-C", build_dir], timeout=1800)
    if rc != 0:
        sys.exit("build failed:\n" + out[-3000:] + err[-3000:])


def bench_program(build_dir, *rel, required=True):
    """A program of the build tree (e.g. 'scripts', 'bench', 'pvw_bw');
    None, or exit with what to do, when it is not built."""
    exe = os.path.join(build_dir, *rel)
    if os.access(exe, os.X_OK):
        return exe
    if required:
        sys.exit("no %s (configure %s with -Dbenchmarks=true and build, or "
                 "drop --no-build)" % (exe, build_dir))
    return None


def find_probe(build):
    """marlin-perf (the placement probe) of @build, else of any build*/."""
    import glob
    cands = []
    if build:
        cands.append(os.path.join(build, "apps", "marlin-perf",
                                  "marlin-perf"))
    cands += sorted(glob.glob(os.path.join(TOP, "build*", "apps",
                                           "marlin-perf", "marlin-perf")))
    for c in cands:
        if os.access(c, os.X_OK):
            return c
    return None


def hugetlbfs_mount():
    """Mount point of a hugetlbfs, or None."""
    try:
        with open("/proc/mounts") as f:
            for line in f:
                parts = line.split()
                if len(parts) > 2 and parts[2] == "hugetlbfs":
                    return parts[1]
    except OSError:
        pass
    return None


# ---- placement and quiet ----------------------------------------------------

def probe(runner, exe, cores=None):
    """One placement probe (marlin-perf --probe --json, between @cores
    'client,server' when given): {"ns", "steady", "placement"}; ns None
    when the probe failed."""
    cmd = [exe, "--probe", "--json"]
    if cores:
        cmd += ["--probe-cores", "%d,%d" % tuple(cores)]
    rc, out, err = runner.run(cmd, timeout=30)
    try:
        d = json.loads(out.strip().splitlines()[-1])
        return {"ns": d["ns"], "steady": bool(d.get("steady", True)),
                "placement": d.get("placement") or placement(d["ns"])}
    except (ValueError, KeyError, TypeError, IndexError):
        log("probe failed (status %s): %s" % (rc, err.strip()[-200:]))
        return {"ns": None, "steady": False, "placement": None}


def placement(ns):
    if ns is None or ns < 0:
        return "unknown"
    return "near" if ns < NEAR_NS else "far"


def cpu_busy(interval=0.5):
    """Fraction of all CPUs busy over @interval (nothing of ours runs)."""
    def snap():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + v[4]          # total, idle + iowait
    t0, i0 = snap()
    time.sleep(interval)
    t1, i1 = snap()
    return 1.0 - (i1 - i0) / max(t1 - t0, 1)


def wait_quiet(max_wait, threshold=0.15):
    """Wait (up to @max_wait s) until other work leaves the CPUs alone;
    returns (busy fraction, seconds waited)."""
    start = time.time()
    busy = cpu_busy()
    while busy > threshold and time.time() - start < max_wait:
        time.sleep(2)
        busy = cpu_busy()
    return busy, time.time() - start


# ---- measurements ----------------------------------------------------------

class Bench:
    """Probe and record runs; the measurements benchmarks share.

    @a: parsed common arguments (cores, quick, retries, marlin_huge);
    @exe: marlin-perf; @helper: pvw_bw; @copy_bench: marlin-copy-bench or
    None; @have_ucx: run ucx_perftest."""

    def __init__(self, runner, a, exe, helper, copy_bench, have_ucx):
        self.runner = runner
        self.a = a
        self.exe = exe
        self.helper = helper
        self.copy_bench = copy_bench
        self.have_ucx = have_ucx
        self.server_core, self.client_core = a.cores
        self.runs = []
        self.quiet = []

    def probe(self):
        """One probe from the client's core to the server's: (ns, steady)
        or (None, False)."""
        p = probe(self.runner, self.exe, (self.client_core,
                                          self.server_core))
        return (p["ns"], p["steady"])

    def record(self, kind, size, value, before, after, extra=None,
               rnd=None, error=None):
        """before/after: (ns, steady). A run counts for a placement when
        both probes name it and both were steady."""
        (bns, bok), (ans, aok) = before or (None, False), after or \
            (None, False)
        if not (bok and aok):
            pl = "unsteady"
        elif placement(bns) == placement(ans):
            pl = placement(bns)
        else:
            pl = "mixed"
        r = {"kind": kind, "bytes": size, "value": value,
             "probe_before_ns": bns, "probe_after_ns": ans,
             "probes_steady": bool(bok and aok), "placement": pl,
             "round": rnd, "time": time.time(),
             "load1": os.getloadavg()[0]}
        if extra:
            r.update(extra)
        if error:
            r["error"] = error
            r["placement"] = "failed"
        self.runs.append(r)
        return r

    def marlin(self, kind, test, size, iters, extra_args, rnd):
        """marlin-perf in local mode (server and client on our cores)."""
        cmd = [self.exe, test, "-s", str(size), "-n", str(iters), "--json",
               "--huge", self.a.marlin_huge,
               "--local-cores", "%d,%d" % (self.server_core,
                                           self.client_core)] + extra_args
        rc, out, err = self.runner.run_marlin_perf(cmd, 120)
        try:
            doc = json.loads(out)
            row = doc["results"][0]
        except (ValueError, KeyError, IndexError, TypeError):
            return self.record(kind, size, None, None, None, rnd=rnd,
                               error="rc %s: %s" % (rc, err.strip()[-300:]),
                               extra={"cmd": " ".join(cmd)})
        if test.endswith("_lat"):
            value = row["t_median_ns"]
            extra = {k: row[k] for k in ("t_min_ns", "t_avg_ns", "t_p99_ns",
                                         "t_p999_ns", "t_max_ns")}
        else:
            value = row["bw_avg_gbs"]
            extra = {"bw_peak_gbs": row["bw_peak_gbs"], "mpps": row["mpps"],
                     "rx_bytes": row.get("rx_bytes")}
        extra["cmd"] = " ".join(cmd)
        pb, pa = doc["probe_before"], doc["probe_after"]
        return self.record(kind, size, value,
                           (pb["ns"], pb.get("steady", True)),
                           (pa["ns"], pa.get("steady", True)), extra, rnd,
                           error=None if rc == 0 else "rc %s" % rc)

    def ucx(self, kind, test, size, iters, rnd):
        """ucx_perftest @test over sysv shared memory."""
        before = self.probe()
        port = random.randint(20000, 60000)
        srv = self.runner.start(["ucx_perftest", "-p", str(port), "-c",
                                 str(self.server_core)], env=UCX_ENV)
        cmd = ["ucx_perftest", "localhost", "-p", str(port), "-c",
               str(self.client_core), "-t", test, "-s", str(size), "-n",
               str(iters), "-w", str(max(iters // 10, 1))]
        out = err = ""
        rc = -1
        for _ in range(10):
            time.sleep(0.15)
            rc, out, err = self.runner.run(cmd, timeout=120, env=UCX_ENV)
            if rc == 0 or not srv.alive():
                break
        self.runner.finish(srv, 10)
        after = self.probe()
        m = re.search(r"^Final:\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+"
                      r"([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", out, re.M)
        if rc != 0 or not m:
            return self.record(kind, size, None, before, after, rnd=rnd,
                               error="rc %s: %s" % (rc, (out + err)[-300:]),
                               extra={"cmd": " ".join(cmd)})
        f = [float(x) for x in m.groups()]
        extra = {"cmd": "UCX_TLS=sysv UCX_SYSV_HUGETLB_MODE=n " +
                 " ".join(cmd)}
        if test.endswith("_lat"):
            # ucx_perftest: latency in usec, one-way for ping-pong tests
            value = f[1] * 1000.0
            extra.update({"t_avg_ns": f[2] * 1000.0})
        else:
            # "MB/s" in ucx_perftest is MiB/s
            value = f[5] * MIB / 1e9
            extra.update({"msg_rate": f[7]})
        return self.record(kind, size, value, before, after, extra, rnd)

    def pvw(self, size, iters, rnd):
        """process_vm_writev bandwidth (scripts/bench/pvw_bw.c)."""
        before = self.probe()
        rc, out, err = self.runner.run(
            [self.helper, "pvw", str(size), str(iters),
             str(self.client_core), str(self.server_core)], timeout=120)
        after = self.probe()
        try:
            d = json.loads(out)
        except ValueError:
            return self.record("pvw_bw", size, None, before, after, rnd=rnd,
                               error=err.strip()[-300:])
        return self.record("pvw_bw", size, d["gbs"], before, after,
                           {"us_per_call": d["us_per_call"]}, rnd)

    def copy_limit(self, sizes, tag):
        """Single-core copy: memcpy and non-temporal stores, per footprint."""
        before = self.probe()
        res = {}
        if self.copy_bench:
            lo = min(sizes) // 1024
            hi = max(sizes) // 1024
            rc, out, err = self.runner.run(
                [self.copy_bench, "-c", str(self.client_core),
                 "-r", "3" if self.a.quick else "5",
                 "-b", "128" if self.a.quick else "256",
                 "-s", str(lo), "-S", str(hi)], timeout=600)
            head = None
            for line in out.splitlines():
                cols = line.split()
                if cols and cols[0] == "footprint":
                    head = cols[1:]
                    continue
                if head and cols and re.match(r"^\d+(KiB|MiB)$", cols[0]):
                    n = int(cols[0][:-3]) * (1024 if cols[0].endswith("KiB")
                                             else MIB)
                    vals = dict(zip(head, (float(x) for x in cols[1:])))
                    res[n] = vals
        else:
            for s in sizes:
                rc, out, err = self.runner.run(
                    [self.helper, "copy", str(s), "2e9",
                     str(self.client_core)], timeout=120)
                try:
                    res[s] = {"memcpy": json.loads(out)["gbs"]}
                except ValueError:
                    pass
        after = self.probe()
        for s in sizes:
            if s in res:
                vals = res[s]
                best_nt = max([v for k, v in vals.items()
                               if k.startswith("nt")] or [0.0])
                self.record("copy_limit", s, max(vals.values()), before,
                            after, {"memcpy_gbs": vals.get("memcpy"),
                                    "nt_gbs": best_nt or None,
                                    "methods": vals, "tag": tag})
        return res


def settled(b, f):
    """Run measurement @f again (up to --retries times) while its probes
    are unsteady or disagree: the cores were disturbed or moved."""
    r = f()
    for _ in range(b.a.retries):
        if r["placement"] in ("near", "far", "failed"):
            break
        r["retried"] = True
        r = f()
    return r


def interleaved_round(b, rnd, sizes, own_block, ucx_tests, iters, own_lat,
                      lat_iters, pvw_iters):
    """One round of a benchmark against its peers: per size, @own_block(size)
    and the UCX bandwidth runs @ucx_tests [(kind, ucx test)] with
    @iters(size) iterations, the benchmark's own first in even rounds and
    UCX first in odd ones; then the 8-byte latency runs @own_lat
    (callables) and UCX put_lat, in reverse order in odd rounds; then
    process_vm_writev at every size (@pvw_iters(size) calls). Every run is
    settled()."""
    def ucx_block(size):
        if b.have_ucx:
            for kind, test in ucx_tests:
                settled(b, lambda: b.ucx(kind, test, size, iters(size), rnd))

    for size in sizes:
        blocks = [own_block, ucx_block]
        if rnd % 2:
            blocks.reverse()
        for f in blocks:
            f(size)
    latency_round(b, rnd, own_lat, lat_iters)
    for size in sizes:
        settled(b, lambda: b.pvw(size, pvw_iters(size), rnd))


def latency_round(b, rnd, own_lat, lat_iters):
    """The 8-byte latency runs of a round: @own_lat (callables) and UCX
    put_lat (@lat_iters iterations), in reverse order in odd rounds; every
    run settled()."""
    lat = list(own_lat)
    if b.have_ucx:
        lat.append(lambda: b.ucx("ucx_put_lat", "ucp_put_lat", 8, lat_iters,
                                 rnd))
    if rnd % 2:
        lat.reverse()
    for f in lat:
        settled(b, f)


def copy_summary(runs, size):
    """Medians of the copy-limit runs at @size (steady ones when any)."""
    cp = [r for r in runs if r["kind"] == "copy_limit" and
          r["bytes"] == size and r.get("value") is not None]
    steady = [r for r in cp if r.get("probes_steady")]
    cp = steady or cp
    return {"best": median([r["value"] for r in cp]),
            "memcpy": median([r["memcpy_gbs"] for r in cp
                              if r.get("memcpy_gbs")]),
            "nt": median([r["nt_gbs"] for r in cp if r.get("nt_gbs")]),
            "n": len(cp)}


def by_round(runs, kind, pl, size=None):
    """{round: run} of the kept runs of @kind at placement @pl (and size);
    the last one of a round when it has several."""
    out = {}
    for r in runs:
        if (r["kind"] == kind and r.get("value") is not None and
                r["placement"] == pl and (size is None or r["bytes"] == size)):
            out[r["round"]] = r
    return out


def paired_ratio(mine, peer):
    """Median over rounds of mine/peer for rounds both have; (ratio, n)."""
    pairs = sorted(set(mine) & set(peer))
    return median([mine[k]["value"] / peer[k]["value"] for k in pairs
                   if peer[k]["value"]]), len(pairs)


def latency_summary(ok, kind, pl, p99_key):
    """8-byte latency at placement @pl: the benchmark's own runs @kind
    against UCX put_lat. Medians, the p99 median (field @p99_key), counts,
    the probe's median over both and the median of per-round ratios."""
    mine = by_round(ok, kind, pl)
    ucx = by_round(ok, "ucx_put_lat", pl)
    ratio, pairs = paired_ratio(mine, ucx)
    probes = [p for r in list(mine.values()) + list(ucx.values())
              for p in (r["probe_before_ns"], r["probe_after_ns"])
              if p is not None]
    return {"mine": median([r["value"] for r in mine.values()]),
            "mine_p99": median([r.get(p99_key) for r in mine.values()]),
            "ucx": median([r["value"] for r in ucx.values()]),
            "n_mine": len(mine), "n_ucx": len(ucx), "pairs": pairs,
            "probe": median(probes), "ratio": ratio}


# ---- command line and pages ------------------------------------------------

def add_common_args(ap, rounds, quick_rounds, build_dir, out_md, retries=1):
    """The options every benchmark takes."""
    ap.add_argument("--rounds", type=int, default=None,
                    help="rounds (default %d; --quick: %d)" % (rounds,
                                                               quick_rounds))
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: %d short rounds" % quick_rounds)
    ap.add_argument("--build-dir", default=os.path.join(TOP, build_dir))
    ap.add_argument("--out-md", default=os.path.join(TOP, "doc",
                                                     "benchmarks", out_md))
    ap.add_argument("--out-json", default=None,
                    help="raw runs (default: --out-md with .json)")
    ap.add_argument("--cores", default="0,1",
                    help="server core,client core (default 0,1)")
    ap.add_argument("--no-build", action="store_true",
                    help="use the build tree as it is")
    ap.add_argument("--no-install", action="store_true",
                    help="do not install ucx-utils when missing")
    ap.add_argument("--retries", type=int, default=retries,
                    help="run a measurement again this many times when its "
                    "probes were unsteady or disagreed (default %d)" %
                    retries)
    ap.add_argument("--quiet-wait", type=float, default=60,
                    help="before each round, wait up to this many seconds "
                    "for other processes to leave the CPUs idle (default 60)")
    ap._defaults_rounds = (rounds, quick_rounds)


def parse_common(ap, argv=None):
    """Parse, then check and complete the common options."""
    a = ap.parse_args(argv)
    try:
        a.cores = [int(x) for x in a.cores.split(",")]
    except ValueError:
        ap.error("--cores wants two core numbers, e.g. 0,1")
    if len(a.cores) != 2 or a.cores[0] == a.cores[1]:
        ap.error("--cores wants two different cores")
    if a.rounds is None:
        a.rounds = ap._defaults_rounds[1 if a.quick else 0]
    if a.rounds < 1:
        ap.error("--rounds must be at least 1")
    if a.out_json is None:
        a.out_json = os.path.splitext(a.out_md)[0] + ".json"
    a.build_dir = os.path.abspath(a.build_dir)
    return a


def new_parser(doc):
    return argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)


def machine():
    """Facts for a page header: git revision and CPU model."""
    try:
        rev = subprocess.run(["git", "-C", TOP, "rev-parse", "--short",
                              "HEAD"], capture_output=True, text=True,
                             timeout=10).stdout.strip() or "?"
    except (OSError, subprocess.SubprocessError):
        rev = "?"
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"git": rev, "cpu": cpu}


def write_page(path, lines):
    """Write a results page; the analysis below ANALYSIS_MARK in the page
    already there is kept."""
    old = ""
    if os.path.exists(path):
        with open(path) as f:
            txt = f.read()
        if ANALYSIS_MARK in txt:
            old = txt.split(ANALYSIS_MARK, 1)[1]
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(lines + [ANALYSIS_MARK + old.rstrip("\n")]) + "\n")


def page_header(title, script, path, a, runs, cmdline, started, seconds,
                quiet, roles=("server", "client"), units_more="",
                placement_more=""):
    """The first lines of a results page: what ran, when, where, how many
    runs were kept, how busy the machine was, units and placement rules.
    @roles names the processes on a.cores[0] and a.cores[1]."""
    m = machine()
    count = {}
    for r in runs:
        count[r["placement"]] = count.get(r["placement"], 0) + 1
    loads = [r["load1"] for r in runs]
    busy = [q["busy"] for q in quiet if q.get("busy") is not None]
    lines = [
        "# " + title, "",
        "Generated by `%s`; raw runs in `%s`." % (
            script, os.path.relpath(a.out_json,
                                    os.path.dirname(os.path.abspath(path)))),
        "",
        "- command: `%s`" % cmdline,
        "- when: %s, %.0f s, %d rounds; git %s" % (started, seconds,
                                                  a.rounds, m["git"]),
        "- machine: %s, %d CPUs; %s core %d, %s core %d" % (
            m["cpu"], os.cpu_count() or 0, roles[0], a.cores[0], roles[1],
            a.cores[1]),
        "- runs: %d (%s); only near and far runs count: failed runs, runs "
        "whose probes disagreed (mixed) and runs with an unsteady probe "
        "(batches more than %.1fx apart: the cores were disturbed) are "
        "dropped, each retried up to %d time(s). Load average during the "
        "runs: median %.2f, max %.2f" % (
            len(runs), ", ".join("%s %d" % kv for kv in sorted(count.items())),
            STEADY, a.retries, median(loads) or 0, max(loads or [0]))]
    if busy:
        lines.append("- other processes before each round: CPUs busy median "
                     "%.0f%%, max %.0f%% (a round starts when below 15%% or "
                     "after waiting %.0f s)" % (100 * median(busy),
                                                100 * max(busy), a.quiet_wait))
    lines += [
        "- units: GB/s = 1e9 B/s (UCX's \"MB/s\" is MiB/s and was "
        "converted); latency in ns one-way (half a round trip; UCX reports "
        "its ping-pong latency the same way); every figure is a median over "
        "the runs kept for that placement" + units_more,
        "- placement: near < %.0f ns <= far, from the one-way cache-line "
        "probe measured just before and after each run%s" % (
            NEAR_NS, placement_more),
        ""]
    return lines


def how_runs_were_made(runs, tmp=None):
    """One example command per kind of run, for the page's method list."""
    ex = {}
    for r in runs:
        if r.get("cmd") and r["kind"] not in ex:
            ex[r["kind"]] = r["cmd"]
    return ["- %s: `%s`" % (k, ex[k].replace(tmp, "$TMP") if tmp else ex[k])
            for k in sorted(ex)]
