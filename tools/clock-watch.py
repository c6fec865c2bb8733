#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Compares the guest's clock with the host's over the guest's marks.

    tools/clock-watch.py GUEST_LOG RESULT_FILE

Follows GUEST_LOG (the console QEMU is writing) and notes the host's wall
clock the moment each line `clock.mark <i> <s>.<ns>` appears (init's
clock.host_marks_10s_apart test prints marks 0 to 10, a second apart,
each with the guest's CLOCK_REALTIME). A mark can only be seen late, never
early: the guest may be preempted between reading its clock and the
line's last byte (it then prints `clock.skip <i>`, and the mark is
forgotten until printed again), and this watcher may be slow to run. So the host's
offset from the guest at each end is the least of the offsets seen over
the first and over the last three marks, and the drift is the change in
that offset over the guest's interval. Then it writes one line to
RESULT_FILE: `ok ...` when the drift is within 1%, `FAILED ...`
otherwise, with both intervals and the guest's realtime offset from the
host's (which only the CMOS clock's whole seconds bound). Intervals are
taken on the host's CLOCK_MONOTONIC_RAW, never its wall clock: a fresh CI
machine's NTP client may step the wall clock by seconds mid-run (one run
saw the host "take" 8.2 s over the guest's 10), and QEMU's TSC and PIT
follow the host's monotonic time anyway. It polls every 2 ms. Runs until the test's own result line appeared; the caller ends it otherwise.
"""
import re
import sys
import time

MARK = re.compile(rb"clock\.(mark|skip) (\d+)(?: (\d+)\.(\d{9}))?")
DONE = b"test clock.host_marks_10s_apart"
LAST = 10
ENDS = 3


def main():
    log, result = sys.argv[1], sys.argv[2]
    seen = {}
    pos = 0
    buf = b""
    done = False
    while not done:
        try:
            with open(log, "rb") as f:
                f.seek(pos)
                chunk = f.read()
        except FileNotFoundError:
            chunk = b""
        now = time.clock_gettime(time.CLOCK_MONOTONIC_RAW)
        wall_minus_mono = time.time() - now
        if chunk:
            pos += len(chunk)
            buf += chunk
            # Whole lines only: a line's end is when the host sees it.
            cut = buf.rfind(b"\n") + 1
            lines, buf = buf[:cut], buf[cut:]
            for m in MARK.finditer(lines):
                n = int(m.group(2))
                if m.group(1) == b"skip":
                    # The guest says that line went out late: it prints
                    # the mark again.
                    seen.pop(n, None)
                elif n not in seen and m.group(3) is not None:
                    seen[n] = (now, int(m.group(3)) + int(m.group(4)) / 1e9, wall_minus_mono)
            # The test's own line ends the marks (a skip may follow the last).
            done = DONE in lines
        time.sleep(0.002)
    first = [seen[i] for i in range(ENDS) if i in seen]
    last = [seen[i] for i in range(LAST - ENDS + 1, LAST + 1) if i in seen]
    if LAST not in seen or 0 not in seen or not first or not last:
        line = "FAILED the marks at the ends were not all seen\n"
    else:
        # The host's time minus the guest's at each end: the least delayed.
        early = min(h - g for h, g, _ in first)
        late = min(h - g for h, g, _ in last)
        wall_early = min(h + w - g for h, g, w in first)
        guest = seen[LAST][1] - seen[0][1]
        host = guest + (late - early)
        drift = abs(late - early) / guest if guest > 0 else 1.0
        verdict = "ok" if drift < 0.01 else "FAILED"
        line = (f"{verdict} host {host:.3f} s, guest {guest:.3f} s, drift {drift * 100:.3f}%, "
                f"guest realtime minus host at mark 0: {-wall_early:+.3f} s\n")
    with open(result, "w") as f:
        f.write(line)


if __name__ == "__main__":
    main()
