//! Pacemaker 2.1.5's scheduler regression corpus, as the tests, benchmarks
//! and `pacer bench` read it.
//!
//! The corpus is GPL test data of the Pacemaker project and is never copied
//! into this repository: it is read from `$PACER_CORPUS`, or from
//! `../shared/scheduler-corpus` beside the project checkout. Its layout:
//! `tests.tsv` (name, description, extra `crm_simulate` arguments), `xml/`
//! (input CIBs), `summary/` (`crm_simulate -S` output), `scores/`
//! (`crm_simulate -sSQ` output), `exp/` (transition graphs).
//!
//! [`compare`] normalises outputs the way `scheduler-conformance` compares
//! them; [`Ratchet`] is a pass count kept in a file of the repository that a
//! change may raise but never lower.
//!
//! ```no_run
//! for case in corpus::cases() {
//!     let _input = case.xml();
//!     let _expected = case.summary();
//! }
//! ```

use std::path::{Path, PathBuf};

pub mod compare;
pub mod synthetic;

/// How many cases the corpus holds.
pub const CASES: usize = 599;

/// The corpus directory: `$PACER_CORPUS`, or `shared/scheduler-corpus`
/// beside the project checkout.
pub fn dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PACER_CORPUS") {
        return PathBuf::from(dir);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/scheduler-corpus")
}

/// Seconds since the epoch by the wall clock: the "now" crm_simulate uses
/// for a case whose CIB has no execution date and no `-t` (a few cases'
/// expected outputs depend on their failures having long expired).
pub fn clock_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// One case of `tests.tsv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    pub name: String,
    pub description: String,
    /// Extra `crm_simulate` arguments (e.g. `-t 2005-020`), for score runs only. for score runs.
    pub args: String,
    dir: PathBuf,
}

impl Case {
    pub fn xml_path(&self) -> PathBuf {
        self.dir.join("xml").join(format!("{}.xml", self.name))
    }
    /// The input CIB (empty when unreadable: such a case simply fails).
    pub fn xml(&self) -> String {
        read(&self.xml_path())
    }
    /// Expected `crm_simulate -S` output.
    pub fn summary(&self) -> String {
        read(
            &self
                .dir
                .join("summary")
                .join(format!("{}.summary", self.name)),
        )
    }
    /// Expected `crm_simulate -sSQ` output.
    pub fn scores(&self) -> String {
        read(
            &self
                .dir
                .join("scores")
                .join(format!("{}.scores", self.name)),
        )
    }
    /// The value of `-t`/`--set-datetime` among the extra arguments. Like
    /// Pacemaker's suite, the extra arguments apply to the score runs
    /// (`-sSQ`) only; the `-S` summaries were recorded without them.
    pub fn set_datetime(&self) -> Option<&str> {
        let mut words = self.args.split_whitespace();
        while let Some(w) = words.next() {
            if w == "-t" || w == "--set-datetime" {
                return words.next();
            }
        }
        None
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// The cases of [`dir`]`/tests.tsv`, in its order.
///
/// # Panics
/// When `tests.tsv` cannot be read: the message names the path and
/// `PACER_CORPUS`.
pub fn cases() -> Vec<Case> {
    cases_in(&dir())
}

/// The cases of `dir/tests.tsv`.
///
/// # Panics
/// When `tests.tsv` cannot be read.
pub fn cases_in(dir: &Path) -> Vec<Case> {
    let tsv = dir.join("tests.tsv");
    let text = std::fs::read_to_string(&tsv).unwrap_or_else(|e| {
        panic!(
            "cannot read the scheduler corpus at {} ({e}); set PACER_CORPUS to its directory",
            tsv.display()
        )
    });
    parse_tests_tsv(&text, dir)
}

fn parse_tests_tsv(text: &str, dir: &Path) -> Vec<Case> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let mut f = line.split('\t');
            let name = f.next().filter(|n| !n.is_empty())?;
            Some(Case {
                name: name.to_string(),
                description: f.next().unwrap_or("").to_string(),
                args: f.next().unwrap_or("").trim().to_string(),
                dir: dir.to_path_buf(),
            })
        })
        .collect()
}

/// Every `xml/*.xml` file, sorted.
///
/// # Panics
/// When the directory cannot be read or does not hold the [`CASES`] cases.
pub fn xml_files() -> Vec<PathBuf> {
    let dir = dir().join("xml");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read the corpus at {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    files.sort();
    assert_eq!(
        files.len(),
        CASES,
        "expected the {CASES} corpus cases in {}",
        dir.display()
    );
    files
}

/// The largest input CIB: (file name, text). For benchmarks.
///
/// # Panics
/// When the corpus cannot be read.
pub fn largest() -> (String, String) {
    let path = xml_files()
        .into_iter()
        .max_by_key(|p| p.metadata().map(|m| m.len()).unwrap_or(0))
        .unwrap_or_else(|| panic!("the corpus at {} is empty", dir().display()));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    (name, read(&path))
}

/// A pass count over the corpus that may rise but never drop: the floor is
/// a number in a file of the repository.
pub struct Ratchet {
    pub floor_file: PathBuf,
    /// What is counted, for the messages ("whole summary", "scores").
    pub what: &'static str,
}

impl Ratchet {
    /// Prints the tally and the failing cases, then asserts that `passed`
    /// reaches the floor (and hints when the floor can be raised).
    ///
    /// # Panics
    /// When the floor file holds no number or `passed` is below it.
    pub fn check(&self, passed: usize, failed: &[String]) {
        let floor: usize = std::fs::read_to_string(&self.floor_file)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or_else(|| panic!("{} must hold a number", self.floor_file.display()));
        println!("{}: {passed} passed, {} failed", self.what, failed.len());
        for f in failed {
            println!("  differs: {f}");
        }
        assert!(
            passed >= floor,
            "{}: {passed} cases pass, fewer than the floor of {floor} in {}",
            self.what,
            self.floor_file.display()
        );
        if passed > floor {
            println!(
                "hint: {passed} pass now; raise the floor in {} to keep it",
                self.floor_file.display()
            );
        }
    }

    /// Runs `ok` on every case (on a thread with a large stack: the
    /// scheduler recurses along constraint chains as Pacemaker does) and
    /// checks the count.
    ///
    /// # Panics
    /// As [`Ratchet::check`], or when the corpus cannot be read.
    pub fn run(&self, ok: fn(&Case) -> bool) {
        let cases = cases();
        let (passed, failed) = std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn(move || {
                let mut passed = 0;
                let mut failed = Vec::new();
                for case in &cases {
                    if ok(case) {
                        passed += 1;
                    } else {
                        failed.push(case.name.clone());
                    }
                }
                (passed, failed)
            })
            .expect("cannot start the corpus thread")
            .join()
            .expect("a corpus case panicked");
        self.check(passed, &failed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tests_tsv_rows_become_cases() {
        let text =
            "name\tdescription\textra_args\nsimple1\tOffline\t\ndate-1\tDates\t-t 2005-020\n\n";
        let cases = parse_tests_tsv(text, Path::new("/c"));
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[0].name, "simple1");
        assert_eq!(cases[0].set_datetime(), None);
        assert_eq!(cases[1].set_datetime(), Some("2005-020"));
        assert_eq!(cases[1].xml_path(), PathBuf::from("/c/xml/date-1.xml"));
    }
}
