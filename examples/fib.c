// A tiny freestanding C program: `weft run --invoke fib examples/fib.wasm 30`.
// Rebuild: clang-19 --target=wasm32 -O2 -nostdlib -Wl,--no-entry -Wl,--export=fib -o fib.wasm fib.c

int fib(int n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}
