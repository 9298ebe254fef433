#!/bin/bash
# nodes: 1
# Implicit ODP: the whole core suite again (every invalidation trigger,
# every operation, the error cases), each test through one implicit ODP MR
# (ibv_reg_mr(pd, NULL, SIZE_MAX, IBV_ACCESS_ON_DEMAND)) in place of an MR
# per buffer.
. "$(dirname "$0")/lib.sh"

[ -x "$PROGS/odp_core_tests" ] || fail "odp_core_tests not built ($PROGS)"
ibv_devinfo -v -d "$DEV" | grep -q ODP_SUPPORT_IMPLICIT || skip "$DEV reports no implicit ODP"
setup_zram_swap
setup_hugepages
"$PROGS/odp_core_tests" --implicit
