#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""EOP integration tests: two hosts (processes) on one ntb_shm fabric.

    eop_test.py --build DIR --frames PATH [--no-manager] TEST
    eop_test.py --skip REASON TEST          (exits 77)

The hosts register with a rack manager the harness starts (every pair
granted; --no-manager runs without, as smallwin and rings do).
Hosts are Debian's dpdk-testpmd, driven interactively over stdin and
loading the built plugins by name (-d librte_ntb_shm.so -d librte_net_eop.so,
found through LD_LIBRARY_PATH: see tests/lib/marlin_harness/plugins.py),
or eop_frames (integrity traffic). Host 0 runs on core 0, host 1 on core 1.

TEST is one of:
  devargs    bad or unknown devargs: a clear error and no port
  txrx       txonly -> rxonly, then io forward both ways; counts match
  queues4    the same with 4 queues each way
  jumbo      the same with 9000-byte frames (multi-segment tx, scatter rx)
  integrity  checksummed, sequence-numbered frames both ways, 4 queues,
             60..9000 bytes, multi-segment: nothing corrupted or reordered
  kill       the peer is killed mid-traffic: the survivor sees the link go
             down, keeps running, and recovers when the peer restarts
  intr       a receiver in interrupt mode sleeps while idle and is woken
             by doorbells
  reconfig   stop / reconfigure / start a port under traffic
  sockets    each host bridges EOP to a tap in its own network namespace:
             ping and a TCP transfer between the namespaces
  teardown_cmdline      testpmd exits from its command-line error path
             (rte_exit) with the port open, rmdir delayed 300 ms by strace:
             exit code 1, not SIGSEGV, and no fabric files left
  teardown_detach       ntb_shm0 removed under a sending port: link down on
             both ends, clean quit, no files left
  teardown_close_first  port closed before the NTB device goes: clean quit
  mismatch   queues=2 against queues=4 (and depth): both ends name the
             devargs that differ; the link stays down
  linkinfo   over the software fabric the link speed is Unknown
  corrupt    host 1 sends to host 0 (txonly -> rxonly, 2 queues) while
             random bytes are written into host 0's window for 3 s:
             both ends report the link down (LSC), and within 1 s of the
             garbage stopping both report it up again by themselves and
             frames arrive again; then io forward both ways
  ovs        two Open vSwitch instances (DPDK datapath, each its own
             ovsdb-server, run directory and network namespace) joined by
             EOP: ping and a TCP transfer with its sha256 compared; iperf3
             (when installed) with fewer than 0.1% of segments
             retransmitted, and the frames lost at each stage reported
  rack       rack=1 on 4 hosts (net_tap + namespaces): every pair pings and
             exchanges verified TCP; unknown unicast counted; a killed
             host stops only its own traffic
  rack_pushback  rack=1, host 0 txonly to host 1's MAC: a full ring is
             waited for (counted), not dropped at once; with the receiver
             stopped one 10 ms wait, then counted drops
  smallwin   ntb_shm mw_size=1M across 8 hosts: EOP's default rings fit,
             traffic of 64 and 1500 bytes flows; 4 queues are refused with
             the window size that would fit
  rings      --rxd/--txd are used (rounded to a power of two, logged); the
             window's limit is the reported descriptor limit, with the
             mw_size= that lifts it

The cases live in modules by theme: eop_common.py (Env, testpmd and
eop_frames helpers), eop_pmd_cases.py, eop_net_cases.py (tap + namespace),
eop_ovs_cases.py, eop_teardown_cases.py; namespaces and Open vSwitch hosts
come from tests/lib/marlin_harness (netns.py, ovs.py).

Every wait is bounded; whatever happens, the processes are killed and the
fabric, EAL runtime directories and namespaces are removed before exit.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from eop_common import Env  # noqa: E402
from eop_net_cases import t_rack, t_rack_pushback, t_sockets  # noqa: E402
from eop_ovs_cases import t_ovs  # noqa: E402
from eop_pmd_cases import (  # noqa: E402
    t_corrupt, t_devargs, t_integrity, t_intr, t_jumbo, t_kill, t_linkinfo,
    t_mismatch, t_queues4, t_reconfig, t_rings, t_smallwin, t_txrx)
from eop_teardown_cases import (  # noqa: E402
    t_teardown_close_first, t_teardown_cmdline, t_teardown_detach)
from marlin_harness.session import main as harness_main  # noqa: E402


TESTS = {
    "devargs": t_devargs, "txrx": t_txrx, "queues4": t_queues4, "jumbo": t_jumbo,
    "integrity": t_integrity, "kill": t_kill, "intr": t_intr,
    "reconfig": t_reconfig, "sockets": t_sockets,
    "teardown_cmdline": t_teardown_cmdline, "teardown_detach": t_teardown_detach,
    "teardown_close_first": t_teardown_close_first,
    "mismatch": t_mismatch, "linkinfo": t_linkinfo, "corrupt": t_corrupt,
    "rings": t_rings, "ovs": t_ovs, "smallwin": t_smallwin, "rack": t_rack,
    "rack_pushback": t_rack_pushback,
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build")
    ap.add_argument("--frames")
    ap.add_argument("--mw-size", default="16M")
    ap.add_argument("--no-manager", action="store_true",
                    help="run the hosts without a rack manager (default: "
                    "one is started and every pair granted)")
    ap.add_argument("--ovs-mw-size", default="32M",
                    help="ovs: ntb_shm window (32M holds OVS's 2048-slot rings)")
    ap.add_argument("--ovs-txqueuelen", type=int, default=10000,
                    help="ovs: txqueuelen of the bridges' internal ports")
    ap.add_argument("--max-retrans-pct", type=float, default=0.1,
                    help="ovs: fail when iperf3's retransmits reach this share "
                    "of segments, in %% (default 0.1; a negative value: "
                    "report only)")
    ap.add_argument("--ping-count", type=int, default=5,
                    help="sockets/ovs: ICMP echoes")
    ap.add_argument("--rxd", type=int, default=0,
                    help="sockets: ring size testpmd asks for (0: the port's default)")
    ap.add_argument("--iperf-secs", type=int, default=3,
                    help="sockets: iperf3 seconds when iperf3 is installed (0: none)")

    def prepare(a):
        if not a.build or not a.frames:
            ap.error("--build and --frames are required")
        a.frames = os.path.abspath(a.frames)
    return harness_main(ap, TESTS, lambda a: Env(a, a.test), prepare)


if __name__ == "__main__":
    sys.exit(main())
