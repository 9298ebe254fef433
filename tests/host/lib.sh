# shellcheck shell=bash
# Tiny TAP-style helpers for the host-side tests of the harness.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FIX=$ROOT/tests/host/fixtures
_failed=0

# check NAME CMD...: CMD must succeed.
check() {
	local name=$1
	shift
	if "$@"; then echo "ok - $name"; else echo "not ok - $name"; _failed=1; fi
}

# check_status NAME STATUS PATTERN CMD...: CMD must exit with STATUS and
# print (stdout or stderr) something matching the regex PATTERN.
check_status() {
	local name=$1 want=$2 pat=$3 out rc=0
	shift 3
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" = "$want" ] && grep -qE -- "$pat" <<<"$out"; then
		echo "ok - $name"
	else
		echo "not ok - $name (exit $rc, want $want; output:)"
		sed 's/^/#   /' <<<"$out" | head -n 20
		_failed=1
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

done_testing() { exit $_failed; }
