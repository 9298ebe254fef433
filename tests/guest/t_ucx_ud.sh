#!/bin/bash
# nodes: 1 2
# debug: no
# UCX's UD transport over rxe0 with UCX's defaults (issue 13): UCX 1.13
# drops every UD receive whose destination GID is not one of its own, and
# on RoCE it reads the GID from where the completion's SL says the L3
# header is (mlx5's packet type: 0xa IPv4, 0x9 IPv6). rxe reported SL 0,
# UCX took the IPv4 header for an IPv6 one, dropped everything, and every
# run died with "UD endpoint ...: unhandled timeout error". UCT's am_lat
# over ud_verbs and UCP's tag_lat with UD as the only transport must
# complete; so must UCP over rc_verbs, whose connection setup goes over UD.
. "$(dirname "$0")/lib.sh"

command -v ucx_perftest >/dev/null || fail "ucx_perftest not installed (ucx-utils)"
ucx_perftest_opts

# summary OUTPUT: ucx_perftest's "Final:" row (the client prints it).
final() { grep -m1 'Final:' <<<"$1"; }

run() {
	local what=$1 out
	shift
	out=$(ucx_perftest_pair "$@") || { echo "$out"; fail "$what"; }
	final "$out" >/dev/null || { echo "$out"; fail "$what: no final figures"; }
	echo "$what: $(final "$out")"
}

run "UCT am_lat over ud_verbs" -- -d "$DEV:1" -x ud_verbs -t am_lat -n 2000
run "UCP tag_lat over ud_verbs" UCX_TLS=ud_verbs -- -t tag_lat -n 2000
run "UCP tag_bw 64 KiB over rc_verbs (UD wireup)" UCX_TLS=rc_verbs,ud_verbs -- \
	-t tag_bw -s 65536 -n 200
