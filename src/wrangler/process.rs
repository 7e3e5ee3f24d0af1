//! Starting one process without a shell, feeding its stdin, collecting its
//! output, and killing its whole process group when it runs too long.

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub struct Finished {
    /// `None` when a signal ended it.
    pub exit_code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub timed_out: bool,
    pub duration: Duration,
}

pub fn run(mut command: Command, stdin: Option<Vec<u8>>, timeout: Duration) -> std::io::Result<Finished> {
    command.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    own_process_group(&mut command);
    let started = Instant::now();
    let mut child = command.spawn()?;
    let feeder = stdin.and_then(|data| {
        let mut pipe = child.stdin.take()?;
        // A process that exits without reading gives EPIPE here: not our failure.
        Some(std::thread::spawn(move || drop(pipe.write_all(&data))))
    });
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let pid = child.id();
    let (exit_code, timed_out) = wait_with_timeout(child, pid, timeout)?;
    // Grandchildren (workerd) must not outlive wrangler or hold our pipes open.
    kill_group(pid);
    if let Some(feeder) = feeder {
        let _ = feeder.join();
    }
    Ok(Finished { exit_code, stdout: collect(stdout), stderr: collect(stderr), timed_out, duration: started.elapsed() })
}

fn wait_with_timeout(mut child: Child, pid: u32, timeout: Duration) -> std::io::Result<(Option<i32>, bool)> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    match rx.recv_timeout(timeout) {
        Ok(status) => Ok((status?.code(), false)),
        Err(_) => {
            kill_group(pid);
            let status = rx.recv().map_err(|_| std::io::Error::other("wait thread ended"))??;
            Ok((status.code(), true))
        }
    }
}

fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> Option<JoinHandle<Vec<u8>>> {
    pipe.map(|mut pipe| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            buf
        })
    })
}

fn collect(handle: Option<JoinHandle<Vec<u8>>>) -> Vec<u8> {
    handle.and_then(|h| h.join().ok()).unwrap_or_default()
}

#[cfg(unix)]
fn own_process_group(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    command.process_group(0);
}

#[cfg(not(unix))]
fn own_process_group(_command: &mut Command) {}

#[cfg(unix)]
fn kill_group(pid: u32) {
    // The child leads its own group (process_group(0)), so -pid is that group.
    unsafe {
        libc::kill(-(pid as libc::pid_t), libc::SIGKILL);
    }
}

#[cfg(not(unix))]
fn kill_group(_pid: u32) {}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_process_past_its_timeout_is_killed_with_its_children() {
        let mut command = Command::new("sh");
        command.args(["-c", "sleep 30 & sleep 30; echo never"]);
        let finished = run(command, None, Duration::from_millis(200)).unwrap();
        assert!(finished.timed_out);
        assert!(finished.duration < Duration::from_secs(5), "took {:?}", finished.duration);
        assert!(finished.stdout.is_empty());
    }

    #[test]
    fn stdin_reaches_the_process_and_output_comes_back() {
        let finished = run(Command::new("cat"), Some(b"hello".to_vec()), Duration::from_secs(10)).unwrap();
        assert_eq!(finished.exit_code, Some(0));
        assert_eq!(finished.stdout, b"hello");
    }
}
