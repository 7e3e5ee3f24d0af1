//! A long-running wrangler (`dev`) in its own process group: started, waited
//! for until it says where it listens, and stopped with its children on drop.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::error::{Error, Result, WranglerFailure};

pub struct Background {
    child: Child,
    /// The address it printed (`Ready on http://127.0.0.1:8787`).
    pub url: String,
}

impl Background {
    /// Starts `command` and waits up to `timeout` for a line containing `Ready on <url>`.
    pub fn start(mut command: Command, timeout: Duration, what: &str) -> Result<Background> {
        command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        // A server must not outlive the process that started it, even one killed with SIGKILL.
        crate::wrangler::process::own_process_group(&mut command);
        let mut child = command.spawn().map_err(|e| Error::Wrangler { kind: WranglerFailure::Other, command: what.into(), message: format!("`{what}` did not start: {e}") })?;
        crate::wrangler::process::track(child.id());
        let (tx, rx) = mpsc::channel::<String>();
        for pipe in [child.stdout.take().map(|p| Box::new(p) as Box<dyn std::io::Read + Send>), child.stderr.take().map(|p| Box::new(p) as Box<dyn std::io::Read + Send>)]
            .into_iter()
            .flatten()
        {
            let tx = tx.clone();
            // Keeps draining after the ready line so the server never blocks on a full pipe.
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(|l| l.ok()) {
                    let _ = tx.send(crate::wrangler::strip_ansi(&line));
                }
            });
        }
        drop(tx);
        let deadline = std::time::Instant::now() + timeout;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(url) = line.split("Ready on ").nth(1).map(|u| u.trim().to_owned()) {
                        std::thread::spawn(move || while rx.recv().is_ok() {});
                        return Ok(Background { child, url });
                    }
                    seen.push(line);
                }
                Err(reason) => {
                    let mut failed = Background { child, url: String::new() };
                    failed.stop();
                    let tail = seen[seen.len().saturating_sub(8)..].join(" | ");
                    // Both pipes closed: wrangler exited on its own (a port in use, a bad config), which is
                    // its failure to report, not a timeout.
                    let (kind, message) = match reason {
                        mpsc::RecvTimeoutError::Timeout => (WranglerFailure::Timeout, format!("`{what}` was not ready within {timeout:?}: {tail}")),
                        mpsc::RecvTimeoutError::Disconnected => {
                            let (kind, _) = crate::wrangler::classify::classify("", &seen.join("\n"), &[], false);
                            (kind, format!("`{what}` exited before it was ready: {tail}"))
                        }
                    };
                    return Err(Error::Wrangler { kind, command: what.into(), message });
                }
            }
        }
    }

    pub fn stop(&mut self) {
        // Not reaped yet (only this waits for it), so its pid still names its group (or, on Windows, its tree).
        super::process::kill_group(self.child.id());
        let _ = self.child.kill();
        let _ = self.child.wait();
        super::process::untrack(self.child.id());
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }

    #[test]
    fn a_server_that_exits_early_is_reported_at_once_and_not_as_a_timeout() {
        let started = std::time::Instant::now();
        let error = Background::start(shell("echo 'Address already in use'; exit 3"), Duration::from_secs(30), "dev").err().unwrap();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_ne!(error.code(), "E_TIMEOUT");
        assert!(error.to_string().contains("exited before it was ready: Address already in use"), "{error}");
    }

    #[test]
    fn the_ready_line_gives_the_url() {
        let server = Background::start(shell("echo 'Ready on http://127.0.0.1:1234'; sleep 30"), Duration::from_secs(10), "dev").unwrap();
        assert_eq!(server.url, "http://127.0.0.1:1234");
    }
}
