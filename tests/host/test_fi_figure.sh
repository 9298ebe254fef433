#!/bin/bash
# scripts/guest-traffic.sh's fi_figure: fi_pingpong's MB/sec, found only
# when every message was acknowledged, its counts as fabtests prints them
# (libfabric 1.17's output).
. "$(dirname "$0")/lib.sh"
# shellcheck source=../../scripts/guest-traffic.sh
. "$ROOT/scripts/guest-traffic.sh"

row() {
	printf 'bytes   #sent   #ack     total       time     MB/sec    usec/xfer   Mxfers/sec\n'
	printf '%-8s%-8s%-8s%8s %9.2fs%10.2f%11.2f%11.2f\n' "$@"
}
is() {
	[ "$1" = "$2" ] || { echo "# got '$1', want '$2'"; return 1; }
}
check "20 iterations" is "$(fi_figure "$(row 1m 20 =20 40m 2.10 19.97 52.51 0.02)" 20)" 19.97
check "1000 iterations, printed 1k" is "$(fi_figure "$(row 4k 1k =1k 7.8m 0.65 12.69 322.74 0.00)" 1000)" 12.69
check "20000 iterations, printed 20k" is "$(fi_figure "$(row 4k 20k =20k 156m 9.65 16.97 241.30 0.00)" 20000)" 16.97
check "1500 iterations, printed 1k" is "$(fi_figure "$(row 4k 1k =1k 11m 1.00 6.14 666.67 0.00)" 1500)" 6.14
check "messages not all acknowledged: no figure" is "$(fi_figure "$(row 4k 1k 998 7.8m 0.65 12.69 322.74 0.00)" 1000)" ""
check "another count: no figure" is "$(fi_figure "$(row 4k 2k =2k 15m 1.30 12.69 322.74 0.00)" 1000)" ""
check "no output: no figure" is "$(fi_figure "" 1000)" ""
done_testing
