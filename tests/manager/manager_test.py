#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 Marlin authors
"""The rack manager (marlin-fabric serve) as hostile users would meet it.

    manager_test.py --tool MARLIN_FABRIC --host RACK_HOST TEST

TEST: policy, garbage, fd_exhaustion, hostile_dir, persist, json, memfd,
fabric_dir,
fabric_grants, fabric_refused, revoked_peer, revoke_ack, ranges, banks,
hostile_files, mixed, two_users, shared_mw (ntb_shm hosts with manager=,
need --mp-host).
Every process runs with a timeout; whatever happens, all of them are
killed and the temporary directory is removed. Tests that need another
user (policy, hostile_dir) run as root and exit 77 otherwise.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import manager_daemon_cases  # noqa: E402
import manager_host_cases  # noqa: E402
import manager_hostile_cases  # noqa: E402
from manager_common import Test  # noqa: E402
from marlin_harness.session import main as harness_main  # noqa: E402

TESTS = {n[5:]: f for m in (manager_daemon_cases, manager_host_cases,
                            manager_hostile_cases)
         for n, f in vars(m).items() if n.startswith("test_")}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tool", required=True)
    ap.add_argument("--host", required=True)
    ap.add_argument("--mp-host", help="tests/ntb_shm_mp's mp_host")
    return harness_main(ap, TESTS, Test)


if __name__ == "__main__":
    sys.exit(main())
