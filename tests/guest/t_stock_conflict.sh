#!/bin/bash
# nodes: 1
# The stock rdma_rxe and rdma_rxe_odp never run side by side: modprobe of
# the stock driver is refused, insmod of it fails while ours holds the
# RoCEv2 port, and in the other order ours refuses to load with a message
# that names the cause (patch 0001). Ours still works afterwards.
. "$(dirname "$0")/lib.sh"

stock=$(modinfo -n rdma_rxe 2>/dev/null) || true
[ -n "$stock" ] && [ -f "$stock" ] || skip "no stock rdma_rxe on this kernel (built in or absent)"

expect_fail "modprobe rdma_rxe while blocked" modprobe rdma_rxe
expect_fail "insmod stock rdma_rxe beside rdma_rxe_odp" insmod "$stock"
[ ! -d /sys/module/rdma_rxe ] || fail "stock rdma_rxe got loaded"
expect_ok "rxe0 still present" test -e /sys/class/infiniband/rxe0

rxe_down
expect_ok "stock rdma_rxe loads alone" insmod "$stock"
# a line of our own marks where to look from (a count of lines would not:
# once the kernel's ring buffer is full, old lines go as new ones come)
mark="t_stock_conflict: mark $$ $RANDOM"
echo "$mark" >/dev/kmsg
expect_fail "insmod rdma_rxe_odp beside stock rdma_rxe" insmod "$RXE_ODP_MODULE"
dmesg | sed -n "/$mark/,\$p" | tee /dev/stderr |
	grep -q 'rdma_rxe_odp: UDP port 4791 (IPv4) is already in use' ||
	fail "no clear message about the busy RoCEv2 port"
! module_loaded || fail "rdma_rxe_odp loaded beside the stock driver"
expect_ok "rmmod stock rdma_rxe" rmmod rdma_rxe
rxe_up
out=$(client_server ibv_rc_pingpong -d "$DEV" -g "$GIDX" -n 10 -- \
	ibv_rc_pingpong -d "$DEV" -g "$GIDX" -n 10 "$(server_ip)") ||
	{ echo "$out"; fail "pingpong after the conflict"; }
