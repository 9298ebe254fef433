#!/usr/bin/env bash
# Run a command as root of a throwaway copy of this machine: in a private
# mount namespace, an overlay over / whose upper layer is a tmpfs, chrooted.
# Whatever the command installs, builds or removes lands in the tmpfs and
# is gone when it ends; the machine is left exactly as it was.
#
#   scripts/throwaway-root.sh [--base DIR] [--in DIR] [--out DIR] [--keep TAR]
#                             [--report FILE] -- CMD [ARG...]
#
# --base DIR     a copy of the root filesystem DIR (another Debian release,
#                made by scripts/distro-root.sh) instead of this machine's
#                /; DIR is left as it was, and --report compares with it
# --in DIR       copied to /tmp/in inside the throwaway root first
# --out DIR      this machine's DIR, writable at /tmp/out inside: what the
#                command leaves there outlives the throwaway root
# --keep TAR     after CMD, what it left in the root (the overlay's upper
#                layer) as a tar, and TAR.deleted listing the machine's
#                files it removed: tests/deb/lib.sh's apply_state replays
#                both on another root (a guest's)
# --report FILE  after CMD, what the throwaway root changed against the
#                machine, one line per entry of the upper layer:
#                "TYPE STATE PATH", TYPE as find's %y, STATE one of
#                new (not on the machine), same (identical content,
#                directories: exists), changed, deleted (a whiteout)
# Exit status: CMD's; 77 when this machine cannot make a private mount
# namespace with an overlay root (an unprivileged container).
set -euo pipefail
. "$(dirname "$0")/common.sh"

base=/ in="" out="" report="" keep=""
while [ $# -gt 0 ]; do
	case $1 in
	--base) base=$(realpath "$2"); shift 2 ;;
	--in) in=$(realpath "$2"); shift 2 ;;
	--out) out=$(realpath "$2"); shift 2 ;;
	--report) report=$(realpath -m "$2"); shift 2 ;;
	--keep) keep=$(realpath -m "$2"); shift 2 ;;
	--) shift; break ;;
	*) die "throwaway-root.sh: unknown argument '$1'" ;;
	esac
done
[ $# -gt 0 ] || die "throwaway-root.sh: no command"
[ "$(id -u)" = 0 ] || { echo "throwaway-root.sh: needs root"; exit 77; }

top=$(mktemp -d /tmp/rxe-odp-root.XXXXXX)
trap 'rmdir "$top" 2>/dev/null || true' EXIT

# The inner script runs in the new mount namespace; its mounts vanish
# with it (nothing propagates back: --propagation private).
# shellcheck disable=SC2016
inner='
set -eu
top=$1 base=$2 in=$3 out=$4 report=$5 keep=$6
shift 6
mount -t tmpfs -o mode=0755 rxe-odp-root "$top" || exit 77
mkdir "$top/upper" "$top/work" "$top/root"
mount -t overlay rxe-odp-root -o lowerdir="$base",upperdir="$top/upper",workdir="$top/work" "$top/root" ||
	exit 77
r=$top/root
mount --rbind /dev "$r/dev"
mount -t proc proc "$r/proc"
mount -t sysfs sysfs "$r/sys"
mount -t tmpfs tmpfs "$r/run"
if [ -n "$in" ]; then mkdir -p "$r/tmp/in"; cp -a "$in/." "$r/tmp/in/"; fi
if [ -n "$out" ]; then mkdir -p "$r/tmp/out"; mount --bind "$out" "$r/tmp/out"; fi
rc=0
chroot "$r" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	LANG=C.UTF-8 "$@" || rc=$?
umount -R "$r/dev" "$r/proc" "$r/sys" "$r/run" 2>/dev/null || true
[ -z "$out" ] || umount "$r/tmp/out"
rm -rf "$top/upper/tmp/in" "$top/upper/tmp/out"
if [ -n "$keep" ]; then
	(cd "$top/upper" && find . -mindepth 1 -type c -printf "%P\n" | sort) >"$keep.deleted"
	tar -C "$top/upper" --exclude-from="$keep.deleted" -cf "$keep" .
fi
if [ -n "$report" ]; then
	(cd "$top/upper" && find . -mindepth 1 -printf "%y %P\n") | sort -k2 | while read -r type path; do
		if [ "$type" = c ] && [ "$(stat -c %t:%T "$top/upper/$path")" = 0:0 ]; then
			state=deleted
		elif [ ! -e "$base/$path" ] && [ ! -L "$base/$path" ]; then
			state=new
		elif [ "$type" = d ] && [ -d "$base/$path" ]; then
			state=same
		elif [ "$type" = l ] && [ "$(readlink "$top/upper/$path")" = "$(readlink "$base/$path")" ]; then
			state=same
		elif [ "$type" = f ] && cmp -s "$top/upper/$path" "$base/$path"; then
			state=same
		else
			state=changed
		fi
		echo "$type $state $path"
	done >"$report"
fi
exit $rc
'
unshare -m --propagation private bash -c "$inner" inner "$top" "$base" "$in" "$out" "$report" "$keep" "$@"
