#!/bin/bash
# nodes: 2
# upstream: fixed
# A WRITE and a FETCH_ADD posted together, both of their responses lost
# on the wire once: node 2 (the requester: odp_wire_tests' agent) drops
# the first of every two ACKs and of every two ATOMIC ACKNOWLEDGEs it
# receives (ingress filters). It sends both requests again; node 1 acks
# the duplicate WRITE with the PSN of the last request it executed, the
# FETCH_ADD's, and replays the FETCH_ADD's response. An ACK never
# answers an atomic (nor a READ): one at its PSN says its response was
# lost. Stock rxe (6.1, 6.12, 7.3) completed the FETCH_ADD at that ACK, a
# success whose original value never reached the requester's buffer
# (kernel/patches 0030, kernel/patches-6.12 0025, kernel/upstream/0017).
# wire_atomic_after_write_acks_lost checks the value the FETCH_ADD
# returned; each filter must have dropped a response (else the test
# did not test). t_wire_crafted steps 24-25 answer a
# READ and a FETCH_ADD with a crafted ACK of their PSN.
# Not in the stock upstream run, which it fails: in the fixed one.
. "$(dirname "$0")/lib.sh"

prog=$PROGS/odp_wire_tests
[ -x "$prog" ] || fail "odp_wire_tests not built ($PROGS)"

# node 2 drops the first ACK (0x11) and the first ATOMIC ACKNOWLEDGE
# (0x12) it receives (one round: a round may take a response more than
# once, which would shift the next round's drops)
trap peer_drops_clear EXIT
peer_drop_opcode 1 0x11 && peer_drop_opcode 2 0x12 ||
	fail "tc: no ingress filters on node 2 (sch_ingress, cls_u32, act_gact)"
for prio in 1 2; do
	d=$(peer_dropped $prio)
	[ "$d" = 0 ] || fail "node 2's new filter $prio reports ${d:-no} drops"
done
client_server "$prog" --agent -d "$DEV" -g "$GIDX" -- \
	"$prog" -d "$DEV" -g "$GIDX" -t wire_atomic_after_write_acks_lost \
	"$(server_ip)" || fail "a FETCH_ADD whose response and the WRITE's ACK were lost failed"
acks=$(peer_dropped 1) atomic_acks=$(peer_dropped 2)
note "dropped on node 2: ACKs $acks, ATOMIC ACKNOWLEDGEs $atomic_acks"
[ "${acks:-0}" -ge 1 ] && [ "${atomic_acks:-0}" -ge 1 ] ||
	fail "node 2 dropped ${acks:-no} ACKs and ${atomic_acks:-no} ATOMIC ACKNOWLEDGEs: the test did not test"
