#!/bin/bash
# nodes: 1
# upstream: fixed
# Issue 15 item 1: an ODP MR torn down while the device's page fault into
# it is stuck in the file system. A FUSE file (tests/progs/fuse_stall)
# whose reads block until the test releases them is mapped and registered
# as an ODP MR; an RDMA READ, RDMA WRITE, SEND or atomic (rxe's responder
# faults) or an asynchronous prefetch (the prefetch work faults) reaches
# the blocked page; then the
# MR is deregistered, the QP destroyed, or the process exits, while the
# fault is blocked. The teardown must wait for the fault (dereg and
# destroy must not return before the release; an exiting process may end,
# its teardown then waits in whoever drops its mm, which the fault holds;
# rmmod is refused meanwhile), then finish cleanly once the file system
# answers, leaving no MR behind: no use-after-free, no
# WARN from rxe's bounded cleanup wait, no hung-task report (the suite
# scans the kernel log). Also: async prefetches in flight on an MR are
# bounded (past the bound advise_mr fails), and stalled prefetches hold up
# no QP; a synchronous prefetch of two fault chunks whose first is blocked
# 12 s succeeds once the file system answers (only retries after lost
# races are bounded in time, 1 s; a bound on the whole prefetch, 10 s,
# failed its second chunk with EBUSY). A SEND whose requester faults into
# the blocked page building its second packet, with an SGE past the end
# of its MR behind it, completes in error once the file system answers
# (the retransmit timer fired during the fault: on 6.1 rxe's completer
# then waited for a retransmission that the failed requester never made,
# and the SEND never completed). The module unloads cleanly at the end.
# The READ, WRITE, SEND and atomic are loopback requests of the same
# process: ibv_post_send() must return while their fault is blocked (on
# 6.1 the responder of a loopback request runs in the poster's call; a
# fault there held it until the file system answered, and the MR could
# have been another process's). And a READ into the blocked page, long
# enough for the responder to run on its worker (local-read): the
# responder hands each response to the reading QP's completer, which
# faults; destroying the responder's QP (from a child process, whose own
# mm the unmapping of the QP's rings takes) must not wait for that fault
# (on 6.1 the completer ran in the responder's task and faulted there, so
# the destroy waited for the reading QP's file system; on 6.12 each
# response held the responder's QP until the completer had taken it, and
# the destroy waited 50 s, WARNed and freed the QP under them). Likewise
# destroying the requester's QP while the responder's fault for its WRITE
# is blocked (write:destroy-peer: 6.12's request packet held it).
#
# The upstream reference run takes it with kernel/upstream applied. On
# the stock 7.3.4 module a teardown during the blocked fault WARNed after
# 50 s and freed the object under it: the peer's QP (destroy-peer, held
# by the packets: kernel/upstream/0022), the MR (read:dereg, even with
# the read held 3 s: 0023), the faulting QP (read:destroy-qp with the read
# held 60 s: 0024; the fixed run holds it 60 s too). Left out there:
# send:wait (its SEND with a bad SGE completes IB_WC_WR_FLUSH_ERR, as in
# known-upstream-bugs' unmapped_range_errors), the prefetch cases (their
# bounds are ours), and rmmod during the fault (upstream's rmmod waits for
# the device's users instead of refusing).
#
# STALL_HOLD (seconds, default 3): how long each teardown is held blocked.
# rxe frees an object 50 s into its cleanup wait whatever its references,
# so STALL_HOLD=60 is what showed the use-after-free before the fix (the
# cleanup WARN, then an oops of the responder in odp_fault_range() on the
# freed mirror). STALL_CASES: which ACCESS:MODE[:HOLD] cases (default: all
# twelve; HOLD overrides STALL_HOLD for that case).

. "$(dirname "$0")/lib.sh"

HOLD=${STALL_HOLD:-3}
cases="read:dereg read:destroy-qp read:exit write:dereg recv:destroy-qp atomic:exit local-read:destroy-peer write:destroy-peer prefetch:dereg prefetch:exit sync-prefetch:wait:12 send:wait"
if [ "${RXE_ODP_UPSTREAM:-0}" = 1 ]; then
	cases="read:dereg read:destroy-qp:60 read:exit write:dereg recv:destroy-qp atomic:exit local-read:destroy-peer write:destroy-peer"
	note "upstream run: not selected: send:wait (IB_WC_WR_FLUSH_ERR for a bad SGE, as in unmapped_range_errors), prefetch:dereg prefetch:exit sync-prefetch:wait:12 (our prefetch bounds)"
fi
for p in fuse_stall odp_fault_stall; do
	[ -x "$PROGS/$p" ] || fail "$p not built ($PROGS)"
done
modprobe fuse 2>/dev/null
[ -e /dev/fuse ] || skip "no FUSE in this kernel (/dev/fuse)"

ctl=$(mktemp -d)
mnt=$(mktemp -d)
"$PROGS/fuse_stall" "$ctl" "$mnt" >/tmp/fuse_stall.log 2>&1 &
daemon=$!
cleanup() {
	touch "$ctl/release"
	umount "$mnt" 2>/dev/null || fusermount3 -u "$mnt" 2>/dev/null
	wait $daemon 2>/dev/null
}
trap cleanup EXIT
for _ in $(seq 100); do
	[ -e "$mnt/f0" ] && break
	sleep 0.1
done
[ -e "$mnt/f0" ] || { cat /tmp/fuse_stall.log; fail "fuse_stall did not mount"; }

# wait_line FILE PATTERN SECONDS: until FILE has a line matching PATTERN
wait_line() {
	for _ in $(seq $(($3 * 10))); do
		grep -q "$2" "$1" && return 0
		sleep 0.1
	done
	return 1
}

# proc_state PID: its state letter (Z once it has exited), or nothing
proc_state() { awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null; }

n=0
# run_case ACCESS MODE [HOLD]: one teardown (or, for wait, none) during a
# fault blocked HOLD seconds, on file f$n
run_case() {
	local access=$1 mode=$2 hold=${3:-$HOLD} log=/tmp/stall-$1-$2.log pid st retries secs
	rm -f "$ctl/stalled" "$ctl/release"
	note "$access, then $mode during the blocked fault (file f$n)"
	retries=$(dev_counter completer_retry_err)
	"$PROGS/odp_fault_stall" -a "$access" -m "$mode" -c "$ctl" \
		"$mnt/f$n" >"$log" 2>&1 &
	pid=$!
	n=$((n + 1))
	if ! wait_line "$log" "^$mode start" 120; then
		cat "$log"
		[ -e "$ctl/stalled" ] && ! grep -q '^stalled' "$log" &&
			fail "$access: the fault reached the file system, but the program never got past posting (ibv_post_send() held by the fault?)"
		fail "$access: no stalled fault"
	fi
	note "fault blocked in the file system at: $(cat "$ctl/stalled")"
	sleep "$hold"
	# the window of 6.1's hang: its completer asked the requester for a
	# retransmission while the requester was in the fault (6.12's
	# completer runs in the requester's task, after it)
	if [ "$access" = send ]; then
		case $(uname -r) in
		6.1.*)
			[ "$(dev_counter completer_retry_err)" -gt "$retries" ] ||
				fail "send: no retransmit timeout during the blocked fault (completer_retry_err stayed $retries)"
			;;
		esac
	fi
	if [ "$mode" = destroy-peer ]; then
		# the fault is the other QP's: this one goes meanwhile (the
		# program's own clock: wait_line counts polls, and under TCG
		# 30 s of polls took 50 s once)
		wait_line "$log" "^$mode returned" 120 ||
			{ cat "$log"; fail "$access: destroying the peer QP did not return"; }
		secs=$(sed -n "s/^$mode returned .* after \([0-9.]*\) s$/\1/p" "$log")
		awk -v s="$secs" 'BEGIN { exit !(s != "" && s < 10) }' ||
			{ cat "$log"; fail "$access: destroying the peer QP waited ${secs:-?} s for this QP's blocked fault"; }
	elif grep -q "^$mode returned" "$log"; then
		cat "$log"
		fail "$access/$mode returned while the fault was still blocked"
	fi
	if [ "$mode" != exit ]; then
		st=$(proc_state $pid)
		[ -n "$st" ] && [ "$st" != Z ] ||
			{ cat "$log"; fail "$access/$mode: the process ended while the fault was blocked"; }
	fi
	# an exiting process leaves its teardown to whoever drops the last
	# reference to its mm, which the fault holds: the device stays in use
	[ "${RXE_ODP_UPSTREAM:-0}" = 1 ] ||
		expect_fail "rmmod during the blocked fault" rmmod rdma_rxe_odp 2>/dev/null
	touch "$ctl/release"
	wait $pid
	st=$?
	cat "$log"
	[ $st -eq 0 ] || fail "$access/$mode: odp_fault_stall exited $st"
	if [ "$mode" != exit ]; then
		grep -q '^done' "$log" || fail "$access/$mode did not finish"
	fi
	# after an exit, until the teardown is over
	for _ in $(seq 600); do
		[ -z "$(rdma resource show mr 2>/dev/null)" ] && break
		sleep 0.1
	done
	[ -z "$(rdma resource show mr 2>/dev/null)" ] ||
		{ rdma resource show mr; fail "$access/$mode: MRs left 60 s after the release"; }
}

for c in ${STALL_CASES:-$cases}; do
	IFS=: read -r access mode hold <<<"$c"
	run_case "$access" "$mode" "$hold"
done

# nothing left behind: rxe's pools WARN on unload if an object leaked
rxe_down
rxe_up
