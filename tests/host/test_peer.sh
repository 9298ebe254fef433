#!/bin/bash
# rxe-odp-peer (scripts/guest-peer.sh), node 2's command service, on a
# made-up bus directory: a job runs and reports its output and status,
# and a job whose client gave up is stopped by --kill instead of left to
# run until the test's timeout.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
peer=$ROOT/scripts/guest-peer.sh
export RXE_ODP_JOB_ENV=$tmp/job.env
echo 'export FROM_JOB_ENV=yes' >"$RXE_ODP_JOB_ENV"
serve_bus "$tmp/bus"
server=$SERVE_PID
trap 'touch "$tmp/bus/shutdown"; wait $server; rm -rf "$tmp"' EXIT

check_status "a job's output and status come back" 3 '^node2 yes$' \
	"$peer" bash -c 'echo node2 $FROM_JOB_ENV; exit 3'

# sleeps of a length of their own, so that pgrep finds this test's only
# (a run beside another once saw the other's 'sleep 300' and failed)
nap=300.$$
id=$("$peer" --bg sleep "$nap")
sleep 0.5
t0=$(date +%s)
check "--kill of a running job is accepted" "$peer" --kill "$id"
check_status "the killed job ends with SIGTERM's status" 143 '' "$peer" --wait "$id"
check "and within seconds, not the job's 300" [ $(($(date +%s) - t0)) -lt 30 ]

# The job says when its trap is set: a TERM sent before that would kill
# it at once (what CI saw once on a loaded machine: 143, not 137).
id=$("$peer" --bg bash -c "trap '' TERM; touch '$tmp/trapped'; exec sleep $nap")
for _ in $(seq 300); do [ -e "$tmp/trapped" ] && break; sleep 0.1; done
check_status "a job that ignores SIGTERM is killed 5 s later" 137 '' \
	bash -c "'$peer' --kill '$id' && '$peer' --wait '$id'"
# gone PATTERN: no process matches PATTERN within 2 s.
gone() {
	local _
	for _ in $(seq 20); do
		pgrep -f "$1" >/dev/null || return 0
		sleep 0.1
	done
	return 1
}
check "with what it started (its own session)" gone "sleep $nap"
check_status "--kill of an unknown job is an error" 2 'no such job' "$peer" --kill nosuchjob

# --stop-all (after a test that timed out): every job still running is
# stopped and named; a job that had ended is not
done_id=$("$peer" --bg true)
"$peer" --wait "$done_id" >/dev/null
a=$("$peer" --bg sleep "$nap") b=$("$peer" --bg sleep "$nap")
sleep 0.5
t0=$(date +%s)
out=$("$peer" --stop-all)
rc=$?
check "--stop-all exits 0" [ "$rc" = 0 ]
check "--stop-all names both running jobs" bash -c '[[ " $1 " == *" $2 "* && " $1 " == *" $3 "* ]]' _ "$out" "$a" "$b"
check "--stop-all does not name the job that had ended" bash -c '[[ " $1 " != *" $2 "* ]]' _ "$out" "$done_id"
check "--stop-all returns once they are gone, within seconds" [ $(($(date +%s) - t0)) -lt 30 ]
check_status "a stopped job ends with SIGTERM's status" 143 '' "$peer" --wait "$a"
check "their processes are gone" gone "sleep $nap"
check_status "--stop-all with nothing running prints nothing" 0 '^$' "$peer" --stop-all

# At the end (node 1 done), a node stops the jobs a test left running
# instead of waiting for them: a second node, on a bus of its own.
serve_bus "$tmp/bus2" "$tmp/serve2.err"
server2=$SERVE_PID
id=$("$peer" --bg sleep "$nap")
for _ in $(seq 50); do [ -e "$RXE_ODP_BUS/$id.pid" ] && break; sleep 0.1; done
# a node whose guest ended (the host's nodeK.gone, scripts/guest.sh):
# waiting for its job fails at once, and so does a new request
touch "$RXE_ODP_BUS/node2.gone"
t0=$(date +%s)
check_status "--wait for a job of a node that has ended fails at once" 2 \
	"node 2's guest has ended" timeout 20 "$peer" --wait "$id"
check "within seconds" [ $(($(date +%s) - t0)) -lt 10 ]
check_status "a new request to a node that has ended fails" 2 "node 2's guest has ended" \
	timeout 20 "$peer" true
rm "$RXE_ODP_BUS/node2.gone"
t0=$(date +%s)
touch "$RXE_ODP_BUS/shutdown"
wait $server2
check "at the end, a node with a job left running finishes within seconds" [ $(($(date +%s) - t0)) -lt 30 ]
check "and says which job it stopped" grep -q "jobs still running at the end, stopped: $id" "$tmp/serve2.err"
check "the job's processes are gone" gone "sleep $nap"
done_testing
