#!/bin/bash
# nodes: 2
# debug: no
# The storage target serving a file four times larger than the memory it
# may use, to a client on the other guest (issue 14 item 3):
# examples/odp_file_target on node 2 in a memory cgroup of 8 MiB with no
# swap, a 32 MiB file on ext4 (a loop device); the client on node 1 RDMA
# READs every block (checked against what the target wrote into the file),
# RDMA WRITEs every block, the target persists and reads the disk back with
# O_DIRECT. Reclaim writes the file's pages back and evicts them from
# under the target's ODP MR while the client streams across the wire, and
# the MR faults them back in: the MR must have taken invalidations and
# more page faults than the file has pages, the cgroup must have been at
# its limit (memory.events max) and nothing OOM-killed, and every byte
# must be right on both sides. (The same through the loopback QP pair:
# odp_mm_tests' memcg_file_larger_than_limit.)
#
#   t_odp_file_evict.sh --target   the target's side (run by the test)
. "$(dirname "$0")/lib.sh"

bin=$UBUILD/odp_file_target
[ -x "$bin" ] || fail "odp_file_target not built"
size=$((32 * 1048576))
limit=$((8 * 1048576))

# the target's side: ext4 on a loop device (set up outside the cgroup),
# then the target in a cgroup of its own
if [ "${1:-}" = --target ]; then
	memcg_on
	cg=/sys/fs/cgroup/odp-file-evict-$$
	mkdir "$cg" && echo $limit >"$cg/memory.max" && echo 0 >"$cg/memory.swap.max" ||
		fail "cannot make a memory cgroup of $limit bytes without swap"
	dir=$(mktemp -d)
	ext4_on_loop "$dir" || { rmdir "$cg"; rm -rf "$dir"; fail "no ext4 on a loop device"; }
	truncate -s $size "$dir/mnt/data"
	rc=0
	(echo "$BASHPID" >"$cg/cgroup.procs" &&
		exec "$bin" -d "$DEV" -g "$GIDX" --fill 0x5151 --check 0x6262 "$dir/mnt/data") || rc=$?
	echo "target's cgroup: memory.max $(cat "$cg/memory.max"), peak usage $(cat "$cg/memory.peak" 2>/dev/null || echo -)," \
		"memory.events: $(tr '\n' ' ' <"$cg/memory.events")"
	umount "$dir/mnt" || rc=1
	rm -rf "$dir"
	rmdir "$cg" || rc=1
	exit $rc
fi

out=$(client_server bash "$0" --target -- \
	"$bin" -d "$DEV" -g "$GIDX" -b 65536 --read 0x5151 --write 0x6262 -c "$(server_ip)") ||
	{ echo "$out"; fail "odp_file_target with the target in a cgroup of a quarter of the file"; }
echo "$out"
grep -q "^client: RDMA READ of $size bytes.*every byte checked" <<<"$out" || fail "no READ summary"
grep -q '^client: the target persisted the file' <<<"$out" || fail "no persist"
grep -q "^on disk: all $size bytes of .* hold the pattern of 0x6262" <<<"$out" ||
	fail "the client's writes are not on disk"
mr=$(grep '^target: this MR:' <<<"$out") || fail "no counters of the target's MR"
faults=$(field page_faults "$mr")
invals=$(field page_invalidations "$mr")
events=$(grep "^target's cgroup:" <<<"$out") || fail "no memory.events of the target's cgroup"
max=$(field max "$events")
oom_kill=$(field oom_kill "$events")
note "target's MR: $faults page faults, $invals page invalidations ($((size / 4096)) pages in the file); cgroup max events ${max:-?}, oom_kill ${oom_kill:-?}"
[ "${max:-0}" -gt 0 ] || fail "the target's cgroup never reached its limit: no eviction was forced"
[ "${oom_kill:-1}" = 0 ] || fail "the cgroup OOM-killed ($oom_kill)"
[ "${invals:-0}" -gt 0 ] || fail "no page of the target's MR was invalidated: nothing was evicted from under it"
[ "${faults:-0}" -gt $((size / 4096)) ] ||
	fail "the target's MR faulted ${faults:-0} pages, not more than the file's $((size / 4096)): nothing evicted was faulted back"
