#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Scale benchmark: N = 2..64 ntb_shm hosts, results and plot into
# doc/benchmarks/ (scale.json, scale.png).
#
#   scripts/bench/scale/scale.sh [--build-dir DIR] [scale.py options...]
#
# Builds nothing: configure a release build first, e.g.
#   bash scripts/setup.sh --bench --build-dir build-rel
# Runs with Debian's python3 (/usr/bin/python3), which has matplotlib.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
build="$top/build-rel"
if [ "${1:-}" = "--build-dir" ]; then
	build=$2
	shift 2
fi
host="$build/scripts/bench/scale/scale_host"
[ -x "$host" ] || { echo "scale.sh: no $host (build with -Dtests=true)" >&2; exit 2; }
exec /usr/bin/python3 "$top/scripts/bench/scale/scale.py" --host "$host" \
	--probe "$build/apps/marlin-perf/marlin-perf" --out "$top/doc/benchmarks" "$@"
