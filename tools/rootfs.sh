#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds target/rootfs.img, the boot file system FS embeds, from rootfs/
# and the programs that live on it (built here for x86_64-unknown-none,
# in target/, and put in bin/ of a staging copy), with mkimage: ROOTFS_KIB
# KiB (24576 by default) of 1 KiB blocks, the only size fsck.minix reads. The image is replaced only when its bytes change:
# FS and the root task embed it, and cargo rebuilds them whenever the file
# is newer than they are.
set -euo pipefail
cd "$(dirname "$0")/.."
IMG=target/rootfs.img
mkdir -p target
# The programs on the disk, always built in target/ whichever build
# (bench, crash) asked for the image.
PROGRAMS=(probe)
CARGO_TARGET_DIR="$PWD/target" cargo build -q --release --target x86_64-unknown-none "${PROGRAMS[@]/#/-p}"
STAGE=target/rootfs-stage
rm -rf "$STAGE"
cp -a rootfs "$STAGE"
for p in "${PROGRAMS[@]}"; do
    # Without debug information: what runs is the same, the disk smaller.
    strip -o "$STAGE/bin/$p" "target/x86_64-unknown-none/release/$p"
    chmod 0755 "$STAGE/bin/$p"
done
# exec_small's tiny program (the bench's; the exec tests run it too).
python3 tools/tiny-exit-elf.py --minix "$STAGE/bin/exit0"
chmod 0755 "$STAGE/bin/exit0"
TMP="$(mktemp target/rootfs.img.XXXXXX)"
# The staging tree stays: make bench builds its disk from it too.
trap 'rm -f "$TMP"' EXIT
cargo run -q --release -p mkimage -- --size "${ROOTFS_KIB:-24576}" --block-size 1024 --out "$TMP" "$STAGE/"
if ! cmp -s "$TMP" "$IMG"; then
    mv "$TMP" "$IMG"
fi
