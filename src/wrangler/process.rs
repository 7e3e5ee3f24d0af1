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

/// The process groups (leaders' pids) clodo's children lead right now, so a
/// run that is interrupted can end them all (`end_all`).
static LIVE: std::sync::Mutex<Vec<u32>> = std::sync::Mutex::new(Vec::new());

pub fn track(pid: u32) {
    LIVE.lock().unwrap_or_else(|p| p.into_inner()).push(pid);
}

pub fn untrack(pid: u32) {
    LIVE.lock().unwrap_or_else(|p| p.into_inner()).retain(|p| *p != pid);
}

/// Ends every child (and what it started) still running: for a run that is being interrupted.
pub fn end_all() {
    for pid in LIVE.lock().unwrap_or_else(|p| p.into_inner()).drain(..) {
        kill_group(pid);
    }
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
    track(pid);
    let waited = wait_with_timeout(child, pid, timeout);
    untrack(pid);
    let (exit_code, timed_out) = waited?;
    if let Some(feeder) = feeder {
        let _ = feeder.join();
    }
    Ok(Finished { exit_code, stdout: collect(stdout), stderr: collect(stderr), timed_out, duration: started.elapsed() })
}

fn wait_with_timeout(mut child: Child, pid: u32, timeout: Duration) -> std::io::Result<(Option<i32>, bool)> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(wait_and_end_group(&mut child, pid));
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
/// The child leads a process group of its own (so its children can be ended with it), and on Linux dies
/// with the process that started it.
pub fn own_process_group(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    command.process_group(0);
    // A child must not outlive the process that started it, even one killed with SIGKILL.
    #[cfg(target_os = "linux")]
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
}

#[cfg(not(unix))]
pub fn own_process_group(_command: &mut Command) {}

/// Waits for the child, then ends what it started: grandchildren (workerd)
/// must not outlive wrangler or hold our pipes open. On Linux the group is
/// ended while the exited child is still unreaped (a zombie keeps its pid),
/// so the group id cannot belong to anyone else yet.
#[cfg(target_os = "linux")]
fn wait_and_end_group(child: &mut Child, pid: u32) -> std::io::Result<std::process::ExitStatus> {
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    loop {
        let done = unsafe { libc::waitid(libc::P_PID, pid as libc::id_t, &mut info, libc::WEXITED | libc::WNOWAIT) };
        if done == 0 || std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            break;
        }
    }
    kill_group(pid);
    child.wait()
}

#[cfg(not(target_os = "linux"))]
fn wait_and_end_group(child: &mut Child, pid: u32) -> std::io::Result<std::process::ExitStatus> {
    let status = child.wait();
    kill_group(pid);
    status
}

#[cfg(unix)]
pub fn kill_group(pid: u32) {
    // The child leads its own group (process_group(0)), so -pid is that group.
    unsafe {
        libc::kill(-(pid as libc::pid_t), libc::SIGKILL);
    }
}

/// Windows has no process groups to signal: `taskkill /T` ends the process and every process it started.
#[cfg(windows)]
pub fn kill_group(pid: u32) {
    let _ = Command::new("taskkill").args(["/T", "/F", "/PID", &pid.to_string()]).stdout(Stdio::null()).stderr(Stdio::null()).status();
}

#[cfg(not(any(unix, windows)))]
pub fn kill_group(_pid: u32) {}

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
    fn what_a_finished_process_left_running_is_ended_with_it() {
        let mut command = Command::new("sh");
        // The background sleep keeps no pipe open, so only ending the group stops it.
        command.args(["-c", "sleep 30 >/dev/null 2>&1 & echo $!"]);
        let finished = run(command, None, Duration::from_secs(10)).unwrap();
        assert_eq!(finished.exit_code, Some(0));
        let pid: i32 = String::from_utf8_lossy(&finished.stdout).trim().parse().unwrap();
        std::thread::sleep(Duration::from_millis(100));
        // Signal 0 only asks whether it exists (a zombie of init counts as gone once reaped).
        let alive = unsafe { libc::kill(pid, 0) } == 0 && std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s.contains(") Z "));
        assert!(!alive, "the grandchild {pid} outlived its parent");
    }

    #[test]
    fn stdin_reaches_the_process_and_output_comes_back() {
        let finished = run(Command::new("cat"), Some(b"hello".to_vec()), Duration::from_secs(10)).unwrap();
        assert_eq!(finished.exit_code, Some(0));
        assert_eq!(finished.stdout, b"hello");
    }
}
