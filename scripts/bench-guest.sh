#!/bin/bash
# Benchmarks, run inside the guest by `./rxe-odp bench`. Every figure of a
# table comes from this one boot, so ratios between columns mean
# something even under TCG, where absolute numbers do not.
. "$RXE_ODP_ROOT/tests/guest/lib.sh"
. "$RXE_ODP_ROOT/scripts/guest-traffic.sh"

odp=no
ibv_devinfo -v -d "$DEV" | grep -q 'ODP_SUPPORT' && odp=yes
echo "== steady-state bandwidth, MB/s ($(uname -r), $DEV) =="
printf '%-12s %8s %10s %10s %7s\n' tool size pinned odp ratio
for tool in ib_write_bw ib_read_bw ib_send_bw; do
	for size in 4096 65536 1048576; do
		iters=$((size >= 1048576 ? 50 : 300))
		p=$(perf_bw "$tool" "$size" "$iters") || p=""
		o="-"
		[ $odp = yes ] && { o=$(perf_bw "$tool" "$size" "$iters" --odp) || o=""; }
		r=$(awk -v p="$p" -v o="$o" 'BEGIN { if (p > 0 && o > 0) printf "%.2f", o / p; else print "-" }')
		printf '%-12s %8s %10s %10s %7s\n' "$tool" "$size" "${p:-fail}" "${o:-fail}" "$r"
	done
done
[ $odp = yes ] || echo "(no ODP on $DEV yet: the odp column fills in once the driver reports it)"
