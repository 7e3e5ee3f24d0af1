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

    #[error("{0}")]
    WranglerNotFound(String),

    /// A database that is not in the config (or not in the account).
    #[error("{0}")]
    DatabaseNotFound(String),

    /// Domains that depend on each other in a circle, in order.
    #[error("Circular dependency detected: {}", .0.join(" → "))]
    DependencyCycle(Vec<String>),

    /// The encrypted secret store cannot be opened or written.
    #[error("{0}")]
    SecretStore(String),

    /// A deploy ran and one of its critical phases failed.
    #[error("{0}")]
    DeployFailed(String),

    /// A restore whose result does not match its backup.
    #[error("{0}")]
    VerificationFailed(String),

    #[error("wrangler {version} at {} is not supported: clodo needs wrangler {SUPPORTED_WRANGLER}; install a supported one with `npm install --save-dev wrangler@4`", path.display())]
    WranglerUnsupported { version: String, path: PathBuf },

    /// A wrangler run that failed; `kind` says why, as far as its output tells.
    #[error("{message}")]
    Wrangler { kind: WranglerFailure, command: String, message: String },

    /// A call to Cloudflare's REST API that failed; `kind` classifies it like a wrangler failure.
    #[error("{message}")]
    Api { kind: WranglerFailure, message: String },

    /// A migration file failed; the files before it are applied and recorded.
    #[error("Migration failed for {database}: {} failed: {message}{}", file_name(file), applied_note(applied))]
    MigrationFailed { database: String, file: PathBuf, message: String, applied: Vec<String> },

    /// Another error with a caller's message in front; same code.
    #[error("{prefix}{source}")]
    Context { prefix: String, source: Box<Error> },

    #[error("{} is locked by another writer (waited {waited_ms} ms for {}); retry, or remove the lock file if no clodo process is running", path.display(), lock_path.display())]
    Locked {
        path: PathBuf,
        lock_path: PathBuf,
        waited_ms: u64,
    },

    #[error("{holder} is already deploying {} to {environment}: let it finish, or wait for it (--wait, waitForLock: true)", service.display())]
    RunLocked { service: PathBuf, environment: String, holder: String },
}

impl Error {
    /// The stable machine code of this kind of error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::ConfigNotFound { .. } => "E_CONFIG_NOT_FOUND",
            Error::ConfigParse { .. } => "E_CONFIG_PARSE",
            Error::InvalidInput(_) => "E_INVALID_INPUT",
            Error::Io { .. } => "E_IO",
            Error::Locked { .. } | Error::RunLocked { .. } => "E_LOCKED",
            Error::WranglerNotFound(_) => "E_WRANGLER_NOT_FOUND",
            Error::DatabaseNotFound(_) => "E_NOT_FOUND",
            Error::VerificationFailed(_) => "E_VERIFY_FAILED",
            Error::SecretStore(_) => "E_SECRET_STORE",
            Error::DependencyCycle(_) => "E_DEPENDENCY_CYCLE",
            Error::DeployFailed(_) => "E_DEPLOY_FAILED",
            Error::WranglerUnsupported { .. } => "E_WRANGLER_UNSUPPORTED",
            // An API answer no other code describes; a wrangler run's is E_WRANGLER_FAILED.
            Error::Api { kind: WranglerFailure::Other, .. } => "E_API",
            Error::Wrangler { kind, .. } | Error::Api { kind, .. } => kind.code(),
            Error::MigrationFailed { .. } => "E_MIGRATION_FAILED",
            Error::Context { source, .. } => source.code(),
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
            Error::WranglerUnsupported { path, .. } => Some(path),
            Error::MigrationFailed { file, .. } => Some(file),
            Error::RunLocked { service, .. } => Some(service),
            Error::Context { source, .. } => source.path(),
            Error::InvalidInput(_)
            | Error::WranglerNotFound(_)
            | Error::DatabaseNotFound(_)
            | Error::VerificationFailed(_)
            | Error::SecretStore(_)
            | Error::DependencyCycle(_)
            | Error::DeployFailed(_)
            | Error::Wrangler { .. }
            | Error::Api { .. } => None,
        }
    }

    pub fn io(action: &'static str, path: &Path, source: std::io::Error) -> Self {
        Error::Io { action, path: path.to_path_buf(), source }
    }

    /// The same error, its message starting with `prefix`.
    pub fn context(self, prefix: impl Into<String>) -> Self {
        Error::Context { prefix: prefix.into(), source: Box::new(self) }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Error::InvalidInput(message.into())
    }

    /// No usable Cloudflare credential (`E_AUTH`).
    pub fn auth(message: impl Into<String>) -> Self {
        Error::Api { kind: WranglerFailure::Auth, message: message.into() }
    }
}

/// Every code the core can produce, for documentation and tests.
pub const ERROR_CODES: &[&str] = &[
    "E_CONFIG_NOT_FOUND",
    "E_CONFIG_PARSE",
    "E_INVALID_INPUT",
    "E_IO",
    "E_LOCKED",
    "E_WRANGLER_NOT_FOUND",
    "E_WRANGLER_UNSUPPORTED",
    "E_WRANGLER_FAILED",
    "E_AUTH",
    "E_NOT_FOUND",
    "E_ALREADY_EXISTS",
    "E_SQL",
    "E_RATE_LIMITED",
    "E_NETWORK",
    "E_TIMEOUT",
    "E_MIGRATION_FAILED",
    "E_VERIFY_FAILED",
    "E_SECRET_STORE",
    "E_DEPENDENCY_CYCLE",
    "E_DEPLOY_FAILED",
    "E_API",
    // Raised by the JavaScript layer (security, prompts).
    "E_INSECURE_CONFIG",
    "E_NOT_INTERACTIVE",
    "E_CANCELLED",
];

/// The wrangler versions clodo is tested with and accepts.
pub const SUPPORTED_WRANGLER: &str = ">=3.91.0 <5.0.0";

/// Why a wrangler run failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WranglerFailure {
    /// Missing or rejected credentials: retrying cannot help.
    Auth,
    /// The database (or other resource) does not exist.
    NotFound,
    AlreadyExists,
    /// SQLite rejected a statement.
    Sql,
    /// The API said slow down; retried after its retry-after (at most a minute).
    RateLimited,
    /// A connection failed or the API had a passing server error; retried.
    Network,
    /// The process ran past its time limit and was killed with its children.
    Timeout,
    Other,
}

impl WranglerFailure {
    pub fn code(self) -> &'static str {
        match self {
            WranglerFailure::Auth => "E_AUTH",
            WranglerFailure::NotFound => "E_NOT_FOUND",
            WranglerFailure::AlreadyExists => "E_ALREADY_EXISTS",
            WranglerFailure::Sql => "E_SQL",
            WranglerFailure::RateLimited => "E_RATE_LIMITED",
            WranglerFailure::Network => "E_NETWORK",
            WranglerFailure::Timeout => "E_TIMEOUT",
            WranglerFailure::Other => "E_WRANGLER_FAILED",
        }
    }

    /// Whether running the same command again may succeed.
    pub fn is_transient(self) -> bool {
        matches!(self, WranglerFailure::RateLimited | WranglerFailure::Network)
    }
}

fn applied_note(applied: &[String]) -> String {
    match applied.len() {
        0 => String::new(),
        _ => format!(" (applied and recorded before it: {})", applied.join(", ")),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
