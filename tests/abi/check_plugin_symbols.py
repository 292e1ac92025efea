#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Check that a built shared library exports exactly the global symbols its
version script lists (drivers/ucx/marlin/uct_marlin.map for
libuct_marlin): nothing more leaks out (the Marlin side is linked in
statically and must not clash with an application's own DPDK), nothing
listed is missing.

    check_plugin_symbols.py LIBRARY VERSION_SCRIPT
Exit 77 when the library was not built (no UCX) or nm is missing.
"""
import re
import shutil
import subprocess
import sys


def listed(path):
    """Global symbols of a version script."""
    syms, glob_ = set(), False
    for line in open(path):
        line = line.split("#")[0].strip()
        if line == "global:":
            glob_ = True
        elif line.startswith("local:") or line.startswith("}"):
            glob_ = False
        elif glob_ and line.endswith(";"):
            syms.add(line[:-1].strip())
    return syms


def main():
    lib, vmap = sys.argv[1], sys.argv[2]
    if shutil.which("nm") is None:
        print("SKIP: nm not installed")
        return 77
    try:
        open(lib, "rb").close()
    except OSError:
        print("SKIP: %s not built" % lib)
        return 77
    out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True,
                         capture_output=True, text=True).stdout
    exported = set()
    for line in out.splitlines():
        parts = line.split()
        # value type name; version nodes are type A
        if len(parts) == 3 and parts[1] not in ("A",):
            exported.add(re.sub(r"@.*", "", parts[2]))
    want = listed(vmap)
    extra, missing = sorted(exported - want), sorted(want - exported)
    for s in extra:
        print("exported but not in %s: %s" % (vmap, s))
    for s in missing:
        print("in %s but not exported: %s" % (vmap, s))
    if extra or missing:
        print("FAIL: %s exports %d symbols the version script does not list, "
              "misses %d (fix the map or the code)" % (lib, len(extra), len(missing)))
        return 1
    print("%s: exports exactly the %d symbols of %s" % (lib, len(want), vmap))
    return 0


if __name__ == "__main__":
    sys.exit(main())
