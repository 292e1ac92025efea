#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""EOP transmit pool across processes: two eop_frames hosts on one ntb_shm
fabric build their frames in each other's memory (rte_pmd_eop_tx_mempool,
devarg tx_bufs=) and check every frame received (checksum, order, loss).

    eop_txpool_test.py --build DIR --frames PATH TEST

TEST is one of:
  txpool       both hosts send from their transmit pool, 2 queues, frames
               of 60..2048 bytes; the receiver of host 1 copies (rx_copy=1)
  txpool_kill  host 1 is killed -9 mid-stream and restarted: host 0's pool
               buffers come back, traffic resumes clean (frames host 0 had
               built but not sent are built again after the link change:
               they lived in the memory the restarted peer set up anew)

Uses the helpers of eop_common.py (same fabric, hosts and checks).
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eop_common  # noqa: E402
from eop_common import (  # noqa: E402
    START_TIMEOUT, check, check_clean, finish_frames, last_json, log)
from marlin_harness.session import main as harness_main  # noqa: E402

ARGS = ["--queues", "2", "--min", "60", "--max", "2048", "--mtu", "2048",
        "--status-ms", "500", "--txpool"]


def start(env, host, tag, vdev):
    h = env.frames_host(host, tag, ARGS, vdev)
    h.wait_for(r"^READY", START_TIMEOUT)
    return h


def txpool_of(h):
    return last_json(h, "TXPOOL")


def t_txpool(env):
    h0 = start(env, 0, "a", ",queues=2,tx_bufs=512")
    h1 = start(env, 1, "b", ",queues=2,tx_bufs=512,rx_copy=1")
    time.sleep(6)
    (f0, p0, m0), (f1, p1, m1) = finish_frames([h0, h1])
    for h, f, p, m in ((h0, f0, p0, m0), (h1, f1, p1, m1)):
        tp = txpool_of(h)
        log("%s: sent %d (%d built in the peer's memory), received %d "
            "(zero-copy %d, copied %d), corrupted %d, reordered %d, lost %d" % (
                h.name, f["tx"], tp["frames"], f["rx"], p["rx_zero_copy_frames"],
                p["rx_copied_frames"], f["corrupt"], f["reorder"], f["lost"]))
        check_clean(h, f, p, m)
        check(f["lost"] == 0, "%s: %d frames missing in sequence" % (h.name, f["lost"]))
        check(tp["frames"] > 1000, "%s: too few frames from the transmit pool" % h.name)
        check(tp["freed_at_close"] == 1,
              "%s: the transmit pool was not freed at close (mbufs still held)" % h.name)
    # host 1 copies everything (rx_copy=1); host 0 takes pool frames zero-copy
    check(p1["rx_zero_copy_frames"] == 0, "h1 (rx_copy=1) received zero-copy frames")
    check(p0["rx_zero_copy_frames"] > 1000, "h0 took too few frames zero-copy")
    check(f0["tx"] == f1["rx"] and f1["tx"] == f0["rx"],
          "counts differ: 0->1 %d/%d, 1->0 %d/%d" % (f0["tx"], f1["rx"], f1["tx"], f0["rx"]))


def t_txpool_kill(env):
    h0 = start(env, 0, "a", ",queues=2,tx_bufs=512")
    h1 = start(env, 1, "b", ",queues=2,tx_bufs=512")
    h0.wait_for(r'^STATUS \{"link": 1', 20)
    time.sleep(2)
    m = h0.mark()
    h1.proc.kill()
    h1.proc.wait(timeout=10)
    h0.wait_for(r"^LINK down", 5, m)
    time.sleep(1.0)
    check(h0.alive(), "survivor died\n%s" % h0.tail())
    m = h0.mark()
    h1b = start(env, 1, "b2", ",queues=2,tx_bufs=512")
    h0.wait_for(r"^LINK up", 20, m)
    time.sleep(3)
    (f0, p0, m0), (f1, p1, m1) = finish_frames([h0, h1b])
    tp0 = txpool_of(h0)
    log("h0: sent %d (%d in place, %d built again after the link change), "
        "%d lost at the kill; h1b received %d, corrupted %d" % (
            f0["tx"], tp0["frames"], tp0["rebuilt"], p0["tx_link_lost_frames"],
            f1["rx"], f1["corrupt"]))
    check_clean(h0, f0, p0, m0)
    check_clean(h1b, f1, p1, m1)
    check(tp0["freed_at_close"] == 1, "h0: transmit pool mbufs leaked across the kill")
    check(f1["rx"] > 1000, "h1b: too little traffic after the restart")
    # frames of the pool built before the peer came back were refused until
    # the application rearmed the pool (none reached the new peer: corrupt 0)
    check(p0["tx_stale_pool_frames"] > 0,
          "h0: no pool frame was held back across the link loss")


TESTS = {"txpool": t_txpool, "txpool_kill": t_txpool_kill}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build")
    ap.add_argument("--frames")
    ap.add_argument("--mw-size", default="16M")
    ap.add_argument("--no-manager", action="store_true",
                    help="run the hosts without a rack manager (default: "
                    "one is started and every pair granted)")

    def prepare(a):
        if not a.build or not a.frames:
            ap.error("--build and --frames are required")
        a.frames = os.path.abspath(a.frames)
    return harness_main(ap, TESTS, lambda a: eop_common.Env(a, a.test), prepare)


if __name__ == "__main__":
    sys.exit(main())
