#!/bin/bash
# Host-side pieces of the Debian package: the DKMS entry of kmod-build.sh
# (--kver, --check) and its version check, and the throwaway root the
# package test installs into, which must leave this machine as it was.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
kb=$ROOT/scripts/kmod-build.sh

check_status "package with stray arguments" 2 "package: unexpected 'now'" "$ROOT/rxe-odp" package now
check_status "kmod-build.sh --kdir with --kver" 1 'exclude each other' "$kb" --kdir /x --kver y --out "$tmp/o"
check_status "kmod-build.sh --kver without a value" 1 '--kver needs a value' "$kb" --kver
check_status "kmod-build.sh --kver for a kernel without Debian headers" 1 \
	'linux-headers-0.0.0-none is not installed' "$kb" --check --kver 0.0.0-none

# Headers of one upload, linux-source-6.1 of another: DKMS's check fails.
fake_dpkg_query "$tmp/bin" 6.1.999-1
check_status "DKMS check: source and headers of different uploads" 1 \
	'versions differ: linux-source-6.1 6.1.999-1, linux-headers-6.1.0-99-amd64 6.1.1000-1.*' \
	env PATH="$tmp/bin:$PATH" "$kb" --check --kver 6.1.0-99-amd64
check_status "the message says how to rebuild" 1 'dkms autoinstall -k 6.1.0-99-amd64' \
	env PATH="$tmp/bin:$PATH" "$kb" --check --kver 6.1.0-99-amd64
fake_dpkg_query "$tmp/bin" 6.1.1000-1
check_status "DKMS check: one upload passes" 0 '' env PATH="$tmp/bin:$PATH" "$kb" --check --kver 6.1.0-99-amd64

# The throwaway root.
tr=$ROOT/scripts/throwaway-root.sh
rc=0
"$tr" -- true >/dev/null 2>&1 || rc=$?
if [ $rc = 77 ]; then
	echo "ok - throwaway root # SKIP no private mount namespace with an overlay root here"
else
	mark=/etc/rxe-odp-throwaway-test.$$
	victim=$tmp/victim
	echo keep >"$victim"
	mkdir -p "$tmp/in" && echo payload >"$tmp/in/p"
	check "throwaway root runs a command that changes the machine's files" \
		"$tr" --in "$tmp/in" --report "$tmp/report" --keep "$tmp/keep.tar" -- \
		sh -c "echo x >$mark && rm $victim && echo changed >/etc/hostname.rxe-odp-test.$$ && grep -q payload /tmp/in/p"
	check "the machine is left as it was" bash -c "[ ! -e $mark ] && [ \"\$(cat $victim)\" = keep ]"
	check "the report names what was made and removed" \
		bash -c "grep -qx 'f new ${mark#/}' '$tmp/report' && grep -qx 'c deleted ${victim#/}' '$tmp/report'"
	check "the kept state holds the made file and lists the removed one" \
		bash -c "tar -tf '$tmp/keep.tar' | grep -qx './${mark#/}' && grep -qx '${victim#/}' '$tmp/keep.tar.deleted'"
	check "the command's status is passed on" bash -c "! '$tr' -- false"
fi
done_testing
