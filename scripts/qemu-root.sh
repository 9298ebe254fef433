#!/usr/bin/env bash
# The emulator the test guests run on: Debian 13's qemu-system-x86 (QEMU
# 10.0), unpacked with every library it needs into a directory under the
# cache and run through Debian 13's own dynamic loader. Nothing is
# installed on the host and its apt configuration is not touched: a
# private apt configuration (trixie, trixie-security) resolves and
# fetches the packages into DIR.
#
#   scripts/qemu-root.sh DIR     make DIR once; print DIR/bin/qemu-system-x86_64
#
# Why not Debian 12's QEMU 7.2: its TCG gets RFLAGS wrong after
# CMPXCHG16B, which it computed in a helper from a stale record of the last
# flag-setting instruction: after an ADD in the same translation block the
# flags are the ADD's source operand, reserved bits, DF and TF included
# (tests/progs/cpu_flags.c shows it; tests/guest/t_emulator.sh checks the
# emulator in every one-guest suite). The guest kernels' SLUB freelists use
# CMPXCHG16B: the 6.12 guests crashed now and then with memory corrupted
# (issue 13), RFLAGS 8474a446 and 43bf2702 in their register dumps.
# Debian 13's QEMU (its current stable) has CMPXCHG16B inline and right.
#
# DIR is made in DIR.tmp-<pid> and renamed when complete (DIR/.complete
# written last), so an interrupted fetch is never used; leftovers of one
# are removed. Callers name DIR after a hash of this script: see
# qemu_root_dir in ./rxe-odp.
set -euo pipefail
. "$(dirname "$0")/common.sh"

[ $# = 1 ] || die "usage: qemu-root.sh DIR"
dir=$(realpath -m "$1")
MIRROR=${RXE_ODP_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${RXE_ODP_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
SUITE=trixie

if [ -f "$dir/.complete" ]; then
	echo "$dir/bin/qemu-system-x86_64"
	exit 0
fi

rm -rf "$dir".tmp-*
tmp=$dir.tmp-$$
trap 'rm -rf "$tmp"' EXIT
apt=$tmp/apt root=$tmp/root
mkdir -p "$root" "$tmp/bin" "$tmp/share"
key=signed-by=/usr/share/keyrings/debian-archive-keyring.gpg
private_apt "$apt" "deb [$key] $MIRROR $SUITE main" "deb [$key] $SECURITY_MIRROR $SUITE-security main"
# (the _apt user cannot write under the cache)
echo 'APT::Sandbox::User "root";' >>"$apt/apt.conf"

log "fetching $SUITE's qemu-system-x86 into $dir (the host's QEMU stays as it is)"
APT_CONFIG=$apt/apt.conf apt-get -qq update || die "apt-get update ($SUITE) failed"
# With an empty package status, apt resolves the whole dependency closure:
# the C library and the loader included.
APT_CONFIG=$apt/apt.conf apt-get -qq -y --download-only --no-install-recommends \
	install qemu-system-x86 >"$tmp/fetch.log" 2>&1 ||
	{ cat "$tmp/fetch.log" >&2; die "cannot fetch $SUITE's qemu-system-x86"; }
for deb in "$apt"/cache/archives/*.deb; do
	dpkg-deb -x "$deb" "$root" || die "cannot unpack $deb"
	dpkg-deb -f "$deb" Package Version | paste -sd= >>"$tmp/packages"
done

# Debian 13 has merged /usr: its libraries are only under usr/lib.
ln -sfn usr/lib "$root/lib"
# QEMU finds its modules and data relative to its binary's directory when
# a qemu-bundle lies beside it (the loader's directory, here): the
# bundle's, never the host's (QEMU 7.2's modules in /usr/lib/.../qemu).
ln -sfn ../../.. "$root/usr/lib/x86_64-linux-gnu/qemu-bundle"
# Firmware: QEMU's own and SeaBIOS's (bios-256k.bin), in one -L directory.
for f in "$root"/usr/share/qemu/* "$root"/usr/share/seabios/*; do
	ln -sfn "../root/${f#"$root"/}" "$tmp/share/"
done

cat >"$tmp/bin/qemu-system-x86_64" <<'EOF'
#!/bin/bash
# Debian 13's qemu-system-x86_64, run through its own loader and libraries
# (made by scripts/qemu-root.sh).
top=$(dirname "$(dirname "$(readlink -f "$0")")")
r=$top/root
export QEMU_MODULE_DIR=$r/usr/lib/x86_64-linux-gnu/qemu
exec "$r/usr/lib64/ld-linux-x86-64.so.2" \
	--library-path "$r/usr/lib/x86_64-linux-gnu" --argv0 qemu-system-x86_64 \
	"$r/usr/bin/qemu-system-x86_64" -L "$top/share" "$@"
EOF
chmod +x "$tmp/bin/qemu-system-x86_64"

# Every library the emulator links is in the root, none from the host.
missing=$("$root/usr/lib64/ld-linux-x86-64.so.2" --library-path "$root/usr/lib/x86_64-linux-gnu" \
	--list "$root/usr/bin/qemu-system-x86_64" | grep -E 'not found|=> /(usr/)?lib/' || true)
[ -z "$missing" ] || die "$SUITE's qemu-system-x86_64 lacks libraries: $missing"
version=$("$tmp/bin/qemu-system-x86_64" --version | head -n 1) ||
	die "$SUITE's qemu-system-x86_64 does not run"
[ -f "$root/usr/share/seabios/bios-256k.bin" ] || die "no SeaBIOS in $SUITE's packages"

rm -rf "$apt"
echo "$version" >"$tmp/version"
touch "$tmp/.complete"
rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT
log "$version in $dir"
echo "$dir/bin/qemu-system-x86_64"
