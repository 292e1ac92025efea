# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""EOP under Open vSwitch with the DPDK datapath: two OVS instances (each
its own ovsdb-server, run directory and network namespace; see
tests/lib/marlin_harness/ovs.py) joined by EOP."""

import re
import shutil

from eop_common import check, log
from marlin_harness import netns, ovs


def ovs_hosts(env, nss):
    """Two OvsHosts, host h with ntb_shm0 as fabric host h, loading the
    built plugins by name."""
    hosts = []
    for h in (0, 1):
        extra = ("--file-prefix=%s --log-level=pmd.net.eop:info %s "
                 "--vdev ntb_shm0,fabric=%s,host=%d,hosts=2,mw_count=1,mw_size=%s,dir=%s%s"
                 % (env.prefix("ovs%d" % h), " ".join(env.plugin_args()), env.fabric,
                    h, env.a.ovs_mw_size, env.tmp, env.manager_devarg()))
        hosts.append(ovs.OvsHost(env, h, nss[h], extra, env.testpmd_env))
    return hosts


def drop_stages(hosts):
    """Frames lost so far at each stage of the path, both hosts: EOP's
    transmit refusing OVS (OVS counts ovs_tx_failure_drops on eop0), OVS
    dropping on receive from EOP or the internal port, and the kernel
    dropping on the internal port (its tx queue towards OVS: 'ip -s link')."""
    out = {}
    for o in hosts:
        e, b = o.stats("eop0"), o.stats("br0")
        krx, ktx = netns.link_drops(o.ns, "br0")
        out["h%d eop tx refused" % o.h] = e.get("ovs_tx_failure_drops", 0)
        out["h%d ovs eop0 rx dropped" % o.h] = e.get("rx_dropped", 0)
        out["h%d ovs br0 tx dropped" % o.h] = b.get("tx_dropped", 0)
        out["h%d kernel br0 tx dropped" % o.h] = ktx or 0
        out["h%d kernel br0 rx dropped" % o.h] = krx or 0
    return out


def t_ovs(env):
    """Two Open vSwitch instances (DPDK datapath) joined by EOP, each with its
    bridge's internal port in its own namespace: ping, and a TCP transfer
    whose sha256 both ends compare."""
    netns.ip_tool()
    ovs.install()
    ovs.need_hugepages(2)
    nss = netns.make_netns(env, "eopovs", 2)
    hosts = []
    try:
        hosts = ovs_hosts(env, nss)
        for o in hosts:
            o.bridge("10.78.0.%d/24" % (o.h + 1), "eop0",
                     "net_eop0,ntb=ntb_shm0,peer=%d" % (1 - o.h),
                     txqueuelen=env.a.ovs_txqueuelen)
        for o in hosts:
            o.wait_link("eop0")
        for o in hosts:
            # OVS asks for 2048 descriptors a queue (n_rxq_desc/n_txq_desc)
            rings = re.findall(r"rings of (\d+) slots per queue", o.log_tail(400))
            check(rings[-1:] == ["2048"],
                  "host %d: EOP did not take OVS's ring size (2048): %s\n%s"
                  % (o.h, rings, o.log_tail()))
        log("OVS: both eop0 links up, EOP rings of 2048 slots as OVS asked")
        netns.ns_ping(nss[0], "10.78.0.2", env.a.ping_count)
        netns.ns_tcp(env, nss, "10.78.0.2", 32 << 20)
        if env.a.iperf_secs > 0 and shutil.which("iperf3"):
            before = drop_stages(hosts)
            res = netns.iperf3(env, nss, "10.78.0.2", env.a.iperf_secs)
            after = drop_stages(hosts)
            log("iperf3 through OVS (internal ports txqueuelen %d): %s"
                % (env.a.ovs_txqueuelen, res["text"]))
            log("  frames lost per stage during iperf3: %s" % ", ".join(
                "%s %d" % (k, after[k] - before[k]) for k in after))
            if env.a.max_retrans_pct >= 0:
                check(res["pct"] < env.a.max_retrans_pct,
                      "%d retransmits, %.3f%% of segments (limit %.3f%%)" % (
                          res["retransmits"], res["pct"], env.a.max_retrans_pct))
        elif env.a.iperf_secs > 0:
            log("iperf3 not installed: no throughput or retransmit check")
    finally:
        for o in hosts:
            o.stop()
