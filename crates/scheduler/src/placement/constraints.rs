//! Constraint unpacking (`pcmk__unpack_constraints` and the node-health
//! locations before it): the `<constraints>` section, in document order,
//! into typed [`Location`]s, [`Colocation`]s, [`Ordering`]s and
//! [`RscTicket`]s, with tags, templates and resource sets expanded the way
//! Pacemaker 2.1.5 expands them.
//!
//! Pure: the CIB and the cluster state in, [`Unpacked`] out. What a lost
//! ticket does to a resource's scores is returned as data ([`Unpacked::bans`],
//! [`Unpacked::frozen`], [`Unpacked::fenced`]) for the assignment stage to
//! apply.

use std::collections::{BTreeMap, HashMap};

use cib::idref::IdRefs;
use cib::iso8601::DateTime;
use cib::rules::{eval_rules, score_from_text, text_to_role, LocationRule, RuleContext};
use cib::score::HealthScores;
use cib::{Cib, Score};

use super::{
    Colocation, Constraints, Discovery, Location, LossPolicy, OrderAction, OrderFlags, Ordering,
    RscTicket,
};
use crate::state::{ClusterState, HealthStrategy, NodeId, ResourceKind, Role, RscId};
use crate::util::eq_ci;

/// Constraints, plus what unpacking ticket constraints does at once.
#[derive(Clone, Debug, Default)]
pub(crate) struct Unpacked {
    pub constraints: Constraints,
    /// `resource_location(rsc, NULL, -INFINITY, …)` on these primitives,
    /// for every node, in order.
    pub bans: Vec<RscId>,
    /// Primitives a lost ticket freezes (unmanaged and blocked).
    pub frozen: Vec<RscId>,
    /// Nodes a lost ticket fences, with the reason.
    pub fenced: Vec<(NodeId, String)>,
    /// The first this many locations come from the node health strategy,
    /// the rest from the configuration.
    pub health_locations: usize,
}

/// The ordering kind (`enum pe_order_kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Optional,
    Mandatory,
    Serialize,
}

/// Which relation of an ordering is being created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Symmetry {
    Asymmetric,
    Symmetric,
    SymmetricInverse,
}

/// A resource set after `id-ref` resolution and tag expansion.
#[derive(Clone, Debug)]
struct Set<'a> {
    id: Option<&'a str>,
    set: &'a cib::ResourceSet,
    refs: Vec<String>,
}

/// The score colours as the scheduler reads them (`pcmk__score_red` and
/// friends), which depend on the node health strategy.
pub(crate) fn health_scores(state: &ClusterState) -> HealthScores {
    let opt = |name: &str, default: Score| {
        state
            .options
            .all
            .get(name)
            .map_or(default, |v| score_from_text(v, &HealthScores::default()))
    };
    match state.options.node_health_strategy {
        HealthStrategy::None => HealthScores {
            red: Score::ZERO,
            yellow: Score::ZERO,
            green: Score::ZERO,
        },
        HealthStrategy::MigrateOnRed => HealthScores {
            red: Score::MINUS_INFINITY,
            yellow: Score::ZERO,
            green: Score::ZERO,
        },
        HealthStrategy::OnlyGreen => HealthScores {
            red: Score::MINUS_INFINITY,
            yellow: Score::MINUS_INFINITY,
            green: Score::ZERO,
        },
        HealthStrategy::Progressive | HealthStrategy::Custom => HealthScores {
            red: opt("node-health-red", Score::MINUS_INFINITY),
            yellow: opt("node-health-yellow", Score::ZERO),
            green: opt("node-health-green", Score::ZERO),
        },
    }
}

pub(crate) struct ConstraintReader<'a> {
    cib: &'a Cib,
    st: &'a ClusterState,
    refs: IdRefs<'a>,
    ix: crate::unpack::nvsets::IdIndex<'a>,
    health: HealthScores,
    now: DateTime,
    out: Unpacked,
    /// Ticket states by id (granted, standby), created on first reference.
    tickets: BTreeMap<String, (bool, bool)>,
    /// The first resource a depth-first walk from the top-level resources
    /// finds for each id or history name (what [`ConstraintReader::find`]
    /// answers, without a walk per constraint).
    by_id: HashMap<&'a str, RscId>,
}

/// Each id and history name with the first resource having it in a
/// depth-first walk from the top-level resources.
fn first_by_id(st: &ClusterState) -> HashMap<&str, RscId> {
    fn walk<'s>(st: &'s ClusterState, rsc: RscId, out: &mut HashMap<&'s str, RscId>) {
        let r = st.rsc(rsc);
        out.entry(r.id.as_str()).or_insert(rsc);
        if let Some(c) = r.clone_name.as_deref() {
            out.entry(c).or_insert(rsc);
        }
        for &c in &r.children {
            walk(st, c, out);
        }
    }
    let mut out = HashMap::new();
    for &top in &st.top {
        walk(st, top, &mut out);
    }
    out
}

/// Unpacks node health and every constraint.
pub(crate) fn unpack(cib: &Cib, st: &ClusterState) -> Unpacked {
    let mut r = ConstraintReader {
        cib,
        st,
        refs: IdRefs::new(cib),
        ix: crate::unpack::nvsets::IdIndex::build(cib),
        health: health_scores(st),
        now: DateTime::from_epoch(st.now, 0),
        out: Unpacked::default(),
        tickets: st
            .tickets
            .iter()
            .map(|t| (t.id.clone(), (t.granted, t.standby)))
            .collect(),
        by_id: first_by_id(st),
    };
    r.node_health();
    r.out.health_locations = r.out.constraints.locations.len();
    for c in &cib.configuration.constraints {
        r.constraint(c);
    }
    r.out
}

impl<'a> ConstraintReader<'a> {
    // -- lookups ------------------------------------------------------------

    /// `pcmk__find_constraint_resource`: by id or history name anywhere under
    /// the top-level resources; a clone instance stands for its clone.
    fn find(&self, id: &str) -> Option<RscId> {
        let m = *self.by_id.get(id)?;
        if self.st.rsc(m).id != id {
            return Some(self.st.uber_parent(m));
        }
        Some(m)
    }

    /// The resources a template or tag stands for (`find_constraint_tag`);
    /// `None` when the id is neither, or names nothing.
    fn tag(&self, id: &str) -> Option<Vec<String>> {
        let mut derived: Vec<String> = Vec::new();
        let mut is_template = false;
        for top in &self.cib.configuration.resources {
            for rsc in top.walk() {
                match rsc {
                    cib::Resource::Template(t) if t.id == id => is_template = true,
                    cib::Resource::Primitive(p)
                        if p.template.as_deref() == Some(id) && !derived.contains(&p.id) =>
                    {
                        derived.push(p.id.clone());
                    }
                    _ => {}
                }
            }
        }
        if is_template {
            return (!derived.is_empty()).then_some(derived);
        }
        let tags = self.cib.configuration.tags.as_ref()?;
        let tag = tags.iter().find(|t| t.id == id)?;
        let mut refs: Vec<String> = Vec::new();
        for r in &tag.refs {
            if !refs.contains(r) {
                refs.push(r.clone());
            }
        }
        (!refs.is_empty()).then_some(refs)
    }

    /// `pcmk__valid_resource_or_tag`.
    fn rsc_or_tag(&self, id: &str) -> Option<Result<RscId, Vec<String>>> {
        if let Some(r) = self.find(id) {
            return Some(Ok(r));
        }
        self.tag(id).map(Err)
    }

    fn node_by_name(&self, name: &str) -> Option<NodeId> {
        self.st.find_node(name)
    }

    /// `expand_idref` for a resource set, then tag expansion of its refs.
    fn resolve_set(&self, set: &'a cib::ResourceSet) -> Option<&'a cib::ResourceSet> {
        let Some(wanted) = &set.id_ref else {
            return Some(set);
        };
        self.cib.configuration.constraints.iter().find_map(|c| {
            let sets: &[cib::ResourceSet] = match c {
                cib::Constraint::Location(l) => &l.sets,
                cib::Constraint::Colocation(l) => &l.sets,
                cib::Constraint::Order(l) => &l.sets,
                cib::Constraint::Ticket(l) => &l.sets,
                cib::Constraint::Other(_) => &[],
            };
            sets.iter()
                .find(|s| s.id.as_deref() == Some(wanted.as_str()))
        })
    }

    /// The sets of a constraint with tags and templates in `resource_ref`s
    /// replaced by what they stand for (`pcmk__expand_tags_in_sets`), or
    /// `None` when a set's `id-ref` does not resolve (the rest is then
    /// skipped, as Pacemaker stops at that set).
    fn sets(&self, sets: &'a [cib::ResourceSet]) -> Vec<Option<Set<'a>>> {
        // When any ref is neither a resource nor a tag, Pacemaker leaves the
        // sets unexpanded (and the bad ref fails later).
        let mut valid = true;
        for s in sets {
            if let Some(s) = self.resolve_set(s) {
                for r in &s.resources {
                    if self.rsc_or_tag(r).is_none() {
                        valid = false;
                    }
                }
            }
        }
        sets.iter()
            .map(|s| {
                let set = self.resolve_set(s)?;
                let mut refs = Vec::new();
                for r in &set.resources {
                    match (valid, self.rsc_or_tag(r)) {
                        (true, Some(Err(tagged))) => refs.extend(tagged),
                        _ => refs.push(r.clone()),
                    }
                }
                Some(Set {
                    id: set.id.as_deref(),
                    set,
                    refs,
                })
            })
            .collect()
    }

    fn score(&self, raw: Option<&str>) -> Score {
        raw.map_or(Score::ZERO, |t| score_from_text(t, &self.health))
    }

    // -- node health --------------------------------------------------------

    /// `pcmk__apply_node_health`: each node's summed health becomes a
    /// location preference of every resource for that node.
    fn node_health(&mut self) {
        let strategy = self.st.options.node_health_strategy;
        if strategy == HealthStrategy::None {
            return;
        }
        let name = self
            .st
            .options
            .all
            .get("node-health-strategy")
            .cloned()
            .unwrap_or_default();
        let base = if strategy == HealthStrategy::Progressive {
            self.st
                .options
                .all
                .get("node-health-base")
                .map_or(Score::ZERO, |v| {
                    score_from_text(v, &HealthScores::default())
                })
        } else {
            Score::ZERO
        };
        for &n in &self.st.node_order {
            let mut health = base;
            for (k, v) in &self.st.node(n).attrs {
                if k.starts_with("#health") {
                    health = score_from_text(v, &self.health) + health;
                }
            }
            if health == Score::ZERO {
                continue;
            }
            for &r in &self.st.top {
                let immune = health < Score::ZERO
                    && cib::value::is_true(
                        self.st
                            .rsc(r)
                            .meta
                            .get("allow-unhealthy-nodes")
                            .map(String::as_str),
                    );
                if !immune {
                    self.new_location(&name, r, Role::Unknown, None, vec![(n, health)]);
                }
            }
        }
    }

    fn new_location(
        &mut self,
        id: &str,
        rsc: RscId,
        role_filter: Role,
        discover: Option<&str>,
        nodes: Vec<(NodeId, Score)>,
    ) -> usize {
        let discovery = match discover {
            None => Discovery::Always,
            Some(d) if eq_ci(d, "always") => Discovery::Always,
            Some(d) if eq_ci(d, "never") => Discovery::Never,
            Some(d) if eq_ci(d, "exclusive") => Discovery::Exclusive,
            Some(_) => Discovery::Always,
        };
        self.out.constraints.locations.push(Location {
            id: id.to_string(),
            rsc,
            role_filter,
            discovery,
            nodes,
        });
        self.out.constraints.locations.len() - 1
    }

    // -- dispatch -----------------------------------------------------------

    fn constraint(&mut self, c: &'a cib::Constraint) {
        let (id, extra) = match c {
            cib::Constraint::Location(l) => (&l.id, &l.extra),
            cib::Constraint::Colocation(l) => (&l.id, &l.extra),
            cib::Constraint::Order(l) => (&l.id, &l.extra),
            cib::Constraint::Ticket(l) => (&l.id, &l.extra),
            cib::Constraint::Other(_) => return,
        };
        if id.is_empty() {
            return;
        }
        if let Some(rules) = cib::rules::lifetime_rules(extra) {
            let ctx = RuleContext::new(self.now);
            if !eval_rules(&rules, &ctx, &self.refs).passed {
                return;
            }
        }
        match c {
            cib::Constraint::Location(l) => self.location(l),
            cib::Constraint::Colocation(l) => self.colocation(l),
            cib::Constraint::Order(l) => self.order(l),
            cib::Constraint::Ticket(l) => self.ticket(l),
            cib::Constraint::Other(_) => {}
        }
    }

    // -- locations ----------------------------------------------------------

    fn location(&mut self, l: &'a cib::Location) {
        if !l.sets.is_empty() {
            for set in self.sets(&l.sets) {
                let Some(set) = set else {
                    return;
                };
                if set.id.is_none() {
                    return;
                }
                let role = set.set.role.as_ref().map(|r| r.raw().to_string());
                let score = set.set.score.as_ref().map(|s| s.raw().to_string());
                for r in &set.refs {
                    let Some(rsc) = self.find(r) else {
                        return;
                    };
                    self.rsc_location(l, rsc, role.as_deref(), score.as_deref(), None);
                }
            }
            return;
        }
        if let Some(rid) = &l.rsc {
            match self.rsc_or_tag(rid) {
                None => return,
                Some(Ok(rsc)) => self.rsc_location(l, rsc, None, None, None),
                Some(Err(tagged)) => {
                    // A tag or template becomes a set with the constraint's role.
                    let role = l.role.as_ref().map(|r| r.raw().to_string());
                    for r in tagged {
                        let Some(rsc) = self.find(&r) else {
                            return;
                        };
                        self.rsc_location(l, rsc, role.as_deref(), None, None);
                    }
                    return;
                }
            }
        }
        if let Some(pattern) = &l.rsc_pattern {
            let (invert, pat) = match pattern.strip_prefix('!') {
                Some(p) => (true, p),
                None => (false, pattern.as_str()),
            };
            let Ok(re) = regex::Regex::new(pat) else {
                return;
            };
            for &top in &self.st.top {
                let id = self.st.rsc(top).id.clone();
                match re.captures(&id) {
                    Some(caps) if !invert => {
                        let groups: Vec<Option<String>> = caps
                            .iter()
                            .map(|m| m.map(|m| m.as_str().to_string()))
                            .collect();
                        self.rsc_location(l, top, None, None, Some(&groups));
                    }
                    None if invert => self.rsc_location(l, top, None, None, None),
                    _ => {}
                }
            }
        }
    }

    /// `unpack_rsc_location`.
    fn rsc_location(
        &mut self,
        l: &'a cib::Location,
        rsc: RscId,
        role: Option<&str>,
        score: Option<&str>,
        submatches: Option<&[Option<String>]>,
    ) {
        let score = score.or(l.score.as_ref().map(|s| s.raw()));
        let discover = l.resource_discovery.as_ref().map(|d| d.raw());
        if let (Some(node), Some(score)) = (&l.node, score) {
            let Some(n) = self.node_by_name(node) else {
                return;
            };
            let s = self.score(Some(score));
            let idx = self.new_location(&l.id, rsc, Role::Unknown, discover, vec![(n, s)]);
            let role = role.or(l.role.as_ref().map(|r| r.raw()));
            if let Some(role) = role {
                let r = text_to_role(Some(role));
                self.out.constraints.locations[idx].role_filter = match r {
                    Role::Unknown | Role::Started | Role::Unpromoted => Role::Unknown,
                    other => other,
                };
            }
            return;
        }
        for rule in &l.rules {
            self.location_rule(rsc, rule, discover, submatches);
        }
    }

    /// `generate_location_rule`.
    fn location_rule(
        &mut self,
        rsc: RscId,
        rule: &'a cib::Rule,
        discover: Option<&str>,
        submatches: Option<&[Option<String>]>,
    ) {
        let groups: Option<Vec<Option<&str>>> =
            submatches.map(|g| g.iter().map(|m| m.as_deref()).collect());
        let Some(lr) = LocationRule::resolve(rule, &self.refs, groups.as_deref()) else {
            return;
        };
        let Some(rule_id) = lr.rule.id.clone() else {
            return;
        };
        let do_and = !matches!(
            lr.rule.boolean_op.as_ref().map(|b| b.raw().to_ascii_lowercase()),
            Some(ref o) if o == "or"
        );
        let role_filter = lr.role_filter.unwrap_or(Role::Unknown);
        let st = self.st;
        let meta = &st.rsc(rsc).meta;
        let mut nodes: Vec<(NodeId, Score)> = Vec::new();
        // Pacemaker's "and" list starts as a reversed copy of every node.
        if do_and {
            for &n in st.node_order.iter().rev() {
                nodes.push((n, lr.score_for(Some(&st.node(n).attrs), &self.health)));
            }
        }
        for &n in &st.node_order {
            let attrs = &st.node(n).attrs;
            let params = rsc_params(&self.ix, st, rsc, n);
            let mut ctx = RuleContext::new(self.now)
                .node(attrs)
                .health(self.health)
                .location(Some(&params), Some(meta));
            if let Some(g) = &groups {
                ctx = ctx.submatches(g);
            }
            let outcome = lr.evaluate(&ctx, &self.refs);
            if let Some(t) = outcome.next_change {
                let t = t.epoch_seconds();
                if t > self.now.epoch_seconds() {
                    let rb = &mut self.out.constraints.recheck_by;
                    *rb = crate::state::earliest_recheck(*rb, t);
                }
            }
            let passed = outcome.score.is_some();
            let score = lr.score_for(Some(attrs), &self.health);
            if passed {
                if do_and {
                    continue;
                }
                match nodes.iter_mut().find(|(m, _)| *m == n) {
                    Some(e) => e.1 += score,
                    None => nodes.push((n, st.node(n).weight + score)),
                }
            } else if do_and {
                nodes.retain(|(m, _)| *m != n);
            }
        }
        self.new_location(&rule_id, rsc, role_filter, discover, nodes);
    }

    // -- colocations --------------------------------------------------------

    /// `pcmk__new_colocation`: each side is a resource and its role.
    fn new_colocation(
        &mut self,
        id: &str,
        node_attr: Option<&str>,
        score: Score,
        (dependent, dependent_role): (RscId, Option<&str>),
        (primary, primary_role): (RscId, Option<&str>),
        influence: bool,
    ) {
        if score == Score::ZERO {
            return;
        }
        let role = |r: Option<&str>| match r {
            None => Role::Unknown,
            Some(r) if eq_ci(r, "started") => Role::Unknown,
            Some(r) => text_to_role(Some(r)),
        };
        let c = Colocation {
            id: id.to_string(),
            dependent,
            primary,
            score,
            dependent_role: role(dependent_role),
            primary_role: role(primary_role),
            node_attribute: node_attr.map(str::to_string),
            influence,
        };
        if score.is_minus_infinity() {
            self.anti_colocation_order(id, dependent, c.dependent_role, primary, c.primary_role);
            self.anti_colocation_order(id, primary, c.primary_role, dependent, c.dependent_role);
        }
        self.out.constraints.colocations.push(c);
    }

    fn anti_colocation_order(
        &mut self,
        id: &str,
        first: RscId,
        first_role: Role,
        then: RscId,
        then_role: Role,
    ) {
        let first_tasks: &[&str] = match first_role {
            Role::Promoted => &["demote"],
            Role::Unpromoted => &["stop", "promote"],
            _ => &["stop"],
        };
        let then_tasks: &[&str] = match then_role {
            Role::Promoted => &["promote"],
            Role::Unpromoted => &["start", "demote"],
            _ => &["start"],
        };
        for f in first_tasks {
            for t in then_tasks {
                self.order_actions(id, first, f, then, t, OrderFlags::ANTI_COLOCATION);
            }
        }
    }

    /// `unpack_influence`.
    fn influence(&self, rsc: RscId, influence: Option<&cib::Typed<bool>>) -> bool {
        match influence.and_then(|i| cib::value::parse_bool(i.raw())) {
            Some(b) => b,
            None => self.st.rsc(rsc).flags.critical,
        }
    }

    fn colocation(&mut self, c: &'a cib::Colocation) {
        let score = self.score(c.score.as_ref().map(|s| s.raw()));
        let influence = c.influence.as_ref();
        // Tags in rsc/with-rsc turn the constraint into two sets: the tag's
        // (not sequential) and the resource's, each with its side's role.
        if c.sets.is_empty() {
            let (Some(dep), Some(pri)) = (&c.rsc, &c.with_rsc) else {
                return;
            };
            let (Some(d), Some(p)) = (self.rsc_or_tag(dep), self.rsc_or_tag(pri)) else {
                return;
            };
            match (d, p) {
                (Ok(_), Ok(_)) => {}
                (Err(_), Err(_)) => return,
                (d, p) => {
                    let view = |side: Result<RscId, Vec<String>>,
                                id: &str,
                                role: &Option<cib::Typed<Role>>,
                                st: &ClusterState| {
                        let (refs, sequential) = match side {
                            Ok(r) => (vec![st.rsc(r).id.clone()], None),
                            Err(t) => (t, Some(false)),
                        };
                        SetView {
                            id: id.to_string(),
                            refs,
                            role: role.as_ref().map(|r| r.raw().to_string()),
                            sequential,
                            score: None,
                            ordering: None,
                        }
                    };
                    let views = [
                        view(d, dep, &c.rsc_role, self.st),
                        view(p, pri, &c.with_rsc_role, self.st),
                    ];
                    self.colocation_sets(&c.id, &views, score, influence);
                    return;
                }
            }
        }
        if !c.sets.is_empty() {
            let mut views = Vec::new();
            for s in self.sets(&c.sets) {
                let Some(s) = s else {
                    // An unresolved set reference stops the constraint.
                    self.colocation_sets(&c.id, &views, score, influence);
                    return;
                };
                views.push(SetView::of(&s));
            }
            self.colocation_sets(&c.id, &views, score, influence);
            return;
        }
        // A simple colocation.
        let (Some(dep), Some(pri)) = (&c.rsc, &c.with_rsc) else {
            return;
        };
        let (Some(d), Some(p)) = (self.find(dep), self.find(pri)) else {
            return;
        };
        let infl = self.influence(d, influence);
        self.new_colocation(
            &c.id,
            c.node_attribute.as_deref(),
            score,
            (d, c.rsc_role.as_ref().map(|r| r.raw())),
            (p, c.with_rsc_role.as_ref().map(|r| r.raw())),
            infl,
        );
    }

    /// Colocations between and within sets (`unpack_colocation_set`,
    /// `colocate_rsc_sets`).
    fn colocation_sets(
        &mut self,
        id: &str,
        views: &[SetView],
        score: Score,
        influence: Option<&cib::Typed<bool>>,
    ) {
        let mut last: Option<&SetView> = None;
        for set in views {
            if !self.colocation_set(set, score, influence) {
                return;
            }
            if let Some(prev) = last {
                if !self.colocate_sets(id, prev, set, score, influence) {
                    return;
                }
            }
            last = Some(set);
        }
    }

    /// `unpack_colocation_set`; false when a reference does not resolve.
    fn colocation_set(
        &mut self,
        set: &SetView,
        score: Score,
        influence: Option<&cib::Typed<bool>>,
    ) -> bool {
        let local = match &set.score {
            Some(s) => self.score(Some(s)),
            None => score,
        };
        if local == Score::ZERO {
            return true;
        }
        let ordering = set.ordering.clone().unwrap_or_else(|| "group".into());
        if set.sequential == Some(false) {
            return true;
        }
        let role = set.role.as_deref();
        if local > Score::ZERO && eq_ci(&ordering, "group") {
            let mut with: Option<RscId> = None;
            for r in &set.refs {
                let Some(rsc) = self.find(r) else {
                    return false;
                };
                if let Some(w) = with {
                    let infl = self.influence(rsc, influence);
                    self.new_colocation(&set.id, None, local, (rsc, role), (w, role), infl);
                }
                with = Some(rsc);
            }
        } else if local > Score::ZERO {
            let mut last: Option<RscId> = None;
            for r in &set.refs {
                let Some(rsc) = self.find(r) else {
                    return false;
                };
                if let Some(l) = last {
                    let infl = self.influence(l, influence);
                    self.new_colocation(&set.id, None, local, (l, role), (rsc, role), infl);
                }
                last = Some(rsc);
            }
        } else {
            for (i, r) in set.refs.iter().enumerate() {
                let Some(rsc) = self.find(r) else {
                    return false;
                };
                let infl = self.influence(rsc, influence);
                for w in &set.refs[..i] {
                    if eq_ci(&self.st.rsc(rsc).id, w) {
                        break;
                    }
                    let Some(with) = self.find(w) else {
                        return false;
                    };
                    self.new_colocation(&set.id, None, local, (rsc, role), (with, role), infl);
                }
                // Pacemaker's inner loop runs to the resource itself.
                let _ = i;
            }
        }
        true
    }

    /// `colocate_rsc_sets`; false when a reference does not resolve.
    fn colocate_sets(
        &mut self,
        id: &str,
        set1: &SetView,
        set2: &SetView,
        score: Score,
        influence: Option<&cib::Typed<bool>>,
    ) -> bool {
        if score == Score::ZERO {
            return true;
        }
        let role1 = set1.role.as_deref();
        let role2 = set2.role.as_deref();
        let mut rsc1 = None;
        let mut rsc2 = None;
        if set1.sequential != Some(false) {
            if let Some(first) = set1.refs.first() {
                match self.find(first) {
                    Some(r) => rsc1 = Some(r),
                    None => return false,
                }
            }
        }
        if set2.sequential != Some(false) {
            match set2.refs.last().and_then(|l| self.find(l)) {
                Some(r) => rsc2 = Some(r),
                None => return false,
            }
        }
        match (rsc1, rsc2) {
            (Some(a), Some(b)) => {
                let infl = self.influence(a, influence);
                self.new_colocation(id, None, score, (a, role1), (b, role2), infl);
            }
            (Some(a), None) => {
                let infl = self.influence(a, influence);
                for r in &set2.refs {
                    let Some(b) = self.find(r) else {
                        return false;
                    };
                    self.new_colocation(id, None, score, (a, role1), (b, role2), infl);
                }
            }
            (None, Some(b)) => {
                for r in &set1.refs {
                    let Some(a) = self.find(r) else {
                        return false;
                    };
                    let infl = self.influence(a, influence);
                    self.new_colocation(id, None, score, (a, role1), (b, role2), infl);
                }
            }
            (None, None) => {
                for r in &set1.refs {
                    let Some(a) = self.find(r) else {
                        return false;
                    };
                    let infl = self.influence(a, influence);
                    for r2 in &set2.refs {
                        let Some(b) = self.find(r2) else {
                            return false;
                        };
                        self.new_colocation(id, None, score, (a, role1), (b, role2), infl);
                    }
                }
            }
        }
        true
    }

    // -- orderings ----------------------------------------------------------

    fn push_order(&mut self, id: &str, first: OrderAction, then: OrderAction, flags: OrderFlags) {
        self.out.constraints.orderings.push(Ordering {
            id: id.to_string(),
            first,
            then,
            flags,
        });
    }

    fn order_actions(
        &mut self,
        id: &str,
        first: RscId,
        first_task: &str,
        then: RscId,
        then_task: &str,
        flags: OrderFlags,
    ) {
        self.push_order(
            id,
            OrderAction::Rsc {
                rsc: first,
                task: first_task.to_string(),
            },
            OrderAction::Rsc {
                rsc: then,
                task: then_task.to_string(),
            },
            flags,
        );
    }

    /// `get_ordering_type` for an element's `kind`/`score`.
    fn kind_of(kind: Option<&cib::Typed<cib::value::OrderKind>>, score: Option<&str>) -> Kind {
        match kind {
            None => match score {
                Some(s) if score_from_text(s, &HealthScores::default()) == Score::ZERO => {
                    Kind::Optional
                }
                _ => Kind::Mandatory,
            },
            Some(k) => {
                let raw = k.raw();
                if eq_ci(raw, "Optional") {
                    Kind::Optional
                } else if eq_ci(raw, "Serialize") {
                    Kind::Serialize
                } else {
                    Kind::Mandatory
                }
            }
        }
    }

    /// `get_ordering_symmetry`.
    fn symmetry(
        explicit_kind: Option<Kind>,
        parent_kind: Kind,
        symmetrical: Option<&str>,
        parent_symmetrical: Option<&str>,
    ) -> Symmetry {
        let kind = explicit_kind.unwrap_or(parent_kind);
        let value = symmetrical
            .and_then(cib::value::parse_bool)
            .or_else(|| parent_symmetrical.map(|p| cib::value::is_true(Some(p))));
        match value {
            Some(true) if kind != Kind::Serialize => Symmetry::Symmetric,
            Some(_) => Symmetry::Asymmetric,
            None if kind == Kind::Serialize => Symmetry::Asymmetric,
            None => Symmetry::Symmetric,
        }
    }

    /// `ordering_flags_for_kind`.
    fn flags_for(kind: Kind, first: &str, symmetry: Symmetry) -> OrderFlags {
        let mut f = OrderFlags::OPTIONAL;
        match kind {
            Kind::Optional => {}
            Kind::Serialize => f |= OrderFlags::SERIALIZE_ONLY,
            Kind::Mandatory => match symmetry {
                Symmetry::Asymmetric => f |= OrderFlags::ASYMMETRICAL,
                Symmetry::Symmetric => {
                    f |= OrderFlags::IMPLIES_THEN;
                    if eq_ci(first, "start") || eq_ci(first, "promote") {
                        f |= OrderFlags::RUNNABLE_LEFT;
                    }
                }
                Symmetry::SymmetricInverse => f |= OrderFlags::IMPLIES_FIRST,
            },
        }
        f
    }

    fn restart_type(&self, rsc: RscId, kind: Kind, flag: OrderFlags, flags: &mut OrderFlags) {
        let restart = self
            .st
            .rsc(rsc)
            .meta
            .get("restart-type")
            .is_some_and(|v| eq_ci(v, "restart"));
        if kind == Kind::Optional && restart {
            *flags |= flag;
        }
    }

    fn order(&mut self, o: &'a cib::Order) {
        let score_raw = o.score.as_ref().map(|s| s.raw());
        let kind = Self::kind_of(o.kind.as_ref(), score_raw);
        let symmetrical = o.symmetrical.as_ref().map(|s| s.raw());
        let symmetry = Self::symmetry(None, kind, symmetrical, None);
        // Tags in first/then become sets.
        if o.sets.is_empty() {
            let (Some(f), Some(t)) = (&o.first, &o.then) else {
                return;
            };
            let (Some(fr), Some(tr)) = (self.rsc_or_tag(f), self.rsc_or_tag(t)) else {
                return;
            };
            if fr.is_ok() && tr.is_ok() {
                self.simple_order(o, kind, symmetry);
                return;
            }
            let view = |side: Result<RscId, Vec<String>>,
                        id: &str,
                        action: Option<&cib::Typed<cib::value::RscAction>>,
                        st: &ClusterState| {
                let (refs, seq) = match side {
                    Ok(r) => (vec![st.rsc(r).id.clone()], None),
                    Err(t) => (t, Some(false)),
                };
                OrderSetView {
                    id: id.to_string(),
                    refs,
                    action: action.map(|a| a.raw().to_string()),
                    sequential: seq,
                    kind: None,
                    symmetrical: None,
                    require_all: None,
                }
            };
            let views = vec![
                view(fr, f, o.first_action.as_ref(), self.st),
                view(tr, t, o.then_action.as_ref(), self.st),
            ];
            self.order_sets(&o.id, &views, kind, symmetry, symmetrical);
            return;
        }
        let mut views = Vec::new();
        for s in self.sets(&o.sets) {
            match s {
                Some(s) => views.push(OrderSetView::of(&s)),
                None => break,
            }
        }
        self.order_sets(&o.id, &views, kind, symmetry, symmetrical);
    }

    fn order_sets(
        &mut self,
        id: &str,
        views: &[OrderSetView],
        kind: Kind,
        symmetry: Symmetry,
        symmetrical: Option<&str>,
    ) {
        let mut last: Option<&OrderSetView> = None;
        for set in views {
            if !self.order_set(set, kind, symmetrical) {
                return;
            }
            if let Some(prev) = last {
                if !self.order_rsc_sets(id, prev, set, kind, symmetry) {
                    return;
                }
                if symmetry == Symmetry::Symmetric
                    && !self.order_rsc_sets(id, set, prev, kind, Symmetry::SymmetricInverse)
                {
                    return;
                }
            }
            last = Some(set);
        }
    }

    /// `unpack_simple_rsc_order`.
    fn simple_order(&mut self, o: &cib::Order, kind: Kind, symmetry: Symmetry) {
        let (Some(f), Some(t)) = (&o.first, &o.then) else {
            return;
        };
        let Some(first) = self.find(f) else {
            return;
        };
        let Some(then) = self.find(t) else {
            return;
        };
        let action_first = o
            .first_action
            .as_ref()
            .map_or("start".to_string(), |a| a.raw().to_string());
        let action_then = o
            .then_action
            .as_ref()
            .map_or(action_first.clone(), |a| a.raw().to_string());
        let mut flags = Self::flags_for(kind, &action_first, symmetry);
        self.restart_type(then, kind, OrderFlags::IMPLIES_THEN, &mut flags);
        let min = self.minimum_first_instances(first, o.require_all.as_ref().map(|r| r.raw()));
        if min > 0 {
            let name = format!("clone-one-or-more:{}", o.id);
            for c in self.st.rsc(first).children.clone() {
                self.push_order(
                    &o.id,
                    OrderAction::Rsc {
                        rsc: c,
                        task: action_first.clone(),
                    },
                    OrderAction::Pseudo {
                        name: name.clone(),
                        required_runnable: min,
                    },
                    OrderFlags::ONE_OR_MORE | OrderFlags::IMPLIES_THEN_PRINTED,
                );
            }
            self.push_order(
                &o.id,
                OrderAction::Pseudo {
                    name,
                    required_runnable: min,
                },
                OrderAction::Rsc {
                    rsc: then,
                    task: action_then.clone(),
                },
                flags | OrderFlags::RUNNABLE_LEFT,
            );
        } else {
            self.order_actions(&o.id, first, &action_first, then, &action_then, flags);
        }
        if symmetry == Symmetry::Symmetric {
            let (Some(inv_then), Some(inv_first)) =
                (invert_action(&action_then), invert_action(&action_first))
            else {
                return;
            };
            let mut flags = Self::flags_for(kind, inv_first, Symmetry::SymmetricInverse);
            self.restart_type(then, kind, OrderFlags::IMPLIES_FIRST, &mut flags);
            self.order_actions(&o.id, then, inv_then, first, inv_first, flags);
        }
    }

    /// `get_minimum_first_instances`.
    fn minimum_first_instances(&self, rsc: RscId, require_all: Option<&str>) -> i32 {
        if !self.st.is_clone(rsc) {
            return 0;
        }
        if let Some(v) = self.st.rsc(rsc).meta.get("clone-min") {
            return crate::util::parse_int(Some(v), 0).clamp(0, i32::MAX as i64) as i32;
        }
        if let Some(r) = require_all {
            if cib::value::parse_bool(r) == Some(false) {
                return 1;
            }
        }
        0
    }

    /// `unpack_order_set`; false when a reference does not resolve.
    fn order_set(
        &mut self,
        set: &OrderSetView,
        parent_kind: Kind,
        parent_sym: Option<&str>,
    ) -> bool {
        let action = set.action.clone().unwrap_or_else(|| "start".to_string());
        let local_kind = set.kind.unwrap_or(parent_kind);
        let sequential = set.sequential.unwrap_or(true);
        let symmetry = Self::symmetry(
            set.kind,
            parent_kind,
            set.symmetrical.as_deref(),
            parent_sym,
        );
        let flags = Self::flags_for(local_kind, &action, symmetry);
        let mut resources = Vec::new();
        for r in &set.refs {
            let Some(rsc) = self.find(r) else {
                return false;
            };
            resources.push(rsc);
        }
        if resources.len() == 1 {
            return true;
        }
        let mut last: Option<RscId> = None;
        for (i, &rsc) in resources.iter().enumerate() {
            if local_kind == Kind::Serialize {
                for &then in &resources[i + 1..] {
                    self.order_actions(&set.id, rsc, &action, then, &action, flags);
                }
            } else if sequential {
                if let Some(l) = last {
                    self.order_actions(&set.id, l, &action, rsc, &action, flags);
                }
                last = Some(rsc);
            }
        }
        if symmetry == Symmetry::Asymmetric {
            return true;
        }
        let Some(inv) = invert_action(&action) else {
            return true;
        };
        let flags = Self::flags_for(local_kind, inv, Symmetry::SymmetricInverse);
        let mut last: Option<RscId> = None;
        for &rsc in &resources {
            if sequential {
                if let Some(l) = last {
                    self.order_actions(&set.id, rsc, inv, l, inv, flags);
                }
                last = Some(rsc);
            }
        }
        true
    }

    /// `order_rsc_sets`; false when a reference does not resolve.
    fn order_rsc_sets(
        &mut self,
        id: &str,
        set1: &OrderSetView,
        set2: &OrderSetView,
        kind: Kind,
        symmetry: Symmetry,
    ) -> bool {
        let mut action1 = set1.action.clone().unwrap_or_else(|| "start".into());
        let mut action2 = set2.action.clone().unwrap_or_else(|| "start".into());
        let mut require_all = set1.require_all.unwrap_or(true);
        if symmetry == Symmetry::SymmetricInverse {
            action1 = invert_action(&action1).unwrap_or_default().to_string();
            action2 = invert_action(&action2).unwrap_or_default().to_string();
        }
        if eq_ci(&action1, "stop") || eq_ci(&action1, "demote") {
            require_all = true;
        }
        let flags = Self::flags_for(kind, &action2, symmetry);
        if !require_all {
            let name = format!("one-or-more:{}", set1.id);
            for r in &set1.refs {
                let Some(a) = self.find(r) else {
                    return false;
                };
                self.push_order(
                    id,
                    OrderAction::Rsc {
                        rsc: a,
                        task: action1.clone(),
                    },
                    OrderAction::Pseudo {
                        name: name.clone(),
                        required_runnable: 1,
                    },
                    OrderFlags::ONE_OR_MORE | OrderFlags::IMPLIES_THEN_PRINTED,
                );
            }
            for r in &set2.refs {
                let Some(b) = self.find(r) else {
                    return false;
                };
                self.push_order(
                    id,
                    OrderAction::Pseudo {
                        name: name.clone(),
                        required_runnable: 1,
                    },
                    OrderAction::Rsc {
                        rsc: b,
                        task: action2.clone(),
                    },
                    flags | OrderFlags::RUNNABLE_LEFT,
                );
            }
            return true;
        }
        let mut rsc1 = None;
        let mut rsc2 = None;
        // Only an explicit sequential="true" picks one end of a set here.
        if set1.sequential == Some(true) {
            let pick = if symmetry == Symmetry::SymmetricInverse {
                set1.refs.first()
            } else {
                set1.refs.last()
            };
            if let Some(p) = pick {
                match self.find(p) {
                    Some(r) => rsc1 = Some(r),
                    None => return false,
                }
            } else if symmetry != Symmetry::SymmetricInverse {
                return false;
            }
        }
        if set2.sequential == Some(true) {
            let pick = if symmetry == Symmetry::SymmetricInverse {
                set2.refs.last()
            } else {
                set2.refs.first()
            };
            if let Some(p) = pick {
                match self.find(p) {
                    Some(r) => rsc2 = Some(r),
                    None => return false,
                }
            } else if symmetry == Symmetry::SymmetricInverse {
                return false;
            }
        }
        match (rsc1, rsc2) {
            (Some(a), Some(b)) => self.order_actions(id, a, &action1, b, &action2, flags),
            (Some(a), None) => {
                for r in &set2.refs {
                    let Some(b) = self.find(r) else {
                        return false;
                    };
                    self.order_actions(id, a, &action1, b, &action2, flags);
                }
            }
            (None, Some(b)) => {
                for r in &set1.refs {
                    let Some(a) = self.find(r) else {
                        return false;
                    };
                    self.order_actions(id, a, &action1, b, &action2, flags);
                }
            }
            (None, None) => {
                for r in &set1.refs {
                    let Some(a) = self.find(r) else {
                        return false;
                    };
                    for r2 in &set2.refs {
                        let Some(b) = self.find(r2) else {
                            return false;
                        };
                        self.order_actions(id, a, &action1, b, &action2, flags);
                    }
                }
            }
        }
        true
    }

    // -- tickets ------------------------------------------------------------

    fn ticket(&mut self, t: &'a cib::Ticket) {
        if t.ticket.is_empty() {
            return;
        }
        self.tickets
            .entry(t.ticket.clone())
            .or_insert((false, false));
        let loss = t.loss_policy.as_ref().map(|l| l.raw().to_string());
        if !t.sets.is_empty() {
            for s in self.sets(&t.sets) {
                let Some(s) = s else {
                    return;
                };
                let Some(set_id) = s.id else {
                    return;
                };
                let role = s.set.role.as_ref().map(|r| r.raw().to_string());
                for r in &s.refs {
                    let Some(rsc) = self.find(r) else {
                        return;
                    };
                    self.rsc_ticket(set_id, rsc, &t.ticket, role.as_deref(), loss.as_deref());
                }
            }
            return;
        }
        let Some(rid) = &t.rsc else {
            return;
        };
        match self.rsc_or_tag(rid) {
            None => {}
            Some(Ok(rsc)) => {
                let role = t.rsc_role.as_ref().map(|r| r.raw().to_string());
                self.rsc_ticket(&t.id, rsc, &t.ticket, role.as_deref(), loss.as_deref());
            }
            Some(Err(tagged)) => {
                let role = t.rsc_role.as_ref().map(|r| r.raw().to_string());
                for r in tagged {
                    let Some(rsc) = self.find(&r) else {
                        return;
                    };
                    self.rsc_ticket(rid, rsc, &t.ticket, role.as_deref(), loss.as_deref());
                }
            }
        }
    }

    /// `rsc_ticket_new`.
    fn rsc_ticket(
        &mut self,
        id: &str,
        rsc: RscId,
        ticket: &str,
        state: Option<&str>,
        loss: Option<&str>,
    ) {
        let role = match state {
            None => Role::Unknown,
            Some(s) if eq_ci(s, "started") => Role::Unknown,
            Some(s) => text_to_role(Some(s)),
        };
        let mut loss = loss.map(str::to_ascii_lowercase);
        let mut policy = None;
        if loss.as_deref() == Some("fence") {
            if self.st.options.stonith_enabled {
                policy = Some(LossPolicy::Fence);
            } else {
                loss = Some("stop".into());
            }
        }
        let policy = policy.unwrap_or(match loss.as_deref() {
            Some("freeze") => LossPolicy::Freeze,
            Some("demote") => LossPolicy::Demote,
            Some("stop") => LossPolicy::Stop,
            _ if role == Role::Promoted => LossPolicy::Demote,
            _ => LossPolicy::Stop,
        });
        let (granted, standby) = self.tickets.get(ticket).copied().unwrap_or((false, false));
        let rt = RscTicket {
            id: id.to_string(),
            rsc,
            ticket: ticket.to_string(),
            granted,
            standby,
            role,
            loss_policy: policy,
        };
        if !granted || standby {
            self.ticket_effects(rsc, &rt);
        }
        self.out.constraints.tickets.push(rt);
    }

    /// `constraints_for_ticket`.
    fn ticket_effects(&mut self, rsc: RscId, t: &RscTicket) {
        if t.granted && !t.standby {
            return;
        }
        let r = self.st.rsc(rsc);
        if !r.children.is_empty() {
            for c in r.children.clone() {
                self.ticket_effects(c, t);
            }
            return;
        }
        let running = !r.running_on.is_empty();
        let role_matches = t.role == Role::Unknown || t.role == r.role;
        if !t.granted && running {
            match t.loss_policy {
                LossPolicy::Stop => self.out.bans.push(rsc),
                LossPolicy::Demote => {
                    if t.role != Role::Promoted {
                        self.out.bans.push(rsc);
                    }
                }
                LossPolicy::Fence => {
                    if !role_matches {
                        return;
                    }
                    self.out.bans.push(rsc);
                    for &n in &r.running_on {
                        self.out
                            .fenced
                            .push((n, "deadman ticket was lost".to_string()));
                    }
                }
                LossPolicy::Freeze => {
                    if !role_matches {
                        return;
                    }
                    self.out.frozen.push(rsc);
                }
            }
        } else if (!t.granted || t.standby)
            && (t.role != Role::Promoted || t.loss_policy == LossPolicy::Stop)
        {
            self.out.bans.push(rsc);
        }
    }
}

/// The parts of a colocation set the algorithm reads.
#[derive(Clone, Debug)]
struct SetView {
    id: String,
    refs: Vec<String>,
    role: Option<String>,
    /// `None`: not given (`pcmk__xe_get_bool_attr` fails).
    sequential: Option<bool>,
    score: Option<String>,
    ordering: Option<String>,
}

impl SetView {
    fn of(s: &Set<'_>) -> SetView {
        SetView {
            id: s.id.unwrap_or_default().to_string(),
            refs: s.refs.clone(),
            role: s.set.role.as_ref().map(|r| r.raw().to_string()),
            sequential: s
                .set
                .sequential
                .as_ref()
                .and_then(|v| cib::value::parse_bool(v.raw())),
            score: s.set.score.as_ref().map(|v| v.raw().to_string()),
            ordering: s.set.ordering.clone(),
        }
    }
}

/// The parts of an ordering set the algorithm reads.
#[derive(Clone, Debug)]
struct OrderSetView {
    id: String,
    refs: Vec<String>,
    action: Option<String>,
    sequential: Option<bool>,
    kind: Option<Kind>,
    symmetrical: Option<String>,
    require_all: Option<bool>,
}

impl OrderSetView {
    fn of(s: &Set<'_>) -> OrderSetView {
        let kind_raw = s.set.kind.as_ref();
        OrderSetView {
            id: s.id.unwrap_or_default().to_string(),
            refs: s.refs.clone(),
            action: s.set.action.as_ref().map(|a| a.raw().to_string()),
            sequential: s
                .set
                .sequential
                .as_ref()
                .map(|v| cib::value::is_true(Some(v.raw()))),
            kind: kind_raw.map(|k| ConstraintReader::kind_of(Some(k), None)),
            symmetrical: s
                .set
                .extra
                .attrs
                .iter()
                .find(|(k, _)| k == "symmetrical")
                .map(|(_, v)| v.clone()),
            require_all: s
                .set
                .require_all
                .as_ref()
                .and_then(|v| cib::value::parse_bool(v.raw())),
        }
    }
}

/// `invert_action`.
pub(crate) fn invert_action(action: &str) -> Option<&'static str> {
    let a = action.to_ascii_lowercase();
    Some(match a.as_str() {
        "start" => "stop",
        "stop" => "start",
        "promote" => "demote",
        "demote" => "promote",
        "promoted" => "demoted",
        "demoted" => "promoted",
        "running" => "stopped",
        "stopped" => "running",
        _ => return None,
    })
}

/// `pe_rsc_params(rsc, node)`: a resource's instance attributes (its own,
/// then its ancestors') with rules evaluated for the node, for
/// `value-source="param"` in location rules.
fn rsc_params(
    ix: &crate::unpack::nvsets::IdIndex<'_>,
    st: &ClusterState,
    rsc: RscId,
    node: NodeId,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let ctx = crate::unpack::rules::RuleCtx {
        now: st.now,
        node_attrs: Some(&st.node(node).attrs),
        ..Default::default()
    };
    let mut cur = Some(rsc);
    while let Some(c) = cur {
        if let ResourceKind::Primitive(p) = &st.rsc(c).kind {
            if let Some(cfg) = &p.config {
                crate::unpack::nvsets::unpack_sets(
                    ix,
                    &cfg.instance_attributes,
                    &ctx,
                    &mut out,
                    false,
                    None,
                );
            }
        }
        cur = st.rsc(c).parent;
    }
    out
}
