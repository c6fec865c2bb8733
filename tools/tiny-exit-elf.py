#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes the smallest static x86_64 Linux program that exits with 0:

    tools/tiny-exit-elf.py OUT

An ELF header, one program header (the whole file, read and execute, at
0x400000) and three instructions: xor edi, edi; mov eax, 60 (exit);
syscall. The Linux peer of `make bench` execs it for exec_small.
"""
import struct
import sys

BASE = 0x400000
EHDR, PHDR = 64, 56
CODE = bytes([0x31, 0xFF, 0xB8, 0x3C, 0x00, 0x00, 0x00, 0x0F, 0x05])
entry = BASE + EHDR + PHDR
size = EHDR + PHDR + len(CODE)
ehdr = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
ehdr += struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, entry, EHDR, 0, 0, EHDR, PHDR, 1, 0, 0, 0)
phdr = struct.pack("<IIQQQQQQ", 1, 5, 0, BASE, BASE, size, size, 0x1000)
with open(sys.argv[1], "wb") as f:
    f.write(ehdr + phdr + CODE)
