//! Scripted scenarios on the simulated network: partition merges.

use std::collections::BTreeMap;

use cluster::sim::{SimConfig, SimNet};
use cluster::{ClusterConfig, NodeId, NodeInfo};
use replica::engine::{Command, Divergence, Engine, EngineConfig, Event};
use replica::ops::{empty_cib_xml, AttrScope, CibOp, Refusal, Version};
use replica::wire;

struct Bench {
    net: SimNet,
    engines: BTreeMap<NodeId, Engine>,
    replies: Vec<(NodeId, u64, Result<Version, Refusal>)>,
    diverged: Vec<(NodeId, Divergence)>,
}

impl Bench {
    fn new(nodes: u32, two_node: bool) -> Self {
        let mut cfg = ClusterConfig::new(
            (1..=nodes)
                .map(|i| NodeInfo::new(i, format!("n{i}")))
                .collect(),
        );
        cfg.two_node = two_node;
        let mut net = SimNet::new(cfg.clone(), SimConfig::default(), 1);
        let mut engines = BTreeMap::new();
        for i in 1..=nodes {
            net.start(i);
            let e = Engine::new(
                EngineConfig {
                    me: i,
                    incarnation: 1,
                    cluster: cfg.clone(),
                },
                &empty_cib_xml(),
            )
            .expect("engine");
            engines.insert(i, e);
        }
        let mut b = Bench {
            net,
            engines,
            replies: Vec::new(),
            diverged: Vec::new(),
        };
        b.settle();
        b
    }

    fn feed(&mut self, n: NodeId, ev: Event) {
        let Some(e) = self.engines.get_mut(&n) else {
            return;
        };
        for c in e.handle(ev) {
            match c {
                Command::Send(m) => self.net.multicast(n, wire::encode(&m)).expect("member"),
                Command::Reply { req, result } => self.replies.push((n, req, result)),
                Command::Diverged(d) => self.diverged.push((n, d)),
                Command::Fatal(f) => panic!("node {n}: {f}"),
                _ => {}
            }
        }
    }

    /// Runs until nothing is left to deliver.
    fn settle(&mut self) {
        for _ in 0..100_000 {
            let ready = self.net.ready_nodes();
            if ready.is_empty() {
                match self.net.next_due() {
                    Some(t) => self.net.advance_to(t),
                    None => return,
                }
                continue;
            }
            for n in ready {
                while let Some((_, ev)) = self.net.take_event(n) {
                    self.feed(n, Event::Cluster(ev));
                }
            }
        }
        panic!("the network did not settle");
    }

    fn set(&mut self, n: NodeId, req: u64, name: &str) {
        let op = CibOp::SetAttributes {
            node: format!("n{n}"),
            scope: AttrScope::Permanent,
            attrs: vec![(name.into(), Some("1".into()))],
        };
        self.feed(n, Event::Submit { req, op });
        self.settle();
    }
}

#[test]
fn two_node_split_brain_keeps_one_cib_and_reports_the_loser() {
    let mut b = Bench::new(2, true);
    b.net.partition(&[vec![1], vec![2]]);
    b.settle();
    // With two_node, each side keeps quorum and takes changes.
    b.set(1, 1, "left-a");
    b.set(1, 2, "left-b");
    b.set(2, 3, "right");
    assert!(b.replies.iter().all(|r| r.2.is_ok()), "{:?}", b.replies);
    b.net.heal();
    b.settle();
    let x1 = b.engines[&1].xml().to_string();
    assert_eq!(x1, b.engines[&2].xml(), "replicas differ after the merge");
    // Node 1 made more changes, so its copy wins; node 2's change is reported.
    assert!(
        x1.contains("left-b") && !x1.contains(r#"name="right""#),
        "{x1}"
    );
    assert_eq!(b.diverged.len(), 1, "{:?}", b.diverged);
    let (loser, d) = &b.diverged[0];
    assert_eq!(*loser, 2);
    assert!(d.lost_xml.contains(r#"name="right""#));
    assert_eq!(b.engines[&1].dc(), b.engines[&2].dc());
}

#[test]
fn a_minority_is_read_only_and_catches_up_silently() {
    let mut b = Bench::new(3, false);
    b.net.partition(&[vec![1, 2], vec![3]]);
    b.settle();
    b.set(1, 1, "majority");
    b.set(3, 2, "minority");
    assert!(
        matches!(
            b.replies.iter().find(|r| r.0 == 3).map(|r| &r.2),
            Some(Err(Refusal::NoQuorum))
        ),
        "{:?}",
        b.replies
    );
    assert!(
        b.engines[&3].snapshot().dc == Some(3),
        "the minority elects its own DC"
    );
    b.net.heal();
    b.settle();
    let x = b.engines[&3].xml().to_string();
    assert!(x.contains(r#"name="majority""#));
    assert!(b.engines.values().all(|e| e.xml() == x));
    // Node 3 was only behind: nothing to report.
    assert!(b.diverged.is_empty(), "{:?}", b.diverged);
}

#[test]
fn a_dc_that_leaves_is_replaced_in_the_next_view() {
    let mut b = Bench::new(3, false);
    let dc = b.engines[&1].dc().expect("a DC");
    b.net.crash(dc);
    b.engines.remove(&dc);
    b.settle();
    let dcs: Vec<_> = b.engines.values().map(|e| e.dc()).collect();
    assert!(
        dcs.iter()
            .all(|d| d.is_some() && *d == dcs[0] && *d != Some(dc)),
        "{dcs:?}"
    );
}
