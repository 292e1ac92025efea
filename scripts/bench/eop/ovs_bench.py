#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""Two Open vSwitch (DPDK datapath) instances joined by EOP vs joined by a
net_memif port pair: TCP throughput, retransmits and ping latency between
network namespaces.

Each run builds the setup the OVS test and recipe use (one ovsdb-server and
ovs-vswitchd-dpdk per host, each in its own namespace with its bridge's
internal port br0 there, lcore and PMD thread on core 0 for host 0 and core
1 for host 1; tests/lib/marlin_harness/ovs.py), with one of:

  eop     --vdev ntb_shm0,... in dpdk-extra; port net_eop0,ntb=ntb_shm0,peer=N
  memif   port net_memif0,role=server (host 0) / role=client (host 1) on a
          socket file both namespaces see (socket-abstract=no), n_rxq=2 on
          both (OVS gives a port a tx queue per PMD thread plus one, and
          memif wants as many rx queues on the other side)

then ping (--ping-count echoes, 50 ms apart: min/avg/max), iperf3 TCP for
--secs seconds (rate, retransmits), and takes it down. Transports alternate
within a round (A B, then B A), each run bracketed by the placement probe
(marlin-perf --probe); a pair (EOP run, memif run) of one round counts for
a placement when its four probes name it. The report gives per placement
the medians and the EOP/memif ratios over the kept pairs.

    ovs_bench.py [--build-dir DIR] [--rounds N] [--secs S] [--ping-count N]
                 [--txqueuelen N] [--json FILE]

Needs root (namespaces), openvswitch-switch-dpdk (installed through
scripts/setup.sh --with-ovs when missing), iperf3 and 256 MiB of free
hugepages. Run it alone: `flock /work/bench.lock scripts/bench/eop/ovs_bench.py`.
"""

import json
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from marlin_harness import bench as hb  # noqa: E402
from marlin_harness import netns, ovs, plugins  # noqa: E402
from marlin_harness.proc import Fail, Skip  # noqa: E402
from marlin_harness.session import clean_fabric  # noqa: E402
from marlin_harness.stats import median  # noqa: E402

log = hb.logger("ovs")
TRANSPORTS = ("eop", "memif")


class OvsBench:
    def __init__(self, a):
        self.a = a
        self.runner = hb.Runner("ob", a.build_dir)
        self.probe_bin = hb.find_probe(a.build_dir)
        if not self.probe_bin:
            sys.exit("no placement probe: build apps/marlin-perf in %s" % a.build_dir)
        so = [plugins.plugin_path(a.build_dir, n) for n in ("ntb_shm", "net_eop")]
        gone = plugins.missing(so)
        if gone:
            sys.exit("plugins not built: %s" % ", ".join(gone))
        self.dargs, env = plugins.load_args(so)
        self.env = dict(env, **plugins.sanitizer_env(so[1]))
        self.n = 0
        self.fabric = None
        self.nss = []

    def probe(self):
        return hb.probe(self.runner, self.probe_bin)

    def hosts(self, transport, hs):
        """The two OVS hosts of one run, bridges and ports up, in @hs (also
        when one fails to start: the caller stops what is there)."""
        self.n += 1
        tag = "%s%d" % (transport, self.n)
        d = self.runner.tmpdir(under="/dev/shm")
        self.fabric = ("ob%d%s" % (os.getpid(), tag), d)
        self.nss = netns.make_netns(self.runner, "ob" + tag, 2)
        for h in (0, 1):
            extra = "--file-prefix=%s" % self.runner.prefix("%s_%d" % (tag, h))
            if transport == "eop":
                fab = self.runner.add_fabric(*self.fabric)
                extra += (" %s --vdev ntb_shm0,fabric=%s,host=%d,hosts=2,mw_count=1,"
                          "mw_size=%s,dir=%s" % (" ".join(self.dargs), fab, h,
                                                 self.a.mw_size, d))
                port = "net_eop0,ntb=ntb_shm0,peer=%d" % (1 - h)
                opts = ()
            else:
                port = ("net_memif0,role=%s,socket=%s/memif.sock,socket-abstract=no"
                        % ("server" if h == 0 else "client", d))
                opts = ("n_rxq=2",)
            o = ovs.OvsHost(self.runner, h, self.nss[h], extra, self.env, tag=tag)
            hs.append(o)
            o.bridge("10.81.0.%d/24" % (h + 1), "p0", port, opts,
                     txqueuelen=self.a.txqueuelen)
        for o in hs:
            o.wait_link("p0", 30)

    def run(self, transport):
        """One measurement: {ping, mbps, retransmits, pct, lost} or
        {error}."""
        hs = []
        try:
            self.hosts(transport, hs)
            # first echoes resolve ARP and warm the path: not counted
            netns.ns_ping(self.nss[0], "10.81.0.2", 3, quiet=True)
            ping = netns.ns_ping(self.nss[0], "10.81.0.2", self.a.ping_count,
                                 interval=0.05, quiet=True)
            res = netns.iperf3(self.runner, self.nss, "10.81.0.2", self.a.secs)
            lost = {}
            for o in hs:
                for ifc in ("p0", "br0"):
                    st = o.stats(ifc)
                    lost["h%d %s" % (o.h, ifc)] = (
                        st.get("tx_dropped", 0) + st.get("rx_dropped", 0))
                lost["h%d kernel br0 tx" % o.h] = netns.link_drops(o.ns, "br0")[1] or 0
            return {"ping": ping, "mbps": res["mbps"], "retransmits": res["retransmits"],
                    "pct": res["pct"], "segments": res["segments"], "lost": lost}
        except (Fail, Skip) as e:
            return {"error": str(e)[-600:]}
        finally:
            for o in hs:
                o.stop()
            if self.fabric:
                clean_fabric(self.fabric[0], self.fabric[1], self.runner.tool)
            for ns in self.nss:
                netns.del_netns(self.runner, ns)

    def close(self):
        self.runner.cleanup()


def placement_of(rec, t):
    pl = {p["placement"] for p in rec["probes"][t]}
    return pl.pop() if len(pl) == 1 else None


def summarize(rounds):
    """Per placement: kept pairs, medians of each side, ratios."""
    out = {}
    for pl in ("near", "far"):
        pairs = [r for r in rounds
                 if all("mbps" in r["res"].get(t, {}) and placement_of(r, t) == pl
                        for t in TRANSPORTS)]
        if not pairs:
            continue
        s = {"pairs": len(pairs)}
        for t in TRANSPORTS:
            s[t] = {"mbps": median([r["res"][t]["mbps"] for r in pairs]),
                    "pct": median([r["res"][t]["pct"] for r in pairs]),
                    "retransmits": median([r["res"][t]["retransmits"] for r in pairs]),
                    "ping_avg": median([r["res"][t]["ping"].get("avg", 0) for r in pairs]),
                    "ping_min": median([r["res"][t]["ping"].get("min", 0) for r in pairs])}
        s["mbps_ratio"] = median([r["res"]["eop"]["mbps"] / r["res"]["memif"]["mbps"]
                                  for r in pairs])
        out[pl] = s
    return out


def render(summary, rounds, meta):
    lines = ["- command: `%s`" % meta["command"],
             "- when: %s, %.0f s, %d rounds; git %s; load average median %.2f, max %.2f"
             % (meta["when"], meta["seconds"], len(rounds), meta["git"],
                meta["load_med"], meta["load_max"]),
             "",
             "| placement | pairs | EOP Mbit/s | memif Mbit/s | EOP/memif (median of "
             "pair ratios) | EOP retransmits (% of segments) | memif retransmits | "
             "EOP ping min / avg ms | memif ping min / avg ms |",
             "|---|---|---|---|---|---|---|---|---|"]
    for pl in ("near", "far"):
        s = summary.get(pl)
        if not s:
            lines.append("| %s | 0/%d | - | - | - | - | - | - | - |" % (pl, len(rounds)))
            continue
        e, m = s["eop"], s["memif"]
        lines.append("| %s | %d/%d | %.0f | %.0f | %.2fx | %.0f (%.3f%%) | %.0f (%.3f%%) "
                     "| %.3f / %.3f | %.3f / %.3f |" % (
                         pl, s["pairs"], len(rounds), e["mbps"], m["mbps"],
                         s["mbps_ratio"], e["retransmits"], e["pct"], m["retransmits"],
                         m["pct"], e["ping_min"], e["ping_avg"], m["ping_min"],
                         m["ping_avg"]))
    return lines


def main():
    ap = hb.new_parser(__doc__)
    ap.add_argument("--build-dir", default=os.path.join(SRC, "build-plain"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--secs", type=int, default=5, help="iperf3 seconds per run")
    ap.add_argument("--ping-count", type=int, default=20)
    ap.add_argument("--txqueuelen", type=int, default=10000,
                    help="txqueuelen of the bridges' internal ports")
    ap.add_argument("--mw-size", default="32M",
                    help="ntb_shm window (32M holds OVS's 2048-slot rings)")
    ap.add_argument("--json", help="write the raw runs and the summary here")
    a = ap.parse_args()
    a.build_dir = os.path.abspath(a.build_dir)
    if os.geteuid() != 0:
        sys.exit("ovs_bench.py needs root (network namespaces, OVS)")
    try:
        ovs.install(SRC)
        ovs.need_hugepages(2)
        if not shutil.which("iperf3"):
            raise Skip("iperf3 is not installed (apt-get install iperf3)")
    except Skip as e:
        sys.exit("cannot run: %s" % e)
    b = OvsBench(a)
    b.runner.handle_signals()
    t0, loads, rounds = time.time(), [], []
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    try:
        for r in range(a.rounds):
            order = TRANSPORTS if r % 2 == 0 else TRANSPORTS[::-1]
            rec = {"round": r, "res": {}, "probes": {}}
            for t in order:
                loads.append(os.getloadavg()[0])
                before = b.probe()
                res = b.run(t)
                after = b.probe()
                rec["res"][t], rec["probes"][t] = res, [before, after]
                log("round %d %-5s %s  probes %s/%s" % (
                    r, t, ("%.0f Mbit/s, %d retransmits (%.3f%%), ping avg %.3f ms, "
                           "lost %s" % (res["mbps"], res["retransmits"], res["pct"],
                                        res["ping"].get("avg", -1), res["lost"]))
                    if "mbps" in res else "FAILED: " + res["error"],
                    before["placement"], after["placement"]))
            rounds.append(rec)
    finally:
        b.close()
    summary = summarize(rounds)
    meta = {"command": " ".join([os.path.relpath(sys.argv[0], SRC)] + sys.argv[1:]),
            "when": started, "seconds": time.time() - t0, "git": hb.machine()["git"],
            "load_med": median(loads) or 0, "load_max": max(loads or [0])}
    lines = render(summary, rounds, meta)
    print("\n".join(lines))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"meta": meta, "rounds": rounds, "summary": summary}, f, indent=1)
    return 0 if summary else 1


if __name__ == "__main__":
    sys.exit(main())
