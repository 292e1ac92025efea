#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Run a benchmark of scripts/bench/<component>/ (default: hrdma).
#
#   scripts/bench/bench.sh [hrdma|cmmc|eop|ucx] [OPTIONS...]
#
#   hrdma  marlin-perf against UCX (sysv) and process_vm_writev on two
#          cores, tables per placement in doc/benchmarks/hrdma.md
#   cmmc   CMMC against UCX, process_vm_writev and the copy limit
#          (doc/benchmarks/cmmc.md)
#   eop    testpmd over EOP against testpmd over net_memif
#          (doc/benchmarks/eop.md)
#   ucx    the UCX transport against UCX sysv/posix/tcp and Open MPI
#          (doc/benchmarks/ucx.md)
#
# OPTIONS go to the benchmark: see scripts/bench/<component>/*_bench.py
# --help.
here=$(dirname "${BASH_SOURCE[0]}")
comp=hrdma
case "${1:-}" in
hrdma|cmmc|eop|ucx) comp=$1; shift ;;
-h|--help) sed -n '4,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
exec python3 "$here/$comp/${comp}_bench.py" "$@"
