//! The simulated execution of a transition graph, as `crm_simulate -S`
//! does it (`pcmk__execute_graph` of `pcmk_graph_consumer.c` with the
//! callbacks of `pcmk_simulate.c`): every action succeeds at once, in the
//! order a controller would start them, and each result is written into
//! the status section as the executor would record it
//! (`pcmk_injections.c`). The CIB that results gives the "Revised Cluster
//! Status".
//!
//! **Architecture Invariant:** pure: the caller passes "now" (used for the
//! recorded run times), and gets text and a new CIB back.

use std::collections::{HashMap, HashSet};

use cib::{Cib, LrmResource, LrmRscOp, NodeState};

use crate::graph::{Graph, GraphAction, GraphActionKind};
use crate::state::ClusterState;

/// What a simulated execution produced.
#[derive(Clone, Debug)]
pub struct Execution {
    /// The "Executing Cluster Transition" lines, in completion order,
    /// without the list indentation.
    pub lines: Vec<String>,
    /// Graph action ids in the order they completed.
    pub completed: Vec<usize>,
    /// The CIB with every result recorded.
    pub cib: Cib,
    /// Whether every synapse could run.
    pub complete: bool,
}

/// Runs `graph` against `cib`; `state` is the cluster state the graph was
/// computed from (for the resource names the executor would report).
pub fn simulate(cib: &Cib, state: &ClusterState, graph: &Graph, now: i64) -> Execution {
    let mut known = HashSet::new();
    for r in &state.resources {
        known.insert(r.id.as_str());
        if let Some(c) = &r.clone_name {
            known.insert(c.as_str());
        }
    }
    let mut ex = Executor {
        cib: cib.clone(),
        known,
        now,
        lines: Vec::new(),
        completed: Vec::new(),
        lrm_ix: HashMap::new(),
    };
    let mut confirmed: HashSet<usize> = HashSet::new();
    let mut fired = vec![false; graph.synapses.len()];
    loop {
        let mut any = false;
        for (i, syn) in graph.synapses.iter().enumerate() {
            if fired[i] {
                continue;
            }
            if !syn.inputs.iter().all(|inp| confirmed.contains(&inp.id)) {
                continue;
            }
            fired[i] = true;
            any = true;
            ex.run(&syn.action);
            confirmed.insert(syn.action.id);
            ex.completed.push(syn.action.id);
        }
        if !any {
            break;
        }
    }
    Execution {
        lines: ex.lines,
        completed: ex.completed,
        complete: fired.iter().all(|f| *f),
        cib: ex.cib,
    }
}

struct Executor<'a> {
    cib: Cib,
    /// `pe_find_resource` (with renamed names): the ids and history names
    /// of the state's resources.
    known: HashSet<&'a str>,
    now: i64,
    lines: Vec<String>,
    completed: Vec<usize>,
    /// Per node state (by position): where each resource's history entries
    /// are, so that recording a result does not scan the node's whole
    /// history. Built on first use; dropped when a fencing clears a history.
    lrm_ix: HashMap<usize, HistoryIndex>,
}

impl Executor<'_> {
    fn run(&mut self, a: &GraphAction) {
        match a.kind {
            GraphActionKind::Pseudo => {
                let line = match &a.node {
                    Some((n, _)) => format!("Pseudo action:   {} on {n}", a.key),
                    None => format!("Pseudo action:   {}", a.key),
                };
                self.lines.push(line);
            }
            GraphActionKind::Rsc => self.resource_action(a),
            GraphActionKind::Cluster if a.task.eq_ignore_ascii_case("stonith") => self.fence(a),
            GraphActionKind::Cluster => {
                let node = a.node.as_ref().map_or("", |n| n.0.as_str());
                let line = match &a.rsc {
                    Some(r) => format!("Cluster action:  {} for {} on {node}", a.task, r.id),
                    None => format!("Cluster action:  {} on {node}", a.task),
                };
                self.lines.push(line);
            }
        }
    }

    fn meta(a: &GraphAction, name: &str) -> Option<String> {
        a.attributes.get(&format!("CRM_meta_{name}")).cloned()
    }

    /// `simulate_fencing_action`.
    fn fence(&mut self, a: &GraphAction) {
        let target = a.node.as_ref().map_or(String::new(), |n| n.0.clone());
        let op = Self::meta(a, "stonith_action").unwrap_or_default();
        self.lines.push(format!("Fencing {target} ({op})"));
        if op.eq_ignore_ascii_case("on") {
            return;
        }
        let ns = self.node_state(&target, None);
        ns.in_ccm = Some("false".into());
        ns.crmd = Some("offline".into());
        ns.join = Some("down".into());
        ns.expected = Some("down".into());
        ns.crm_debug_origin = Some("simulate_fencing_action".into());
        ns.lrm = None;
        ns.transient_attributes = None;
        self.lrm_ix.clear();
    }

    /// `pcmk__inject_node`: the node's state entry, created when missing.
    fn node_state(&mut self, uname: &str, uuid: Option<&str>) -> &mut NodeState {
        let idx = self.node_state_index(uname, uuid);
        &mut self.cib.status.node_states[idx]
    }

    /// The position of [`Self::node_state`]'s entry.
    fn node_state_index(&mut self, uname: &str, uuid: Option<&str>) -> usize {
        let pos = self
            .cib
            .status
            .node_states
            .iter()
            .position(|ns| ns.uname.as_deref() == Some(uname));
        let idx = match pos {
            Some(i) => i,
            None => {
                let id = uuid
                    .map(str::to_string)
                    .or_else(|| {
                        self.cib
                            .configuration
                            .nodes
                            .iter()
                            .find(|n| n.uname == uname)
                            .map(|n| n.id.clone())
                    })
                    .unwrap_or_else(|| uname.to_string());
                self.cib.status.node_states.push(NodeState {
                    id,
                    uname: Some(uname.to_string()),
                    ..Default::default()
                });
                self.cib.status.node_states.len() - 1
            }
        };
        idx
    }

    /// `simulate_resource_action`.
    fn resource_action(&mut self, a: &GraphAction) {
        let node = a.node.as_ref().map_or(String::new(), |n| n.0.clone());
        if a.task == "probe_again" {
            return;
        }
        let Some(rsc) = &a.rsc else {
            return;
        };
        let config_name = rsc.id.clone();
        let mut resource = config_name.clone();
        if !self.known.contains(resource.as_str()) {
            if let Some(long) = &rsc.long_id {
                if self.known.contains(long.as_str()) {
                    resource = long.clone();
                }
            }
        }
        if a.task == "delete" || a.task == "meta-data" {
            self.lines.push(format!(
                "Resource action: {resource:<15} {} on {node}",
                a.task
            ));
            return;
        }
        let target_rc: i64 = Self::meta(a, "op_target_rc")
            .map(|v| crate::util::parse_int(Some(&v), 0))
            .unwrap_or(0);
        let uuid = match &a.router_node {
            Some(_) => node.clone(),
            None => a.node.as_ref().map_or(node.clone(), |n| n.1.clone()),
        };
        let interval_ms = a.interval_ms;
        let line = if interval_ms > 0 {
            format!(
                "Resource action: {resource:<15} {}={interval_ms} on {node}",
                a.task
            )
        } else {
            format!("Resource action: {resource:<15} {} on {node}", a.task)
        };
        self.lines.push(line);
        let now = self.now;
        let ns_idx = self.node_state_index(&node, Some(&uuid));
        let ns = &mut self.cib.status.node_states[ns_idx];
        let ix = self.lrm_ix.entry(ns_idx).or_default();
        let entry = history_entry_indexed(ns, &uuid, &resource, rsc, ix);
        let call_id = next_call_id(entry);
        record_result(entry, a, &config_name, call_id, target_rc, now);
    }
}

/// The `<lrm_resource>` entry of a node's history that results of `rsc`
/// go in (created when missing). `name` is the name the node's executor
/// knows the resource by: `rsc.id`, or for an anonymous clone instance
/// recorded under its instance name, that name. Pacemaker looks the entry
/// up by XPath, which finds nothing when a node has several entries for the
/// resource: then a new one is added.
pub fn history_entry<'a>(
    ns: &'a mut NodeState,
    node_uuid: &str,
    name: &str,
    rsc: &crate::graph::GraphRsc,
) -> &'a mut LrmResource {
    history_entry_indexed(ns, node_uuid, name, rsc, &mut HistoryIndex::default())
}

/// Where each resource's entries are in one node's history (built from the
/// history on first use, then kept current by [`history_entry_indexed`]).
#[derive(Debug, Default)]
pub struct HistoryIndex(Option<HashMap<String, Vec<usize>>>);

/// [`history_entry`] with an index that callers recording many results on
/// the same node keep between calls (the node's history must not change
/// in between other than through this function).
pub fn history_entry_indexed<'a>(
    ns: &'a mut NodeState,
    node_uuid: &str,
    name: &str,
    rsc: &crate::graph::GraphRsc,
    index: &mut HistoryIndex,
) -> &'a mut LrmResource {
    let lrm = ns.lrm.get_or_insert_with(|| cib::Lrm {
        id: Some(node_uuid.to_string()),
        ..Default::default()
    });
    let resources = lrm.lrm_resources.get_or_insert_with(Default::default);
    let ix = index.0.get_or_insert_with(|| {
        let mut ix: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, r) in resources.resources.iter().enumerate() {
            ix.entry(r.id.clone()).or_default().push(i);
        }
        ix
    });
    let unique = |id: &str| match ix.get(id).map(Vec::as_slice) {
        Some([i]) => Some(*i),
        _ => None,
    };
    let pos = unique(name).or_else(|| {
        if name != rsc.id {
            unique(&rsc.id)
        } else {
            None
        }
    });
    let idx = match pos {
        Some(i) => i,
        None => {
            resources.resources.push(LrmResource {
                id: rsc.id.clone(),
                class: rsc.class.clone(),
                provider: rsc.provider.clone(),
                type_: rsc.agent.clone(),
                ..Default::default()
            });
            let i = resources.resources.len() - 1;
            ix.entry(rsc.id.clone()).or_default().push(i);
            i
        }
    };
    &mut resources.resources[idx]
}

/// The call id the next operation recorded in `entry` gets when the
/// executor gives none (one more than the highest recorded).
pub fn next_call_id(entry: &LrmResource) -> i64 {
    entry
        .ops
        .iter()
        .filter_map(|o| o.call_id)
        .max()
        .unwrap_or(0)
        .max(0)
        + 1
}

/// Files one operation record in a resource's history the way
/// `pcmk__create_history_xml` does: it replaces the record with the same
/// id; a failed one-time operation (`…_last_failure_0`) is also written as
/// `…_last_0`, so that the last operation is always there.
pub fn file_op(entry: &mut LrmResource, op: LrmRscOp) {
    if op.id.ends_with("_last_failure_0") && op.interval.unwrap_or(0) == 0 {
        let mut last = op.clone();
        last.id = format!("{}_last_0", entry.id);
        put_op(entry, last);
    }
    put_op(entry, op);
}

fn put_op(entry: &mut LrmResource, op: LrmRscOp) {
    match entry.ops.iter_mut().find(|o| o.id == op.id) {
        Some(o) => *o = op,
        None => entry.ops.push(op),
    }
}

/// `pcmk__create_history_xml` for a simulated success: updates (or adds)
/// the history entry the result belongs in.
fn record_result(
    entry: &mut LrmResource,
    a: &GraphAction,
    rsc_id: &str,
    call_id: i64,
    target_rc: i64,
    now: i64,
) {
    let mut task = a.task.as_str();
    if task == "reload" || task == "reload-agent" {
        task = "start";
    }
    let interval_ms = a.interval_ms;
    let key = crate::util::op_key(rsc_id, task, interval_ms);
    let op_id = if task == "notify" {
        let t = Executor::meta(a, "notify_type").unwrap_or_default();
        let o = Executor::meta(a, "notify_operation").unwrap_or_default();
        format!("{rsc_id}_{t}_notify_{o}_0")
    } else if task == "migrate_to" || task == "migrate_from" || interval_ms > 0 {
        key.clone()
    } else {
        format!("{rsc_id}_last_0")
    };
    let rc = if task == "notify" { 0 } else { target_rc };
    let transition_key = format!("{call_id}:-1:{target_rc}:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
    let pos = entry.ops.iter().position(|o| o.id == op_id);
    let op = match pos {
        Some(i) => &mut entry.ops[i],
        None => {
            // Most entries get one result: room for exactly one instead of
            // the four a first push makes room for (a large struct, one
            // entry per probe).
            entry.ops.reserve_exact(1);
            entry.ops.push(LrmRscOp {
                id: op_id.clone(),
                ..Default::default()
            });
            let last = entry.ops.len() - 1;
            &mut entry.ops[last]
        }
    };
    op.operation_key = Some(key);
    op.operation = task.to_string();
    op.crm_debug_origin = Some("crm_simulate".into());
    op.crm_feature_set = Some(crate::graph::FEATURE_SET.into());
    op.transition_key = Some(transition_key.clone());
    op.transition_magic = Some(format!("0:{rc};{transition_key}"));
    op.exit_reason = Some(String::new());
    op.call_id = Some(call_id);
    op.rc_code = Some(rc);
    op.op_status = Some(0);
    op.interval = Some(interval_ms as i64);
    op.last_rc_change = Some(now);
    op.last_run = None;
    op.exec_time = Some(0);
    op.queue_time = Some(0);
    if task == "migrate_to" || task == "migrate_from" {
        op.migrate_source = Executor::meta(a, "migrate_source");
        op.migrate_target = Executor::meta(a, "migrate_target");
    }
}
