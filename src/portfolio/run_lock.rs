//! One deploy at a time per service and environment: a run holds
//! `<service>/.clodo/locks/deploy-<env>` while it changes anything, and says
//! who holds it in a file beside. A second run fails at once with `E_LOCKED`
//! naming the first (or waits, when asked). The OS lets go of the lock when
//! its process ends, however it ends, so a dead run's lock is free at once;
//! the next run to take it ends what the dead one left running.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::json;

use crate::atomic_file::{FileLock, WriteOptions, write_atomic};
use crate::error::{Error, Result};

/// How long `wait` waits for another run: longer than any deploy.
const WAIT: Duration = Duration::from_secs(6 * 3600);

pub struct RunLock {
    service: PathBuf,
    environment: String,
    path: PathBuf,
    wait: bool,
    /// Nested holds (a portfolio calls its own domain deploys) share one lock.
    held: Mutex<(usize, Option<FileLock>)>,
}

/// Lets go of one hold when dropped.
pub struct Held<'a>(&'a RunLock);

impl Drop for Held<'_> {
    fn drop(&mut self) {
        let mut held = self.0.held.lock().unwrap_or_else(|p| p.into_inner());
        held.0 -= 1;
        if held.0 == 0 {
            // The holder file goes first: once the lock is free, the next run writes its own.
            let _ = std::fs::remove_file(self.0.holder_file());
            held.1 = None;
        }
    }
}

impl RunLock {
    pub fn new(service: &Path, environment: &str, wait: bool) -> RunLock {
        let path = service.join(".clodo").join("locks").join(format!("deploy-{environment}"));
        RunLock { service: service.to_path_buf(), environment: environment.to_owned(), path, wait, held: Mutex::new((0, None)) }
    }

    /// How many holds are taken now (0: no run of this portfolio is in progress).
    pub fn depth(&self) -> usize {
        self.held.lock().unwrap_or_else(|p| p.into_inner()).0
    }

    fn holder_file(&self) -> PathBuf {
        self.path.with_extension("json")
    }

    pub fn hold(&self, deployment_id: &str) -> Result<Held<'_>> {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        if held.0 == 0 {
            let timeout = if self.wait { WAIT } else { Duration::ZERO };
            let lock = FileLock::acquire(&self.path, timeout).map_err(|e| match e {
                Error::Locked { .. } => Error::RunLocked { service: self.service.clone(), environment: self.environment.clone(), holder: self.holder() },
                other => other,
            })?;
            let about = json!({"deploymentId": deployment_id, "pid": std::process::id(), "since": crate::audit_log::now_iso()});
            write_atomic(&self.holder_file(), about.to_string().as_bytes(), WriteOptions::default())?;
            // Holding the lock, no live run owns what an earlier, killed run left serving.
            crate::wrangler::orphans::reap(&self.service, &self.environment);
            held.1 = Some(lock);
        }
        held.0 += 1;
        Ok(Held(self))
    }

    /// Whether some run holds it now (without taking it; nothing is created).
    pub fn is_held(service: &Path, environment: &str) -> bool {
        let probe = RunLock::new(service, environment, false);
        if !crate::atomic_file::lock_path(&probe.path).exists() {
            return false;
        }
        matches!(FileLock::acquire(&probe.path, Duration::ZERO), Err(Error::Locked { .. }))
    }

    /// Who holds the lock, as its holder file says (which it writes just after taking the lock).
    fn holder(&self) -> String {
        for _ in 0..40 {
            let about: serde_json::Value = std::fs::read_to_string(self.holder_file()).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default();
            if let (Some(id), Some(pid)) = (about["deploymentId"].as_str(), about["pid"].as_u64()) {
                return format!("deployment {id} (process {pid})");
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        "another clodo run".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_run_of_one_service_and_environment_is_refused_naming_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let first = RunLock::new(dir.path(), "production", false);
        let held = first.hold("deploy-1").unwrap();
        let nested = first.hold("deploy-1").unwrap();
        let second = RunLock::new(dir.path(), "production", false);
        let err = second.hold("deploy-2").err().unwrap();
        assert_eq!(err.code(), "E_LOCKED");
        assert!(err.to_string().contains(&format!("deployment deploy-1 (process {})", std::process::id())), "{err}");
        assert!(RunLock::new(dir.path(), "staging", false).hold("deploy-3").is_ok(), "another environment runs beside it");
        drop(nested);
        assert!(second.hold("deploy-2").is_err(), "still held by the outer hold");
        drop(held);
        assert!(second.hold("deploy-2").is_ok());
    }
}
