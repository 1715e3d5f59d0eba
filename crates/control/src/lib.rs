//! The local control socket between `pacer` (and later the controller's
//! admin commands) and `pacerd`.
//!
//! One JSON object per line each way: a [`Request`], then its [`Response`].
//! The socket is a unix socket under `/run/pacer` (mode 0660, directory
//! 0750); on every connection the daemon reads the peer's credentials
//! (`SO_PEERCRED`) and serves only root and members of the `haclient` group
//! ([`peer_allowed`]). Requests are typed, size-bounded and validated again
//! by the engine (node and attribute names, the CIB itself).
//!
//! ```no_run
//! let mut c = control::Client::connect(std::path::Path::new(control::DEFAULT_SOCKET)).unwrap();
//! let control::Response::Status(s) = c.call(&control::Request::Status).unwrap() else { panic!() };
//! println!("DC: {:?}", s.engine.dc);
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use replica::engine::{AttrUpdate, Snapshot};
use replica::ops::{CibOp, Version};
use serde::{Deserialize, Serialize};

/// Where pacerd listens unless told otherwise.
pub const DEFAULT_SOCKET: &str = "/run/pacer/pacerd.sock";
/// Largest request or response line (a whole CIB fits).
pub const LINE_BYTES_MAX: usize = 64 << 20;
/// The group whose members may use the socket besides root (Pacemaker's).
pub const ADMIN_GROUP: &str = "haclient";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "kebab-case")]
pub enum Request {
    /// Membership, quorum, DC and CIB version as this node sees them.
    Status,
    /// The whole CIB (like `cibadmin -Q`).
    Cib,
    /// A CIB change; answered once applied in the cluster (or refused).
    Change { op: CibOp },
    /// A node attribute (like `attrd_updater`); answered once accepted.
    Attribute { update: AttrUpdate },
    /// The fencing operations this node's fencer ran, as
    /// `stonith_admin --history '*' --verbose` prints them.
    FenceHistory,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    pub engine: Snapshot,
    pub cib_path: String,
    pub pid: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "response", rename_all = "kebab-case")]
pub enum Response {
    Status(Status),
    Cib {
        xml: String,
    },
    /// Applied (or accepted, for a dampened attribute) at this CIB version.
    Done {
        version: Version,
    },
    /// The fencing history, one operation a line, newest first.
    FenceHistory {
        text: String,
    },
    /// Not applied; `reason` says why and what to do.
    Refused {
        reason: String,
    },
    /// The request itself was bad or could not be served.
    Error {
        message: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error("cannot connect to pacerd at {path}: {source}; is pacerd running on this node (in this namespace)? (`pacer lab exec N status` in the lab)")]
    Connect {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("pacerd at {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("pacerd sent something unreadable: {0}")]
    Protocol(String),
}

/// A connection to pacerd.
#[derive(Debug)]
pub struct Client {
    path: PathBuf,
    reader: BufReader<UnixStream>,
    writer: UnixStream,
}

impl Client {
    pub fn connect(path: &Path) -> Result<Self, ControlError> {
        let s = UnixStream::connect(path).map_err(|source| ControlError::Connect {
            path: path.to_path_buf(),
            source,
        })?;
        let io = |source| ControlError::Io {
            path: path.to_path_buf(),
            source,
        };
        s.set_read_timeout(Some(Duration::from_secs(120)))
            .map_err(io)?;
        let w = s.try_clone().map_err(io)?;
        Ok(Client {
            path: path.to_path_buf(),
            reader: BufReader::new(s),
            writer: w,
        })
    }

    pub fn call(&mut self, req: &Request) -> Result<Response, ControlError> {
        let io = |source| ControlError::Io {
            path: self.path.clone(),
            source,
        };
        let mut line =
            serde_json::to_vec(req).map_err(|e| ControlError::Protocol(e.to_string()))?;
        line.push(b'\n');
        self.writer.write_all(&line).map_err(io)?;
        match read_line(&mut self.reader).map_err(io)? {
            Some(l) => {
                serde_json::from_slice(&l).map_err(|e| ControlError::Protocol(e.to_string()))
            }
            None => Err(ControlError::Protocol(
                "pacerd closed the connection".into(),
            )),
        }
    }
}

/// Reads one line of at most [`LINE_BYTES_MAX`] bytes (without the newline);
/// `None` at end of stream.
pub fn read_line(r: &mut impl BufRead) -> std::io::Result<Option<Vec<u8>>> {
    let mut buf = Vec::new();
    let n = r
        .take(LINE_BYTES_MAX as u64 + 1)
        .read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
    } else if buf.len() > LINE_BYTES_MAX {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("request longer than {LINE_BYTES_MAX} bytes"),
        ));
    }
    Ok(Some(buf))
}

/// Who is on the other end of a unix socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Peer {
    pub pid: i32,
    pub uid: u32,
    pub gid: u32,
}

pub fn peer_of(s: &UnixStream) -> std::io::Result<Peer> {
    let c = rustix::net::sockopt::socket_peercred(s)?;
    Ok(Peer {
        pid: c.pid.as_raw_nonzero().get(),
        uid: c.uid.as_raw(),
        gid: c.gid.as_raw(),
    })
}

/// The gid of a group, from /etc/group.
pub fn group_id(name: &str) -> Option<u32> {
    let text = std::fs::read_to_string("/etc/group").ok()?;
    group_id_in(&text, name)
}

fn group_id_in(etc_group: &str, name: &str) -> Option<u32> {
    etc_group.lines().find_map(|l| {
        let mut f = l.split(':');
        (f.next()? == name).then_some(())?;
        f.next()?;
        f.next()?.parse().ok()
    })
}

/// The supplementary groups of a process, from /proc/PID/status.
fn groups_of(pid: i32) -> Vec<u32> {
    let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return Vec::new();
    };
    text.lines()
        .find_map(|l| l.strip_prefix("Groups:"))
        .map(|g| {
            g.split_whitespace()
                .filter_map(|x| x.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Root, or a member of `haclient` (primary or supplementary group).
pub fn peer_allowed(p: &Peer, admin_gid: Option<u32>) -> bool {
    if p.uid == 0 {
        return true;
    }
    match admin_gid {
        Some(g) => p.gid == g || groups_of(p.pid).contains(&g),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_file_lookup() {
        let etc = "root:x:0:\nhaclient:x:115:hacluster\nbad line\n";
        assert_eq!(group_id_in(etc, "haclient"), Some(115));
        assert_eq!(group_id_in(etc, "nope"), None);
    }

    #[test]
    fn only_root_or_haclient() {
        let me = std::process::id() as i32;
        assert!(peer_allowed(
            &Peer {
                pid: me,
                uid: 0,
                gid: 0
            },
            None
        ));
        assert!(!peer_allowed(
            &Peer {
                pid: me,
                uid: 1000,
                gid: 1000
            },
            None
        ));
        assert!(peer_allowed(
            &Peer {
                pid: me,
                uid: 1000,
                gid: 115
            },
            Some(115)
        ));
        assert!(!peer_allowed(
            &Peer {
                pid: me,
                uid: 1000,
                gid: 1000
            },
            Some(115)
        ));
    }

    #[test]
    fn peer_credentials_of_a_socket_pair() {
        let (a, _b) = UnixStream::pair().expect("pair");
        let p = peer_of(&a).expect("peercred");
        assert_eq!(p.pid, std::process::id() as i32);
        assert_eq!(p.uid, rustix::process::getuid().as_raw());
    }

    #[test]
    fn lines_are_bounded() {
        let big = vec![b'x'; LINE_BYTES_MAX + 10];
        let mut r = BufReader::new(&big[..]);
        assert!(read_line(&mut r).is_err());
        let mut r = BufReader::new(&b"{\"request\":\"status\"}\n"[..]);
        let l = read_line(&mut r).expect("read").expect("line");
        let req: Request = serde_json::from_slice(&l).expect("parse");
        assert_eq!(req, Request::Status);
    }
}
