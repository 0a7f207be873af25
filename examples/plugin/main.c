/* A dynamically linked program: it dlopens libgreeter.so, looks its
 * `greet` function up with dlsym and calls it through the pointer. It
 * writes with WASI's fd_write, and exports `say` for the plugin to use.
 *
 * Run it (from the repository root):
 *     cargo run --release -- run examples/plugin/main.wasm
 * or embedded from Rust:
 *     cargo run --release --example plugin
 */
#define WASI(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))

typedef struct {
    const char *buf;
    unsigned long len;
} ciovec;
WASI(fd_write) int fd_write(int fd, const ciovec *iovs, int count, unsigned long *written);
WASI(proc_exit) _Noreturn void proc_exit(int code);

#define RTLD_NOW 2
void *dlopen(const char *path, int flags);
void *dlsym(void *handle, const char *name);
int dlclose(void *handle);
char *dlerror(void);

void __wasm_call_ctors(void);

void say(const char *s) {
    unsigned long n = 0, written;
    while (s[n]) n++;
    ciovec iov = {s, n};
    fd_write(1, &iov, 1, &written);
}

static void say_int(int v) {
    char buf[12], *p = buf + sizeof buf;
    *--p = 0;
    do *--p = '0' + v % 10; while (v /= 10);
    say(p);
}

static _Noreturn void fail(const char *what) {
    say(what);
    say(": ");
    say(dlerror());
    say("\n");
    proc_exit(1);
}

void _start(void) {
    __wasm_call_ctors();
    void *plugin = dlopen("libgreeter.so", RTLD_NOW);
    if (!plugin) fail("dlopen");
    int (*greet)(const char *) = (int (*)(const char *))dlsym(plugin, "greet");
    if (!greet) fail("dlsym");
    int n = greet("weft");
    say("greet returned ");
    say_int(n);
    say("\n");
    dlclose(plugin);
}
