//! `crm_mon -1`'s text view of a CIB: the cluster summary, the node list,
//! the resources (shared with crm_simulate's printer in [`crate::summary`]),
//! the fail counts ("Migration Summary", `-f`) and the failed actions.
//!
//! Pure like the rest of the crate: the time printed as "Last updated" and
//! the time zone dates are shown in are parameters.
//!
//! ```
//! let cib = cib::Cib::from_xml_lenient(r#"<cib epoch="1" num_updates="0" admin_epoch="0">
//!   <configuration><crm_config/><nodes/><resources/><constraints/></configuration>
//!   <status/></cib>"#).unwrap().0;
//! let st = scheduler::unpack(&cib, 0);
//! let text = scheduler::mon::render(&cib, &st, &scheduler::mon::MonOptions::default());
//! assert!(text.starts_with("Cluster Summary:\n  * Stack: unknown\n  * Current DC: NONE\n"));
//! ```

use cib::Cib;

use crate::state::*;
use crate::summary::{node_list, resource_list, Header, Out, ShowOptions};
use crate::util::parse_op_key;

/// What `crm_mon` was asked to show.
#[derive(Clone, Copy, Debug, Default)]
pub struct MonOptions {
    /// `-r`: inactive resources too ("Full List of Resources").
    pub inactive: bool,
    /// `-f`: the "Migration Summary" with fail counts.
    pub failcounts: bool,
    /// Shown as "Last updated" (seconds since the epoch).
    pub now_s: i64,
    /// Dates are printed in this offset from UTC (crm_mon uses local time).
    pub utc_offset_s: i32,
}

/// The whole one-shot view.
pub fn render(cib: &Cib, st: &ClusterState, opts: &MonOptions) -> String {
    let mut out = Out::new();
    let printed = summary(&mut out, cib, st, opts);
    let mut any = printed;
    if node_list_spaced(&mut out, st, any) {
        any = true;
    }
    let show = ShowOptions {
        pending: true,
        inactive: opts.inactive,
    };
    resource_list(&mut out, st, show, any);
    any = true;
    if opts.failcounts && migration_summary(&mut out, cib, st, opts, any) {
        any = true;
    }
    failed_actions(&mut out, st, opts, any);
    out.buf
}

fn node_list_spaced(out: &mut Out, st: &ClusterState, spacer: bool) -> bool {
    if st.node_order.is_empty() {
        return false;
    }
    if spacer {
        out.spacer();
    }
    node_list(out, st)
}

/// `cluster-summary`: stack, DC, times, counts, then the maintenance notice.
fn summary(out: &mut Out, cib: &Cib, st: &ClusterState, opts: &MonOptions) -> bool {
    out.begin_list("Cluster Summary");
    let stack = cib_option(cib, "cluster-infrastructure").unwrap_or("unknown");
    out.item(Some("Stack"), stack);
    let dc = st.nodes.iter().find(|n| n.is_dc);
    match dc {
        Some(n) => {
            let version = cib_option(cib, "dc-version").unwrap_or("unknown");
            let mixed = if mixed_version(st) {
                "MIXED-VERSION "
            } else {
                ""
            };
            let quorum = if st.have_quorum { "with" } else { "WITHOUT" };
            out.item(
                Some("Current DC"),
                &format!(
                    "{} (version {version}) - {mixed}partition {quorum} quorum",
                    n.uname
                ),
            );
        }
        None => out.item(Some("Current DC"), "NONE"),
    }
    out.item(Some("Last updated"), &ctime(opts.now_s, opts.utc_offset_s));
    let mut change = String::new();
    if cib.cib_last_written.is_some()
        || cib.update_user.is_some()
        || cib.update_client.is_some()
        || cib.update_origin.is_some()
    {
        change.push_str(cib.cib_last_written.as_deref().unwrap_or(""));
        for (word, v) in [
            (" by ", &cib.update_user),
            (" via ", &cib.update_client),
            (" on ", &cib.update_origin),
        ] {
            if let Some(v) = v {
                change.push_str(word);
                change.push_str(v);
            }
        }
    }
    out.item(Some("Last change"), &format!(" {change}"));
    let n = st.nodes.len();
    out.item(None, &format!("{n} node{} configured", plural(n)));
    let c = st.counts;
    let r = c.instances;
    let mut line = format!("{r} resource instance{} configured", plural(r));
    match (c.disabled, c.blocked) {
        (0, 0) => {}
        (d, 0) => line.push_str(&format!(" ({d} DISABLED)")),
        (0, b) => line.push_str(&format!(
            " ({b} BLOCKED from further action due to failure)"
        )),
        (d, b) => line.push_str(&format!(
            " ({d} DISABLED, {b} BLOCKED from further action due to failure)"
        )),
    }
    out.item(None, &line);
    out.end_list();
    if st.options.maintenance_mode {
        out.buf
            .push_str("\n              *** Resource management is DISABLED ***\n");
        out.buf
            .push_str("  The cluster will not attempt to start, stop or recover services\n");
    } else if st.options.stop_all_resources {
        out.buf
            .push_str("\n    *** Resource management is DISABLED ***\n");
        out.buf
            .push_str("  The cluster will keep all resources stopped\n");
    }
    true
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The first `nvpair` named `name` in `crm_config` (Pacemaker looks it up
/// by XPath anywhere in the document; cluster options are where it is).
pub(crate) fn cib_option<'c>(cib: &'c Cib, name: &str) -> Option<&'c str> {
    cib.configuration
        .crm_config
        .iter()
        .flat_map(|s| s.nvpairs.iter())
        .find(|p| p.name == name)
        .and_then(|p| p.value.as_deref())
}

/// `is_mixed_version`: online cluster nodes report different feature sets.
pub(crate) fn mixed_version(st: &ClusterState) -> bool {
    let mut seen: Option<&str> = None;
    for (i, n) in st.nodes.iter().enumerate() {
        if !n.online || st.is_guest_or_remote(NodeId(i)) {
            continue;
        }
        let fs = n
            .attrs
            .get("#feature-set")
            .map(String::as_str)
            .unwrap_or("<3.15.1");
        match seen {
            None => seen = Some(fs),
            Some(s) if s != fs => return true,
            Some(_) => {}
        }
    }
    false
}

/// `pcmk__epoch2str`: ctime's layout without the newline.
pub fn ctime(epoch_s: i64, utc_offset_s: i32) -> String {
    use chrono::{FixedOffset, TimeZone};
    let tz = FixedOffset::east_opt(utc_offset_s)
        .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset is valid"));
    match tz.timestamp_opt(epoch_s, 0).single() {
        Some(t) => t.format("%a %b %e %H:%M:%S %Y").to_string(),
        None => epoch_s.to_string(),
    }
}

/// `pcmk__readable_interval`.
pub fn readable_interval(ms: u64) -> String {
    const S: u64 = 1000;
    const M: u64 = S * 60;
    const H: u64 = M * 60;
    const D: u64 = H * 24;
    let mut ms = ms;
    let mut s = String::new();
    for (unit, name) in [(D, "d"), (H, "h"), (M, "m")] {
        if ms > unit {
            s.push_str(&format!("{}{name}", ms / unit));
            ms %= unit;
        }
    }
    if ms > S {
        s.push_str(&format!("{}", ms / S));
        ms %= S;
        if ms > 0 {
            s.push_str(&format!(".{ms:03}"));
        }
        s.push('s');
    } else if ms > 0 {
        s.push_str(&format!("{ms}ms"));
    } else if s.is_empty() {
        s.push_str("0s");
    }
    s
}

/// `pcmk_exec_status_str`.
pub fn exec_status_text(status: i64) -> &'static str {
    match status {
        -1 => "pending",
        0 => "complete",
        1 => "Cancelled",
        2 => "Timed Out",
        3 => "NOT SUPPORTED",
        4 => "Error",
        5 => "Hard error",
        6 => "Fatal error",
        7 => "Not installed",
        8 => "Internal communication failure",
        9 => "Cannot execute now",
        10 => "No fence device",
        11 => "CIB secrets unavailable",
        _ => "UNKNOWN!",
    }
}

/// The fail count of a resource on a node as `pe_get_failcount` reads it
/// without options (no failure timeout, no fillers), and the last failure.
pub fn failcount(cib: &Cib, st: &ClusterState, node: NodeId, rsc: RscId) -> (i32, i64) {
    let (count, last, _) = crate::unpack::failcount::raw_failcount(cib, st, node, rsc, None);
    (count, last)
}

/// The resource a history entry (`lrm_resource id`) refers to, as
/// `pe_find_resource` finds it (its id, or the name its history used).
pub fn find_history_resource(st: &ClusterState, id: &str) -> Option<RscId> {
    fn walk(st: &ClusterState, r: RscId, id: &str) -> Option<RscId> {
        let res = st.rsc(r);
        if res.id == id || res.clone_name.as_deref() == Some(id) {
            return Some(r);
        }
        res.children.iter().find_map(|&c| walk(st, c, id))
    }
    st.top.iter().find_map(|&r| walk(st, r, id))
}

/// The online nodes' `node_state`s, in the status section's order (how
/// crm_mon walks the nodes for fail counts and operation history).
pub(crate) fn online_node_histories<'c>(
    cib: &'c Cib,
    st: &'c ClusterState,
) -> impl Iterator<Item = (NodeId, &'c cib::NodeState)> + 'c {
    cib.status.node_states.iter().filter_map(move |ns| {
        let nid = st.nodes.iter().position(|n| n.id == ns.id).map(NodeId)?;
        st.node(nid).online.then_some((nid, ns))
    })
}

/// `node-summary` with fail counts: one list per online node with failures.
fn migration_summary(
    out: &mut Out,
    cib: &Cib,
    st: &ClusterState,
    opts: &MonOptions,
    spacer: bool,
) -> bool {
    let mut header = Header::new();
    for (nid, ns) in online_node_histories(cib, st) {
        header.open(out, spacer, "Migration Summary");
        let mut node_open = false;
        for lr in ns.lrm_resources() {
            let Some(rsc) = find_history_resource(st, &lr.id) else {
                continue;
            };
            let (count, last) = failcount(cib, st, nid, rsc);
            if count <= 0 {
                continue;
            }
            if !node_open {
                out.begin_list(&format!("Node: {}", st.node(nid).uname));
                node_open = true;
            }
            let mut line = format!(
                "{}: migration-threshold={} fail-count={count}",
                lr.id,
                st.rsc(rsc).migration_threshold
            );
            if last > 0 {
                line.push_str(&format!(
                    " last-failure='{}'",
                    ctime(last, opts.utc_offset_s)
                ));
            }
            out.item(None, &line);
        }
        if node_open {
            out.end_list();
        }
    }
    header.close(out);
    header.printed
}

/// `failed-action-list` in the friendly layout.
fn failed_actions(out: &mut Out, st: &ClusterState, opts: &MonOptions, spacer: bool) -> bool {
    let mut header = Header::new();
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
        header.open(out, spacer, "Failed Resource Actions");
        out.item(None, &failed_action_text(st, f, opts));
    }
    header.close(out);
    header.printed
}

fn failed_action_text(st: &ClusterState, f: &FailedOp, opts: &MonOptions) -> String {
    let (rsc, task, interval_ms) = parse_op_key(&f.op_key).unwrap_or_else(|| {
        (
            "unknown resource".to_string(),
            "unknown action".to_string(),
            0,
        )
    });
    let mut s = format!("{rsc} ");
    if interval_ms != 0 {
        s.push_str(&format!("{}-interval ", readable_interval(interval_ms)));
    }
    let action = if interval_ms == 0 && task.eq_ignore_ascii_case("monitor") {
        "probe"
    } else {
        task.as_str()
    };
    s.push_str(&format!("{action} on {}", st.node(f.node).uname));
    let reason = f.exit_reason.as_deref().filter(|r| !r.is_empty());
    if f.status == 0 {
        s.push_str(&format!(
            " returned '{}'",
            crate::summary::ocf_exit_text(f.rc)
        ));
        if let Some(r) = reason {
            s.push_str(&format!(" ({r})"));
        }
    } else {
        s.push_str(&format!(
            " could not be executed ({}",
            exec_status_text(f.status)
        ));
        if let Some(r) = reason {
            s.push_str(&format!(": {r}"));
        }
        s.push(')');
    }
    if let Some(t) = f.last_rc_change {
        s.push_str(&format!(" at {}", ctime(t, opts.utc_offset_s)));
    }
    if let Some(ms) = f.exec_time.filter(|&ms| ms > 0) {
        s.push_str(&format!(" after {}", readable_interval(ms as u64)));
    }
    s
}

/// `pacer status --json`: a stable JSON shape of the same facts (documented
/// in README.md). Fields are only ever added.
pub fn to_json(cib: &Cib, st: &ClusterState) -> serde_json::Value {
    use serde_json::json;
    let dc = st.nodes.iter().find(|n| n.is_dc).map(|n| n.uname.clone());
    let nodes: Vec<_> = st
        .node_order
        .iter()
        .map(|&nid| {
            let n = st.node(nid);
            let kind = if st.is_guest_node(nid) {
                "guest"
            } else if st.is_remote_node(nid) {
                "remote"
            } else {
                "member"
            };
            json!({
                "name": n.uname, "id": n.id, "type": kind, "online": n.online,
                "standby": n.standby, "standby_onfail": n.standby_onfail,
                "maintenance": n.maintenance, "pending": n.pending, "unclean": n.unclean,
                "shutdown": n.shutdown, "dc": n.is_dc,
                "resources_running": n.running_rsc.len(),
            })
        })
        .collect();
    fn rsc_json(st: &ClusterState, r: RscId) -> serde_json::Value {
        let res = st.rsc(r);
        let (kind, agent) = match &res.kind {
            ResourceKind::Primitive(p) => (
                "primitive",
                Some(match &p.provider {
                    Some(pr) => format!("{}:{}:{}", p.class, pr, p.agent),
                    None => format!("{}:{}", p.class, p.agent),
                }),
            ),
            ResourceKind::Group => ("group", None),
            ResourceKind::Clone(_) => ("clone", None),
            ResourceKind::Bundle(_) => ("bundle", None),
        };
        let mut locs = Vec::new();
        st.locations(r, false, &mut locs);
        let nodes: Vec<&str> = locs.iter().map(|&n| st.node(n).uname.as_str()).collect();
        json!({
            "id": res.id, "kind": kind, "agent": agent,
            "role": format!("{:?}", st.current_role(r)),
            "target_role": res.target_role_meta(),
            "managed": res.flags.managed, "failed": res.flags.failed,
            "orphan": res.flags.orphan, "blocked": res.flags.block,
            "nodes": nodes,
            "children": res.children.iter().map(|&c| rsc_json(st, c)).collect::<Vec<_>>(),
        })
    }
    let resources: Vec<_> = st.top.iter().map(|&r| rsc_json(st, r)).collect();
    let mut failcounts = Vec::new();
    for ns in &cib.status.node_states {
        let Some(nid) = st.nodes.iter().position(|n| n.id == ns.id).map(NodeId) else {
            continue;
        };
        for lr in ns.lrm_resources() {
            let Some(rsc) = find_history_resource(st, &lr.id) else {
                continue;
            };
            let (count, last) = failcount(cib, st, nid, rsc);
            if count > 0 {
                failcounts.push(json!({
                    "node": st.node(nid).uname, "resource": lr.id, "fail_count": count,
                    "migration_threshold": st.rsc(rsc).migration_threshold,
                    "last_failure": (last > 0).then_some(last),
                }));
            }
        }
    }
    let failed: Vec<_> = st
        .failed_ops
        .iter()
        .map(|f| {
            json!({
                "key": f.op_key, "task": f.task, "interval_ms": f.interval_ms,
                "node": st.node(f.node).uname, "rc": f.rc,
                "rc_text": crate::summary::ocf_exit_text(f.rc),
                "status": exec_status_text(f.status), "exit_reason": f.exit_reason,
                "last_rc_change": f.last_rc_change, "exec_time_ms": f.exec_time,
            })
        })
        .collect();
    json!({
        "cluster": {
            "stack": cib_option(cib, "cluster-infrastructure"),
            "dc": dc, "dc_version": cib_option(cib, "dc-version"),
            "quorum": st.have_quorum,
            "cib_version": format!("{}.{}.{}", cib.admin_epoch, cib.epoch, cib.num_updates),
            "last_written": cib.cib_last_written,
            "nodes_configured": st.nodes.len(),
            "resource_instances": st.counts.instances,
            "disabled": st.counts.disabled, "blocked": st.counts.blocked,
            "maintenance_mode": st.options.maintenance_mode,
            "stop_all_resources": st.options.stop_all_resources,
        },
        "nodes": nodes,
        "resources": resources,
        "failcounts": failcounts,
        "failed_actions": failed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_read_as_pacemaker_prints_them() {
        assert_eq!(readable_interval(0), "0s");
        assert_eq!(readable_interval(500), "500ms");
        assert_eq!(readable_interval(1000), "1000ms");
        assert_eq!(readable_interval(10_000), "10s");
        assert_eq!(readable_interval(1_500), "1.500s");
        assert_eq!(readable_interval(90_000), "1m30s");
        assert_eq!(readable_interval(3_600_000), "60m");
    }

    #[test]
    fn ctime_layout() {
        assert_eq!(ctime(1_344_986_684, 0), "Tue Aug 14 23:24:44 2012");
        assert_eq!(ctime(0, 0), "Thu Jan  1 00:00:00 1970");
    }
}
