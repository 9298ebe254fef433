#!/bin/bash
# nodes: 2
# upstream: fixed
# A READ response lost on the wire, with a WRITE of zero bytes posted
# after the READ: the WRITE's acknowledgement tells the requester that the
# response was lost, and it sends the READ again, which the responder must
# answer as the duplicate it is, from the READ's own resource. Node 2 (the
# requester: odp_wire_tests' agent) drops the first of every two READ
# responses it receives (an ingress filter), and
# wire_read_replayed_after_empty_write READs 64 bytes of a pinned and of
# an ODP MR of node 1 that way, and zero bytes with rkey 0; all three
# must succeed with the right bytes, and the filter must have dropped a
# response for each (else the test did not test). Stock 6.12 and 7.3
# answered the duplicate with the MR of the last new request, the empty
# WRITE's, which has none: "WARNING ... rxe_mr_copy" on node 1 and a
# remote access error for the READ (kernel/patches-6.12 0015,
# kernel/upstream/0006); stock 6.1 looked the duplicate's MR up from the
# rkey, which failed the READ of zero bytes (kernel/patches 0019).
# Not in the stock upstream run, which it WARNs: in the fixed one.
. "$(dirname "$0")/lib.sh"

prog=$PROGS/odp_wire_tests
[ -x "$prog" ] || fail "odp_wire_tests not built ($PROGS)"

# node 2 drops the first of every two RC_RDMA_READ_RESPONSE_ONLY (0x10)
trap peer_drops_clear EXIT
peer_drop_opcode 1 0x10 || fail "tc: no ingress filter on node 2 (sch_ingress, cls_u32, act_gact)"
d0=$(peer_dropped 1)
[ "$d0" = 0 ] || fail "node 2's new filter reports drops already ($d0)"

client_server "$prog" --agent -d "$DEV" -g "$GIDX" -- \
	"$prog" -d "$DEV" -g "$GIDX" -t wire_read_replayed_after_empty_write \
	"$(server_ip)" || fail "a READ replayed after an empty WRITE failed"
d1=$(peer_dropped 1)
note "READ responses dropped on node 2: $d1"
[ "${d1:-0}" -ge 3 ] || fail "node 2 dropped ${d1:-no} READ responses, not one per READ: the test did not test"
