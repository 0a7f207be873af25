//! Picks the dispatch backend. `threaded` relies on LLVM turning each
//! handler's final call into a jump (sibling-call optimisation), which only
//! happens reliably in optimizing builds on x86-64 and AArch64; everywhere
//! else the `loop` backend (same handler bodies, a `loop` + `match`) is used.

fn main() {
    println!("cargo:rustc-check-cfg=cfg(weft_threaded)");
    println!("cargo:rerun-if-changed=build.rs");
    let forced_threaded = std::env::var_os("CARGO_FEATURE_DISPATCH_THREADED").is_some();
    let forced_loop = std::env::var_os("CARGO_FEATURE_DISPATCH_LOOP").is_some();
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let opt = std::env::var("OPT_LEVEL").unwrap_or_default();
    let optimizing = matches!(opt.as_str(), "2" | "3" | "s" | "z");
    let known_arch = arch == "x86_64" || arch == "aarch64";
    let threaded = if forced_loop { false } else { forced_threaded || (optimizing && known_arch) };
    if threaded {
        println!("cargo:rustc-cfg=weft_threaded");
    }
}
