//! Generated ids, exactly as crmsh 4.4 makes them (`crmsh/idmgmt.py` and
//! `fix_node_ids` in `crmsh/cibconfig.py`), so that pacer's XML for a crm
//! text is the XML crmsh writes.
//!
//! Every element that needs an id and has none gets one built from its
//! parent's id: `<parent>-instance_attributes`, `<set>-<name>` for an nvpair,
//! `<rsc>-<op>-<interval>` for an operation (the `operations` element itself
//! has none and passes its parent's id on), `<parent>-rule`,
//! `<rule>-expression`, `<expr>-date_spec`. A resource set takes the
//! constraint's id as it is. An id already used anywhere gets `-0`, `-1` …
//! appended. When an object replaces an existing one (`load update`), ids are
//! first taken over from matching elements of the old object (an nvpair with
//! the same name, an op with the same name and interval …), so unchanged
//! parts keep their ids.

use std::collections::HashSet;

use cib::Element;

/// Every id in use in the configuration being built.
#[derive(Clone, Debug, Default)]
pub struct IdStore {
    used: HashSet<String>,
}

impl IdStore {
    pub fn contains(&self, id: &str) -> bool {
        self.used.contains(id)
    }

    pub fn save(&mut self, id: &str) {
        if !id.is_empty() {
            self.used.insert(id.to_string());
        }
    }

    pub fn remove(&mut self, id: &str) {
        self.used.remove(id);
    }

    /// Saves every `id` attribute in a tree.
    pub fn save_tree(&mut self, el: &Element) {
        if let Some(id) = el.attr("id") {
            self.save(id);
        }
        for c in &el.children {
            self.save_tree(c);
        }
    }

    /// Forgets every `id` attribute in a tree.
    pub fn remove_tree(&mut self, el: &Element) {
        if let Some(id) = el.attr("id") {
            self.remove(id);
        }
        for c in &el.children {
            self.remove_tree(c);
        }
    }

    /// A fresh id for `el`, whose parent's id (or hint) is `pfx` (`idmgmt.new`).
    pub fn new_id(&mut self, el: &Element, pfx: &str) -> String {
        let pfx = if !pfx.is_empty() && pfx.bytes().all(|b| b.is_ascii_digit()) && el.name != "node"
        {
            format!("num-{pfx}")
        } else {
            pfx.to_string()
        };
        let name = el.attr("name").unwrap_or("None");
        let id = match el.name.as_str() {
            "nvpair" => format!("{pfx}-{name}"),
            "op" => match el.attr("interval").filter(|i| !i.is_empty()) {
                Some(i) => format!("{pfx}-{name}-{i}"),
                None => format!("{pfx}-{name}"),
            },
            other => match sub_prefix(other) {
                Some(s) => format!("{pfx}-{s}"),
                None => pfx,
            },
        };
        let id = if self.contains(&id) {
            (0..99)
                .map(|n| format!("{id}-{n}"))
                .find(|c| !self.contains(c))
                .unwrap_or(id)
        } else {
            id
        };
        self.save(&id);
        id
    }
}

/// crmsh's `subpfx_list`.
fn sub_prefix(tag: &str) -> Option<&'static str> {
    Some(match tag {
        "instance_attributes" => "instance_attributes",
        "meta_attributes" => "meta_attributes",
        "utilization" => "utilization",
        "operations" => "ops",
        "rule" => "rule",
        "expression" | "date_expression" => "expression",
        "duration" => "duration",
        "date_spec" => "date_spec",
        "read" => "read",
        "write" => "write",
        "deny" => "deny",
        _ => return None,
    })
}

/// Elements crmsh leaves without an id.
const IDLESS: [&str; 12] = [
    "operations",
    "fencing-topology",
    "network",
    "docker",
    "podman",
    "rkt",
    "storage",
    "select",
    "select_attributes",
    "select_fencing",
    "select_nodes",
    "select_resources",
];

/// Elements whose `id` refers to another element.
const REFS: [&str; 3] = ["resource_ref", "obj_ref", "crmsh-ref"];

/// Attributes that make an old element "the same" as a new one (`match_list`).
fn match_attrs(tag: &str) -> &'static [&'static str] {
    match tag {
        "node" => &["uname"],
        "nvpair" => &["name"],
        "op" => &["name", "interval"],
        "rule" => &["score", "score-attribute", "role"],
        "expression" => &["attribute", "operation", "value"],
        "fencing-level" => &["target", "devices"],
        "alert" => &["path"],
        "recipient" => &["value"],
        _ => &[],
    }
}

/// Fills in the missing ids of a new object (`fix_node_ids`), taking them
/// from `old` (the object it replaces) where an element matches.
pub fn fix_ids(store: &mut IdStore, el: &mut Element, old: Option<&Element>) {
    let hint = match el.name.as_str() {
        "node" => "node",
        "primitive" | "template" => "rsc",
        "master" | "group" | "clone" => "grp",
        "rsc_location" => "location",
        "fencing-topology" => "fencing",
        "tags" => "tag",
        "alerts" => "alert",
        _ => "",
    };
    let mut used: Vec<*const Element> = Vec::new();
    recurse(store, el, old, hint, &mut used);
}

fn lookup<'o>(
    el: &Element,
    old: Option<&'o Element>,
    used: &[*const Element],
) -> Option<&'o Element> {
    let old = old?;
    let mut attrs: Vec<&str> = match_attrs(&el.name).to_vec();
    if el.attr("id").is_some() {
        attrs.push("id");
    }
    old.children.iter().find(|c| {
        c.name == el.name
            && !used.iter().any(|u| std::ptr::eq(*u, *c))
            && attrs.iter().all(|a| el.attr(a) == c.attr(a))
    })
}

fn recurse(
    store: &mut IdStore,
    el: &mut Element,
    old: Option<&Element>,
    prefix: &str,
    used: &mut Vec<*const Element>,
) {
    let refnode = lookup(el, old, used);
    let needs_id = !REFS.contains(&el.name.as_str())
        && el.attr("id-ref").is_none()
        && !IDLESS.contains(&el.name.as_str());
    if needs_id {
        let old_id = refnode.and_then(|r| r.attr("id"));
        let new_id = el
            .attr("id")
            .or(old_id)
            .or_else(|| el.attr("uname"))
            .map(str::to_string);
        let id = match new_id {
            Some(id) => {
                store.save(&id);
                id
            }
            None => store.new_id(el, prefix),
        };
        if let Some(r) = refnode {
            if r.attr("id") == Some(id.as_str()) {
                used.push(r as *const Element);
            }
        }
        el.set_attr("id", id);
    }
    let next_prefix = if el.name == "node" && el.attr("uname").is_some() {
        el.attr("uname").unwrap_or_default().to_string()
    } else if let Some(id) = el.attr("id") {
        id.to_string()
    } else {
        prefix.to_string()
    };
    let child_old = refnode.or(old);
    for c in &mut el.children {
        recurse(store, c, child_old, &next_prefix, used);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crmsh_style_ids() {
        let mut el = crate::parse::parse(
            "primitive ip IPaddr2 params ip=1 meta a=1 meta b=2 op monitor interval=10s OCF_CHECK_LEVEL=1 op monitor interval=10s role=Slave",
        )
        .expect("parse")
        .remove(0)
        .el;
        let mut store = IdStore::default();
        fix_ids(&mut store, &mut el, None);
        let xml = el.to_xml();
        for id in [
            "ip-instance_attributes",
            "ip-instance_attributes-ip",
            "ip-meta_attributes-0-b",
            "ip-monitor-10s",
            "ip-monitor-10s-instance_attributes-OCF_CHECK_LEVEL",
            "ip-monitor-10s-0",
        ] {
            assert!(xml.contains(&format!("\"{id}\"")), "{id} missing in {xml}");
        }
    }
}
