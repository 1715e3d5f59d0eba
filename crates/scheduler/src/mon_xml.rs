//! `crm_mon -1 --output-as=xml`: the same facts as [`crate::mon`] in
//! Pacemaker's XML result layout (`<pacemaker-result>`): summary, nodes,
//! resources (every resource, inactive ones too, as crm_mon's XML always
//! lists them), node attributes, node history (operations), failures,
//! status. Pure: "now" and the time
//! zone are parameters, as for the text view.

use cib::Cib;

use crate::mon::{
    cib_option, ctime, failcount, find_history_resource, mixed_version, online_node_histories,
    MonOptions,
};
use crate::state::*;
use crate::summary::{displayable_role, filtered_by_node, pending_state, role_text};
use crate::util::{numeric_strcasecmp, parse_op_key};

/// XML attribute text.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            c => o.push(c),
        }
    }
    o
}

/// A start tag with its attributes (`None` values left out, as
/// `crm_xml_add` does with NULL), ended by `end` (`/>` or `>`).
fn tag(out: &mut String, indent: usize, name: &str, attrs: &[(&str, Option<String>)], end: &str) {
    out.push_str(&" ".repeat(indent));
    out.push('<');
    out.push_str(name);
    for (k, v) in attrs {
        if let Some(v) = v {
            out.push_str(&format!(" {k}=\"{}\"", esc(v)));
        }
    }
    out.push_str(end);
    out.push('\n');
}

/// One empty element.
fn el(out: &mut String, indent: usize, name: &str, attrs: &[(&str, Option<String>)]) {
    tag(out, indent, name, attrs, "/>");
}

fn b(v: bool) -> Option<String> {
    Some(if v { "true" } else { "false" }.to_string())
}

fn s(v: impl ToString) -> Option<String> {
    Some(v.to_string())
}

/// What crm_mon's XML shows once it has unpacked the constraints (it does
/// so to show its tickets and bans sections): resources a lost ticket
/// freezes are unmanaged and blocked, nodes a lost ticket fences unclean.
fn with_constraints(
    st: &ClusterState,
    un: &crate::placement::constraints::Unpacked,
) -> Option<ClusterState> {
    if un.frozen.is_empty() && un.fenced.is_empty() {
        return None;
    }
    let mut st = st.clone();
    for &r in &un.frozen {
        let f = &mut st.resources[r.0].flags;
        f.managed = false;
        f.block = true;
    }
    for (n, _) in &un.fenced {
        st.nodes[n.0].unclean = true;
    }
    Some(st)
}

/// The whole document; `request` is the command line crm_mon would echo.
pub fn render(cib: &Cib, st: &ClusterState, opts: &MonOptions, request: &str) -> String {
    let un = crate::placement::constraints::unpack(cib, st);
    let frozen = with_constraints(st, &un);
    let st = frozen.as_ref().unwrap_or(st);
    let mut out = format!(
        "<pacemaker-result api-version=\"2.25\" request=\"{}\">\n",
        esc(request)
    );
    summary(&mut out, cib, st, opts);
    nodes(&mut out, st);
    resources(&mut out, st);
    node_attributes(&mut out, st);
    node_history(&mut out, cib, st, opts);
    failures(&mut out, st, opts);
    bans(
        &mut out,
        st,
        &un.constraints.locations[un.health_locations.min(un.constraints.locations.len())..],
    );
    out.push_str("  <status code=\"0\" message=\"OK\"/>\n</pacemaker-result>\n");
    out
}

fn summary(out: &mut String, cib: &Cib, st: &ClusterState, opts: &MonOptions) {
    out.push_str("  <summary>\n");
    let stack = cib_option(cib, "cluster-infrastructure").unwrap_or("unknown");
    el(out, 4, "stack", &[("type", s(stack))]);
    match st.nodes.iter().find(|n| n.is_dc) {
        Some(n) => el(
            out,
            4,
            "current_dc",
            &[
                ("present", s("true")),
                ("version", s(cib_option(cib, "dc-version").unwrap_or(""))),
                ("name", s(&n.uname)),
                ("id", s(&n.id)),
                ("with_quorum", b(st.have_quorum)),
                ("mixed_version", b(mixed_version(st))),
            ],
        ),
        None => el(out, 4, "current_dc", &[("present", s("false"))]),
    }
    el(
        out,
        4,
        "last_update",
        &[("time", s(ctime(opts.now_s, opts.utc_offset_s)))],
    );
    el(
        out,
        4,
        "last_change",
        &[
            ("time", s(cib.cib_last_written.as_deref().unwrap_or(""))),
            ("user", s(cib.update_user.as_deref().unwrap_or(""))),
            ("client", s(cib.update_client.as_deref().unwrap_or(""))),
            ("origin", s(cib.update_origin.as_deref().unwrap_or(""))),
        ],
    );
    el(out, 4, "nodes_configured", &[("number", s(st.nodes.len()))]);
    let c = st.counts;
    el(
        out,
        4,
        "resources_configured",
        &[
            ("number", s(c.instances)),
            ("disabled", s(c.disabled)),
            ("blocked", s(c.blocked)),
        ],
    );
    let o = &st.options;
    let ms = |name: &str, default_ms: u64| {
        o.all
            .get(name)
            .and_then(|v| cib::value::parse_duration_ms(v))
            .unwrap_or(default_ms)
    };
    let nqp = format!("{:?}", o.no_quorum_policy).to_lowercase();
    el(
        out,
        4,
        "cluster_options",
        &[
            ("stonith-enabled", b(o.stonith_enabled)),
            ("symmetric-cluster", b(o.symmetric_cluster)),
            ("no-quorum-policy", s(nqp)),
            ("maintenance-mode", b(o.maintenance_mode)),
            ("stop-all-resources", b(o.stop_all_resources)),
            ("stonith-timeout-ms", s(ms("stonith-timeout", 60_000))),
            (
                "priority-fencing-delay-ms",
                s(ms("priority-fencing-delay", 0) / 1000 * 1000),
            ),
        ],
    );
    out.push_str("  </summary>\n");
}

fn nodes(out: &mut String, st: &ClusterState) {
    if st.node_order.is_empty() {
        out.push_str("  <nodes/>\n");
        return;
    }
    out.push_str("  <nodes>\n");
    for &nid in &st.node_order {
        let n = st.node(nid);
        let health = match crate::summary::node_health(st, nid) {
            h if h < 0 => "red",
            0 => "yellow",
            _ => "green",
        };
        let kind = match n.kind {
            NodeKind::Member => "member",
            NodeKind::Remote => "remote",
            NodeKind::Ping => "ping",
        };
        let guest = st.is_guest_node(nid).then(|| {
            n.remote_rsc
                .and_then(|r| st.rsc(r).container)
                .map(|c| st.rsc(c).id.clone())
        });
        el(
            out,
            4,
            "node",
            &[
                ("name", s(&n.uname)),
                ("id", s(&n.id)),
                ("online", b(n.online)),
                ("standby", b(n.standby)),
                ("standby_onfail", b(n.standby_onfail)),
                ("maintenance", b(n.maintenance)),
                ("pending", b(n.pending)),
                ("unclean", b(n.unclean)),
                ("health", s(health)),
                (
                    "feature_set",
                    (n.online && !st.is_guest_or_remote(nid)).then(|| {
                        n.attrs
                            .get("#feature-set")
                            .cloned()
                            .unwrap_or_else(|| "<3.15.1".into())
                    }),
                ),
                ("shutdown", b(n.shutdown)),
                ("expected_up", b(n.expected_up)),
                ("is_dc", b(n.is_dc)),
                ("resources_running", s(n.running_rsc.len())),
                ("type", s(kind)),
                ("id_as_resource", guest.flatten()),
            ],
        );
    }
    out.push_str("  </nodes>\n");
}

/// `crm_time_as_string` with date, time and zone.
fn iso_time(epoch_s: i64, utc_offset_s: i32) -> String {
    use chrono::{FixedOffset, TimeZone};
    let tz = FixedOffset::east_opt(utc_offset_s)
        .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset is valid"));
    let Some(t) = tz.timestamp_opt(epoch_s, 0).single() else {
        return epoch_s.to_string();
    };
    let zone = if utc_offset_s == 0 {
        "Z".to_string()
    } else {
        let a = utc_offset_s.abs();
        format!(
            "{}{:02}:{:02}",
            if utc_offset_s < 0 { '-' } else { '+' },
            a / 3600,
            a % 3600 / 60
        )
    };
    format!("{}{zone}", t.format("%Y-%m-%d %H:%M:%S"))
}

fn failures(out: &mut String, st: &ClusterState, opts: &MonOptions) {
    let mut open = false;
    for f in &st.failed_ops {
        let probe = f.interval_ms == 0 && f.task == "monitor";
        if probe && (f.rc == 5 || f.rc == 2 || f.status == 7) {
            continue;
        }
        let key = if f.op_key.is_empty() {
            &f.op_id
        } else {
            &f.op_key
        };
        if parse_op_key(key).is_none() {
            continue;
        }
        if !open {
            out.push_str("  <failures>\n");
            open = true;
        }
        let mut attrs = vec![
            if !f.key_given {
                ("id", s(&f.op_id))
            } else {
                ("op_key", s(&f.op_key))
            },
            // The node whose history holds it (Pacemaker writes that into
            // the failure's on_node: a guest node, not its host).
            ("node", s(&st.node(f.node).uname)),
            ("exitstatus", s(crate::summary::ocf_exit_text(f.rc))),
            // crm_mon escapes the reason itself and then writes it as an
            // attribute, so it comes out escaped twice.
            (
                "exitreason",
                s(esc(f.exit_reason.as_deref().unwrap_or("none")).replace('\'', "&apos;")),
            ),
            ("exitcode", s(f.rc)),
            ("call", f.call_id.map(|c| c.to_string())),
            ("status", s(crate::mon::exec_status_text(f.status))),
        ];
        if let Some(t) = f.last_rc_change.filter(|&t| t > 0) {
            attrs.extend([
                ("last-rc-change", s(iso_time(t, opts.utc_offset_s))),
                ("queued", f.queue_time.map(|v| v.to_string())),
                ("exec", f.exec_time.map(|v| v.to_string())),
                ("interval", s(f.interval_ms)),
                ("task", s(&f.task)),
            ]);
        }
        el(out, 4, "failure", &attrs);
    }
    if open {
        out.push_str("  </failures>\n");
    }
}

/// An element with attributes, left open (`</name>` written by the caller).
fn open(out: &mut String, indent: usize, name: &str, attrs: &[(&str, Option<String>)]) {
    tag(out, indent, name, attrs, ">");
}

fn close(out: &mut String, indent: usize, name: &str) {
    out.push_str(&format!("{}</{name}>\n", " ".repeat(indent)));
}

/// A top-level section around `body`; an empty one is `<name/>` where
/// crm_mon always writes the section (`always`), nothing otherwise.
fn section(out: &mut String, name: &str, body: &str, always: bool) {
    if body.is_empty() {
        if always {
            el(out, 2, name, &[]);
        }
        return;
    }
    open(out, 2, name, &[]);
    out.push_str(body);
    close(out, 2, name);
}

/// `<resources>`: every top-level resource but inactive orphans, as the
/// `resource-list` message with inactive resources shown.
fn resources(out: &mut String, st: &ClusterState) {
    let mut body = String::new();
    for &rsc in &st.top {
        if st.rsc(rsc).flags.orphan && !st.is_active(rsc, true) {
            continue;
        }
        if filtered_by_node(st, rsc) {
            continue;
        }
        resource_xml(&mut body, st, rsc, 4);
    }
    section(out, "resources", &body, true);
}

fn resource_xml(out: &mut String, st: &ClusterState, rsc: RscId, indent: usize) {
    let r = st.rsc(rsc);
    match &r.kind {
        ResourceKind::Primitive(_) => primitive_xml(out, st, rsc, indent),
        ResourceKind::Group => {
            if r.children.is_empty() {
                return;
            }
            open(
                out,
                indent,
                "group",
                &[
                    ("id", s(&r.id)),
                    ("number_resources", s(r.children.len())),
                    ("managed", b(r.flags.managed)),
                    ("disabled", b(st.is_disabled(rsc))),
                ],
            );
            for &c in &r.children {
                resource_xml(out, st, c, indent + 2);
            }
            close(out, indent, "group");
        }
        ResourceKind::Clone(_) => {
            let target = r.target_role_meta().or_else(|| {
                r.children
                    .first()
                    .and_then(|&c| st.rsc(c).target_role_meta())
            });
            let mut body = String::new();
            for &c in &r.children {
                if filtered_by_node(st, c) {
                    continue;
                }
                resource_xml(&mut body, st, c, indent + 2);
            }
            if body.is_empty() {
                return;
            }
            open(
                out,
                indent,
                "clone",
                &[
                    ("id", s(&r.id)),
                    ("multi_state", b(r.flags.promotable)),
                    ("unique", b(r.flags.unique)),
                    ("managed", b(r.flags.managed)),
                    ("disabled", b(st.is_disabled(rsc))),
                    ("failed", b(r.flags.failed)),
                    ("failure_ignored", b(r.flags.failure_ignored)),
                    ("target_role", target.map(str::to_string)),
                ],
            );
            out.push_str(&body);
            close(out, indent, "clone");
        }
        ResourceKind::Bundle(bs) => {
            let mut body = String::new();
            for rep in &bs.replicas {
                if filtered_by_node(st, rep.container) {
                    continue;
                }
                open(&mut body, indent + 2, "replica", &[("id", s(rep.offset))]);
                for part in [rep.ip, rep.child, Some(rep.container), rep.remote]
                    .into_iter()
                    .flatten()
                {
                    resource_xml(&mut body, st, part, indent + 4);
                }
                close(&mut body, indent + 2, "replica");
            }
            if body.is_empty() {
                return;
            }
            open(
                out,
                indent,
                "bundle",
                &[
                    ("id", s(&r.id)),
                    ("type", s(&bs.agent)),
                    ("image", s(&bs.image)),
                    ("unique", b(r.flags.unique)),
                    ("managed", b(r.flags.managed)),
                    ("failed", b(r.flags.failed)),
                ],
            );
            out.push_str(&body);
            close(out, indent, "bundle");
        }
    }
}

/// `pe__resource_xml`: one primitive and the nodes it runs on.
fn primitive_xml(out: &mut String, st: &ClusterState, rsc: RscId, indent: usize) {
    let r = st.rsc(rsc);
    let ResourceKind::Primitive(p) = &r.kind else {
        return;
    };
    let agent = match (&p.provider, p.class.eq_ignore_ascii_case("ocf")) {
        (Some(pr), true) => format!("{}:{pr}:{}", p.class, p.agent),
        _ => format!("{}:{}", p.class, p.agent),
    };
    let role = pending_state(r.pending_task.as_deref())
        .unwrap_or_else(|| role_text(displayable_role(st, rsc)));
    let attrs = [
        ("id", s(st.printable_id(rsc))),
        ("resource_agent", s(agent)),
        ("role", s(role)),
        ("target_role", r.target_role_meta().map(str::to_string)),
        ("active", b(st.is_active(rsc, true))),
        ("orphaned", b(r.flags.orphan)),
        ("blocked", b(r.flags.block)),
        ("managed", b(r.flags.managed)),
        ("failed", b(r.flags.failed)),
        ("failure_ignored", b(r.flags.failure_ignored)),
        ("nodes_running_on", s(r.running_on.len())),
        (
            "pending",
            (r.pending_task.as_deref() == Some("monitor")).then(|| "Monitoring".to_string()),
        ),
        ("locked_to", r.lock_node.map(|n| st.node(n).uname.clone())),
    ];
    if r.running_on.is_empty() {
        el(out, indent, "resource", &attrs);
        return;
    }
    open(out, indent, "resource", &attrs);
    for &n in &r.running_on {
        let node = st.node(n);
        el(
            out,
            indent + 2,
            "node",
            &[
                ("name", s(&node.uname)),
                ("id", s(&node.id)),
                ("cached", b(node.online)),
            ],
        );
    }
    close(out, indent, "resource");
}

/// Attributes crm_mon does not show (`FILTER_STR`): automatic ones and those
/// with a view of their own.
const HIDDEN_ATTRIBUTE_PREFIXES: [&str; 6] = [
    "fail-count",
    "last-failure",
    "shutdown",
    "terminate",
    "standby",
    "#",
];

/// `<node_attributes>`: each online node's visible attributes, by name;
/// the attribute of a ping resource running on the node with the score it
/// would have with every host answering (`expected`, crm_mon's
/// `add_extra_info` over the node's running resources).
fn node_attributes(out: &mut String, st: &ClusterState) {
    let mut body = String::new();
    let mut nodes: Vec<&Node> = st.nodes.iter().filter(|n| n.online).collect();
    nodes.sort_by(|a, b| numeric_strcasecmp(&a.uname, &b.uname));
    for n in nodes {
        let shown: Vec<(&String, &String)> = n
            .attrs
            .iter()
            .filter(|(k, _)| !HIDDEN_ATTRIBUTE_PREFIXES.iter().any(|p| k.starts_with(p)))
            .collect();
        if shown.is_empty() {
            continue;
        }
        open(&mut body, 4, "node", &[("name", s(&n.uname))]);
        for (name, value) in shown {
            let expected = n
                .running_rsc
                .iter()
                .find_map(|&r| ping_expected(st, r, name))
                .map(|e| e.to_string());
            el(
                &mut body,
                6,
                "attribute",
                &[
                    ("name", s(name)),
                    ("value", s(value)),
                    ("expected", expected),
                ],
            );
        }
        close(&mut body, 4, "node");
    }
    section(out, "node_attributes", &body, false);
}

/// The first ping (or pingd) resource under `rsc` that sets attribute
/// `attr` (its `name` parameter, default `pingd`): the number of its
/// `host_list` entries times its `multiplier`. Parameters are read as
/// configured (rules are not evaluated).
fn ping_expected(st: &ClusterState, rsc: RscId, attr: &str) -> Option<i64> {
    let r = st.rsc(rsc);
    if let Some(e) = r.children.iter().find_map(|&c| ping_expected(st, c, attr)) {
        return Some(e);
    }
    let ResourceKind::Primitive(p) = &r.kind else {
        return None;
    };
    if !p.agent.eq_ignore_ascii_case("ping") && !p.agent.eq_ignore_ascii_case("pingd") {
        return None;
    }
    let config = p.config.as_ref()?;
    let param = |name: &str| -> Option<&str> {
        config
            .instance_attributes
            .iter()
            .flat_map(|set| set.nvpairs.iter())
            .find(|nv| nv.name == name)
            .and_then(|nv| nv.value.as_deref())
    };
    if !param("name").unwrap_or("pingd").eq_ignore_ascii_case(attr) {
        return None;
    }
    // g_strsplit on single spaces: empty entries count.
    let hosts = param("host_list").map_or(0, |h| h.split(' ').count() as i64);
    let multiplier = param("multiplier")
        .and_then(|m| m.trim().parse::<i64>().ok())
        .unwrap_or(1);
    Some(hosts * multiplier)
}

/// `<node_history>`: for each online node (in the status section's order),
/// the operations of each resource in its history, as crm_mon's
/// `node-history-list` with operations shown: probes that found the
/// resource stopped and notifications left out, sorted by call id, under a
/// `resource_history` with the fail count.
fn node_history(out: &mut String, cib: &Cib, st: &ClusterState, opts: &MonOptions) {
    let mut any_node = false;
    let mut body = String::new();
    for (nid, ns) in online_node_histories(cib, st) {
        any_node = true;
        let mut node_body = String::new();
        for lr in ns.lrm_resources() {
            let ops: Vec<&cib::LrmRscOp> = lr
                .ops
                .iter()
                .filter(|op| {
                    let task = shown_task(op);
                    let stopped_probe = task == "probe" && op.rc_code.unwrap_or(0) == 7;
                    !(task.eq_ignore_ascii_case("notify") || stopped_probe)
                })
                .collect();
            if ops.is_empty() {
                continue;
            }
            let ops = crate::util::glib_sort(ops, &mut |a: &&cib::LrmRscOp, b: &&cib::LrmRscOp| {
                crate::unpack::history::cmp_newer(a, b, true)
            });
            let rsc = find_history_resource(st, &lr.id);
            let mut attrs: Vec<(&str, Option<String>)> = Vec::new();
            match rsc {
                None => {
                    attrs.push(("id", s(&lr.id)));
                    attrs.push(("orphan", b(true)));
                }
                Some(r) => {
                    let (count, last) = failcount(cib, st, nid, r);
                    attrs.push(("id", s(st.printable_id(r))));
                    attrs.push(("orphan", b(false)));
                    attrs.push(("migration-threshold", s(st.rsc(r).migration_threshold)));
                    if count > 0 {
                        attrs.push(("fail-count", s(count)));
                    }
                    if count > 0 && last > 0 {
                        attrs.push(("last-failure", s(ctime(last, opts.utc_offset_s))));
                    }
                }
            }
            open(&mut node_body, 6, "resource_history", &attrs);
            for op in ops {
                // `pcmk__scan_min_int(…, 0)`: below 0 reads as 0.
                let rc = op.rc_code.unwrap_or(0).max(0);
                el(
                    &mut node_body,
                    8,
                    "operation_history",
                    &[
                        ("call", op.call_id.map(|c| c.to_string())),
                        ("task", s(shown_task(op))),
                        ("rc", s(rc)),
                        ("rc_text", s(crate::summary::ocf_exit_text(rc))),
                        (
                            "interval",
                            op.interval.filter(|i| *i != 0).map(|i| format!("{i}ms")),
                        ),
                        (
                            "last-rc-change",
                            op.last_rc_change
                                .filter(|t| *t > 0)
                                .map(|t| ctime(t, opts.utc_offset_s)),
                        ),
                        ("exec-time", op.exec_time.map(|t| format!("{t}ms"))),
                        ("queue-time", op.queue_time.map(|t| format!("{t}ms"))),
                    ],
                );
            }
            close(&mut node_body, 6, "resource_history");
        }
        if !node_body.is_empty() {
            open(&mut body, 4, "node", &[("name", s(&st.node(nid).uname))]);
            body.push_str(&node_body);
            close(&mut body, 4, "node");
        }
    }
    if !any_node {
        return;
    }
    section(out, "node_history", &body, true);
}

/// An operation's task as crm_mon shows it: a monitor without interval is
/// a probe.
fn shown_task(op: &cib::LrmRscOp) -> &str {
    if op.operation.eq_ignore_ascii_case("monitor") && op.interval.unwrap_or(0) == 0 {
        "probe"
    } else {
        &op.operation
    }
}

/// `<bans>`: every node a configured location constraint gives a negative
/// score (`ban-list`), constraint by constraint as Pacemaker's list holds
/// them (newest first: it prepends).
fn bans(out: &mut String, st: &ClusterState, locations: &[crate::placement::Location]) {
    let mut body = String::new();
    for l in locations.iter().rev() {
        for (n, score) in &l.nodes {
            if score.value() >= 0 {
                continue;
            }
            let promoted = b(l.role_filter == Role::Promoted);
            el(
                &mut body,
                4,
                "ban",
                &[
                    ("id", s(&l.id)),
                    ("resource", s(&st.rsc(l.rsc).id)),
                    ("node", s(&st.node(*n).uname)),
                    ("weight", s(score.value())),
                    ("promoted-only", promoted.clone()),
                    ("master_only", promoted),
                ],
            );
        }
    }
    section(out, "bans", &body, false);
}
