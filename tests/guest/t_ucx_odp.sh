#!/bin/bash
# nodes: 1 2
# debug: no
# UCX's ODP against the same run with UCX's default registration cache
# (pinned). How UCX registers on demand depends on its version
# (ucx_odp_setup in lib.sh, from what ucx_info reports):
# - UCX 1.13 (Debian 12), UCX_IB_REG_METHODS=odp: one implicit ODP MR over
#   the whole address space (UCX: "using odp global key"), no pinning;
# - UCX 1.18 (Debian 13), UCX_REG_NONBLOCK_MEM_TYPES=host: an explicit
#   ODP MR of each user buffer (UCX_IB_REG_METHODS is gone; rxe0's memory
#   domain must advertise non-blocking registration of host memory).
# Every run must exit 0 on both sides; the ODP runs must fault pages in
# and the pinned one must not (the device's page_faults counter). tag_bw
# in rendezvous (4 MiB on one guest; across two, 32 KiB: qemu's UDP link
# between the guests stalls on bigger messages, pinned or not) and
# ucp_put_bw reach the user's buffers through the MR (GET and PUT). A tag
# message sent eagerly goes through UCX's own (pinned) bounce buffers and
# faults nothing, so the rendezvous threshold is 8 KiB: UCX 1.18's
# protocol selection (UCX_PROTO_INFO=y) sends even 4 MiB between two
# processes on one guest as "multi-frag eager copy-in copy-out" over
# rc_verbs, where UCX 1.13 chose rendezvous (its ODP runs faulted, 1.18's
# none until the threshold was set). Likewise UCX_ZCOPY_THRESH=8k for
# ucp_put_bw: across two guests UCX 1.18 sends a 32 KiB PUT by copy
# (bcopy), and node 1's buffer, whose faults the test counts, never
# reached the MR (no fault on node 1).
#
# Issue 13: UCX 1.11-1.14 free the implicit MR at exit by handing its
# memory handle to a function that takes a parameter struct (ib_md.c,
# uct_ib_md_release_reg_method()), which reads the MR's lkey as the
# struct's field mask: an lkey with bit 0 set makes it dereference
# address 0x1 + 0x10 and die with SIGSEGV at 0x11 after the last message;
# an even lkey makes it return an error and leave the MR to the kernel's
# cleanup at close. rxe's implicit ODP MRs have even keys (patch 0007 /
# 6.12's 0005); with random keys half the runs crashed. Each implicit ODP
# run is repeated, so that a key with bit 0 set would show; explicit ODP
# MRs are freed by ibv_dereg_mr() and each run is done once.
. "$(dirname "$0")/lib.sh"

command -v ucx_perftest >/dev/null || fail "ucx_perftest not installed (ucx-utils)"
ucx_perftest_opts
ucx_odp_setup || fail "$(ucx_info -v | head -n1): neither UCX_IB_REG_METHODS nor non-blocking registration on $DEV (ucx_info -c, -d)"
note "UCX's ODP here: $UCX_ODP_MODE (${UCX_ODP[*]})"
if [ "$UCX_ODP_MODE" = implicit ]; then
	ibv_devinfo -v -d "$DEV" | grep -q ODP_SUPPORT_IMPLICIT || skip "$DEV reports no implicit ODP"
	repeat=3
else
	repeat=1
fi

final() { grep -m1 'Final:' <<<"$1"; }

# run WHAT REPEAT pinned|odp ENV... -- ARGS... (odp: with UCX_ODP)
run() {
	local what=$1 n=$2 reg=$3 i out f0 f1 env=()
	shift 3
	[ "$reg" = odp ] && env=("${UCX_ODP[@]}")
	set -- ${env[@]+"${env[@]}"} "$@"
	for i in $(seq "$n"); do
		f0=$(dev_counter page_faults)
		out=$(ucx_perftest_pair UCX_LOG_LEVEL=debug "$@" 2>&1) ||
			{ grep -v ' DEBUG ' <<<"$out"; fail "$what (run $i)"; }
		f1=$(dev_counter page_faults)
		final "$out" >/dev/null || { grep -v ' DEBUG ' <<<"$out"; fail "$what: no final figures"; }
		echo "$what, run $i: $(final "$out"); page faults $((f1 - f0))"
		if [ "$reg" = odp ]; then
			[ "$UCX_ODP_MODE" != implicit ] || grep -q 'using odp global key' <<<"$out" ||
				fail "$what: UCX did not use its implicit ODP MR"
			[ $((f1 - f0)) -gt 0 ] || fail "$what: no page fault on an ODP run"
		else
			[ $((f1 - f0)) -eq 0 ] || fail "$what: page faults on a pinned run"
		fi
	done
}

tls=UCX_TLS=rc_verbs,ud_verbs
if [ -n "${RXE_ODP_PEER_IP:-}" ]; then
	tag=(UCX_RNDV_THRESH=8k -- -t tag_bw -s 32768 -n 50) put=32768 size="32 KiB"
else
	tag=(UCX_RNDV_THRESH=8k -- -t tag_bw -s 4194304 -n 8) put=65536 size="4 MiB"
fi
run "tag_bw $size, pinned" 1 pinned $tls "${tag[@]}"
run "tag_bw $size, ODP" $repeat odp $tls "${tag[@]}"
run "ucp_put_bw $put B, ODP" $repeat odp $tls UCX_ZCOPY_THRESH=8k -- -t ucp_put_bw -s $put -n 50
