//! Synthetic CIBs of any size, for scaling measurements of the scheduler
//! (`pacer bench generate`).
//!
//! The corpus has no case larger than a few dozen resources; these CIBs
//! have thousands, laid out the way real clusters are, so that every stage
//! of the scheduler has work proportional to resources × nodes:
//!
//! - **nodes** `node1`…`nodeN`: every 16th is in standby, the last one (from
//!   4 nodes on) is cleanly offline; fencing is disabled, so nothing waits
//!   for it.
//! - **resources**, per block of 100 primitives: an anonymous clone on every
//!   node, a cloned group of two primitives on every node, a promotable
//!   clone of three instances (Stateful, one promoted), 12 groups of 4
//!   primitives, 48 single primitives. Primitives beyond the last whole
//!   block are single. Every primitive has a 10 s monitor.
//! - **constraints**: each single primitive and group prefers a node (50);
//!   one single primitive in ten is banned from a node; groups are colocated
//!   with and ordered after their block's clone, the cloned group after the
//!   clone; every fourth pair of single primitives is colocated and ordered;
//!   one single primitive per block follows the promoted instance.
//! - **status** (`resource-stickiness` 100, so running resources stay where
//!   they are): 70 % of single primitives and groups run (mostly on their
//!   preferred node), 20 % never ran, 10 % failed to start somewhere (fail
//!   count INFINITY); clones run on every online node but one. Resources on
//!   standby nodes must move; operation digests are the real ones, so
//!   nothing restarts for a parameter change. Nodes have no probe history
//!   for resources that never ran there, so those are probed.
//!
//! The output is a pure function of [`Params`] (a seeded generator).
//!
//! ```
//! let xml = corpus::synthetic::generate(&corpus::synthetic::Params {
//!     primitives: 100,
//!     nodes: 4,
//!     seed: 1,
//! });
//! assert!(xml.contains(r#"<primitive id="p0-0""#));
//! ```

use std::fmt::Write;

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    /// Configured primitives (a clone's primitive counts once).
    pub primitives: usize,
    pub nodes: usize,
    pub seed: u64,
}

/// Digest of an operation without parameters (`<parameters/>`).
const DIGEST_NONE: &str = "f2317cad3d54cec5d7d7aa7d0bf35cf8";
/// Digest of a recurring operation with a 20 s timeout and no parameters.
const DIGEST_MONITOR: &str = "4811cef7f7f94e3a35a70be7916cb2fd";
/// The transition UUID of every recorded operation.
const UUID: &str = "0c1d2e3f-4a5b-4c6d-8e7f-000000000001";
/// The execution date the CIB records (2023-11-14 22:13:20 UTC).
const EXECUTION_DATE: i64 = 1_700_000_000;

/// splitmix64: small, seeded and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }
}

/// Where a primitive's history puts it.
#[derive(Clone, Copy)]
enum History {
    Running(usize),
    Promoted(usize),
    Failed(usize),
}

impl History {
    fn node(self) -> usize {
        match self {
            History::Running(n) | History::Promoted(n) | History::Failed(n) => n,
        }
    }
}

/// One `<lrm_resource>` to write into a node's status.
struct Entry {
    id: String,
    agent: &'static str,
    history: History,
}

struct Gen {
    p: Params,
    rng: Rng,
    resources: String,
    constraints: String,
    /// Per node: its `<lrm_resource>` entries and transient attributes.
    lrm: Vec<Vec<Entry>>,
    attrs: Vec<Vec<(String, String)>>,
    online: Vec<bool>,
    standby: Vec<bool>,
}

fn node_name(n: usize) -> String {
    format!("node{}", n + 1)
}

/// A CIB as described in the module documentation.
pub fn generate(p: &Params) -> String {
    let nodes = p.nodes.max(1);
    let online: Vec<bool> = (0..nodes).map(|n| nodes < 4 || n + 1 < nodes).collect();
    let standby: Vec<bool> = (0..nodes).map(|n| n % 16 == 15).collect();
    let mut g = Gen {
        p: Params { nodes, ..*p },
        rng: Rng(p.seed),
        resources: String::with_capacity(p.primitives * 400),
        constraints: String::with_capacity(p.primitives * 150),
        lrm: (0..nodes).map(|_| Vec::new()).collect(),
        attrs: (0..nodes).map(|_| Vec::new()).collect(),
        online,
        standby,
    };
    let blocks = p.primitives / 100;
    for b in 0..blocks {
        g.block(b, 48);
    }
    let rest = p.primitives % 100;
    if rest > 0 {
        g.singles(blocks, rest, None);
    }
    g.finish()
}

impl Gen {
    fn online_nodes(&self) -> Vec<usize> {
        (0..self.p.nodes).filter(|&n| self.online[n]).collect()
    }

    /// A node for a resource that prefers `pref`: usually `pref`, sometimes
    /// another online node.
    fn running_node(&mut self, pref: usize) -> Option<usize> {
        let online = self.online_nodes();
        if online.is_empty() {
            return None;
        }
        if self.online[pref] && self.rng.percent(85) {
            return Some(pref);
        }
        Some(online[self.rng.below(online.len())])
    }

    fn primitive(&mut self, id: &str, agent: &'static str) {
        let ops = if agent == "Stateful" {
            format!(
                r#"<op id="{id}-mon-p" name="monitor" interval="10s" timeout="20s" role="Promoted"/><op id="{id}-mon-u" name="monitor" interval="11s" timeout="20s" role="Unpromoted"/>"#
            )
        } else {
            format!(r#"<op id="{id}-mon" name="monitor" interval="10s" timeout="20s"/>"#)
        };
        let _ = write!(
            self.resources,
            r#"<primitive id="{id}" class="ocf" provider="pacemaker" type="{agent}"><operations>{ops}</operations></primitive>"#
        );
    }

    fn record(&mut self, node: usize, id: &str, agent: &'static str, history: History) {
        self.lrm[node].push(Entry {
            id: id.to_string(),
            agent,
            history,
        });
        if let History::Failed(_) = history {
            self.attrs[node].push((format!("fail-count-{id}#start_0"), "INFINITY".into()));
            self.attrs[node].push((
                format!("last-failure-{id}#start_0"),
                (EXECUTION_DATE - 600).to_string(),
            ));
        }
    }

    /// What happened to a single primitive or group: running, never ran or
    /// failed; returns the node and the kind of history.
    fn fate(&mut self, pref: usize) -> Option<History> {
        let roll = self.rng.below(100);
        if roll < 70 {
            self.running_node(pref).map(History::Running)
        } else if roll < 90 {
            None
        } else {
            self.running_node(pref).map(History::Failed)
        }
    }

    fn location(&mut self, id: &str, rsc: &str, node: usize, score: &str) {
        let _ = write!(
            self.constraints,
            r#"<rsc_location id="{id}" rsc="{rsc}" node="{}" score="{score}"/>"#,
            node_name(node)
        );
    }

    /// `count` single primitives of block `b`; `promoted` names the block's
    /// promotable clone for the first to follow.
    fn singles(&mut self, b: usize, count: usize, promoted: Option<&str>) {
        for i in 0..count {
            let id = format!("p{b}-{i}");
            self.primitive(&id, "Dummy");
            let pref = self.rng.below(self.p.nodes);
            self.location(&format!("loc-{id}"), &id, pref, "50");
            if self.rng.percent(10) {
                let ban = self.rng.below(self.p.nodes);
                self.location(&format!("ban-{id}"), &id, ban, "-INFINITY");
            }
            if i % 2 == 1 && i % 8 == 1 {
                let prev = format!("p{b}-{}", i - 1);
                let _ = write!(
                    self.constraints,
                    r#"<rsc_colocation id="col-{id}" rsc="{id}" with-rsc="{prev}" score="INFINITY"/><rsc_order id="ord-{id}" first="{prev}" then="{id}" kind="Optional"/>"#
                );
            }
            if let (0, Some(ms)) = (i, promoted) {
                let _ = write!(
                    self.constraints,
                    r#"<rsc_colocation id="col-{id}-ms" rsc="{id}" with-rsc="{ms}" with-rsc-role="Promoted" score="INFINITY"/><rsc_order id="ord-{id}-ms" first="{ms}" first-action="promote" then="{id}" then-action="start"/>"#
                );
            }
            if let Some(h) = self.fate(pref) {
                self.record(h.node(), &id, "Dummy", h);
            }
        }
    }

    /// A clone of `members` (one primitive, or a group of several) running
    /// on every online node but one.
    fn clone(&mut self, id: &str, child: &str, members: &[String], meta: &str) {
        let _ = write!(
            self.resources,
            r#"<clone id="{id}"><meta_attributes id="{id}-meta"><nvpair id="{id}-il" name="interleave" value="true"/>{meta}</meta_attributes>"#
        );
        if members.len() > 1 {
            let _ = write!(self.resources, r#"<group id="{child}">"#);
        }
        for m in members {
            self.primitive(m, "Dummy");
        }
        if members.len() > 1 {
            self.resources.push_str("</group>");
        }
        self.resources.push_str("</clone>");
        let online = self.online_nodes();
        let skip = online.get(self.rng.below(online.len())).copied();
        for n in online {
            if Some(n) == skip {
                continue;
            }
            for m in members {
                self.record(n, m, "Dummy", History::Running(n));
            }
        }
    }

    fn block(&mut self, b: usize, singles: usize) {
        // The block's clones.
        let cl = format!("cl{b}");
        self.clone(&cl, &format!("clp{b}"), &[format!("clp{b}")], "");
        let clg = format!("clg{b}");
        self.clone(
            &clg,
            &format!("cg{b}"),
            &[format!("cg{b}-a"), format!("cg{b}-b")],
            "",
        );
        let _ = write!(
            self.constraints,
            r#"<rsc_order id="ord-{clg}" first="{cl}" then="{clg}"/>"#
        );
        // The promotable clone: three instances, one promoted.
        let ms = format!("ms{b}");
        let msp = format!("msp{b}");
        let _ = write!(
            self.resources,
            r#"<clone id="{ms}"><meta_attributes id="{ms}-meta"><nvpair id="{ms}-pr" name="promotable" value="true"/><nvpair id="{ms}-cm" name="clone-max" value="3"/><nvpair id="{ms}-pm" name="promoted-max" value="1"/></meta_attributes>"#
        );
        self.primitive(&msp, "Stateful");
        self.resources.push_str("</clone>");
        let online = self.online_nodes();
        let first = self.rng.below(online.len().max(1));
        for k in 0..online.len().min(3) {
            let n = online[(first + k) % online.len()];
            let h = if k == 0 {
                History::Promoted(n)
            } else {
                History::Running(n)
            };
            self.record(n, &msp, "Stateful", h);
            let score = if k == 0 { "10" } else { "5" };
            self.attrs[n].push((format!("master-{msp}"), score.into()));
        }
        // Groups after the clone.
        for j in 0..12 {
            let gid = format!("g{b}-{j}");
            let _ = write!(self.resources, r#"<group id="{gid}">"#);
            let members: Vec<String> = (0..4).map(|m| format!("{gid}-{m}")).collect();
            for m in &members {
                self.primitive(m, "Dummy");
            }
            self.resources.push_str("</group>");
            let pref = self.rng.below(self.p.nodes);
            self.location(&format!("loc-{gid}"), &gid, pref, "50");
            let _ = write!(
                self.constraints,
                r#"<rsc_colocation id="col-{gid}" rsc="{gid}" with-rsc="{cl}" score="INFINITY"/><rsc_order id="ord-{gid}" first="{cl}" then="{gid}"/>"#
            );
            if let Some(h) = self.fate(pref) {
                // The last member of some running groups is stopped; a
                // group whose first member failed has nothing else running.
                let running = match h {
                    History::Failed(_) => 1,
                    _ if self.rng.percent(10) => 3,
                    _ => 4,
                };
                for m in &members[..running] {
                    self.record(h.node(), m, "Dummy", h);
                }
            }
        }
        self.singles(b, singles, Some(&ms));
    }

    fn finish(self) -> String {
        let mut out = String::with_capacity(self.resources.len() * 3);
        let _ = write!(
            out,
            r#"<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="1" admin_epoch="0" have-quorum="1" dc-uuid="1" execution-date="{EXECUTION_DATE}"><configuration><crm_config><cluster_property_set id="cib-bootstrap-options"><nvpair id="opt-stonith" name="stonith-enabled" value="false"/><nvpair id="opt-name" name="cluster-name" value="synthetic"/></cluster_property_set></crm_config><nodes>"#
        );
        for n in 0..self.p.nodes {
            let _ = write!(out, r#"<node id="{}" uname="{}">"#, n + 1, node_name(n));
            if self.standby[n] {
                let _ = write!(
                    out,
                    r#"<instance_attributes id="node{}-ia"><nvpair id="node{}-standby" name="standby" value="on"/></instance_attributes>"#,
                    n + 1,
                    n + 1
                );
            }
            out.push_str("</node>");
        }
        out.push_str("</nodes><resources>");
        out.push_str(&self.resources);
        out.push_str("</resources><constraints>");
        out.push_str(&self.constraints);
        out.push_str(
            r#"</constraints><rsc_defaults><meta_attributes id="rsc-options"><nvpair id="rsc-stickiness" name="resource-stickiness" value="100"/></meta_attributes></rsc_defaults></configuration><status>"#,
        );
        for n in 0..self.p.nodes {
            let id = n + 1;
            let name = node_name(n);
            if !self.online[n] {
                let _ = write!(
                    out,
                    r#"<node_state id="{id}" uname="{name}" in_ccm="false" crmd="offline" join="down" expected="down"/>"#
                );
                continue;
            }
            let _ = write!(
                out,
                r#"<node_state id="{id}" uname="{name}" in_ccm="true" crmd="online" join="member" expected="member" crm-debug-origin="synthetic"><transient_attributes id="{id}"><instance_attributes id="status-{id}">"#
            );
            for (k, (attr, value)) in self.attrs[n].iter().enumerate() {
                let _ = write!(
                    out,
                    r#"<nvpair id="status-{id}-{k}" name="{attr}" value="{value}"/>"#
                );
            }
            let _ = write!(
                out,
                r#"</instance_attributes></transient_attributes><lrm id="{id}"><lrm_resources>"#
            );
            for (call, e) in self.lrm[n].iter().enumerate() {
                write_entry(&mut out, e, &name, call);
            }
            out.push_str("</lrm_resources></lrm></node_state>");
        }
        out.push_str("</status></cib>\n");
        out
    }
}

fn write_entry(out: &mut String, e: &Entry, node: &str, call: usize) {
    let id = &e.id;
    let agent = e.agent;
    let when = EXECUTION_DATE - 3600;
    let op = |out: &mut String, key: &str, task: &str, interval_ms: u32, rc: u8, call_id: usize| {
        let digest = if interval_ms == 0 {
            DIGEST_NONE
        } else {
            DIGEST_MONITOR
        };
        let op_id = if interval_ms == 0 {
            if rc == 0 || rc == 8 {
                format!("{id}_last_0")
            } else {
                format!("{id}_last_failure_0")
            }
        } else {
            format!("{id}_monitor_{interval_ms}")
        };
        // What the operation was expected to return: promoted for a
        // promoted monitor, success otherwise (a failure differs from it).
        let target = if rc == 8 { 8 } else { 0 };
        let _ = write!(
            out,
            r#"<lrm_rsc_op id="{op_id}" operation_key="{id}_{key}" operation="{task}" crm-debug-origin="synthetic" crm_feature_set="3.16.1" transition-key="{call_id}:1:{target}:{UUID}" transition-magic="0:{rc};{call_id}:1:{target}:{UUID}" exit-reason="" on_node="{node}" call-id="{call_id}" rc-code="{rc}" op-status="0" interval="{interval_ms}" last-rc-change="{when}" exec-time="10" queue-time="0" op-digest="{digest}"/>"#
        );
    };
    let _ = write!(
        out,
        r#"<lrm_resource id="{id}" class="ocf" provider="pacemaker" type="{agent}">"#
    );
    let call_id = call * 3 + 2;
    match e.history {
        History::Running(_) => {
            op(out, "start_0", "start", 0, 0, call_id);
            let interval = if agent == "Stateful" { 11000 } else { 10000 };
            op(
                out,
                &format!("monitor_{interval}"),
                "monitor",
                interval,
                0,
                call_id + 1,
            );
        }
        History::Promoted(_) => {
            op(out, "promote_0", "promote", 0, 0, call_id);
            op(out, "monitor_10000", "monitor", 10000, 8, call_id + 1);
        }
        History::Failed(_) => {
            // The failure, and the stop that recovered from it.
            op(out, "start_0", "start", 0, 1, call_id);
            op(out, "stop_0", "stop", 0, 0, call_id + 1);
        }
    }
    out.push_str("</lrm_resource>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_determinism() {
        let p = Params {
            primitives: 250,
            nodes: 16,
            seed: 7,
        };
        let xml = generate(&p);
        assert_eq!(xml, generate(&p));
        assert_eq!(xml.matches("<primitive ").count(), 250);
        assert_eq!(xml.matches("<node id=").count(), 16);
        assert_ne!(xml, generate(&Params { seed: 8, ..p }));
    }
}
