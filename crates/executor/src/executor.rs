//! The asynchronous executor: one operation at a time per resource (in
//! arrival order), resources in parallel up to a global limit, recurring
//! operations with start delay and interval origin, cancellation, a stream
//! of every result, and event-driven monitors.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::{broadcast, watch, Notify, Semaphore};

use crate::agent::{AgentSpec, Class, Paths};
use crate::codes::{self, generic_error, ExecStatus, OcfRc};
use crate::digest::{needs_metadata, record_digests, Digests, Params};
use crate::invoke::{self, NotRun};
use crate::metadata::AgentMetadata;
use crate::process::{self, Exit, Invocation};
use crate::record::{OpRequest, OpResult, WatchSpec};
use crate::time::{epoch_now, readable_ms};
use crate::{procfs, systemd};

/// Settings of an [`Executor`].
#[derive(Clone, Debug)]
pub struct ExecutorConfig {
    pub paths: Paths,
    /// Agent processes running at once, across all resources.
    pub max_concurrent: usize,
    /// Between SIGTERM and SIGKILL when an operation times out.
    pub kill_grace_ms: u64,
    /// Bytes kept of each of an agent's stdout and stderr.
    pub output_limit: usize,
    /// The environment every agent starts from (Pacemaker passes its own).
    pub base_env: Vec<(String, String)>,
    /// This node's name (`CRM_meta_on_node`, records).
    pub node_name: Option<String>,
    pub metadata_timeout_ms: u64,
    /// Results buffered for slow subscribers before they miss some.
    pub results_capacity: usize,
    /// A command every agent is run through (e.g. `ip netns exec NS`); it
    /// must exec the agent in its own process. Empty: agents run directly.
    pub command_prefix: Vec<String>,
}

impl Default for ExecutorConfig {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        ExecutorConfig {
            paths: Paths::from_env(),
            // Pacemaker's default node-action-limit: twice the cores.
            max_concurrent: (2 * cores).max(2),
            kill_grace_ms: 5_000,
            output_limit: 1 << 20,
            base_env: std::env::vars().collect(),
            node_name: rustix::system::uname()
                .nodename()
                .to_str()
                .ok()
                .map(str::to_string),
            metadata_timeout_ms: 30_000,
            results_capacity: 4096,
            command_prefix: Vec::new(),
        }
    }
}

/// Identifies a recurring operation.
pub type RecurringKey = (String, String, u64);

struct Recurring {
    generation: u64,
    cancel: watch::Sender<bool>,
    kick: Arc<Notify>,
}

#[derive(Default)]
struct State {
    resource_locks: HashMap<String, Arc<tokio::sync::Mutex<()>>>,
    recurring: HashMap<RecurringKey, Recurring>,
    metadata: HashMap<AgentSpec, Arc<AgentMetadata>>,
    /// Processes each resource's last successful start left running.
    started: HashMap<String, Vec<u32>>,
    /// Fence devices started (registered) here.
    stonith_started: std::collections::HashSet<String>,
    generation: u64,
}

struct Inner {
    config: ExecutorConfig,
    global: Semaphore,
    next_call_id: AtomicI64,
    results: broadcast::Sender<Arc<OpResult>>,
    state: Mutex<State>,
}

/// Runs agents. Cheap to clone (shared state).
#[derive(Clone)]
pub struct Executor {
    inner: Arc<Inner>,
}

/// A subscription to every result the executor produces.
pub struct ResultStream {
    rx: broadcast::Receiver<Arc<OpResult>>,
    missed: u64,
}

impl ResultStream {
    /// The next result; `None` once the executor is gone.
    pub async fn next(&mut self) -> Option<Arc<OpResult>> {
        loop {
            match self.rx.recv().await {
                Ok(r) => return Some(r),
                Err(broadcast::error::RecvError::Lagged(n)) => self.missed += n,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// Results this subscriber missed because it fell behind.
    pub fn missed(&self) -> u64 {
        self.missed
    }
}

/// Why [`Executor::metadata`] has no description.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("cannot get meta-data of {agent}: {reason}")]
pub struct MetadataFailure {
    pub agent: String,
    pub reason: String,
}

impl Executor {
    pub fn new(config: ExecutorConfig) -> Executor {
        assert!(config.max_concurrent > 0, "max_concurrent must be positive");
        let (tx, _) = broadcast::channel(config.results_capacity.max(1));
        Executor {
            inner: Arc::new(Inner {
                global: Semaphore::new(config.max_concurrent),
                config,
                next_call_id: AtomicI64::new(1),
                results: tx,
                state: Mutex::new(State::default()),
            }),
        }
    }

    pub fn config(&self) -> &ExecutorConfig {
        &self.inner.config
    }

    /// Every result from now on (one-shot and recurring, cancellations too).
    pub fn subscribe(&self) -> ResultStream {
        ResultStream {
            rx: self.inner.results.subscribe(),
            missed: 0,
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain maps behind: still usable.
        self.inner
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn publish(&self, r: &OpResult) {
        // No subscribers is fine.
        let _ = self.inner.results.send(Arc::new(r.clone()));
    }

    /// Runs one operation once and returns its result (also published).
    /// A `stop` first cancels the resource's recurring operations, as
    /// Pacemaker's executor does.
    pub async fn execute(&self, req: OpRequest) -> OpResult {
        let call_id = self.inner.next_call_id.fetch_add(1, Ordering::Relaxed);
        let queued = Instant::now();
        if req.action == "stop" {
            self.cancel_all(&req.rsc_id);
        }
        if req.start_delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(req.start_delay_ms)).await;
        }
        let r = self.run_serialized(&req, call_id, queued).await;
        self.publish(&r);
        r
    }

    /// Starts a recurring operation (`interval_ms` > 0); its results arrive
    /// on the stream. Scheduling the same resource/action/interval again
    /// replaces the previous one.
    pub fn schedule(&self, req: OpRequest) -> Result<RecurringKey, ScheduleError> {
        if req.interval_ms == 0 {
            return Err(ScheduleError::NotRecurring { key: req.op_key() });
        }
        let key: RecurringKey = (req.rsc_id.clone(), req.action.clone(), req.interval_ms);
        let (cancel_tx, cancel_rx) = watch::channel(false);
        let kick = Arc::new(Notify::new());
        let generation = {
            let mut st = self.state();
            st.generation += 1;
            let generation = st.generation;
            if let Some(old) = st.recurring.insert(
                key.clone(),
                Recurring {
                    generation,
                    cancel: cancel_tx,
                    kick: kick.clone(),
                },
            ) {
                let _ = old.cancel.send(true);
            }
            generation
        };
        let call_id = self.inner.next_call_id.fetch_add(1, Ordering::Relaxed);
        let exec = self.clone();
        let k = key.clone();
        tokio::spawn(async move {
            exec.recurring_loop(req, call_id, cancel_rx, kick).await;
            let mut st = exec.state();
            if st
                .recurring
                .get(&k)
                .is_some_and(|r| r.generation == generation)
            {
                st.recurring.remove(&k);
            }
        });
        Ok(key)
    }

    /// Cancels a recurring operation; `false` when there is none.
    pub fn cancel(&self, rsc_id: &str, action: &str, interval_ms: u64) -> bool {
        let key = (rsc_id.to_string(), action.to_string(), interval_ms);
        match self.state().recurring.remove(&key) {
            Some(r) => {
                let _ = r.cancel.send(true);
                true
            }
            None => false,
        }
    }

    /// Cancels all recurring operations of a resource.
    pub fn cancel_all(&self, rsc_id: &str) {
        let mut st = self.state();
        let keys: Vec<RecurringKey> = st
            .recurring
            .keys()
            .filter(|k| k.0 == rsc_id)
            .cloned()
            .collect();
        for k in keys {
            if let Some(r) = st.recurring.remove(&k) {
                let _ = r.cancel.send(true);
            }
        }
    }

    /// Runs a recurring operation now instead of at its next interval.
    pub fn kick(&self, rsc_id: &str, action: &str, interval_ms: u64) -> bool {
        let key = (rsc_id.to_string(), action.to_string(), interval_ms);
        match self.state().recurring.get(&key) {
            Some(r) => {
                r.kick.notify_one();
                true
            }
            None => false,
        }
    }

    /// The recurring operations in place, sorted.
    pub fn recurring(&self) -> Vec<RecurringKey> {
        let mut v: Vec<RecurringKey> = self.state().recurring.keys().cloned().collect();
        v.sort();
        v
    }

    /// Cancels everything recurring (results of in-flight runs still arrive).
    pub fn shutdown(&self) {
        let mut st = self.state();
        for (_, r) in st.recurring.drain() {
            let _ = r.cancel.send(true);
        }
    }

    async fn recurring_loop(
        &self,
        req: OpRequest,
        call_id: i64,
        mut cancel: watch::Receiver<bool>,
        kick: Arc<Notify>,
    ) {
        let first_delay_ms = first_delay_ms(&req, epoch_now());
        if first_delay_ms > 0 {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(first_delay_ms)) => {}
                _ = cancelled(&mut cancel) => { self.publish_cancelled(&req, call_id); return; }
            }
        }
        let mut last: Option<(i32, ExecStatus)> = None;
        let mut last_change = 0;
        loop {
            let queued = Instant::now();
            let mut r = tokio::select! {
                r = self.run_serialized(&req, call_id, queued) => r,
                _ = cancelled(&mut cancel) => { self.publish_cancelled(&req, call_id); return; }
            };
            if last != Some((r.rc, r.status)) {
                last_change = r.last_run;
                last = Some((r.rc, r.status));
            }
            r.last_rc_change = last_change;
            self.publish(&r);

            let pids = if r.is_ok() || r.rc == OcfRc::RunningPromoted.code() {
                self.watch_pids(&req)
            } else {
                Vec::new()
            };
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(req.interval_ms)) => {}
                _ = kick.notified() => {}
                _ = crate::watch::any_exits(pids) => {}
                _ = cancelled(&mut cancel) => { self.publish_cancelled(&req, call_id); return; }
            }
        }
    }

    fn publish_cancelled(&self, req: &OpRequest, call_id: i64) {
        let now = epoch_now();
        let r = OpResult {
            rsc_id: req.rsc_id.clone(),
            agent: req.agent.clone(),
            action: req.action.clone(),
            interval_ms: req.interval_ms,
            call_id,
            rc: 0,
            rc_text: codes::rc_str(0).to_string(),
            status: ExecStatus::Cancelled,
            exit_reason: None,
            stdout: String::new(),
            stderr: String::new(),
            output_truncated: false,
            pid: None,
            agent_exit: None,
            exec_time_ms: 0,
            queue_time_ms: 0,
            last_run: now,
            last_rc_change: now,
            params: req.agent_params(self.inner.config.node_name.as_deref()),
            digests: Digests::default(),
            node: self.inner.config.node_name.clone(),
        };
        self.publish(&r);
    }

    /// The processes to watch for a resource's recurring monitor.
    fn watch_pids(&self, req: &OpRequest) -> Vec<u32> {
        match &req.watch {
            WatchSpec::Off => Vec::new(),
            WatchSpec::PidFile(p) => crate::watch::pid_from_file(p).into_iter().collect(),
            WatchSpec::Pids(v) => v.iter().copied().filter(|p| procfs::is_live(*p)).collect(),
            WatchSpec::Auto => {
                if let Some(pf) = req.params.get("pidfile") {
                    return crate::watch::pid_from_file(std::path::Path::new(pf))
                        .into_iter()
                        .collect();
                }
                self.state()
                    .started
                    .get(&req.rsc_id)
                    .map(|v| v.iter().copied().filter(|p| procfs::is_live(*p)).collect())
                    .unwrap_or_default()
            }
        }
    }

    fn resource_lock(&self, rsc: &str) -> Arc<tokio::sync::Mutex<()>> {
        self.state()
            .resource_locks
            .entry(rsc.to_string())
            .or_default()
            .clone()
    }

    /// Waits for the resource (FIFO) and a global slot, runs, builds the record.
    async fn run_serialized(&self, req: &OpRequest, call_id: i64, queued: Instant) -> OpResult {
        let lock = self.resource_lock(&req.rsc_id);
        let node = self.inner.config.node_name.clone();
        let params = req.agent_params(node.as_deref());
        let mut r = {
            let _rsc = lock.lock().await;
            // The semaphore is never closed.
            let _slot = self.inner.global.acquire().await.ok();
            let queue_time_ms = queued.elapsed().as_millis() as u64;
            let last_run = epoch_now();
            let started = Instant::now();
            let mut r = self.run_agent(req, &params).await;
            r.exec_time_ms = started.elapsed().as_millis() as u64;
            r.queue_time_ms = queue_time_ms;
            r.last_run = last_run;
            r.last_rc_change = last_run;
            r.call_id = call_id;
            if req.action == "start" && r.is_ok() {
                let left = r.pid.map(procfs::live_in_group).unwrap_or_default();
                self.state().started.insert(req.rsc_id.clone(), left);
            }
            r
        };
        // `service:` resolves to LSB or systemd, neither of which needs it.
        let md = if needs_metadata(req.agent.class, &req.action) {
            self.metadata(&req.agent).await.ok()
        } else {
            None
        };
        r.digests = record_digests(&params, req.interval_ms, md.as_deref());
        r
    }

    /// Runs the agent (no queueing) and maps its outcome to a result.
    async fn run_agent(&self, req: &OpRequest, params: &Params) -> OpResult {
        let cfg = &self.inner.config;
        let mut r = OpResult {
            rsc_id: req.rsc_id.clone(),
            agent: req.agent.clone(),
            action: req.action.clone(),
            interval_ms: req.interval_ms,
            call_id: 0,
            rc: 0,
            rc_text: String::new(),
            status: ExecStatus::Done,
            exit_reason: None,
            stdout: String::new(),
            stderr: String::new(),
            output_truncated: false,
            pid: None,
            agent_exit: None,
            exec_time_ms: 0,
            queue_time_ms: 0,
            last_run: 0,
            last_rc_change: 0,
            params: params.clone(),
            digests: Digests::default(),
            node: cfg.node_name.clone(),
        };
        let class = effective_class(&cfg.paths, &req.agent).await;
        let timeout_ms = if req.timeout_ms == 0 {
            crate::time::DEFAULT_OP_TIMEOUT_MS
        } else {
            req.timeout_ms
        };

        if class == Class::Systemd {
            let o = systemd::execute(&req.agent.type_, &req.action, timeout_ms).await;
            r.rc = o.rc;
            r.status = o.status;
            r.exit_reason = o.exit_reason;
            r.stdout = o.stdout;
            r.rc_text = codes::rc_str(r.rc).to_string();
            return r;
        }
        if class == Class::Lsb && req.action == "meta-data" {
            if let Some(path) = cfg.paths.locate(&req.agent) {
                r.stdout = lsb_metadata(
                    &req.agent.type_,
                    &std::fs::read_to_string(path).unwrap_or_default(),
                );
                r.rc_text = codes::rc_str(0).to_string();
                return r;
            }
        }

        // The fencer passes the target as `port` or `plug`, whichever the
        // agent declares.
        let mut host_arg = None;
        if class == Class::Stonith && req.fence_target.is_some() {
            if let Ok(md) = self.metadata(&req.agent).await {
                host_arg = ["port", "plug"]
                    .into_iter()
                    .find(|a| md.parameter(a).is_some());
            }
        }
        // A fence device as a resource: Pacemaker's executor answers its
        // probe from the device's registration (started here: running;
        // otherwise not running) without running the agent.
        if class == Class::Stonith && req.fence_target.is_none() {
            match req.action.as_str() {
                "monitor" if req.interval_ms == 0 && cfg.paths.locate(&req.agent).is_some() => {
                    let started = self.state().stonith_started.contains(&req.rsc_id);
                    r.rc = if started { 0 } else { OcfRc::NotRunning.code() };
                    r.rc_text = codes::rc_str(r.rc).to_string();
                    return r;
                }
                "stop" => {
                    self.state().stonith_started.remove(&req.rsc_id);
                }
                _ => {}
            }
        }
        let fence = req
            .fence_target
            .as_deref()
            .map(|node| invoke::FenceTarget { node, host_arg });
        let cmd = match invoke::prepare(
            &cfg.paths,
            &cfg.base_env,
            &req.rsc_id,
            &req.agent,
            &req.action,
            params,
            fence,
        ) {
            Ok(c) => c,
            Err(NotRun::NothingToDo) => {
                if class == Class::Stonith && req.action == "start" {
                    self.state().stonith_started.insert(req.rsc_id.clone());
                }
                r.rc_text = codes::rc_str(0).to_string();
                return r;
            }
            Err(NotRun::NotInstalled { reason }) => {
                r.rc = OcfRc::NotInstalled.code();
                r.status = ExecStatus::NotInstalled;
                r.exit_reason = Some(reason);
                r.rc_text = codes::rc_str(r.rc).to_string();
                return r;
            }
            Err(NotRun::Systemd) => {
                r.rc = OcfRc::NotInstalled.code();
                r.status = ExecStatus::NotInstalled;
                r.exit_reason = Some(format!("{}: no such LSB script or systemd unit", req.agent));
                r.rc_text = codes::rc_str(r.rc).to_string();
                return r;
            }
        };
        let block = req
            .meta
            .get("on-fail")
            .or_else(|| req.meta.get("on_fail"))
            .is_some_and(|v| v.eq_ignore_ascii_case("block"));
        let (program, args) = match cfg.command_prefix.split_first() {
            Some((first, rest)) => {
                let mut args: Vec<String> = rest.to_vec();
                args.push(cmd.program.display().to_string());
                args.extend(cmd.args.iter().cloned());
                (std::path::PathBuf::from(first), args)
            }
            None => (cmd.program.clone(), cmd.args.clone()),
        };
        let inv = Invocation {
            program,
            args,
            env: cmd.env.clone(),
            stdin: cmd.stdin.clone(),
            timeout: Duration::from_millis(timeout_ms),
            kill_grace: Duration::from_millis(cfg.kill_grace_ms),
            output_limit: cfg.output_limit,
            kill_group: !block,
        };
        let o = process::run(&inv, |_| {}).await;
        r.pid = o.pid;
        r.stdout = String::from_utf8_lossy(&o.stdout).into_owned();
        r.stderr = String::from_utf8_lossy(&o.stderr).into_owned();
        r.output_truncated = o.stdout_truncated || o.stderr_truncated;
        let what = format!("{} {} ({})", req.agent, cmd.agent_action, req.rsc_id);
        match o.exit {
            Exit::Exited(code) => {
                r.agent_exit = Some(code);
                r.status = ExecStatus::Done;
                r.rc = match class {
                    Class::Ocf => codes::ocf_to_ocf(code),
                    Class::Lsb | Class::Service => codes::lsb_to_ocf(&cmd.agent_action, code),
                    Class::Stonith => codes::fence_to_ocf(code),
                    Class::Systemd => codes::ocf_to_ocf(code),
                };
                if class == Class::Ocf {
                    r.exit_reason = invoke::exit_reason_from_stderr(&r.stderr);
                }
                let defined = match class {
                    Class::Ocf => codes::ocf_to_ocf(code) == code,
                    Class::Lsb | Class::Service => {
                        codes::lsb_to_ocf(&cmd.agent_action, code) != 1 || code == 1
                    }
                    _ => true,
                };
                if !defined && r.exit_reason.is_none() {
                    r.exit_reason = Some(format!(
                        "{what} exited with {code}, which is not a defined {} exit code; treated as a generic error",
                        class.as_str().to_uppercase()
                    ));
                }
                if class == Class::Stonith && code != 0 && r.exit_reason.is_none() {
                    let last = r.stderr.lines().rev().find(|l| !l.trim().is_empty());
                    r.exit_reason = Some(match last {
                        Some(l) => format!("{what} exited with {code}: {}", l.trim()),
                        None => format!("{what} exited with {code}"),
                    });
                }
            }
            Exit::Signaled(sig) => {
                r.status = ExecStatus::Error;
                r.rc = generic_error(class, &cmd.agent_action);
                r.exit_reason = Some(format!(
                    "{what} was killed by {}",
                    process::signal_name(sig)
                ));
            }
            Exit::TimedOut => {
                r.status = ExecStatus::Timeout;
                r.rc = generic_error(class, &cmd.agent_action);
                let mut reason = format!(
                    "{what} did not complete within {}; its processes were sent SIGTERM, then SIGKILL",
                    readable_ms(timeout_ms)
                );
                if o.abandoned {
                    reason.push_str(" (the agent did not die: it is stuck in the kernel)");
                }
                r.exit_reason = Some(reason);
            }
            Exit::SpawnFailed { errno, message } => {
                const ENOENT: i32 = 2;
                const EPERM: i32 = 1;
                const EACCES: i32 = 13;
                const ENOEXEC: i32 = 8;
                const EISDIR: i32 = 21;
                const ENOTDIR: i32 = 20;
                const EINVAL: i32 = 22;
                let path = cmd.program.display();
                match errno {
                    Some(ENOENT | EISDIR | ENOTDIR | EINVAL | ENOEXEC) => {
                        r.status = ExecStatus::NotInstalled;
                        r.rc = OcfRc::NotInstalled.code();
                        r.exit_reason = Some(format!(
                            "{what}: cannot execute {path}: {message} (a missing interpreter on its #! line, or not a program)"
                        ));
                    }
                    Some(EACCES | EPERM) => {
                        r.status = ExecStatus::Error;
                        r.rc = OcfRc::InsufficientPriv.code();
                        r.exit_reason = Some(format!(
                            "{what}: cannot execute {path}: {message}; make it executable (chmod +x)"
                        ));
                    }
                    _ => {
                        r.status = ExecStatus::Error;
                        r.rc = generic_error(class, &cmd.agent_action);
                        r.exit_reason = Some(format!("{what}: cannot execute {path}: {message}"));
                    }
                }
            }
        }
        r.rc_text = codes::rc_str(r.rc).to_string();
        r
    }

    /// The agent's meta-data, run once per agent and cached.
    pub async fn metadata(&self, agent: &AgentSpec) -> Result<Arc<AgentMetadata>, MetadataFailure> {
        if let Some(md) = self.state().metadata.get(agent) {
            return Ok(md.clone());
        }
        let xml = self.metadata_xml(agent).await?;
        let md = AgentMetadata::parse(&agent.to_string(), &xml).map_err(|e| MetadataFailure {
            agent: agent.to_string(),
            reason: e.to_string(),
        })?;
        let md = Arc::new(md);
        self.state().metadata.insert(agent.clone(), md.clone());
        Ok(md)
    }

    /// The raw meta-data text the agent prints (not cached).
    pub async fn metadata_xml(&self, agent: &AgentSpec) -> Result<String, MetadataFailure> {
        let req = OpRequest::new("", agent.clone(), "meta-data")
            .timeout_ms(self.inner.config.metadata_timeout_ms);
        let params = Params::new();
        let r = {
            let _slot = self.inner.global.acquire().await.ok();
            // Boxed: run_agent may ask for meta-data (fence host argument),
            // which runs the agent; a meta-data run never recurses further.
            Box::pin(self.run_agent(&req, &params)).await
        };
        if r.status != ExecStatus::Done || r.rc != 0 {
            return Err(MetadataFailure {
                agent: agent.to_string(),
                reason: r
                    .exit_reason
                    .unwrap_or_else(|| format!("{} (rc={})", r.status, r.rc)),
            });
        }
        Ok(r.stdout)
    }
}

/// Why a recurring operation cannot be scheduled.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("{key}: a recurring operation needs an interval above 0 (use execute() for one-shot operations)")]
    NotRecurring { key: String },
}

/// Resolves until `cancel` says so (or its sender is gone).
async fn cancelled(cancel: &mut watch::Receiver<bool>) {
    loop {
        if *cancel.borrow_and_update() {
            return;
        }
        if cancel.changed().await.is_err() {
            return;
        }
    }
}

/// `service:` means LSB when the script exists, else systemd when systemd
/// knows the unit (Pacemaker's `resources_find_service_class`); with
/// neither it stays `service`, which runs as a missing LSB script (not
/// installed), as Pacemaker falls back to LSB.
async fn effective_class(paths: &Paths, agent: &AgentSpec) -> Class {
    match agent.class {
        Class::Service if paths.locate(agent).is_some() => Class::Lsb,
        Class::Service if systemd::unit_exists(&agent.type_).await => Class::Systemd,
        c => c,
    }
}

/// The wait before a recurring operation's first run: its start delay, or
/// with an interval origin, the time to the next origin + k × interval
/// (`unpack_interval_origin`, at whole seconds).
pub fn first_delay_ms(req: &OpRequest, now_epoch: i64) -> u64 {
    if req.start_delay_ms > 0 {
        return req.start_delay_ms;
    }
    let (Some(origin), interval_s) = (req.interval_origin, (req.interval_ms / 1000) as i64) else {
        return 0;
    };
    if interval_s == 0 {
        return 0;
    }
    let since = (now_epoch - origin) % interval_s;
    let wait = if since <= 0 { 0 } else { interval_s } - since;
    (wait.max(0) as u64) * 1000
}

/// Meta-data for an LSB script from its `### BEGIN INIT INFO` header (as
/// Pacemaker generates it).
pub fn lsb_metadata(name: &str, script: &str) -> String {
    let mut fields: HashMap<&str, String> = HashMap::new();
    let mut in_header = false;
    let mut long = String::new();
    let mut in_desc = false;
    for line in script.lines() {
        if line.starts_with("### BEGIN INIT INFO") {
            in_header = true;
            continue;
        }
        if line.starts_with("### END INIT INFO") {
            break;
        }
        if !in_header {
            continue;
        }
        if in_desc {
            if let Some(rest) = line
                .strip_prefix("#  ")
                .or_else(|| line.strip_prefix("#\t"))
            {
                long.push_str(rest.trim());
                long.push('\n');
                continue;
            }
            in_desc = false;
        }
        for key in [
            "Provides",
            "Required-Start",
            "Required-Stop",
            "Should-Start",
            "Should-Stop",
            "Default-Start",
            "Default-Stop",
            "Short-Description",
        ] {
            if let Some(v) = line.strip_prefix(&format!("# {key}:")) {
                fields.entry(key).or_insert_with(|| v.trim().to_string());
            }
        }
        if let Some(v) = line.strip_prefix("# Description:") {
            long.push_str(v.trim());
            long.push('\n');
            in_desc = true;
        }
    }
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let f = |k: &str| esc(fields.get(k).map_or("", String::as_str));
    format!(
        r#"<?xml version="1.0"?>
<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">
<resource-agent name="{name}" version="0.1">
  <version>1.0</version>
  <longdesc lang="en">
{long}  </longdesc>
  <shortdesc lang="en">{short}</shortdesc>
  <parameters>
  </parameters>
  <actions>
    <action name="meta-data"    timeout="5s" />
    <action name="start"        timeout="15s" />
    <action name="stop"         timeout="15s" />
    <action name="status"       timeout="15s" />
    <action name="restart"      timeout="15s" />
    <action name="force-reload" timeout="15s" />
    <action name="monitor"      timeout="15s" interval="15s" />
  </actions>
  <special tag="LSB">
    <Provides>{}</Provides>
    <Required-Start>{}</Required-Start>
    <Required-Stop>{}</Required-Stop>
    <Should-Start>{}</Should-Start>
    <Should-Stop>{}</Should-Stop>
    <Default-Start>{}</Default-Start>
    <Default-Stop>{}</Default-Stop>
  </special>
</resource-agent>
"#,
        f("Provides"),
        f("Required-Start"),
        f("Required-Stop"),
        f("Should-Start"),
        f("Should-Stop"),
        f("Default-Start"),
        f("Default-Stop"),
        name = esc(name),
        long = esc(&long),
        short = f("Short-Description"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_origin_aligns_the_first_run() {
        let req = OpRequest::new("r", AgentSpec::ocf("heartbeat", "Dummy"), "monitor")
            .interval_ms(60_000);
        let mut r = req.clone();
        r.interval_origin = Some(1_000);
        // 10 s past an aligned point: wait 50 s.
        assert_eq!(first_delay_ms(&r, 1_000 + 3 * 60 + 10), 50_000);
        // Exactly aligned: now.
        assert_eq!(first_delay_ms(&r, 1_000 + 3 * 60), 0);
        // Origin 10 s in the future: the first run is at the origin.
        assert_eq!(first_delay_ms(&r, 1_000 - 10), 10_000);
        assert_eq!(first_delay_ms(&req.clone().start_delay_ms(5), 0), 5);
        assert_eq!(first_delay_ms(&req, 0), 0);
    }

    #[test]
    fn lsb_header_becomes_metadata() {
        let script = "#!/bin/sh\n### BEGIN INIT INFO\n# Provides: web\n# Required-Start: $network\n# Short-Description: A <web> server\n# Description: Serves\n#  pages.\n### END INIT INFO\n";
        let xml = lsb_metadata("web", script);
        let md = AgentMetadata::parse("lsb:web", &xml).unwrap();
        assert_eq!(md.shortdesc.as_deref(), Some("A <web> server"));
        assert_eq!(md.longdesc.as_deref(), Some("Serves\npages."));
        assert!(xml.contains("<Provides>web</Provides>"));
        assert!(md.supports("status"));
    }
}
