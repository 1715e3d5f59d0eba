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

/// `pacer mon --cib FILE`: the status drawn at once, drawn again when the
/// file changes, `q` quits.
#[test]
fn mon_redraws_on_change_and_quits_on_q() {
    use std::io::{Read as _, Write as _};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};
    let scratch = std::env::temp_dir().join(format!("pacer-mon-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("scratch dir");
    let cib = scratch.join("cib.xml");
    std::fs::copy(dir().join("three-nodes.xml"), &cib).expect("copy fixture");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pacer"))
        .env_remove("CIB_file")
        .args(["mon", "--cib"])
        .arg(&cib)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run pacer mon");
    let seen = Arc::new(Mutex::new(String::new()));
    let mut stdout = child.stdout.take().expect("stdout");
    let s2 = Arc::clone(&seen);
    let reader = std::thread::spawn(move || {
        let mut b = [0u8; 4096];
        while let Ok(n @ 1..) = stdout.read(&mut b) {
            s2.lock()
                .expect("lock")
                .push_str(&String::from_utf8_lossy(&b[..n]));
        }
    });
    let wait_for = |what: &str, screens: usize| {
        let t = Instant::now();
        loop {
            let s = seen.lock().expect("lock").clone();
            if s.matches("\x1b[H\x1b[2J").count() >= screens && s.contains(what) {
                return s;
            }
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "no {what:?} in {s:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    wait_for("Node List:", 1);
    let node = {
        let xml = std::fs::read_to_string(&cib).expect("cib");
        let at = xml.find("<node id=").expect("a node");
        let rest = &xml[at..];
        let u = rest.find("uname=\"").expect("uname") + 7;
        rest[u..u + rest[u..].find('"').expect("end")].to_string()
    };
    let out = Command::new(env!("CARGO_BIN_EXE_pacer"))
        .args(["node", "standby", &node, "--cib"])
        .arg(&cib)
        .output()
        .expect("pacer node standby");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    wait_for("standby", 2);
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"q")
        .expect("q");
    let t = Instant::now();
    loop {
        if let Some(st) = child.try_wait().expect("wait") {
            assert!(st.success());
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(5), "q did not quit");
        std::thread::sleep(Duration::from_millis(20));
    }
    reader.join().expect("reader");
    let _ = std::fs::remove_dir_all(&scratch);
}

/// `--output-as text` is the default view; `--output-as xml` is crm_mon's
/// XML document (its sections are checked against crm_mon over the corpus
/// in crates/scheduler/tests/mon_xml.rs).
#[test]
fn output_as_text_and_xml() {
    let xml = dir().join("three-nodes.xml");
    assert_eq!(
        pacer_status(&xml, &["--output-as", "text"]),
        pacer_status(&xml, &[])
    );
    let doc = pacer_status(&xml, &["--output-as", "xml", "-r", "-f"]);
    assert!(
        doc.starts_with(
            "<pacemaker-result api-version=\"2.25\" request=\"crm_mon -1 --output-as=xml -r -f\">\n  <summary>\n"
        ),
        "{doc}"
    );
    assert!(doc.ends_with("  <status code=\"0\" message=\"OK\"/>\n</pacemaker-result>\n"));
    cib::Element::parse(&doc).expect("well-formed XML");
}
