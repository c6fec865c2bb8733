#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Compares the guest's clock with the host's over the guest's two marks.

    tools/clock-watch.py GUEST_LOG RESULT_FILE

Follows GUEST_LOG (the console QEMU is writing) and notes the host's wall
clock the moment each of the lines `clock.mark 1 <s>.<ns>` and
`clock.mark 2 <s>.<ns>` appears (init's clock.host_marks_10s_apart test
prints them 10 s apart, each with the guest's CLOCK_REALTIME). Then it
writes one line to RESULT_FILE: `ok ...` when the guest's interval is
within 1% of the host's, `FAILED ...` otherwise, with both intervals and
the guest's realtime offset from the host's at the first mark (which only
the CMOS clock's whole seconds bound). It polls every 2 ms, so the host's
reading of each mark is late by at most that, plus the console's delay,
alike for both marks. Runs until both marks appeared; the caller ends it
otherwise.
"""
import re
import sys
import time

MARK = re.compile(rb"clock\.mark ([12]) (\d+)\.(\d{9})")


def main():
    log, result = sys.argv[1], sys.argv[2]
    seen = {}
    pos = 0
    buf = b""
    while len(seen) < 2:
        try:
            with open(log, "rb") as f:
                f.seek(pos)
                chunk = f.read()
        except FileNotFoundError:
            chunk = b""
        now = time.time()
        if chunk:
            pos += len(chunk)
            buf += chunk
            for m in MARK.finditer(buf):
                n = int(m.group(1))
                if n not in seen:
                    seen[n] = (now, int(m.group(2)) + int(m.group(3)) / 1e9)
            # Keep only a possibly incomplete last line.
            buf = buf[buf.rfind(b"\n") + 1:]
        time.sleep(0.002)
    (h1, g1), (h2, g2) = seen[1], seen[2]
    host, guest = h2 - h1, g2 - g1
    drift = abs(guest - host) / host if host > 0 else 1.0
    verdict = "ok" if drift < 0.01 else "FAILED"
    line = (f"{verdict} host {host:.3f} s, guest {guest:.3f} s, drift {drift * 100:.3f}%, "
            f"guest realtime minus host at mark 1: {g1 - h1:+.3f} s\n")
    with open(result, "w") as f:
        f.write(line)


if __name__ == "__main__":
    main()
