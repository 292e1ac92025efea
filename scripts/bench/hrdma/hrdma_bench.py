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
  * Marlin write_lat 8 B (WRITE_NOTIFY) and UCX ucp_put_lat 8 B;
  * process_vm_writev bandwidth (scripts/bench/pvw_bw.c);
and, at the start, every 5 rounds and at the end, the single-core copy
limit at the same footprints (drivers/dma/cpu's marlin-copy-bench, or pvw_bw's memcpy loop).

    scripts/bench/hrdma/hrdma_bench.py [--rounds N] [--quick] [--build-dir DIR]
                           [--out-md FILE] [--out-json FILE] [--cores S,C]
                           [--no-build] [--no-install] [--quiet-wait S]

(scripts/bench/bench.sh runs it too.) It configures the build directory
with -Dbenchmarks=true (pvw_bw and the other benchmark programs are built
by meson) unless --no-build is given. The shared pieces (probe, process
handling, UCX, process_vm_writev and copy-limit runs, pages) are in
tests/lib/marlin_harness/bench.py.

The default takes about five minutes; --quick about one. Writes
doc/benchmarks/hrdma.md (tables) and doc/benchmarks/hrdma.json (raw runs).
Everything it starts is stopped, and fabric files and EAL runtime
directories of its runs are removed, also on Ctrl-C.
"""

import datetime
import json
import os
import sys
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
from marlin_harness import bench as hb  # noqa: E402
from marlin_harness.bench import NEAR_NS, settled  # noqa: E402
from marlin_harness import report  # noqa: E402
from marlin_harness.stats import (  # noqa: E402
    MIB, fmt, human, median as med, ratio)

log = hb.logger("bench")


def build(runner, a):
    """marlin-perf, pvw_bw and (when built) marlin-copy-bench."""
    hb.build(runner, a.build_dir, a.no_build, ["-Dtests=false",
                                                "-Dexamples=false"])
    exe = hb.bench_program(a.build_dir, "apps", "marlin-perf", "marlin-perf")
    helper = hb.bench_program(a.build_dir, "scripts", "bench", "pvw_bw")
    copy_bench = hb.bench_program(a.build_dir, "drivers", "dma", "cpu",
                                  "marlin-copy-bench", required=False)
    return exe, helper, copy_bench


# ---- the plan --------------------------------------------------------------

def iters_for(size, quick):
    # ~0.1-0.3 s per run: short enough to stay within one placement
    base = {64 * 1024: 40000, MIB: 4000, 4 * MIB: 1200}.get(size, 2000)
    return max(base // (4 if quick else 1), 50)


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

    hb.interleaved_round(
        b, rnd, sizes, marlin_block, [("ucx_put_bw", "ucp_put_bw")],
        lambda size: iters_for(size, quick),
        [lambda: b.marlin("marlin_write_lat", "write_lat", 8, lat_iters, [],
                          rnd),
         lambda: b.marlin("marlin_send_lat", "send_lat", 8, lat_iters, [],
                          rnd)],
        lat_iters, lambda size: max(iters_for(size, quick) // 4, 20))


# ---- analysis --------------------------------------------------------------

def analyse(runs, sizes):
    """Per placement: kept pairs, medians, ratios and target verdicts."""
    out = {}
    ok = [r for r in runs if r.get("value") is not None and
          r["placement"] in ("near", "far")]
    for pl in ("near", "far"):
        res = {"bw": {}, "lat": {}, "pvw": {}, "copy": {}}
        for size in sizes:
            row = {}
            ucx = hb.by_round(ok, "ucx_put_bw", pl, size)
            row["ucx_put_bw"] = med([r["value"] for r in ucx.values()])
            row["n_ucx"] = len(ucx)
            for kind in ("marlin_write_bw", "marlin_write_bw_consume",
                         "marlin_write_bw_consume_nt"):
                mine = hb.by_round(ok, kind, pl, size)
                row[kind] = med([r["value"] for r in mine.values()])
                row[kind + "_n"] = len(mine)
                row[kind + "_ratio_ucx"], row[kind + "_pairs"] = \
                    hb.paired_ratio(mine, ucx)
            res["bw"][size] = row
            pv = [r["value"] for r in ok if r["kind"] == "pvw_bw" and
                  r["bytes"] == size and r["placement"] == pl]
            res["pvw"][size] = (med(pv), len(pv))
            res["copy"][size] = hb.copy_summary(runs, size)
        lt = hb.latency_summary(ok, "marlin_write_lat", pl, "t_p99_ns")
        res["lat"] = {
            "marlin": lt["mine"], "marlin_p99": lt["mine_p99"],
            "ucx": lt["ucx"], "n_marlin": lt["n_mine"], "n_ucx": lt["n_ucx"],
            "pairs": lt["pairs"], "probe": lt["probe"],
            "ratio_ucx": lt["ratio"],
        }
        st = hb.latency_summary(ok, "marlin_send_lat", pl, "t_p99_ns")
        res["lat"].update({
            "send": st["mine"], "send_p99": st["mine_p99"],
            "n_send": st["n_mine"], "send_pairs": st["pairs"],
            "send_ratio_ucx": st["ratio"],
        })
        out[pl] = res
    return out


def write_md(path, a, res, runs, sizes, cmdline, started, seconds, quiet):
    lines = hb.page_header(
        "HRDMA benchmark: Marlin vs UCX and process_vm_writev",
        "scripts/bench/hrdma/hrdma_bench.py", path, a, runs, cmdline,
        started, seconds, quiet,
        placement_more="; a Marlin/UCX pair is kept when all four probes "
        "are steady and agree")
    add = lines.append
    def bw_cells(r, size, b, cp):
        wr = b["marlin_write_bw"]
        return (fmt(wr), fmt(b["marlin_write_bw_consume"]),
                fmt(b["marlin_write_bw_consume_nt"]), fmt(b["ucx_put_bw"]),
                fmt(r["pvw"][size][0]), fmt(b["marlin_write_bw_ratio_ucx"]),
                fmt(ratio(wr, cp["best"])),
                report.counts(b["marlin_write_bw_n"], b["n_ucx"],
                              b["marlin_write_bw_pairs"]))

    def latency_and_targets(add, r):
        lt = r["lat"]
        report.section(add, "8-byte latency (ns, one-way)")
        for op, k in (("write_lat", "marlin"), ("send_lat", "send")):
            n = ("n_marlin", "pairs") if k == "marlin" else \
                ("n_send", "send_pairs")
            report.table_head(
                add, "probe (cache line)", "Marlin %s median (p99)" % op,
                "UCX put_lat median", "Marlin / probe", "Marlin / UCX",
                "n (Marlin, UCX, pairs)")
            report.row(add, fmt(lt["probe"], 1),
                       report.median_p99(lt[k], lt[k + "_p99"]),
                       fmt(lt["ucx"], 1), fmt(ratio(lt[k], lt["probe"])),
                       fmt(lt["ratio_ucx" if k == "marlin" else
                              "send_ratio_ucx"]),
                       report.counts(lt[n[0]], lt["n_ucx"], lt[n[1]]))
            add("")
        report.targets(add)
        for size in sizes:
            b = r["bw"][size]
            report.target(add, "write_bw %s >= 1.0 x UCX put_bw" %
                          human(size), b["marlin_write_bw_ratio_ucx"],
                          lambda q: q >= 1.0, 3)
            report.target(add, "write_bw %s >= 0.9 x copy limit" %
                          human(size), ratio(b["marlin_write_bw"],
                                             r["copy"][size]["best"]),
                          lambda q: q >= 0.9, 3)
        for what, k in (("", "marlin"), ("SEND ", "send")):
            report.target(add, "8 B %sone-way <= 1.5 x probe" % what,
                          ratio(lt[k], lt["probe"]), lambda q: q <= 1.5, 3)
            report.target(add, "8 B %sone-way <= UCX put_lat" % what,
                          lt["ratio_ucx" if k == "marlin" else
                             "send_ratio_ucx"], lambda q: q <= 1.0, 3)
        add("")

    report.placements(
        add, res, sizes,
        ("Marlin write_bw", "Marlin --consume", "--consume + NT",
         "UCX put_bw", "process_vm_writev", "write_bw / UCX",
         "write_bw / copy", "n (Marlin, UCX, pairs)"),
        bw_cells, latency_and_targets)
    add("## How the runs were made")
    add("")
    lines += hb.how_runs_were_made(runs)
    add("- probe: `marlin-perf --probe --json --probe-cores %d,%d` "
        "(UCX and process_vm_writev runs); Marlin runs print their own "
        "probe (client core to server core) before and after" %
        (a.cores[1], a.cores[0]))
    add("- process_vm_writev: `pvw_bw pvw SIZE ITERS %d %d` "
        "(scripts/bench/pvw_bw.c, built by meson with -Dbenchmarks=true)" %
        (a.cores[1], a.cores[0]))
    add("- copy limit: marlin-copy-bench pinned to core %d at the start, "
        "every 5 rounds and at the end (best of memcpy and non-temporal "
        "stores per footprint; runs with steady probes only, when there are "
        "any)" % a.cores[1])
    add("")
    hb.write_page(path, lines)


def main():
    ap = hb.new_parser(__doc__)
    hb.add_common_args(ap, 14, 3, "build-bench", "hrdma.md")
    ap.add_argument("--marlin-huge", choices=("no", "yes", "auto"),
                    default="no",
                    help="marlin-perf --huge: 'no' (default) puts Marlin's "
                    "windows in /dev/shm, 4 KiB pages like UCX's sysv "
                    "segments (UCX_SYSV_HUGETLB_MODE=n)")
    a = hb.parse_common(ap)
    cmdline = " ".join(["scripts/bench/hrdma/hrdma_bench.py"] + sys.argv[1:])

    runner = hb.Runner("hb", a.build_dir)
    runner.handle_signals()
    try:
        have_ucx = hb.ensure_ucx(runner, a.no_install)
        exe, helper, copy_bench = build(runner, a)
        sizes = [64 * 1024, MIB, 4 * MIB]
        b = hb.Bench(runner, a, exe, helper, copy_bench, have_ucx)
        started = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
        t0 = time.time()
        log("copy limit (single core)")
        b.copy_limit(sizes + ([] if a.quick else [64 * MIB]), "start")
        for rnd in range(a.rounds):
            busy, waited = hb.wait_quiet(a.quiet_wait)
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
        print(open(a.out_md).read().split(hb.ANALYSIS_MARK)[0])
        log("wrote %s and %s" % (a.out_md, a.out_json))
    finally:
        runner.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
