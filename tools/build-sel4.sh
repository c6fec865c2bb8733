#!/usr/bin/env bash
# Builds the seL4 programs in dependency order: init (embedded in VM),
# the servers (embedded in the root task), then the root task.
#   tools/build-sel4.sh [bench]
# Bench builds use their own target directory, so switching between test
# and bench builds never leaves a stale embedded image behind.
set -euo pipefail
cd "$(dirname "$0")/.."
FEATURES=()
TARGET_DIR="$PWD/target"
if [[ "${1:-}" == bench ]]; then
    FEATURES=(--features bench)
    TARGET_DIR="$PWD/target/bench"
fi
export CARGO_TARGET_DIR="$TARGET_DIR"
# Where the root task and VM find the images they embed.
export SEL4M_IMAGES="$TARGET_DIR/x86_64-unknown-none/release"
BUILD=(cargo build --release --target x86_64-unknown-none)
"${BUILD[@]}" -p init "${FEATURES[@]}"
"${BUILD[@]}" -p vm-server -p fs-server
"${BUILD[@]}" -p vfs-server "${FEATURES[@]}"
"${BUILD[@]}" -p root-task "${FEATURES[@]}"
echo "$SEL4M_IMAGES/root-task"
