#!/bin/bash
# nodes: 1
# Plain ibv_advise_mr() with libodp-advise.so preloaded: it must prefetch,
# with the same errors as odp_advise_mr(), on contexts from ibv_open_device,
# ibv_import_device and librdmacm (odp_lib_tests --preloaded); and a
# program that opens no RDMA device runs as before under the preload.
. "$(dirname "$0")/lib.sh"

[ -x "$PROGS/odp_lib_tests" ] || fail "odp_lib_tests not built ($PROGS)"
preload=$(cd "$PROGS/.." && pwd)/providers/odp/libodp-advise.so
[ -f "$preload" ] || fail "libodp-advise.so not built ($preload)"

out=$(LD_PRELOAD=$preload ls /proc/self/maps 2>&1) || fail "ls under the preload: $out"
LD_PRELOAD=$preload "$PROGS/odp_lib_tests" --preloaded
