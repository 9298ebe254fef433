#!/bin/bash
# nodes: 2
# upstream: yes
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
# the dropped count of `tc -s qdisc show`'s first qdisc
dropped() { awk '/dropped/ { sub(",", "", $7); print $7; exit }'; }
drops() { tc -s qdisc show dev eth0 | dropped; }
peer_drops() { rxe-odp-peer bash -c "tc -s qdisc show dev eth0" | dropped; }

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

# A drop that lasts: a bucket of 1000 bytes drops every rxe packet with a
# full 1024-byte payload (larger than the bucket: NET_XMIT_DROP with the
# queue empty), and lets the small TCP exchange of ibv_rc_pingpong pass.
# With nothing of the QP in flight, no packet leaving will wake the
# requester: the packet counts as lost on the wire, and the RC QP's
# retries (7, of 67 ms each here) run out with IBV_WC_RETRY_EXC_ERR, as
# for a link that loses everything. Taken for a full queue instead, the
# requester ran again at once for ever and the WQE never completed.
$restore; rxe-odp-peer bash -c "$restore" >/dev/null 2>&1
tc qdisc replace dev eth0 root tbf rate 20mbit burst 1000 limit 8kb ||
	fail "tc: no tbf qdisc with a 1000-byte bucket on node 1"
s0=$(dev_counter send_err) x0=$(dev_counter retry_exceeded_err)
pp=(-d "$DEV" -g "$GIDX" -s 4096 -n 1)
job=$(rxe-odp-peer --bg ibv_rc_pingpong "${pp[@]}") || fail "cannot reach node 2"
t0=$SECONDS
out=$(client_retry timeout 120 ibv_rc_pingpong "${pp[@]}" "$(server_ip)" 2>&1) && rc=0 || rc=$?
t1=$SECONDS
$restore
rxe-odp-peer --kill "$job" >/dev/null 2>&1
rxe-odp-peer --wait "$job" >/dev/null 2>&1 || true
echo "$out"
s1=$(dev_counter send_err) x1=$(dev_counter retry_exceeded_err)
note "every packet dropped: ibv_rc_pingpong exit $rc after $((t1 - t0)) s; send_err +$((s1 - s0)), retry_exceeded_err +$((x1 - x0))"
[ "$rc" != 124 ] || fail "the SEND neither completed nor failed within 120 s: the requester waits for room that no packet in flight will make"
[ "$rc" != 0 ] || fail "ibv_rc_pingpong succeeded with every full-size packet dropped: the test did not test"
grep -q 'retry counter exceeded' <<<"$out" ||
	fail "the SEND failed otherwise than by its retries running out (IBV_WC_RETRY_EXC_ERR)"
[ $((s1 - s0)) -ge 8 ] || fail "send_err rose by $((s1 - s0)), not by the first try and 7 retries"
[ $((x1 - x0)) -ge 1 ] || fail "retry_exceeded_err did not rise"
echo "PASS: WRITE, SEND and READ, pinned and ODP, survive drops on their way out; a drop that lasts ends in the QP's retry limit"
