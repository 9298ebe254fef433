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

# emulator_note FILE: a register dump whose RFLAGS has reserved bits set
# (3, 5, 15, 22-63; bit 1 clear) shows an emulated CPU whose state is
# corrupt: no x86 CPU pushes such a value and no guest code can load one
# (POPF, IRET and SYSRET mask those bits). Such a report is the emulator's
# (QEMU's TCG), not the kernel's or the module's: said under the report.
emulator_note() {
	local line hex v
	while IFS= read -r line; do
		hex=${line##*EFLAGS: }
		hex=${hex%%[!0-9a-fA-F]*}
		[ -n "$hex" ] && [ ${#hex} -le 16 ] || continue
		v=$((16#$hex))
		if (((v >> 22) != 0 || (v & 0x8028) != 0 || (v & 2) == 0)); then
			echo "$1: note: RFLAGS $hex has reserved bits set: the emulated CPU's state was corrupt (an emulator fault), see scripts/scanlog.sh"
			return
		fi
	done < <(tr -d '\r' <"$1" | grep -E 'EFLAGS: [0-9a-fA-F]+')
}

[ $# -gt 0 ] || { echo "usage: scanlog.sh LOG..." >&2; exit 2; }
status=0
for f in "$@"; do
	[ "$f" = - ] || [ -r "$f" ] || { echo "scanlog: cannot read $f" >&2; exit 2; }
	if { if [ "$f" = - ]; then cat; else cat -- "$f"; fi; } |
		tr -d '\r' | grep -nE -- "$regex" | sed "s|^|$f:|"; then
		status=1
		[ "$f" = - ] || emulator_note "$f"
	fi
done
exit $status
