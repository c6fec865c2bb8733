#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds the seL4 programs in dependency order: the boot file system
# (tools/rootfs.sh: init and the other programs on it, in the image FS
# embeds), the servers (embedded in the root task), then the root task.
#   tools/build-sel4.sh [bench|crash|conformance]
# Bench and crash builds use their own target directories, so switching
# between builds never leaves a stale embedded image behind. A crash build
# has VM fault on purpose when PM asks it to fork (see qemu/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
FEATURES=()
VM_FEATURES=()
TARGET_DIR="$PWD/target"
MODE="${1:-}"
if [[ "${1:-}" == bench ]]; then
    FEATURES=(--features bench)
    TARGET_DIR="$PWD/target/bench"
elif [[ "${1:-}" == conformance ]]; then
    # init runs toybox's whole test suite (make conformance).
    TARGET_DIR="$PWD/target/conformance"
elif [[ "${1:-}" == crash ]]; then
    VM_FEATURES=(--features crash-on-fork)
    TARGET_DIR="$PWD/target/crash"
fi
tools/rootfs.sh $MODE
# Where FS finds the image, and its size in 1 KiB blocks, which PM's boot
# test expects FS's STATVFS to report.
export SEL4M_ROOTFS="$TARGET_DIR/rootfs.img"
export SEL4M_ROOTFS_BLOCKS=$(( $(stat -c %s "$SEL4M_ROOTFS") / 1024 ))
export CARGO_TARGET_DIR="$TARGET_DIR"
# Where the root task finds the server images it embeds.
export SEL4M_IMAGES="$TARGET_DIR/x86_64-unknown-none/release"
BUILD=(cargo build --release --target x86_64-unknown-none)
"${BUILD[@]}" -p vm-server "${VM_FEATURES[@]}"
"${BUILD[@]}" -p fs-server
"${BUILD[@]}" -p blk-driver
"${BUILD[@]}" -p timer-driver
"${BUILD[@]}" -p vfs-server "${FEATURES[@]}"
"${BUILD[@]}" -p root-task "${FEATURES[@]}"
echo "$SEL4M_IMAGES/root-task"
