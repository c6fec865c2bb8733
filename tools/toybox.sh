#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds Debian's toybox 0.8.9 (make defconfig: 229 commands, plus diff
# and tr)
# with tools/mxcc and prints the directory holding `toybox` (stripped) and
# `commands` (its command names, one a line, from toybox's own instlist,
# built for the host). Rebuilds only when the C library, the system-call
# layer or this script changed.
#   tools/toybox.sh
# The archive serves Debian's repack of the upstream source but not, at
# the time of writing, the packaging tarball: tools/debian-source.sh then
# uses the repack alone and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
SRC="$(tools/debian-source.sh toybox 0.8.9+dfsg-1 "$ROOT/target/toybox")"
BUILD="$ROOT/target/toybox/build"
LAYER="$ROOT/target/x86_64-unknown-none/release/libmxsys.a"
stamp_now="$(cat tools/toybox.sh tools/mxcc "$ROOT/target/sysroot/stamp" "$LAYER" | sha256sum | cut -d' ' -f1)"
if [[ -x "$BUILD/toybox" && -s "$BUILD/commands" && "$(cat "$BUILD/stamp" 2>/dev/null)" == "$stamp_now" ]]; then
    echo "$BUILD"
    exit 0
fi
rm -rf "$BUILD"
cp -a "$SRC" "$BUILD"
cd "$BUILD"
# diff, tr and dd (in toybox's pending directory, so not in defconfig)
# are turned on in the configuration: toybox's test harness compares
# every result with `diff` (without one every test would pass unseen), and
# its tests use `tr`, and `dd` to make their files of random bytes.
(make defconfig HOSTCC=gcc \
    && sed -i -e 's/^# CONFIG_DIFF is not set$/CONFIG_DIFF=y/' -e 's/^# CONFIG_TR is not set$/CONFIG_TR=y/' -e 's/^# CONFIG_DD is not set$/CONFIG_DD=y/' .config \
    && make oldconfig HOSTCC=gcc < /dev/null && grep -q '^CONFIG_DIFF=y' .config && grep -q '^CONFIG_TR=y' .config && grep -q '^CONFIG_DD=y' .config \
    && make toybox CC="$ROOT/tools/mxcc" HOSTCC=gcc \
    && gcc -I . scripts/install.c -o generated/instlist && generated/instlist > commands) > "$BUILD.log" 2>&1 \
    || { tail -30 "$BUILD.log" >&2; exit 1; }
nm generated/unstripped/toybox > "$BUILD.nm"
grep -q ' T __mx_syscall$' "$BUILD.nm" || { echo "toybox.sh: toybox does not have the system-call layer" >&2; exit 1; }
echo "$stamp_now" > stamp
echo "$BUILD"
