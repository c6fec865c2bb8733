#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Prints a guest console log as the tests' lines read it:

    tools/clean-log.py LOG

Carriage returns go, and so does every message of the seL4 kernel's own
(`<<seL4(CPU 0) [...]: ...>>` and its newline). The kernel prints those
(a debug build's user errors, such as a reply to a cap a cancelled call
left empty) straight to the serial port, in the middle of whatever line
a process was writing: `t<<seL4...>>\\nest signal.x: ok` must count as
`test signal.x: ok`.
"""
import re
import sys

with open(sys.argv[1], "rb") as f:
    text = f.read().replace(b"\r", b"")
sys.stdout.buffer.write(re.sub(rb"<<seL4\(.*?>>\n?", b"", text, flags=re.S))
