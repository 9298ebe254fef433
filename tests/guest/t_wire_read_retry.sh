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

# RC_RDMA_READ_RESPONSE_ONLY (opcode 0x10, the BTH's first byte: 28 bytes
# into an IPv4 packet without options) to UDP port 4791; the gact action
# drops the 1st, 3rd, ... packets it matches and passes the others
filter="tc qdisc add dev eth0 ingress &&
	tc filter add dev eth0 parent ffff: protocol ip prio 1 u32 \
	match ip protocol 17 0xff match ip dport 4791 0xffff \
	match u8 0x10 0xff at 28 action gact drop random determ pass 2"
restore="tc qdisc del dev eth0 ingress"
trap 'rxe-odp-peer bash -c "$restore" >/dev/null 2>&1' EXIT
rxe-odp-peer bash -c "$filter" || fail "tc: no ingress filter on node 2 (sch_ingress, cls_u32, act_gact)"
# dropped: how many packets the filter has dropped so far
dropped() {
	rxe-odp-peer bash -c "tc -s filter show dev eth0 ingress" |
		awk '/dropped/ { sub(",", "", $7); print $7; exit }'
}
d0=$(dropped)
[ "$d0" = 0 ] || fail "node 2's new filter reports drops already ($d0)"

client_server "$prog" --agent -d "$DEV" -g "$GIDX" -- \
	"$prog" -d "$DEV" -g "$GIDX" -t wire_read_replayed_after_empty_write \
	"$(server_ip)" || fail "a READ replayed after an empty WRITE failed"
d1=$(dropped)
note "READ responses dropped on node 2: $d1"
[ "${d1:-0}" -ge 3 ] || fail "node 2 dropped ${d1:-no} READ responses, not one per READ: the test did not test"
