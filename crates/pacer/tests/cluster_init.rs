//! `pacer cluster init` writes a corosync.conf corosync accepts, a private
//! authkey and an empty checksummed CIB, and never overwrites a key.

use std::os::unix::fs::PermissionsExt as _;
use std::process::Command;

const PACER: &str = env!("CARGO_BIN_EXE_pacer");

#[test]
fn init_writes_conf_key_and_cib() {
    let d = std::env::temp_dir().join(format!("pacer-cluster-init-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    let init = |extra: &[&str]| {
        Command::new(PACER)
            .args([
                "cluster",
                "init",
                "--name",
                "web",
                "--node",
                "n1=192.0.2.1",
                "--node",
                "n2=192.0.2.2",
                "--two-node",
                "--token",
                "1000",
            ])
            .arg("--conf")
            .arg(d.join("corosync.conf"))
            .arg("--authkey")
            .arg(d.join("authkey"))
            .arg("--cib")
            .arg(d.join("cib.xml"))
            .args(extra)
            .output()
            .expect("run pacer")
    };
    let out = init(&[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mode = |f: &str| {
        std::fs::metadata(d.join(f))
            .expect("file")
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("authkey"), 0o400);
    assert_eq!(mode("corosync.conf"), 0o644);
    assert_eq!(mode("cib.xml"), 0o600);
    assert_eq!(
        std::fs::metadata(d.join("authkey")).expect("key").len(),
        256
    );
    let conf = std::fs::read_to_string(d.join("corosync.conf")).expect("conf");
    for want in [
        "transport: knet",
        "crypto_cipher: aes256",
        "crypto_hash: sha256",
        "two_node: 1",
        "token: 1000",
    ] {
        assert!(conf.contains(want), "{want}:\n{conf}");
    }
    // corosync itself accepts the file, when it is installed (CI installs it).
    if let Ok(out) = Command::new("corosync")
        .arg("-t")
        .arg("-c")
        .arg(d.join("corosync.conf"))
        .output()
    {
        assert!(
            out.status.success(),
            "corosync -t refused the file: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // A second init refuses to replace corosync.conf, and with --force keeps the key.
    let key = std::fs::read(d.join("authkey")).expect("key");
    assert!(!init(&[]).status.success());
    let out = init(&["--force"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("keeping the existing authkey"));
    assert_eq!(std::fs::read(d.join("authkey")).expect("key"), key);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn bad_node_arguments_are_refused_with_the_fix() {
    let out = Command::new(PACER)
        .args(["cluster", "init", "--name", "web", "--node", "n1"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected NAME=ADDRESS"));
}
