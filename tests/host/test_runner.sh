#!/bin/bash
# tests/host/run.sh counts a test script by its exit status and its plan,
# not only by the lines it printed: a script that aborts half-way, or
# whose status disagrees with its results, is a failure.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run=$ROOT/tests/host/run.sh

# fixture NAME BODY: a test script in its own directory.
fixture() {
	mkdir -p "$tmp/$1"
	printf '#!/bin/bash\n. %q\n%s\n' "$ROOT/tests/host/lib.sh" "$2" >"$tmp/$1/test_x.sh"
}

fixture good 'check "true" true
done_testing'
check_status "a script that passes and reaches done_testing passes" 0 \
	'^ok - test_x.sh ran to its end, 1 results, exit 0$' "$run" "$tmp/good"

fixture abort 'check "true" true
echo "$no_such_variable"
check "never reached" true
done_testing'
check_status "a script that aborts half-way (unbound variable) fails the run" 1 \
	'^not ok - test_x.sh ran to its end \(no plan line' "$run" "$tmp/abort"

fixture failing 'check "false" false
done_testing'
check_status "a failing check fails the run" 1 '^not ok - false$' "$run" "$tmp/failing"

fixture silent 'exit 3'
check_status "a script that prints nothing and exits non-zero fails the run" 1 \
	'^not ok - test_x.sh ran to its end' "$run" "$tmp/silent"

fixture short 'ok "one"
echo 1..2
exit 0'
check_status "a plan that does not match the results fails the run" 1 \
	'plan 1\.\.2, 1 results' "$run" "$tmp/short"

fixture liar 'not_ok "failed"
echo 1..1
exit 0'
check_status "exit 0 with a failure printed fails the run" 1 \
	'exit status agrees with its results \(exit 0, 1 failures' "$run" "$tmp/liar"
done_testing
