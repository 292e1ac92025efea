#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""testpmd over EOP vs testpmd over DPDK's net_memif, side by side.

Two dpdk-testpmd processes (Debian's), one forwarding lcore each, pinned to
cores 0 and 1, same mbuf pool and burst settings for every transport:

  eop       --vdev ntb_shm0,... --vdev net_eop0,ntb=ntb_shm0,peer=N
  memif     net_memif copy mode (server on core 0, client on core 1)
  memif_zc  net_memif with zero-copy=yes on the client (the receiver)
  eop_alt   EOP with other devargs (--alt-args) or another build
            (--alt-build), to compare settings or changes
  eop_pool  EOP with its transmit pool (tx_bufs=, rte_pmd_eop_tx_mempool):
            frames are built in the receiver's memory; testpmd cannot use
            the pool, so both sides run eop_fwd (scripts/bench/eop/eop_fwd.c,
            built with -Dbenchmarks=true), testpmd's modes on one lcore

--base names the transport the others are compared with (default eop):
--base eop_pool --peers memif_zc,eop compares the transmit pool with memif
zero-copy and with EOP under testpmd.

Scenarios: txonly -> rxonly (core 0 sends, core 1 receives) and io forward
on both sides (started with --tx-first), 64-byte and 1500-byte frames.

The two vCPUs of this machine move between a near and a far placement
every few seconds, so the transports run in short alternating rounds
(A B C, then C B A, ...), each run bracketed by the placement probe
(marlin-perf --probe --json). For each peer, the pair (EOP run, peer run)
of a round is kept only if its four probes name the same placement; the
report gives, per placement and peer, the median receive rate of each side
over the kept pairs and the EOP/peer ratios (ratio of the medians, and
median of the per-pair ratios).

    eop_bench.py [--build DIR] [--rounds N] [--secs S] [--sizes 64,1500]
                 [--modes txrx,io] [--base eop] [--peers memif,memif_zc]
                 [--tx-bufs N]
                 [--json FILE] [--md FILE]
    eop_bench.py --smoke [--build DIR]   one short EOP run; exit status 1
                                         when it measured nothing

The plugins are loaded by name through LD_LIBRARY_PATH (EAL refuses a -d
path below a world-writable directory, such as a clone under /tmp). A run
that produced no traffic prints why: the exit status and last lines of
both testpmd processes. Every process is started and ended by pid; EAL
runtime directories and fabric files are removed after each run. The
shared pieces (processes, probe, plugins) are in tests/lib/marlin_harness.
"""

import argparse
import json
import os
import re
import shutil
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from marlin_harness import bench as hb  # noqa: E402
from marlin_harness import plugins  # noqa: E402
from marlin_harness.proc import Proc  # noqa: E402
from marlin_harness.session import clean_fabric, remove_runtime  # noqa: E402
from marlin_harness.stats import median  # noqa: E402

RX_PPS = re.compile(r"Rx-pps:\s+(\d+)")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Bench:
    def __init__(self, a):
        self.a = a
        self.build = os.path.abspath(a.build)
        self.probe_bin = a.probe or hb.find_probe(self.build)
        if not self.probe_bin:
            sys.exit("no placement probe: build apps/marlin-perf (marlin-perf --probe) "
                     "or pass --probe PATH")
        self.testpmd = shutil.which("dpdk-testpmd")
        if not self.testpmd:
            sys.exit("dpdk-testpmd not found (Debian package dpdk)")
        self.shm_so, self.eop_so = self.plugins(self.build)
        self.fwd = os.path.join(self.build, "scripts", "bench", "eop", "eop_fwd")
        if "eop_pool" in [a.base] + a.peers.split(",") and not os.access(self.fwd, os.X_OK):
            sys.exit("%s missing: configure %s with -Dbenchmarks=true and build it"
                     % (self.fwd, self.build))
        if a.alt_build:
            self.plugins(os.path.abspath(a.alt_build))
        self.huge = None if a.no_huge else hb.hugetlbfs_mount()
        if not self.huge and not a.no_huge:
            sys.exit("no hugetlbfs mount (scripts/setup.sh mounts "
                     "/dev/hugepages), or run with --no-huge")
        self.runner = hb.Runner("eb", self.build)
        self.tmp = self.runner.tmp
        os.chmod(self.tmp, 0o755)
        self.seq = 0

    @staticmethod
    def plugins(build):
        shm = plugins.plugin_path(build, "ntb_shm")
        eop = plugins.plugin_path(build, "net_eop")
        for f in plugins.missing((shm, eop)):
            sys.exit("%s missing: build %s first" % (f, build))
        return shm, eop

    # ---- placement probe -------------------------------------------------
    def probe(self):
        p = hb.probe(self.runner, self.probe_bin)
        return {"ns": p["ns"], "placement": p["placement"]}

    # ---- one run ---------------------------------------------------------
    def eal(self, core, prefix, prog=None):
        mem = ["--no-huge"] if self.huge is None else [
            "--huge-dir", self.huge, "--single-file-segments"]
        return [prog or self.testpmd, "--lcores=0@(0,1),1@%d" % core,
                "--file-prefix=" + prefix, "--no-pci"] + mem + [
                "-m", str(self.a.mem), "--no-telemetry",
                "--log-level=lib.eal:error"]

    def fwd_args(self, mode, size, tx_first):
        """eop_fwd: testpmd's mode on the transmit pool; its lcore is the
        main one, pinned like testpmd's forwarding lcore."""
        args = ["--", "--mode", {"txonly": "txonly", "rxonly": "rxonly"}.get(mode, "io"),
                "--size", str(size), "--burst", "32", "--mbufs", str(self.a.mbufs),
                "--txpool"]
        if tx_first:
            args.append("--tx-first")
        return args

    def pmd_args(self, mode, size, tx_first):
        args = ["--", "--nb-cores=1", "--total-num-mbufs=%d" % self.a.mbufs,
                "--stats-period=1", "--burst=32", "--txpkts=%d" % size,
                "--forward-mode=" + mode]
        if tx_first:
            args.append("--tx-first")
        return args

    def cmds(self, transport, scen, size):
        self.seq += 1
        tag = "eb%d_%d" % (os.getpid(), self.seq)
        pa, pb = tag + "a", tag + "b"
        self.runner.prefixes += [pa, pb]
        env = {}
        if scen == "txrx":
            ma, mb, tfa, tfb = "txonly", "rxonly", False, False
        else:
            ma, mb, tfa, tfb = "io", "io", True, True
        if transport in ("eop", "eop_alt", "eop_pool"):
            extra = self.a.alt_args if transport == "eop_alt" else self.a.eop_args
            if transport == "eop_pool":
                extra += ",tx_bufs=%d" % self.a.tx_bufs
            shm_so, eop_so = self.shm_so, self.eop_so
            if transport == "eop_alt" and self.a.alt_build:
                shm_so, eop_so = self.plugins(os.path.abspath(self.a.alt_build))
            fab = self.runner.add_fabric(tag, self.fabric_dir())
            # by name through LD_LIBRARY_PATH: EAL refuses a -d path below
            # a world-writable directory (a clone under /tmp)
            dargs, env = plugins.load_args([shm_so, eop_so])
            env.update(plugins.sanitizer_env(eop_so))
            va = []
            for h in (0, 1):
                va.append(dargs + [
                           "--vdev", "ntb_shm0,fabric=%s,host=%d,hosts=2,mw_count=1,"
                           "mw_size=%s,dir=%s" % (fab, h, self.a.mw_size,
                                                  self.fabric_dir()),
                           "--vdev", "net_eop0,ntb=ntb_shm0,peer=%d,queues=1%s"
                           % (1 - h, extra)])
        else:
            sock = os.path.join(self.tmp, tag + ".sock")
            zc = ",zero-copy=yes" if transport == "memif_zc" else ""
            va = [["--vdev", "net_memif0,role=server,socket=%s,socket-abstract=no"
                   % sock],
                  ["--vdev", "net_memif0,role=client,socket=%s,socket-abstract=no%s"
                   % (sock, zc)]]
        if transport == "eop_pool":
            # eop_fwd runs its loop on the main lcore: pin that one
            a = self.eal(0, pa, self.fwd) + va[0] + self.fwd_args(ma, size, tfa)
            b = self.eal(1, pb, self.fwd) + va[1] + self.fwd_args(mb, size, tfb)
            for c, core in ((a, 0), (b, 1)):
                c[1] = "--lcores=0@%d" % core
        else:
            a = self.eal(0, pa) + va[0] + self.pmd_args(ma, size, tfa)
            b = self.eal(1, pb) + va[1] + self.pmd_args(mb, size, tfb)
        return a, b, env

    def fabric_dir(self):
        return self.huge or "/dev/shm"

    def start(self, name, cmd, env):
        """A testpmd process; its Rx-pps samples collect in p.pps."""
        pps = []

        def rx_pps(line):
            m = RX_PPS.search(line)
            if m:
                pps.append(int(m.group(1)))
        p = Proc(self.runner, name, cmd, env=env, stdin=False, cwd="/",
                 on_line=rx_pps)
        p.pps = pps
        return p

    def stop(self, p):
        p.stop(signal.SIGINT, timeout=8)

    def cleanup_files(self):
        remove_runtime(self.runner.prefixes, self.huge)
        self.runner.prefixes = []
        for name, parent in self.runner.fabrics:
            clean_fabric(name, parent, self.runner.tool)
        self.runner.fabrics = []

    def run(self, transport, scen, size):
        """Median receive rate (packets/s) of core 1's process, or None."""
        ca, cb, env = self.cmds(transport, scen, size)
        # memif: the server (core 0) must listen before the client connects
        pa = self.start("core-0", ca, env)
        time.sleep(0.8)
        pb = self.start("core-1", cb, env)
        need = self.a.secs + 1
        deadline = time.time() + 20 + self.a.secs
        val = None
        try:
            while time.time() < deadline:
                live = [x for x in pb.pps]
                nz = [i for i, v in enumerate(live) if v > 0]
                if nz and len(live) - nz[0] >= need:
                    samples = live[nz[0] + 1: nz[0] + 1 + self.a.secs]
                    val = median(samples)
                    break
                if not pa.alive() or not pb.alive():
                    break
                time.sleep(0.2)
        finally:
            self.stop(pb)
            self.stop(pa)
            self.runner.procs = [x for x in self.runner.procs
                                 if x not in (pa, pb)]
            self.cleanup_files()
        if val is None:
            log("  %s %s %dB: no steady traffic (%s)" % (
                transport, scen, size, no_traffic_reason(pa, pb)))
        return val

    def close(self):
        self.runner.cleanup()


# lines in which EAL, drivers and testpmd say what went wrong
PROBLEM = re.compile(r"error|fail|refus|cannot|can't|not found|unknown|"
                     r"invalid|insecure|world-writable|no probed|no such|"
                     r"denied|missing|out of range|required|not a |"
                     r"link (is )?down", re.I)


def no_traffic_reason(*procs):
    """Why a run moved nothing, in the processes' own words: the exit
    status of each, the lines where it reported a problem, its last
    lines."""
    out = []
    for p in procs:
        rc = p.proc.poll()
        state = "still running" if rc is None else "exited with status %d" % rc
        lines = [l.strip() for l in p.lines() if l.strip()]
        problems = []
        for l in lines:
            if PROBLEM.search(l) and l not in problems:
                problems.append(l)
        text = "%s (%s) %s" % (p.name, os.path.basename(p.args[0]), state)
        if problems:
            text += "; it reported:\n      " + "\n      ".join(problems[-8:])
        text += "\n    last lines of %s:\n      %s" % (
            p.name, "\n      ".join(lines[-4:]) if lines else
            "(it printed nothing)")
        out.append(text)
    return "Rx-pps samples of core-1: %s\n    %s" % (
        procs[-1].pps or "none", "\n    ".join(out))


def run_placement(rec, t):
    """Placement of one run: both of its probes must agree."""
    pl = {p["placement"] for p in rec["probes"][t]}
    return pl.pop() if len(pl) == 1 else None


def summarize(rounds, transports):
    """Per peer and placement: pairs (EOP run, peer run) of one round whose
    four probes agree; medians of each side and the ratios."""
    out = {}
    base = transports[0]
    for t in transports[1:]:
        for pl in ("near", "far"):
            pairs = [(r["pps"][base], r["pps"][t]) for r in rounds
                     if r["pps"].get(base) and r["pps"].get(t) and
                     run_placement(r, base) == pl and run_placement(r, t) == pl]
            if not pairs:
                continue
            e = median([p[0] for p in pairs]) / 1e6
            m = median([p[1] for p in pairs]) / 1e6
            out.setdefault(pl, {})[t] = {
                "pairs": len(pairs), "eop_mpps": e, "peer_mpps": m,
                "ratio_of_medians": e / m,
                "median_ratio": median([p[0] / p[1] for p in pairs])}
    return out


TARGETS = [
    # (scenario, size, minimum EOP/memif ratio)
    ("txrx", 64, 1.0), ("io", 64, 1.0), ("txrx", 1500, 1.2), ("io", 1500, 1.2),
]


def render_md(results, transports, meta):
    """The benchmark page: method, tables per placement, targets."""
    out = []
    out.append("# EOP benchmark: testpmd over EOP vs testpmd over net_memif")
    out.append("")
    out.append("Generated by `scripts/bench/eop/eop_bench.py`; raw runs in `eop.json`.")
    out.append("")
    out.append("- command: `%s`" % meta["command"])
    out.append("- when: %s, %d s; git %s" % (meta["when"], meta["secs"], meta["git"]))
    out.append("- machine: %s, %d CPUs; sender (or left io side) on core 0, receiver on core 1"
               % (meta["cpu"], os.cpu_count() or 0))
    out.append("- load average during the runs: median %.2f, max %.2f (other work shares "
               "these two vCPUs)" % (meta["load_med"], meta["load_max"]))
    out.append("- per run: two Debian `dpdk-testpmd` 22.11 processes, one forwarding lcore "
               "each, `-m %d --single-file-segments` hugepages, `--total-num-mbufs=%d "
               "--burst=32`, same for every transport; EOP: `net_eop0,...,queues=1%s` over "
               "`ntb_shm` (`hosts=2,mw_count=1,mw_size=%s`, hugetlbfs); memif: copy mode "
               "(server core 0, client core 1), memif_zc: `zero-copy=yes` on the client "
               "(the receiver in txonly->rxonly)" % (meta["mem"], meta["mbufs"],
                                                    meta["eop_args"], meta["mw_size"]))
    out.append("- figure: median over %d one-second `Rx-pps` samples of the core-1 process, "
               "after the first non-zero one; Mpps. The EOP column is the median of the "
               "EOP runs of the kept memif pairs (of the memif_zc pairs when there are none)"
               % meta["samples"])
    out.append("- placement: near < 80 ns <= far, from `marlin-perf --probe` just before "
               "and after each run; transports alternate within a round (A B C, then "
               "C B A); a pair (EOP run, peer run) of one round is kept when its four "
               "probes agree; n = kept pairs / rounds")
    out.append("")
    for pl in ("near", "far"):
        out.append("## Placement: %s" % pl)
        out.append("")
        out.append("| scenario | frame | EOP Mpps | memif Mpps | EOP / memif | n | "
                   "memif_zc Mpps | EOP / memif_zc | n |")
        out.append("|---|---|---|---|---|---|---|---|---|")
        for res in results:
            scen = "txonly -> rxonly" if res["scenario"] == "txrx" else "io <-> io (tx_first)"
            row = ["%s" % scen, "%d B" % res["size"]]
            sm = res["summary"].get(pl, {})
            m, z = sm.get("memif"), sm.get("memif_zc")
            eop = m["eop_mpps"] if m else (z["eop_mpps"] if z else None)
            row.append("%.2f" % eop if eop is not None else "-")
            for t, v in (("memif", m), ("memif_zc", z)):
                if t not in transports:
                    row += ["-", "-", "-"]
                    continue
                if v:
                    row += ["%.2f" % v["peer_mpps"],
                            "%.2fx (pairs: %.2fx)" % (v["ratio_of_medians"], v["median_ratio"]),
                            "%d/%d" % (v["pairs"], len(res["rounds"]))]
                else:
                    row += ["-", "-", "0/%d" % len(res["rounds"])]
            out.append("| " + " | ".join(row) + " |")
        out.append("")
    out.append("## Targets (EOP / memif copy mode, ratio of medians)")
    out.append("")
    out.append("| scenario | frame | target | near | far |")
    out.append("|---|---|---|---|---|")
    for scen, size, tgt in TARGETS:
        res = [r for r in results if r["scenario"] == scen and r["size"] == size]
        cells = []
        for pl in ("near", "far"):
            v = res[0]["summary"].get(pl, {}).get("memif") if res else None
            if not v:
                cells.append("no data")
            else:
                r = v["ratio_of_medians"]
                cells.append("%.2fx %s" % (r, "met" if r >= tgt else "**MISSED**"))
        out.append("| %s | %d B | >= %.1fx | %s | %s |" % (
            "txonly -> rxonly" if scen == "txrx" else "io <-> io", size, tgt,
            cells[0], cells[1]))
    out.append("")
    return "\n".join(out)


def render_files(a):
    """Pool the rounds of one or more earlier runs (--render A.json,B.json)
    per scenario and write the page."""
    pooled, metas = {}, []
    for path in a.render.split(","):
        with open(path) as f:
            raw = json.load(f)
        if isinstance(raw, list):       # results without their header
            raw = {"results": raw, "meta": {}}
        metas.append(raw["meta"])
        for res in raw["results"]:
            key = (res["scenario"], res["size"])
            pooled.setdefault(key, []).extend(res["rounds"])
    trs = [a.base] + [p for p in a.peers.split(",") if p and p != a.base]
    results = [{"scenario": k[0], "size": k[1], "rounds": v,
                "summary": summarize(v, trs)} for k, v in pooled.items()]
    known = [m for m in metas if m]
    base = dict(known[-1]) if known else {
        **hb.machine(), "mem": a.mem, "mbufs": a.mbufs,
        "eop_args": a.eop_args, "mw_size": a.mw_size, "samples": a.secs}
    base["command"] = "; ".join(m.get("command", "?") for m in known) or "?"
    base["when"] = ", ".join(m.get("when", "?") for m in known) or "?"
    base["secs"] = sum(m.get("secs", 0) for m in known)
    base["load_med"] = max((m.get("load_med", 0) for m in known), default=0)
    base["load_max"] = max((m.get("load_max", 0) for m in known), default=0)
    if len(metas) > 1:
        base["command"] += " (%d runs pooled: %s)" % (len(metas), a.render)
    text = render_md(results, trs, base)
    if a.md:
        with open(a.md, "w") as f:
            f.write(text)
    else:
        print(text)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"meta": base, "results": results}, f, indent=1)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(SRC, "build-eop"))
    ap.add_argument("--probe", help="marlin-perf binary (default: search build*/)")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--secs", type=int, default=3, help="1-s samples per run")
    ap.add_argument("--sizes", default="64,1500")
    ap.add_argument("--modes", default="txrx,io")
    ap.add_argument("--peers", default="memif,memif_zc")
    ap.add_argument("--base", default="eop",
                    help="transport the peers are compared with (eop, eop_pool)")
    ap.add_argument("--tx-bufs", type=int, default=1024,
                    help="eop_pool: tx_bufs= of both ports")
    ap.add_argument("--mw-size", default="16M")
    ap.add_argument("--mem", type=int, default=128, help="EAL -m per process (MB)")
    ap.add_argument("--mbufs", type=int, default=16384, help="testpmd --total-num-mbufs")
    ap.add_argument("--eop-args", default="", help="extra net_eop devargs, e.g. ,depth=512")
    ap.add_argument("--alt-args", default="",
                    help="net_eop devargs of peer 'eop_alt' (to compare settings)")
    ap.add_argument("--alt-build", help="build directory whose plugins 'eop_alt' loads")
    ap.add_argument("--json", help="write raw results here")
    ap.add_argument("--md", help="write the markdown tables here")
    ap.add_argument("--render", metavar="JSON",
                    help="only write --md from the raw results of an earlier run")
    ap.add_argument("--no-huge", action="store_true",
                    help="EAL --no-huge and the fabric in /dev/shm (no "
                    "hugetlbfs needed; slower)")
    ap.add_argument("--smoke", action="store_true",
                    help="one short EOP run (txonly -> rxonly, 64 B, no "
                    "peers, --no-huge); exit status 1 when it measured "
                    "nothing")
    a = ap.parse_args()
    if a.render:
        return render_files(a)
    if a.smoke:
        a.rounds, a.secs, a.sizes, a.modes, a.peers = 1, 2, "64", "txrx", ""
        a.no_huge = True
    if a.eop_args and not a.eop_args.startswith(","):
        a.eop_args = "," + a.eop_args
    if a.alt_args and not a.alt_args.startswith(","):
        a.alt_args = "," + a.alt_args

    transports = [a.base] + [p for p in a.peers.split(",") if p and p != a.base]
    b = Bench(a)
    results = []
    t_start = time.time()
    loads = []
    try:
        for scen in a.modes.split(","):
            for size in [int(x) for x in a.sizes.split(",")]:
                rounds = []
                for r in range(a.rounds):
                    order = transports if r % 2 == 0 else list(reversed(transports))
                    rec = {"round": r, "pps": {}, "probes": {}}
                    for t in order:
                        loads.append(os.getloadavg()[0])
                        before = b.probe()
                        v = b.run(t, scen, size)
                        after = b.probe()
                        rec["pps"][t] = v
                        rec["probes"][t] = [before, after]
                        log("%-4s %4dB round %d %-8s %7s Mpps  probes %s/%s (%s/%s ns)"
                            % (scen, size, r, t,
                               "%.2f" % (v / 1e6) if v else "-",
                               before["placement"], after["placement"],
                               before["ns"], after["ns"]))
                    rounds.append(rec)
                results.append({"scenario": scen, "size": size, "rounds": rounds,
                                "summary": summarize(rounds, transports)})
    finally:
        b.close()

    lines = []
    lines.append("| scenario | size | placement | peer | kept pairs | %s Mpps | peer Mpps "
                 "| %s/peer (ratio of medians) | %s/peer (median of pair ratios) |"
                 % ((a.base,) * 3))
    lines.append("|---|---|---|---|---|---|---|---|---|")
    for res in results:
        scen = "txonly->rxonly" if res["scenario"] == "txrx" else "io<->io"
        for pl in ("near", "far"):
            for t in transports[1:]:
                s = res["summary"].get(pl, {}).get(t)
                if s is None:
                    lines.append("| %s | %d B | %s | %s | 0/%d | - | - | - | - |" % (
                        scen, res["size"], pl, t, len(res["rounds"])))
                    continue
                lines.append("| %s | %d B | %s | %s | %d/%d | %.2f | %.2f | %.2fx | %.2fx |" % (
                    scen, res["size"], pl, t, s["pairs"], len(res["rounds"]),
                    s["eop_mpps"], s["peer_mpps"], s["ratio_of_medians"],
                    s["median_ratio"]))
    table = "\n".join(lines)
    print(table)
    meta = {"command": " ".join(["scripts/bench/eop/eop_bench.py"] + sys.argv[1:]),
                "when": time.strftime("%Y-%m-%d %H:%M", time.localtime(t_start)),
                "secs": int(time.time() - t_start), **hb.machine(),
                "load_med": median(loads) or 0,
                "load_max": max(loads) if loads else 0, "mem": a.mem, "mbufs": a.mbufs,
                "eop_args": a.eop_args, "mw_size": a.mw_size, "samples": a.secs}
    if a.md:
        with open(a.md, "w") as f:
            f.write(render_md(results, transports, meta))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"meta": meta, "results": results}, f, indent=1)
    if a.smoke:
        got = [rec["pps"].get(a.base) for res in results for rec in res["rounds"]]
        if not all(got):
            log("smoke: EOP measured nothing (see above)")
            return 1
        log("smoke: EOP received %s packets/s" % got)
    return 0


if __name__ == "__main__":
    sys.exit(main())
