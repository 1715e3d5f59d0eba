//! pacer's on-disk state.
//!
//! - [`write_atomic`]: replace a file atomically (temp file, fsync, rename,
//!   fsync of the directory).
//! - [`CibStore`]: one node's copy of the CIB, written atomically with a
//!   SHA-256 checksum in a trailing XML comment. Reading checks it: a
//!   missing, truncated or edited file is refused with a message naming the
//!   file and the fix, never replaced by an empty CIB behind anyone's back.
//!
//! ```
//! let dir = std::env::temp_dir().join(format!("store-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let store = store::CibStore::new(dir.join("cib.xml"));
//! store.save("<cib/>").unwrap();
//! assert_eq!(store.load().unwrap(), "<cib/>");
//! std::fs::write(dir.join("cib.xml"), "<cib epoch=\"9\"/>").unwrap();
//! assert!(store.load().is_err());
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

mod atomic;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub use atomic::{write_atomic, write_atomic_with_mode};

/// The trailer that carries the checksum: `<!-- pacer-sha256: HEX -->`.
const TRAILER_PREFIX: &str = "<!-- pacer-sha256: ";
const TRAILER_SUFFIX: &str = " -->\n";

/// Hex SHA-256 of some text.
pub fn sha256_hex(text: &str) -> String {
    let d = Sha256::digest(text.as_bytes());
    let mut s = String::with_capacity(64);
    for b in d {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Why a stored CIB was refused.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: no CIB here; create an empty one with `pacer cluster new-cib {path}` (the node then receives the cluster's copy when it joins) — pacer does not start from an empty CIB by itself")]
    Missing { path: PathBuf },
    #[error("{path}: the CIB is corrupt ({why}); restore it from another node's copy or a backup, or move it away and write an empty one with `pacer cluster new-cib {path}` so this node receives the cluster's copy when it joins")]
    Corrupt { path: PathBuf, why: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// One node's CIB file.
#[derive(Clone, Debug)]
pub struct CibStore {
    path: PathBuf,
}

impl CibStore {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        CibStore { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's contents: `xml` followed by the checksum trailer.
    pub fn encode(xml: &str) -> String {
        let mut body = xml.to_string();
        if !body.ends_with('\n') {
            body.push('\n');
        }
        let sum = sha256_hex(&body);
        format!("{body}{TRAILER_PREFIX}{sum}{TRAILER_SUFFIX}")
    }

    /// Checks a file's text and returns the CIB XML in it.
    pub fn decode(path: &Path, text: &str) -> Result<String, StoreError> {
        let corrupt = |why: String| StoreError::Corrupt {
            path: path.to_path_buf(),
            why,
        };
        let Some(start) = text.rfind(TRAILER_PREFIX) else {
            return Err(corrupt(
                "no checksum line at the end (truncated, or not written by pacer)".into(),
            ));
        };
        let (body, trailer) = text.split_at(start);
        let Some(sum) = trailer
            .strip_prefix(TRAILER_PREFIX)
            .and_then(|t| t.strip_suffix(TRAILER_SUFFIX))
        else {
            return Err(corrupt("the checksum line is damaged".into()));
        };
        let actual = sha256_hex(body);
        if actual != sum {
            return Err(corrupt(format!(
                "checksum mismatch: file says {sum}, contents hash to {actual}"
            )));
        }
        Ok(body.strip_suffix('\n').unwrap_or(body).to_string())
    }

    /// Reads and checks the CIB.
    pub fn load(&self) -> Result<String, StoreError> {
        match fs::read_to_string(&self.path) {
            Ok(text) => Self::decode(&self.path, &text),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(StoreError::Missing {
                path: self.path.clone(),
            }),
            Err(e) if e.kind() == io::ErrorKind::InvalidData => Err(StoreError::Corrupt {
                path: self.path.clone(),
                why: "not UTF-8 text".into(),
            }),
            Err(source) => Err(StoreError::Io {
                path: self.path.clone(),
                source,
            }),
        }
    }

    /// Replaces the stored CIB atomically (mode 0600 for a new file).
    pub fn save(&self, xml: &str) -> Result<(), StoreError> {
        let io = |source| StoreError::Io {
            path: self.path.clone(),
            source,
        };
        if !self.path.exists() {
            create_private(&self.path).map_err(io)?;
        }
        write_atomic(&self.path, Self::encode(xml).as_bytes()).map_err(io)
    }
}

/// Creates an empty file readable by its owner only (the CIB may hold
/// passwords in resource parameters).
fn create_private(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt as _;
    fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("pacer-store-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).expect("scratch dir");
        d
    }

    #[test]
    fn round_trip_and_private_mode() {
        use std::os::unix::fs::PermissionsExt as _;
        let d = scratch("rt");
        let s = CibStore::new(d.join("cib.xml"));
        s.save("<cib epoch=\"1\"/>").expect("save");
        assert_eq!(s.load().expect("load"), "<cib epoch=\"1\"/>");
        s.save("<cib epoch=\"2\"/>\n").expect("save");
        assert_eq!(s.load().expect("load"), "<cib epoch=\"2\"/>");
        let mode = fs::metadata(s.path()).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn missing_is_refused_not_replaced() {
        let d = scratch("missing");
        let s = CibStore::new(d.join("cib.xml"));
        let e = s.load().expect_err("missing");
        assert!(matches!(e, StoreError::Missing { .. }));
        assert!(e.to_string().contains("pacer cluster new-cib"), "{e}");
        assert!(!s.path().exists());
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn corruption_is_detected() {
        let d = scratch("corrupt");
        let s = CibStore::new(d.join("cib.xml"));
        s.save("<cib epoch=\"1\"/>").expect("save");
        let good = fs::read_to_string(s.path()).expect("read");
        // Edited body.
        fs::write(s.path(), good.replace("epoch=\"1\"", "epoch=\"7\"")).expect("write");
        let e = s.load().expect_err("edited");
        assert!(e.to_string().contains("checksum mismatch"), "{e}");
        // Truncated.
        fs::write(s.path(), &good[..good.len() / 2]).expect("write");
        assert!(matches!(s.load(), Err(StoreError::Corrupt { .. })));
        // Empty.
        fs::write(s.path(), "").expect("write");
        assert!(matches!(s.load(), Err(StoreError::Corrupt { .. })));
        // Not text.
        fs::write(s.path(), [0xff, 0xfe, 0x00]).expect("write");
        assert!(matches!(s.load(), Err(StoreError::Corrupt { .. })));
        let _ = fs::remove_dir_all(&d);
    }
}
