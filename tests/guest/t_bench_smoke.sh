#!/bin/bash
# nodes: 1
# debug: no
# odp_bench (the benchmark program of ./rxe-odp bench) in its quick mode:
# it must finish, print every table with numbers in it, compute its ratios
# from its own columns, and write the tables for the report. No timing is
# checked: speed is for ./rxe-odp bench.
. "$(dirname "$0")/lib.sh"
. "$RXE_ODP_ROOT/scripts/guest-traffic.sh"

bench=$PROGS/../odp_bench
[ -x "$bench" ] || fail "no $bench (build first)"
ibv_devinfo -v -d "$DEV" | grep -q ODP_SUPPORT || skip "$DEV reports no ODP"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# in a memory cgroup of its own: item 5 reads the mirror's memory there
# (every guest kernel has the cgroup v2 memory controller, the debug one
# included: kernel/debug/debug.config)
txt=$( (memcg_enter || exit 3; exec "$bench" --quick --out "$out") 2>&1)
rc=$?
[ $rc != 3 ] || fail "no cgroup v2 memory controller in this guest"
echo "$txt"
[ $rc = 0 ] || fail "odp_bench --quick exited $rc"

tables="cold reg inval faultlat invtraffic invlock mem"
for t in $tables; do
	grep -q "^== $t: " <<<"$txt" || fail "no '$t' table"
	[ -s "$out/$t.tsv" ] || fail "no $t.tsv"
	# every row: as many fields as columns, each a number or "-", and
	# at least one number per row (names in the first fields excepted)
	awk -v t="$t" 'NR == 1 { n = NF - 1; next }
		{ rows++
		  if (NF != n) { print t ": row " NR " has " NF " fields, not " n; bad = 1 }
		  nums = 0
		  for (i = 1; i <= NF; i++) if ($i ~ /^-?[0-9]+(\.[0-9]+)?$/) nums++
		  if (!nums) { print t ": row " NR " has no number"; bad = 1 } }
		END { if (!rows) { print t ": no rows"; bad = 1 } exit bad }' "$out/$t.tsv" ||
		fail "$t.tsv is malformed"
done

expect="cold/warm_min prefetch_total/warm_min odp_reg_largest/smallest inval_mirrored/no_mr_max
	fault_p50/warm_p50_max fault_p99/warm_p99_max inval_p99_this/other_region_max inval_p99_wait/packet_time
	kernel_inval_wait_max/copy_hold_max mirror_bytes_per_page"
for r in $expect; do
	v=$(awk -v k="$r" '$1 == k { print $2 }' "$out/ratios.tsv")
	[[ $v =~ ^[0-9]+(\.[0-9]+)?$ ]] || fail "ratio $r: '$v' is not a number"
	grep -q "^ratio $r $v " <<<"$txt" || fail "ratio $r not printed as in ratios.tsv"
done

# the ratio columns are computed from the figures beside them
# (within what rounding the columns to 0.1 allows: small figures on the
# debug kernel make that wide)
awk '!/^#/ && $5 != "-" && $4 != "-" && $9 != "-" && $4 > 0.05 {
	lo = ($5 - 0.05) / ($4 + 0.05); hi = ($5 + 0.05) / ($4 - 0.05)
	if ($9 < lo - 0.001 || $9 > hi + 0.001) {
		print "cold row " NR ": cold/warm " $9 " but " $5 "/" $4; bad = 1 } }
	END { exit bad }' "$out/cold.tsv" || fail "cold/warm ratio does not match its columns"
# the explicit ODP MR's mirror shows in the cgroup's accounting
awk '$1 == "explicit_odp" && $6 + 0 > 0 { ok = 1 } END { exit !ok }' "$out/mem.tsv" ||
	fail "mem: no kernel memory charged for an explicit ODP MR's mirror"
# the kernel saw the invalidations and the copies it raced with
awk '$2 == "this_region" && $3 + 0 > 0 && $8 + 0 > 0 { n++ } END { exit n != 2 }' \
	"$out/invlock.tsv" || fail "invlock: no invalidation or copy timed under traffic"
echo "odp_bench --quick: all tables and ratios present"
