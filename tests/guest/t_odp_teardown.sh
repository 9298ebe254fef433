#!/bin/bash
# nodes: 1
# Killing ODP traffic mid-transfer leaves nothing behind: perftest with
# --odp on both sides is SIGKILLed while it runs, then rxe0 still carries
# ODP traffic, and the module unloads and loads again cleanly (rxe's pools
# WARN on unload if an MR, QP or PD leaked; the suite fails on a WARN).
. "$(dirname "$0")/lib.sh"

args=(-d "$DEV" -x "$GIDX" -s 65536 -n 1000000 "${PERF_OPTS[@]}" --odp)
stdbuf -oL ib_write_bw "${args[@]}" >/tmp/srv.log 2>&1 &
srv=$!
# a loaded TCG guest may take seconds to start perftest: wait for the
# server to listen, then for the client's header (printed once connected)
for _ in $(seq 300); do
	grep -q 'Waiting for client' /tmp/srv.log && break
	sleep 0.1
done
stdbuf -oL ib_write_bw "${args[@]}" "$RXE_ODP_IP" >/tmp/cli.log 2>&1 &
cli=$!
for _ in $(seq 300); do
	grep -q 'local address' /tmp/cli.log && break
	sleep 0.1
done
grep -q 'local address' /tmp/cli.log || { cat /tmp/cli.log /tmp/srv.log; fail "perftest did not start"; }
# and make sure packets are moving before the kill
p0=$(cat /sys/class/infiniband/rxe0/ports/1/hw_counters/sent_pkts)
sleep 1
p1=$(cat /sys/class/infiniband/rxe0/ports/1/hw_counters/sent_pkts)
note "packets sent in the second before the kill: $((p1 - p0))"
[ $((p1 - p0)) -gt 0 ] || fail "no traffic was flowing"
kill -9 $cli $srv
wait $cli $srv 2>/dev/null
note "killed ib_write_bw --odp mid-transfer"

rc_pingpong 50 -o || fail "ODP pingpong after the kill"
rxe_down
rxe_up
rc_pingpong 50 -o || fail "ODP pingpong after reload"
