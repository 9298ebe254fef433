#!/bin/bash
# nodes: 2
# upstream: yes
# debug: no
# (the debug kernels are tinyconfig builds without packet schedulers:
# no tbf qdisc to make the drops with)
# A packet that the sender's own network stack drops (a full qdisc: a
# shaped or congested link) is sent again once there is room, as a NIC
# waits for its link: the QP never fails for it (kernel/patches 0013,
# kernel/patches-6.12 0009). Both guests' eth0 get a 20 Mbit/s token
# bucket with an 8 KiB queue, which 64 KiB messages overflow at once;
# perftest's WRITE and SEND (requests dropped on node 1) and READ
# (responses dropped on node 2), pinned and ODP, must complete every
# iteration, and each qdisc must have dropped packets (else the test
# tested nothing). Stock 6.12 and 7.3 fail the WRITE with
# IBV_WC_LOC_QP_OP_ERR at the first drop; stock 6.1 and 6.12 fail the
# READ (upstream's fix: kernel/upstream/0002).
. "$(dirname "$0")/lib.sh"

qdisc="tc qdisc replace dev eth0 root tbf rate 20mbit burst 16kb limit 8kb"
restore="tc qdisc del dev eth0 root"
# the next tests of this boot must have the link back as it was
trap '$restore 2>/dev/null; rxe-odp-peer bash -c "$restore" >/dev/null 2>&1' EXIT
drops() { tc -s qdisc show dev eth0 | awk '/dropped/ { sub(",", "", $7); print $7; exit }'; }
peer_drops() {
	rxe-odp-peer bash -c "tc -s qdisc show dev eth0" |
		awk '/dropped/ { sub(",", "", $7); print $7; exit }'
}

$qdisc || fail "tc: no tbf qdisc on node 1"
rxe-odp-peer bash -c "$qdisc" || fail "tc: no tbf qdisc on node 2"
[ "$(drops)" = 0 ] || fail "node 1's new qdisc reports drops already"

for odp in "" --odp; do
	d0=$(drops)
	perftest_done ib_write_bw 200 ${odp:+"$odp"} || fail "ib_write_bw $odp failed with drops on its way out"
	perftest_done ib_send_bw 200 ${odp:+"$odp"} || fail "ib_send_bw $odp failed with drops on its way out"
	d1=$(drops)
	note "requests dropped on node 1's qdisc: $((d1 - d0))"
	[ "$d1" -gt "$d0" ] || fail "no request was dropped: the test did not test ($odp)"
	p0=$(peer_drops)
	perftest_done ib_read_bw 200 ${odp:+"$odp"} || fail "ib_read_bw $odp failed with responses dropped"
	p1=$(peer_drops)
	note "READ responses dropped on node 2's qdisc: $((p1 - p0))"
	[ "$p1" -gt "$p0" ] || fail "no READ response was dropped: the test did not test ($odp)"
done
echo "PASS: WRITE, SEND and READ, pinned and ODP, survive drops on their way out"
