#!/bin/bash
# scripts/guest.sh --nodes N against a stand-in qemu: three guests or more
# run in a network namespace of the run's own, each with its tap device
# on the namespace's bridge, and the namespace is gone after the run,
# whether it ended well, a guest hung or the run was stopped; every node's
# job knows all the others; one vCPU and one NUMA node each. Two guests
# keep their UDP link, two vCPUs, two fake NUMA nodes and no
# namespace. No real guest is booted. Needs root (ip netns).
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
# a hanging stand-in sleeps a length of its own, so that pgrep finds this
# test's only (the 'sleep 300' of anything else on the machine once
# failed it, as test_peer.sh says)
export FAKE_NAP=300.$$
stand_ins_gone() { ! pgrep -f "sleep $FAKE_NAP\$" >/dev/null; }
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin"

if [ "$(id -u)" != 0 ]; then
	skip "guest.sh --nodes 4" "not root: ip netns needs it (./rxe-odp test runs as root)"
	done_testing
fi

# The stand-in: finds its node's run directory (9p tag "out"), writes
# there the network namespace it runs in, whether its tap device is on
# that namespace's bridge, its memory and network arguments, then acts
# out FAKE_NODE<N> (default ok: status 0, node 1's 7).
cat >"$tmp/bin/qemu-system-x86_64" <<'EOF2'
#!/bin/bash
out="" serials=() mem="" net="" smp="" cmdline=""
prev=""
for a in "$@"; do
	case $a in
	local,path=*,mount_tag=out,*) out=${a#local,path=}; out=${out%%,*} ;;
	file:*) serials+=("${a#file:}") ;;
	esac
	[ "$prev" = -m ] && mem=$a
	[ "$prev" = -netdev ] && net=$a
	[ "$prev" = -smp ] && smp=$a
	[ "$prev" = -append ] && cmdline=$a
	prev=$a
done
n=${out##*/node}
ip netns identify >"$out/netns-seen" 2>/dev/null
ip -o link show "t$n" 2>/dev/null | grep -o 'master br0' >"$out/tap-seen"
echo "$mem" >"$out/mem-seen"
echo "$net" >"$out/net-seen"
echo "$smp" >"$out/smp-seen"
echo "$cmdline" >"$out/cmdline"
touch "$out/started"
echo "[    1.0] booted" >>"${serials[0]}"
act=FAKE_NODE$n
case ${!act:-ok} in
hang) exec sleep "$FAKE_NAP" ;;
gone) exit 1 ;;
waitgone)
	# node 1 that succeeds once the host has said on the bus that node 2
	# is gone (4 s at most)
	bus=${out%/node*}/bus
	for _ in $(seq 20); do
		[ -e "$bus/node2.gone" ] && { echo 0 >"$out/status"; exit 0; }
		sleep 0.2
	done
	echo 1 >"$out/status" ;;
ok)
	echo "hello from node $n" >>"${serials[1]}"
	if [ "$n" = 1 ]; then echo 7 >"$out/status"; else echo 0 >"$out/status"; fi ;;
esac
EOF2
chmod +x "$tmp/bin/qemu-system-x86_64"
touch "$tmp/kernel" "$tmp/initrd"

# run DIR N [ENV...]: guest.sh --nodes N with the stand-in, in DIR.
run() {
	local dir=$tmp/$1 nodes=$2
	shift 2
	env PATH="$tmp/bin:$PATH" "$@" "$ROOT/scripts/guest.sh" --kernel "$tmp/kernel" \
		--initrd "$tmp/initrd" --nodes "$nodes" --timeout 5 --rundir "$dir" -- true
}

# ns_gone DIR: the run in DIR named a namespace, and it is gone.
ns_gone() {
	[ -s "$1/netns" ] && ! ip netns list | grep -qw "$(cat "$1/netns")"
}

# every_node DIR N CMD...: CMD with @ replaced by each node's directory.
every_node() {
	local dir=$1 n=$2 k a args
	shift 2
	for k in $(seq "$n"); do
		args=()
		for a in "$@"; do args+=("${a//@/$dir/node$k}"); done
		"${args[@]}" || return 1
	done
}

check_status "four nodes: node 1's status and output come back" 7 'hello from node 1' run four 4
d=$tmp/four
check "a namespace of the run's own, named in the run directory" grep -qx 'rxe-odp-[0-9]*-[0-9]*' "$d/netns"
check "every node's qemu ran in it" every_node "$d" 4 grep -qxF "$(cat "$d/netns")" @/netns-seen
check "with its tap device on the namespace's bridge" every_node "$d" 4 grep -qx 'master br0' @/tap-seen
check "each node's NIC is its tap" every_node "$d" 4 sh -c 'grep -q "^tap,id=n0,ifname=t${1##*node},script=no,downscript=no$" "$1/net-seen"' - @
check "2048 MiB a guest up to four" every_node "$d" 4 grep -qx 2048 @/mem-seen
check "one vCPU a guest from three on" every_node "$d" 4 grep -qx 1 @/smp-seen
check "and one NUMA node (no numa=fake=2: one vCPU cannot be split)" \
	every_node "$d" 4 sh -c 'grep -q "rxe_odp.stage2=" "$1" && ! grep -q "numa=fake" "$1"' - @/cmdline
check "the namespace is gone after the run" ns_gone "$d"
# job_has JOB_ENV VAR VALUE: the job file gives VAR that value.
job_has() {
	# shellcheck source=/dev/null
	(. "$1" && [ "${!2}" = "$3" ])
}
all="169.254.77.1 169.254.77.2 169.254.77.3 169.254.77.4"
check "every node knows every address, node 1's first" every_node "$d" 4 job_has @/job.env RXE_ODP_IPS "$all"
check "node 3's peers are the others" \
	job_has "$d/node3/job.env" RXE_ODP_PEER_IPS "169.254.77.1 169.254.77.2 169.254.77.4"
check "node 3's RXE_ODP_PEER_IP is node 1's" job_has "$d/node3/job.env" RXE_ODP_PEER_IP 169.254.77.1
check "node 1's RXE_ODP_PEER_IP is node 2's, as with two guests" \
	job_has "$d/node1/job.env" RXE_ODP_PEER_IP 169.254.77.2
check "node 4 knows its number and the count" \
	sh -c "grep -q '^export RXE_ODP_NODE=4 RXE_ODP_NODES=4$' '$d/node4/job.env'"

check_status "a node that never finishes fails the run as a hang, named" 124 'node 3 did not finish' \
	run hang 4 FAKE_NODE3=hang
check "the namespace is gone after the hang" ns_gone "$tmp/hang"
check "no stand-in is left running" stand_ins_gone

# a node whose guest ends while node 1 runs (a panic: QEMU exits): the host
# says so on the bus (rxe-odp-peer then fails at once), and in the report
check_status "a node that ends early is named as such, and the run fails" 124 \
	"node 2's guest ended while node 1 ran" run gone 2 FAKE_NODE1=waitgone FAKE_NODE2=gone
check "node 1 saw nodeK.gone on the bus" grep -qx 0 "$tmp/gone/node1/status"

check_status "node 1 hanging until the timeout: a hang too" 124 'node 1 did not finish' \
	run hang1 4 FAKE_NODE1=hang
check "the namespace is gone after it" ns_gone "$tmp/hang1"

# a run stopped from outside (TERM) while its guests run (env execs
# guest.sh: the TERM reaches it)
env PATH="$tmp/bin:$PATH" FAKE_NODE1=hang FAKE_NODE2=hang FAKE_NODE3=hang FAKE_NODE4=hang \
	"$ROOT/scripts/guest.sh" --kernel "$tmp/kernel" --initrd "$tmp/initrd" --nodes 4 \
	--timeout 60 --rundir "$tmp/stopped" -- true >/dev/null 2>&1 &
runner=$!
for _ in $(seq 100); do
	[ "$(ls "$tmp"/stopped/node*/started 2>/dev/null | wc -l)" = 4 ] && break
	sleep 0.1
done
kill -TERM "$runner"
rc=0
wait "$runner" || rc=$?
check "a run stopped by TERM ends with TERM's status" [ "$rc" = 143 ]
check "its namespace is gone" ns_gone "$tmp/stopped"
check "and its guests" stand_ins_gone

run five 5 >/dev/null 2>&1
check "1536 MiB a guest from five on" every_node "$tmp/five" 5 grep -qx 1536 @/mem-seen
check "--mem still decides" sh -c "env PATH='$tmp/bin:$PATH' '$ROOT/scripts/guest.sh' --kernel '$tmp/kernel' \
	--initrd '$tmp/initrd' --nodes 3 --mem 1200 --timeout 5 --rundir '$tmp/mem' -- true >/dev/null 2>&1;
	grep -qx 1200 '$tmp/mem/node3/mem-seen'"

run two 2 >/dev/null 2>&1
check "two nodes: no namespace, the UDP link" sh -c "[ ! -e '$tmp/two/netns' ] &&
	grep -q '^socket,id=n0,udp=127.0.0.1:' '$tmp/two/node2/net-seen' && ! grep -q . '$tmp/two/node2/netns-seen'"
check "two nodes: two vCPUs and two fake NUMA nodes, as before" \
	every_node "$tmp/two" 2 sh -c 'grep -qx 2 "$1/smp-seen" && grep -qw "numa=fake=2" "$1/cmdline"' - @
check "two nodes: RXE_ODP_PEER_IP is the other node's" \
	grep -q '^export RXE_ODP_IP=169.254.77.2 RXE_ODP_PEER_IP=169.254.77.1$' "$tmp/two/node2/job.env"
done_testing
