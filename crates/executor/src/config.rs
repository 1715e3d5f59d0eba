//! The parameters the configuration gives an operation, evaluated the way
//! Pacemaker 2.1.5's scheduler does for digest comparison
//! (`pe__calculate_digests`): the resource's instance attributes (its own sets,
//! then its parents', template sets first), the operation's instance
//! attributes, and for recurring operations the timeout.
//!
//! Sets with rules are evaluated by a caller-supplied [`RuleEval`]; the
//! built-in [`simple_rules`] understands operation and resource expressions
//! only. (When `cib::nvpair` offers full rule evaluation, pass it here.)

use std::collections::HashMap;

use cib::{Cib, NvSet, Op, Operations, Primitive, Resource, Rule, RuleExpr};

use crate::digest::{filter_for_digest, Params};
use crate::time::{parse_interval_ms, timeout_ms_or_default};

/// What a rule is evaluated against.
#[derive(Clone, Copy, Debug)]
pub enum RuleScope<'a> {
    /// Instance attributes: evaluated for a node (by its name).
    Node { node: &'a str },
    /// `op_defaults`: evaluated for an operation of an agent.
    Op {
        name: &'a str,
        interval_ms: u64,
        class: Option<&'a str>,
        provider: Option<&'a str>,
        type_: Option<&'a str>,
    },
}

/// Decides whether a set's rules pass: `Some(pass)`, or `None` when the
/// rules cannot be evaluated by this evaluator.
pub type RuleEval<'r> = dyn FnMut(&[Rule], RuleScope) -> Option<bool> + 'r;

/// Operation and resource expressions (what `op_defaults` rules use); any
/// other expression cannot be evaluated here.
pub fn simple_rules(rules: &[Rule], scope: RuleScope) -> Option<bool> {
    // Several rules in one set: any passing rule is enough (Pacemaker ORs them).
    let mut any = false;
    for r in rules {
        if eval_rule(r, scope)? {
            any = true;
        }
    }
    Some(any)
}

fn eval_rule(rule: &Rule, scope: RuleScope) -> Option<bool> {
    let or = rule
        .boolean_op
        .as_ref()
        .and_then(|b| b.get())
        .is_some_and(|b| b == cib::value::BoolOp::Or);
    let mut results = Vec::new();
    for e in &rule.exprs {
        results.push(match (e, scope) {
            (
                RuleExpr::Op(op),
                RuleScope::Op {
                    name, interval_ms, ..
                },
            ) => {
                op.name.eq_ignore_ascii_case(name)
                    && op
                        .interval
                        .as_ref()
                        .as_ref()
                        .map_or(true, |i| parse_interval_ms(i.raw()) == interval_ms)
            }
            (
                RuleExpr::Rsc(rsc),
                RuleScope::Op {
                    class,
                    provider,
                    type_,
                    ..
                },
            ) => {
                let m = |want: &Option<String>, have: Option<&str>| {
                    want.as_deref().map_or(true, |w| Some(w) == have)
                };
                m(&rsc.class, class) && m(&rsc.provider, provider) && m(&rsc.type_, type_)
            }
            (RuleExpr::Rule(inner), _) => eval_rule(inner, scope)?,
            _ => return None,
        });
    }
    if results.is_empty() {
        return Some(true);
    }
    Some(if or {
        results.iter().any(|r| *r)
    } else {
        results.iter().all(|r| *r)
    })
}

/// Parameters of one operation as the configuration defines them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConfigParams {
    /// The resource's parameters on the node.
    pub rsc_params: Params,
    /// Everything the op-digest covers (already filtered).
    pub digest_params: Params,
    /// The resource's class (`stonith` for fence devices).
    pub class: Option<String>,
}

/// Why the configuration cannot give an operation's parameters.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("resource '{0}' is not in the configuration (bundle replicas and removed resources have no configured parameters)")]
    UnknownResource(String),
    #[error("'{0}' is a {1}, not a primitive: only primitives run operations")]
    NotPrimitive(String, &'static str),
    #[error("resource '{rsc}': a parameter set ({set}) has rules this evaluator cannot decide")]
    RulesNotEvaluated { rsc: String, set: String },
    #[error("resource '{rsc}' uses template '{template}', which does not exist")]
    MissingTemplate { rsc: String, template: String },
}

/// The parameters of `task` at `interval_ms` for resource `rsc_id` (a clone
/// instance `rsc:N` is looked up as `rsc`) on `node`.
pub fn config_params(
    cib: &Cib,
    rsc_id: &str,
    task: &str,
    interval_ms: u64,
    node: &str,
    rules: &mut RuleEval,
) -> Result<ConfigParams, ConfigError> {
    let cfg = &cib.configuration;
    let index = SetIndex::new(cib);
    let (parents, prim) = find_primitive(&cfg.resources, rsc_id)
        .or_else(|| {
            let base = strip_instance(rsc_id)?;
            find_primitive(&cfg.resources, base)
        })
        .ok_or_else(|| ConfigError::UnknownResource(rsc_id.to_string()))??;

    let template = match &prim.template {
        Some(t) => Some(
            cfg.resources
                .iter()
                .find_map(|r| match r {
                    Resource::Template(p) if p.id == *t => Some(p),
                    _ => None,
                })
                .ok_or_else(|| ConfigError::MissingTemplate {
                    rsc: prim.id.clone(),
                    template: t.clone(),
                })?,
        ),
        None => None,
    };

    // Resource parameters: own sets (template's first, in document order),
    // then each parent's, innermost first.
    let node_scope = RuleScope::Node { node };
    let mut rsc_params = Params::new();
    let own: Vec<&NvSet> = template
        .iter()
        .flat_map(|t| t.instance_attributes.iter())
        .chain(prim.instance_attributes.iter())
        .collect();
    unpack_sets(
        &own,
        &index,
        false,
        node_scope,
        rules,
        &mut rsc_params,
        &prim.id,
    )?;
    for parent in parents.iter().rev() {
        let sets: Vec<&NvSet> = match parent {
            Resource::Group(g) => g.instance_attributes.iter().collect(),
            Resource::Clone(c) => c.instance_attributes.iter().collect(),
            _ => Vec::new(),
        };
        unpack_sets(
            &sets,
            &index,
            false,
            node_scope,
            rules,
            &mut rsc_params,
            &prim.id,
        )?;
    }

    // The configured operation, if any (disabled ones count too).
    let ops = merged_ops(cfg, prim, template);
    let op = find_op(&ops, task, interval_ms).or_else(|| {
        (task == "migrate_to" || task == "migrate_from")
            .then(|| find_op(&ops, "migrate", 0))
            .flatten()
    });

    let mut extra = Params::new();
    if let Some(op) = op {
        let sets: Vec<&NvSet> = op.instance_attributes.iter().collect();
        unpack_sets(
            &sets, &index, false, node_scope, rules, &mut extra, &prim.id,
        )?;
    }

    let class = template
        .and_then(|t| t.class.as_ref())
        .or(prim.class.as_ref())
        .map(|c| c.raw().to_string());
    let mut all = rsc_params.clone();
    for (k, v) in &extra {
        all.entry(k.clone()).or_insert_with(|| v.clone());
    }
    if interval_ms > 0 {
        let provider = prim
            .provider
            .as_deref()
            .or(template.and_then(|t| t.provider.as_deref()));
        let type_ = prim
            .type_
            .as_deref()
            .or(template.and_then(|t| t.type_.as_deref()));
        let op_scope = RuleScope::Op {
            name: task,
            interval_ms,
            class: class.as_deref(),
            provider,
            type_,
        };
        let mut meta = Params::new();
        if let Some(d) = &cfg.op_defaults {
            let sets: Vec<&NvSet> = d.meta_attributes.iter().collect();
            unpack_sets(&sets, &index, false, op_scope, rules, &mut meta, &prim.id)?;
        }
        if let Some(op) = op {
            let sets: Vec<&NvSet> = op.meta_attributes.iter().collect();
            unpack_sets(&sets, &index, true, op_scope, rules, &mut meta, &prim.id)?;
            if let Some(t) = &op.timeout {
                meta.insert("timeout".to_string(), t.raw().to_string());
            }
        }
        let timeout = timeout_ms_or_default(meta.get("timeout").map(String::as_str));
        all.entry("CRM_meta_timeout".to_string())
            .or_insert_with(|| timeout.to_string());
        all.entry("CRM_meta_interval".to_string())
            .or_insert_with(|| interval_ms.to_string());
    }
    Ok(ConfigParams {
        rsc_params,
        digest_params: filter_for_digest(&all),
        class,
    })
}

/// `rsc:3` → `rsc`.
fn strip_instance(id: &str) -> Option<&str> {
    let (base, n) = id.rsplit_once(':')?;
    (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())).then_some(base)
}

type Found<'a> = Result<(Vec<&'a Resource>, &'a Primitive), ConfigError>;

/// The primitive `id` with its ancestors (outermost first).
fn find_primitive<'a>(resources: &'a [Resource], id: &str) -> Option<Found<'a>> {
    fn walk<'a>(r: &'a Resource, id: &str, path: &mut Vec<&'a Resource>) -> Option<Found<'a>> {
        if r.id() == id {
            return Some(match r {
                Resource::Primitive(p) => Ok((path.clone(), p)),
                other => Err(ConfigError::NotPrimitive(id.to_string(), other.tag())),
            });
        }
        path.push(r);
        for c in r.children() {
            if let Some(found) = walk(c, id, path) {
                return Some(found);
            }
        }
        path.pop();
        None
    }
    let mut path = Vec::new();
    resources.iter().find_map(|r| walk(r, id, &mut path))
}

/// The operations in effect: the primitive's, plus the template's that the
/// primitive does not redefine (same name and role), as `unpack_template` merges them.
fn merged_ops<'a>(
    cfg: &'a cib::Configuration,
    prim: &'a Primitive,
    template: Option<&'a Primitive>,
) -> Vec<&'a Op> {
    let own = resolve_ops(cfg, prim.operations.as_ref());
    let tmpl = template.map(|t| resolve_ops(cfg, t.operations.as_ref()));
    match (prim.operations.is_some(), tmpl) {
        (_, None) => own,
        (false, Some(t)) => t,
        (true, Some(t)) => {
            let key = |o: &Op| {
                let role = o.role.as_ref().map(|r| r.raw().to_string());
                let role = match role.as_deref() {
                    None | Some("Started") | Some("Unpromoted") | Some("Slave") => {
                        "Unknown".to_string()
                    }
                    Some(r) => r.to_string(),
                };
                format!("{}-{}", o.name, role)
            };
            let mut out = own.clone();
            for o in t {
                if !own.iter().any(|m| key(m) == key(o)) {
                    out.push(o);
                }
            }
            out
        }
    }
}

fn resolve_ops<'a>(cfg: &'a cib::Configuration, ops: Option<&'a Operations>) -> Vec<&'a Op> {
    let Some(ops) = ops else {
        return Vec::new();
    };
    if let Some(r) = &ops.id_ref {
        let target = cfg
            .resources
            .iter()
            .flat_map(|r| r.walk())
            .find_map(|res| match res {
                Resource::Primitive(p) | Resource::Template(p) => p
                    .operations
                    .as_ref()
                    .filter(|o| o.id.as_deref() == Some(r.as_str())),
                _ => None,
            });
        return target.map(|t| t.ops.iter().collect()).unwrap_or_default();
    }
    ops.ops.iter().collect()
}

fn find_op<'a>(ops: &[&'a Op], task: &str, interval_ms: u64) -> Option<&'a Op> {
    ops.iter().copied().find(|o| {
        o.name.eq_ignore_ascii_case(task) && parse_interval_ms(o.interval.raw()) == interval_ms
    })
}

/// All name/value sets with an id, for `id-ref` expansion.
struct SetIndex<'a> {
    sets: HashMap<&'a str, &'a NvSet>,
}

impl<'a> SetIndex<'a> {
    fn new(cib: &'a Cib) -> SetIndex<'a> {
        let mut sets = HashMap::new();
        let mut add = |list: &'a [NvSet]| {
            for s in list {
                if let Some(id) = &s.id {
                    sets.entry(id.as_str()).or_insert(s);
                }
            }
        };
        let cfg = &cib.configuration;
        add(&cfg.crm_config);
        for n in &cfg.nodes {
            add(&n.instance_attributes);
            add(&n.utilization);
        }
        for r in cfg.resources.iter().flat_map(|r| r.walk()) {
            add(r.meta_attributes());
            match r {
                Resource::Primitive(p) | Resource::Template(p) => {
                    add(&p.instance_attributes);
                    add(&p.utilization);
                    for o in p.operations.iter().flat_map(|o| o.ops.iter()) {
                        add(&o.instance_attributes);
                        add(&o.meta_attributes);
                    }
                }
                Resource::Group(g) => add(&g.instance_attributes),
                Resource::Clone(c) => add(&c.instance_attributes),
                Resource::Bundle(_) => {}
            }
        }
        if let Some(d) = &cfg.rsc_defaults {
            add(&d.meta_attributes);
        }
        if let Some(d) = &cfg.op_defaults {
            add(&d.meta_attributes);
        }
        SetIndex { sets }
    }

    fn expand(&self, set: &'a NvSet) -> Option<&'a NvSet> {
        match &set.id_ref {
            Some(r) => self.sets.get(r.as_str()).copied(),
            None => Some(set),
        }
    }
}

/// `pe__unpack_dataset_nvpairs`: sets in descending score order (equal
/// scores in reverse document order, as Pacemaker's prepend-then-stable-sort
/// leaves them); without `overwrite` the first value for a name wins;
/// `#default` removes a value set before.
fn unpack_sets<'a>(
    sets: &[&'a NvSet],
    index: &SetIndex<'a>,
    overwrite: bool,
    scope: RuleScope,
    rules: &mut RuleEval,
    into: &mut Params,
    rsc: &str,
) -> Result<(), ConfigError> {
    let mut expanded: Vec<&NvSet> = sets.iter().rev().filter_map(|s| index.expand(s)).collect();
    let score = |s: &NvSet| {
        s.score
            .as_ref()
            .and_then(|sc| sc.get())
            .map_or(0, cib::Score::value)
    };
    expanded.sort_by_key(|s| std::cmp::Reverse(score(s)));
    for set in expanded {
        if !set.rules.is_empty() {
            match rules(&set.rules, scope) {
                Some(true) => {}
                Some(false) => continue,
                None => {
                    return Err(ConfigError::RulesNotEvaluated {
                        rsc: rsc.to_string(),
                        set: set.id.clone().unwrap_or_default(),
                    })
                }
            }
        }
        for pair in &set.nvpairs {
            let Some(value) = pair.value.as_deref() else {
                continue;
            };
            if value.eq_ignore_ascii_case("#default") {
                into.remove(&pair.name);
            } else if overwrite || !into.contains_key(&pair.name) {
                into.insert(pair.name.clone(), value.to_string());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cib(xml: &str) -> Cib {
        Cib::from_xml_lenient(xml).unwrap().0
    }

    const CIB: &str = r#"<cib epoch="1" num_updates="0" admin_epoch="0"><configuration>
      <crm_config/><nodes/>
      <resources>
        <template id="t" class="ocf" provider="heartbeat" type="Dummy">
          <instance_attributes id="t-ia"><nvpair id="t1" name="a" value="from-template"/>
            <nvpair id="t2" name="b" value="tb"/></instance_attributes>
          <operations><op id="t-mon" name="monitor" interval="30s" timeout="40s"/></operations>
        </template>
        <group id="g">
          <instance_attributes id="g-ia"><nvpair id="g1" name="c" value="from-group"/>
            <nvpair id="g2" name="a" value="group-loses"/></instance_attributes>
          <primitive id="r" template="t">
            <instance_attributes id="r-ia"><nvpair id="r1" name="a" value="own"/></instance_attributes>
            <instance_attributes id="r-ia2"><nvpair id="r2" name="a" value="later-set-wins"/>
              <nvpair id="r3" name="d" value="x"/></instance_attributes>
            <operations><op id="r-mon" name="monitor" interval="10" timeout="25s">
              <instance_attributes id="r-mon-ia"><nvpair id="o1" name="depth" value="10"/>
                <nvpair id="o2" name="a" value="op-loses"/></instance_attributes></op></operations>
          </primitive>
        </group>
      </resources>
      <constraints/>
      <op_defaults><meta_attributes id="od"><nvpair id="od1" name="timeout" value="99s"/></meta_attributes></op_defaults>
    </configuration><status/></cib>"#;

    #[test]
    fn parameters_merge_like_the_scheduler() {
        let c = cib(CIB);
        let p = config_params(&c, "r", "monitor", 10_000, "n1", &mut simple_rules).unwrap();
        let get = |k: &str| p.digest_params.get(k).map(String::as_str);
        assert_eq!(get("a"), Some("later-set-wins"));
        assert_eq!(get("b"), Some("tb"));
        assert_eq!(get("c"), Some("from-group"));
        assert_eq!(get("depth"), Some("10"));
        assert_eq!(get("CRM_meta_timeout"), Some("25000"));
        assert_eq!(get("CRM_meta_interval"), None);
        // The template's monitor has the same name and role as the
        // primitive's, so it is dropped: op_defaults' timeout applies.
        let p = config_params(&c, "r", "monitor", 30_000, "n1", &mut simple_rules).unwrap();
        assert_eq!(
            p.digest_params.get("CRM_meta_timeout").map(String::as_str),
            Some("99000")
        );
        // No configured op: op_defaults' timeout.
        let p = config_params(&c, "r:2", "monitor", 5_000, "n1", &mut simple_rules).unwrap();
        assert_eq!(
            p.digest_params.get("CRM_meta_timeout").map(String::as_str),
            Some("99000")
        );
        // One-shot operations have no timeout in the digest.
        let p = config_params(&c, "r", "start", 0, "n1", &mut simple_rules).unwrap();
        assert!(!p.digest_params.contains_key("CRM_meta_timeout"));
    }

    #[test]
    fn unknown_and_non_primitive_resources_are_errors() {
        let c = cib(CIB);
        assert!(matches!(
            config_params(&c, "nope", "start", 0, "n1", &mut simple_rules),
            Err(ConfigError::UnknownResource(_))
        ));
        assert!(matches!(
            config_params(&c, "g", "start", 0, "n1", &mut simple_rules),
            Err(ConfigError::NotPrimitive(_, "group"))
        ));
    }
}
