#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""HRDMA benchmark: marlin-perf against its peers on two cores, per placement.

Two-process figures on a 2-vCPU virtual machine swing with where the host
puts the two vCPUs ("near": ~30 ns cache-line latency, "far": ~170 ns), and
that changes every few seconds. So every run is bracketed by a placement
probe (marlin-perf --probe, or the probe marlin-perf prints itself), Marlin
and each peer alternate (A B, then B A in the next round, ...), only pairs
whose four probes name the same placement are kept, and the tables show
medians per placement.

Measured, per round:
  * Marlin write_bw at 64K/1M/4M: plain, --consume (the server reads every
    byte), --consume with the cpu DMA engine's non-temporal stores;
  * UCX ucx_perftest ucp_put_bw over sysv shared memory, same sizes;
  * Marlin write_lat 8 B (WRITE_NOTIFY), send_lat 8 B (SEND) and UCX
    ucp_put_lat 8 B, in alternating order;
  * process_vm_writev bandwidth (scripts/bench/pvw_bw.c);
and, at the start, every 5 rounds and at the end, the single-core copy
limit at the same footprints (drivers/dma/cpu's marlin-copy-bench, or pvw_bw's memcpy loop).

    scripts/bench/bench.py [--rounds N] [--quick] [--build-dir DIR]
                           [--out-md FILE] [--out-json FILE] [--cores S,C]
                           [--no-build] [--no-install] [--quiet-wait S]

The default takes about five minutes; --quick about one. Writes
doc/benchmarks/hrdma.md (tables) and doc/benchmarks/hrdma.json (raw runs).
Everything it starts is stopped, and fabric files and EAL runtime
directories of its runs are removed, also on Ctrl-C.
"""

import argparse
import datetime
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NEAR_NS = 80.0
STEADY = 1.5          # marlin-perf's PERF_STEADY_SPREAD
MIB = 1 << 20
UCX_ENV = {"UCX_TLS": "sysv", "UCX_SYSV_HUGETLB_MODE": "n"}
ANALYSIS_MARK = "<!-- analysis: text below this line is kept on rerun -->"

running = []          # Popen objects still alive
spawned_pids = []     # marlin-perf parents (fabric and EAL names use them)
tmpdir = None


def log(msg):
    print("[bench] " + msg, file=sys.stderr, flush=True)


# ---- process handling ------------------------------------------------------

def start(cmd, env=None, **kw):
    e = dict(os.environ)
    if env:
        e.update(env)
    p = subprocess.Popen(cmd, env=e, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True,
                         start_new_session=True, **kw)
    running.append(p)
    return p


def finish(p, timeout):
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill(p)
        out, err = p.communicate()
        err += "\n(timed out after %d s)" % timeout
        p.returncode = -9 if p.returncode is None else p.returncode
    if p in running:
        running.remove(p)
    return p.returncode, out, err


def kill(p):
    try:
        os.killpg(p.pid, signal.SIGTERM)
        try:
            p.wait(timeout=3)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout=3)
    except (ProcessLookupError, PermissionError):
        pass


def run(cmd, timeout=120, env=None):
    p = start(cmd, env=env)
    return finish(p, timeout)


def cleanup():
    for p in list(running):
        kill(p)
        if p in running:
            running.remove(p)
    for pid in spawned_pids:
        fab = "marlin-fabric-mperf-%d" % pid
        for d in ("/dev/shm/" + fab, "/dev/hugepages/" + fab):
            shutil.rmtree(d, ignore_errors=True)
        for base in ("/var/run/dpdk", os.path.join(
                os.environ.get("XDG_RUNTIME_DIR", "/tmp"), "dpdk")):
            for h in (0, 1):
                shutil.rmtree(os.path.join(
                    base, "marlin-perf-mperf-%d-%d" % (pid, h)),
                    ignore_errors=True)
    if tmpdir:
        shutil.rmtree(tmpdir, ignore_errors=True)


def on_signal(sig, _frame):
    log("signal %d: stopping" % sig)
    cleanup()
    sys.exit(128 + sig)


# ---- setup -----------------------------------------------------------------

def ensure_ucx(no_install):
    if shutil.which("ucx_perftest"):
        return True
    if no_install:
        log("ucx_perftest missing and --no-install given: UCX runs skipped")
        return False
    log("installing ucx-utils (Debian package)")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    run(sudo + ["apt-get", "update", "-qq"], timeout=600, env=env)
    rc, _, err = run(sudo + ["apt-get", "install", "-y", "-qq",
                             "--no-install-recommends", "ucx-utils"],
                     timeout=600, env=env)
    if rc != 0 or not shutil.which("ucx_perftest"):
        log("could not install ucx-utils: %s" % err.strip()[-300:])
        return False
    return True


def build(build_dir, no_build):
    exe = os.path.join(build_dir, "apps", "marlin-perf", "marlin-perf")
    if not no_build:
        if not os.path.isfile(os.path.join(build_dir, "build.ninja")):
            log("configuring %s" % build_dir)
            rc, out, err = run(["meson", "setup", build_dir, TOP,
                                "-Dtests=false", "-Dexamples=false"],
                               timeout=600)
            if rc != 0:
                sys.exit("meson setup failed:\n" + out + err)
        log("building (ninja -C %s)" % build_dir)
        rc, out, err = run(["ninja", "-C", build_dir], timeout=1800)
        if rc != 0:
            sys.exit("build failed:\n" + out[-3000:] + err[-3000:])
    if not os.access(exe, os.X_OK):
        sys.exit("no marlin-perf at %s (build first, or drop --no-build)"
                 % exe)
    helper = os.path.join(tmpdir, "pvw_bw")
    cc = shutil.which("cc") or shutil.which("gcc")
    rc, out, err = run([cc, "-O2", "-o", helper,
                        os.path.join(TOP, "scripts", "bench", "pvw_bw.c")])
    if rc != 0:
        sys.exit("cannot build pvw_bw.c:\n" + err)
    copy_bench = os.path.join(build_dir, "drivers", "dma", "cpu",
                              "marlin-copy-bench")
    if not os.access(copy_bench, os.X_OK):
        copy_bench = None
    return exe, helper, copy_bench


# ---- measurements ----------------------------------------------------------

def placement(ns):
    if ns is None or ns < 0:
        return "unknown"
    return "near" if ns < NEAR_NS else "far"


class Bench:
    def __init__(self, a, exe, helper, copy_bench, have_ucx):
        self.a = a
        self.exe = exe
        self.helper = helper
        self.copy_bench = copy_bench
        self.have_ucx = have_ucx
        self.server_core, self.client_core = a.cores
        self.runs = []
        self.quiet = []

    def probe(self):
        """One probe: (ns, steady) or (None, False)."""
        rc, out, err = run([self.exe, "--probe", "--json", "--probe-cores",
                            "%d,%d" % (self.client_core, self.server_core)],
                           timeout=30)
        try:
            d = json.loads(out)
            return (d["ns"], bool(d.get("steady", True)))
        except (ValueError, KeyError, TypeError):
            log("probe failed: %s" % err.strip()[-200:])
            return (None, False)

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
        cmd = [self.exe, test, "-s", str(size), "-n", str(iters), "--json",
               "--huge", self.a.marlin_huge,
               "--local-cores", "%d,%d" % (self.server_core,
                                           self.client_core)] + extra_args
        p = start(cmd)
        spawned_pids.append(p.pid)
        rc, out, err = finish(p, 120)
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
        before = self.probe()
        port = random.randint(20000, 60000)
        srv = start(["ucx_perftest", "-p", str(port), "-c",
                     str(self.server_core)], env=UCX_ENV)
        cmd = ["ucx_perftest", "localhost", "-p", str(port), "-c",
               str(self.client_core), "-t", test, "-s", str(size), "-n",
               str(iters), "-w", str(max(iters // 10, 1))]
        out = err = ""
        rc = -1
        for _ in range(10):
            time.sleep(0.15)
            rc, out, err = run(cmd, timeout=120, env=UCX_ENV)
            if rc == 0 or srv.poll() is not None:
                break
        finish(srv, 10)
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
        before = self.probe()
        rc, out, err = run([self.helper, "pvw", str(size), str(iters),
                            str(self.client_core), str(self.server_core)],
                           timeout=120)
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
            rc, out, err = run([self.copy_bench, "-c", str(self.client_core),
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
                rc, out, err = run([self.helper, "copy", str(s), "2e9",
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


# ---- a quiet machine -------------------------------------------------------

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


# ---- the plan --------------------------------------------------------------

def iters_for(size, quick):
    # ~0.1-0.3 s per run: short enough to stay within one placement
    base = {64 * 1024: 40000, MIB: 4000, 4 * MIB: 1200}.get(size, 2000)
    return max(base // (4 if quick else 1), 50)


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


def run_round(b, rnd, sizes, quick):
    lat_iters = 50000 if quick else 200000
    marlin_variants = [
        ("marlin_write_bw", []),
        ("marlin_write_bw_consume", ["--consume"]),
        ("marlin_write_bw_consume_nt", ["--consume", "--nt-threshold", "64K"]),
    ]

    def marlin_block(size):
        for kind, extra in marlin_variants:
            settled(b, lambda: b.marlin(kind, "write_bw", size,
                                        iters_for(size, quick), extra, rnd))

    def ucx_block(size):
        if b.have_ucx:
            settled(b, lambda: b.ucx("ucx_put_bw", "ucp_put_bw", size,
                                     iters_for(size, quick), rnd))

    for size in sizes:
        first, second = (marlin_block, ucx_block) if rnd % 2 == 0 else \
            (ucx_block, marlin_block)
        first(size)
        second(size)
    lat = [lambda: b.marlin("marlin_write_lat", "write_lat", 8, lat_iters,
                            [], rnd),
           lambda: b.marlin("marlin_send_lat", "send_lat", 8, lat_iters,
                            [], rnd)]
    if b.have_ucx:
        lat.append(lambda: b.ucx("ucx_put_lat", "ucp_put_lat", 8, lat_iters,
                                 rnd))
    if rnd % 2:
        lat.reverse()
    for f in lat:
        settled(b, f)
    for size in sizes:
        settled(b, lambda: b.pvw(size, max(iters_for(size, quick) // 4, 20),
                                 rnd))


# ---- analysis --------------------------------------------------------------

def med(v):
    return statistics.median(v) if v else None


def fmt(v, nd=2):
    return "-" if v is None else ("%.*f" % (nd, v))


def analyse(runs, sizes):
    """Per placement: kept pairs, medians, ratios and target verdicts."""
    out = {}
    ok = [r for r in runs if r.get("value") is not None and
          r["placement"] in ("near", "far")]
    for pl in ("near", "far"):
        res = {"bw": {}, "lat": {}, "pvw": {}, "copy": {}}
        for size in sizes:
            row = {}
            ucx = {r["round"]: r for r in ok if r["kind"] == "ucx_put_bw"
                   and r["bytes"] == size and r["placement"] == pl}
            row["ucx_put_bw"] = med([r["value"] for r in ucx.values()])
            row["n_ucx"] = len(ucx)
            for kind in ("marlin_write_bw", "marlin_write_bw_consume",
                         "marlin_write_bw_consume_nt"):
                mine = {r["round"]: r for r in ok if r["kind"] == kind and
                        r["bytes"] == size and r["placement"] == pl}
                pairs = sorted(set(mine) & set(ucx))
                row[kind] = med([r["value"] for r in mine.values()])
                row[kind + "_n"] = len(mine)
                row[kind + "_pairs"] = len(pairs)
                row[kind + "_ratio_ucx"] = med(
                    [mine[k]["value"] / ucx[k]["value"] for k in pairs
                     if ucx[k]["value"]])
            res["bw"][size] = row
            pv = [r["value"] for r in ok if r["kind"] == "pvw_bw" and
                  r["bytes"] == size and r["placement"] == pl]
            res["pvw"][size] = (med(pv), len(pv))
            cp = [r for r in runs if r["kind"] == "copy_limit" and
                  r["bytes"] == size and r.get("value") is not None]
            # a copy disturbed by other work understates the limit
            steady = [r for r in cp if r.get("probes_steady")]
            cp = steady or cp
            res["copy"][size] = {
                "best": med([r["value"] for r in cp]),
                "memcpy": med([r["memcpy_gbs"] for r in cp
                               if r.get("memcpy_gbs")]),
                "nt": med([r["nt_gbs"] for r in cp if r.get("nt_gbs")]),
                "n": len(cp)}
        ml = {r["round"]: r for r in ok if r["kind"] == "marlin_write_lat" and
              r["placement"] == pl}
        sl = {r["round"]: r for r in ok if r["kind"] == "marlin_send_lat" and
              r["placement"] == pl}
        ul = {r["round"]: r for r in ok if r["kind"] == "ucx_put_lat" and
              r["placement"] == pl}
        spairs = sorted(set(sl) & set(ul))
        pairs = sorted(set(ml) & set(ul))
        probes = [p for r in list(ml.values()) + list(ul.values())
                  for p in (r["probe_before_ns"], r["probe_after_ns"])
                  if p is not None]
        res["lat"] = {
            "marlin": med([r["value"] for r in ml.values()]),
            "marlin_p99": med([r["t_p99_ns"] for r in ml.values()]),
            "ucx": med([r["value"] for r in ul.values()]),
            "n_marlin": len(ml), "n_ucx": len(ul), "pairs": len(pairs),
            "probe": med(probes),
            "ratio_ucx": med([ml[k]["value"] / ul[k]["value"] for k in pairs
                              if ul[k]["value"]]),
            "send": med([r["value"] for r in sl.values()]),
            "send_p99": med([r["t_p99_ns"] for r in sl.values()]),
            "n_send": len(sl), "send_pairs": len(spairs),
            "send_ratio_ucx": med([sl[k]["value"] / ul[k]["value"]
                                   for k in spairs if ul[k]["value"]]),
        }
        out[pl] = res
    return out


def verdict(ok):
    return "-" if ok is None else ("met" if ok else "**MISSED**")


def write_md(path, a, res, runs, sizes, cmdline, started, seconds, quiet):
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
    failed = [r for r in runs if r["placement"] == "failed"]
    mixed = [r for r in runs if r["placement"] == "mixed"]
    unsteady = [r for r in runs if r["placement"] == "unsteady"]
    loads = [r["load1"] for r in runs]
    add("# HRDMA benchmark: Marlin vs UCX and process_vm_writev")
    add("")
    add("Generated by `scripts/bench/bench.py`; raw runs in `%s`." %
        os.path.relpath(a.out_json, os.path.dirname(path)))
    add("")
    add("- command: `%s`" % cmdline)
    add("- when: %s, %.0f s, %d rounds; git %s" % (started, seconds,
                                                  a.rounds, rev))
    add("- machine: %s, %d CPUs; server core %d, client core %d" %
        (cpu, os.cpu_count(), a.cores[0], a.cores[1]))
    add("- runs: %d, of which %d failed, %d had probes that disagreed and "
        "%d had an unsteady probe (batches more than %.1fx apart: the cores "
        "were disturbed); those are dropped (each was retried up to %d "
        "time(s)). Load average during the runs: median %.2f, max %.2f" %
        (len(runs), len(failed), len(mixed), len(unsteady), STEADY,
         a.retries, med(loads) or 0, max(loads or [0])))
    add("- other processes before each round: CPUs busy median %.0f%%, "
        "max %.0f%% (a round starts when below 15%% or after waiting %.0f "
        "s)" % (100 * (med([q["busy"] for q in quiet]) or 0),
                100 * max([q["busy"] for q in quiet] or [0]), a.quiet_wait))
    add("- units: GB/s = 1e9 B/s (UCX's \"MB/s\" is MiB/s and was "
        "converted); latency in ns one-way (half a round trip; UCX "
        "reports its ping-pong latency the same way); every figure is a "
        "median over the runs kept for that placement")
    add("- placement: near < %.0f ns <= far, from the one-way cache-line "
        "probe measured just before and after each run; a Marlin/UCX pair "
        "is kept when all four probes are steady and agree" % NEAR_NS)
    add("")
    for pl in ("near", "far"):
        r = res[pl]
        add("## Placement: %s" % pl)
        add("")
        add("### Bandwidth (GB/s)")
        add("")
        add("| bytes | copy limit (memcpy / NT) | Marlin write_bw | "
            "Marlin --consume | --consume + NT | UCX put_bw | "
            "process_vm_writev | write_bw / UCX | write_bw / copy | "
            "n (Marlin, UCX, pairs) |")
        add("|---|---|---|---|---|---|---|---|---|---|")
        for size in sizes:
            b = r["bw"][size]
            cp = r["copy"][size]
            wr = b["marlin_write_bw"]
            add("| %s | %s (%s / %s) | %s | %s | %s | %s | %s | %s | %s | "
                "%d, %d, %d |" % (
                    human(size), fmt(cp["best"]), fmt(cp["memcpy"]),
                    fmt(cp["nt"]), fmt(wr), fmt(b["marlin_write_bw_consume"]),
                    fmt(b["marlin_write_bw_consume_nt"]),
                    fmt(b["ucx_put_bw"]), fmt(r["pvw"][size][0]),
                    fmt(b["marlin_write_bw_ratio_ucx"]),
                    fmt(wr / cp["best"] if wr and cp["best"] else None),
                    b["marlin_write_bw_n"], b["n_ucx"],
                    b["marlin_write_bw_pairs"]))
        add("")
        lt = r["lat"]
        add("### 8-byte latency (ns, one-way)")
        add("")
        add("| probe (cache line) | Marlin write_lat median (p99) | "
            "UCX put_lat median | Marlin / probe | Marlin / UCX | "
            "n (Marlin, UCX, pairs) |")
        add("|---|---|---|---|---|---|")
        add("| %s | %s (%s) | %s | %s | %s | %d, %d, %d |" % (
            fmt(lt["probe"], 1), fmt(lt["marlin"], 1),
            fmt(lt["marlin_p99"], 1), fmt(lt["ucx"], 1),
            fmt(lt["marlin"] / lt["probe"] if lt["marlin"] and lt["probe"]
                else None), fmt(lt["ratio_ucx"]), lt["n_marlin"],
            lt["n_ucx"], lt["pairs"]))
        add("")
        add("| probe (cache line) | Marlin send_lat median (p99) | "
            "UCX put_lat median | Marlin / probe | Marlin / UCX | "
            "n (Marlin, UCX, pairs) |")
        add("|---|---|---|---|---|---|")
        add("| %s | %s (%s) | %s | %s | %s | %d, %d, %d |" % (
            fmt(lt["probe"], 1), fmt(lt["send"], 1),
            fmt(lt["send_p99"], 1), fmt(lt["ucx"], 1),
            fmt(lt["send"] / lt["probe"] if lt["send"] and lt["probe"]
                else None), fmt(lt["send_ratio_ucx"]), lt["n_send"],
            lt["n_ucx"], lt["send_pairs"]))
        add("")
        add("### Targets")
        add("")
        add("| target | measured | verdict |")
        add("|---|---|---|")
        for size in sizes:
            b = r["bw"][size]
            cp = r["copy"][size]["best"]
            wr = b["marlin_write_bw"]
            q = b["marlin_write_bw_ratio_ucx"]
            add("| write_bw %s >= 1.0 x UCX put_bw | %s x | %s |" % (
                human(size), fmt(q, 3), verdict(None if q is None else
                                                q >= 1.0)))
            q2 = wr / cp if wr and cp else None
            add("| write_bw %s >= 0.9 x copy limit | %s x | %s |" % (
                human(size), fmt(q2, 3), verdict(None if q2 is None else
                                                 q2 >= 0.9)))
        q = lt["marlin"] / lt["probe"] if lt["marlin"] and lt["probe"] \
            else None
        add("| 8 B one-way <= 1.5 x probe | %s x | %s |" % (
            fmt(q, 3), verdict(None if q is None else q <= 1.5)))
        q = lt["ratio_ucx"]
        add("| 8 B one-way <= UCX put_lat | %s x | %s |" % (
            fmt(q, 3), verdict(None if q is None else q <= 1.0)))
        q = lt["send"] / lt["probe"] if lt["send"] and lt["probe"] else None
        add("| 8 B SEND one-way <= 1.5 x probe | %s x | %s |" % (
            fmt(q, 3), verdict(None if q is None else q <= 1.5)))
        q = lt["send_ratio_ucx"]
        add("| 8 B SEND one-way <= UCX put_lat | %s x | %s |" % (
            fmt(q, 3), verdict(None if q is None else q <= 1.0)))
        add("")
    add("## How the runs were made")
    add("")
    ex = {}
    for r in runs:
        if r.get("cmd") and r["kind"] not in ex:
            ex[r["kind"]] = r["cmd"]
    for k in sorted(ex):
        add("- %s: `%s`" % (k, ex[k]))
    add("- probe: `marlin-perf --probe --json --probe-cores %d,%d` "
        "(UCX and process_vm_writev runs); Marlin runs print their own "
        "probe (client core to server core) before and after" %
        (a.cores[1], a.cores[0]))
    add("- process_vm_writev: `pvw_bw pvw SIZE ITERS %d %d` "
        "(scripts/bench/pvw_bw.c)" % (a.cores[1], a.cores[0]))
    add("- copy limit: marlin-copy-bench pinned to core %d at the start, "
        "every 5 rounds and at the end (best of memcpy and non-temporal "
        "stores per footprint; runs with steady probes only, when there are "
        "any)" % a.cores[1])
    add("")
    old = ""
    if os.path.exists(path):
        txt = open(path).read()
        if ANALYSIS_MARK in txt:
            old = txt.split(ANALYSIS_MARK, 1)[1]
    add(ANALYSIS_MARK + old.rstrip("\n"))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def human(n):
    if n >= MIB and n % MIB == 0:
        return "%dM" % (n // MIB)
    if n >= 1024 and n % 1024 == 0:
        return "%dK" % (n // 1024)
    return str(n)


def main():
    global tmpdir
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rounds", type=int, default=None,
                    help="rounds (default 14: about five minutes)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: 3 short rounds, about a minute")
    ap.add_argument("--build-dir", default=os.path.join(TOP, "build-bench"))
    ap.add_argument("--out-md", default=os.path.join(
        TOP, "doc", "benchmarks", "hrdma.md"))
    ap.add_argument("--out-json", default=None)
    ap.add_argument("--cores", default="0,1",
                    help="server core,client core (default 0,1)")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--no-install", action="store_true")
    ap.add_argument("--marlin-huge", choices=("no", "yes", "auto"),
                    default="no",
                    help="marlin-perf --huge: 'no' (default) puts Marlin's "
                    "windows in /dev/shm, 4 KiB pages like UCX's sysv "
                    "segments (UCX_SYSV_HUGETLB_MODE=n)")
    ap.add_argument("--retries", type=int, default=1,
                    help="run a measurement again this many times when its "
                    "probes were unsteady or disagreed (default 1)")
    ap.add_argument("--quiet-wait", type=float, default=60,
                    help="before each round, wait up to this many seconds "
                    "for other processes to leave the CPUs idle (default 60)")
    a = ap.parse_args()
    a.cores = [int(x) for x in a.cores.split(",")]
    if len(a.cores) != 2 or a.cores[0] == a.cores[1]:
        ap.error("--cores wants two different cores")
    if a.rounds is None:
        a.rounds = 3 if a.quick else 14
    if a.out_json is None:
        a.out_json = os.path.splitext(a.out_md)[0] + ".json"
    cmdline = " ".join(["scripts/bench/bench.py"] + sys.argv[1:])

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    tmpdir = tempfile.mkdtemp(prefix="marlin-bench-")
    try:
        have_ucx = ensure_ucx(a.no_install)
        exe, helper, copy_bench = build(a.build_dir, a.no_build)
        sizes = [64 * 1024, MIB, 4 * MIB]
        b = Bench(a, exe, helper, copy_bench, have_ucx)
        started = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
        t0 = time.time()
        log("copy limit (single core)")
        b.copy_limit(sizes + ([] if a.quick else [64 * MIB]), "start")
        for rnd in range(a.rounds):
            busy, waited = wait_quiet(a.quiet_wait)
            b.quiet.append({"round": rnd, "busy": busy, "waited_s": waited})
            log("round %d/%d (others kept %.0f%% of the CPUs busy%s)" % (
                rnd + 1, a.rounds, 100 * busy,
                ", after waiting %.0f s" % waited if waited > 1 else ""))
            run_round(b, rnd, sizes, a.quick)
            if rnd % 5 == 4 and rnd + 1 < a.rounds:
                log("copy limit (single core)")
                b.copy_limit(sizes, "round %d" % (rnd + 1))
        log("copy limit (single core), again")
        b.copy_limit(sizes + ([] if a.quick else [64 * MIB]), "end")
        seconds = time.time() - t0
        res = analyse(b.runs, sizes)
        os.makedirs(os.path.dirname(os.path.abspath(a.out_md)),
                    exist_ok=True)
        with open(a.out_json, "w") as f:
            json.dump({"command": cmdline, "started": started,
                       "seconds": seconds, "rounds": a.rounds,
                       "cores": {"server": a.cores[0],
                                 "client": a.cores[1]},
                       "near_threshold_ns": NEAR_NS,
                       "summary": {pl: {k: ({str(s): v for s, v in d.items()}
                                            if isinstance(d, dict) and
                                            k != "lat" else d)
                                        for k, d in res[pl].items()}
                                   for pl in res},
                       "quiet": b.quiet, "runs": b.runs}, f, indent=1)
        write_md(a.out_md, a, res, b.runs, sizes, cmdline, started, seconds,
                 b.quiet)
        print(open(a.out_md).read().split(ANALYSIS_MARK)[0])
        log("wrote %s and %s" % (a.out_md, a.out_json))
    finally:
        cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
