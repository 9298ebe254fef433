#!/bin/bash
# nodes: 1 2
# examples/odp_file_target on a DAX filesystem: ext4 mounted -o dax on
# emulated persistent memory (memmap= on the guest's command line: legacy
# pmem, /dev/pmem0), on node 2 in a two-guest run. The file's pages are
# the persistent memory itself, with no page cache in between, and such a
# mapping cannot be pinned for RDMA (long-term pins of fsdax pages are
# refused): a pinned registration of it must fail with EOPNOTSUPP, as
# mlx5's does, and an ODP registration must carry the client's RDMA READs
# and WRITEs, its writes reaching the medium (read back with O_DIRECT,
# which DAX serves from the medium itself).
#
#   t_odp_dax.sh --target   the target's side (run by the test)
. "$(dirname "$0")/lib.sh"

bin=$UBUILD/odp_file_target
[ -x "$bin" ] || fail "odp_file_target not built"
size=8M

# dax_mount DIR: ext4 with DAX on /dev/pmem0 at DIR/mnt.
dax_mount() {
	local _ mnt=$1/mnt
	modprobe -q nd_e820 2>/dev/null; modprobe -q nd_pmem 2>/dev/null; modprobe -q ext4 2>/dev/null
	for _ in $(seq 100); do [ -b /dev/pmem0 ] && break; sleep 0.1; done
	[ -b /dev/pmem0 ] || { echo "FAIL: no /dev/pmem0 (memmap= on the command line, nd_e820, nd_pmem)"; return 1; }
	# DAX needs the filesystem's block size to be the page size: small
	# filesystems get 1 KiB blocks by default
	mkfs.ext4 -q -F -b 4096 /dev/pmem0 || { echo "FAIL: mkfs.ext4 /dev/pmem0"; return 1; }
	mkdir -p "$mnt"
	mount -o dax /dev/pmem0 "$mnt" || { echo "FAIL: ext4 -o dax on /dev/pmem0 refused"; return 1; }
	awk -v d="$mnt" '$2 == d { print }' /proc/mounts
	awk -v d="$mnt" '$2 == d && $4 ~ /(^|,)dax/ { found = 1 } END { exit !found }' /proc/mounts ||
		{ echo "FAIL: $mnt is not mounted with DAX"; return 1; }
}

# pin_refused FILE: a pinned registration of FILE's mapping fails with
# EOPNOTSUPP. Were it to succeed, the target would wait for a client:
# the timeout ends it, and the test fails.
pin_refused() {
	local out rc=0
	out=$(timeout 60 "$bin" -d "$DEV" -g "$GIDX" --pin "$1" 2>&1) || rc=$?
	echo "$out"
	[ $rc -ne 0 ] && grep -q 'pinned registration of the mapping of .*: Operation not supported' <<<"$out" ||
		{ echo "FAIL: a pinned registration of a DAX mapping was not refused with EOPNOTSUPP (exit $rc)"; return 1; }
	echo "ok: the DAX mapping cannot be pinned (EOPNOTSUPP)"
}

# the target's side: the target on a file of the DAX filesystem, once a
# pinned registration of it was refused
if [ "${1:-}" = --target ]; then
	file_target_on dax_mount "$size" pin_refused --fill 0x3333 --check 0x4444
	exit
fi

out=$(client_server bash "$0" --target -- \
	"$bin" -d "$DEV" -g "$GIDX" -b 65536 --read 0x3333 --write 0x4444 -c "$(server_ip)") ||
	{ echo "$out"; fail "odp_file_target on DAX"; }
echo "$out"
grep -q '^ok: the DAX mapping cannot be pinned' <<<"$out" || fail "the pinned registration was not tried"
grep -q '^client: RDMA READ of 8388608 bytes.*every byte checked' <<<"$out" || fail "no READ summary"
grep -q '^client: the target persisted the file' <<<"$out" || fail "no persist"
grep -q '^on disk: all 8388608 bytes of .* hold the pattern of 0x4444' <<<"$out" ||
	fail "the client's writes are not on the medium"
faults=$(awk '/^target: this MR:/ { for (i = 1; i < NF; i++) if ($i == "page_faults") print $(i + 1) }' <<<"$out")
[ "${faults:-0}" -gt 0 ] || fail "the target's ODP MR took no page fault"
note "the target's ODP MR faulted $faults pages of persistent memory in"
