#!/bin/bash
# nodes: 1 2
# examples/odp_pingpong: explicit and implicit ODP MRs, with and without
# prefetch, pages dropped between iterations; each message's content is
# checked by the program, and the device's counters must show the faults
# and invalidations that dropping pages forces.
. "$(dirname "$0")/lib.sh"

bin=$UBUILD/odp_pingpong
[ -x "$bin" ] || fail "odp_pingpong not built"

for mode in "" "-i" "-P" "-i -P"; do
	# shellcheck disable=SC2206
	args=(-d "$DEV" -g "$GIDX" -n 200 -m 40 $mode)
	out=$(client_server "$bin" "${args[@]}" -- "$bin" "${args[@]}" "$(server_ip)") ||
		{ echo "$out"; fail "odp_pingpong ${mode:-(explicit)}"; }
	client=$(sed '/^--- server/q' <<<"$out")
	echo "$client"
	grep -q '^200 iters of 4096 bytes' <<<"$client" || fail "no iteration summary"
	faults=$(field page_faults "$client")
	inval=$(field page_invalidations "$client")
	[ "${faults:-0}" -gt 0 ] || fail "mode '${mode}': dropping pages every 40 iterations took no page fault"
	[ "${inval:-0}" -gt 0 ] || fail "mode '${mode}': MADV_DONTNEED invalidated nothing"
	case $mode in
	*-P*) [ "$(field page_prefetch "$client")" -gt 0 ] || fail "prefetch brought in no page" ;;
	esac
	# the client's own MR, from libodp's per-MR counters
	mr=$(grep '^this MR:' <<<"$client") || fail "no per-MR counters line"
	[ "$(field page_faults "$mr")" -gt 0 ] || fail "mode '${mode}': the MR's counters show no fault"
	case $mode in
	*-P*) [ "$(field page_prefetch "$mr")" -gt 0 ] || fail "the MR's counters show no prefetch" ;;
	esac
done

# bad options are refused with a message
expect_fail "odp_pingpong -s 0" "$bin" -s 0
expect_fail "odp_pingpong -d nosuchdev" "$bin" -d nosuchdev
