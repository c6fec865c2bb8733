#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes the block driver's test disk: SIZE bytes (a multiple of 512) in
which every sector says where it is, so a read of the wrong sector, or a
shifted one, cannot pass. init's tests (user/init/src/tests_blk.rs,
`pattern`) compute the same bytes.

Sector s, byte i:
  bytes 0-7    s, little-endian u64
  bytes 8-15   b"SEL4BLK\\0"
  bytes 16-23  the disk's size in bytes, little-endian u64
  bytes 24-511 (s * 131 + i * 7) & 0xff

  tools/mkdisk.py FILE [SIZE]   (SIZE defaults to 4 MiB)
"""
import struct
import sys


def sector(s: int, size: int) -> bytes:
    head = struct.pack("<Q", s) + b"SEL4BLK\0" + struct.pack("<Q", size)
    return head + bytes((s * 131 + i * 7) & 0xFF for i in range(24, 512))


def main() -> None:
    path = sys.argv[1]
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 4 << 20
    if size <= 0 or size % 512:
        sys.exit("mkdisk.py: SIZE must be a positive multiple of 512")
    with open(path, "wb") as f:
        for s in range(size // 512):
            f.write(sector(s, size))


if __name__ == "__main__":
    main()
