#!/bin/bash
# scripts/guest.sh against a stand-in qemu: how it reads a guest's status,
# output and kernel log, and when it boots again. No real guest is booted.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin"

# The stand-in: finds the run directory (9p tag "out") and the two serial
# files on its command line, then acts out $FAKE_QEMU (a list of
# behaviours, one per boot, comma-separated).
cat >"$tmp/bin/qemu-system-x86_64" <<'EOF2'
#!/bin/bash
out="" serials=()
for a in "$@"; do
	case $a in
	local,path=*,mount_tag=out,*) out=${a#local,path=}; out=${out%%,*} ;;
	file:*) serials+=("${a#file:}") ;;
	esac
done
n=$(cat "$FAKE_QEMU_COUNT" 2>/dev/null || echo 0)
# the kernel command line, for the tests of --root
prev=""
for a in "$@"; do
	[ "$prev" = -append ] && echo "$a" >"$out/cmdline"
	prev=$a
done
echo $((n + 1)) >"$FAKE_QEMU_COUNT"
IFS=, read -r -a acts <<<"$FAKE_QEMU"
case ${acts[$n]:-ok} in
abort-early)
	echo "qemu: ../hw/pci/msix.c:218: msix_table_mmio_write: Assertion failed." >&2
	kill -ABRT $$ ;;
abort-qemu10)
	echo "qemu: ../system/physmem.c:2671: iotlb_to_section: Assertion failed." >&2
	kill -ABRT $$ ;;
abort-late)
	touch "$out/ran"
	kill -ABRT $$ ;;
warn)
	touch "$out/ran"
	echo "[    1.0] WARNING: CPU: 0 PID: 1 at somewhere" >>"${serials[0]}"
	echo 0 >"$out/status" ;;
ok)
	touch "$out/ran"
	echo "[    1.0] booted" >>"${serials[0]}"
	echo "hello from the guest" >>"${serials[1]}"
	echo 7 >"$out/status" ;;
esac
EOF2
chmod +x "$tmp/bin/qemu-system-x86_64"
touch "$tmp/kernel" "$tmp/initrd"

# run BEHAVIOURS: guest.sh with the stand-in, in a fresh run directory.
run() {
	local dir=$tmp/run-${1//,/_}

	rm -f "$tmp/count"
	env PATH="$tmp/bin:$PATH" FAKE_QEMU="$1" FAKE_QEMU_COUNT="$tmp/count" \
		"$ROOT/scripts/guest.sh" --kernel "$tmp/kernel" --initrd "$tmp/initrd" \
		--timeout 30 --rundir "$dir" -- true
}

check_status "the command's status and output come back" 7 'hello from the guest' run ok

# RXE_ODP_QEMU names the emulator (./rxe-odp: Debian 13's, scripts/qemu-root.sh):
# the stand-in under another name, not on PATH.
mkdir -p "$tmp/alt"
cp "$tmp/bin/qemu-system-x86_64" "$tmp/alt/qemu-13"
check_status "RXE_ODP_QEMU is the emulator that runs" 7 'hello from the guest' \
	env RXE_ODP_QEMU="$tmp/alt/qemu-13" FAKE_QEMU=ok FAKE_QEMU_COUNT="$tmp/count-alt" \
	"$ROOT/scripts/guest.sh" --kernel "$tmp/kernel" --initrd "$tmp/initrd" \
	--timeout 30 --rundir "$tmp/run-alt" -- true
check_status "a WARN in the guest's log fails the run whatever the status" 100 \
	'WARNING: CPU: 0 PID: 1 at somewhere' run warn
check_status "qemu aborting before the guest ran: one more boot, said so" 7 \
	'qemu aborted before the command started' run abort-early,ok
check "the aborted attempt's logs are kept" test -d "$tmp/run-abort-early_ok/attempt1/node1"
check_status "qemu aborting later in its boot (QEMU 10's assertion), the command not started: one more boot" 7 \
	'iotlb_to_section: Assertion failed' run abort-qemu10,ok
check "...and it booted twice" test "$(cat "$tmp/count")" = 2
check_status "qemu aborting after the guest started: no second boot" 124 \
	'did not finish' run abort-late,ok
check "...and it booted once" test "$(cat "$tmp/count")" = 1
check_status "aborting twice in a row is not retried again" 124 'did not finish' \
	run abort-early,abort-qemu10,ok
check "without --modroot the guest keeps the host's /lib/modules" \
	grep -qx "export RXE_ODP_MODROOT=''" "$tmp/run-ok/node1/job.env"
mkdir -p "$tmp/kernel-x/root/lib/modules/6.12.0-x"
env PATH="$tmp/bin:$PATH" FAKE_QEMU=ok FAKE_QEMU_COUNT="$tmp/count" \
	"$ROOT/scripts/guest.sh" --kernel "$tmp/kernel" --initrd "$tmp/initrd" \
	--modroot "$tmp/kernel-x/root/" --timeout 30 --rundir "$tmp/run-modroot" -- true >/dev/null 2>&1
check "--modroot reaches the guest's job, as an absolute path" \
	grep -qx "export RXE_ODP_MODROOT=$(printf %q "$(realpath "$tmp/kernel-x/root")")" \
	"$tmp/run-modroot/node1/job.env"
env PATH="$tmp/bin:$PATH" FAKE_QEMU=ok FAKE_QEMU_COUNT="$tmp/count" \
	"$ROOT/scripts/guest.sh" --kernel "$tmp/kernel" --initrd "$tmp/initrd" --kernel-arg no5lvl \
	--timeout 30 --rundir "$tmp/run-karg" -- true >/dev/null 2>&1
check "--kernel-arg reaches the kernel command line" grep -qw no5lvl "$tmp/run-karg/node1/cmdline"
check "without --kernel-arg the command line has none (no5lvl is the debug kernel's alone)" \
	sh -c '! grep -qw no5lvl "$1"' - "$tmp/run-ok/node1/cmdline"
check_status "--kernel-arg of more than one plain argument is refused" 1 "is not one plain argument" \
	"$ROOT/scripts/guest.sh" --kernel "$tmp/kernel" --initrd "$tmp/initrd" --kernel-arg "a b" -- true
check "without --root the guest's root is the host's (nothing on the command line)" \
	sh -c 'grep -q rxe_odp.stage2= "$1" && ! grep -q "rxe_odp.root\|rxe_odp.bind" "$1"' - "$tmp/run-ok/node1/cmdline"

# --root: another release's root, the host paths the run needs shown in
# it, each once (the module's directory is inside --userbuild here).
mkdir -p "$tmp/distro-root" "$tmp/ub/kmod"
echo trixie >"$tmp/distro-root/.complete"
touch "$tmp/ub/kmod/m.ko"
env PATH="$tmp/bin:$PATH" FAKE_QEMU=ok FAKE_QEMU_COUNT="$tmp/count" \
	"$ROOT/scripts/guest.sh" --kernel "$tmp/kernel" --initrd "$tmp/initrd" \
	--root "$tmp/distro-root" --userbuild "$tmp/ub" --module "$tmp/ub/kmod/m.ko" \
	--modroot "$tmp/kernel-x/root" --timeout 30 --rundir "$tmp/run-root" -- true >/dev/null 2>&1
want_binds=$(printf '%s\n' "$ROOT" "$(realpath "$tmp/ub")" "$(realpath "$tmp/kernel-x/root")" | sort | paste -sd,)
check "--root and the binds (repository, userspace build, modules) reach the kernel command line" \
	grep -qF "rxe_odp.root=$(realpath "$tmp/distro-root") rxe_odp.bind=$want_binds" "$tmp/run-root/node1/cmdline"
check "--userbuild reaches the guest's job" \
	grep -qx "export RXE_ODP_USERBUILD=$(printf %q "$(realpath "$tmp/ub")")" "$tmp/run-root/node1/job.env"
done_testing
