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
p0=$(dev_counter page_prefetch)
# -k: qp_hold kills itself (SIGKILL) right after its advice returned and
# it read the counter: a kill from here came after the prefetch had
# finished once the guest faulted pages in faster
rc=0
"$PROGS/qp_hold" -d "$DEV" -p $mib -k >"$out" 2>&1 || rc=$?
[ $rc = 137 ] || { cat "$out"; fail "qp_hold -p $mib -k exited $rc, not by its own SIGKILL (137)"; }
p1=$(sed -n 's/^ready qpn [0-9]* page_prefetch \([0-9][0-9]*\)$/\1/p' "$out")
[ -n "$p1" ] || { cat "$out"; fail "qp_hold -p $mib -k did not start its prefetch, or gave no counter"; }
p2=$(dev_counter page_prefetch)
note "prefetch of $pages pages: $((p1 - p0)) done at the kill, $((p2 - p0)) once the process was gone"
[ $((p1 - p0)) -lt $pages ] || fail "the prefetch had finished before the kill: nothing was pending"

t0=$(date +%s%N)
rxe_down
note "rdma link delete and rmmod: $((($(date +%s%N) - t0) / 1000000)) ms"
rxe_up
rc_pingpong 20 >/dev/null || fail "pingpong after the reload"
