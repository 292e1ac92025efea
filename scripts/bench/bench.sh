#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# HRDMA benchmark: marlin-perf against UCX (sysv) and process_vm_writev on
# two cores, tables per placement in doc/benchmarks/hrdma.md.
#
#   scripts/bench/bench.sh [--rounds N] [--quick] [--build-dir DIR] ...
#
# See scripts/bench/bench.py --help.
exec python3 "$(dirname "${BASH_SOURCE[0]}")/bench.py" "$@"
