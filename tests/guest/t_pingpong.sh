#!/bin/bash
# nodes: 1 2
# ibv_rc_pingpong over rxe0 with pinned memory, 4 KiB messages.
. "$(dirname "$0")/lib.sh"

n=200
out=$(client_server ibv_rc_pingpong -d "$DEV" -g "$GIDX" -n $n -s 4096 -- \
	ibv_rc_pingpong -d "$DEV" -g "$GIDX" -n $n -s 4096 "$(server_ip)") ||
	{ echo "$out"; exit 1; }
echo "$out"
[ "$(echo "$out" | grep -c "$n iters in")" -eq 2 ] || fail "both sides must report $n iterations"
