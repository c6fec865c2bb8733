#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds the C programs of the root file system into DEST/bin: ours
# (user/c/*.c), Debian's dash as /bin/sh (tools/dash.sh), Debian's bash
# (tools/bash.sh) and Debian's toybox with a link per command
# (tools/toybox.sh), against musl
# (tools/musl.sh) and the system-call layer (sdk/mxsys), with tools/mxcc.
#   tools/c-programs.sh DEST
set -euo pipefail
cd "$(dirname "$0")/.."
DEST="$1"
tools/musl.sh > /dev/null
cargo build -q --release --target x86_64-unknown-none -p mxsys
# Linux's own headers alone (not glibc's), for tools/mxcc's -idirafter.
KINC="$PWD/target/sysroot/kernel-include"
if [[ ! -d "$KINC" ]]; then
    mkdir -p "$KINC.tmp"
    for d in linux asm-generic mtd; do ln -s "/usr/include/$d" "$KINC.tmp/$d"; done
    ln -s /usr/include/x86_64-linux-gnu/asm "$KINC.tmp/asm"
    mv "$KINC.tmp" "$KINC"
fi
OUT="$PWD/target/c-build"
mkdir -p "$OUT" "$DEST/bin"
for src in user/c/*.c; do
    name="$(basename "$src" .c)"
    tools/mxcc -O2 -std=gnu11 -Wall -Werror -o "$OUT/$name" "$src"
    strip -o "$DEST/bin/$name" "$OUT/$name"
done
strip -o "$DEST/bin/sh" "$(tools/dash.sh)"
strip -o "$DEST/bin/bash" "$(tools/bash.sh)"
# Debian's mawk as /bin/awk and gzip as /bin/gzip: toybox 0.8.9 has
# neither (it has gunzip and zcat), and its tests use both.
strip -o "$DEST/bin/awk" "$(tools/mawk.sh)"
strip -o "$DEST/bin/gzip" "$(tools/gzip.sh)"
# toybox, and a symbolic link to it for each of its commands (toybox
# runs the command its argv[0] names) that no program above provides.
TOY="$(tools/toybox.sh)"
cp "$TOY/toybox" "$DEST/bin/toybox"
chmod u+w "$DEST/bin/toybox"
while read -r cmd; do
    [[ -e "$DEST/bin/$cmd" || -L "$DEST/bin/$cmd" ]] || ln -s toybox "$DEST/bin/$cmd"
done < "$TOY/commands"
# zlib's and bzip2's own test programs and their files (libc.zlib_*,
# libc.bzip2_*), under /usr/src.
tools/zlib-bzip2.sh "$DEST"
# toybox's own test suite, as its source has it, for the guest test
# toybox.test_suite (scripts/test.sh with TEST_HOST=1 runs the installed
# commands).
SUITE="$DEST/usr/src/toybox"
mkdir -p "$SUITE/scripts"
cp -a "$TOY/tests" "$SUITE/tests"
cp -a "$TOY/configure" "$SUITE/"
cp -a "$TOY/scripts/test.sh" "$TOY/scripts/runtest.sh" "$TOY/scripts/portability.sh" "$SUITE/scripts/"
