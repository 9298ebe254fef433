#!/bin/bash
# nodes: 1
# Explicit ODP memory regions: the cmocka suite tests/odp/odp_core_tests.c
# (one TAP line per behaviour). Swap on zram is set up first so that the
# page-out test has somewhere to page out to.
. "$(dirname "$0")/lib.sh"

[ -x "$PROGS/odp_core_tests" ] || fail "odp_core_tests not built ($PROGS)"
setup_zram_swap
setup_hugepages
"$PROGS/odp_core_tests"
