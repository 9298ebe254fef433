#!/bin/bash
# nodes: 1
# Explicit ODP memory regions: the cmocka suite tests/odp/odp_core_tests.c
# (one TAP line per behaviour). Swap on zram is set up first so that the
# page-out test has somewhere to page out to.
. "$(dirname "$0")/lib.sh"

[ -x "$PROGS/odp_core_tests" ] || fail "odp_core_tests not built ($PROGS)"
if ! grep -q zram /proc/swaps; then
	modprobe zram 2>/dev/null || true
	if [ -e /sys/block/zram0 ]; then
		echo 512M >/sys/block/zram0/disksize &&
			mkswap /dev/zram0 >/dev/null && swapon /dev/zram0 ||
			note "could not set up swap on zram: the page-out test will skip"
	fi
fi
"$PROGS/odp_core_tests"
