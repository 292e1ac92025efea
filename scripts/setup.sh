#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Set up a Debian machine for Marlin and build it. Idempotent: a second run
# only checks and rebuilds what changed.
#
#   scripts/setup.sh [--build-dir DIR] [--sanitize] [--no-build] [--hugepages N]
#                    [--bench] [-Dmeson_option=value ...]
#
# 1. installs Debian packages that are missing (needs root, or sudo); with
#    --bench also what only the benchmarks use (ucx-utils for ucx_perftest,
#    python3-matplotlib for the plots of scripts/bench/scale);
# 2. puts DPDK's driver SDK headers (which libdpdk-dev leaves out) for the
#    installed DPDK version into .deps/dpdk-sdk/include (git-ignored), taken
#    from Debian's dpdk source package;
# 3. reserves 2 MiB hugepages and mounts hugetlbfs when allowed (root);
#    without them everything still runs on /dev/shm;
# 4. configures and builds with meson/ninja.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir="$top/build"
sanitize=0
do_build=1
bench=0
want_pages=${MARLIN_HUGEPAGES:-512}
extra_opts=()

usage() {
	sed -n '4,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
	case "$1" in
	--build-dir) build_dir=$2; shift 2 ;;
	--sanitize) sanitize=1; shift ;;
	--no-build) do_build=0; shift ;;
	--hugepages) want_pages=$2; shift 2 ;;
	--bench) bench=1; shift ;;
	-D*) extra_opts+=("$1"); shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "setup: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
done

log() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 && SUDO=sudo
fi

# ---- 1. packages ---------------------------------------------------------
pkgs=(libdpdk-dev dpdk-dev dpdk libpciaccess-dev libcmocka-dev libnuma-dev
      meson ninja-build pkg-config gcc python3 util-linux dpkg-dev
      clang libclang-rt-14-dev
      qemu-system-x86 busybox-static cpio)   # the last three: tests/vm
if [ "$bench" -eq 1 ]; then
	pkgs+=(ucx-utils python3-matplotlib)
fi
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "installing: ${missing[*]}"
	if [ "$(id -u)" -ne 0 ] && [ -z "$SUDO" ]; then
		die "missing packages (${missing[*]}) and no root/sudo to install them"
	fi
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
else
	log "packages: all present"
fi

# ---- 2. DPDK driver SDK headers -----------------------------------------
dpdk_ver=$(dpkg-query -W -f='${Version}' libdpdk-dev)
sdk_root="$top/.deps/dpdk-sdk"
sdk_inc="$sdk_root/include"
sdk_files=(
	lib/ethdev/ethdev_driver.h
	lib/ethdev/ethdev_vdev.h
	lib/ethdev/ethdev_pci.h
	lib/eal/include/dev_driver.h
	lib/eal/include/bus_driver.h
	drivers/bus/vdev/bus_vdev_driver.h
	drivers/bus/pci/bus_pci_driver.h
	lib/dmadev/rte_dmadev_pmd.h
)
if [ -f "$sdk_root/VERSION" ] && [ "$(cat "$sdk_root/VERSION")" = "$dpdk_ver" ] &&
   [ -f "$sdk_inc/rte_dmadev_pmd.h" ]; then
	log "DPDK driver SDK headers: present for $dpdk_ver"
else
	log "fetching DPDK driver SDK headers for dpdk $dpdk_ver"
	# apt-get source needs a deb-src entry; derive one from the machine's
	# own deb entries if there is none.
	if ! apt-get indextargets 2>/dev/null | grep -q 'Identifier: Sources'; then
		src_list=/etc/apt/sources.list.d/marlin-deb-src.sources
		if [ -f /etc/apt/sources.list.d/debian.sources ]; then
			sed 's/^Types:.*/Types: deb-src/' \
				/etc/apt/sources.list.d/debian.sources |
				$SUDO tee "$src_list" >/dev/null
		elif [ -f /etc/apt/sources.list ]; then
			grep -E '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' |
				$SUDO tee /etc/apt/sources.list.d/marlin-deb-src.list >/dev/null
		else
			die "no apt sources found to derive a deb-src entry from"
		fi
		$SUDO apt-get update -qq
	fi
	command -v dpkg-source >/dev/null || {
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
			--no-install-recommends dpkg-dev >/dev/null; }
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && apt-get source -qq --download-only "dpdk=$dpdk_ver" 2>/dev/null) ||
		die "apt-get source dpdk=$dpdk_ver failed: check that a deb-src entry reaches Debian's archive"
	orig=$(ls "$tmp"/dpdk_*.orig.tar.* | head -n 1)
	[ -n "$orig" ] || die "no dpdk orig tarball downloaded"
	mkdir -p "$tmp/x"
	tar -xf "$orig" -C "$tmp/x" --wildcards $(printf "*/%s " "${sdk_files[@]}")
	rm -rf "$sdk_root"
	mkdir -p "$sdk_inc"
	for f in "${sdk_files[@]}"; do
		cp "$tmp"/x/*/"$f" "$sdk_inc/"
	done
	echo "$dpdk_ver" >"$sdk_root/VERSION"
	log "DPDK driver SDK headers in $sdk_inc"
fi

# ---- 3. hugepages --------------------------------------------------------
nr=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
hugemnt=$(awk '$3 == "hugetlbfs" { print $2; exit }' /proc/mounts)
if [ "$(id -u)" -eq 0 ] && [ -w "$nr" ]; then
	have=$(cat "$nr")
	if [ "$have" -lt "$want_pages" ]; then
		echo "$want_pages" >"$nr" 2>/dev/null || true
		log "hugepages: $(cat "$nr") x 2 MiB reserved (asked $want_pages)"
	else
		log "hugepages: $have x 2 MiB reserved"
	fi
	if [ -z "$hugemnt" ]; then
		mkdir -p /dev/hugepages
		if mount -t hugetlbfs -o pagesize=2M nodev /dev/hugepages 2>/dev/null; then
			hugemnt=/dev/hugepages
			log "hugetlbfs mounted on $hugemnt"
		fi
	fi
else
	log "hugepages: not root, leaving them as they are ($(cat "$nr" 2>/dev/null || echo 0) reserved)"
fi
[ -n "$hugemnt" ] || log "hugetlbfs: not mounted; fabrics will use /dev/shm"

# ---- 4. build ------------------------------------------------------------
if [ "$do_build" -eq 1 ]; then
	opts=("${extra_opts[@]}")
	if [ "$sanitize" -eq 1 ]; then
		opts+=(-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug -Doptimization=1)
	fi
	if [ -f "$build_dir/build.ninja" ]; then
		meson configure "$build_dir" "${opts[@]}" >/dev/null
	else
		log "configuring $build_dir"
		meson setup "$build_dir" "$top" "${opts[@]}" >"$build_dir.setup.log" 2>&1 ||
			{ cat "$build_dir.setup.log" >&2; die "meson setup failed"; }
		rm -f "$build_dir.setup.log"
	fi
	log "building in $build_dir"
	ninja -C "$build_dir" >"$top/.deps/ninja.log" 2>&1 ||
		{ tail -n 60 "$top/.deps/ninja.log" >&2; die "build failed (log: .deps/ninja.log)"; }
	log "build ok"
fi
