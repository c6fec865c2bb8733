# MINIX 3 personality on seL4. The two commands that matter:
#   make run    set up, build and boot the system with the console here
#   make test   set up, run the host tests, then the in-QEMU tests
.PHONY: all setup kernel build run test bench debug host-test clean

TARGET      := x86_64-unknown-none
OUT         := target/$(TARGET)/release
KERNEL      := target/kernel/kernel32.elf
ROOT_TASK   := $(OUT)/root-task
CARGO_SEL4  := cargo build --release --target $(TARGET)
TEST_TIMEOUT ?= 120

all: build

setup:
	@tools/setup.sh

kernel: setup
	@kernel/build.sh target/kernel

build: kernel
	$(CARGO_SEL4) -p root-task

run: build
	qemu/boot.sh $(KERNEL) $(ROOT_TASK)

host-test: kernel
	cargo test --workspace

test: kernel
	@qemu/test.sh $(KERNEL) $(TEST_TIMEOUT)

bench: kernel
	$(CARGO_SEL4) -p root-task --features bench
	@qemu/bench.sh $(KERNEL) $(ROOT_TASK)

debug: build
	@echo "gdb: gdb -ex 'file $(ROOT_TASK)' -ex 'add-symbol-file target/kernel/kernel.elf' -ex 'target remote :1234'"
	qemu/boot.sh $(KERNEL) $(ROOT_TASK) --gdb

clean:
	cargo clean
