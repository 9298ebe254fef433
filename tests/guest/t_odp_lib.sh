#!/bin/bash
# nodes: 1
# libodp (providers/odp): capability query, device and per-MR counters,
# odp_advise_mr(), every function's bad inputs (tests/odp/odp_lib_tests.c);
# without the preload, plain ibv_advise_mr() must give EOPNOTSUPP where
# the rxe provider has no advise_mr (rdma-core 44, 56), and prefetch where
# it has one (65); t_odp_advise_preload.sh is the other half.
. "$(dirname "$0")/lib.sh"

[ -x "$PROGS/odp_lib_tests" ] || fail "odp_lib_tests not built ($PROGS)"
ver=$(dpkg-query -W -f='${Version}' rdma-core)
case ${ver%%.*} in
44 | 56) mode=() ;;
65) mode=(--provider-advises) ;;
*) fail "rdma-core $ver: does its rxe provider have advise_mr? (add it to $0)" ;;
esac
note "rdma-core $ver: odp_lib_tests ${mode[*]}"
"$PROGS/odp_lib_tests" ${mode[@]+"${mode[@]}"}
