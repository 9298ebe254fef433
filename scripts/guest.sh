#!/usr/bin/env bash
# Boot the test guest(s) under qemu (TCG), run one command in node 1, print
# its output, scan the guests' kernel logs.
#
#   scripts/guest.sh [options] -- CMD [ARG...]
#
#   --kernel FILE    kernel image (default: Debian's /boot/vmlinuz-<kver>)
#   --initrd FILE    initramfs made by scripts/initramfs.sh (required)
#   --modroot DIR    the guest kernel's modules are DIR/lib/modules/<kver>
#                    (a kernel unpacked by scripts/kernel-debs.sh, not
#                    installed on the host); the guest sees them at
#                    /lib/modules/<kver>. Default: the host's /lib/modules
#   --module FILE    module to load as rxe0's driver (insmod), "stock"
#                    (the guest kernel's own rdma_rxe, by modprobe), or
#                    "none" (no rxe0)
#   --root DIR       the guest's root is DIR (another Debian release, made
#                    by scripts/distro-root.sh) instead of the host's /;
#                    the repository, --modroot, the module's directory and
#                    --userbuild are visible in it at their host paths
#   --userbuild DIR  the build of our userspace the tests run (default
#                    build/; for --root, the one scripts/distro-build.sh
#                    made in that root)
#   --nodes N        N guests (1 to 8) on one virtual Ethernet segment:
#                    two on a point-to-point link (UDP datagrams), three
#                    or more on a bridge of tap devices in a network
#                    namespace of the run's own (made and removed here;
#                    needs root), with one vCPU each
#   --timeout SEC    whole run, boots included (default 1800)
#   --mem MIB        memory per guest (default 2048; 1536 from 5 nodes on)
#   --rundir DIR     where logs go (default: a new build/runs/<time>)
#   --kernel-arg ARG one more kernel command line argument (repeatable)
#
# The emulator: RXE_ODP_QEMU (./rxe-odp sets Debian 13's: scripts/qemu-root.sh),
# else the qemu-system-x86_64 on PATH.
#
# Exit status: the command's, or 124 when a guest did not finish (hang,
# panic), or 100 when a guest's kernel log has a WARN, BUG, oops, lockdep
# report or the like (printed), whatever the command returned.
set -euo pipefail
. "$(dirname "$0")/common.sh"

EXIT_LOG=100
EXIT_HANG=124
kernel="" initrd="" modroot="" module="none" nodes=1 timeout=1800 mem="" rundir=""
root="" userbuild="" kargs=""

usage() { sed -n '2,38p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
qemu=${RXE_ODP_QEMU:-qemu-system-x86_64}

while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--modroot) modroot=$2; shift 2 ;;
	--module) module=$2; shift 2 ;;
	--root) root=$2; shift 2 ;;
	--userbuild) userbuild=$2; shift 2 ;;
	--nodes) nodes=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--rundir) rundir=$2; shift 2 ;;
	--kernel-arg)
		[[ ${2:-} =~ ^[A-Za-z0-9_.=,-]+$ ]] || die "--kernel-arg: '${2:-}' is not one plain argument"
		kargs+=" $2"; shift 2 ;;
	--) shift; break ;;
	*) usage ;;
	esac
done
[ $# -gt 0 ] || usage
[[ $nodes =~ ^[1-8]$ ]] || die "--nodes takes 1 to 8, not '$nodes'"
# Memory per guest: a guest runs the host's userspace over 9p and keeps
# only what it writes in RAM; 2 GiB holds the suites, and 1.5 GiB (more
# than the 1 GiB + 128 MiB of memmap= below) keeps eight guests within
# 12 GiB of the host. A guest uses far less than it is given while it
# has not touched it (under TCG, qemu's RAM is allocated on first use).
if [ -z "$mem" ]; then
	mem=2048
	[ "$nodes" -le 4 ] || mem=1536
fi
[[ $mem =~ ^[1-9][0-9]*$ ]] || die "--mem takes MiB, not '$mem'"
[ -n "$initrd" ] && [ -f "$initrd" ] || die "--initrd: no initramfs '$initrd'"
[ -n "$kernel" ] || kernel=/boot/vmlinuz-$(guest_kver)
[ -f "$kernel" ] || die "no kernel image '$kernel'"
[ "$module" = none ] || [ "$module" = stock ] || [ -f "$module" ] || die "no module '$module'"
if [ -n "$modroot" ]; then
	[ -d "$modroot/lib/modules" ] || die "--modroot: no lib/modules under '$modroot'"
	modroot=$(realpath "$modroot")
fi
case $module in
none) module="" ;;
stock) ;;
*) module=$(realpath "$module") ;;
esac
if [ -n "$root" ]; then
	[ -e "$root/.complete" ] || die "--root: '$root' is not a complete root (scripts/distro-root.sh)"
	root=$(realpath "$root")
fi
userbuild=$(realpath -m "${userbuild:-$BUILD}")
[ -d "$userbuild" ] || die "--userbuild: no directory '$userbuild'"
rundir=${rundir:-$BUILD/runs/$(date +%Y%m%d-%H%M%S)-$$}
mkdir -p "$rundir"
rundir=$(cd "$rundir" && pwd)

node_ip() { echo "169.254.77.$1"; }

# write_job N: the job file node N's stage 2 reads (scripts/guest-stage2.sh).
# RXE_ODP_PEER_IP is "the other node" of the tests written for two: node
# 2 for node 1, node 1 for any other. RXE_ODP_IPS lists every node's
# address, node 1's first; RXE_ODP_PEER_IPS the other nodes', in order.
write_job() {
	local n=$1 dir=$rundir/node$1 peer="" k ips=() others=()
	if [ "$nodes" -gt 1 ]; then
		peer=$(node_ip 1)
		[ "$n" != 1 ] || peer=$(node_ip 2)
	fi
	for k in $(seq "$nodes"); do
		ips+=("$(node_ip "$k")")
		[ "$k" = "$n" ] || others+=("$(node_ip "$k")")
	done
	mkdir -p "$dir"
	rm -f "$dir/status" "$dir/dmesg.txt"
	{
		printf 'export RXE_ODP_ROOT=%q\n' "$ROOT"
		printf 'export RXE_ODP_NODE=%q RXE_ODP_NODES=%q\n' "$n" "$nodes"
		printf 'export RXE_ODP_IP=%q RXE_ODP_PEER_IP=%q\n' "$(node_ip "$n")" "$peer"
		printf 'export RXE_ODP_IPS=%q RXE_ODP_PEER_IPS=%q\n' "${ips[*]}" "${others[*]-}"
		printf 'export RXE_ODP_DEV=rxe0 RXE_ODP_PEER_DEV=%q\n' "${peer:+rxe0}"
		printf 'export RXE_ODP_MODULE=%q\n' "$module"
		printf 'export RXE_ODP_KERNEL=%q\n' "$kernel"
		printf 'export RXE_ODP_MODROOT=%q\n' "$modroot"
		printf 'export RXE_ODP_CWD=%q\n' "$PWD"
		printf 'export RXE_ODP_USERBUILD=%q\n' "$userbuild"
		printf 'export RXE_ODP_RUNDIR=%q\n' "$rundir"
		printf 'RXE_ODP_CMD=('
		printf ' %q' "${cmd[@]}"
		printf ' )\n'
	} >"$dir/job.env"
}

# root_args: the kernel command line's part for --root: the root and the
# host directories to show in it, each once (none inside another). The
# command line splits on blanks and the list on commas.
root_args() {
	local p d keep=()
	[ -n "$root" ] || return 0
	while read -r p; do
		[[ $p == *[[:space:],]* ]] && die "--root: cannot show '$p' in the guest (blank or comma in the path)"
		for d in ${keep[@]+"${keep[@]}"}; do
			[[ $p == "$d"/* ]] && continue 2
		done
		keep+=("$p")
	done < <(printf '%s\n' "$ROOT" "$userbuild" ${modroot:+"$modroot"} ${module:+"$(dirname "$module")"} | sort -u)
	echo "rxe_odp.root=$root rxe_odp.bind=$(IFS=,; echo "${keep[*]}")"
}

# net_args N: node N's NIC. One node: user networking with no way out
# (restrict=on); rxe talks to itself. Two nodes: a point-to-point L2 link
# as UDP datagrams on 127.0.0.1, so traffic takes rxe's real wire path.
# More: node N's tap device tN on the bridge of the run's network
# namespace (netns_up), one Ethernet segment for all (qemu's socket and
# dgram backends are point to point, and Debian's qemu has no VDE).
net_args() {
	local n=$1 mac
	mac=52:54:00:77:00:0$n
	if [ "$nodes" = 1 ]; then
		echo "-netdev user,id=n0,restrict=on -device virtio-net-pci,netdev=n0,mac=$mac"
	elif [ "$nodes" = 2 ]; then
		local me=$((port_base + n)) other=$((port_base + 3 - n))
		echo "-netdev socket,id=n0,udp=127.0.0.1:$other,localaddr=127.0.0.1:$me -device virtio-net-pci,netdev=n0,mac=$mac"
	else
		echo "-netdev tap,id=n0,ifname=t$n,script=no,downscript=no -device virtio-net-pci,netdev=n0,mac=$mac"
	fi
}

# netns_up: for three nodes or more, a network namespace of this run's
# own (a name no other run has) with a bridge br0 and a tap device tN on
# it for each node N; the guests' qemu run in it (start_node), so that
# nothing of the segment is visible on the host or reaches its network.
# netns_down removes it (on every exit: see the trap below).
netns=""
netns_up() {
	local n name
	[ "$nodes" -ge 3 ] || return 0
	[ -e /dev/net/tun ] || die "--nodes $nodes: no /dev/net/tun for the guests' tap devices"
	name=rxe-odp-$$-$RANDOM
	# (an interrupted run ends through the EXIT trap too, which stops
	# its guests before it removes the namespace)
	trap 'exit 130' INT
	trap 'exit 143' TERM
	ip netns add "$name" || die "--nodes $nodes: cannot make network namespace $name (root needed)"
	netns=$name
	ip -n "$netns" link add br0 type bridge || die "cannot make a bridge in $netns"
	for n in $(seq "$nodes"); do
		ip -n "$netns" tuntap add "t$n" mode tap && ip -n "$netns" link set "t$n" master br0 up ||
			die "cannot make tap device t$n in $netns"
	done
	ip -n "$netns" link set br0 up || die "cannot bring up br0 in $netns"
	echo "$netns" >"$rundir/netns"
}

# netns_down: stop what is still running of the guests, then remove the
# namespace (its bridge and taps go with it).
netns_down() {
	local n
	[ -n "$netns" ] || return 0
	for n in "${!pids[@]}"; do
		kill "${pids[n]}" 2>/dev/null || true
	done
	for n in "${!pids[@]}"; do
		wait "${pids[n]}" 2>/dev/null || true
	done
	ip netns delete "$netns" 2>/dev/null || log "cannot remove network namespace $netns"
	netns=""
}

start_node() {
	local n=$1 dir=$rundir/node$1 bus_args="" in_netns=() smp=2 numa=" numa=fake=2"
	# Three guests or more: one vCPU each. Eight vCPUs of four guests on
	# this 2-core machine under TCG made t_mpi's 4-node stage 506 s (72-80 s
	# an mpirun), one each 291 s (32-56 s). One vCPU cannot be split over
	# two fake NUMA nodes (the kernel warns "workqueue cpumask: online
	# intersect > possible intersect", which fails the run), so these
	# guests have one NUMA node: the tests that move pages between nodes
	# run on one guest.
	if [ "$nodes" -ge 3 ]; then
		smp=1 numa=""
	fi
	[ "$nodes" -ge 2 ] && bus_args="-virtfs local,path=$rundir/bus,mount_tag=bus,security_model=none,multidevs=remap"
	[ -z "$netns" ] || in_netns=(ip netns exec "$netns")
	: >"$dir/console.log"
	: >"$dir/output.log"
	# secretmem.enable=1: memfd_secret() for the tests of ODP on it (6.1
	# has it off by default; 6.12 on, where the parameter changes nothing);
	# numa=fake=2 (one and two guests): two NUMA nodes, so that the tests
	# can move_pages() an ODP MR's pages from one to the other
	# (tests/guest/t_odp_mm.sh);
	# numa_balancing=disable: as with one node, no NUMA hinting scans
	# that would invalidate mirrors and move pages behind the tests' back;
	# memmap=128M!1G: 128 MiB of the guest's RAM as legacy persistent
	# memory (nd_e820 + nd_pmem: /dev/pmem0), for a DAX filesystem
	# (tests/guest/t_odp_dax.sh);
	# tsc=unstable: the kernel never flips its sched_clock-is-stable
	# static key. Under TCG that flip (at 1.6 s, "sched_clock: Marking
	# stable", or when the clocksource watchdog finds the TSC skewed,
	# "Marking unstable", 23 s into one run) patches sched_clock_cpu(),
	# which the other vCPU runs in every interrupt, and QEMU 7.2 now and
	# then runs a stale translation of the int3 there: "Oops: int3" in
	# sched_clock_cpu, then a panic. 6.12 did this twice in one full run
	# (stock and trixie 6.12, one guest). The clocksource is HPET.
	# -cpu max without ERMS and FSRM: the guest kernel then zeroes and
	# copies pages with rep stosq/movsq instead of rep stosb/movsb, which
	# TCG runs a byte at a time (one 6.1 guest, 2026-12-04: first touch of
	# anonymous memory 19.4 -> 10.2 us a page, dd from /dev/zero 0.74 ->
	# 2.6 GB/s). The soft lockups of CI's t_odp_mm runs (issue 15) all sat
	# in clear_page_erms's rep stosb.
	# -mem-prealloc: qemu backs all of the guest's RAM before the guest
	# starts. This host is itself a VM that hands freed memory back to its
	# hypervisor (virtio-balloon free page reporting): touching memory it
	# has not backed costs 1.9 s a GiB here (3.3 us a 4 KiB page), time a
	# vCPU would otherwise lose in the middle of a guest page fault; after
	# CI's builds most of the host's memory is in that state. Same boot
	# time (24 s against 28 s for a one-guest run).
	# norandmaps: no address-space randomisation for the guest's
	# processes. QEMU keeps its translations of guest code per physical
	# page, one set per virtual address the code ran at, and a write to
	# a page that still has translations walks that page's whole list:
	# with every process's libraries and PIE binary at a new address,
	# the pages of much-run code gather thousands of translations, and
	# once such a page is freed and reused, zeroing it takes seconds
	# (issue 15 item 4: after the whole suite, about 8 s a page, in
	# compaction and in the page allocation of hmm_range_fault(): a
	# 4 MiB WRITE of t_odp_mm took 120 s, and soft lockups in
	# clear_page; perf on the host put QEMU in that list walk). At one
	# address per program, every process reuses the same translations.
	# Then --kernel-arg's (the debug kernels:
	# no5lvl, see build_debug in ./rxe-odp)
	# shellcheck disable=SC2046,SC2086
	timeout -k 10 "$timeout" ${in_netns[@]+"${in_netns[@]}"} "$qemu" \
		-machine q35 -cpu max,erms=off,fsrm=off -smp "$smp" -m "$mem" -mem-prealloc \
		-display none -monitor none -no-reboot \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 loglevel=7 tsc=unstable secretmem.enable=1 norandmaps$numa numa_balancing=disable memmap=128M!1G$kargs rxe_odp.stage2=$ROOT/scripts/guest-stage2.sh$root_cmdline" \
		-serial "file:$dir/console.log" -serial "file:$dir/output.log" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		-virtfs "local,path=$dir,mount_tag=out,security_model=none,multidevs=remap" \
		$bus_args $(net_args "$n") \
		</dev/null >"$dir/qemu.log" 2>&1 &
	pids[$n]=$!
}

# exited PID: has the process PID ended (gone, or a zombie nobody has
# waited for yet)?
exited() {
	local st
	st=$(sed -E 's/.*\) ([A-Z]).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 0
	[ -z "$st" ] || [ "$st" = Z ]
}

# watch_nodes: while node 1 runs, say on the bus when another node's QEMU
# has ended (nodeK.gone: a panic ends it, -no-reboot), so that
# rxe-odp-peer on node 1 fails at once instead of waiting for a job of a
# node that is no more (a test would wait out its timeout, and the next
# ones theirs).
watch_nodes() {
	local n
	# (not the run's traps: stopped, this subshell would run its EXIT trap and
	# take the network namespace and every guest down with it)
	trap - EXIT INT TERM
	while ! exited "${pids[1]}"; do
		for n in $(seq 2 "$nodes"); do
			[ -e "$rundir/bus/node$n.gone" ] || ! exited "${pids[n]}" ||
				date +%s >"$rundir/bus/node$n.gone"
		done
		sleep 1
	done
}

# boot_all: start the node(s), print node 1's output, wait for the end.
# Sets qemu_aborted when a qemu died of SIGABRT (its own assertion).
boot_all() {
	local n st
	pids=()
	qemu_aborted=0
	port_base=$((20000 + RANDOM % 20000 * 2))
	if [ "$nodes" -ge 2 ]; then
		rm -rf "$rundir/bus"
		mkdir -p "$rundir/bus"
	fi
	for n in $(seq "$nodes"); do
		write_job "$n"
		rm -f "$rundir/node$n/ran"
		start_node "$n"
	done

	tail -n +1 -F --pid="${pids[1]}" "$rundir/node1/output.log" 2>/dev/null &
	tailpid=$!
	watchpid=""
	if [ "$nodes" -ge 2 ]; then
		watch_nodes &
		watchpid=$!
	fi
	st=0
	wait "${pids[1]}" || st=$?
	# (it ends by itself once node 1's QEMU has: stopping it with a
	# signal could reach it before it dropped the run's traps)
	[ -z "$watchpid" ] || wait "$watchpid" 2>/dev/null || true
	[ "$st" = 134 ] && qemu_aborted=1
	# The other nodes power off once node 1 says so (or at once, if
	# node 1 died); give them a little while, then stop them.
	if [ "$nodes" -ge 2 ]; then
		touch "$rundir/bus/shutdown"
		for _ in $(seq 60); do
			others_running || break
			sleep 1
		done
		for n in $(seq 2 "$nodes"); do
			kill "${pids[n]}" 2>/dev/null || true
			st=0
			wait "${pids[n]}" || st=$?
			[ "$st" = 134 ] && qemu_aborted=1
		done
	fi
	wait "$tailpid" 2>/dev/null || true
}

# others_running: is a node other than node 1 still running?
others_running() {
	local n
	for n in $(seq 2 "$nodes"); do
		kill -0 "${pids[n]}" 2>/dev/null && return 0
	done
	return 1
}

# never_ran: node 1 never started the command (the nodes were still
# booting or setting up, or waiting for each other).
never_ran() {
	[ ! -e "$rundir/node1/ran" ]
}

cmd=("$@")
pids=()
trap netns_down EXIT
netns_up
root_cmdline=$(root_args)
root_cmdline=${root_cmdline:+ $root_cmdline}
boot_all
# QEMU under TCG very rarely dies on an assertion of its own while the
# guest kernel probes PCI: QEMU 7.2 in msix_table_mmio_write; QEMU 10.0.13
# in iotlb_to_section ("section_index < d->map.sections_nb", node 2 of a
# two-guest run at 1.5 s, while node 1 waited for it: CI of 2026-12-06).
# QEMU's own assertion is not a result of the run: boot again, once, and
# say so, as long as node 1 had not started the command (the other nodes
# may have set up rxe0 by then). The first attempt's logs are kept in
# attempt1/.
if [ "$qemu_aborted" = 1 ] && never_ran; then
	log "qemu aborted before the command started; booting again:"
	grep -h 'Assertion' "$rundir"/node*/qemu.log | sed 's/^/  qemu: /' >&2
	mkdir -p "$rundir/attempt1"
	for n in $(seq "$nodes"); do
		cp -r "$rundir/node$n" "$rundir/attempt1/"
	done
	boot_all
fi

rc=""
[ -s "$rundir/node1/status" ] && rc=$(cat "$rundir/node1/status")
problems=0
for n in $(seq "$nodes"); do
	d=$rundir/node$n
	if [ ! -s "$d/status" ]; then
		if [ -e "$rundir/bus/node$n.gone" ]; then
			log "node $n's guest ended while node 1 ran (a panic, or QEMU died); last console lines:"
		else
			log "node $n did not finish (timeout ${timeout}s, hang or panic); last console lines:"
		fi
		tail -n 15 "$d/console.log" | tr -d '\r' | sed 's/^/  | /' >&2
		[ -s "$d/qemu.log" ] && sed 's/^/  qemu: /' "$d/qemu.log" >&2
		problems=1
	fi
	logs=("$d/console.log")
	[ -f "$d/dmesg.txt" ] && logs+=("$d/dmesg.txt")
	if ! found=$("$ROOT/scripts/scanlog.sh" "${logs[@]}"); then
		log "node $n: kernel log reports problems:"
		echo "$found" | head -n 40 | sed 's/^/  ! /' >&2
		rc=$EXIT_LOG
	fi
done
log "logs: $rundir"
[ "$problems" = 0 ] || [ "$rc" = "$EXIT_LOG" ] || rc=$EXIT_HANG
exit "${rc:-$EXIT_HANG}"
