//! Element tree → typed model. Unknown attributes and children go into
//! [`Extra`]; malformed values are errors naming the element and its line.

use crate::element::Element;
use crate::error::{CibError, Loc};
use crate::model::*;
use crate::value::{AttrValue, Typed};

type Result<T> = std::result::Result<T, CibError>;

/// How to treat a configuration problem that Pacemaker tolerates (an invalid
/// enum or boolean spelling, a dangling constraint reference…).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Refuse the document: for anything an administrator is about to store.
    #[default]
    Strict,
    /// Keep what is written, warn, and let consumers apply Pacemaker's
    /// defaults: for reading a CIB that Pacemaker would read.
    Lenient,
}

/// Reading context: the mode and the warnings collected in lenient mode.
#[derive(Debug, Default)]
pub struct Ctx {
    pub mode: Mode,
    warnings: std::cell::RefCell<Vec<CibError>>,
}

impl Ctx {
    pub fn new(mode: Mode) -> Self {
        Ctx {
            mode,
            warnings: Default::default(),
        }
    }

    /// Reports a tolerable problem: an error when strict, a warning when lenient.
    pub fn problem(&self, e: CibError) -> Result<()> {
        match self.mode {
            Mode::Strict => Err(e),
            Mode::Lenient => {
                self.warnings.borrow_mut().push(e);
                Ok(())
            }
        }
    }

    /// Reads an entry Pacemaker skips when it is malformed (a `<node_state>`
    /// without an id, an `<op>` without a name): when lenient, a problem in it
    /// drops just that entry, with a warning; when strict, it is an error.
    fn entry<T>(&self, read: Result<T>) -> Result<Option<T>> {
        match read {
            Ok(v) => Ok(Some(v)),
            Err(e @ CibError::Xml { .. }) | Err(e @ CibError::NotACib { .. }) => Err(e),
            Err(e) => self.problem(e).map(|()| None),
        }
    }

    pub fn into_warnings(self) -> Vec<CibError> {
        self.warnings.into_inner()
    }
}

pub(crate) fn loc(el: &Element) -> Loc {
    Loc {
        element: el.name.clone(),
        id: el.attr("id").map(str::to_string),
        line: el.line,
    }
}

/// Reads an element's attributes, remembering which were used so the rest
/// can be kept in [`Extra`].
struct Attrs<'a> {
    cx: &'a Ctx,
    el: &'a Element,
    used: Vec<bool>,
}

impl<'a> Attrs<'a> {
    fn new(cx: &'a Ctx, el: &'a Element) -> Self {
        Attrs {
            cx,
            el,
            used: vec![false; el.attrs.len()],
        }
    }

    fn opt(&mut self, name: &str) -> Option<String> {
        let i = self.el.attrs.iter().position(|(k, _)| k == name)?;
        self.used[i] = true;
        Some(self.el.attrs[i].1.clone())
    }

    fn req(&mut self, name: &'static str) -> Result<String> {
        self.opt(name).ok_or_else(|| CibError::MissingAttr {
            at: loc(self.el),
            attr: name,
        })
    }

    /// A typed attribute. Invalid text is an error when reading strictly, and
    /// is kept (with a warning) when reading leniently.
    fn typed<T: AttrValue>(&mut self, name: &str) -> Result<Option<Typed<T>>> {
        let Some(raw) = self.opt(name) else {
            return Ok(None);
        };
        let (typed, problem) = Typed::parse_lenient(&raw);
        if let Some(expected) = problem {
            self.cx.problem(CibError::InvalidValue {
                at: loc(self.el),
                attr: name.to_string(),
                value: raw,
                expected,
            })?;
        }
        Ok(Some(typed))
    }

    /// An integer attribute. When lenient, invalid text is dropped (the
    /// value is absent, so the consumer's default applies) with a warning.
    fn int(&mut self, name: &str) -> Result<Option<i64>> {
        let Some(raw) = self.opt(name) else {
            return Ok(None);
        };
        match raw.trim().parse() {
            Ok(v) => Ok(Some(v)),
            Err(_) => {
                self.cx.problem(CibError::InvalidValue {
                    at: loc(self.el),
                    attr: name.to_string(),
                    value: raw,
                    expected: "an integer".to_string(),
                })?;
                Ok(None)
            }
        }
    }

    /// Unused attributes, plus the given leftover children.
    fn extra(self, children: Vec<Element>) -> Extra {
        let attrs = self
            .el
            .attrs
            .iter()
            .zip(self.used)
            .filter(|(_, used)| !used)
            .map(|(kv, _)| kv.clone())
            .collect();
        Extra { attrs, children }
    }
}

/// Reads the children called `name` as entries (a malformed one is skipped
/// when lenient) and returns them with the other children, which the caller
/// keeps in its [`Extra`].
fn entries<T>(
    cx: &Ctx,
    el: &Element,
    name: &str,
    read: fn(&Ctx, &Element) -> Result<T>,
) -> Result<(Vec<T>, Vec<Element>)> {
    let mut found = Vec::new();
    let mut rest = Vec::new();
    for ch in &el.children {
        if ch.name == name {
            found.extend(cx.entry(read(cx, ch))?);
        } else {
            rest.push(ch.clone());
        }
    }
    Ok((found, rest))
}

/// Reads a whole `<cib>` element.
pub fn cib(cx: &Ctx, el: &Element) -> Result<Cib> {
    if el.name != "cib" {
        return Err(CibError::NotACib {
            found: el.name.clone(),
        });
    }
    let mut a = Attrs::new(cx, el);
    let mut c = Cib {
        admin_epoch: a.int("admin_epoch")?.unwrap_or(0),
        epoch: a.int("epoch")?.unwrap_or(0),
        num_updates: a.int("num_updates")?.unwrap_or(0),
        validate_with: a.opt("validate-with"),
        crm_feature_set: a.opt("crm_feature_set"),
        have_quorum: a.typed("have-quorum")?,
        dc_uuid: a.opt("dc-uuid"),
        cib_last_written: a.opt("cib-last-written"),
        update_origin: a.opt("update-origin"),
        update_client: a.opt("update-client"),
        update_user: a.opt("update-user"),
        execution_date: a.int("execution-date")?,
        no_quorum_panic: a.typed("no-quorum-panic")?,
        ..Default::default()
    };
    let mut rest = Vec::new();
    let mut saw_config = false;
    for child in &el.children {
        match child.name.as_str() {
            "configuration" if !saw_config => {
                c.configuration = configuration(cx, child)?;
                saw_config = true;
            }
            "status" => c.status = status(cx, child)?,
            _ => rest.push(child.clone()),
        }
    }
    if !saw_config {
        return Err(CibError::Invalid {
            at: loc(el),
            problem: "there is no <configuration> section; add <configuration> with at least \
                      <crm_config/>, <nodes/>, <resources/> and <constraints/>"
                .to_string(),
        });
    }
    c.extra = a.extra(rest);
    Ok(c)
}

fn configuration(cx: &Ctx, el: &Element) -> Result<Configuration> {
    let a = Attrs::new(cx, el);
    let mut c = Configuration::default();
    let mut rest = Vec::new();
    for sec in &el.children {
        let sa = Attrs::new(cx, sec);
        let mut leftover = Vec::new();
        match sec.name.as_str() {
            "crm_config" => {
                (c.crm_config, leftover) = entries(cx, sec, "cluster_property_set", nvset)?;
            }
            "nodes" => (c.nodes, leftover) = entries(cx, sec, "node", node)?,
            "resources" => {
                for ch in &sec.children {
                    match cx.entry(resource(cx, ch))? {
                        Some(Some(r)) => c.resources.push(r),
                        Some(None) => leftover.push(ch.clone()),
                        None => {}
                    }
                }
            }
            "constraints" => {
                for ch in &sec.children {
                    c.constraints.extend(cx.entry(constraint(cx, ch))?);
                }
            }
            "rsc_defaults" | "op_defaults" => {
                let (meta_attributes, leftover) = entries(cx, sec, "meta_attributes", nvset)?;
                let d = Defaults {
                    meta_attributes,
                    extra: sa.extra(leftover),
                };
                if sec.name == "rsc_defaults" {
                    c.rsc_defaults = Some(d);
                } else {
                    c.op_defaults = Some(d);
                }
                continue;
            }
            "fencing-topology" => {
                let (levels, leftover) = entries(cx, sec, "fencing-level", fencing_level)?;
                c.fencing_topology = Some(FencingTopology {
                    levels,
                    extra: sa.extra(leftover),
                });
                continue;
            }
            "tags" => {
                let (tags, others) = entries(cx, sec, "tag", tag)?;
                (c.tags, leftover) = (Some(tags), others);
            }
            "alerts" => {
                let (alerts, others) = entries(cx, sec, "alert", alert)?;
                (c.alerts, leftover) = (Some(alerts), others);
            }
            "acls" => {
                c.acls = Some(acls(cx, sec)?);
                continue;
            }
            _ => {
                rest.push(sec.clone());
                continue;
            }
        }
        let extra = sa.extra(leftover);
        if extra != Extra::default() {
            c.section_extra.push((sec.name.clone(), extra));
        }
    }
    c.extra = a.extra(rest);
    Ok(c)
}

/// Reads any name/value set (`cluster_property_set`, `instance_attributes`,
/// `meta_attributes`, `utilization`).
pub(crate) fn nvset(cx: &Ctx, el: &Element) -> Result<NvSet> {
    let mut a = Attrs::new(cx, el);
    let mut s = NvSet {
        id: a.opt("id"),
        id_ref: a.opt("id-ref"),
        score: a.typed("score")?,
        ..Default::default()
    };
    require_id_or_ref(el, &s.id, &s.id_ref)?;
    let mut rest = Vec::new();
    for ch in &el.children {
        match ch.name.as_str() {
            "nvpair" => s.nvpairs.extend(cx.entry(nvpair(cx, ch))?),
            "rule" => s.rules.push(rule(cx, ch)?),
            _ => rest.push(ch.clone()),
        }
    }
    s.extra = a.extra(rest);
    Ok(s)
}

fn require_id_or_ref(el: &Element, id: &Option<String>, id_ref: &Option<String>) -> Result<()> {
    if id.is_none() && id_ref.is_none() {
        return Err(CibError::MissingAttr {
            at: loc(el),
            attr: "id",
        });
    }
    Ok(())
}

fn nvpair(cx: &Ctx, el: &Element) -> Result<NvPair> {
    let mut a = Attrs::new(cx, el);
    let id = a.opt("id");
    let id_ref = a.opt("id-ref");
    require_id_or_ref(el, &id, &id_ref)?;
    let name = match (a.opt("name"), &id_ref) {
        (Some(n), _) => n,
        (None, Some(_)) => String::new(),
        (None, None) => {
            return Err(CibError::MissingAttr {
                at: loc(el),
                attr: "name",
            })
        }
    };
    Ok(NvPair {
        id,
        id_ref,
        name,
        value: a.opt("value"),
        extra: a.extra(el.children.clone()),
    })
}

pub(crate) fn rule(cx: &Ctx, el: &Element) -> Result<Rule> {
    let mut a = Attrs::new(cx, el);
    let mut r = Rule {
        id: a.opt("id"),
        id_ref: a.opt("id-ref"),
        score: a.typed("score")?,
        score_attribute: a.opt("score-attribute"),
        boolean_op: a.typed("boolean-op")?,
        role: a.typed("role")?,
        ..Default::default()
    };
    require_id_or_ref(el, &r.id, &r.id_ref)?;
    for ch in &el.children {
        r.exprs.push(rule_expr(cx, ch)?);
    }
    r.extra = a.extra(Vec::new());
    Ok(r)
}

fn rule_expr(cx: &Ctx, el: &Element) -> Result<RuleExpr> {
    let mut a = Attrs::new(cx, el);
    Ok(match el.name.as_str() {
        "rule" => RuleExpr::Rule(rule(cx, el)?),
        "expression" => RuleExpr::Expr(Expression {
            id: a.req("id")?,
            attribute: a.req("attribute")?,
            operation: a.typed("operation")?,
            value: a.opt("value"),
            type_: a.typed("type")?,
            value_source: a.typed("value-source")?,
            extra: a.extra(el.children.clone()),
        }),
        "date_expression" => {
            let mut d = DateExpression {
                id: a.req("id")?,
                operation: a.typed("operation")?,
                start: a.opt("start"),
                end: a.opt("end"),
                ..Default::default()
            };
            let mut rest = Vec::new();
            for ch in &el.children {
                match ch.name.as_str() {
                    "date_spec" => d.date_spec = Some(date_spec(cx, ch)),
                    "duration" => d.duration = Some(date_spec(cx, ch)),
                    _ => rest.push(ch.clone()),
                }
            }
            d.extra = a.extra(rest);
            RuleExpr::Date(d)
        }
        "op_expression" => RuleExpr::Op(OpExpression {
            id: a.req("id")?,
            name: a.req("name")?,
            interval: a.typed("interval")?,
            extra: a.extra(el.children.clone()),
        }),
        "rsc_expression" => RuleExpr::Rsc(RscExpression {
            id: a.req("id")?,
            class: a.opt("class"),
            provider: a.opt("provider"),
            type_: a.opt("type"),
            extra: a.extra(el.children.clone()),
        }),
        _ => RuleExpr::Other(el.clone()),
    })
}

const DATE_FIELDS: [&str; 12] = [
    "years",
    "months",
    "weeks",
    "days",
    "hours",
    "minutes",
    "seconds",
    "monthdays",
    "weekdays",
    "yeardays",
    "weekyears",
    "moon",
];

fn date_spec(cx: &Ctx, el: &Element) -> DateSpec {
    let mut a = Attrs::new(cx, el);
    let id = a.opt("id");
    let fields = el
        .attrs
        .iter()
        .filter(|(k, _)| DATE_FIELDS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect::<Vec<_>>();
    for (k, _) in &fields {
        a.opt(k);
    }
    DateSpec {
        id,
        fields,
        extra: a.extra(el.children.clone()),
    }
}

fn node(cx: &Ctx, el: &Element) -> Result<Node> {
    let mut a = Attrs::new(cx, el);
    let mut n = Node {
        id: a.req("id")?,
        uname: a.req("uname")?,
        type_: a.typed("type")?,
        score: a.typed("score")?,
        description: a.opt("description"),
        ..Default::default()
    };
    let mut rest = Vec::new();
    for ch in &el.children {
        match ch.name.as_str() {
            "instance_attributes" => n.instance_attributes.push(nvset(cx, ch)?),
            "utilization" => n.utilization.push(nvset(cx, ch)?),
            _ => rest.push(ch.clone()),
        }
    }
    n.extra = a.extra(rest);
    Ok(n)
}

/// Reads a resource element; `None` for an element that is not a resource.
fn resource(cx: &Ctx, el: &Element) -> Result<Option<Resource>> {
    Ok(Some(match el.name.as_str() {
        "primitive" => Resource::Primitive(primitive(cx, el)?),
        "template" => Resource::Template(primitive(cx, el)?),
        "group" => Resource::Group(group(cx, el)?),
        "clone" | "master" => Resource::Clone(clone(cx, el)?),
        "bundle" => Resource::Bundle(bundle(cx, el)?),
        _ => return Ok(None),
    }))
}

fn primitive(cx: &Ctx, el: &Element) -> Result<Primitive> {
    let mut a = Attrs::new(cx, el);
    let mut p = Primitive {
        id: a.req("id")?,
        class: a.typed("class")?,
        provider: a.opt("provider"),
        type_: a.opt("type"),
        template: a.opt("template"),
        description: a.opt("description"),
        ..Default::default()
    };
    if p.template.is_none() {
        if p.class.is_none() {
            return Err(CibError::MissingAttr {
                at: loc(el),
                attr: "class",
            });
        }
        if p.type_.is_none() {
            return Err(CibError::MissingAttr {
                at: loc(el),
                attr: "type",
            });
        }
    }
    if let Some(class) = &p.class {
        if class.get() == Some(crate::value::RscClass::Ocf)
            && p.provider.is_none()
            && p.template.is_none()
        {
            return Err(CibError::Invalid {
                at: loc(el),
                problem: "class=\"ocf\" needs a provider (e.g. provider=\"heartbeat\")".to_string(),
            });
        }
    }
    let mut rest = Vec::new();
    for ch in &el.children {
        match ch.name.as_str() {
            "instance_attributes" => p.instance_attributes.push(nvset(cx, ch)?),
            "meta_attributes" => p.meta_attributes.push(nvset(cx, ch)?),
            "utilization" => p.utilization.push(nvset(cx, ch)?),
            "operations" if p.operations.is_none() => p.operations = Some(operations(cx, ch)?),
            _ => rest.push(ch.clone()),
        }
    }
    p.extra = a.extra(rest);
    Ok(p)
}

fn operations(cx: &Ctx, el: &Element) -> Result<Operations> {
    let mut a = Attrs::new(cx, el);
    let (ops, rest) = entries(cx, el, "op", op)?;
    Ok(Operations {
        id: a.opt("id"),
        id_ref: a.opt("id-ref"),
        ops,
        extra: a.extra(rest),
    })
}

fn op(cx: &Ctx, el: &Element) -> Result<Op> {
    let mut a = Attrs::new(cx, el);
    let id = a.req("id")?;
    let name = a.req("name")?;
    let interval = match a.typed("interval")? {
        Some(i) => i,
        None => {
            return Err(CibError::MissingAttr {
                at: loc(el),
                attr: "interval",
            })
        }
    };
    let mut o = Op {
        id,
        name,
        interval,
        timeout: a.typed("timeout")?,
        start_delay: a.typed("start-delay")?,
        interval_origin: a.opt("interval-origin"),
        role: a.typed("role")?,
        on_fail: a.typed("on-fail")?,
        enabled: a.typed("enabled")?,
        record_pending: a.typed("record-pending")?,
        description: a.opt("description"),
        ..Default::default()
    };
    let mut rest = Vec::new();
    for ch in &el.children {
        match ch.name.as_str() {
            "meta_attributes" => o.meta_attributes.push(nvset(cx, ch)?),
            "instance_attributes" => o.instance_attributes.push(nvset(cx, ch)?),
            _ => rest.push(ch.clone()),
        }
    }
    o.extra = a.extra(rest);
    Ok(o)
}

fn group(cx: &Ctx, el: &Element) -> Result<Group> {
    let mut a = Attrs::new(cx, el);
    let mut g = Group {
        id: a.req("id")?,
        description: a.opt("description"),
        ..Default::default()
    };
    let mut rest = Vec::new();
    for ch in &el.children {
        match ch.name.as_str() {
            "primitive" => g.children.push(Resource::Primitive(primitive(cx, ch)?)),
            "group" | "clone" | "master" | "bundle" => {
                return Err(CibError::Invalid {
                    at: loc(ch),
                    problem: format!(
                        "a group may contain only primitives, not a {}; put the {} next to group \"{}\" and use colocation/order constraints",
                        ch.name, ch.name, g.id
                    ),
                })
            }
            "meta_attributes" => g.meta_attributes.push(nvset(cx, ch)?),
            "instance_attributes" => g.instance_attributes.push(nvset(cx, ch)?),
            "utilization" => g.utilization.push(nvset(cx, ch)?),
            _ => rest.push(ch.clone()),
        }
    }
    g.extra = a.extra(rest);
    Ok(g)
}

fn clone(cx: &Ctx, el: &Element) -> Result<Clone> {
    let mut a = Attrs::new(cx, el);
    let id = a.req("id")?;
    let description = a.opt("description");
    let mut child = None;
    let mut meta = Vec::new();
    let mut inst = Vec::new();
    let mut rest = Vec::new();
    for ch in &el.children {
        match ch.name.as_str() {
            "primitive" | "group" if child.is_none() => child = resource(cx, ch)?,
            "primitive" | "group" | "clone" | "master" | "bundle" => {
                return Err(CibError::Invalid {
                    at: loc(ch),
                    problem: format!(
                        "clone \"{id}\" may hold exactly one primitive or group; <{}> is not allowed here",
                        ch.name
                    ),
                })
            }
            "meta_attributes" => meta.push(nvset(cx, ch)?),
            "instance_attributes" => inst.push(nvset(cx, ch)?),
            _ => rest.push(ch.clone()),
        }
    }
    let Some(child) = child else {
        return Err(CibError::Invalid {
            at: loc(el),
            problem: format!("clone \"{id}\" has no primitive or group to clone"),
        });
    };
    Ok(Clone {
        id,
        tag: if el.name == "master" {
            CloneTag::Master
        } else {
            CloneTag::Clone
        },
        description,
        child: Box::new(child),
        meta_attributes: meta,
        instance_attributes: inst,
        extra: a.extra(rest),
    })
}

fn bundle(cx: &Ctx, el: &Element) -> Result<Bundle> {
    let mut a = Attrs::new(cx, el);
    let mut b = Bundle {
        id: a.req("id")?,
        description: a.opt("description"),
        ..Default::default()
    };
    let mut rest = Vec::new();
    for ch in &el.children {
        match ch.name.as_str() {
            "docker" | "podman" | "rkt" if b.container.is_none() => {
                let mut ca = Attrs::new(cx, ch);
                b.container = Some(BundleContainer {
                    kind: ch.name.clone(),
                    image: ca.opt("image"),
                    replicas: ca.typed("replicas")?,
                    replicas_per_host: ca.typed("replicas-per-host")?,
                    promoted_max: ca.typed("promoted-max")?,
                    masters: ca.typed("masters")?,
                    run_command: ca.opt("run-command"),
                    network: ca.opt("network"),
                    options: ca.opt("options"),
                    extra: ca.extra(ch.children.clone()),
                });
            }
            "network" if b.network.is_none() => {
                let mut na = Attrs::new(cx, ch);
                let mut n = BundleNetwork {
                    ip_range_start: na.opt("ip-range-start"),
                    control_port: na.opt("control-port"),
                    host_interface: na.opt("host-interface"),
                    host_netmask: na.opt("host-netmask"),
                    add_host: na.typed("add-host")?,
                    ..Default::default()
                };
                let mut nrest = Vec::new();
                for pm in &ch.children {
                    if pm.name == "port-mapping" {
                        let mut pa = Attrs::new(cx, pm);
                        n.port_mappings.push(PortMapping {
                            id: pa.req("id")?,
                            port: pa.opt("port"),
                            internal_port: pa.opt("internal-port"),
                            range: pa.opt("range"),
                            extra: pa.extra(pm.children.clone()),
                        });
                    } else {
                        nrest.push(pm.clone());
                    }
                }
                n.extra = na.extra(nrest);
                b.network = Some(n);
            }
            "storage" if b.storage.is_none() => {
                let mut maps = Vec::new();
                for sm in &ch.children {
                    if sm.name != "storage-mapping" {
                        return Err(CibError::Invalid {
                            at: loc(sm),
                            problem: "bundle <storage> may contain only <storage-mapping>"
                                .to_string(),
                        });
                    }
                    let mut sa = Attrs::new(cx, sm);
                    maps.push(StorageMapping {
                        id: sa.req("id")?,
                        source_dir: sa.opt("source-dir"),
                        source_dir_root: sa.opt("source-dir-root"),
                        target_dir: sa.opt("target-dir"),
                        options: sa.opt("options"),
                        extra: sa.extra(sm.children.clone()),
                    });
                }
                b.storage = Some(maps);
            }
            "primitive" if b.primitive.is_none() => {
                b.primitive = Some(Box::new(Resource::Primitive(primitive(cx, ch)?)))
            }
            "meta_attributes" => b.meta_attributes.push(nvset(cx, ch)?),
            _ => rest.push(ch.clone()),
        }
    }
    b.extra = a.extra(rest);
    Ok(b)
}

fn constraint(cx: &Ctx, el: &Element) -> Result<Constraint> {
    let mut a = Attrs::new(cx, el);
    let mut sets = Vec::new();
    let mut rules = Vec::new();
    let mut rest = Vec::new();
    for ch in &el.children {
        match ch.name.as_str() {
            "resource_set" => sets.push(resource_set(cx, ch)?),
            "rule" if el.name == "rsc_location" => rules.push(rule(cx, ch)?),
            _ => rest.push(ch.clone()),
        }
    }
    Ok(match el.name.as_str() {
        "rsc_location" => Constraint::Location(Location {
            id: a.req("id")?,
            rsc: a.opt("rsc"),
            rsc_pattern: a.opt("rsc-pattern"),
            role: a.typed("role")?,
            node: a.opt("node"),
            score: a.typed("score")?,
            resource_discovery: a.typed("resource-discovery")?,
            rules,
            sets,
            extra: a.extra(rest),
        }),
        "rsc_colocation" => Constraint::Colocation(Colocation {
            id: a.req("id")?,
            rsc: a.opt("rsc"),
            with_rsc: a.opt("with-rsc"),
            score: a.typed("score")?,
            rsc_role: a.typed("rsc-role")?,
            with_rsc_role: a.typed("with-rsc-role")?,
            node_attribute: a.opt("node-attribute"),
            influence: a.typed("influence")?,
            sets,
            extra: a.extra(rest),
        }),
        "rsc_order" => Constraint::Order(Order {
            id: a.req("id")?,
            first: a.opt("first"),
            then: a.opt("then"),
            first_action: a.typed("first-action")?,
            then_action: a.typed("then-action")?,
            kind: a.typed("kind")?,
            score: a.typed("score")?,
            symmetrical: a.typed("symmetrical")?,
            require_all: a.typed("require-all")?,
            sets,
            extra: a.extra(rest),
        }),
        "rsc_ticket" => Constraint::Ticket(Ticket {
            id: a.req("id")?,
            ticket: a.req("ticket")?,
            rsc: a.opt("rsc"),
            rsc_role: a.typed("rsc-role")?,
            loss_policy: a.typed("loss-policy")?,
            sets,
            extra: a.extra(rest),
        }),
        _ => Constraint::Other(el.clone()),
    })
}

fn resource_set(cx: &Ctx, el: &Element) -> Result<ResourceSet> {
    let mut a = Attrs::new(cx, el);
    let mut s = ResourceSet {
        id: a.opt("id"),
        id_ref: a.opt("id-ref"),
        sequential: a.typed("sequential")?,
        require_all: a.typed("require-all")?,
        ordering: a.opt("ordering"),
        action: a.typed("action")?,
        role: a.typed("role")?,
        score: a.typed("score")?,
        kind: a.typed("kind")?,
        ..Default::default()
    };
    require_id_or_ref(el, &s.id, &s.id_ref)?;
    let mut rest = Vec::new();
    for ch in &el.children {
        if ch.name == "resource_ref" {
            let mut ra = Attrs::new(cx, ch);
            s.resources.push(ra.req("id")?);
        } else {
            rest.push(ch.clone());
        }
    }
    s.extra = a.extra(rest);
    Ok(s)
}

fn fencing_level(cx: &Ctx, el: &Element) -> Result<FencingLevel> {
    let mut a = Attrs::new(cx, el);
    let id = a.req("id")?;
    let index = a.int("index")?.ok_or_else(|| CibError::MissingAttr {
        at: loc(el),
        attr: "index",
    })?;
    if !(1..=9).contains(&index) {
        return Err(CibError::InvalidValue {
            at: loc(el),
            attr: "index".to_string(),
            value: index.to_string(),
            expected: "a level from 1 to 9".to_string(),
        });
    }
    let l = FencingLevel {
        id,
        target: a.opt("target"),
        target_pattern: a.opt("target-pattern"),
        target_attribute: a.opt("target-attribute"),
        target_value: a.opt("target-value"),
        index,
        devices: a.req("devices")?,
        extra: a.extra(el.children.clone()),
    };
    if l.target.is_none() && l.target_pattern.is_none() && l.target_attribute.is_none() {
        return Err(CibError::Invalid {
            at: loc(el),
            problem: "names no target: set target, target-pattern or target-attribute".to_string(),
        });
    }
    Ok(l)
}

fn tag(cx: &Ctx, el: &Element) -> Result<Tag> {
    let mut a = Attrs::new(cx, el);
    let mut t = Tag {
        id: a.req("id")?,
        ..Default::default()
    };
    let mut rest = Vec::new();
    for ch in &el.children {
        if ch.name == "obj_ref" {
            let mut ra = Attrs::new(cx, ch);
            t.refs.push(ra.req("id")?);
        } else {
            rest.push(ch.clone());
        }
    }
    t.extra = a.extra(rest);
    Ok(t)
}

fn alert(cx: &Ctx, el: &Element) -> Result<Alert> {
    let mut a = Attrs::new(cx, el);
    let mut al = Alert {
        id: a.req("id")?,
        path: a.req("path")?,
        description: a.opt("description"),
        ..Default::default()
    };
    let mut rest = Vec::new();
    for ch in &el.children {
        match ch.name.as_str() {
            "meta_attributes" => al.meta_attributes.push(nvset(cx, ch)?),
            "instance_attributes" => al.instance_attributes.push(nvset(cx, ch)?),
            "select" if al.select.is_none() => al.select = Some(ch.clone()),
            "recipient" => {
                let mut ra = Attrs::new(cx, ch);
                let mut r = Recipient {
                    id: ra.req("id")?,
                    value: ra.req("value")?,
                    description: ra.opt("description"),
                    ..Default::default()
                };
                let mut rrest = Vec::new();
                for rc in &ch.children {
                    match rc.name.as_str() {
                        "meta_attributes" => r.meta_attributes.push(nvset(cx, rc)?),
                        "instance_attributes" => r.instance_attributes.push(nvset(cx, rc)?),
                        _ => rrest.push(rc.clone()),
                    }
                }
                r.extra = ra.extra(rrest);
                al.recipients.push(r);
            }
            _ => rest.push(ch.clone()),
        }
    }
    al.extra = a.extra(rest);
    Ok(al)
}

fn acls(cx: &Ctx, el: &Element) -> Result<Acls> {
    let a = Attrs::new(cx, el);
    let mut acls = Acls::default();
    for ch in &el.children {
        let mut ca = Attrs::new(cx, ch);
        let entry = match ch.name.as_str() {
            "acl_target" | "acl_user" | "acl_group" => {
                let mut s = AclSubject {
                    tag: ch.name.clone(),
                    id: ca.req("id")?,
                    name: ca.opt("name"),
                    ..Default::default()
                };
                let mut rest = Vec::new();
                for r in &ch.children {
                    if r.name == "role" {
                        let mut ra = Attrs::new(cx, r);
                        s.roles.push(ra.req("id")?);
                    } else {
                        rest.push(r.clone());
                    }
                }
                s.extra = ca.extra(rest);
                if ch.name == "acl_group" {
                    AclEntry::Group(s)
                } else {
                    AclEntry::Target(s)
                }
            }
            "acl_role" => {
                let mut role = AclRole {
                    id: ca.req("id")?,
                    description: ca.opt("description"),
                    ..Default::default()
                };
                let mut rest = Vec::new();
                for p in &ch.children {
                    if p.name == "acl_permission" {
                        let mut pa = Attrs::new(cx, p);
                        let perm = AclPermission {
                            id: pa.req("id")?,
                            kind: pa.req("kind")?,
                            xpath: pa.opt("xpath"),
                            reference: pa.opt("reference"),
                            object_type: pa.opt("object-type"),
                            attribute: pa.opt("attribute"),
                            description: pa.opt("description"),
                            extra: pa.extra(p.children.clone()),
                        };
                        if !["read", "write", "deny"].contains(&perm.kind.as_str()) {
                            return Err(CibError::InvalidValue {
                                at: loc(p),
                                attr: "kind".to_string(),
                                value: perm.kind,
                                expected: "read, write or deny".to_string(),
                            });
                        }
                        role.permissions.push(perm);
                    } else {
                        rest.push(p.clone());
                    }
                }
                role.extra = ca.extra(rest);
                AclEntry::Role(role)
            }
            _ => AclEntry::Other(ch.clone()),
        };
        acls.entries.push(entry);
    }
    acls.extra = a.extra(Vec::new());
    Ok(acls)
}

fn status(cx: &Ctx, el: &Element) -> Result<Status> {
    let a = Attrs::new(cx, el);
    let mut s = Status::default();
    let mut rest = Vec::new();
    for ch in &el.children {
        match ch.name.as_str() {
            "node_state" => s.node_states.extend(cx.entry(node_state(cx, ch))?),
            "tickets" if s.tickets.is_none() => {
                let (states, trest) = entries(cx, ch, "ticket_state", ticket_state)?;
                s.tickets = Some(Tickets {
                    states,
                    extra: Attrs::new(cx, ch).extra(trest),
                });
            }
            _ => rest.push(ch.clone()),
        }
    }
    s.extra = a.extra(rest);
    Ok(s)
}

fn ticket_state(cx: &Ctx, el: &Element) -> Result<TicketState> {
    let mut a = Attrs::new(cx, el);
    Ok(TicketState {
        id: a.req("id")?,
        granted: a.typed("granted")?,
        standby: a.typed("standby")?,
        last_granted: a.opt("last-granted"),
        extra: a.extra(el.children.clone()),
    })
}

fn transient_attributes(cx: &Ctx, el: &Element) -> Result<TransientAttributes> {
    let mut a = Attrs::new(cx, el);
    let (instance_attributes, rest) = entries(cx, el, "instance_attributes", nvset)?;
    Ok(TransientAttributes {
        id: a.opt("id"),
        instance_attributes,
        extra: a.extra(rest),
    })
}

fn node_state(cx: &Ctx, el: &Element) -> Result<NodeState> {
    let mut a = Attrs::new(cx, el);
    let mut n = NodeState {
        id: a.req("id")?,
        uname: a.opt("uname"),
        in_ccm: a.opt("in_ccm"),
        crmd: a.opt("crmd"),
        join: a.opt("join"),
        expected: a.opt("expected"),
        ha: a.opt("ha"),
        shutdown: a.opt("shutdown"),
        clear_shutdown: a.opt("clear_shutdown"),
        remote_node: a.typed("remote_node")?,
        node_fenced: a.opt("node_fenced"),
        node_in_maintenance: a.typed("node_in_maintenance")?,
        crm_debug_origin: a.opt("crm-debug-origin"),
        ..Default::default()
    };
    let mut rest = Vec::new();
    for ch in &el.children {
        match ch.name.as_str() {
            "transient_attributes" if n.transient_attributes.is_none() => {
                n.transient_attributes = cx.entry(transient_attributes(cx, ch))?;
            }
            "lrm" if n.lrm.is_none() => n.lrm = Some(lrm(cx, ch)?),
            _ => rest.push(ch.clone()),
        }
    }
    n.extra = a.extra(rest);
    Ok(n)
}

fn lrm(cx: &Ctx, el: &Element) -> Result<Lrm> {
    let mut a = Attrs::new(cx, el);
    let mut l = Lrm {
        id: a.opt("id"),
        ..Default::default()
    };
    let mut rest = Vec::new();
    for ch in &el.children {
        if ch.name == "lrm_resources" && l.lrm_resources.is_none() {
            let mut ra = Attrs::new(cx, ch);
            let (resources, rrest) = entries(cx, ch, "lrm_resource", lrm_resource)?;
            l.lrm_resources = Some(LrmResources {
                id: ra.opt("id"),
                resources,
                extra: ra.extra(rrest),
            });
        } else {
            rest.push(ch.clone());
        }
    }
    l.extra = a.extra(rest);
    Ok(l)
}

fn lrm_resource(cx: &Ctx, el: &Element) -> Result<LrmResource> {
    let mut a = Attrs::new(cx, el);
    let mut r = LrmResource {
        id: a.req("id")?,
        class: a.opt("class"),
        provider: a.opt("provider"),
        type_: a.opt("type"),
        container: a.opt("container"),
        shutdown_lock: a.int("shutdown-lock")?,
        ..Default::default()
    };
    let rest;
    (r.ops, rest) = entries(cx, el, "lrm_rsc_op", lrm_rsc_op)?;
    r.extra = a.extra(rest);
    Ok(r)
}

fn lrm_rsc_op(cx: &Ctx, el: &Element) -> Result<LrmRscOp> {
    let mut a = Attrs::new(cx, el);
    Ok(LrmRscOp {
        id: a.req("id")?,
        operation_key: a.opt("operation_key"),
        operation: a.req("operation")?,
        crm_debug_origin: a.opt("crm-debug-origin"),
        crm_feature_set: a.opt("crm_feature_set"),
        transition_key: a.opt("transition-key"),
        transition_magic: a.opt("transition-magic"),
        exit_reason: a.opt("exit-reason"),
        on_node: a.opt("on_node"),
        call_id: a.int("call-id")?,
        rc_code: a.int("rc-code")?,
        op_status: a.int("op-status")?,
        interval: a.int("interval")?,
        last_rc_change: a.int("last-rc-change")?,
        last_run: a.int("last-run")?,
        exec_time: a.int("exec-time")?,
        queue_time: a.int("queue-time")?,
        op_digest: a.opt("op-digest"),
        op_force_restart: a.opt("op-force-restart"),
        op_restart_digest: a.opt("op-restart-digest"),
        op_secure_params: a.opt("op-secure-params"),
        op_secure_digest: a.opt("op-secure-digest"),
        migrate_source: a.opt("migrate_source"),
        migrate_target: a.opt("migrate_target"),
        extra: a.extra(el.children.clone()),
    })
}
