#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""Run marlin-perf as a local two-host rack (two processes on one ntb_shm
fabric) with --check --json and check the outcome: exit status 0, one
well-formed JSON object with the expected fields, no data check errors,
and no fabric left behind. No performance figure is asserted.

    perf_test.py MARLIN_PERF TEST [marlin-perf options...]

Faults during a run (write_bw, local mode):

    perf_test.py --fault cut|kill|reconnect MARLIN_PERF MARLIN_FABRIC
    perf_test.py --nt-alias MARLIN_PERF

cut: the link is cut mid-run; marlin-perf must say in words that the link
was lost, after how many operations, and print the measured row marked
partial. kill: the client host dies by SIGBUS; the parent must name the
signal. reconnect: with --reconnect a cut followed by a restore is ridden
out: exit 0, one flap counted, a full (not partial) row.
"""

import glob
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

BW_KEYS = ("bw_peak_gbs", "bw_avg_gbs", "mpps")
LAT_KEYS = ("t_min_ns", "t_median_ns", "t_avg_ns", "t_p99_ns", "t_p999_ns",
            "t_max_ns")


def fail(msg, out="", err=""):
    print("FAIL: " + msg)
    if out:
        print("--- stdout ---\n" + out)
    if err:
        print("--- stderr ---\n" + err)
    sys.exit(1)


class LocalRun:
    """marlin-perf in local mode, stderr read line by line as it comes."""
    started = []

    def __init__(self, exe, args, env=None):
        self.p = subprocess.Popen([exe] + args, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True,
                                  env=env)
        LocalRun.started.append(self)
        self.fabric = "mperf-%d" % self.p.pid
        self.err = []
        self.out = ""
        self.t_err = threading.Thread(target=self._read_err, daemon=True)
        self.t_err.start()
        self.t_out = threading.Thread(target=self._read_out, daemon=True)
        self.t_out.start()

    def _read_err(self):
        for line in self.p.stderr:
            self.err.append(line)

    def _read_out(self):
        self.out = self.p.stdout.read()

    def stderr(self):
        return "".join(self.err)

    def wait_line(self, text, timeout):
        end = time.time() + timeout
        while time.time() < end and self.p.poll() is None:
            if any(text in l for l in self.err):
                return
            time.sleep(0.05)
        if self.p.poll() is not None:
            self.fail("marlin-perf exited with status %d before printing %r"
                      % (self.p.returncode, text))
        self.fail("no line with %r on stderr within %d s" % (text, timeout))

    def _kids(self):
        path = "/proc/%d/task/%d/children" % (self.p.pid, self.p.pid)
        try:
            with open(path) as f:
                return [int(x) for x in f.read().split()]
        except OSError:
            return []

    def children(self, timeout=30):
        """The two hosts' pids (server, client)."""
        end = time.time() + timeout
        while time.time() < end:
            kids = self._kids()
            if len(kids) == 2:
                return kids
            time.sleep(0.05)
        self.fail("marlin-perf did not start two hosts")

    def finish(self, timeout=90):
        try:
            self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            self.fail("marlin-perf did not finish in %d s" % timeout)
        self.t_out.join(10)
        self.t_err.join(10)
        left = left_behind(self.fabric)
        if left:
            self.fail("fabric files or EAL runtime directories left "
                      "behind: %s" % left)
        return self.p.returncode

    def kill(self):
        """SIGTERM first (marlin-perf stops its hosts and removes the
        fabric), SIGKILL for whatever is still there 10 s later."""
        kids = self._kids()
        self.p.terminate()
        try:
            self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        for pid in kids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    def fail(self, msg):
        if self.p.poll() is None:
            self.kill()
        fail(msg, self.out, self.stderr())


def fabric_cmd(tool, run, *cmd):
    r = subprocess.run([tool, run.fabric] + list(cmd), capture_output=True,
                       text=True, timeout=30)
    if r.returncode != 0:
        run.fail("marlin-fabric %s: %s%s" % (" ".join(cmd), r.stdout,
                                             r.stderr))


def perf_row(out):
    """(iterations, partial) of the first write_bw 64 KiB row."""
    m = re.search(r"^ 65536 +(\d+) +[\d.]+ +[\d.]+ +[\d.]+( +partial)?$",
                  out, re.M)
    return (int(m.group(1)), bool(m.group(2))) if m else (0, False)


def fault_cut(exe, tool):
    """A cut mid-run: the loss in words and the measured row, partial."""
    run = LocalRun(exe, ["write_bw", "-D", "30", "-v", "--timeout", "20"])
    run.wait_line("write_bw 65536 B", 60)
    time.sleep(2.0)     # past the warm-up, into the measured run
    fabric_cmd(tool, run, "cut", "0", "1")
    rc = run.finish()
    err = run.stderr()
    if rc != 1:
        run.fail("exit status %d after a cut, expected 1" % rc)
    m = re.search(r"marlin-perf client: link to the peer \(port 0\) lost "
                  r"[\d.]+ s after it came up, [\d.]+ s into the 65536 B "
                  r"run, after (\d+) operations; the 65536 B row is partial",
                  err)
    if not m:
        run.fail("the client did not say in words that the link was lost")
    iters, partial = perf_row(run.out)
    if not partial or iters <= 0 or iters != int(m.group(1)):
        run.fail("expected the measured row (%s operations) marked partial"
                 % m.group(1))
    print("ok: cut after %d operations reported, partial row printed" %
          iters)


def fault_kill(exe, tool):
    """A host killed by a signal is named with that signal."""
    env = dict(os.environ)
    # the sanitizer would turn SIGBUS into a report and an abort
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":handle_sigbus=0"
    run = LocalRun(exe, ["write_bw", "-D", "30", "-v", "--timeout", "20"],
                   env)
    run.wait_line("write_bw 65536 B", 60)
    os.kill(run.children()[1], signal.SIGBUS)
    rc = run.finish()
    if rc != 1:
        run.fail("exit status %d after the client died, expected 1" % rc)
    if "the client (host 1, core 1) was killed by signal SIGBUS" not in \
            run.stderr():
        run.fail("the client's death by SIGBUS was not reported")
    print("ok: the client's SIGBUS reported")


def fault_reconnect(exe, tool):
    """--reconnect rides out a cut and restore."""
    run = LocalRun(exe, ["write_bw", "-D", "4", "-v", "--reconnect",
                         "--timeout", "20"])
    run.wait_line("write_bw 65536 B", 60)
    time.sleep(0.5)
    fabric_cmd(tool, run, "cut", "0", "1")
    time.sleep(0.3)
    fabric_cmd(tool, run, "restore", "0", "1")
    rc = run.finish()
    if rc != 0:
        run.fail("exit status %d with --reconnect, expected 0" % rc)
    iters, partial = perf_row(run.out)
    if iters <= 0 or partial:
        run.fail("expected a full row after the flap")
    if not re.search(r"^ Link flaps +: 1 ridden out", run.out, re.M):
        run.fail("the flap was not counted in the report")
    print("ok: one flap ridden out, %d operations" % iters)


def nt_alias(exe):
    """--nt-threshold is the name; --nt still works and says it is old."""
    for opt, warned in (("--nt-threshold", False), ("--nt", True)):
        r = subprocess.run([exe, opt, "4K", "--probe", "--probe-rounds",
                            "100", "--json"], capture_output=True,
                           text=True, timeout=60)
        if r.returncode != 0:
            fail("%s 4K: exit status %d" % (opt, r.returncode), r.stdout,
                 r.stderr)
        if ("--nt is deprecated, use --nt-threshold" in r.stderr) != warned:
            fail("%s 4K: deprecation line %s" %
                 (opt, "missing" if warned else "unexpected"), r.stdout,
                 r.stderr)
    print("ok: --nt-threshold, and --nt with its deprecation line")
    return 0


def fault_main(argv):
    if len(argv) != 3 or argv[0] not in ("cut", "kill", "reconnect"):
        print(__doc__)
        return 2
    if not os.access(argv[2], os.X_OK):
        print("SKIP: marlin-fabric not built (%s)" % argv[2])
        return 77
    try:
        globals()["fault_" + argv[0]](argv[1], argv[2])
    finally:
        # whatever happened, no host outlives the test
        for run in LocalRun.started:
            if run.p.poll() is None:
                run.kill()
    return 0


def left_behind(fabric):
    """Fabric files and EAL runtime directories of a local run."""
    run = [os.path.join(d, "dpdk", "marlin-perf-%s-*" % fabric) for d in
           ("/var/run", "/tmp", os.environ.get("XDG_RUNTIME_DIR", "/tmp"))]
    return [d for pat in ["/dev/hugepages/*/" + fabric, "/dev/shm/" + fabric,
                          "/dev/shm/*/" + fabric, "/dev/hugepages/" + fabric]
            + run for d in glob.glob(pat)]


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--fault":
        return fault_main(sys.argv[2:])
    if len(sys.argv) == 3 and sys.argv[1] == "--nt-alias":
        return nt_alias(sys.argv[2])
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    exe, test = sys.argv[1], sys.argv[2]
    args = [exe] + sys.argv[2:] + ["--check", "--json", "--timeout", "30"]
    print("running: " + " ".join(args))
    try:
        p = subprocess.Popen(args, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        out, err = p.communicate(timeout=100)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        fail("marlin-perf did not finish in 100 s", out, err)
    fabric = "mperf-%d" % p.pid
    if p.returncode != 0:
        fail("exit status %d" % p.returncode, out, err)
    try:
        doc = json.loads(out)
    except ValueError as e:
        fail("stdout is not one JSON object: %s" % e, out, err)

    if doc.get("tool") != "marlin-perf" or doc.get("test") != test:
        fail("wrong tool/test in %r" % {k: doc.get(k) for k in
                                        ("tool", "test")}, out, err)
    if doc.get("role") != "client" or doc.get("check") is not True:
        fail("expected the client's report with check on", out, err)
    for k in ("probe_before", "probe_after"):
        pr = doc.get(k)
        if not isinstance(pr, dict) or "ns" not in pr or "cores" not in pr:
            fail("%s missing or malformed" % k, out, err)
    if doc.get("placement") not in ("near", "far", "mixed", "unknown"):
        fail("bad placement %r" % doc.get("placement"), out, err)
    res = doc.get("results")
    if not isinstance(res, list) or len(res) != 1:
        fail("expected one result row", out, err)
    r = res[0]
    if r.get("check_errors") != 0:
        fail("data check errors: %r" % r.get("check_errors"), out, err)
    if not isinstance(r.get("iterations"), int) or r["iterations"] <= 0:
        fail("no iterations measured", out, err)
    keys = LAT_KEYS if test.endswith("_lat") else BW_KEYS
    for k in keys:
        v = r.get(k)
        if not isinstance(v, (int, float)) or v <= 0:
            fail("%s = %r, expected a positive number" % (k, v), out, err)
    if test.endswith("_lat"):
        if not (r["t_min_ns"] <= r["t_median_ns"] <= r["t_p99_ns"] <=
                r["t_p999_ns"] <= r["t_max_ns"]):
            fail("latency percentiles out of order", out, err)
    elif r["bw_peak_gbs"] + 1e-9 < r["bw_avg_gbs"]:
        fail("peak below average", out, err)
    if "--consume" in args and r.get("rx_bytes", 0) < r["iterations"] * \
            r["bytes"]:
        fail("the server read %r bytes, fewer than were written" %
             r.get("rx_bytes"), out, err)

    left = left_behind(fabric)
    if left:
        fail("fabric files left behind: %s" % left, out, err)
    print("ok: %s, %d row(s), placement %s" % (test, len(res),
                                              doc["placement"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
