#!/bin/bash
# nodes: 2
# upstream: fixed
# Junk on the RoCEv2 port from another host must be dropped, and nothing
# else: node 2 sends UDP datagrams to port 4791 of node 1, as any user
# on any host that reaches it can (tests/guest/udp_junk.py). rxe_rcv()
# dropped a datagram shorter than a BTH, or one to an address that is
# not a GID of the device, before it had cleared the packet's QP
# pointer, and its drop path put that pointer: for an IPv6 datagram
# (whose control block has a non-zero field there) or an IPv4 one with a
# record-route option, a wild pointer, so a single such datagram
# panicked node 1 (seen on 6.1 and 6.12; 7.3 has the same code;
# kernel/patches 0017,
# kernel/patches-6.12 0011, kernel/upstream/0003). An IPv6 datagram whose
# UDP length is 0, which 6.x's IPv6 UDP passes on (a jumbogram's): rxe
# took the payload for 65528 bytes and read that far (KASAN; 6.1 patch
# 0018, 6.12 patch 0013, kernel/upstream/0004). Then random datagrams
# of random length, half with a valid opcode, to node 1's IPv4 and IPv6
# GIDs. Node 1's UDP counters must show that they all arrived (else the
# test tested nothing), and RC traffic between the nodes must work after.
# Not in the stock upstream run, which it panics: in the fixed one.
. "$(dirname "$0")/lib.sh"

here=$(cd "$(dirname "$0")" && pwd)
# (one datagram of the first four kinds was enough to panic node 1; the
# debug kernels send about ten times slower: fewer random ones there)
N=20 NRAND=500
[ "${RXE_ODP_DEBUG_KERNEL:-0}" != 1 ] || NRAND=100
junk() { rxe-odp-peer python3 "$here/udp_junk.py" "$@"; }
in6() { awk '$1 == "Udp6InDatagrams" { print $2 }' /proc/net/snmp6; }
in4() { awk '$1 == "Udp:" && ++n == 2 { print $2 }' /proc/net/snmp; }
# arrived NAME BEFORE AFTER COUNT: COUNT datagrams reached node 1's UDP
arrived() {
	note "$1: node 1's UDP took $(($3 - $2)) datagrams ($4 sent)"
	[ $(($3 - $2)) -ge "$4" ] || fail "$1: only $(($3 - $2)) of $4 datagrams reached node 1: the test did not test"
}
# sent NAME in4|in6 DEST COUNT ARG...: node 2 sends COUNT datagrams to
# DEST (udp_junk.py ARG...), all of which node 1's UDP must take
sent() {
	local name=$1 count=$2 dest=$3 n=$4 a
	shift 4
	a=$($count)
	junk "$dest" "$n" "$@" || fail "node 2 could not send"
	arrived "$name" "$a" "$($count)" "$n"
}

# addresses of node 1 that are not GIDs of rxe0 (on lo), routed there
# from node 2
nogid4=10.231.0.1 nogid6=fd00:231::1
cleanup() {
	ip addr del "$nogid4/32" dev lo 2>/dev/null
	ip -6 addr del "$nogid6/128" dev lo 2>/dev/null
	rxe-odp-peer bash -c "ip route del $nogid4/32; ip -6 route del $nogid6/128" >/dev/null 2>&1
}
trap cleanup EXIT

# node 1's link-local address, once duplicate address detection is over
bash -c "$IPV6_SETTLED" || fail "node 1's IPv6 addresses are still tentative after 10 s"
ll=$(ip -6 addr show dev eth0 scope link | awk '$1 == "inet6" { sub("/.*", "", $2); print $2; exit }')
[ -n "$ll" ] || fail "node 1's eth0 has no IPv6 link-local address"
# gid_of ADDR: is ADDR (written out in full, as sysfs shows GIDs) a GID
# of rxe0?
gid_of() {
	grep -qx "$(python3 -c 'import ipaddress, sys; print(ipaddress.ip_address(sys.argv[1]).exploded)' "$1")" \
		/sys/class/infiniband/"$DEV"/ports/1/gids/* 2>/dev/null
}
gid_of "$ll" || fail "$ll is not among $DEV's GIDs"

sent "IPv6, 4 bytes (shorter than a BTH)" in6 "$ll%eth0" $N 4
sent "IPv4 with a record-route option, 4 bytes" in4 "$RXE_ODP_IP" $N 4 --rr

# a UDP length of 0 (IPv6 takes it, for a jumbogram's): rxe computed a
# payload of 65528 bytes from it and read that far past a 44-byte packet
# (seen by KASAN on the debug kernels; elsewhere nothing shows, unless the
# read reaches an unmapped page)
# (Linux 7.3's IPv6 UDP drops them before rxe: moot there)
a=$(in6)
junk "$ll%eth0" $N 16 --jumbo || fail "node 2 could not send"
b=$(in6)
case $(uname -r) in
6.*) arrived "IPv6 with a UDP length of 0, a UD SEND to QP 1" "$a" "$b" $N ;;
*)
	note "IPv6 with a UDP length of 0: node 1's UDP took $((b - a)) of $N ($(uname -r): may drop them itself)"
	[ $((b - a)) = 0 ] || [ $((b - a)) = $N ] || fail "IPv6 with a UDP length of 0: $((b - a)) of $N arrived"
	;;
esac

ip addr add "$nogid4/32" dev lo || fail "cannot add $nogid4 to lo"
ip -6 addr add "$nogid6/128" dev lo || fail "cannot add $nogid6 to lo"
rxe-odp-peer bash -c "ip route add $nogid4/32 via $RXE_ODP_IP dev eth0 && ip -6 route add $nogid6/128 via $ll dev eth0" ||
	fail "cannot route node 2 to node 1's $nogid4 and $nogid6"
! gid_of "$nogid6" || fail "$nogid6 became a GID of $DEV"
sent "IPv6, 64 bytes to an address that is not a GID" in6 "$nogid6" $N 64
sent "IPv4 with a record-route option, 64 bytes to an address that is not a GID" in4 "$nogid4" $N 64 --rr

for seed in 1 2; do
	sent "IPv6, random (seed $seed)" in6 "$ll%eth0" $NRAND rand --seed $seed
	sent "IPv4, random (seed $seed)" in4 "$RXE_ODP_IP" $NRAND rand --seed $seed
done

rc_pingpong 20 || fail "RC traffic between the nodes failed after the junk"
echo "PASS: $((5 * N + 4 * NRAND)) junk datagrams on the RoCEv2 port dropped, RC traffic after them works"
