#!/bin/bash
# The build refuses mismatched kernel packages, and a patch that no longer
# applies, with a message that says what to do.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A dpkg-query that reports the source package one upload behind.
fake_dpkg_query "$tmp/bin" 6.1.999-1
check_status "source and headers of different uploads stop the build" 1 \
	'versions differ: linux-source-6.1 6.1.999-1, linux-headers-6.1.0-99-amd64 6.1.1000-1' \
	env PATH="$tmp/bin:$PATH" bash -c ". '$ROOT/scripts/common.sh'; check_kernel_versions \$(guest_kver)"

# need_kernel_pkgs on a machine whose kernel packages are of different
# uploads: it installs (upgrades) the three together instead of leaving
# them to the version check (a stand-in apt-get records what it was asked).
cat >"$tmp/bin/apt-get" <<EOF2
#!/bin/sh
echo "\$*" >>"$tmp/apt-get.args"
EOF2
chmod +x "$tmp/bin/apt-get"
check_status "mismatched kernel packages are installed together, then checked" 1 \
	'versions differ: linux-source-6.1 6.1.999-1' \
	env PATH="$tmp/bin:$PATH" RXE_ODP_BUILD="$tmp" _RXE_ODP_APT_UPDATED=1 \
	bash -c ". '$ROOT/scripts/common.sh'; need_kernel_pkgs"
check "apt-get was asked for linux-image-amd64 linux-headers-amd64 linux-source-6.1 in one call" \
	grep -q 'install .*linux-image-amd64 linux-headers-amd64 linux-source-6.1$' "$tmp/apt-get.args"
fake_dpkg_query "$tmp/bin" 6.1.1000-1
rm -f "$tmp/apt-get.args"
check_status "matching kernel packages: need_kernel_pkgs does nothing" 0 '^$' \
	env PATH="$tmp/bin:$PATH" RXE_ODP_BUILD="$tmp" bash -c ". '$ROOT/scripts/common.sh'; need_kernel_pkgs"
check "and asks apt-get for nothing" test ! -e "$tmp/apt-get.args"

# A patch series whose patch does not apply to the extracted rxe sources.
if [ -f /usr/src/linux-source-6.1.tar.xz ] && [ -d "/lib/modules/$(ls /lib/modules | head -1)/build" ]; then
	mkdir -p "$tmp/root/kernel/patches" "$tmp/root/scripts"
	cp "$ROOT"/scripts/{common.sh,kmod-build.sh} "$tmp/root/scripts/"
	cp "$ROOT/kernel/Kbuild" "$tmp/root/kernel/"
	cat >"$tmp/root/kernel/patches/0001-bad.patch" <<'EOF2'
--- a/drivers/infiniband/sw/rxe/rxe.c
+++ b/drivers/infiniband/sw/rxe/rxe.c
@@ -1,3 +1,3 @@
-this line is not in rxe.c
+nor is this one
 at all
 really
EOF2
	echo 0001-bad.patch >"$tmp/root/kernel/patches/series"
	check_status "a patch that no longer applies stops the build and names itself" 1 \
		'patch 0001-bad.patch no longer applies to linux-source-6.1' \
		"$tmp/root/scripts/kmod-build.sh" --out "$tmp/out"
	printf -- '--- a/include/linux/mm.h\n+++ b/include/linux/mm.h\n' >"$tmp/root/kernel/patches/0001-bad.patch"
	check_status "a patch outside the rxe directory is refused" 1 'touches files outside' \
		"$tmp/root/scripts/kmod-build.sh" --out "$tmp/out2"
else
	skip "patch checks" "linux-source-6.1 or headers not installed"
fi
done_testing
