#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The disk boots of make test: the system with a virtio-blk disk as its
# root, over images the host makes and checks.
#   qemu/disk-test.sh <kernel> <root-task> <timeout>
#
# 1. An image made by util-linux's mkfs.minix -3 and filled by mkimage
#    from rootfs/ and the programs with /etc/disk-suite = build. Boot 1 builds /dt (init's
#    disk suite), prints its listing and shuts down cleanly. On the host,
#    fsck.minix -f must pass, and mkimage --list must give the listing
#    the guest printed. Boot 2 (phase verify) lists /dt again: the same
#    lines, and the guest compares them with the listing boot 1 kept.
# 2. Killed mid-write: phase crash writes and fsyncs files until the host
#    kills QEMU; fsck.minix's findings are printed (not hidden, not
#    failing), and the next boot must mount the image and find every file
#    the guest reported durable.
# 3. Bad images: a zeroed superblock magic must give FS's mount error and
#    a system that still comes up on the RAM disk; a file whose first zone
#    points past the device must read EIO while the rest works.
#
# Prints "test disk-host.<name>: ok|FAILED" lines, the guest's test lines,
# and a last line "N passed, N failed" over all of them.
set -uo pipefail
KERNEL="$1"; ROOT_TASK="$2"; TIMEOUT="${3:-600}"
DIR=target/disk-test
LOGS=target/test-logs
mkdir -p "$DIR" "$LOGS"
FSCK=/usr/sbin/fsck.minix
[[ -x $FSCK ]] || FSCK="$(command -v fsck.minix || true)"
MKFS=/usr/sbin/mkfs.minix
[[ -x $MKFS ]] || MKFS="$(command -v mkfs.minix || true)"
cargo build -q --release -p mkimage
MKIMAGE=target/release/mkimage
pass=0; fail=0

check() { # name, then a command that must succeed
    local name="$1"; shift
    if "$@"; then echo "test disk-host.$name: ok"; pass=$((pass + 1))
    else echo "test disk-host.$name: FAILED"; fail=$((fail + 1)); fi
}

# A boot with the disk; counts its test lines. Status 1 is success.
boot() { # image, log, then more boot.sh options
    local img="$1" log="$2"; shift 2
    qemu/boot.sh "$KERNEL" "$ROOT_TASK" --disk "$img" --timeout "$TIMEOUT" --log "$log" "$@" > /dev/null 2>&1
    local status=$?
    local p f
    p=$(tools/clean-log.py "$log" | grep -c '^test .*: ok$'); f=$(tools/clean-log.py "$log" | grep -c '^test .*: FAILED')
    tools/clean-log.py "$log" | grep -E '^test |^disk: [0-9]+ files|^fs: '
    pass=$((pass + p)); fail=$((fail + f))
    [[ $status -eq 1 ]]
}

# The tree as the guest printed it, and as the host lists the image.
guest_list() { tools/clean-log.py "$1" | sed -n 's/^disk: \([dflcbps] .*\)$/\1/p'; }
# Whether a console log has a line matching a pattern (the console ends
# lines with CR as well).
logged() { tools/clean-log.py "$2" | grep -Eq -- "$1"; }
host_list() { "$MKIMAGE" --list "$1" | awk '$7 ~ /^\/dt(\/|$)/'; }

# An image from mkfs.minix -3, filled from rootfs/ and the programs
# (target/rootfs-stage, from tools/build-sel4.sh: /sbin/init is there)
# plus the phase file.
make_image() { # image, phase, MiB
    local img="$1" phase="$2" mib="$3" tree="$DIR/tree"
    rm -rf "$tree" "$img"
    cp -a target/rootfs-stage "$tree"
    echo "$phase" > "$tree/etc/disk-suite"
    truncate -s "${mib}M" "$img"
    "$MKFS" -3 -i 8192 "$img" > /dev/null && "$MKIMAGE" --add "$img" "$tree"
}

if [[ -z $FSCK || -z $MKFS ]]; then
    echo "disk-test: util-linux's mkfs.minix and fsck.minix are needed (tools/setup.sh)"
    echo "0 passed, 1 failed"
    exit 1
fi

# 1. Two boots over one image.
IMG="$DIR/two-boot.img"
check image_from_mkfs_minix make_image "$IMG" build 192
check boot1_builds_the_tree boot "$IMG" "$LOGS/disk-boot1.log"
check fsck_clean_after_boot1 "$FSCK" -f "$IMG"
host_list "$IMG" > "$DIR/host.txt"
guest_list "$LOGS/disk-boot1.log" > "$DIR/guest1.txt"
check host_listing_matches_boot1 bash -c "[[ -s $DIR/host.txt ]] && diff $DIR/host.txt $DIR/guest1.txt"
check boot2_verifies_the_tree boot "$IMG" "$LOGS/disk-boot2.log"
guest_list "$LOGS/disk-boot2.log" > "$DIR/guest2.txt"
check host_listing_matches_boot2 diff "$DIR/host.txt" "$DIR/guest2.txt"
check fsck_clean_after_boot2 "$FSCK" -f "$IMG"

# 2. Killed mid-write: QEMU dies once the guest reported 8 files durable.
IMG="$DIR/crash.img"
check crash_image make_image "$IMG" crash 64
qemu/boot.sh "$KERNEL" "$ROOT_TASK" --disk "$IMG" --timeout "$TIMEOUT" --log "$LOGS/disk-crash.log" \
    --kill-on 'disk: durable 8$' > /dev/null 2>&1
check killed_after_durable_writes logged '^disk: durable 8$' "$LOGS/disk-crash.log"
"$FSCK" -f "$IMG" > "$DIR/fsck-after-kill.txt" 2>&1
echo "disk-test: fsck.minix -f after the kill exited $? (reported, not judged):"
sed 's/^/  fsck: /' "$DIR/fsck-after-kill.txt"
check boot_after_kill_finds_fsynced_files boot "$IMG" "$LOGS/disk-recover.log"

# 3. Bad images.
IMG="$DIR/badsuper.img"
check badsuper_image make_image "$IMG" build 16
printf '\0\0' | dd of="$IMG" bs=1 seek=$((1024 + 24)) conv=notrunc status=none
qemu/boot.sh "$KERNEL" "$ROOT_TASK" --disk "$IMG" --timeout "$TIMEOUT" --log "$LOGS/disk-badsuper.log" \
    --kill-on '^init: boot' > /dev/null 2>&1
check bad_superblock_mount_error logged '^fs: the disk does not mount' "$LOGS/disk-badsuper.log"
check bad_superblock_system_comes_up logged '^init: boot' "$LOGS/disk-badsuper.log"
check bad_superblock_no_fault bash -c "! tools/clean-log.py $LOGS/disk-badsuper.log | grep -Eq 'panic|fault reporter|killed'"

IMG="$DIR/wildzone.img"
check wildzone_image make_image "$IMG" corrupt 16
mkdir -p "$DIR/bad" && rm -rf "$DIR/bad"/* && head -c 5000 /dev/urandom > "$DIR/bad/bad" && "$MKIMAGE" --add "$IMG" "$DIR/bad"
INO=$("$MKIMAGE" --ino "$IMG" /bad)
python3 - "$IMG" "$INO" <<'EOF'
import struct, sys
img, ino = sys.argv[1], int(sys.argv[2])
with open(img, 'r+b') as f:
    f.seek(1024)
    sb = f.read(32)
    imap, zmap = struct.unpack_from('<HH', sb, 6)
    f.seek((2 + imap + zmap) * 1024 + (ino - 1) * 64 + 24)
    f.write(struct.pack('<I', 0x7fff_fff0))  # zone 0, far past the device
EOF
check wild_zone_read_is_eio boot "$IMG" "$LOGS/disk-wildzone.log"

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
