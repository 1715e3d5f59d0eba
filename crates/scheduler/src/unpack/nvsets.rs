//! Evaluating name/value sets (`meta_attributes`, `instance_attributes`,
//! `cluster_property_set`…) into a map, with Pacemaker's precedence.
//!
//! Pacemaker collects the sets in reverse document order, stable-sorts them
//! by descending score, and applies them in that order; without `overwrite`
//! the first value seen for a name wins, so among equally scored sets the
//! *last* one written wins. `#default` removes a value set earlier. Sets and
//! pairs may be `id-ref`s to ones elsewhere in the document.

use std::collections::{BTreeMap, HashMap};

use cib::{Cib, NvPair, NvSet, Score};

use super::rules::{self, RuleCtx};
use crate::util::{eq_ci, glib_sort};

/// Every set and pair in the document by id, for resolving `id-ref`s.
pub struct IdIndex<'a> {
    sets: HashMap<&'a str, &'a NvSet>,
    pairs: HashMap<&'a str, &'a NvPair>,
    /// The rule engine's index (rules may be `id-ref`s too).
    pub refs: cib::idref::IdRefs<'a>,
}

impl<'a> IdIndex<'a> {
    pub fn build(cib: &'a Cib) -> Self {
        let mut ix = IdIndex {
            sets: HashMap::new(),
            pairs: HashMap::new(),
            refs: cib::idref::IdRefs::new(cib),
        };
        let c = &cib.configuration;
        for s in &c.crm_config {
            ix.add(s);
        }
        for n in &c.nodes {
            n.instance_attributes.iter().for_each(|s| ix.add(s));
            n.utilization.iter().for_each(|s| ix.add(s));
        }
        for r in &c.resources {
            for r in r.walk() {
                ix.add_resource(r);
            }
        }
        for d in [&c.rsc_defaults, &c.op_defaults].into_iter().flatten() {
            d.meta_attributes.iter().for_each(|s| ix.add(s));
        }
        for ns in &cib.status.node_states {
            if let Some(t) = &ns.transient_attributes {
                t.instance_attributes.iter().for_each(|s| ix.add(s));
            }
        }
        ix
    }

    fn add_resource(&mut self, r: &'a cib::Resource) {
        match r {
            cib::Resource::Primitive(p) | cib::Resource::Template(p) => {
                for s in p
                    .meta_attributes
                    .iter()
                    .chain(&p.instance_attributes)
                    .chain(&p.utilization)
                {
                    self.add(s);
                }
                if let Some(ops) = &p.operations {
                    for op in &ops.ops {
                        op.meta_attributes.iter().for_each(|s| self.add(s));
                        op.instance_attributes.iter().for_each(|s| self.add(s));
                    }
                }
            }
            cib::Resource::Group(g) => {
                for s in g
                    .meta_attributes
                    .iter()
                    .chain(&g.instance_attributes)
                    .chain(&g.utilization)
                {
                    self.add(s);
                }
            }
            cib::Resource::Clone(c) => {
                c.meta_attributes.iter().for_each(|s| self.add(s));
                c.instance_attributes.iter().for_each(|s| self.add(s));
            }
            cib::Resource::Bundle(b) => b.meta_attributes.iter().for_each(|s| self.add(s)),
        }
    }

    fn add(&mut self, s: &'a NvSet) {
        if let Some(id) = &s.id {
            self.sets.entry(id.as_str()).or_insert(s);
        }
        for p in &s.nvpairs {
            if let Some(id) = &p.id {
                self.pairs.entry(id.as_str()).or_insert(p);
            }
        }
    }

    /// The set itself, or the one its `id-ref` names.
    pub fn expand_set<'s>(&'s self, s: &'s NvSet) -> Option<&'s NvSet> {
        match (&s.id_ref, &s.id) {
            (Some(r), _) => self.sets.get(r.as_str()).copied(),
            (None, _) => Some(s),
        }
    }

    fn expand_pair<'s>(&'s self, p: &'s NvPair) -> Option<&'s NvPair> {
        match &p.id_ref {
            Some(r) => self.pairs.get(r.as_str()).copied(),
            None => Some(p),
        }
    }
}

/// Applies `sets` to `out` in Pacemaker's order (`pe__unpack_dataset_nvpairs`).
/// `always_first` names a set applied before all others (the cluster's
/// `cib-bootstrap-options`).
pub fn unpack_sets(
    ix: &IdIndex<'_>,
    sets: &[NvSet],
    ctx: &RuleCtx<'_>,
    out: &mut BTreeMap<String, String>,
    overwrite: bool,
    always_first: Option<&str>,
) {
    struct Pair<'s> {
        name: &'s str,
        score: Score,
        set: &'s NvSet,
    }
    let mut pairs: Vec<Pair<'_>> = Vec::new();
    for s in sets {
        let Some(exp) = ix.expand_set(s) else {
            continue;
        };
        let score = exp
            .score
            .as_ref()
            .and_then(|t| t.get())
            .unwrap_or(Score::ZERO);
        // Pacemaker prepends, so the list starts in reverse document order.
        pairs.insert(
            0,
            Pair {
                name: exp.id.as_deref().unwrap_or(""),
                score,
                set: exp,
            },
        );
    }
    let sorted = glib_sort(pairs, &mut |a: &Pair<'_>, b: &Pair<'_>| {
        // Pacemaker checks the special name against `a`'s, for both sides.
        if let Some(first) = always_first {
            if eq_ci(a.name, first) {
                return std::cmp::Ordering::Less;
            } else if eq_ci(b.name, first) {
                return std::cmp::Ordering::Greater;
            }
        }
        b.score.cmp(&a.score)
    });
    for p in sorted {
        if !rules::set_applies(p.set, ctx, &ix.refs) {
            continue;
        }
        for pair in &p.set.nvpairs {
            let referenced = ix.expand_pair(pair);
            let name = if pair.name.is_empty() {
                referenced.map(|r| r.name.as_str()).unwrap_or("")
            } else {
                pair.name.as_str()
            };
            let value = pair
                .value
                .as_deref()
                .or_else(|| referenced.and_then(|r| r.value.as_deref()));
            let Some(value) = value else {
                continue;
            };
            if name.is_empty() {
                continue;
            }
            if eq_ci(value, "#default") {
                out.remove(name);
                continue;
            }
            if overwrite || !out.contains_key(name) {
                out.insert(name.to_string(), value.to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cib(xml: &str) -> Cib {
        match Cib::from_xml_lenient(xml) {
            Ok((c, _)) => c,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn later_set_wins_on_equal_score_and_higher_score_wins() {
        let c = cib(r#"<cib><configuration><crm_config/><nodes/><resources>
          <primitive id="r" class="ocf" provider="p" type="t">
            <meta_attributes id="m1"><nvpair id="a1" name="target-role" value="Started"/>
              <nvpair id="a2" name="x" value="1"/></meta_attributes>
            <meta_attributes id="m2"><nvpair id="b1" name="target-role" value="Stopped"/></meta_attributes>
            <meta_attributes id="m3" score="10"><nvpair id="c1" name="x" value="3"/></meta_attributes>
          </primitive></resources><constraints/></configuration><status/></cib>"#);
        let ix = IdIndex::build(&c);
        let cib::Resource::Primitive(p) = &c.configuration.resources[0] else {
            panic!()
        };
        let mut out = BTreeMap::new();
        unpack_sets(
            &ix,
            &p.meta_attributes,
            &RuleCtx::new(0),
            &mut out,
            false,
            None,
        );
        assert_eq!(out.get("target-role").map(String::as_str), Some("Stopped"));
        assert_eq!(out.get("x").map(String::as_str), Some("3"));
    }

    #[test]
    fn id_refs_and_default() {
        let c = cib(r##"<cib><configuration><crm_config/><nodes/><resources>
          <primitive id="a" class="ocf" provider="p" type="t">
            <meta_attributes id="shared"><nvpair id="s1" name="is-managed" value="false"/></meta_attributes>
          </primitive>
          <primitive id="b" class="ocf" provider="p" type="t">
            <meta_attributes id-ref="shared"/>
            <meta_attributes id="own"><nvpair id="o1" name="is-managed" value="#default"/></meta_attributes>
          </primitive></resources><constraints/></configuration><status/></cib>"##);
        let ix = IdIndex::build(&c);
        let cib::Resource::Primitive(p) = &c.configuration.resources[1] else {
            panic!()
        };
        let mut out = BTreeMap::new();
        unpack_sets(
            &ix,
            &p.meta_attributes,
            &RuleCtx::new(0),
            &mut out,
            false,
            None,
        );
        // "own" comes first (reverse order), removes nothing; "shared" then sets it.
        assert_eq!(out.get("is-managed").map(String::as_str), Some("false"));
    }
}
