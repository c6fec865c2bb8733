#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Boots the kernel with a root task under QEMU TCG.
#   qemu/boot.sh KERNEL32 ROOTTASK [--timeout SECONDS] [--icount] [--gdb] [--log FILE] [--disk FILE]
#                [--kill-on REGEX]
# With --timeout the boot is cut off after SECONDS (exit status 124). The
# guest ends QEMU through isa-debug-exit: status 1 means the guest reported
# success, 3 failure. Without --log the console stays on the terminal.
# --disk attaches FILE (raw) as a legacy-only virtio-blk PCI device, the
# block driver's disk; without it the driver finds none.
# --kill-on (with --log) kills QEMU, as a power cut would, as soon as a
# console line matches REGEX (grep -E); the status is then 137.
set -uo pipefail
KERNEL="$1"; ROOT="$2"; shift 2
TIMEOUT=""; ICOUNT=(); GDB=(); LOG=""; DISK=(); KILL_ON=
while [[ $# -gt 0 ]]; do
    case "$1" in
        --timeout) TIMEOUT="$2"; shift 2 ;;
        --icount) ICOUNT=(-icount shift=0); shift ;;
        --gdb) GDB=(-S -gdb tcp::1234); shift ;;
        --log) LOG="$2"; shift 2 ;;
        --kill-on) KILL_ON="$2"; shift 2 ;;
        --disk) DISK=(-drive "file=$2,format=raw,if=none,id=hd0"
                      -device virtio-blk-pci,drive=hd0,disable-modern=on); shift 2 ;;
        *) echo "boot.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
QEMU=(qemu-system-x86_64 -machine pc -cpu Nehalem,-vme,+fsgsbase,+invtsc,+rdrand -m 512 -nographic
      -serial mon:stdio -no-reboot
      -device isa-debug-exit,iobase=0xf4,iosize=0x04
      -kernel "$KERNEL" -append "console_port=0x3f8 debug_port=0x3f8"
      -initrd "$ROOT" "${DISK[@]}" "${ICOUNT[@]}" "${GDB[@]}")
# QEMU_EXTRA: more QEMU options for one investigation (-d int -D FILE, say).
if [[ -n "${QEMU_EXTRA:-}" ]]; then
    read -r -a extra <<< "$QEMU_EXTRA"
    QEMU+=("${extra[@]}")
fi
if [[ -n "$TIMEOUT" ]]; then
    QEMU=(timeout --foreground -k 5 "$TIMEOUT" "${QEMU[@]}")
fi
if [[ -n "$LOG" && -n "$KILL_ON" ]]; then
    # Empty the log first: the background job's redirection may come after
    # the first look below, which would otherwise see an earlier boot's
    # lines (and kill this QEMU at once).
    : > "$LOG"
    "${QEMU[@]}" < /dev/null > "$LOG" 2>&1 &
    pid=$!
    while kill -0 "$pid" 2> /dev/null; do
        if tr -d '\r' < "$LOG" | grep -Eq -- "$KILL_ON"; then
            pkill -KILL -P "$pid" 2> /dev/null; kill -KILL "$pid" 2> /dev/null
            wait "$pid" 2> /dev/null
            exit 137
        fi
        sleep 0.2
    done
    wait "$pid"
elif [[ -n "$LOG" ]]; then
    "${QEMU[@]}" < /dev/null > "$LOG" 2>&1
else
    "${QEMU[@]}"
fi
