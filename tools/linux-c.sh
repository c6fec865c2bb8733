#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The Linux peer's C programs for make bench's C figures: the same sources
# our system runs (user/c/cbench.c, Debian's dash and toybox), built as
# static programs against stock musl 1.2.3 (Debian's source, which
# tools/musl.sh fetches, built without our patch: its system calls are
# Linux's). Prints the directory holding cbench, sh and toybox.
#   tools/linux-c.sh
# Rebuilds only when this script or the bench source changed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
OUT="$ROOT/target/linux-c"
stamp_now="$(cat tools/linux-c.sh user/c/cbench.c | sha256sum | cut -d' ' -f1)"
if [[ -x "$OUT/cbench" && -x "$OUT/sh" && -x "$OUT/toybox" && "$(cat "$OUT/stamp" 2>/dev/null)" == "$stamp_now" ]]; then
    echo "$OUT"
    exit 0
fi
rm -rf "$OUT"
mkdir -p "$OUT"
LOG="$OUT/build.log"

# 1. Stock musl: Debian's source, no patch, installed with its gcc wrapper.
tools/musl.sh > /dev/null
MUSL_SRC="$ROOT/target/musl/musl-1.2.3"
SYSROOT="$OUT/sysroot"
cp -a "$MUSL_SRC" "$OUT/musl"
(cd "$OUT/musl" && CC=gcc ./configure --prefix="$SYSROOT" --disable-shared && make -s -j2 && make -s install) >> "$LOG" 2>&1 \
    || { tail -20 "$LOG" >&2; exit 1; }
# Linux's own headers (toybox includes them), after musl's, never glibc's:
# the tree tools/c-programs.sh links for mxcc.
KINC="$ROOT/target/sysroot/kernel-include"
[[ -d "$KINC" ]] || { echo "linux-c: run tools/c-programs.sh first (no $KINC)" >&2; exit 1; }
CC="$SYSROOT/bin/musl-gcc"
CFLAGS="-O2 -idirafter $KINC"

# 2. The benchmark program.
"$CC" $CFLAGS -static -std=gnu11 -Wall -Werror -o "$OUT/cbench" user/c/cbench.c >> "$LOG" 2>&1 \
    || { tail -20 "$LOG" >&2; exit 1; }

# 3. dash, configured as tools/dash.sh does, linked static.
DASH_SRC="$(tools/debian-source.sh dash 0.5.12-2 "$ROOT/target/dash")"
cp -a "$DASH_SRC" "$OUT/dash"
(cd "$OUT/dash" && autoreconf -fi \
    && ./configure --host=x86_64-linux-musl --build="$(gcc -dumpmachine)" CC="$CC" CC_FOR_BUILD=gcc CFLAGS=-O2 LDFLAGS=-static \
    && make -j2) >> "$LOG" 2>&1 || { tail -30 "$LOG" >&2; exit 1; }
strip -o "$OUT/sh" "$OUT/dash/src/dash"

# 4. toybox with tools/toybox.sh's configuration, linked static.
TOY_SRC="$(tools/debian-source.sh toybox 0.8.9+dfsg-1 "$ROOT/target/toybox")"
cp -a "$TOY_SRC" "$OUT/toybox-build"
(cd "$OUT/toybox-build" && make defconfig HOSTCC=gcc \
    && sed -i -e 's/^# CONFIG_DIFF is not set$/CONFIG_DIFF=y/' -e 's/^# CONFIG_TR is not set$/CONFIG_TR=y/' -e 's/^# CONFIG_DD is not set$/CONFIG_DD=y/' .config \
    && make oldconfig HOSTCC=gcc < /dev/null \
    && LDFLAGS=--static make toybox CC="$CC" CFLAGS="$CFLAGS" HOSTCC=gcc) >> "$LOG" 2>&1 || { tail -30 "$LOG" >&2; exit 1; }
cp "$OUT/toybox-build/toybox" "$OUT/toybox"
for p in "$OUT/cbench" "$OUT/sh" "$OUT/toybox"; do
    # A static program asks for no program interpreter.
    if readelf -l "$p" | grep -q INTERP; then echo "linux-c: $p is not static" >&2; exit 1; fi
done
echo "$stamp_now" > "$OUT/stamp"
echo "$OUT"
