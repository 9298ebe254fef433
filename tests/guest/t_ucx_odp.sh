#!/bin/bash
# nodes: 1 2
# debug: no
# UCX 1.13 with UCX_IB_REG_METHODS=odp: one implicit ODP MR over the whole
# address space (UCX: "using odp global key"), no pinning, against the
# same run with UCX's default registration cache (pinned). Every run must
# exit 0 on both sides; the ODP runs must fault pages in and the pinned
# one must not (the device's page_faults counter). tag_bw in rendezvous
# (4 MiB on one guest; across two, 32 KiB with the rendezvous threshold
# lowered to 8 KiB: qemu's UDP link between the guests stalls on bigger
# messages, pinned or not) and ucp_put_bw reach the user's buffers
# through the MR (GET and PUT); below UCX's threshold a tag message goes
# through UCX's own (pinned) bounce buffers and faults nothing.
#
# Issue 13: UCX 1.11-1.14 free that MR at exit by handing its memory
# handle to a function that takes a parameter struct (ib_md.c,
# uct_ib_md_release_reg_method()), which reads the MR's lkey as the
# struct's field mask: an lkey with bit 0 set makes it dereference
# address 0x1 + 0x10 and die with SIGSEGV at 0x11 after the last message;
# an even lkey makes it return an error and leave the MR to the kernel's
# cleanup at close. rxe's implicit ODP MRs have even keys (patch 0007 /
# 6.12's 0005); with random keys half the runs crashed. Each ODP run is
# repeated, so that a key with bit 0 set would show.
. "$(dirname "$0")/lib.sh"

command -v ucx_perftest >/dev/null || fail "ucx_perftest not installed (ucx-utils)"
ibv_devinfo -v -d "$DEV" | grep -q ODP_SUPPORT_IMPLICIT || skip "$DEV reports no implicit ODP"

final() { grep -m1 'Final:' <<<"$1"; }

# run WHAT REPEAT ENV... -- ARGS...
run() {
	local what=$1 n=$2 i out f0 f1
	shift 2
	for i in $(seq "$n"); do
		f0=$(dev_counter page_faults)
		out=$(ucx_perftest_pair UCX_LOG_LEVEL=debug "$@" 2>&1) ||
			{ grep -v ' DEBUG ' <<<"$out"; fail "$what (run $i)"; }
		f1=$(dev_counter page_faults)
		final "$out" >/dev/null || { grep -v ' DEBUG ' <<<"$out"; fail "$what: no final figures"; }
		echo "$what, run $i: $(final "$out"); page faults $((f1 - f0))"
		case " $* " in
		*" UCX_IB_REG_METHODS=odp "*)
			grep -q 'using odp global key' <<<"$out" || fail "$what: UCX did not use its implicit ODP MR"
			[ $((f1 - f0)) -gt 0 ] || fail "$what: no page fault on an ODP run"
			;;
		*) [ $((f1 - f0)) -eq 0 ] || fail "$what: page faults on a pinned run" ;;
		esac
	done
}

tls=UCX_TLS=rc_verbs,ud_verbs
if [ -n "${RXE_ODP_PEER_IP:-}" ]; then
	tag=(UCX_RNDV_THRESH=8k -- -t tag_bw -s 32768 -n 50) put=32768 size="32 KiB"
else
	tag=(-- -t tag_bw -s 4194304 -n 8) put=65536 size="4 MiB"
fi
run "tag_bw $size, pinned" 1 $tls "${tag[@]}"
run "tag_bw $size, ODP" 3 $tls UCX_IB_REG_METHODS=odp "${tag[@]}"
run "ucp_put_bw $put B, ODP" 3 $tls UCX_IB_REG_METHODS=odp -- -t ucp_put_bw -s $put -n 50
