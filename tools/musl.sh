#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds the C library: musl 1.2.3 from Debian's source package, patched by
# tools/musl/*.patch so that every system call and thread creation goes to
# our system-call layer's functions (__mx_syscall, __mx_clone, ...), as a
# static libc.a in the sysroot target/sysroot (lib/, include/).
#   tools/musl.sh
# The source comes through apt-get source with a deb-src list derived from
# this machine's own apt configuration (the same URIs and suites), written
# under target/apt: the system's apt configuration is left alone and no
# mirror is named here. Ends by checking that libc.a has no syscall
# instruction left. Rebuilds only when the patches or this script change.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
SRC="$ROOT/target/musl"
SYSROOT="$ROOT/target/sysroot"
VERSION=1.2.3
stamp_now="$(cat tools/musl.sh tools/musl/*.patch | sha256sum | cut -d' ' -f1)"
if [[ -f "$SYSROOT/lib/libc.a" && "$(cat "$SYSROOT/stamp" 2>/dev/null)" == "$stamp_now" ]]; then
    echo "musl: up to date ($SYSROOT/lib/libc.a)"
    exit 0
fi

# 1. Debian's source package, once (tools/debian-source.sh).
tools/debian-source.sh musl "$VERSION-1" "$SRC" > /dev/null
[[ -d "$SRC/musl-$VERSION" ]] || { echo "musl: apt-get source gave no musl-$VERSION" >&2; exit 1; }

# 2. A fresh copy, our patches, the build.
BUILD="$SRC/build"
rm -rf "$BUILD" "$SYSROOT"
cp -a "$SRC/musl-$VERSION" "$BUILD"
for p in tools/musl/*.patch; do
    patch -s -p1 -d "$BUILD" < "$p" || { echo "musl: $p does not apply" >&2; exit 1; }
done
(cd "$BUILD" && CC=gcc ./configure --prefix="$SYSROOT" --disable-shared > "$SRC/configure.log" 2>&1 \
    && make -s -j2 > "$SRC/build.log" 2>&1 && make -s install >> "$SRC/build.log" 2>&1) \
    || { tail -20 "$SRC/build.log" >&2; exit 1; }

# 3. No system call may bypass the layer. (Whole listings to files: a
# grep -q that stops early would make the pipeline fail under pipefail.)
objdump -d "$SYSROOT/lib/libc.a" > "$SRC/libc.dis"
if grep -Eq '^\s+[0-9a-f]+:\s+0f 05\s' "$SRC/libc.dis"; then
    echo "musl: libc.a still has syscall instructions:" >&2
    grep -E '^[0-9a-f]+ <|^\s+[0-9a-f]+:\s+0f 05\s' "$SRC/libc.dis" | grep -B1 '0f 05' >&2
    exit 1
fi
nm "$SYSROOT/lib/libc.a" > "$SRC/libc.nm" 2> /dev/null || true
grep -q ' U __mx_syscall$' "$SRC/libc.nm" || { echo "musl: libc.a does not call __mx_syscall" >&2; exit 1; }
echo "$stamp_now" > "$SYSROOT/stamp"
echo "musl: built $SYSROOT/lib/libc.a (no syscall instruction; calls go to __mx_syscall)"
