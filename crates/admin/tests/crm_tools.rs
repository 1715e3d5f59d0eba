#![allow(clippy::unwrap_used)]
//! Every change compared with what Pacemaker's own tools write into a copy
//! of the same file (`CIB_file=copy.xml crm_resource ...`), as XML trees
//! (attribute order aside, generated ids included). Skipped when the tools
//! are not installed (`.ci/run` installs pacemaker-cli-utils).

use std::path::{Path, PathBuf};
use std::process::Command;

use admin::{apply, Change};
use cib::Element;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/three-nodes.xml"
);

fn tools_installed() -> bool {
    Command::new("crm_resource")
        .arg("--version")
        .output()
        .is_ok()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pacer-admin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(format!("{name}.xml"))
}

/// Runs a Pacemaker tool on a copy of the fixture and returns the result.
fn theirs(name: &str, cmd: &[&str]) -> String {
    let copy = scratch(name);
    std::fs::copy(FIXTURE, &copy).expect("copy fixture");
    let out = Command::new(cmd[0])
        .args(&cmd[1..])
        .env("CIB_file", &copy)
        .output()
        .expect("run tool");
    assert!(
        out.status.success(),
        "{name}: {cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(&copy).expect("read result")
}

fn check(name: &str, cmd: &[&str], change: Change) {
    let input = std::fs::read_to_string(FIXTURE).expect("fixture");
    let ours = apply(&input, &change, 0).unwrap_or_else(|e| panic!("{name}: refused: {e}"));
    let theirs = theirs(name, cmd);
    let a = Element::parse(&ours.xml).expect("our XML");
    let b = Element::parse(&theirs).expect("their XML");
    if let Some(d) = a.semantic_diff(&b) {
        panic!("{name}: pacer and {} differ: {d}", cmd[0]);
    }
}

fn s(v: &str) -> String {
    v.to_string()
}

#[test]
fn changes_match_pacemaker_tools() {
    if !tools_installed() {
        eprintln!("crm_resource is not installed: skipped");
        return;
    }
    let cases: Vec<(&str, Vec<&str>, Change)> = vec![
        (
            "stop",
            vec![
                "crm_resource",
                "-r",
                "ip",
                "--meta",
                "-p",
                "target-role",
                "-v",
                "Stopped",
            ],
            Change::Stop { rsc: s("ip") },
        ),
        (
            "start-existing-set",
            vec![
                "crm_resource",
                "-r",
                "fs",
                "--meta",
                "-p",
                "target-role",
                "-v",
                "Started",
            ],
            Change::Start { rsc: s("fs") },
        ),
        (
            "move-to-node",
            vec!["crm_resource", "--move", "-r", "ip", "-N", "n2"],
            Change::Move {
                rsc: s("ip"),
                node: Some(s("n2")),
                lifetime: None,
                promoted: false,
            },
        ),
        (
            "move-away",
            vec!["crm_resource", "--move", "-r", "ip"],
            Change::Move {
                rsc: s("ip"),
                node: None,
                lifetime: None,
                promoted: false,
            },
        ),
        (
            "move-promoted",
            vec![
                "crm_resource",
                "--move",
                "-r",
                "db-clone",
                "-N",
                "n2",
                "--promoted",
            ],
            Change::Move {
                rsc: s("db-clone"),
                node: Some(s("n2")),
                lifetime: None,
                promoted: true,
            },
        ),
        (
            "ban",
            vec!["crm_resource", "--ban", "-r", "ip", "-N", "n2"],
            Change::Ban {
                rsc: s("ip"),
                node: Some(s("n2")),
                lifetime: None,
                promoted: false,
            },
        ),
        (
            "clear",
            vec!["crm_resource", "--clear", "-r", "web"],
            Change::Clear {
                rsc: s("web"),
                node: None,
            },
        ),
        (
            "standby",
            vec!["crm_standby", "-N", "n2", "-v", "on"],
            Change::Standby {
                node: s("n2"),
                on: true,
            },
        ),
        (
            "maintenance",
            vec!["crm_attribute", "-N", "n3", "-n", "maintenance", "-v", "on"],
            Change::Maintenance {
                node: s("n3"),
                on: true,
            },
        ),
        (
            "node-attribute",
            vec!["crm_attribute", "-N", "n1", "-n", "rack", "-v", "7"],
            Change::NodeAttribute {
                node: s("n1"),
                name: s("rack"),
                value: Some(s("7")),
            },
        ),
        (
            "node-attribute-delete",
            vec!["crm_attribute", "-N", "n2", "-n", "site", "-D"],
            Change::NodeAttribute {
                node: s("n2"),
                name: s("site"),
                value: None,
            },
        ),
        (
            "property-new",
            vec!["crm_attribute", "-n", "maintenance-mode", "-v", "true"],
            Change::Property {
                name: s("maintenance-mode"),
                value: Some(s("true")),
            },
        ),
        (
            "property-existing",
            vec!["crm_attribute", "-n", "stonith-enabled", "-v", "true"],
            Change::Property {
                name: s("stonith-enabled"),
                value: Some(s("true")),
            },
        ),
        (
            "property-delete",
            vec!["crm_attribute", "-n", "stonith-enabled", "-D"],
            Change::Property {
                name: s("stonith-enabled"),
                value: None,
            },
        ),
    ];
    let mut failures = Vec::new();
    for (name, cmd, change) in cases {
        if let Err(e) = std::panic::catch_unwind(|| check(name, &cmd, change.clone())) {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_else(|| "panic".into());
            failures.push(msg);
        }
    }
    let _ = std::fs::remove_dir_all(scratch("x").parent().unwrap_or(Path::new("/nonexistent")));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
