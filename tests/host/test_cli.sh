#!/bin/bash
# ./rxe-odp and the guest launcher reject bad arguments at once, before
# installing, building or booting anything.
. "$(dirname "$0")/lib.sh"
cli=$ROOT/rxe-odp

check_status "no subcommand prints usage" 2 'rxe-odp test' "$cli"
check_status "help lists demo, test, bench and run" 0 'demo.*' "$cli" help
check_status "unknown subcommand" 2 "unknown command 'frobnicate'" "$cli" frobnicate
check_status "run without a command" 2 'run: no command' "$cli" run
check_status "run --nodes 9" 2 "--nodes takes 1 to 8, not '9'" "$cli" run --nodes 9 -- true
check_status "run --nodes 0" 2 "--nodes takes 1 to 8, not '0'" "$cli" run --nodes 0 -- true
check_status "run --nodes of no number" 2 "--nodes takes 1 to 8, not 'four'" "$cli" run --nodes four -- true
check_status "run --nodes without a value" 2 'needs a number of guests, 1 to 8' "$cli" run --nodes
check_status "run --timeout not a number" 2 'needs seconds' "$cli" run --timeout soon -- true
check_status "test with an unknown option" 2 "unknown option '--fast'" "$cli" test --fast
check_status "test --filter without a pattern" 2 'needs a pattern' "$cli" test --filter
check_status "test --kernel of an unknown series" 2 "--kernel takes 6.1 or 6.12, not '7.0'" "$cli" test --kernel 7.0
check_status "test --kernel without a value" 2 'needs 6.1 or 6.12' "$cli" test --kernel
check_status "run --kernel of an unknown series" 2 "not '5.10'" "$cli" run --kernel 5.10 -- true
# --debug-kernel --kernel 6.12 is 6.12's debug kernel: parsed (the stray
# argument is refused only after the options were taken)
check_status "build --debug-kernel --kernel 6.12 is accepted" 2 "build: unexpected 'now'" \
	"$cli" build --debug-kernel --kernel 6.12 now
check_status "test --distro of an unknown release" 2 "--distro takes trixie or sid, not 'buster'" "$cli" test --distro buster
check_status "test --distro without a value" 2 'needs trixie or sid' "$cli" test --distro
check_status "run --distro with the (6.1) debug kernel" 2 'not with --debug-kernel' \
	"$cli" run --distro trixie --debug-kernel -- true
check_status "run --distro with 6.12's debug kernel" 2 'not with --debug-kernel' \
	"$cli" run --distro trixie --debug-kernel --kernel 6.12 -- true
check_status "run --distro on 6.1" 2 'runs on 6.12, not 6.1' "$cli" run --distro trixie --kernel 6.1 -- true

# Which stages a test command line selects (RXE_ODP_PLAN_ONLY: listed,
# nothing run). The default run is what CI runs inside its 90 minutes:
# 6.1's debug kernel, not 6.12's, which --all adds.
plan() { RXE_ODP_PLAN_ONLY=1 "$cli" test "$@" | sed -n 's/^stage: //p' | tr '\n' '|'; }
has() { [[ $1 == *"$2"* ]]; }
hasnt() { [[ $1 != *"$2"* ]]; }
dbg612='build (debug kernel 6.12)|suite, 1 node (debug 6.12)|suite, 2 nodes (debug 6.12)|'
dbg61='build (debug kernel)|suite, 1 node (debug)|suite, 2 nodes (debug)|'
p=$(plan)
check "the default test run has 6.1's debug kernel" has "$p" "$dbg61"
check "the default test run has 6.12's stock suites" has "$p" "suite, 1 node (6.12)"
check "the default test run (CI) has not 6.12's debug kernel" hasnt "$p" "debug 6.12"
check "the default test run has the 4-node suite on the stock kernel, after the 2-node one" \
	has "$p" "suite, 2 nodes (stock)|suite, 4 nodes (stock)|"
check "the 4-node suite runs on the stock kernel only" \
	test "$(grep -o '4 nodes[^|]*' <<<"$(plan --all)" | paste -sd,)" = "4 nodes (stock)"
check "test --kernel 6.12 has no 4-node suite" hasnt "$(plan --kernel 6.12)" "4 nodes"
p=$(plan --all)
check "test --all adds 6.12's debug kernel, one guest and two" has "$p" "$dbg612"
check "test --all keeps 6.1's debug kernel" has "$p" "$dbg61"
check "test --debug-kernel --kernel 6.12 is 6.12's debug kernel only" \
	test "$(plan --debug-kernel --kernel 6.12)" = "install|host tests|$dbg612"
check "test --debug-kernel is 6.1's debug kernel only" test "$(plan --debug-kernel)" = "install|host tests|$dbg61"
check "test --all --no-debug-kernel has no debug kernel" hasnt "$(plan --all --no-debug-kernel)" debug
check "test --all --kernel 6.1 has no 6.12 suite" hasnt "$(plan --all --kernel 6.1)" 6.12
check_status "demo with stray arguments" 2 "unexpected 'now'" "$cli" demo now
check_status "bench with stray arguments" 2 "bench: unexpected 'now'" "$cli" bench now
check_status "bench --nodes 3" 2 "--nodes takes 1 or 2, not '3'" "$cli" bench --nodes 3
check_status "demo --nodes 4" 2 "demo: --nodes takes 1 or 2, not '4'" "$cli" demo --nodes 4
check_status "bench's own options before the boot options" 2 "--nodes takes 1 or 2, not '3'" \
	"$cli" bench --quick --stock-pinned --nodes 3
check_status "bench --upstream with a kernel" 2 "bench --upstream: its kernels" "$cli" bench --upstream --kernel 6.12
check_status "bench --upstream --nodes 2" 2 "bench --upstream: its kernels" "$cli" bench --upstream --nodes 2
check_status "bench --upstream --stock-pinned" 2 "bench --upstream: its kernels" "$cli" bench --upstream --stock-pinned
check_status "bench --without and no patch" 2 "--without needs a patch of the series" "$cli" bench --without
check_status "bench --without on two guests" 2 "bench --without: one guest" "$cli" bench --without 0016 --nodes 2
check_status "bench --upstream --without" 2 "bench --upstream: its kernels" "$cli" bench --upstream --without 0016
check_status "run --upstream with --distro" 2 "--upstream boots Debian's newest 7.x" "$cli" run --upstream --distro trixie -- true
check_status "guest.sh without an initramfs" 1 'no initramfs' "$ROOT/scripts/guest.sh" -- true
check_status "guest.sh with a missing module" 1 "no module" \
	"$ROOT/scripts/guest.sh" --initrd "$FIX/debian-6.1-boot.log" --module /nonexistent.ko -- true
check_status "guest.sh --modroot without a module tree" 1 'no lib/modules' \
	"$ROOT/scripts/guest.sh" --modroot /nonexistent --initrd "$FIX/debian-6.1-boot.log" -- true
check_status "guest.sh --root of a directory that is no complete root" 1 'not a complete root' \
	"$ROOT/scripts/guest.sh" --root "$FIX" --initrd "$FIX/debian-6.1-boot.log" -- true
check_status "guest.sh --nodes 0" 1 "takes 1 to 8, not '0'" \
	"$ROOT/scripts/guest.sh" --nodes 0 --initrd "$FIX/debian-6.1-boot.log" -- true
check_status "guest.sh --nodes 9" 1 "takes 1 to 8, not '9'" \
	"$ROOT/scripts/guest.sh" --nodes 9 --initrd "$FIX/debian-6.1-boot.log" -- true
check_status "guest.sh --mem of no number" 1 "--mem takes MiB, not '2G'" \
	"$ROOT/scripts/guest.sh" --mem 2G --initrd "$FIX/debian-6.1-boot.log" -- true
check_status "upstream-kernel.sh without a command" 1 'usage: upstream-kernel.sh' \
	"$ROOT/scripts/upstream-kernel.sh"
check_status "upstream-kernel.sh module without its directories" 1 'usage: upstream-kernel.sh module' \
	"$ROOT/scripts/upstream-kernel.sh" module /nonexistent
check_status "peer helper outside a two-node run" 2 'no node 2' \
	env -u RXE_ODP_PEER_IP "$ROOT/scripts/guest-peer.sh" true
done_testing
