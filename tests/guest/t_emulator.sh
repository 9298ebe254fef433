#!/bin/bash
# nodes: 1
# upstream: yes
# The emulator the guests run on keeps RFLAGS right across CMPXCHG16B
# (tests/progs/cpu_flags.c, on every vCPU, with and without LOCK). Debian
# 12's QEMU 7.2 does not: after an ADD in the same translation block it
# gives the ADD's source operand as the flags, DF and TF included, and the
# 6.12 guests it ran crashed now and then with their memory corrupted
# (issue 13). ./rxe-odp runs the guests on Debian 13's QEMU
# (scripts/qemu-root.sh); this says so if a run is on a QEMU that is wrong.
. "$(dirname "$0")/lib.sh"

prog=$PROGS/cpu_flags
[ -x "$prog" ] || fail "cpu_flags not built ($PROGS)"
"$prog" || fail "the emulated CPU gets RFLAGS wrong after CMPXCHG16B (QEMU 7.2?): guests must run on Debian 13's QEMU, scripts/qemu-root.sh"
