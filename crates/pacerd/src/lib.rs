//! `pacerd`: one node of a pacer cluster, as glue.
//!
//! [`Daemon`] owns the engines ([`replica::engine::Engine`] and
//! [`controller::Controller`]), a [`Cluster`] implementation, the node's
//! [`store::CibStore`], the local operations ([`LocalOps`]: the executor and
//! the fencer) and the clock. One thread runs [`Daemon::run`]: it takes
//! [`Input`]s (cluster events, control-socket requests, operation results)
//! from one bounded channel, feeds them to the engines and performs the
//! commands they return, in order: multicast, persist (before anything that
//! depends on it), reply, set a timer, run an operation, log. The replica's
//! notices go to the controller, the controller's CIB changes to the
//! replica; a tick every second gives the controller the time. No decision
//! is made here.
//!
//! [`serve`] runs the control socket: one thread accepts, one short-lived
//! thread per connection (bounded), every peer checked with `SO_PEERCRED`.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::io::{BufReader, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cluster::{Cluster, ClusterEvent};
use control::{Request, Response};
use controller::{Controller, FenceRequest, FenceResult};
use executor::OpRequest;
use replica::engine::{Command, Engine, Event, Notice};
use store::CibStore;

/// Inputs queued for the daemon's one thread.
pub const INPUT_QUEUE_MAX: usize = 65_536;
/// Connections served at once.
pub const CONNECTIONS_MAX: usize = 64;
/// Inputs handled per group commit.
pub const BATCH_MAX: usize = 256;
/// How long a client waits for a change to be applied.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(60);

/// How often the controller is told the time.
pub const TICK: Duration = Duration::from_secs(1);

pub enum Input {
    Cluster(ClusterEvent),
    Client {
        req: Request,
        reply: SyncSender<Response>,
    },
    /// A result from the local executor.
    Op(Box<executor::OpResult>),
    /// The fencer's answer.
    Fenced(FenceResult),
    /// Stop gracefully (SIGTERM): resources leave this node first, then
    /// `run` returns once the DC says the node may leave.
    Shutdown,
}

/// What the controller runs on this node: operations on the executor, and
/// fencing. Results come back as [`Input::Op`] and [`Input::Fenced`].
pub trait LocalOps {
    fn execute(&mut self, req: OpRequest);
    fn cancel(&mut self, rsc_id: &str, action: &str, interval_ms: u64);
    /// Fences with the devices and topology of `cib` (the current CIB).
    fn fence(&mut self, req: FenceRequest, cib: &cib::Cib);
    /// The fencing operations this node ran, oldest first.
    fn fence_history(&self) -> Vec<fencer::HistoryEntry> {
        Vec::new()
    }
    /// Runs the alert agents of `cib` (the current CIB) that `event` goes
    /// to, without waiting for them.
    fn alert(&mut self, _event: alerts::Event, _cib: &cib::Cib) {}
}

/// The real executor on a tokio runtime of its own thread; every result
/// it publishes goes to the daemon's input channel. Fencing runs through
/// [`fencer::run::Fencer`] on the same executor (its `stonith` class).
pub struct ExecutorOps {
    exec: executor::Executor,
    fencer: Arc<fencer::run::Fencer>,
    node_name: String,
    rt: tokio::runtime::Handle,
    inputs: SyncSender<Input>,
    alerts: alerts::run::AlertRunner,
    /// The configuration warnings of the alerts last logged.
    alert_warnings: Vec<String>,
}

impl ExecutorOps {
    pub fn start(node_name: &str, inputs: SyncSender<Input>) -> std::io::Result<ExecutorOps> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let handle = rt.handle().clone();
        let exec = executor::Executor::new(executor::ExecutorConfig {
            node_name: Some(node_name.to_string()),
            ..Default::default()
        });
        let mut results = exec.subscribe();
        let tx = inputs.clone();
        std::thread::Builder::new()
            .name("executor".into())
            .spawn(move || {
                rt.block_on(async move {
                    while let Some(r) = results.next().await {
                        // The fencer's own runs of fence agents (off, list,
                        // status, …) are its business, not the controller's.
                        if r.agent.class == executor::Class::Stonith
                            && !matches!(r.action.as_str(), "start" | "stop" | "monitor")
                        {
                            continue;
                        }
                        if tx.send(Input::Op(Box::new((*r).clone()))).is_err() {
                            break;
                        }
                    }
                })
            })?;
        let fencer = Arc::new(fencer::run::Fencer::new(exec.clone(), node_name));
        Ok(ExecutorOps {
            exec,
            fencer,
            node_name: node_name.to_string(),
            rt: handle,
            inputs,
            alerts: alerts::run::AlertRunner::default(),
            alert_warnings: Vec::new(),
        })
    }
}

impl LocalOps for ExecutorOps {
    fn execute(&mut self, req: OpRequest) {
        let exec = self.exec.clone();
        if req.interval_ms > 0 {
            let _guard = self.rt.enter();
            if let Err(e) = exec.schedule(req) {
                log(&format!("event=op ERROR {e}"));
            }
        } else {
            // The result comes through the subscription.
            self.rt.spawn(async move {
                exec.execute(req).await;
            });
        }
    }

    fn cancel(&mut self, rsc_id: &str, action: &str, interval_ms: u64) {
        self.exec.cancel(rsc_id, action, interval_ms);
    }

    fn fence(&mut self, req: FenceRequest, cib: &cib::Cib) {
        let answer = |ok: bool, reason: Option<String>| FenceResult {
            id: req.id,
            target: req.target.clone(),
            ok,
            reason,
        };
        let Some(action) = fencer::FenceAction::parse(&req.action) else {
            let why = format!(
                "fencing action {:?} is not reboot, off or on; fix stonith-action",
                req.action
            );
            let _ = self
                .inputs
                .try_send(Input::Fenced(answer(false, Some(why))));
            return;
        };
        let now_s = i64::try_from(wall_ms() / 1000).unwrap_or(0);
        let (config, warnings) =
            fencer::FencingConfig::from_cib(cib, cib::iso8601::DateTime::from_epoch(now_s, 0));
        for w in warnings {
            log(&format!("event=fence-config WARNING {w}"));
        }
        let mut freq =
            fencer::FenceRequest::new(&req.target, action, "pacer-controller", &self.node_name);
        freq.allow_self = req.allow_self;
        let fencer = self.fencer.clone();
        let inputs = self.inputs.clone();
        let id = req.id;
        self.rt.spawn(async move {
            let (result, entry) = fencer.fence(&config, freq).await;
            let attempts: Vec<String> = result
                .attempts
                .iter()
                .map(|a| {
                    format!(
                        "{}:{}:{}",
                        a.device,
                        a.action,
                        if a.ok { "ok" } else { "failed" }
                    )
                })
                .collect();
            log(&format!(
                "event=fenced target={} action={} ok={} attempts=[{}] {}",
                result.target,
                result.action,
                result.ok,
                attempts.join(","),
                entry.describe(true, None, 0)
            ));
            let _ = inputs.send(Input::Fenced(FenceResult {
                id,
                target: result.target,
                ok: result.ok,
                reason: result.reason,
            }));
        });
    }

    fn fence_history(&self) -> Vec<fencer::HistoryEntry> {
        self.fencer.history()
    }

    fn alert(&mut self, event: alerts::Event, cib: &cib::Cib) {
        if cib.configuration.alerts.is_none() {
            return;
        }
        let now_s = i64::try_from(wall_ms() / 1000).unwrap_or(0);
        let (list, warnings) =
            alerts::alerts_from_cib(cib, cib::iso8601::DateTime::from_epoch(now_s, 0));
        if warnings != self.alert_warnings {
            for w in &warnings {
                log(&format!("event=alert-config WARNING {w}"));
            }
            self.alert_warnings = warnings;
        }
        if alerts::recipients(&list, &event).is_empty() {
            return;
        }
        let runner = self.alerts.clone();
        self.rt.spawn(async move {
            for sent in runner.send(&list, &event).await {
                let to = sent.recipient.as_deref().unwrap_or("");
                match sent.reason {
                    None => log(&format!(
                        "event=alert kind={} id={} recipient={to:?}",
                        event.kind().as_str(),
                        sent.id
                    )),
                    Some(why) => log(&format!(
                        "event=alert ERROR kind={} id={} recipient={to:?}: {why}",
                        event.kind().as_str(),
                        sent.id
                    )),
                }
            }
        });
    }
}

/// What one step feeds to which engine.
enum Work {
    Engine(Event),
    Controller(controller::Event),
}

/// Milliseconds since the Unix epoch, for log lines the benchmark reads.
pub fn wall_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

/// Writes a timestamped log line to stderr.
pub fn log(line: &str) {
    let mut e = std::io::stderr().lock();
    let _ = writeln!(e, "pacerd t_ms={} {line}", wall_ms());
}

pub struct Daemon<C: Cluster> {
    pub engine: Engine,
    pub controller: Controller,
    pub ops: Box<dyn LocalOps>,
    pub cluster: C,
    pub store: CibStore,
    next_req: u64,
    waiting: BTreeMap<u64, SyncSender<Response>>,
    timers: BTreeSet<(Instant, u64)>,
    /// The CIB changed since it was last written (written once per batch).
    unsaved: bool,
    /// Replies held until `unsaved` is on disk.
    replies: Vec<(SyncSender<Response>, Response)>,
    /// Transient attribute changes this node asked for, by request: their
    /// attribute alerts go out once the change is in the CIB (as
    /// Pacemaker's attribute manager alerts after writing).
    attr_alerts: BTreeMap<u64, Vec<alerts::Event>>,
}

impl<C: Cluster> Daemon<C> {
    pub fn new(
        engine: Engine,
        controller: Controller,
        ops: Box<dyn LocalOps>,
        cluster: C,
        store: CibStore,
    ) -> Self {
        Daemon {
            engine,
            controller,
            ops,
            cluster,
            store,
            next_req: 1,
            waiting: BTreeMap::new(),
            timers: BTreeSet::new(),
            unsaved: false,
            replies: Vec::new(),
            attr_alerts: BTreeMap::new(),
        }
    }

    /// Runs until the cluster layer goes away or the engine gives up;
    /// returns why.
    ///
    /// Group commit: the inputs already queued (up to [`BATCH_MAX`]) are
    /// handled together; the CIB is written once for the batch, and the
    /// replies wait until it is on disk.
    pub fn run(&mut self, inputs: Receiver<Input>) -> String {
        let mut next_tick = Instant::now();
        loop {
            let now = Instant::now();
            if now >= next_tick {
                next_tick = now + TICK;
                let now_ms = u64::try_from(wall_ms()).unwrap_or(0);
                if let Some(stop) = self.step(Work::Controller(controller::Event::Tick { now_ms }))
                {
                    return stop;
                }
            }
            let timeout = self
                .timers
                .iter()
                .next()
                .map(|(t, _)| t.saturating_duration_since(Instant::now()))
                .unwrap_or(Duration::from_secs(3600))
                .min(next_tick.saturating_duration_since(Instant::now()));
            let mut batch = Vec::new();
            match inputs.recv_timeout(timeout) {
                Ok(i) => batch.push(i),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return "all input channels closed".into(),
            }
            while batch.len() < BATCH_MAX {
                match inputs.try_recv() {
                    Ok(i) => batch.push(i),
                    Err(_) => break,
                }
            }
            let now = Instant::now();
            while let Some(&(t, id)) = self.timers.iter().next() {
                if t > now {
                    break;
                }
                self.timers.remove(&(t, id));
                if let Some(stop) = self.step(Work::Engine(Event::Timer { id })) {
                    return stop;
                }
            }
            for input in batch {
                let event = match input {
                    Input::Cluster(e) => {
                        if let ClusterEvent::ConfChange {
                            members,
                            left,
                            joined,
                        } = &e
                        {
                            log(&format!(
                                "event=view members={members:?} left={left:?} joined={joined:?}"
                            ));
                        }
                        Work::Engine(Event::Cluster(e))
                    }
                    Input::Client { req, reply } => match self.client(req, reply) {
                        Some(e) => Work::Engine(e),
                        None => continue,
                    },
                    Input::Op(r) => {
                        log(&format!(
                            "event=op {} on {}",
                            r.summary(),
                            r.node.as_deref().unwrap_or("")
                        ));
                        Work::Controller(controller::Event::OpResult(r))
                    }
                    Input::Fenced(f) => Work::Controller(controller::Event::Fenced(f)),
                    Input::Shutdown => Work::Controller(controller::Event::Shutdown),
                };
                if let Some(stop) = self.step(event) {
                    return stop;
                }
            }
            if let Some(stop) = self.flush() {
                return stop;
            }
        }
    }

    /// Writes the CIB if it changed, then sends the replies that waited for it.
    fn flush(&mut self) -> Option<String> {
        if std::mem::take(&mut self.unsaved) {
            if let Err(e) = self.store.save(self.engine.xml()) {
                return Some(format!("cannot store the CIB: {e}"));
            }
        }
        for (tx, r) in self.replies.drain(..) {
            let _ = tx.try_send(r);
        }
        None
    }

    /// Answers reads at once; turns changes into engine events.
    fn client(&mut self, req: Request, reply: SyncSender<Response>) -> Option<Event> {
        match req {
            Request::Status => {
                let _ = reply.try_send(Response::Status(control::Status {
                    engine: self.engine.snapshot(),
                    cib_path: self.store.path().display().to_string(),
                    pid: std::process::id(),
                }));
                None
            }
            Request::Cib => {
                // Without quorum: the partition's own view (its membership,
                // have-quorum="false", what it stopped).
                let xml = match self.controller.partition_cib() {
                    Some(p) => cib::write::cib(p).to_xml(),
                    None => self.engine.xml().to_string(),
                };
                let _ = reply.try_send(Response::Cib { xml });
                None
            }
            Request::FenceHistory => {
                let history = self.ops.fence_history();
                let _ = reply.try_send(Response::FenceHistory {
                    text: fencer::history::render(&history, None, 0),
                });
                None
            }
            Request::Change { op } => {
                let id = self.next_req;
                self.next_req += 1;
                self.waiting.insert(id, reply);
                Some(Event::Submit { req: id, op })
            }
            Request::Attribute { update } => {
                let id = self.next_req;
                self.next_req += 1;
                self.waiting.insert(id, reply);
                if update.scope == replica::ops::AttrScope::Transient {
                    let attrs = [(update.name.clone(), update.value.clone())];
                    self.expect_attr_alerts(id, &update.node, &attrs);
                }
                Some(Event::SetAttr { req: id, update })
            }
        }
    }

    /// Feeds one input to its engine and performs the commands, including
    /// what the engines ask of each other; `Some(reason)` to stop.
    fn step(&mut self, first: Work) -> Option<String> {
        let mut queue = VecDeque::from([first]);
        while let Some(work) = queue.pop_front() {
            let stop = match work {
                Work::Engine(e) => self.engine_step(e, &mut queue),
                Work::Controller(e) => self.controller_step(e, &mut queue),
            };
            if stop.is_some() {
                return stop;
            }
        }
        None
    }

    fn controller_step(
        &mut self,
        event: controller::Event,
        queue: &mut VecDeque<Work>,
    ) -> Option<String> {
        use controller::Command as C;
        for c in self.controller.handle(self.engine.cib(), event) {
            match c {
                C::Send(payload) => {
                    let m = replica::wire::Message::Controller { payload };
                    if let Err(e) = self.cluster.multicast(&replica::wire::encode(&m)) {
                        return Some(format!("cannot multicast to the cluster: {e}"));
                    }
                }
                C::Submit { req, op } => {
                    if let replica::ops::CibOp::SetAttributes {
                        node,
                        scope: replica::ops::AttrScope::Transient,
                        attrs,
                    } = &op
                    {
                        self.expect_attr_alerts(req, node, attrs);
                    }
                    queue.push_back(Work::Engine(Event::Submit { req, op }))
                }
                C::Alert(a) => self.ops.alert(a, self.engine.cib()),
                C::Execute(req) => {
                    log(&format!(
                        "event=execute rsc={} action={} interval_ms={}",
                        req.rsc_id, req.action, req.interval_ms
                    ));
                    self.ops.execute(req);
                }
                C::Cancel {
                    rsc_id,
                    action,
                    interval_ms,
                } => self.ops.cancel(&rsc_id, &action, interval_ms),
                C::Fence(f) => {
                    log(&format!(
                        "event=fence target={} action={}",
                        f.target, f.action
                    ));
                    self.ops.fence(f, self.engine.cib());
                }
                C::Log(l) => log(&format!("controller: {l}")),
                C::Exit { reason } => {
                    log(&format!("event=exit reason={reason:?}"));
                    return Some(reason);
                }
            }
        }
        None
    }

    /// Attribute alerts to send when request `req` is done (only when some
    /// alert could want them).
    fn expect_attr_alerts(&mut self, req: u64, node: &str, attrs: &[(String, Option<String>)]) {
        if self.engine.cib().configuration.alerts.is_none() {
            return;
        }
        let nodeid = self.engine.cluster().id_of(node).unwrap_or(0);
        let events = attrs
            .iter()
            .map(|(name, value)| alerts::Event::Attribute {
                node: node.to_string(),
                nodeid,
                name: name.clone(),
                value: value.clone().unwrap_or_default(),
            })
            .collect();
        self.attr_alerts.insert(req, events);
    }

    fn engine_step(&mut self, event: Event, queue: &mut VecDeque<Work>) -> Option<String> {
        for c in self.engine.handle(event) {
            if let Command::Reply { req, result } = &c {
                if let Some(events) = self.attr_alerts.remove(req) {
                    if result.is_ok() {
                        for e in events {
                            self.ops.alert(e, self.engine.cib());
                        }
                    }
                }
            }
            match c {
                Command::Send(m) => {
                    if let Err(e) = self.cluster.multicast(&replica::wire::encode(&m)) {
                        return Some(format!("cannot multicast to the cluster: {e}"));
                    }
                }
                Command::Persist => self.unsaved = true,
                Command::Reply { req, result } if req >= controller::engine::REQ_BASE => {
                    queue.push_back(Work::Controller(controller::Event::Written {
                        req,
                        ok: result.is_ok(),
                    }));
                }
                Command::Reply { req, result } => {
                    if let Some(tx) = self.waiting.remove(&req) {
                        let r = match result {
                            Ok(version) => Response::Done { version },
                            Err(why) => Response::Refused {
                                reason: why.to_string(),
                            },
                        };
                        // Sent by `flush`, once the CIB is on disk.
                        self.replies.push((tx, r));
                    }
                }
                Command::SetTimer { id, after_ms } => {
                    self.timers
                        .insert((Instant::now() + Duration::from_millis(after_ms), id));
                }
                Command::Notify(n) => match n.clone() {
                    Notice::Synced {
                        members,
                        dc,
                        quorate,
                        version,
                    } => {
                        log(&format!("event=synced members={members:?} dc={} quorate={quorate} version={version}", dc.map(|d| d.to_string()).unwrap_or_default()));
                        queue.push_back(Work::Controller(controller::Event::Notice(n)));
                    }
                    Notice::Quorum {
                        quorate,
                        no_quorum_policy,
                    } => {
                        if quorate {
                            log("event=quorum quorate=true");
                        } else {
                            log(&format!("event=quorum quorate=false no-quorum-policy={no_quorum_policy}: the CIB is frozen in this partition; the controller applies the policy"));
                        }
                    }
                    Notice::CibChanged { .. } | Notice::Controller { .. } => {
                        queue.push_back(Work::Controller(controller::Event::Notice(n)));
                    }
                    Notice::Disconnected { reason } => {
                        return Some(format!("lost the cluster layer: {reason}"))
                    }
                },
                Command::Diverged(d) => {
                    let path = self.diverged_path(&d.lost_version.to_string());
                    match store::write_atomic(&path, d.lost_xml.as_bytes()) {
                        Ok(()) => log(&format!("event=diverged ERROR {}; this node's copy is saved in {}: compare it with `pacer cluster cib` and re-apply what is missing", d.summary, path.display())),
                        Err(e) => log(&format!("event=diverged ERROR {}; saving this node's copy to {} failed: {e}", d.summary, path.display())),
                    }
                }
                Command::Log(l) => log(&l),
                Command::Fatal(f) => return Some(f),
            }
        }
        None
    }

    fn diverged_path(&self, version: &str) -> PathBuf {
        let dir = self
            .store
            .path()
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        dir.join(format!("cib-diverged-{version}-{}.xml", wall_ms()))
    }
}

/// Serves the control socket at `path` until the process ends.
pub fn serve(path: &Path, inputs: SyncSender<Input>) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o750))?;
    }
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let listener = UnixListener::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660))?;
    let admin_gid = control::group_id(control::ADMIN_GROUP);
    if let Some(g) = admin_gid {
        let gid = rustix::process::Gid::from_raw(g);
        for p in [Some(path), path.parent()].into_iter().flatten() {
            let _ = rustix::fs::chown(p, None, Some(gid));
        }
    }
    let active = Arc::new(AtomicUsize::new(0));
    std::thread::Builder::new()
        .name("control-accept".into())
        .spawn(move || {
            for conn in listener.incoming() {
                let Ok(stream) = conn else { continue };
                if active.load(Ordering::Relaxed) >= CONNECTIONS_MAX {
                    let _ = refuse(stream, "too many connections to pacerd; retry");
                    continue;
                }
                active.fetch_add(1, Ordering::Relaxed);
                let (tx, active) = (inputs.clone(), active.clone());
                let spawned = std::thread::Builder::new()
                    .name("control-conn".into())
                    .spawn(move || {
                        connection(stream, tx, admin_gid);
                        active.fetch_sub(1, Ordering::Relaxed);
                    });
                if spawned.is_err() {
                    log("cannot start a thread for a control connection");
                }
            }
        })?;
    Ok(())
}

fn refuse(mut s: UnixStream, message: &str) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(&Response::Error {
        message: message.into(),
    })
    .unwrap_or_default();
    line.push(b'\n');
    s.write_all(&line)
}

fn connection(stream: UnixStream, inputs: SyncSender<Input>, admin_gid: Option<u32>) {
    match control::peer_of(&stream) {
        Ok(p) if control::peer_allowed(&p, admin_gid) => {}
        Ok(p) => {
            log(&format!(
                "control: refused uid {} gid {} pid {}: not root or {}",
                p.uid,
                p.gid,
                p.pid,
                control::ADMIN_GROUP
            ));
            let _ = refuse(
                stream,
                &format!(
                    "permission denied: only root and members of the {} group may use pacerd",
                    control::ADMIN_GROUP
                ),
            );
            return;
        }
        Err(e) => {
            log(&format!("control: cannot read peer credentials: {e}"));
            return;
        }
    }
    let _ = stream.set_read_timeout(Some(Duration::from_secs(300)));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let line = match control::read_line(&mut reader) {
            Ok(Some(l)) => l,
            Ok(None) => return,
            Err(e) => {
                let _ = refuse(writer, &format!("bad request: {e}"));
                return;
            }
        };
        let response = match serde_json::from_slice::<Request>(&line) {
            Err(e) => Response::Error {
                message: format!("bad request: {e}"),
            },
            Ok(req) => {
                let (tx, rx) = std::sync::mpsc::sync_channel(1);
                if inputs.send(Input::Client { req, reply: tx }).is_err() {
                    return;
                }
                rx.recv_timeout(REPLY_TIMEOUT)
                    .unwrap_or_else(|_| Response::Error {
                        message: format!(
                            "no answer from the cluster within {} s; check `pacer status`",
                            REPLY_TIMEOUT.as_secs()
                        ),
                    })
            }
        };
        let mut out = serde_json::to_vec(&response).unwrap_or_default();
        out.push(b'\n');
        if writer.write_all(&out).is_err() {
            return;
        }
    }
}
