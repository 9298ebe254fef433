#!/bin/bash
# nodes: 2
# upstream: yes
# A packet that the sender's own network stack drops (a full qdisc: a
# shaped or congested link) is sent again once there is room, as a NIC
# waits for its link: the QP never fails for it (kernel/patches 0013,
# kernel/patches-6.12 0009). Both guests' eth0 get a 20 Mbit/s token
# bucket (2 Mbit/s on the debug kernels) with an 8 KiB queue, which
# 64 KiB messages overflow at once;
# perftest's WRITE and SEND (requests dropped on node 1) and READ
# (responses dropped on node 2), pinned and ODP, must complete every
# iteration, and each qdisc must have dropped packets (else the test
# tested nothing). Stock 6.12 and 7.3 fail the WRITE with
# IBV_WC_LOC_QP_OP_ERR at the first drop; stock 6.1 and 6.12 fail the
# READ (upstream's fix: kernel/upstream/0002).
. "$(dirname "$0")/lib.sh"

# The debug kernels (KASAN) send about 1 MB/s, below 20 Mbit/s, which
# never fills the queue: a slower bucket there, and fewer iterations.
rate=20mbit iters=200
[ "${RXE_ODP_DEBUG_KERNEL:-0}" != 1 ] || rate=2mbit iters=20
qdisc="tc qdisc replace dev eth0 root tbf rate $rate burst 16kb limit 8kb"
restore="tc qdisc del dev eth0 root"
# both links back as they were (the next tests of this boot need them)
restore_both() { $restore 2>/dev/null; rxe-odp-peer bash -c "$restore" >/dev/null 2>&1; }
trap restore_both EXIT
# the dropped count of `tc -s qdisc show`'s first qdisc
dropped() { awk '/dropped/ { sub(",", "", $7); print $7; exit }'; }
drops() { tc -s qdisc show dev eth0 | dropped; }
peer_drops() { rxe-odp-peer bash -c "tc -s qdisc show dev eth0" | dropped; }

$qdisc || fail "tc: no tbf qdisc on node 1"
rxe-odp-peer bash -c "$qdisc" || fail "tc: no tbf qdisc on node 2"
[ "$(drops)" = 0 ] || fail "node 1's new qdisc reports drops already"

for odp in "" --odp; do
	d0=$(drops)
	perftest_done ib_write_bw "$iters" ${odp:+"$odp"} || fail "ib_write_bw $odp failed with drops on its way out"
	perftest_done ib_send_bw "$iters" ${odp:+"$odp"} || fail "ib_send_bw $odp failed with drops on its way out"
	d1=$(drops)
	note "requests dropped on node 1's qdisc: $((d1 - d0))"
	[ "$d1" -gt "$d0" ] || fail "no request was dropped: the test did not test ($odp)"
	p0=$(peer_drops)
	perftest_done ib_read_bw "$iters" ${odp:+"$odp"} || fail "ib_read_bw $odp failed with responses dropped"
	p1=$(peer_drops)
	note "READ responses dropped on node 2's qdisc: $((p1 - p0))"
	[ "$p1" -gt "$p0" ] || fail "no READ response was dropped: the test did not test ($odp)"
done

# A drop that lasts: a bucket of 1000 bytes drops every rxe packet with a
# full 1024-byte payload (larger than the bucket: NET_XMIT_DROP with the
# queue empty), and lets the small TCP exchange of ibv_rc_pingpong pass.
# With nothing of the QP in flight, no packet leaving will wake the
# requester: the packet counts as lost on the wire, and the RC QP's
# retransmit timer sends it again (timeout 14: every 67 ms), as for a
# link that loses everything. ibv_rc_pingpong's retry_cnt is 7, which rxe
# takes for unlimited (mlx5: 7 retries), so the SEND neither completes
# nor fails: it is stopped after 10 s, and the tries counted (send_err:
# 4 packets a try) must be those of the timer, not of a requester that
# runs again at once (the old code: thousands a second).
restore_both
tc qdisc replace dev eth0 root tbf rate 20mbit burst 1000 limit 8kb ||
	fail "tc: no tbf qdisc with a 1000-byte bucket on node 1"
pp=(-d "$DEV" -g "$GIDX" -s 4096 -n 1)
job=$(rxe-odp-peer --bg ibv_rc_pingpong "${pp[@]}") || fail "cannot reach node 2"
s0=$(dev_counter send_err) t0=$SECONDS
out=$(client_retry timeout 10 ibv_rc_pingpong "${pp[@]}" "$(server_ip)" 2>&1) && rc=0 || rc=$?
s1=$(dev_counter send_err) t1=$SECONDS
$restore
rxe-odp-peer --kill "$job" >/dev/null 2>&1
rxe-odp-peer --wait "$job" >/dev/null 2>&1 || true
echo "$out"
tries=$((s1 - s0))
# at most one try per 67 ms of the run, twice over, 4 packets each
most=$(((t1 - t0 + 1) * 1000 / 67 * 2 * 4))
note "every full-size packet dropped for $((t1 - t0)) s: ibv_rc_pingpong exit $rc, send_err +$tries (at most $most allowed)"
[ "$rc" = 124 ] || fail "ibv_rc_pingpong ended (exit $rc) with every full-size packet dropped: the test did not test"
[ "$tries" -ge 4 ] || fail "no packet was dropped: the test did not test"
[ "$tries" -le "$most" ] || fail "$tries tries in $((t1 - t0)) s: the requester runs again at once instead of taking the packet for lost"
echo "PASS: WRITE, SEND and READ, pinned and ODP, survive drops on their way out; a drop that lasts costs one try per retransmit timeout"
