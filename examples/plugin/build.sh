#!/bin/sh
# Rebuilds main.wasm and libgreeter.so with LLVM 19 (clang-19, wasm-ld-19).
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
for c in main greeter; do
    clang-19 --target=wasm32 -O1 -fPIC -fvisibility=default -nostdlib -c $c.c -o "$tmp/$c.o"
done
wasm-ld-19 --experimental-pic -shared --unresolved-symbols=import-dynamic \
    --export-if-defined=__wasm_call_ctors "$tmp/greeter.o" -o libgreeter.so
wasm-ld-19 --experimental-pic -pie --no-entry --export-dynamic --unresolved-symbols=import-dynamic \
    "$tmp/main.o" -o main.wasm
chmod 644 libgreeter.so main.wasm
rm -r "$tmp"
