#!/bin/bash
# What a test guest is doing, in a few lines, for a test that timed out
# (tests/guest/suite.sh runs it on every node of the run; on nodes 2 to N
# through rxe-odp-peer). Reads /proc and sysfs only: nothing goes to the
# kernel log, which the harness judges.
#
#   guest-snapshot.sh [PIDFILE]    (node 1: the test runs here)
#   guest-snapshot.sh --jobs       (nodes 2 to N: the test's jobs)
#
# Prints, each line starting "node K:":
#   - uptime, load and how many tasks run (R) or wait uninterruptibly (D);
#   - every task in D state, and every process not in PIDFILE (the pids
#     that ran before the test), or with --jobs every process of an
#     rxe-odp-peer job but this one (scripts/guest-peer.sh: each job is a
#     session of its own), with its state, where it waits (wchan) and its
#     kernel stack's first frames;
#   - the ODP device's hw counters that are not 0 (retries, RNR,
#     faults: a wait for the peer or a fault shows there);
#   - the QPs of the device that are not in RTS or RESET (rdma res);
#   - the kernel log's last lines.
set -u
node=${RXE_ODP_NODE:-1}
dev=${RXE_ODP_DEV:-rxe0}
pidfile="" jobs=no
case ${1:-} in
--jobs) jobs=yes ;;
*) pidfile=${1:-} ;;
esac
say() { echo "node $node: $*"; }

# frames PID: the first frames of PID's kernel stack, on one line
frames() {
	sed -E 's/^\[<[0-9a-f]+>\] //; s/\+0x[0-9a-f]+\/0x[0-9a-f]+//' "/proc/$1/stack" 2>/dev/null |
		head -n 8 | paste -sd' ' | sed 's/ / < /g'
}

read -r up _ </proc/uptime
read -r l1 l5 _ </proc/loadavg
nr=0 nd=0 tasks=()
for st in /proc/[0-9]*/task/[0-9]*/stat; do
	# state is the field after the ")" that ends the command name
	s=$(sed -E 's/.*\) ([A-Z]).*/\1/' "$st" 2>/dev/null) || continue
	case $s in
	R) nr=$((nr + 1)) ;;
	D) nd=$((nd + 1)) tasks+=("${st%/stat}") ;;
	esac
done
say "up ${up%.*} s, load $l1 $l5, $nr running, $nd in D state"

# the tasks worth a line: those in D, and the test's leftovers
declare -A seen=()
for t in "${tasks[@]+"${tasks[@]}"}"; do
	seen[${t##*/}]=D
done
if [ -n "$pidfile" ] && [ -r "$pidfile" ]; then
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		[ "$p" != $$ ] || continue
		# kernel threads have no command line; those are the kernel's
		# (sysfs and procfs files have no size: read it)
		[ -n "$(tr -d '\0' <"/proc/$p/cmdline" 2>/dev/null)" ] || continue
		grep -qx "$p" "$pidfile" || seen[$p]=${seen[$p]:-new}
	done
fi
# --jobs: the processes of the sessions this node's rxe-odp-peer jobs
# lead (their pids are in its queue, ID.pid, while they run: the queue is
# the bus itself for node 2, its nodeK subdirectory for node K), but for
# this snapshot's own job
if [ $jobs = yes ]; then
	bus=${RXE_ODP_BUS:-/run/rxe-odp/bus}
	q=$bus
	[ "$node" = 2 ] || q=$bus/node$node
	own=$(awk '{ sub(/.*\) /, ""); print $4 }' /proc/$$/stat)
	declare -A lead=()
	for f in "$q"/*.pid; do
		[ -e "$f" ] || continue
		l=$(cat "$f" 2>/dev/null) && [ -n "$l" ] && [ "$l" != "$own" ] && lead[$l]=1
	done
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		sid=$(awk '{ sub(/.*\) /, ""); print $4 }' "/proc/$p/stat" 2>/dev/null) || continue
		[ -n "$sid" ] && [ -n "${lead[$sid]:-}" ] && seen[$p]=${seen[$p]:-job}
	done
fi
n=0
for p in "${!seen[@]}"; do
	n=$((n + 1))
	[ $n -le 12 ] || { say "... and $((${#seen[@]} - 12)) more"; break; }
	comm=$(cat "/proc/$p/comm" 2>/dev/null) || continue
	s=$(sed -E 's/.*\) ([A-Z]).*/\1/' "/proc/$p/stat" 2>/dev/null)
	say "  $p $comm ($s, ${seen[$p]}) wchan $(cat "/proc/$p/wchan" 2>/dev/null): $(frames "$p")"
done

c=/sys/class/infiniband/$dev/ports/1/hw_counters
if [ -d "$c" ]; then
	say "$dev counters: $(grep -v '^0$' -H "$c"/* 2>/dev/null | sed 's|.*/||' | paste -sd' ')"
fi
if command -v rdma >/dev/null; then
	rdma res show qp link "$dev/1" 2>/dev/null | grep -vE 'state (RTS|RESET) ' | head -n 6 |
		sed "s/^/node $node:   /"
fi
dmesg 2>/dev/null | tail -n 5 | sed "s/^/node $node:   | /"
exit 0
