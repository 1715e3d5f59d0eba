//! Running alert agents: every entry an event goes to, at once, each with
//! its environment and timeout (SIGTERM then SIGKILL to its process group,
//! through the executor's process runner); the node-wide sequence number
//! and the clock live here.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use executor::process::{self, Exit, Invocation};
use serde::Serialize;

use crate::{environment, recipients, Alert, Event, Stamp};

/// How one agent run went.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Sent {
    pub id: String,
    pub recipient: Option<String>,
    pub ok: bool,
    /// Why not.
    pub reason: Option<String>,
}

/// Sends alerts on this node.
#[derive(Clone)]
pub struct AlertRunner {
    /// The environment every agent starts from (the daemon's).
    pub base_env: Vec<(String, String)>,
    /// Between SIGTERM and SIGKILL at the timeout.
    pub kill_grace_ms: u64,
    sequence: Arc<AtomicU64>,
}

impl Default for AlertRunner {
    fn default() -> Self {
        AlertRunner {
            base_env: std::env::vars().collect(),
            kill_grace_ms: 2_000,
            sequence: Arc::new(AtomicU64::new(0)),
        }
    }
}

impl AlertRunner {
    /// Runs every alert entry `event` goes to, concurrently, and waits for
    /// all of them (each is bounded by its timeout).
    pub async fn send(&self, alerts: &[Alert], event: &Event) -> Vec<Sent> {
        let to = recipients(alerts, event);
        if to.is_empty() {
            return Vec::new();
        }
        let stamp = now();
        let mut tasks = tokio::task::JoinSet::new();
        for (n, alert) in to.into_iter().enumerate() {
            let seq = self.sequence.fetch_add(1, Ordering::Relaxed) + 1;
            let mut env = self.base_env.clone();
            let vars = environment(alert, event, &stamp, seq);
            env.retain(|(k, _)| !vars.iter().any(|(v, _)| v == k));
            env.extend(vars);
            let inv = Invocation {
                program: PathBuf::from(&alert.path),
                args: Vec::new(),
                env,
                stdin: None,
                timeout: Duration::from_millis(alert.timeout_ms),
                kill_grace: Duration::from_millis(self.kill_grace_ms),
                output_limit: 64 * 1024,
                kill_group: true,
            };
            let (id, recipient) = (alert.id.clone(), alert.recipient.clone());
            tasks.spawn(async move {
                let o = process::run(&inv, |_| {}).await;
                let reason = match o.exit {
                    Exit::Exited(0) => None,
                    Exit::Exited(c) => Some(format!(
                        "alert agent {} exited with {c}: {}",
                        inv.program.display(),
                        String::from_utf8_lossy(&o.stderr).trim()
                    )),
                    Exit::Signaled(s) => Some(format!(
                        "alert agent {} was killed by {}",
                        inv.program.display(),
                        process::signal_name(s)
                    )),
                    Exit::TimedOut => Some(format!(
                        "alert agent {} did not finish within {} ms; its process group was killed",
                        inv.program.display(),
                        inv.timeout.as_millis()
                    )),
                    Exit::SpawnFailed { message, .. } => Some(format!(
                        "alert agent {} cannot be run: {message}; check the alert's path and that it is executable",
                        inv.program.display()
                    )),
                };
                (
                    n,
                    Sent {
                        id,
                        recipient,
                        ok: reason.is_none(),
                        reason,
                    },
                )
            });
        }
        let mut out = Vec::new();
        while let Some(r) = tasks.join_next().await {
            if let Ok(x) = r {
                out.push(x);
            }
        }
        out.sort_by_key(|(n, _)| *n);
        out.into_iter().map(|(_, s)| s).collect()
    }
}

fn now() -> Stamp {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Stamp {
        epoch_s: d.as_secs() as i64,
        usec: d.subsec_micros(),
        utc_offset_s: chrono::Local::now().offset().local_minus_utc(),
    }
}
