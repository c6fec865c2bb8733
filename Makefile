# SPDX-License-Identifier: BSD-2-Clause
# MINIX 3 personality on seL4. The two commands that matter:
#   make run    set up, build and boot the system with the console here
#   make test   set up, run the host tests, then the in-QEMU tests
.PHONY: all setup kernel build run disk test bench bench-linux debug host-test fuzz clean libc conformance

TARGET      := x86_64-unknown-none
OUT         := target/$(TARGET)/release
KERNEL      := target/kernel/kernel32.elf
ROOT_TASK   := $(OUT)/root-task
TEST_TIMEOUT ?= 600
ROOTFS_KIB  ?= 32768
# The disk make run boots from, and its size.
DISK        := target/disk.img
# The device files every root file system has (tools/devices.list).
DEVICE_NODES := $(shell sed 's|^|--node |' tools/devices.list)
DISK_MIB    ?= 256

all: build

setup:
	@tools/setup.sh

kernel: setup
	@kernel/build.sh target/kernel

build: kernel
	ROOTFS_KIB=$(ROOTFS_KIB) tools/build-sel4.sh

# The guest ends QEMU through isa-debug-exit: status 1 means success.
# The root file system is the disk $(DISK): made from rootfs/ and the
# programs tools/rootfs.sh puts beside it (target/rootfs-stage) on the
# first run, and kept from then on, so files written in the guest stay.
# Each run puts the programs just built on it (/sbin/init, /bin/...).
run: build $(DISK)
	target/release/mkimage $(DEVICE_NODES) --add $(DISK) target/programs-stage
	qemu/boot.sh $(KERNEL) $(ROOT_TASK) --disk $(DISK) || test $$? -eq 1

$(DISK): | kernel
	cargo build -q --release -p mkimage
	tools/rootfs.sh
	target/release/mkimage --size $$(($(DISK_MIB) * 1024)) --block-size 1024 $(DEVICE_NODES) --out $@.tmp target/rootfs-stage/ && mv $@.tmp $@

# The C library (musl from Debian's source, every system call sent to our
# layer) as target/sysroot/lib/libc.a.
libc: setup
	@tools/musl.sh

# A fresh disk from rootfs/ and the programs, replacing the kept one.
disk:
	rm -f $(DISK)
	$(MAKE) $(DISK)

host-test: kernel
	cargo test --workspace

test: kernel
	@qemu/test.sh $(KERNEL) $(TEST_TIMEOUT)

# Linux's figures (tools/bench-linux.sh) depend only on the shared workloads
# and the Linux program: make bench measures Linux again when one of them is
# newer than target/bench-linux.txt, which only a complete run writes.
BENCH_LINUX_SRC := $(shell find sdk/bench-spec/src bench/linux/src -name '*.rs') \
                   sdk/bench-spec/Cargo.toml bench/linux/Cargo.toml tools/bench-linux.sh tools/mkcpio.py \
                   user/c/cbench.c tools/linux-c.sh
target/bench-linux.txt: $(BENCH_LINUX_SRC)
	tools/bench-linux.sh

bench-linux:
	tools/bench-linux.sh

# The report runs even when the guest failed, to show what was measured;
# the target fails if either did.
# The bench boot's root is a fresh virtio disk made from rootfs/ and the
# programs tools/rootfs.sh puts beside it (target/bench/rootfs-stage: its
# /sbin/init runs the benchmarks), so the
# file figures run on the file system of a real disk (the disk figures
# need one).
bench: kernel target/bench-linux.txt
	tools/build-sel4.sh bench
	cargo build -q --release -p mkimage
	rm -f target/bench-disk.img
	target/release/mkimage --size 131072 --block-size 1024 $(DEVICE_NODES) --out target/bench-disk.img target/bench/rootfs-stage/
	qemu/boot.sh $(KERNEL) target/bench/$(TARGET)/release/root-task --icount --timeout 900 --disk target/bench-disk.img --log target/bench.log; \
	  status=$$?; \
	  CARGO_TARGET_DIR=target/linux-build cargo run -q --release -p bench-report -- target/bench.log target/bench-linux.txt; \
	  report=$$?; \
	  if [ $$status -ne 1 ]; then echo "bench: the guest did not report success (QEMU status $$status)" >&2; fi; \
	  test $$status -eq 1 && test $$report -eq 0

# toybox's whole test suite on the system (make test runs a fixed subset):
# a build whose init runs it alone, booted with a fresh 256 MiB disk made
# from its root file system as the root (the tests write more than the
# boot RAM disk holds), with 4 KiB blocks (MINIX 3's own default, and the
# block size of the Linux file system toybox's du tests count in). Prints
# toybox's counts and every test that did not pass.
conformance: kernel
	tools/build-sel4.sh conformance
	cargo build -q --release -p mkimage
	rm -f target/conformance/disk.img
	target/release/mkimage --size $$((256 * 1024)) --block-size 4096 $(DEVICE_NODES) --out target/conformance/disk.img target/conformance/rootfs-stage/
	qemu/boot.sh $(KERNEL) target/conformance/$(TARGET)/release/root-task --timeout 1800 \
	  --disk target/conformance/disk.img --log target/conformance/guest.log; \
	  status=$$?; \
	  tools/clean-log.py target/conformance/guest.log | grep -E '^  \| |^toybox: |^test |passed, [0-9]+ failed$$'; \
	  test $$status -eq 1

# Coverage-guided fuzzing (cargo-fuzz, nightly) of the ABI decoders and the
# grant verifier, FUZZ_TIME seconds per target, then the property fuzzers
# at FUZZ_SCALE times their cases. Not part of make test.
FUZZ_TIME  ?= 60
FUZZ_SCALE ?= 10
fuzz:
	tools/fuzz.sh $(FUZZ_TIME) $(FUZZ_SCALE)

debug: build
	@echo "gdb: gdb -ex 'file $(ROOT_TASK)' -ex 'add-symbol-file target/kernel/kernel.elf' -ex 'target remote :1234'"
	qemu/boot.sh $(KERNEL) $(ROOT_TASK) --gdb

clean:
	cargo clean
