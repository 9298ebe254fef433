#!/bin/bash
# The demo, run inside the guest by `./rxe-odp demo`: what rxe0 reports
# about ODP, ODP traffic when the driver has it, pinned traffic for
# comparison, as a short summary.
. "$RXE_ODP_ROOT/tests/guest/lib.sh"
. "$RXE_ODP_ROOT/scripts/guest-traffic.sh"

where="one guest (rxe loopback)"
[ -n "${RXE_ODP_PEER_IP:-}" ] && where="two guests over a virtual Ethernet link"
echo "== rdma_rxe_odp on $(uname -r), $DEV over eth0, $where =="
echo
echo "ODP capabilities that $DEV reports (ibv_devinfo -v):"
ibv_devinfo -v -d "$DEV" | sed -n '/general_odp_caps/,/xrc_odp_caps/p' | sed 's/^\t*/  /'
echo

odp=no
if ibv_devinfo -v -d "$DEV" | grep -q 'ODP_SUPPORT$\|ODP_SUPPORT\b'; then
	odp=yes
fi
if [ $odp = no ]; then
	echo "ODP: not there yet. rdma_rxe_odp is still the stock driver plus the"
	echo "build and test foundation; an ODP registration is refused:"
	out=$(pingpong_usec 4096 10 -o 2>&1) && echo "  (unexpectedly worked: $out)"
	echo "$out" | grep -iE 'odp|couldn.t|not supp|fail' | head -n 1 | sed 's/^/  ibv_rc_pingpong -o: /'
	echo
fi

echo "Pinned memory:"
printf '  %-34s %10s\n' "ibv_rc_pingpong 4 KiB x 500" "$(pingpong_usec 4096 500) usec/iter"
for tool in ib_write_bw ib_read_bw ib_send_bw; do
	printf '  %-34s %10s\n' "$tool 64 KiB x 500" "$(perf_bw "$tool" 65536 500) MB/s"
done
if [ $odp = yes ]; then
	echo
	echo "ODP:"
	printf '  %-34s %10s\n' "ibv_rc_pingpong -o 4 KiB x 500" "$(pingpong_usec 4096 500 -o) usec/iter"
	for tool in ib_write_bw ib_read_bw ib_send_bw; do
		printf '  %-34s %10s\n' "$tool --odp 64 KiB x 500" "$(perf_bw "$tool" 65536 500 --odp) MB/s"
	done
fi
