# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""Open vSwitch with the DPDK datapath (Debian's openvswitch-switch-dpdk) as
a host of a test or benchmark: each OvsHost is one ovsdb-server and one
ovs-vswitchd-dpdk with their own run directory, database and sockets,
running inside a network namespace so that the bridge's internal port lives
there. Two of them on one machine are two independent switches.

  install          the package through scripts/setup.sh --with-ovs, or Skip
  hugepages_free_mib
  OvsHost          start, bridge, dpdk ports, link state, statistics, stop
"""

import os
import re
import shutil
import signal
import subprocess
import time

from .proc import Fail, Proc, Skip
from .session import check, log

VSWITCHD = "/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk"
SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"
SOCKET_MEM = 128  # MiB of hugepages per ovs-vswitchd
TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def present():
    return (os.path.exists(VSWITCHD) and os.path.exists(SCHEMA) and
            all(shutil.which(t) for t in ("ovsdb-server", "ovsdb-tool",
                                          "ovs-vsctl", "ovs-appctl")))


def install(top=None):
    """Install openvswitch-switch-dpdk through scripts/setup.sh if missing;
    Skip when it cannot be installed here."""
    if present():
        return
    top = top or os.environ.get("MARLIN_SOURCE_DIR") or TOP
    log("installing openvswitch-switch-dpdk (scripts/setup.sh --no-build --with-ovs)")
    try:
        r = subprocess.run(["bash", os.path.join(top, "scripts", "setup.sh"),
                            "--no-build", "--with-ovs"], capture_output=True,
                           text=True, timeout=600)
        why = (r.stderr or r.stdout).strip().splitlines()[-1:] or ["?"]
    except (OSError, subprocess.SubprocessError) as e:
        why = [str(e)]
    if not present():
        raise Skip("openvswitch-switch-dpdk cannot be installed here: %s" % why[0])


def hugepages_free_mib():
    free = size = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("HugePages_Free:"):
                free = int(line.split()[1])
            elif line.startswith("Hugepagesize:"):
                size = int(line.split()[1])
    return free * size // 1024


def need_hugepages(n):
    """Skip unless @n ovs-vswitchd instances find their hugepages."""
    need = n * SOCKET_MEM
    if hugepages_free_mib() < need:
        raise Skip("OVS-DPDK needs %d MiB of free hugepages, %d free: "
                   "scripts/setup.sh reserves them" % (need, hugepages_free_mib()))


class OvsHost:
    """One Open vSwitch of host @h in namespace @ns, its files in a fresh
    directory of @owner (a Session or bench Runner, which kills its
    processes at cleanup). @core: the one CPU of its DPDK lcore and PMD
    thread; @dpdk_extra: EAL options (file prefix, -d plugins, --vdev);
    @env: variables for ovs-vswitchd (LD_LIBRARY_PATH, sanitizer runtimes)."""

    def __init__(self, owner, h, ns, dpdk_extra, env=None, core=None, tag=""):
        self.owner, self.h, self.ns = owner, h, ns
        self.ip = shutil.which("ip")
        self.dir = os.path.join(owner.tmpdir(), "ovs%s%d" % (tag, h))
        os.makedirs(self.dir)
        self.sock = os.path.join(self.dir, "db.sock")
        self.ovs_env = {"OVS_RUNDIR": self.dir, "OVS_DBDIR": self.dir,
                        "OVS_LOGDIR": self.dir, "OVS_SYSCONFDIR": self.dir}
        self.sw = None
        db = os.path.join(self.dir, "conf.db")
        r = subprocess.run(["ovsdb-tool", "create", db, SCHEMA],
                           capture_output=True, text=True, timeout=30)
        check(r.returncode == 0, "ovsdb-tool create: %s" % r.stderr)
        self.db = Proc(owner, "ovsdb%s%d" % (tag, h), [
            self.ip, "netns", "exec", ns, "ovsdb-server", db,
            "--remote=punix:" + self.sock, "--pidfile=" + self.path("ovsdb-server.pid"),
            "--unixctl=" + self.path("ovsdb-server.ctl"),
            "--log-file=" + self.path("ovsdb-server.log")], self.ovs_env)
        deadline = time.time() + 20
        while not os.path.exists(self.sock):
            check(time.time() < deadline and self.db.alive(),
                  "ovsdb-server %d did not start\n%s" % (h, self.db.tail()))
            time.sleep(0.1)
        mask = "0x%x" % (1 << (h if core is None else core))
        for _ in range(3):  # the socket exists a moment before it accepts
            r = subprocess.run(["ovs-vsctl", "--db=unix:" + self.sock, "--timeout=10",
                                "--no-wait", "init"], capture_output=True, text=True,
                               timeout=20)
            if r.returncode == 0:
                break
            time.sleep(0.5)
        check(r.returncode == 0, "ovs-vsctl init (host %d): %s\n%s" % (
            h, r.stderr.strip(), self.db.tail()))
        self.vsctl("--no-wait", "set", "Open_vSwitch", ".",
                   "other_config:dpdk-init=true",
                   "other_config:dpdk-lcore-mask=" + mask,
                   "other_config:pmd-cpu-mask=" + mask,
                   "other_config:dpdk-socket-mem=%d" % SOCKET_MEM,
                   "other_config:dpdk-extra=--no-pci " + dpdk_extra)
        self.sw = Proc(owner, "ovs%s%d" % (tag, h), [
            self.ip, "netns", "exec", ns, VSWITCHD, "unix:" + self.sock,
            "--pidfile=" + self.path("ovs-vswitchd.pid"),
            "--unixctl=" + self.path("ovs-vswitchd.ctl"),
            "--log-file=" + self.path("ovs-vswitchd.log")],
            dict(self.ovs_env, **(env or {})))

    def path(self, name):
        return os.path.join(self.dir, name)

    def vsctl(self, *args, timeout=30):
        r = subprocess.run(["ovs-vsctl", "--db=unix:" + self.sock,
                            "--timeout=%d" % timeout] + list(args),
                           capture_output=True, text=True, timeout=timeout + 10)
        if r.returncode != 0 and self.sw is not None and not self.sw.alive():
            raise Fail("ovs-vsctl %s (host %d): ovs-vswitchd exited (%s); its "
                       "log ends:\n%s" % (" ".join(args), self.h,
                                          self.sw.proc.returncode, self.log_tail(30)))
        check(r.returncode == 0, "ovs-vsctl %s (host %d): %s\n%s" % (
            " ".join(args), self.h, r.stderr.strip(), self.log_tail()))
        return r.stdout.strip()

    def bridge(self, addr, port, devargs, options=(), txqueuelen=None):
        """Bridge br0 (netdev datapath) with the DPDK port @port
        (@devargs, Interface @options such as n_txq_desc=4096); its internal
        port br0 gets @addr (CIDR) and @txqueuelen in the namespace."""
        from .netns import ns_up
        self.vsctl("add-br", "br0", "--", "set", "bridge", "br0",
                   "datapath_type=netdev", timeout=60)
        self.vsctl("add-port", "br0", port, "--", "set", "Interface", port,
                   "type=dpdk", "options:dpdk-devargs=" + devargs,
                   *["options:" + o for o in options], timeout=60)
        ns_up(self.ns, "br0", addr, txqueuelen)

    def wait_link(self, port, timeout=20.0):
        deadline = time.time() + timeout
        while self.vsctl("get", "Interface", port, "link_state") != "up":
            check(time.time() < deadline, "host %d: %s link not up in %.0f s\n%s"
                  % (self.h, port, timeout, self.log_tail()))
            time.sleep(0.3)

    def stats(self, port):
        """The Interface statistics of @port as a dict of integers."""
        st = self.vsctl("get", "Interface", port, "statistics")
        out = {}
        for kv in st.strip("{}").split(", "):
            k, _, v = kv.partition("=")
            if re.match(r"^\d+$", v):
                out[k] = int(v)
        return out

    def log_tail(self, n=15):
        try:
            with open(self.path("ovs-vswitchd.log")) as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return (self.sw or self.db).tail(n)

    def stop(self):
        """Ask both daemons to exit (SIGTERM, then SIGKILL, if they do not);
        the owner's cleanup kills whatever is left even when this is never
        reached."""
        for ctl, pr, how in (("ovs-vswitchd.ctl", self.sw, ["--cleanup"]),
                             ("ovsdb-server.ctl", self.db, [])):
            if pr is None:
                continue
            # --cleanup: the bridge's internal port (a tap) goes too
            subprocess.run(["ovs-appctl", "-t", self.path(ctl), "exit"] + how,
                           capture_output=True, timeout=20)
            pr.stop(signal.SIGTERM, timeout=15)
