#!/bin/bash
# nodes: 1
# debug: no
# Memory management under ODP memory regions: the cmocka suite
# tests/odp/odp_mm_tests.c (page migration between NUMA nodes, compaction
# under traffic, a memory cgroup limit far below the MR, fork, prefetch
# without faults, atomics the MR refuses, KSM, page-out). It gets here what
# it needs, and fails (never skips) without it: swap on zram, the two NUMA
# nodes of numa=fake=2 (scripts/guest.sh boots every guest with it), the
# cgroup v2 memory controller, KSM, an ext4 file system on a loop device.
. "$(dirname "$0")/lib.sh"

[ -x "$PROGS/odp_mm_tests" ] || fail "odp_mm_tests not built ($PROGS)"
setup_zram_swap
grep -q zram /proc/swaps || fail "no swap on zram"
nodes=$(find /sys/devices/system/node -maxdepth 1 -name 'node[0-9]*' | wc -l)
[ "$nodes" -ge 2 ] || fail "$nodes NUMA node(s): the guest should boot with numa=fake=2 ($(cat /proc/cmdline))"
memcg_on
[ -w /sys/kernel/mm/ksm/run ] || fail "no KSM (/sys/kernel/mm/ksm)"
# a disk file system for memcg_file_larger_than_limit (ODP_MM_DISK)
disk=$(mktemp -d)
trap 'umount "$disk/mnt" 2>/dev/null; rm -rf "$disk"' EXIT
ext4_on_loop "$disk" >&2 || fail "no ext4 on a loop device for ODP_MM_DISK"
export ODP_MM_DISK=$disk/mnt
note "$nodes NUMA nodes; swap: $(tail -n +2 /proc/swaps | awk '{ print $1, $3 }'); ODP_MM_DISK: ext4 on a loop device"
"$PROGS/odp_mm_tests"
