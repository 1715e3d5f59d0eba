//! Event-driven failure detection: wait for any of a resource's processes
//! to exit, so its monitor can run at once instead of at the next interval.
//!
//! Each watched process is held by a pidfd (`pidfd_open`), which becomes
//! readable the moment the process exits; no polling is involved. Where
//! pidfds are unavailable (kernels before 5.3) the process is polled every
//! [`FALLBACK_POLL`].

use std::path::Path;
use std::time::Duration;

use tokio::io::unix::AsyncFd;

use crate::procfs;

/// How often a process is checked when it cannot be watched by pidfd.
pub const FALLBACK_POLL: Duration = Duration::from_millis(100);

/// The pid in a pid file (first line, trimmed), if that process is alive.
pub fn pid_from_file(path: &Path) -> Option<u32> {
    let text = std::fs::read_to_string(path).ok()?;
    let pid: u32 = text.lines().next()?.trim().parse().ok()?;
    (pid > 1 && procfs::is_live(pid)).then_some(pid)
}

/// Resolves when any of `pids` exits (or at once when none is alive).
/// Never resolves for an empty list: nothing to watch.
pub async fn any_exits(pids: Vec<u32>) -> u32 {
    if pids.is_empty() {
        return std::future::pending().await;
    }
    let mut waits = Vec::new();
    for pid in pids {
        waits.push(Box::pin(one_exits(pid)));
    }
    let (pid, _, _) = futures_select_all(waits).await;
    pid
}

/// Resolves when `pid` exits.
async fn one_exits(pid: u32) -> u32 {
    let fd = rustix::process::Pid::from_raw(pid as i32)
        .and_then(|p| rustix::process::pidfd_open(p, rustix::process::PidfdFlags::empty()).ok());
    // `new` is deprecated for fds the caller might not own; this one is an
    // OwnedFd moved in, so registering it is sound.
    #[allow(deprecated)]
    let afd = fd.and_then(|fd| AsyncFd::new(fd).ok());
    match afd {
        Some(afd) => {
            // Readable = exited. An error means the pidfd is unusable: poll.
            if afd.readable().await.is_ok() {
                return pid;
            }
            poll_until_dead(pid).await
        }
        None => poll_until_dead(pid).await,
    }
}

async fn poll_until_dead(pid: u32) -> u32 {
    while procfs::is_live(pid) {
        tokio::time::sleep(FALLBACK_POLL).await;
    }
    pid
}

/// `select_all` over boxed futures, without a futures-crate dependency.
async fn futures_select_all<F>(mut futs: Vec<std::pin::Pin<Box<F>>>) -> (u32, usize, ())
where
    F: std::future::Future<Output = u32>,
{
    std::future::poll_fn(move |cx| {
        for (i, f) in futs.iter_mut().enumerate() {
            if let std::task::Poll::Ready(v) = f.as_mut().poll(cx) {
                return std::task::Poll::Ready((v, i, ()));
            }
        }
        std::task::Poll::Pending
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn notices_an_exit_without_waiting_for_a_poll() {
        let mut child = std::process::Command::new("sleep")
            .arg("600")
            .spawn()
            .unwrap();
        let pid = child.id();
        let waiter = tokio::spawn(any_exits(vec![pid]));
        // Not resolved while alive.
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        child.kill().unwrap();
        let _ = child.wait();
        let got = tokio::time::timeout(Duration::from_secs(30), waiter)
            .await
            .expect("exit noticed")
            .unwrap();
        assert_eq!(got, pid);
    }

    #[test]
    fn pid_files_name_live_processes_only() {
        let dir = std::env::temp_dir().join(format!("pacer-watch-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("p.pid");
        std::fs::write(&f, format!("{}\n", std::process::id())).unwrap();
        assert_eq!(pid_from_file(&f), Some(std::process::id()));
        std::fs::write(&f, "garbage").unwrap();
        assert_eq!(pid_from_file(&f), None);
        assert_eq!(pid_from_file(&dir.join("missing")), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
