//! What each admin request changes in the CIB: `pacer resource`, `pacer node`
//! and `pacer property` as pure transformations of a CIB document, following
//! what Pacemaker's `crm_resource`, `crm_attribute`, `crm_standby` and
//! `crm_failcount` write (the same elements, the same generated ids).
//!
//! [`apply`] takes the CIB text, a [`Change`] and "now" (for `--lifetime`)
//! and returns the new text, or a [`Refusal`] that says why and what to do.
//! The result is read back with the cib crate's strict reader before it is
//! returned, so a change never produces a CIB that would be refused when
//! stored. Queries ([`locate`], [`failcounts`], [`properties`]) only read.
//!
//! ```
//! let xml = r#"<cib admin_epoch="0" epoch="1" num_updates="0"><configuration><crm_config/>
//!   <nodes><node id="1" uname="n1"/></nodes>
//!   <resources><primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr2"/></resources>
//!   <constraints/></configuration><status/></cib>"#;
//! let done = admin::apply(xml, &admin::Change::Stop { rsc: "ip".into() }, 0).unwrap();
//! assert!(done.xml.contains(r#"name="target-role" value="Stopped""#));
//! assert_eq!(done.section, admin::Section::Configuration);
//! ```

use cib::{Cib, Element};

/// One change an administrator asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// `target-role=Started` (crm_resource --meta -p target-role -v Started).
    Start { rsc: String },
    /// `target-role=Stopped`.
    Stop { rsc: String },
    /// `cli-prefer-RSC` on `node`; without a node, ban from where it runs.
    Move {
        rsc: String,
        node: Option<String>,
        lifetime: Option<String>,
        promoted: bool,
    },
    /// `cli-ban-RSC-on-NODE`; without a node, the node where it runs.
    Ban {
        rsc: String,
        node: Option<String>,
        lifetime: Option<String>,
        promoted: bool,
    },
    /// Remove the `cli-prefer-`/`cli-ban-` constraints of a resource (only
    /// the ban on `node` and a preference for it, with a node).
    Clear { rsc: String, node: Option<String> },
    /// Forget operation history and fail counts: with `all`, every history
    /// entry (crm_resource --refresh); without, only where the resource has
    /// failed (crm_resource --cleanup).
    Cleanup {
        rsc: Option<String>,
        node: Option<String>,
        all: bool,
    },
    /// Delete the fail count of a resource (on a node, or everywhere): a
    /// cleanup of its failures, as crm_failcount -D does.
    FailcountDelete { rsc: String, node: Option<String> },
    /// `standby=on` / `standby=off` in the node's attributes.
    Standby { node: String, on: bool },
    /// `maintenance=on` / `maintenance=off` in the node's attributes.
    Maintenance { node: String, on: bool },
    /// Set or (None) delete a permanent node attribute.
    NodeAttribute {
        node: String,
        name: String,
        value: Option<String>,
    },
    /// Set or (None) delete a cluster property.
    Property { name: String, value: Option<String> },
}

/// Which section a change touched (pacerd replicates them differently).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Configuration,
    Status,
}

/// A change applied.
#[derive(Clone, Debug)]
pub struct Applied {
    /// The whole new CIB.
    pub xml: String,
    pub section: Section,
    /// Ids of the `node_state`s changed (status changes).
    pub node_states: Vec<String>,
    /// What was done, one line each, for the user.
    pub notes: Vec<String>,
}

/// Why a change was not made; the message names the object and the fix.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refusal(pub String);

fn refuse<T>(msg: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal(msg.into()))
}

/// Applies `change` to the CIB text; `now_s` is "now" for lifetimes.
pub fn apply(cib_xml: &str, change: &Change, now_s: i64) -> Result<Applied, Refusal> {
    let mut root =
        Element::parse(cib_xml).map_err(|e| Refusal(format!("the CIB cannot be read: {e}")))?;
    let (cib, _) = Cib::from_xml_lenient(cib_xml)
        .map_err(|e| Refusal(format!("the CIB cannot be read: {e}")))?;
    let mut notes = Vec::new();
    let mut node_states = Vec::new();
    let section = match change {
        Change::Start { rsc } => {
            set_target_role(&mut root, &cib, rsc, "Started", &mut notes)?;
            Section::Configuration
        }
        Change::Stop { rsc } => {
            set_target_role(&mut root, &cib, rsc, "Stopped", &mut notes)?;
            Section::Configuration
        }
        Change::Move {
            rsc,
            node,
            lifetime,
            promoted,
        } => {
            move_rsc(
                &mut root,
                &cib,
                rsc,
                node.as_deref(),
                lifetime.as_deref(),
                *promoted,
                now_s,
                &mut notes,
            )?;
            Section::Configuration
        }
        Change::Ban {
            rsc,
            node,
            lifetime,
            promoted,
        } => {
            let node = match node {
                Some(n) => known_node(&cib, n)?.to_string(),
                None => single_location(&cib, rsc, *promoted, now_s, "ban")?,
            };
            check_resource(&cib, rsc)?;
            ban(
                &mut root,
                rsc,
                &node,
                lifetime.as_deref(),
                *promoted,
                now_s,
                &mut notes,
            )?;
            Section::Configuration
        }
        Change::Clear { rsc, node } => {
            check_resource(&cib, rsc)?;
            clear(&mut root, rsc, node.as_deref(), &mut notes);
            Section::Configuration
        }
        Change::Cleanup { rsc, node, all } => {
            node_states = cleanup(
                &mut root,
                &cib,
                rsc.as_deref(),
                node.as_deref(),
                *all,
                now_s,
                &mut notes,
            )?;
            Section::Status
        }
        Change::FailcountDelete { rsc, node } => {
            node_states = cleanup(
                &mut root,
                &cib,
                Some(rsc),
                node.as_deref(),
                false,
                now_s,
                &mut notes,
            )?;
            Section::Status
        }
        Change::Standby { node, on } => {
            set_node_attr(
                &mut root,
                &cib,
                node,
                "standby",
                Some(on_off(*on)),
                &mut notes,
            )?;
            Section::Configuration
        }
        Change::Maintenance { node, on } => {
            set_node_attr(
                &mut root,
                &cib,
                node,
                "maintenance",
                Some(on_off(*on)),
                &mut notes,
            )?;
            Section::Configuration
        }
        Change::NodeAttribute { node, name, value } => {
            set_node_attr(&mut root, &cib, node, name, value.as_deref(), &mut notes)?;
            Section::Configuration
        }
        Change::Property { name, value } => {
            set_property(&mut root, name, value.as_deref(), &mut notes)?;
            Section::Configuration
        }
    };
    bump_version(&mut root, section);
    let xml = root.to_xml();
    if let Err(e) = Cib::from_xml(&xml) {
        return refuse(format!(
            "the change would leave a CIB that pacer refuses to store: {e}; nothing was changed"
        ));
    }
    Ok(Applied {
        xml,
        section,
        node_states,
        notes,
    })
}

fn on_off(on: bool) -> &'static str {
    if on {
        "on"
    } else {
        "off"
    }
}

/// Configuration change: epoch+1, num_updates=0; status: num_updates+1.
fn bump_version(root: &mut Element, section: Section) {
    let num = |k: &str, r: &Element| r.attr(k).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    match section {
        Section::Configuration => {
            let e = num("epoch", root) + 1;
            root.set_attr("epoch", e.to_string());
            root.set_attr("num_updates", "0");
        }
        Section::Status => {
            let n = num("num_updates", root) + 1;
            root.set_attr("num_updates", n.to_string());
        }
    }
}

/// `crm_xml_sanitize_id`.
fn sanitize_id(id: &str) -> String {
    id.replace([':', '#'], ".")
}

fn child_mut<'e>(el: &'e mut Element, name: &str) -> &'e mut Element {
    if let Some(i) = el.children.iter().position(|c| c.name == name) {
        &mut el.children[i]
    } else {
        el.push(Element::new(name));
        let last = el.children.len() - 1;
        &mut el.children[last]
    }
}

fn configuration(root: &mut Element) -> &mut Element {
    child_mut(root, "configuration")
}

const RESOURCE_TAGS: [&str; 5] = ["primitive", "group", "clone", "master", "bundle"];

fn find_resource_el<'e>(el: &'e mut Element, id: &str) -> Option<&'e mut Element> {
    if RESOURCE_TAGS.contains(&el.name.as_str()) && el.attr("id") == Some(id) {
        return Some(el);
    }
    for c in el.children.iter_mut() {
        if RESOURCE_TAGS.contains(&c.name.as_str()) || c.name == "resources" {
            if let Some(found) = find_resource_el(c, id) {
                return Some(found);
            }
        }
    }
    None
}

fn check_resource<'c>(cib: &'c Cib, rsc: &str) -> Result<&'c cib::Resource, Refusal> {
    cib.find_resource(rsc).ok_or_else(|| {
        Refusal(format!(
            "no resource '{rsc}' in the configuration; `pacer configure show` lists them"
        ))
    })
}

fn known_node<'c>(cib: &'c Cib, node: &str) -> Result<&'c str, Refusal> {
    if let Some(n) = cib.node_by_uname(node) {
        return Ok(&n.uname);
    }
    let names: Vec<&str> = cib
        .configuration
        .nodes
        .iter()
        .map(|n| n.uname.as_str())
        .collect();
    refuse(format!(
        "no node '{node}' in the configuration (known: {}); check the name with `pacer status`",
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    ))
}

/// Sets (or deletes) `name` in the first set `set_tag` of `el`, creating
/// the set `set_id` when there is none, with Pacemaker's generated ids.
fn set_nvpair(
    el: &mut Element,
    set_tag: &str,
    set_id: &str,
    name: &str,
    value: Option<&str>,
) -> Option<String> {
    // An existing nvpair with that name in any such set is updated in place.
    for set in el.children.iter_mut().filter(|c| c.name == set_tag) {
        if let Some(i) = set
            .children
            .iter()
            .position(|p| p.name == "nvpair" && p.attr("name") == Some(name))
        {
            let old = set.children[i].attr("value").map(str::to_string);
            match value {
                Some(v) => set.children[i].set_attr("value", v),
                None => {
                    set.children.remove(i);
                }
            }
            return old;
        }
    }
    let value = value?;
    let set = match el.children.iter().position(|c| c.name == set_tag) {
        Some(i) => &mut el.children[i],
        None => {
            el.push(Element::new(set_tag).with_attr("id", set_id));
            let last = el.children.len() - 1;
            &mut el.children[last]
        }
    };
    let sid = set.attr("id").unwrap_or(set_id).to_string();
    set.push(
        Element::new("nvpair")
            .with_attr("id", sanitize_id(&format!("{sid}-{name}")))
            .with_attr("name", name)
            .with_attr("value", value),
    );
    None
}

fn set_target_role(
    root: &mut Element,
    cib: &Cib,
    rsc: &str,
    role: &str,
    notes: &mut Vec<String>,
) -> Result<(), Refusal> {
    check_resource(cib, rsc)?;
    let Some(el) = find_resource_el(configuration(root), rsc) else {
        return refuse(format!(
            "'{rsc}' is a template or tag, not a resource; start or stop the resources that use it"
        ));
    };
    set_nvpair(
        el,
        "meta_attributes",
        &format!("{rsc}-meta_attributes"),
        "target-role",
        Some(role),
    );
    notes.push(format!("set target-role={role} on '{rsc}'"));
    Ok(())
}

/// Where the resource runs now, per the status section.
fn running_nodes(cib: &Cib, rsc: &str, promoted: bool, now_s: i64) -> Vec<String> {
    let st = scheduler::unpack(cib, now_s);
    let Some(r) = find_state_rsc(&st, rsc) else {
        return Vec::new();
    };
    let mut locs = Vec::new();
    if promoted {
        collect_promoted(&st, r, &mut locs);
    } else {
        st.locations(r, false, &mut locs);
    }
    locs.into_iter().map(|n| st.node(n).uname.clone()).collect()
}

fn collect_promoted(
    st: &scheduler::ClusterState,
    r: scheduler::state::RscId,
    out: &mut Vec<scheduler::state::NodeId>,
) {
    let res = st.rsc(r);
    if res.children.is_empty() {
        if res.role == cib::Role::Promoted {
            out.extend(res.running_on.iter().copied());
        }
        return;
    }
    for &c in &res.children {
        collect_promoted(st, c, out);
    }
}

fn find_state_rsc(st: &scheduler::ClusterState, id: &str) -> Option<scheduler::state::RscId> {
    st.top
        .iter()
        .copied()
        .find(|&r| st.rsc(r).id == id)
        .or_else(|| scheduler::mon::find_history_resource(st, id))
}

fn single_location(
    cib: &Cib,
    rsc: &str,
    promoted: bool,
    now_s: i64,
    what: &str,
) -> Result<String, Refusal> {
    check_resource(cib, rsc)?;
    let nodes = running_nodes(cib, rsc, promoted, now_s);
    match nodes.as_slice() {
        [one] => Ok(one.clone()),
        [] => refuse(format!(
            "'{rsc}' is not {} anywhere, so there is no node to {what} it from; name the node",
            if promoted { "promoted" } else { "active" }
        )),
        many => refuse(format!(
            "'{rsc}' is {} on {} nodes ({}); name the node to {what} it from",
            if promoted { "promoted" } else { "active" },
            many.len(),
            many.join(", ")
        )),
    }
}

/// `crm_resource`'s lifetime: now + an ISO 8601 duration, as
/// `YYYY-MM-DD HH:MM:SSZ`.
fn lifetime_end(lifetime: &str, now_s: i64) -> Result<String, Refusal> {
    let d =
        cib::iso8601::Duration::parse(lifetime).map_err(|e| Refusal(format!("--lifetime: {e}")))?;
    let mut t = cib::iso8601::DateTime::from_epoch(now_s, 0);
    t.add_years(d.years);
    t.add_months(d.months);
    t.add_days(d.days);
    let end = t.epoch_seconds() + d.seconds;
    let dt = chrono::DateTime::from_timestamp(end, 0)
        .ok_or_else(|| Refusal(format!("--lifetime {lifetime} ends out of range")))?;
    Ok(dt.format("%Y-%m-%d %H:%M:%SZ").to_string())
}

fn role_name(promoted: bool) -> &'static str {
    if promoted {
        "Promoted"
    } else {
        "Started"
    }
}

fn constraints(root: &mut Element) -> &mut Element {
    child_mut(configuration(root), "constraints")
}

fn replace_constraint(root: &mut Element, el: Element) {
    let id = el.attr("id").unwrap_or("").to_string();
    let cons = constraints(root);
    if let Some(i) = cons
        .children
        .iter()
        .position(|c| c.attr("id") == Some(id.as_str()))
    {
        cons.children[i] = el;
    } else {
        cons.push(el);
    }
}

fn location(
    id: &str,
    rsc: &str,
    node: &str,
    score: &str,
    end: Option<&str>,
    promoted: bool,
    rule_ids: [&str; 3],
) -> Element {
    let mut loc = Element::new("rsc_location")
        .with_attr("id", id)
        .with_attr("rsc", rsc)
        .with_attr("role", role_name(promoted));
    match end {
        None => {
            loc.set_attr("node", node);
            loc.set_attr("score", score);
        }
        Some(end) => {
            let mut rule = Element::new("rule")
                .with_attr("id", rule_ids[0])
                .with_attr("score", score)
                .with_attr("boolean-op", "and");
            rule.push(
                Element::new("expression")
                    .with_attr("id", rule_ids[1])
                    .with_attr("attribute", "#uname")
                    .with_attr("operation", "eq")
                    .with_attr("value", node)
                    .with_attr("type", "string"),
            );
            rule.push(
                Element::new("date_expression")
                    .with_attr("id", rule_ids[2])
                    .with_attr("operation", "lt")
                    .with_attr("end", end),
            );
            loc.push(rule);
        }
    }
    loc
}

fn ban(
    root: &mut Element,
    rsc: &str,
    node: &str,
    lifetime: Option<&str>,
    promoted: bool,
    now_s: i64,
    notes: &mut Vec<String>,
) -> Result<(), Refusal> {
    let end = lifetime.map(|l| lifetime_end(l, now_s)).transpose()?;
    let id = sanitize_id(&format!("cli-ban-{rsc}-on-{node}"));
    let el = location(
        &id,
        rsc,
        node,
        "-INFINITY",
        end.as_deref(),
        promoted,
        [
            &format!("{id}-rule"),
            &format!("{id}-expr"),
            &format!("{id}-lifetime"),
        ],
    );
    replace_constraint(root, el);
    notes.push(format!(
        "created '{id}': '{rsc}' may not run on {node}{} until `pacer resource clear {rsc}` (even if it is the last node)",
        end.map(|e| format!(" before {e}")).unwrap_or_default()
    ));
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn move_rsc(
    root: &mut Element,
    cib: &Cib,
    rsc: &str,
    node: Option<&str>,
    lifetime: Option<&str>,
    promoted: bool,
    now_s: i64,
    notes: &mut Vec<String>,
) -> Result<(), Refusal> {
    let r = check_resource(cib, rsc)?;
    let is_clone = matches!(r, cib::Resource::Clone(_));
    if promoted && !is_promotable(r) {
        return refuse(format!(
            "'{rsc}' is not a promotable clone: --promoted moves only the promoted role of one; leave it out"
        ));
    }
    let Some(node) = node else {
        // crm_resource --move without a node: ban it from where it runs.
        let from = single_location(cib, rsc, promoted, now_s, "move")?;
        return ban(root, rsc, &from, lifetime, promoted, now_s, notes);
    };
    let node = known_node(cib, node)?.to_string();
    let running = running_nodes(cib, rsc, promoted, now_s);
    if running.len() > 1 && !is_clone {
        return refuse(format!(
            "'{rsc}' is active on {} nodes ({}); stop it or clean it up before moving it",
            running.len(),
            running.join(", ")
        ));
    }
    if running.len() == 1 && running[0] == node && !is_clone {
        return refuse(format!(
            "'{rsc}' is already {} on {node}",
            if promoted { "promoted" } else { "active" }
        ));
    }
    // Earlier preferences go, and so does a ban from the destination.
    clear(root, rsc, Some(&node), &mut Vec::new());
    let end = lifetime.map(|l| lifetime_end(l, now_s)).transpose()?;
    let id = sanitize_id(&format!("cli-prefer-{rsc}"));
    let el = location(
        &id,
        rsc,
        &node,
        "INFINITY",
        end.as_deref(),
        promoted,
        [
            &sanitize_id(&format!("cli-prefer-rule-{rsc}")),
            &sanitize_id(&format!("cli-prefer-expr-{rsc}")),
            &sanitize_id(&format!("cli-prefer-lifetime-end-{rsc}")),
        ],
    );
    replace_constraint(root, el);
    notes.push(format!(
        "created '{id}': '{rsc}' prefers {node}{}; `pacer resource clear {rsc}` lets the cluster place it again",
        end.map(|e| format!(" until {e}")).unwrap_or_default()
    ));
    Ok(())
}

fn is_promotable(r: &cib::Resource) -> bool {
    match r {
        cib::Resource::Clone(c) => {
            c.tag == cib::CloneTag::Master
                || c.meta_attributes
                    .iter()
                    .flat_map(|s| s.nvpairs.iter())
                    .any(|p| {
                        p.name == "promotable"
                            && cib::value::parse_bool(p.value.as_deref().unwrap_or(""))
                                == Some(true)
                    })
        }
        _ => false,
    }
}

/// Removes `cli-ban-RSC-on-*` and `cli-prefer-RSC` (with a node: the ban
/// on that node, and the preference only when it names that node).
fn clear(root: &mut Element, rsc: &str, node: Option<&str>, notes: &mut Vec<String>) {
    let prefer = sanitize_id(&format!("cli-prefer-{rsc}"));
    let ban_prefix = sanitize_id(&format!("cli-ban-{rsc}-on-"));
    let cons = constraints(root);
    let before: Vec<String> = cons
        .children
        .iter()
        .filter_map(|c| c.attr("id").map(str::to_string))
        .collect();
    cons.children.retain(|c| {
        if c.name != "rsc_location" {
            return true;
        }
        let id = c.attr("id").unwrap_or("");
        match node {
            None => !(id == prefer || id.starts_with(&ban_prefix)),
            Some(n) => {
                let ban_id = sanitize_id(&format!("cli-ban-{rsc}-on-{n}"));
                let prefers_n = id == prefer && names_node(c, n);
                !(id == ban_id || prefers_n)
            }
        }
    });
    let after: Vec<&str> = cons.children.iter().filter_map(|c| c.attr("id")).collect();
    for id in before {
        if !after.contains(&id.as_str()) {
            notes.push(format!("removed '{id}'"));
        }
    }
    if notes.is_empty() {
        notes.push(format!("'{rsc}' had no move or ban constraints"));
    }
}

fn names_node(loc: &Element, node: &str) -> bool {
    loc.attr("node") == Some(node)
        || loc.children_named("rule").any(|r| {
            r.children_named("expression")
                .any(|e| e.attr("attribute") == Some("#uname") && e.attr("value") == Some(node))
        })
}

fn set_node_attr(
    root: &mut Element,
    cib: &Cib,
    node: &str,
    name: &str,
    value: Option<&str>,
    notes: &mut Vec<String>,
) -> Result<(), Refusal> {
    let uname = known_node(cib, node)?.to_string();
    let Some(id) = cib
        .configuration
        .nodes
        .iter()
        .find(|n| n.uname == uname)
        .map(|n| n.id.clone())
    else {
        return refuse(format!("no node '{node}' in the configuration"));
    };
    if name.is_empty() {
        return refuse("an attribute needs a name");
    }
    let nodes = child_mut(configuration(root), "nodes");
    let Some(el) = nodes
        .children
        .iter_mut()
        .find(|n| n.name == "node" && n.attr("id") == Some(id.as_str()))
    else {
        return refuse(format!("no node '{node}' in the configuration"));
    };
    let old = set_nvpair(
        el,
        "instance_attributes",
        &format!("nodes-{id}"),
        name,
        value,
    );
    match (value, old) {
        (Some(v), _) => notes.push(format!("set {name}={v} on node {uname}")),
        (None, Some(_)) => notes.push(format!("deleted {name} of node {uname}")),
        (None, None) => notes.push(format!("node {uname} had no attribute {name}")),
    }
    Ok(())
}

fn set_property(
    root: &mut Element,
    name: &str,
    value: Option<&str>,
    notes: &mut Vec<String>,
) -> Result<(), Refusal> {
    if name.is_empty() {
        return refuse("a property needs a name");
    }
    let crm_config = child_mut(configuration(root), "crm_config");
    let old = set_nvpair(
        crm_config,
        "cluster_property_set",
        "cib-bootstrap-options",
        name,
        value,
    );
    match (value, old) {
        (Some(v), _) => notes.push(format!("set property {name}={v}")),
        (None, Some(_)) => notes.push(format!("deleted property {name}")),
        (None, None) => notes.push(format!("property {name} was not set")),
    }
    Ok(())
}

/// History ids that belong to `rsc` (itself, its members and instances).
fn history_ids(cib: &Cib, rsc: &str) -> Vec<String> {
    let mut ids = Vec::new();
    fn walk(r: &cib::Resource, ids: &mut Vec<String>) {
        ids.push(r.id().to_string());
        for c in r.children() {
            walk(c, ids);
        }
    }
    if let Some(r) = cib.find_resource(rsc) {
        walk(r, &mut ids);
    } else {
        ids.push(rsc.to_string());
    }
    ids
}

fn matches_history(ids: &[String], hist: &str) -> bool {
    let base = hist.split(':').next().unwrap_or(hist);
    ids.iter().any(|i| i == hist || i == base)
}

#[allow(clippy::too_many_arguments)]
fn cleanup(
    root: &mut Element,
    cib: &Cib,
    rsc: Option<&str>,
    node: Option<&str>,
    all: bool,
    now_s: i64,
    notes: &mut Vec<String>,
) -> Result<Vec<String>, Refusal> {
    let ids = match rsc {
        Some(r) => {
            check_resource(cib, r)?;
            Some(history_ids(cib, r))
        }
        None => None,
    };
    let node_id = match node {
        Some(n) => {
            let uname = known_node(cib, n)?;
            cib.configuration
                .nodes
                .iter()
                .find(|x| x.uname == uname)
                .map(|x| x.id.clone())
        }
        None => None,
    };
    // Without `all`, only histories that hold a failure (or a fail count).
    let st = scheduler::unpack(cib, now_s);
    let failed: Vec<(String, String)> = st
        .failed_ops
        .iter()
        .map(|f| (st.node(f.node).id.clone(), f.op_key.clone()))
        .collect();
    let mut changed = Vec::new();
    let status = child_mut(root, "status");
    for ns in status
        .children
        .iter_mut()
        .filter(|c| c.name == "node_state")
    {
        let ns_id = ns.attr("id").unwrap_or("").to_string();
        if node_id.as_ref().is_some_and(|n| *n != ns_id) {
            continue;
        }
        let mut removed = Vec::new();
        let mut fc_attrs = Vec::new();
        // Fail-count attributes of the chosen resources.
        for ta in ns
            .children
            .iter_mut()
            .filter(|c| c.name == "transient_attributes")
        {
            for set in ta.children.iter_mut() {
                set.children.retain(|p| {
                    let Some(name) = p.attr("name") else {
                        return true;
                    };
                    let rest = name
                        .strip_prefix("fail-count-")
                        .or_else(|| name.strip_prefix("last-failure-"));
                    let Some(rest) = rest else {
                        return true;
                    };
                    let hist = rest.split('#').next().unwrap_or(rest);
                    let ours = ids.as_ref().map_or(true, |ids| matches_history(ids, hist));
                    if ours {
                        fc_attrs.push(hist.to_string());
                    }
                    !ours
                });
            }
        }
        for lrm in ns.children.iter_mut().filter(|c| c.name == "lrm") {
            for lr in lrm
                .children
                .iter_mut()
                .filter(|c| c.name == "lrm_resources")
            {
                lr.children.retain(|h| {
                    let Some(hid) = h.attr("id") else {
                        return true;
                    };
                    let ours = ids.as_ref().map_or(true, |ids| matches_history(ids, hid));
                    if !ours {
                        return true;
                    }
                    let has_failure = fc_attrs
                        .iter()
                        .any(|a| matches_history(std::slice::from_ref(a), hid))
                        || failed.iter().any(|(n, key)| {
                            *n == ns_id
                                && h.children_named("lrm_rsc_op")
                                    .any(|op| op.attr("operation_key") == Some(key.as_str()))
                        });
                    if all || has_failure {
                        removed.push(hid.to_string());
                        false
                    } else {
                        true
                    }
                });
            }
        }
        if !removed.is_empty() || !fc_attrs.is_empty() {
            let uname = ns.attr("uname").unwrap_or(&ns_id).to_string();
            if !removed.is_empty() {
                notes.push(format!(
                    "forgot the history of {} on {uname}",
                    removed.join(", ")
                ));
            }
            if !fc_attrs.is_empty() {
                fc_attrs.dedup();
                notes.push(format!(
                    "cleared the fail counts of {} on {uname}",
                    fc_attrs.join(", ")
                ));
            }
            changed.push(ns_id);
        }
    }
    if changed.is_empty() {
        notes.push("nothing to clean up".into());
    }
    Ok(changed)
}

/// Where a resource is active (`crm_resource --locate`): node names, with
/// `promoted` set for nodes where an instance is promoted.
pub fn locate(cib_xml: &str, rsc: &str, now_s: i64) -> Result<Vec<(String, bool)>, Refusal> {
    let (cib, _) = Cib::from_xml_lenient(cib_xml)
        .map_err(|e| Refusal(format!("the CIB cannot be read: {e}")))?;
    check_resource(&cib, rsc)?;
    let all = running_nodes(&cib, rsc, false, now_s);
    let promoted = running_nodes(&cib, rsc, true, now_s);
    Ok(all
        .into_iter()
        .map(|n| {
            let p = promoted.contains(&n);
            (n, p)
        })
        .collect())
}

/// One fail count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailCount {
    pub node: String,
    /// The history's name for the resource (`rsc:0` for clone instances).
    pub resource: String,
    pub count: i32,
    pub last_failure: i64,
}

/// Fail counts of a resource (its instances too), on one node or all.
pub fn failcounts(
    cib_xml: &str,
    rsc: &str,
    node: Option<&str>,
    now_s: i64,
) -> Result<Vec<FailCount>, Refusal> {
    let (cib, _) = Cib::from_xml_lenient(cib_xml)
        .map_err(|e| Refusal(format!("the CIB cannot be read: {e}")))?;
    check_resource(&cib, rsc)?;
    if let Some(n) = node {
        known_node(&cib, n)?;
    }
    let ids = history_ids(&cib, rsc);
    let st = scheduler::unpack(&cib, now_s);
    let mut out = Vec::new();
    for ns in &cib.status.node_states {
        let Some(nid) = st
            .nodes
            .iter()
            .position(|n| n.id == ns.id)
            .map(scheduler::state::NodeId)
        else {
            continue;
        };
        let uname = st.node(nid).uname.clone();
        if node.is_some_and(|n| n != uname) {
            continue;
        }
        for lr in ns.lrm_resources() {
            if !matches_history(&ids, &lr.id) {
                continue;
            }
            let Some(r) = scheduler::mon::find_history_resource(&st, &lr.id) else {
                continue;
            };
            let (count, last) = scheduler::mon::failcount(&cib, &st, nid, r);
            if count > 0 {
                out.push(FailCount {
                    node: uname.clone(),
                    resource: lr.id.clone(),
                    count,
                    last_failure: last,
                });
            }
        }
    }
    Ok(out)
}

/// The cluster properties as configured: (set id, name, value).
pub fn properties(cib_xml: &str) -> Result<Vec<(String, String, String)>, Refusal> {
    let (cib, _) = Cib::from_xml_lenient(cib_xml)
        .map_err(|e| Refusal(format!("the CIB cannot be read: {e}")))?;
    Ok(cib
        .configuration
        .crm_config
        .iter()
        .flat_map(|s| {
            let sid = s.id.clone().unwrap_or_default();
            s.nvpairs.iter().map(move |p| {
                (
                    sid.clone(),
                    p.name.clone(),
                    p.value.clone().unwrap_or_default(),
                )
            })
        })
        .collect())
}
