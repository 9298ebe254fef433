# shellcheck shell=bash
# Helpers for the guest tests (tests/guest/t_*.sh), sourced by each test.
# A test runs inside the guest with rxe0 up on rdma_rxe_odp; it exits 0 on
# pass, 77 to skip (with a reason on stdout), anything else on failure.
# Each check prints what it saw, so a failure's log explains itself.
set -u

DEV=${RXE_ODP_DEV:-rxe0}
GIDX=${RXE_ODP_GID_INDEX:-1}
# Our userspace's build: build/ of the repository, or, in a guest on
# another release's root (./rxe-odp test --distro), the build made in that
# root against its libibverbs (scripts/guest.sh --userbuild).
UBUILD=${RXE_ODP_USERBUILD:-$RXE_ODP_ROOT/build}
PROGS=${RXE_ODP_PROGS:-$UBUILD/tests}
SKIP=77
# shellcheck source=../../scripts/rxe-gid.sh
. "$RXE_ODP_ROOT/scripts/rxe-gid.sh"

# perftest options every test uses: no CPU-frequency warning; a long QP
# timeout (4 us * 2^20 = 4 s a retry) and a shallow send queue, so that a
# slow guest (TCG, the debug kernel, two guests on two cores) drops fewer
# packets and retransmits in time instead of failing with RETRY_EXC_ERR.
PERF_OPTS=(-F -u 20 -t 16)

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit $SKIP; }
note() { echo "# $*"; }

# expect_ok DESCRIPTION CMD...: CMD must succeed.
expect_ok() {
	local what=$1
	shift
	"$@" || fail "$what (exit $?: $*)"
}

# expect_fail DESCRIPTION CMD...: CMD must fail.
expect_fail() {
	local what=$1
	shift
	if "$@"; then fail "$what (succeeded: $*)"; fi
}

# rxe_module: rxe0's driver module: rdma_rxe_odp, or the kernel's own
# rdma_rxe (guest.sh --module stock; the upstream run's rdma_rxe.ko with
# kernel/upstream applied)
rxe_module() {
	case ${RXE_ODP_MODULE:-} in
	stock | */rdma_rxe.ko) echo rdma_rxe ;;
	*) echo rdma_rxe_odp ;;
	esac
}

module_loaded() { [ -d "/sys/module/$(rxe_module)" ]; }

# setup_hugepages: a few 2 MiB hugetlbfs pages for the huge page tests.
setup_hugepages() {
	[ "$(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo 0)" -ge 8 ] && return 0
	echo 8 >/proc/sys/vm/nr_hugepages 2>/dev/null ||
		note "cannot reserve huge pages: the hugetlbfs tests will skip"
}

# setup_zram_swap: swap on zram, so that page-out tests have somewhere to
# page out to (a test that needs it skips when there is none).
setup_zram_swap() {
	grep -q zram /proc/swaps && return 0
	modprobe zram 2>/dev/null || true
	[ -e /sys/block/zram0 ] || { note "no zram: page-out tests will skip"; return 0; }
	{ echo 512M >/sys/block/zram0/disksize && mkswap /dev/zram0 >/dev/null &&
		swapon /dev/zram0; } || note "could not set up swap on zram: page-out tests will skip"
}

# rxe_up: (re)load rxe0's driver (rxe_module) and create rxe0 on eth0, as
# the guest's stage 2 did at boot. Tests that unload the module end with it.
rxe_up() {
	if [ "$RXE_ODP_MODULE" = stock ]; then
		module_loaded || modprobe rdma_rxe || fail "modprobe rdma_rxe"
	else
		module_loaded || insmod "$RXE_ODP_MODULE" || fail "insmod $RXE_ODP_MODULE"
	fi
	[ -e /sys/class/infiniband/rxe0 ] ||
		rdma link add rxe0 type rxe netdev eth0 || fail "rdma link add rxe0"
	GIDX=$(ipv4_gid_index rxe0 "$RXE_ODP_IP") || fail "rxe0 has no GID for $RXE_ODP_IP"
}

# rxe_down: delete rxe0 and unload its driver (rxe_module).
rxe_down() {
	local m
	m=$(rxe_module)
	[ -e /sys/class/infiniband/rxe0 ] && { rdma link delete rxe0 || fail "rdma link delete rxe0"; }
	module_loaded && { rmmod "$m" || fail "rmmod $m"; }
	! module_loaded || fail "$m still loaded after rmmod"
}

# memcg_try: cgroup v2 at /sys/fs/cgroup with the memory controller on for
# child cgroups, mounting and enabling what is missing. Returns 1, saying
# on stdout which step failed, when that cannot be had.
memcg_try() {
	local cg=/sys/fs/cgroup
	[ -f $cg/cgroup.controllers ] || mount -t cgroup2 none $cg 2>/dev/null ||
		{ echo "cannot mount cgroup2 on $cg"; return 1; }
	grep -qw memory $cg/cgroup.controllers ||
		{ echo "no memory controller in cgroup v2 ($(cat $cg/cgroup.controllers))"; return 1; }
	grep -qw memory $cg/cgroup.subtree_control || echo +memory >$cg/cgroup.subtree_control 2>/dev/null ||
		{ echo "cannot enable the memory controller for child cgroups"; return 1; }
}

# memcg_on: memcg_try, or fail the test saying why.
memcg_on() {
	local why
	why=$(memcg_try) || fail "$why"
}

# ext4_on_loop DIR: an ext4 file system on a 64 MiB loop device (its image
# in DIR), mounted at DIR/mnt. Unmount with umount DIR/mnt.
ext4_on_loop() {
	modprobe -q loop 2>/dev/null; modprobe -q ext4 2>/dev/null
	truncate -s 64M "$1/img" && mkfs.ext4 -q -F "$1/img" && mkdir "$1/mnt" &&
		mount -o loop "$1/img" "$1/mnt" || { echo "FAIL: no ext4 on a loop device"; return 1; }
}

# file_target_on SETUP SIZE CHECK ARG...: the target side of the storage
# target tests. SETUP DIR mounts a fresh file system at DIR/mnt
# (ext4_on_loop, ...); a file of SIZE there; CHECK FILE (':' for none)
# must pass before examples/odp_file_target serves the file with ARG...
# Its status, after the mount is gone.
file_target_on() {
	local setup=$1 size=$2 check=$3 dir rc=0
	shift 3
	dir=$(mktemp -d)
	# (a setup may fail after its mount: never rm -r a mounted tree)
	"$setup" "$dir" || { umount "$dir/mnt" 2>/dev/null; rm -rf "$dir"; return 1; }
	truncate -s "$size" "$dir/mnt/data"
	"$check" "$dir/mnt/data" || rc=1
	[ $rc -ne 0 ] || "$UBUILD/odp_file_target" -d "$DEV" -g "$GIDX" "$@" "$dir/mnt/data" || rc=$?
	umount "$dir/mnt" || rc=1
	rm -rf "$dir"
	return $rc
}

# A command that waits up to 10 s for duplicate address detection to end
# on the host that runs it (a tentative IPv6 address takes no packets):
# exit 0 once no address is tentative, 1 if one still is. A string, so
# that node 2 runs the same: rxe-odp-peer bash -c "$IPV6_SETTLED".
# shellcheck disable=SC2016
IPV6_SETTLED='for _ in $(seq 100); do [ -z "$(ip -6 addr show tentative)" ] && exit 0; sleep 0.1; done; exit 1'

# The address a client uses to reach the server side.
server_ip() { echo "${RXE_ODP_PEER_IP:-$RXE_ODP_IP}"; }

# client_retry CMD...: run a client, retrying while its server is not yet
# listening (perftest and ibv_*_pingpong fail at once in that case; our
# examples try for 5 s first).
client_retry() {
	local out rc end=$((SECONDS + 60))
	# up to 60 s: a loaded TCG guest may take that long to start a server.
	# Counted in time, not tries: 120 tries of an example that waits 5 s
	# each made a server that had died an 11-minute hang.
	while :; do
		out=$("$@" 2>&1) && { echo "$out"; return 0; }
		rc=$?
		echo "$out" | grep -qiE "couldn't connect|connection refused|unable to open|failed to connect" ||
			{ echo "$out"; return $rc; }
		[ "$SECONDS" -lt "$end" ] || break
		sleep 0.5
	done
	echo "$out"
	echo "client_retry: no server answered within 60 s" >&2
	return $rc
}

# rc_pingpong N [ARG...]: ibv_rc_pingpong -c (received buffers checked)
# for N iterations between a server and a client (options ARG... on both
# sides); both must succeed, report N iterations and no invalid data.
# Prints both outputs.
rc_pingpong() {
	local n=$1 out
	shift
	local args=(-c -d "$DEV" -g "$GIDX" -n "$n" "$@")
	out=$(client_server ibv_rc_pingpong "${args[@]}" -- ibv_rc_pingpong "${args[@]}" "$(server_ip)") ||
		{ echo "$out"; return 1; }
	echo "$out"
	[ "$(grep -c "^$n iters in" <<<"$out")" = 2 ] ||
		{ echo "FAIL: both sides must report $n iterations"; return 1; }
	! grep -q 'invalid data' <<<"$out" ||
		{ echo "FAIL: ibv_rc_pingpong -c saw invalid data"; return 1; }
}

# perf_row OUTPUT COLUMN...: columns of perftest's result row (the first
# row of numbers under its "#bytes" header), separated by spaces. The row:
# 1 size, 2 iterations; bandwidth tools: 4 average MB/s; ib_write_lat:
# 5 t_typical, 8 99th percentile (usec).
perf_row() {
	local out=$1
	shift
	awk -v cols="$*" '/#bytes/ { hdr = 1; next }
		hdr && NF >= 4 && $1 ~ /^[0-9]+$/ {
			n = split(cols, c, " ")
			for (i = 1; i <= n; i++) printf "%s%s", $(c[i]), (i < n ? " " : "\n")
			exit
		}' <<<"$out"
}

# perftest_done TOOL N [ARG...]: perftest's TOOL (ib_write_bw, ...) with
# 64 KiB messages, N iterations, options ARG... on both sides: both must
# succeed and the client report all N iterations done. Prints the
# bandwidth, not checked: perftest times with the cycle counter, which TCG
# guests do not keep steady (it sometimes reports 0.00 for a complete
# run). Speed is for ./rxe-odp bench.
perftest_done() {
	local tool=$1 n=$2 out
	shift 2
	local args=(-d "$DEV" -x "$GIDX" -s 65536 -n "$n" "${PERF_OPTS[@]}" "$@")
	out=$(client_server "$tool" "${args[@]}" -- "$tool" "${args[@]}" "$(server_ip)") ||
		{ echo "$out"; return 1; }
	echo "$tool $*: $(perf_row "$out" 4) MB/s"
	[ "$(perf_row "$out" 2)" = "$n" ] ||
		{ echo "$out"; echo "FAIL: $tool $* did not report $n iterations"; return 1; }
}

# client_server SERVER_CMD... -- CLIENT_CMD...: start the server side
# (on node 2 in a two-node run, in the background here otherwise), run the
# client against it; both must succeed. Prints both outputs, client first,
# server after a "--- server" line.
client_server() {
	local srv=() job pid slog crc=0 src=0
	while [ "$1" != -- ]; do srv+=("$1"); shift; done
	shift
	if [ -n "${RXE_ODP_PEER_IP:-}" ]; then
		job=$(rxe-odp-peer --bg "${srv[@]}") || fail "cannot reach node 2"
	else
		slog=$(mktemp)
		"${srv[@]}" >"$slog" 2>&1 &
		pid=$!
	fi
	client_retry "$@" || crc=$?
	echo "--- server"
	if [ -n "${RXE_ODP_PEER_IP:-}" ]; then
		# a server whose client never came would wait for ever
		[ $crc -eq 0 ] || rxe-odp-peer --kill "$job"
		rxe-odp-peer --wait "$job" || src=$?
	else
		# a server whose client never came would wait for ever
		[ $crc -eq 0 ] || kill "$pid" 2>/dev/null
		wait "$pid" || src=$?
		cat "$slog"
		rm -f "$slog"
	fi
	[ $crc -eq 0 ] || fail "client failed (exit $crc): $*"
	[ $src -eq 0 ] || fail "server failed (exit $src): ${srv[*]}"
}

# ---- UCX ------------------------------------------------------------------

# UCX on rxe0 only, on its RoCEv2 IPv4 GID. A UD peer that stops answering
# is given up on after 30 s (UCX's default), so a lost exchange fails a
# run instead of hanging it.
UCX_ENV=(UCX_NET_DEVICES="$DEV:1" UCX_IB_GID_INDEX="$GIDX" UCX_WARN_UNUSED_ENV_VARS=n)

# ucx_perftest_opts: options every ucx_perftest run needs here, into
# UCX_PERFTEST_OPTS (once). A ucx_perftest built with MPI (Debian 13's
# UCX 1.18; its -h lists -P) calls MPI_Init whenever its stdin is not a
# terminal and then expects to be one of two MPI ranks ("This test should
# be run with exactly 2 processes in p2p case (actual: 1)"): -P 0 makes it
# exchange its addresses over its own socket, as one built without MPI
# (Debian 12's 1.13, which has no -P) always does.
ucx_perftest_opts() {
	[ -z "${UCX_PERFTEST_OPTS+set}" ] || return 0
	UCX_PERFTEST_OPTS=()
	ucx_perftest -h 2>&1 </dev/null | grep -q -- '-P <0|1>' && UCX_PERFTEST_OPTS=(-P 0)
	return 0
}

# ucx_perftest_pair ENV... -- ARGS...: ucx_perftest's server and client
# (the client against server_ip), each under env with ENV and UCX_ENV,
# each limited to 3 minutes; both must exit 0. Prints both outputs.
ucx_perftest_pair() {
	local env=() port=$((13337 + RANDOM % 1000))
	while [ "$1" != -- ]; do env+=("$1"); shift; done
	shift
	ucx_perftest_opts
	local cmd=(timeout 180 env "${UCX_ENV[@]}" ${env[@]+"${env[@]}"} ucx_perftest
		${UCX_PERFTEST_OPTS[@]+"${UCX_PERFTEST_OPTS[@]}"} -p "$port" "$@")
	client_server "${cmd[@]}" -- "${cmd[@]}" "$(server_ip)"
}

# ucx_odp_setup: how this UCX registers memory on demand (issue 13), from
# what its ucx_info reports; sets UCX_ODP_MODE and UCX_ODP (the variables
# of an ODP run), or returns 1 for a UCX that has neither way:
#   implicit  ucx_info -c lists UCX_IB_REG_METHODS (UCX 1.13; gone by
#             1.16): with =odp, one implicit ODP MR over the whole
#             address space ("using odp global key" at debug level), no
#             registration cache, nothing pinned.
#   explicit  $DEV's memory domain registers host memory non-blocking
#             (ucx_info -d: "memory types: host (...reg_nonblock...)",
#             UCX 1.18: the device reports ODP and host is in
#             UCX_IB_ODP_MEM_TYPES, its default): with
#             UCX_REG_NONBLOCK_MEM_TYPES=host, UCP registers every user
#             buffer of host memory non-blocking, which the IB memory
#             domain does with an explicit ODP MR of that buffer
#             (IBV_ACCESS_ON_DEMAND), kept in UCP's registration cache;
#             UCX's own bounce buffers stay pinned. UCX_IB_ODP_MEM_TYPES
#             is set too, so that the run does not rest on a default.
ucx_odp_setup() {
	if ucx_info -c | grep -q '^UCX_IB_REG_METHODS='; then
		UCX_ODP_MODE=implicit UCX_ODP=(UCX_IB_REG_METHODS=odp)
	elif ucx_info -d | sed -n "/^# Memory domain: $DEV\$/,/Transport:/p" |
		grep -q '^# *memory types:.*host ([^)]*reg_nonblock'; then
		UCX_ODP_MODE=explicit UCX_ODP=(UCX_REG_NONBLOCK_MEM_TYPES=host UCX_IB_ODP_MEM_TYPES=host)
	else
		return 1
	fi
}

# ---- Open MPI -------------------------------------------------------------

# mpi_setup: how mpirun places ranks here, into MPI_NODES (guests with a
# rank), MPI_HOSTS (the node each rank must run on), MPI_LAUNCH (mpirun's
# placement options) and MPI_LINK_ENV (UCX settings for the link).
# One guest: two ranks there. Two guests or more: one rank a guest, rank
# K-1 on node K; mpirun on node 1 starts the other nodes' orted through
# Open MPI's rsh launcher with rxe-odp-rsh as its agent
# (scripts/guest-rsh.sh: ssh's calling convention over rxe-odp-peer), a
# hostfile of every node's address (slots=1 each) and Open MPI's own TCP
# (daemons, mpirun's I/O forwarding) on the guests' subnet; the ranks'
# data goes over rxe0. Across guests UCX's RDMA READs (rendezvous GET)
# are cut to 64 KiB, one outstanding at a time: qemu's UDP link between
# the guests loses bursts of more than ~128 KiB (the receiving guest does
# not drain it in time under TCG), and each loss costs RC a 1 s
# retransmission timeout (with UCX's defaults a 4 MiB round trip took
# 48 s, pinned or not; with these 5-12 s).
mpi_setup() {
	local k peer_gidx
	command -v mpirun >/dev/null || fail "mpirun not installed (openmpi-bin)"
	MPI_NODES=1 MPI_HOSTS=(node1 node1) MPI_LINK_ENV=() MPI_LAUNCH=(-np 2 --oversubscribe)
	[ -n "${RXE_ODP_PEER_IP:-}" ] || return 0
	command -v rxe-odp-rsh >/dev/null || fail "rxe-odp-rsh not installed in the guest"
	MPI_NODES=${RXE_ODP_NODES:-2} MPI_HOSTS=(node1)
	for k in $(seq 2 "$MPI_NODES"); do
		peer_gidx=$(rxe-odp-peer --node "$k" printenv RXE_ODP_GID_INDEX) || fail "cannot reach node $k"
		# (UCX_IB_GID_INDEX is node 1's, exported to every rank)
		[ "$peer_gidx" = "$GIDX" ] ||
			fail "node $k's IPv4 GID index is $peer_gidx, node 1's $GIDX: one UCX_IB_GID_INDEX cannot serve all"
		MPI_HOSTS+=("node$k")
	done
	local hostfile=${TMPDIR:-/tmp}/rxe-odp-mpi-hosts
	# shellcheck disable=SC2086 # every node's address, node 1's first
	printf '%s slots=1\n' ${RXE_ODP_IPS:-$RXE_ODP_IP $RXE_ODP_PEER_IP} >"$hostfile"
	[ "$(wc -l <"$hostfile")" = "$MPI_NODES" ] || fail "not $MPI_NODES addresses in RXE_ODP_IPS: ${RXE_ODP_IPS:-}"
	MPI_LINK_ENV=(UCX_RC_VERBS_MAX_GET_ZCOPY=64k UCX_RC_VERBS_MAX_RD_ATOMIC=1)
	MPI_LAUNCH=(-np "$MPI_NODES" --hostfile "$hostfile" --mca plm_rsh_agent rxe-odp-rsh
		--mca oob_tcp_if_include "${RXE_ODP_IP%.*}.0/24")
}

# mpirun_ucx ENV... -- PROG ARGS...: mpirun (placed by mpi_setup) of PROG
# with UCX on rxe0 only, each ENV exported to every rank, 10 minutes at
# most.
mpirun_ucx() {
	local x=() e
	for e in "${UCX_ENV[@]}" UCX_TLS=rc_verbs,ud_verbs,self ${MPI_LINK_ENV[@]+"${MPI_LINK_ENV[@]}"}; do
		x+=(-x "$e")
	done
	while [ "$1" != -- ]; do x+=(-x "$1"); shift; done
	shift
	timeout 600 mpirun --allow-run-as-root "${MPI_LAUNCH[@]}" \
		--mca pml ucx --mca btl self --mca osc ^ucx --mca mpi_yield_when_idle 1 \
		"${x[@]}" "$@"
}

# field NAME OUTPUT: the number after NAME in a counters line (as
# odp_pingpong prints them: "... page_faults N page_invalidations N ...")
# Node 2's ingress filter PRIO that drops the 1st, 3rd, ... RoCEv2 packets
# over IPv4 (no options) to UDP port 4791 whose BTH opcode (the byte 28
# bytes in) is OPCODE, and passes the others (sch_ingress, cls_u32,
# act_gact); peer_dropped PRIO: how many it has dropped so far;
# peer_drops_clear: the filters go (the caller's EXIT trap should call it).
peer_drop_opcode() {
	rxe-odp-peer bash -c "tc qdisc show dev eth0 | grep -q '^qdisc ingress' ||
		tc qdisc add dev eth0 ingress" &&
	rxe-odp-peer bash -c "tc filter add dev eth0 parent ffff: protocol ip prio $1 u32 \
		match ip protocol 17 0xff match ip dport 4791 0xffff \
		match u8 $2 0xff at 28 action gact drop random determ pass 2"
}
peer_dropped() {
	rxe-odp-peer bash -c "tc -s filter show dev eth0 ingress prio $1" |
		awk '/dropped/ { sub(",", "", $7); print $7; exit }'
}
peer_drops_clear() { rxe-odp-peer bash -c "tc qdisc del dev eth0 ingress" >/dev/null 2>&1; }

field() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }' <<<"$2"; }

# dev_counter NAME: the device's hw counter NAME (page_faults, ...).
dev_counter() { cat "/sys/class/infiniband/$DEV/ports/1/hw_counters/$1"; }

# node_counters VAR NAME NODES: the array VAR gets hw counter NAME of the
# test device on nodes 1 to NODES, in order (node 2 on: through
# rxe-odp-peer). In this shell, not a subshell, so that a counter that
# cannot be read fails the test here.
node_counters() {
	local -n _vals=$1
	local k v
	_vals=()
	for k in $(seq "$3"); do
		if [ "$k" = 1 ]; then
			v=$(dev_counter "$2") || fail "cannot read $DEV's $2"
		else
			v=$(rxe-odp-peer --node "$k" cat "/sys/class/infiniband/$RXE_ODP_PEER_DEV/ports/1/hw_counters/$2") ||
				fail "cannot read node $k's $2"
		fi
		_vals+=("$v")
	done
}
