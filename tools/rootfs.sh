#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds target/rootfs.img, the boot file system FS embeds, from rootfs/
# with mkimage: ROOTFS_KIB KiB (24576 by default) of 1 KiB blocks, the only
# size fsck.minix reads. The image is replaced only when its bytes change:
# FS and the root task embed it, and cargo rebuilds them whenever the file
# is newer than they are.
set -euo pipefail
cd "$(dirname "$0")/.."
IMG=target/rootfs.img
mkdir -p target
TMP="$(mktemp target/rootfs.img.XXXXXX)"
trap 'rm -f "$TMP"' EXIT
cargo run -q --release -p mkimage -- --size "${ROOTFS_KIB:-24576}" --block-size 1024 --out "$TMP" rootfs/
if ! cmp -s "$TMP" "$IMG"; then
    mv "$TMP" "$IMG"
fi
