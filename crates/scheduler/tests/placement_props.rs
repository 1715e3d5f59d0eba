//! Properties of the scheduler over random CIBs generated from a small
//! grammar (nodes online, offline, in standby or maintenance; primitives,
//! groups, clones, promotable clones, cloned groups; location, colocation,
//! order and ticket constraints, resource sets; resources running, promoted,
//! failed to start or failed their monitor on nodes):
//!
//! - placement never panics, is deterministic, and assigns every primitive
//!   to at most one node;
//! - the whole `crm_simulate -S` pipeline (actions, graph, simulated
//!   execution, revised status) never panics, gives byte-identical text and
//!   graph XML for the same input, and never leaves a primitive outside any
//!   clone active on more nodes than one (unless it already was).

use proptest::prelude::*;
use proptest::strategy::ValueTree;

const SCORES: [&str; 9] = [
    "-INFINITY",
    "-100",
    "-1",
    "0",
    "1",
    "50",
    "100",
    "INFINITY",
    "+INFINITY",
];
const ROLES: [&str; 4] = ["Started", "Stopped", "Promoted", "Unpromoted"];

#[derive(Clone, Debug)]
struct NodeSpec {
    online: bool,
    standby: bool,
    maintenance: bool,
    rack: u8,
    cpu: u8,
}

#[derive(Clone, Debug)]
enum Kind {
    Primitive,
    Group(u8),
    Clone {
        max: u8,
        node_max: u8,
        promotable: bool,
        interleave: bool,
        unique: bool,
        group: bool,
    },
}

#[derive(Clone, Debug)]
struct RscSpec {
    kind: Kind,
    stickiness: u8,
    target_role: Option<u8>,
    migration_threshold: u8,
    cpu: u8,
    /// (node, rc): 0 running, 8 promoted, 1 failed to start, 7 failed its
    /// monitor (found not running).
    history: Vec<(u8, u8)>,
}

#[derive(Clone, Debug)]
enum Cons {
    Location {
        rsc: u8,
        node: u8,
        score: u8,
        role: Option<u8>,
        exclusive: bool,
    },
    Colocation {
        rsc: u8,
        with: u8,
        score: u8,
        rsc_role: Option<u8>,
        with_role: Option<u8>,
        by_rack: bool,
        influence: Option<bool>,
    },
    Order {
        first: u8,
        then: u8,
        kind: u8,
        symmetrical: Option<bool>,
    },
    ColocationSet {
        members: Vec<u8>,
        score: u8,
        sequential: bool,
    },
    OrderSet {
        members: Vec<u8>,
        require_all: bool,
    },
    Ticket {
        rsc: u8,
        loss: u8,
        role: Option<u8>,
    },
}

#[derive(Clone, Debug)]
struct Spec {
    nodes: Vec<NodeSpec>,
    rscs: Vec<RscSpec>,
    cons: Vec<Cons>,
    symmetric: bool,
    strategy: u8,
    stop_all: bool,
    quorum: bool,
    no_quorum_policy: u8,
    ticket_granted: bool,
}

fn node_spec() -> impl Strategy<Value = NodeSpec> {
    (
        prop::bool::weighted(0.85),
        prop::bool::weighted(0.1),
        prop::bool::weighted(0.05),
        0u8..3,
        0u8..6,
    )
        .prop_map(|(online, standby, maintenance, rack, cpu)| NodeSpec {
            online,
            standby,
            maintenance,
            rack,
            cpu,
        })
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        4 => Just(Kind::Primitive),
        2 => (1u8..4).prop_map(Kind::Group),
        3 => (0u8..5, 1u8..3, any::<bool>(), any::<bool>(), prop::bool::weighted(0.2), prop::bool::weighted(0.25))
            .prop_map(|(max, node_max, promotable, interleave, unique, group)| Kind::Clone {
                max, node_max, promotable, interleave, unique, group,
            }),
    ]
}

fn rsc_spec() -> impl Strategy<Value = RscSpec> {
    (
        kind(),
        0u8..3,
        prop::option::weighted(0.15, 0u8..4),
        0u8..4,
        0u8..4,
        prop::collection::vec(
            (0u8..6, prop::sample::select(vec![0u8, 0, 0, 8, 1, 7])),
            0..3,
        ),
    )
        .prop_map(
            |(kind, stickiness, target_role, migration_threshold, cpu, history)| RscSpec {
                kind,
                stickiness,
                target_role,
                migration_threshold,
                cpu,
                history,
            },
        )
}

fn cons() -> impl Strategy<Value = Cons> {
    let r = 0u8..10;
    prop_oneof![
        (
            r.clone(),
            0u8..6,
            0u8..9,
            prop::option::weighted(0.2, 0u8..4),
            prop::bool::weighted(0.1)
        )
            .prop_map(|(rsc, node, score, role, exclusive)| Cons::Location {
                rsc,
                node,
                score,
                role,
                exclusive
            }),
        (
            r.clone(),
            r.clone(),
            0u8..9,
            prop::option::weighted(0.2, 0u8..4),
            prop::option::weighted(0.2, 0u8..4),
            prop::bool::weighted(0.15),
            prop::option::weighted(0.2, any::<bool>())
        )
            .prop_map(
                |(rsc, with, score, rsc_role, with_role, by_rack, influence)| Cons::Colocation {
                    rsc,
                    with,
                    score,
                    rsc_role,
                    with_role,
                    by_rack,
                    influence,
                }
            ),
        (
            r.clone(),
            r.clone(),
            0u8..4,
            prop::option::of(any::<bool>())
        )
            .prop_map(|(first, then, kind, symmetrical)| Cons::Order {
                first,
                then,
                kind,
                symmetrical
            }),
        (
            prop::collection::vec(r.clone(), 2..4),
            0u8..9,
            any::<bool>()
        )
            .prop_map(|(members, score, sequential)| Cons::ColocationSet {
                members,
                score,
                sequential
            }),
        (prop::collection::vec(r.clone(), 2..4), any::<bool>()).prop_map(
            |(members, require_all)| Cons::OrderSet {
                members,
                require_all
            }
        ),
        (r, 0u8..4, prop::option::weighted(0.3, 0u8..4))
            .prop_map(|(rsc, loss, role)| Cons::Ticket { rsc, loss, role }),
    ]
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        prop::collection::vec(node_spec(), 1..6),
        prop::collection::vec(rsc_spec(), 1..9),
        prop::collection::vec(cons(), 0..10),
        prop::bool::weighted(0.85),
        0u8..4,
        prop::bool::weighted(0.05),
        prop::bool::weighted(0.85),
        0u8..4,
        any::<bool>(),
    )
        .prop_map(
            |(nodes, rscs, cons, symmetric, strategy, stop_all, quorum, nqp, granted)| Spec {
                nodes,
                rscs,
                cons,
                symmetric,
                strategy,
                stop_all,
                quorum,
                no_quorum_policy: nqp,
                ticket_granted: granted,
            },
        )
}

fn nv(id: &str, name: &str, value: &str) -> String {
    format!(r#"<nvpair id="{id}" name="{name}" value="{value}"/>"#)
}

fn primitive(id: &str, agent: &str, meta: &str, cpu: u8) -> String {
    let meta = if meta.is_empty() {
        String::new()
    } else {
        format!(r#"<meta_attributes id="{id}-meta">{meta}</meta_attributes>"#)
    };
    format!(
        r#"<primitive id="{id}" class="ocf" provider="pacemaker" type="{agent}">{meta}<utilization id="{id}-util">{}</utilization><operations><op id="{id}-mon" name="monitor" interval="10s"/></operations></primitive>"#,
        nv(&format!("{id}-cpu"), "cpu", &cpu.to_string())
    )
}

/// The configured id of resource `i`, and the primitive ids its history
/// entries use.
fn names(spec: &Spec, i: usize) -> (String, Vec<String>) {
    let id = format!("r{i}");
    match &spec.rscs[i].kind {
        Kind::Primitive => (id.clone(), vec![id]),
        Kind::Group(n) => (id.clone(), (0..*n).map(|m| format!("{id}m{m}")).collect()),
        Kind::Clone { group, .. } => {
            if *group {
                (id.clone(), vec![format!("{id}g0"), format!("{id}g1")])
            } else {
                (id.clone(), vec![format!("{id}p")])
            }
        }
    }
}

fn to_xml(spec: &Spec) -> String {
    let mut props = String::new();
    props.push_str(&nv("o-st", "stonith-enabled", "false"));
    props.push_str(&nv(
        "o-sym",
        "symmetric-cluster",
        &spec.symmetric.to_string(),
    ));
    let strategy = ["default", "utilization", "minimal", "balanced"][spec.strategy as usize % 4];
    props.push_str(&nv("o-ps", "placement-strategy", strategy));
    props.push_str(&nv(
        "o-sa",
        "stop-all-resources",
        &spec.stop_all.to_string(),
    ));
    let nqp = ["stop", "freeze", "ignore", "demote"][spec.no_quorum_policy as usize % 4];
    props.push_str(&nv("o-nqp", "no-quorum-policy", nqp));
    let mut nodes = String::new();
    for (i, n) in spec.nodes.iter().enumerate() {
        nodes.push_str(&format!(
            r#"<node id="{}" uname="n{i}"><instance_attributes id="n{i}-ia">{}{}{}</instance_attributes><utilization id="n{i}-u">{}</utilization></node>"#,
            i + 1,
            nv(&format!("n{i}-rack"), "rack", &n.rack.to_string()),
            nv(&format!("n{i}-sb"), "standby", &n.standby.to_string()),
            nv(&format!("n{i}-mt"), "maintenance", &n.maintenance.to_string()),
            nv(&format!("n{i}-cpu"), "cpu", &n.cpu.to_string()),
        ));
    }
    let mut resources = String::new();
    for (i, r) in spec.rscs.iter().enumerate() {
        let id = format!("r{i}");
        let mut meta = String::new();
        meta.push_str(&nv(
            &format!("{id}-st"),
            "resource-stickiness",
            &(r.stickiness * 50).to_string(),
        ));
        if r.migration_threshold > 0 {
            meta.push_str(&nv(
                &format!("{id}-mth"),
                "migration-threshold",
                &r.migration_threshold.to_string(),
            ));
        }
        if let Some(t) = r.target_role {
            meta.push_str(&nv(
                &format!("{id}-tr"),
                "target-role",
                ROLES[t as usize % 4],
            ));
        }
        match &r.kind {
            Kind::Primitive => resources.push_str(&primitive(&id, "Dummy", &meta, r.cpu)),
            Kind::Group(n) => {
                resources.push_str(&format!(
                    r#"<group id="{id}"><meta_attributes id="{id}-meta">{meta}</meta_attributes>"#
                ));
                for m in 0..*n {
                    resources.push_str(&primitive(&format!("{id}m{m}"), "Dummy", "", r.cpu));
                }
                resources.push_str("</group>");
            }
            Kind::Clone {
                max,
                node_max,
                promotable,
                interleave,
                unique,
                group,
            } => {
                meta.push_str(&nv(&format!("{id}-cm"), "clone-max", &max.to_string()));
                meta.push_str(&nv(
                    &format!("{id}-cnm"),
                    "clone-node-max",
                    &node_max.to_string(),
                ));
                meta.push_str(&nv(
                    &format!("{id}-pr"),
                    "promotable",
                    &promotable.to_string(),
                ));
                meta.push_str(&nv(
                    &format!("{id}-il"),
                    "interleave",
                    &interleave.to_string(),
                ));
                meta.push_str(&nv(
                    &format!("{id}-gu"),
                    "globally-unique",
                    &unique.to_string(),
                ));
                resources.push_str(&format!(
                    r#"<clone id="{id}"><meta_attributes id="{id}-meta">{meta}</meta_attributes>"#
                ));
                let agent = if *promotable { "Stateful" } else { "Dummy" };
                if *group {
                    resources.push_str(&format!(r#"<group id="{id}g">"#));
                    resources.push_str(&primitive(&format!("{id}g0"), agent, "", r.cpu));
                    resources.push_str(&primitive(&format!("{id}g1"), agent, "", r.cpu));
                    resources.push_str("</group>");
                } else {
                    resources.push_str(&primitive(&format!("{id}p"), agent, "", r.cpu));
                }
                resources.push_str("</clone>");
            }
        }
    }
    let n_rsc = spec.rscs.len();
    let rid = |x: u8| format!("r{}", x as usize % n_rsc);
    let nid = |x: u8| format!("n{}", x as usize % spec.nodes.len());
    let score = |x: u8| SCORES[x as usize % SCORES.len()];
    let role = |x: Option<u8>, attr: &str| match x {
        Some(r) => format!(r#" {attr}="{}""#, ROLES[r as usize % 4]),
        None => String::new(),
    };
    let mut constraints = String::new();
    for (c, con) in spec.cons.iter().enumerate() {
        let cid = format!("c{c}");
        constraints.push_str(&match con {
            Cons::Location { rsc, node, score: s, role: ro, exclusive } => format!(
                r#"<rsc_location id="{cid}" rsc="{}" node="{}" score="{}"{}{}/>"#,
                rid(*rsc),
                nid(*node),
                score(*s),
                role(*ro, "role"),
                if *exclusive { r#" resource-discovery="exclusive""# } else { "" }
            ),
            Cons::Colocation { rsc, with, score: s, rsc_role, with_role, by_rack, influence } => format!(
                r#"<rsc_colocation id="{cid}" rsc="{}" with-rsc="{}" score="{}"{}{}{}{}/>"#,
                rid(*rsc),
                rid(*with),
                score(*s),
                role(*rsc_role, "rsc-role"),
                role(*with_role, "with-rsc-role"),
                if *by_rack { r#" node-attribute="rack""# } else { "" },
                match influence {
                    Some(b) => format!(r#" influence="{b}""#),
                    None => String::new(),
                }
            ),
            Cons::Order { first, then, kind, symmetrical } => format!(
                r#"<rsc_order id="{cid}" first="{}" then="{}" kind="{}"{}/>"#,
                rid(*first),
                rid(*then),
                ["Mandatory", "Optional", "Serialize", "Mandatory"][*kind as usize % 4],
                match symmetrical {
                    Some(b) => format!(r#" symmetrical="{b}""#),
                    None => String::new(),
                }
            ),
            Cons::ColocationSet { members, score: s, sequential } => {
                let refs: String = members
                    .iter()
                    .map(|m| format!(r#"<resource_ref id="{}"/>"#, rid(*m)))
                    .collect();
                format!(
                    r#"<rsc_colocation id="{cid}" score="{}"><resource_set id="{cid}-s" sequential="{sequential}">{refs}</resource_set></rsc_colocation>"#,
                    score(*s)
                )
            }
            Cons::OrderSet { members, require_all } => {
                let (a, b) = members.split_at(1);
                let r1: String = a.iter().map(|m| format!(r#"<resource_ref id="{}"/>"#, rid(*m))).collect();
                let r2: String = b.iter().map(|m| format!(r#"<resource_ref id="{}"/>"#, rid(*m))).collect();
                format!(
                    r#"<rsc_order id="{cid}"><resource_set id="{cid}-a" require-all="{require_all}">{r1}</resource_set><resource_set id="{cid}-b">{r2}</resource_set></rsc_order>"#
                )
            }
            Cons::Ticket { rsc, loss, role: ro } => format!(
                r#"<rsc_ticket id="{cid}" rsc="{}" ticket="T" loss-policy="{}"{}/>"#,
                rid(*rsc),
                ["stop", "demote", "freeze", "fence"][*loss as usize % 4],
                role(*ro, "rsc-role")
            ),
        });
    }
    let mut status = String::new();
    for (i, n) in spec.nodes.iter().enumerate() {
        if !n.online {
            status.push_str(&format!(
                r#"<node_state id="{}" uname="n{i}" in_ccm="false" crmd="offline" join="down" expected="down"/>"#,
                i + 1
            ));
            continue;
        }
        let mut lrm = String::new();
        let mut attrs = String::new();
        for (r, spec_r) in spec.rscs.iter().enumerate() {
            let (_, prims) = names(spec, r);
            // One history entry per resource and node (two would be a CIB
            // no cluster writes; crm_simulate then adds a third).
            let on_this_node = spec_r
                .history
                .iter()
                .find(|(node, _)| *node as usize % spec.nodes.len() == i);
            if let Some(&(_, rc)) = on_this_node {
                for p in &prims {
                    let agent = match spec_r.kind {
                        Kind::Clone {
                            promotable: true, ..
                        } => "Stateful",
                        _ => "Dummy",
                    };
                    let (task, rc) = match rc {
                        8 => ("promote", 0),
                        1 => ("start", 1),
                        7 => ("start", 7),
                        _ => ("start", 0),
                    };
                    // A monitor failure: started, then found not running.
                    let monitor = if rc == 7 {
                        format!(
                            r#"<lrm_rsc_op id="{p}_monitor_10000" operation_key="{p}_monitor_10000" operation="monitor" crm-debug-origin="t" crm_feature_set="3.16.1" transition-key="2:1:0:t" transition-magic="0:7;2:1:0:t" call-id="3" rc-code="7" op-status="0" interval="10000" last-rc-change="1700000050" exec-time="1" queue-time="0" op-digest="d"/>"#
                        )
                    } else {
                        String::new()
                    };
                    let start_rc = if rc == 7 { 0 } else { rc };
                    lrm.push_str(&format!(
                        r#"<lrm_resource id="{p}" class="ocf" provider="pacemaker" type="{agent}"><lrm_rsc_op id="{p}_last_0" operation_key="{p}_{task}_0" operation="{task}" crm-debug-origin="t" crm_feature_set="3.16.1" transition-key="1:1:0:t" transition-magic="0:{start_rc};1:1:0:t" call-id="2" rc-code="{start_rc}" op-status="0" interval="0" last-rc-change="1700000000" exec-time="1" queue-time="0" op-digest="d"/>{monitor}</lrm_resource>"#
                    ));
                    if rc == 7 {
                        attrs.push_str(&nv(
                            &format!("fc-{p}-{i}"),
                            &format!("fail-count-{p}#monitor_10000"),
                            "1",
                        ));
                    }
                    if rc == 1 {
                        attrs.push_str(&nv(
                            &format!("fc-{p}-{i}"),
                            &format!("fail-count-{p}#start_0"),
                            "3",
                        ));
                        attrs.push_str(&nv(
                            &format!("lf-{p}-{i}"),
                            &format!("last-failure-{p}#start_0"),
                            "1700000000",
                        ));
                    }
                }
            }
        }
        status.push_str(&format!(
            r#"<node_state id="{}" uname="n{i}" in_ccm="true" crmd="online" join="member" expected="member"><transient_attributes id="{}"><instance_attributes id="st-{i}">{attrs}</instance_attributes></transient_attributes><lrm id="{}"><lrm_resources>{lrm}</lrm_resources></lrm></node_state>"#,
            i + 1,
            i + 1,
            i + 1
        ));
    }
    status.push_str(&format!(
        r#"<tickets><ticket_state id="T" granted="{}"/></tickets>"#,
        spec.ticket_granted
    ));
    format!(
        r#"<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="1" admin_epoch="0" have-quorum="{}" dc-uuid="1" execution-date="1700000100"><configuration><crm_config><cluster_property_set id="o">{props}</cluster_property_set></crm_config><nodes>{nodes}</nodes><resources>{resources}</resources><constraints>{constraints}</constraints></configuration><status>{status}</status></cib>"#,
        if spec.quorum { 1 } else { 0 }
    )
}

fn run(xml: &str) -> Option<(scheduler::ClusterState, scheduler::placement::Placement)> {
    let (cib, _) = cib::Cib::from_xml_lenient(xml).ok()?;
    let state = scheduler::unpack(&cib, cib.execution_date.unwrap_or(0));
    let placement = scheduler::placement::place(&cib, &state);
    Some((state, placement))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn placement_is_total_deterministic_and_single_homed(spec in spec()) {
        let xml = to_xml(&spec);
        let first = run(&xml);
        let second = run(&xml);
        prop_assert!(first.is_some(), "the generated CIB must read");
        let (Some((state, p)), Some((_, q))) = (first, second) else {
            return Ok(());
        };
        // Same input, same decisions, same score log.
        prop_assert_eq!(format!("{p:?}"), format!("{q:?}"));
        prop_assert_eq!(p.resources.len(), state.resources.len());
        prop_assert_eq!(p.nodes.len(), state.nodes.len());
        // Every primitive is assigned to at most one node, and the node's
        // list agrees.
        for (i, r) in p.resources.iter().enumerate() {
            let on: Vec<usize> = p
                .nodes
                .iter()
                .enumerate()
                .filter(|(_, n)| n.assigned.iter().any(|a| a.0 == i))
                .map(|(k, _)| k)
                .collect();
            prop_assert!(on.len() <= 1, "{} is on {:?}", state.resources[i].id, on);
            prop_assert_eq!(on.first().copied(), r.node.map(|n| n.0));
            if !state.resources[i].is_primitive() {
                prop_assert!(on.is_empty());
            }
        }
        // Every score line names a resource and a node of the cluster.
        for line in &p.scores {
            let text = line.to_string();
            prop_assert!(text.contains(" score on "), "{}", text);
        }
    }
}

/// Primitives outside any clone or bundle, by id, with the number of nodes
/// each is active on (a node with two history entries for it counts once).
fn single_homed_counts(state: &scheduler::ClusterState) -> Vec<(String, usize)> {
    state
        .resources
        .iter()
        .enumerate()
        .filter(|(_, r)| r.is_primitive())
        .filter(|(i, _)| {
            let mut p = state.resources[*i].parent;
            while let Some(x) = p {
                if !matches!(
                    state.resources[x.0].kind,
                    scheduler::state::ResourceKind::Group
                ) {
                    return false;
                }
                p = state.resources[x.0].parent;
            }
            true
        })
        .map(|(_, r)| {
            let nodes: std::collections::BTreeSet<_> = r.running_on.iter().collect();
            (r.id.clone(), nodes.len())
        })
        .collect()
}

/// The whole pipeline twice over `xml`: same text and graph both times, and
/// no primitive outside a clone newly active on several nodes.
fn check_simulation(xml: &str) -> Result<(), TestCaseError> {
    let (cib, _) = cib::Cib::from_xml_lenient(xml)
        .map_err(|e| TestCaseError::fail(format!("the generated CIB must read: {e}")))?;
    let now = cib.execution_date.unwrap_or(0);
    let first = scheduler::simulation::run(&cib, now);
    let second = scheduler::simulation::run(&cib, now);
    let text = |r: &scheduler::simulation::Run| {
        format!(
            "{}{}{}",
            r.transition_text(),
            r.executing_text(),
            r.revised_text()
        )
    };
    prop_assert_eq!(text(&first), text(&second));
    prop_assert_eq!(first.graph.to_xml(), second.graph.to_xml());
    let before: std::collections::HashMap<String, usize> =
        single_homed_counts(&first.state).into_iter().collect();
    for (id, after) in single_homed_counts(&first.revised) {
        let was = before.get(&id).copied().unwrap_or(0);
        prop_assert!(
            after <= 1 || after <= was,
            "{} is active on {} nodes after the transition (before: {})\n{}",
            id,
            after,
            was,
            xml
        );
    }
    Ok(())
}

/// Runs on a thread with a large stack (the action stage recurses along
/// orderings as Pacemaker's does); fewer cases in debug builds, where
/// `cargo test --workspace` runs it. `PACER_PROP_CASES=5000` runs more.
#[test]
fn simulation_is_total_deterministic_and_single_homed() {
    let cases = std::env::var("PACER_PROP_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(if cfg!(debug_assertions) { 64 } else { 256 });
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || {
            let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
                cases,
                failure_persistence: None,
                ..ProptestConfig::default()
            });
            if let Err(e) = runner.run(&spec(), |spec| check_simulation(&to_xml(&spec))) {
                panic!("{e}");
            }
        })
        .expect("cannot start the test thread")
        .join()
        .expect("the property failed");
}

/// Writes random CIBs for a differential run against crm_simulate:
/// `PLACEMENT_FUZZ_DIR=dir cargo test --test placement_props -- --ignored`,
/// then compare `crm_simulate -x F -sQ` with `pacer simulate -x F -sSQ`.
#[test]
#[ignore]
fn write_random_cibs() {
    let Ok(dir) = std::env::var("PLACEMENT_FUZZ_DIR") else {
        return;
    };
    let count: usize = std::env::var("PLACEMENT_FUZZ_COUNT")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(200);
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for i in 0..count {
        let Ok(tree) = spec().new_tree(&mut runner) else {
            continue;
        };
        let xml = to_xml(&tree.current());
        let _ = std::fs::write(format!("{dir}/r{i}.xml"), xml);
    }
}
