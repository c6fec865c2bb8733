#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds our C programs (user/c/*.c) against musl (tools/musl.sh) and the
# system-call layer (sdk/mxsys, a static library), into DEST/bin.
#   tools/c-programs.sh DEST
# Static, not position-independent, two PT_LOAD segments at 0x400000
# (what exec loads; see c-programs.md in the shared notes). The layer
# comes after libc in one group: libc calls __mx_syscall, and the layer
# uses libc's memcpy and friends.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST="$1"
tools/musl.sh > /dev/null
cargo build -q --release --target x86_64-unknown-none -p mxsys
SYSROOT="$PWD/target/sysroot"
LAYER="$PWD/target/x86_64-unknown-none/release/libmxsys.a"
OUT="$PWD/target/c-build"
mkdir -p "$OUT" "$DEST/bin"
CFLAGS=(-O2 -std=gnu11 -Wall -Werror -fno-pie -nostdinc -isystem "$SYSROOT/include" -isystem "$(gcc -print-file-name=include)")
LDFLAGS=(-static -no-pie -nostdlib -Wl,-z,noseparate-code -Wl,-z,norelro -Wl,--build-id=none -Wl,-Ttext-segment=0x400000)
for src in user/c/*.c; do
    name="$(basename "$src" .c)"
    gcc "${CFLAGS[@]}" -c "$src" -o "$OUT/$name.o"
    gcc "${LDFLAGS[@]}" -o "$OUT/$name" "$SYSROOT/lib/crt1.o" "$SYSROOT/lib/crti.o" "$OUT/$name.o" \
        -Wl,--start-group "$SYSROOT/lib/libc.a" "$LAYER" -Wl,--end-group "$(gcc -print-libgcc-file-name)" "$SYSROOT/lib/crtn.o"
    strip -o "$DEST/bin/$name" "$OUT/$name"
done
