# shellcheck shell=bash
# The judge of ./rxe-odp test: counts the results a stage printed
# ("ok - NAME", "not ok - NAME", "# SKIP", "# TODO") and decides whether a
# suite's run agrees with them. Sourced by ./rxe-odp and by
# tests/host/test_judge.sh; needs ROOT. Callers set -euo pipefail
# themselves.

PASSED=0 FAILED=0 SKIPPED=0 KNOWN=0
# The skips each configuration is allowed.
EXPECTED_SKIPS=${EXPECTED_SKIPS:-$ROOT/tests/expected-skips}
# Results are counted by group too (host, 6.1, 6.12: the kernel the
# guests ran), GROUP being the current one; GROUPS in order of first use.
GROUP=host
GROUPS_SEEN=()
declare -A G_PASSED=() G_FAILED=() G_SKIPPED=() G_KNOWN=()

# count PASSED FAILED SKIPPED KNOWN: add to the totals and GROUP's.
count() {
	[ -n "${G_PASSED[$GROUP]+set}" ] || {
		GROUPS_SEEN+=("$GROUP")
		G_PASSED[$GROUP]=0 G_FAILED[$GROUP]=0 G_SKIPPED[$GROUP]=0 G_KNOWN[$GROUP]=0
	}
	PASSED=$((PASSED + $1)) FAILED=$((FAILED + $2))
	SKIPPED=$((SKIPPED + $3)) KNOWN=$((KNOWN + $4))
	G_PASSED[$GROUP]=$((G_PASSED[$GROUP] + $1)) G_FAILED[$GROUP]=$((G_FAILED[$GROUP] + $2))
	G_SKIPPED[$GROUP]=$((G_SKIPPED[$GROUP] + $3)) G_KNOWN[$GROUP]=$((G_KNOWN[$GROUP] + $4))
}

# tally FILE: count the "ok - " / "not ok - " lines a suite printed; the
# file's own counts are left in T_PASSED T_FAILED T_SKIPPED T_KNOWN.
tally() {
	local p
	p=$(grep -cE '^ok - ' "$1" || true)
	T_SKIPPED=$(grep -cE '^ok - .*# SKIP' "$1" || true)
	T_FAILED=$(grep -cE '^not ok - ' "$1" || true)
	T_KNOWN=$(grep -cE '^not ok - .*# TODO ' "$1" || true)
	T_PASSED=$((p - T_SKIPPED)) T_FAILED=$((T_FAILED - T_KNOWN))
	count "$T_PASSED" "$T_FAILED" "$T_SKIPPED" "$T_KNOWN"
}

# result OK NAME: one harness-level test result.
result() {
	if [ "$1" = 0 ]; then
		echo "ok - $2"
		count 1 0 0 0
	else
		echo "not ok - $2"
		count 0 1 0 0
	fi
}

# summary P F S: "P passed, F failed[, S skipped]".
summary() {
	if [ "$3" -gt 0 ]; then
		echo "$1 passed, $2 failed, $3 skipped"
	else
		echo "$1 passed, $2 failed"
	fi
}

# skips_allowed LABEL FILE: every skip FILE reports must be one that
# tests/expected-skips allows for LABEL (a suite's label: host, deb,
# stock-1node, debug-2node, 6.12-1node, ...); any other is a failure. A
# listed skip of LABEL whose test passed is reported, so the list can
# shrink.
skips_allowed() {
	local label=$1 file=$2 name reason pat entry rest found
	while IFS= read -r line; do
		name=${line#ok - }
		name=${name%% # SKIP*}
		reason=${line#* # SKIP}
		found=no
		while read -r pat entry rest; do
			# shellcheck disable=SC2053
			[[ $label == $pat ]] && [ "$entry" = "$name" ] && { found=yes; break; }
		done < <(grep -vE '^[[:space:]]*(#|$)' "$EXPECTED_SKIPS")
		[ $found = yes ] ||
			result 1 "$label: $name skipped, which tests/expected-skips does not allow (${reason# })"
	done < <(grep -E '^ok - .* # SKIP' "$file")
	while read -r pat entry rest; do
		# shellcheck disable=SC2053
		[[ $label == $pat ]] || continue
		grep -qxF "ok - $entry" "$file" &&
			echo "# $label: $entry passes now: its line in tests/expected-skips can go"
	done < <(grep -vE '^[[:space:]]*(#|$)' "$EXPECTED_SKIPS")
	return 0
}

# judge_suite LABEL STATUS FILE SELECTED: judge one guest suite from FILE,
# the output node 1 wrote (complete once the guest exited), STATUS the
# boot's exit status and SELECTED the tests the run selected (suite.sh
# --list), one a line. Counts FILE's results, then two of its own: every
# selected test has exactly one result (and no case of a test, t_x/case,
# more than one: a test that ran its program twice), and the status
# agrees with them (0: no failure; 1: at least one; anything else: the
# guest hung, died or its kernel log showed a problem).
judge_suite() {
	local label=$1 rc=$2 out=$3 want got diff rep
	want=$(echo "$4" | grep . | sort || true)
	tally "$out"
	skips_allowed "$label" "$out"
	got=$(sed -nE 's/^(not )?ok - (t_[A-Za-z0-9_]+)( .*)?$/\2/p' "$out" | sort)
	diff=$(diff <(echo "$want") <(echo "$got") |
		sed -n 's/^< /missing: /p; s/^> /extra or repeated: /p' | tr '\n' ' ' | sed 's/ $//')
	rep=$(sed -nE 's/^(not )?ok - (t_[A-Za-z0-9_]+\/[^ ]+).*$/\2/p' "$out" | sort | uniq -d |
		tr '\n' ' ' | sed 's/ $//')
	[ -n "$want" ] && [ -z "$diff" ] && [ -z "$rep" ]
	result $? "$label: each of the $(echo "$want" | grep -c . || true) selected tests has one result${diff:+ ($diff)}${rep:+ (cases with two results or more: $rep)}"
	case $rc in
	0) [ $((T_FAILED + T_KNOWN)) = 0 ] ;;
	1) [ $((T_FAILED + T_KNOWN)) -gt 0 ] ;;
	*) false ;;
	esac
	result $? "$label: guest set up and finished, kernel log clean, status $rc agrees with $((T_FAILED + T_KNOWN)) failures"
}

# upstream_bugs_still LABEL FILE: in an upstream reference run, every line
# of tests/guest/known-upstream-bugs for LABEL whose test passed is a
# failure: upstream changed, and the list must say so (the failures it
# lists are marked "# TODO" by the suite in the guest).
upstream_bugs_still() {
	local label=$1 file=$2 pat entry rest
	while read -r pat entry rest; do
		# shellcheck disable=SC2053
		[[ $label == $pat ]] || continue
		if grep -qxF "ok - $entry" "$file"; then
			result 1 "$label: $entry passes now on upstream: its line in tests/guest/known-upstream-bugs must go ($rest)"
		fi
	done < <(grep -vE '^[[:space:]]*(#|$)' "${KNOWN_UPSTREAM_BUGS:-$ROOT/tests/guest/known-upstream-bugs}")
	return 0
}
