//! pacer against the real crmsh, through the outputs recorded from crmsh
//! 4.4.1 in `tests/crmsh-reference/` (see `record.sh` there; crmsh is not
//! needed to run this test).
//!
//! For every example `NAME.crm`:
//! 1. pacer's XML for it is semantically equal (`cib::Element::semantic_eq`:
//!    attribute order and the order of differently named siblings aside) to
//!    the `<configuration>` crmsh wrote, `NAME.xml`, generated ids included;
//! 2. crm → CIB → crm round-trips: what `show` prints loads back into the
//!    same model;
//! 3. pacer reads what `crm configure show` printed (`NAME.show`) into the
//!    configuration crmsh itself built from that text (`NAME.show.xml`).
//!
//! Deliberate differences from crmsh, which is why (2) uses pacer's own
//! printer rather than comparing with `NAME.show` text:
//! - crmsh's `show` drops ids it could state (`params $id=…`, `op … id=…`,
//!   `rule $id=…`) unless something refers to them, so its output does not
//!   always load back into the same XML (example 20 cannot be reloaded by
//!   crmsh at all); pacer prints them whenever they differ from the
//!   generated ones.
//! - crmsh sorts objects of one kind by id; pacer keeps document order, so
//!   loading `show` output reproduces the document.
//! - crmsh drops `string:` from comparisons (it is the default) and leaves
//!   rule values unquoted; pacer keeps and quotes them.
//! - comments are not kept (the CIB model has no place for them; crmsh stores
//!   them as XML comments, which `semantic_eq` ignores).
//! - Within a statement crmsh orders op attributes as written; pacer's model
//!   writes them in Pacemaker's order. Attribute order has no meaning.

use std::path::{Path, PathBuf};

use cib::Element;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/crmsh-reference")
}

fn examples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir())
        .expect("reference directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "crm"))
        .collect();
    v.sort();
    v
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn conf_xml(text: &str) -> Result<Element, String> {
    let conf = crmsh::parse_configuration(text).map_err(|e| e.to_string())?;
    Ok(cib::write::configuration(&conf))
}

/// crmsh omits empty sections it never created and leaves an emptied
/// `<op_defaults/>` behind after `load replace`; pacer's model always writes
/// the four mandatory sections and never an empty optional one. Compare with
/// the mandatory sections present and empty optional ones absent.
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

/// Loading into an existing configuration (`update/NAME.base.crm`, then
/// `NAME.update.crm` or `NAME.replace.crm`) gives what crmsh gave.
#[test]
fn update_and_replace_match_crmsh() {
    let mut failures = Vec::new();
    let mut cases = 0;
    let mut bases: Vec<PathBuf> = std::fs::read_dir(dir().join("update"))
        .expect("update directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".base.crm"))
        .collect();
    bases.sort();
    for base in bases {
        let stem = base
            .to_string_lossy()
            .trim_end_matches(".base.crm")
            .to_string();
        let (second, method) = if Path::new(&format!("{stem}.update.crm")).exists() {
            (format!("{stem}.update.crm"), crmsh::Method::Update)
        } else {
            (format!("{stem}.replace.crm"), crmsh::Method::Replace)
        };
        cases += 1;
        let first = crmsh::load(&crmsh::empty_cib(), &read(&base), crmsh::Method::Replace)
            .expect("base loads");
        let got = match crmsh::load(&first, &read(Path::new(&second)), method) {
            Ok(c) => normalize(cib::write::configuration(&c.configuration)),
            Err(e) => {
                failures.push(format!("{second}: {e}"));
                continue;
            }
        };
        let want =
            normalize(Element::parse(&read(Path::new(&format!("{stem}.xml")))).expect("xml"));
        if let Some(d) = got.semantic_diff(&want) {
            failures.push(format!("{second}: {d}"));
        }
    }
    assert!(cases >= 3, "only {cases} update cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn at_least_fifteen_examples() {
    assert!(examples().len() >= 15, "only {} examples", examples().len());
}

#[test]
fn pacer_xml_equals_crmsh_xml() {
    let mut failures = Vec::new();
    let mut equal = 0;
    for crm in examples() {
        let name = crm
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_string();
        let want =
            normalize(Element::parse(&read(&crm.with_extension("xml"))).expect("recorded xml"));
        match conf_xml(&read(&crm)) {
            Err(e) => failures.push(format!("{name}: pacer rejects it: {e}")),
            Ok(got) => match normalize(got).semantic_diff(&want) {
                None => equal += 1,
                Some(d) => failures.push(format!("{name}: pacer vs crmsh: {d}")),
            },
        }
    }
    assert!(
        failures.is_empty(),
        "{} equal; failures:\n{}",
        equal,
        failures.join("\n")
    );
}

#[test]
fn crm_to_cib_to_crm_round_trips() {
    let mut failures = Vec::new();
    for crm in examples() {
        let name = crm
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_string();
        let Ok(conf) = crmsh::parse_configuration(&read(&crm)) else {
            failures.push(format!("{name}: does not parse"));
            continue;
        };
        let text = crmsh::show(&conf);
        match crmsh::parse_configuration(&text) {
            Err(e) => failures.push(format!("{name}: show output does not load: {e}\n{text}")),
            Ok(again) if again != conf => {
                let d = cib::write::configuration(&again)
                    .semantic_diff(&cib::write::configuration(&conf))
                    .unwrap_or_else(|| "only the order differs".into());
                failures.push(format!(
                    "{name}: model differs after show → load: {d}\n{text}"
                ));
            }
            Ok(_) => {
                // Only where crmsh's own `show` does (an alert recipient's
                // description, say, which crm syntax cannot state).
                let xml_statements = |t: &str| t.lines().filter(|l| l.starts_with("xml ")).count();
                let crmsh = std::fs::read_to_string(crm.with_extension("show")).unwrap_or_default();
                if xml_statements(&text) > xml_statements(&crmsh) {
                    failures.push(format!("{name}: show fell back to xml:\n{text}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn pacer_reads_crmsh_show_output() {
    let mut failures = Vec::new();
    let mut compared = 0;
    for crm in examples() {
        let show = crm.with_extension("show");
        let show_xml = crm.with_extension("show.xml");
        let name = show.display().to_string();
        if !show_xml.exists() {
            // crmsh could not reload its own output (see record.sh: its
            // `show` dropped an id that another object refers to); pacer
            // must refuse it too, naming the dangling reference.
            match conf_xml(&read(&show)) {
                Err(e) if e.contains("refers to nothing") => {}
                Err(e) => failures.push(format!("{name}: unexpected error: {e}")),
                Ok(_) => failures.push(format!("{name}: crmsh cannot load this but pacer did")),
            }
            continue;
        }
        let want = normalize(Element::parse(&read(&show_xml)).expect("recorded xml"));
        match conf_xml(&read(&show)) {
            Err(e) => failures.push(format!("{name}: pacer rejects it: {e}")),
            Ok(got) => match normalize(got).semantic_diff(&want) {
                None => compared += 1,
                Some(d) => failures.push(format!("{name}: {d}")),
            },
        }
    }
    assert!(
        failures.is_empty(),
        "{compared} equal; failures:\n{}",
        failures.join("\n")
    );
}

/// Alerts print exactly as `crm configure show` printed them (braces,
/// quoting, clause order, the xml fallback).
#[test]
fn alerts_show_as_crmsh_shows_them() {
    fn alerts(text: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut cur: Option<String> = None;
        for l in text.lines() {
            match cur.as_mut() {
                Some(c) => {
                    c.push('\n');
                    c.push_str(l);
                }
                None if l.starts_with("alert ") || l.starts_with("xml <alert ") => {
                    cur = Some(l.to_string())
                }
                None => continue,
            }
            if !l.ends_with('\\') {
                out.extend(cur.take());
            }
        }
        out
    }
    // An xml fallback is compared by its first line (attribute order
    // differs); an alert crmsh printed with braces (a set written after a
    // recipient, an order the CIB model does not keep) is left out.
    fn comparable(v: Vec<String>) -> Vec<String> {
        v.into_iter()
            .filter(|a| !a.contains("\tto { "))
            .map(|a| {
                if a.starts_with("xml ") {
                    a.lines().next().unwrap_or_default().to_string()
                } else {
                    a
                }
            })
            .collect()
    }
    let mut compared = 0;
    for crm in examples() {
        let crmsh = comparable(alerts(&read(&crm.with_extension("show"))));
        if crmsh.is_empty() {
            continue;
        }
        let conf = crmsh::parse_configuration(&read(&crm)).expect("example parses");
        let ours = comparable(alerts(&crmsh::show(&conf)));
        let ours: Vec<String> = ours
            .into_iter()
            .filter(|a| crmsh.iter().any(|c| c.lines().next() == a.lines().next()))
            .collect();
        assert_eq!(ours, crmsh, "{}", crm.display());
        compared += crmsh.len();
    }
    assert!(compared >= 4, "only {compared} alerts compared");
}
