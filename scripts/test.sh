#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Set everything up and run Marlin's tests. Idempotent.
#
#   scripts/test.sh [--no-sanitize] [--build-dir DIR] [--suite NAME]... [--no-fuzz]
#
# By default the tests are built with AddressSanitizer and
# UndefinedBehaviorSanitizer (as CI does) in build-test/, with the benchmark
# programs (scripts/bench, -Dbenchmarks=true) so that they get the same
# warnings and sanitizers. The last line is
#   N passed, N failed, N skipped
# counted from meson's test log; the exit code is 0 only if nothing failed.
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir="$top/build-test"
sanitize=1
fuzz=1
suites=()

while [ $# -gt 0 ]; do
	case "$1" in
	--no-sanitize) sanitize=0; shift ;;
	--build-dir) build_dir=$2; shift 2 ;;
	--suite) suites+=(--suite "$2"); shift 2 ;;
	--no-fuzz) fuzz=0; shift ;;
	-h|--help) sed -n '4,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "test: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
done

setup_args=(--build-dir "$build_dir" -Dbenchmarks=true -Dfuzz=$([ "$fuzz" -eq 1 ] && echo true || echo false))
[ "$sanitize" -eq 1 ] && setup_args+=(--sanitize)
if ! bash "$top/scripts/setup.sh" "${setup_args[@]}"; then
	echo "setup or build failed"
	echo "0 passed, 1 failed"
	exit 1
fi

echo "[test] running tests in $build_dir"
meson test -C "$build_dir" --print-errorlogs --no-rebuild "${suites[@]}"
rc=$?

log="$build_dir/meson-logs/testlog.json"
if [ ! -f "$log" ]; then
	echo "no test log written (meson test exit $rc)"
	echo "0 passed, 1 failed"
	exit 1
fi
python3 - "$log" "$rc" <<'EOF'
import json, sys
passed = failed = skipped = 0
for line in open(sys.argv[1]):
    line = line.strip()
    if not line:
        continue
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"):
        passed += 1
    elif r == "SKIP":
        skipped += 1
    else:
        failed += 1
if passed + failed + skipped == 0 or (failed == 0 and int(sys.argv[2]) != 0):
    failed += 1          # meson failed without a failing test: count it
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
EOF
