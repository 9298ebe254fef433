#!/bin/bash
# nodes: 1
# The bad-input fuzzer (tests/progs/odp_fuzz.c, issue 15 item 7): random
# ODP registrations of good and bad forms, deregistration, rereg,
# advise_mr, RDMA WRITE/READ/atomics with random keys and SGEs, WRITEs of
# several SGEs, SEND/RECV on the RC pair (through an SRQ in some workers)
# and UD SEND/RECV with random SGEs (some receives too small, some through
# an SRQ), while the
# memory under them is remapped, protected, advised away and forked, and
# worker processes are killed mid-run. It fails on an error code the man
# pages and mlx5 do not give (completion statuses too, for the SENDs, RECVs,
# UD and multi-SGE WRITEs), a failed deregistration, a missing
# completion or a worker's crash; the harness fails the run on any kernel
# report. With our module (not on the upstream reference run's rdma_rxe)
# one to three page faults fail for now at each of the fuzzer's turns
# (odp_fail_transient, -f): the retries must stay invisible to every check
# (a UD message into ODP memory may be dropped then: ud_lost).
# RXE_ODP_FUZZ_SEED replays a run (the seed is printed first);
# RXE_ODP_FUZZ_SECONDS sets its length (default 60).
. "$(dirname "$0")/lib.sh"

bin=$PROGS/odp_fuzz
[ -x "$bin" ] || fail "odp_fuzz not built ($PROGS)"
args=(-t "${RXE_ODP_FUZZ_SECONDS:-60}" -p 2)
inject=/sys/module/rdma_rxe_odp/parameters/odp_fail_transient
[ ! -e $inject ] || args+=(-f)
[ -z "${RXE_ODP_FUZZ_SEED:-}" ] || args+=(-s "$RXE_ODP_FUZZ_SEED")
setup_zram_swap
rc=0
out=$("$bin" "${args[@]}" 2>&1) || rc=$?
echo "$out"
[ $rc -eq 0 ] || fail "odp_fuzz exit $rc (replay: RXE_ODP_FUZZ_SEED=$(awk '/^odp_fuzz: seed/ { print $3; exit }' <<<"$out" | tr -d ,))"
summary=$(grep '^odp_fuzz: seed .* workers' <<<"$out") || fail "no summary line"
# value NAME: a count of the summary line
value() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' <<<"$summary"; }
# the device's ODP operations, as ibv_devinfo -v names them ("rc:SEND"):
# what it reports, the fuzzer must have done
odp_caps=$(ibv_devinfo -v -d "$DEV" | sed -n '/general_odp_caps/,/xrc_odp_caps/p' |
	awk '/_odp_caps:/ { t = $1; sub(/_odp_caps:/, "", t); next }
	     NF && $1 != "NO" { sub(/^SUPPORT_/, "", $1); print t ":" $1 }')
has() { grep -qx "$1" <<<"$odp_caps"; }
need=(reg_ok bad_reg dereg rereg advise post wc_ok wc_err churn fork sge_multi)
if has general:ODP_SUPPORT && has rc:SEND && has rc:RECV; then
	need+=(send recv)
	! has rc:SRQ || need+=(srq)	# SRQ_RECV
fi
# UD: some receives too small, some through an SRQ (rxe has SRQs always)
! { has general:ODP_SUPPORT && has ud:SEND && has ud:RECV; } || need+=(ud ud_small ud_srq)
for k in "${need[@]}"; do
	[ "$(value "$k")" -gt 0 ] || fail "the fuzzer did no '$k' (a run that exercises nothing passes nothing)"
done
[ "$(value FAILURES)" -eq 0 ] || fail "failures counted with exit 0"
if [ -e $inject ]; then
	[ "$(value injected)" -gt 0 ] || fail "no injected transient failure was met"
	[ "$(cat $inject)" = 0 ] || fail "odp_fail_transient left armed: $(cat $inject)"
fi
note "$(sed 's/^odp_fuzz: //' <<<"$summary")"
