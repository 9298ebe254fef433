#!/usr/bin/env bash
# Build the rxe-odp debug kernel (KASAN, lockdep, ...) from Debian's
# linux-source-6.1 or linux-source-6.12 tarball.
#
# usage: scripts/debug-kernel.sh OUTDIR
#
# Result:
#   OUTDIR/bzImage   the kernel, for qemu -kernel
#   OUTDIR/src       the configured and built tree; out-of-tree modules build
#                    with `make -C OUTDIR/src M=/path/to/module modules`
#
# The configuration is `make tinyconfig` + kernel/debug/debug.config +
# kernel/debug/debug-SERIES.config, SERIES being the tarball's (6.1 for
# linux-source-6.1.tar.xz; the tree's Makefile must agree).  Every option
# of the fragments must be a symbol of the tree's Kconfig, and after merging
# every one is checked: Kconfig silently drops options whose dependencies
# are unmet, and that is reported as an error.
#
# A stamp (hash of the fragments, the tarball's size/mtime and this script)
# makes a second run with nothing changed return at once.
#
# Environment: KERNEL_TARBALL (default /usr/src/linux-source-6.1.tar.xz; any
#              path whose name is linux-source-SERIES.tar.xz),
#              JOBS (default: number of CPUs).
set -euo pipefail

SCRIPT=$(realpath "${BASH_SOURCE[0]}")
REPO=$(dirname "$(dirname "$SCRIPT")")
TARBALL=${KERNEL_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
JOBS=${JOBS:-$(nproc)}
# the kernel series, from the tarball's name: it picks the second fragment
SERIES=$(basename "$TARBALL" | sed -n 's/^linux-source-\([0-9][0-9]*\.[0-9][0-9]*\)\.tar\.xz$/\1/p')
FRAGMENTS=("$REPO/kernel/debug/debug.config" "$REPO/kernel/debug/debug-$SERIES.config")

log() { printf 'debug-kernel: %s\n' "$*" >&2; }
die() { printf 'debug-kernel: error: %s\n' "$*" >&2; exit 1; }

usage() {
    echo "usage: $0 OUTDIR" >&2
    exit 2
}

# Fail early, with a readable message, when a build tool is missing.
check_tools() {
    local t missing=()
    for t in tar xz make gcc ld flex bison bc perl sha256sum flock; do
        command -v "$t" >/dev/null || missing+=("$t")
    done
    [[ -e /usr/include/libelf.h ]] || missing+=("libelf-dev (libelf.h)")
    ((${#missing[@]} == 0)) ||
        die "missing build tools: ${missing[*]} (apt-get install build-essential bc flex bison libelf-dev libssl-dev)"
    [[ -n $SERIES ]] || die "$TARBALL: not a linux-source-SERIES.tar.xz (like linux-source-6.1.tar.xz)"
    [[ -r $TARBALL ]] || die "kernel source $TARBALL not found (apt-get install linux-source-$SERIES)"
    local f
    for f in "${FRAGMENTS[@]}"; do
        [[ -r $f ]] || die "config fragment ${f#"$REPO"/} not found (no debug kernel for Linux $SERIES)"
    done
}

# Identity of the tarball: cheap to compute, changes when Debian updates it.
tarball_id() { stat -c '%s %Y' "$TARBALL"; }

# Hash of everything that determines the result.
build_hash() {
    { cat "${FRAGMENTS[@]}"; tarball_id; cat "$SCRIPT"; } | sha256sum | cut -d' ' -f1
}

# True when a previous run produced bzImage for the same inputs.
up_to_date() {
    [[ -f $OUTDIR/bzImage && -f $OUTDIR/src/Module.symvers && -f $STAMP ]] &&
        [[ $(cat "$STAMP") == "$HASH" ]]
}

# Extract the tarball into OUTDIR/src, unless the same tarball already is.
extract_source() {
    local src="$OUTDIR/src" mark="$OUTDIR/src/.extracted-from"
    if [[ -f $mark && $(cat "$mark") == "$TARBALL $(tarball_id)" ]]; then
        log "source already extracted in $src"
        return
    fi
    log "extracting $TARBALL into $src"
    rm -rf "$src" "$src.tmp"
    mkdir -p "$src.tmp"
    tar -xJf "$TARBALL" -C "$src.tmp" --strip-components=1 ||
        die "extracting $TARBALL failed"
    [[ -f $src.tmp/Makefile && -d $src.tmp/kernel ]] ||
        die "$TARBALL does not look like a kernel source tree"
    local version
    version=$(sed -n -e 's/^VERSION = //p' -e 's/^PATCHLEVEL = //p' "$src.tmp/Makefile" | paste -sd.)
    [[ $version == "$SERIES" ]] || die "$TARBALL holds Linux $version, not $SERIES as its name says"
    echo "$TARBALL $(tarball_id)" >"$src.tmp/.extracted-from"
    mv "$src.tmp" "$src"
}

# Run make in the tree, output to a log; show its tail if it fails.
kmake() {
    local logfile=$1 pid t0=$SECONDS next=60 rc=0; shift
    make -C "$OUTDIR/src" "$@" >"$logfile" 2>&1 &
    pid=$!
    # a build takes minutes: say how far it is every minute
    while kill -0 "$pid" 2>/dev/null; do
        sleep 1
        if ((SECONDS - t0 >= next)); then
            log "make $*: $((SECONDS - t0)) s, $(grep -c '^  CC' "$logfile") files compiled"
            next=$((next + 60))
        fi
    done
    wait "$pid" || rc=$?
    if ((rc != 0)); then
        tail -n 40 "$logfile" >&2
        die "'make $*' failed; full log: $logfile"
    fi
}

# The fragments' names, relative to the repository.
fragment_names() { local f; for f in "${FRAGMENTS[@]}"; do printf '%s ' "${f#"$REPO"/}"; done; }

# tinyconfig + fragments, then olddefconfig to resolve dependencies.
configure() {
    local src="$OUTDIR/src"
    log "configuring: tinyconfig + $(fragment_names)"
    kmake "$OUTDIR/config.log" tinyconfig
    (cd "$src" && scripts/kconfig/merge_config.sh -m .config "${FRAGMENTS[@]}") \
        >>"$OUTDIR/config.log" 2>&1 || die "merge_config.sh failed; see $OUTDIR/config.log"
    kmake "$OUTDIR/olddefconfig.log" olddefconfig
}

# Print "CONFIG_X<TAB>wanted" for each option of the fragments;
# wanted is the value, or "n" for "# CONFIG_X is not set".
fragment_options() {
    sed -n -e 's/^\(CONFIG_[A-Za-z0-9_]*\)=\(.*\)$/\1\t\2/p' \
        -e 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1\tn/p' "${FRAGMENTS[@]}"
}

# An option set twice (in one fragment or in both) is ambiguous (the last
# one wins).
check_duplicates() {
    local dups
    dups=$(fragment_options | cut -f1 | sort | uniq -d | tr '\n' ' ')
    [[ -z $dups ]] || die "options set more than once in $(fragment_names): $dups"
}

# Every option of the fragments must be a Kconfig symbol of this tree: a
# "# CONFIG_X is not set" of a symbol the kernel does not have (renamed or
# removed in another series) would pass the check below without meaning
# anything.
check_symbols() {
    local unknown
    unknown=$(comm -23 <(fragment_options | cut -f1 | sed 's/^CONFIG_//' | sort -u) \
        <(find "$OUTDIR/src" -name 'Kconfig*' -exec sed -n 's/^[[:space:]]*\(menu\)\{0,1\}config[[:space:]]\{1,\}\([A-Za-z0-9_]*\).*/\2/p' {} + | sort -u) |
        tr '\n' ' ')
    [[ -z $unknown ]] || die "not in Linux $SERIES's Kconfig (options of $(fragment_names)): $unknown"
}

# Value of an option in the final .config ("n" when unset or absent).
config_value() {
    local line
    line=$(grep -m1 -E "^$1=" "$OUTDIR/src/.config" || true)
    if [[ -n $line ]]; then echo "${line#*=}"; else echo n; fi
}

# Every fragment option must have its requested value in .config.
verify_config() {
    local opt want have bad=0
    while IFS=$'\t' read -r opt want; do
        have=$(config_value "$opt")
        if [[ $have != "$want" ]]; then
            [[ $have == n ]] && have="n (not set)"
            printf '  %s: wanted %s, got %s\n' "$opt" "$want" "$have" >&2
            bad=$((bad + 1))
        fi
    done < <(fragment_options)
    ((bad == 0)) ||
        die "$bad option(s) of $(fragment_names)did not survive olddefconfig (unmet dependencies?)"
    log "all $(fragment_options | wc -l) fragment options verified"
}

# bzImage + modules also leaves modules_prepare state and Module.symvers,
# which is what `make -C OUTDIR/src M=dir modules` needs.
build() {
    local start=$SECONDS
    log "building bzImage + modules with -j$JOBS (log: $OUTDIR/build.log)"
    kmake "$OUTDIR/build.log" -j"$JOBS" bzImage modules
    [[ -s $OUTDIR/src/Module.symvers ]] || die "build left no Module.symvers"
    cp "$OUTDIR/src/arch/x86/boot/bzImage" "$OUTDIR/bzImage.tmp"
    mv "$OUTDIR/bzImage.tmp" "$OUTDIR/bzImage"
    log "build took $((SECONDS - start)) s; kernel $(make -s -C "$OUTDIR/src" kernelrelease)"
}

main() {
    (($# == 1)) || usage
    mkdir -p "$1"
    OUTDIR=$(realpath "$1")
    STAMP="$OUTDIR/.build-stamp"
    check_tools
    check_duplicates
    # One build at a time per OUTDIR.
    exec 9>"$OUTDIR/.lock"
    flock -n 9 || { log "waiting for another build in $OUTDIR"; flock 9; }
    HASH=$(build_hash)
    if up_to_date; then
        log "$OUTDIR/bzImage is up to date"
        return 0
    fi
    rm -f "$STAMP"
    extract_source
    check_symbols
    configure
    verify_config
    build
    echo "$HASH" >"$STAMP"
    log "done: $OUTDIR/bzImage"
}

main "$@"
