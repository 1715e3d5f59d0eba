//! `pacer agent` end to end, on agents installed by .ci/run.

use std::process::Command;

fn pacer(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pacer"))
        .args(args)
        .output()
        .expect("run pacer");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn run_prints_the_result_record_in_both_forms() {
    let dir = std::env::temp_dir().join(format!("pacer-cli-agent-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let state = format!("state={}", dir.join("x").display());
    let (code, out, err) = pacer(&[
        "agent",
        "run",
        "ocf:heartbeat:Dummy",
        "start",
        "--param",
        &state,
        "--timeout",
        "20s",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("rc: 0 (ok)"), "{out}");
    assert!(
        out.contains("<lrm_rsc_op id=\"pacer-agent-run_last_0\""),
        "{out}"
    );
    let (code, out, _) = pacer(&[
        "agent",
        "run",
        "ocf:heartbeat:Dummy",
        "monitor",
        "-p",
        &state,
        "--json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["rc"], 0);
    assert_eq!(v["status"], "done");
    assert_eq!(v["digests"]["op_digest"].as_str().map(str::len), Some(32));
    let _ = pacer(&["agent", "run", "ocf:heartbeat:Dummy", "stop", "-p", &state]);
    // The exit code is the OCF result: 7 = not running.
    let (code, _, _) = pacer(&[
        "agent",
        "run",
        "ocf:heartbeat:Dummy",
        "monitor",
        "-p",
        &state,
    ]);
    assert_eq!(code, 7);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn list_and_meta_data() {
    let (code, out, _) = pacer(&["agent", "list", "ocf:pacemaker"]);
    assert_eq!(code, 0);
    assert!(out.lines().any(|l| l == "ocf:pacemaker:Dummy"), "{out}");
    let (_, out, _) = pacer(&["agent", "list", "stonith", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert!(
        v.as_array()
            .is_some_and(|a| a.iter().any(|n| n == "stonith:fence_dummy")),
        "{out}"
    );
    let (code, out, _) = pacer(&["agent", "meta-data", "ocf:heartbeat:IPaddr2"]);
    assert_eq!(code, 0);
    assert!(out.contains("ip (string) [required, unique]"), "{out}");
    let (_, out, _) = pacer(&["agent", "meta-data", "ocf:pacemaker:Dummy", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["ocf_version"], "1.1");
    assert!(v["parameters"].as_array().is_some_and(|p| p
        .iter()
        .any(|p| p["name"] == "fake" && p["reloadable"] == true)));
}

#[test]
fn bad_input_says_what_to_write() {
    let (code, _, err) = pacer(&["agent", "run", "IPaddr2", "start"]);
    assert_eq!(code, 1);
    assert!(err.contains("ocf:heartbeat:IPaddr2"), "{err}");
    let (code, _, err) = pacer(&[
        "agent",
        "run",
        "ocf:heartbeat:Dummy",
        "start",
        "--param",
        "novalue",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("NAME=VALUE"), "{err}");
    let (code, out, _) = pacer(&["agent", "run", "systemd:chronyd", "start"]);
    if !std::path::Path::new("/run/systemd/system").is_dir() {
        assert_eq!(code, 1);
        assert!(out.contains("systemd is not running"), "{out}");
    }
}

/// Listing units needs a running systemd (tests/systemd/run-in-container.sh in
/// the executor crate checks the listing itself against one).
#[test]
fn systemd_listing_says_when_systemd_is_not_running() {
    if std::path::Path::new("/run/systemd/system").is_dir() {
        return;
    }
    let (code, _, err) = pacer(&["agent", "list", "systemd"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("systemd is not running on this host (no /run/systemd/system)"),
        "{err}"
    );
    // `service`: the LSB scripts, and a note that units are left out.
    let (code, _, err) = pacer(&["agent", "list", "service"]);
    assert_eq!(code, 0);
    assert!(err.contains("listing LSB scripts only"), "{err}");
}
