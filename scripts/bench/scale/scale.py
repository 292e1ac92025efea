#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""HRDMA as a rack grows: N = 2 .. 64 ntb_shm hosts on this machine.

Hosts share processes (scale_host runs several ntb_shm vdevs from one
thread): host 0 and host 1 have a process each (cores 0 and 1), the others
are grouped --group per process, on alternating cores. Outside data phases a
process sleeps and polls each of its channels every --poll-ms, so an idle
host costs only its channel polls (blocking mode; no host spins a core).

Per N it reports:
  window memory per host  rte_marlin_hrdma_window_size() per peer x N (the
                          window is split by port number among all hosts),
                          for the run's rings and for the default ones, and
                          and the window file ntb_shm allocates (the need
                          rounded up to whole pages);
  time to UP              from the start of the processes (EAL init
                          included) until every channel of every host is UP;
  all-to-all, incast      8-byte SENDs per second received, all hosts
                          sending to all (a2a), or N-1 sending to host 0;
  latency                 8-byte SEND one-way (half the round trip, median)
                          between hosts 0 and 1 while the others idle;
  idle CPU                CPU time per idle host per second meanwhile
                          (getrusage of the idle processes / their hosts).

  scale.py --host BUILD/scripts/bench/scale/scale_host [--sizes 2,4,...]
           [--out doc/benchmarks] [--smoke]

--smoke (the CI test scale_smoke): N = 2 and 4, short phases; checks that
every phase answers and messages flow, measures nothing worth keeping.
"""

import argparse
import json
import os
import platform
import queue
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import time


class Fail(Exception):
    pass


def kv(line):
    return dict(w.split("=", 1) for w in line.split()[1:] if "=" in w)


def runtime_dirs(prefix):
    base = ["/var/run/dpdk"]
    if os.environ.get("XDG_RUNTIME_DIR"):
        base.append(os.path.join(os.environ["XDG_RUNTIME_DIR"], "dpdk"))
    return [os.path.join(b, prefix) for b in base]


class Proc:
    """One scale_host process running hosts first..first+count-1."""

    def __init__(self, rack, idx, first, count, core):
        self.first, self.count = first, count
        self.name = "hosts %d..%d" % (first, first + count - 1)
        self.prefix = "scale%d_%d_%d" % (os.getpid(), rack.n, idx)
        rack.prefixes.append(self.prefix)
        a = rack.args
        cmd = [a.host, "-l", str(core), "--no-pci", "--no-huge", "-m",
               str(64 + 8 * count), "--no-telemetry", "--file-prefix",
               self.prefix, "--log-level", "lib.eal:warning", "--",
               "--fabric", rack.fabric, "--dir", rack.dir,
               "--hosts", str(rack.n), "--first", str(first),
               "--count", str(count), "--mw-size", str(rack.mw_size),
               "--depth", str(a.depth), "--msg-size", str(a.msg_size),
               "--t0", str(rack.t0), "--poll-ms", str(a.poll_ms)]
        self.q = queue.Queue()
        self.log = []
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True,
                                     bufsize=1)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            self.log.append(line)
            for tag in ("UP ", "IDLE ", "DRAINED ", "RATE ", "LAT ", "ERR ", "BYE"):
                if line.startswith(tag):
                    self.q.put(line)
        self.q.put(None)

    def expect(self, tag, timeout):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Fail("%s: no %s line within %.0f s; last output:\n  %s"
                           % (self.name, tag, timeout,
                              "\n  ".join(self.log[-8:])))
            try:
                line = self.q.get(timeout=min(left, 0.5))
            except queue.Empty:
                continue
            if line is None:
                raise Fail("%s exited (%s) waiting for %s; output:\n  %s" %
                           (self.name, self.proc.poll(), tag,
                            "\n  ".join(self.log[-8:])))
            if line.startswith("ERR "):
                raise Fail("%s: %s" % (self.name, line))
            if line.startswith(tag):
                return kv(line)

    def send(self, cmd):
        self.proc.stdin.write(cmd + "\n")
        self.proc.stdin.flush()


def window_bytes(host, depth, msg_size):
    out = subprocess.run([host, "--window-size", str(depth), str(msg_size)],
                         capture_output=True, text=True, check=True).stdout
    return int(kv(out.strip())["bytes"])


def pages_at_least(v, page=4096):
    """ntb_shm takes any whole number of pages (4 KiB in /dev/shm)."""
    return (v + page - 1) // page * page


class Rack:
    def __init__(self, args, n):
        self.args, self.n = args, n
        self.fabric = "scale%d_%d" % (os.getpid(), n)
        self.dir = tempfile.mkdtemp(prefix="marlin-scale-", dir="/dev/shm")
        self.per_peer = window_bytes(args.host, args.depth, args.msg_size)
        self.mw_size = pages_at_least(self.per_peer * n)
        self.prefixes = []
        self.procs = []
        self.t0 = 0

    def start(self):
        groups = [(0, 1), (1, 1)]
        h = 2
        while h < self.n:
            c = min(self.args.group, self.n - h)
            groups.append((h, c))
            h += c
        self.t0 = time.monotonic_ns()
        for i, (first, count) in enumerate(groups):
            self.procs.append(Proc(self, i, first, count, i % 2))
        ups = [p.expect("UP ", self.args.up_timeout) for p in self.procs]
        return max(int(u["ns"]) for u in ups) / 1e9

    def all(self, cmd, tag, timeout):
        for p in self.procs:
            p.send(cmd)
        return [p.expect(tag, timeout) for p in self.procs]

    def cleanup(self):
        for p in self.procs:
            try:
                p.send("quit")
            except (BrokenPipeError, OSError):
                pass
        for p in self.procs:
            try:
                p.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.proc.kill()
                p.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)
        for pfx in self.prefixes:
            for d in runtime_dirs(pfx):
                shutil.rmtree(d, ignore_errors=True)


def measure(args, n):
    rack = Rack(args, n)
    r = {"n": n, "per_peer_bytes": rack.per_peer,
         "per_host_needed": rack.per_peer * n, "window_file": rack.mw_size,
         "default_per_host_needed": window_bytes(args.host, 0, 0) * n,
         "processes": 0}
    try:
        r["up_s"] = rack.start()
        r["processes"] = len(rack.procs)
        ms = args.phase_ms
        t = ms / 1000 + 30
        res = rack.all("a2a %d" % ms, "RATE ", t)
        r["a2a_msgs_s"] = sum(int(x["rx"]) for x in res) / (ms / 1000)
        rack.all("drain", "DRAINED ", 30)
        res = rack.all("incast 0 %d" % ms, "RATE ", t)
        r["incast_msgs_s"] = int(res[0]["rx"]) / (ms / 1000)
        rack.all("drain", "DRAINED ", 30)
        # latency 0 <-> 1 while everybody else idles
        lat_s = args.lat_iters * 20e-6 + 5
        idle_ms = int(lat_s * 1000)
        for p in rack.procs[2:]:
            p.send("idle %d %d" % (idle_ms, args.idle_poll_ms))
        r["probe_before"] = probe(args)
        rack.procs[1].send("lat pong 0 %d send" % args.lat_iters)
        rack.procs[0].send("lat ping 1 %d send" % args.lat_iters)
        lat = rack.procs[0].expect("LAT ", lat_s + 30)
        rack.procs[1].expect("LAT ", 30)
        idle = [p.expect("IDLE ", lat_s + 30) for p in rack.procs[2:]]
        r["probe_after"] = probe(args)
        r["lat_p50_ns"] = float(lat["p50_ns"])
        r["lat_p10_ns"] = float(lat["p10_ns"])
        r["lat_p90_ns"] = float(lat["p90_ns"])
        if idle:
            cpu = sum(int(x["cpu_ns"]) for x in idle)
            secs = sum(int(x["ms"]) for x in idle) / 1000 / len(idle)
            # CPU per idle host per second of wall time, in percent of a core
            r["idle_cpu_pct_per_host"] = 100 * cpu / 1e9 / secs / (n - 2)
        else:
            r["idle_cpu_pct_per_host"] = None
        # every host asleep, polling its channels every --poll-ms
        res = rack.all("idle %d %d" % (args.idle_ms, args.poll_ms), "IDLE ",
                       args.idle_ms / 1000 + 30)
        r["idle_all_cpu_pct_per_host"] = 100 * sum(
            int(x["cpu_ns"]) for x in res) / 1e9 / (args.idle_ms / 1000) / n
        if args.smoke and (r["a2a_msgs_s"] <= 0 or r["incast_msgs_s"] <= 0):
            raise Fail("N=%d: no messages flowed" % n)
    except Fail:
        time.sleep(0.5)
        for p in rack.procs:
            print("---- %s:\n  %s" % (p.name, "\n  ".join(p.log[-6:])),
                  file=sys.stderr)
        raise
    finally:
        rack.cleanup()
    return r


def probe(args):
    """Cache-line one-way between cores 0 and 1 (marlin-perf --probe):
    (ns, placement), or None without --probe."""
    if not args.probe:
        return None
    out = subprocess.run([args.probe, "--probe", "--json", "--probe-cores",
                          "1,0"], capture_output=True, text=True,
                         timeout=60).stdout
    try:
        d = json.loads(out)
        return [round(d["ns"], 1), d.get("placement", "?"),
                bool(d.get("steady", True))]
    except (ValueError, KeyError, TypeError):
        return None


def mib(b):
    return "%.2f" % (b / 2**20)


def table(rows, args):
    out = ["| N | procs | window/host needed (run rings) MiB | window file MiB "
           "| default rings/host MiB | all UP s | all-to-all Mmsg/s "
           "| incast Mmsg/s | one-way p50 ns (p10-p90) | probe before/after ns (placement) "
           "| CPU %% per idle host meanwhile (polls every %d ms) "
           "| CPU %% per host, all asleep (polls every %d ms) |" % (
               args.idle_poll_ms, args.poll_ms),
           "|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|"]
    for r in rows:
        idle = r["idle_cpu_pct_per_host"]
        pb = [r.get("probe_before"), r.get("probe_after")]
        pr = "/".join("-" if p is None else "%.0f" % p[0] for p in pb)
        pl = sorted(set(p[1] if p[2] else "unsteady" for p in pb if p))
        out.append("| %d | %d | %s | %s | %s | %.2f | %.2f | %.2f | %.0f (%.0f-%.0f) | %s | %s | %.3f |" % (
            r["n"], r["processes"], mib(r["per_host_needed"]),
            mib(r["window_file"]), mib(r["default_per_host_needed"]),
            r["up_s"], r["a2a_msgs_s"] / 1e6, r["incast_msgs_s"] / 1e6,
            r["lat_p50_ns"], r["lat_p10_ns"], r["lat_p90_ns"],
            "%s (%s)" % (pr, ",".join(pl) or "-"),
            "-" if idle is None else "%.3f" % idle,
            r["idle_all_cpu_pct_per_host"]))
    return "\n".join(out)


def plot(rows, args, path, conditions):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("no matplotlib in %s: no plot (scripts/setup.sh --bench "
              "installs Debian's python3-matplotlib, for /usr/bin/python3)"
              % sys.executable, file=sys.stderr)
        return False
    ns = [r["n"] for r in rows]
    fig, ax = plt.subplots(2, 3, figsize=(13, 7))
    series = [
        ("window per host (MiB)", [r["per_host_needed"] / 2**20 for r in rows],
         [r["default_per_host_needed"] / 2**20 for r in rows],
         "run rings", "default rings"),
        ("time until all channels UP (s)", [r["up_s"] for r in rows], None,
         None, None),
        ("8 B messages/s (M)", [r["a2a_msgs_s"] / 1e6 for r in rows],
         [r["incast_msgs_s"] / 1e6 for r in rows], "all-to-all", "incast"),
        ("one-way latency hosts 0-1, p50 (ns)",
         [r["lat_p50_ns"] for r in rows], None, None, None),
        ("idle host CPU (% of a core)",
         [r["idle_all_cpu_pct_per_host"] for r in rows],
         [r["idle_cpu_pct_per_host"] or 0 for r in rows],
         "polls every %d ms" % args.poll_ms,
         "every %d ms" % args.idle_poll_ms),
    ]
    for a, (title, y1, y2, l1, l2) in zip(ax.flat, series):
        a.plot(ns, y1, "o-", label=l1)
        if y2 is not None:
            a.plot(ns, y2, "s--", label=l2)
            a.legend()
        a.set_xscale("log", base=2)
        a.set_xticks(ns)
        a.set_xticklabels([str(n) for n in ns])
        a.set_xlabel("hosts N")
        a.set_title(title, fontsize=10)
        a.set_ylim(bottom=0)
        a.grid(True, alpha=0.3)
    ax.flat[-1].axis("off")
    ax.flat[-1].text(0, 0.5, "\n".join(textwrap.wrap(conditions, 45)),
                     fontsize=8, va="center")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    return True


def conditions():
    load = open("/proc/loadavg").read().split()[:3]
    return ("%s, %d CPUs, load %s before the run; host 0 on core 0, host 1 "
            "on core 1, the others grouped per process on alternating cores"
            % (platform.processor() or platform.machine(), os.cpu_count(),
               "/".join(load)))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", required=True, help="scale_host binary")
    ap.add_argument("--sizes", default="2,4,8,16,32,64")
    ap.add_argument("--group", type=int, default=16,
                    help="hosts per process beyond hosts 0 and 1 (max 32)")
    ap.add_argument("--depth", type=int, default=64,
                    help="ring entries per channel (run rings)")
    ap.add_argument("--msg-size", type=int, default=256)
    ap.add_argument("--poll-ms", type=int, default=10,
                    help="channel poll interval while sleeping")
    ap.add_argument("--idle-poll-ms", type=int, default=100,
                    help="channel poll interval of the hosts that idle "
                    "while hosts 0 and 1 measure latency")
    ap.add_argument("--idle-ms", type=int, default=3000,
                    help="length of the phase where every host sleeps")
    ap.add_argument("--phase-ms", type=int, default=2000)
    ap.add_argument("--lat-iters", type=int, default=100000)
    ap.add_argument("--up-timeout", type=float, default=120)
    ap.add_argument("--out", help="directory for scale.json and scale.png "
                    "(and the table in its scale.md)")
    ap.add_argument("--probe", help="marlin-perf binary: placement probe "
                    "(cores 1 -> 0) before and after each latency run")
    ap.add_argument("--smoke", action="store_true",
                    help="N=2,4, short phases (CI)")
    args = ap.parse_args()
    if args.smoke:
        args.sizes, args.phase_ms, args.lat_iters = "2,4", 300, 2000
        args.idle_ms = 300
    if not 1 <= args.group <= 32:
        ap.error("--group must be 1..32")
    cond = conditions()
    started = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    print("# " + cond, flush=True)
    rows = []
    try:
        for n in [int(s) for s in args.sizes.split(",")]:
            if not 2 <= n <= 64:
                ap.error("sizes must be 2..64")
            rows.append(measure(args, n))
            print(json.dumps(rows[-1]), flush=True)
    except Fail as e:
        print("FAIL: %s" % e, file=sys.stderr)
        return 1
    print(table(rows, args))
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "scale.json"), "w") as f:
            json.dump({"conditions": cond, "args": vars(args), "rows": rows},
                      f, indent=1)
        plot(rows, args, os.path.join(args.out, "scale.png"), cond)
        page_update(os.path.join(args.out, "scale.md"), rows, args, cond,
                    started)
    return 0


def page_update(path, rows, args, cond, started):
    """Put the table between the markers of the results page."""
    if not os.path.isfile(path):
        return
    text = open(path).read()
    a, b = "<!-- table -->", "<!-- /table -->"
    if a not in text or b not in text:
        return
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True,
                         cwd=os.path.dirname(os.path.abspath(__file__))).stdout
    end = open("/proc/loadavg").read().split()[:3]
    body = ("\n- command: `scale.py %s`\n- when: %s UTC, git %s\n"
            "- conditions: %s; load %s after the run\n\n%s\n" % (
                " ".join(sys.argv[1:]), started, rev.strip(), cond,
                "/".join(end), table(rows, args)))
    head, rest = text.split(a, 1)
    tail = rest.split(b, 1)[1]
    with open(path, "w") as f:
        f.write(head + a + body + b + tail)


if __name__ == "__main__":
    sys.exit(main())
