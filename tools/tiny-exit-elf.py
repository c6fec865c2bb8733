#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes the smallest static x86_64 program that exits with 0:

    tools/tiny-exit-elf.py [--minix] OUT

An ELF header, one program header (the whole file, read and execute, at
0x400000) and a few instructions. For Linux: xor edi, edi; mov eax, 60
(exit); syscall. With --minix, for our system: PM's EXIT with code 0 as
a seL4 Send on the PM endpoint (cap 4): rdx = -3 (seL4_SysSend), rdi = 4,
rsi = the message tag (label EXIT 0x103, one word), r10 = 0; then a jump
back, never taken (PM ends the process). `make bench` times fork + exec
of these for exec_small, so both systems exec the same-sized program.
"""
import struct
import sys

BASE = 0x400000
EHDR, PHDR = 64, 56
LINUX = bytes([0x31, 0xFF, 0xB8, 0x3C, 0x00, 0x00, 0x00, 0x0F, 0x05])
MINIX = bytes(
    [0x48, 0xC7, 0xC2, 0xFD, 0xFF, 0xFF, 0xFF]  # mov rdx, -3
    + [0xBF, 0x04, 0x00, 0x00, 0x00]  # mov edi, 4
    + [0xBE, 0x01, 0x30, 0x10, 0x00]  # mov esi, 0x103001
    + [0x4D, 0x31, 0xD2]  # xor r10, r10
    + [0x0F, 0x05]  # syscall
    + [0xEB, 0xE8]  # jmp back to the start
)
code = MINIX if "--minix" in sys.argv[1:] else LINUX
out = [a for a in sys.argv[1:] if a != "--minix"][0]
entry = BASE + EHDR + PHDR
size = EHDR + PHDR + len(code)
ehdr = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
ehdr += struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, entry, EHDR, 0, 0, EHDR, PHDR, 1, 0, 0, 0)
phdr = struct.pack("<IIQQQQQQ", 1, 5, 0, BASE, BASE, size, size, 0x1000)
with open(out, "wb") as f:
    f.write(ehdr + phdr + code)
