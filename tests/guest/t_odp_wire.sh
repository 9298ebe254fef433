#!/bin/bash
# nodes: 1 2
# upstream: yes
# The core ODP behaviours with the requester across the wire
# (tests/odp/odp_wire_tests.c): an agent on node 2 (on one guest: another
# process here) READs and WRITEs this process's ODP MR while it drops,
# remaps, write-protects, COW-breaks, truncates and pages out the memory
# behind it; every byte compared. Swap on zram for the page-out test.
. "$(dirname "$0")/lib.sh"

prog=$PROGS/odp_wire_tests
[ -x "$prog" ] || fail "odp_wire_tests not built ($PROGS)"
setup_zram_swap
client_server "$prog" --agent -d "$DEV" -g "$GIDX" -- \
	"$prog" -d "$DEV" -g "$GIDX" "$(server_ip)"
