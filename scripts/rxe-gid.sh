# shellcheck shell=bash
# Sourced in the guests (scripts/guest-stage2.sh, tests/guest/lib.sh, the
# package replay).

# ipv4_gid_index DEV IP: wait up to 5 s for DEV's GID of the IPv4 address
# IP (RoCEv2: IPv4-mapped) and print its index. Tools default to index 0,
# the IPv6 link-local GID, so they are given this one.
ipv4_gid_index() {
	local dev=$1 want g _
	# shellcheck disable=SC2086
	want=$(printf '0000:0000:0000:0000:0000:ffff:%02x%02x:%02x%02x' ${2//./ })
	for _ in $(seq 50); do
		for g in /sys/class/infiniband/"$dev"/ports/1/gids/*; do
			[ "$(cat "$g" 2>/dev/null)" = "$want" ] && { echo "${g##*/}"; return 0; }
		done
		sleep 0.1
	done
	return 1
}
