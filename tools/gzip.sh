#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds Debian's gzip 1.12 (the source package, Debian's patches
# applied, nothing of ours) with tools/mxcc, configured for the host
# x86_64-linux-musl; prints the built program's path. toybox 0.8.9's
# defconfig has gunzip and zcat but no gzip, and toybox's tests make their
# .gz files with one. Rebuilds only when the C library, the system-call
# layer or this script changed. The manual is not built (MAKEINFO=true:
# the build machine need not have texinfo).
#   tools/gzip.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
SRC="$(tools/debian-source.sh gzip 1.12-1 "$ROOT/target/gzip")"
BUILD="$ROOT/target/gzip/build"
LAYER="$ROOT/target/x86_64-unknown-none/release/libmxsys.a"
stamp_now="$(cat tools/gzip.sh tools/mxcc "$ROOT/target/sysroot/stamp" "$LAYER" | sha256sum | cut -d' ' -f1)"
if [[ -x "$BUILD/gzip" && "$(cat "$BUILD/stamp" 2>/dev/null)" == "$stamp_now" ]]; then
    echo "$BUILD/gzip"
    exit 0
fi
rm -rf "$BUILD"
cp -a "$SRC" "$BUILD"
cd "$BUILD"
(./configure --host=x86_64-linux-musl --build="$(gcc -dumpmachine)" CC="$ROOT/tools/mxcc" CFLAGS=-O2 \
    && make -j2 MAKEINFO=true) > "$BUILD.log" 2>&1 || { tail -30 "$BUILD.log" >&2; exit 1; }
nm gzip > "$BUILD.nm"
grep -q ' T __mx_syscall$' "$BUILD.nm" || { echo "gzip.sh: gzip does not have the system-call layer" >&2; exit 1; }
echo "$stamp_now" > stamp
echo "$BUILD/gzip"
