//! `crm_mon -1 --output-as=xml`: the same facts as [`crate::mon`] in
//! Pacemaker's XML result layout (`<pacemaker-result>`): summary, nodes,
//! failures, status. Resources, node attributes and node history are not
//! written yet (their elements are left out). Pure: "now" and the time
//! zone are parameters, as for the text view.

use cib::Cib;

use crate::mon::{cib_option, ctime, mixed_version, MonOptions};
use crate::state::*;
use crate::util::parse_op_key;

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

/// One empty element with its attributes (`None` values left out, as
/// `crm_xml_add` does with NULL).
fn el(out: &mut String, indent: usize, name: &str, attrs: &[(&str, Option<String>)]) {
    out.push_str(&" ".repeat(indent));
    out.push('<');
    out.push_str(name);
    for (k, v) in attrs {
        if let Some(v) = v {
            out.push_str(&format!(" {k}=\"{}\"", esc(v)));
        }
    }
    out.push_str("/>\n");
}

fn b(v: bool) -> Option<String> {
    Some(if v { "true" } else { "false" }.to_string())
}

fn s(v: impl ToString) -> Option<String> {
    Some(v.to_string())
}

/// The whole document; `request` is the command line crm_mon would echo.
pub fn render(cib: &Cib, st: &ClusterState, opts: &MonOptions, request: &str) -> String {
    let mut out = format!(
        "<pacemaker-result api-version=\"2.25\" request=\"{}\">\n",
        esc(request)
    );
    summary(&mut out, cib, st, opts);
    nodes(&mut out, st);
    failures(&mut out, st, opts);
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
            (
                "node",
                s(f.on_node.as_deref().unwrap_or(&st.node(f.node).uname)),
            ),
            ("exitstatus", s(crate::summary::ocf_exit_text(f.rc))),
            ("exitreason", s(f.exit_reason.as_deref().unwrap_or("none"))),
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
