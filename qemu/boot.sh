#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Boots the kernel with a root task under QEMU TCG.
#   qemu/boot.sh KERNEL32 ROOTTASK [--timeout SECONDS] [--icount] [--gdb] [--log FILE] [--disk FILE]
# With --timeout the boot is cut off after SECONDS (exit status 124). The
# guest ends QEMU through isa-debug-exit: status 1 means the guest reported
# success, 3 failure. Without --log the console stays on the terminal.
# --disk attaches FILE (raw) as a legacy-only virtio-blk PCI device, the
# block driver's disk; without it the driver finds none.
set -uo pipefail
KERNEL="$1"; ROOT="$2"; shift 2
TIMEOUT=""; ICOUNT=(); GDB=(); LOG=""; DISK=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --timeout) TIMEOUT="$2"; shift 2 ;;
        --icount) ICOUNT=(-icount shift=0); shift ;;
        --gdb) GDB=(-S -gdb tcp::1234); shift ;;
        --log) LOG="$2"; shift 2 ;;
        --disk) DISK=(-drive "file=$2,format=raw,if=none,id=hd0"
                      -device virtio-blk-pci,drive=hd0,disable-modern=on); shift 2 ;;
        *) echo "boot.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
QEMU=(qemu-system-x86_64 -machine pc -cpu Nehalem,-vme,+fsgsbase,+invtsc -m 512 -nographic
      -serial mon:stdio -no-reboot
      -device isa-debug-exit,iobase=0xf4,iosize=0x04
      -kernel "$KERNEL" -append "console_port=0x3f8 debug_port=0x3f8"
      -initrd "$ROOT" "${DISK[@]}" "${ICOUNT[@]}" "${GDB[@]}")
if [[ -n "$TIMEOUT" ]]; then
    QEMU=(timeout --foreground -k 5 "$TIMEOUT" "${QEMU[@]}")
fi
if [[ -n "$LOG" ]]; then
    "${QEMU[@]}" < /dev/null > "$LOG" 2>&1
else
    "${QEMU[@]}"
fi
