#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds Debian's bash 5.2.15 (the source package, Debian's patches
# applied) with tools/mxcc, configured for the host x86_64-linux-musl
# without bash's own malloc and without NLS; prints the built program's
# path. Rebuilds only when the C library, the system-call layer or this
# script changed.
#   tools/bash.sh
# bash_cv_func_strtoimax=no works around a bash 5.2 configure bug: its
# test is inverted, so a C library with a usable strtoimax gets bash's
# replacement too, and the link has it twice.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
SRC="$(tools/debian-source.sh bash 5.2.15-2 "$ROOT/target/bash")"
BUILD="$ROOT/target/bash/build"
LAYER="$ROOT/target/x86_64-unknown-none/release/libmxsys.a"
stamp_now="$(cat tools/bash.sh tools/mxcc "$ROOT/target/sysroot/stamp" "$LAYER" | sha256sum | cut -d' ' -f1)"
if [[ -x "$BUILD/bash" && "$(cat "$BUILD/stamp" 2>/dev/null)" == "$stamp_now" ]]; then
    echo "$BUILD/bash"
    exit 0
fi
rm -rf "$BUILD"
cp -a "$SRC" "$BUILD"
cd "$BUILD"
(./configure --host=x86_64-linux-musl --build="$(gcc -dumpmachine)" CC="$ROOT/tools/mxcc" CC_FOR_BUILD=gcc CFLAGS=-O2 \
    --without-bash-malloc --disable-nls bash_cv_func_strtoimax=no \
    && make -j2) > "$BUILD.log" 2>&1 || { tail -30 "$BUILD.log" >&2; exit 1; }
nm bash > "$BUILD.nm"
grep -q ' T __mx_syscall$' "$BUILD.nm" || { echo "bash.sh: bash does not have the system-call layer" >&2; exit 1; }
echo "$stamp_now" > stamp
echo "$BUILD/bash"
