#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# Writes an uncompressed newc cpio archive, the format Linux unpacks as its
# initramfs, without needing the cpio tool or root (device nodes are just
# header fields here). Every timestamp is 0, so the same inputs give the
# same bytes.
#   mkcpio.py OUT ENTRY...
# where ENTRY is one of
#   dir:PATH            a directory, mode 0755
#   chr:PATH:MAJ:MIN    a character device, mode 0600
#   file:PATH:SOURCE    a regular file copied from SOURCE, mode 0755
import sys


def header(ino, mode, size, name, rmaj=0, rmin=0, nlink=1):
    fields = [ino, mode, 0, 0, nlink, 0, size, 0, 0, rmaj, rmin, len(name) + 1, 0]
    return b"070701" + b"".join(b"%08x" % f for f in fields)


def pad4(n):
    return b"\0" * (-n % 4)


def entry(ino, mode, name, data=b"", rmaj=0, rmin=0):
    name_b = name.encode()
    h = header(ino, mode, len(data), name_b, rmaj, rmin, 2 if mode & 0o040000 else 1)
    out = h + name_b + b"\0"
    out += pad4(len(out))
    return out + data + pad4(len(data))


def main():
    out, specs = sys.argv[1], sys.argv[2:]
    archive = b""
    for ino, spec in enumerate(specs, start=1):
        kind, rest = spec.split(":", 1)
        if kind == "dir":
            archive += entry(ino, 0o040755, rest.lstrip("/"))
        elif kind == "chr":
            path, maj, mn = rest.split(":")
            archive += entry(ino, 0o020600, path.lstrip("/"), b"", int(maj), int(mn))
        elif kind == "file":
            path, src = rest.split(":", 1)
            with open(src, "rb") as f:
                archive += entry(ino, 0o100755, path.lstrip("/"), f.read())
        else:
            sys.exit("mkcpio: unknown entry " + spec)
    archive += entry(0, 0, "TRAILER!!!")
    with open(out, "wb") as f:
        f.write(archive)


if __name__ == "__main__":
    main()
