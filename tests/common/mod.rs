//! Helpers shared by the integration tests: fixtures, temporary
//! directories, and the sandbox the `escape` fixture tries to break out of.
#![allow(dead_code)] // each test crate uses a part of it

use std::path::{Path, PathBuf};

/// Encodes a module written in the text format.
pub fn wat(text: &str) -> Vec<u8> {
    let buf = wast::parser::ParseBuffer::new(text).expect("lex");
    let mut module: wast::Wat = wast::parser::parse(&buf).expect("parse");
    module.encode().expect("encode")
}

/// The dispatch backends this build runs (the threaded one needs an
/// optimized build: it is the default there).
pub fn backends() -> Vec<weft::Backend> {
    let mut backends = vec![weft::Backend::Loop];
    if weft::Backend::default() == weft::Backend::Threaded {
        backends.push(weft::Backend::Threaded);
    }
    backends
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wasi").join(format!("{name}.wasm"))
}

/// A directory under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("weft-wasi-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A temporary tree for the `escape` fixture: `rw/` (with a subdirectory,
/// links inside and pointing out) and `ro/` as preopens, and a secret file
/// beside them that must stay out of reach. Returns (outer, rw, ro).
pub fn escape_sandbox() -> (TempDir, PathBuf, PathBuf) {
    let outer = TempDir::new("escape");
    let rw = outer.path().join("rw");
    let ro = outer.path().join("ro");
    std::fs::create_dir_all(rw.join("sub")).unwrap();
    std::fs::create_dir_all(&ro).unwrap();
    std::fs::write(outer.path().join("secret.txt"), b"top secret").unwrap();
    std::fs::write(rw.join("sub/file.txt"), b"inside").unwrap();
    std::fs::write(ro.join("file.txt"), b"read only").unwrap();
    std::os::unix::fs::symlink("sub/file.txt", rw.join("inlink")).unwrap();
    std::os::unix::fs::symlink("../secret.txt", rw.join("rel_link")).unwrap();
    std::os::unix::fs::symlink(outer.path().join("secret.txt"), rw.join("abs_link")).unwrap();
    std::os::unix::fs::symlink(outer.path(), rw.join("dir_link")).unwrap();

    (outer, rw, ro)
}

/// What `escape` prints when run with `escape /rw /ro`, preopens `/rw`
/// (read-write), `/ro` (read-only) and `/` (= rw): every escape refused.
pub const ESCAPE_EXPECTED: &str = "\
inside: ok
dotdot: ENOTCAPABLE
dotdot after subdir: ENOTCAPABLE
dotdot staying inside: ok
create outside: ENOTCAPABLE
relative link out: ENOTCAPABLE
absolute link out: ENOTCAPABLE
link inside: ok
link inside, O_NOFOLLOW: ELOOP
lstat link out: ok
stat link out: ENOTCAPABLE
symlink pointing out: ENOTCAPABLE
symlink absolute: ENOTCAPABLE
mkdir outside: ENOTCAPABLE
rename out: ENOTCAPABLE
directory link out: ENOTCAPABLE
open dir fd: ok
move the dir away: ok
plant a link in its place: ok
stale dir fd through the planted link: ENOTCAPABLE
undo: unlink: ok
undo: rename: ok
/etc/passwd via libc: ENOENT
raw absolute path: ENOTCAPABLE
raw dotdot: ENOTCAPABLE
raw link out: ENOTCAPABLE
raw bad fd: EBADF
raw bad pointer: EFAULT
read-only: read: ok
read-only: write: EROFS
read-only: create: EROFS
read-only: truncate: EROFS
read-only: mkdir: EROFS
read-only: unlink: EROFS
read-only: hard link out: EROFS
";

/// Nothing outside the preopens changed, and nothing inside that should not.
pub fn sandbox_untouched(outer: &TempDir, rw: &Path, ro: &Path) {
    // Nothing outside the preopens changed.
    let mut names: Vec<String> = std::fs::read_dir(outer.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["ro", "rw", "secret.txt"]);
    assert_eq!(std::fs::read(outer.path().join("secret.txt")).unwrap(), b"top secret");
    assert_eq!(std::fs::read(ro.join("file.txt")).unwrap(), b"read only");
    assert_eq!(std::fs::read(rw.join("sub/file.txt")).unwrap(), b"inside");
    assert!(!rw.join("evil").exists() && !rw.join("linked.txt").exists());
}
