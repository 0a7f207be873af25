#!/bin/sh
# Builds the benchmark corpus.
#
#   benches/programs/build.sh            every *.c -> *.wasm (committed) and
#                                         native/<name> (not committed)
#   build.sh --check                      also compares the native checksums
#                                         with checksums.txt
#   build.sh --update-checksums           rewrites checksums.txt from the
#                                         native build
#
# Needs clang-19 and wasm-ld-19 (Debian/Ubuntu: apt install clang-19 lld-19).
# The wasm feature set is pinned to what every runtime in benches/compare
# accepts: the MVP plus sign-extension and mutable globals (LLVM 19's
# "generic" CPU would add reference-types and multivalue, which no program
# here needs). The exception: programs named simd_*.c are built with
# -msimd128 as well (Wasm 2.0 SIMD), and compiled natively from the same
# source (their plain C path, chosen by #ifdef __wasm_simd128__).
set -eu
cd "$(dirname "$0")"

CLANG=${CLANG:-clang-19}
WASM_LD_DIR=${WASM_LD_DIR:-/usr/lib/llvm-19/bin}
WASM_FLAGS="--target=wasm32 -O2 -mcpu=mvp -msign-ext -mmutable-globals -nostdlib \
  -Wl,--no-entry -Wl,--export=run -Wl,--export=run_small -Wl,-z,stack-size=1048576 \
  -Wl,--strip-debug"
NATIVE_FLAGS="-O2"

mkdir -p native
for src in *.c; do
    [ "$src" = native_main.c ] && continue
    name=${src%.c}
    extra=""
    # Programs may export more (self-tests); pick up BENCH_EXPORT symbols.
    for sym in $(grep -o 'BENCH_EXPORT i64 [a-z_0-9]*' "$src" | awk '{print $3}'); do
        extra="$extra -Wl,--export=$sym"
    done
    case "$name" in
    simd_*) extra="$extra -msimd128" ;;
    esac
    PATH="$WASM_LD_DIR:$PATH" $CLANG $WASM_FLAGS $extra -o "$name.wasm" "$src"
    $CLANG $NATIVE_FLAGS -o "native/$name" "$src" native_main.c
    echo "built $name ($(wc -c < "$name.wasm") bytes of wasm)"
done

# The native results are the reference: checksums.txt is what
# tests/bench_programs.rs and benches/compare expect from every runtime.
case "${1:-}" in
--update-checksums)
    {
        echo "# name run() run_small(), from the native build (benches/programs/build.sh --update-checksums)"
        for src in *.c; do
            [ "$src" = native_main.c ] && continue
            name=${src%.c}
            echo "$name $(./native/$name) $(./native/$name --small)"
        done
    } > checksums.txt
    echo "wrote checksums.txt"
    ;;
--check)
    status=0
    for src in *.c; do
        [ "$src" = native_main.c ] && continue
        name=${src%.c}
        got="$name $(./native/$name) $(./native/$name --small)"
        want=$(grep "^$name " checksums.txt || echo "$name missing")
        if [ "$got" = "$want" ]; then echo "ok   $got"; else echo "FAIL $got (checksums.txt: $want)"; status=1; fi
    done
    exit $status
    ;;
esac
