//! CIB files on disk: where one is, and replacing one atomically.
//!
//! A CIB file is replaced, never edited in place (see [`store::write_atomic`]).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

pub use store::write_atomic;

/// The CIB file to work on: `--cib FILE`, else the `CIB_file` environment
/// variable (the one Pacemaker's tools and crmsh honour).
pub fn resolve(cli: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = cli {
        return Some(p.to_path_buf());
    }
    std::env::var_os("CIB_file")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Reads a CIB file; `None` when it does not exist.
pub fn read(path: &Path) -> io::Result<Option<String>> {
    match fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}
