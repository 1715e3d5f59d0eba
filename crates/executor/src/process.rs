//! Running one agent process: its own process group, a deadline, bounded
//! output, and a result that always arrives.
//!
//! The agent runs in a new process group. When it exits, whatever it already
//! wrote is collected without waiting for end-of-file, so daemons it forked
//! that keep stdout open do not hold the operation. At the deadline the whole
//! group gets SIGTERM, then SIGKILL after a grace period. Output beyond the
//! limit is read and dropped (the agent never blocks on a full pipe) and the
//! result says it was truncated.

use std::os::fd::AsFd;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invocation {
    pub program: PathBuf,
    pub args: Vec<String>,
    /// The complete environment (nothing else is inherited).
    pub env: Vec<(String, String)>,
    /// Written to stdin, which is then closed; `None` gives /dev/null.
    pub stdin: Option<Vec<u8>>,
    pub timeout: Duration,
    /// Between SIGTERM and SIGKILL on timeout.
    pub kill_grace: Duration,
    /// Bytes kept of each of stdout and stderr.
    pub output_limit: usize,
    /// Signal the whole process group on timeout (Pacemaker signals only the
    /// agent itself when `on-fail=block`).
    pub kill_group: bool,
}

/// How the process ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exit {
    Exited(i32),
    Signaled(i32),
    /// The deadline passed; the process (group) was killed.
    TimedOut,
    /// The program could not be started: the OS error number and text.
    SpawnFailed {
        errno: Option<i32>,
        message: String,
    },
}

/// Everything known about one run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub exit: Exit,
    pub pid: Option<u32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub stdout_truncated: bool,
    pub stderr_truncated: bool,
    pub elapsed: Duration,
    /// After SIGKILL the process still had not exited (stuck in the kernel);
    /// it was left behind.
    pub abandoned: bool,
}

/// A captured stream, bounded.
struct Capture {
    buf: Vec<u8>,
    limit: usize,
    truncated: bool,
    eof: bool,
}

impl Capture {
    fn new(limit: usize) -> Capture {
        Capture {
            buf: Vec::new(),
            limit,
            truncated: false,
            eof: false,
        }
    }

    fn push(&mut self, data: &[u8]) {
        let room = self.limit.saturating_sub(self.buf.len());
        if data.len() > room {
            self.truncated = true;
        }
        self.buf.extend_from_slice(&data[..data.len().min(room)]);
    }

    /// Reads what is in the pipe now, without waiting.
    fn drain_now(&mut self, fd: std::os::fd::BorrowedFd<'_>) {
        let mut chunk = [0u8; 16 * 1024];
        // Bounded: at most this many reads (the writer may keep writing).
        for _ in 0..4096 {
            match rustix::io::read(fd, &mut chunk) {
                Ok(0) => {
                    self.eof = true;
                    return;
                }
                Ok(n) => self.push(&chunk[..n]),
                Err(rustix::io::Errno::INTR) => continue,
                Err(_) => return,
            }
        }
    }
}

/// Grace for a SIGKILLed process to be reaped before it is reported abandoned.
const REAP_AFTER_KILL: Duration = Duration::from_secs(10);

/// Runs `inv` to completion (or its deadline). `on_spawn` gets the pid as
/// soon as the process exists.
pub async fn run(inv: &Invocation, on_spawn: impl FnOnce(u32)) -> Outcome {
    let started = Instant::now();
    let mut cmd = tokio::process::Command::new(&inv.program);
    cmd.args(&inv.args)
        .env_clear()
        .envs(inv.env.iter().map(|(k, v)| (k, v)))
        .stdin(if inv.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(false);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return Outcome {
                exit: Exit::SpawnFailed {
                    errno: e.raw_os_error(),
                    message: e.to_string(),
                },
                pid: None,
                stdout: Vec::new(),
                stderr: Vec::new(),
                stdout_truncated: false,
                stderr_truncated: false,
                elapsed: started.elapsed(),
                abandoned: false,
            }
        }
    };
    let pid = child.id();
    // If this future is dropped mid-run, the group must not outlive it.
    let mut guard = GroupGuard {
        pgid: pid.filter(|_| inv.kill_group),
        pid,
    };
    if let Some(p) = pid {
        on_spawn(p);
    }

    if let (Some(data), Some(mut stdin)) = (inv.stdin.clone(), child.stdin.take()) {
        // A separate task: an agent that never reads stdin cannot stall us.
        tokio::spawn(async move {
            let _ = stdin.write_all(&data).await;
            let _ = stdin.shutdown().await;
        });
    }

    let mut out = Capture::new(inv.output_limit);
    let mut err = Capture::new(inv.output_limit);
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let deadline = tokio::time::Instant::now() + inv.timeout;
    let mut obuf = vec![0u8; 16 * 1024];
    let mut ebuf = vec![0u8; 16 * 1024];

    // Phase 1: until the agent exits or the deadline passes.
    let status = loop {
        tokio::select! {
            st = child.wait() => break Some(st),
            r = read_some(&mut stdout, &mut obuf), if !out.eof => match r {
                Some(n) if n > 0 => out.push(&obuf[..n]),
                _ => out.eof = true,
            },
            r = read_some(&mut stderr, &mut ebuf), if !err.eof => match r {
                Some(n) if n > 0 => err.push(&ebuf[..n]),
                _ => err.eof = true,
            },
            _ = tokio::time::sleep_until(deadline) => break None,
        }
    };

    let mut abandoned = false;
    let exit = match status {
        Some(Ok(st)) => exit_of(st),
        Some(Err(e)) => Exit::SpawnFailed {
            errno: e.raw_os_error(),
            message: format!("could not wait for the agent: {e}"),
        },
        None => {
            // Phase 2: timeout. SIGTERM, grace, SIGKILL.
            signal(pid, inv.kill_group, rustix::process::Signal::TERM);
            let grace_end = tokio::time::Instant::now() + inv.kill_grace;
            let mut exited = false;
            loop {
                tokio::select! {
                    _ = child.wait() => { exited = true; break; }
                    r = read_some(&mut stdout, &mut obuf), if !out.eof => match r {
                        Some(n) if n > 0 => out.push(&obuf[..n]),
                        _ => out.eof = true,
                    },
                    r = read_some(&mut stderr, &mut ebuf), if !err.eof => match r {
                        Some(n) if n > 0 => err.push(&ebuf[..n]),
                        _ => err.eof = true,
                    },
                    _ = tokio::time::sleep_until(grace_end) => break,
                }
            }
            // Whatever is left of the group (or the agent itself) is killed.
            signal(pid, inv.kill_group, rustix::process::Signal::KILL);
            if !exited {
                abandoned = tokio::time::timeout(REAP_AFTER_KILL, child.wait())
                    .await
                    .is_err();
            }
            Exit::TimedOut
        }
    };
    guard.pgid = None;
    guard.pid = None;

    // Whatever the agent wrote before exiting is in the pipes now; anything a
    // leftover daemon writes later is not ours to wait for.
    if let Some(s) = &stdout {
        out.drain_now(s.as_fd());
    }
    if let Some(s) = &stderr {
        err.drain_now(s.as_fd());
    }
    drop(stdout);
    drop(stderr);

    Outcome {
        exit,
        pid,
        stdout: out.buf,
        stderr: err.buf,
        stdout_truncated: out.truncated,
        stderr_truncated: err.truncated,
        elapsed: started.elapsed(),
        abandoned,
    }
}

async fn read_some<R: tokio::io::AsyncRead + Unpin>(
    r: &mut Option<R>,
    buf: &mut [u8],
) -> Option<usize> {
    match r {
        Some(r) => r.read(buf).await.ok(),
        None => None,
    }
}

fn exit_of(st: std::process::ExitStatus) -> Exit {
    use std::os::unix::process::ExitStatusExt;
    match (st.code(), st.signal()) {
        (Some(c), _) => Exit::Exited(c),
        (None, Some(s)) => Exit::Signaled(s),
        (None, None) => Exit::Exited(-1),
    }
}

/// Sends `sig` to the agent's process group (or only the agent).
fn signal(pid: Option<u32>, group: bool, sig: rustix::process::Signal) {
    let Some(p) = pid.and_then(|p| rustix::process::Pid::from_raw(p as i32)) else {
        return;
    };
    // ESRCH (already gone) is fine.
    let _ = if group {
        rustix::process::kill_process_group(p, sig)
    } else {
        rustix::process::kill_process(p, sig)
    };
}

/// Kills the agent's group if the run is abandoned (its future dropped).
struct GroupGuard {
    pgid: Option<u32>,
    pid: Option<u32>,
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if self.pgid.is_some() {
            signal(self.pgid, true, rustix::process::Signal::KILL);
        } else if self.pid.is_some() {
            signal(self.pid, false, rustix::process::Signal::KILL);
        }
    }
}

/// A signal's name (`SIGTERM`), for messages.
pub fn signal_name(sig: i32) -> String {
    let name = match sig {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        13 => "SIGPIPE",
        14 => "SIGALRM",
        15 => "SIGTERM",
        _ => return format!("signal {sig}"),
    };
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str, timeout_ms: u64) -> Invocation {
        Invocation {
            program: PathBuf::from("/bin/sh"),
            args: vec!["-c".into(), script.into()],
            env: vec![("PATH".into(), "/usr/bin:/bin".into())],
            stdin: None,
            timeout: Duration::from_millis(timeout_ms),
            kill_grace: Duration::from_millis(500),
            output_limit: 1024,
            kill_group: true,
        }
    }

    #[tokio::test]
    async fn captures_exit_code_and_output() {
        let o = run(&sh("echo out; echo err >&2; exit 7", 30_000), |_| {}).await;
        assert_eq!(o.exit, Exit::Exited(7));
        assert_eq!(o.stdout, b"out\n");
        assert_eq!(o.stderr, b"err\n");
    }

    #[tokio::test]
    async fn output_is_bounded_and_marked_truncated() {
        let o = run(&sh("head -c 100000 /dev/zero", 30_000), |_| {}).await;
        assert_eq!(o.exit, Exit::Exited(0));
        assert_eq!(o.stdout.len(), 1024);
        assert!(o.stdout_truncated);
    }

    #[tokio::test]
    async fn a_daemon_holding_stdout_does_not_hold_the_result() {
        // The background sleep keeps stdout open for a long time.
        let o = run(&sh("echo started; sleep 600 & exit 0", 30_000), |_| {}).await;
        assert_eq!(o.exit, Exit::Exited(0));
        assert_eq!(o.stdout, b"started\n");
        // Clean up the daemon we left behind (it is in the agent's group).
        if let Some(p) = o.pid.and_then(|p| rustix::process::Pid::from_raw(p as i32)) {
            let _ = rustix::process::kill_process_group(p, rustix::process::Signal::KILL);
        }
    }

    #[tokio::test]
    async fn timeout_kills_the_group_even_if_sigterm_is_ignored() {
        let o = run(&sh("trap '' TERM; sleep 600 & sleep 600", 200), |_| {}).await;
        assert_eq!(o.exit, Exit::TimedOut);
        assert!(!o.abandoned);
        // Nothing of the group is left alive (zombies may wait for init).
        let pgid = o.pid.unwrap();
        let left = crate::procfs::wait_group_gone(pgid, Duration::from_secs(10)).await;
        assert_eq!(left, Vec::<u32>::new());
    }

    #[tokio::test]
    async fn missing_program_is_a_spawn_failure_with_errno() {
        let mut inv = sh("", 1000);
        inv.program = PathBuf::from("/nonexistent/agent");
        let o = run(&inv, |_| {}).await;
        assert!(
            matches!(o.exit, Exit::SpawnFailed { errno: Some(2), .. }),
            "{o:?}"
        );
    }
}
