# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""Teardown in every order (command-line exit, device detach under a
sending port, port closed first), each checked with 300 ms injected into
every rmdir by strace so that anything still polling a closing device runs
into it: clean exit codes and no fabric files left."""

import os
import shutil
import subprocess
import time

from eop_common import (CMD_TIMEOUT, START_TIMEOUT, Proc, Skip, check, log,
                        pmd_ready, quit_pmd, wait_link)


def strace_delay():
    """Prefix that holds every rmdir 300 ms (strace fault injection): the
    NTB device's close then lasts long enough for anything that still
    polls it (EOP's alarm) to run into it."""
    st = shutil.which("strace")
    if not st:
        raise Skip("strace not found (Debian package strace)")
    args = [st, "-f", "-qq", "-o", "/dev/null", "-e", "trace=rmdir",
            "-e", "inject=rmdir:delay_enter=300000"]
    try:
        r = subprocess.run(args + ["true"], capture_output=True, text=True,
                           timeout=30)
    except (OSError, subprocess.SubprocessError) as e:
        raise Skip("strace cannot run: %s" % e)
    if r.returncode != 0:
        raise Skip("strace cannot trace here (ptrace refused?): %s"
                   % r.stderr.strip()[:200])
    return args


def delayed_pmd(env, host, tag, pmd_args, interactive=True):
    if not env.testpmd:
        raise Skip("dpdk-testpmd not found (Debian package dpdk)")
    stdbuf = shutil.which("stdbuf")
    args = ([stdbuf, "-oL", "-eL"] if stdbuf else []) + strace_delay()
    args += [env.testpmd] + env.eal(host, tag) + env.plugin_args()
    args += ["--"] + (["-i"] if interactive else []) + list(pmd_args)
    return Proc(env, "h%d%s" % (host, tag), args, env.testpmd_env, cwd="/")


def host_files(env, host):
    """Files host @host left in the fabric directory."""
    d = os.path.join(env.tmp, "marlin-fabric-" + env.fabric)
    try:
        return sorted(n for n in os.listdir(d) if n.startswith("host-%d." % host))
    except FileNotFoundError:
        return []


def exited_clean(env, h, host, want_rc, label):
    rc = h.wait(30, "exit (%s)" % label)
    check(rc == want_rc, "%s: exited with %s, expected %d%s\n%s" % (
        label, rc, want_rc,
        " (killed by a signal)" if rc < 0 or rc > 128 else "",
        h.tail()))
    left = host_files(env, host)
    check(not left, "%s: the host's fabric files were left behind: %s" % (label, left))


def t_teardown_cmdline(env):
    """testpmd quits from its own command-line error path (rte_exit): the EAL
    removes ntb_shm0 before net_eop0, whose alarm is still polling it."""
    h = delayed_pmd(env, 1, "c", ["--no-such-option"], interactive=False)
    h.wait_for(r"Invalid option|incomplete or incorrect", START_TIMEOUT)
    exited_clean(env, h, 1, 1, "command-line error exit")
    log("teardown_cmdline: rte_exit with the EOP port open: exit code 1, no files left")


def t_teardown_detach(env):
    """ntb_shm0 is removed (testpmd 'device detach') while the EOP port still
    holds a channel on it and sends: the port sees the link go down, the peer
    too, nothing crashes, and quitting afterwards frees everything."""
    h0 = env.testpmd_host(0, "a")
    h1 = delayed_pmd(env, 1, "b", ["--nb-cores=1", "--total-num-mbufs=16384"])
    pmd_ready(h0)
    pmd_ready(h1)
    wait_link(h0, True)
    wait_link(h1, True)
    h0.send("set fwd rxonly")
    h0.send("start")
    h1.send("set fwd txonly")
    h1.send("start")
    time.sleep(1.0)
    h1.call("device detach ntb_shm0", r"ntb_shm0 removed while 1 user",
            CMD_TIMEOUT)
    wait_link(h1, False, 5.0)
    wait_link(h0, False, 5.0)
    time.sleep(0.5)
    check(h1.alive(), "host 1 died after the detach\n%s" % h1.tail())
    h1.call("stop", r"Done\.", CMD_TIMEOUT)
    h1.send("quit")
    exited_clean(env, h1, 1, 0, "quit after the detach")
    quit_pmd(h0)
    log("teardown_detach: device removed under a running port: link down on both "
        "ends, clean quit, no files left")


def t_teardown_close_first(env):
    """The other order: the EOP port is closed first ('port close', then the
    EAL removes ntb_shm0 at quit); also a plain quit, where testpmd closes the
    port itself. Passes on the old code too: it guards the order that worked."""
    for i, cmds in enumerate((["port stop 0", "port close 0"], [])):
        h = delayed_pmd(env, 1, "q%d" % i, ["--nb-cores=1", "--total-num-mbufs=16384"])
        pmd_ready(h)
        for c in cmds:
            h.call(c, r"Done|closed|Stopping", CMD_TIMEOUT)
        h.send("quit")
        exited_clean(env, h, 1, 0, "quit after %s" % (" + ".join(cmds) or "nothing"))
    log("teardown_close_first: port closed before the NTB device: clean quit, no files left")
