#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Set up a Debian machine for Marlin and build it. Idempotent: a second run
# only checks and rebuilds what changed.
#
#   scripts/setup.sh [--build-dir DIR] [--sanitize] [--no-build] [--no-ucx]
#                    [--hugepages N] [--with-ovs] [--bench] [-Dmeson_option=value ...]
#
# --with-ovs also installs Open vSwitch with DPDK (openvswitch-switch-dpdk),
# which the OVS-over-EOP test needs; --bench also what only the benchmarks
# use (ucx-utils for ucx_perftest, python3-matplotlib for scripts/bench/scale).
#
# 1. installs Debian packages that are missing (needs root, or sudo), and
#    UCX, Open MPI and MPICH for the UCX transport (not with --no-ucx);
# 2. puts DPDK's driver SDK headers (which libdpdk-dev leaves out) for the
#    installed DPDK version into .deps/dpdk-sdk/include (git-ignored), taken
#    from Debian's dpdk source package; likewise UCX's transport headers
#    (libucx-dev leaves them out) into .deps/ucx-src, with `ucx_info -b` as
#    their config.h;
# 3. reserves 2 MiB hugepages and mounts hugetlbfs when allowed (root);
#    without them everything still runs on /dev/shm;
# 4. configures and builds with meson/ninja.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir="$top/build"
sanitize=0
do_build=1
with_ucx=1
want_pages=${MARLIN_HUGEPAGES:-512}
extra_opts=()
with_ovs=0
bench=0

usage() {
	sed -n '4,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
	case "$1" in
	--build-dir) build_dir=$2; shift 2 ;;
	--sanitize) sanitize=1; shift ;;
	--no-build) do_build=0; shift ;;
	--no-ucx) with_ucx=0; shift ;;
	--hugepages) want_pages=$2; shift 2 ;;
	--with-ovs) with_ovs=1; shift ;;
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
      qemu-system-x86 busybox-static cpio   # tests/vm
      iperf3 iputils-ping)                  # tests/eop_mp sockets, ovs
[ "$with_ovs" -eq 1 ] && pkgs+=(openvswitch-switch-dpdk)
[ "$bench" -eq 1 ] && pkgs+=(ucx-utils python3-matplotlib)
# Fills missing=() with those of the named packages that are not installed.
find_missing() {
	missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
}
find_missing "${pkgs[@]}"
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
# UCX transport and its tests: UCX, Open MPI and MPICH. Both MPI runtimes
# install side by side (mpicc.openmpi / mpicc.mpich, mpirun.openmpi /
# mpirun.mpich); only the unsuffixed alternatives point at one of them.
# Failing to get these is not fatal: the transport is then not built and
# its tests skip.
ucx_pkgs=(libucx-dev ucx-utils openmpi-bin libopenmpi-dev mpich libmpich-dev)
if [ "$with_ucx" -eq 1 ]; then
	find_missing "${ucx_pkgs[@]}"
	if [ ${#missing[@]} -gt 0 ]; then
		log "installing for the UCX transport: ${missing[*]}"
		# The package lists may be stale: update once if the first
		# try fails.
		if { [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; } &&
		   { DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
			--no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
		     { $SUDO apt-get update -qq &&
		       DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
			--no-install-recommends "${missing[@]}" >/dev/null 2>&1; }; }; then
			:
		else
			log "warning: could not install ${missing[*]}: the UCX transport will not be built"
			with_ucx=0
		fi
	fi
fi

# apt-get source needs a deb-src entry; derive one from the machine's own
# deb entries if there is none.
ensure_deb_src() {
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
}

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
	ensure_deb_src
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

# ---- 2b. UCX transport headers -------------------------------------------
# A UCT transport derives from UCX's base interface (uct/base/*.h) and uses
# UCX-internal headers of ucs/; libucx-dev installs neither. Take the
# headers of the installed version from Debian's ucx source package, and
# the configuration UCX was built with (`ucx_info -b`) as their config.h.
ucx_root="$top/.deps/ucx-src"
if [ "$with_ucx" -eq 1 ]; then
	ucx_ver=$(dpkg-query -W -f='${Version}' libucx-dev)
	if [ -f "$ucx_root/VERSION" ] && [ "$(cat "$ucx_root/VERSION")" = "$ucx_ver" ] &&
	   [ -f "$ucx_root/include/uct/base/uct_iface.h" ] &&
	   [ -f "$ucx_root/include/config.h" ]; then
		log "UCX transport headers: present for $ucx_ver"
	elif ensure_deb_src && utmp=$(mktemp -d) &&
	     (cd "$utmp" && apt-get source -qq --download-only "ucx=$ucx_ver" >/dev/null 2>&1); then
		log "fetching UCX transport headers for ucx $ucx_ver"
		uorig=$(ls "$utmp"/ucx_*.orig.tar.* | head -n 1)
		mkdir -p "$utmp/x"
		tar -xf "$uorig" -C "$utmp/x" --wildcards \
			'*/src/ucs/*.h' '*/src/ucs/*.inl' \
			'*/src/uct/base/*.h' '*/src/uct/base/*.inl' \
			'*/src/uct/api/*.h'
		rm -rf "$ucx_root"
		mkdir -p "$ucx_root/include"
		cp -r "$utmp"/x/*/src/ucs "$utmp"/x/*/src/uct "$ucx_root/include/"
		ucx_info -b >"$ucx_root/include/config.h"
		echo "$ucx_ver" >"$ucx_root/VERSION"
		rm -rf "$utmp"
		log "UCX transport headers in $ucx_root/include"
	else
		log "warning: apt-get source ucx=$ucx_ver failed: the UCX transport will not be built"
	fi
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
	# relocatable .pc files, also for a build directory configured before
	# the project asked for them (default_options apply only at setup)
	opts=(-Dpkgconfig.relocatable=true "${extra_opts[@]}")
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
