//! The file-system sandbox: turns a guest path into a host path that lies
//! under a preopened directory, or refuses. This is a security boundary;
//! nothing else in `wasi/` joins guest input onto a host path.
//!
//! Policy (the same for every `path_*` function):
//! - A guest path is relative to a directory descriptor, which is a
//!   preopen or a directory opened beneath one. The preopen is the
//!   boundary; `..` may climb up to it, never above it (`ENOTCAPABLE`).
//! - Absolute guest paths are refused (`ENOTCAPABLE`); wasi-libc already
//!   turns absolute paths into (preopen, relative path) pairs itself.
//! - The walk is done one component at a time. Every intermediate
//!   component that is a symlink is read and its target spliced into the
//!   walk, so the target is checked by the same rules: absolute targets are
//!   refused, relative ones may not climb above the preopen. The final
//!   component is followed only when the caller asks (lookupflags
//!   `SYMLINK_FOLLOW`); otherwise it is returned as the link itself. At most
//!   [`MAX_SYMLINKS`] expansions (`ELOOP`).
//! - The result is a list of components free of symlinks (except possibly
//!   the last, unfollowed one), `.` and `..`: joined onto the preopen's host
//!   path it names something inside it.
//! - A directory descriptor keeps such a list. Before each use it is checked
//!   again ([`check_dir`]): the guest may since have replaced one of its
//!   directories (or, with nested preopens, the preopen itself) by a link.
//!
//! Limit: std has no `openat`, so the checked path is opened by name
//! afterwards. Against the guest of one `WasiCtx` that is exact (the guest
//! cannot run between check and use), but another process (or another
//! guest in another thread sharing the same host directory) that swaps a
//! checked directory for a symlink at that moment could redirect the open.
//! Do not preopen a directory that an adversary modifies concurrently; an
//! `openat2(RESOLVE_BENEATH)` backend would close this.

use super::errno::{Errno, WasiResult};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};

/// How many symlinks one resolution may expand (Linux's limit).
pub const MAX_SYMLINKS: usize = 40;

/// A preopened host directory.
#[derive(Debug)]
pub struct Root {
    pub host: PathBuf,
    pub read_only: bool,
}

impl Root {
    /// The host path of `rel` (components produced by [`resolve`]).
    pub fn join(&self, rel: &[String]) -> PathBuf {
        join(&self.host, rel)
    }
}

fn components(path: &str) -> impl Iterator<Item = String> + '_ {
    path.split('/').filter(|c| !c.is_empty() && *c != ".").map(str::to_owned)
}

/// Resolves `path` relative to the directory `base` (components under
/// `root`), following the final component if it is a symlink only when
/// `follow_final` is set. A missing final component is not an error (the
/// caller may be creating it); a missing intermediate one is `ENOENT`.
pub fn resolve(root: &Path, base: &[String], path: &str, follow_final: bool) -> WasiResult<Vec<String>> {
    if path.is_empty() {
        return Err(Errno::Noent);
    }
    if path.contains('\0') {
        return Err(Errno::Inval);
    }
    if path.starts_with('/') {
        return Err(Errno::Notcapable);
    }
    // A trailing slash names a directory: it is followed and must be one.
    let must_be_dir = path.ends_with('/');
    let follow_final = follow_final || must_be_dir;
    check_dir(root, base)?;
    let mut cur: Vec<String> = base.to_vec();
    let mut pending: VecDeque<String> = components(path).collect();
    let mut links = 0;
    while let Some(c) = pending.pop_front() {
        let last = pending.is_empty();
        if c == ".." {
            if cur.pop().is_none() {
                return Err(Errno::Notcapable);
            }
            continue;
        }
        cur.push(c);
        if last && !follow_final {
            break;
        }
        let host = join(root, &cur);
        let meta = match std::fs::symlink_metadata(&host) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && last => break,
            Err(e) => return Err(e.into()),
        };
        if meta.file_type().is_symlink() {
            links += 1;
            if links > MAX_SYMLINKS {
                return Err(Errno::Loop);
            }
            let target = std::fs::read_link(&host)?;
            let target = target.to_str().ok_or(Errno::Ilseq)?;
            if target.starts_with('/') {
                return Err(Errno::Notcapable);
            }
            if target.is_empty() {
                return Err(Errno::Noent);
            }
            cur.pop();
            let mut spliced: VecDeque<String> = components(target).collect();
            spliced.extend(pending.drain(..));
            pending = spliced;
        } else if !last && !meta.is_dir() {
            return Err(Errno::Notdir);
        }
    }
    if must_be_dir {
        if let Ok(m) = std::fs::symlink_metadata(join(root, &cur)) {
            if !m.is_dir() {
                return Err(Errno::Notdir);
            }
        }
    }
    Ok(cur)
}

/// Checks that `rel` (a directory descriptor's path) still names real
/// directories, none of them a symlink: since the descriptor was opened the
/// guest may have renamed a directory and put a link in its place, which
/// the host would follow when the path is used.
/// The preopen itself is checked the same way: with nested preopens the
/// guest could swap the inner one (or a directory above it) through the
/// outer one, so its path must still be its canonical path.
pub fn check_dir(root: &Path, rel: &[String]) -> WasiResult<()> {
    if std::fs::canonicalize(root)? != root {
        return Err(Errno::Notcapable);
    }
    let mut p = root.to_path_buf();
    for c in rel {
        p.push(c);
        let meta = std::fs::symlink_metadata(&p)?;
        if meta.file_type().is_symlink() {
            return Err(Errno::Notcapable);
        }
        if !meta.is_dir() {
            return Err(Errno::Notdir);
        }
    }
    Ok(())
}

fn join(root: &Path, rel: &[String]) -> PathBuf {
    let mut p = root.to_path_buf();
    for c in rel {
        p.push(c);
    }
    p
}

/// Whether a symlink created in directory `parent` with contents `target`
/// stays inside the preopen when read lexically. Escaping targets would
/// never be followed by [`resolve`], but weft does not plant them in the
/// host's tree either.
pub fn symlink_target_stays_inside(parent: &[String], target: &str) -> bool {
    if target.is_empty() || target.starts_with('/') || target.contains('\0') {
        return false;
    }
    let mut depth = parent.len();
    for c in components(target) {
        if c == ".." {
            if depth == 0 {
                return false;
            }
            depth -= 1;
        } else {
            depth += 1;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    struct TempTree(PathBuf);
    impl Drop for TempTree {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// outer/ { secret, root/ { file, sub/ { inner }, ... links } }
    fn tree(name: &str) -> (TempTree, PathBuf) {
        let outer = std::env::temp_dir().join(format!("weft-sandbox-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&outer);
        let root = outer.join("root");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(outer.join("secret"), b"secret").unwrap();
        std::fs::write(root.join("file"), b"file").unwrap();
        std::fs::write(root.join("sub/inner"), b"inner").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::symlink;
            symlink("/etc", root.join("abs")).unwrap();
            symlink("../secret", root.join("out")).unwrap();
            symlink("..", root.join("up")).unwrap();
            symlink("..", root.join("sub/up")).unwrap();
            symlink("sub/inner", root.join("good")).unwrap();
            symlink("sub", root.join("subdir")).unwrap();
            symlink("loop", root.join("loop")).unwrap();
            symlink("nowhere", root.join("dangling")).unwrap();
        }
        (TempTree(outer), root)
    }

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn plain_paths_stay_put() {
        let (_t, root) = tree("plain");
        assert_eq!(resolve(&root, &[], "file", true), Ok(s(&["file"])));
        assert_eq!(resolve(&root, &[], "./sub//inner", true), Ok(s(&["sub", "inner"])));
        assert_eq!(resolve(&root, &[], "sub/../file", true), Ok(s(&["file"])));
        assert_eq!(resolve(&root, &[], "sub/..", true), Ok(s(&[])));
        assert_eq!(resolve(&root, &[], ".", true), Ok(s(&[])));
        assert_eq!(resolve(&root, &s(&["sub"]), "..", true), Ok(s(&[])));
        assert_eq!(resolve(&root, &[], "new", true), Ok(s(&["new"])));
        assert_eq!(resolve(&root, &[], "", true), Err(Errno::Noent));
        assert_eq!(resolve(&root, &[], "missing/new", true), Err(Errno::Noent));
        assert_eq!(resolve(&root, &[], "file/x", true), Err(Errno::Notdir));
        assert_eq!(resolve(&root, &[], "file/", true), Err(Errno::Notdir));
    }

    #[test]
    fn dotdot_and_absolute_paths_cannot_escape() {
        let (_t, root) = tree("dotdot");
        assert_eq!(resolve(&root, &[], "..", true), Err(Errno::Notcapable));
        assert_eq!(resolve(&root, &[], "../secret", true), Err(Errno::Notcapable));
        assert_eq!(resolve(&root, &[], "../root/file", true), Err(Errno::Notcapable));
        assert_eq!(resolve(&root, &[], "sub/../../secret", false), Err(Errno::Notcapable));
        assert_eq!(resolve(&root, &s(&["sub"]), "../../secret", true), Err(Errno::Notcapable));
        assert_eq!(resolve(&root, &[], "/etc/passwd", true), Err(Errno::Notcapable));
        assert_eq!(resolve(&root, &[], "/", false), Err(Errno::Notcapable));
        assert_eq!(resolve(&root, &[], "a\0b", true), Err(Errno::Inval));
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_followed_only_inside() {
        let (_t, root) = tree("links");
        assert_eq!(resolve(&root, &[], "good", true), Ok(s(&["sub", "inner"])));
        assert_eq!(resolve(&root, &[], "good", false), Ok(s(&["good"])));
        assert_eq!(resolve(&root, &[], "subdir/inner", false), Ok(s(&["sub", "inner"])));
        assert_eq!(resolve(&root, &[], "sub/up/file", true), Ok(s(&["file"])));
        assert_eq!(resolve(&root, &[], "sub/up/sub/up/sub/inner", true), Ok(s(&["sub", "inner"])));
        // Escapes through links: absolute, `..` out, `..` from the top.
        assert_eq!(resolve(&root, &[], "abs", true), Err(Errno::Notcapable));
        assert_eq!(resolve(&root, &[], "abs/passwd", false), Err(Errno::Notcapable));
        assert_eq!(resolve(&root, &[], "out", true), Err(Errno::Notcapable));
        assert_eq!(resolve(&root, &[], "up", true), Err(Errno::Notcapable));
        assert_eq!(resolve(&root, &[], "up/secret", false), Err(Errno::Notcapable));
        assert_eq!(resolve(&root, &[], "sub/up/up/secret", true), Err(Errno::Notcapable));
        assert_eq!(resolve(&root, &[], "subdir/up/..", true), Err(Errno::Notcapable));
        // Unfollowed final links are returned as themselves (lstat, unlink).
        assert_eq!(resolve(&root, &[], "abs", false), Ok(s(&["abs"])));
        assert_eq!(resolve(&root, &[], "out", false), Ok(s(&["out"])));
        // A trailing slash forces following.
        assert_eq!(resolve(&root, &[], "abs/", false), Err(Errno::Notcapable));
        assert_eq!(resolve(&root, &[], "loop", true), Err(Errno::Loop));
        assert_eq!(resolve(&root, &[], "loop/x", false), Err(Errno::Loop));
        // A dangling link inside resolves to its (missing) target.
        assert_eq!(resolve(&root, &[], "dangling", true), Ok(s(&["nowhere"])));
    }

    #[cfg(unix)]
    #[test]
    fn a_directory_swapped_for_a_link_is_not_followed() {
        let (_t, root) = tree("swap");
        // A descriptor for `sub` is open; then `sub` becomes a link out.
        assert_eq!(resolve(&root, &s(&["sub"]), "inner", true), Ok(s(&["sub", "inner"])));
        std::fs::rename(root.join("sub"), root.join("sub2")).unwrap();
        std::os::unix::fs::symlink("abs/..", root.join("sub")).unwrap();
        assert_eq!(resolve(&root, &s(&["sub"]), "inner", true), Err(Errno::Notcapable));
        assert_eq!(check_dir(&root, &s(&["sub"])), Err(Errno::Notcapable));
        assert_eq!(check_dir(&root, &s(&["file"])), Err(Errno::Notdir));
        assert_eq!(check_dir(&root, &s(&["gone"])), Err(Errno::Noent));
        assert_eq!(check_dir(&root, &s(&["sub2"])), Ok(()));
    }

    #[cfg(unix)]
    #[test]
    fn a_nested_preopen_swapped_for_a_link_is_not_followed() {
        let (_t, root) = tree("nested");
        let inner = std::fs::canonicalize(root.join("sub")).unwrap();
        assert_eq!(resolve(&inner, &[], "inner", true), Ok(s(&["inner"])));
        // Through the outer preopen, the guest swaps the inner one.
        std::fs::rename(root.join("sub"), root.join("sub2")).unwrap();
        std::os::unix::fs::symlink("abs", root.join("sub")).unwrap();
        assert_eq!(resolve(&inner, &[], "passwd", true), Err(Errno::Notcapable));
        assert_eq!(check_dir(&inner, &[]), Err(Errno::Notcapable));
    }

    #[test]
    fn symlink_targets_are_checked_lexically() {
        assert!(symlink_target_stays_inside(&[], "file"));
        assert!(symlink_target_stays_inside(&s(&["sub"]), "../file"));
        assert!(!symlink_target_stays_inside(&[], "../file"));
        assert!(!symlink_target_stays_inside(&s(&["sub"]), "../../file"));
        assert!(!symlink_target_stays_inside(&[], "/etc/passwd"));
        assert!(!symlink_target_stays_inside(&[], ""));
    }
}
