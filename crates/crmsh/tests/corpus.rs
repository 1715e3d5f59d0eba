//! Every configuration of Pacemaker's scheduler regression corpus (written
//! by Pacemaker's own tests and by hand, not by crmsh) goes through `show`
//! and back: loading what `show` printed gives the same configuration,
//! except for ids crm syntax cannot state (expressions, date specs, resource
//! sets), which are regenerated, and default values crm syntax cannot write
//! (`boolean-op="and"`, a set's `sequential="true"`). Objects crm syntax cannot express come out
//! as `xml …` statements.

use cib::Element;

/// Drops ids crm syntax cannot state, and empty optional sections (there is
/// nothing in them to print).
fn strip(e: &mut Element) {
    if e.name == "configuration" {
        e.children.retain(|c| {
            !c.children.is_empty()
                || c.attrs.iter().any(|_| true)
                || ["crm_config", "nodes", "resources", "constraints"].contains(&c.name.as_str())
        });
    }
    if [
        "expression",
        "date_expression",
        "date_spec",
        "duration",
        "resource_set",
    ]
    .contains(&e.name.as_str())
    {
        e.attrs.retain(|(k, _)| k != "id");
    }
    match e.name.as_str() {
        "rule" => e.attrs.retain(|(k, v)| !(k == "boolean-op" && v == "and")),
        "resource_set" => e
            .attrs
            .retain(|(k, v)| !((k == "sequential" || k == "require-all") && v == "true")),
        _ => {}
    }
    for c in &mut e.children {
        strip(c);
    }
}

#[test]
fn corpus_configurations_survive_show_and_load() {
    let files = corpus::xml_files();
    let mut failures = Vec::new();
    let mut xml_statements = 0;
    let mut checked = 0;
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let Ok(cib) = cib::Cib::from_xml(&text) else {
            continue; // deliberately invalid cases
        };
        let name = f
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_string();
        let shown = crmsh::show(&cib.configuration);
        xml_statements += shown.lines().filter(|l| l.starts_with("xml ")).count();
        let reloaded = match crmsh::load(&cib, &shown, crmsh::Method::Replace) {
            Ok(c) => c,
            Err(e) => {
                failures.push(format!("{name}: show output does not load: {e}"));
                continue;
            }
        };
        let mut want = cib::write::configuration(&cib.configuration);
        let mut got = cib::write::configuration(&reloaded.configuration);
        strip(&mut want);
        strip(&mut got);
        if let Some(d) = got.semantic_diff(&want) {
            failures.push(format!("{name}: {d}"));
            continue;
        }
        // Printing is stable once the document order is the one loading
        // produces (primitives first, then groups, ms, clones).
        let once = crmsh::show(&reloaded.configuration);
        match crmsh::load(&reloaded, &once, crmsh::Method::Replace) {
            Ok(twice) if crmsh::show(&twice.configuration) == once => {}
            Ok(_) => failures.push(format!("{name}: show is not stable after a reload")),
            Err(e) => failures.push(format!("{name}: second reload fails: {e}")),
        }
        checked += 1;
    }
    eprintln!("{checked} corpus configurations checked, {xml_statements} xml statements");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
