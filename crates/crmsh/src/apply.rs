//! Applying parsed statements to a configuration, the way `crm configure
//! load` does (`CibObjectSetCli.save`, `CibDiff.apply` and
//! `CibFactory._cli_set_update` in crmsh).
//!
//! * `replace` first removes every object except the nodes (crmsh's `erase`
//!   keeps `<node>` entries: they describe cluster members, not
//!   configuration); `update` keeps everything.
//! * Objects whose id is not in the configuration are created, in crmsh's
//!   processing order (nodes; templates, primitives, bundles, groups, ms,
//!   clones; tags; location/colocation/order; tickets; properties; defaults),
//!   each kind in file order. A group or clone takes its children out of
//!   wherever they are.
//! * Objects whose id exists replace the old object in place, keeping the ids
//!   of unchanged parts; a property set or defaults set is instead merged
//!   name by name (`update` of `property foo=1` changes only foo). A child no
//!   longer listed by its group or clone moves to the top level.
//!
//! The result is read back strictly ([`cib::Cib::from_element`]): duplicate
//! ids, dangling references, invalid values and unknown classes are errors
//! naming the crm line of the object.

use cib::{Cib, Element};

use crate::error::{Error, Pos};
use crate::ids::{fix_ids, IdStore};
use crate::parse::Object;

/// How loaded statements combine with the existing configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// The text becomes the configuration (existing nodes are kept).
    Replace,
    /// Objects are added, or replace those with the same id.
    Update,
}

type Result<T> = std::result::Result<T, Error>;

/// Applies crm text to a CIB and returns the new CIB (status untouched,
/// epoch unchanged), validated strictly.
pub fn load(cib: &Cib, text: &str, method: Method) -> Result<Cib> {
    let objects = crate::parse::parse(text)?;
    let conf = apply(
        cib::write::configuration(&cib.configuration),
        objects,
        method,
    )?;
    let mut doc = cib.to_element();
    match doc.children.iter_mut().find(|c| c.name == "configuration") {
        Some(slot) => *slot = conf,
        None => doc.children.insert(0, conf),
    }
    Ok(Cib::from_element(&doc)?)
}

/// The processing rank of an object (crmsh's `_sort_xml_order`).
fn rank(tag: &str) -> u32 {
    match tag {
        "node" => 0,
        "template" => 1,
        "primitive" => 2,
        "bundle" => 3,
        "group" => 4,
        "master" => 5,
        "clone" => 6,
        "tag" => 8,
        "rsc_location" | "rsc_colocation" | "rsc_order" => 9,
        "rsc_ticket" | "fencing-topology" => 10,
        "cluster_property_set" => 11,
        "rsc_defaults" => 12,
        "op_defaults" => 13,
        "acl_role" => 14,
        "acl_target" | "acl_group" | "acl_user" => 15,
        "alert" => 16,
        _ => 1000,
    }
}

const RESOURCE_TAGS: [&str; 6] = [
    "primitive",
    "template",
    "group",
    "clone",
    "master",
    "bundle",
];

/// The section element an object lives in (`None`: directly in `<configuration>`).
fn section_of(tag: &str) -> Option<&'static str> {
    Some(match tag {
        "node" => "nodes",
        t if RESOURCE_TAGS.contains(&t) => "resources",
        "rsc_location" | "rsc_colocation" | "rsc_order" | "rsc_ticket" => "constraints",
        "cluster_property_set" => "crm_config",
        "rsc_defaults" => "rsc_defaults",
        "op_defaults" => "op_defaults",
        "tag" => "tags",
        "alert" => "alerts",
        "acl_role" | "acl_target" | "acl_group" | "acl_user" => "acls",
        _ => return None,
    })
}

fn object_id(el: &Element) -> Option<String> {
    if el.name == "fencing-topology" {
        return Some("fencing_topology".into());
    }
    el.attr("id")
        .or_else(|| el.attr("uname"))
        .map(str::to_string)
}

/// A path of child indices from `<configuration>`.
type Path = Vec<usize>;

fn get<'a>(root: &'a Element, path: &[usize]) -> Option<&'a Element> {
    path.iter().try_fold(root, |e, i| e.children.get(*i))
}

fn get_mut<'a>(root: &'a mut Element, path: &[usize]) -> Option<&'a mut Element> {
    path.iter().try_fold(root, |e, i| e.children.get_mut(*i))
}

fn section_index(conf: &mut Element, name: &str) -> usize {
    match conf.children.iter().position(|c| c.name == name) {
        Some(i) => i,
        None => {
            conf.push(Element::new(name));
            conf.children.len() - 1
        }
    }
}

/// Every object of the configuration (not nodes) with its path.
fn objects_in(conf: &Element) -> Vec<(String, Path)> {
    let mut out = Vec::new();
    for (si, sec) in conf.children.iter().enumerate() {
        match sec.name.as_str() {
            "resources" => {
                for (i, r) in sec.children.iter().enumerate() {
                    walk_resources(r, vec![si, i], &mut out);
                }
            }
            "crm_config" | "constraints" | "tags" | "alerts" | "acls" | "rsc_defaults"
            | "op_defaults" => {
                for (i, c) in sec.children.iter().enumerate() {
                    if let Some(id) = c.attr("id") {
                        out.push((id.to_string(), vec![si, i]));
                    }
                }
            }
            "fencing-topology" => out.push(("fencing_topology".into(), vec![si])),
            _ => {}
        }
    }
    out
}

fn walk_resources(el: &Element, path: Path, out: &mut Vec<(String, Path)>) {
    if !RESOURCE_TAGS.contains(&el.name.as_str()) {
        return;
    }
    if let Some(id) = el.attr("id") {
        out.push((id.to_string(), path.clone()));
    }
    for (i, c) in el.children.iter().enumerate() {
        let mut p = path.clone();
        p.push(i);
        walk_resources(c, p, out);
    }
}

fn node_paths(conf: &Element) -> Vec<(String, Path)> {
    let mut out = Vec::new();
    for (si, sec) in conf.children.iter().enumerate() {
        if sec.name == "nodes" {
            for (i, n) in sec.children.iter().enumerate() {
                if let Some(id) = n.attr("id") {
                    out.push((id.to_string(), vec![si, i]));
                }
            }
        }
    }
    out
}

fn semantic(obj: &Object, message: String) -> Error {
    Error::Semantic {
        pos: Pos {
            line: obj.line,
            col: 0,
        },
        object: Some(obj.describe()),
        message,
    }
}

/// Applies statements to a `<configuration>` element.
pub fn apply(mut conf: Element, mut objects: Vec<Object>, method: Method) -> Result<Element> {
    if method == Method::Replace {
        conf.children.retain(|c| {
            matches!(
                c.name.as_str(),
                "nodes" | "crm_config" | "resources" | "constraints"
            )
        });
        for c in &mut conf.children {
            if c.name != "nodes" {
                c.children.clear();
                c.attrs.clear();
            }
        }
    }
    let mut store = IdStore::default();
    store.save_tree(&conf);

    // Object ids and duplicates (crmsh's CibDiff.add).
    let mut node_ids: Vec<(String, u32)> = Vec::new();
    let mut other_ids: Vec<(String, u32)> = Vec::new();
    for obj in &mut objects {
        let is_node = obj.el.name == "node";
        let default_id = match obj.el.name.as_str() {
            "cluster_property_set" => Some("cib-bootstrap-options"),
            "rsc_defaults" => Some("rsc-options"),
            "op_defaults" => Some("op-options"),
            _ => None,
        };
        let idel = obj.id_element_mut();
        let id = match object_id(idel) {
            Some(id) => id,
            None => match default_id {
                Some(d) => {
                    idel.set_attr("id", d);
                    store.save(d);
                    d.to_string()
                }
                None => return Err(semantic(obj, "the object has no id".into())),
            },
        };
        if !is_node && id != "fencing_topology" && !crate::parse::is_valid_id(&id) {
            return Err(semantic(obj, format!("'{id}' is not a valid id")));
        }
        let table = if is_node {
            &mut node_ids
        } else {
            &mut other_ids
        };
        if let Some((_, line)) = table.iter().find(|(i, _)| *i == id) {
            return Err(semantic(
                obj,
                format!(
                    "'{id}' is defined twice (first on line {line}); each object needs its own id"
                ),
            ));
        }
        table.push((id, obj.line));
    }

    let (nodes, others): (Vec<Object>, Vec<Object>) =
        objects.into_iter().partition(|o| o.el.name == "node");

    // Nodes: new ones first, then replacements, each in file order.
    let existing_nodes: Vec<String> = node_paths(&conf).into_iter().map(|(i, _)| i).collect();
    let (upd, mk): (Vec<Object>, Vec<Object>) = nodes
        .into_iter()
        .partition(|o| object_id(&o.el).is_some_and(|id| existing_nodes.contains(&id)));
    for mut obj in mk {
        fix_ids(&mut store, &mut obj.el, None);
        let si = section_index(&mut conf, "nodes");
        conf.children[si].push(obj.el);
    }
    for mut obj in upd {
        let id = object_id(&obj.el).unwrap_or_default();
        let Some((_, path)) = node_paths(&conf).into_iter().find(|(i, _)| *i == id) else {
            continue;
        };
        let old = get(&conf, &path).cloned();
        fix_ids(&mut store, &mut obj.el, old.as_ref());
        if let Some(slot) = get_mut(&mut conf, &path) {
            *slot = obj.el;
        }
    }

    // Everything else.
    let existing: Vec<String> = objects_in(&conf).into_iter().map(|(i, _)| i).collect();
    let (upd, mut mk): (Vec<Object>, Vec<Object>) = others
        .into_iter()
        .partition(|o| object_id(o.id_element()).is_some_and(|id| existing.contains(&id)));
    mk.sort_by_key(|o| rank(&o.el.name));
    for obj in mk {
        create(&mut conf, &mut store, obj)?;
    }
    for obj in upd {
        update(&mut conf, &mut store, obj, method)?;
    }
    resolve_id_refs(&mut conf);
    Ok(conf)
}

/// `params $id-ref=web` may name an object rather than a set: like crmsh,
/// such a reference means the object's first element of the referring kind
/// (web's first `instance_attributes`).
fn resolve_id_refs(conf: &mut Element) {
    let mut fixes: Vec<(Path, String)> = Vec::new();
    collect_id_refs(conf, conf, &mut Vec::new(), &mut fixes);
    for (path, id) in fixes {
        if let Some(e) = get_mut(conf, &path) {
            e.set_attr("id-ref", id);
        }
    }
}

fn collect_id_refs(root: &Element, el: &Element, path: &mut Path, out: &mut Vec<(Path, String)>) {
    if let Some(target) = el.attr("id-ref") {
        if let Some(t) = find_by_id(root, target) {
            if t.name != el.name {
                if let Some(first) = first_descendant(t, &el.name).and_then(|d| d.attr("id")) {
                    out.push((path.clone(), first.to_string()));
                }
            }
        }
    }
    for (i, c) in el.children.iter().enumerate() {
        path.push(i);
        collect_id_refs(root, c, path, out);
        path.pop();
    }
}

fn find_by_id<'a>(el: &'a Element, id: &str) -> Option<&'a Element> {
    if el.attr("id") == Some(id) && !["resource_ref", "obj_ref", "role"].contains(&el.name.as_str())
    {
        return Some(el);
    }
    el.children.iter().find_map(|c| find_by_id(c, id))
}

fn first_descendant<'a>(el: &'a Element, tag: &str) -> Option<&'a Element> {
    el.children.iter().find_map(|c| {
        if c.name == tag {
            Some(c)
        } else {
            first_descendant(c, tag)
        }
    })
}

fn create(conf: &mut Element, store: &mut IdStore, mut obj: Object) -> Result<()> {
    let tag = obj.el.name.clone();
    match tag.as_str() {
        "rsc_defaults" | "op_defaults" => {
            let Some(mut set) = obj.el.children.pop() else {
                return Ok(());
            };
            fix_ids(store, &mut set, None);
            let si = section_index(conf, &tag);
            conf.children[si].push(set);
        }
        "fencing-topology" => {
            fix_ids(store, &mut obj.el, None);
            conf.children.retain(|c| c.name != "fencing-topology");
            conf.push(obj.el);
        }
        tag => {
            fix_ids(store, &mut obj.el, None);
            resolve_children(conf, &mut obj)?;
            match section_of(tag) {
                Some(sec) => {
                    let si = section_index(conf, sec);
                    conf.children[si].push(obj.el);
                }
                None => conf.push(obj.el),
            }
        }
    }
    Ok(())
}

fn update(conf: &mut Element, store: &mut IdStore, mut obj: Object, method: Method) -> Result<()> {
    let id = object_id(obj.id_element()).unwrap_or_default();
    let Some((_, path)) = objects_in(conf).into_iter().find(|(i, _)| *i == id) else {
        return Ok(());
    };
    let old = get(conf, &path).cloned();
    let is_set = matches!(
        obj.el.name.as_str(),
        "cluster_property_set" | "rsc_defaults" | "op_defaults"
    );
    if is_set {
        let mut set = if obj.el.name == "cluster_property_set" {
            obj.el
        } else {
            match obj.el.children.pop() {
                Some(s) => s,
                None => return Ok(()),
            }
        };
        fix_ids(store, &mut set, old.as_ref());
        let Some(slot) = get_mut(conf, &path) else {
            return Ok(());
        };
        if method == Method::Update {
            merge_nvpairs(slot, &set);
        } else {
            *slot = set;
        }
        return Ok(());
    }
    fix_ids(store, &mut obj.el, old.as_ref());
    resolve_children(conf, &mut obj)?;
    // Resolving may have moved elements: find the old object again.
    let Some((_, path)) = objects_in(conf).into_iter().find(|(i, _)| *i == id) else {
        return Ok(());
    };
    let Some(slot) = get_mut(conf, &path) else {
        return Ok(());
    };
    let old = std::mem::replace(slot, obj.el);
    // Children the container no longer lists go to the top level.
    if ["group", "clone", "master"].contains(&old.name.as_str()) {
        let si = section_index(conf, "resources");
        for c in old.children {
            if RESOURCE_TAGS.contains(&c.name.as_str()) {
                conf.children[si].push(c);
            }
        }
    }
    Ok(())
}

/// Merges a new set's nvpairs into an old one by name (`merge_attributes`).
fn merge_nvpairs(old: &mut Element, new: &Element) {
    for nv in new.children.iter().filter(|c| c.name == "nvpair") {
        let name = nv.attr("name");
        match old
            .children
            .iter_mut()
            .find(|c| c.name == "nvpair" && c.attr("name") == name)
        {
            Some(dst) => {
                for (k, v) in &nv.attrs {
                    if k != "id" {
                        dst.set_attr(k, v.clone());
                    }
                }
            }
            None => old.push(nv.clone()),
        }
    }
}

/// Replaces `<crmsh-ref id=…/>` children with the resources they name,
/// taking those out of their current place.
fn resolve_children(conf: &mut Element, obj: &mut Object) -> Result<()> {
    let refs: Vec<String> = obj
        .el
        .children
        .iter()
        .filter(|c| c.name == "crmsh-ref")
        .filter_map(|c| c.attr("id").map(str::to_string))
        .collect();
    if refs.is_empty() {
        return Ok(());
    }
    let mut resolved = Vec::new();
    for r in refs {
        let Some((_, path)) = objects_in(conf).into_iter().find(|(i, p)| {
            *i == r && get(conf, p).is_some_and(|e| RESOURCE_TAGS.contains(&e.name.as_str()))
        }) else {
            return Err(semantic(
                obj,
                format!("resource '{r}' is not defined; define it (e.g. with a primitive statement) before using it"),
            ));
        };
        let (last, parent) = match path.split_last() {
            Some((l, p)) => (*l, p.to_vec()),
            None => continue,
        };
        // Like crmsh, a resource is not silently taken from another container.
        if parent.len() > 1 {
            if let Some(owner) = get(conf, &parent) {
                let owner_id = owner.attr("id").unwrap_or_default();
                if owner_id != obj.el.attr("id").unwrap_or_default() {
                    return Err(semantic(
                        obj,
                        format!(
                            "resource '{r}' is already in {} \"{owner_id}\"; \
                             take it out of there first",
                            crate::parse::cli_name(&owner.name)
                        ),
                    ));
                }
            }
        }
        let Some(parent_el) = get_mut(conf, &parent) else {
            continue;
        };
        if last < parent_el.children.len() {
            resolved.push((r, parent_el.children.remove(last)));
        }
    }
    for c in &mut obj.el.children {
        if c.name == "crmsh-ref" {
            let id = c.attr("id").map(str::to_string);
            if let Some(pos) = resolved.iter().position(|(r, _)| Some(r) == id.as_ref()) {
                *c = resolved.remove(pos).1;
            }
        }
    }
    Ok(())
}
