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
limit, pages) are the harness's (tests/lib/marlin_harness/bench.py). CMMC
runs use scripts/bench/cmmc/cmmc_perf.c, built by meson: the script
configures the build directory with -Dbenchmarks=true unless --no-build. The fabric lives on hugetlbfs (exported memory is hugepage
memory); both hosts run with EAL --in-memory. Everything started is
stopped and every file removed at the end, also on Ctrl-C.
"""

import datetime
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
from marlin_harness import bench as hb  # noqa: E402
from marlin_harness import plugins  # noqa: E402
from marlin_harness import report  # noqa: E402
from marlin_harness.proc import Proc  # noqa: E402
from marlin_harness.bench import settled  # noqa: E402
from marlin_harness.session import clean_fabric, remove_runtime  # noqa: E402
from marlin_harness.stats import (  # noqa: E402
    KIB, MIB, fmt, human, median as med, ratio)

SIZES = [4 * KIB, 16 * KIB, 64 * KIB, 256 * KIB, MIB, 4 * MIB]
TARGET_FROM = 64 * KIB

log = hb.logger("cmmc-bench")


class Session:
    """Two cmmc_perf hosts on one fabric, idle (blocked on stdin) between
    runs so that the probe can use the same cores."""

    def __init__(self, runner, exe, env, tag, cores, nt):
        self.tag = tag
        self.runner = runner
        self.fabric = runner.add_fabric("cmmcb%d%s" % (os.getpid(), tag))
        self.procs = []
        for hid, role in ((0, "server"), (1, "client")):
            prefix = "%s_h%d" % (self.fabric, hid)
            runner.prefixes.append(prefix)
            args = [exe, "-l", str(cores[hid]), "--in-memory", "--no-pci",
                    "--file-prefix", prefix,
                    "--no-telemetry", "-m", "64", "--log-level",
                    "lib.eal:warning", "--vdev",
                    "ntb_shm0,fabric=%s,host=%d,hosts=2,mw_count=1,mw_size=64M" %
                    (self.fabric, hid), "--", "--role", role]
            if nt is not None:
                args += ["--nt-threshold", str(nt)]
            self.procs.append(Proc(runner, "%s%d" % (tag, hid), args,
                                   env=env, merge=False, group=True))
        self.cmdline = " ".join(args)
        for i in (0, 1):
            d = self.line(i, 90)
            if not d.get("ready"):
                raise RuntimeError("session %s host %d: %s\n%s" %
                                   (tag, i, d, self.procs[i].tail()))

    def line(self, i, timeout):
        """The next JSON line of host @i, or {"error": why}."""
        p = self.procs[i]
        while True:
            try:
                line = p.next_line(r"^\s*\{", timeout)
            except hb.Fail as e:
                return {"error": str(e).splitlines()[0]}
            try:
                return json.loads(line.strip())
            except ValueError:
                continue

    def run(self, test, size, iters):
        self.procs[0].send("serve")
        self.procs[1].send("run %s %d %d" % (test, size, iters))
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
                p.send("quit")
            except hb.Fail:
                pass
        for p in self.procs:
            try:
                p.wait(10)
            except hb.Fail:
                p.kill()
        clean_fabric(self.fabric, tool=self.runner.tool)
        remove_runtime(["%s_h%d" % (self.fabric, h) for h in (0, 1)])


def perf_programs(runner, a):
    """cmmc_perf and shm_copy (meson, -Dbenchmarks=true) and the
    environment that finds the build tree's libraries."""
    hb.build(runner, a.build_dir, a.no_build)
    exe = hb.bench_program(a.build_dir, "scripts", "bench", "cmmc",
                           "cmmc_perf")
    shm_copy = hb.bench_program(a.build_dir, "scripts", "bench", "cmmc",
                                "shm_copy")
    return exe, plugins.build_env(a.build_dir), shm_copy


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


def shm_copy(b, size, rnd):
    """memcpy into a shared file mapping on hugetlbfs (scripts/bench/cmmc/
    shm_copy.c), on the issuer's core."""
    cmd = [b.shm_copy, str(size), str(512 * MIB), str(b.client_core),
           "/dev/hugepages" if os.path.isdir("/dev/hugepages") else "/dev/shm"]
    rc, out, err = b.runner.run(cmd, timeout=120)
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

    hb.interleaved_round(
        b, rnd, sizes, cmmc_block,
        [("ucx_put_bw", "ucp_put_bw"), ("ucx_get", "ucp_get")],
        lambda size: iters_bw(size, quick),
        [lambda: cmmc_run(b, ss["plain"], "cmmc_lat", "lat", 8, lat_iters,
                          rnd),
         # HRDMA alone (marlin-perf), to show what CMMC adds to it
         lambda: b.marlin("hrdma_lat", "write_lat", 8, lat_iters, [], rnd)],
        lat_iters, lambda size: max(iters_bw(size, quick) // 8, 50))
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
    ok = [r for r in runs if r.get("value") is not None and
          r["placement"] in ("near", "far")]
    out = {}
    for pl in ("near", "far"):
        res = {"bw": {}, "copy": {}, "lat": {}}
        for size in sizes:
            row = {}
            by = {}
            for k in KINDS_BW:
                by[k] = hb.by_round(ok, k, pl, size)
                row[k] = med([r["value"] for r in by[k].values()])
                row[k + "_n"] = len(by[k])
            for a, u in RATIOS:
                row[a + "/" + u], row[a + "/" + u + "_pairs"] = \
                    hb.paired_ratio(by[a], by[u])
            res["bw"][size] = row
            sc = [r["value"] for r in runs if r["kind"] == "shm_copy" and
                  r["bytes"] == size and r.get("value") is not None]
            res["copy"][size] = dict(hb.copy_summary(runs, size),
                                     shm=med(sc))
        hl = [r["value"] for r in ok if r["kind"] == "hrdma_lat" and
              r["placement"] == pl]
        lt = hb.latency_summary(ok, "cmmc_lat", pl, "p99_ns")
        res["lat"] = {
            "cmmc": lt["mine"], "cmmc_p99": lt["mine_p99"], "ucx": lt["ucx"],
            "hrdma": med(hl), "n_hrdma": len(hl),
            "n_cmmc": lt["n_mine"], "n_ucx": lt["n_ucx"],
            "pairs": lt["pairs"], "probe": lt["probe"], "ratio": lt["ratio"],
        }
        out[pl] = res
    return out


def write_md(path, a, res, runs, sizes, cmdline, started, seconds, b_tmp,
             quiet):
    lines = hb.page_header(
        "CMMC benchmark: CMMC vs UCX, process_vm_writev and the copy limit",
        "scripts/bench/cmmc/cmmc_bench.py", path, a, runs, cmdline, started,
        seconds, quiet, roles=("server (owner)", "client (issuer)"),
        units_more="; a ratio is the median over rounds of CMMC/peer "
        "measured in the same round and placement (shm_copy is single-core: "
        "placement unknown)")
    add = lines.append
    def bw_cells(r, size, b, cp):
        wr = b["cmmc_write"]
        return (fmt(cp["shm"]), fmt(wr), fmt(b["cmmc_consume"]),
                fmt(b["cmmc_consume_nt"]), fmt(b["cmmc_read"]),
                fmt(b["ucx_put_bw"]), fmt(b["ucx_get"]), fmt(b["pvw_bw"]),
                fmt(b["cmmc_write/ucx_put_bw"]), fmt(b["cmmc_read/ucx_get"]),
                fmt(ratio(wr, cp["best"])), fmt(ratio(wr, cp["shm"])),
                report.counts(b["cmmc_write_n"], b["ucx_put_bw_n"],
                              b["cmmc_write/ucx_put_bw_pairs"]))

    def latency_and_targets(add, r):
        lt = r["lat"]
        report.section(add, "8-byte notification latency (ns, one-way)")
        report.table_head(
            add, "probe (cache line)", "CMMC write+notify median (p99)",
            "HRDMA alone (marlin-perf write_lat)", "UCX put_lat median",
            "CMMC / UCX", "n (CMMC, HRDMA, UCX, pairs)")
        report.row(add, fmt(lt["probe"], 1),
                   report.median_p99(lt["cmmc"], lt["cmmc_p99"]),
                   fmt(lt["hrdma"], 1), fmt(lt["ucx"], 1), fmt(lt["ratio"]),
                   report.counts(lt["n_cmmc"], lt["n_hrdma"], lt["n_ucx"],
                                 lt["pairs"]))
        add("")
        report.targets(add)
        for size in sizes:
            if size < TARGET_FROM:
                continue
            b = r["bw"][size]
            report.target(add, "write %s >= UCX put_bw" % human(size),
                          b["cmmc_write/ucx_put_bw"], lambda q: q >= 1.0)
            report.target(add, "write %s >= 0.9 x copy limit" % human(size),
                          ratio(b["cmmc_write"], r["copy"][size]["best"]),
                          lambda q: q >= 0.9)
            q3 = ratio(b["cmmc_write"], r["copy"][size]["shm"])
            report.row(add, "(reference) write %s vs copy into shared memory"
                       % human(size), "%s x" % fmt(q3),
                       "-" if q3 is None else
                       ("within 10%" if q3 >= 0.9 else "below"))
        report.target(add, "8 B notify one-way <= UCX put_lat", lt["ratio"],
                      lambda q: q <= 1.0)
        add("")

    report.placements(
        add, res, sizes,
        ("copy into shared memory", "CMMC write", "CMMC write, receiver reads",
         "same + NT stores", "CMMC read", "UCX put_bw", "UCX get",
         "process_vm_writev", "write / UCX put", "read / UCX get",
         "write / copy limit", "write / shared copy",
         "n (write, put, pairs)"), bw_cells, latency_and_targets)
    add("## How the runs were made")
    add("")
    lines += hb.how_runs_were_made(runs, b_tmp)
    add("- cmmc_perf, shm_copy: built by meson (-Dbenchmarks=true, "
        "scripts/bench/cmmc/meson.build)")
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
    hb.write_page(path, lines)


def main():
    ap = hb.new_parser(__doc__)
    hb.add_common_args(ap, 6, 2, "build", "cmmc.md", retries=2)
    a = hb.parse_common(ap)
    # what the harness's Bench expects of its arguments
    a.marlin_huge = "yes"
    cmdline = " ".join(["scripts/bench/cmmc/cmmc_bench.py"] + sys.argv[1:])

    runner = hb.Runner("cmb", a.build_dir)
    runner.handle_signals()
    try:
        have_ucx = hb.ensure_ucx(runner, a.no_install)
        perf, env, shm_copy = perf_programs(runner, a)
        probe_exe = hb.bench_program(a.build_dir, "apps", "marlin-perf",
                                     "marlin-perf")
        helper = hb.bench_program(a.build_dir, "scripts", "bench", "pvw_bw")
        copy_bench = hb.bench_program(a.build_dir, "drivers", "dma", "cpu",
                                      "marlin-copy-bench", required=False)
        b = hb.Bench(runner, a, probe_exe, helper, copy_bench, have_ucx)
        b.shm_copy = shm_copy
        quiet = b.quiet
        started = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
        t0 = time.time()
        ss = {"plain": Session(runner, perf, env, "p", a.cores, None),
              "nt": Session(runner, perf, env, "n", a.cores, 64 * KIB)}
        for rnd in range(a.rounds):
            busy, waited = hb.wait_quiet(a.quiet_wait)
            quiet.append({"round": rnd, "busy": busy, "waited_s": waited})
            log("round %d/%d (load %.2f, others busy %.0f%%)" % (
                rnd + 1, a.rounds, os.getloadavg()[0], 100 * busy))
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
                 runner.tmp, quiet)
        log("wrote %s and %s" % (a.out_md, a.out_json))
    finally:
        runner.cleanup()


if __name__ == "__main__":
    main()
