#!/bin/bash
# Run the host-side tests of the harness (no guest needed).
here=$(cd "$(dirname "$0")" && pwd)
status=0
for t in "$here"/test_*.sh; do
	echo "# $(basename "$t")"
	bash "$t" || status=1
done
exit $status
