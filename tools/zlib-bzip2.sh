#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds zlib's and bzip2's own test programs from Debian's source
# packages with tools/mxcc, and installs them with the files their
# Makefiles' `test` targets use under DEST/usr/src:
#   zlib/   example, minigzip        (zlib 1.2.13, `make teststatic`)
#   bzip2/  bzip2, sample{1,2,3}.{ref,bz2}   (bzip2 1.0.8, `make test`)
# The guest tests (libc.zlib_*, libc.bzip2_*) run what those targets run.
#   tools/zlib-bzip2.sh DEST
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
DEST="$1"
LAYER="$ROOT/target/x86_64-unknown-none/release/libmxsys.a"
OUT="$ROOT/target/zlib-bzip2"
stamp_now="$(cat tools/zlib-bzip2.sh tools/mxcc "$ROOT/target/sysroot/stamp" "$LAYER" | sha256sum | cut -d' ' -f1)"
if [[ ! -x "$OUT/zlib/minigzip" || ! -x "$OUT/bzip2/bzip2" || "$(cat "$OUT/stamp" 2>/dev/null)" != "$stamp_now" ]]; then
    rm -rf "$OUT"
    mkdir -p "$OUT"
    ZSRC="$(tools/debian-source.sh zlib 1:1.2.13.dfsg-1 "$ROOT/target/zlib")"
    BSRC="$(tools/debian-source.sh bzip2 1.0.8-5 "$ROOT/target/bzip2")"
    cp -a "$ZSRC" "$OUT/zlib"
    (cd "$OUT/zlib" && CC="$ROOT/tools/mxcc" CFLAGS=-O2 ./configure --static && make example minigzip) > "$OUT/zlib.log" 2>&1 \
        || { tail -30 "$OUT/zlib.log" >&2; exit 1; }
    cp -a "$BSRC" "$OUT/bzip2"
    # Debian's Makefile links bzip2 against its shared library; the
    # program is built static from the same sources and flags instead.
    (cd "$OUT/bzip2" && "$ROOT/tools/mxcc" -Wall -Winline -O2 -D_FILE_OFFSET_BITS=64 -o bzip2 \
        bzip2.c blocksort.c huffman.c crctable.c randtable.c compress.c decompress.c bzlib.c) > "$OUT/bzip2.log" 2>&1 \
        || { tail -30 "$OUT/bzip2.log" >&2; exit 1; }
    for p in "$OUT/zlib/example" "$OUT/zlib/minigzip" "$OUT/bzip2/bzip2"; do
        # The whole listing first: a grep -q that stops early would fail
        # the pipeline under pipefail.
        nm "$p" > "$p.nm"
        grep -q ' T __mx_syscall$' "$p.nm" || { echo "zlib-bzip2: $p does not have the system-call layer" >&2; exit 1; }
    done
    echo "$stamp_now" > "$OUT/stamp"
fi
mkdir -p "$DEST/usr/src/zlib" "$DEST/usr/src/bzip2"
strip -o "$DEST/usr/src/zlib/example" "$OUT/zlib/example"
strip -o "$DEST/usr/src/zlib/minigzip" "$OUT/zlib/minigzip"
strip -o "$DEST/usr/src/bzip2/bzip2" "$OUT/bzip2/bzip2"
cp "$OUT"/bzip2/sample[123].{ref,bz2} "$DEST/usr/src/bzip2/"
