#!/bin/bash
# nodes: 1 2
# An implicit ODP MR's rkey used by the peer (node 2's server, node 1's
# client; one guest: both here): RDMA READ of data the server wrote, RDMA
# WRITE into memory it never touched, FETCH_AND_ADD and CMP_AND_SWP on a
# word, each in its own 2 MiB chunk; a READ of an unmapped page gets a
# remote access error. The server checks the bytes, the word and its MR's
# fault counter (tests/progs/odp_implicit_remote.c).
. "$(dirname "$0")/lib.sh"

prog=$PROGS/odp_implicit_remote
[ -x "$prog" ] || fail "odp_implicit_remote not built ($PROGS)"
ibv_devinfo -v -d "$DEV" | grep -q ODP_SUPPORT_IMPLICIT || skip "$DEV reports no implicit ODP"

out=$(client_server "$prog" -d "$DEV" -g "$GIDX" -- \
	"$prog" -d "$DEV" -g "$GIDX" "$(server_ip)") || { echo "$out"; exit 1; }
echo "$out"
[ "$(grep -c '^PASSED$' <<<"$out")" -eq 2 ] || fail "both sides must report PASSED"
