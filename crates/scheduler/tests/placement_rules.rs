//! Placement rules one at a time, on small CIBs in `tests/placement/` whose
//! expected score logs were recorded from the real `crm_simulate` 2.1.5
//! (`tests/placement/record.py`). Each case also says where resources end
//! up and in which role, as crm_simulate's transition summary showed.

use std::path::PathBuf;

use scheduler::placement::{place, OrderAction, OrderFlags, Placement};
use scheduler::state::{ClusterState, Role};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/placement")
}

fn load(name: &str) -> (cib::Cib, ClusterState) {
    let xml = std::fs::read_to_string(dir().join(format!("{name}.xml")))
        .unwrap_or_else(|e| panic!("{name}.xml: {e}"));
    let (cib, _) = cib::Cib::from_xml_lenient(&xml).expect("fixture reads");
    let now = cib.execution_date.unwrap_or(0);
    let state = scheduler::unpack(&cib, now);
    (cib, state)
}

fn sorted_lines(text: &str) -> Vec<String> {
    let mut v: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

/// Checks the score log against crm_simulate's and each `(resource, node,
/// role)` against the placement.
fn check(name: &str, expected: &[(&str, Option<&str>, Role)]) -> (ClusterState, Placement) {
    let (cib, state) = load(name);
    let placement = place(&cib, &state);
    let want = std::fs::read_to_string(dir().join(format!("{name}.scores")))
        .unwrap_or_else(|e| panic!("{name}.scores: {e}"));
    assert_eq!(
        sorted_lines(&scheduler::placement::score_text(&placement)),
        sorted_lines(&want),
        "{name}: score log differs from crm_simulate's"
    );
    for (rsc, node, role) in expected {
        let id = state
            .resources
            .iter()
            .position(|r| r.id == *rsc)
            .unwrap_or_else(|| panic!("{name}: no resource {rsc}"));
        let p = &placement.resources[id];
        let got = p.node.map(|n| state.nodes[n.0].uname.as_str());
        assert_eq!(got, *node, "{name}: {rsc} assigned to {got:?}");
        assert_eq!(p.next_role, *role, "{name}: {rsc} next role");
    }
    (state, placement)
}

use Role::{Promoted, Started, Stopped, Unpromoted};

#[test]
fn location_by_node() {
    check(
        "location",
        &[("a", Some("n2"), Started), ("b", Some("n3"), Started)],
    );
}

#[test]
fn location_rule_with_score_attribute() {
    check("location_rule", &[("a", Some("n3"), Started)]);
}

#[test]
fn location_by_pattern() {
    check(
        "pattern",
        &[
            ("w1", Some("n3"), Started),
            ("w2", Some("n3"), Started),
            ("z", Some("n1"), Started),
        ],
    );
}

#[test]
fn exclusive_discovery_bans_other_nodes() {
    let (state, p) = check(
        "exclusive",
        &[("a", Some("n2"), Started), ("b", Some("n1"), Started)],
    );
    let a = state
        .resources
        .iter()
        .position(|r| r.id == "a")
        .unwrap_or(0);
    assert!(p.resources[a].exclusive_discover);
}

#[test]
fn asymmetric_cluster_needs_a_location() {
    check(
        "asymmetric",
        &[("a", Some("n2"), Started), ("b", None, Stopped)],
    );
}

#[test]
fn mandatory_and_optional_colocation() {
    check(
        "colocation",
        &[
            ("a", Some("n3"), Started),
            ("b", Some("n3"), Started),
            ("c", Some("n1"), Started),
        ],
    );
}

#[test]
fn colocation_by_node_attribute() {
    check(
        "node_attribute",
        &[("a", Some("n1"), Started), ("b", Some("n2"), Started)],
    );
}

#[test]
fn colocation_without_influence_keeps_the_primary() {
    check(
        "influence",
        &[("a", Some("n1"), Started), ("b", Some("n1"), Started)],
    );
}

#[test]
fn colocation_set_chains_members() {
    check(
        "set_colocation",
        &[
            ("a", Some("n1"), Started),
            ("b", Some("n1"), Started),
            ("c", Some("n1"), Started),
        ],
    );
}

#[test]
fn stickiness_keeps_a_resource_where_it_runs() {
    check("stickiness", &[("a", Some("n2"), Started)]);
}

#[test]
fn failures_reaching_migration_threshold_ban_the_node() {
    check("migration_threshold", &[("a", Some("n2"), Started)]);
}

#[test]
fn group_members_follow_the_first() {
    check(
        "group",
        &[
            ("g1", Some("n2"), Started),
            ("g2", Some("n2"), Started),
            ("x", Some("n2"), Started),
        ],
    );
}

#[test]
fn clone_instances_and_a_colocated_primitive() {
    check(
        "clone",
        &[
            ("c:0", Some("n2"), Started),
            ("c:1", Some("n3"), Started),
            ("d", Some("n2"), Started),
        ],
    );
}

#[test]
fn interleaved_clones_pair_instances() {
    check(
        "interleave",
        &[
            ("p1:0", Some("n1"), Started),
            ("p1:1", Some("n3"), Started),
            ("p2:0", Some("n1"), Started),
            ("p2:1", Some("n3"), Started),
        ],
    );
}

#[test]
fn promotion_follows_promoted_role_locations() {
    check(
        "promotable",
        &[
            ("s:0", Some("n1"), Unpromoted),
            ("s:1", Some("n2"), Unpromoted),
            ("s:2", Some("n3"), Promoted),
            ("v", Some("n3"), Started),
        ],
    );
}

#[test]
fn anti_colocation_with_a_role_orders_both_ways() {
    let (state, p) = check(
        "anti_role",
        &[
            ("s:0", Some("n1"), Unpromoted),
            ("s:1", Some("n2"), Unpromoted),
            ("x", Some("n1"), Started),
        ],
    );
    let x = state
        .resources
        .iter()
        .position(|r| r.id == "x")
        .unwrap_or(0);
    let anti: Vec<_> = p
        .constraints
        .orderings
        .iter()
        .filter(|o| o.flags == OrderFlags::ANTI_COLOCATION)
        .collect();
    // x stops before the clone promotes, and the clone demotes before x starts.
    assert_eq!(anti.len(), 2);
    assert!(
        matches!(&anti[0].first, OrderAction::Rsc { rsc, task } if rsc.0 == x && task == "stop")
    );
    assert!(
        matches!(&anti[1].then, OrderAction::Rsc { rsc, task } if rsc.0 == x && task == "start")
    );
}

#[test]
fn utilization_bans_full_nodes() {
    check(
        "utilization",
        &[("a", Some("n1"), Started), ("b", Some("n3"), Started)],
    );
}

#[test]
fn target_role_stopped_stops_dependents_too() {
    check(
        "target_stopped",
        &[("a", None, Stopped), ("b", None, Stopped)],
    );
}

#[test]
fn standby_nodes_run_nothing() {
    check("standby", &[("a", Some("n2"), Started)]);
}

#[test]
fn no_quorum_freeze_keeps_roles() {
    check(
        "freeze",
        &[("a", Some("n1"), Started), ("b", Some("n2"), Started)],
    );
}

#[test]
fn stop_all_resources() {
    check("stop_all", &[("a", None, Stopped)]);
}

#[test]
fn tickets_not_granted_ban_their_resources() {
    let (_, p) = check(
        "ticket",
        &[("a", None, Stopped), ("b", Some("n1"), Started)],
    );
    assert_eq!(p.constraints.tickets.len(), 2);
    assert!(!p.constraints.tickets[0].granted);
    assert!(p.constraints.tickets[1].granted);
}

#[test]
fn unmanaged_resources_stay_and_dependents_follow() {
    check(
        "unmanaged",
        &[("a", Some("n1"), Started), ("b", Some("n1"), Started)],
    );
}

/// Orderings come out typed, with symmetrical inverses and sets expanded.
#[test]
fn order_constraints_unpack_as_pacemaker_expands_them() {
    let xml = r#"<cib crm_feature_set="3.16.2" validate-with="pacemaker-3.9" epoch="1" num_updates="1" admin_epoch="0" have-quorum="1"><configuration><crm_config/><nodes><node id="1" uname="n1"/></nodes><resources>
      <primitive id="a" class="ocf" provider="pacemaker" type="Dummy"/>
      <primitive id="b" class="ocf" provider="pacemaker" type="Dummy"/>
      <primitive id="c" class="ocf" provider="pacemaker" type="Dummy"/>
      <clone id="cl"><meta_attributes id="clm"><nvpair id="clm1" name="clone-min" value="1"/></meta_attributes><primitive id="d" class="ocf" provider="pacemaker" type="Dummy"/></clone>
      </resources><constraints>
      <rsc_order id="o1" first="a" then="b"/>
      <rsc_order id="o2" first="b" then="c" kind="Optional" symmetrical="false"/>
      <rsc_order id="o3"><resource_set id="s1"><resource_ref id="a"/><resource_ref id="b"/><resource_ref id="c"/></resource_set></rsc_order>
      <rsc_order id="o4" first="cl" then="a"/>
      </constraints></configuration><status/></cib>"#;
    let (cib, _) = cib::Cib::from_xml_lenient(xml).expect("reads");
    let state = scheduler::unpack(&cib, 0);
    let p = place(&cib, &state);
    let rsc = |a: &OrderAction| match a {
        OrderAction::Rsc { rsc, task } => format!("{}:{task}", state.resources[rsc.0].id),
        OrderAction::Pseudo { name, .. } => name.clone(),
    };
    let got: Vec<(String, String, String, u32)> = p
        .constraints
        .orderings
        .iter()
        .map(|o| (o.id.clone(), rsc(&o.first), rsc(&o.then), o.flags.0))
        .collect();
    let mandatory = OrderFlags::OPTIONAL | OrderFlags::IMPLIES_THEN | OrderFlags::RUNNABLE_LEFT;
    let inverse = OrderFlags::OPTIONAL | OrderFlags::IMPLIES_FIRST;
    let s = |x: &str| x.to_string();
    let want = vec![
        (s("o1"), s("a:start"), s("b:start"), mandatory.0),
        (s("o1"), s("b:stop"), s("a:stop"), inverse.0),
        (s("o2"), s("b:start"), s("c:start"), OrderFlags::OPTIONAL.0),
        (s("s1"), s("a:start"), s("b:start"), mandatory.0),
        (s("s1"), s("b:start"), s("c:start"), mandatory.0),
        (s("s1"), s("b:stop"), s("a:stop"), inverse.0),
        (s("s1"), s("c:stop"), s("b:stop"), inverse.0),
        (
            s("o4"),
            s("d:0:start"),
            s("clone-one-or-more:o4"),
            (OrderFlags::ONE_OR_MORE | OrderFlags::IMPLIES_THEN_PRINTED).0,
        ),
        (
            s("o4"),
            s("clone-one-or-more:o4"),
            s("a:start"),
            mandatory.0,
        ),
        (s("o4"), s("a:stop"), s("cl:stop"), inverse.0),
    ];
    assert_eq!(got, want);
}
