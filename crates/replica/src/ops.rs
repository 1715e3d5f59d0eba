//! CIB versions and the changes replicated between nodes.
//!
//! Every change is a [`CibOp`] applied by every member at the same point of
//! the agreed message order, so applying must be deterministic: the same CIB
//! text and the same op give the same new text on every node (no clock, no
//! randomness, no node-local state).
//!
//! Versions follow Pacemaker: a configuration change bumps `epoch` and
//! resets `num_updates`; a status-only change bumps `num_updates`;
//! `admin_epoch` changes only when an administrator's CIB carries a higher one.

use std::cmp::Ordering;
use std::fmt;

use cib::{Cib, Extra, Node, NodeState, NvPair, NvSet, TransientAttributes, Typed};
use cluster::{ClusterConfig, NodeId};
use serde::{Deserialize, Serialize};

/// `admin_epoch.epoch.num_updates`, compared in that order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Version {
    pub admin_epoch: i64,
    pub epoch: i64,
    pub num_updates: i64,
}

impl Version {
    pub fn of(cib: &Cib) -> Self {
        Version {
            admin_epoch: cib.admin_epoch,
            epoch: cib.epoch,
            num_updates: cib.num_updates,
        }
    }
}

impl Ord for Version {
    fn cmp(&self, o: &Self) -> Ordering {
        (self.admin_epoch, self.epoch, self.num_updates).cmp(&(
            o.admin_epoch,
            o.epoch,
            o.num_updates,
        ))
    }
}
impl PartialOrd for Version {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{}.{}",
            self.admin_epoch, self.epoch, self.num_updates
        )
    }
}

/// Where a node attribute lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AttrScope {
    /// Status section (`transient_attributes`): gone when the node leaves.
    Transient,
    /// Configuration (`<node>`'s `instance_attributes`): kept.
    Permanent,
}

/// One replicated change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CibOp {
    /// Replace the configuration with the one in `cib_xml` (a whole `<cib>`),
    /// keeping the status. With `base`, only if the CIB is still at that
    /// version (so a concurrent change is not overwritten unseen).
    ReplaceConfiguration {
        cib_xml: String,
        base: Option<Version>,
    },
    /// Set (`Some`) or delete (`None`) attributes of the node named `node`.
    SetAttributes {
        node: String,
        scope: AttrScope,
        attrs: Vec<(String, Option<String>)>,
    },
    /// Replace one node's `<node_state>` in the status section.
    ReplaceNodeState { node_state_xml: String },
    /// Write operation history into the node named `node`: `node_state_xml`
    /// is a `<node_state>` whose `<lrm>` holds the entries. With `replace`,
    /// the node's whole `<lrm>` becomes this one (a node writes its own
    /// history this way; it is the authority on it, as in Pacemaker's join);
    /// without, each entry is merged in by resource id and operation id (the
    /// DC records an action that timed out this way). A replacing write
    /// whose `<lrm>` carries a [`HISTORY_STAMP`] older than the one in the
    /// CIB (same run, lower number) is ignored.
    WriteHistory {
        node: String,
        node_state_xml: String,
        replace: bool,
    },
    /// The node named `node` was fenced: its history and transient
    /// attributes are gone and it is expected down (Pacemaker's
    /// `send_stonith_update`). Nothing changes if the status already shows
    /// the node back in the membership.
    NodeFenced { node: String },
    /// The node named `node` is leaving cleanly (the DC's `do_shutdown`):
    /// it is expected down, so its departure is not a failure.
    NodeLeaving { node: String },
}

impl CibOp {
    /// A short description for logs.
    pub fn describe(&self) -> String {
        match self {
            CibOp::ReplaceConfiguration { base, .. } => match base {
                Some(b) => format!("replace configuration (base {b})"),
                None => "replace configuration".into(),
            },
            CibOp::SetAttributes { node, scope, attrs } => {
                let names: Vec<&str> = attrs.iter().map(|(n, _)| n.as_str()).collect();
                format!("set {scope:?} attributes {} of {node}", names.join(","))
            }
            CibOp::ReplaceNodeState { .. } => "replace node_state".into(),
            CibOp::WriteHistory { node, replace, .. } => {
                format!("write history of {node} (replace: {replace})")
            }
            CibOp::NodeFenced { node } => format!("record that {node} was fenced"),
            CibOp::NodeLeaving { node } => format!("record that {node} is leaving"),
        }
    }
}

/// Why a change was not applied. Decided identically on every node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Refusal {
    /// The partition has no quorum: changes are frozen.
    NoQuorum,
    /// The node is joining or re-syncing and gave up retrying; try again.
    Busy,
    /// The change itself is invalid.
    Invalid(String),
    /// `base` did not match: someone else changed the CIB first.
    Conflict { base: Version, current: Version },
    /// Too many changes are waiting on this node.
    QueueFull,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NoQuorum => write!(f, "the cluster partition of this node has no quorum, so the CIB is read-only; restore connectivity or start more nodes"),
            Refusal::Busy => write!(f, "the node is (re)joining the cluster and syncing its CIB; try again in a moment"),
            Refusal::Invalid(why) => write!(f, "{why}"),
            Refusal::Conflict { base, current } => write!(f, "the CIB changed meanwhile (your change was made against version {base}, it is now {current}); reload and redo the change"),
            Refusal::QueueFull => write!(f, "too many changes are waiting on this node; retry later"),
        }
    }
}

/// What applying changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Changed {
    pub configuration: bool,
    pub status: bool,
}

impl Changed {
    pub fn any(self) -> bool {
        self.configuration || self.status
    }
    /// Bumps the version the way Pacemaker does.
    pub fn bump(self, cib: &mut Cib) {
        if self.configuration {
            cib.epoch += 1;
            cib.num_updates = 0;
        } else if self.status {
            cib.num_updates += 1;
        }
    }
}

/// Applies `op` to `cib` (which is left unchanged on refusal) and bumps the
/// version.
pub fn apply(cib: &mut Cib, op: &CibOp, cluster: &ClusterConfig) -> Result<Changed, Refusal> {
    let changed = match op {
        CibOp::ReplaceConfiguration { cib_xml, base } => {
            let current = Version::of(cib);
            if let Some(b) = base {
                if *b != current {
                    return Err(Refusal::Conflict { base: *b, current });
                }
            }
            let new = Cib::from_xml(cib_xml)
                .map_err(|e| Refusal::Invalid(format!("the new CIB is invalid: {e}")))?;
            if new.configuration == cib.configuration && new.admin_epoch <= cib.admin_epoch {
                return Ok(Changed::default());
            }
            cib.configuration = new.configuration;
            if new.admin_epoch > cib.admin_epoch {
                cib.admin_epoch = new.admin_epoch;
            }
            Changed {
                configuration: true,
                status: false,
            }
        }
        CibOp::SetAttributes { node, scope, attrs } => {
            let id = node_id_for(cib, cluster, node).ok_or_else(|| {
                Refusal::Invalid(format!(
                    "no node named {node:?} in the cluster (corosync.conf nodelist)"
                ))
            })?;
            for (name, _) in attrs {
                if name.is_empty() || name.chars().any(|c| c.is_control() || c == '"' || c == '<') {
                    return Err(Refusal::Invalid(format!(
                        "attribute name {name:?} is not valid"
                    )));
                }
            }
            match scope {
                AttrScope::Permanent => {
                    let n = ensure_config_node(cib, &id, node);
                    let set = ensure_set(&mut n.instance_attributes, &format!("nodes-{id}"));
                    let c = set_pairs(set, &format!("nodes-{id}"), attrs);
                    Changed {
                        configuration: c,
                        status: false,
                    }
                }
                AttrScope::Transient => {
                    let ns = ensure_node_state(cib, &id, node);
                    let ta = ns
                        .transient_attributes
                        .get_or_insert_with(|| TransientAttributes {
                            id: Some(id.clone()),
                            ..Default::default()
                        });
                    let set = ensure_set(&mut ta.instance_attributes, &format!("status-{id}"));
                    let c = set_pairs(set, &format!("status-{id}"), attrs);
                    Changed {
                        configuration: false,
                        status: c,
                    }
                }
            }
        }
        CibOp::WriteHistory {
            node,
            node_state_xml,
            replace,
        } => {
            let id = node_id_for(cib, cluster, node).ok_or_else(|| {
                Refusal::Invalid(format!(
                    "no node named {node:?} in the cluster (corosync.conf nodelist)"
                ))
            })?;
            let new = parse_node_state(node_state_xml)?;
            let ns = ensure_node_state(cib, &id, node);
            let before = ns.clone();
            match (new.lrm, *replace) {
                (lrm, true) => {
                    // Messages of one sender may be ordered out of the
                    // order they were sent in: an older write of the same
                    // run of the node must not undo a newer one.
                    let stamp = |l: Option<&cib::Lrm>| {
                        l.and_then(|l| l.extra.attr(HISTORY_STAMP)).and_then(|v| {
                            let (run, seq) = v.split_once(':')?;
                            Some((run.to_string(), seq.parse::<u64>().ok()?))
                        })
                    };
                    let stale = match (stamp(ns.lrm.as_ref()), stamp(lrm.as_ref())) {
                        (Some((old_run, old_seq)), Some((run, seq))) => {
                            old_run == run && old_seq >= seq
                        }
                        _ => false,
                    };
                    if !stale {
                        ns.lrm = lrm;
                    }
                }
                (None, false) => {}
                (Some(lrm), false) => {
                    let have = ns.lrm.get_or_insert_with(|| cib::Lrm {
                        id: Some(id.clone()),
                        ..Default::default()
                    });
                    let have = have.lrm_resources.get_or_insert_with(Default::default);
                    for r in lrm.lrm_resources.map(|l| l.resources).unwrap_or_default() {
                        match have.resources.iter_mut().find(|h| h.id == r.id) {
                            None => have.resources.push(r),
                            Some(h) => {
                                for op in r.ops {
                                    match h.ops.iter_mut().find(|o| o.id == op.id) {
                                        Some(o) => *o = op,
                                        None => h.ops.push(op),
                                    }
                                }
                            }
                        }
                    }
                }
            }
            Changed {
                configuration: false,
                status: *ns != before,
            }
        }
        CibOp::NodeFenced { node } => {
            let id = node_id_for(cib, cluster, node).ok_or_else(|| {
                Refusal::Invalid(format!(
                    "no node named {node:?} in the cluster (corosync.conf nodelist)"
                ))
            })?;
            let ns = ensure_node_state(cib, &id, node);
            if ns.in_ccm() {
                // Back in the membership already (fenced, rebooted and
                // rejoined before this was applied): what it writes itself
                // is the truth now.
                return Ok(Changed::default());
            }
            let before = ns.clone();
            ns.in_ccm = Some("false".into());
            ns.crmd = Some("offline".into());
            ns.join = Some("down".into());
            ns.expected = Some("down".into());
            ns.lrm = None;
            ns.transient_attributes = None;
            Changed {
                configuration: false,
                status: *ns != before,
            }
        }
        CibOp::NodeLeaving { node } => {
            let id = node_id_for(cib, cluster, node).ok_or_else(|| {
                Refusal::Invalid(format!(
                    "no node named {node:?} in the cluster (corosync.conf nodelist)"
                ))
            })?;
            let ns = ensure_node_state(cib, &id, node);
            let before = ns.clone();
            ns.expected = Some("down".into());
            Changed {
                configuration: false,
                status: *ns != before,
            }
        }
        CibOp::ReplaceNodeState { node_state_xml } => {
            let ns = parse_node_state(node_state_xml)?;
            match cib.status.node_states.iter_mut().find(|n| n.id == ns.id) {
                Some(old) if *old == ns => Changed::default(),
                Some(old) => {
                    *old = ns;
                    Changed {
                        configuration: false,
                        status: true,
                    }
                }
                None => {
                    cib.status.node_states.push(ns);
                    Changed {
                        configuration: false,
                        status: true,
                    }
                }
            }
        }
    };
    changed.bump(cib);
    Ok(changed)
}

/// The attribute of `<lrm>` a node's history write carries: `RUN:SEQ`, the
/// writer's run (incarnation) and the write's number in that run.
pub const HISTORY_STAMP: &str = "pacer-history";

/// Reads one `<node_state>` element.
fn parse_node_state(node_state_xml: &str) -> Result<NodeState, Refusal> {
    let wrapped = format!("<cib><configuration><crm_config/><nodes/><resources/><constraints/></configuration><status>{node_state_xml}</status></cib>");
    let (parsed, _) = Cib::from_xml_lenient(&wrapped)
        .map_err(|e| Refusal::Invalid(format!("the node_state is invalid: {e}")))?;
    let [ns] = <[NodeState; 1]>::try_from(parsed.status.node_states)
        .map_err(|_| Refusal::Invalid("expected exactly one <node_state>".into()))?;
    Ok(ns)
}

fn node_id_for(cib: &Cib, cluster: &ClusterConfig, uname: &str) -> Option<String> {
    if let Some(id) = cluster.id_of(uname) {
        return Some(id.to_string());
    }
    cib.node_by_uname(uname).map(|n| n.id.clone())
}

fn ensure_config_node<'a>(cib: &'a mut Cib, id: &str, uname: &str) -> &'a mut Node {
    let nodes = &mut cib.configuration.nodes;
    let i = match nodes.iter().position(|n| n.id == id) {
        Some(i) => i,
        None => {
            nodes.push(Node {
                id: id.to_string(),
                uname: uname.to_string(),
                ..Default::default()
            });
            nodes.len() - 1
        }
    };
    &mut nodes[i]
}

fn ensure_node_state<'a>(cib: &'a mut Cib, id: &str, uname: &str) -> &'a mut NodeState {
    let states = &mut cib.status.node_states;
    let i = match states.iter().position(|n| n.id == id) {
        Some(i) => i,
        None => {
            states.push(NodeState {
                id: id.to_string(),
                uname: Some(uname.to_string()),
                ..Default::default()
            });
            states.len() - 1
        }
    };
    &mut states[i]
}

fn ensure_set<'a>(sets: &'a mut Vec<NvSet>, id: &str) -> &'a mut NvSet {
    let i = match sets.iter().position(|s| s.id.as_deref() == Some(id)) {
        Some(i) => i,
        None => {
            sets.push(NvSet {
                id: Some(id.to_string()),
                ..Default::default()
            });
            sets.len() - 1
        }
    };
    &mut sets[i]
}

/// Sets or deletes pairs; true if anything changed.
fn set_pairs(set: &mut NvSet, prefix: &str, attrs: &[(String, Option<String>)]) -> bool {
    let mut changed = false;
    for (name, value) in attrs {
        let pos = set.nvpairs.iter().position(|p| &p.name == name);
        match (pos, value) {
            (Some(i), Some(v)) => {
                let v = expand_value(v, set.nvpairs[i].value.as_deref());
                if set.nvpairs[i].value.as_deref() != Some(v.as_str()) {
                    set.nvpairs[i].value = Some(v);
                    changed = true;
                }
            }
            (None, Some(v)) => {
                set.nvpairs.push(NvPair {
                    id: Some(format!("{prefix}-{name}")),
                    id_ref: None,
                    name: name.clone(),
                    value: Some(expand_value(v, None)),
                    extra: Extra::default(),
                });
                changed = true;
            }
            (Some(i), None) => {
                set.nvpairs.remove(i);
                changed = true;
            }
            (None, None) => {}
        }
    }
    changed
}

/// attrd's value expansion: `value++` adds one to the current value and
/// `value+=N` adds `N` (score arithmetic, so INFINITY stays INFINITY; a
/// missing or non-numeric current value counts as 0). Applied at delivery,
/// so concurrent increments (fail counts) all count.
pub fn expand_value(new: &str, old: Option<&str>) -> String {
    let Some(rest) = new.strip_prefix("value") else {
        return new.to_string();
    };
    let add = if rest == "++" {
        cib::Score::from_i64(1)
    } else if let Some(n) = rest.strip_prefix("+=") {
        match cib::Score::parse(n) {
            Ok(s) => s,
            Err(_) => return new.to_string(),
        }
    } else {
        return new.to_string();
    };
    let cur = old
        .and_then(|o| cib::Score::parse(o).ok())
        .unwrap_or(cib::Score::from_i64(0));
    (cur + add).to_string()
}

/// Writes what the agreed membership says into the CIB: every configured
/// node in `<nodes>`, each node's `node_state` (in_ccm, crmd, join), no
/// transient attributes for nodes that are gone, `have-quorum` and
/// `dc-uuid`. Run by every member at the end of a sync, so deterministic.
pub fn apply_membership(
    cib: &mut Cib,
    cluster: &ClusterConfig,
    members: &[NodeId],
    dc: Option<NodeId>,
    quorate: bool,
) -> Changed {
    let mut changed = Changed::default();
    for n in &cluster.nodes {
        let id = n.id.to_string();
        if !cib.configuration.nodes.iter().any(|c| c.id == id) {
            ensure_config_node(cib, &id, &n.name);
            changed.configuration = true;
        }
        let member = members.contains(&n.id);
        let ns = ensure_node_state(cib, &id, &n.name);
        let before = ns.clone();
        let flag = |b: bool, yes: &str, no: &str| Some(if b { yes } else { no }.to_string());
        ns.uname.get_or_insert_with(|| n.name.clone());
        ns.in_ccm = flag(member, "true", "false");
        ns.crmd = flag(member, "online", "offline");
        ns.join = flag(member, "member", "down");
        // A member is expected up (the DC's join does this in Pacemaker);
        // a node that leaves keeps its expectation, so one that was fenced
        // stays "down" and one that was lost stays "member" (unclean).
        // A member shutting down stays expected down (`NodeLeaving`).
        let leaving = member
            && ns.expected.as_deref() == Some("down")
            && ns
                .transient_attributes
                .iter()
                .flat_map(|t| t.instance_attributes.iter())
                .flat_map(|s| s.nvpairs.iter())
                .any(|p| p.name == "shutdown" && p.value.as_deref().is_some_and(|v| v != "0"));
        if (member && !leaving) || ns.expected.is_none() {
            ns.expected = Some("member".into());
        }
        if !member {
            ns.transient_attributes = None;
        }
        if *ns != before {
            changed.status = true;
        }
    }
    let q = Some(Typed::new(quorate));
    if cib.have_quorum.as_ref().and_then(|t| t.get()) != Some(quorate) {
        cib.have_quorum = q;
        changed.status = true;
    }
    let dc_uuid = dc.map(|d| d.to_string());
    if cib.dc_uuid != dc_uuid {
        cib.dc_uuid = dc_uuid;
        changed.status = true;
    }
    changed.bump(cib);
    changed
}

/// The value of a `crm_config` property (first set that has it).
pub fn cluster_property(cib: &Cib, name: &str) -> Option<String> {
    cib.configuration
        .crm_config
        .iter()
        .flat_map(|s| s.nvpairs.iter())
        .find(|p| p.name == name)
        .and_then(|p| p.value.clone())
}

/// An empty CIB at version 0.0.0, the starting point of a new node.
pub fn empty_cib_xml() -> String {
    let cib = Cib::from_xml(
        r#"<cib admin_epoch="0" epoch="0" num_updates="0" validate-with="pacemaker-3.9" crm_feature_set="3.17.4"><configuration><crm_config/><nodes/><resources/><constraints/></configuration><status/></cib>"#,
    );
    match cib {
        Ok(c) => c.to_xml(),
        Err(_) => String::from("<cib admin_epoch=\"0\" epoch=\"0\" num_updates=\"0\"/>"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cluster::NodeInfo;

    fn cfg() -> ClusterConfig {
        ClusterConfig::new(vec![NodeInfo::new(1, "n1"), NodeInfo::new(2, "n2")])
    }

    fn empty() -> Cib {
        Cib::from_xml(&empty_cib_xml()).expect("empty cib")
    }

    #[test]
    fn versions_follow_pacemaker() {
        let mut c = empty();
        let set = |scope, v: &str| CibOp::SetAttributes {
            node: "n1".into(),
            scope,
            attrs: vec![("a".into(), Some(v.into()))],
        };
        apply(&mut c, &set(AttrScope::Transient, "1"), &cfg()).expect("apply");
        assert_eq!(Version::of(&c).to_string(), "0.0.1");
        apply(&mut c, &set(AttrScope::Permanent, "1"), &cfg()).expect("apply");
        assert_eq!(Version::of(&c).to_string(), "0.1.0");
        // No change, no bump.
        apply(&mut c, &set(AttrScope::Permanent, "1"), &cfg()).expect("apply");
        assert_eq!(Version::of(&c).to_string(), "0.1.0");
        let xml = c.to_xml();
        assert!(
            xml.contains(r#"<nvpair id="status-1-a" name="a" value="1"/>"#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<nvpair id="nodes-1-a" name="a" value="1"/>"#),
            "{xml}"
        );
    }

    #[test]
    fn replace_configuration_checks_the_base() {
        let mut c = empty();
        let mut new = empty();
        new.configuration.crm_config.push(NvSet {
            id: Some("cib-bootstrap-options".into()),
            nvpairs: vec![NvPair {
                id: Some("o1".into()),
                name: "no-quorum-policy".into(),
                value: Some("freeze".into()),
                ..Default::default()
            }],
            ..Default::default()
        });
        let op = |base| CibOp::ReplaceConfiguration {
            cib_xml: new.to_xml(),
            base,
        };
        let stale = Version {
            epoch: 5,
            ..Default::default()
        };
        assert!(matches!(
            apply(&mut c, &op(Some(stale)), &cfg()),
            Err(Refusal::Conflict { .. })
        ));
        apply(&mut c, &op(Some(Version::default())), &cfg()).expect("apply");
        assert_eq!(
            cluster_property(&c, "no-quorum-policy").as_deref(),
            Some("freeze")
        );
        assert_eq!(c.epoch, 1);
        let bad = CibOp::ReplaceConfiguration {
            cib_xml: "<cib><configuration>".into(),
            base: None,
        };
        assert!(matches!(
            apply(&mut c, &bad, &cfg()),
            Err(Refusal::Invalid(_))
        ));
        assert_eq!(c.epoch, 1);
    }

    #[test]
    fn membership_is_written_into_status() {
        let mut c = empty();
        let ch = apply_membership(&mut c, &cfg(), &[1], Some(1), true);
        assert!(ch.configuration && ch.status);
        let xml = c.to_xml();
        assert!(
            xml.contains(r#"<node_state id="1" uname="n1" in_ccm="true" crmd="online""#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<node_state id="2" uname="n2" in_ccm="false" crmd="offline""#),
            "{xml}"
        );
        assert!(xml.contains(r#"dc-uuid="1""#), "{xml}");
        // Same membership again: nothing changes.
        let again = apply_membership(&mut c, &cfg(), &[1], Some(1), true);
        assert!(!again.any());
    }

    #[test]
    fn values_expand_like_attrd() {
        assert_eq!(expand_value("value++", None), "1");
        assert_eq!(expand_value("value++", Some("4")), "5");
        assert_eq!(expand_value("value+=3", Some("4")), "7");
        assert_eq!(expand_value("value++", Some("INFINITY")), "INFINITY");
        assert_eq!(expand_value("value++", Some("junk")), "1");
        assert_eq!(expand_value("INFINITY", Some("4")), "INFINITY");
        assert_eq!(expand_value("valueless", None), "valueless");
        let mut c = empty();
        let inc = CibOp::SetAttributes {
            node: "n1".into(),
            scope: AttrScope::Transient,
            attrs: vec![("fail-count-x#start_0".into(), Some("value++".into()))],
        };
        apply(&mut c, &inc, &cfg()).expect("apply");
        apply(&mut c, &inc, &cfg()).expect("apply");
        assert!(c
            .to_xml()
            .contains(r#"name="fail-count-x#start_0" value="2""#));
    }

    fn history(stamp: &str, op_id: &str) -> CibOp {
        CibOp::WriteHistory {
            node: "n1".into(),
            node_state_xml: format!(
                r#"<node_state id="1"><lrm id="1" pacer-history="{stamp}"><lrm_resources><lrm_resource id="r" class="ocf" provider="heartbeat" type="Dummy"><lrm_rsc_op id="{op_id}" operation="start" call-id="1" rc-code="0" op-status="0" interval="0"/></lrm_resource></lrm_resources></lrm></node_state>"#
            ),
            replace: true,
        }
    }

    #[test]
    fn an_older_history_write_of_the_same_run_does_not_undo_a_newer_one() {
        let mut c = empty();
        apply(&mut c, &history("7:2", "new"), &cfg()).expect("apply");
        let ch = apply(&mut c, &history("7:1", "old"), &cfg()).expect("apply");
        assert!(!ch.any());
        assert!(c.to_xml().contains(r#"lrm_rsc_op id="new""#));
        // A new run of the node replaces it whatever its numbers.
        apply(&mut c, &history("8:1", "restarted"), &cfg()).expect("apply");
        assert!(c.to_xml().contains(r#"lrm_rsc_op id="restarted""#));
    }

    #[test]
    fn fencing_clears_history_unless_the_node_is_back() {
        let mut c = empty();
        apply(&mut c, &history("7:1", "x"), &cfg()).expect("apply");
        apply_membership(&mut c, &cfg(), &[2], Some(2), true);
        let fenced = CibOp::NodeFenced { node: "n1".into() };
        apply(&mut c, &fenced, &cfg()).expect("apply");
        let xml = c.to_xml();
        assert!(!xml.contains("lrm_rsc_op"), "{xml}");
        assert!(xml.contains(r#"expected="down""#), "{xml}");
        // Back (a member again) before the news of its fencing arrives.
        apply(&mut c, &history("9:1", "y"), &cfg()).expect("apply");
        apply_membership(&mut c, &cfg(), &[1, 2], Some(2), true);
        let ch = apply(&mut c, &fenced, &cfg()).expect("apply");
        assert!(!ch.any());
        let xml = c.to_xml();
        assert!(xml.contains(r#"lrm_rsc_op id="y""#), "{xml}");
        assert!(xml.contains(r#"join="member" expected="member""#), "{xml}");
    }

    #[test]
    fn unknown_node_is_refused() {
        let mut c = empty();
        let op = CibOp::SetAttributes {
            node: "nope".into(),
            scope: AttrScope::Transient,
            attrs: vec![("a".into(), Some("1".into()))],
        };
        assert!(matches!(
            apply(&mut c, &op, &cfg()),
            Err(Refusal::Invalid(_))
        ));
    }
}
