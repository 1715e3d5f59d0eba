//! README's first command, `pacer lab demo`, end to end (root, network
//! namespaces, real corosync; skipped otherwise): a 3-node lab comes up,
//! examples/lab-demo.crm is loaded, the cluster settles with the web group
//! running (its server answering on the virtual IP) and Stateful promoted
//! on one node (its promotion score set through the lab's crm_attribute).

use std::path::{Path, PathBuf};
use std::process::Command;

const PACER: &str = env!("CARGO_BIN_EXE_pacer");

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

/// pacerd next to pacer (cargo builds it on demand; a no-op when current).
fn pacerd() -> PathBuf {
    let dir = Path::new(PACER).parent().expect("pacer has a directory");
    let target = dir.parent().expect("target dir");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(&cargo);
    build
        .args(["build", "--quiet", "-p", "pacerd", "--target-dir"])
        .arg(target);
    if dir.file_name().is_some_and(|n| n == "release") {
        build.arg("--release");
    }
    let _ = build.current_dir(env!("CARGO_MANIFEST_DIR")).status();
    let p = dir.join("pacerd");
    assert!(p.exists(), "cannot build pacerd (`cargo build -p pacerd`)");
    p
}

struct Down(PathBuf, PathBuf);

impl Drop for Down {
    fn drop(&mut self) {
        let _ = lab(&self.0, &self.1, &["down"]);
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn lab(dir: &Path, pacerd: &Path, args: &[&str]) -> std::process::Output {
    Command::new(PACER)
        .arg("lab")
        .args(args)
        .arg("--lab-dir")
        .arg(dir)
        .env("PACER_LAB_PREFIX", "demo")
        .env("PACERD", pacerd)
        .output()
        .expect("run pacer lab")
}

#[test]
fn lab_demo_settles_with_the_example_running() {
    if !is_root() || Command::new("corosync").arg("-v").output().is_err() {
        eprintln!("skipped: needs root and corosync");
        return;
    }
    let pacerd = pacerd();
    let dir = std::env::temp_dir().join(format!("pacer-demo-{}", std::process::id()));
    let _down = Down(dir.clone(), pacerd.clone());
    let out = lab(&dir, &pacerd, &["demo"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    for want in [
        "  * Online: [ n1 n2 n3 ]\n",
        "  * fence-lab\t(stonith:fence_pacer_lab):\t Started ",
        "  * Resource Group: web-group:\n    * vip\t(ocf:heartbeat:IPaddr2):\t Started ",
        "  * Clone Set: state-clone [state] (promotable):\n    * Promoted: [ ",
    ] {
        assert!(text.contains(want), "no {want:?} in\n{text}");
    }
    // The web server answers on the virtual IP from another node.
    let get = "import urllib.request; print(urllib.request.urlopen('http://10.214.0.100:8080/', timeout=5).status)";
    let exec = Command::new(PACER)
        .args(["lab", "exec", "--lab-dir"])
        .arg(&dir)
        .args(["3", "python3", "-c", get])
        .env("PACER_LAB_PREFIX", "demo")
        .output()
        .expect("pacer lab exec");
    assert_eq!(String::from_utf8_lossy(&exec.stdout), "200\n");

    // Alerts: Pacemaker's sample file agent hears of every node's
    // operations and attribute changes.
    let log = dir.join("alerts.log");
    let crm = dir.join("alerts.crm");
    std::fs::write(
        &crm,
        format!(
            "alert file-log /usr/share/pacemaker/alerts/alert_file.sh.sample \\\n\tselect nodes fencing resources attributes {{ }} \\\n\tto {}\n",
            log.display()
        ),
    )
    .expect("write alerts.crm");
    let pacer = |args: &[&str]| {
        let out = Command::new(PACER)
            .args(["lab", "exec", "--lab-dir"])
            .arg(&dir)
            .args(args)
            .env("PACER_LAB_PREFIX", "demo")
            .output()
            .expect("pacer lab exec");
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    pacer(&[
        "1",
        "configure",
        "load",
        "update",
        &crm.display().to_string(),
    ]);
    pacer(&["2", "resource", "restart", "web-group"]);
    pacer(&[
        "3",
        "cluster",
        "attribute",
        "--node",
        "n3",
        "--name",
        "rack",
        "--value",
        "r7",
    ]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let want = [
        "Resource operation 'stop' for 'web' on 'n",
        "Resource operation 'start' for 'vip' on 'n",
        "Resource operation 'monitor (10000)' for 'web' on 'n",
        "Attribute 'rack' on node 'n3' was updated to 'r7'",
    ];
    loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let missing: Vec<&&str> = want.iter().filter(|w| !text.contains(**w)).collect();
        if missing.is_empty() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "alerts missing {missing:?} in {}:\n{text}",
            log.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}
