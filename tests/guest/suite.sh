#!/bin/bash
# Run the guest tests inside a test guest (./rxe-odp test boots it with
# this as its command). One line per test for the host to count:
#   ok - NAME | not ok - NAME | ok - NAME # SKIP reason
# A test fails too when the kernel logged a WARN, BUG, lockdep report or
# the like while it ran. Full logs: <run dir>/node1/tests/NAME.log.
#
#   suite.sh [--timeout SEC] [NAME_PATTERN...]
#   suite.sh --list [NAME_PATTERN...]   the tests a run with
#                                       RXE_ODP_NODES nodes selects
# The host counts results from the output after the guest exits and
# checks that every selected test has exactly one result (./rxe-odp).
#
# The upstream reference run (./rxe-odp test --upstream) sets
# RXE_ODP_UPSTREAM=1: only the tests that say "# upstream: yes" (explicit
# ODP through the kernel's own rdma_rxe: no implicit ODP, no ODP counters,
# nothing of our module) are selected, and in the run of the module with
# our upstream fixes (labels upstream-fixed-*) those that say
# "# upstream: fixed" too (a test that the stock module does not survive:
# t_wire_bad_packets panics it). RXE_ODP_LABEL, the suite's label
# (upstream-1node, ...), picks the lines of known-upstream-bugs that apply.
set -u
here=$(cd "$(dirname "$0")" && pwd)
logdir=/run/rxe-odp/out/tests
timeout=600
list=no
[ "${1:-}" = --list ] && { list=yes; shift; }
[ "${1:-}" = --timeout ] && { timeout=$2; shift 2; }

# The debug kernel (KASAN, lockdep; several times slower under TCG) runs
# the tests of the ODP core and the driver; a test of userspace
# integration (UCX, MPI, perftest, pyverbs, the benchmark) says
# "# debug: no" and runs on the distribution kernels only. The host asks
# with RXE_ODP_DEBUG_KERNEL=1; in a guest, the kernel's name says.
if [ -z "${RXE_ODP_DEBUG_KERNEL:-}" ]; then
	case $(uname -r) in
	*rxe-odp-debug*) RXE_ODP_DEBUG_KERNEL=1 ;;
	*) RXE_ODP_DEBUG_KERNEL=0 ;;
	esac
fi
# (the tests read it too: t_wire_drop shapes its link slower there)
export RXE_ODP_DEBUG_KERNEL

# The kernel series of this run: 6.12 or 6.1 (from the run's label,
# which the host gives to --list too: 6.12's labels say "6.12"; in a guest
# without one, from the kernel). A test that says "# kernel: 6.1" runs on
# that series only: one whose subject is the same on both (a check of our
# own scripts) and whose time CI's 90 minutes cannot spare twice.
case ${RXE_ODP_LABEL:-} in
*6.12*) series=6.12 ;;
?*) series=6.1 ;;
*) case $(uname -r) in 6.12.*) series=6.12 ;; *) series=6.1 ;; esac ;;
esac

# selected FILE: does the test apply to this run (node count, kernel,
# patterns)?
selected() {
	local f=$1 name p k
	name=$(basename "$f" .sh)
	grep -qE "^# nodes:.*\b${RXE_ODP_NODES}\b" "$f" || return 1
	[ "$RXE_ODP_DEBUG_KERNEL" != 1 ] || ! grep -q '^# debug: no' "$f" || return 1
	k=$(sed -n 's/^# kernel: *//p' "$f")
	[ -z "$k" ] || [ "$k" = "$series" ] || return 1
	if [ "${RXE_ODP_UPSTREAM:-0}" = 1 ]; then
		grep -q '^# upstream: yes' "$f" ||
			{ grep -q '^# upstream: fixed' "$f" && [[ ${RXE_ODP_LABEL:-} == upstream-fixed* ]]; } ||
			return 1
	fi
	[ ${#patterns[@]} -eq 0 ] && return 0
	for p in "${patterns[@]}"; do
		[[ $name == *$p* ]] && return 0
	done
	return 1
}

# snapshot_nodes: scripts/guest-snapshot.sh on node 1 and on every other
# node of the run (20 s each at most: a node that does not answer is
# said to, with what scanlog.sh finds in its console and the console's
# last lines, which the host writes under the run directory that every
# guest sees read-only).
snapshot_nodes() {
	local k con snap=$RXE_ODP_ROOT/scripts/guest-snapshot.sh
	bash "$snap" "$logdir/.pids-before"
	for k in $(seq 2 "${RXE_ODP_NODES:-1}"); do
		timeout -k 5 20 rxe-odp-peer --node "$k" bash "$snap" --jobs && continue
		echo "node $k: no snapshot within 20 s (rxe-odp-peer exit $?); its console's problems and last lines:"
		con=${RXE_ODP_RUNDIR:-}/node$k/console.log
		if [ -n "${RXE_ODP_RUNDIR:-}" ] && [ -r "$con" ]; then
			"$RXE_ODP_ROOT/scripts/scanlog.sh" "$con" | head -n 6 | sed "s|^$con:|node $k:   ! |"
			tail -n 4 "$con" | tr -d '\r' | sed "s/^/node $k:   | /"
		else
			echo "node $k:   (cannot read $con)"
		fi
	done
}

# stop_peer_jobs: stop what a test that timed out left running on the
# other nodes (rxe-odp-peer jobs: servers, MPI daemons), so that the next
# test starts clean and the nodes can finish.
stop_peer_jobs() {
	local k ids
	for k in $(seq 2 "${RXE_ODP_NODES:-1}"); do
		if ids=$(rxe-odp-peer --node "$k" --stop-all); then
			[ -z "$ids" ] || echo "node $k: stopped the jobs the test left running: $ids"
		else
			echo "node $k: rxe-odp-peer --stop-all failed"
		fi
	done
}

run_one() {
	local f=$1 name log rc mark problems reason subs watcher snap_at t0
	name=$(basename "$f" .sh)
	log=$logdir/$name.log
	# The test's part of the kernel log starts at a line of our own (a
	# count of lines would not do: once the ring buffer is full, old
	# lines go as new ones come). If the test logged so much that the
	# line is gone, all that is left is the test's.
	mark="# $name $$.$RANDOM"
	echo "$mark" >/dev/kmsg
	# 30 s before the test's time is up, what every node is doing, while
	# the test's processes still run (kept if the test times out). The
	# pids before the test include this watcher's.
	rm -f "$logdir/$name.stalled"
	snap_at=$((timeout > 60 ? timeout - 30 : timeout / 2)) t0=$SECONDS
	(
		sleep "$snap_at" &
		trap 'kill $! 2>/dev/null; exit 0' TERM
		wait $!
		snapshot_nodes >"$logdir/$name.stalled" 2>&1
	) &
	watcher=$!
	printf '%s\n' /proc/[0-9]* | sed 's|^/proc/||' >"$logdir/.pids-before"
	timeout -k 5 "$timeout" bash "$f" >"$log" 2>&1
	rc=$?
	# (124 from a test that ended before the snapshot: its own status,
	# not the timeout's; nothing to wait for)
	if [ $rc -eq 124 ] && [ $((SECONDS - t0)) -ge "$snap_at" ]; then
		wait "$watcher"
		stop_peer_jobs >>"$logdir/$name.stalled" 2>&1
	else
		kill "$watcher" 2>/dev/null
		wait "$watcher" 2>/dev/null
		rm -f "$logdir/$name.stalled"
	fi
	problems=$(dmesg | awk -v m="$mark" '{ all[NR] = $0 } !f && index($0, m) { f = 1 } f
		END { if (!f) for (i = 1; i <= NR; i++) print all[i] }' |
		"$RXE_ODP_ROOT/scripts/scanlog.sh" -)
	case $? in
	0) ;;
	1)
		echo "not ok - $name (kernel log)"
		echo "$problems" | head -n 20 | sed 's/^/#   /'
		return 1
		;;
	*) echo "not ok - $name (cannot scan the kernel log)"; return 1 ;;
	esac
	# A test that prints TAP (the cmocka suites) has each of its results
	# counted, as NAME/subtest.
	# (cmocka marks a skip "not ok N # SKIP name": a skip, not a failure.)
	subs=$(sed -nE -e "s|^(not )?ok [0-9]+ # SKIP (.*)$|ok - $name/\2 # SKIP|p;t" \
		-e "s|^(not )?ok [0-9]+( - )?(.*)$|\1ok - $name/\3|p" "$log" | known_bugs)
	[ -z "$subs" ] || echo "$subs"
	failed_subtests "$log"
	# a program whose only failures are known bugs of its own results
	# fails as a known bug too (its exit status counts them)
	if [ $rc -ne 0 ] && [ $rc -ne 77 ] && [ $rc -ne 124 ] &&
		grep -q '^not ok - .*# TODO ' <<<"$subs" &&
		! grep -v '# TODO ' <<<"$subs" | grep -q '^not ok - '; then
		echo "not ok - $name (exit $rc) # TODO only known failures of its own results"
		tail -n 15 "$log" | sed 's/^/#   /'
		return 1
	fi
	case $rc in
	0) echo "ok - $name" ;;
	77)
		reason=$(grep -m1 '^SKIP:' "$log" | sed 's/^SKIP: *//')
		echo "ok - $name # SKIP ${reason:-no reason given}"
		;;
	124)
		echo "not ok - $name (timed out after ${timeout}s)" | known_bugs
		tail -n 15 "$log" | sed 's/^/#   /'
		head -n 40 "$logdir/$name.stalled" 2>/dev/null | sed 's/^/#   /'
		;;
	*) echo "not ok - $name (exit $rc)" | known_bugs; tail -n 15 "$log" | sed 's/^/#   /' ;;
	esac
	[ $rc -eq 0 ] || [ $rc -eq 77 ]
}

# failed_subtests LOG: for each subtest result "not ok N - NAME" in LOG
# (cmocka's TAP), what the subtest printed before it (its last 40 lines),
# so that the console, and the part of it CI shows, says why it failed.
failed_subtests() {
	awk '/^(not )?ok [0-9]+/ {
		if ($1 == "not" && $0 !~ /# SKIP/) {
			print "#   --- " $0
			for (i = (n > 40 ? n - 40 : 0); i < n; i++)
				print "#   " buf[i % 40]
		}
		n = 0
		next
	}
	{ buf[n % 40] = $0; n++ }' "$1"
}

# known_bugs: mark failures of tests listed in known-bugs "# TODO"; and
# in an upstream run, those that known-upstream-bugs lists for its label.
known_bugs() {
	local line id reason
	while IFS= read -r line; do
		if [[ $line == "not ok - "* ]]; then
			id=${line#not ok - }
			id=${id%% *}
			reason=$(awk -v t="$id" '$1 == t { $1 = ""; sub(/^ /, ""); print; exit }' \
				"$here/known-bugs")
			[ -z "$reason" ] && [ -n "${RXE_ODP_LABEL:-}" ] && reason=$(upstream_bug "$id")
			[ -n "$reason" ] && line="$line # TODO $reason"
		fi
		echo "$line"
	done
}

# upstream_bug TEST: the reason known-upstream-bugs gives for TEST under
# this run's label (RXE_ODP_LABEL), prefixed "upstream:", or nothing.
upstream_bug() {
	local pat entry rest
	while read -r pat entry rest; do
		# shellcheck disable=SC2053
		[[ $RXE_ODP_LABEL == $pat ]] && [ "$entry" = "$1" ] && { echo "upstream: $rest"; return 0; }
	done < <(grep -vE '^[[:space:]]*(#|$)' "$here/known-upstream-bugs")
	return 0
}

# The tests in the order they run: by name. (t_odp_mm ran first from
# d8164f7 to stop 35: its memcg test had stalled after other tests in the
# same guest, issue 15 item 4. The stalls sat in the guest's page zeroing:
# a freed page of code that earlier processes had run at randomised
# addresses carried a long list of QEMU translations, which every write
# to it walked, seconds a page. Guests boot with norandmaps since
# df7f479, and with erms=off and -mem-prealloc since 32c8214,
# scripts/guest.sh.)
mapfile -t tests < <(printf '%s\n' "$here"/t_*.sh)

patterns=("$@")
if [ $list = yes ]; then
	for f in "${tests[@]}"; do
		selected "$f" && basename "$f" .sh
	done
	exit 0
fi
mkdir -p "$logdir"
failed=0
for f in "${tests[@]}"; do
	selected "$f" || continue
	run_one "$f" || failed=1
done
exit $failed
