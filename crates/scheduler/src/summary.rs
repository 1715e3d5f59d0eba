//! Text views of a [`ClusterState`], as `crm_simulate` and `crm_mon` print
//! them (Pacemaker's "fancy" text output: nested `*` lists).
//!
//! [`cluster_status`] prints one status block ("Current cluster status",
//! "Revised Cluster Status", or crm_mon's body); [`preamble`] the notices
//! crm_simulate prints before it. Both only read the state.

use std::collections::BTreeMap;

use crate::state::*;
use crate::util::{glib_sort, numeric_strcasecmp, parse_op_key};

/// What to show (Pacemaker's `pcmk_show_*` options that the text views use).
#[derive(Clone, Copy, Debug)]
pub struct ShowOptions {
    /// Show pending actions ("Starting", "(Monitoring)").
    pub pending: bool,
    /// List inactive resources too ("Full List of Resources").
    pub inactive: bool,
}

impl Default for ShowOptions {
    fn default() -> Self {
        ShowOptions {
            pending: true,
            inactive: true,
        }
    }
}

/// Pacemaker's fancy text list writer: `begin_list` opens an indented
/// `* title:` level, `item` writes `* text` at the current level.
pub(crate) struct Out {
    pub(crate) buf: String,
    pub(crate) depth: usize,
}

impl Out {
    pub(crate) fn new() -> Self {
        Out {
            buf: String::new(),
            depth: 0,
        }
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.buf.push_str("  ");
        }
        if self.depth > 0 {
            self.buf.push_str("* ");
        }
    }

    pub(crate) fn begin_list(&mut self, title: &str) {
        self.indent();
        self.buf.push_str(title);
        self.buf.push_str(":\n");
        self.depth += 1;
    }

    pub(crate) fn end_list(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    pub(crate) fn item(&mut self, id: Option<&str>, text: &str) {
        self.indent();
        if let Some(id) = id {
            self.buf.push_str(id);
            self.buf.push_str(": ");
        }
        self.buf.push_str(text);
        self.buf.push('\n');
    }

    pub(crate) fn spacer(&mut self) {
        self.buf.push('\n');
    }
}

/// A list header printed the first time something goes under it
/// (`PCMK__OUTPUT_LIST_HEADER`).
pub(crate) struct Header {
    pub(crate) printed: bool,
}

impl Header {
    pub(crate) fn new() -> Self {
        Header { printed: false }
    }

    pub(crate) fn open(&mut self, out: &mut Out, spacer: bool, title: &str) {
        if !self.printed {
            if spacer {
                out.spacer();
            }
            out.begin_list(title);
            self.printed = true;
        }
    }

    pub(crate) fn close(&self, out: &mut Out) {
        if self.printed {
            out.end_list();
        }
    }
}

/// The notices crm_simulate prints before the current status: maintenance
/// mode, and how many instances are disabled or blocked. Returns the text
/// and whether anything was printed (a spacer then precedes the status).
pub fn preamble(st: &ClusterState) -> (String, bool) {
    let mut s = String::new();
    let mut printed = false;
    if st.options.maintenance_mode {
        s.push_str("\n              *** Resource management is DISABLED ***\n");
        s.push_str("  The cluster will not attempt to start, stop or recover services\n");
        printed = true;
    }
    let c = st.counts;
    if c.disabled > 0 || c.blocked > 0 {
        if printed {
            s.push('\n');
        }
        s.push_str(&format!(
            "{} of {} resource instances DISABLED and {} BLOCKED from further action due to failure\n",
            c.disabled, c.instances, c.blocked
        ));
        printed = true;
    }
    (s, printed)
}

/// One status block: `title:` then the node list and the resource list.
pub fn cluster_status(st: &ClusterState, title: &str, opts: ShowOptions, spacer: bool) -> String {
    let mut out = Out::new();
    if spacer {
        out.spacer();
    }
    out.begin_list(title);
    let printed_nodes = node_list(&mut out, st);
    resource_list(&mut out, st, opts, printed_nodes);
    out.end_list();
    out.buf
}

/// `pe__node_health`: -1 red, 0 yellow, 1 green (always green without a
/// health strategy).
pub fn node_health(st: &ClusterState, node: NodeId) -> i32 {
    use cib::Score;
    let (red, yellow, green) = match st.options.node_health_strategy {
        HealthStrategy::None => return 1,
        HealthStrategy::MigrateOnRed => (Score::MINUS_INFINITY, Score::ZERO, Score::ZERO),
        HealthStrategy::OnlyGreen => (Score::MINUS_INFINITY, Score::MINUS_INFINITY, Score::ZERO),
        HealthStrategy::Progressive | HealthStrategy::Custom => {
            let opt = |k: &str, d: Score| {
                st.options
                    .all
                    .get(k)
                    .and_then(|v| Score::parse(v).ok())
                    .unwrap_or(d)
            };
            (
                opt("node-health-red", Score::MINUS_INFINITY),
                opt("node-health-yellow", Score::ZERO),
                opt("node-health-green", Score::ZERO),
            )
        }
    };
    let mut rc = 1;
    for (name, value) in &st.node(node).attrs {
        if !name.starts_with("#health") {
            continue;
        }
        if value.eq_ignore_ascii_case("red") {
            return -1;
        } else if value.eq_ignore_ascii_case("yellow") {
            rc = 0;
            continue;
        }
        let score = Score::parse(value).unwrap_or(Score::ZERO);
        if score <= red {
            return -1;
        } else if score <= yellow && yellow != green {
            rc = 0;
        }
    }
    rc
}

/// `node_text_status`.
fn node_status_text(n: &Node) -> &'static str {
    if n.unclean {
        if n.online {
            "UNCLEAN (online)"
        } else if n.pending {
            "UNCLEAN (pending)"
        } else {
            "UNCLEAN (offline)"
        }
    } else if n.pending {
        "pending"
    } else if n.standby_onfail && n.online {
        "standby (on-fail)"
    } else if n.standby {
        if n.online {
            if n.running_rsc.is_empty() {
                "standby"
            } else {
                "standby (with active resources)"
            }
        } else {
            "OFFLINE (standby)"
        }
    } else if n.maintenance {
        if n.online {
            "maintenance"
        } else {
            "OFFLINE (maintenance)"
        }
    } else if n.online {
        "online"
    } else {
        "OFFLINE"
    }
}

/// The node list: nodes in an unusual state one per line, the rest
/// summarised as `Online: [ … ]` and friends. Returns whether it printed.
pub(crate) fn node_list(out: &mut Out, st: &ClusterState) -> bool {
    let mut header = Header::new();
    let mut online = Vec::new();
    let mut online_remote = Vec::new();
    let mut online_guest = Vec::new();
    let mut offline = Vec::new();
    let mut offline_remote = Vec::new();
    for &nid in &st.node_order {
        let n = st.node(nid);
        header.open(out, false, "Node List");
        let health = node_health(st, nid);
        let individually = n.unclean
            || n.pending
            || (n.standby_onfail && n.online)
            || n.standby
            || n.maintenance
            || health <= 0;
        if !individually {
            let name = n.uname.as_str();
            if n.online {
                if st.is_guest_node(nid) {
                    online_guest.push(name);
                } else if st.is_remote_node(nid) {
                    online_remote.push(name);
                } else {
                    online.push(name);
                }
            } else if st.is_remote_node(nid) {
                offline_remote.push(name);
            } else if !st.is_guest_node(nid) {
                offline.push(name);
            }
            continue;
        }
        let kind = if st.is_guest_node(nid) {
            "GuestNode"
        } else if st.is_remote_node(nid) {
            "RemoteNode"
        } else {
            "Node"
        };
        let mut line = format!("{kind} {}: {}", n.uname, node_status_text(n));
        if health < 0 {
            line.push_str(" (health is RED)");
        } else if health == 0 {
            line.push_str(" (health is YELLOW)");
        }
        out.item(None, &line);
    }
    for (label, names) in [
        ("Online", &online),
        ("OFFLINE", &offline),
        ("RemoteOnline", &online_remote),
        ("RemoteOFFLINE", &offline_remote),
        ("GuestOnline", &online_guest),
    ] {
        if !names.is_empty() {
            out.item(Some(label), &format!("[ {} ]", names.join(" ")));
        }
    }
    header.close(out);
    header.printed
}

pub(crate) fn resource_list(out: &mut Out, st: &ClusterState, opts: ShowOptions, spacer: bool) {
    let title = if opts.inactive {
        "Full List of Resources"
    } else {
        "Active Resources"
    };
    let mut header = Header::new();
    let mut any = false;
    for &rsc in &st.top {
        let active = st.is_active(rsc, true);
        let partially = st.is_active(rsc, false);
        if st.rsc(rsc).flags.orphan && !active {
            continue;
        }
        if !partially && !opts.inactive {
            continue;
        }
        if filtered_by_node(st, rsc) {
            continue;
        }
        header.open(out, spacer, title);
        if print_resource(out, st, rsc, opts) {
            any = true;
        }
    }
    if !any {
        header.open(out, spacer, title);
        out.item(
            None,
            if opts.inactive {
                "No resources"
            } else {
                "No active resources"
            },
        );
    }
    header.close(out);
}

/// Active, yet placed on no node (`pcmk__rsc_filtered_by_node` with every
/// node allowed): unmanaged resources on offline nodes are active, but their
/// parents never learn a location, and such parents are not shown.
pub(crate) fn filtered_by_node(st: &ClusterState, rsc: RscId) -> bool {
    st.is_active(rsc, false) && st.rsc(rsc).running_on.is_empty()
}

/// Prints one resource by kind; returns whether anything was printed.
fn print_resource(out: &mut Out, st: &ClusterState, rsc: RscId, opts: ShowOptions) -> bool {
    match &st.rsc(rsc).kind {
        ResourceKind::Primitive(_) => {
            let node = st.current_node(rsc).or(st.rsc(rsc).pending_node);
            print_primitive(out, st, rsc, st.printable_id(rsc), node, opts)
        }
        ResourceKind::Group => print_group(out, st, rsc, opts),
        ResourceKind::Clone(_) => print_clone(out, st, rsc, opts),
        ResourceKind::Bundle(_) => print_bundle(out, st, rsc, opts),
    }
}

/// `pe__common_output_text`: one primitive line (internal resources such as
/// guest connections are not shown).
fn print_primitive(
    out: &mut Out,
    st: &ClusterState,
    rsc: RscId,
    name: &str,
    node: Option<NodeId>,
    opts: ShowOptions,
) -> bool {
    let r = st.rsc(rsc);
    if cib::value::is_true(r.meta.get("internal").map(String::as_str)) {
        return false;
    }
    let line = primitive_line(st, rsc, name, node, opts, r.target_role_meta(), true);
    out.item(None, &line);
    true
}

pub(crate) fn role_text(role: Role) -> &'static str {
    match role {
        Role::Unknown => "Unknown",
        Role::Stopped => "Stopped",
        Role::Started => "Started",
        Role::Unpromoted => "Unpromoted",
        Role::Promoted => "Promoted",
    }
}

/// `native_displayable_role`: a started instance of a promotable clone is
/// shown as unpromoted.
pub(crate) fn displayable_role(st: &ClusterState, rsc: RscId) -> Role {
    let r = st.rsc(rsc);
    if r.role == Role::Started && st.rsc(st.uber_parent(rsc)).flags.promotable {
        Role::Unpromoted
    } else {
        r.role
    }
}

pub(crate) fn pending_state(task: Option<&str>) -> Option<&'static str> {
    match task? {
        "start" => Some("Starting"),
        "stop" => Some("Stopping"),
        "migrate_to" | "migrate_from" => Some("Migrating"),
        "promote" => Some("Promoting"),
        "demote" => Some("Demoting"),
        _ => None,
    }
}

/// `services_ocf_exitcode_str`.
pub fn ocf_exit_text(rc: i64) -> &'static str {
    match rc {
        0 => "ok",
        1 => "error",
        2 => "invalid parameter",
        3 => "unimplemented feature",
        4 => "insufficient privileges",
        5 => "not installed",
        6 => "not configured",
        7 => "not running",
        8 => "promoted",
        9 => "promoted (failed)",
        190 => "OCF_DEGRADED",
        191 => "promoted (degraded)",
        _ => "unknown",
    }
}

/// `pe__failed_probe_for_rsc`: a probe failure saying the agent cannot run
/// (not installed, invalid parameters), on `node` if given.
fn failed_probe<'s>(st: &'s ClusterState, rsc: RscId, node: Option<&str>) -> Option<&'s FailedOp> {
    let parent = st.uber_parent(rsc);
    let rsc_id = match (&st.rsc(rsc).kind, &st.rsc(parent).kind) {
        (ResourceKind::Clone(c), _) => c.child_id.as_str(),
        (_, ResourceKind::Clone(c)) => c.child_id.as_str(),
        _ => st.rsc(rsc).id.as_str(),
    };
    st.failed_ops.iter().find(|f| {
        let probe = f.task == "monitor" && f.interval_ms == 0;
        let masked = probe && (f.rc == 5 || f.rc == 2 || f.status == 7);
        if !masked {
            return false;
        }
        let Some(on) = f.on_node.as_deref() else {
            return false;
        };
        if node.is_some_and(|n| !on.eq_ignore_ascii_case(n)) {
            return false;
        }
        parse_op_key(&f.op_key).is_some_and(|(id, _, _)| id == rsc_id)
    })
}

/// `pcmk__native_output_string`.
fn primitive_line(
    st: &ClusterState,
    rsc: RscId,
    name: &str,
    node: Option<NodeId>,
    opts: ShowOptions,
    target_role: Option<&str>,
    show_nodes: bool,
) -> String {
    let r = st.rsc(rsc);
    let ResourceKind::Primitive(p) = &r.kind else {
        return String::new();
    };
    let class = if p.class.is_empty() {
        "unknown"
    } else {
        &p.class
    };
    let kind = if p.agent.is_empty() {
        "unknown"
    } else {
        &p.agent
    };
    let provider = if class.eq_ignore_ascii_case("ocf") {
        p.provider.as_deref()
    } else {
        None
    };
    let multiple = r.running_on.len() > 1;
    let mut node = node.or(r.lock_node);
    if multiple {
        node = None;
    }
    let mut s = match provider {
        Some(pr) => format!("{name}\t({class}:{pr}:{kind}):\t"),
        None => format!("{name}\t({class}:{kind}):\t"),
    };
    if r.flags.orphan {
        s.push_str(" ORPHANED");
    }
    let shown_role = displayable_role(st, rsc);
    if r.flags.failed {
        s.push_str(" FAILED");
        if shown_role > Role::Unpromoted {
            s.push(' ');
            s.push_str(role_text(shown_role));
        }
    } else {
        let state = opts
            .pending
            .then(|| pending_state(r.pending_task.as_deref()))
            .flatten()
            .unwrap_or(role_text(shown_role));
        s.push(' ');
        s.push_str(state);
    }
    if let Some(n) = node {
        s.push(' ');
        s.push_str(&st.node(n).uname);
    }
    if shown_role == Role::Stopped {
        let uname = node.map(|n| st.node(n).uname.as_str());
        if let Some(probe) = failed_probe(st, rsc, uname) {
            s.push_str(&format!(" ({}) ", ocf_exit_text(probe.rc)));
        }
    }
    let mut flags: Vec<String> = Vec::new();
    if let Some(n) = node {
        let n = st.node(n);
        if !n.online && n.unclean {
            flags.push("UNCLEAN".into());
        }
    }
    if node.is_some() && node == r.lock_node {
        flags.push("LOCKED".into());
    }
    if opts.pending && r.pending_task.as_deref() == Some("monitor") {
        flags.push("Monitoring".into());
    }
    if let Some(t) = target_role {
        match parse_role(t) {
            Some(Role::Stopped) => flags.push("disabled".into()),
            Some(Role::Unpromoted) if st.rsc(st.uber_parent(rsc)).flags.promotable => {
                flags.push(format!("target-role:{t}"))
            }
            _ => {}
        }
    }
    if r.flags.block {
        flags.push("blocked".into());
    } else if !r.flags.managed {
        flags.push("unmanaged".into());
    }
    if r.flags.failure_ignored {
        flags.push("failure ignored".into());
    }
    if !flags.is_empty() {
        s.push_str(&format!(" ({})", flags.join(", ")));
    }
    if multiple {
        if let Some(d) = &r.description {
            s.push(' ');
            s.push_str(d);
        }
    }
    if show_nodes && multiple {
        let names: Vec<&str> = r
            .running_on
            .iter()
            .map(|&n| st.node(n).uname.as_str())
            .collect();
        s.push_str(&format!(" [ {} ]", names.join(" ")));
    }
    s
}

/// `pe__group_default`: a header, then each member.
fn print_group(out: &mut Out, st: &ClusterState, rsc: RscId, opts: ShowOptions) -> bool {
    let r = st.rsc(rsc);
    let active = st.is_active(rsc, true);
    let partially = st.is_active(rsc, false);
    let mut attrs: Vec<String> = Vec::new();
    if !active && partially && !opts.inactive {
        let n = r
            .children
            .iter()
            .filter(|&&c| !st.is_active(c, true))
            .count();
        attrs.push(format!(
            "{n} member{} inactive",
            if n == 1 { "" } else { "s" }
        ));
    }
    if !r.flags.managed {
        attrs.push("unmanaged".into());
    }
    if st.is_disabled(rsc) {
        attrs.push("disabled".into());
    }
    let title = if attrs.is_empty() {
        format!("Resource Group: {}", r.id)
    } else {
        format!("Resource Group: {} ({})", r.id, attrs.join(", "))
    };
    let mut header = Header::new();
    for &c in &r.children {
        if !opts.inactive && !st.is_active(c, false) {
            continue;
        }
        header.open(out, false, &title);
        print_resource(out, st, c, opts);
    }
    header.close(out);
    header.printed
}

/// The clone's `target-role`, or its first instance's (`configured_role`).
fn configured_role(st: &ClusterState, rsc: RscId) -> Option<Role> {
    let r = st.rsc(rsc);
    let t = r.target_role_meta().or_else(|| {
        r.children
            .first()
            .and_then(|&c| st.rsc(c).target_role_meta())
    })?;
    parse_role(t)
}

/// `pe__clone_default`: unusual instances one by one, the rest as
/// `Promoted: [ … ]`, `Started: [ … ]` and `Stopped: [ … ]` lists.
fn print_clone(out: &mut Out, st: &ClusterState, rsc: RscId, opts: ShowOptions) -> bool {
    let r = st.rsc(rsc);
    let ResourceKind::Clone(spec) = &r.kind else {
        return false;
    };
    let mut attrs: Vec<&str> = Vec::new();
    if r.flags.promotable {
        attrs.push("promotable");
    }
    if r.flags.unique {
        attrs.push("unique");
    }
    if !r.flags.managed {
        attrs.push("unmanaged");
    }
    if st.is_disabled(rsc) {
        attrs.push("disabled");
    }
    let title = if attrs.is_empty() {
        format!("Clone Set: {} [{}]", r.id, spec.child_id)
    } else {
        format!(
            "Clone Set: {} [{}] ({})",
            r.id,
            spec.child_id,
            attrs.join(", ")
        )
    };
    let mut header = Header::new();
    let mut stopped: BTreeMap<String, String> = BTreeMap::new();
    let mut promoted: Vec<NodeId> = Vec::new();
    let mut started: Vec<NodeId> = Vec::new();
    for &child in &r.children {
        let c = st.rsc(child);
        let partially = st.is_active(child, false);
        if filtered_by_node(st, child) {
            continue;
        }
        let mut print_full = false;
        if r.flags.unique {
            if partially || !r.flags.orphan {
                print_full = true;
            }
        } else if opts.pending && c.pending_task.as_deref().is_some_and(|t| t != "probe") {
            print_full = true;
        } else if !partially {
            if !c.flags.orphan && opts.inactive {
                stopped.insert(c.id.clone(), "Stopped".into());
            }
        } else if any_flag(st, child, |f| f.orphan)
            || !all_flag(st, child, |f| f.managed)
            || any_flag(st, child, |f| f.failed)
        {
            print_full = true;
        } else if st.is_active(child, true) {
            let mut locs = Vec::new();
            st.locations(child, false, &mut locs);
            if let [location] = locs.as_slice() {
                let ln = st.node(*location);
                if !ln.online && ln.unclean {
                    print_full = true;
                } else if st.current_role(child) > Role::Unpromoted {
                    promoted.push(*location);
                } else {
                    started.push(*location);
                }
            } else {
                print_full = true;
            }
        } else {
            print_full = true;
        }
        if print_full {
            header.open(out, false, &title);
            print_resource(out, st, child, opts);
        }
    }
    let by_name =
        |a: &NodeId, b: &NodeId| numeric_strcasecmp(&st.node(*a).uname, &st.node(*b).uname);
    let promoted = glib_sort(promoted, &mut |a: &NodeId, b: &NodeId| by_name(a, b));
    let started = glib_sort(started, &mut |a: &NodeId, b: &NodeId| by_name(a, b));
    let names =
        |v: &[NodeId]| -> Vec<String> { v.iter().map(|&n| st.node(n).uname.clone()).collect() };
    let mut active_instances = 0;
    if !promoted.is_empty() {
        active_instances += promoted.len();
        header.open(out, false, &title);
        out.item(
            None,
            &format!("Promoted: [ {} ]", names(&promoted).join(" ")),
        );
    }
    if !started.is_empty() {
        active_instances += started.len();
        header.open(out, false, &title);
        let list = names(&started).join(" ");
        if r.flags.promotable {
            if configured_role(st, rsc) == Some(Role::Unpromoted) {
                out.item(None, &format!("Unpromoted (target-role): [ {list} ]"));
            } else {
                out.item(None, &format!("Unpromoted: [ {list} ]"));
            }
        } else {
            out.item(None, &format!("Started: [ {list} ]"));
        }
    }
    if opts.inactive {
        let mut stopped_nodes = stopped;
        if !r.flags.unique && spec.clone_max > active_instances as i64 {
            stopped_nodes = BTreeMap::new();
            let mut candidates: Vec<NodeId> = r.allowed_nodes.keys().copied().collect();
            if candidates.is_empty() {
                candidates = r.known_on.iter().copied().collect();
            }
            let candidates = glib_sort(candidates, &mut |a: &NodeId, b: &NodeId| by_name(a, b));
            for n in candidates {
                let uname = &st.node(n).uname;
                if r.running_on
                    .iter()
                    .any(|&x| st.node(x).uname.eq_ignore_ascii_case(uname))
                {
                    continue;
                }
                let state = match failed_probe(st, rsc, Some(uname)) {
                    Some(p) => format!("Stopped ({})", ocf_exit_text(p.rc)),
                    None if configured_role(st, rsc) == Some(Role::Stopped) => {
                        "Stopped (disabled)".to_string()
                    }
                    None => "Stopped".to_string(),
                };
                stopped_nodes.insert(uname.clone(), state);
            }
            if stopped_nodes.is_empty() {
                if active_instances == 0 {
                    header.open(out, false, &title);
                }
                header.close(out);
                return header.printed;
            }
        }
        if !stopped_nodes.is_empty() {
            header.open(out, false, &title);
            let mut statuses: Vec<&String> = stopped_nodes.values().collect();
            statuses.sort();
            statuses.dedup();
            for status in statuses {
                let mut nodes: Vec<&String> = stopped_nodes
                    .iter()
                    .filter(|(_, v)| *v == status)
                    .map(|(k, _)| k)
                    .collect();
                nodes.sort_by(|a, b| numeric_strcasecmp(a, b));
                let list: Vec<&str> = nodes.iter().map(|s| s.as_str()).collect();
                out.item(None, &format!("{status}: [ {} ]", list.join(" ")));
            }
        } else if active_instances == 0 {
            header.open(out, false, &title);
        }
    }
    header.close(out);
    header.printed
}

/// `is_set_recursive(rsc, flag, any=true)`.
fn any_flag(st: &ClusterState, rsc: RscId, f: fn(&RscFlags) -> bool) -> bool {
    let r = st.rsc(rsc);
    f(&r.flags) || r.children.iter().any(|&c| any_flag(st, c, f))
}

/// `is_set_recursive(rsc, flag, any=false)`.
fn all_flag(st: &ClusterState, rsc: RscId, f: fn(&RscFlags) -> bool) -> bool {
    let r = st.rsc(rsc);
    f(&r.flags) && r.children.iter().all(|&c| all_flag(st, c, f))
}

/// `pe__bundle_text`: a header, then one line per replica.
fn print_bundle(out: &mut Out, st: &ClusterState, rsc: RscId, opts: ShowOptions) -> bool {
    let r = st.rsc(rsc);
    let ResourceKind::Bundle(b) = &r.kind else {
        return false;
    };
    let title = format!(
        "Container bundle{}: {} [{}]{}{}",
        if b.nreplicas > 1 { " set" } else { "" },
        r.id,
        b.image,
        if r.flags.unique { " (unique)" } else { "" },
        if r.flags.managed { "" } else { " (unmanaged)" }
    );
    let mut header = Header::new();
    for rep in &b.replicas {
        if filtered_by_node(st, rep.container) {
            continue;
        }
        header.open(out, false, &title);
        let shown = rep.child.unwrap_or(rep.container);
        let mut name = match rep.remote {
            Some(rm) => st.printable_id(rm).to_string(),
            None => st.printable_id(rep.container).to_string(),
        };
        if let Some(ip) = &rep.ipaddr {
            name.push_str(&format!(" ({ip})"));
        }
        let node = st.current_node(rep.container);
        print_primitive(out, st, shown, &name, node, opts);
    }
    header.close(out);
    header.printed
}
