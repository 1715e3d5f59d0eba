//! Shared set-up for the executor's integration tests: an executor that finds
//! the repository's own test agents (tests/agents) before the installed ones,
//! and scratch directories.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use executor::{Executor, ExecutorConfig, OpResult, Paths, ResultStream};

pub fn agents_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/agents")
}

/// A generous bound for anything that should finish promptly: hitting it
/// means the behaviour under test is broken, not that the machine is slow.
pub const SAFETY: Duration = Duration::from_secs(120);

pub fn config() -> ExecutorConfig {
    let mut cfg = ExecutorConfig {
        paths: Paths {
            ocf_root: PathBuf::from("/usr/lib/ocf"),
            ocf_ra_path: vec![
                agents_dir().join("ocf"),
                PathBuf::from("/usr/lib/ocf/resource.d"),
            ],
            lsb_dir: agents_dir().join("init.d"),
            fence_dir: PathBuf::from("/usr/sbin"),
        },
        kill_grace_ms: 500,
        output_limit: 64 * 1024,
        node_name: Some("node1".to_string()),
        ..ExecutorConfig::default()
    };
    // Test stand-ins (attrd_updater) come first on PATH.
    let path = std::env::var("PATH").unwrap_or_else(|_| "/usr/sbin:/usr/bin:/sbin:/bin".into());
    let path = format!(
        "{}:/usr/sbin:/sbin:{path}",
        agents_dir().join("bin").display()
    );
    cfg.base_env
        .retain(|(k, _)| k != "PATH" && !k.starts_with("OCF_"));
    cfg.base_env.push(("PATH".into(), path));
    cfg
}

pub fn executor() -> Executor {
    Executor::new(config())
}

/// A fresh scratch directory, removed on drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        let p = std::env::temp_dir().join(format!("pacer-exec-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("create scratch dir");
        Scratch(p)
    }

    pub fn path(&self, f: &str) -> String {
        self.0.join(f).display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The next result on `stream` matching `pred`, or a failure after [`SAFETY`].
pub async fn next_matching(
    stream: &mut ResultStream,
    what: &str,
    pred: impl Fn(&OpResult) -> bool,
) -> OpResult {
    let fut = async {
        loop {
            match stream.next().await {
                Some(r) if pred(&r) => return (*r).clone(),
                Some(_) => continue,
                None => panic!("result stream closed while waiting for {what}"),
            }
        }
    };
    tokio::time::timeout(SAFETY, fut)
        .await
        .unwrap_or_else(|_| panic!("no result for {what} within {SAFETY:?}"))
}

/// Kills every process in a process group (cleanup of daemons a test left).
pub fn kill_group(pgid: Option<u32>) {
    if let Some(p) = pgid.and_then(|p| rustix::process::Pid::from_raw(p as i32)) {
        let _ = rustix::process::kill_process_group(p, rustix::process::Signal::KILL);
    }
}

pub fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(path)).unwrap_or_default()
}

/// Makes this test process the reaper of orphaned descendants (agents'
/// daemons), so a killed daemon can be reaped instead of staying a zombie.
pub fn become_subreaper() {
    let _ = rustix::process::set_child_subreaper(Some(rustix::process::getpid()));
}

/// SIGKILLs `pid` and reaps it if it is (now) our child.
pub fn kill_and_reap(pid: u32) {
    let Some(p) = rustix::process::Pid::from_raw(pid as i32) else {
        return;
    };
    let _ = rustix::process::kill_process(p, rustix::process::Signal::KILL);
    let _ = rustix::process::waitpid(Some(p), rustix::process::WaitOptions::empty());
}
