//! The cluster layer on a real Corosync 3: a CPG process group (agreed
//! order), votequorum notifications and the nodelist from cmap.
//!
//! rust-corosync calls plain `fn` callbacks, so the events go to one
//! process-wide sink: a process has at most one [`Corosync`] connection (the
//! daemon runs one node). A dispatch thread polls the CPG and votequorum
//! descriptors and runs the callbacks; the owner's sink receives
//! [`ClusterEvent`]s in delivery order.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use rust_corosync as cs;

use crate::{Cluster, ClusterConfig, ClusterError, ClusterEvent, NodeId, NodeInfo};

type Sink = Box<dyn Fn(ClusterEvent) + Send>;

/// Where the callbacks send events (one connection per process).
static SINK: Mutex<Option<Sink>> = Mutex::new(None);

fn emit(e: ClusterEvent) {
    if let Ok(guard) = SINK.lock() {
        if let Some(sink) = guard.as_ref() {
            sink(e);
        }
    }
}

fn ids(list: &[cs::cpg::Address]) -> Vec<NodeId> {
    let mut v: Vec<NodeId> = list.iter().map(|a| u32::from(a.nodeid)).collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn on_deliver(
    _h: &cs::cpg::Handle,
    _group: String,
    nodeid: cs::NodeId,
    _pid: u32,
    msg: &[u8],
    _len: usize,
) {
    emit(ClusterEvent::Deliver {
        from: u32::from(nodeid),
        payload: msg.to_vec(),
    });
}

fn on_confchg(
    _h: &cs::cpg::Handle,
    _group: &str,
    members: Vec<cs::cpg::Address>,
    left: Vec<cs::cpg::Address>,
    joined: Vec<cs::cpg::Address>,
) {
    emit(ClusterEvent::ConfChange {
        members: ids(&members),
        left: ids(&left),
        joined: ids(&joined),
    });
}

fn on_quorum(
    _h: &cs::votequorum::Handle,
    _ctx: u64,
    quorate: bool,
    nodes: Vec<cs::votequorum::Node>,
) {
    // rust-corosync 3.2 keeps `Node`'s fields private and shows them only
    // through Debug ("nodeid: 1, state: Member").
    let mut members: Vec<NodeId> = nodes
        .iter()
        .filter_map(|n| {
            let text = format!("{n:?}");
            let (id, state) = text.strip_prefix("nodeid: ")?.split_once(", state: ")?;
            (state == "Member")
                .then(|| id.trim().parse().ok())
                .flatten()
        })
        .collect();
    members.sort_unstable();
    emit(ClusterEvent::Quorum { quorate, members });
}

/// A connection to the local corosync.
pub struct Corosync {
    cpg: Option<cs::cpg::Handle>,
    group: String,
    vq: Option<cs::votequorum::Handle>,
    local: NodeId,
    config: ClusterConfig,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Corosync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Corosync")
            .field("local", &self.local)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn connect_err(call: &'static str) -> impl Fn(cs::CsError) -> ClusterError {
    move |e| ClusterError::Connect {
        call,
        detail: e.to_string(),
    }
}

/// Reads the nodelist and quorum settings from cmap.
pub fn read_config() -> Result<ClusterConfig, ClusterError> {
    let h = cs::cmap::initialize(cs::cmap::Map::Icmap).map_err(connect_err("cmap_initialize"))?;
    let mut ids: std::collections::BTreeMap<String, NodeId> = Default::default();
    let mut names: std::collections::BTreeMap<String, String> = Default::default();
    let iter = cs::cmap::CmapIterStart::new(&h, "nodelist.node.")
        .map_err(connect_err("cmap_iter_init"))?;
    for item in iter {
        let key = item.key_name().to_string();
        let Some(rest) = key.strip_prefix("nodelist.node.") else {
            continue;
        };
        let Some((idx, field)) = rest.split_once('.') else {
            continue;
        };
        match (field, item.data()) {
            ("nodeid", d) => {
                if let Some(v) = data_u32(d) {
                    ids.insert(idx.to_string(), v);
                }
            }
            ("name", cs::cmap::Data::String(s)) => {
                names.insert(idx.to_string(), s.clone());
            }
            ("ring0_addr", cs::cmap::Data::String(s)) => {
                names.entry(idx.to_string()).or_insert_with(|| s.clone());
            }
            _ => {}
        }
    }
    let mut nodes = Vec::new();
    for (idx, id) in &ids {
        let name = names
            .get(idx)
            .cloned()
            .unwrap_or_else(|| format!("node{id}"));
        nodes.push(NodeInfo::new(*id, name));
    }
    if nodes.is_empty() {
        return Err(ClusterError::Config(
            "corosync.conf has no nodelist with nodeid entries; pacer needs one (see `pacer cluster init`)".into(),
        ));
    }
    let mut cfg = ClusterConfig::new(nodes);
    if let Ok(d) = cs::cmap::get(&h, "quorum.two_node") {
        cfg.two_node = data_u32(&d).is_some_and(|v| v != 0);
    }
    if let Ok(d) = cs::cmap::get(&h, "quorum.expected_votes") {
        if let Some(v) = data_u32(&d) {
            cfg.expected_votes = v;
        }
    }
    let _ = cs::cmap::finalize(&h);
    Ok(cfg)
}

fn data_u32(d: &cs::cmap::Data) -> Option<u32> {
    use cs::cmap::Data::*;
    match d {
        UInt8(v) => Some(u32::from(*v)),
        UInt16(v) => Some(u32::from(*v)),
        UInt32(v) => Some(*v),
        Int32(v) => u32::try_from(*v).ok(),
        UInt64(v) => u32::try_from(*v).ok(),
        String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl Corosync {
    /// Connects to the local corosync, joins the CPG `group` and starts
    /// delivering events to `sink` (from a dispatch thread). The first event
    /// is the group's view including this node.
    pub fn connect(
        group: &str,
        sink: impl Fn(ClusterEvent) + Send + 'static,
    ) -> Result<Self, ClusterError> {
        let config = read_config()?;
        {
            let mut s = SINK
                .lock()
                .map_err(|_| ClusterError::Config("event sink poisoned".into()))?;
            if s.is_some() {
                return Err(ClusterError::Config(
                    "one corosync connection per process".into(),
                ));
            }
            *s = Some(Box::new(sink));
        }
        let model = cs::cpg::ModelData::ModelV1(cs::cpg::Model1Data {
            flags: cs::cpg::Model1Flags::None,
            deliver_fn: Some(on_deliver),
            confchg_fn: Some(on_confchg),
            totem_confchg_fn: None,
        });
        let cleanup = |e| {
            if let Ok(mut s) = SINK.lock() {
                *s = None;
            }
            e
        };
        let cpg = cs::cpg::initialize(&model, 0)
            .map_err(connect_err("cpg_initialize"))
            .map_err(cleanup)?;
        let local = u32::from(
            cs::cpg::local_get(&cpg)
                .map_err(connect_err("cpg_local_get"))
                .map_err(cleanup)?,
        );
        let vq = cs::votequorum::initialize(&cs::votequorum::Callbacks {
            quorum_notification_fn: Some(on_quorum),
            nodelist_notification_fn: None,
            expectedvotes_notification_fn: None,
        })
        .map_err(connect_err("votequorum_initialize"))
        .map_err(cleanup)?;
        cs::votequorum::trackstart(&vq, 0, cs::TrackFlags::Changes)
            .map_err(connect_err("votequorum_trackstart"))
            .map_err(cleanup)?;
        cs::cpg::join(&cpg, group)
            .map_err(connect_err("cpg_join"))
            .map_err(cleanup)?;
        let stop = Arc::new(AtomicBool::new(false));
        // Blocking dispatch in one thread per handle: it returns when the
        // handle is finalized (on drop) or corosync goes away.
        let cpg_thread = {
            let (stop, h) = (stop.clone(), cpg.clone());
            dispatch_thread("cpg-dispatch", move || {
                report_end(
                    "cpg",
                    cs::cpg::dispatch(&h, cs::DispatchFlags::Blocking),
                    &stop,
                )
            })?
        };
        let vq_thread = {
            let (stop, h) = (stop.clone(), vq.clone());
            dispatch_thread("votequorum-dispatch", move || {
                report_end(
                    "votequorum",
                    cs::votequorum::dispatch(&h, cs::DispatchFlags::Blocking),
                    &stop,
                )
            })?
        };
        Ok(Corosync {
            cpg: Some(cpg),
            group: group.to_string(),
            vq: Some(vq),
            local,
            config,
            stop,
            threads: vec![cpg_thread, vq_thread],
        })
    }
}

fn dispatch_thread(
    name: &'static str,
    run: impl FnOnce() + Send + 'static,
) -> Result<JoinHandle<()>, ClusterError> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(run)
        .map_err(|e| ClusterError::Config(format!("cannot start the {name} thread: {e}")))
}

/// Runs callbacks until the handle is finalized or corosync goes away.
fn report_end(what: &str, r: cs::Result<()>, stop: &AtomicBool) {
    if !stop.load(Ordering::Relaxed) {
        let reason = match r {
            Ok(()) => format!("{what} dispatch ended: corosync stopped?"),
            Err(e) => format!("{what} dispatch failed ({e}): corosync stopped?"),
        };
        emit(ClusterEvent::Disconnected { reason });
    }
}

impl Drop for Corosync {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.cpg.take() {
            let _ = cs::cpg::leave(&h, &self.group);
            let _ = cs::cpg::finalize(&h);
        }
        if let Some(h) = self.vq.take() {
            let _ = cs::votequorum::finalize(&h);
        }
        // The dispatch threads end when they see the finalized handles; they
        // are not joined, so a hung corosync cannot hang the caller's exit.
        self.threads.clear();
        if let Ok(mut s) = SINK.lock() {
            *s = None;
        }
    }
}

impl Cluster for Corosync {
    fn local_node(&self) -> NodeId {
        self.local
    }
    fn config(&self) -> &ClusterConfig {
        &self.config
    }
    fn multicast(&mut self, payload: &[u8]) -> Result<(), ClusterError> {
        const ATTEMPTS_MAX: u32 = 200;
        if payload.len() > crate::MESSAGE_BYTES_MAX {
            return Err(ClusterError::TooBig {
                len: payload.len(),
                max: crate::MESSAGE_BYTES_MAX,
            });
        }
        let mut last = String::new();
        for attempt in 0..ATTEMPTS_MAX {
            let Some(cpg) = self.cpg.as_ref() else {
                return Err(ClusterError::NotMember);
            };
            match cs::cpg::mcast_joined(cpg, cs::cpg::Guarantee::TypeAgreed, payload) {
                Ok(()) => return Ok(()),
                // Flow control: corosync's queue is full; back off briefly.
                Err(cs::CsError::CsErrTryAgain) => {
                    last = "try again (flow control)".into();
                    std::thread::sleep(Duration::from_millis(u64::from(attempt.min(10)) + 1));
                }
                Err(e) => {
                    return Err(ClusterError::Send {
                        detail: e.to_string(),
                        attempts: attempt + 1,
                    })
                }
            }
        }
        Err(ClusterError::Send {
            detail: last,
            attempts: ATTEMPTS_MAX,
        })
    }
}
