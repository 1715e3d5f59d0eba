//! `pacer status --cib FILE` against crm_mon's output recorded for the
//! fixtures in `status-reference/` (by `status-reference/record.sh`).

use std::path::PathBuf;
use std::process::Command;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/status-reference")
}

fn pacer_status(xml: &PathBuf, extra: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_pacer"))
        .env_remove("CIB_file")
        .env("TZ", "UTC")
        .arg("status")
        .arg("--cib")
        .arg(xml)
        .args(extra)
        .output()
        .expect("run pacer");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.starts_with("  * Last updated: "))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn matches_recorded_crm_mon() {
    let mut checked = 0;
    for fixture in ["three-nodes", "maintenance-standby"] {
        let xml = dir().join(format!("{fixture}.xml"));
        for (variant, args) in [("plain", &[][..]), ("rf", &["-r", "-f"][..])] {
            let want = std::fs::read_to_string(dir().join(format!("{fixture}.{variant}.txt")))
                .expect("recorded output");
            assert_eq!(pacer_status(&xml, args), want, "{fixture} {variant}");
            checked += 1;
        }
    }
    assert_eq!(checked, 4);
}

#[test]
fn json_has_the_documented_shape() {
    let xml = dir().join("three-nodes.xml");
    let out = Command::new(env!("CARGO_BIN_EXE_pacer"))
        .env_remove("CIB_file")
        .args(["status", "--json", "--cib"])
        .arg(&xml)
        .output()
        .expect("run pacer");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["cluster"]["dc"], "n1");
    assert_eq!(v["cluster"]["quorum"], true);
    assert_eq!(v["nodes"][2]["name"], "n3");
    assert_eq!(v["nodes"][2]["online"], false);
    assert_eq!(v["resources"][0]["id"], "ip");
    assert_eq!(v["resources"][0]["nodes"][0], "n1");
    assert_eq!(v["failcounts"][0]["resource"], "apache");
    assert_eq!(v["failcounts"][0]["fail_count"], 2);
    assert_eq!(v["failed_actions"][0]["key"], "apache_monitor_10000");
}
