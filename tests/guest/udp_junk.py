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
"""
import argparse
import random
import socket

OPCODES = [0x00, 0x04, 0x06, 0x0A, 0x0C, 0x10, 0x11, 0x64, 0x65]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dest")
    ap.add_argument("count", type=int)
    ap.add_argument("length")
    ap.add_argument("--rr", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
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


if __name__ == "__main__":
    main()
