#!/bin/bash
# nodes: 1
# rdma_rxe_odp unloads and loads again cleanly, and rxe0 comes back
# working each time (a pingpong over it after every reload).
. "$(dirname "$0")/lib.sh"

expect_ok "module loaded at boot" module_loaded
rdma link show | grep -q '^link rxe0/1 ' || fail "no rxe0 link at boot"
for round in 1 2; do
	rxe_down
	[ ! -e /sys/class/infiniband/rxe0 ] || fail "rxe0 still there after unload"
	rxe_up
	out=$(client_server ibv_rc_pingpong -d "$DEV" -g "$GIDX" -n 20 -- \
		ibv_rc_pingpong -d "$DEV" -g "$GIDX" -n 20 "$(server_ip)") ||
		{ echo "$out"; fail "pingpong after reload $round"; }
	echo "$out" | grep -q '20 iters in' || { echo "$out"; fail "pingpong output after reload $round"; }
	note "reload $round: ok"
done
