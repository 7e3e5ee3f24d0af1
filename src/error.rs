//! The one error type of the core. Every kind has a stable machine code that
//! JavaScript sees as `error.code`; messages say what went wrong, where, and
//! how to fix it.

use std::path::{Path, PathBuf};

/// Where a parse error sits in a file (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{message}: {}", path.display())]
    ConfigNotFound { path: PathBuf, message: String },

    /// The message starts with `Failed to read <file name>:` like the original
    /// package's, so scripts that match on it keep working.
    #[error("Failed to read {}: {message} at line {}, column {} ({})", file_name(&location.file), location.line, location.column, location.file.display())]
    ConfigParse { location: Location, message: String },

    #[error("{0}")]
    InvalidInput(String),

    #[error("{action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{} is locked by another writer (waited {waited_ms} ms for {}); retry, or remove the lock file if no clodo process is running", path.display(), lock_path.display())]
    Locked {
        path: PathBuf,
        lock_path: PathBuf,
        waited_ms: u64,
    },
}

impl Error {
    /// The stable machine code of this kind of error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::ConfigNotFound { .. } => "E_CONFIG_NOT_FOUND",
            Error::ConfigParse { .. } => "E_CONFIG_PARSE",
            Error::InvalidInput(_) => "E_INVALID_INPUT",
            Error::Io { .. } => "E_IO",
            Error::Locked { .. } => "E_LOCKED",
        }
    }

    /// The file, line and column of a parse error.
    pub fn location(&self) -> Option<&Location> {
        match self {
            Error::ConfigParse { location, .. } => Some(location),
            _ => None,
        }
    }

    /// The file an error is about, when there is one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Error::ConfigNotFound { path, .. } | Error::Io { path, .. } | Error::Locked { path, .. } => {
                Some(path)
            }
            Error::ConfigParse { location, .. } => Some(&location.file),
            Error::InvalidInput(_) => None,
        }
    }

    pub fn io(action: &'static str, path: &Path, source: std::io::Error) -> Self {
        Error::Io { action, path: path.to_path_buf(), source }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Error::InvalidInput(message.into())
    }
}

/// Every code the core can produce, for documentation and tests.
pub const ERROR_CODES: &[&str] =
    &["E_CONFIG_NOT_FOUND", "E_CONFIG_PARSE", "E_INVALID_INPUT", "E_IO", "E_LOCKED"];

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
