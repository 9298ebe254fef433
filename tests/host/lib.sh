# shellcheck shell=bash
# Tiny TAP-style helpers for the host-side tests of the harness. A test
# script ends with done_testing, whose plan line ("1..N", N the results
# printed) tells tests/host/run.sh that the script ran to its end.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FIX=$ROOT/tests/host/fixtures
# The tests of the launcher put stand-in emulators on PATH: never the one
# ./rxe-odp exports for its guests when it runs these tests as a stage.
unset RXE_ODP_QEMU
_failed=0
_results=0

ok() { echo "ok - $*"; _results=$((_results + 1)); }
not_ok() { echo "not ok - $*"; _results=$((_results + 1)); _failed=1; }

# check NAME CMD...: CMD must succeed.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

# check_status NAME STATUS PATTERN CMD...: CMD must exit with STATUS and
# print (stdout or stderr) something matching the regex PATTERN.
check_status() {
	local name=$1 want=$2 pat=$3 out rc=0
	shift 3
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" = "$want" ] && grep -qE -- "$pat" <<<"$out"; then
		ok "$name"
	else
		not_ok "$name (exit $rc, want $want; output:)"
		sed 's/^/#   /' <<<"$out" | head -n 20
	fi
}

# fake_dpkg_query DIR SRC_VERSION: a stand-in dpkg-query in DIR (put DIR
# first in PATH) that answers SRC_VERSION for linux-source-6.1, 6.1.1000-1
# for any other package, and linux-image-6.1.0-99-amd64 of that upload as
# the Depends of linux-image-amd64.
fake_dpkg_query() {
	mkdir -p "$1"
	cat >"$1/dpkg-query" <<EOF
#!/bin/sh
case "\$*" in
*linux-source-6.1*) echo $2 ;;
*Depends*) echo "linux-image-6.1.0-99-amd64 (= 6.1.1000-1)" ;;
*) echo 6.1.1000-1 ;;
esac
EOF
	chmod +x "$1/dpkg-query"
}

# serve_bus DIR [ERRFILE]: a stand-in node 2 (scripts/guest-peer.sh
# --serve, its stderr to ERRFILE) on the bus directory DIR, which becomes
# RXE_ODP_BUS; serving when this returns (5 s at most). Its pid in
# SERVE_PID: touch DIR/shutdown, then wait for it.
serve_bus() {
	export RXE_ODP_BUS=$1
	mkdir -p "$1"
	"$ROOT/scripts/guest-peer.sh" --serve 2>"${2:-/dev/null}" &
	# shellcheck disable=SC2034 # for the caller
	SERVE_PID=$!
	for _ in $(seq 50); do [ -e "$1/node2.ready" ] && break; sleep 0.1; done
}

# skip NAME REASON: a result that did not run (tests/expected-skips must
# allow it).
skip() { echo "ok - $1 # SKIP $2"; _results=$((_results + 1)); }

done_testing() {
	echo "1..$_results"
	exit $_failed
}
