#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds Debian's dash 0.5.12 (the source package, Debian's patches
# applied, nothing of ours) with tools/mxcc, configured for the host
# x86_64-linux-musl; prints the built program's path. Rebuilds only when
# the C library, the system-call layer or this script changed.
#   tools/dash.sh
# autoreconf runs first because a Debian patch changes Makefile.am.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
SRC="$(tools/debian-source.sh dash 0.5.12-2 "$ROOT/target/dash")"
BUILD="$ROOT/target/dash/build"
LAYER="$ROOT/target/x86_64-unknown-none/release/libmxsys.a"
stamp_now="$(cat tools/dash.sh tools/mxcc "$ROOT/target/sysroot/stamp" "$LAYER" | sha256sum | cut -d' ' -f1)"
if [[ -x "$BUILD/src/dash" && "$(cat "$BUILD/stamp" 2>/dev/null)" == "$stamp_now" ]]; then
    echo "$BUILD/src/dash"
    exit 0
fi
rm -rf "$BUILD"
cp -a "$SRC" "$BUILD"
cd "$BUILD"
(autoreconf -fi \
    && ./configure --host=x86_64-linux-musl --build="$(gcc -dumpmachine)" CC="$ROOT/tools/mxcc" CC_FOR_BUILD=gcc CFLAGS=-O2 \
    && make -j2) > "$BUILD.log" 2>&1 || { tail -30 "$BUILD.log" >&2; exit 1; }
nm src/dash > "$BUILD.nm"
grep -q ' T __mx_syscall$' "$BUILD.nm" || { echo "dash.sh: dash does not have the system-call layer" >&2; exit 1; }
echo "$stamp_now" > stamp
echo "$BUILD/src/dash"
