#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Two hosts on one machine: a software rack with real traffic.
#
#   scripts/demo.sh [--iters N] [--mode mem|db] [--build-dir DIR]
#                   [--fabric NAME] [--timeout SEC] [--no-setup] [--no-perf]
#                   [--no-manager] [--help]
#
# Runs scripts/setup.sh first (packages, headers, build; skip with
# --no-setup), starts a rack manager (marlin-fabric serve, its policy
# granting all pairs; --no-manager: none), creates a fabric (default
# demo-<pid>) whose hosts take their windows from it, starts host 0 on
# core 0 and host 1 on core 1, runs marlin-ntb-pingpong between them, prints
# what each said and the result line, then (unless --no-perf) runs
# marlin-perf's HRDMA write bandwidth (64 KiB and 1 MiB) and 8-byte
# WRITE_NOTIFY latency on a two-host rack of its own and prints its tables.
# Everything it created (processes, fabric files, EAL runtime directories)
# is removed however it ends.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir="$top/build"
iters=100000
mode=mem
fabric="demo-$$"
timeout=60
do_setup=1
do_perf=1
do_manager=1

usage() {
	sed -n '4,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

die() { printf '[demo] error: %s\n' "$*" >&2; exit 1; }
log() { printf '[demo] %s\n' "$*"; }

while [ $# -gt 0 ]; do
	case "$1" in
	--iters) iters=${2:?--iters needs a value}; shift 2 ;;
	--mode) mode=${2:?--mode needs a value}; shift 2 ;;
	--build-dir) build_dir=${2:?--build-dir needs a value}; shift 2 ;;
	--fabric) fabric=${2:?--fabric needs a value}; shift 2 ;;
	--timeout) timeout=${2:?--timeout needs a value}; shift 2 ;;
	--no-setup) do_setup=0; shift ;;
	--no-perf) do_perf=0; shift ;;
	--no-manager) do_manager=0; shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "demo: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
done
case "$mode" in mem|db) ;; *) die "--mode is mem or db, not '$mode'" ;; esac
[[ "$iters" =~ ^[1-9][0-9]*$ ]] || die "--iters wants a positive number"
[[ "$timeout" =~ ^[1-9][0-9]*$ ]] || die "--timeout wants seconds"
[[ "$fabric" =~ ^[A-Za-z0-9_.-]{1,32}$ ]] ||
	die "--fabric: 1..32 characters of [A-Za-z0-9_.-]"
case "$build_dir" in /*) ;; *) build_dir="$PWD/$build_dir" ;; esac

if [ "$do_setup" -eq 1 ]; then
	bash "$top/scripts/setup.sh" --build-dir "$build_dir" ||
		die "scripts/setup.sh failed"
fi
bin="$build_dir/examples/ntb_pingpong/marlin-ntb-pingpong"
[ -x "$bin" ] || die "$bin not found: build first (scripts/setup.sh --build-dir $build_dir)"
fabric_tool="$build_dir/apps/marlin-fabric/marlin-fabric"

# Memory: hugepages when enough are free and we may use the mount (EAL and
# the fabric files both go there), else plain pages in /dev/shm.
hugemnt=$(awk '$3 == "hugetlbfs" { print $2; exit }' /proc/mounts)
hugefree=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
if [ -n "$hugemnt" ] && [ -w "$hugemnt" ] && [ "${hugefree:-0}" -ge 32 ]; then
	eal_mem=(--huge-unlink)
	fabric_dir=
	fabric_parent=$hugemnt
	log "memory: hugepages ($hugefree free on $hugemnt)"
else
	eal_mem=(--no-huge -m 256)
	fabric_dir=/dev/shm
	fabric_parent=/dev/shm
	log "memory: no usable hugepages, using --no-huge and /dev/shm"
fi

cores=(0 1)
if [ "$(nproc)" -lt 2 ]; then
	cores=(0 0)
	log "only one core: both hosts share it, expect milliseconds per hop"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/marlin-demo.XXXXXX")
pids=()
mgr_pid=
prefixes=()

cleanup() {
	local rc=$? p d
	trap - EXIT INT TERM
	for p in "${pids[@]}" $mgr_pid; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}" $mgr_pid; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	if [ -x "$fabric_tool" ]; then
		"$fabric_tool" ${fabric_dir:+--dir "$fabric_dir"} "$fabric" clean \
			>/dev/null 2>&1 || true
	fi
	rm -rf "$fabric_parent/marlin-fabric-$fabric"
	for d in "${prefixes[@]}"; do
		rm -rf "/var/run/dpdk/$d" "/tmp/dpdk/$d" \
			${XDG_RUNTIME_DIR:+"$XDG_RUNTIME_DIR/dpdk/$d"}
		[ -z "$hugemnt" ] || rm -f "$hugemnt/${d}map_"* 2>/dev/null || true
	done
	rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The rack manager: it decides who holds which host id and hands each host
# the windows its peer granted it (doc/guides/manager.rst).
socket=
if [ "$do_manager" -eq 1 ]; then
	[ -x "$fabric_tool" ] || die "$fabric_tool not found: build first"
	# demo.policy names root; anyone else gets the default policy, which
	# is the same for the uid running the manager.
	policy=()
	[ "$(id -u)" -ne 0 ] || policy=(--policy "$top/apps/marlin-fabric/demo.policy")
	"$fabric_tool" serve --run-dir "$tmp/run" "${policy[@]}" \
		>"$tmp/manager.out" 2>"$tmp/manager.log" </dev/null &
	mgr_pid=$!
	for _ in $(seq 1 100); do
		grep -q '^ready ' "$tmp/manager.out" 2>/dev/null && break
		kill -0 "$mgr_pid" 2>/dev/null || break
		sleep 0.1
	done
	grep -q '^ready ' "$tmp/manager.out" ||
		{ cat "$tmp/manager.log" >&2; die "the rack manager did not start"; }
	socket=$(awk '/^ready / { print $2 }' "$tmp/manager.out")
	log "rack manager: $socket (all pairs granted)"
fi

start_host() {
	local id=$1 core=$2 prefix="marlin-demo-$$-h$1"
	local devargs="ntb_shm0,fabric=$fabric,host=$id,hosts=2${fabric_dir:+,dir=$fabric_dir}${socket:+,manager=$socket}"

	prefixes+=("$prefix")
	"$bin" -l "$core" --no-pci --no-telemetry "${eal_mem[@]}" \
		--file-prefix "$prefix" --log-level lib.eal:error \
		--vdev "$devargs" -- \
		--mode "$mode" --iters "$iters" --timeout "$timeout" \
		>"$tmp/host$id.log" 2>&1 </dev/null &
	pids+=($!)
}

log "fabric $fabric: host 0 on core ${cores[0]}, host 1 on core ${cores[1]}," \
	"$iters round trips, mode $mode"
start_host 0 "${cores[0]}"
start_host 1 "${cores[1]}"

# Both hosts bound their own waits by --timeout; allow for the run itself.
deadline=$((SECONDS + timeout + 60 + iters / 20000))
status=(running running)
while :; do
	alive=0
	for i in 0 1; do
		[ "${status[$i]}" = running ] || continue
		if kill -0 "${pids[$i]}" 2>/dev/null; then
			alive=1
		else
			rc=0
			wait "${pids[$i]}" || rc=$?
			status[$i]=$rc
		fi
	done
	[ "$alive" -eq 0 ] && break
	if [ "$SECONDS" -ge "$deadline" ]; then
		log "hosts still running after $((timeout + 60)) s: stopping them"
		break
	fi
	sleep 0.1
done

for i in 0 1; do
	sed "s/^/[host$i] /" "$tmp/host$i.log"
done
# The pinger's one-line summary (host 0 pings: the lower port).
result=$(grep -h '^ntb_pingpong: [0-9]* round trips' "$tmp/host0.log" || true)
if [ "${status[0]}" != 0 ] || [ "${status[1]}" != 0 ] || [ -z "$result" ]; then
	log "FAILED: host0 status ${status[0]}, host1 status ${status[1]}"
	exit 1
fi
echo "[host0] $result"
[ "$do_perf" -eq 1 ] || exit 0

# HRDMA over the same kind of rack: marlin-perf starts and cleans up its own
# two hosts (server on core 0, client on core 1).
perf="$build_dir/apps/marlin-perf/marlin-perf"
[ -x "$perf" ] || die "$perf not found: build first"
log "HRDMA write bandwidth and latency between two hosts (marlin-perf)"
"$perf" write_bw -s 64K -n 20000 || die "marlin-perf write_bw 64K failed"
"$perf" write_bw -s 1M -n 2000 | tail -n 3 || die "marlin-perf write_bw 1M failed"
"$perf" write_lat -s 8 -n 100000 || die "marlin-perf write_lat failed"
log "done: the 'Placement' line says where the two vCPUs were (near/far);" \
	"figures swing with it (doc/guides/marlin_perf.rst)"
exit 0
