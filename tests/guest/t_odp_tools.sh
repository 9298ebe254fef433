#!/bin/bash
# nodes: 1 2
# upstream: yes
# debug: no
# Stock tools on ODP memory: ibv_rc_pingpong -o (SEND/RECV on an ODP MR)
# and perftest ib_write_bw, ib_read_bw, ib_send_bw with --odp, on one guest
# and across two. (perftest 4.5 refuses ib_atomic_bw --odp by itself:
# "ODP does not support ATOMICS for now"; odp_core_tests covers atomics.)
. "$(dirname "$0")/lib.sh"

ibv_devinfo -v -d "$DEV" | grep -q ODP_SUPPORT || fail "$DEV reports no ODP"

rc_pingpong 200 -s 4096 -o || fail "ibv_rc_pingpong -o"

for tool in ib_write_bw ib_read_bw ib_send_bw; do
	perftest_done "$tool" 200 --odp || fail "$tool --odp"
done
