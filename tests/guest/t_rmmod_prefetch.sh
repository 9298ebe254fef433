#!/bin/bash
# nodes: 1
# A process killed right after it started a background prefetch (advise_mr
# PREFETCH_WRITE without FLUSH over a 256 MiB ODP MR): the prefetch is
# still running when the process dies, its MR is torn down under it, and
# rmmod right after succeeds (module unload drains the prefetch workqueue;
# the kernel log must stay clean, which the harness checks). rxe0 then
# comes back and carries traffic.
. "$(dirname "$0")/lib.sh"

[ -x "$PROGS/qp_hold" ] || fail "qp_hold not built ($PROGS)"
mib=256
pages=$((mib * 256))
out=$(mktemp)
fifo=$(mktemp -u)
mkfifo "$fifo"
p0=$(dev_counter page_prefetch)
"$PROGS/qp_hold" -d "$DEV" -p $mib <"$fifo" >"$out" 2>&1 &
holder=$!
exec 3>"$fifo"		# qp_hold's stdin: open until the kill
for _ in $(seq 300); do
	grep -q '^ready' "$out" && break
	kill -0 $holder 2>/dev/null || break
	sleep 0.1
done
grep -q '^ready' "$out" || { cat "$out"; fail "qp_hold -p $mib did not start its prefetch"; }
p1=$(dev_counter page_prefetch)
kill -KILL $holder
wait $holder 2>/dev/null
exec 3>&-
rm -f "$fifo"
p2=$(dev_counter page_prefetch)
note "prefetch of $pages pages: $((p1 - p0)) done at the kill, $((p2 - p0)) once the process was gone"
[ $((p1 - p0)) -lt $pages ] || fail "the prefetch had finished before the kill: nothing was pending"

t0=$(date +%s%N)
rxe_down
note "rdma link delete and rmmod: $((($(date +%s%N) - t0) / 1000000)) ms"
rxe_up
rc_pingpong 20 >/dev/null || fail "pingpong after the reload"
