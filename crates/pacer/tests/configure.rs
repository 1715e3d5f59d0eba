//! `pacer configure load|show` through the built binary, on CIB files in a
//! scratch directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn pacer() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pacer"));
    c.env_remove("CIB_file");
    c
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pacer-configure-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run pacer")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "pacer failed: {}\n{}",
        text(&out.stderr),
        text(&out.stdout)
    );
    text(&out.stdout)
}

const WEB: &str = "\
node node1
node node2
primitive web-ip IPaddr2 \\
\tparams ip=192.168.122.50 cidr_netmask=24 \\
\top monitor interval=10s
primitive web-server systemd:nginx op monitor interval=30s
group web web-ip web-server meta target-role=Started
location web-prefers-node1 web 100: node1
property stonith-enabled=false
";

fn load(cib: &Path, method: &str, file: &Path) -> Output {
    run(pacer()
        .args(["configure", "load", method])
        .arg(file)
        .arg("--cib")
        .arg(cib))
}

fn show(cib: &Path) -> String {
    ok(&run(pacer().args(["configure", "show", "--cib"]).arg(cib)))
}

fn conf(cib: &Path) -> cib::Configuration {
    let xml = std::fs::read_to_string(cib).expect("cib file");
    cib::Cib::from_xml(&xml).expect("valid cib").configuration
}

#[test]
fn load_creates_a_fresh_cib_and_show_round_trips() {
    let d = scratch("roundtrip");
    let src = write(&d, "web.crm", WEB);
    let cib = d.join("cib.xml");
    ok(&load(&cib, "replace", &src));
    let xml = std::fs::read_to_string(&cib).expect("cib");
    assert!(xml.starts_with("<cib crm_feature_set=\"3.16.1\" validate-with=\"pacemaker-3.9\" epoch=\"2\" num_updates=\"0\" admin_epoch=\"0\">"), "{xml}");
    assert!(
        xml.contains("id=\"web-ip-instance_attributes-ip\""),
        "{xml}"
    );
    assert!(xml.contains("<status/>"), "{xml}");

    let shown = show(&cib);
    assert!(shown.contains("group web web-ip web-server"), "{shown}");
    let again_src = write(&d, "again.crm", &shown);
    let cib2 = d.join("cib2.xml");
    ok(&load(&cib2, "replace", &again_src));
    assert_eq!(conf(&cib), conf(&cib2));

    let xml_out = ok(&run(pacer()
        .args(["configure", "show", "xml", "--cib"])
        .arg(&cib)));
    assert!(xml_out.contains("<primitive id=\"web-ip\""), "{xml_out}");
    assert!(!xml_out.contains("<status"), "{xml_out}");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn cib_file_environment_variable_is_used() {
    let d = scratch("env");
    let src = write(&d, "web.crm", WEB);
    let cib = d.join("cib.xml");
    ok(&run(pacer()
        .env("CIB_file", &cib)
        .args(["configure", "load", "update"])
        .arg(&src)));
    let shown = ok(&run(pacer()
        .env("CIB_file", &cib)
        .args(["configure", "show"])));
    assert!(shown.contains("primitive web-ip IPaddr2"), "{shown}");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn no_cib_is_a_clear_error() {
    let out = run(pacer().args(["configure", "show", "--socket", "/nonexistent/pacer.sock"]));
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--cib FILE or CIB_file=FILE"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn update_merges_by_id_and_bumps_epoch() {
    let d = scratch("update");
    let cib = d.join("cib.xml");
    ok(&load(&cib, "replace", &write(&d, "web.crm", WEB)));
    let before = cib::Cib::from_xml(&std::fs::read_to_string(&cib).expect("cib")).expect("cib");
    let upd = write(
        &d,
        "upd.crm",
        "primitive web-ip IPaddr2 params ip=192.168.122.99 cidr_netmask=24 op monitor interval=10s\n\
         primitive extra ocf:pacemaker:Dummy\n\
         property no-quorum-policy=stop\n",
    );
    ok(&load(&cib, "update", &upd));
    let after = cib::Cib::from_xml(&std::fs::read_to_string(&cib).expect("cib")).expect("cib");
    assert_eq!(after.epoch, before.epoch + 1);
    assert_eq!(after.num_updates, 0);
    let xml = after.to_xml();
    // Replaced in place inside its group, ids kept.
    assert!(
        xml.contains(
            r#"<nvpair id="web-ip-instance_attributes-ip" name="ip" value="192.168.122.99"/>"#
        ),
        "{xml}"
    );
    assert!(after.find_resource("web-server").is_some());
    assert!(after.find_resource("extra").is_some());
    // Property sets merge name by name.
    let props = &after.configuration.crm_config[0];
    let names: Vec<&str> = props.nvpairs.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["stonith-enabled", "no-quorum-policy"]);

    // Loading the same text again changes nothing, not even the epoch.
    ok(&load(&cib, "update", &upd));
    let again = cib::Cib::from_xml(&std::fs::read_to_string(&cib).expect("cib")).expect("cib");
    assert_eq!(again.epoch, after.epoch);

    // replace drops everything but the nodes.
    ok(&load(
        &cib,
        "replace",
        &write(&d, "only.crm", "primitive solo ocf:pacemaker:Dummy\n"),
    ));
    let c = conf(&cib);
    assert_eq!(c.resources.len(), 1);
    assert_eq!(c.nodes.len(), 2);
    assert!(c.crm_config.is_empty());
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn invalid_input_leaves_the_file_untouched() {
    let d = scratch("invalid");
    let cib = d.join("cib.xml");
    ok(&load(&cib, "replace", &write(&d, "web.crm", WEB)));
    let original = std::fs::read(&cib).expect("cib");

    let cases = [
        (
            "primitive db ocf:heartbeat:mysql op monitor intervall=10s\n",
            "line 1, column 45: primitive \"db\": unknown operation attribute 'intervall' (did you mean 'interval'?)",
        ),
        (
            "\n\ncolocation db-with-web inf: db web\n",
            "<rsc_colocation id=\"db-with-web\"> (line 3): rsc=\"db\" refers to nothing",
        ),
        (
            "primitive web-ip IPaddr2 params ip=1.2.3.4\nprimitive web-ip IPaddr2\n",
            "line 2: primitive \"web-ip\": 'web-ip' is defined twice (first on line 1)",
        ),
        (
            "location loc web 10: node1\nlocation loc2 web rule 10: #uname eq node1\nprimitive x foo:bar\n",
            "line 3, column 13: primitive \"x\": unknown resource class 'foo'",
        ),
        (
            "primitive a ocf:pacemaker:Dummy params x=\"unclosed\n",
            "line 1, column 42: this double quote is never closed",
        ),
        (
            "location l web bogus: node1\n",
            "location \"l\": 'bogus' is not a score",
        ),
    ];
    for (i, (input, want)) in cases.iter().enumerate() {
        for method in ["update", "replace"] {
            let f = write(&d, &format!("bad{i}.crm"), input);
            let out = load(&cib, method, &f);
            assert!(!out.status.success(), "case {i} ({method}) was accepted");
            let err = text(&out.stderr);
            assert!(err.contains(want), "case {i} ({method}): {err}");
            assert!(err.contains("was not changed"), "case {i}: {err}");
            assert_eq!(
                std::fs::read(&cib).expect("cib"),
                original,
                "case {i} changed the file"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn load_reads_standard_input() {
    let d = scratch("stdin");
    let cib = d.join("cib.xml");
    let mut child = pacer()
        .args(["configure", "load", "replace", "-", "--cib"])
        .arg(&cib)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(WEB.as_bytes()).expect("write stdin");
    }
    ok(&child.wait_with_output().expect("wait"));
    assert!(show(&cib).contains("location web-prefers-node1 web 100: node1"));
    let _ = std::fs::remove_dir_all(&d);
}

/// `load --dry-run` prints the Transition Summary the real crm_simulate
/// prints for the CIB the load would make, and changes nothing.
#[test]
fn dry_run_prints_the_transition_crm_simulate_prints() {
    let d = scratch("dry-run");
    let cib = d.join("cib.xml");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/web-cluster.xml");
    std::fs::copy(&example, &cib).expect("copy the example");
    let change = write(
        &d,
        "change.crm",
        "primitive extra ocf:pacemaker:Dummy op monitor interval=10s\n\
         location extra-not-bravo extra -inf: bravo\n",
    );
    let before = std::fs::read(&cib).expect("cib");
    let out = ok(&run(pacer()
        .args(["configure", "load", "--dry-run", "update"])
        .arg(&change)
        .arg("--cib")
        .arg(&cib)));
    assert_eq!(std::fs::read(&cib).expect("cib"), before, "a dry run wrote");
    // The same load for real, then crm_simulate on the result.
    ok(&load(&cib, "update", &change));
    let sim = Command::new("crm_simulate")
        .arg("-S")
        .arg("-x")
        .arg(&cib)
        .output()
        .expect("run crm_simulate (Debian pacemaker-cli-utils)");
    let sim = text(&sim.stdout);
    let start = sim
        .find("Transition Summary:")
        .expect("crm_simulate's summary");
    let end = sim[start..]
        .find("\n\n")
        .map(|e| start + e + 1)
        .unwrap_or(sim.len());
    assert_eq!(out, &sim[start..end]);
    assert!(out.contains("extra"), "{out}");
    let _ = std::fs::remove_dir_all(&d);
}

/// An editor script for `configure edit`: runs `script` with the file as $1.
fn editor(dir: &Path, name: &str, script: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\nset -e\n{script}\n")).expect("write editor");
    let mut perms = std::fs::metadata(&p).expect("editor").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&p, perms).expect("chmod editor");
    p
}

fn edit(cib: &Path, editor: &Path, args: &[&str], answer: &str) -> Output {
    use std::io::Write as _;
    let mut child = pacer()
        .args(["configure", "edit", "--cib"])
        .arg(cib)
        .args(args)
        .env("EDITOR", editor)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run pacer");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(answer.as_bytes())
        .expect("answer");
    child.wait_with_output().expect("pacer output")
}

#[test]
fn edit_previews_asks_and_commits() {
    let d = scratch("edit");
    let cib = d.join("cib.xml");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/web-cluster.xml");
    std::fs::copy(&example, &cib).expect("copy the example");
    let add = editor(
        &d,
        "add.sh",
        "printf 'primitive extra ocf:pacemaker:Dummy\\nlocation extra-not-bravo extra -inf: bravo\\n' >> \"$1\"",
    );
    let before = std::fs::read(&cib).expect("cib");
    // Answered no: previewed, nothing written.
    let out = edit(&cib, &add, &[], "n\n");
    assert!(!out.status.success());
    let said = text(&out.stdout);
    assert!(said.starts_with("Transition Summary:\n"), "{said}");
    assert!(said.contains("Start      extra"), "{said}");
    assert!(said.ends_with("Commit? [y/N] "), "{said}");
    assert_eq!(std::fs::read(&cib).expect("cib"), before);
    // Answered yes: committed, epoch bumped.
    let out = edit(&cib, &add, &[], "y\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(conf(&cib).resources.iter().any(|r| r.id() == "extra"));
    // Invalid text: refused, file unchanged.
    let bad = editor(
        &d,
        "bad.sh",
        "echo 'colocation c1 inf: no-such-rsc' >> \"$1\"",
    );
    let now = std::fs::read(&cib).expect("cib");
    let out = edit(&cib, &bad, &["--yes"], "");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("nothing was changed"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read(&cib).expect("cib"), now);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn edit_is_refused_when_the_cib_changed_meanwhile() {
    let d = scratch("edit-conflict");
    let cib = d.join("cib.xml");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/web-cluster.xml");
    std::fs::copy(&example, &cib).expect("copy the example");
    // The "editor" changes the CIB behind the edit's back, then edits.
    let racing = editor(
        &d,
        "race.sh",
        &format!(
            "{} property set --cib {} no-quorum-policy freeze >/dev/null\necho 'primitive extra ocf:pacemaker:Dummy' >> \"$1\"",
            env!("CARGO_BIN_EXE_pacer"),
            cib.display()
        ),
    );
    let out = edit(&cib, &racing, &["--yes"], "");
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("changed from version"), "{err}");
    assert!(!conf(&cib).resources.iter().any(|r| r.id() == "extra"));
    let _ = std::fs::remove_dir_all(&d);
}
