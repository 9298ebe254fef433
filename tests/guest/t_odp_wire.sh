#!/bin/bash
# nodes: 1 2
# upstream: yes
# The core ODP behaviours with the requester across the wire
# (tests/odp/odp_wire_tests.c): an agent on node 2 (on one guest: another
# process here) READs and WRITEs this process's ODP MR while it drops,
# remaps, write-protects, COW-breaks, truncates and pages out the memory
# behind it; every byte compared. Swap on zram for the page-out test; the
# file that wire_truncate rewrites and truncates is on ext4 (a loop device:
# ODP_WIRE_DISK).
. "$(dirname "$0")/lib.sh"

prog=$PROGS/odp_wire_tests
[ -x "$prog" ] || fail "odp_wire_tests not built ($PROGS)"
setup_zram_swap
disk=$(mktemp -d)
trap 'umount "$disk/mnt" 2>/dev/null; rm -rf "$disk"' EXIT
ext4_on_loop "$disk" >&2 || fail "no ext4 on a loop device for ODP_WIRE_DISK"
export ODP_WIRE_DISK=$disk/mnt
client_server "$prog" --agent -d "$DEV" -g "$GIDX" -- \
	"$prog" -d "$DEV" -g "$GIDX" "$(server_ip)"
