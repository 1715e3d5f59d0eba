//! Replacing a file atomically.
//!
//! A file is replaced, never edited in place: the new text goes to a
//! temporary file in the same directory, which is flushed to disk and renamed
//! over the target; then the directory itself is flushed so the rename
//! survives a crash. Readers see the old file or the new one, never a mix,
//! and on any error the old file is left exactly as it was.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Replaces `path` with `contents` atomically (temp file, fsync, rename,
/// fsync of the directory). On error the original file is untouched and the
/// temporary file is removed.
pub fn write_atomic(path: &Path, contents: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))?
        .to_string_lossy()
        .into_owned();
    write_atomic_inner(path, &dir, &name, contents, None)
}

/// Like [`write_atomic`], but the new file gets exactly `mode` (e.g. 0o400
/// for a key): the temporary file is created with it, so the contents are
/// never readable by others, not even briefly.
pub fn write_atomic_with_mode(path: &Path, contents: &[u8], mode: u32) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))?
        .to_string_lossy()
        .into_owned();
    write_atomic_inner(path, &dir, &name, contents, Some(mode))
}

fn write_atomic_inner(
    path: &Path,
    dir: &Path,
    name: &str,
    contents: &[u8],
    mode: Option<u32>,
) -> io::Result<()> {
    let (tmp_path, mut tmp) = create_temp(dir, name, mode)?;
    let result = (|| {
        if mode.is_none() {
            keep_owner_and_mode(path, &tmp_path, &tmp)?;
        }
        tmp.write_all(contents)?;
        tmp.sync_all()?;
        drop(tmp);
        fs::rename(&tmp_path, path)?;
        // Make the rename itself durable.
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp_path);
    }
    result
}

/// Gives the replacement the mode (and, where permitted, the owner) of the
/// file it replaces: a CIB is usually private to the cluster user.
fn keep_owner_and_mode(target: &Path, tmp_path: &Path, tmp: &File) -> io::Result<()> {
    let Ok(meta) = fs::metadata(target) else {
        return Ok(());
    };
    tmp.set_permissions(meta.permissions())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        // Only root may give a file away; anyone else keeps their own.
        let _ = std::os::unix::fs::chown(tmp_path, Some(meta.uid()), Some(meta.gid()));
    }
    #[cfg(not(unix))]
    let _ = tmp_path;
    Ok(())
}

/// A new file `.NAME.tmp-PID-N` in `dir` that did not exist before.
fn create_temp(dir: &Path, name: &str, mode: Option<u32>) -> io::Result<(PathBuf, File)> {
    use std::os::unix::fs::OpenOptionsExt as _;
    const ATTEMPTS_MAX: u32 = 100;
    let pid = std::process::id();
    let mut last_err = None;
    for n in 0..ATTEMPTS_MAX {
        let p = dir.join(format!(".{name}.tmp-{pid}-{n}"));
        let mut o = OpenOptions::new();
        o.write(true).create_new(true);
        if let Some(m) = mode {
            o.mode(m);
        }
        match o.open(&p) {
            Ok(f) => return Ok((p, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last_err = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last_err.unwrap_or_else(|| io::Error::other("no free temporary file name")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("pacer-atomic-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).expect("scratch dir");
        d
    }

    #[test]
    fn replaces_and_leaves_no_temp_files() {
        let d = scratch("replace");
        let f = d.join("cib.xml");
        fs::write(&f, "old").expect("write");
        write_atomic(&f, b"new").expect("atomic write");
        assert_eq!(fs::read_to_string(&f).expect("read"), "new");
        let names: Vec<_> = fs::read_dir(&d)
            .expect("dir")
            .filter_map(|e| e.ok())
            .collect();
        assert_eq!(names.len(), 1);
        let _ = fs::remove_dir_all(&d);
    }

    #[cfg(unix)]
    #[test]
    fn keeps_the_mode() {
        use std::os::unix::fs::PermissionsExt as _;
        let d = scratch("mode");
        let f = d.join("cib.xml");
        fs::write(&f, "old").expect("write");
        fs::set_permissions(&f, fs::Permissions::from_mode(0o600)).expect("chmod");
        write_atomic(&f, b"new").expect("atomic write");
        let mode = fs::metadata(&f).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn an_exact_mode_for_keys() {
        use std::os::unix::fs::PermissionsExt as _;
        let d = scratch("keymode");
        let f = d.join("authkey");
        write_atomic_with_mode(&f, b"secret", 0o400).expect("write");
        let mode = fs::metadata(&f).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o400);
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn a_failed_write_leaves_the_original() {
        let d = scratch("fail");
        let f = d.join("missing-dir").join("cib.xml");
        assert!(write_atomic(&f, b"x").is_err());
        assert!(!f.exists());
        let _ = fs::remove_dir_all(&d);
    }
}
