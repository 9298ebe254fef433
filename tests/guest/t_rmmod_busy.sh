#!/bin/bash
# nodes: 1
# rmmod with a QP open is refused and changes nothing; once the process
# holding the QP exits, rmmod succeeds.
. "$(dirname "$0")/lib.sh"

[ -x "$PROGS/qp_hold" ] || fail "qp_hold not built ($PROGS)"
fifo=$(mktemp -u)
mkfifo "$fifo"
"$PROGS/qp_hold" -d "$DEV" <"$fifo" >/tmp/qp_hold.out 2>&1 &
holder=$!
exec 3>"$fifo"
for _ in $(seq 50); do
	grep -q '^ready' /tmp/qp_hold.out && break
	sleep 0.1
done
grep -q '^ready' /tmp/qp_hold.out || { cat /tmp/qp_hold.out; fail "qp_hold did not get a QP"; }
cat /tmp/qp_hold.out

expect_fail "rmmod with a QP open" rmmod rdma_rxe_odp
expect_ok "module still loaded after refused rmmod" module_loaded
kill -0 $holder || fail "the QP holder died"

exec 3>&-
wait $holder || fail "qp_hold failed on teardown (exit $?)"
rxe_down
rxe_up
