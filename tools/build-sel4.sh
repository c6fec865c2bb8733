#!/usr/bin/env bash
# Builds the seL4 programs in dependency order: init (embedded in VM),
# the servers (embedded in the root task), then the root task.
#   tools/build-sel4.sh [bench]
set -euo pipefail
FEATURES=()
if [[ "${1:-}" == bench ]]; then FEATURES=(--features bench); fi
BUILD=(cargo build --release --target x86_64-unknown-none)
"${BUILD[@]}" -p init "${FEATURES[@]}"
"${BUILD[@]}" -p vm-server -p vfs-server -p fs-server
"${BUILD[@]}" -p root-task "${FEATURES[@]}"
