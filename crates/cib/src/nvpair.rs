//! Name/value sets (`cluster_property_set`, `instance_attributes`,
//! `meta_attributes`, `utilization`) evaluated into the values in effect,
//! exactly as Pacemaker 2.1.5's `pe_eval_nvpairs` does it.
//!
//! The sets of one list are applied in order of their score, highest first;
//! Pacemaker's tie rule is **reverse document order** (it builds the list
//! back to front and then sorts stably), and the set whose id is
//! `always_first` (`cib-bootstrap-options` for cluster options) goes first
//! whatever its score. A set whose rules do not pass is skipped (its rules
//! can report when that will change). Each nvpair then sets its name unless
//! an earlier set already did — or, with `overwrite`, replaces it, which
//! makes the *last* applied set win. The value `#default` (any case) removes
//! the name instead, whichever set it is in. `id-ref` sets and nvpairs are
//! resolved through [`IdRefs`]; a referencing nvpair's own `name`/`value`
//! take precedence over the referenced one's.
//!
//! Results go into a map the caller owns, so several lists can be layered
//! the way Pacemaker layers them (a resource's own sets, then its parents',
//! then `rsc_defaults`: each only fills in what is still unset).
//!
//! ```
//! use cib::idref::{IdRefs, SetKind};
//! use cib::iso8601::DateTime;
//! use cib::nvpair::cluster_options;
//!
//! let cib = cib::Cib::from_xml(r#"<cib epoch="1" num_updates="0" admin_epoch="0">
//!   <configuration>
//!     <crm_config>
//!       <cluster_property_set id="normal" score="10">
//!         <nvpair id="n1" name="maintenance-mode" value="false"/>
//!       </cluster_property_set>
//!       <cluster_property_set id="window" score="1000">
//!         <rule id="w" score="INFINITY">
//!           <date_expression id="wd" operation="in_range" start="2019-09-20 21:00:00 -05:00" end="2019-09-20 23:00:00 -05:00"/>
//!         </rule>
//!         <nvpair id="w1" name="maintenance-mode" value="true"/>
//!       </cluster_property_set>
//!     </crm_config>
//!     <nodes/><resources/><constraints/>
//!   </configuration><status/></cib>"#).unwrap();
//! let refs = IdRefs::new(&cib);
//! let during = DateTime::parse("2019-09-21 03:00:00Z").unwrap();
//! let (opts, next) = cluster_options(&cib.configuration, &refs, during);
//! assert_eq!(opts["maintenance-mode"], "true");
//! assert_eq!(next.map(|t| t.utc_string()), Some("2019-09-21 04:00:01Z".into()));
//! let after = DateTime::parse("2019-09-21 04:00:01Z").unwrap();
//! assert_eq!(cluster_options(&cib.configuration, &refs, after).0["maintenance-mode"], "false");
//! ```

use std::collections::BTreeMap;

use crate::idref::{IdRefs, SetKind};
use crate::iso8601::DateTime;
use crate::model::{Configuration, NvPair, NvSet};
use crate::rules::{eval_rules, score_from_text, RuleContext};
use crate::score::Score;

/// Effective name → value pairs.
pub type NvMap = BTreeMap<String, String>;

/// The id of the cluster property set that always applies first.
pub const CIB_OPTIONS_FIRST: &str = "cib-bootstrap-options";

/// The value that unsets a name.
pub const DEFAULT_VALUE: &str = "#default";

/// How to apply a list of sets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UnpackOptions<'s> {
    /// A set id (compared without regard to case) that goes first
    /// regardless of score.
    pub always_first: Option<&'s str>,
    /// Later sets replace values set by earlier ones (Pacemaker uses this for
    /// an `op`'s own meta-attributes and for transient node attributes).
    pub overwrite: bool,
}

/// The sets in the order Pacemaker applies them, `id-ref`s resolved (a
/// reference that does not resolve is dropped). The score and id used are
/// the referenced set's.
pub fn ordered_sets<'a>(
    sets: &'a [NvSet],
    kind: SetKind,
    refs: &IdRefs<'a>,
    ctx: &RuleContext,
    always_first: Option<&str>,
) -> Vec<&'a NvSet> {
    let mut keyed: Vec<(bool, Score, &'a NvSet)> = sets
        .iter()
        .filter_map(|s| refs.resolve_nvset(kind, s))
        .map(|s| {
            let first = match (always_first, s.id.as_deref()) {
                (Some(f), Some(id)) => f.eq_ignore_ascii_case(id),
                _ => false,
            };
            let score = s
                .score
                .as_ref()
                .map_or(Score::ZERO, |t| score_from_text(t.raw(), &ctx.health));
            (first, score, s)
        })
        .collect();
    // Pacemaker prepends each set to its list, then sorts stably.
    keyed.reverse();
    keyed.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    keyed.into_iter().map(|(_, _, s)| s).collect()
}

/// Applies `sets` to `into` (Pacemaker's `pe_eval_nvpairs`) and returns when
/// the result may next change because of a date in a rule.
pub fn unpack_nvsets<'a>(
    sets: &'a [NvSet],
    kind: SetKind,
    ctx: &RuleContext,
    refs: &IdRefs<'a>,
    opts: UnpackOptions,
    into: &mut NvMap,
) -> Option<DateTime> {
    let mut next_change: Option<DateTime> = None;
    for set in ordered_sets(sets, kind, refs, ctx, opts.always_first) {
        let outcome = eval_rules(&set.rules, ctx, refs);
        if let Some(t) = outcome.next_change {
            if next_change.map_or(true, |cur| t.compare(&cur).is_lt()) {
                next_change = Some(t);
            }
        }
        if outcome.passed {
            apply_pairs(&set.nvpairs, refs, opts.overwrite, into);
        }
    }
    next_change
}

/// [`unpack_nvsets`] into a new map.
pub fn eval_nvsets<'a>(
    sets: &'a [NvSet],
    kind: SetKind,
    ctx: &RuleContext,
    refs: &IdRefs<'a>,
    opts: UnpackOptions,
) -> (NvMap, Option<DateTime>) {
    let mut map = NvMap::new();
    let next = unpack_nvsets(sets, kind, ctx, refs, opts, &mut map);
    (map, next)
}

/// The cluster options in effect at `now`: the `cluster_property_set`s of
/// `crm_config`, `cib-bootstrap-options` first, evaluated without a node
/// (so node attribute expressions in their rules are false).
pub fn cluster_options<'a>(
    config: &'a Configuration,
    refs: &IdRefs<'a>,
    now: DateTime,
) -> (NvMap, Option<DateTime>) {
    let opts = UnpackOptions {
        always_first: Some(CIB_OPTIONS_FIRST),
        overwrite: false,
    };
    eval_nvsets(
        &config.crm_config,
        SetKind::ClusterPropertySet,
        &RuleContext::new(now),
        refs,
        opts,
    )
}

/// The name and value an nvpair contributes, its `id-ref` followed: its own
/// `name`/`value` when written, else the referenced nvpair's. `None` when
/// either is missing.
pub fn resolve_nvpair<'a>(pair: &'a NvPair, refs: &IdRefs<'a>) -> Option<(&'a str, &'a str)> {
    let target = pair.id_ref.as_deref().and_then(|r| refs.nvpair(r));
    // The model stores an absent name of a referencing nvpair as "".
    let own_name = (pair.id_ref.is_none() || !pair.name.is_empty()).then_some(pair.name.as_str());
    let name = own_name.or_else(|| target.map(|t| t.name.as_str()))?;
    let value = pair
        .value
        .as_deref()
        .or_else(|| target.and_then(|t| t.value.as_deref()))?;
    Some((name, value))
}

fn apply_pairs<'a>(pairs: &'a [NvPair], refs: &IdRefs<'a>, overwrite: bool, into: &mut NvMap) {
    for pair in pairs {
        let Some((name, value)) = resolve_nvpair(pair, refs) else {
            continue;
        };
        if value.eq_ignore_ascii_case(DEFAULT_VALUE) {
            into.remove(name);
        } else if overwrite || !into.contains_key(name) {
            into.insert(name.to_string(), value.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Cib, Constraint, Resource};
    use crate::rules::parse_interval_spec;
    use std::collections::{BTreeSet, HashMap};

    /// Every primitive with the clone child it is part of, if any.
    fn primitives(cib: &Cib) -> Vec<(&crate::model::Primitive, Option<&Resource>)> {
        fn walk<'a>(
            r: &'a Resource,
            clone_child: Option<&'a Resource>,
            out: &mut Vec<(&'a crate::model::Primitive, Option<&'a Resource>)>,
        ) {
            match r {
                Resource::Primitive(p) => out.push((p, clone_child)),
                Resource::Clone(c) => walk(&c.child, Some(&c.child), out),
                other => {
                    for ch in other.children() {
                        walk(ch, clone_child, out);
                    }
                }
            }
        }
        let mut out = Vec::new();
        for r in &cib.configuration.resources {
            walk(r, None, &mut out);
        }
        out
    }

    /// Instance attributes (per node) and monitor timeouts (op_defaults with
    /// rsc/op expressions, then the op's own sets with overwrite) of 26
    /// resources, as Pacemaker 2.1.5's `crm_simulate` writes them into the
    /// transition graph (see testdata/crm_simulate_nvsets.py).
    #[test]
    fn instance_attributes_match_crm_simulate() {
        let xml = include_str!("testdata/crm_simulate_nvsets.xml");
        let table = include_str!("testdata/crm_simulate_nvsets.tsv");
        let (cib, _) = Cib::from_xml_lenient(xml).expect("fixture parses");
        let refs = IdRefs::new(&cib);
        let nodes = crate::testutil::node_attrs(&cib, &refs);
        let now = DateTime::from_epoch(cib.execution_date.expect("execution-date"), 0);

        let mut expected: HashMap<(String, String), NvMap> = HashMap::new();
        let mut expected_timeouts = BTreeSet::new();
        for line in table.lines().filter(|l| !l.starts_with('#')) {
            let f: Vec<&str> = line.split('\t').collect();
            let [rsc, node, kind, name, value] = f[..] else {
                panic!("bad line {line:?}");
            };
            match kind {
                "param" => {
                    expected
                        .entry((rsc.to_string(), node.to_string()))
                        .or_default()
                        .insert(name.to_string(), value.to_string());
                }
                _ => {
                    expected_timeouts.insert(format!("{rsc} {node} {name} {value}"));
                }
            }
        }

        let mut failures = Vec::new();
        let mut got_timeouts = BTreeSet::new();
        for (p, clone_child) in primitives(&cib) {
            let placed: Vec<&str> = match clone_child {
                Some(_) => vec!["n1", "n2", "n3"],
                None => cib
                    .configuration
                    .constraints
                    .iter()
                    .filter_map(|c| match c {
                        Constraint::Location(l) if l.rsc.as_deref() == Some(&p.id) => {
                            l.node.as_deref()
                        }
                        _ => None,
                    })
                    .collect(),
            };
            let scoped = clone_child.map(|c| refs.with_rule_scope(c));
            let rule_refs = scoped.as_ref().unwrap_or(&refs);
            for (uname, attrs) in nodes.iter().filter(|(u, _)| placed.contains(&u.as_str())) {
                let ctx = RuleContext::new(now).node(attrs);
                let (params, _) = eval_nvsets(
                    &p.instance_attributes,
                    SetKind::InstanceAttributes,
                    &ctx,
                    rule_refs,
                    UnpackOptions::default(),
                );
                let want = expected
                    .remove(&(p.id.clone(), uname.clone()))
                    .unwrap_or_default();
                if params != want {
                    failures.push(format!(
                        "{} on {uname}: crm_simulate {want:?}, we {params:?}",
                        p.id
                    ));
                }
                for op in p.operations.iter().flat_map(|o| &o.ops) {
                    let interval_ms = parse_interval_spec(op.interval.raw()).expect("interval");
                    let ctx = RuleContext::new(now)
                        .rsc(
                            p.class.as_ref().map(|c| c.raw()),
                            p.provider.as_deref(),
                            p.type_.as_deref(),
                        )
                        .op(&op.name, interval_ms);
                    let mut meta = NvMap::new();
                    if let Some(d) = &cib.configuration.op_defaults {
                        let opts = UnpackOptions::default();
                        unpack_nvsets(
                            &d.meta_attributes,
                            SetKind::MetaAttributes,
                            &ctx,
                            rule_refs,
                            opts,
                            &mut meta,
                        );
                    }
                    let own = UnpackOptions {
                        always_first: None,
                        overwrite: true,
                    };
                    unpack_nvsets(
                        &op.meta_attributes,
                        SetKind::MetaAttributes,
                        &ctx,
                        rule_refs,
                        own,
                        &mut meta,
                    );
                    let timeout = meta
                        .get("timeout")
                        .and_then(|t| parse_interval_spec(t))
                        .unwrap_or(20_000);
                    got_timeouts.insert(format!("{} {uname} {interval_ms} {timeout}", p.id));
                }
            }
        }
        for ((rsc, node), want) in expected {
            failures.push(format!(
                "{rsc} on {node}: crm_simulate {want:?}, we did not place it"
            ));
        }
        assert_eq!(got_timeouts, expected_timeouts);
        assert!(
            failures.is_empty(),
            "{} mismatches:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    fn cib_with_crm_config(sets: &str) -> Cib {
        let xml = format!(
            r#"<cib epoch="1" num_updates="0" admin_epoch="0"><configuration>
               <crm_config>{sets}</crm_config><nodes/><resources/><constraints/>
               </configuration><status/></cib>"#
        );
        Cib::from_xml_lenient(&xml).expect("cib").0
    }

    /// Each case was run through crm_simulate, observing symmetric-cluster
    /// through the allocation scores.
    #[test]
    fn cluster_options_match_crm_simulate() {
        let b = r#"<nvpair id="b1" name="stonith-enabled" value="false"/>"#;
        let sym = |id: &str, v: &str| {
            format!(r#"<nvpair id="{id}" name="symmetric-cluster" value="{v}"/>"#)
        };
        let set = |id: &str, score: Option<&str>, body: &str| {
            let score = score
                .map(|s| format!(r#" score="{s}""#))
                .unwrap_or_default();
            format!(r#"<cluster_property_set id="{id}"{score}>{body}</cluster_property_set>"#)
        };
        let cases = [
            // A higher score does not beat cib-bootstrap-options…
            (
                set("zz", Some("10"), &sym("z1", "false"))
                    + &set(
                        "cib-bootstrap-options",
                        Some("-5"),
                        &(b.to_string() + &sym("b3", "true")),
                    ),
                Some("true"),
            ),
            // …but fills in what it leaves unset.
            (
                set("zz", Some("10"), &sym("z1", "false")) + &set("cib-bootstrap-options", None, b),
                Some("false"),
            ),
            // The id is matched without regard to case.
            (
                set("zz", Some("10"), &sym("z1", "false"))
                    + &set(
                        "CIB-Bootstrap-Options",
                        None,
                        &(b.to_string() + &sym("b3", "true")),
                    ),
                Some("true"),
            ),
            // Equal scores: the later set wins.
            (
                set("s0", None, b)
                    + &set("s1", None, &sym("z1", "false"))
                    + &set("s2", None, &sym("z2", "true")),
                Some("true"),
            ),
            // #default where nothing is set yet does nothing…
            (
                set(
                    "cib-bootstrap-options",
                    None,
                    &(b.to_string() + &sym("b3", "#default")),
                ) + &set("zz", None, &sym("z1", "false")),
                Some("false"),
            ),
            // …and in a lower set removes what a higher set said.
            (
                set(
                    "cib-bootstrap-options",
                    None,
                    &(b.to_string() + &sym("b3", "true")),
                ) + &set("zz", Some("-1"), &sym("z1", "#default"))
                    + &set("yy", Some("-2"), &sym("y1", "false")),
                Some("false"),
            ),
            // Node attribute expressions fail without a node, even not_defined.
            (
                set("cib-bootstrap-options", None, b)
                    + r#"<cluster_property_set id="zz" score="10"><rule id="zr"><expression id="ze" attribute="x" operation="not_defined"/></rule>"#
                    + &sym("z1", "false")
                    + "</cluster_property_set>",
                None,
            ),
        ];
        for (sets, want) in cases {
            let cib = cib_with_crm_config(&sets);
            let refs = IdRefs::new(&cib);
            let (opts, _) = cluster_options(&cib.configuration, &refs, DateTime::EPOCH);
            assert_eq!(
                opts.get("symmetric-cluster").map(String::as_str),
                want,
                "{sets}"
            );
            assert_eq!(
                opts.get("stonith-enabled").map(String::as_str),
                Some("false"),
                "{sets}"
            );
        }
    }

    #[test]
    fn ordering_overwrite_and_pairs() {
        let xml = r##"<cib epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config/><nodes/>
          <resources><primitive id="p" class="ocf" provider="pacemaker" type="Dummy">
            <meta_attributes id="low" score="-1"><nvpair id="l1" name="x" value="low"/></meta_attributes>
            <meta_attributes id="none-a"><nvpair id="a1" name="x" value="a"/><nvpair id="a2" name="y" value="a"/></meta_attributes>
            <meta_attributes id="high" score="INFINITY"><nvpair id="h1" name="z" value="high"/></meta_attributes>
            <meta_attributes id="none-b"><nvpair id="b1" name="x" value="b"/><nvpair id="b2" name="y" value="#default"/></meta_attributes>
            <meta_attributes id-ref="high"/>
            <meta_attributes id-ref="missing"/>
          </primitive></resources><constraints/></configuration><status/></cib>"##;
        let (cib, _) = Cib::from_xml_lenient(xml).expect("cib");
        let refs = IdRefs::new(&cib);
        let Some(Resource::Primitive(p)) = cib.find_resource("p") else {
            panic!()
        };
        let ctx = RuleContext::new(DateTime::EPOCH);
        let order: Vec<_> = ordered_sets(
            &p.meta_attributes,
            SetKind::MetaAttributes,
            &refs,
            &ctx,
            None,
        )
        .iter()
        .map(|s| s.id.as_deref().unwrap_or("?"))
        .collect();
        assert_eq!(order, ["high", "high", "none-b", "none-a", "low"]);
        let first = ordered_sets(
            &p.meta_attributes,
            SetKind::MetaAttributes,
            &refs,
            &ctx,
            Some("LOW"),
        );
        assert_eq!(first.first().and_then(|s| s.id.as_deref()), Some("low"));

        let (m, next) = eval_nvsets(
            &p.meta_attributes,
            SetKind::MetaAttributes,
            &ctx,
            &refs,
            UnpackOptions::default(),
        );
        assert_eq!(next, None);
        let want: NvMap = [("x", "b"), ("y", "a"), ("z", "high")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(
            m, want,
            "the first value wins; #default in none-b ran before none-a set y"
        );
        let overwrite = UnpackOptions {
            always_first: None,
            overwrite: true,
        };
        let (m, _) = eval_nvsets(
            &p.meta_attributes,
            SetKind::MetaAttributes,
            &ctx,
            &refs,
            overwrite,
        );
        let want: NvMap = [("x", "low"), ("y", "a"), ("z", "high")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(m, want, "with overwrite the last (lowest) set wins");

        // Layering: values already in the map are kept.
        let mut layered: NvMap = [("x".to_string(), "mine".to_string())].into();
        unpack_nvsets(
            &p.meta_attributes,
            SetKind::MetaAttributes,
            &ctx,
            &refs,
            UnpackOptions::default(),
            &mut layered,
        );
        assert_eq!(layered.get("x").map(String::as_str), Some("mine"));

        // A set of the wrong kind does not resolve.
        assert!(eval_nvsets(
            &p.meta_attributes[4..],
            SetKind::InstanceAttributes,
            &ctx,
            &refs,
            UnpackOptions::default()
        )
        .0
        .is_empty());
    }

    #[test]
    fn nvpair_references() {
        let target = NvPair {
            id: Some("t".into()),
            name: "n".into(),
            value: Some("v".into()),
            ..Default::default()
        };
        let set = NvSet {
            id: Some("s".into()),
            nvpairs: vec![target],
            ..Default::default()
        };
        let cib = Cib {
            configuration: Configuration {
                crm_config: vec![set],
                ..Default::default()
            },
            ..Default::default()
        };
        let refs = IdRefs::new(&cib);
        let r = |name: &str, value: Option<&str>, id_ref: Option<&str>| NvPair {
            id: None,
            id_ref: id_ref.map(str::to_string),
            name: name.to_string(),
            value: value.map(str::to_string),
            extra: Default::default(),
        };
        let pairs = [
            r("", None, Some("t")),
            r("renamed", None, Some("t")),
            r("", Some("own"), Some("t")),
            r("x", Some("y"), Some("nothing")),
            r("", None, Some("nothing")),
            r("novalue", None, None),
        ];
        let got: Vec<_> = pairs.iter().map(|p| resolve_nvpair(p, &refs)).collect();
        assert_eq!(
            got,
            [
                Some(("n", "v")),
                Some(("renamed", "v")),
                Some(("n", "own")),
                Some(("x", "y")),
                None,
                None
            ]
        );
    }

    #[test]
    fn rules_in_sets_report_next_change() {
        let xml = r#"<cluster_property_set id="a" score="2"><rule id="ra"><date_expression id="da" operation="lt" end="2030-01-01"/></rule><nvpair id="a1" name="k" value="a"/></cluster_property_set>
                     <cluster_property_set id="b" score="1"><rule id="rb"><date_expression id="db" operation="gt" start="2025-06-01"/></rule><nvpair id="b1" name="k" value="b"/></cluster_property_set>"#;
        let cib = cib_with_crm_config(xml);
        let refs = IdRefs::new(&cib);
        let now = DateTime::parse("2025-01-01").expect("date");
        let (opts, next) = cluster_options(&cib.configuration, &refs, now);
        assert_eq!(opts.get("k").map(String::as_str), Some("a"));
        assert_eq!(
            next.map(|t| t.utc_string()),
            Some("2025-06-01 00:00:01Z".to_string())
        );
    }
}
