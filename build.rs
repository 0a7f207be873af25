//! Picks the dispatch backend. `threaded` relies on LLVM turning each
//! handler's final call into a jump (sibling-call optimisation); where it
//! does not, every executed instruction keeps a native stack frame and a
//! long run dies of stack overflow (SIGSEGV). That only happens reliably at
//! opt-level 2 or 3, on x86-64 and AArch64, without instrumentation:
//!
//! - opt-level `s`/`z` inline less, and about 100 of the ~880 handlers
//!   (mostly SIMD: `f32x4.floor`, `i16x8.splat`, the extending loads, ...)
//!   end in a real call;
//! - sanitizer coverage (`-Cpasses=sancov-module`, as `cargo fuzz` builds)
//!   and the sanitizers turn nearly every handler's jump into a call.
//!
//! Everywhere else the `loop` backend (same handler bodies, a `loop` +
//! `match`) is used. The opt-level is the profile's unless RUSTFLAGS set one.

fn main() {
    println!("cargo:rustc-check-cfg=cfg(weft_threaded)");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=CARGO_ENCODED_RUSTFLAGS");
    let forced_threaded = std::env::var_os("CARGO_FEATURE_DISPATCH_THREADED").is_some();
    let forced_loop = std::env::var_os("CARGO_FEATURE_DISPATCH_LOOP").is_some();
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let encoded = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    let flags: Vec<&str> = encoded.split('\x1f').filter(|f| !f.is_empty()).collect();
    let opt = rustflags_opt_level(&flags).unwrap_or_else(|| std::env::var("OPT_LEVEL").unwrap_or_default());
    let optimizing = matches!(opt.as_str(), "2" | "3");
    let instrumented = flags.iter().any(|f| f.contains("sancov") || f.contains("sanitizer"));
    let known_arch = arch == "x86_64" || arch == "aarch64";
    let threaded =
        if forced_loop { false } else { forced_threaded || (optimizing && known_arch && !instrumented) };
    if threaded {
        println!("cargo:rustc-cfg=weft_threaded");
    }
}

/// The last `-C opt-level=X` (or `-Copt-level=X`) in the flags.
fn rustflags_opt_level(flags: &[&str]) -> Option<String> {
    let mut level = None;
    for (i, f) in flags.iter().enumerate() {
        let codegen = match f.strip_prefix("-C") {
            Some("") => flags.get(i + 1).copied().unwrap_or(""),
            Some(rest) => rest,
            None => continue,
        };
        if let Some(l) = codegen.strip_prefix("opt-level=") {
            level = Some(l.to_string());
        }
    }
    level
}
