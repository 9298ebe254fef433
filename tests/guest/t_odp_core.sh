#!/bin/bash
# nodes: 1
# upstream: yes
# Explicit ODP memory regions: the cmocka suite tests/odp/odp_core_tests.c
# (one TAP line per behaviour). Swap on zram is set up first so that the
# page-out test has somewhere to page out to.
. "$(dirname "$0")/lib.sh"

[ -x "$PROGS/odp_core_tests" ] || fail "odp_core_tests not built ($PROGS)"
setup_zram_swap
setup_hugepages
# The upstream reference run (the kernel's own rdma_rxe): upstream's rxe
# has no ODP counters (page_faults, page_invalidations, page_prefetch in
# hw_counters; none per MR), which 'counters' and 'prefetch' assert on
# throughout. They are not selected there, not skipped.
if [ "${RXE_ODP_UPSTREAM:-0}" = 1 ]; then
	export ODP_CORE_EXCLUDE="counters prefetch"
	note "upstream run: not selected: $ODP_CORE_EXCLUDE (no ODP counters upstream)"
fi
"$PROGS/odp_core_tests"
