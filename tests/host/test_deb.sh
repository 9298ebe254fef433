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
	'linux-headers-6.1.0-0-none is not installed' "$kb" --check --kver 6.1.0-0-none
check_status "kmod-build.sh --kver for a kernel series without patches" 1 \
	'no patch series for kernel 5.10.0-9-amd64 \(Linux 5.10\)' "$kb" --check --kver 5.10.0-9-amd64
check_status "kmod-build.sh --source without --kdir" 1 '--source needs --kdir' \
	"$kb" --source /x.tar.xz --out "$tmp/o"
# --kdir: the tree's release picks the series (a stand-in tree: the
# checks stop the build before make runs).
mkdir -p "$tmp/kdir/include/generated" && touch "$tmp/kdir/Makefile"
echo '#define UTS_RELEASE "5.4.0-1-amd64"' >"$tmp/kdir/include/generated/utsrelease.h"
check_status "kmod-build.sh --kdir of a series without patches" 1 'no patch series for kernel 5.4.0-1-amd64' \
	"$kb" --kdir "$tmp/kdir" --out "$tmp/o"
echo '#define UTS_RELEASE "6.12.0-1-amd64"' >"$tmp/kdir/include/generated/utsrelease.h"
check_status "kmod-build.sh --kdir of 6.12 takes linux-source-6.12" 1 \
	'/nowhere/linux-source-6.12.tar.xz missing \(apt-get install linux-source-6.12\)' \
	"$kb" --kdir "$tmp/kdir" --source /nowhere/linux-source-6.12.tar.xz --out "$tmp/o"

# Headers of one upload, linux-source-6.1 of another: DKMS's check fails.
fake_dpkg_query "$tmp/bin" 6.1.999-1
check_status "DKMS check: source and headers of different uploads" 1 \
	'versions differ: linux-source-6.1 6.1.999-1, linux-headers-6.1.0-99-amd64 6.1.1000-1.*' \
	env PATH="$tmp/bin:$PATH" "$kb" --check --kver 6.1.0-99-amd64
check_status "the message says how to rebuild" 1 'dkms autoinstall -k 6.1.0-99-amd64' \
	env PATH="$tmp/bin:$PATH" "$kb" --check --kver 6.1.0-99-amd64
fake_dpkg_query "$tmp/bin" 6.1.1000-1
check_status "DKMS check: one upload passes" 0 '' env PATH="$tmp/bin:$PATH" "$kb" --check --kver 6.1.0-99-amd64
# A 6.12 kernel is checked against linux-source-6.12 (the stand-in
# answers 6.1.999-1 for it too, as for any linux-source-6.1*).
fake_dpkg_query "$tmp/bin" 6.1.999-1
check_status "DKMS check of a 6.12 kernel names linux-source-6.12" 1 \
	'versions differ: linux-source-6.12 6.1.999-1, linux-headers-6.12.0-99-amd64 6.1.1000-1' \
	env PATH="$tmp/bin:$PATH" "$kb" --check --kver 6.12.0-99-amd64

# The throwaway root.
tr=$ROOT/scripts/throwaway-root.sh
rc=0
"$tr" -- true >/dev/null 2>&1 || rc=$?
if [ $rc = 77 ]; then
	skip "throwaway root" "no private mount namespace with an overlay root here"
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
	# --base: a copy of another root (here a busybox one) instead of /;
	# --out: a directory of this machine the command writes to.
	bb=$(command -v busybox || true)
	if [ -z "$bb" ] || ldd "$bb" >/dev/null 2>&1; then
		skip "throwaway root over another root (--base, --out)" "no static busybox here (busybox-static)"
	else
		base=$tmp/base
		mkdir -p "$base/bin" "$base/usr/bin" "$base/etc" "$base/dev" "$base/proc" "$base/sys" "$base/run" "$base/tmp"
		cp "$bb" "$base/bin/busybox"
		ln -s /bin/busybox "$base/bin/sh"
		ln -s /bin/busybox "$base/usr/bin/env"
		echo base >"$base/etc/only-in-base"
		echo old >"$base/etc/changed"
		mkdir -p "$tmp/out"
		check "--base: the command runs in a copy of that root and --out is writable in it" \
			"$tr" --base "$base" --out "$tmp/out" --report "$tmp/breport" -- \
			sh -c "/bin/busybox grep -qx base /etc/only-in-base && [ ! -e $ROOT/rxe-odp ] &&
				echo new >/etc/changed && echo made >/etc/made && echo out >/tmp/out/x"
		check "--base: the root is left as it was" \
			bash -c "[ ! -e '$base/etc/made' ] && [ \"\$(cat '$base/etc/changed')\" = old ]"
		check "--out: what the command wrote there is kept" bash -c "[ \"\$(cat '$tmp/out/x')\" = out ]"
		check "--base: the report compares with that root, not with this machine's /" \
			bash -c "grep -qx 'f new etc/made' '$tmp/breport' && grep -qx 'f changed etc/changed' '$tmp/breport' &&
				! grep -q 'tmp/out' '$tmp/breport'"
	fi
fi
done_testing
