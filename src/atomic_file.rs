//! Safe file updates: a cross-process lock around every read-modify-write,
//! and writes that land whole (temporary file in the same folder, renamed
//! over the original), so a reader or a crash sees the old file or the new
//! one, never a torn one.

use std::cell::Cell;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy)]
pub struct WriteOptions {
    /// Flush data and the folder entry to disk before returning (power-loss
    /// durability). Off by default: it costs milliseconds per write.
    pub fsync: bool,
    pub lock_timeout: Duration,
    /// Give the file exactly this mode (Unix). `None` keeps an existing
    /// file's mode and makes new files 0644.
    pub mode: Option<u32>,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions { fsync: false, lock_timeout: Duration::from_secs(10), mode: None }
    }
}

/// The lock file guarding `path`: a hidden sibling that is never deleted, so
/// every process always locks the same inode.
pub fn lock_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.clodo-lock"))
}

thread_local! {
    /// Set inside `without_waiting`: locks are tried once, never waited for.
    static NO_WAIT: Cell<bool> = const { Cell::new(false) };
}

/// Runs `work` so that every lock it takes is tried once: a lock another
/// writer holds fails at once with `E_LOCKED` instead of waiting. Callers on
/// a thread that must not block (Node's) use it to try work in place first.
pub fn without_waiting<T>(work: impl FnOnce() -> T) -> T {
    /// Puts the setting back even if `work` panics.
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            NO_WAIT.set(self.0);
        }
    }
    let _restore = Restore(NO_WAIT.replace(true));
    work()
}

/// An exclusive advisory lock on a file's lock file; released on drop.
pub struct FileLock {
    file: File,
}

impl FileLock {
    pub fn acquire(path: &Path, timeout: Duration) -> Result<FileLock> {
        let timeout = if NO_WAIT.get() { Duration::ZERO } else { timeout };
        let lock_path = lock_path(path);
        let open = || no_follow(OpenOptions::new().create(true).truncate(false).write(true)).open(&lock_path);
        let folder = lock_path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let file = in_folder(folder, open).map_err(|e| match fs::symlink_metadata(&lock_path).is_ok_and(|m| m.file_type().is_symlink()) {
            true => Error::invalid(format!("The lock file {} is a symbolic link; clodo does not follow it: remove it", lock_path.display())),
            false => Error::io("Failed to open lock file", &lock_path, e),
        })?;
        let started = Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(FileLock { file }),
                Err(fs::TryLockError::WouldBlock) if started.elapsed() < timeout => {
                    std::thread::sleep(pause.min(timeout.saturating_sub(started.elapsed())));
                    pause = (pause * 2).min(Duration::from_millis(25));
                }
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(Error::Locked {
                        path: path.to_path_buf(),
                        lock_path,
                        waited_ms: started.elapsed().as_millis() as u64,
                    });
                }
                Err(fs::TryLockError::Error(e)) => return Err(Error::io("Failed to lock", &lock_path, e)),
            }
        }
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// Reads a file as text; `None` when it does not exist.
pub fn read_text(path: &Path) -> Result<Option<String>> {
    match fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| Error::invalid(format!("{} is not UTF-8 text; save it as UTF-8 and retry", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("Failed to read", path, e)),
    }
}

/// Replaces `path` with `contents` in one step, keeping the file's mode.
/// Missing parent folders are created. A symbolic link is kept: the file it
/// points to is the one replaced, as an editor would save it.
pub fn write_atomic(path: &Path, contents: &[u8], options: WriteOptions) -> Result<()> {
    let target = link_target(path)?;
    let path = target.as_path();
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let prefix = format!(".{name}.");
    let create = || tempfile::Builder::new().prefix(&prefix).suffix(".tmp").tempfile_in(&dir);
    let mut temp = in_folder(&dir, create).map_err(|e| Error::io("Failed to create a temporary file in", &dir, e))?;
    temp.write_all(contents).map_err(|e| Error::io("Failed to write", temp.path(), e))?;
    let permissions = match (options.mode, fs::metadata(path)) {
        (Some(mode), _) => mode_permissions(mode),
        (None, Ok(meta)) => Some(meta.permissions()),
        // New files get the usual 0644 rather than the temporary file's 0600.
        (None, Err(_)) => mode_permissions(0o644),
    };
    if let Some(p) = permissions {
        temp.as_file().set_permissions(p).map_err(|e| Error::io("Failed to set permissions on", temp.path(), e))?;
    }
    if options.fsync {
        temp.as_file().sync_all().map_err(|e| Error::io("Failed to flush", temp.path(), e))?;
    }
    temp.persist(path).map_err(|e| Error::io("Failed to replace", path, e.error))?;
    if options.fsync {
        sync_dir(&dir);
    }
    Ok(())
}

/// Where a symbolic link at `path` leads (followed to the end), else `path` itself.
fn link_target(path: &Path) -> Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let next = fs::read_link(&current).map_err(|e| Error::io("Failed to read the link", &current, e))?;
                current = current.parent().map(|dir| dir.join(&next)).unwrap_or(next);
            }
            _ => return Ok(current),
        }
    }
    Err(Error::invalid(format!("{} is a loop of symbolic links", path.display())))
}

#[cfg(unix)]
fn no_follow(options: &mut OpenOptions) -> &mut OpenOptions {
    use std::os::unix::fs::OpenOptionsExt;
    options.custom_flags(libc::O_NOFOLLOW)
}

#[cfg(not(unix))]
fn no_follow(options: &mut OpenOptions) -> &mut OpenOptions {
    options
}

/// The one way to change a file others may change too: under its lock, read
/// it (`None` when missing), let `change` make the new text from it, and
/// replace it whole. `change` returning `None` leaves the file untouched.
pub fn update(path: &Path, options: WriteOptions, change: impl FnOnce(Option<&str>) -> Result<Option<String>>) -> Result<bool> {
    let _lock = FileLock::acquire(path, options.lock_timeout)?;
    let old = read_text(path)?;
    match change(old.as_deref())? {
        Some(new) if old.as_deref() != Some(new.as_str()) => {
            write_atomic(path, new.as_bytes(), options)?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Deletes the temporary files `write_atomic` left beside `path` when a
/// writer was killed between writing and renaming, if they are older than
/// `older_than` (a live writer's lasts microseconds). Best effort: what
/// cannot be read or deleted stays. Returns how many went.
pub fn remove_stale_temps(path: &Path, older_than: Duration) -> usize {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else { return 0 };
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    let prefix = format!(".{}.", name.to_string_lossy());
    let Ok(entries) = fs::read_dir(dir) else { return 0 };
    let stale = |entry: &fs::DirEntry| {
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        let age = entry.metadata().ok().and_then(|m| m.modified().ok()).and_then(|t| t.elapsed().ok());
        file_name.starts_with(&prefix) && file_name.ends_with(".tmp") && age.is_some_and(|age| age > older_than)
    };
    entries.filter_map(|e| e.ok()).filter(stale).filter(|e| fs::remove_file(e.path()).is_ok()).count()
}

/// Runs `create`, which makes a file in `folder`; when the folder is
/// missing, creates it and tries once more. Most writes go to a folder that
/// exists, and they skip the extra system calls.
fn in_folder<T>(folder: &Path, create: impl Fn() -> std::io::Result<T>) -> std::io::Result<T> {
    match create() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            fs::create_dir_all(folder)?;
            create()
        }
        other => other,
    }
}

#[cfg(unix)]
fn mode_permissions(mode: u32) -> Option<fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(fs::Permissions::from_mode(mode))
}

/// Windows has no mode bits: the temporary file's own permissions stay.
#[cfg(not(unix))]
fn mode_permissions(_mode: u32) -> Option<fs::Permissions> {
    None
}

#[cfg(unix)]
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_linked_file_is_edited_where_it_is_and_stays_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("shared").join("wrangler.toml");
        fs::create_dir_all(real.parent().unwrap()).unwrap();
        fs::write(&real, "name = \"a\"\n").unwrap();
        let link = dir.path().join("wrangler.toml");
        std::os::unix::fs::symlink("shared/wrangler.toml", &link).unwrap();
        let changed = update(&link, WriteOptions::default(), |old| Ok(Some(old.unwrap_or_default().replace("\"a\"", "\"b\"")))).unwrap();
        assert!(changed);
        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link is still a link");
        assert_eq!(fs::read_to_string(&real).unwrap(), "name = \"b\"\n");
    }

    #[cfg(unix)]
    #[test]
    fn a_linked_lock_file_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("wrangler.toml");
        let elsewhere = dir.path().join("elsewhere");
        std::os::unix::fs::symlink(&elsewhere, lock_path(&file)).unwrap();
        let err = FileLock::acquire(&file, Duration::from_millis(10)).err().unwrap();
        assert!(err.to_string().contains("is a symbolic link"), "{err}");
        assert!(!elsewhere.exists(), "the link's target was not created");
    }

    #[test]
    fn write_keeps_mode_and_replaces_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wrangler.toml");
        fs::write(&path, "old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        }
        write_atomic(&path, b"new", WriteOptions::default()).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o640);
        }
        let leftovers: Vec<_> = fs::read_dir(dir.path()).unwrap().filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().ends_with(".tmp")).collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn a_held_lock_times_out_with_e_locked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wrangler.toml");
        let _held = FileLock::acquire(&path, Duration::from_secs(1)).unwrap();
        let err = FileLock::acquire(&path, Duration::from_millis(50)).err().unwrap();
        assert_eq!(err.code(), "E_LOCKED");
    }

    #[test]
    fn stale_temporary_files_of_killed_writers_are_removed_and_fresh_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wrangler.toml");
        fs::write(&path, "name = \"x\"\n").unwrap();
        let old = dir.path().join(".wrangler.toml.a1B2c3.tmp");
        let fresh = dir.path().join(".wrangler.toml.z9Y8x7.tmp");
        let other = dir.path().join(".other.toml.a1B2c3.tmp");
        for f in [&old, &fresh, &other] {
            fs::write(f, "partial").unwrap();
        }
        let hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
        for f in [&old, &other] {
            File::options().write(true).open(f).unwrap().set_modified(hour_ago).unwrap();
        }
        assert_eq!(remove_stale_temps(&path, Duration::from_secs(60)), 1);
        assert!(!old.exists());
        assert!(fresh.exists(), "a writer may still be using it");
        assert!(other.exists(), "another file's temporary is not this file's business");
        assert!(path.exists(), "the file itself stays");
    }

    #[test]
    fn without_waiting_a_held_lock_fails_at_once_and_a_free_one_is_taken() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wrangler.toml");
        let held = FileLock::acquire(&path, Duration::from_secs(1)).unwrap();
        let started = Instant::now();
        let err = without_waiting(|| FileLock::acquire(&path, Duration::from_secs(5)).err().unwrap());
        assert_eq!(err.code(), "E_LOCKED");
        assert!(started.elapsed() < Duration::from_secs(1), "it waited {:?}", started.elapsed());
        drop(held);
        assert!(without_waiting(|| FileLock::acquire(&path, Duration::from_secs(5))).is_ok());
        // Outside the scope, locks wait again.
        let _held = FileLock::acquire(&path, Duration::from_secs(1)).unwrap();
        assert!(FileLock::acquire(&path, Duration::from_millis(60)).is_err_and(|e| e.code() == "E_LOCKED"));
    }
}
