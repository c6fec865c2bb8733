#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# make test: the host tests, then the in-QEMU tests, then one summary line.
# Exits non-zero on any failure, a timeout, or a boot that never reached
# the tests.
set -uo pipefail
KERNEL="$1"; TIMEOUT="${2:-400}"
LOGDIR=target/test-logs
mkdir -p "$LOGDIR"
host_pass=0; host_fail=0; guest_pass=0; guest_fail=0; problems=()

echo "== host tests (cargo test --workspace)"
cargo test --workspace 2>&1 | tee "$LOGDIR/host.log"
host_status=${PIPESTATUS[0]}
while read -r p f; do
    host_pass=$((host_pass + p)); host_fail=$((host_fail + f))
done < <(sed -n 's/^test result: [a-zA-Z]*\. \([0-9]*\) passed; \([0-9]*\) failed.*/\1 \2/p' "$LOGDIR/host.log")
if [[ $host_status -ne 0 ]]; then
    problems+=("host tests exited with $host_status")
    [[ $host_fail -eq 0 ]] && host_fail=1
fi

echo "== fsck of the root file-system image (tools/fsck-check.sh)"
if tools/fsck-check.sh; then
    host_pass=$((host_pass + 1))
else
    host_fail=$((host_fail + 1)); problems+=("target/rootfs.img fails tools/fsck-check.sh")
fi

# The C library: musl from Debian's source with our patch; the script
# fails if any system call in libc.a bypasses our layer.
echo "== the C library (tools/musl.sh)"
if tools/musl.sh; then
    host_pass=$((host_pass + 1))
else
    host_fail=$((host_fail + 1)); problems+=("tools/musl.sh failed: the C library did not build, or a syscall instruction is left in it")
fi

# House style: formatting (rustfmt.toml) and clippy, failing on drift.
# The fuzz workspace and kernel/fetch are not workspace members, so they
# are checked on their own.
echo "== formatting (cargo fmt --all -- --check)"
if cargo fmt --all -- --check \
    && cargo fmt --all --manifest-path sdk/minix-abi/fuzz/Cargo.toml -- --check \
    && cargo fmt --all --manifest-path kernel/fetch/Cargo.toml -- --check; then
    host_pass=$((host_pass + 1))
else
    host_fail=$((host_fail + 1)); problems+=("the sources are not formatted: run cargo fmt --all")
fi

echo "== clippy on the host (cargo clippy --workspace --all-targets -- -D warnings)"
if cargo clippy --workspace --all-targets -- -D warnings; then
    host_pass=$((host_pass + 1))
else
    host_fail=$((host_fail + 1)); problems+=("cargo clippy --workspace --all-targets -- -D warnings fails")
fi

echo "== building the seL4 programs"
if ! tools/build-sel4.sh; then
    problems+=("the seL4 build failed")
    guest_fail=1
else
    # Clippy on the seL4 programs, with the environment tools/build-sel4.sh
    # gives their build (the images they embed now exist).
    echo "== clippy on the seL4 programs (x86_64-unknown-none)"
    if SEL4M_ROOTFS="$PWD/target/rootfs.img" \
        SEL4M_ROOTFS_BLOCKS=$(( $(stat -c %s target/rootfs.img) / 1024 )) \
        SEL4M_IMAGES="$PWD/target/x86_64-unknown-none/release" \
        cargo clippy --release --target x86_64-unknown-none \
            -p init -p vm-server -p vfs-server -p fs-server -p blk-driver -p timer-driver -p root-task -p probe -p mxsys -- -D warnings; then
        host_pass=$((host_pass + 1))
    else
        host_fail=$((host_fail + 1)); problems+=("cargo clippy on the seL4 programs (x86_64-unknown-none) fails")
    fi
    echo "== in-QEMU tests (timeout ${TIMEOUT}s)"
    # A fresh scratch disk for the block driver's tests (they write to
    # it), every sector carrying the pattern init checks.
    tools/mkdisk.py "$LOGDIR/blk-disk.img" $((4 << 20))
    # The guest's clock against the host's: a watcher notes the host's
    # time as each of init's two clock marks (10 s apart) appears.
    rm -f "$LOGDIR/guest.log" "$LOGDIR/clock-watch.txt"
    tools/clock-watch.py "$LOGDIR/guest.log" "$LOGDIR/clock-watch.txt" &
    watch_pid=$!
    qemu/boot.sh "$KERNEL" target/x86_64-unknown-none/release/root-task \
        --timeout "$TIMEOUT" --log "$LOGDIR/guest.log" --disk "$LOGDIR/blk-disk.img"
    qemu_status=$?
    sleep 0.2
    kill "$watch_pid" 2> /dev/null
    wait "$watch_pid" 2> /dev/null
    clock_line="$(cat "$LOGDIR/clock-watch.txt" 2> /dev/null)"
    echo "== guest clock against the host's: ${clock_line:-no marks seen}"
    sed -n '/Booting all finished/,$p' "$LOGDIR/guest.log"
    line="$(tools/clean-log.py "$LOGDIR/guest.log" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1)"
    if [[ -n "$line" ]]; then
        guest_pass="${line%% passed*}"
        guest_fail="$(echo "$line" | sed 's/.*, \([0-9]*\) failed/\1/')"
    fi
    summary_total=$((guest_pass + guest_fail))
    case $qemu_status in
        1) ;;
        124|137) problems+=("QEMU timed out after ${TIMEOUT}s"); guest_fail=$((guest_fail + 1)) ;;
        3) problems+=("the guest reported failure") ;;
        *) problems+=("QEMU exited with status $qemu_status"); guest_fail=$((guest_fail + 1)) ;;
    esac
    if [[ -z "$line" ]]; then
        problems+=("the guest never printed its summary")
        [[ $guest_fail -eq 0 ]] && guest_fail=1
    fi
    if [[ $qemu_status -eq 3 && $guest_fail -eq 0 ]]; then guest_fail=1; fi
    # Every registered test must have run and been counted: the guest
    # prints how many tests it registered (root task and init each), and
    # the test lines and the summary must both add up to that.
    clean="$(tools/clean-log.py "$LOGDIR/guest.log")"
    registered=$(echo "$clean" | sed -n 's/^tests registered: \([0-9]*\)$/\1/p' | awk '{s += $1} END {print s + 0}')
    ran=$(echo "$clean" | grep -cE '^test [^ ]+: (ok|FAILED)')
    if [[ $(echo "$clean" | grep -c '^tests registered: ') -ne 2 ]]; then
        problems+=("the root task and init did not both report their registered tests")
        guest_fail=$((guest_fail + 1))
    fi
    if [[ $ran -ne $registered ]]; then
        problems+=("$registered tests registered but $ran test lines printed")
        guest_fail=$((guest_fail + 1))
    fi
    if [[ -n "$line" && $summary_total -ne $registered ]]; then
        problems+=("the summary counts $summary_total tests, $registered were registered")
        guest_fail=$((guest_fail + 1))
    fi
    # The names must match the committed list, so a test removed from (or
    # added to) the code without saying so in qemu/guest-tests.txt fails.
    ran_names="$(echo "$clean" | sed -n -E 's/^test ([^ ]+): (ok|FAILED).*/\1/p' | sort)"
    want_names="$(grep -v '^#' qemu/guest-tests.txt | sed '/^$/d' | sort)"
    missing="$(comm -13 <(echo "$ran_names") <(echo "$want_names") | tr '\n' ' ')"
    extra="$(comm -23 <(echo "$ran_names") <(echo "$want_names") | tr '\n' ' ')"
    if [[ -n "${missing// /}" ]]; then
        problems+=("listed in qemu/guest-tests.txt but did not run: $missing")
        guest_fail=$((guest_fail + 1))
    fi
    if [[ -n "${extra// /}" ]]; then
        problems+=("ran but not listed in qemu/guest-tests.txt: $extra")
        guest_fail=$((guest_fail + 1))
    fi
    # What the guest said about its failures, repeated among the problems
    # at the end: a reader who sees only the end of the output (CI's
    # record) still learns which test failed and how (with the last four
    # lines before it of what was said under tests and of VM's reports of
    # processes that faulted).
    if [[ $guest_fail -ne 0 || $qemu_status -ne 1 ]]; then
        while IFS= read -r said; do
            problems+=("the guest said: $said")
        done < <(echo "$clean" | awk '
            /^test [^ ]+: / { if ($0 ~ /: FAILED/) { for (i = 0; i < n; i++) print held[i]; print } n = 0; next }
            /^  |^VM: process .* faulted|^VM:   at ip/ { if (n == 4) { for (i = 0; i < 3; i++) held[i] = held[i + 1]; n = 3 } held[n++] = $0; next }
            /^init: / { for (i = 0; i < n; i++) print held[i]; print; n = 0; next }
            /faulted|panic|KERNEL/ { print }' | head -20)
    fi
    # Counted as one more guest test: clock.agrees_with_the_host_within_1pct.
    if [[ "$clock_line" == ok* ]]; then
        guest_pass=$((guest_pass + 1))
    else
        problems+=("the guest's clock against the host's over 10 s: ${clock_line:-the marks never appeared}")
        guest_fail=$((guest_fail + 1))
    fi
fi

# The disk boots (qemu/disk-test.sh): root on a virtio-blk disk made by
# mkfs.minix, two boots over it with fsck.minix and the host's listing in
# between, a power cut mid-write, and crafted bad images.
if [[ -x target/x86_64-unknown-none/release/root-task ]]; then
    echo "== disk boots (qemu/disk-test.sh)"
    qemu/disk-test.sh "$KERNEL" target/x86_64-unknown-none/release/root-task "$TIMEOUT" 2>&1 | tee "$LOGDIR/disk-test.log"
    disk_status=${PIPESTATUS[0]}
    line="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$LOGDIR/disk-test.log" | tail -1)"
    if [[ -n "$line" ]]; then
        guest_pass=$((guest_pass + ${line%% passed*}))
        guest_fail=$((guest_fail + $(echo "$line" | sed 's/.*, \([0-9]*\) failed/\1/')))
    fi
    if [[ $disk_status -ne 0 ]]; then
        problems+=("the disk boots failed (target/test-logs/disk-test.log)")
        [[ -z "$line" ]] && guest_fail=$((guest_fail + 1))
    fi
fi

# A server fault must stop the system loudly even while PM is blocked in
# a Call to that server: a crash build has VM fault when PM asks it to fork
# (init forks early), and the boot must end with failure and the report.
echo "== server fault while PM waits (crash build)"
if tools/build-sel4.sh crash > "$LOGDIR/crash-build.log" 2>&1; then
    qemu/boot.sh "$KERNEL" target/crash/x86_64-unknown-none/release/root-task \
        --timeout 120 --log "$LOGDIR/crash.log"
    crash_status=$?
    if [[ $crash_status -eq 3 ]] && tools/clean-log.py "$LOGDIR/crash.log" | grep -q '^PM: server VM faulted'; then
        echo "test crash.vm_fault_reported_while_pm_waits: ok"
        guest_pass=$((guest_pass + 1))
    else
        echo "test crash.vm_fault_reported_while_pm_waits: FAILED (QEMU status $crash_status)"
        problems+=("a VM fault during fork was not reported (target/test-logs/crash.log)")
        guest_fail=$((guest_fail + 1))
    fi
    # That boot has no disk: the block driver must say so, report ready
    # (else PM would never have started init, whose fork VM crashes on),
    # and answer ENXIO (init's probe, which leaves the blk tests out).
    # Anywhere in a line: processes print through the kernel one
    # character at a time, so another's output may start the line.
    if tools/clean-log.py "$LOGDIR/crash.log" | grep -q 'blk: no disk; answering ENXIO' \
        && tools/clean-log.py "$LOGDIR/crash.log" | grep -q 'BLK ready'; then
        echo "test crash.no_disk_blk_driver_ready: ok"
        guest_pass=$((guest_pass + 1))
    else
        echo "test crash.no_disk_blk_driver_ready: FAILED"
        problems+=("without a disk the block driver did not report ready (target/test-logs/crash.log)")
        guest_fail=$((guest_fail + 1))
    fi
else
    problems+=("the crash build failed (target/test-logs/crash-build.log)")
    guest_fail=$((guest_fail + 1))
fi

echo "== summary"
echo "host:  $host_pass passed, $host_fail failed"
echo "guest: $guest_pass passed, $guest_fail failed"
for p in "${problems[@]}"; do echo "problem: $p"; done
total_pass=$((host_pass + guest_pass)); total_fail=$((host_fail + guest_fail))
echo "total: $total_pass passed, $total_fail failed"
[[ $total_fail -eq 0 && ${#problems[@]} -eq 0 ]]
