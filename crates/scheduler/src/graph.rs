//! The transition graph: what the controller executes (Pacemaker's
//! `pcmk__create_graph` of `pcmk_graph_producer.c`), as a typed structure,
//! and its XML form (`crm_simulate -G`).
//!
//! A graph is a list of synapses; each synapse holds one action and the
//! actions it waits for. Actions are resource operations, pseudo-actions
//! (ordering points that complete immediately) and cluster operations
//! (fencing, shutdown, fail-count clearing).
//!
//! ```
//! let xml = r#"<cib><configuration><crm_config><cluster_property_set id="o">
//!     <nvpair id="s" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
//!   <nodes><node id="1" uname="n1"/></nodes>
//!   <resources><primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr2"/></resources>
//!   <constraints/></configuration>
//!   <status><node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"/></status></cib>"#;
//! let (cib, _) = cib::Cib::from_xml_lenient(xml).unwrap();
//! let state = scheduler::unpack(&cib, 0);
//! let placement = scheduler::placement::place(&cib, &state);
//! let actions = scheduler::actions::schedule_actions(&cib, &state, &placement);
//! let graph = scheduler::graph::build(&actions);
//! assert!(graph.synapses.iter().any(|s| s.action.task == "monitor"));
//! ```
//!
//! **Architecture Invariant:** built from an [`ActionSet`] alone; the only
//! input state it changes is its own copy of the action inputs (duplicates
//! merged, orderings that do not apply dropped), as Pacemaker does.

use std::collections::BTreeMap;

use crate::actions::{af, of, Action, ActionId, ActionSet, Input};
use crate::state::*;

/// What kind of graph action (the XML element it is written as).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphActionKind {
    /// `rsc_op`: an operation of a resource agent.
    Rsc,
    /// `pseudo_event`: an ordering point.
    Pseudo,
    /// `crm_event`: fencing, shutdown, fail-count clearing, history clean-up.
    Cluster,
}

/// The resource a graph action runs (`<primitive>` in the XML).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphRsc {
    /// Name the executor knows it by (configured id for anonymous clones).
    pub id: String,
    /// The instance name, when it differs.
    pub long_id: Option<String>,
    pub class: Option<String>,
    pub provider: Option<String>,
    pub agent: Option<String>,
}

/// One action in the graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphAction {
    /// The action's id (unique in the transition).
    pub id: usize,
    pub kind: GraphActionKind,
    /// `operation`: the task (`start`, `monitor`, `stonith`, …).
    pub task: String,
    /// `operation_key`: as the node knows it.
    pub key: String,
    /// `internal_operation_key`, when the node knows it by another name.
    pub internal_key: Option<String>,
    /// Target node name and id.
    pub node: Option<(String, String)>,
    /// Cluster node relaying the action to a remote node.
    pub router_node: Option<String>,
    pub rsc: Option<GraphRsc>,
    /// Parameters and `CRM_meta_*` attributes, by name.
    pub attributes: BTreeMap<String, String>,
    /// Nodes the action brings down.
    pub downed: Vec<String>,
    /// Remote nodes whose maintenance state changes (id, in maintenance).
    pub maintenance: Vec<(String, bool)>,
    /// `mode="cib"` for history clean-up done in the CIB only.
    pub cib_only: bool,
    /// Shutdown lock time to keep when the action completes.
    pub shutdown_lock: Option<i64>,
    /// Timeout in milliseconds (`CRM_meta_timeout` plus start delay).
    pub timeout_ms: u64,
    /// Interval in milliseconds (`CRM_meta_interval`).
    pub interval_ms: u64,
}

/// An action and the actions it waits for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Synapse {
    pub id: usize,
    pub priority: i32,
    pub action: GraphAction,
    /// The actions to wait for, with their attributes.
    pub inputs: Vec<GraphAction>,
}

/// The transition graph (`<transition_graph>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Graph {
    pub transition_id: i64,
    pub cluster_delay: String,
    pub stonith_timeout: String,
    pub failed_stop_offset: String,
    pub failed_start_offset: String,
    pub batch_limit: String,
    pub migration_limit: Option<String>,
    pub recheck_by: Option<i64>,
    pub synapses: Vec<Synapse>,
}

/// The feature set graphs are written with (Pacemaker 2.1.5's).
pub const FEATURE_SET: &str = "3.16.1";

struct Builder<'a> {
    set: &'a ActionSet,
    actions: Vec<Action>,
    synapses: Vec<Synapse>,
}

/// Builds the transition graph (`pcmk__create_graph`).
pub fn build(set: &ActionSet) -> Graph {
    let st = &set.state;
    let opt = |k: &str, d: &str| {
        st.options
            .all
            .get(k)
            .cloned()
            .unwrap_or_else(|| d.to_string())
    };
    let mut b = Builder {
        set,
        actions: set.actions.clone(),
        synapses: Vec::new(),
    };
    for &r in &set.order {
        b.add_rsc(r);
    }
    for i in (0..b.actions.len()).rev() {
        b.add_action(ActionId(i));
    }
    let migration_limit = st
        .options
        .all
        .get("migration-limit")
        .filter(|v| v.trim().parse::<i64>().is_ok_and(|n| n > 0))
        .cloned();
    Graph {
        transition_id: 0,
        cluster_delay: opt("cluster-delay", "60s"),
        stonith_timeout: opt("stonith-timeout", "60s"),
        failed_stop_offset: "INFINITY".into(),
        failed_start_offset: if st.options.start_failure_is_fatal {
            "INFINITY".into()
        } else {
            "1".into()
        },
        batch_limit: opt("batch-limit", "0"),
        migration_limit,
        recheck_by: (set.recheck_by > 0).then_some(set.recheck_by),
        synapses: b.synapses,
    }
}

/// `should_add_action_to_graph`.
pub(crate) fn should_add_action(actions: &[Action], st: &ClusterState, a: ActionId) -> bool {
    let act = &actions[a.0];
    if !act.is(af::RUNNABLE) {
        return false;
    }
    if act.is(af::OPTIONAL) && !act.is(af::PRINT_ALWAYS) {
        return false;
    }
    if let Some(r) = act.rsc {
        if !st.rsc(r).flags.managed && act.task != "monitor" {
            let interval = act.meta.get("interval").map(String::as_str);
            if interval.map_or(true, |i| i == "0") {
                return false;
            }
        }
    }
    if act.is(af::PSEUDO)
        || act.task.eq_ignore_ascii_case("stonith")
        || act.task.eq_ignore_ascii_case("do_shutdown")
    {
        return true;
    }
    let Some(n) = act.node else {
        return false;
    };
    let node = st.node(n);
    if act.is(af::DC) {
        return true;
    }
    if st.is_guest_node(n) && !node.remote_requires_reset {
        return true;
    }
    node.online && !node.unclean
}

/// `ordering_can_change_actions`.
fn ordering_can_change_actions(kind: u32) -> bool {
    kind & !(of::IMPLIES_FIRST_PRINTED | of::IMPLIES_THEN_PRINTED | of::OPTIONAL) != 0
}

/// `should_add_input_to_graph` without its side effect (disabling load and
/// anti-colocation orderings that do not apply, which [`Builder`] does).
pub(crate) fn should_add_input(
    actions: &[Action],
    st: &ClusterState,
    allocated: &[Option<NodeId>],
    a: ActionId,
    input: &Input,
) -> bool {
    input_verdict(actions, st, allocated, a, input) == Verdict::Add
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    Add,
    Skip,
    /// Skip, and disable the ordering.
    Disable,
}

fn input_verdict(
    actions: &[Action],
    st: &ClusterState,
    allocated: &[Option<NodeId>],
    a: ActionId,
    input: &Input,
) -> Verdict {
    if input.dumped {
        return Verdict::Add;
    }
    let act = &actions[a.0];
    let inp = &actions[input.action.0];
    let kind = input.kind;
    if kind == of::NONE {
        return Verdict::Skip;
    }
    let runnable = inp.is(af::RUNNABLE);
    if !runnable && !ordering_can_change_actions(kind) {
        return Verdict::Skip;
    }
    if !runnable && kind & of::ONE_OR_MORE != 0 {
        return Verdict::Skip;
    }
    if kind & of::IMPLIES_FIRST_MIGRATABLE != 0 && !runnable {
        return Verdict::Skip;
    }
    if kind & of::APPLY_FIRST_NON_MIGRATABLE != 0 && inp.is(af::MIGRATE_RUNNABLE) {
        return Verdict::Skip;
    }
    if kind == of::OPTIONAL && inp.is(af::MIGRATE_RUNNABLE) && inp.uuid.ends_with("_stop_0") {
        return Verdict::Skip;
    }
    if kind == of::LOAD {
        let input_node = inp.node;
        if act.rsc.is_some() && act.task.eq_ignore_ascii_case("migrate_to") {
            let assigned = act.rsc.and_then(|r| allocated.get(r.0).copied().flatten());
            if input_node.is_none() || assigned.is_none() || input_node != assigned {
                return Verdict::Disable;
            }
        } else if input_node.is_none()
            || act.node.is_none()
            || input_node != act.node
            || inp.is(af::OPTIONAL)
        {
            return Verdict::Disable;
        }
    } else if kind == of::ANTI_COLOCATION {
        if (inp.node.is_some() && act.node.is_some() && inp.node != act.node)
            || inp.is(af::OPTIONAL)
        {
            return Verdict::Disable;
        }
    } else if let (Some(ir), Some(ar)) = (inp.rsc, act.rsc) {
        let f = st.rsc(ir).flags;
        if ir != ar && f.failed && !f.managed && inp.uuid.ends_with("_stop_0") && st.is_clone(ar) {
            return Verdict::Skip;
        }
        if inp.is(af::OPTIONAL)
            && !inp.is(af::PRINT_ALWAYS)
            && !inp.is(af::DUMPED)
            && !should_add_action(actions, st, input.action)
        {
            return Verdict::Skip;
        }
    } else if inp.is(af::OPTIONAL)
        && !inp.is(af::PRINT_ALWAYS)
        && !inp.is(af::DUMPED)
        && !should_add_action(actions, st, input.action)
    {
        return Verdict::Skip;
    }
    Verdict::Add
}

impl Builder<'_> {
    fn st(&self) -> &ClusterState {
        &self.set.state
    }

    /// `add_actions_to_graph` by resource kind.
    fn add_rsc(&mut self, r: RscId) {
        let kids = self.set.children[r.0].clone();
        match &self.st().rsc(r).kind {
            ResourceKind::Clone(_) => {
                for &c in &kids {
                    self.add_rsc(c);
                }
                self.add_own_and_children(r, &kids);
            }
            ResourceKind::Bundle(b) => {
                let child = b.child;
                let replicas = b.replicas.clone();
                if let Some(c) = child {
                    self.add_rsc(c);
                }
                for rep in replicas {
                    if let Some(ip) = rep.ip {
                        self.add_rsc(ip);
                    }
                    self.add_rsc(rep.container);
                    if let Some(rem) = rep.remote {
                        self.add_rsc(rem);
                    }
                }
            }
            _ => self.add_own_and_children(r, &kids),
        }
    }

    /// `pcmk__add_rsc_actions_to_graph`.
    fn add_own_and_children(&mut self, r: RscId, kids: &[RscId]) {
        for &a in self.set.rsc_actions[r.0].iter().rev() {
            self.add_action(a);
        }
        for &c in kids {
            self.add_rsc(c);
        }
    }

    /// `pcmk__deduplicate_action_inputs`.
    fn dedup(&mut self, a: ActionId) {
        let inputs = std::mem::take(&mut self.actions[a.0].before);
        // Pacemaker's list is newest first; sort it by action id.
        let newest_first: Vec<Input> = inputs.into_iter().rev().collect();
        let sorted = crate::util::glib_sort(newest_first, &mut |x: &Input, y: &Input| {
            x.action.cmp(&y.action)
        });
        let mut out: Vec<Input> = Vec::new();
        for mut i in sorted {
            if let Some(last) = out.last_mut() {
                if last.action == i.action {
                    last.kind |= i.kind;
                    if i.dumped {
                        last.dumped = true;
                    }
                    continue;
                }
            }
            i.dumped = false;
            out.push(i);
        }
        // Keep the "oldest first" storage convention (reversed list order).
        out.reverse();
        self.actions[a.0].before = out;
    }

    /// `add_action_to_graph`.
    fn add_action(&mut self, a: ActionId) {
        if !self.actions[a.0].is(af::DEDUP) {
            self.dedup(a);
            self.actions[a.0].flags |= af::DEDUP;
        }
        if self.actions[a.0].is(af::DUMPED) || !should_add_action(&self.actions, self.st(), a) {
            return;
        }
        self.actions[a.0].flags |= af::DUMPED;
        let act = &self.actions[a.0];
        let mut priority = act.rsc.map_or(0, |r| self.st().rsc(r).priority);
        if act.priority > priority {
            priority = act.priority;
        }
        let action = self.graph_action(a, false);
        let mut inputs = Vec::new();
        let count = self.actions[a.0].before.len();
        for i in (0..count).rev() {
            let input = self.actions[a.0].before[i];
            let verdict = input_verdict(&self.actions, self.st(), &self.set.allocated, a, &input);
            match verdict {
                Verdict::Add => {
                    self.actions[a.0].before[i].dumped = true;
                    inputs.push(self.graph_action(input.action, true));
                }
                Verdict::Disable => self.actions[a.0].before[i].kind = of::NONE,
                Verdict::Skip => {}
            }
        }
        let id = self.synapses.len();
        self.synapses.push(Synapse {
            id,
            priority: priority.max(0),
            action,
            inputs,
        });
    }

    /// `pcmk__connection_host_for_action`.
    fn router_node(&self, act: &Action) -> Option<NodeId> {
        let st = self.st();
        let n = act.node?;
        if act.task.eq_ignore_ascii_case("stonith") || !st.is_guest_or_remote(n) {
            return None;
        }
        let remote = st.node(n).remote_rsc?;
        let began_on = st.rsc(remote).running_on.first().copied();
        let ended_on = self.set.allocated[remote.0];
        let partial =
            st.rsc(remote).container.is_none() && st.rsc(remote).partial_migration_target.is_some();
        let Some(b) = began_on else {
            return ended_on;
        };
        let Some(e) = ended_on else {
            return Some(b);
        };
        if b == e {
            return Some(b);
        }
        let mut task = act.task.as_str();
        if task.eq_ignore_ascii_case("notify") {
            task = act.meta.get("notify_operation").map_or("", String::as_str);
        }
        let down = ["cancel", "stop", "demote", "migrate_from", "migrate_to"]
            .iter()
            .any(|t| t.eq_ignore_ascii_case(task));
        if down && !partial {
            Some(b)
        } else {
            Some(e)
        }
    }

    /// The operation key the node knows (`clone_op_key`).
    fn op_key_for_node(&self, act: &Action, clone_name: &str) -> String {
        if act.task == "notify" {
            let t = act.meta.get("notify_type").map_or("", String::as_str);
            let op = act.meta.get("notify_operation").map_or("", String::as_str);
            return format!("{clone_name}_{t}_notify_{op}_0");
        }
        let task = act.cancel_task.as_deref().unwrap_or(&act.task);
        crate::util::op_key(clone_name, task, act.interval_ms())
    }

    /// `create_graph_action`.
    fn graph_action(&self, a: ActionId, skip_details: bool) -> GraphAction {
        let st = self.st();
        let act = &self.actions[a.0];
        let mut needs_node_info = true;
        let mut needs_maintenance = false;
        let mut cib_only = false;
        let kind = if act.task.eq_ignore_ascii_case("stonith") {
            if act.is(af::PSEUDO) {
                GraphActionKind::Pseudo
            } else {
                GraphActionKind::Cluster
            }
        } else if act.task == "do_shutdown" || act.task == "clear_failcount" {
            GraphActionKind::Cluster
        } else if act.task == "lrm_delete" {
            cib_only = true;
            GraphActionKind::Cluster
        } else if act.is(af::PSEUDO) {
            if act.task == "maintenance_nodes" {
                needs_maintenance = true;
            }
            needs_node_info = false;
            GraphActionKind::Pseudo
        } else {
            GraphActionKind::Rsc
        };
        let clone_name = act.rsc.and_then(|r| st.rsc(r).clone_name.clone());
        let (key, internal_key) = match &clone_name {
            Some(c) => (self.op_key_for_node(act, c), Some(act.uuid.clone())),
            None => (act.uuid.clone(), None),
        };
        let mut node = None;
        let mut router_node = None;
        if needs_node_info {
            if let Some(n) = act.node {
                let nd = st.node(n);
                node = Some((nd.uname.clone(), nd.id.clone()));
                router_node = self.router_node(act).map(|r| st.node(r).uname.clone());
            }
        }
        let timeout_ms = act
            .meta
            .get("timeout")
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
            + act
                .meta
                .get("start-delay")
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
        let mut g = GraphAction {
            id: act.graph_id(),
            kind,
            task: act.task.clone(),
            key,
            internal_key,
            node,
            router_node,
            rsc: None,
            attributes: BTreeMap::new(),
            downed: Vec::new(),
            maintenance: Vec::new(),
            cib_only,
            shutdown_lock: None,
            timeout_ms,
            interval_ms: act.interval_ms(),
        };
        if skip_details {
            return g;
        }
        if let Some(r) = act.rsc {
            if !act.is(af::PSEUDO) {
                g.rsc = Some(self.graph_rsc(r));
                let res = st.rsc(r);
                if res.lock_node.is_some() && res.lock_node == act.node {
                    let shutting = act.node.is_some_and(|n| st.node(n).shutdown);
                    if !shutting || act.task == "stop" {
                        g.shutdown_lock = res.lock_time;
                    }
                }
            }
        }
        // The node is part of the meta-attributes the agent sees (an input
        // is written without them, so only a synapse's own action needs
        // this copy).
        let mut meta = act.meta.clone();
        if let Some((uname, uuid)) = &g.node {
            meta.insert("on_node".into(), uname.clone());
            meta.insert("on_node_uuid".into(), uuid.clone());
        }
        g.attributes = self.attributes(act, &meta);
        if needs_node_info {
            if let Some(n) = act.node {
                g.downed = self.downed(act, n);
            }
        }
        if needs_maintenance {
            g.maintenance = self
                .set
                .maintenance_nodes
                .iter()
                .map(|&n| (st.node(n).id.clone(), st.node(n).maintenance))
                .collect();
        }
        g
    }

    /// `add_resource_details`.
    fn graph_rsc(&self, r: RscId) -> GraphRsc {
        let res = self.st().rsc(r);
        let (id, long_id) = if res.flags.orphan && res.clone_name.is_some() {
            (
                res.clone_name.clone().unwrap_or_default(),
                Some(res.id.clone()),
            )
        } else if !res.flags.unique {
            let long = match &res.clone_name {
                Some(c) if *c != res.xml_id => c.clone(),
                _ => res.id.clone(),
            };
            (res.xml_id.clone(), Some(long))
        } else {
            (res.id.clone(), None)
        };
        GraphRsc {
            id,
            long_id,
            class: res.meta.get("class").cloned(),
            provider: res.meta.get("provider").cloned(),
            agent: res.meta.get("type").cloned(),
        }
    }

    /// `add_action_attributes`.
    fn attributes(
        &self,
        act: &Action,
        meta: &BTreeMap<String, String>,
    ) -> BTreeMap<String, String> {
        let st = self.st();
        let mut attrs: BTreeMap<String, String> = BTreeMap::new();
        let add = |k: &str, v: &str, attrs: &mut BTreeMap<String, String>| {
            attrs.entry(k.to_string()).or_insert_with(|| v.to_string());
        };
        add("crm_feature_set", FEATURE_SET, &mut attrs);
        for (k, v) in &act.extra {
            add(k, v, &mut attrs);
        }
        if let Some(r) = act.rsc {
            if st.rsc(r).is_primitive() || act.node.is_some() {
                let params = rsc_params(self.set, r, act.node);
                for (k, v) in params.into_iter().flatten() {
                    if !k.starts_with(|c: char| c.is_ascii_digit()) {
                        add(k, v, &mut attrs);
                    }
                }
            }
        }
        for (k, v) in meta {
            if k.contains('#') || k.contains(':') {
                continue;
            }
            add(&meta_name(k), v, &mut attrs);
        }
        if let Some(r) = act.rsc {
            let mut p = Some(r);
            while let Some(x) = p {
                for (k, v) in graph_meta(self.set, x) {
                    add(&k, &v, &mut attrs);
                }
                p = st.rsc(x).parent;
            }
            if let Some(n) = act.node {
                for (k, v) in bundle_meta(self.set, act, n) {
                    add(&k, &v, &mut attrs);
                }
            }
        } else if act.task == "stonith" {
            if let Some(n) = act.node {
                for (k, v) in &st.node(n).attrs {
                    if k.contains('#') || k.contains(':') {
                        continue;
                    }
                    add(&meta_name(k), v, &mut attrs);
                }
            }
        }
        attrs
    }

    /// `add_downed_nodes`.
    fn downed(&self, act: &Action, n: NodeId) -> Vec<String> {
        let st = self.st();
        if act.task.eq_ignore_ascii_case("do_shutdown") {
            return vec![st.node(n).id.clone()];
        }
        if act.task.eq_ignore_ascii_case("stonith") {
            let op = act.meta.get("stonith_action").map_or("", String::as_str);
            if op == "reboot" || op == "off" {
                let mut v = vec![st.node(n).id.clone()];
                for &g in &st.node_order {
                    if !st.is_guest_node(g) {
                        continue;
                    }
                    let host = st
                        .node(g)
                        .remote_rsc
                        .and_then(|c| st.rsc(c).container)
                        .and_then(|c| st.rsc(c).running_on.first().copied());
                    if host == Some(n) {
                        v.push(st.node(g).id.clone());
                    }
                }
                return v;
            }
            return Vec::new();
        }
        if let Some(r) = act.rsc {
            if st.rsc(r).is_remote_node && act.task.eq_ignore_ascii_case("stop") {
                let migrating = act.before.iter().any(|i| {
                    let x = &self.actions[i.action.0];
                    x.rsc
                        .is_some_and(|xr| st.rsc(xr).id.eq_ignore_ascii_case(&st.rsc(r).id))
                        && x.task.eq_ignore_ascii_case("migrate_from")
                });
                if !migrating {
                    return vec![st.rsc(r).id.clone()];
                }
            }
        }
        Vec::new()
    }
}

/// `crm_meta_name`: `CRM_meta_<name>` with `-` as `_`.
pub fn meta_name(k: &str) -> String {
    format!("CRM_meta_{}", k.replace('-', "_"))
}

/// The resource's instance attributes for a node, as the graph lists
/// them (own sets, then parents').
fn rsc_params(
    set: &ActionSet,
    r: RscId,
    node: Option<NodeId>,
) -> Option<&BTreeMap<String, String>> {
    set.params.get(&(r, node)).map(|p| &**p)
}

/// `add_graph_meta` of each resource kind.
fn graph_meta(set: &ActionSet, r: RscId) -> Vec<(String, String)> {
    let st = &set.state;
    let res = st.rsc(r);
    let mut out = Vec::new();
    match &res.kind {
        ResourceKind::Primitive(_) => {
            if let Some(v) = res.meta.get("clone") {
                out.push(("CRM_meta_clone".into(), v.clone()));
            }
            if let Some(v) = res.meta.get("remote-node") {
                out.push(("CRM_meta_remote_node".into(), v.clone()));
            }
            let mut p = Some(r);
            while let Some(x) = p {
                if let Some(c) = st.rsc(x).container {
                    out.push(("CRM_meta_container".into(), st.rsc(c).id.clone()));
                }
                p = st.rsc(x).parent;
            }
            if let Some(v) = res.meta.get("external-ip") {
                out.push(("pcmk_external_ip".into(), v.clone()));
            }
        }
        ResourceKind::Clone(c) => {
            out.push((
                "CRM_meta_globally_unique".into(),
                res.flags.unique.to_string(),
            ));
            out.push(("CRM_meta_notify".into(), res.flags.notify.to_string()));
            out.push(("CRM_meta_clone_max".into(), c.clone_max.to_string()));
            out.push((
                "CRM_meta_clone_node_max".into(),
                c.clone_node_max.to_string(),
            ));
            if res.flags.promotable {
                out.push(("CRM_meta_promoted_max".into(), c.promoted_max.to_string()));
                out.push((
                    "CRM_meta_promoted_node_max".into(),
                    c.promoted_node_max.to_string(),
                ));
                out.push(("CRM_meta_master_max".into(), c.promoted_max.to_string()));
                out.push((
                    "CRM_meta_master_node_max".into(),
                    c.promoted_node_max.to_string(),
                ));
            }
        }
        _ => {}
    }
    out
}

/// `pcmk__add_bundle_meta_to_xml`: where a guest node's action really runs.
fn bundle_meta(set: &ActionSet, act: &Action, n: NodeId) -> Vec<(String, String)> {
    let st = &set.state;
    if !st.is_guest_node(n) {
        return Vec::new();
    }
    let Some(container) = st.node(n).remote_rsc.and_then(|c| st.rsc(c).container) else {
        return Vec::new();
    };
    let mut task = act.task.as_str();
    if task == "notify" || task == "notified" {
        task = act.meta.get("notify_operation").map_or("", String::as_str);
    }
    let host = match task {
        "stop" | "stopped" | "demote" | "demoted" => st.rsc(container).running_on.first().copied(),
        "start" | "running" | "monitor" | "promote" | "promoted" => set.allocated[container.0],
        _ => None,
    };
    let Some(h) = host else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(r) = act.rsc {
        if let Some(t) = st.rsc(r).meta.get("container-attribute-target") {
            out.push(("CRM_meta_container_attribute_target".into(), t.clone()));
        }
    }
    out.push(("CRM_meta_physical_host".into(), st.node(h).uname.clone()));
    out
}

fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\n' => o.push_str("&#10;"),
            '\r' => o.push_str("&#13;"),
            '\t' => o.push_str("&#9;"),
            c => o.push(c),
        }
    }
    o
}

impl Graph {
    /// The graph as Pacemaker writes it (`crm_simulate -G`).
    pub fn to_xml(&self) -> String {
        let mut s = String::new();
        s.push_str(&format!(
            "<transition_graph cluster-delay=\"{}\" stonith-timeout=\"{}\" failed-stop-offset=\"{}\" failed-start-offset=\"{}\" batch-limit=\"{}\" transition_id=\"{}\"",
            escape(&self.cluster_delay),
            escape(&self.stonith_timeout),
            self.failed_stop_offset,
            self.failed_start_offset,
            escape(&self.batch_limit),
            self.transition_id
        ));
        if let Some(m) = &self.migration_limit {
            s.push_str(&format!(" migration-limit=\"{}\"", escape(m)));
        }
        if let Some(r) = self.recheck_by {
            s.push_str(&format!(" recheck-by=\"{r}\""));
        }
        if self.synapses.is_empty() {
            s.push_str("/>\n");
            return s;
        }
        s.push_str(">\n");
        for syn in &self.synapses {
            if syn.priority > 0 {
                s.push_str(&format!(
                    "  <synapse id=\"{}\" priority=\"{}\">\n",
                    syn.id, syn.priority
                ));
            } else {
                s.push_str(&format!("  <synapse id=\"{}\">\n", syn.id));
            }
            s.push_str("    <action_set>\n");
            write_action(&mut s, &syn.action, 6, false);
            s.push_str("    </action_set>\n");
            if syn.inputs.is_empty() {
                s.push_str("    <inputs/>\n");
            } else {
                s.push_str("    <inputs>\n");
                for i in &syn.inputs {
                    s.push_str("      <trigger>\n");
                    write_action(&mut s, i, 8, true);
                    s.push_str("      </trigger>\n");
                }
                s.push_str("    </inputs>\n");
            }
            s.push_str("  </synapse>\n");
        }
        s.push_str("</transition_graph>\n");
        s
    }
}

fn write_action(s: &mut String, a: &GraphAction, indent: usize, brief: bool) {
    let pad = " ".repeat(indent);
    let tag = match a.kind {
        GraphActionKind::Rsc => "rsc_op",
        GraphActionKind::Pseudo => "pseudo_event",
        GraphActionKind::Cluster => "crm_event",
    };
    s.push_str(&format!("{pad}<{tag} id=\"{}\"", a.id));
    if a.cib_only {
        s.push_str(" mode=\"cib\"");
    }
    s.push_str(&format!(
        " operation=\"{}\" operation_key=\"{}\"",
        escape(&a.task),
        escape(&a.key)
    ));
    if let Some(k) = &a.internal_key {
        s.push_str(&format!(" internal_operation_key=\"{}\"", escape(k)));
    }
    if let Some((uname, uuid)) = &a.node {
        s.push_str(&format!(
            " on_node=\"{}\" on_node_uuid=\"{}\"",
            escape(uname),
            escape(uuid)
        ));
    }
    if let Some(r) = &a.router_node {
        s.push_str(&format!(" router_node=\"{}\"", escape(r)));
    }
    if brief {
        s.push_str("/>\n");
        return;
    }
    if let Some(l) = a.shutdown_lock {
        s.push_str(&format!(" shutdown-lock=\"{l}\""));
    }
    s.push_str(">\n");
    let inner = " ".repeat(indent + 2);
    if let Some(r) = &a.rsc {
        s.push_str(&format!("{inner}<primitive id=\"{}\"", escape(&r.id)));
        if let Some(l) = &r.long_id {
            s.push_str(&format!(" long-id=\"{}\"", escape(l)));
        }
        for (k, v) in [
            ("class", &r.class),
            ("provider", &r.provider),
            ("type", &r.agent),
        ] {
            if let Some(v) = v {
                s.push_str(&format!(" {k}=\"{}\"", escape(v)));
            }
        }
        s.push_str("/>\n");
    }
    s.push_str(&format!("{inner}<attributes"));
    for (k, v) in &a.attributes {
        s.push_str(&format!(" {k}=\"{}\"", escape(v)));
    }
    s.push_str("/>\n");
    if !a.downed.is_empty() {
        s.push_str(&format!("{inner}<downed>\n"));
        for d in &a.downed {
            s.push_str(&format!("{inner}  <node id=\"{}\"/>\n", escape(d)));
        }
        s.push_str(&format!("{inner}</downed>\n"));
    }
    if !a.maintenance.is_empty() {
        s.push_str(&format!("{inner}<maintenance>\n"));
        for (id, m) in &a.maintenance {
            s.push_str(&format!(
                "{inner}  <node id=\"{}\" node_in_maintenance=\"{}\"/>\n",
                escape(id),
                if *m { "1" } else { "0" }
            ));
        }
        s.push_str(&format!("{inner}</maintenance>\n"));
    }
    let tag_close = match a.kind {
        GraphActionKind::Rsc => "rsc_op",
        GraphActionKind::Pseudo => "pseudo_event",
        GraphActionKind::Cluster => "crm_event",
    };
    s.push_str(&format!("{pad}</{tag_close}>\n"));
}
