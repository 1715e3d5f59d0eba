//! Nodes: creating them from `<nodes>` and from remote/guest resources,
//! their attributes, and their online/clean/standby state from `<node_state>`.

use std::collections::BTreeMap;

use cib::value::is_true;
use cib::{NodeState, Score};

use super::nvsets::unpack_sets;
use super::rules::RuleCtx;
use super::Unpacker;
use crate::state::*;
use crate::util::{glib_insert_position, numeric_strcasecmp};

impl Unpacker<'_> {
    /// `pe_create_node`: adds a node, keeping the name order.
    pub(crate) fn create_node(
        &mut self,
        id: &str,
        uname: &str,
        kind: NodeKind,
        score: Option<&str>,
    ) -> NodeId {
        let nid = NodeId(self.st.nodes.len());
        self.nodes_by_id
            .entry(id.to_string())
            .or_default()
            .push(nid);
        let mut attrs = BTreeMap::new();
        let kind_attr = if kind == NodeKind::Remote {
            "remote"
        } else {
            "cluster"
        };
        attrs.insert("#kind".to_string(), kind_attr.to_string());
        self.st.nodes.push(Node {
            id: id.to_string(),
            uname: uname.to_string(),
            kind,
            weight: score
                .and_then(|s| Score::parse(s).ok())
                .unwrap_or(Score::ZERO),
            online: false,
            unclean: false,
            unseen: false,
            pending: false,
            standby: false,
            standby_onfail: false,
            maintenance: false,
            shutdown: false,
            expected_up: false,
            is_dc: false,
            rsc_discovery_enabled: true,
            remote_requires_reset: false,
            remote_was_fenced: false,
            remote_maintenance: false,
            discover_never: false,
            remote_rsc: None,
            running_rsc: Vec::new(),
            attrs,
            utilization: BTreeMap::new(),
            unpacked: false,
            fence_reason: None,
        });
        let st = &self.st;
        let pos = glib_insert_position(&st.node_order, &nid, |a, b| {
            numeric_strcasecmp(&st.node(*a).uname, &st.node(*b).uname)
        });
        self.st.node_order.insert(pos, nid);
        nid
    }

    /// `handle_startup_fencing`: a node not yet seen in the status section is
    /// unclean when startup fencing is on.
    pub(crate) fn handle_startup_fencing(&mut self, nid: NodeId) {
        let fencing = self.st.options.startup_fencing;
        let n = &mut self.st.nodes[nid.0];
        if n.kind == NodeKind::Remote && n.remote_rsc.is_none() {
            // A leftover remote node entry without a connection resource.
            return;
        }
        n.unclean = fencing;
        n.unseen = true;
    }

    pub(crate) fn unpack_nodes(&mut self) {
        let cib = self.cib;
        for n in &cib.configuration.nodes {
            let kind = match n.type_.as_ref().map(|t| t.raw().to_ascii_lowercase()) {
                None => NodeKind::Member,
                Some(t) if t == "member" => NodeKind::Member,
                Some(t) if t == "remote" => NodeKind::Remote,
                Some(_) => NodeKind::Ping,
            };
            let score = n.score.as_ref().map(|s| s.raw());
            let nid = self.create_node(&n.id, &n.uname, kind, score);
            self.handle_startup_fencing(nid);
            self.add_node_attrs(nid, &n.instance_attributes, false);
            let mut util = BTreeMap::new();
            unpack_sets(
                &self.ix,
                &n.utilization,
                &RuleCtx::new(self.st.now),
                &mut util,
                false,
                None,
            );
            self.st.nodes[nid.0].utilization = util;
        }
    }

    /// `add_node_attrs`: the built-in `#` attributes, then the given sets.
    pub(crate) fn add_node_attrs(&mut self, nid: NodeId, sets: &[cib::NvSet], overwrite: bool) {
        let is_dc = self
            .st
            .dc_uuid
            .as_deref()
            .is_some_and(|dc| dc.eq_ignore_ascii_case(&self.st.node(nid).id));
        let cluster_name = self.st.options.cluster_name.clone();
        let mut attrs = std::mem::take(&mut self.st.nodes[nid.0].attrs);
        {
            let n = self.st.node(nid);
            attrs.insert("#uname".into(), n.uname.clone());
            attrs.insert("#id".into(), n.id.clone());
        }
        attrs.insert("#is_dc".into(), if is_dc { "true" } else { "false" }.into());
        if let Some(name) = &cluster_name {
            attrs.insert("#cluster-name".into(), name.clone());
        }
        let next_change = std::cell::Cell::new(0);
        let ctx = RuleCtx {
            next_change: Some(&next_change),
            ..RuleCtx::new(self.st.now)
        };
        unpack_sets(&self.ix, sets, &ctx, &mut attrs, overwrite, None);
        self.st.update_recheck(next_change.get());
        if !attrs.contains_key("#site-name") {
            if let Some(site) = attrs.get("site-name").cloned().or(cluster_name) {
                attrs.insert("#site-name".into(), site);
            }
        }
        let n = &mut self.st.nodes[nid.0];
        n.attrs = attrs;
        if is_dc {
            n.is_dc = true;
        }
    }

    /// `unpack_remote_nodes`: every `ocf:pacemaker:remote` primitive defines a
    /// remote node, and every primitive with a `remote-node` meta-attribute a
    /// guest node (whose connection resource is generated here).
    pub(crate) fn unpack_remote_nodes(&mut self) {
        let cib = self.cib;
        for r in &cib.configuration.resources {
            match r {
                cib::Resource::Primitive(p) if is_remote_primitive(p) => {
                    self.ensure_remote_node(&p.id)
                }
                cib::Resource::Primitive(p) => self.expand_guest(p),
                cib::Resource::Group(g) => {
                    for c in &g.children {
                        if let cib::Resource::Primitive(p) = c {
                            self.expand_guest(p);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn ensure_remote_node(&mut self, name: &str) {
        if self.st.find_node(name).is_none() {
            self.create_node(name, name, NodeKind::Remote, None);
        }
    }

    /// `expand_remote_rsc_meta`: reads the guest-node meta-attributes (raw,
    /// without rules or references) and generates the connection resource.
    fn expand_guest(&mut self, p: &cib::Primitive) {
        let mut remote_name = None;
        let mut server = None;
        let mut port = None;
        let mut connect_timeout = Some("60s".to_string());
        let mut allow_migrate = None;
        let mut managed = None;
        for pair in p.meta_attributes.iter().flat_map(|s| &s.nvpairs) {
            let v = pair.value.clone();
            match pair.name.to_ascii_lowercase().as_str() {
                "remote-node" => remote_name = v,
                "remote-addr" => server = v,
                "remote-port" => port = v,
                "remote-connect-timeout" => connect_timeout = v,
                "remote-allow-migrate" => allow_migrate = v,
                "is-managed" => managed = v,
                _ => {}
            }
        }
        let Some(name) = remote_name else {
            return;
        };
        let xml = remote_primitive(
            &name,
            Some(&p.id),
            allow_migrate.as_deref(),
            managed.as_deref(),
            connect_timeout.as_deref(),
            server.as_deref(),
            port.as_deref(),
        );
        self.generated.push(cib::Resource::Primitive(xml));
        if self.st.find_node(&name).is_none() {
            self.create_node(&name, &name, NodeKind::Remote, None);
        }
    }

    /// First pass over `<node_state>`: attributes and online state of
    /// cluster nodes (remote nodes wait for their connection's history).
    pub(crate) fn unpack_node_state(&mut self, ns: &NodeState) {
        let Some(uname) = ns.uname.as_deref() else {
            return;
        };
        let Some(nid) = self.st.find_node_any(&ns.id, uname) else {
            return;
        };
        if self.st.is_guest_or_remote(nid) {
            let fenced = crate::util::parse_int(ns.node_fenced.as_deref(), 0);
            self.st.nodes[nid.0].remote_was_fenced = fenced != 0;
            return;
        }
        let sets = ns
            .transient_attributes
            .as_ref()
            .map(|t| t.instance_attributes.as_slice())
            .unwrap_or(&[]);
        self.add_node_attrs(nid, sets, true);
        {
            let n = &mut self.st.nodes[nid.0];
            if is_true(n.attrs.get("standby").map(String::as_str)) {
                n.standby = true;
            }
            if is_true(n.attrs.get("maintenance").map(String::as_str)) {
                n.maintenance = true;
            }
            n.unclean = false;
            n.unseen = false;
        }
        self.determine_online_status(nid, ns);
        if !self.st.have_quorum
            && self.st.node(nid).online
            && self.st.options.no_quorum_policy == NoQuorumPolicy::Suicide
        {
            self.fence_node(nid, "cluster does not have quorum");
        }
    }

    fn determine_online_status(&mut self, nid: NodeId, ns: &NodeState) {
        let shutdown_requested = shutdown_requested(&self.st.node(nid).attrs);
        {
            let n = &mut self.st.nodes[nid.0];
            n.shutdown = false;
            n.expected_up = false;
            if shutdown_requested {
                n.shutdown = true;
            } else if ns
                .expected
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case("member"))
            {
                n.expected_up = true;
            }
        }
        let online = if self.st.node(nid).kind == NodeKind::Ping {
            self.st.nodes[nid.0].unclean = false;
            false
        } else if !self.st.options.stonith_enabled {
            self.online_without_fencing(nid, ns)
        } else {
            self.online_with_fencing(nid, ns)
        };
        let n = &mut self.st.nodes[nid.0];
        if online {
            n.online = true;
        } else {
            n.weight = Score::MINUS_INFINITY;
        }
        if online && n.shutdown {
            n.weight = Score::MINUS_INFINITY;
        }
    }

    fn online_without_fencing(&mut self, nid: NodeId, ns: &NodeState) -> bool {
        let in_cluster = is_true(ns.in_ccm.as_deref());
        let is_peer = ns
            .crmd
            .as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case("online"));
        let join_member = ns
            .join
            .as_deref()
            .is_some_and(|j| j.eq_ignore_ascii_case("member"));
        if !in_cluster {
            false
        } else if is_peer {
            join_member
        } else if !self.st.node(nid).expected_up {
            false
        } else {
            self.fence_node(nid, "peer is unexpectedly down");
            false
        }
    }

    fn online_with_fencing(&mut self, nid: NodeId, ns: &NodeState) -> bool {
        let terminate = self.st.node(nid).attrs.get("terminate").cloned();
        let do_terminate = match terminate.as_deref() {
            Some(t) if is_true(Some(t)) => true,
            Some(t) => t
                .as_bytes()
                .first()
                .is_some_and(|&c| c != b'0' && c.is_ascii_digit()),
            None => false,
        };
        let in_cluster_raw = ns.in_ccm.as_deref();
        let in_cluster = is_true(in_cluster_raw);
        let crmd_online = ns
            .crmd
            .as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case("online"));
        let join = ns.join.as_deref().map(str::to_ascii_lowercase);
        let join = join.as_deref();
        let exp_down = ns
            .expected
            .as_deref()
            .map_or(true, |e| e.eq_ignore_ascii_case("down"));
        let mut online = in_cluster;
        if self.st.node(nid).shutdown {
            online = crmd_online;
        } else if in_cluster_raw.is_none() {
            self.fence_node(nid, "peer has not been seen by the cluster");
        } else if join == Some("banned") {
            self.fence_node(nid, "peer failed Pacemaker membership criteria");
        } else if !do_terminate && exp_down {
            if in_cluster || crmd_online {
                let n = &mut self.st.nodes[nid.0];
                n.standby = true;
                n.pending = true;
            }
        } else if do_terminate && join == Some("down") && !in_cluster && !crmd_online {
            online = false;
        } else if !in_cluster {
            self.fence_node(nid, "peer is no longer part of the cluster");
        } else if !crmd_online {
            self.fence_node(nid, "peer process is no longer available");
        } else if do_terminate {
            self.fence_node(nid, "termination was requested");
        } else if join == Some("member") {
            // Active.
        } else if matches!(join, Some("pending") | Some("down")) {
            let n = &mut self.st.nodes[nid.0];
            n.standby = true;
            n.pending = true;
        } else {
            self.fence_node(nid, "peer was in an unknown state");
        }
        online
    }

    /// `pe_fence_node`: marks a node for fencing. Guest nodes are "fenced" by
    /// recovering their container; remote and cluster nodes become unclean.
    pub(crate) fn fence_node(&mut self, nid: NodeId, reason: &str) {
        if self.st.is_guest_node(nid) {
            let Some(conn) = self.st.node(nid).remote_rsc else {
                return;
            };
            let Some(container) = self.st.rsc(conn).container else {
                return;
            };
            let c = &self.st.resources[container.0];
            if !c.flags.failed && c.flags.managed {
                self.st.nodes[nid.0].remote_requires_reset = true;
                let c = &mut self.st.resources[container.0];
                c.flags.failed = true;
                c.flags.stop = true;
            }
        } else if self.is_dangling_guest_node(nid) {
            if let Some(conn) = self.st.node(nid).remote_rsc {
                let r = &mut self.st.resources[conn.0];
                r.flags.failed = true;
                r.flags.stop = true;
            }
        } else if self.st.is_remote_node(nid) {
            let managed = self.st.node(nid).remote_rsc.is_none_or_managed(&self.st);
            let n = &mut self.st.nodes[nid.0];
            if managed && !n.remote_requires_reset {
                n.remote_requires_reset = true;
            }
            n.unclean = true;
            self.record_fence(nid, reason);
        } else if self.st.node(nid).unclean {
            // Already to be fenced.
        } else {
            self.st.nodes[nid.0].unclean = true;
            self.record_fence(nid, reason);
        }
    }

    fn record_fence(&mut self, nid: NodeId, reason: &str) {
        let n = &mut self.st.nodes[nid.0];
        if n.fence_reason.is_none() {
            n.fence_reason = Some(reason.to_string());
            self.st.implied.push(ImpliedAction::Fence {
                node: nid,
                reason: reason.to_string(),
            });
        }
    }

    fn is_dangling_guest_node(&self, nid: NodeId) -> bool {
        let n = self.st.node(nid);
        n.kind == NodeKind::Remote
            && n.remote_rsc.is_some_and(|r| {
                let r = self.st.rsc(r);
                r.container.is_none() && r.flags.orphan_container_filler
            })
    }

    /// `determine_remote_online_status`: a remote or guest node is online
    /// when its connection (and container) are started and not failed.
    pub(crate) fn determine_remote_online_status(&mut self, nid: NodeId) {
        let Some(conn) = self.st.node(nid).remote_rsc else {
            self.st.nodes[nid.0].online = false;
            return;
        };
        let r = self.st.rsc(conn);
        let container = r.container;
        let host = match (container, r.running_on.as_slice()) {
            (Some(_), [one]) => Some(*one),
            _ => None,
        };
        let role = r.role;
        let next_role = r.next_role;
        let conn_failed = r.flags.failed;
        let container_failed = container.is_some_and(|c| self.st.rsc(c).flags.failed);
        let container_stopped = container.is_some_and(|c| self.st.rsc(c).role == Role::Stopped);
        let host_unclean_offline = host.is_some_and(|h| {
            let h = self.st.node(h);
            !h.online && h.unclean
        });
        let n = &mut self.st.nodes[nid.0];
        if role == Role::Started {
            n.online = true;
        }
        if role == Role::Started && next_role == Role::Stopped {
            n.shutdown = true;
        }
        if container_failed {
            n.online = false;
            n.remote_requires_reset = true;
        } else if conn_failed {
            n.online = false;
        } else if role == Role::Stopped || container_stopped {
            n.online = false;
            n.remote_requires_reset = false;
        } else if host_unclean_offline {
            n.online = false;
            n.remote_requires_reset = true;
        }
    }

    /// `unpack_handle_remote_attrs`: a remote or guest node's attributes,
    /// read once its connection's state is known.
    pub(crate) fn unpack_remote_attrs(&mut self, nid: NodeId, ns: &NodeState) {
        self.st.nodes[nid.0].remote_maintenance =
            crate::util::parse_int(ns.node_in_maintenance.as_ref().map(|t| t.raw()), 0) != 0;
        if !self.st.node(nid).remote_requires_reset {
            let n = &mut self.st.nodes[nid.0];
            n.unclean = false;
            n.unseen = false;
        }
        let sets = ns
            .transient_attributes
            .as_ref()
            .map(|t| t.instance_attributes.as_slice())
            .unwrap_or(&[]);
        self.add_node_attrs(nid, sets, true);
        let conn_unmanaged = self
            .st
            .node(nid)
            .remote_rsc
            .is_some_and(|r| !self.st.rsc(r).flags.managed);
        let stonith = self.st.options.stonith_enabled;
        let is_remote = self.st.is_remote_node(nid);
        let n = &mut self.st.nodes[nid.0];
        if shutdown_requested(&n.attrs) {
            n.shutdown = true;
        }
        if is_true(n.attrs.get("standby").map(String::as_str)) {
            n.standby = true;
        }
        if is_true(n.attrs.get("maintenance").map(String::as_str)) || conn_unmanaged {
            n.maintenance = true;
        }
        if let Some(d) = n.attrs.get("resource-discovery-enabled") {
            // Remote nodes may disable discovery only while fencing is on.
            let allowed = !is_remote || stonith;
            if !is_true(Some(d)) && allowed {
                n.rsc_discovery_enabled = false;
            }
        }
    }
}

trait ManagedOpt {
    fn is_none_or_managed(&self, st: &ClusterState) -> bool;
}

impl ManagedOpt for Option<RscId> {
    fn is_none_or_managed(&self, st: &ClusterState) -> bool {
        self.map_or(true, |r| st.rsc(r).flags.managed)
    }
}

/// `pe__shutdown_requested`: a `shutdown` attribute other than "0".
fn shutdown_requested(attrs: &BTreeMap<String, String>) -> bool {
    attrs.get("shutdown").is_some_and(|s| s != "0")
}

/// `xml_contains_remote_node`: an `ocf:pacemaker:remote` primitive.
pub(crate) fn is_remote_primitive(p: &cib::Primitive) -> bool {
    p.type_
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("remote"))
        && p.class
            .as_ref()
            .is_some_and(|c| c.raw().eq_ignore_ascii_case("ocf"))
        && p.provider
            .as_deref()
            .is_some_and(|v| v.eq_ignore_ascii_case("pacemaker"))
}

/// `pe_create_remote_xml`: the connection resource of a guest or bundle node.
pub(crate) fn remote_primitive(
    name: &str,
    container: Option<&str>,
    allow_migrate: Option<&str>,
    managed: Option<&str>,
    start_timeout: Option<&str>,
    server: Option<&str>,
    port: Option<&str>,
) -> cib::Primitive {
    use cib::{NvPair, NvSet, Op, Operations, Typed};
    let pair = |n: &str, v: &str| NvPair {
        id: Some(format!("{name}-{n}")),
        name: n.to_string(),
        value: Some(v.to_string()),
        ..Default::default()
    };
    let mut meta = vec![pair("internal", "true")];
    if let Some(c) = container {
        meta.push(pair("container", c));
    }
    if let Some(v) = allow_migrate {
        meta.push(pair("allow-migrate", v));
    }
    if let Some(v) = managed {
        meta.push(pair("is-managed", v));
    }
    let mut inst = Vec::new();
    if let Some(s) = server {
        inst.push(pair("addr", s));
    }
    if let Some(p) = port {
        inst.push(pair("port", p));
    }
    let op = |task: &str, interval: &str, timeout: &str| {
        let (interval, _) = Typed::parse_lenient(interval);
        let (timeout, _) = Typed::parse_lenient(timeout);
        Op {
            id: format!("{name}-{task}-interval-{}", interval),
            name: task.to_string(),
            interval,
            timeout: Some(timeout),
            ..Default::default()
        }
    };
    let mut ops = vec![op("monitor", "30s", "30s")];
    if let Some(t) = start_timeout {
        ops.push(op("start", "0", t));
    }
    cib::Primitive {
        id: name.to_string(),
        class: Some(Typed::new(cib::value::RscClass::Ocf)),
        provider: Some("pacemaker".to_string()),
        type_: Some("remote".to_string()),
        meta_attributes: vec![NvSet {
            id: Some(format!("{name}-meta_attributes")),
            nvpairs: meta,
            ..Default::default()
        }],
        instance_attributes: if inst.is_empty() {
            Vec::new()
        } else {
            vec![NvSet {
                id: Some(format!("{name}-instance_attributes")),
                nvpairs: inst,
                ..Default::default()
            }]
        },
        operations: Some(Operations {
            ops,
            ..Default::default()
        }),
        ..Default::default()
    }
}
