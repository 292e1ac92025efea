# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""Loading DPDK plugins (drivers built as shared objects) safely.

EAL refuses a `-d PATH` when the file or any directory above it is
world-writable: a clone under /tmp cannot load its own drivers by path.
Every script that starts DPDK processes therefore passes bare names
(`-d librte_net_eop.so`) and puts the directories holding them first in
LD_LIBRARY_PATH, where dlopen() finds them. The processes start in /
so that no file of that name in the current directory is taken instead.
"""

import os
import re
import subprocess

# where a Marlin build tree keeps its plugins and libraries
PLUGINS = {
    "ntb_shm": ("drivers", "librte_ntb_shm.so"),
    "net_eop": ("drivers", "librte_net_eop.so"),
}
LIB_DIRS = (("lib",), ("drivers",))


def plugin_path(build, name):
    """Path of plugin @name ('ntb_shm', 'net_eop') in build tree @build."""
    return os.path.join(os.path.abspath(build), *PLUGINS[name])


def missing(paths):
    """Those of @paths that do not exist."""
    return [p for p in paths if not os.path.exists(p)]


def library_path(dirs, base=None):
    """LD_LIBRARY_PATH with @dirs first (then @base, default the current
    value), without empty or repeated entries."""
    if base is None:
        base = os.environ.get("LD_LIBRARY_PATH", "")
    out = []
    for d in list(dirs) + base.split(":"):
        if d and d not in out:
            out.append(d)
    return ":".join(out)


def build_env(build, extra_dirs=()):
    """Environment entries that let a process of build tree @build find
    its libraries and plugins by name."""
    b = os.path.abspath(build)
    dirs = [os.path.join(b, *d) for d in LIB_DIRS] + list(extra_dirs)
    return {"LD_LIBRARY_PATH": library_path(dirs)}


def load_args(paths):
    """EAL options that load the plugins @paths by name, and the
    environment that makes the names resolve: (args, env)."""
    args = []
    for p in paths:
        args += ["-d", os.path.basename(p)]
    env = {"LD_LIBRARY_PATH": library_path(
        [os.path.dirname(os.path.abspath(p)) for p in paths])}
    return args, env


def sanitizer_env(instrumented):
    """For an uninstrumented program (Debian's dpdk-testpmd) that loads the
    sanitizer-instrumented shared object @instrumented: LD_PRELOAD of the
    sanitizer runtimes it links, and ASan options (DPDK itself leaks at
    exit in ways Marlin does not own). {} when it is not instrumented."""
    try:
        out = subprocess.run(["ldd", instrumented], capture_output=True,
                             text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    pre = []
    for lib in ("libasan.so", "libubsan.so"):
        m = re.search(r"(\S*%s\S*) => (\S+)" % re.escape(lib), out)
        if m:
            pre.append(m.group(2))
    if not pre:
        return {}
    return {"LD_PRELOAD": ":".join(pre),
            "ASAN_OPTIONS": "detect_leaks=0:abort_on_error=1"
                            ":detect_odr_violation=0"}
