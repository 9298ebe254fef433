#!/bin/bash
# The demo, run inside the guest by `./rxe-odp demo`: what rxe0 reports
# about ODP, then the same traffic over pinned and ODP memory in this one
# boot, with the device's ODP counters (page faults taken and pages
# invalidated) for the ODP runs.
. "$RXE_ODP_ROOT/tests/guest/lib.sh"
. "$RXE_ODP_ROOT/scripts/guest-traffic.sh"

counters=/sys/class/infiniband/$DEV/ports/1/hw_counters
counter() { cat "$counters/$1" 2>/dev/null || echo 0; }

where="one guest (rxe loopback)"
[ -n "${RXE_ODP_PEER_IP:-}" ] && where="two guests over a virtual Ethernet link"
echo "== rdma_rxe_odp on $(uname -r): $DEV over eth0, $where =="
caps=$(ibv_devinfo -v -d "$DEV" | sed -n '/general_odp_caps/,/xrc_odp_caps/p' |
	awk '/_odp_caps:/ { t = $1; sub(/_odp_caps:/, "", t); next }
	     NF && $1 != "NO" { sub(/^SUPPORT_/, "", $1); c[t] = c[t] " " $1 }
	     END { for (t in c) printf "%s:%s; ", t, c[t] }')
if ! ibv_devinfo -v -d "$DEV" | grep -q ODP_SUPPORT; then
	echo "$DEV reports no ODP: this is not rdma_rxe_odp, or it failed to load."
	exit 1
fi
echo "ODP capabilities: ${caps% }"
echo

# odp_pingpong LABEL ARGS...: a run of examples/odp_pingpong (server on the
# peer side, client here); prints the client's summary.
odp_pingpong() {
	local label=$1 out
	shift
	local args=(-d "$DEV" -g "$GIDX" -n 300 -m 50 "$@")
	echo "odp_pingpong, $label:"
	out=$(client_server "$PROGS/../odp_pingpong" "${args[@]}" -- \
		"$PROGS/../odp_pingpong" "${args[@]}" "$(server_ip)") ||
		{ echo "$out" | sed 's/^/  /'; return 1; }
	echo "$out" | sed -n '1,/^--- server/p' | grep -v '^--- server' | sed 's/^/  /'
}
odp_pingpong "explicit ODP MR over 1 GiB, pages dropped every 50 iterations"
odp_pingpong "one implicit ODP MR, prefetched, pages dropped every 50 iterations" -i -P
echo

# row LABEL UNIT PINNED ODP: one line of the table, with ODP's speed
# relative to pinned (above 1: ODP faster; for times, pinned/ODP).
row() {
	local r
	r=$(awk -v p="$3" -v o="$4" -v u="$2" 'BEGIN {
		if (p > 0 && o > 0) printf "%.2f", (u ~ /^usec/) ? p / o : o / p; else print "-" }')
	printf '  %-30s %10s %10s  %-9s %6s\n' "$1" "$3" "$4" "$2" "$r"
}

f0=$(counter page_faults) i0=$(counter page_invalidations)
echo "Traffic over pinned and ODP memory (same boot, so the ratio is what counts under TCG):"
printf '  %-30s %10s %10s  %-9s %6s\n' "" pinned ODP unit "ODP speed"
row "ibv_rc_pingpong 4 KiB x 500" usec/iter \
	"$(pingpong_usec 4096 500)" "$(pingpong_usec 4096 500 -o)"
for tool in ib_write_bw ib_read_bw ib_send_bw; do
	row "$tool 64 KiB x 500" MB/s \
		"$(perf_bw "$tool" 65536 500)" "$(perf_bw "$tool" 65536 500 --odp)"
done
echo
echo "ODP work the device did for those runs ($counters):"
echo "  pages faulted in:    $(($(counter page_faults) - f0))"
echo "  pages invalidated:   $(($(counter page_invalidations) - i0))"
echo "Nothing was pinned: each page was faulted in on first touch by the NIC"
echo "and dropped from its mirror when the process unmapped it."
