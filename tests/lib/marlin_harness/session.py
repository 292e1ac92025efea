# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""One test's fabric, directories and processes, and the test runner.

A Session owns everything a multi-process test creates: the processes it
starts, the EAL file prefixes they use, ntb_shm fabrics (in a fresh parent
directory under /dev/shm), temporary directories and network namespaces.
cleanup() kills every process, runs `marlin-fabric clean` on every fabric
(when the tool is built), removes the EAL runtime directories, the fabric
and temporary directories and the namespaces, whatever happened before.

run() is the main of a test script: it runs one test function, turns
Fail into exit 1 (with the reason and the last lines of every process),
Skip into exit 77 (with the reason), checks that nothing was left behind
and prints PASS/FAIL with the time taken. meson stops an overrunning test
with SIGTERM: that also ends in cleanup().
"""

import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

from .proc import Fail, Skip, Proc, CmdHost, kv  # noqa: F401 (re-exported)

SKIP = 77


def log(msg):
    print(msg, flush=True)


def check(cond, msg):
    """Fail with @msg unless @cond."""
    if not cond:
        raise Fail(msg)


def runtime_dirs(prefix):
    """Where EAL may keep the runtime directory of file prefix @prefix."""
    dirs = ["/var/run/dpdk/" + prefix, "/tmp/dpdk/" + prefix]
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg:
        dirs.append(os.path.join(xdg, "dpdk", prefix))
    return dirs


def remove_runtime(prefixes, huge_dir=None):
    """EAL runtime directories (and hugepage files in @huge_dir) of
    @prefixes."""
    for pre in prefixes:
        for d in runtime_dirs(pre):
            shutil.rmtree(d, ignore_errors=True)
        if huge_dir:
            for f in glob.glob(os.path.join(huge_dir, pre + "*")):
                try:
                    os.unlink(f)
                except OSError:
                    pass


def fabric_tool(build=None):
    """marlin-fabric of build tree @build (default $MARLIN_BUILD_DIR), or
    None when it is not built."""
    build = build or os.environ.get("MARLIN_BUILD_DIR", "")
    p = os.path.join(build, "apps", "marlin-fabric", "marlin-fabric")
    return p if build and os.access(p, os.X_OK) else None


def clean_fabric(name, parent=None, tool=None):
    """Remove fabric @name (in @parent, default hugetlbfs and /dev/shm):
    `marlin-fabric clean` first (it removes dead hosts' files the way the
    driver does), then whatever is left of the directory."""
    tool = tool or fabric_tool()
    if tool:
        args = [tool] + (["--dir", parent] if parent else []) + [name,
                                                                  "clean"]
        try:
            subprocess.run(args, capture_output=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            pass
    parents = [parent] if parent else ["/dev/hugepages", "/dev/shm"]
    for p in parents:
        shutil.rmtree(os.path.join(p, "marlin-fabric-" + name),
                      ignore_errors=True)


class Session:
    """State of one test or benchmark run.

    @name: short test name; @tag: prefix of every name made here (fabric,
    file prefixes, directories); @fabric_parent: make a fresh parent
    directory for ntb_shm fabrics under /dev/shm (else fabrics live where
    the driver puts them by default and are named through add_fabric);
    @manager: run the ntb_shm hosts with a rack manager (manager_socket()
    starts one on first use, shm_devargs() and manager_devarg() add
    manager=SOCKET).
    """

    def __init__(self, name, tag="mp", fabric_parent=True, tool=None,
                 manager=False):
        self.name = name
        self.tag = tag
        self.pid = os.getpid()
        self.fabric = "%s%d%s" % (tag, self.pid, name.replace("_", ""))
        self.parent = (tempfile.mkdtemp(prefix="marlin-%s-" % tag,
                                        dir="/dev/shm")
                       if fabric_parent else None)
        self.tool = tool or fabric_tool()
        self.procs = []
        self.prefixes = []
        self.fabrics = [(self.fabric, self.parent)] if fabric_parent else []
        self.tmpdirs = []
        self.netns = []
        self.huge_dir = None
        self.use_manager = manager
        self.socket = None
        self.manager = None
        self.manager_run = None

    # ---- names -------------------------------------------------------------
    def prefix(self, what):
        """A fresh EAL --file-prefix, removed at cleanup."""
        p = "%s%d_%s_%s" % (self.tag, self.pid, self.name, what)
        self.prefixes.append(p)
        return p

    def add_fabric(self, name, parent=None):
        """Remember a fabric made elsewhere, cleaned at cleanup."""
        self.fabrics.append((name, parent))
        return name

    def tmpdir(self, under=None):
        d = tempfile.mkdtemp(prefix="marlin-%s-" % self.tag, dir=under)
        self.tmpdirs.append(d)
        return d

    def shm_devargs(self, hid, hosts=2, extra="", fabric=None, name="ntb_shm0"):
        """--vdev argument of host @hid of this session's fabric (with
        manager=SOCKET when the session runs a manager)."""
        return "%s,fabric=%s,host=%d,hosts=%d%s,dir=%s%s" % (
            name, fabric or self.fabric, hid, hosts, extra, self.parent,
            self.manager_devarg())

    # ---- the rack manager --------------------------------------------------
    def manager_start(self, tool=None, extra=()):
        """Start a rack manager (marlin-fabric serve) in a directory of
        its own (the same one again when it is restarted), with the default
        policy (this uid holds every host id, all pairs granted rw) unless
        @extra says otherwise; killed at cleanup.
        Returns its Proc; self.socket is its socket."""
        tool = tool or self.tool
        if not tool:
            raise Skip("marlin-fabric (apps/marlin-fabric) is not built: "
                       "no rack manager")
        if self.manager_run is None:    # a restart keeps the socket path
            self.manager_run = os.path.join(self.tmpdir(), "run")
        run = self.manager_run
        m = Proc(self, "manager", [tool, "serve", "--run-dir", run] +
                 list(extra), merge=False, stdin=False)
        # "ready SOCKET", or the end of its output on failure
        self.socket = m.next_line(r"^ready ", 30, "the rack manager's ready "
                                  "line").split()[1]
        self.manager = m
        log("rack manager: %s" % self.socket)
        return m

    def manager_socket(self):
        """The manager's socket, started on first use; None when this
        session runs its hosts without one."""
        if self.use_manager and self.socket is None:
            self.manager_start()
        return self.socket

    def manager_devarg(self):
        """',manager=SOCKET' for an ntb_shm --vdev, or ''."""
        sock = self.manager_socket()
        return ",manager=" + sock if sock else ""

    @staticmethod
    def eal_args(core, prefix, mem=128, huge=False):
        """EAL options of one host process pinned to @core."""
        a = ["-l", str(core), "--no-pci"]
        if not huge:
            a.append("--no-huge")
        return a + ["-m", str(mem), "--no-telemetry", "--file-prefix", prefix,
                    "--log-level", "lib.eal:warning"]

    # ---- processes ---------------------------------------------------------
    def start(self, name, args, cls=Proc, **kw):
        """Start a process this session owns (killed at cleanup)."""
        return cls(self, name, args, **kw)

    def run(self, args, timeout=30, what=None, **kw):
        """Run a command to its end; Fail unless it exits 0. stdout."""
        try:
            r = subprocess.run([str(a) for a in args], capture_output=True,
                               text=True, timeout=timeout, **kw)
        except subprocess.TimeoutExpired:
            raise Fail("'%s' did not finish within %d s" %
                       (" ".join(map(str, args)), timeout))
        if r.returncode != 0:
            raise Fail("'%s' failed (%d): %s %s" %
                       (what or " ".join(map(str, args)), r.returncode,
                        r.stdout.strip(), r.stderr.strip()))
        return r.stdout

    # ---- the end -----------------------------------------------------------
    def cleanup(self):
        for p in self.procs:
            if p.alive():
                p.send_signal(signal.SIGKILL)
        for p in self.procs:
            p.kill()
        for name, parent in self.fabrics:
            clean_fabric(name, parent, self.tool)
        remove_runtime(self.prefixes, self.huge_dir)
        for ns in self.netns:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        for d in self.tmpdirs + ([self.parent] if self.parent else []):
            shutil.rmtree(d, ignore_errors=True)

    def leftovers(self):
        """What cleanup() failed to remove."""
        left = [d for pre in self.prefixes for d in runtime_dirs(pre)
                if os.path.exists(d)]
        if self.parent and os.path.exists(self.parent):
            left.append(self.parent)
        return left

    def dump(self):
        for p in self.procs:
            p.dump(log)


def skip(name, reason):
    """Say why test @name cannot run; the exit status for it."""
    log("SKIP %s: %s" % (name, reason))
    return SKIP


def main(ap, tests, session_for, prepare=None):
    """The main of a test script: adds --skip REASON and the TEST argument
    (one of @tests, a dict name -> test function) to parser @ap, parses;
    @prepare(args) may return an exit status (a skip) or call ap.error;
    then runs the test on session_for(args). Returns the exit status."""
    ap.add_argument("--skip", help="exit 77 with this reason")
    ap.add_argument("test", choices=sorted(tests))
    args = ap.parse_args()
    if args.skip:
        return skip(args.test, args.skip)
    if prepare is not None:
        rc = prepare(args)
        if rc is not None:
            return rc
    s = session_for(args)
    return run(s.name, tests[args.test], s)


def run(name, fn, session):
    """Run test function @fn(session); exit status 0, 1 or 77."""
    def on_term(signum, _frame):
        raise Fail("stopped by signal %d" % signum)
    signal.signal(signal.SIGTERM, on_term)
    start = time.monotonic()
    ok = False
    try:
        fn(session)
        ok = True
    except Skip as e:
        session.cleanup()
        return skip(name, e)
    except Fail as e:
        log("FAIL %s: %s" % (name, e))
        session.dump()
    except Exception:
        log("FAIL %s: harness error" % name)
        traceback.print_exc(file=sys.stdout)
        session.dump()
    finally:
        session.cleanup()
    left = session.leftovers()
    if left:
        log("FAIL %s: left behind: %s" % (name, left))
        ok = False
    log("%s %s (%.1f s)" % ("PASS" if ok else "FAIL", name,
                            time.monotonic() - start))
    return 0 if ok else 1
