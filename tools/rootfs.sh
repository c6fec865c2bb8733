#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds the boot file system FS embeds, from rootfs/ and the programs that
# live on it, with mkimage: ROOTFS_KIB KiB (32768 by default) of 1 KiB
# blocks, the only size fsck.minix reads.
#   tools/rootfs.sh [bench|crash|conformance]
# The programs, built for x86_64-unknown-none and stripped (what runs is
# the same, the disk smaller):
#   /sbin/init   init, the first process (PM execs it at boot); the bench
#                build's init runs the benchmarks instead of the tests
#   /bin/mtest   the in-guest suite, a group a run (init runs each group)
#   /bin/probe   the exec tests' program; /bin/exit0, exec_small's
#   /bin/ctest   a C program (user/c, tools/c-programs.sh): the libc tests'
# Each build (plain, bench, crash) has its own target directory DIR
# (target, target/bench, target/crash) and writes there:
#   DIR/rootfs.img       the image (replaced only when its bytes change:
#                        FS embeds it, and cargo rebuilds FS whenever the
#                        file is newer)
#   DIR/rootfs-stage     the whole tree (make run's and make bench's disks
#                        are made from it, the disk tests' images too)
#   DIR/programs-stage   the programs alone (make run refreshes them on
#                        the disk it keeps)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="$PWD/target"
FEATURES=()
case "${1:-}" in
    bench) DIR="$PWD/target/bench"; FEATURES=(--features bench) ;;
    crash) DIR="$PWD/target/crash" ;;
    conformance) DIR="$PWD/target/conformance"; FEATURES=(--features conformance) ;;
    "") ;;
    *) echo "rootfs.sh: unknown build $1" >&2; exit 2 ;;
esac
mkdir -p "$DIR"
BUILD=(cargo build -q --release --target x86_64-unknown-none)
# init in the build's own directory (its features differ); the other
# programs are the same for every build.
CARGO_TARGET_DIR="$DIR" "${BUILD[@]}" -p init "${FEATURES[@]}"
PROGRAMS=(probe)
CARGO_TARGET_DIR="$PWD/target" "${BUILD[@]}" "${PROGRAMS[@]/#/-p}"
PROGS="$DIR/programs-stage"
rm -rf "$PROGS"
mkdir -p "$PROGS/bin" "$PROGS/sbin"
strip -o "$PROGS/sbin/init" "$DIR/x86_64-unknown-none/release/init"
strip -o "$PROGS/bin/mtest" "$DIR/x86_64-unknown-none/release/mtest"
for p in "${PROGRAMS[@]}"; do
    strip -o "$PROGS/bin/$p" "target/x86_64-unknown-none/release/$p"
done
# The C programs, built against musl and the system-call layer.
tools/c-programs.sh "$PROGS"
# exec_small's tiny program (the bench's; the exec tests run it too).
python3 tools/tiny-exit-elf.py --minix "$PROGS/bin/exit0"
chmod 0755 "$PROGS"/bin/* "$PROGS"/sbin/*
STAGE="$DIR/rootfs-stage"
rm -rf "$STAGE"
cp -a rootfs "$STAGE"
cp -a "$PROGS"/. "$STAGE"/
IMG="$DIR/rootfs.img"
TMP="$(mktemp "$IMG.XXXXXX")"
trap 'rm -f "$TMP"' EXIT
# The device files (tools/devices.list: /dev/null, /dev/zero, /dev/full,
# /dev/random, /dev/urandom).
NODES=()
while read -r spec; do NODES+=(--node "$spec"); done < tools/devices.list
cargo run -q --release -p mkimage -- --size "${ROOTFS_KIB:-32768}" --block-size 1024 "${NODES[@]}" --out "$TMP" "$STAGE/"
if ! cmp -s "$TMP" "$IMG"; then
    mv "$TMP" "$IMG"
fi
