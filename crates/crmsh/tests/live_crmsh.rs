//! When crmsh is installed (CI installs it), the real crmsh reads what
//! pacer's `show` prints: for every reference example, crmsh's XML for
//! pacer's output equals pacer's own XML. Without crmsh this test only says
//! it was skipped; `reference.rs` still compares with recorded outputs.
//!
//! crmsh runs on a CIB file (`CIB_file`, started from `cibadmin --empty`)
//! with a private configuration (`CRM_CONFIG_FILE`) that skips resource
//! agent checks; see `tests/crmsh-reference/record.sh`.

use std::path::{Path, PathBuf};
use std::process::Command;

use cib::Element;

fn have(tool: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

struct Crmsh {
    dir: PathBuf,
}

impl Crmsh {
    fn new() -> Crmsh {
        let dir = std::env::temp_dir().join(format!("pacer-live-crmsh-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        std::fs::write(
            dir.join("crm.conf"),
            "[core]\ncheck_frequency = never\ncheck_mode = relaxed\nignore_missing_metadata = yes\n\
             output = plain\nobscure_pattern =\npager = cat\n",
        )
        .expect("crm.conf");
        Crmsh { dir }
    }

    fn cmd(&self, program: &str, cib: &Path) -> Command {
        let mut c = Command::new(program);
        c.env("CIB_file", cib)
            .env("CRM_CONFIG_FILE", self.dir.join("crm.conf"))
            .env("XDG_CACHE_HOME", self.dir.join("cache"))
            .env("XDG_CONFIG_HOME", self.dir.join("config"))
            .env("XDG_DATA_HOME", self.dir.join("data"));
        c
    }

    /// crmsh's `<configuration>` for crm text, or its complaint.
    fn configuration(&self, text: &str) -> Result<Element, String> {
        let cib = self.dir.join("cib.xml");
        let src = self.dir.join("in.crm");
        std::fs::write(&src, text).map_err(|e| e.to_string())?;
        let empty = Command::new("cibadmin")
            .arg("--empty")
            .output()
            .map_err(|e| e.to_string())?;
        std::fs::write(&cib, &empty.stdout).map_err(|e| e.to_string())?;
        let out = self
            .cmd("crm", &cib)
            .args(["-F", "configure", "load", "update"])
            .arg(&src)
            .output()
            .map_err(|e| e.to_string())?;
        let log = String::from_utf8_lossy(&out.stderr).into_owned()
            + &String::from_utf8_lossy(&out.stdout);
        if !out.status.success() || log.contains("syntax") {
            return Err(log);
        }
        let q = self
            .cmd("cibadmin", &cib)
            .args(["--query", "--scope", "configuration"])
            .output()
            .map_err(|e| e.to_string())?;
        Element::parse(&String::from_utf8_lossy(&q.stdout)).map_err(|e| e.to_string())
    }
}

impl Drop for Crmsh {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn normalize(mut el: Element) -> Element {
    const MANDATORY: [&str; 4] = ["crm_config", "nodes", "resources", "constraints"];
    el.children
        .retain(|c| MANDATORY.contains(&c.name.as_str()) || !c.children.is_empty());
    for name in MANDATORY {
        if el.child(name).is_none() {
            el.push(Element::new(name));
        }
    }
    el
}

#[test]
fn crmsh_reads_what_pacer_shows() {
    if !have("crm") || !have("cibadmin") {
        eprintln!("crmsh or cibadmin not installed: live comparison skipped");
        return;
    }
    let crmsh = Crmsh::new();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/crmsh-reference");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("reference dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "crm"))
        .collect();
    files.sort();
    let mut failures = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("example");
        let conf = crmsh::parse_configuration(&text).expect("example loads");
        let shown = crmsh::show(&conf);
        let ours = normalize(cib::write::configuration(&conf));
        match crmsh.configuration(&shown) {
            Err(log) => failures.push(format!(
                "{}: crmsh rejects pacer's show:\n{shown}\n{log}",
                f.display()
            )),
            Ok(theirs) => {
                if let Some(d) = normalize(theirs).semantic_diff(&ours) {
                    failures.push(format!("{}: {d}\n{shown}", f.display()));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
