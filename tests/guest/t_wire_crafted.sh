#!/bin/bash
# nodes: 2
# upstream: fixed
# Packets made by hand for UC and RC QPs on node 1, sent by node 2 from
# an ordinary UDP socket (tests/progs/roce_inject.c): what any user of
# the peer host can send, or any host that can pass for it, knowing a
# QP's number (and for RC a PSN in its window).
# - A UC message cut short by a length error (an empty SEND_LAST), then
#   the rest of that message, to a QP on an SRQ: stock 6.12 and 7.3
#   completed the receive WQE in error at the length error but went on
#   taking the message, and its SEND_MIDDLE was copied through the WQE
#   pointer they had cleared, a NULL pointer dereference in the kernel
#   (seen on both).
# - A UC message cut short by the first packet of another (its last
#   packet lost), on a QP with an SRQ (SENDs) and on one without
#   (WRITEs): stock 6.1, 6.12 and 7.3 kept the cut message's opcode
#   sequence and dropped every later message (kernel/patches 0020,
#   kernel/patches-6.12 0016, kernel/upstream/0007).
# - An RC WRITE answered by an ATOMIC ACKNOWLEDGE: stock 6.1 and 6.12
#   (7.3 by reading) warned in rxe_completer() and completed the WRITE
#   as a success; it must complete IBV_WC_BAD_RESP_ERR (kernel/patches
#   0021, kernel/patches-6.12 0017, kernel/upstream/0008).
# - A UC WRITE whose RETH says zero bytes, with 64 bytes of payload:
#   rxe takes a zero-length WRITE without an MR and then copied the
#   payload into none: stock 6.1 dereferenced the NULL MR (an oops from
#   one packet, no rkey needed), 6.12 and 7.3 warned for every such
#   packet. A length error now: UC drops it (kernel/patches 0022,
#   kernel/patches-6.12 0018, kernel/upstream/0009).
# - An RC SEND with Invalidate naming a type 2 memory window that was
#   never bound (FREE): stock 6.1, 6.12 and 7.3 invalidated it and put
#   the NULL QP and MR it holds, an oops; the receive must complete in
#   error (kernel/patches 0023, kernel/patches-6.12 0019,
#   kernel/upstream/0010).
# - A UD datagram too long for its receive WQE: stock 6.1 failed the WQE
#   as malformed and put the QP in the error state (QP1 too, from any
#   host); it is dropped now, as 6.12 and 7.3 do (kernel/patches 0024).
# - A READ sent again at the PSN of an atomic (a duplicate), after a
#   FLUSH in the same responder resource: stock rxe replayed it from the
#   atomic's resource, with the FLUSH's va as its rkey and length, and
#   looked that rkey up device-wide: 6.12 answered it with an MR of
#   another PD, 6.1 (no FLUSH) from the last READ's rkey. It must not be
#   answered; the sender sees the responses with a raw socket
#   (kernel/patches 0026, kernel/patches-6.12 0021, kernel/upstream/0012).
# - A SEND with Invalidate naming a bound type 2 window of another PD:
#   stock rxe looked the key up device-wide and invalidated it; the
#   receive must complete in error (kernel/patches 0027,
#   kernel/patches-6.12 0022, kernel/upstream/0013).
# - A UC SEND too long for its receive WQE (on an SRQ, and without):
#   stock rxe took it for a malformed WQE and put the QP in the error
#   state; a length error now, the next SEND arrives (kernel/patches 0028,
#   kernel/patches-6.12 0023, kernel/upstream/0015).
# - An RC READ, and a FETCH_ADD, answered first by an ACK of its PSN,
#   then by its response: an ACK never answers a READ or an atomic, and
#   one at its PSN says that the response was lost (rxe's responder acks
#   a duplicate SEND or WRITE with an atomic's PSN when the atomic was
#   the last request it executed). Stock rxe (6.1, 6.12, 7.3) completed the READ at the ACK, a
#   success with none of its bytes; it must complete at the response,
#   with them (kernel/patches 0030, kernel/patches-6.12 0025,
#   kernel/upstream/0017).
# The program checks that a crafted message completes with its bytes
# first (else the packets were not what rxe takes: nothing tested) and
# after each cut message.
# Not in the stock upstream run, which it oopses: in the fixed one.
. "$(dirname "$0")/lib.sh"

prog=$PROGS/roce_inject
[ -x "$prog" ] || fail "roce_inject not built ($PROGS)"
# the link-local GIDs take packets only once duplicate address detection
# is over, on both nodes
bash -c "$IPV6_SETTLED" || fail "node 1's IPv6 addresses are still tentative after 10 s"
rxe-odp-peer bash -c "$IPV6_SETTLED" || fail "node 2's IPv6 addresses are still tentative after 10 s"
client_server "$prog" --sender -d "$DEV" -- "$prog" -d "$DEV" "$(server_ip)" ||
	fail "crafted packets: a QP took what it must not"
