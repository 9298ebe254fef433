#!/bin/bash
# nodes: 1 2
# upstream: yes
# ibv_rc_pingpong over rxe0 with pinned memory, 4 KiB messages.
. "$(dirname "$0")/lib.sh"

rc_pingpong 200 -s 4096 || fail "ibv_rc_pingpong"
