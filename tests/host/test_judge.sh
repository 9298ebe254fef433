#!/bin/bash
# The judge of ./rxe-odp test (scripts/judge.sh) on made-up suite
# outputs: a guest suite passes only when every selected test has one
# result and the boot's status agrees with them, and a skip counts only
# when tests/expected-skips allows it.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/skips" <<'EOS'
# made up for this test
stock-* t_b # SKIP allowed on stock
*       t_c/sub  allowed everywhere
EOS

# judged LABEL STATUS SELECTED: judge $tmp/out in a fresh judge; prints
# its lines and "P F S K" last.
judged() {
	(
		EXPECTED_SKIPS=$tmp/skips
		# shellcheck source=../../scripts/judge.sh
		. "$ROOT/scripts/judge.sh"
		judge_suite "$1" "$2" "$tmp/out" "$3"
		echo "$PASSED $FAILED $SKIPPED $KNOWN"
	)
}
# verdict LABEL STATUS SELECTED: the counts judged gives.
verdict() { judged "$@" | tail -n 1; }

printf '%s\n' 'ok - t_a' 'ok - t_b # SKIP no swap' 'ok - t_c/sub # SKIP' 'ok - t_c' >"$tmp/out"
check "a complete run with allowed skips passes (2 results of its own)" \
	[ "$(verdict stock-1node 0 "$(printf 't_a\nt_b\nt_c')")" = "4 0 2 0" ]
check "a skip the list allows elsewhere only is a failure" \
	[ "$(verdict debug-1node 0 "$(printf 't_a\nt_b\nt_c')")" = "4 1 2 0" ]
check "the failure names the skip" \
	bash -c "$(declare -f judged); tmp=$tmp ROOT=$ROOT; judged debug-1node 0 \$'t_a\nt_b\nt_c' | grep -q '^not ok - debug-1node: t_b skipped, which tests/expected-skips does not allow (no swap)'"

printf '%s\n' 'ok - t_a' >"$tmp/out"
check "a selected test with no result is a failure (a lost guest output)" \
	[ "$(verdict stock-1node 0 "$(printf 't_a\nt_b')")" = "2 1 0 0" ]
check "and says which" \
	bash -c "$(declare -f judged); tmp=$tmp ROOT=$ROOT; judged stock-1node 0 \$'t_a\nt_b' | grep -q 'has one result (missing: t_b)'"
: >"$tmp/out"
check "no output at all, status 0, is a failure" \
	[ "$(verdict stock-1node 0 t_a)" = "1 1 0 0" ]
check "an empty selection is a failure" \
	[ "$(verdict stock-1node 0 "")" = "1 1 0 0" ]

printf '%s\n' 'ok - t_a' 'ok - t_a' >"$tmp/out"
check "a test reported twice is a failure" \
	[ "$(verdict stock-1node 0 t_a)" = "3 1 0 0" ]

printf '%s\n' 'ok - t_a/x' 'ok - t_a/y' 'ok - t_a/x' 'ok - t_a' >"$tmp/out"
check "a case of a test reported twice is a failure (its program ran twice)" \
	[ "$(verdict stock-1node 0 t_a)" = "5 1 0 0" ]
check "and says which" \
	bash -c "$(declare -f judged); tmp=$tmp ROOT=$ROOT; judged stock-1node 0 t_a | grep -q 'cases with two results or more: t_a/x)'"

printf '%s\n' 'ok - t_a' >"$tmp/out"
check "status 1 with no failure counted is a failure" \
	[ "$(verdict stock-1node 1 t_a)" = "2 1 0 0" ]
printf '%s\n' 'not ok - t_a (exit 1)' >"$tmp/out"
check "status 1 with a failure: only the test's failure" \
	[ "$(verdict stock-1node 1 t_a)" = "2 1 0 0" ]
check "status 0 with a failure: a second one" \
	[ "$(verdict stock-1node 0 t_a)" = "1 2 0 0" ]
printf '%s\n' 'not ok - t_a (exit 1) # TODO issue 99' >"$tmp/out"
check "a known failure goes with status 1" \
	[ "$(verdict stock-1node 1 t_a)" = "2 0 0 1" ]
printf '%s\n' 'ok - t_a' >"$tmp/out"
check "status 100 (kernel log) fails whatever the tests say" \
	[ "$(verdict stock-1node 100 t_a)" = "2 1 0 0" ]
check "status 124 (guest did not finish) fails" \
	[ "$(verdict stock-1node 124 t_a)" = "2 1 0 0" ]

printf '%s\n' 'ok - t_a' 'ok - t_b' 'ok - t_c' >"$tmp/out"
check "a listed skip that now passes is reported" \
	bash -c "$(declare -f judged); tmp=$tmp ROOT=$ROOT; judged stock-2node 0 \$'t_a\nt_b\nt_c' | grep -q '^# stock-2node: t_b passes now'"

# The upstream reference run: a line of known-upstream-bugs for the label
# whose test passed fails the run; lines for other labels do not count.
cat >"$tmp/upbugs" <<'EOS'
# made up for this test
upstream-[12]node t_a/sub offset bug
upstream-fixed-* t_b still broken with the fix
EOS
still() {
	(
		KNOWN_UPSTREAM_BUGS=$tmp/upbugs
		# shellcheck source=../../scripts/judge.sh
		. "$ROOT/scripts/judge.sh"
		upstream_bugs_still "$1" "$tmp/out"
		echo "$PASSED $FAILED $SKIPPED $KNOWN"
	)
}
printf '%s\n' 'not ok - t_a/sub # TODO upstream: offset bug' 'ok - t_b' >"$tmp/out"
check "upstream: listed failures failing as listed add nothing" \
	[ "$(still upstream-1node | tail -n 1)" = "0 0 0 0" ]
printf '%s\n' 'ok - t_a/sub' 'ok - t_b' >"$tmp/out"
check "upstream: a listed failure that passes fails the run" \
	[ "$(still upstream-2node | tail -n 1)" = "0 1 0 0" ]
check "and says which and why it was listed" \
	bash -c "$(declare -f still); tmp=$tmp ROOT=$ROOT; still upstream-2node | grep -q '^not ok - upstream-2node: t_a/sub passes now on upstream.*(offset bug)'"
check "upstream: another label's line does not apply" \
	[ "$(still upstream-fixed-1node | tail -n 1)" = "0 1 0 0" ]

# suite.sh --list in an upstream run selects only "# upstream: yes" tests
mkdir -p "$tmp/guest"
cp "$ROOT/tests/guest/suite.sh" "$tmp/guest/"
printf '#!/bin/bash\n# nodes: 1\n# upstream: yes\n' >"$tmp/guest/t_up.sh"
printf '#!/bin/bash\n# nodes: 1\n' >"$tmp/guest/t_ours.sh"
check "suite --list: an upstream run selects the tests marked for it only" \
	[ "$(RXE_ODP_NODES=1 RXE_ODP_DEBUG_KERNEL=0 RXE_ODP_UPSTREAM=1 "$tmp/guest/suite.sh" --list | tr '\n' ' ')" = "t_up " ]
check "suite --list: any other run selects both" \
	[ "$(RXE_ODP_NODES=1 RXE_ODP_DEBUG_KERNEL=0 "$tmp/guest/suite.sh" --list | tr '\n' ' ')" = "t_ours t_up " ]
# "# upstream: fixed": in the upstream run of the fixed module only (and
# in ours)
printf '#!/bin/bash\n# nodes: 1\n# upstream: fixed\n' >"$tmp/guest/t_fixed.sh"
check "suite --list: the stock upstream run leaves out a test marked for the fixed module" \
	[ "$(RXE_ODP_NODES=1 RXE_ODP_DEBUG_KERNEL=0 RXE_ODP_UPSTREAM=1 RXE_ODP_LABEL=upstream-1node "$tmp/guest/suite.sh" --list | tr '\n' ' ')" = "t_up " ]
check "suite --list: the fixed module's upstream run selects it" \
	[ "$(RXE_ODP_NODES=1 RXE_ODP_DEBUG_KERNEL=0 RXE_ODP_UPSTREAM=1 RXE_ODP_LABEL=upstream-fixed-1node "$tmp/guest/suite.sh" --list | tr '\n' ' ')" = "t_fixed t_up " ]
check "suite --list: and so does ours" \
	[ "$(RXE_ODP_NODES=1 RXE_ODP_DEBUG_KERNEL=0 RXE_ODP_LABEL=stock-1node "$tmp/guest/suite.sh" --list | tr '\n' ' ')" = "t_fixed t_ours t_up " ]
rm "$tmp/guest/t_fixed.sh"
# "# kernel: 6.1": only in 6.1's suites (the label says which)
printf '#!/bin/bash\n# nodes: 1\n# kernel: 6.1\n' >"$tmp/guest/t_k61.sh"
check "suite --list: a 6.1-only test is in 6.1's suites" \
	[ "$(RXE_ODP_NODES=1 RXE_ODP_DEBUG_KERNEL=0 RXE_ODP_LABEL=stock-1node "$tmp/guest/suite.sh" --list | tr '\n' ' ')" = "t_k61 t_ours t_up " ]
check "suite --list: and not in 6.12's" \
	[ "$(RXE_ODP_NODES=1 RXE_ODP_DEBUG_KERNEL=0 RXE_ODP_LABEL=trixie-6.12-1node "$tmp/guest/suite.sh" --list | tr '\n' ' ')" = "t_ours t_up " ]
done_testing
