#![allow(clippy::unwrap_used)]
//! Refusals say why and what to do; cleanup, lifetimes and queries on the
//! fixture (crm_resource cannot clean up a file: it only reports a dry run).

use admin::{apply, failcounts, locate, Change, Section};

const FIXTURE: &str = include_str!("fixtures/three-nodes.xml");

fn s(v: &str) -> String {
    v.to_string()
}

#[test]
fn unknown_resource_names_the_fix() {
    let e = apply(FIXTURE, &Change::Stop { rsc: s("nope") }, 0).unwrap_err();
    assert_eq!(
        e.0,
        "no resource 'nope' in the configuration; `pacer configure show` lists them"
    );
}

#[test]
fn unknown_node_lists_the_known_ones() {
    let e = apply(
        FIXTURE,
        &Change::Standby {
            node: s("n9"),
            on: true,
        },
        0,
    )
    .unwrap_err();
    assert!(
        e.0.contains("no node 'n9'") && e.0.contains("n1, n2, n3"),
        "{e}"
    );
}

#[test]
fn moving_away_a_clone_active_on_two_nodes_needs_a_node() {
    let c = Change::Move {
        rsc: s("db-clone"),
        node: None,
        lifetime: None,
        promoted: false,
    };
    let e = apply(FIXTURE, &c, 0).unwrap_err();
    assert!(
        e.0.contains("active on 2 nodes (n1, n2); name the node"),
        "{e}"
    );
}

#[test]
fn promoted_only_for_promotable_clones() {
    let c = Change::Move {
        rsc: s("ip"),
        node: Some(s("n2")),
        lifetime: None,
        promoted: true,
    };
    let e = apply(FIXTURE, &c, 0).unwrap_err();
    assert!(e.0.contains("not a promotable clone"), "{e}");
}

#[test]
fn moving_to_where_it_runs_is_refused() {
    let c = Change::Move {
        rsc: s("ip"),
        node: Some(s("n1")),
        lifetime: None,
        promoted: false,
    };
    let e = apply(FIXTURE, &c, 0).unwrap_err();
    assert_eq!(e.0, "'ip' is already active on n1");
}

#[test]
fn lifetime_becomes_a_rule_with_an_end_date() {
    let c = Change::Move {
        rsc: s("ip"),
        node: Some(s("n2")),
        lifetime: Some(s("PT1H")),
        promoted: false,
    };
    let done = apply(FIXTURE, &c, 1_764_745_200).unwrap();
    assert!(done.xml.contains(r#"<date_expression id="cli-prefer-lifetime-end-ip" operation="lt" end="2025-12-03 08:00:00Z"/>"#), "{}", done.xml);
    let bad = Change::Move {
        rsc: s("ip"),
        node: Some(s("n2")),
        lifetime: Some(s("1h")),
        promoted: false,
    };
    assert!(apply(FIXTURE, &bad, 0)
        .unwrap_err()
        .0
        .starts_with("--lifetime: "));
}

#[test]
fn cleanup_forgets_failed_history_and_fail_counts_only() {
    let c = Change::Cleanup {
        rsc: Some(s("web")),
        node: None,
        all: false,
    };
    let done = apply(FIXTURE, &c, 0).unwrap();
    assert_eq!(done.section, Section::Status);
    assert_eq!(done.node_states, vec![s("1")]);
    assert!(!done.xml.contains(r#"lrm_resource id="apache""#));
    assert!(
        done.xml.contains(r#"lrm_resource id="fs""#),
        "fs has no failure"
    );
    assert!(!done.xml.contains("fail-count-apache"));
    assert!(done.xml.contains(r#"num_updates="5""#));
    let refresh = Change::Cleanup {
        rsc: Some(s("web")),
        node: Some(s("n1")),
        all: true,
    };
    let done = apply(FIXTURE, &refresh, 0).unwrap();
    assert!(!done.xml.contains(r#"lrm_resource id="fs""#));
}

#[test]
fn queries() {
    assert_eq!(locate(FIXTURE, "ip", 0).unwrap(), vec![(s("n1"), false)]);
    assert_eq!(
        locate(FIXTURE, "db-clone", 0).unwrap(),
        vec![(s("n1"), true), (s("n2"), false)]
    );
    let fc = failcounts(FIXTURE, "web", None, 0).unwrap();
    assert_eq!(fc.len(), 1);
    assert_eq!(
        (fc[0].node.as_str(), fc[0].resource.as_str(), fc[0].count),
        ("n1", "apache", 2)
    );
}
