//! The control socket end to end: a client that is neither root nor in the
//! `haclient` group is refused by pacerd itself (SO_PEERCRED), even when the
//! file permissions would let it connect; root is served.
//!
//! Needs root (to run a client as another user); skipped with a message
//! otherwise.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use control::{Request, Response};
use pacerd::Input;

/// The user the refused client runs as (Debian's `nobody`).
const NOBODY: u32 = 65534;

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// Sends one request and returns the first reply line.
fn ask(socket: &Path) -> String {
    let mut s = UnixStream::connect(socket).expect("connect to the control socket");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut line = serde_json::to_vec(&Request::Status).expect("encode");
    line.push(b'\n');
    s.write_all(&line).expect("send");
    let mut reply = String::new();
    BufReader::new(s).read_line(&mut reply).expect("reply");
    reply
}

/// Run as a child process under another uid: asks and prints the reply.
#[test]
fn client_helper() {
    let Some(socket) = std::env::var_os("PACERD_TEST_CLIENT_SOCKET") else {
        return; // only meaningful when re-executed by the test below
    };
    print!("REPLY {}", ask(Path::new(&socket)));
}

#[test]
fn only_root_and_haclient_are_served() {
    if !is_root() {
        eprintln!("skipped: needs root to run a client as uid {NOBODY}");
        return;
    }
    let dir: PathBuf = std::env::temp_dir().join(format!("pacerd-sock-{}", std::process::id()));
    let socket = dir.join("control.sock");
    let (tx, rx) = mpsc::sync_channel::<Input>(16);
    pacerd::serve(&socket, tx).expect("serve");

    // A daemon loop stand-in: answer every request that gets through.
    std::thread::spawn(move || {
        for input in rx {
            if let Input::Client { reply, .. } = input {
                let _ = reply.send(Response::Error {
                    message: "served".into(),
                });
            }
        }
    });

    // Root is served.
    let reply = ask(&socket);
    assert!(reply.contains("served"), "root was not served: {reply}");

    // Open the file permissions (as a careless admin might) so that only
    // the peer check stands between uid 65534 and pacerd.
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod dir");
    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o666)).expect("chmod");

    // A copy of this test binary where uid 65534 may run it (the build
    // directory may sit under a home that is closed to others).
    let me = dir.join("client");
    std::fs::copy(std::env::current_exe().expect("test binary"), &me).expect("copy");
    std::fs::set_permissions(&me, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    // setpriv (util-linux) drops the supplementary groups too.
    let out = Command::new("setpriv")
        .args([
            format!("--reuid={NOBODY}"),
            format!("--regid={NOBODY}"),
            "--clear-groups".into(),
        ])
        .arg(&me)
        .args([
            "--exact",
            "client_helper",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("PACERD_TEST_CLIENT_SOCKET", &socket)
        .output()
        .expect("run the client as nobody");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let reply = stdout
        .lines()
        .find_map(|l| l.split_once("REPLY ").map(|(_, r)| r.to_string()))
        .unwrap_or_else(|| {
            panic!(
                "the client printed no reply: {stdout}{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let parsed: Response = serde_json::from_str(&reply).expect("a protocol reply");
    match parsed {
        Response::Error { message } => assert!(
            message.contains("permission denied") && message.contains("haclient"),
            "{message}"
        ),
        other => panic!("uid {NOBODY} was served: {other:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}
