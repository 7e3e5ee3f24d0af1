//! Paths as users give them: relative ones resolve against a project root.

use std::path::{Component, Path, PathBuf};

pub fn current_dir() -> PathBuf {
    std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."))
}

/// `path` made absolute against `base`, without `.` segments.
pub fn absolute(path: &Path, base: &Path) -> PathBuf {
    let joined = if path.is_absolute() { path.to_path_buf() } else { base.join(path) };
    joined.components().filter(|c| !matches!(c, Component::CurDir)).collect()
}
