//! The example CIBs shipped in examples/ are valid (strict read) and
//! `pacer simulate -x` prints for them what crm_simulate printed
//! (examples/expected/, recorded by examples/record.sh).

use std::path::{Path, PathBuf};
use std::process::Command;

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

fn examples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(examples_dir())
        .expect("examples/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no example CIBs");
    v
}

#[test]
fn examples_are_valid_cibs() {
    for path in examples() {
        let text = std::fs::read_to_string(&path).expect("read example");
        if let Err(e) = cib::Cib::from_xml(&text) {
            panic!("{}: {e}", path.display());
        }
    }
}

#[test]
fn simulate_prints_what_crm_simulate_prints() {
    for path in examples() {
        let name = path
            .file_stem()
            .expect("file name")
            .to_string_lossy()
            .to_string();
        let expected_file = examples_dir()
            .join("expected")
            .join(format!("{name}.status"));
        let expected = std::fs::read_to_string(&expected_file).unwrap_or_else(|e| {
            panic!("{}: {e} (run examples/record.sh)", expected_file.display())
        });
        let out = Command::new(env!("CARGO_BIN_EXE_pacer"))
            .args(["simulate", "-x"])
            .arg(&path)
            .output()
            .expect("run pacer");
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout), expected, "{name}");
    }
}
