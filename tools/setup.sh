#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Installs what building and booting need, on a fresh Debian machine.
# Idempotent and quick when everything is already there.
set -euo pipefail
SUDO=""
if [[ "$(id -u)" != 0 ]] && command -v sudo >/dev/null; then SUDO=sudo; fi

need_apt=()
command -v qemu-system-x86_64 >/dev/null || need_apt+=(qemu-system-x86)
command -v xmllint >/dev/null || need_apt+=(libxml2-utils)
command -v gcc >/dev/null || need_apt+=(gcc)
command -v make >/dev/null || need_apt+=(make)
command -v patch >/dev/null || need_apt+=(patch)
# apt-get source (tools/musl.sh) unpacks with dpkg-source.
command -v dpkg-source >/dev/null || need_apt+=(dpkg-dev)
command -v objcopy >/dev/null || need_apt+=(binutils)
# Debian's dash (tools/dash.sh): a Debian patch touches Makefile.am.
command -v autoreconf >/dev/null || need_apt+=(autoconf)
command -v automake >/dev/null || need_apt+=(automake)
[[ -x /usr/sbin/fsck.minix ]] || command -v fsck.minix >/dev/null || need_apt+=(util-linux)
if [[ ${#need_apt[@]} -gt 0 ]]; then
    echo "setup: installing ${need_apt[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

PY="${PYTHON:-python3}"
if ! "$PY" -c 'import tempita, ply' 2>/dev/null; then
    echo "setup: installing the Python modules tempita and ply"
    "$PY" -m pip install -q tempita ply 2>/dev/null \
        || "$PY" -m pip install -q --break-system-packages tempita ply
fi

if ! rustup target list --installed 2>/dev/null | grep -qx x86_64-unknown-none; then
    echo "setup: adding the Rust target x86_64-unknown-none"
    rustup target add x86_64-unknown-none
fi

# make test checks formatting and clippy.
for c in rustfmt clippy; do
    if ! rustup component list --installed 2>/dev/null | grep -q "^$c"; then
        echo "setup: adding the Rust component $c"
        rustup component add "$c"
    fi
done
