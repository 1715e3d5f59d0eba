//! `pacer resource|node|property` on CIB files (`--cib` and `CIB_file`), run
//! through the built binary on scratch copies of a fixture.

use std::path::PathBuf;
use std::process::{Command, Output};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/status-reference/three-nodes.xml"
);

fn copy(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pacer-admin-cli-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("scratch dir");
    let p = d.join(format!("{name}.xml"));
    std::fs::copy(FIXTURE, &p).expect("copy fixture");
    p
}

fn pacer(file: &PathBuf, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pacer"))
        .env_remove("CIB_file")
        .args(args)
        .arg("--cib")
        .arg(file)
        .output()
        .expect("run pacer")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn changes_are_written_to_the_file() {
    let f = copy("changes");
    for args in [
        &["resource", "stop", "ip"][..],
        &["resource", "move", "ip", "n2"],
        &["resource", "ban", "ip", "n3"],
        &["node", "standby", "n2"],
        &["node", "attribute", "n1", "rack", "7"],
        &["property", "set", "maintenance-mode", "true"],
        &["resource", "cleanup", "web"],
    ] {
        let o = pacer(&f, args);
        assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
    }
    let xml = std::fs::read_to_string(&f).expect("read");
    for want in [
        r#"name="target-role" value="Stopped""#,
        r#"id="cli-prefer-ip""#,
        r#"id="cli-ban-ip-on-n3""#,
        r#"id="nodes-2-standby" name="standby" value="on""#,
        r#"id="nodes-1-rack" name="rack" value="7""#,
        r#"name="maintenance-mode" value="true""#,
    ] {
        assert!(xml.contains(want), "missing {want}");
    }
    assert!(!xml.contains("fail-count-apache"));
    let o = pacer(&f, &["property", "show"]);
    assert!(text(&o.stdout).contains("maintenance-mode=true\n"));
}

#[test]
fn cib_file_variable_is_honoured() {
    let f = copy("env");
    let o = Command::new(env!("CARGO_BIN_EXE_pacer"))
        .env("CIB_file", &f)
        .args(["resource", "locate", "ip"])
        .output()
        .expect("run pacer");
    assert_eq!(text(&o.stdout), "resource ip is running on: n1\n");
}

#[test]
fn a_refused_change_leaves_the_file_alone() {
    let f = copy("refused");
    let before = std::fs::read(&f).expect("read");
    let o = pacer(&f, &["resource", "move", "nope", "n2"]);
    assert!(!o.status.success());
    assert_eq!(
        text(&o.stderr),
        "pacer: no resource 'nope' in the configuration; `pacer configure show` lists them\n"
    );
    let o = pacer(&f, &["resource", "restart", "ip"]);
    assert!(text(&o.stderr).contains("needs a running cluster"));
    assert_eq!(std::fs::read(&f).expect("read"), before);
}
