#!/usr/bin/env bash
# Put the benchmarks of several kernels side by side (./rxe-odp bench
# --upstream): ours on 6.1 and 6.12 against upstream's rxe ODP on 7.x.
#
#   scripts/bench-compare.sh DIR NAME... (the last NAME is the reference)
#
# Each DIR/NAME holds what scripts/bench-report.sh reads and writes for one
# boot: 1node/info.txt, perftest-summary.txt, stock-summary.txt (ours
# against the stock rdma_rxe, pinned), ratios.tsv (odp_bench). Every ratio
# is taken within its own boot; only ratios are compared across kernels,
# never absolute figures (other kernels, other boots, one noisy machine).
# Writes DIR/compare.md and prints its path.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: bench-compare.sh DIR NAME... REFERENCE" >&2; exit 2; }
dir=$1
shift
names=("$@")
ref=${names[$((${#names[@]} - 1))]}
md=$dir/compare.md

for n in "${names[@]}"; do
	[ -f "$dir/$n/1node/perftest-summary.txt" ] ||
		{ echo "bench-compare.sh: no figures in $dir/$n/1node" >&2; exit 1; }
done

info() { awk -v k="$2" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "$dir/$1/1node/info.txt"; }

# cells: "NAME tool size ratio noise" for every kernel, from its
# perftest-summary.txt (ODP/pinned) or, with "stock", stock-summary.txt
# (ours/stock, pinned)
cells() {
	local n
	for n in "${names[@]}"; do
		if [ "${1:-}" = stock ]; then
			[ -f "$dir/$n/1node/stock-summary.txt" ] &&
				awk -v n="$n" '{ print n, $1, $2, $5, $6 }' "$dir/$n/1node/stock-summary.txt"
		else
			awk -v n="$n" '{ print n, $1, $2, $5, $9 }' "$dir/$n/1node/perftest-summary.txt"
		fi
	done
	return 0
}

# awk: cmp(A, noise of A, B, noise of B): "yes" when ratio A is at least
# B, "within noise" when its shortfall is inside the larger of the two
# noises, "**no**" otherwise, "-" when either is missing
AWK_CMP='
	function cmp(a, na, b, nb,   m) {
		if (a == "-" || b == "-" || a == "" || b == "") return "-"
		if (a + 0 >= b + 0) return "yes"
		m = (na != "-" && na + 0 > nb + 0) ? na : nb
		return (m != "-" && a * m >= b) ? "within noise" : "**no**"
	}
'

# side_by_side [stock]: a Markdown table, one row per tool and size, one
# column per kernel ("ratio (noise)"), and for ODP/pinned a last column:
# how each of ours compares with the reference. "within noise": the
# shortfall is inside the larger of the two cells' noise.
side_by_side() {
	cells "$@" | awk -v names="${names[*]}" -v ref="$ref" -v stock="${1:-}" "$AWK_CMP"'
	BEGIN { nn = split(names, nm, " ") }
	{ k = $2 " " $3; if (!(k in seen)) { seen[k] = 1; order[++nk] = k }
	  r[$1, k] = $4; z[$1, k] = $5 }
	END {
		h = "| tool | size (B) |"; s = "| --- | ---: |"
		for (i = 1; i <= nn; i++) {
			if (stock && nm[i] == ref) continue
			h = h " " nm[i] " |"; s = s " ---: |"
		}
		if (!stock) for (i = 1; i < nn; i++) { h = h " " nm[i] " >= " ref " |"; s = s " --- |" }
		print h; print s
		for (j = 1; j <= nk; j++) {
			k = order[j]; split(k, kk, " ")
			l = "| " kk[1] " | " kk[2] " |"
			for (i = 1; i <= nn; i++) {
				if (stock && nm[i] == ref) continue
				v = ((nm[i], k) in r) ? r[nm[i], k] : "-"
				l = l " " v ((nm[i], k) in z && z[nm[i], k] != "-" ? " (" z[nm[i], k] ")" : "") " |"
			}
			if (!stock) for (i = 1; i < nn; i++)
				l = l " " cmp(r[nm[i], k], z[nm[i], k], r[ref, k], z[ref, k]) " |"
			print l
		}
	}'
}

# tally: for each of ours, how many cells are at least the reference's,
# within noise of it, or below it
tally() {
	cells | awk -v names="${names[*]}" -v ref="$ref" "$AWK_CMP"'
	BEGIN { nn = split(names, nm, " ") }
	{ r[$1, $2 " " $3] = $4; z[$1, $2 " " $3] = $5; keys[$2 " " $3] = 1 }
	END {
		for (i = 1; i < nn; i++) {
			y = w = no = 0
			for (k in keys) {
				v = cmp(r[nm[i], k], z[nm[i], k], r[ref, k], z[ref, k])
				if (v == "yes") y++
				else if (v == "within noise") w++
				else if (v != "-") no++
			}
			printf "| %s against %s, ODP/pinned per cell | %d at least as good, %d within noise, %d below |\n", nm[i], ref, y, w, no
		}
	}'
}

# odp_bench's ratios, one row per ratio, one column per kernel
bench_ratios() {
	local n
	for n in "${names[@]}"; do
		[ -f "$dir/$n/1node/ratios.tsv" ] && awk -v n="$n" '{ print n, $0 }' "$dir/$n/1node/ratios.tsv"
	done | awk -v names="${names[*]}" '
	BEGIN { nn = split(names, nm, " ") }
	{ if (!($2 in seen)) { seen[$2] = 1; order[++nk] = $2 } v[$1, $2] = $3
	  t = ""; for (i = 4; i <= NF; i++) t = t (t == "" ? "" : " ") $i; if (t != "") target[$2] = t }
	END {
		h = "| ratio |"; s = "| --- |"
		for (i = 1; i <= nn; i++) { h = h " " nm[i] " |"; s = s " ---: |" }
		print h " target |"; print s " --- |"
		for (j = 1; j <= nk; j++) {
			l = "| " order[j] " |"
			for (i = 1; i <= nn; i++) l = l " " (((nm[i], order[j]) in v) ? v[nm[i], order[j]] : "-") " |"
			print l " " target[order[j]] " |"
		}
	}'
}

{
	echo "# rxe-odp against upstream rxe ODP, side by side"
	echo
	echo "Measured $(info "$ref" date) on $(nproc) host CPUs ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)),"
	echo "qemu TCG, one guest per kernel ($(info "$ref" cpus) vCPUs, $(info "$ref" mem_mib) MiB), rxe loopback."
	echo
	echo "| name | kernel | driver |"
	echo "| --- | --- | --- |"
	for n in "${names[@]}"; do
		drv="rdma_rxe_odp (ours)"
		[ "$n" = "$ref" ] && drv="the kernel's own rdma_rxe (upstream ODP)"
		echo "| $n | $(info "$n" kernel) | $drv |"
	done
	echo
	echo "Upstream's ODP copies ignore the offset inside the page (kernel/upstream/README.md): its"
	echo "ODP runs move as many bytes, to the wrong places; perftest does not check data."
	echo
	echo "Only ratios taken within one boot are compared: absolute figures of different kernels"
	echo "and boots on a shared, emulated machine are not comparable. Each kernel's full report:"
	echo "$(for n in "${names[@]}"; do printf '%s/report.md ' "$n"; done)"
	echo
	echo "## Summary"
	echo
	echo "| measure | result |"
	echo "| --- | --- |"
	tally
	for n in "${names[@]}"; do
		awk -v n="$n" '$5 != "-" { all++; if ($5 >= 0.95) ok++ }
			END { printf "| %s: ODP/pinned >= 0.95 | %d of %d cells |\n", n, ok, all }' \
			"$dir/$n/1node/perftest-summary.txt"
		[ -s "$dir/$n/1node/perftest-hangs.txt" ] &&
			awk -v n="$n" '{ l = l (l ? ", " : "") $1 " " $2 " B " $3 }
				END { printf "| %s: runs that hung | **%d**: %s |\n", n, NR, l }' "$dir/$n/1node/perftest-hangs.txt"
		[ -s "$dir/$n/1node/stock-summary.txt" ] &&
			awk -v n="$n" '$5 != "-" { all++; if ($5 >= 0.95) ok++ }
				END { printf "| %s: ours pinned / stock pinned >= 0.95 | %d of %d cells |\n", n, ok, all }' \
				"$dir/$n/1node/stock-summary.txt"
	done
	echo
	echo "## Steady state: ODP/pinned per cell (perftest)"
	echo
	echo "Median ratio of each boot (noise: that boot's largest over smallest pinned figure)."
	echo "Bandwidth: ODP/pinned; ib_write_lat: pinned/ODP. Higher is better; 1 means ODP costs nothing."
	echo
	side_by_side
	echo
	echo "## Pinned: ours against the stock rdma_rxe of the same kernel"
	echo
	echo "Same boot, ours and stock alternating in each cell, module swapped (ratio: ours/stock; ib_write_lat: stock/ours)."
	echo
	side_by_side stock
	echo
	echo "## odp_bench (items 2-7)"
	echo
	echo "Cold/warm, registration, invalidation cost, mirror bytes per page, fault latency and"
	echo "invalidation under traffic, each a ratio within its boot (see each report for the tables;"
	echo "upstream has no ODP counters and no lock histograms, hence its '-')."
	echo
	bench_ratios
} >"$md"
echo "$md"
