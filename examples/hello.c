/* The weft hello world: `weft run examples/hello.wasm`. */
#include <stdio.h>

int main(void) {
    printf("Hello from weft!\n");
    return 0;
}
