# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""EOP under Open vSwitch with the DPDK datapath: two OVS instances (each
its own ovsdb-server, run directory and network namespace; see
tests/lib/marlin_harness/ovs.py) joined by EOP."""

import re

from eop_common import check, log
from marlin_harness import netns, ovs


def ovs_hosts(env, nss):
    """Two OvsHosts, host h with ntb_shm0 as fabric host h, loading the
    built plugins by name."""
    hosts = []
    for h in (0, 1):
        extra = ("--file-prefix=%s --log-level=pmd.net.eop:info %s "
                 "--vdev ntb_shm0,fabric=%s,host=%d,hosts=2,mw_count=1,mw_size=%s,dir=%s"
                 % (env.prefix("ovs%d" % h), " ".join(env.plugin_args()), env.fabric,
                    h, env.a.ovs_mw_size, env.tmp))
        hosts.append(ovs.OvsHost(env, h, nss[h], extra, env.testpmd_env))
    return hosts


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
                     "net_eop0,ntb=ntb_shm0,peer=%d" % (1 - o.h))
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
        if env.a.iperf_secs > 0:
            log("iperf3 through OVS: %s" % netns.iperf3(env, nss, "10.78.0.2",
                                                         env.a.iperf_secs)["text"])
            for o in hosts:
                for ifc in ("eop0", "br0"):
                    st = o.stats(ifc)
                    log("  host %d %s: %s" % (o.h, ifc, ", ".join(
                        "%s=%d" % (k, v) for k, v in sorted(st.items())
                        if re.match(r"(rx|tx)_(packets|dropped)$|ovs_tx_failure", k))))
    finally:
        for o in hosts:
            o.stop()
