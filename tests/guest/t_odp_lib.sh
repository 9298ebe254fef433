#!/bin/bash
# nodes: 1
# libodp (providers/odp): capability query, device and per-MR counters,
# odp_advise_mr(), every function's bad inputs (tests/odp/odp_lib_tests.c);
# without the preload, plain ibv_advise_mr() must give EOPNOTSUPP (rdma-core
# 44's and 56's rxe providers have none; t_odp_advise_preload.sh is the
# other half).
. "$(dirname "$0")/lib.sh"

[ -x "$PROGS/odp_lib_tests" ] || fail "odp_lib_tests not built ($PROGS)"
"$PROGS/odp_lib_tests"
