#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The Linux peer of `make bench`: boots Debian's own kernel in the same QEMU
# mode as our system (-icount shift=0, one TSC tick per guest instruction)
# with a static benchmark program as /init, and writes its
# `measure name=<id> instr=<n>` lines to target/bench-linux.txt.
#   tools/bench-linux.sh [--timeout SECONDS]
# The kernel is fetched with apt-get download and unpacked under
# target/linux/ (never installed on this machine); both steps are skipped
# when already done, so the figures stay those of one kernel build until
# target/linux/ is deleted.
set -euo pipefail
cd "$(dirname "$0")/.."
TIMEOUT=600
while [[ $# -gt 0 ]]; do
    case "$1" in
        --timeout) TIMEOUT="$2"; shift 2 ;;
        *) echo "bench-linux.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
ROOT="$PWD"
LINUX="$ROOT/target/linux"
OUT="$ROOT/target/bench-linux.txt"
mkdir -p "$LINUX"

tools/setup.sh
SUDO=""
if [[ "$(id -u)" != 0 ]] && command -v sudo >/dev/null; then SUDO=sudo; fi
# The static benchmark links glibc's libc.a.
if [[ ! -e /usr/lib/x86_64-linux-gnu/libc.a ]]; then
    echo "bench-linux: installing libc6-dev"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libc6-dev >/dev/null
fi

# --- Debian's kernel --------------------------------------------------------
# The meta package names the current versioned image package; only its
# vmlinuz, config and the modules the bench disk needs are kept.
# The disk figures' modules: virtio over PCI, its block driver, and the
# MINIX file system (Debian builds each as a module).
DISK_MODULES=(virtio_pci virtio_blk minix)

# keep_modules TREE: copies DISK_MODULES and what they depend on (each
# module's modinfo `depends=`) from the package's module TREE into
# $LINUX/modules.new, numbered so that name order is a load order.
keep_modules() {
    local tree="$1" n=0
    local -A done=()
    mkdir -p "$LINUX/modules.new"
    add() {
        local name="$1" file dep
        [[ -n "${done[$name]:-}" ]] && return 0
        done[$name]=1
        file=$(find "$tree" -name "$name.ko" | head -n1)
        if [[ -z "$file" ]]; then
            echo "bench-linux: the kernel package has no module $name" >&2
            exit 1
        fi
        for dep in $(strings "$file" | sed -n 's/^depends=//p' | tr ',' ' '); do
            add "$dep"
        done
        n=$((n + 1))
        cp "$file" "$LINUX/modules.new/$(printf '%02d' "$n")-$name.ko"
    }
    for m in "${DISK_MODULES[@]}"; do add "$m"; done
}

fetch_kernel() {
    if ! apt-cache show linux-image-amd64 >/dev/null 2>&1; then
        $SUDO apt-get update -qq
    fi
    local pkg dl
    pkg=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-6\.[^ ]*-amd64\)$/\1/p' | head -n1)
    if [[ -z "$pkg" ]]; then
        echo "bench-linux: cannot find the versioned kernel package" >&2
        exit 1
    fi
    echo "bench-linux: fetching $pkg"
    dl="$LINUX/dl"
    rm -rf "$dl"; mkdir -p "$dl"
    # apt's sandbox user must be able to write the download directory.
    chmod 777 "$dl"
    (cd "$dl" && apt-get download -qq linux-image-amd64 "$pkg")
    dpkg -x "$dl/$pkg"_*.deb "$dl/root"
    cp "$dl"/root/boot/vmlinuz-* "$LINUX/vmlinuz.new"
    cp "$dl"/root/boot/config-* "$LINUX/config"
    rm -rf "$LINUX/modules.new"
    keep_modules "$dl/root/lib/modules"
    echo "$pkg $(dpkg-deb -f "$dl/$pkg"_*.deb Version)" > "$LINUX/version"
    rm -rf "$LINUX/modules"
    mv "$LINUX/modules.new" "$LINUX/modules"
    mv "$LINUX/vmlinuz.new" "$LINUX/vmlinuz"
    rm -rf "$dl"
}
# The kernel and its modules come from one package: either missing means
# fetching both again.
if [[ ! -s "$LINUX/vmlinuz" || ! -d "$LINUX/modules" ]]; then
    fetch_kernel
fi
echo "bench-linux: kernel $(cat "$LINUX/version")"

# --- The benchmark program and its initramfs ---------------------------------
# A static glibc binary: the initramfs holds nothing else. Its own target
# directory keeps it out of the way of the seL4 builds.
export CARGO_TARGET_DIR="$ROOT/target/linux-build"
cargo build --release -q -p bench-linux --target x86_64-unknown-linux-gnu \
    --config 'target.x86_64-unknown-linux-gnu.rustflags=["-C","target-feature=+crt-static","-C","strip=debuginfo"]'
BIN="$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/release/bench-linux"
# /dev/console must exist for the kernel to give init its stdio.
MODS=()
for m in "$LINUX"/modules/*.ko; do MODS+=("file:modules/$(basename "$m"):$m"); done
# exec_small's tiny program.
python3 tools/tiny-exit-elf.py "$LINUX/exit0"
# The C figures' programs: cbench, dash as /bin/sh, toybox for the
# pipeline's seq, sort and wc (the command its argv[0] names), against
# stock musl.
LC="$(tools/linux-c.sh)"
python3 tools/mkcpio.py "$LINUX/initramfs.cpio.new" \
    dir:dev chr:dev/console:5:1 dir:proc dir:sys dir:tmp "file:init:$BIN" \
    chr:dev/null:1:3 \
    dir:bin "file:bin/exit0:$LINUX/exit0" \
    "file:bin/cbench:$LC/cbench" "file:bin/sh:$LC/sh" "file:bin/toybox:$LC/toybox" \
    "file:bin/seq:$LC/toybox" "file:bin/sort:$LC/toybox" "file:bin/wc:$LC/toybox" \
    dir:modules "${MODS[@]}"
mv "$LINUX/initramfs.cpio.new" "$LINUX/initramfs.cpio"

# --- The disk -------------------------------------------------------------------
# The disk figures' disk, made as make bench makes ours: the same image
# builder, size and block size, from the same tree, attached as the same
# legacy virtio-blk PCI device.
cargo build -q --release -p mkimage
DISK="$LINUX/disk.img"
rm -f "$DISK"
"$CARGO_TARGET_DIR/release/mkimage" --size 131072 --block-size 1024 --out "$DISK" rootfs/

# --- Boot ---------------------------------------------------------------------
# The CPU and memory of qemu/boot.sh. -icount with sleep=off and a fixed
# guest clock make the run deterministic: time advances by instructions
# only. Kernel options: no mitigations (the notes' figures are without;
# with them every figure is within 5%), no address randomisation for user
# space (norandmaps) or the kernel (nokaslr), and panic=-1 with -no-reboot
# so a dying init ends QEMU at once instead of at the timeout. idle=poll
# spins where the CPU would halt: under sleep=off a halted CPU makes QEMU
# jump the clock to the next timer deadline (a 4 ms tick here), so the disk
# figures would measure ticks, not the disk; our bench boot polls the same
# way (root-task/src/bench.rs, start_idle_poller). No NIC: the
# guest has no driver for it and its option ROM only slows the boot.
LOG="$LINUX/boot.log"
echo "bench-linux: booting (timeout ${TIMEOUT}s, log $LOG)"
status=0
timeout --foreground -k 5 "$TIMEOUT" \
    qemu-system-x86_64 -machine pc -cpu Nehalem,-vme,+fsgsbase,+invtsc,+rdrand -m 512 -smp 1 \
        -nographic -serial mon:stdio -no-reboot -nic none \
        -icount shift=0,sleep=off -rtc base=2026-01-01,clock=vm \
        -drive "file=$DISK,format=raw,if=none,id=hd0" -device virtio-blk-pci,drive=hd0,disable-modern=on \
        -kernel "$LINUX/vmlinuz" -initrd "$LINUX/initramfs.cpio" \
        -append "console=ttyS0 mitigations=off quiet norandmaps nokaslr panic=-1 idle=poll" \
        < /dev/null > "$LOG" 2>&1 || status=$?

tr -d '\r' < "$LOG" | grep -a -E '^bench-linux:' || true
tr -d '\r' < "$LOG" | grep -a -E '^measure name=[a-z0-9_]+ instr=[0-9]+$' > "$LINUX/figures.txt" || true
tr -d '\r' < "$LOG" | grep -a -E '^measure ' || true
if [[ $status -ne 0 ]]; then
    echo "bench-linux: QEMU failed (status $status; 124 is the timeout)" >&2
    exit 1
fi
if ! tr -d '\r' < "$LOG" | grep -a -q -E '^bench-linux: done: [0-9]+ units, 0 failed$'; then
    echo "bench-linux: the guest did not finish every unit; see $LOG" >&2
    exit 1
fi
# Only a complete run replaces the figures `make bench` uses.
cp "$LINUX/figures.txt" "$OUT"
echo "bench-linux: $(wc -l < "$OUT") figures in $OUT"
