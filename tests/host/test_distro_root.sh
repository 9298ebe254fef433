#!/bin/bash
# scripts/distro-root.sh against stand-ins for debootstrap, chroot and
# mount: a root is made in a temporary directory and renamed only when
# complete, a failed or interrupted build leaves nothing that a later run
# would take for a root, and a complete root is reused as it is. Nothing
# is downloaded.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { skip "distro-root.sh" "needs root (it refuses to run otherwise)"; done_testing; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin"

# debootstrap: counts its calls; FAKE_DEBOOTSTRAP=fail fails half-way
# (something written), anything else makes a skeleton root.
cat >"$tmp/bin/debootstrap" <<'EOF'
#!/bin/bash
echo x >>"$FAKE_CALLS"
target=${@: -2:1}
mkdir -p "$target/usr/sbin" "$target/proc" "$target/var/log"
[ "${FAKE_DEBOOTSTRAP:-ok}" != fail ] || { echo "E: fake failure"; exit 1; }
echo "I: Base system installed successfully."
EOF
# chroot: dpkg-query lists one package; the rest (apt-get) exits
# FAKE_APT_RC.
cat >"$tmp/bin/chroot" <<'EOF'
#!/bin/bash
shift
case $1 in
dpkg-query) echo "rdma-core 99.1-1" ;;
*) exit "${FAKE_APT_RC:-0}" ;;
esac
EOF
printf '#!/bin/sh\nexit 0\n' >"$tmp/bin/mount"
cp "$tmp/bin/mount" "$tmp/bin/umount"
chmod +x "$tmp"/bin/*

# make DIR: distro-root.sh with the stand-ins.
make() {
	env PATH="$tmp/bin:$PATH" FAKE_CALLS="$tmp/calls" \
		"$ROOT/scripts/distro-root.sh" trixie "$1"
}
calls() { wc -l <"$tmp/calls" 2>/dev/null || echo 0; }

d=$tmp/cache/root-trixie-x
export FAKE_APT_RC=100
check_status "a failed apt-get fails the build" 1 'apt-get install in the trixie root failed' make "$d"
unset FAKE_APT_RC
check "...and leaves no root and no temporary directory" sh -c "[ ! -e '$d' ] && ! ls -d '$d'.tmp-* 2>/dev/null"
export FAKE_DEBOOTSTRAP=fail
check_status "a failed debootstrap fails the build" 1 'debootstrap trixie failed' make "$d"
unset FAKE_DEBOOTSTRAP
check "...and leaves no root, no temporary directory, its log" \
	sh -c "[ ! -e '$d' ] && ! ls -d '$d'.tmp-* 2>/dev/null && grep -q 'fake failure' '$d.failed.log'"

# an interrupted build: its process (a pid that cannot exist) is gone
mkdir -p "$d.tmp-99999999/usr"
rm -f "$tmp/calls"
check_status "after an interrupted build, a new build" 0 'removing an interrupted build' make "$d"
check "...makes a complete root, its packages listed" \
	sh -c "grep -q '^trixie ' '$d/.complete' && grep -qx 'rdma-core 99.1-1' '$d/.packages'"
check "...and leaves no temporary directory (the interrupted one neither)" \
	sh -c "! ls -d '$d'.tmp-* 2>/dev/null"
check "...nor the policy-rc.d that kept daemons from starting in it" test ! -e "$d/usr/sbin/policy-rc.d"
check_status "a complete root is reused" 0 'already in' make "$d"
check "...without running debootstrap again" test "$(calls)" = 1

mkdir -p "$tmp/cache/half"
check_status "a directory that is not a complete root is refused, not used" 1 'not a complete root' \
	make "$tmp/cache/half"
done_testing
