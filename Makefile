# MINIX 3 personality on seL4. The two commands that matter:
#   make run    set up, build and boot the system with the console here
#   make test   set up, run the host tests, then the in-QEMU tests
.PHONY: all setup kernel build run test bench debug host-test clean

TARGET      := x86_64-unknown-none
OUT         := target/$(TARGET)/release
KERNEL      := target/kernel/kernel32.elf
ROOT_TASK   := $(OUT)/root-task
TEST_TIMEOUT ?= 120

all: build

setup:
	@tools/setup.sh

kernel: setup
	@kernel/build.sh target/kernel

build: kernel
	tools/build-sel4.sh

# The guest ends QEMU through isa-debug-exit: status 1 means success.
run: build
	qemu/boot.sh $(KERNEL) $(ROOT_TASK) || test $$? -eq 1

host-test: kernel
	cargo test --workspace

test: kernel
	@qemu/test.sh $(KERNEL) $(TEST_TIMEOUT)

bench: kernel
	tools/build-sel4.sh bench
	qemu/boot.sh $(KERNEL) target/bench/$(TARGET)/release/root-task --icount --timeout 600 --log target/bench.log; \
	  status=$$?; tr -d '\r' < target/bench.log | grep -a -E '^bench'; test $$status -eq 1

debug: build
	@echo "gdb: gdb -ex 'file $(ROOT_TASK)' -ex 'add-symbol-file target/kernel/kernel.elf' -ex 'target remote :1234'"
	qemu/boot.sh $(KERNEL) $(ROOT_TASK) --gdb

clean:
	cargo clean
