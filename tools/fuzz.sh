#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Coverage-guided fuzzing of the ABI decoders and the grant verifier
# (cargo-fuzz, libFuzzer), then the host property fuzzers at a larger scale.
#   tools/fuzz.sh [seconds per target] [proptest scale]
# Needs a nightly toolchain (cargo-fuzz builds with sanitizers) and
# cargo-fuzz, which it installs if missing. `make test` never runs this.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-60}"
SCALE="${2:-10}"
ROOT="$PWD"
OUT="$ROOT/target/fuzz"
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    echo "fuzz: needs a nightly toolchain (rustup toolchain install nightly)" >&2
    exit 1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
mkdir -p "$OUT/artifacts"
cd sdk/minix-abi/fuzz
for t in $(cargo +nightly fuzz list); do
    mkdir -p "$OUT/corpus/$t"
    echo "fuzz: $t for ${SECS}s"
    CARGO_TARGET_DIR="$OUT" cargo +nightly fuzz run -O "$t" "$OUT/corpus/$t" -- \
        -max_total_time="$SECS" -artifact_prefix="$OUT/artifacts/$t-" -print_final_stats=1
done
cd "$ROOT"
echo "fuzz: property fuzzers x$SCALE (release)"
FUZZ_SCALE="$SCALE" CARGO_TARGET_DIR="$OUT/proptest" cargo test --release -p minix-abi -p grant
