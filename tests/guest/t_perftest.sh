#!/bin/bash
# nodes: 1 2
# upstream: yes
# debug: no
# perftest ib_write_bw, ib_read_bw and ib_send_bw over rxe0 with pinned
# memory: both sides must succeed and report every iteration done
# (perftest_done in lib.sh: the bandwidth is printed, not checked).
. "$(dirname "$0")/lib.sh"

for tool in ib_write_bw ib_read_bw ib_send_bw; do
	perftest_done "$tool" 200 || fail "$tool"
done
