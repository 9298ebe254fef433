#!/bin/bash
# Install the packages in /tmp/in (a throwaway root): DKMS builds
# rdma_rxe_odp against the installed headers, the modprobe configuration
# makes it the rxe driver, libodp-dev links.
. "$(dirname "$0")/lib.sh"
cd /tmp/in || exit 1
debs=(rxe-odp-dkms_*.deb libodp0_*.deb libodp-dev_*.deb rxe-odp-examples_*.deb)
t0=$(date +%s)
out=$(dpkg -i "${debs[@]}" 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
check "dpkg -i ${debs[*]} (exit $rc, $(($(date +%s) - t0)) s)" [ $rc = 0 ]
check "the packages are installed" all_installed
status=$(dkms status rxe-odp 2>&1)
echo "# dkms status: $status"
check "dkms built and installed rxe-odp for $KVER" grep -q "rxe-odp/.*, $KVER, .*: installed" <<<"$status"
# (compressed as the kernel's own modules are: .ko.xz on Debian 13)
ko=$(ls /lib/modules/"$KVER"/updates/dkms/rdma_rxe_odp.ko* 2>/dev/null | head -n 1)
check "rdma_rxe_odp.ko is in /lib/modules/$KVER/updates/dkms (${ko##*/})" [ -f "${ko:-/nonexistent}" ]
check "it carries the rxe link type (alias rdma-link-rxe)" grep -qx 'rdma-link-rxe' <(modinfo -k "$KVER" -F alias "$ko")
check "depmod knows it" grep -q 'updates/dkms/rdma_rxe_odp.ko' "/lib/modules/$KVER/modules.dep"
plan=$(modprobe -S "$KVER" --dry-run --show-depends rdma-link-rxe 2>&1)
echo "$plan" | sed 's/^/# modprobe rdma-link-rxe: /'
check "modprobe of the rxe link type runs the package's install command, not the stock module" \
	bash -c 'grep -q "^install /sbin/modprobe rdma_rxe_odp" <<<"$1" && grep -q "updates/dkms/rdma_rxe_odp.ko" <<<"$1" &&
		! grep -q "kernel/drivers/infiniband/sw/rxe/rdma_rxe.ko" <<<"$1"' _ "$plan"
plan=$(modprobe -S "$KVER" --dry-run --show-depends rdma_rxe 2>&1)
check "modprobe rdma_rxe is redirected the same way" grep -q "^install /sbin/modprobe rdma_rxe_odp" <<<"$plan"
tmp=$(mktemp -d)
printf '#include <rxe-odp/odp.h>\nint main(void) { return (int)(long)&odp_advise_mr == 0; }\n' >"$tmp/t.c"
check "a program builds against libodp-dev's header and library (pkg-config)" \
	bash -c "cc -Wall -Werror -o '$tmp/t' '$tmp/t.c' \$(pkg-config --cflags --libs libodp)"
check "and runs on libodp0's library" bash -c "'$tmp/t' && ldd '$tmp/t' | grep -qE 'libodp.so.0 => (/usr)?/lib/x86_64-linux-gnu/libodp.so.0'"
check "libodp-dev has the man pages, libodp0 the preload and its page" \
	bash -c 'ls /usr/share/man/man3/libodp.3* /usr/share/man/man3/odp_query_mr_counters.3* /usr/share/man/man7/libodp-advise.7* >/dev/null &&
		[ -f /usr/lib/x86_64-linux-gnu/libodp-advise.so ] && [ -f /usr/lib/x86_64-linux-gnu/pkgconfig/libodp.pc ]'
rm -rf "$tmp"
check "rxe-odp-examples: odp_pingpong and odp_file_target run (--help, exit 0) on libodp0's library" \
	bash -c 'odp_pingpong --help | grep -q "^usage: odp_pingpong" && odp_file_target --help | grep -q "^usage: odp_file_target" &&
		ldd /usr/bin/odp_pingpong | grep -qE "libodp.so.0 => (/usr)?/lib/x86_64-linux-gnu/libodp.so.0"'
check "and a bad option is refused (exit 1 and 2)" \
	bash -c 'odp_pingpong -s 0 >/dev/null 2>&1; [ $? = 1 ] || exit 1; odp_file_target >/dev/null 2>&1; [ $? = 2 ]'
check "their man pages and sources are installed" \
	bash -c 'ls /usr/share/man/man1/odp_pingpong.1* /usr/share/man/man1/odp_file_target.1* \
		/usr/share/doc/rxe-odp-examples/examples/odp_pingpong.c >/dev/null'
done_testing
