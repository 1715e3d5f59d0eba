//! `pacer verify -x FILE`: exit 0 for a valid CIB, 1 with messages naming
//! each problem's element, id and line otherwise.

use std::process::Command;

const BAD: &str = r#"<cib admin_epoch="0" epoch="1" num_updates="0">
  <configuration>
    <crm_config/>
    <nodes><node id="1" uname="n1"/></nodes>
    <resources>
      <primitive id="web" class="ocf" provider="heartbeat" type="nginx"/>
    </resources>
    <constraints>
      <rsc_location id="loc1" rsc="web" node="n1" score="lots"/>
      <rsc_order id="o1" first="web" then="db"/>
    </constraints>
  </configuration>
  <status/>
</cib>"#;

fn verify(args: &[&str], text: &str) -> (i32, String) {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("pacer-verify-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("cib.xml");
    std::fs::write(&file, text).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_pacer"))
        .arg("verify")
        .args(args)
        .arg("-x")
        .arg(&file)
        .output()
        .expect("run pacer");
    let _ = std::fs::remove_dir_all(&dir);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn valid_example_passes() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/web-cluster.xml"
    ))
    .expect("example");
    assert_eq!(verify(&[], &text), (0, String::new()));
}

#[test]
fn first_problem_is_named() {
    let (code, err) = verify(&[], BAD);
    assert_eq!(code, 1);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(r#"<rsc_order id="o1"> (line 10): then="db" refers to nothing"#),
        "{err}"
    );
}

#[test]
fn all_lists_every_problem() {
    let (code, err) = verify(&["--all"], BAD);
    assert_eq!(code, 1);
    assert!(err.contains(r#"then="db" refers to nothing"#), "{err}");
    assert!(
        err.contains(r#"<rsc_location id="loc1"> (line 9): score="lots" is not valid"#),
        "{err}"
    );
    assert_eq!(err.lines().count(), 2, "{err}");
}

#[test]
fn malformed_xml_names_the_position() {
    let (code, err) = verify(&[], "<cib>\n<configuration>\n</cib>");
    assert_eq!(code, 1);
    assert!(err.contains("malformed XML at line 3"), "{err}");
}
