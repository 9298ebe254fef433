#!/bin/bash
# scripts/guest-snapshot.sh (what a guest was doing when a test timed
# out; tests/guest/suite.sh): it names the processes the test left
# (those not in the pid file) with where they wait, not the others, and
# every line says which node it is from.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
old=""
trap 'kill $old $new 2>/dev/null; rm -rf "$tmp"' EXIT
snap=$ROOT/scripts/guest-snapshot.sh

sleep 300 &
old=$!
printf '%s\n' /proc/[0-9]* | sed 's|^/proc/||' >"$tmp/pids"
sleep 301 &
new=$!
out=$(RXE_ODP_NODE=3 RXE_ODP_DEV=no-such-dev bash "$snap" "$tmp/pids" 2>&1)
rc=$?
check "it exits 0" [ "$rc" = 0 ]
check "its first line: uptime, load, running and D-state tasks" \
	grep -qE '^node 3: up [0-9]+ s, load [0-9.]+ [0-9.]+, [0-9]+ running, [0-9]+ in D state$' <<<"$out"
check "a process started after the pid file is named, with its state and where it waits" \
	grep -qE "^node 3:   $new sleep \(S, new\) wchan [a-z_]+" <<<"$out"
if grep -q "^node 3:   $old " <<<"$out"; then
	not_ok "a process in the pid file is not named"
else
	ok "a process in the pid file is not named"
fi
check "every line says its node" bash -c '! grep -v "^node 3: " <<<"$1"' _ "$out"
# an empty pid file (nothing ran before): every process is new, none is
# taken for an old one
: >"$tmp/empty"
out=$(bash "$snap" "$tmp/empty" 2>&1)
# (12 at most are named, in no set order: any of them shows it)
check "with an empty pid file, processes are named as new" \
	grep -qE "^node 1:   [0-9]+ .* \([A-Z], new\)" <<<"$out"
# without a pid file: only D-state tasks (none expected for a sleep)
out=$(bash "$snap" 2>&1)
if grep -q " $new sleep " <<<"$out"; then
	not_ok "without a pid file, a sleeping process is not named"
else
	ok "without a pid file, a sleeping process is not named"
fi
# --jobs (the other nodes): the processes of the node's rxe-odp-peer
# jobs, found through the pids its queue holds (a node served here, on a
# bus of its own)
peer=$ROOT/scripts/guest-peer.sh
export RXE_ODP_JOB_ENV=$tmp/job.env RXE_ODP_NODE=2
: >"$RXE_ODP_JOB_ENV"
serve_bus "$tmp/bus"
server=$SERVE_PID
id=$("$peer" --bg sleep 302.$$)
for _ in $(seq 50); do pgrep -f "sleep 302.$$" >/dev/null && break; sleep 0.1; done
out=$(bash "$snap" --jobs 2>&1)
check "--jobs names a job's processes" grep -qE "^node 2:   [0-9]+ sleep \(S, job\)" <<<"$out"
if grep -q " $new sleep " <<<"$out"; then
	not_ok "--jobs does not name a process outside the jobs"
else
	ok "--jobs does not name a process outside the jobs"
fi
"$peer" --stop-all >/dev/null
"$peer" --wait "$id" >/dev/null
touch "$RXE_ODP_BUS/shutdown"
wait $server
sed 's/^/#   /' <<<"$out" | head -n 3
done_testing
