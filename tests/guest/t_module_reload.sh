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
	rc_pingpong 20 || fail "pingpong after reload $round"
	note "reload $round: ok"
done
