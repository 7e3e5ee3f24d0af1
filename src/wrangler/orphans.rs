//! What a killed run left running. A run killed with SIGKILL cannot stop
//! its children; on Linux they get a parent-death signal, but what they
//! started (wrangler's own CLI process, workerd, esbuild) lives on in their
//! process groups. Every wrangler clodo starts for a service names that
//! service's rendered config (`<service>/.clodo/rendered/<domain>/<env>/wrangler.json`)
//! in its argv (the run's local helper names them as `dev <service>/.clodo/rendered/*/<env>/wrangler.json`),
//! so the next run of that service and environment finds the groups of its
//! servers (`dev`) and migrations and ends them, once it holds the run lock
//! (no live run owns them).

use std::path::Path;

/// Ends the process groups of processes that run a rendered config of
/// `service` for `environment`; returns how many groups. Linux only.
#[cfg(target_os = "linux")]
pub fn reap(service: &Path, environment: &str) -> usize {
    let prefix = service.join(".clodo").join("rendered").display().to_string() + "/";
    let suffix = format!("/{environment}/wrangler.json");
    let mut groups: Vec<i32> = vec![];
    let me = std::process::id() as i32;
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|p| p.parse::<i32>().ok()) else { continue };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else { continue };
        let args: Vec<_> = cmdline.split(|b| *b == 0).map(String::from_utf8_lossy).collect();
        // Servers and migrations only: a rollback another command runs on the same config is left alone.
        let ours = args.iter().any(|a| a.starts_with(&prefix) && a.ends_with(&suffix)) && args.iter().any(|a| a == "dev" || a == "migrations");
        let group = unsafe { libc::getpgid(pid) };
        // Never this process's own group (a run in this process holds the lock and owns its children).
        if ours && group > 0 && group != unsafe { libc::getpgid(me) } && !groups.contains(&group) {
            groups.push(group);
        }
    }
    for group in &groups {
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
    }
    groups.len()
}

#[cfg(not(target_os = "linux"))]
pub fn reap(_service: &Path, _environment: &str) -> usize {
    0
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::os::unix::process::CommandExt;
    use std::process::Command;

    #[test]
    fn a_dead_runs_servers_are_ended_and_other_environments_are_left_alone() {
        let service = tempfile::tempdir().unwrap();
        let config = |env: &str| service.path().join(format!(".clodo/rendered/shop.example.com/{env}/wrangler.json")).display().to_string();
        let spawn = |env: &str| Command::new("sh").args(["-c", "sleep 30 & sleep 30", "wrangler", "dev", "--config", &config(env)]).process_group(0).spawn().unwrap();
        let (mut left, mut other) = (spawn("production"), spawn("staging"));
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert_eq!(super::reap(service.path(), "production"), 1);
        assert!(left.wait().unwrap().code().is_none(), "killed by a signal");
        assert!(other.try_wait().unwrap().is_none(), "another environment's server is not touched");
        let _ = other.kill();
        unsafe { libc::kill(-(other.id() as i32), libc::SIGKILL) };
    }
}
