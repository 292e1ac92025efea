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
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "tests", "lib"))
from marlin_harness.session import (  # noqa: E402
    Fail, Proc, Session, check, log, run, skip)
from marlin_harness.session import remove_runtime  # noqa: E402

BW_KEYS = ("bw_peak_gbs", "bw_avg_gbs", "mpps")
LAT_KEYS = ("t_min_ns", "t_median_ns", "t_avg_ns", "t_p99_ns", "t_p999_ns",
            "t_max_ns")


class LocalRun(Proc):
    """marlin-perf in local mode (it starts the two hosts itself), in its
    own process group: the session's cleanup reaches the hosts too."""

    def __init__(self, t, exe, args, env=None):
        Proc.__init__(self, t, "marlin-perf", [exe] + args, env=env,
                      merge=False, stdin=False, group=True)
        self.fabric = t.add_fabric("mperf-%d" % self.pid)
        t.local_runs.append(self)

    def stdout(self):
        return "\n".join(self.lines()) + "\n"

    def stderr(self):
        with self.cv:
            return "\n".join(self.err) + "\n"

    def wait_line(self, text, timeout):
        """A line of stderr that contains @text."""
        self.wait_for(re.escape(text), timeout, stderr=True)

    def _kids(self):
        path = "/proc/%d/task/%d/children" % (self.pid, self.pid)
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
        raise Fail("marlin-perf did not start two hosts")

    def finish(self, timeout=90):
        """Exit status; nothing of the run may be left behind."""
        if self.alive():
            try:
                self.wait(timeout, "finish")
            except Fail:
                self.terminate()
                raise
        self.join(10)
        left = left_behind(self.fabric)
        check(not left, "fabric files or EAL runtime directories left "
              "behind: %s" % left)
        return self.proc.returncode

    def terminate(self):
        """SIGTERM first (marlin-perf stops its hosts and removes the
        fabric), SIGKILL for the whole group 10 s later."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except Exception:
            pass
        self.send_signal(signal.SIGKILL)


class PerfTest(Session):
    def __init__(self, name):
        Session.__init__(self, name, tag="pt", fabric_parent=False)
        self.local_runs = []

    def cleanup(self):
        # whatever happened, no host outlives the test
        for r in self.local_runs:
            if r.alive():
                r.terminate()
            remove_runtime(["marlin-perf-%s-%d" % (r.fabric, h)
                            for h in (0, 1)])
        Session.cleanup(self)


def fabric_cmd(t, tool, run, *cmd):
    t.run([tool, run.fabric] + list(cmd), what="marlin-fabric " +
          " ".join(cmd))


def perf_row(out):
    """(iterations, partial) of the first write_bw 64 KiB row."""
    m = re.search(r"^ 65536 +(\d+) +[\d.]+ +[\d.]+ +[\d.]+( +partial)?$",
                  out, re.M)
    return (int(m.group(1)), bool(m.group(2))) if m else (0, False)


def fault_cut(t, exe, tool):
    """A cut mid-run: the loss in words and the measured row, partial."""
    run = LocalRun(t, exe, ["write_bw", "-D", "30", "-v", "--timeout", "20"])
    run.wait_line("write_bw 65536 B", 60)
    time.sleep(2.0)     # past the warm-up, into the measured run
    fabric_cmd(t, tool, run, "cut", "0", "1")
    rc = run.finish()
    check(rc == 1, "exit status %d after a cut, expected 1" % rc)
    m = re.search(r"marlin-perf client: link to the peer \(port 0\) lost "
                  r"[\d.]+ s after it came up, [\d.]+ s into the 65536 B "
                  r"run, after (\d+) operations; the 65536 B row is partial",
                  run.stderr())
    check(m, "the client did not say in words that the link was lost")
    iters, partial = perf_row(run.stdout())
    check(partial and iters > 0 and iters == int(m.group(1)),
          "expected the measured row (%s operations) marked partial" %
          m.group(1))
    log("ok: cut after %d operations reported, partial row printed" %
        iters)


def fault_kill(t, exe, tool):
    """A host killed by a signal is named with that signal."""
    # the sanitizer would turn SIGBUS into a report and an abort
    env = {"ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") +
           ":handle_sigbus=0"}
    run = LocalRun(t, exe, ["write_bw", "-D", "30", "-v", "--timeout", "20"],
                   env)
    run.wait_line("write_bw 65536 B", 60)
    os.kill(run.children()[1], signal.SIGBUS)
    rc = run.finish()
    check(rc == 1, "exit status %d after the client died, expected 1" % rc)
    check("the client (host 1, core 1) was killed by signal SIGBUS" in
          run.stderr(), "the client's death by SIGBUS was not reported")
    log("ok: the client's SIGBUS reported")


def fault_reconnect(t, exe, tool):
    """--reconnect rides out a cut and restore."""
    run = LocalRun(t, exe, ["write_bw", "-D", "4", "-v", "--reconnect",
                            "--timeout", "20"])
    run.wait_line("write_bw 65536 B", 60)
    time.sleep(0.5)
    fabric_cmd(t, tool, run, "cut", "0", "1")
    time.sleep(0.3)
    fabric_cmd(t, tool, run, "restore", "0", "1")
    rc = run.finish()
    check(rc == 0, "exit status %d with --reconnect, expected 0" % rc)
    iters, partial = perf_row(run.stdout())
    check(iters > 0 and not partial, "expected a full row after the flap")
    check(re.search(r"^ Link flaps +: 1 ridden out", run.stdout(), re.M),
          "the flap was not counted in the report")
    log("ok: one flap ridden out, %d operations" % iters)


def nt_alias(t, exe):
    """--nt-threshold is the name; --nt still works and says it is old."""
    for opt, warned in (("--nt-threshold", False), ("--nt", True)):
        p = Proc(t, "marlin-perf" + opt, [exe, opt, "4K", "--probe",
                                         "--probe-rounds", "100", "--json"],
                 merge=False, stdin=False)
        rc = p.wait(60, "finish")
        check(rc == 0, "%s 4K: exit status %d" % (opt, rc))
        said = any("--nt is deprecated, use --nt-threshold" in line
                   for line in p.err)
        check(said == warned, "%s 4K: deprecation line %s" %
              (opt, "missing" if warned else "unexpected"))
    log("ok: --nt-threshold, and --nt with its deprecation line")


def left_behind(fabric):
    """Fabric files and EAL runtime directories of a local run."""
    run = [os.path.join(d, "dpdk", "marlin-perf-%s-*" % fabric) for d in
           ("/var/run", "/tmp", os.environ.get("XDG_RUNTIME_DIR", "/tmp"))]
    return [d for pat in ["/dev/hugepages/*/" + fabric, "/dev/shm/" + fabric,
                          "/dev/shm/*/" + fabric, "/dev/hugepages/" + fabric]
            + run for d in glob.glob(pat)]


def report_test(t, exe, argv):
    """marlin-perf ARGV --check --json: a well-formed report, no data check
    errors, nothing left behind."""
    test = argv[0]
    args = list(argv) + ["--check", "--json", "--timeout", "30"]
    log("running: " + " ".join([exe] + args))
    run = LocalRun(t, exe, args)
    rc = run.finish(100)
    check(rc == 0, "exit status %d" % rc)
    try:
        doc = json.loads(run.stdout())
    except ValueError as e:
        raise Fail("stdout is not one JSON object: %s" % e)
    check(doc.get("tool") == "marlin-perf" and doc.get("test") == test,
          "wrong tool/test in %r" % {k: doc.get(k) for k in ("tool", "test")})
    check(doc.get("role") == "client" and doc.get("check") is True,
          "expected the client's report with check on")
    for k in ("probe_before", "probe_after"):
        pr = doc.get(k)
        check(isinstance(pr, dict) and "ns" in pr and "cores" in pr,
              "%s missing or malformed" % k)
    check(doc.get("placement") in ("near", "far", "mixed", "unknown"),
          "bad placement %r" % doc.get("placement"))
    res = doc.get("results")
    check(isinstance(res, list) and len(res) == 1, "expected one result row")
    r = res[0]
    check(r.get("check_errors") == 0,
          "data check errors: %r" % r.get("check_errors"))
    check(isinstance(r.get("iterations"), int) and r["iterations"] > 0,
          "no iterations measured")
    for k in LAT_KEYS if test.endswith("_lat") else BW_KEYS:
        v = r.get(k)
        check(isinstance(v, (int, float)) and v > 0,
              "%s = %r, expected a positive number" % (k, v))
    if test.endswith("_lat"):
        check(r["t_min_ns"] <= r["t_median_ns"] <= r["t_p99_ns"] <=
              r["t_p999_ns"] <= r["t_max_ns"],
              "latency percentiles out of order")
    else:
        check(r["bw_peak_gbs"] + 1e-9 >= r["bw_avg_gbs"],
              "peak below average")
    if "--consume" in args:
        check(r.get("rx_bytes", 0) >= r["iterations"] * r["bytes"],
              "the server read %r bytes, fewer than were written" %
              r.get("rx_bytes"))
    log("ok: %s, %d row(s), placement %s" % (test, len(res),
                                            doc["placement"]))


def main():
    argv = sys.argv[1:]
    if len(argv) == 4 and argv[0] == "--fault" and \
            argv[1] in ("cut", "kill", "reconnect"):
        name, exe, tool = argv[1], argv[2], argv[3]
        if not os.access(tool, os.X_OK):
            return skip(name, "marlin-fabric not built (%s)" % tool)
        fn = {"cut": fault_cut, "kill": fault_kill,
              "reconnect": fault_reconnect}[name]
        return run("fault_" + name, lambda t: fn(t, exe, tool),
                   PerfTest("fault" + name))
    if len(argv) == 2 and argv[0] == "--nt-alias":
        return run("nt_alias", lambda t: nt_alias(t, argv[1]),
                   PerfTest("ntalias"))
    if len(argv) < 2 or argv[0].startswith("--"):
        print(__doc__)
        return 2
    return run(argv[1], lambda t: report_test(t, argv[0], argv[1:]),
               PerfTest(argv[1]))


if __name__ == "__main__":
    sys.exit(main())
