#!/bin/busybox sh
# SPDX-License-Identifier: BSD-3-Clause
# /init of the VM test's guest (see vm_test.py): binds the ivshmem device to
# vfio-pci and runs the steps named on the kernel command line, each one a
# Marlin program talking to the other guest through ntb_ivshmem. Prints
#   MARLIN-STEP <name> rc=<n>
# after each step and leaves QEMU through isa-debug-exit with (rc << 1) | 1.
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/hugepages /tmp /run /var
ln -s /run /var/run
mount -t hugetlbfs nodev /dev/hugepages
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run

for w in $(cat /proc/cmdline); do
	case "$w" in
	marlin.steps=*) STEPS=$(echo "${w#marlin.steps=}" | tr , ' ') ;;
	marlin.iters=*) ITERS=${w#marlin.iters=} ;;
	marlin.devargs=*) DEVARGS=",${w#marlin.devargs=}" ;;
	esac
done
: "${ITERS:=200}"

finish() {
	echo "MARLIN-DONE rc=$1"
	printf "\\$(printf %o $(( $1 > 100 ? 100 : $1 )))" |
		dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
	poweroff -f
}

for m in irqbypass vfio vfio_iommu_type1 vfio_virqfd vfio-pci-core vfio-pci; do
	insmod /lib/modules/$m.ko || { echo "MARLIN: insmod $m failed"; finish 90; }
done
if [ -d /sys/class/iommu ] && [ -n "$(ls /sys/class/iommu)" ]; then
	echo "MARLIN: vfio with the emulated IOMMU ($(ls /sys/class/iommu))"
else
	echo "MARLIN: no IOMMU in this guest"
fi

BDF=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat $d/vendor):$(cat $d/device)" = "0x1af4:0x1110" ] && BDF=${d##*/} && break
done
[ -n "$BDF" ] || { echo "MARLIN: no ivshmem device (1af4:1110)"; finish 91; }
echo vfio-pci > /sys/bus/pci/devices/$BDF/driver_override
echo $BDF > /sys/bus/pci/drivers_probe
echo "MARLIN: $BDF bound to $(basename $(readlink /sys/bus/pci/devices/$BDF/driver))"
echo 128 > /proc/sys/vm/nr_hugepages

export LD_LIBRARY_PATH=/opt/marlin/lib
[ -f /opt/marlin/preload ] && export LD_PRELOAD=$(cat /opt/marlin/preload)
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
EAL="-a $BDF$DEVARGS -d librte_ntb_ivshmem.so --log-level=pmd.ntb.ivshmem:info"
B=/opt/marlin/bin

# testpmd over EOP, scripted on both sides; the host compares the counters.
# The receiver starts before and stops well after the sender, so every
# packet sent has been received when the counters are read.
testpmd_step() {
	peer=$1
	if [ "$2" = txonly ]; then pre=12; run=6; post=18; else pre=4; run=30; post=2; fi
	{
		sleep $pre; echo "set fwd $2"; echo start; sleep $run
		echo stop; sleep $post; echo "show port stats 0"; sleep 1
		echo quit
	} | dpdk-testpmd --lcores 0@0,1@0 --file-prefix tp $EAL \
		-d librte_net_eop.so --vdev net_eop0,ntb=$BDF,peer=$peer \
		-- -i --total-num-mbufs=2048 --txd=256 --rxd=256
}

RC=0
for s in $STEPS; do
	echo "MARLIN-STEP-START $s"
	case "$s" in
	pp_mem) $B/marlin-ntb-pingpong -l 0 --file-prefix pp $EAL -- \
			--dev $BDF --mode mem --iters $ITERS --timeout 120 ;;
	pp_restart) $B/marlin-ntb-pingpong -l 0 --file-prefix pp $EAL -- \
			--dev $BDF --mode db --iters $ITERS --timeout 120 ;;
	pp_irq) $B/marlin-vm-irq-pingpong -l 0 --file-prefix irq -a $BDF$DEVARGS \
			--log-level=pmd.ntb.ivshmem:info -- $BDF $ITERS ;;
	die) echo "MARLIN: waiting to be killed"; sleep 1000 ;;
	pp_db) $B/marlin-ntb-pingpong -l 0 --file-prefix pp $EAL -- \
			--dev $BDF --mode db --iters $ITERS --timeout 120 ;;
	write_bw) $B/marlin-perf write_bw --ntb-dev $BDF --core 0 -s 4096 \
			-n 2000 -- -l 0 --file-prefix perf $EAL ;;
	write_lat) $B/marlin-perf write_lat --ntb-dev $BDF --core 0 -s 8 \
			-n 2000 -- -l 0 --file-prefix perf $EAL ;;
	testpmd_tx) testpmd_step 1 txonly ;;
	testpmd_rx) testpmd_step 0 rxonly ;;
	*) echo "MARLIN: unknown step $s"; false ;;
	esac
	rc=$?
	echo "MARLIN-STEP $s rc=$rc"
	[ $rc -ne 0 ] && RC=$rc
	# let the other guest's program of this step exit before the next
	sleep 3
done
finish $RC
