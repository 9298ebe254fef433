#!/bin/bash
# nodes: 1 2
# Writeback and the NIC's writes (issue 14 item 4): the storage target's
# file on ext4 (a loop device; node 2 in a two-guest run) takes three
# rounds of RDMA WRITEs over all of it. After each of the first two the
# target persists (msync) and reads the file on disk back with O_DIRECT:
# each round's pattern must be there, so a page that writeback cleaned
# (and write-protected, which invalidates the NIC's mirror) and the NIC
# then wrote again was dirtied again. The last round is not persisted by
# the client: the target deregisters and unmaps, then finds it on disk.
#
#   t_odp_file_writeback.sh --target   the target's side (run by the test)
. "$(dirname "$0")/lib.sh"

bin=$UBUILD/odp_file_target
[ -x "$bin" ] || fail "odp_file_target not built"
size=4M

if [ "${1:-}" = --target ]; then
	file_target_on ext4_on_loop "$size" : --fill 0x5550 --check 0x5553
	exit
fi

out=$(client_server bash "$0" --target -- \
	"$bin" -d "$DEV" -g "$GIDX" -b 65536 --read 0x5550 --write 0x5551 --rounds 3 --no-persist \
	-c "$(server_ip)") || { echo "$out"; fail "odp_file_target, three write rounds"; }
echo "$out"
for r in 1 2; do
	grep -q "^client: round $r: the target persisted the file and found the pattern of 0x555$r on disk" <<<"$out" ||
		fail "round $r's writes are not on disk after msync"
done
[ "$(grep -c '^client: RDMA WRITE of 4194304 bytes' <<<"$out")" -eq 3 ] || fail "not three WRITE rounds"
grep -q '^client: the target persisted' <<<"$out" && fail "the last round was persisted by msync"
grep -q '^on disk: all 4194304 bytes of .* hold the pattern of 0x5553' <<<"$out" ||
	fail "the last round's writes are not on disk after dereg and munmap"
inval=$(awk '/^target: this MR:/ { for (i = 1; i < NF; i++) if ($i == "page_invalidations") print $(i + 1) }' <<<"$out")
[ "${inval:-0}" -gt 0 ] || fail "writeback invalidated nothing of the MR (msync write-protects what it cleans)"
note "three rounds on disk; writeback invalidated $inval pages of the MR"
