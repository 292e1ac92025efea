#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""Run marlin-perf as a local two-host rack (two processes on one ntb_shm
fabric) with --check --json and check the outcome: exit status 0, one
well-formed JSON object with the expected fields, no data check errors,
and no fabric left behind. No performance figure is asserted.

    perf_test.py MARLIN_PERF TEST [marlin-perf options...]
"""

import glob
import json
import os
import subprocess
import sys

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


def main():
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

    left = [d for pat in ("/dev/hugepages/*/" + fabric, "/dev/shm/" + fabric,
                          "/dev/shm/*/" + fabric, "/dev/hugepages/" + fabric)
            for d in glob.glob(pat)]
    if left:
        fail("fabric files left behind: %s" % left, out, err)
    print("ok: %s, %d row(s), placement %s" % (test, len(res),
                                              doc["placement"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
