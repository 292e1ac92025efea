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
  * Marlin write_lat 8 B (WRITE_NOTIFY), send_lat 8 B (SEND), CMMC 8 B
    write with notification (scripts/bench/cmmc/cmmc_perf lat) and UCX
    ucp_put_lat 8 B, alternated;
  * the floor (scripts/bench/hrdma/line_floor.c): one cache line per
    direction between two pinned processes and nothing else (modes line
    and ring), beside the probe's own pattern (bounce), and a ring of
    HRDMA's descriptors checked on a private copy (desc: the least a
    checked notification costs), each bracketed by probes;
  * process_vm_writev bandwidth (scripts/bench/pvw_bw.c);
and, at the start, every 5 rounds and at the end, the single-core copy
limit at the same footprints (drivers/dma/cpu's marlin-copy-bench, or pvw_bw's memcpy loop).

    scripts/bench/hrdma/hrdma_bench.py [--rounds N] [--quick] [--build-dir DIR]
                           [--out-md FILE] [--out-json FILE] [--cores S,C]
                           [--no-build] [--no-install] [--quiet-wait S]
                           [--lat-only]

--lat-only measures only the 8-byte latencies and the floor (no bandwidth,
process_vm_writev or copy limit runs): about 30 s a round.

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
sys.path.insert(0, os.path.join(TOP, "scripts", "bench", "cmmc"))
from marlin_harness import bench as hb  # noqa: E402
from marlin_harness.bench import NEAR_NS, settled  # noqa: E402
from marlin_harness import report  # noqa: E402
from marlin_harness.stats import (  # noqa: E402
    MIB, fmt, human, median as med, ratio)
from marlin_harness import plugins  # noqa: E402
import cmmc_bench  # noqa: E402

log = hb.logger("bench")


def build(runner, a):
    """marlin-perf, pvw_bw and (when built) marlin-copy-bench."""
    hb.build(runner, a.build_dir, a.no_build, ["-Dtests=false",
                                                "-Dexamples=false"])
    exe = hb.bench_program(a.build_dir, "apps", "marlin-perf", "marlin-perf")
    helper = hb.bench_program(a.build_dir, "scripts", "bench", "pvw_bw")
    copy_bench = hb.bench_program(a.build_dir, "drivers", "dma", "cpu",
                                  "marlin-copy-bench", required=False)
    floor = hb.bench_program(a.build_dir, "scripts", "bench", "hrdma",
                             "line_floor")
    cmmc_perf = hb.bench_program(a.build_dir, "scripts", "bench", "cmmc",
                                 "cmmc_perf", required=False)
    return exe, helper, copy_bench, floor, cmmc_perf


# line_floor modes run each round: the probe's pattern, one line per
# direction, a ring of lines, and a ring of HRDMA's descriptors checked on a
# private copy with nothing else (what a notification costs at the least).
FLOOR_MODES = ("bounce", "line", "ring", "desc")


def floor_run(b, floor, mode, iters, rnd):
    """line_floor MODE between the client's core and the server's,
    bracketed by probes."""
    cmd = [floor, mode, str(iters), str(b.client_core), str(b.server_core)]
    before = b.probe()
    rc, out, err = b.runner.run(cmd, timeout=60)
    after = b.probe()
    try:
        d = json.loads(out.strip().splitlines()[-1])
        # the median of single round trips, as marlin-perf and ucx_perftest
        # report (one_way_ns, the median of 1000-trip batch means, carries
        # the tail: 20-60 ns more here)
        value = d.get("median_ns", d.get("one_way_ns"))
        why = d.get("error")
    except (ValueError, IndexError):
        value, why = None, "rc %s: %s" % (rc, err.strip()[-200:])
    return b.record("floor_" + mode, 8, value, before, after,
                    {"cmd": " ".join(cmd)}, rnd,
                    error=why if value is None else None)


def lat_runs(b, rnd, quick, floor, cmmc):
    """The 8-byte latency runs of a round: HRDMA WRITE_NOTIFY and SEND,
    CMMC notify (when a session runs), and the floor modes. UCX put_lat is
    added by the harness; the order alternates by round."""
    lat_iters = 50000 if quick else 200000
    runs = [lambda: b.marlin("marlin_write_lat", "write_lat", 8, lat_iters,
                             [], rnd),
            lambda: b.marlin("marlin_send_lat", "send_lat", 8, lat_iters,
                             [], rnd)]
    if cmmc is not None:
        runs.append(lambda: cmmc_bench.cmmc_run(b, cmmc, "cmmc_lat", "lat", 8,
                                                lat_iters, rnd))
    for mode in FLOOR_MODES:
        runs.append(lambda m=mode: floor_run(b, floor, m, lat_iters, rnd))
    return runs, lat_iters


def run_lat_round(b, rnd, quick, floor, cmmc):
    runs, lat_iters = lat_runs(b, rnd, quick, floor, cmmc)
    hb.latency_round(b, rnd, runs, lat_iters)


# ---- the plan --------------------------------------------------------------

def iters_for(size, quick):
    # ~0.1-0.3 s per run: short enough to stay within one placement
    base = {64 * 1024: 40000, MIB: 4000, 4 * MIB: 1200}.get(size, 2000)
    return max(base // (4 if quick else 1), 50)


def run_round(b, rnd, sizes, quick, floor, cmmc):
    own_lat, lat_iters = lat_runs(b, rnd, quick, floor, cmmc)
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
        own_lat, lat_iters, lambda size: max(iters_for(size, quick) // 4, 20))


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
        for mode in FLOOR_MODES:
            fl = hb.by_round(ok, "floor_" + mode, pl)
            res["lat"]["floor_" + mode] = med([r["value"]
                                               for r in fl.values()])
            res["lat"]["n_floor_" + mode] = len(fl)
        cm = hb.by_round(ok, "cmmc_lat", pl)
        res["lat"]["cmmc"] = med([r["value"] for r in cm.values()])
        res["lat"]["cmmc_p99"] = med([r.get("p99_ns") for r in cm.values()])
        res["lat"]["n_cmmc"] = len(cm)
        res["lat"]["cmmc_ratio_hrdma"], res["lat"]["cmmc_pairs"] = \
            hb.paired_ratio(cm, hb.by_round(ok, "marlin_write_lat", pl))
        out[pl] = res
    return out


def lat_more(add, lt):
    """The floor and CMMC rows of one placement's latency section."""
    add("| probe (cache line) | floor: bounce | floor: line | floor: ring "
        "| floor: desc | write_lat / line | send_lat / line | UCX / line | "
        "write_lat / desc | UCX / desc | n (bounce, line, ring, desc) |")
    add("|---|---|---|---|---|---|---|---|---|---|---|")
    fl, fd = lt["floor_line"], lt["floor_desc"]

    def over(x, f=fl):
        return fmt(x / f if x and f else None)
    add("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d, %d, %d, %d |" % (
        fmt(lt["probe"], 1), fmt(lt["floor_bounce"], 1), fmt(fl, 1),
        fmt(lt["floor_ring"], 1), fmt(fd, 1), over(lt["marlin"]),
        over(lt["send"]), over(lt["ucx"]), over(lt["marlin"], fd),
        over(lt["ucx"], fd), lt["n_floor_bounce"], lt["n_floor_line"],
        lt["n_floor_ring"], lt["n_floor_desc"]))
    add("")
    add("| CMMC notify median (p99) | HRDMA write_lat median | "
        "CMMC / HRDMA (paired) | n (CMMC, pairs) |")
    add("|---|---|---|---|")
    add("| %s (%s) | %s | %s | %d, %d |" % (
        fmt(lt["cmmc"], 1), fmt(lt["cmmc_p99"], 1), fmt(lt["marlin"], 1),
        fmt(lt["cmmc_ratio_hrdma"]), lt["n_cmmc"], lt["cmmc_pairs"]))
    add("")


# Latency kinds compared in every run, whatever the probes said.
ANY_PLACEMENT = (("marlin_write_lat", "ucx_put_lat", "WRITE_NOTIFY / UCX put_lat"),
                 ("marlin_send_lat", "ucx_put_lat", "SEND / UCX put_lat"),
                 ("cmmc_lat", "marlin_write_lat", "CMMC notify / HRDMA write_lat"),
                 ("floor_desc", "ucx_put_lat", "desc floor / UCX put_lat"),
                 ("marlin_write_lat", "floor_desc", "WRITE_NOTIFY / desc floor"))


def any_placement(add, runs):
    """All runs of a kind, kept or not: when every probe was unsteady the
    placement tables are empty and this is what is left. Each round's
    median of one kind against the other's, then the median of those."""
    def per_round(kind):
        got = {}
        for r in runs:
            if r["kind"] == kind and r.get("value") is not None:
                got.setdefault(r["round"], []).append(r["value"])
        return {k: med(v) for k, v in got.items()}

    rows = []
    for mine, peer, name in ANY_PLACEMENT:
        m, p = per_round(mine), per_round(peer)
        both = sorted(set(m) & set(p))
        if not both:
            continue
        rows.append("| %s | %s | %s | %s | %s (%d) |" % (
            name, fmt(med(list(m.values())), 1), fmt(med(list(p.values())), 1),
            fmt(ratio(med(list(m.values())), med(list(p.values())))),
            fmt(med([m[k] / p[k] for k in both if p[k]])), len(both)))
    if not rows:
        return
    add("## Every run, any placement")
    add("")
    add("Medians of the per-round medians of every run, probes steady or "
        "not, and the median of the per-round ratios (rounds).")
    add("")
    add("| 8 B one-way | median, ns | against, ns | ratio of medians | "
        "median of round ratios (rounds) |")
    add("|---|---:|---:|---:|---:|")
    for row in rows:
        add(row)
    add("")


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
        lat_more(add, lt)
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
        report.target(add, "8 B CMMC notify <= 1.1 x HRDMA write_lat",
                      lt["cmmc_ratio_hrdma"], lambda q: q <= 1.1, 3)
        add("")

    report.placements(
        add, res, sizes,
        ("Marlin write_bw", "Marlin --consume", "--consume + NT",
         "UCX put_bw", "process_vm_writev", "write_bw / UCX",
         "write_bw / copy", "n (Marlin, UCX, pairs)"),
        bw_cells, latency_and_targets)
    any_placement(add, runs)
    add("## How the runs were made")
    add("")
    lines += hb.how_runs_were_made(runs)
    add("- probe: `marlin-perf --probe --json --probe-cores %d,%d` "
        "(UCX and process_vm_writev runs); Marlin runs print their own "
        "probe (client core to server core) before and after" %
        (a.cores[1], a.cores[0]))
    add("- floor: `line_floor MODE ITERS %d %d` "
        "(scripts/bench/hrdma/line_floor.c, built by meson with "
        "-Dbenchmarks=true), bracketed by probes" % (a.cores[1], a.cores[0]))
    if sizes:
        add("- process_vm_writev: `pvw_bw pvw SIZE ITERS %d %d` "
            "(scripts/bench/pvw_bw.c, built by meson with "
            "-Dbenchmarks=true)" % (a.cores[1], a.cores[0]))
        add("- copy limit: marlin-copy-bench pinned to core %d at the start, "
            "every 5 rounds and at the end (best of memcpy and non-temporal "
            "stores per footprint; runs with steady probes only, when there "
            "are any)" % a.cores[1])
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
    ap.add_argument("--lat-only", action="store_true",
                    help="only the 8-byte latencies and the floor (no "
                    "bandwidth, process_vm_writev or copy-limit runs)")
    a = hb.parse_common(ap)
    cmdline = " ".join(["scripts/bench/hrdma/hrdma_bench.py"] + sys.argv[1:])

    runner = hb.Runner("hb", a.build_dir)
    runner.handle_signals()
    try:
        have_ucx = hb.ensure_ucx(runner, a.no_install)
        exe, helper, copy_bench, floor, cmmc_perf = build(runner, a)
        sizes = [] if a.lat_only else [64 * 1024, MIB, 4 * MIB]
        b = hb.Bench(runner, a, exe, helper, copy_bench, have_ucx)
        cmmc = None
        if cmmc_perf is not None:
            # CMMC notify: two cmmc_perf hosts idle between runs
            cmmc = cmmc_bench.Session(runner, cmmc_perf,
                                      plugins.build_env(a.build_dir), "c",
                                      a.cores, None)
        started = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
        t0 = time.time()
        if sizes:
            log("copy limit (single core)")
            b.copy_limit(sizes + ([] if a.quick else [64 * MIB]), "start")
        for rnd in range(a.rounds):
            busy, waited = hb.wait_quiet(a.quiet_wait)
            b.quiet.append({"round": rnd, "busy": busy, "waited_s": waited})
            log("round %d/%d (others kept %.0f%% of the CPUs busy%s)" % (
                rnd + 1, a.rounds, 100 * busy,
                ", after waiting %.0f s" % waited if waited > 1 else ""))
            if a.lat_only:
                run_lat_round(b, rnd, a.quick, floor, cmmc)
                continue
            run_round(b, rnd, sizes, a.quick, floor, cmmc)
            if rnd % 5 == 4 and rnd + 1 < a.rounds:
                log("copy limit (single core)")
                b.copy_limit(sizes, "round %d" % (rnd + 1))
        if sizes:
            log("copy limit (single core), again")
            b.copy_limit(sizes + ([] if a.quick else [64 * MIB]), "end")
        if cmmc is not None:
            cmmc.close()
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
