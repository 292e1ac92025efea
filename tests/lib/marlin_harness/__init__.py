# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""Marlin's one harness for multi-process tests and benchmarks.

Every test that starts host processes (tests/*_mp/) and every benchmark
(scripts/bench/<component>/) builds on these modules instead of writing
its own process wrapper:

  proc      Proc: a child process whose output lines are collected by
            reader threads; wait_for (regex, deadline), expect (protocol
            words, deadline), send, stop, kill, tail. CmdHost: a host
            program speaking the READY/OK/ERR/BYE line protocol of
            tests/lib/host (cmd, ask, refused, quit).
  session   Session: one test's fabric, directories, EAL file prefixes
            and processes, always cleaned up (processes killed,
            `marlin-fabric clean`, EAL runtime directories, fabric and
            temporary directories removed); Fail/Skip, check, kv and
            main() (exit 0 pass, 1 fail, 77 skip with the reason).
  plugins   DPDK plugins loaded by name through LD_LIBRARY_PATH (EAL
            refuses a -d path below a world-writable directory such as
            a clone under /tmp), sanitizer runtimes for uninstrumented
            programs such as Debian's dpdk-testpmd.
  bench     benchmark plumbing: process groups, the placement probe
            (marlin-perf --probe), waiting for a quiet machine, the
            common command-line options, machine facts, result pages.
  stats     median, percentile (the nearest-rank rule of
            lib/marlin/rte_marlin_stats.h), number formats, verdicts.
  report    markdown pieces of the result pages: tables, placement
            sections, the copy-limit cell, targets.

Scripts find the package with:
    sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
"""
