#!/usr/bin/env bash
# Scan guest kernel logs for anything that must fail a run: WARN, BUG,
# oops, panic, lockdep and RCU reports, sleeping in atomic context,
# KASAN/UBSAN/refcount/list corruption, hung tasks, soft lockups, stalls.
#
#   scripts/scanlog.sh LOG...      (LOG "-" is standard input)
#
# Prints each offending line (with the file name) and exits 1 if any was
# found, 0 if the logs are clean, 2 if a log cannot be read.
set -uo pipefail

# One extended regex per kind of report. Lockdep's own reports begin with
# "WARNING:" or "BUG:"; its boot banner ("RCU lockdep checking is enabled",
# "Lock dependency validator") is not a report and matches nothing here.
PATTERNS=(
	'WARNING:'
	'BUG:'
	'kernel BUG at'
	'Oops'
	'Kernel panic'
	'general protection fault'
	'Unable to handle kernel'
	'sleeping function called from invalid context'
	'scheduling while atomic'
	'INFO: trying to register non-static key'
	'DEBUG_LOCKS_WARN_ON'
	'INFO: task .* blocked for more than'
	'rcu: INFO:'
	'rcu_(sched|preempt) (self-)?detected stall'
	'soft lockup'
	'hard LOCKUP'
	'KASAN'
	'UBSAN:'
	'refcount_t:'
	'list_(add|del) corruption'
	'page allocation failure'
	'stack-protector'
	'Call Trace:'
)

regex=$(IFS='|'; echo "${PATTERNS[*]}")
[ $# -gt 0 ] || { echo "usage: scanlog.sh LOG..." >&2; exit 2; }
status=0
for f in "$@"; do
	[ "$f" = - ] || [ -r "$f" ] || { echo "scanlog: cannot read $f" >&2; exit 2; }
	if { if [ "$f" = - ]; then cat; else cat -- "$f"; fi; } |
		tr -d '\r' | grep -nE -- "$regex" | sed "s|^|$f:|"; then
		status=1
	fi
done
exit $status
