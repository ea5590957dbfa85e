#!/bin/sh
# Builds and runs the serializer fuzzer on stable Rust (no cargo-fuzz, no nightly):
# the static library is built with SanitizerCoverage instrumentation
# (-Cpasses=sancov-module) and linked with the C harness and libFuzzer from
# Debian's libfuzzer-14-dev (apt-get install clang-14 libfuzzer-14-dev).
#
#   fuzz/run.sh [seconds]     # default 60; CI runs it with the default
#
# New inputs found are written to target/fuzz/corpus (the committed seed corpus in
# fuzz/corpus/decode is only read); a crash leaves crash-* in target/fuzz and fails.
set -eu
seconds="${1:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/target/fuzz"
triple="$(rustc -vV | sed -n 's/^host: //p')"
mkdir -p "$out/corpus"

# --target keeps RUSTFLAGS off the build script (cbindgen), which must not be
# instrumented. Debug assertions and overflow checks stay on while fuzzing.
RUSTFLAGS="-Cpasses=sancov-module \
  -Cllvm-args=-sanitizer-coverage-level=4 \
  -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
  -Cllvm-args=-sanitizer-coverage-pc-table \
  -Cllvm-args=-sanitizer-coverage-trace-compares \
  --cfg fuzzing" \
CARGO_TARGET_DIR="$out/cargo" \
CARGO_PROFILE_RELEASE_LTO=false \
CARGO_PROFILE_RELEASE_DEBUG_ASSERTIONS=true \
CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS=true \
  cargo build --manifest-path "$root/Cargo.toml" --release --lib --target "$triple"

# Compile with coverage, link without -fsanitize (Debian's clang-14 would ask for
# sanitizer runtimes that libfuzzer-14-dev does not ship; libFuzzer.a has main).
clang-14 -g -O1 -fsanitize=fuzzer-no-link -I "$root/include" \
  -c "$root/fuzz/decode_fuzzer.c" -o "$out/decode_fuzzer.o"
clang-14 "$out/decode_fuzzer.o" \
  "$out/cargo/$triple/release/libnoob_core.a" \
  /usr/lib/llvm-14/lib/libFuzzer.a \
  -lstdc++ -lpthread -ldl -lm -o "$out/decode_fuzzer"

cd "$out"
./decode_fuzzer -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=1024 \
  -print_final_stats=1 corpus "$root/fuzz/corpus/decode"
