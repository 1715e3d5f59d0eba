//! The parameters the configuration gives an operation, evaluated the way
//! Pacemaker 2.1.5's scheduler does for digest comparison
//! (`pe__calculate_digests`): the resource's instance attributes (its own sets,
//! then its parents', template sets first), the operation's instance
//! attributes, and for recurring operations the timeout.
//!
//! Name/value sets, their rules and `id-ref`s are the CIB crate's
//! ([`cib::nvpair`], [`cib::rules`], [`cib::idref`]): one implementation of
//! Pacemaker's semantics for every crate.

use cib::idref::{IdRefs, SetKind};
use cib::iso8601::DateTime;
use cib::nvpair::{unpack_nvsets, NvMap, UnpackOptions};
use cib::rules::{Attrs, RuleContext};
use cib::{Cib, NvSet, Op, Operations, Primitive, Resource};

use crate::digest::{filter_for_digest, Params};
use crate::time::{parse_interval_ms, timeout_ms_or_default};

/// What the configuration's rules are evaluated against.
#[derive(Clone, Copy)]
pub struct RuleInputs<'a> {
    /// "now", for date expressions (the scheduler's `execution-date` or clock).
    pub now: DateTime,
    /// The node's attributes (`#uname`, `#id`, `#is_dc`, configured and
    /// transient ones), for the rules of instance attributes. `None`: node
    /// expressions fail, as Pacemaker evaluates without a node.
    pub node_attrs: Option<&'a dyn Attrs>,
}

impl<'a> RuleInputs<'a> {
    /// At `now`, without a node.
    pub fn at(now: DateTime) -> Self {
        RuleInputs {
            now,
            node_attrs: None,
        }
    }

    /// With the node's attributes.
    pub fn node(mut self, attrs: &'a dyn Attrs) -> Self {
        self.node_attrs = Some(attrs);
        self
    }

    /// Instance attributes see the node (and no resource or operation).
    fn for_instance(&self) -> RuleContext<'a> {
        let ctx = RuleContext::new(self.now);
        match self.node_attrs {
            Some(attrs) => ctx.node(attrs),
            None => ctx,
        }
    }
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
    #[error("resource '{rsc}' uses template '{template}', which does not exist")]
    MissingTemplate { rsc: String, template: String },
}

/// The parameters of `task` at `interval_ms` for resource `rsc_id` (a clone
/// instance `rsc:N` is looked up as `rsc`), with rules evaluated for
/// `inputs` (the node the operation ran on and "now").
///
/// This indexes the document's ids on every call; for many operations of
/// one CIB, index once with [`ConfigView`].
pub fn config_params(
    cib: &Cib,
    rsc_id: &str,
    task: &str,
    interval_ms: u64,
    inputs: RuleInputs,
) -> Result<ConfigParams, ConfigError> {
    ConfigView::new(cib).params(rsc_id, task, interval_ms, inputs)
}

/// A CIB with its ids indexed, for the parameters of many operations.
pub struct ConfigView<'a> {
    cib: &'a Cib,
    refs: IdRefs<'a>,
}

impl<'a> ConfigView<'a> {
    pub fn new(cib: &'a Cib) -> Self {
        ConfigView {
            cib,
            refs: IdRefs::new(cib),
        }
    }

    /// [`config_params`] over the indexed CIB.
    pub fn params(
        &self,
        rsc_id: &str,
        task: &str,
        interval_ms: u64,
        inputs: RuleInputs,
    ) -> Result<ConfigParams, ConfigError> {
        params(self.cib, &self.refs, rsc_id, task, interval_ms, inputs)
    }
}

fn params(
    cib: &Cib,
    all_refs: &IdRefs,
    rsc_id: &str,
    task: &str,
    interval_ms: u64,
    inputs: RuleInputs,
) -> Result<ConfigParams, ConfigError> {
    let cfg = &cib.configuration;
    let (parents, prim_rsc, prim) = find_primitive(&cfg.resources, rsc_id)
        .or_else(|| {
            let base = strip_instance(rsc_id)?;
            find_primitive(&cfg.resources, base)
        })
        .ok_or_else(|| ConfigError::UnknownResource(rsc_id.to_string()))??;
    // Under a clone, Pacemaker unpacks each instance from a private copy of
    // the clone's child, so a rule id-ref resolves only within that copy.
    let scoped;
    let refs = match parents.iter().position(|p| matches!(p, Resource::Clone(_))) {
        Some(i) => {
            scoped = all_refs.with_rule_scope(parents.get(i + 1).copied().unwrap_or(prim_rsc));
            &scoped
        }
        None => all_refs,
    };

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
    // then each parent's, innermost first, each filling in what is unset.
    let node_ctx = inputs.for_instance();
    let first_wins = UnpackOptions::default();
    let mut rsc_map = NvMap::new();
    let own: Vec<NvSet> = template
        .iter()
        .flat_map(|t| t.instance_attributes.iter())
        .chain(prim.instance_attributes.iter())
        .cloned()
        .collect();
    unpack_nvsets(
        &own,
        SetKind::InstanceAttributes,
        &node_ctx,
        refs,
        first_wins,
        &mut rsc_map,
    );
    for parent in parents.iter().rev() {
        let sets: &[NvSet] = match parent {
            Resource::Group(g) => &g.instance_attributes,
            Resource::Clone(c) => &c.instance_attributes,
            _ => &[],
        };
        unpack_nvsets(
            sets,
            SetKind::InstanceAttributes,
            &node_ctx,
            refs,
            first_wins,
            &mut rsc_map,
        );
    }
    let rsc_params: Params = rsc_map.into_iter().collect();

    // The configured operation, if any (disabled ones count too).
    let ops = merged_ops(cfg, prim, template);
    let op = find_op(&ops, task, interval_ms).or_else(|| {
        (task == "migrate_to" || task == "migrate_from")
            .then(|| find_op(&ops, "migrate", 0))
            .flatten()
    });

    let mut extra = NvMap::new();
    if let Some(op) = op {
        unpack_nvsets(
            &op.instance_attributes,
            SetKind::InstanceAttributes,
            &node_ctx,
            refs,
            first_wins,
            &mut extra,
        );
    }

    let class = template
        .and_then(|t| t.class.as_ref())
        .or(prim.class.as_ref())
        .map(|c| c.raw().to_string());
    let mut all = rsc_params.clone();
    for (k, v) in extra {
        all.entry(k).or_insert(v);
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
        // Operation meta-attributes see the agent and the operation, no node.
        let op_ctx = RuleContext::new(inputs.now)
            .rsc(class.as_deref(), provider, type_)
            .op(task, u32::try_from(interval_ms).unwrap_or(u32::MAX));
        let mut meta = NvMap::new();
        if let Some(d) = &cfg.op_defaults {
            unpack_nvsets(
                &d.meta_attributes,
                SetKind::MetaAttributes,
                &op_ctx,
                refs,
                first_wins,
                &mut meta,
            );
        }
        if let Some(op) = op {
            let overwrite = UnpackOptions {
                overwrite: true,
                ..UnpackOptions::default()
            };
            unpack_nvsets(
                &op.meta_attributes,
                SetKind::MetaAttributes,
                &op_ctx,
                refs,
                overwrite,
                &mut meta,
            );
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

type Found<'a> = Result<(Vec<&'a Resource>, &'a Resource, &'a Primitive), ConfigError>;

/// The primitive `id` (as a resource and as a primitive) with its ancestors
/// (outermost first).
fn find_primitive<'a>(resources: &'a [Resource], id: &str) -> Option<Found<'a>> {
    fn walk<'a>(r: &'a Resource, id: &str, path: &mut Vec<&'a Resource>) -> Option<Found<'a>> {
        if r.id() == id {
            return Some(match r {
                Resource::Primitive(p) => Ok((path.clone(), r, p)),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs() -> RuleInputs<'static> {
        RuleInputs::at(DateTime::from_epoch(0, 0))
    }

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
        let p = config_params(&c, "r", "monitor", 10_000, inputs()).unwrap();
        let get = |k: &str| p.digest_params.get(k).map(String::as_str);
        assert_eq!(get("a"), Some("later-set-wins"));
        assert_eq!(get("b"), Some("tb"));
        assert_eq!(get("c"), Some("from-group"));
        assert_eq!(get("depth"), Some("10"));
        assert_eq!(get("CRM_meta_timeout"), Some("25000"));
        assert_eq!(get("CRM_meta_interval"), None);
        // The template's monitor has the same name and role as the
        // primitive's, so it is dropped: op_defaults' timeout applies.
        let p = config_params(&c, "r", "monitor", 30_000, inputs()).unwrap();
        assert_eq!(
            p.digest_params.get("CRM_meta_timeout").map(String::as_str),
            Some("99000")
        );
        // No configured op: op_defaults' timeout.
        let p = config_params(&c, "r:2", "monitor", 5_000, inputs()).unwrap();
        assert_eq!(
            p.digest_params.get("CRM_meta_timeout").map(String::as_str),
            Some("99000")
        );
        // One-shot operations have no timeout in the digest.
        let p = config_params(&c, "r", "start", 0, inputs()).unwrap();
        assert!(!p.digest_params.contains_key("CRM_meta_timeout"));
    }

    #[test]
    fn unknown_and_non_primitive_resources_are_errors() {
        let c = cib(CIB);
        assert!(matches!(
            config_params(&c, "nope", "start", 0, inputs()),
            Err(ConfigError::UnknownResource(_))
        ));
        assert!(matches!(
            config_params(&c, "g", "start", 0, inputs()),
            Err(ConfigError::NotPrimitive(_, "group"))
        ));
    }

    #[test]
    fn rules_see_the_node_and_now_through_the_cib_crate() {
        let c = cib(
            r#"<cib epoch="1" num_updates="0" admin_epoch="0"><configuration>
          <crm_config/><nodes/>
          <resources>
            <clone id="c">
              <primitive id="p" class="ocf" provider="heartbeat" type="Dummy">
                <instance_attributes id="p-site" score="10">
                  <rule id="p-site-r" score="0"><expression id="e1" attribute="site" operation="eq" value="left"/></rule>
                  <nvpair id="p1" name="dir" value="/left"/>
                </instance_attributes>
                <instance_attributes id="p-late" score="5">
                  <rule id="p-late-r" score="0"><date_expression id="d1" operation="gt" start="2030-01-01"/></rule>
                  <nvpair id="p2" name="dir" value="/late"/>
                </instance_attributes>
                <instance_attributes id="p-base"><nvpair id="p3" name="dir" value="/base"/></instance_attributes>
                <instance_attributes id="p-ref" id-ref="shared"/>
              </primitive>
            </clone>
            <primitive id="q" class="ocf" provider="heartbeat" type="Dummy">
              <instance_attributes id="shared"><nvpair id="s1" name="shared" value="yes"/></instance_attributes>
            </primitive>
          </resources>
          <constraints/>
        </configuration><status/></cib>"#,
        );
        let dir = |attrs: Option<&[(&str, &str); 2]>, epoch: i64| {
            let mut i = RuleInputs::at(DateTime::from_epoch(epoch, 0));
            if let Some(a) = attrs {
                i = i.node(a);
            }
            let p = config_params(&c, "p:1", "start", 0, i).unwrap();
            (
                p.rsc_params.get("dir").cloned().unwrap_or_default(),
                p.rsc_params.get("shared").cloned(),
            )
        };
        let left = [("#uname", "n1"), ("site", "left")];
        let right = [("#uname", "n2"), ("site", "right")];
        assert_eq!(dir(Some(&left), 0), ("/left".into(), Some("yes".into())));
        assert_eq!(dir(Some(&right), 0).0, "/base");
        // Without a node, node expressions fail (as in Pacemaker).
        assert_eq!(dir(None, 0).0, "/base");
        // 2030-06-01: the date rule passes on the node without the site.
        assert_eq!(dir(Some(&right), 1_906_502_400).0, "/late");
        assert_eq!(dir(Some(&left), 1_906_502_400).0, "/left");
    }
}
