#!/bin/sh
# The README's second command: every check and test, as CI runs them.
set -eu
cd "$(dirname "$0")/.."
. scripts/common.sh
ensure_tools cc:gcc c++:g++ pkg-config:pkg-config cmake:cmake valgrind:valgrind make:make \
    clang-14:clang-14 /usr/lib/llvm-14/lib/libFuzzer.a:libfuzzer-14-dev
root="$PWD"
work="$root/_build/test"
rm -rf "$work"
mkdir -p "$work"

say "cargo fmt --check"
cargo fmt --all -- --check
say "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets -- -D warnings
say "cargo test (includes the header freshness and bad-input coverage tests)"
cargo test

say "noob drop-in: differential test against noob-core 0.2.1, when the oracle installs"
# NOOB_ORACLE_PYTHON may name an interpreter that already has noob-core==0.2.1.
oracle_python="${NOOB_ORACLE_PYTHON:-}"
if [ -z "$oracle_python" ]; then
    python3 -m venv "$work/oracle"
    if "$work/oracle/bin/pip" install -q "noob-core==0.2.1" >/dev/null 2>&1; then
        oracle_python="$work/oracle/bin/python"
    fi
fi
workloads="${NOOB_WORKLOADS_DIR:-$root/../shared/bench}"
if [ -n "$oracle_python" ] && [ ! -f "$workloads/workloads.py" ]; then
    echo "the shared workloads ($workloads) are not beside this clone: oracle differential test skipped (fixtures still ran)"
elif [ -n "$oracle_python" ]; then
    cargo build -q --example noob_replay
    # The oracle prints a Rust panic backtrace wherever noob-core panics (an expected
    # outcome the replay must match): keep that in a file, show the verdict.
    if ! "$oracle_python" tests/noob_oracle/differential.py --seeds 300 --steps 150 \
        --replay target/debug/examples/noob_replay > "$work/differential.log" 2>&1; then
        tail -n 60 "$work/differential.log"
        echo "the noob differential test failed; full log: $work/differential.log" >&2
        exit 1
    fi
    grep -E "scenarios" "$work/differential.log" | tail -n 1
else
    echo "noob-core 0.2.1 did not install: oracle differential test skipped (fixtures still ran)"
fi

say "header: regenerate and compare, then compile it alone as C11 and C++"
cp include/noob_core.h "$work/committed.h"
NOOB_WRITE_HEADER=1 cargo build --lib -q
if ! cmp -s include/noob_core.h "$work/committed.h"; then
    diff -u "$work/committed.h" include/noob_core.h || true
    cp "$work/committed.h" include/noob_core.h
    echo "include/noob_core.h is stale: run 'make header' and commit it" >&2
    exit 1
fi
cc -std=c11 -Wall -Wextra -Wpedantic -Werror -fsyntax-only -x c include/noob_core.h
c++ -std=c++17 -Wall -Wextra -Wpedantic -Werror -fsyntax-only -x c++ include/noob_core.h

say "release build; only noob_* symbols exported"
cargo build --release --lib
exported=$(nm -D --defined-only target/release/libnoob_core.so | awk '{print $3}')
strays=$(printf '%s\n' "$exported" | grep -v '^noob_' || true)
if [ -n "$strays" ]; then
    echo "symbols outside the noob_ namespace are exported:" >&2
    printf '%s\n' "$strays" >&2
    exit 1
fi
echo "$(printf '%s\n' "$exported" | wc -l) exported symbols, all noob_*"

say "install into a staged prefix (DESTDIR) and a real one; pkg-config; uninstall"
DESTDIR="$work/stage" PREFIX=/opt/noob NOOB_SKIP_BUILD=1 scripts/install.sh install
test -L "$work/stage/opt/noob/lib/libnoob_core.so"
grep -q "prefix=/opt/noob" "$work/stage/opt/noob/lib/pkgconfig/noob_core.pc"
DESTDIR="$work/stage" PREFIX=/opt/noob scripts/install.sh uninstall
test -z "$(find "$work/stage" -type f -o -type l)"
prefix="$work/prefix"
PREFIX="$prefix" NOOB_SKIP_BUILD=1 scripts/install.sh install
soname=$(readelf -d "$prefix/lib/libnoob_core.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
test -L "$prefix/lib/$soname"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
echo "pkg-config: noob_core $(pkg-config --modversion noob_core), SONAME $soname"
pkg-config --libs --static noob_core | grep -q -- "-lpthread"

say "C and C++ examples against the installed library (CTest, then valgrind memcheck)"
cmake -S examples-c -B "$work/examples" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$work/examples" -j 2
ctest --test-dir "$work/examples" --output-on-failure
ctest --test-dir "$work/examples" -T memcheck --output-on-failure

say "Python: fresh venv, pip install ./python-cffi, pytest"
venv="$work/venv"
make_venv "$venv"
"$venv/bin/pip" install -q "./python-cffi[test]"
# noob 1003.0.2 on top: it must keep our noob-core (0.3.x satisfies its noob-core>=0.2.0),
# and then tests/test_noob_runs.py runs its runners on our package.
"$venv/bin/pip" install -q "noob==1003.0.2"
"$venv/bin/pip" show noob-core | grep -x "Summary: Fast core for event-driven graph processing: the cffi binding of libnoob_core" || {
    echo "installing noob replaced this package's noob-core" >&2
    exit 1
}
(cd "$work" && "$venv/bin/python" -m pytest -q "$root/python-cffi/tests")

say "fuzz the serializer's decoder for ${NOOB_FUZZ_SECONDS:-60} s (libFuzzer, seed corpus in fuzz/corpus)"
# libFuzzer reports every new input: keep its log in a file, show the summary (or the failure).
if ! fuzz/run.sh "${NOOB_FUZZ_SECONDS:-60}" > "$work/fuzz.log" 2>&1; then
    tail -n 60 "$work/fuzz.log"
    echo "the fuzzer failed; full log: $work/fuzz.log" >&2
    exit 1
fi
grep -E "^(Done|stat::)" "$work/fuzz.log"

# Other supported interpreters, where the machine has them (pyenv puts them on PATH).
for python in python3.12 python3.13; do
    "$python" -c "" 2>/dev/null || continue
    say "Python: $("$python" --version), fresh venv, pytest"
    venv="$work/venv-$python"
    "$python" -m venv "$venv"
    "$venv/bin/pip" install -q --upgrade pip
    "$venv/bin/pip" install -q "./python-cffi[test]"
    "$venv/bin/pip" install -q "noob==1003.0.2"
    (cd "$work" && "$venv/bin/python" -m pytest -q "$root/python-cffi/tests")
done

say "all checks passed"
