#!/bin/bash
# cmake --install puts libodp, its header, pkg-config file and man pages,
# and the libodp-advise.so preload in the standard (GNUInstallDirs) places;
# a program builds against the installed copy with pkg-config alone.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

command -v cmake >/dev/null && command -v pkg-config >/dev/null ||
	{ skip install "cmake or pkg-config missing"; done_testing; }
b=$tmp/build dest=$tmp/dest
quiet() { "$@" >"$tmp/log" 2>&1 || { sed 's/^/#   /' "$tmp/log" | tail -n 20; return 1; }; }
check "configure with prefix /usr" \
	quiet cmake -S "$ROOT" -B "$b" -DCMAKE_INSTALL_PREFIX=/usr -Wno-dev
check "build libodp, libodp-advise.so and the examples" \
	quiet cmake --build "$b" --target odp odp-advise odp_pingpong odp_file_target
check "cmake --install with DESTDIR" \
	quiet env DESTDIR="$dest" cmake --install "$b"

libdir=/usr/lib/$(gcc -print-multiarch)
for f in "$libdir/libodp.so.0.1" "$libdir/libodp.so.0" "$libdir/libodp.so" \
	"$libdir/libodp-advise.so" "$libdir/pkgconfig/libodp.pc" \
	/usr/include/rxe-odp/odp.h /usr/share/man/man3/libodp.3 \
	/usr/share/man/man3/odp_advise_mr.3 /usr/share/man/man3/odp_query_caps.3 \
	/usr/share/man/man3/odp_transport_caps.3 \
	/usr/share/man/man3/odp_query_dev_counters.3 \
	/usr/share/man/man3/odp_query_mr_counters.3 \
	/usr/share/man/man7/libodp-advise.7 /usr/bin/odp_pingpong /usr/bin/odp_file_target \
	/usr/share/man/man1/odp_pingpong.1 /usr/share/man/man1/odp_file_target.1; do
	check "installed $f" test -e "$dest$f"
done
check "libodp.so.0 is the soname" \
	bash -c "readelf -d '$dest$libdir/libodp.so.0.1' | grep -q 'SONAME.*\[libodp.so.0\]'"
check "libodp exports only odp_ functions" \
	bash -c "[ \"\$(nm -D --defined-only '$dest$libdir/libodp.so.0.1' | awk '\$2 == \"T\" {print \$3}' | grep -vc '^odp_')\" = 0 ]"
check "the preload exports only ibv_open_device and ibv_import_device, versioned" \
	bash -c "[ \"\$(nm -D --defined-only '$dest$libdir/libodp-advise.so' | awk '\$2 == \"T\" {print \$3}' | sort | tr '\n' ' ')\" = 'ibv_import_device@@IBVERBS_1.10 ibv_open_device@@IBVERBS_1.1 ' ]"
check "the preload needs nothing but libc" \
	bash -c "[ \"\$(readelf -d '$dest$libdir/libodp-advise.so' | grep NEEDED | grep -vc libc.so)\" = 0 ]"
check "a program that opens no device runs under the preload" \
	env LD_PRELOAD="$dest$libdir/libodp-advise.so" /bin/true
check "the man pages format without warnings (groff)" \
	bash -c "for m in '$dest'/usr/share/man/man3/libodp.3 '$dest'/usr/share/man/man7/libodp-advise.7 \
		'$dest'/usr/share/man/man1/odp_pingpong.1 '$dest'/usr/share/man/man1/odp_file_target.1; do
		[ -z \"\$(groff -man -ww -z \"\$m\" 2>&1)\" ] || exit 1; done"

cat >"$tmp/use.c" <<'EOF2'
#include <errno.h>
#include <rxe-odp/odp.h>

int main(void)
{
	struct odp_caps caps = { .general = IBV_ODP_SUPPORT, .rc = IBV_ODP_SUPPORT_READ };

	if (odp_query_caps(NULL, &caps) != EINVAL || caps.rc)
		return 1;
	caps.general = IBV_ODP_SUPPORT;
	caps.rc = IBV_ODP_SUPPORT_READ;
	return odp_transport_caps(&caps, IBV_QPT_RC) == IBV_ODP_SUPPORT_READ ? 0 : 1;
}
EOF2
pc="env PKG_CONFIG_SYSROOT_DIR=$dest PKG_CONFIG_PATH=$dest$libdir/pkgconfig"
check "pkg-config knows libodp" $pc pkg-config --exists libodp
check "a program builds with pkg-config --cflags --libs libodp" \
	bash -c "gcc -Wall -Werror -o '$tmp/use' '$tmp/use.c' \$($pc pkg-config --cflags --libs libodp)"
check "and runs against the installed library" \
	env LD_LIBRARY_PATH="$dest$libdir" "$tmp/use"
done_testing
