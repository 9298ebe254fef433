#!/bin/bash
# Run the host-side tests of the harness (no guest needed). Each script's
# own results are printed as they come; then one result of the script
# itself: it must have reached done_testing (its plan "1..N" matches the
# N results it printed) and exited 0 exactly when none of them failed. A
# script that aborts half-way (an unbound variable, a failed source) is a
# failure whatever it printed before. Exit status: 0 when all passed.
#
#   tests/host/run.sh [DIR]    the test_*.sh of DIR (default: its own)
here=${1:-$(cd "$(dirname "$0")" && pwd)}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0

# judge SCRIPT RC: the script-level result from its output in $out.
judge() {
	local name=$1 rc=$2 plan n nf
	plan=$(sed -nE 's/^1\.\.([0-9]+)$/\1/p' "$out" | tail -n 1)
	n=$(grep -cE '^(not )?ok - ' "$out")
	nf=$(grep -cE '^not ok - ' "$out")
	if [ -z "$plan" ]; then
		echo "not ok - $name ran to its end (no plan line: it stopped early, exit $rc)"
	elif [ "$plan" != "$n" ]; then
		echo "not ok - $name ran to its end (plan 1..$plan, $n results, exit $rc)"
	elif [ "$rc" != 0 ] && [ "$nf" = 0 ]; then
		echo "not ok - $name exit status agrees with its results (exit $rc, no failure printed)"
	elif [ "$rc" = 0 ] && [ "$nf" != 0 ]; then
		echo "not ok - $name exit status agrees with its results (exit 0, $nf failures printed)"
	else
		echo "ok - $name ran to its end, $n results, exit $rc"
		return 0
	fi
	return 1
}

for t in "$here"/test_*.sh; do
	echo "# $(basename "$t")"
	rc=0
	bash "$t" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	judge "$(basename "$t")" "$rc" || status=1
	[ "$rc" = 0 ] || status=1
done
exit $status
