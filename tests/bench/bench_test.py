#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""Tests of the benchmarks and of the harness they share.

    bench_test.py --build DIR TEST
    bench_test.py --skip REASON TEST       (exits 77)

TEST is one of:
  eop_tmp_clone   scripts/bench/eop/eop_bench.py --smoke, started from a
                  clone under /tmp (the source and build tree reached
                  through a directory in /tmp, as after `git clone` there):
                  EOP must carry traffic. EAL refuses a plugin path below a
                  world-writable directory; the benchmark must load its
                  plugins by name.
  eop_no_traffic  the same with a devarg net_eop refuses: the benchmark
                  must fail and say why in the processes' own words
  harness         percentiles, key=value parsing and plugin arguments of
                  tests/lib/marlin_harness
"""

import argparse
import os
import re
import shutil
import sys

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
from marlin_harness.session import (  # noqa: E402
    Session, Skip, check, kv, log)
from marlin_harness.session import main as harness_main  # noqa: E402
from marlin_harness import plugins, report, stats  # noqa: E402

BENCH = os.path.join("scripts", "bench", "eop", "eop_bench.py")


class Test(Session):
    def __init__(self, name, args):
        Session.__init__(self, name, tag="bt", fabric_parent=False)
        self.build = os.path.abspath(args.build)

    def tmp_clone(self):
        """A directory under /tmp that looks like a clone with its build
        tree: links to this source's scripts/ and tests/, and a build/ with
        copies of the libraries and plugins (EAL resolves symbolic links
        before it checks a plugin path: the files must really lie below
        world-writable /tmp)."""
        d = self.tmpdir(under="/tmp")
        for name in ("scripts", "tests"):
            os.symlink(os.path.join(TOP, name), os.path.join(d, name))
        for rel in plugins.LIB_DIRS:
            src = os.path.join(self.build, *rel)
            if not os.path.isdir(src):
                continue
            dst = os.path.join(d, "build", *rel)
            os.makedirs(dst)
            for f in os.listdir(src):
                if re.search(r"\.so(\.[0-9.]+)?$", f):
                    shutil.copy2(os.path.join(src, f), os.path.join(dst, f),
                                 follow_symlinks=False)
        return d

    def eop_bench(self, extra):
        if not shutil.which("dpdk-testpmd"):
            raise Skip("dpdk-testpmd not found (Debian package dpdk)")
        probe = os.path.join(self.build, "apps", "marlin-perf", "marlin-perf")
        need = [probe, plugins.plugin_path(self.build, "net_eop"),
                plugins.plugin_path(self.build, "ntb_shm")]
        if plugins.missing(need):
            raise Skip("not built: %s" % ", ".join(plugins.missing(need)))
        clone = self.tmp_clone()
        args = [sys.executable, os.path.join(clone, BENCH), "--smoke",
                "--build", os.path.join(clone, "build"), "--probe",
                probe] + extra
        p = self.start("eop_bench", args, stdin=False)
        rc = p.wait(240, "finish")
        out = "\n".join(p.lines())
        log("eop_bench %s exited %d; it said:\n%s" % (" ".join(extra), rc,
                                                      out))
        return rc, out


def test_eop_tmp_clone(t):
    rc, out = t.eop_bench([])
    check(rc == 0 and "smoke: EOP received" in out,
          "the EOP benchmark started from a clone under /tmp measured "
          "nothing (exit %d)" % rc)


def test_eop_no_traffic(t):
    rc, out = t.eop_bench(["--eop-args", "bogus=1"])
    check(rc == 1, "a run that measured nothing exited %d, expected 1" % rc)
    check("no steady traffic" in out, "no 'no steady traffic' message")
    check('unknown devarg "bogus"' in out,
          "the reason (net_eop's refusal of the devarg) is not shown")
    check("core-1 (dpdk-testpmd)" in out,
          "the receiving process is not named")


def test_harness(t):
    v = [5, 1, 4, 2, 3, 9, 8, 7, 6, 10]
    # the cases of tests/unit/stats (one rule in C and Python)
    check(stats.percentile(v, 50) == 5, "p50 of 1..10 by nearest rank")
    check(stats.percentile(range(1, 101), 99) == 99, "p99 of 1..100")
    check(stats.percentile(range(1, 1001), 99.9) == 999, "p99.9 of 1..1000")
    check(stats.median([1, 2, 4, 9]) == 3, "median of an even count")
    page = []
    report.table_head(page.append, "a", "b")
    report.target(page.append, "x >= 1", 0.5, lambda q: q >= 1.0)
    report.target(page.append, "y", None, lambda q: q >= 1.0)
    check(page == ["| a | b |", "|---|---|", "| x >= 1 | 0.50 x | **MISSED** |",
                   "| y | - x | - |"], "report tables: %r" % page)
    check(report.copy_limit({"best": 2, "memcpy": 1, "nt": 2}) ==
          "2.00 (1.00 / 2.00)", "copy-limit cell")
    check(stats.percentile(v, 99) == 10, "p99 of 1..10")
    check(stats.percentile(v, 0) == 1, "p0 of 1..10")
    check(stats.percentile([], 50) is None, "percentile of nothing")
    check(stats.median([3, None, 1, 2]) == 2, "median skips missing values")
    check(stats.human(4 << 20) == "4M" and stats.human(65536) == "64K" and
          stats.human(100) == "100", "human sizes")
    check(kv("OK a=1 b=x=y junk") == {"a": "1", "b": "x=y"}, "kv parsing")
    args, env = plugins.load_args(["/tmp/x/a/librte_p.so",
                                   "/tmp/x/b/librte_q.so"])
    check(args == ["-d", "librte_p.so", "-d", "librte_q.so"],
          "plugins are passed by name: %s" % args)
    dirs = env["LD_LIBRARY_PATH"].split(":")
    check(dirs[:2] == ["/tmp/x/a", "/tmp/x/b"],
          "plugin directories first in LD_LIBRARY_PATH: %s" % dirs)
    check(plugins.library_path(["/a", "/a", ""], "/b::/a") == "/a:/b",
          "LD_LIBRARY_PATH without repeats or empty entries")
    log("harness: stats, kv and plugin arguments as documented")


TESTS = {"eop_tmp_clone": test_eop_tmp_clone,
         "eop_no_traffic": test_eop_no_traffic,
         "harness": test_harness}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.environ.get("MARLIN_BUILD_DIR"))

    def prepare(a):
        if not a.build:
            ap.error("--build is required")
    return harness_main(ap, TESTS, lambda a: Test(a.test, a), prepare)


if __name__ == "__main__":
    sys.exit(main())
