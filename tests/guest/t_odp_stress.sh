#!/bin/bash
# nodes: 1
# upstream: yes
# ODP under concurrency (tests/odp/odp_stress_tests.c): traffic on several
# QPs against a thread that keeps dropping, replacing and write-protecting
# pages, checked for stale reads and lost writes; deregistration and
# SIGKILL with operations in flight.
. "$(dirname "$0")/lib.sh"

[ -x "$PROGS/odp_stress_tests" ] || fail "odp_stress_tests not built ($PROGS)"
# A debug kernel runs tens of times slower: give the stress run longer.
case $(uname -r) in
*debug*) export ODP_STRESS_SECONDS=${ODP_STRESS_SECONDS:-20} ;;
esac
# The upstream reference run has no fault injection (odp_fail_transient):
# there stress_transient_vs_traffic is not selected (not skipped).
if [ "${RXE_ODP_UPSTREAM:-0}" = 1 ]; then
	export ODP_STRESS_EXCLUDE="stress_transient_vs_traffic"
	note "upstream run: not selected: stress_transient_vs_traffic (our fault injection)"
fi
"$PROGS/odp_stress_tests"
