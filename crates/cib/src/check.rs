//! Document-wide checks that no single element can make: unique ids and
//! references that resolve.

use std::collections::HashMap;

use crate::element::Element;
use crate::error::CibError;
use crate::read::{loc, Ctx};

/// Elements whose `id` attribute *refers to* another element instead of naming
/// this one. `node` ids are their own namespace (a remote node's `<node>`
/// shares its id with the resource that runs it).
const REFERENCE_ELEMENTS: [&str; 4] = ["resource_ref", "obj_ref", "role", "node"];

const RESOURCE_ELEMENTS: [&str; 6] = [
    "primitive",
    "group",
    "clone",
    "master",
    "bundle",
    "template",
];

/// Checks the `<configuration>` of a `<cib>` element tree. Each problem goes
/// to `cx`: the first is an error when strict, all are warnings when lenient.
pub fn check(cx: &Ctx, cib: &Element) -> Result<(), CibError> {
    let Some(conf) = cib.child("configuration") else {
        return Ok(());
    };
    let mut ids: HashMap<&str, &Element> = HashMap::new();
    let mut node_ids: HashMap<&str, &Element> = HashMap::new();
    collect_ids(cx, conf, &mut ids, &mut node_ids)?;
    check_refs(cx, conf, &ids, &node_ids)
}

fn collect_ids<'a>(
    cx: &Ctx,
    el: &'a Element,
    ids: &mut HashMap<&'a str, &'a Element>,
    node_ids: &mut HashMap<&'a str, &'a Element>,
) -> Result<(), CibError> {
    if let Some(id) = el.attr("id") {
        let table = if el.name == "node" {
            Some(&mut *node_ids)
        } else if REFERENCE_ELEMENTS.contains(&el.name.as_str()) {
            None
        } else {
            Some(&mut *ids)
        };
        if let Some(table) = table {
            if let Some(&first) = table.get(id) {
                cx.problem(CibError::DuplicateId {
                    id: id.to_string(),
                    first_element: first.name.clone(),
                    first_line: first.line,
                    second_element: el.name.clone(),
                    second_line: el.line,
                })?;
            } else {
                table.insert(id, el);
            }
        }
    }
    for c in &el.children {
        collect_ids(cx, c, ids, node_ids)?;
    }
    Ok(())
}

fn dangling(el: &Element, attr: &str, target: &str, hint: &str) -> CibError {
    CibError::DanglingRef {
        at: loc(el),
        attr: attr.to_string(),
        target: target.to_string(),
        hint: if hint.is_empty() {
            String::new()
        } else {
            format!("; {hint}")
        },
    }
}

fn check_refs(
    cx: &Ctx,
    el: &Element,
    ids: &HashMap<&str, &Element>,
    node_ids: &HashMap<&str, &Element>,
) -> Result<(), CibError> {
    let kind_of = |id: &str| ids.get(id).map(|t| t.name.as_str());
    let is_resource_or_tag =
        |id: &str| kind_of(id).is_some_and(|k| RESOURCE_ELEMENTS.contains(&k) || k == "tag");
    if let Some(target) = el.attr("id-ref") {
        if !ids.contains_key(target) {
            cx.problem(dangling(el, "id-ref", target, ""))?;
        }
    }
    match el.name.as_str() {
        "rsc_location" | "rsc_colocation" | "rsc_order" | "rsc_ticket" => {
            for attr in ["rsc", "with-rsc", "first", "then"] {
                match el.attr(attr) {
                    Some(target) if !is_resource_or_tag(target) => cx.problem(dangling(
                        el,
                        attr,
                        target,
                        "a constraint must name a configured resource, template or tag; \
                         fix the name or remove the constraint",
                    ))?,
                    _ => {}
                }
            }
        }
        "resource_ref" => match el.attr("id") {
            Some(target) if !is_resource_or_tag(target) => cx.problem(dangling(
                el,
                "id",
                target,
                "a resource set must list configured resources, templates or tags",
            ))?,
            _ => {}
        },
        "obj_ref" => {
            match el.attr("id") {
                Some(target) if !ids.contains_key(target) && !node_ids.contains_key(target) => cx
                    .problem(
                    dangling(el, "id", target, "a tag must list configured objects"),
                )?,
                _ => {}
            }
        }
        "primitive" => match el.attr("template") {
            Some(target) if kind_of(target) != Some("template") => cx.problem(dangling(
                el,
                "template",
                target,
                "template= must name a <template> in <resources>",
            ))?,
            _ => {}
        },
        "fencing-level" => {
            let devices = el.attr("devices").unwrap_or("");
            for d in devices.split(',').map(str::trim).filter(|d| !d.is_empty()) {
                if kind_of(d) != Some("primitive") {
                    cx.problem(dangling(
                        el,
                        "devices",
                        d,
                        "fencing levels must list configured stonith primitives",
                    ))?;
                }
            }
        }
        _ => {}
    }
    for c in &el.children {
        check_refs(cx, c, ids, node_ids)?;
    }
    Ok(())
}
