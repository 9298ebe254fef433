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
# Two reads of /proc, each one process however many tasks there are (a
# fork per task takes seconds on a busy guest; a task that ends meanwhile
# is left out): every task as "tid state", every process as "pid ppid
# session" (the fields after the ")" that ends the command name).
tasks=$(cat /proc/[0-9]*/task/[0-9]*/stat 2>/dev/null |
	awk '{ id = $1; sub(/.*\) /, ""); print id, $1 }')
procs=$(cat /proc/[0-9]*/stat 2>/dev/null |
	awk '{ id = $1; sub(/.*\) /, ""); print id, $2, $4 }')
read -r nr nd < <(awk '$2 == "R" { r++ } $2 == "D" { d++ } END { print r + 0, d + 0 }' <<<"$tasks")
say "up ${up%.*} s, load $l1 $l5, $nr running, $nd in D state"

# the tasks worth a line: those in D, and the test's leftovers
declare -A seen=()
for t in $(awk '$2 == "D" { print $1 }' <<<"$tasks"); do
	seen[$t]=D
done
if [ -n "$pidfile" ] && [ -r "$pidfile" ]; then
	# not this snapshot nor what it runs, not the kernel's threads
	# (kthreadd, pid 2, and its children)
	# one stream, each line tagged with its source: an empty pid file
	# must not make the processes read as the old ones
	for p in $({ sed 's/^/old /' "$pidfile"; sed 's/^/now /' <<<"$procs"; } |
		awk -v me=$$ '$1 == "old" { old[$2]; next }
		!($2 in old) && $2 != me && $3 != me && $2 != 2 && $3 != 2 { print $2 }'); do
		seen[$p]=${seen[$p]:-new}
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
	own=$(awk -v me=$$ '$1 == me { print $3 }' <<<"$procs")
	for p in $({ cat "$q"/*.pid 2>/dev/null | sed 's/^/lead /'; sed 's/^/now /' <<<"$procs"; } |
		awk -v own="$own" '$1 == "lead" { if ($2 != own) lead[$2]; next }
		$4 in lead { print $2 }'); do
		seen[$p]=${seen[$p]:-job}
	done
fi
n=0
for p in "${!seen[@]}"; do
	n=$((n + 1))
	[ $n -le 12 ] || { say "... and $((${#seen[@]} - 12)) more"; break; }
	comm=$(cat "/proc/$p/comm" 2>/dev/null) || continue
	s=$(awk -v p="$p" '$1 == p { print $2; exit }' <<<"$tasks")
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
