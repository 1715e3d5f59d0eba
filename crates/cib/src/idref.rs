//! Resolving `id-ref`: an index of the rules, name/value sets and nvpairs of a
//! CIB by id.
//!
//! Pacemaker resolves `<rule id-ref="x"/>` by searching the whole document
//! for `//rule[@id='x']`, and likewise for `meta_attributes`,
//! `instance_attributes`, `utilization`, `cluster_property_set` and `nvpair`:
//! the search is by element name, so a `meta_attributes` reference never
//! finds an `instance_attributes` set. A reference that matches nothing, or
//! more than one element, does not resolve. [`IdRefs`] answers the same
//! questions from the typed model.
//!
//! ```
//! use cib::idref::{IdRefs, SetKind};
//! let cib = cib::Cib::from_xml(r#"<cib epoch="1" num_updates="0" admin_epoch="0">
//!   <configuration><crm_config/><nodes/><resources>
//!     <primitive id="a" class="ocf" provider="pacemaker" type="Dummy">
//!       <meta_attributes id="shared"><nvpair id="s1" name="priority" value="5"/></meta_attributes>
//!     </primitive>
//!     <primitive id="b" class="ocf" provider="pacemaker" type="Dummy">
//!       <meta_attributes id-ref="shared"/>
//!     </primitive>
//!   </resources><constraints/></configuration><status/></cib>"#).unwrap();
//! let refs = IdRefs::new(&cib);
//! assert!(refs.nvset(SetKind::MetaAttributes, "shared").is_some());
//! assert!(refs.nvset(SetKind::InstanceAttributes, "shared").is_none());
//! assert_eq!(refs.nvpair("s1").map(|p| p.name.as_str()), Some("priority"));
//! ```

use std::collections::HashMap;

use crate::model::{Cib, Configuration, NvPair, NvSet, Resource, Rule, RuleExpr, Status};

/// Which kind of name/value set: the element name it is written as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SetKind {
    /// `cluster_property_set` (in `crm_config`).
    ClusterPropertySet,
    /// `instance_attributes`.
    InstanceAttributes,
    /// `meta_attributes`.
    MetaAttributes,
    /// `utilization`.
    Utilization,
}

impl SetKind {
    /// The XML element name.
    pub fn tag(self) -> &'static str {
        match self {
            SetKind::ClusterPropertySet => "cluster_property_set",
            SetKind::InstanceAttributes => "instance_attributes",
            SetKind::MetaAttributes => "meta_attributes",
            SetKind::Utilization => "utilization",
        }
    }
}

/// Every rule, set and nvpair of a document by id, for resolving `id-ref`.
///
/// Only elements that carry an `id` are indexed (a reference is not a
/// target). An id written on two elements of the same kind resolves to
/// nothing, as in Pacemaker.
#[derive(Clone, Debug, Default)]
pub struct IdRefs<'a> {
    rules: HashMap<&'a str, Vec<&'a Rule>>,
    sets: HashMap<(SetKind, &'a str), Vec<&'a NvSet>>,
    nvpairs: HashMap<&'a str, Vec<&'a NvPair>>,
}

impl<'a> IdRefs<'a> {
    /// An index that resolves nothing (for evaluating without a document).
    pub fn empty() -> Self {
        IdRefs::default()
    }

    /// Indexes the configuration and the status section.
    pub fn new(cib: &'a Cib) -> Self {
        let mut refs = IdRefs::from_configuration(&cib.configuration);
        refs.add_status(&cib.status);
        refs
    }

    /// Indexes a configuration only.
    pub fn from_configuration(config: &'a Configuration) -> Self {
        let mut r = IdRefs::default();
        r.add_sets(SetKind::ClusterPropertySet, &config.crm_config);
        for node in &config.nodes {
            r.add_sets(SetKind::InstanceAttributes, &node.instance_attributes);
            r.add_sets(SetKind::Utilization, &node.utilization);
        }
        for top in &config.resources {
            for rsc in top.walk() {
                r.add_resource(rsc);
            }
        }
        for c in &config.constraints {
            if let crate::model::Constraint::Location(l) = c {
                for rule in &l.rules {
                    r.add_rule(rule);
                }
            }
        }
        for defaults in [&config.rsc_defaults, &config.op_defaults]
            .into_iter()
            .flatten()
        {
            r.add_sets(SetKind::MetaAttributes, &defaults.meta_attributes);
        }
        for alert in config.alerts.iter().flatten() {
            r.add_sets(SetKind::MetaAttributes, &alert.meta_attributes);
            r.add_sets(SetKind::InstanceAttributes, &alert.instance_attributes);
            for rcp in &alert.recipients {
                r.add_sets(SetKind::MetaAttributes, &rcp.meta_attributes);
                r.add_sets(SetKind::InstanceAttributes, &rcp.instance_attributes);
            }
        }
        r
    }

    /// A copy whose *rule* references resolve only within `scope` (and its
    /// descendants), while sets and nvpairs still resolve in the whole
    /// document. This is how Pacemaker resolves a rule `id-ref` inside a
    /// clone instance: each instance is unpacked from a private copy of the
    /// clone's child, so the rule search sees only that copy. Use it for the
    /// sets of anything under a clone (pass the clone's child).
    pub fn with_rule_scope(&self, scope: &'a Resource) -> IdRefs<'a> {
        let mut inner = IdRefs::default();
        for rsc in scope.walk() {
            inner.add_resource(rsc);
        }
        IdRefs {
            rules: inner.rules,
            sets: self.sets.clone(),
            nvpairs: self.nvpairs.clone(),
        }
    }

    fn add_status(&mut self, status: &'a Status) {
        for ns in &status.node_states {
            if let Some(t) = &ns.transient_attributes {
                self.add_sets(SetKind::InstanceAttributes, &t.instance_attributes);
            }
        }
    }

    fn add_resource(&mut self, rsc: &'a Resource) {
        match rsc {
            Resource::Primitive(p) | Resource::Template(p) => {
                self.add_sets(SetKind::InstanceAttributes, &p.instance_attributes);
                self.add_sets(SetKind::MetaAttributes, &p.meta_attributes);
                self.add_sets(SetKind::Utilization, &p.utilization);
                for op in p.operations.iter().flat_map(|o| &o.ops) {
                    self.add_sets(SetKind::MetaAttributes, &op.meta_attributes);
                    self.add_sets(SetKind::InstanceAttributes, &op.instance_attributes);
                }
            }
            Resource::Group(g) => {
                self.add_sets(SetKind::MetaAttributes, &g.meta_attributes);
                self.add_sets(SetKind::InstanceAttributes, &g.instance_attributes);
                self.add_sets(SetKind::Utilization, &g.utilization);
            }
            Resource::Clone(c) => {
                self.add_sets(SetKind::MetaAttributes, &c.meta_attributes);
                self.add_sets(SetKind::InstanceAttributes, &c.instance_attributes);
            }
            Resource::Bundle(b) => self.add_sets(SetKind::MetaAttributes, &b.meta_attributes),
        }
    }

    fn add_sets(&mut self, kind: SetKind, sets: &'a [NvSet]) {
        for set in sets {
            if let Some(id) = &set.id {
                self.sets.entry((kind, id.as_str())).or_default().push(set);
            }
            for rule in &set.rules {
                self.add_rule(rule);
            }
            for pair in &set.nvpairs {
                if let Some(id) = &pair.id {
                    self.nvpairs.entry(id.as_str()).or_default().push(pair);
                }
            }
        }
    }

    fn add_rule(&mut self, rule: &'a Rule) {
        if let Some(id) = &rule.id {
            self.rules.entry(id.as_str()).or_default().push(rule);
        }
        for e in &rule.exprs {
            if let RuleExpr::Rule(nested) = e {
                self.add_rule(nested);
            }
        }
    }

    /// The rule with this id.
    pub fn rule(&self, id: &str) -> Option<&'a Rule> {
        unique(self.rules.get(id))
    }

    /// The set of this kind with this id.
    pub fn nvset(&self, kind: SetKind, id: &str) -> Option<&'a NvSet> {
        unique(self.sets.get(&(kind, id)))
    }

    /// The nvpair with this id.
    pub fn nvpair(&self, id: &str) -> Option<&'a NvPair> {
        unique(self.nvpairs.get(id))
    }

    /// `rule` itself, or the rule its `id-ref` names (`None` when that does
    /// not resolve). Like Pacemaker, a reference is followed once.
    pub fn resolve_rule(&self, rule: &'a Rule) -> Option<&'a Rule> {
        match &rule.id_ref {
            Some(r) => self.rule(r),
            None => Some(rule),
        }
    }

    /// `set` itself, or the set of the same kind its `id-ref` names.
    pub fn resolve_nvset(&self, kind: SetKind, set: &'a NvSet) -> Option<&'a NvSet> {
        match &set.id_ref {
            Some(r) => self.nvset(kind, r),
            None => Some(set),
        }
    }
}

fn unique<T: Copy>(found: Option<&Vec<T>>) -> Option<T> {
    match found.map(Vec::as_slice) {
        Some([one]) => Some(*one),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_and_wrong_kinds_do_not_resolve() {
        let xml = r#"<cib epoch="1" num_updates="0" admin_epoch="0"><configuration>
          <crm_config><cluster_property_set id="o"><nvpair id="o1" name="a" value="1"/></cluster_property_set></crm_config>
          <nodes><node id="1" uname="n1"><instance_attributes id="dup"/></node></nodes>
          <resources><primitive id="p" class="ocf" provider="pacemaker" type="Dummy">
            <meta_attributes id="dup"><rule id="r" score="0"><rule id="inner"><expression id="e" attribute="x" operation="defined"/></rule></rule></meta_attributes>
            <operations><op id="m" name="monitor" interval="10s"><meta_attributes id="om"/></op></operations>
          </primitive></resources>
          <constraints><rsc_location id="l" rsc="p"><rule id="lr" score="1"><expression id="le" attribute="y" operation="defined"/></rule></rsc_location></constraints>
          <rsc_defaults><meta_attributes id="rd"/></rsc_defaults>
        </configuration><status><node_state id="1" uname="n1"><transient_attributes id="1"><instance_attributes id="status-1"/></transient_attributes></node_state></status></cib>"#;
        let (cib, _) = Cib::from_xml_lenient(xml).expect("parse");
        let refs = IdRefs::new(&cib);
        assert!(refs.nvset(SetKind::InstanceAttributes, "dup").is_some());
        assert!(refs.nvset(SetKind::MetaAttributes, "dup").is_some());
        assert!(refs.nvset(SetKind::MetaAttributes, "om").is_some());
        assert!(refs.nvset(SetKind::MetaAttributes, "rd").is_some());
        assert!(refs
            .nvset(SetKind::InstanceAttributes, "status-1")
            .is_some());
        assert!(refs.nvset(SetKind::ClusterPropertySet, "o").is_some());
        assert!(refs.nvset(SetKind::Utilization, "o").is_none());
        assert!(refs.rule("r").is_some());
        assert!(refs.rule("inner").is_some());
        assert!(refs.rule("lr").is_some());
        assert!(refs.nvpair("o1").is_some());
        assert!(refs.rule("missing").is_none());
        assert!(IdRefs::empty().rule("r").is_none());

        let mut twice = cib.clone();
        let rule = refs.rule("lr").expect("lr").clone();
        if let Some(crate::model::Constraint::Location(l)) =
            twice.configuration.constraints.first_mut()
        {
            l.rules.push(rule);
        }
        assert!(
            IdRefs::new(&twice).rule("lr").is_none(),
            "duplicate ids resolve to nothing"
        );
    }
}
