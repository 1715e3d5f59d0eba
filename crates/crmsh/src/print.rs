//! Configuration → crm text, in the layout `crm configure show` uses.
//!
//! Objects come in crmsh's order (nodes; templates, primitives, bundles,
//! groups, ms, clones; tags; location/colocation/order; tickets; properties;
//! rsc_defaults; op_defaults), each kind in document order. crmsh also sorts
//! each kind by id; pacer does not, so that loading what `show` printed gives
//! back the same document order.
//!
//! Every statement is checked before it is printed, like crmsh's
//! `cli_use_validate`: it is parsed back and must give the same element. Ids
//! crm syntax can state (`$id=` of a set or rule, `$id:name=value` of an
//! nvpair, `id=` of an op, `<id>:` of a property set or node) are printed when
//! they differ from the ones the parser would generate, so they survive a
//! round trip (crmsh prints them only when something refers to them). Ids it
//! cannot state (expressions, date specs, resource sets) are regenerated on
//! reload, as with crmsh, and so are default values crm syntax cannot write
//! (`boolean-op="and"`, a set's `sequential="true"`). Anything else the syntax cannot express (unknown
//! attributes, nested rules, bundles, ACLs, fencing topology, an alert
//! recipient's description) is
//! printed as `xml <element …>`, which `load` reads back unchanged.
//!
//! Differences from crmsh's output: an alert's sets are printed ahead of
//! its recipients (crmsh keeps the document order and then puts every
//! recipient in braces), values are quoted and escaped so that
//! they always read back (crmsh leaves rule values unquoted and does not
//! escape backslashes), nothing is obscured (crmsh prints `passw*` values as
//! `******` by default), `string:` comparison types are kept (crmsh drops
//! them), and comments are not kept (the CIB model has no place for them).

use cib::Element;

use crate::ids::{fix_ids, IdStore};

const MARK: &str = "__explicit-id";

/// Bound on print-and-check rounds for one statement.
const MAX_ROUNDS: usize = 200;

/// Prints a configuration in crm syntax.
pub fn show(conf: &cib::Configuration) -> String {
    let el = cib::write::configuration(conf);
    let mut out: Vec<String> = Vec::new();
    let section = |name: &str| el.children.iter().find(|c| c.name == name);

    if let Some(nodes) = section("nodes") {
        for n in nodes.children.iter().filter(|c| c.name == "node") {
            out.push(statement(n, n));
        }
    }
    if let Some(res) = section("resources") {
        let mut all: Vec<&Element> = Vec::new();
        for r in &res.children {
            walk(r, &mut all);
        }
        for kind in [
            "template",
            "primitive",
            "bundle",
            "group",
            "master",
            "clone",
        ] {
            for r in all.iter().filter(|r| r.name == kind) {
                out.push(statement(r, r));
            }
        }
    }
    if let Some(tags) = section("tags") {
        for t in &tags.children {
            out.push(statement(t, t));
        }
    }
    if let Some(cons) = section("constraints") {
        for c in cons.children.iter().filter(|c| c.name != "rsc_ticket") {
            out.push(statement(c, c));
        }
        for c in cons.children.iter().filter(|c| c.name == "rsc_ticket") {
            out.push(statement(c, c));
        }
    }
    if let Some(cfg) = section("crm_config") {
        for s in &cfg.children {
            out.push(statement(s, s));
        }
    }
    for name in ["rsc_defaults", "op_defaults"] {
        if let Some(sec) = section(name) {
            for s in &sec.children {
                let wrapped = Element {
                    name: name.to_string(),
                    children: vec![s.clone()],
                    ..Default::default()
                };
                out.push(statement(&wrapped, s));
            }
        }
    }
    for name in ["fencing-topology"] {
        if let Some(sec) = section(name) {
            out.push(xml_form(sec));
        }
    }
    if let Some(sec) = section("acls") {
        for c in &sec.children {
            out.push(xml_form(c));
        }
    }
    if let Some(sec) = section("alerts") {
        for c in &sec.children {
            out.push(statement(c, c));
        }
    }
    let known = [
        "crm_config",
        "nodes",
        "resources",
        "constraints",
        "rsc_defaults",
        "op_defaults",
        "tags",
        "fencing-topology",
        "acls",
        "alerts",
    ];
    for c in el
        .children
        .iter()
        .filter(|c| !known.contains(&c.name.as_str()))
    {
        out.push(format!("# not expressible in crm syntax: <{}>", c.name));
    }
    let mut s = out.join("\n");
    if !s.is_empty() {
        s.push('\n');
    }
    s
}

fn walk<'a>(el: &'a Element, out: &mut Vec<&'a Element>) {
    if [
        "primitive",
        "template",
        "group",
        "clone",
        "master",
        "bundle",
    ]
    .contains(&el.name.as_str())
    {
        out.push(el);
        if el.name != "bundle" {
            for c in &el.children {
                walk(c, out);
            }
        }
    }
}

/// One object as crm text, or as `xml …` when crm text cannot express it.
/// `obj` is what the statement stands for (`<rsc_defaults>` wraps its set),
/// `target` the element it must reproduce.
fn statement(obj: &Element, target: &Element) -> String {
    let mut marked = obj.clone();
    let want = without_unstated_ids(target);
    // Each round states the first id that came out different (later ones
    // often follow from it: children take their parent's id as prefix, and
    // collision suffixes shift).
    for _round in 0..MAX_ROUNDS {
        let Some(text) = render(&marked) else {
            break;
        };
        let Some(parsed) = reparse(&text, target) else {
            break;
        };
        if without_unstated_ids(&parsed).semantic_eq(&want) {
            return text;
        }
        let mut diffs = Vec::new();
        if !id_diffs(&parsed, target, &mut Vec::new(), &mut diffs) {
            break;
        }
        let target_in_marked: &mut Element = if marked.name == target.name {
            &mut marked
        } else {
            match marked.children.first_mut() {
                Some(c) => c,
                None => break,
            }
        };
        let mut stated = false;
        for d in &diffs {
            if let Some(e) = path_mut(target_in_marked, d) {
                if can_state_id(e) && e.attr(MARK).is_none() {
                    e.set_attr(MARK, "1");
                    stated = true;
                    break;
                }
            }
        }
        if !stated {
            break;
        }
    }
    // `obj` wraps a defaults set in its section element; print that.
    xml_form(obj)
}

/// Elements whose ids crm syntax cannot state: they are regenerated on load.
const UNSTATED: [&str; 5] = [
    "expression",
    "date_expression",
    "date_spec",
    "duration",
    "resource_set",
];

/// What a reload must reproduce: everything but the ids crm syntax cannot
/// state, and attributes written out at their default value that crm syntax
/// has no way to write (`boolean-op="and"` of a rule, `sequential="true"` and
/// `require-all="true"` of a resource set); these mean the same when absent.
fn without_unstated_ids(el: &Element) -> Element {
    let mut e = el.clone();
    strip(&mut e);
    fn strip(e: &mut Element) {
        if UNSTATED.contains(&e.name.as_str()) {
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
    e
}

fn can_state_id(e: &Element) -> bool {
    matches!(
        e.name.as_str(),
        "instance_attributes"
            | "meta_attributes"
            | "utilization"
            | "nvpair"
            | "rule"
            | "op"
            | "cluster_property_set"
            | "node"
    )
}

fn path_mut<'a>(root: &'a mut Element, path: &[usize]) -> Option<&'a mut Element> {
    path.iter().try_fold(root, |e, i| e.children.get_mut(*i))
}

/// Pairs children by name (as semantic equality does) and collects the paths
/// (in `b`) of elements whose ids differ. False when the shapes differ.
fn id_diffs(a: &Element, b: &Element, path: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) -> bool {
    if a.name != b.name {
        return false;
    }
    if a.attr("id") != b.attr("id") {
        out.push(path.clone());
    }
    let mut names: Vec<&str> = b.children.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        let xs: Vec<&Element> = a.children.iter().filter(|c| c.name == name).collect();
        let ys: Vec<(usize, &Element)> = b
            .children
            .iter()
            .enumerate()
            .filter(|(_, c)| c.name == name)
            .collect();
        if xs.len() != ys.len() {
            return false;
        }
        for (x, (i, y)) in xs.into_iter().zip(ys) {
            path.push(i);
            let ok = id_diffs(x, y, path, out);
            path.pop();
            if !ok {
                return false;
            }
        }
    }
    a.children.len() == b.children.len()
}

/// Parses one statement back the way `load` would into an empty
/// configuration (children of groups and clones taken from `target`).
fn reparse(text: &str, target: &Element) -> Option<Element> {
    let mut objs = crate::parse::parse(text).ok()?;
    if objs.len() != 1 {
        return None;
    }
    let mut obj = objs.pop()?;
    let mut store = IdStore::default();
    let default_id = match obj.el.name.as_str() {
        "cluster_property_set" => Some("cib-bootstrap-options"),
        "rsc_defaults" => Some("rsc-options"),
        "op_defaults" => Some("op-options"),
        _ => None,
    };
    if let Some(d) = default_id {
        let idel = obj.id_element_mut();
        if idel.attr("id").is_none() && idel.attr("id-ref").is_none() {
            idel.set_attr("id", d);
        }
        store.save(d);
    }
    let mut el = match obj.el.name.as_str() {
        "rsc_defaults" | "op_defaults" => obj.el.children.pop()?,
        _ => obj.el,
    };
    fix_ids(&mut store, &mut el, None);
    for c in &mut el.children {
        if c.name == "crmsh-ref" {
            let id = c.attr("id")?.to_string();
            *c = target
                .children
                .iter()
                .find(|t| t.attr("id") == Some(id.as_str()))?
                .clone();
        }
    }
    Some(el)
}

/// `xml <element …>` over several lines.
pub fn xml_form(el: &Element) -> String {
    let xml = el.to_xml();
    let lines: Vec<&str> = xml.lines().filter(|l| !l.trim().is_empty()).collect();
    format!("xml {}", lines.join(" \\\n"))
}

// ---- rendering ------------------------------------------------------------

/// crmsh's `noquotes`: words that need no quotes.
fn plain(v: &str) -> bool {
    !v.is_empty()
        && v.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '-')
}

/// A value as a shell word.
fn quote(v: &str) -> String {
    if plain(v) {
        v.to_string()
    } else {
        let mut s = String::with_capacity(v.len() + 2);
        s.push('"');
        for c in v.chars() {
            if c == '"' || c == '\\' {
                s.push('\\');
            }
            s.push(c);
        }
        s.push('"');
        s
    }
}

fn pair(n: &str, v: Option<&str>) -> String {
    match v {
        Some(v) => format!("{n}={}", quote(v)),
        None => n.to_string(),
    }
}

fn marked(e: &Element) -> bool {
    e.attr(MARK).is_some()
}

fn join(parts: Vec<String>) -> String {
    parts.join(" \\\n\t")
}

fn render(el: &Element) -> Option<String> {
    match el.name.as_str() {
        "node" => node(el),
        "primitive" | "template" => primitive(el),
        "group" | "clone" | "master" => container(el),
        "rsc_location" => location(el),
        "rsc_colocation" | "rsc_order" | "rsc_ticket" => simple_constraint(el),
        "cluster_property_set" => property("property", el),
        "rsc_defaults" | "op_defaults" => property(&el.name, el.children.first()?),
        "alert" => alert(el),
        "tag" => {
            let mut s = format!("tag {}", el.attr("id")?);
            for r in &el.children {
                s.push(' ');
                s.push_str(r.attr("id")?);
            }
            Some(s)
        }
        _ => None,
    }
}

fn nvpair(nv: &Element) -> Option<String> {
    let name = nv.attr("name");
    if let Some(r) = nv.attr("id-ref") {
        return Some(match name {
            Some(n) => format!("@{r}:{n}"),
            None => format!("@{r}"),
        });
    }
    let name = name?;
    if marked(nv) {
        return Some(format!(
            "${}:{}",
            nv.attr("id")?,
            pair(name, nv.attr("value"))
        ));
    }
    Some(pair(name, nv.attr("value")))
}

/// `keyword [$id=…] [score:] [rule …]… name=value…`
fn attr_set(keyword: &str, set: &Element) -> Option<String> {
    let mut s = keyword.to_string();
    if let Some(r) = set.attr("id-ref") {
        s.push_str(&format!(" $id-ref={r}"));
        return Some(s);
    }
    if marked(set) {
        s.push_str(&format!(" $id={}", set.attr("id")?));
    }
    if let Some(score) = set.attr("score") {
        s.push_str(&format!(" {}:", score_text(score)));
    }
    for r in set.children.iter().filter(|c| c.name == "rule") {
        s.push_str(" rule ");
        s.push_str(&rule(r)?);
    }
    for nv in set.children.iter().filter(|c| c.name == "nvpair") {
        s.push(' ');
        s.push_str(&nvpair(nv)?);
    }
    Some(s)
}

fn score_text(score: &str) -> String {
    score.replace("INFINITY", "inf")
}

fn node(el: &Element) -> Option<String> {
    let uname = el.attr("uname")?;
    let id = el.attr("id")?;
    let mut head = "node".to_string();
    if id != uname {
        if plain(id) && !id.contains('.') {
            head.push_str(&format!(" {id}:"));
        } else {
            head.push_str(&format!(" $id={}", quote(id)));
        }
    }
    head.push(' ');
    head.push_str(uname);
    if let Some(t) = el.attr("type") {
        head.push(':');
        head.push_str(t);
    }
    let mut parts = vec![head];
    if let Some(d) = el.attr("description") {
        parts.push(pair("description", Some(d)));
    }
    for c in &el.children {
        parts.push(match c.name.as_str() {
            "instance_attributes" => attr_set("attributes", c)?,
            "utilization" => attr_set("utilization", c)?,
            _ => return None,
        });
    }
    Some(join(parts))
}

fn agent(el: &Element) -> Option<String> {
    if let Some(t) = el.attr("template") {
        return Some(format!("@{t}"));
    }
    let ty = el.attr("type")?;
    let class = el.attr("class");
    let provider = el.attr("provider");
    let bare = (class.is_none() && provider.is_none())
        || (class == Some("ocf") && provider.is_none())
        || (class == Some("ocf") && provider == Some("heartbeat"));
    if bare {
        return Some(ty.to_string());
    }
    let mut s = String::new();
    if let Some(c) = class {
        s.push_str(c);
        s.push(':');
    }
    if let Some(p) = provider {
        s.push_str(p);
        s.push(':');
    }
    s.push_str(ty);
    Some(s)
}

fn primitive(el: &Element) -> Option<String> {
    let kw = if el.name == "template" {
        "rsc_template"
    } else {
        "primitive"
    };
    let mut parts = vec![format!("{kw} {} {}", el.attr("id")?, agent(el)?)];
    if let Some(d) = el.attr("description") {
        parts.push(pair("description", Some(d)));
    }
    for c in &el.children {
        match c.name.as_str() {
            "instance_attributes" => parts.push(attr_set("params", c)?),
            "meta_attributes" => parts.push(attr_set("meta", c)?),
            "utilization" => parts.push(attr_set("utilization", c)?),
            "operations" => {
                let mut head = String::new();
                if let Some(i) = c.attr("id") {
                    head = format!("operations $id={i}");
                } else if let Some(r) = c.attr("id-ref") {
                    head = format!("operations $id-ref={r}");
                }
                if !head.is_empty() {
                    parts.push(head);
                }
                for o in &c.children {
                    if o.name != "op" {
                        return None;
                    }
                    parts.extend(op(o)?);
                }
            }
            _ => return None,
        }
    }
    Some(join(parts))
}

fn op(o: &Element) -> Option<Vec<String>> {
    let mut head = format!("op {}", o.attr("name")?);
    for (k, v) in &o.attrs {
        if k == "name" || k == MARK || (k == "id" && !marked(o)) {
            continue;
        }
        if !crate::parse::OP_ATTRS.contains(&k.as_str()) {
            return None;
        }
        head.push(' ');
        head.push_str(&pair(k, Some(v)));
    }
    let mut out = vec![head];
    for c in &o.children {
        out.push(match c.name.as_str() {
            "instance_attributes" => attr_set("op_params", c)?,
            "meta_attributes" => attr_set("op_meta", c)?,
            _ => return None,
        });
    }
    Some(out)
}

fn container(el: &Element) -> Option<String> {
    let kw = match el.name.as_str() {
        "master" => "ms",
        other => other,
    };
    let mut head = format!("{kw} {}", el.attr("id")?);
    let mut sets = Vec::new();
    for c in &el.children {
        match c.name.as_str() {
            "primitive" | "group" => {
                head.push(' ');
                head.push_str(c.attr("id")?);
            }
            "instance_attributes" => sets.push(attr_set("params", c)?),
            "meta_attributes" => sets.push(attr_set("meta", c)?),
            _ => return None,
        }
    }
    let mut parts = vec![head];
    if let Some(d) = el.attr("description") {
        parts.push(pair("description", Some(d)));
    }
    parts.extend(sets);
    Some(join(parts))
}

fn rule(r: &Element) -> Option<String> {
    let mut s: Vec<String> = Vec::new();
    if let Some(idref) = r.attr("id-ref") {
        return Some(format!("$id-ref={idref}"));
    }
    if marked(r) {
        s.push(format!("$id={}", r.attr("id")?));
    }
    if let Some(role) = r.attr("role") {
        s.push(format!("$role={role}"));
    }
    match (r.attr("score"), r.attr("score-attribute")) {
        (Some("INFINITY"), None) => {}
        (Some(sc), None) => s.push(format!("{}:", score_text(sc))),
        (None, Some(a)) => s.push(format!("{a}:")),
        _ => return None,
    }
    let op = match r.attr("boolean-op") {
        None | Some("and") => " and ",
        Some("or") => " or ",
        Some(_) => return None,
    };
    let mut exprs = Vec::new();
    for c in &r.children {
        exprs.push(match c.name.as_str() {
            "expression" => expression(c)?,
            "date_expression" => date_expression(c)?,
            _ => return None,
        });
    }
    if exprs.is_empty() {
        return None;
    }
    s.push(exprs.join(op));
    Some(s.join(" "))
}

fn expression(e: &Element) -> Option<String> {
    let mut op = e.attr("operation")?.to_string();
    if let Some(t) = e.attr("type") {
        op = format!("{t}:{op}");
    }
    let attr = e.attr("attribute")?;
    match e.attr("value") {
        None => Some(format!("{op} {attr}")),
        Some(v) => match e.attr("value-source") {
            None => Some(format!("{attr} {op} {}", quote(v))),
            Some(src) => Some(format!("{attr} {op} {src}{{{v}}}")),
        },
    }
}

fn date_expression(e: &Element) -> Option<String> {
    let op = e.attr("operation")?;
    let mut s = match op {
        "in_range" => "date in".to_string(),
        "date_spec" => "date spec".to_string(),
        other => format!("date {other}"),
    };
    match op {
        "lt" | "gt" => {
            let v = e.attr(if op == "lt" { "end" } else { "start" })?;
            s.push(' ');
            s.push_str(&quote(v));
        }
        _ => {
            if op == "in_range" {
                for n in ["start", "end"] {
                    if let Some(v) = e.attr(n) {
                        s.push(' ');
                        s.push_str(&pair(n, Some(v)));
                    }
                }
            }
            for c in &e.children {
                if c.name != "duration" && c.name != "date_spec" {
                    return None;
                }
                for (k, v) in c.attrs.iter().filter(|(k, _)| k != "id") {
                    s.push(' ');
                    s.push_str(&pair(k, Some(v)));
                }
            }
        }
    }
    Some(s)
}

/// Resource sets as crmsh writes them (`rsc_set_constraint`).
fn sets(el: &Element, kind: &str) -> Option<Vec<String>> {
    let mut col = Vec::new();
    let mut count = 0;
    let mut last = (None, None);
    for s in el.children.iter().filter(|c| c.name == "resource_set") {
        let seq = s.attr("sequential").and_then(cib::value::parse_bool);
        let all = s.attr("require-all").and_then(cib::value::parse_bool);
        last = (seq, all);
        if all == Some(false) {
            col.push("[".to_string());
        } else if seq == Some(false) {
            col.push("(".to_string());
        }
        let q = if kind == "order" {
            s.attr("action")
        } else {
            s.attr("role")
        };
        for r in s.children.iter().filter(|c| c.name == "resource_ref") {
            let id = r.attr("id")?;
            col.push(match q {
                Some(q) => format!("{id}:{q}"),
                None => id.to_string(),
            });
            count += 1;
        }
        if all == Some(false) {
            if seq != Some(false) {
                col.push("sequential=true".to_string());
            }
            col.push("]".to_string());
        } else if seq == Some(false) {
            col.push(")".to_string());
        }
    }
    let seq_all = last.0 != Some(false) && last.1 != Some(false);
    let ticket = kind == "rsc_ticket";
    if kind != "location" && ((seq_all && !ticket && count <= 2) || (ticket && count <= 1)) {
        col.insert(0, "_rsc_set_".to_string());
    }
    Some(col)
}

fn location(el: &Element) -> Option<String> {
    let rsc = if let Some(r) = el.attr("rsc") {
        r.to_string()
    } else if let Some(p) = el.attr("rsc-pattern") {
        format!("/{p}/")
    } else {
        format!("{{ {} }}", sets(el, "location")?.join(" "))
    };
    let mut head = format!("location {} {rsc}", el.attr("id")?);
    for a in ["role", "resource-discovery"] {
        if let Some(v) = el.attr(a) {
            head.push_str(&format!(" {a}={v}"));
        }
    }
    if let Some(n) = el.attr("node") {
        head.push_str(&format!(" {}: {n}", score_text(el.attr("score")?)));
    }
    let mut parts = vec![head];
    for r in el.children.iter().filter(|c| c.name == "rule") {
        parts.push(format!("rule {}", rule(r)?));
    }
    Some(join(parts))
}

fn simple_constraint(el: &Element) -> Option<String> {
    let kind = match el.name.as_str() {
        "rsc_colocation" => "colocation",
        "rsc_order" => "order",
        _ => "rsc_ticket",
    };
    let has_sets = el.children.iter().any(|c| c.name == "resource_set");
    let mut col = if has_sets {
        sets(el, kind)?
    } else {
        let with = |n: &str, q: &str| -> Option<String> {
            let r = el.attr(n)?;
            Some(
                match (
                    el.attr(&format!("{n}-{q}")),
                    el.attr(&format!("{n}-instance")),
                ) {
                    (Some(x), _) | (None, Some(x)) => format!("{r}:{x}"),
                    _ => r.to_string(),
                },
            )
        };
        match kind {
            "colocation" => vec![with("rsc", "role")?, with("with-rsc", "role")?],
            "order" => vec![with("first", "action")?, with("then", "action")?],
            _ => vec![with("rsc", "role")?],
        }
    };
    let id = el.attr("id")?;
    if kind == "rsc_ticket" {
        if let Some(lp) = el.attr("loss-policy") {
            col.push(format!("loss-policy={lp}"));
        }
        return Some(format!(
            "rsc_ticket {id} {}: {}",
            el.attr("ticket")?,
            col.join(" ")
        ));
    }
    if kind == "order" {
        if let Some(s) = el.attr("symmetrical") {
            col.push(format!("symmetrical={s}"));
        }
    } else if let Some(a) = el.attr("node-attribute") {
        col.push(format!("node-attribute={a}"));
    }
    let score = el
        .attr("score")
        .map(score_text)
        .or_else(|| el.attr("kind").map(str::to_string));
    Some(match score {
        Some(s) => format!("{kind} {id} {s}: {}", col.join(" ")),
        None => format!("{kind} {id} {}", col.join(" ")),
    })
}

fn property(kw: &str, set: &Element) -> Option<String> {
    let id = set.attr("id")?;
    let head = if plain(id) && !id.contains('.') {
        format!("{kw} {id}:")
    } else {
        format!("{kw} $id={}", quote(id))
    };
    let mut parts = vec![head];
    if set.attr("score").is_some() || set.attr("id-ref").is_some() {
        return None;
    }
    for c in &set.children {
        parts.push(match c.name.as_str() {
            "rule" => format!("rule {}", rule(c)?),
            "nvpair" => nvpair(c)?,
            _ => return None,
        });
    }
    Some(join(parts))
}

/// `alert <id> <path> …` as crmsh's `CibAlert` prints it: attributes,
/// meta, selection, recipients; every recipient in braces when an
/// alert-level set follows a recipient (crmsh's `_is_complex`, which never
/// happens here: the model keeps the sets ahead of the recipients, which
/// means the same).
fn alert(el: &Element) -> Option<String> {
    let mut parts = vec![format!(
        "alert {} {}",
        el.attr("id")?,
        quote(el.attr("path")?)
    )];
    if let Some(d) = el.attr("description") {
        parts.push(pair("description", Some(d)));
    }
    let first_recipient = el.children.iter().position(|c| c.name == "recipient");
    let braces = first_recipient.is_some_and(|i| {
        el.children[i + 1..]
            .iter()
            .any(|c| c.name == "instance_attributes" || c.name == "meta_attributes")
    });
    // The model keeps no order between an alert's parts: print them in
    // the order crmsh's parser writes them.
    let rank = |c: &Element| match c.name.as_str() {
        "instance_attributes" => 0,
        "meta_attributes" => 1,
        "select" => 2,
        _ => 3,
    };
    let mut children: Vec<&Element> = el.children.iter().collect();
    children.sort_by_key(|c| rank(c));
    for c in children {
        match c.name.as_str() {
            "instance_attributes" => parts.push(attr_set("attributes", c)?),
            "meta_attributes" => parts.push(attr_set("meta", c)?),
            "select" => {
                let mut s = String::from("select");
                for k in &c.children {
                    let Some(kind) = k.name.strip_prefix("select_") else {
                        continue;
                    };
                    s.push(' ');
                    s.push_str(kind);
                    if kind == "attributes" {
                        s.push_str(" {");
                        for a in k.children.iter().filter(|a| a.name == "attribute") {
                            s.push(' ');
                            s.push_str(a.attr("name")?);
                        }
                        s.push_str(" }");
                    }
                }
                parts.push(s);
            }
            "recipient" => {
                let mut s = String::from("to ");
                if braces {
                    s.push_str("{ ");
                }
                s.push_str(&quote(c.attr("value")?));
                let mut sets: Vec<&Element> = c.children.iter().collect();
                sets.sort_by_key(|c| rank(c));
                for set in sets {
                    let kw = match set.name.as_str() {
                        "instance_attributes" => "attributes",
                        "meta_attributes" => "meta",
                        _ => continue,
                    };
                    s.push(' ');
                    s.push_str(&attr_set(kw, set)?);
                }
                if braces {
                    s.push_str(" }");
                }
                parts.push(s);
            }
            _ => {}
        }
    }
    Some(join(parts))
}
