#!/bin/bash
# nodes: 1 2
# examples/odp_file_target, the zero-copy storage target: a file on ext4
# (a loop device in the guest; on node 2 in a two-guest run) is mapped
# MAP_SHARED and registered ODP; the client RDMA READs every block and
# checks it against what the target wrote into the file, RDMA WRITEs new
# blocks, asks the target to persist (msync), and the target checks the
# file on disk with O_DIRECT. The target's MR must have faulted the file's
# pages in: the page cache is the RDMA buffer.
# Then the same through a --bounce target (what the benchmark compares
# against: every block copied between the file and a pinned buffer, on
# the client's request): the same bytes must reach the client and the
# disk, and the target must have copied each byte once each way.
#
#   t_odp_file_target.sh --target          the target's side (run by the test)
#   t_odp_file_target.sh --target-bounce   the --bounce target's side
. "$(dirname "$0")/lib.sh"

bin=$UBUILD/odp_file_target
[ -x "$bin" ] || fail "odp_file_target not built"
size=8M

# the target's side: ext4 on a loop device, the target on a file there
if [ "${1:-}" = --target ]; then
	file_target_on ext4_on_loop "$size" : --fill 0x1111 --check 0x2222
	exit
fi
if [ "${1:-}" = --target-bounce ]; then
	file_target_on ext4_on_loop "$size" : --bounce -b 65536 --fill 0x3333 --check 0x4444
	exit
fi

out=$(client_server bash "$0" --target -- \
	"$bin" -d "$DEV" -g "$GIDX" -b 65536 --read 0x1111 --write 0x2222 -c "$(server_ip)") ||
	{ echo "$out"; fail "odp_file_target"; }
echo "$out"
grep -q '^client: RDMA READ of 8388608 bytes.*every byte checked' <<<"$out" || fail "no READ summary"
grep -q '^client: the target persisted the file' <<<"$out" || fail "no persist"
grep -q '^on disk: all 8388608 bytes of .* hold the pattern of 0x2222' <<<"$out" ||
	fail "the client's writes are not on disk"
faults=$(awk '/^target: this MR:/ { for (i = 1; i < NF; i++) if ($i == "page_faults") print $(i + 1) }' <<<"$out")
[ "${faults:-0}" -gt 0 ] || fail "the target's ODP MR took no page fault"
note "the target's MR faulted $faults pages of the file's page cache in"

out=$(client_server bash "$0" --target-bounce -- \
	"$bin" -d "$DEV" -g "$GIDX" -b 65536 --read 0x3333 --write 0x4444 -c "$(server_ip)") ||
	{ echo "$out"; fail "odp_file_target, --bounce target"; }
echo "$out"
grep -q '^client: RDMA READ of 8388608 bytes.*every byte checked, through the target.s bounce buffer' <<<"$out" ||
	fail "bounce: no READ summary"
grep -q '^client: RDMA WRITE of 8388608 bytes.*through the target.s bounce buffer' <<<"$out" ||
	fail "bounce: no WRITE summary"
grep -q '^on disk: all 8388608 bytes of .* hold the pattern of 0x4444' <<<"$out" ||
	fail "bounce: the client's writes are not on disk"
grep -q '^target: copied through the bounce buffer: 8388608 bytes read from the file, 8388608 written to it' <<<"$out" ||
	fail "bounce: the target did not copy each byte once each way"
