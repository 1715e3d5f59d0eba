//! The I/O shell: drives a [`FenceOp`] by running fence agents through the
//! executor's `stonith` class, with the delays, retries and dynamic-list
//! cache the decisions ask for, and keeps the fencing history.
//!
//! ```no_run
//! # async fn demo(cib: &cib::Cib) {
//! use fencer::run::Fencer;
//! use fencer::{FenceAction, FenceRequest, FencingConfig};
//! let fencer = Fencer::new(executor::Executor::new(Default::default()), "n1");
//! let now = cib::iso8601::DateTime::from_epoch(1_700_000_000, 0);
//! let (config, _warnings) = FencingConfig::from_cib(cib, now);
//! let req = FenceRequest::new("n2", config.default_action, "pacer-controller", "n1");
//! let (result, history) = fencer.fence(&config, req).await;
//! println!("{} of {}: ok={} {:?}", result.action, result.target, result.ok, result.reason);
//! # let _ = history; }
//! ```

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use executor::{AgentSpec, Class, ExecStatus, Executor, OpRequest};

use crate::config::FencingConfig;
use crate::device::{retry_allowed, AgentCaps};
use crate::history::HistoryEntry;
use crate::operation::{
    Execution, FenceOp, FenceRequest, FenceResult, ListCache, RunReply, StatusAnswer, Step,
};

/// Pause between tries of a failed device run, as Pacemaker's.
const RETRY_PAUSE: Duration = Duration::from_secs(1);

/// History entries kept; beyond it the oldest half goes, as Pacemaker's
/// fencer purges its history.
pub const MAX_HISTORY: usize = 500;

/// Steps one operation may take; a bound, never reached by a sane
/// configuration (devices × levels × phases).
const MAX_STEPS: usize = 10_000;

/// Runs fencing operations on this node.
pub struct Fencer {
    exec: Executor,
    node: String,
    cache: Mutex<ListCache>,
    history: Mutex<Vec<HistoryEntry>>,
    caps: Mutex<BTreeMap<String, AgentCaps>>,
    /// Held by an operation while `concurrent-fencing` is false.
    serial: tokio::sync::Mutex<()>,
}

impl Fencer {
    /// `node` is this node's name: the delegate in the history.
    pub fn new(exec: Executor, node: &str) -> Fencer {
        Fencer {
            exec,
            node: node.to_string(),
            cache: Mutex::new(ListCache::default()),
            history: Mutex::new(Vec::new()),
            caps: Mutex::new(BTreeMap::new()),
            serial: tokio::sync::Mutex::new(()),
        }
    }

    /// The history of the operations this fencer ran, oldest first (at
    /// most [`MAX_HISTORY`]).
    pub fn history(&self) -> Vec<HistoryEntry> {
        lock(&self.history).clone()
    }

    /// Runs `req` to completion and records it. Never fails as a call: a
    /// failure is a [`FenceResult`] with its reason. Without
    /// `concurrent-fencing`, operations run one at a time in arrival order.
    pub async fn fence(
        &self,
        config: &FencingConfig,
        req: FenceRequest,
    ) -> (FenceResult, HistoryEntry) {
        let _one_at_a_time = if config.concurrent {
            None
        } else {
            Some(self.serial.lock().await)
        };
        let mut caps = BTreeMap::new();
        for d in &config.devices {
            if !caps.contains_key(&d.agent) {
                caps.insert(d.agent.clone(), self.agent_caps(&d.agent).await);
            }
        }
        let lookup = |agent: &str| caps.get(agent).cloned().unwrap_or_default();
        let (client, origin) = (req.client.clone(), req.origin.clone());
        let mut op = FenceOp::new(config, &lookup, req, entropy()).on_node(&self.node);
        let devices: BTreeMap<&str, &crate::Device> =
            config.devices.iter().map(|d| (d.id.as_str(), d)).collect();
        let mut result = None;
        for _ in 0..MAX_STEPS {
            let step = {
                let cache = lock(&self.cache);
                op.next(&cache, epoch_s())
            };
            match step {
                Step::Done(r) => {
                    result = Some(r);
                    break;
                }
                Step::List { device, timeout_ms } => {
                    let out = match devices.get(device.as_str()) {
                        Some(d) => {
                            let r = self
                                .exec
                                .execute(self.request(d, "list", None, timeout_ms))
                                .await;
                            if r.is_ok() {
                                Ok(r.stdout)
                            } else {
                                Err(r.exit_reason.clone().unwrap_or_else(|| r.summary()))
                            }
                        }
                        None => Err(format!("{device} is not configured")),
                    };
                    let mut cache = lock(&self.cache);
                    op.list_done(out, &mut cache, epoch_s());
                }
                Step::Status {
                    device,
                    target,
                    timeout_ms,
                } => {
                    let answer = match devices.get(device.as_str()) {
                        Some(d) => {
                            let r = self
                                .exec
                                .execute(self.request(d, "status", Some(&target), timeout_ms))
                                .await;
                            match (r.status, r.agent_exit) {
                                (ExecStatus::Done, Some(0)) => StatusAnswer::On,
                                (ExecStatus::Done, Some(2)) => StatusAnswer::Off,
                                _ => StatusAnswer::Unknown(
                                    r.exit_reason.clone().unwrap_or_else(|| r.summary()),
                                ),
                            }
                        }
                        None => StatusAnswer::Unknown(format!("{device} is not configured")),
                    };
                    op.status_done(answer);
                }
                Step::Run(e) => {
                    let reply = match devices.get(e.device.as_str()) {
                        Some(d) => self.run_device(d, &e).await,
                        None => RunReply {
                            ok: false,
                            reason: Some(format!("{} is not configured", e.device)),
                        },
                    };
                    op.run_done(reply);
                }
            }
        }
        let result = result.unwrap_or_else(|| FenceResult {
            target: op.request().target.clone(),
            action: op.request().action,
            ok: false,
            reason: Some(format!(
                "the fencing operation did not finish within {MAX_STEPS} steps"
            )),
            attempts: Vec::new(),
        });
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let entry = HistoryEntry::completed(
            &result,
            &client,
            &origin,
            &self.node,
            now.as_secs() as i64,
            now.subsec_nanos(),
        );
        {
            let mut h = lock(&self.history);
            h.push(entry.clone());
            if h.len() > MAX_HISTORY {
                h.drain(..MAX_HISTORY / 2);
            }
        }
        (result, entry)
    }

    fn request(
        &self,
        d: &crate::Device,
        action: &str,
        target: Option<&str>,
        timeout_ms: u64,
    ) -> OpRequest {
        let mut req = OpRequest::new(
            &d.id,
            AgentSpec::new(Class::Stonith, None, &d.agent),
            action,
        )
        .timeout_ms(timeout_ms.max(1));
        req.params = d.params.clone();
        if let Some(t) = target {
            req = req.fence_target(t);
        }
        req
    }

    /// Runs one device for one action: the delay, then tries while
    /// [`retry_allowed`] allows.
    async fn run_device(&self, d: &crate::Device, e: &Execution) -> RunReply {
        if e.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(e.delay_ms)).await;
        }
        let started = Instant::now();
        let mut remaining = e.timeout_ms;
        let mut tries = 0;
        loop {
            tries += 1;
            let r = self
                .exec
                .execute(self.request(d, e.action.as_str(), Some(&e.target), remaining))
                .await;
            if r.is_ok() {
                return RunReply {
                    ok: true,
                    reason: None,
                };
            }
            let reason = r.exit_reason.clone().unwrap_or_else(|| r.summary());
            let elapsed = started.elapsed().as_millis() as u64;
            let timed_out = r.status == ExecStatus::Timeout;
            match retry_allowed(tries, e.max_tries, timed_out, elapsed, e.timeout_ms) {
                Some(left) => {
                    remaining = left;
                    tokio::time::sleep(RETRY_PAUSE).await;
                }
                None => {
                    let tries_text = if tries > 1 {
                        format!(" (after {tries} tries)")
                    } else {
                        String::new()
                    };
                    return RunReply {
                        ok: false,
                        reason: Some(format!("{reason}{tries_text}")),
                    };
                }
            }
        }
    }

    /// The agent's abilities from its meta-data (cached); an agent without
    /// readable meta-data can do nothing beyond the requested action.
    async fn agent_caps(&self, agent: &str) -> AgentCaps {
        if let Some(c) = lock(&self.caps).get(agent) {
            return c.clone();
        }
        let spec = AgentSpec::new(Class::Stonith, None, agent);
        let caps = match self.exec.metadata(&spec).await {
            Ok(md) => {
                let on = md.actions.iter().find(|a| a.name == "on");
                AgentCaps {
                    list: md.supports("list"),
                    status: md.supports("status"),
                    reboot: md.supports("reboot"),
                    on: on.is_some(),
                    automatic_unfencing: on.is_some_and(|a| a.automatic),
                    host_arg: ["port", "plug"]
                        .into_iter()
                        .find(|a| md.parameter(a).is_some())
                        .map(str::to_string),
                }
            }
            Err(_) => AgentCaps {
                reboot: true,
                ..AgentCaps::default()
            },
        };
        lock(&self.caps).insert(agent.to_string(), caps.clone());
        caps
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn epoch_s() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Randomness for `pcmk_delay_max`, from the clock (the shell owns it).
fn entropy() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
        ^ u64::from(std::process::id()).rotate_left(32)
}
