#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds target/rootfs.img from rootfs/ with mkimage (the minixfs crate) and
# checks it with util-linux's fsck.minix -f. Any finding fails: fsck.minix
# exits non-zero when it finds anything, and so does this script.
set -euo pipefail
cd "$(dirname "$0")/.."
IMG=target/rootfs.img
FSCK=/usr/sbin/fsck.minix
[[ -x $FSCK ]] || FSCK="$(command -v fsck.minix || true)"
if [[ -z $FSCK ]]; then
    echo "fsck-check: fsck.minix not found (tools/setup.sh installs util-linux)"
    exit 1
fi
tools/rootfs.sh
"$FSCK" -f "$IMG"
echo "fsck-check: $IMG passes fsck.minix -f"
