#!/bin/bash
# In a throwaway root: linux-source-SERIES (the kernel's: 6.1 or 6.12) from
# another Debian upload than the kernel headers (as after a point release
# that updated only one of them). Installing rxe-odp-dkms must stop with the
# version check's message and leave no module behind; purging must then
# leave nothing.
. "$(dirname "$0")/lib.sh"
cd /tmp/in || exit 1
series=$(kernel_series "$KVER")
src=linux-source-$series
hdr=$(dpkg-query -W -f='${Version}' "linux-headers-$KVER")
fake=$series.999-1
# dpkg's own record of linux-source-SERIES says another version.
sed -i "/^Package: $src\$/,/^\$/ s/^Version: .*/Version: $fake/" /var/lib/dpkg/status
check "$src now reads as $fake" [ "$(dpkg-query -W -f='${Version}' "$src")" = "$fake" ]
out=$(dpkg -i rxe-odp-dkms_*.deb 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
check "dpkg -i rxe-odp-dkms fails (exit $rc)" [ $rc != 0 ]
# Debian 12's dkms (3.0) shows PRE_BUILD's output; Debian 13's (3.2) says
# the pre_build script failed and to consult the build's make.log, which
# then holds it.
msg=$out
if ! grep -q "kernel package versions differ" <<<"$out"; then
	mlog=$(grep -o '/var/lib/dkms/rxe-odp/[^ ]*/make.log' <<<"$out" | head -n 1)
	echo "# dpkg's output points to ${mlog:-no make.log}:"
	msg=$(cat "${mlog:-/nonexistent}" 2>&1)
	echo "$msg" | sed 's/^/#   /'
fi
check "with the version check's message naming both versions (in dpkg's output or the make.log it names)" \
	grep -q "kernel package versions differ: $src $fake, linux-headers-$KVER $hdr" <<<"$msg"
check "and what to do" grep -q "dkms autoinstall -k $KVER" <<<"$msg"
check "no rdma_rxe_odp module was installed" \
	bash -c "[ -z \"\$(find /lib/modules -name 'rdma_rxe_odp.ko*')\" ] && ! grep -q rdma_rxe_odp /lib/modules/$KVER/modules.dep"
check "dkms does not list it as installed" bash -c "! dkms status rxe-odp | grep -q installed"
# after the failure
purge_clean rxe-odp-dkms
done_testing
