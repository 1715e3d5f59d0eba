//! Rule evaluation, exactly as Pacemaker 2.1.5 evaluates rules.
//!
//! A [`Rule`] is evaluated against a [`RuleContext`]: the node's attributes
//! (including the built-ins `#uname`, `#id`, `#kind`, `#is_dc`,
//! `#cluster-name`, `#site-name`, which the caller puts in the map), the
//! resource's role (for `#role` expressions), the resource agent (for
//! `rsc_expression`), the operation (for `op_expression`), the resource's
//! parameters and meta-attributes (for `value-source="param"`/`"meta"` in
//! location rules) and "now". The result says whether the rule passed and,
//! like Pacemaker's `next_change`, the earliest time a date-based result
//! will change (`date_spec` never reports one, as in Pacemaker).
//!
//! Evaluation never fails: what Pacemaker treats as a configuration error
//! (an unknown operation, an unparsable date) evaluates the way Pacemaker's
//! code falls through for it, which is usually "false" — but not always:
//! a `date_spec` field that does not parse is ignored, a rule whose `id-ref`
//! does not resolve passes, and an unknown comparison `type` compares equal.
//! Each case is noted where it is implemented.
//!
//! Entry points: [`eval_rule`] (one rule), [`eval_rules`] (the rules of a
//! set or a constraint's [`lifetime_rules`]), [`LocationRule`] (a location
//! constraint's rule with its score, `score-attribute` and role filter),
//! [`eval_date_expression`]. Name/value sets are in [`crate::nvpair`];
//! `id-ref`s resolve through [`IdRefs`]. The C-library number readings
//! Pacemaker relies on are here too: [`score_from_text`] (`char2score`),
//! [`parse_interval_spec`] (`crm_parse_interval_spec`), [`compare_version`].
//!
//! Verified against Pacemaker 2.1.5 itself: the unit tests replay 1,494
//! `crm_rule` verdicts on date expressions (three time zones) and 15,288
//! `crm_simulate` allocation scores of location rules (testdata/).
//!
//! ```
//! use cib::iso8601::DateTime;
//! use cib::idref::IdRefs;
//! use cib::rules::{eval_rule, LocationRule, RuleContext};
//! use std::collections::BTreeMap;
//!
//! let cib = cib::Cib::from_xml(r#"<cib epoch="1" num_updates="0" admin_epoch="0">
//!   <configuration><crm_config/><nodes/>
//!   <resources><primitive id="web" class="ocf" provider="heartbeat" type="apache"/></resources>
//!   <constraints>
//!     <rsc_location id="loc" rsc="web">
//!       <rule id="r" score-attribute="cpu" boolean-op="and">
//!         <expression id="e1" attribute="cpu" operation="gt" value="1000"/>
//!         <date_expression id="d1" operation="lt" end="2030-01-01"/>
//!       </rule>
//!     </rsc_location>
//!   </constraints></configuration><status/></cib>"#).unwrap();
//! let cib::Constraint::Location(loc) = &cib.configuration.constraints[0] else { panic!() };
//! let refs = IdRefs::new(&cib);
//! let node: BTreeMap<String, String> =
//!     [("#uname".to_string(), "n1".to_string()), ("cpu".to_string(), "5678".to_string())].into();
//! let now = DateTime::parse("2025-06-01 12:00:00Z").unwrap();
//! let ctx = RuleContext::new(now).node(&node);
//!
//! let outcome = eval_rule(&loc.rules[0], &ctx, &refs);
//! assert!(outcome.passed);
//! assert_eq!(outcome.next_change.map(|t| t.to_string()), Some("2030-01-01 00:00:00Z".into()));
//!
//! let rule = LocationRule::resolve(&loc.rules[0], &refs, None).unwrap();
//! assert_eq!(rule.evaluate(&ctx, &refs).score, Some(cib::Score::from(5678)));
//! ```

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

use crate::idref::IdRefs;
use crate::iso8601::DateTime;
use crate::model::{
    DateExpression, DateSpec, Expression, Extra, OpExpression, RscExpression, Rule, RuleExpr,
};
use crate::score::{HealthScores, Score};
use crate::value::Role;

/// Nested rules (and `id-ref` chains between them) deeper than this evaluate
/// as false. Pacemaker recurses without a limit and crashes on a cycle.
pub const MAX_RULE_DEPTH: usize = 64;

/// Something that holds named string values: node attributes, resource
/// parameters, meta-attributes.
pub trait Attrs {
    /// The value of `name`, if set.
    fn attr(&self, name: &str) -> Option<&str>;
}

impl<S: BuildHasher> Attrs for HashMap<String, String, S> {
    fn attr(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str)
    }
}

impl Attrs for BTreeMap<String, String> {
    fn attr(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str)
    }
}

impl Attrs for Vec<(String, String)> {
    fn attr(&self, name: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl Attrs for Vec<(&str, &str)> {
    fn attr(&self, name: &str) -> Option<&str> {
        self.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    }
}

impl<const N: usize> Attrs for [(&str, &str); N] {
    fn attr(&self, name: &str) -> Option<&str> {
        self.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    }
}

/// The resource agent an `rsc_expression` is tested against.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RscInfo<'a> {
    /// `class` (Pacemaker's "standard"): `ocf`, `stonith`, `systemd`…
    pub class: Option<&'a str>,
    pub provider: Option<&'a str>,
    /// `type`: the agent name.
    pub agent: Option<&'a str>,
}

/// The operation an `op_expression` is tested against.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpInfo<'a> {
    pub name: &'a str,
    pub interval_ms: u32,
}

/// What Pacemaker passes only when evaluating location-constraint rules: the
/// resource's parameters and meta-attributes (for `value-source`) and, for
/// `rsc-pattern` constraints, the regular expression's submatches (for
/// `%0`…`%9` in attribute names and `score-attribute`).
#[derive(Clone, Copy, Default)]
pub struct MatchData<'a> {
    pub params: Option<&'a dyn Attrs>,
    pub meta: Option<&'a dyn Attrs>,
    /// Submatch 0 (the whole match) first; `None` for a group that did not
    /// take part in the match.
    pub submatches: Option<&'a [Option<&'a str>]>,
}

/// Everything a rule can test. Build it with [`RuleContext::new`] and the
/// builder methods; what is not given is absent, and expressions about it
/// fail the way Pacemaker's do (an attribute expression without a node is
/// false, even `not_defined`).
#[derive(Clone, Copy)]
pub struct RuleContext<'a> {
    pub now: DateTime,
    /// The node's attributes; `None` when there is no node (cluster options,
    /// resource meta-attributes evaluated without a node).
    pub node: Option<&'a dyn Attrs>,
    /// The resource's role for `#role` expressions; [`Role::Unknown`] when
    /// there is none (Pacemaker 2.1.5 never passes one, see
    /// [`LocationRule::evaluate`]).
    pub role: Role,
    /// The host's offset from UTC, in seconds. Pacemaker reads a rule's date
    /// that has a time but no zone as local time, and a time without a date
    /// as today's: see [`eval_date_expression`].
    pub local_offset_s: i32,
    pub rsc: Option<RscInfo<'a>>,
    pub op: Option<OpInfo<'a>>,
    /// Present for location-constraint rules only.
    pub matched: Option<MatchData<'a>>,
    /// Scores of the `red`/`yellow`/`green` spellings of a score.
    pub health: HealthScores,
}

impl<'a> RuleContext<'a> {
    /// A context holding only "now". Health colours score 0, as under
    /// Pacemaker's default `node-health-strategy=none`.
    pub fn new(now: DateTime) -> Self {
        RuleContext {
            now,
            node: None,
            role: Role::Unknown,
            local_offset_s: 0,
            rsc: None,
            op: None,
            matched: None,
            health: HealthScores {
                red: Score::ZERO,
                yellow: Score::ZERO,
                green: Score::ZERO,
            },
        }
    }

    /// The node whose attributes expressions test.
    pub fn node(mut self, attrs: &'a dyn Attrs) -> Self {
        self.node = Some(attrs);
        self
    }

    /// The role `#role` expressions test.
    pub fn role(mut self, role: Role) -> Self {
        self.role = role;
        self
    }

    /// The host's offset from UTC in seconds (0, the default, for a host
    /// keeping UTC).
    pub fn local_offset_s(mut self, offset_s: i32) -> Self {
        self.local_offset_s = offset_s;
        self
    }

    /// The agent `rsc_expression`s test.
    pub fn rsc(
        mut self,
        class: Option<&'a str>,
        provider: Option<&'a str>,
        agent: Option<&'a str>,
    ) -> Self {
        self.rsc = Some(RscInfo {
            class,
            provider,
            agent,
        });
        self
    }

    /// The operation `op_expression`s test.
    pub fn op(mut self, name: &'a str, interval_ms: u32) -> Self {
        self.op = Some(OpInfo { name, interval_ms });
        self
    }

    /// Location-rule data: the resource's parameters and meta-attributes.
    pub fn location(mut self, params: Option<&'a dyn Attrs>, meta: Option<&'a dyn Attrs>) -> Self {
        let m = self.matched.get_or_insert_with(MatchData::default);
        m.params = params;
        m.meta = meta;
        self
    }

    /// Location-rule data: the submatches of an `rsc-pattern`.
    pub fn submatches(mut self, groups: &'a [Option<&'a str>]) -> Self {
        self.matched
            .get_or_insert_with(MatchData::default)
            .submatches = Some(groups);
        self
    }

    /// The health colour scores.
    pub fn health(mut self, health: HealthScores) -> Self {
        self.health = health;
        self
    }
}

/// The result of evaluating rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub passed: bool,
    /// The earliest time after which a date expression that was evaluated
    /// would give another result (Pacemaker's `next_change`; the scheduler
    /// re-runs by then). Expressions skipped by short-circuiting do not count.
    pub next_change: Option<DateTime>,
}

/// How `now` relates to a date expression (Pacemaker's return codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateMatch {
    /// Not yet in effect.
    BeforeRange,
    /// In effect (`in_range`, `gt`, `lt`).
    WithinRange,
    /// No longer in effect.
    AfterRange,
    /// Every `date_spec` field matched.
    Satisfied,
    /// Not enough to decide (missing `start`/`end`, a date that does not
    /// parse, an unknown operation): the expression fails.
    Undetermined,
}

impl DateMatch {
    /// Whether the expression passes.
    pub fn passes(self) -> bool {
        matches!(self, DateMatch::WithinRange | DateMatch::Satisfied)
    }
}

/// Evaluates one rule (Pacemaker's `pe_eval_expr`): its `id-ref` resolved,
/// then its expressions combined with `and` (the default) or `or`,
/// short-circuiting. A rule with no expressions passes. The rule's own
/// `score` and `role` do not take part (see [`LocationRule`]).
pub fn eval_rule(rule: &Rule, ctx: &RuleContext, refs: &IdRefs) -> Outcome {
    let mut ev = Evaluator::new(ctx, refs);
    let passed = ev.rule(rule, 0);
    ev.outcome(passed)
}

/// Evaluates the rules of a set or constraint lifetime (Pacemaker's
/// `pe_eval_rules`): passes when there are none or when any passes.
pub fn eval_rules(rules: &[Rule], ctx: &RuleContext, refs: &IdRefs) -> Outcome {
    let mut ev = Evaluator::new(ctx, refs);
    let mut passed = true;
    for rule in rules {
        passed = ev.rule(rule, 0);
        if passed {
            break;
        }
    }
    ev.outcome(passed)
}

/// Evaluates one condition of a rule (Pacemaker's `pe_eval_subexpr`).
pub fn eval_expr(expr: &RuleExpr, ctx: &RuleContext, refs: &IdRefs) -> Outcome {
    let mut ev = Evaluator::new(ctx, refs);
    let passed = ev.expr(expr, 0);
    ev.outcome(passed)
}

struct Evaluator<'c, 'a, 'r> {
    ctx: &'c RuleContext<'a>,
    refs: &'c IdRefs<'r>,
    next_change: Option<DateTime>,
}

impl<'c, 'a, 'r> Evaluator<'c, 'a, 'r> {
    fn new(ctx: &'c RuleContext<'a>, refs: &'c IdRefs<'r>) -> Self {
        Evaluator {
            ctx,
            refs,
            next_change: None,
        }
    }

    fn outcome(self, passed: bool) -> Outcome {
        Outcome {
            passed,
            next_change: self.next_change,
        }
    }

    fn rule(&mut self, rule: &Rule, depth: usize) -> bool {
        if depth > MAX_RULE_DEPTH {
            return false;
        }
        // An id-ref that does not resolve leaves Pacemaker with no element:
        // no boolean-op (so "and") and no expressions, which passes.
        let rule = match &rule.id_ref {
            Some(id) => match self.refs.rule(id) {
                Some(r) => r,
                None => return true,
            },
            None => rule,
        };
        let or = rule
            .boolean_op
            .as_ref()
            .is_some_and(|b| b.raw().eq_ignore_ascii_case("or"));
        for e in &rule.exprs {
            let passed = self.expr(e, depth + 1);
            if passed && or {
                return true;
            }
            if !passed && !or {
                return false;
            }
        }
        !or
    }

    fn expr(&mut self, expr: &RuleExpr, depth: usize) -> bool {
        match expr {
            RuleExpr::Rule(r) => self.rule(r, depth),
            RuleExpr::Expr(e) if e.attribute == "#role" => eval_role_expr(e, self.ctx.role),
            RuleExpr::Expr(e) => self
                .ctx
                .node
                .is_some_and(|node| eval_attr_expr(e, node, self.ctx.matched.as_ref())),
            RuleExpr::Date(d) => {
                let (m, next) = eval_date_expression(d, &self.ctx.now, self.ctx.local_offset_s);
                if let Some(t) = next {
                    self.note_change(t);
                }
                m.passes()
            }
            RuleExpr::Op(o) => self.ctx.op.is_some_and(|op| eval_op_expr(o, &op)),
            RuleExpr::Rsc(r) => self.ctx.rsc.is_some_and(|rsc| eval_rsc_expr(r, &rsc)),
            RuleExpr::Other(_) => false,
        }
    }

    fn note_change(&mut self, t: DateTime) {
        if self
            .next_change
            .map_or(true, |cur| t.compare(&cur) == Ordering::Less)
        {
            self.next_change = Some(t);
        }
    }
}

// ---------------------------------------------------------------------------
// Node attribute expressions

/// An `<expression>` on a node attribute (or `#uname`, `#id`, `#kind`…).
fn eval_attr_expr(e: &Expression, node: &dyn Attrs, matched: Option<&MatchData>) -> bool {
    let op = e.operation.as_ref().map(|o| o.raw());
    let ty = e.type_.as_ref().map(|t| t.raw());
    let mut attribute: Cow<str> = Cow::Borrowed(&e.attribute);
    let mut value = e.value.as_deref();
    if let Some(m) = matched {
        if let Some(groups) = m.submatches {
            if let Some(expanded) = expand_submatches(&e.attribute, groups) {
                attribute = Cow::Owned(expanded);
            }
        }
        let source = e.value_source.as_ref().map(|s| s.raw());
        value = expand_value_source(value, source, m);
    }
    accept_attr_expr(node.attr(&attribute), value, ty, op)
}

/// The value to compare with, by `value-source` (only with location data):
/// an empty value is no value; `param`/`meta` name a resource parameter or
/// meta-attribute; anything else is the literal value.
fn expand_value_source<'v>(
    value: Option<&'v str>,
    source: Option<&str>,
    m: &MatchData<'v>,
) -> Option<&'v str> {
    let value = value.filter(|v| !v.is_empty())?;
    let table = match source {
        Some(s) if s.eq_ignore_ascii_case("param") => m.params,
        Some(s) if s.eq_ignore_ascii_case("meta") => m.meta,
        _ => return Some(value),
    };
    table?.attr(value)
}

/// Replaces `%0`…`%9` with the submatches of an `rsc-pattern` (a reference
/// to a group that did not match, or matched nothing, is dropped). `None`
/// when the result would be empty: Pacemaker then keeps the text as written.
pub fn expand_submatches(text: &str, groups: &[Option<&str>]) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        match after.as_bytes().first() {
            Some(d) if d.is_ascii_digit() => {
                if let Some(Some(g)) = groups.get(usize::from(d - b'0')) {
                    out.push_str(g);
                }
                rest = &after[1..];
            }
            _ => {
                out.push('%');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    (!out.is_empty()).then_some(out)
}

fn is_one_of(s: Option<&str>, names: &[&str]) -> bool {
    s.is_some_and(|s| names.iter().any(|n| n.eq_ignore_ascii_case(s)))
}

/// Whether `left op right` holds (Pacemaker's `accept_attr_expr`). `left` is
/// the node's value, `right` the expression's.
pub fn accept_attr_expr(
    left: Option<&str>,
    right: Option<&str>,
    ty: Option<&str>,
    op: Option<&str>,
) -> bool {
    if is_one_of(op, &["defined"]) {
        return left.is_some();
    }
    if is_one_of(op, &["not_defined"]) {
        return left.is_none();
    }
    let cmp = compare_attr_values(left, right, ty, op);
    if is_one_of(op, &["eq"]) {
        cmp == Ordering::Equal
    } else if is_one_of(op, &["ne"]) {
        cmp != Ordering::Equal
    } else if left.is_none() || right.is_none() {
        false
    } else if is_one_of(op, &["lt"]) {
        cmp == Ordering::Less
    } else if is_one_of(op, &["lte"]) {
        cmp != Ordering::Greater
    } else if is_one_of(op, &["gt"]) {
        cmp == Ordering::Greater
    } else if is_one_of(op, &["gte"]) {
        cmp != Ordering::Less
    } else {
        false
    }
}

/// Compares two attribute values by `type` (Pacemaker's
/// `compare_attr_expr_vals`). Without a type, `lt`/`lte`/`gt`/`gte` compare
/// as `number` when either value contains a `.` and as `integer` otherwise,
/// and every other operation compares as `string`. A value that does not
/// parse as the type makes both compare as strings (case-insensitively). An
/// unknown type compares equal. A missing value sorts first.
pub fn compare_attr_values(
    left: Option<&str>,
    right: Option<&str>,
    ty: Option<&str>,
    op: Option<&str>,
) -> Ordering {
    let (l, r) = match (left, right) {
        (Some(l), Some(r)) => (l, r),
        (None, None) => return Ordering::Equal,
        (Some(_), None) => return Ordering::Greater,
        (None, Some(_)) => return Ordering::Less,
    };
    let ty = match ty {
        Some(t) => t,
        None if is_one_of(op, &["lt", "lte", "gt", "gte"]) => {
            if l.contains('.') || r.contains('.') {
                "number"
            } else {
                "integer"
            }
        }
        None => "string",
    };
    if ty.eq_ignore_ascii_case("string") {
        strcasecmp(l, r)
    } else if ty.eq_ignore_ascii_case("integer") {
        match (scan_ll_ok(l), scan_ll_ok(r)) {
            (Some(a), Some(b)) => a.cmp(&b),
            _ => strcasecmp(l, r),
        }
    } else if ty.eq_ignore_ascii_case("number") {
        match (scan_double(l), scan_double(r)) {
            // NaN is neither less nor greater: equal, as in C.
            (Some(a), Some(b)) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
            _ => strcasecmp(l, r),
        }
    } else if ty.eq_ignore_ascii_case("version") {
        compare_version(l, r)
    } else {
        Ordering::Equal
    }
}

/// C `strcasecmp` in the C locale.
fn strcasecmp(a: &str, b: &str) -> Ordering {
    let la = a.bytes().map(|c| c.to_ascii_lowercase());
    let lb = b.bytes().map(|c| c.to_ascii_lowercase());
    la.cmp(lb)
}

/// Compares dotted versions as Pacemaker's `compare_version` does: each
/// dot-separated part is read as an integer (`strtol`), a missing part
/// counts as 0 and an empty version as −1. Where Pacemaker would loop
/// forever (a part that is not a number, with everything after it equal)
/// the versions compare equal.
pub fn compare_version(v1: &str, v2: &str) -> Ordering {
    fn part(it: &mut Option<&[u8]>) -> i64 {
        let Some(s) = *it else { return 0 };
        if s.is_empty() {
            return -1;
        }
        let scan = strtoll(s);
        *it = Some(&s[scan.end..]);
        // strtol's long is stored in an int.
        i64::from(scan.value as i32)
    }
    fn step(it: &mut Option<&[u8]>) {
        if let Some(s) = *it {
            let s = s.strip_prefix(b".").unwrap_or(s);
            *it = (!s.is_empty()).then_some(s);
        }
    }
    let mut a = Some(v1.as_bytes());
    let mut b = Some(v2.as_bytes());
    while a.is_some() || b.is_some() {
        let before = (a.map(<[u8]>::len), b.map(<[u8]>::len));
        let (d1, d2) = (part(&mut a), part(&mut b));
        match d1.cmp(&d2) {
            Ordering::Equal => {}
            other => return other,
        }
        step(&mut a);
        step(&mut b);
        if (a.map(<[u8]>::len), b.map(<[u8]>::len)) == before {
            // Neither side moved: Pacemaker would spin here forever.
            break;
        }
    }
    Ordering::Equal
}

// ---------------------------------------------------------------------------
// #role, rsc_expression, op_expression

/// Pacemaker's `text2role`: case-insensitive, legacy names accepted,
/// anything else (or nothing) is `Unknown`.
pub fn text_to_role(text: Option<&str>) -> Role {
    let Some(t) = text else { return Role::Unknown };
    let is = |names: &[&str]| names.iter().any(|n| n.eq_ignore_ascii_case(t));
    if is(&["Stopped"]) {
        Role::Stopped
    } else if is(&["Started"]) {
        Role::Started
    } else if is(&["Unpromoted", "Slave"]) {
        Role::Unpromoted
    } else if is(&["Promoted", "Master"]) {
        Role::Promoted
    } else {
        Role::Unknown
    }
}

/// An `<expression attribute="#role">`. `defined` means a promotable role
/// (unpromoted or promoted), `not_defined` stopped or started; `ne` is only
/// ever true for promotable roles; ordering operations never pass.
fn eval_role_expr(e: &Expression, role: Role) -> bool {
    if role == Role::Unknown {
        return false;
    }
    let op = e.operation.as_ref().map(|o| o.raw());
    let not_promotable = role > Role::Unknown && role < Role::Unpromoted;
    if is_one_of(op, &["defined"]) {
        role > Role::Started
    } else if is_one_of(op, &["not_defined"]) {
        not_promotable
    } else if is_one_of(op, &["eq"]) {
        text_to_role(e.value.as_deref()) == role
    } else if is_one_of(op, &["ne"]) {
        !not_promotable && text_to_role(e.value.as_deref()) != role
    } else {
        false
    }
}

/// An `<rsc_expression>`: each of class and type given must match exactly;
/// the provider must match exactly, *including its absence* (an expression
/// without a provider matches only agents without one).
fn eval_rsc_expr(e: &RscExpression, rsc: &RscInfo) -> bool {
    if e.class.is_some() && e.class.as_deref() != rsc.class {
        return false;
    }
    if e.provider.as_deref() != rsc.provider {
        return false;
    }
    !(e.type_.is_some() && e.type_.as_deref() != rsc.agent)
}

/// An `<op_expression>`: the name must match exactly; an interval, when
/// given, must parse (as Pacemaker parses intervals) and be equal.
fn eval_op_expr(e: &OpExpression, op: &OpInfo) -> bool {
    if let Some(interval) = &e.interval {
        match parse_interval_spec(interval.raw()) {
            Some(ms) if ms == op.interval_ms => {}
            _ => return false,
        }
    }
    e.name == op.name
}

// ---------------------------------------------------------------------------
// Date expressions

/// Evaluates a `date_expression` at `now` (Pacemaker's `pe__eval_date_expr`),
/// with the time after which the result changes, if it can be told.
///
/// `start` and `end` are parsed as Pacemaker parses them on a host
/// `local_offset_s` east of UTC whose clock reads `now` (see
/// [`DateTime::parse_at`]): a date with a time but no zone is local time, a
/// time without a date is on `now`'s local date. A missing `end` with a
/// `duration` is `start` plus the duration (also for `lt`). An absent operation is `in_range`.
/// `in_range` needs `start` or `end` and includes both ends; `gt` needs
/// `start`, `lt` needs `end` (both exclusive).
pub fn eval_date_expression(
    expr: &DateExpression,
    now: &DateTime,
    local_offset_s: i32,
) -> (DateMatch, Option<DateTime>) {
    let clock = now.at_offset(local_offset_s);
    let parse = |text: &Option<String>| {
        text.as_deref()
            .and_then(|s| DateTime::parse_at(s, &clock).ok())
    };
    let start = parse(&expr.start);
    let mut end = parse(&expr.end);
    if let (Some(s), None, Some(d)) = (start, end, &expr.duration) {
        end = Some(add_duration_spec(s, d));
    }
    let op = expr.operation.as_ref().map(|o| o.raw());
    let after_one_second = |mut t: DateTime| {
        t.add_seconds(1);
        t
    };
    if op.map_or(true, |o| o.eq_ignore_ascii_case("in_range")) {
        match (start, end) {
            (None, None) => (DateMatch::Undetermined, None),
            (Some(s), _) if now.compare(&s) == Ordering::Less => (DateMatch::BeforeRange, Some(s)),
            (_, Some(e)) if now.compare(&e) == Ordering::Greater => (DateMatch::AfterRange, None),
            (_, e) => (DateMatch::WithinRange, e.map(after_one_second)),
        }
    } else if is_one_of(op, &["date_spec"]) {
        (eval_date_spec(expr.date_spec.as_ref(), now), None)
    } else if is_one_of(op, &["gt"]) {
        match start {
            None => (DateMatch::Undetermined, None),
            Some(s) if now.compare(&s) == Ordering::Greater => (DateMatch::WithinRange, None),
            Some(s) => (DateMatch::BeforeRange, Some(after_one_second(s))),
        }
    } else if is_one_of(op, &["lt"]) {
        match end {
            None => (DateMatch::Undetermined, None),
            Some(e) if now.compare(&e) == Ordering::Less => (DateMatch::WithinRange, Some(e)),
            Some(_) => (DateMatch::AfterRange, None),
        }
    } else {
        (DateMatch::Undetermined, None)
    }
}

/// `start` plus a `<duration>` (Pacemaker's `pe_parse_xml_duration`): years,
/// months, weeks, days, hours, minutes, seconds, in that order. A field that
/// is not an integer (leading text is enough: `5x` is 5), is 0 or does not
/// fit a C `int` is skipped.
pub fn add_duration_spec(start: DateTime, duration: &DateSpec) -> DateTime {
    let mut end = start;
    let field = |name: &str| {
        duration
            .field(name)
            .and_then(scan_ll_ok)
            .filter(|v| *v != 0 && i32::try_from(*v).is_ok())
    };
    if let Some(v) = field("years") {
        end.add_years(v);
    }
    if let Some(v) = field("months") {
        end.add_months(v);
    }
    if let Some(v) = field("weeks") {
        end.add_weeks(v);
    }
    if let Some(v) = field("days") {
        end.add_days(v);
    }
    if let Some(v) = field("hours") {
        end.add_hours(v);
    }
    if let Some(v) = field("minutes") {
        end.add_minutes(v);
    }
    if let Some(v) = field("seconds") {
        end.add_seconds(v);
    }
    end
}

/// Matches `now` against a `<date_spec>` (Pacemaker's
/// `pe_cron_range_satisfied`). Each field holds a number (`5`), a range
/// (`9-16`) or an open range (`9-`, `-16`), inclusive; fields that are
/// missing or do not parse are ignored, so a `date_spec` without fields (or
/// a `date_spec` operation without the element) always matches. The `days`
/// field is not a `date_spec` field and is ignored too.
pub fn eval_date_spec(spec: Option<&DateSpec>, now: &DateTime) -> DateMatch {
    let fields: [(&str, i64); 11] = [
        ("years", now.year()),
        ("months", now.month()),
        ("monthdays", now.monthday()),
        ("hours", now.hour()),
        ("minutes", now.minute()),
        ("seconds", now.second()),
        ("yeardays", now.yearday()),
        ("weekyears", now.weekyear()),
        ("weeks", now.iso_week()),
        ("weekdays", now.weekday()),
        ("moon", moon_phase(now)),
    ];
    for (name, value) in fields {
        // Pacemaker holds the fields as unsigned 32-bit numbers.
        let value = i64::from(value as u32);
        match check_range(spec.and_then(|s| s.field(name)), value) {
            DateMatch::BeforeRange => return DateMatch::BeforeRange,
            DateMatch::AfterRange => return DateMatch::AfterRange,
            _ => {}
        }
    }
    DateMatch::Satisfied
}

/// One `date_spec` field against one value (Pacemaker's `check_one`).
fn check_range(spec: Option<&str>, value: i64) -> DateMatch {
    let Some((low, high)) = spec.and_then(parse_ll_range) else {
        return DateMatch::Undetermined;
    };
    let before_after = |low: Option<i64>, high: Option<i64>| {
        if low.is_some_and(|l| value < l) {
            DateMatch::BeforeRange
        } else if high.is_some_and(|h| value > h) {
            DateMatch::AfterRange
        } else {
            DateMatch::WithinRange
        }
    };
    // −1 stands for "no bound" in Pacemaker's parse, whatever was written.
    match (low, high) {
        (l, h) if l == h => before_after(Some(l), Some(h)),
        (-1, h) => before_after(None, Some(h)),
        (l, -1) => before_after(Some(l), None),
        (l, h) => before_after(Some(l), Some(h)),
    }
}

/// Parses `N`, `N-M`, `N-` or `-M` (Pacemaker's `pcmk__parse_ll_range`); a
/// missing bound is −1, and a single number gives equal bounds.
fn parse_ll_range(text: &str) -> Option<(i64, i64)> {
    const NONE: i64 = -1;
    let b = text.as_bytes();
    if b.is_empty() || b == b"-" {
        return None;
    }
    if let Some(rest) = b.strip_prefix(b"-") {
        let s = strtoll(rest);
        return (s.end > 0 && !s.overflow && s.end == rest.len()).then_some((NONE, s.value));
    }
    let s = strtoll(b);
    if s.end == 0 || s.overflow {
        return None;
    }
    let rest = &b[s.end..];
    match rest.first() {
        None => Some((s.value, s.value)),
        Some(b'-') if rest.len() == 1 => Some((s.value, NONE)),
        Some(b'-') => {
            let e = strtoll(&rest[1..]);
            (e.end > 0 && !e.overflow && e.end == rest.len() - 1).then_some((s.value, e.value))
        }
        Some(_) => None,
    }
}

/// Phase of the moon, 0 (new) to 7, 4 being full (Pacemaker's nethack-derived
/// `phase_of_the_moon`, on the local date).
pub fn moon_phase(now: &DateTime) -> i64 {
    let year = now.year() as u32;
    let day = now.yearday() as u32;
    let golden = (year % 19).wrapping_add(1);
    let mut epact = golden.wrapping_mul(11).wrapping_add(18) % 30;
    if (epact == 25 && golden > 11) || epact == 24 {
        epact += 1;
    }
    let phase = ((day.wrapping_add(epact).wrapping_mul(6).wrapping_add(11)) % 177) / 22;
    i64::from(phase & 7)
}

// ---------------------------------------------------------------------------
// Location rules

/// The score a location rule gives the nodes it matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleScore {
    /// `score`, as written (read with [`score_from_text`]).
    Value(String),
    /// `score-attribute`: the node's value of this attribute, or −INFINITY
    /// when the node does not have it.
    Attribute(String),
    /// Neither `score` nor `score-attribute`: 0.
    Unset,
}

/// A rule of a location constraint, resolved: what Pacemaker's
/// `generate_location_rule` sets up before testing nodes.
#[derive(Clone, Debug)]
pub struct LocationRule<'a> {
    /// The rule after following its `id-ref`.
    pub rule: &'a Rule,
    /// The role the resulting preference applies to; `None` for every role.
    /// `Unpromoted` applies to every role (a clone instance is unpromoted
    /// before it can be promoted); `Started` is kept as written. Pacemaker's
    /// scheduler applies a filtered preference only while the resource's
    /// next role is exactly that role (`pcmk__apply_location`), so a
    /// `role="Started"` rule does not affect where a stopped resource is
    /// placed.
    pub role_filter: Option<Role>,
    pub score: RuleScore,
}

/// What a location rule gives one node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocationOutcome {
    /// The node's score when the rule matched it; `None` when it did not.
    pub score: Option<Score>,
    pub next_change: Option<DateTime>,
}

impl<'a> LocationRule<'a> {
    /// Resolves a location rule. `None` when Pacemaker ignores it: its
    /// `id-ref` does not resolve, or its `role` is not a known role (or is
    /// `Unknown`). `submatches` are those of an `rsc-pattern` match; they
    /// are substituted into `score-attribute`.
    pub fn resolve(
        rule: &'a Rule,
        refs: &IdRefs<'a>,
        submatches: Option<&[Option<&str>]>,
    ) -> Option<Self> {
        let rule = refs.resolve_rule(rule)?;
        let role_filter = match &rule.role {
            None => None,
            Some(r) => match text_to_role(Some(r.raw())) {
                Role::Unknown => return None,
                Role::Unpromoted => None,
                other => Some(other),
            },
        };
        let score = if let Some(s) = &rule.score {
            RuleScore::Value(s.raw().to_string())
        } else if let Some(attr) = &rule.score_attribute {
            let expanded = submatches
                .filter(|g| g.first().is_some_and(Option::is_some))
                .and_then(|g| expand_submatches(attr, g));
            RuleScore::Attribute(expanded.unwrap_or_else(|| attr.clone()))
        } else {
            RuleScore::Unset
        };
        Some(LocationRule {
            rule,
            role_filter,
            score,
        })
    }

    /// The score for a node (whether or not the rule matches it).
    pub fn score_for(&self, node: Option<&dyn Attrs>, health: &HealthScores) -> Score {
        match &self.score {
            RuleScore::Value(text) => score_from_text(text, health),
            RuleScore::Unset => Score::ZERO,
            RuleScore::Attribute(name) => match node.and_then(|n| n.attr(name)) {
                Some(v) => score_from_text(v, health),
                None => Score::MINUS_INFINITY,
            },
        }
    }

    /// Tests the rule on the context's node. As in Pacemaker, the rule is
    /// tested with no role, whatever `ctx.role` says (so `#role`
    /// expressions never pass in location rules); the role only filters
    /// where the preference applies ([`LocationRule::role_filter`]).
    pub fn evaluate(&self, ctx: &RuleContext, refs: &IdRefs) -> LocationOutcome {
        let ctx = RuleContext {
            role: Role::Unknown,
            ..*ctx
        };
        let outcome = eval_rule(self.rule, &ctx, refs);
        LocationOutcome {
            score: outcome
                .passed
                .then(|| self.score_for(ctx.node, &ctx.health)),
            next_change: outcome.next_change,
        }
    }
}

/// The rules of a constraint's deprecated `<lifetime>` child, which the
/// model keeps unparsed in the constraint's [`Extra`]. `None` when there is
/// no `<lifetime>`. Pacemaker skips the whole constraint unless these pass
/// with [`eval_rules`] evaluated without a node (and uses their
/// `next_change`). Rules that cannot be read are left out.
pub fn lifetime_rules(extra: &Extra) -> Option<Vec<Rule>> {
    let lifetime = extra.children.iter().find(|c| c.name == "lifetime")?;
    let cx = crate::read::Ctx::new(crate::read::Mode::Lenient);
    Some(
        lifetime
            .children
            .iter()
            .filter(|c| c.name == "rule")
            .filter_map(|c| crate::read::rule(&cx, c).ok())
            .collect(),
    )
}

// ---------------------------------------------------------------------------
// Numbers the way the C library reads them

/// What `strtoll(text, &end, 10)` reports.
struct LlScan {
    /// Clamped to the `i64` range on overflow; 0 when nothing was read.
    value: i64,
    /// Bytes consumed; 0 when there were no digits.
    end: usize,
    overflow: bool,
}

fn strtoll(b: &[u8]) -> LlScan {
    let mut i = 0;
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
        i += 1;
    }
    let negative = b.get(i) == Some(&b'-');
    if matches!(b.get(i), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits_start = i;
    let mut value: i128 = 0;
    while let Some(d) = b.get(i).filter(|c| c.is_ascii_digit()) {
        value = (value * 10 + i128::from(d - b'0')).min(i128::from(u64::MAX) + 1);
        i += 1;
    }
    if i == digits_start {
        return LlScan {
            value: 0,
            end: 0,
            overflow: false,
        };
    }
    let value = if negative { -value } else { value };
    let clamped = value.clamp(i128::from(i64::MIN), i128::from(i64::MAX));
    LlScan {
        value: clamped as i64,
        end: i,
        overflow: clamped != value,
    }
}

/// Pacemaker's `pcmk__scan_ll`: an integer at the start of `text` (leading
/// blanks and trailing text allowed); `None` without digits or on overflow.
fn scan_ll_ok(text: &str) -> Option<i64> {
    let s = strtoll(text.as_bytes());
    (s.end > 0 && !s.overflow).then_some(s.value)
}

/// C `strtod`: the value and the bytes consumed (0 when nothing was read).
fn strtod(b: &[u8]) -> (f64, usize, bool) {
    let mut i = 0;
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
        i += 1;
    }
    let negative = b.get(i) == Some(&b'-');
    if matches!(b.get(i), Some(b'+' | b'-')) {
        i += 1;
    }
    let sign = if negative { -1.0 } else { 1.0 };
    let rest = &b[i..];
    let starts = |p: &[u8]| rest.len() >= p.len() && rest[..p.len()].eq_ignore_ascii_case(p);
    if starts(b"infinity") {
        return (sign * f64::INFINITY, i + 8, true);
    }
    if starts(b"inf") {
        return (sign * f64::INFINITY, i + 3, true);
    }
    if starts(b"nan") {
        let mut end = i + 3;
        if b.get(end) == Some(&b'(') {
            let mut j = end + 1;
            while b
                .get(j)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
            {
                j += 1;
            }
            if b.get(j) == Some(&b')') {
                end = j + 1;
            }
        }
        return (f64::NAN, end, true);
    }
    let hex_digit = |c: Option<&u8>| c.is_some_and(u8::is_ascii_hexdigit);
    if starts(b"0x")
        && (hex_digit(rest.get(2)) || (rest.get(2) == Some(&b'.') && hex_digit(rest.get(3))))
    {
        let mut j = i + 2;
        let mut mantissa = 0f64;
        let mut frac_digits = 0i64;
        let mut seen_point = false;
        while let Some(&c) = b.get(j) {
            if c == b'.' && !seen_point {
                seen_point = true;
            } else if let Some(d) = (c as char).to_digit(16) {
                mantissa = mantissa * 16.0 + f64::from(d);
                if seen_point {
                    frac_digits += 1;
                }
            } else {
                break;
            }
            j += 1;
        }
        let mut exponent = 0i64;
        if matches!(b.get(j), Some(b'p' | b'P')) {
            let e = strtoll(&b[j + 1..]);
            let sign_ok = !matches!(b.get(j + 1), Some(c) if c.is_ascii_whitespace());
            if e.end > 0 && sign_ok {
                exponent = e.value.clamp(-100_000, 100_000);
                j += 1 + e.end;
            }
        }
        let value =
            mantissa * 2f64.powi((exponent - 4 * frac_digits).clamp(-100_000, 100_000) as i32);
        return (sign * value, j, false);
    }
    let mut j = i;
    let int_start = j;
    while b.get(j).is_some_and(u8::is_ascii_digit) {
        j += 1;
    }
    let int_part = &b[int_start..j];
    let mut frac_part: &[u8] = &[];
    if b.get(j) == Some(&b'.') {
        let f_start = j + 1;
        let mut k = f_start;
        while b.get(k).is_some_and(u8::is_ascii_digit) {
            k += 1;
        }
        if !int_part.is_empty() || k > f_start {
            frac_part = &b[f_start..k];
            j = k;
        }
    }
    if int_part.is_empty() && frac_part.is_empty() {
        return (0.0, 0, false);
    }
    let mut exponent = 0i64;
    if matches!(b.get(j), Some(b'e' | b'E')) {
        let mut k = j + 1;
        let exp_negative = b.get(k) == Some(&b'-');
        if matches!(b.get(k), Some(b'+' | b'-')) {
            k += 1;
        }
        let e_start = k;
        let mut e: i64 = 0;
        while let Some(d) = b.get(k).filter(|c| c.is_ascii_digit()) {
            e = (e * 10 + i64::from(d - b'0')).min(1_000_000);
            k += 1;
        }
        if k > e_start {
            exponent = if exp_negative { -e } else { e };
            j = k;
        }
    }
    let text = format!(
        "{}.{}e{}",
        std::str::from_utf8(if int_part.is_empty() { b"0" } else { int_part }).unwrap_or("0"),
        std::str::from_utf8(if frac_part.is_empty() {
            b"0"
        } else {
            frac_part
        })
        .unwrap_or("0"),
        exponent
    );
    let value: f64 = text.parse().unwrap_or(0.0);
    (sign * value, j, false)
}

/// Pacemaker's `pcmk__scan_double`: `None` when nothing parses, on overflow,
/// and on underflow — which, as Pacemaker checks it, includes any zero
/// written with other characters than `0`, `.`, `e` (so `-0`, `+0`, ` 0`).
fn scan_double(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    let (value, end, literal) = strtod(b);
    if end == 0 || (value.is_infinite() && !literal) {
        return None;
    }
    if value.abs() <= f64::MIN_POSITIVE && b[..end].iter().any(|c| !b"0.eE".contains(c)) {
        return None;
    }
    Some(value)
}

/// A score written in the CIB, read as Pacemaker's `char2score` reads it:
/// `INFINITY`/`+INFINITY`/`-INFINITY` (case-sensitive), the health colours
/// (any case), otherwise the integer at the start of the text clamped to
/// ±INFINITY; text that does not start with an integer, or overflows, is 0.
pub fn score_from_text(text: &str, health: &HealthScores) -> Score {
    match text {
        "-INFINITY" => Score::MINUS_INFINITY,
        "INFINITY" | "+INFINITY" => Score::INFINITY,
        t if t.eq_ignore_ascii_case("red") => health.red,
        t if t.eq_ignore_ascii_case("yellow") => health.yellow,
        t if t.eq_ignore_ascii_case("green") => health.green,
        t => Score::from_i64(scan_ll_ok(t).unwrap_or(0)),
    }
}

/// Milliseconds in an interval as Pacemaker's `crm_parse_interval_spec`
/// reads it (used for `op_expression`): a number with an optional unit
/// (read by its first letter: `ms`/`us`, else `s`, `m`, `h`; seconds when
/// absent; a fraction is dropped) or an ISO 8601 duration counted the way
/// Pacemaker counts one (`P1D` is **0**: the day count is taken as an
/// ordinal; a month is 30 days; `PnY` counts the days of years 1…n−1).
/// `None` when it is invalid or negative; capped at `u32::MAX`.
pub fn parse_interval_spec(text: &str) -> Option<u32> {
    let b = text.as_bytes();
    let ms = if b.first() == Some(&b'P') {
        iso_duration_seconds(b)?
            .checked_mul(1000)
            .unwrap_or(i64::MAX)
    } else {
        interval_ms(b)?
    };
    if ms < 0 {
        return None;
    }
    Some(u32::try_from(ms).unwrap_or(u32::MAX))
}

/// Pacemaker's `crm_get_msec`.
fn interval_ms(b: &[u8]) -> Option<i64> {
    let blank = |c: &u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0c);
    let start = b.iter().take_while(|c| blank(c)).count();
    let num_len = b[start..]
        .iter()
        .take_while(|c| c.is_ascii_digit() || **c == b'.')
        .count();
    if num_len == 0 {
        return None;
    }
    let mut u = start + num_len;
    while b.get(u).is_some_and(blank) {
        u += 1;
    }
    let units = &b[u..];
    let starts = |p: &[u8]| units.len() >= p.len() && units[..p.len()].eq_ignore_ascii_case(p);
    let (mul, div) = if starts(b"ms") {
        (1, 1)
    } else if starts(b"us") {
        (1, 1000)
    } else if starts(b"s") {
        (1000, 1)
    } else if starts(b"m") {
        (60_000, 1)
    } else if starts(b"h") {
        (3_600_000, 1)
    } else if matches!(units.first(), None | Some(b'\n' | b'\r')) {
        (1000, 1)
    } else {
        return None;
    };
    let scan = strtoll(&b[start..]);
    if scan.end == 0 {
        return None;
    }
    if scan.value > i64::MAX / mul {
        return Some(i64::MAX);
    }
    Some(scan.value * mul / div)
}

/// Seconds in an ISO 8601 duration as Pacemaker's `crm_time_parse_duration`
/// and `crm_time_get_seconds` compute them.
fn iso_duration_seconds(b: &[u8]) -> Option<i64> {
    let c_space = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
    if b.len() < 2 || c_space(b[1]) {
        return None;
    }
    let (mut years, mut months, mut days, mut seconds) = (0i32, 0i32, 0i32, 0i32);
    let mut is_time = false;
    let mut i = 1;
    while i < b.len() && b[i] != b'/' && !c_space(b[i]) {
        if b[i] == b'T' {
            is_time = true;
            i += 1;
            continue;
        }
        let (n, used) = duration_int(&b[i..])?;
        i += used;
        match b.get(i) {
            Some(b'Y') => years = n,
            Some(b'M') if is_time => seconds = seconds.wrapping_add(n.wrapping_mul(60)),
            Some(b'M') => months = n,
            Some(b'W') => days = days.wrapping_add(n.wrapping_mul(7)),
            Some(b'D') => days = days.wrapping_add(n),
            Some(b'H') => seconds = seconds.wrapping_add(n.wrapping_mul(3600)),
            Some(b'S') => seconds = seconds.wrapping_add(n),
            _ => return None,
        }
        i += 1;
    }
    let mut total: i64 = 0;
    if years > 1 {
        let p = i64::from(years) - 1;
        total += (365 * p + p / 4 - p / 100 + p / 400) * 86_400;
    }
    if months > 0 {
        total += 86_400 * 30 * i64::from(months);
    }
    if days > 0 {
        total += 86_400 * (i64::from(days) - 1);
    }
    Some(total + i64::from(seconds))
}

/// One number of an ISO duration (Pacemaker's `parse_int` with a width of
/// 10 digits): the value and the bytes used. A fraction (`.5`, `,5`) reads
/// as 0; a sign may precede the digits.
fn duration_int(b: &[u8]) -> Option<(i32, usize)> {
    let mut off = 0;
    let mut fraction = false;
    let mut negative = false;
    match b.first() {
        Some(b'.' | b',') => {
            fraction = true;
            off = 1;
        }
        Some(b'-') => {
            negative = true;
            off = 1;
        }
        Some(b'+' | b':') => off = 1,
        _ => {}
    }
    let mut value = 0i32;
    let mut digits = 0;
    while (fraction || digits < 10) && b.get(off).is_some_and(u8::is_ascii_digit) {
        if !fraction {
            value = value
                .wrapping_mul(10)
                .wrapping_add(i32::from(b[off] - b'0'));
        }
        off += 1;
        digits += 1;
    }
    if digits == 0 {
        return None;
    }
    Some((
        if negative {
            value.wrapping_neg()
        } else {
            value
        },
        off,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Cib, Constraint};

    /// Every rule of every location constraint of a (leniently read) CIB, by id.
    fn rules_by_id(cib: &Cib) -> HashMap<String, &Rule> {
        let mut out = HashMap::new();
        for c in &cib.configuration.constraints {
            if let Constraint::Location(l) = c {
                for r in &l.rules {
                    if let Some(id) = &r.id {
                        out.insert(id.clone(), r);
                    }
                }
            }
        }
        out
    }

    fn verdict(m: DateMatch) -> &'static str {
        match m {
            DateMatch::BeforeRange => "before",
            DateMatch::WithinRange => "within",
            DateMatch::AfterRange => "after",
            DateMatch::Satisfied => "satisfied",
            DateMatch::Undetermined => "undetermined",
        }
    }

    /// 161 date expressions × their boundary dates × three time zones, each
    /// checked with Pacemaker 2.1.5's `crm_rule -c -d DATE -r ID` (see
    /// testdata/crm_rule_dates.py, which wrote both files).
    #[test]
    fn date_expressions_match_crm_rule() {
        let xml = include_str!("testdata/crm_rule_dates.xml");
        let table = include_str!("testdata/crm_rule_dates.tsv");
        let (cib, _) = Cib::from_xml_lenient(xml).expect("fixture parses");
        let rules = rules_by_id(&cib);
        let mut failures = Vec::new();
        let mut checked = 0;
        for line in table.lines().filter(|l| !l.starts_with('#')) {
            let f: Vec<&str> = line.split('\t').collect();
            let [offset, date, id, expected] = f[..] else {
                panic!("bad line {line:?}");
            };
            if expected == "unsupported-by-crm_rule" {
                continue;
            }
            let offset: i32 = offset.parse().expect("offset");
            // crm_rule reads -d with the zone's current offset.
            let clock = DateTime::from_epoch(0, offset);
            let now = DateTime::parse_at(date, &clock).expect("-d date parses");
            let Some(RuleExpr::Date(expr)) = rules[id].exprs.first() else {
                panic!("{id} is not a date rule");
            };
            let got = verdict(eval_date_expression(expr, &now, offset).0);
            checked += 1;
            if got != expected {
                failures.push(format!(
                    "offset {offset} date {date:?} {id}: crm_rule {expected}, we {got}"
                ));
            }
        }
        assert!(checked > 1400, "{checked}");
        assert!(
            failures.is_empty(),
            "{} mismatches:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    /// Submatches of the two `rsc-pattern`s in the fixture (no regex engine here).
    fn pattern_groups(pattern: &str, id: &str) -> Option<Vec<Option<String>>> {
        let whole = Some(id.to_string());
        match pattern {
            "^pat-(.)$" => {
                let rest = id.strip_prefix("pat-")?;
                (rest.chars().count() == 1).then(|| vec![whole, Some(rest.to_string())])
            }
            "^pats-(.)(x)?$" => {
                let rest = id.strip_prefix("pats-")?;
                let mut chars = rest.chars();
                let first = chars.next()?.to_string();
                match chars.as_str() {
                    "" => Some(vec![whole, Some(first), None]),
                    "x" => Some(vec![whole, Some(first), Some("x".to_string())]),
                    _ => None,
                }
            }
            other => panic!("fixture pattern {other} not handled"),
        }
    }

    /// 633 location rules (every operation × type × value over 24 node
    /// values, built-ins, boolean combinations, nesting, id-refs, scores and
    /// score-attributes, rule roles, value-source, rsc-pattern submatches)
    /// scored on 24 nodes by Pacemaker 2.1.5's `crm_simulate -s` (see
    /// testdata/crm_simulate_rules.py, which wrote both files).
    #[test]
    fn location_rules_match_crm_simulate() {
        use crate::idref::SetKind;
        use crate::model::Resource;
        use crate::nvpair::{eval_nvsets, UnpackOptions};
        let xml = include_str!("testdata/crm_simulate_rules.xml");
        let table = include_str!("testdata/crm_simulate_rules.tsv");
        let (cib, _) = Cib::from_xml_lenient(xml).expect("fixture parses");
        let refs = IdRefs::new(&cib);
        let nodes = crate::testutil::node_attrs(&cib, &refs);
        let now = DateTime::from_epoch(cib.execution_date.expect("execution-date"), 0);
        let mut ours: HashMap<(String, String), Score> = HashMap::new();
        for c in &cib.configuration.constraints {
            let Constraint::Location(loc) = c else {
                continue;
            };
            let targets: Vec<(&str, Option<Vec<Option<String>>>)> =
                match (&loc.rsc, &loc.rsc_pattern) {
                    (Some(r), _) => vec![(r.as_str(), None)],
                    (None, Some(p)) => cib
                        .configuration
                        .resources
                        .iter()
                        .filter_map(|r| pattern_groups(p, r.id()).map(|g| (r.id(), Some(g))))
                        .collect(),
                    _ => continue,
                };
            for (rsc_id, groups) in targets {
                let Some(Resource::Primitive(p)) = cib.find_resource(rsc_id) else {
                    panic!("{rsc_id}");
                };
                let groups: Option<Vec<Option<&str>>> = groups
                    .as_ref()
                    .map(|g| g.iter().map(Option::as_deref).collect());
                for rule in &loc.rules {
                    let Some(lr) = LocationRule::resolve(rule, &refs, groups.as_deref()) else {
                        continue;
                    };
                    if lr.role_filter.is_some() {
                        // The scheduler applies such a rule only when the
                        // resource's next role is that role; these stopped
                        // primitives have none yet.
                        continue;
                    }
                    for (uname, attrs) in &nodes {
                        let node_ctx = RuleContext::new(now).node(attrs);
                        let (params, _) = eval_nvsets(
                            &p.instance_attributes,
                            SetKind::InstanceAttributes,
                            &node_ctx,
                            &refs,
                            UnpackOptions::default(),
                        );
                        let (mut meta, _) = eval_nvsets(
                            &p.meta_attributes,
                            SetKind::MetaAttributes,
                            &node_ctx,
                            &refs,
                            UnpackOptions::default(),
                        );
                        meta.insert("id".to_string(), p.id.clone());
                        let mut ctx = node_ctx.location(Some(&params), Some(&meta));
                        if let Some(g) = &groups {
                            ctx = ctx.submatches(g);
                        }
                        if let Some(score) = lr.evaluate(&ctx, &refs).score {
                            let slot = ours.entry((rsc_id.to_string(), uname.clone())).or_default();
                            *slot += score;
                        }
                    }
                }
            }
        }
        let mut failures = Vec::new();
        let mut checked = 0;
        for line in table.lines().filter(|l| !l.starts_with('#')) {
            let f: Vec<&str> = line.split('\t').collect();
            let [rsc, node, expected] = f[..] else {
                panic!("bad line {line:?}");
            };
            let got = ours
                .get(&(rsc.to_string(), node.to_string()))
                .copied()
                .unwrap_or_default()
                .to_string();
            checked += 1;
            if got != expected {
                failures.push(format!(
                    "{rsc} on {node}: crm_simulate {expected}, we {got}"
                ));
            }
        }
        assert!(checked > 15_000, "{checked}");
        assert!(
            failures.is_empty(),
            "{} mismatches:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    fn rule(xml: &str) -> Rule {
        let el = crate::Element::parse(xml).expect("xml");
        crate::read::rule(&crate::read::Ctx::new(crate::read::Mode::Lenient), &el).expect("rule")
    }

    fn t(text: &str) -> DateTime {
        DateTime::parse(text).expect("date")
    }

    fn node<'a>(pairs: &'a [(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        pairs.to_vec()
    }

    #[test]
    fn compares_versions_like_pacemaker() {
        use Ordering::*;
        for (a, b, want) in [
            ("1.2", "1.10", Less),
            ("1.2.0", "1.2", Equal),
            ("2", "1.9.9", Greater),
            ("01.2", "1.2", Equal),
            ("1..2", "1.0.2", Equal),
            ("", "0", Less),
            ("", "", Equal),
            ("1a", "2", Less),
            ("1.-1", "1", Less),
            (" 1. 2", "1.2", Equal),
            // Pacemaker 2.1.5 never returns from these (checked: crm_simulate
            // spins); pacer calls them equal.
            ("1.a", "1.b", Equal),
            ("abc", "ABC", Equal),
            ("1", "1.b", Equal),
            ("1.b", "1.0.1", Less),
        ] {
            assert_eq!(compare_version(a, b), want, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn compares_attribute_values_by_type() {
        use Ordering::*;
        for (l, r, ty, op, want) in [
            (Some("10"), Some("9"), None, Some("gt"), Greater),
            (Some("10"), Some("9"), None, Some("eq"), Less),
            (Some("10"), Some("9.5"), None, Some("lt"), Greater),
            (Some("1e1"), Some("10"), Some("number"), None, Equal),
            (Some("1e1"), Some("10"), Some("integer"), None, Less),
            (Some("5x"), Some("5"), Some("integer"), None, Equal),
            (Some("010"), Some("10"), Some("INTEGER"), None, Equal),
            (Some("abc"), Some("ABD"), Some("string"), None, Less),
            (Some("abc"), Some("ABC"), None, Some("eq"), Equal),
            (Some("-0"), Some("0"), Some("number"), None, Less),
            (Some("0"), Some("0.0"), Some("number"), None, Equal),
            (Some("nan"), Some("5"), Some("number"), None, Equal),
            (Some("inf"), Some("1e308"), Some("number"), None, Greater),
            (Some("1e999"), Some("2"), Some("number"), None, Less),
            (Some("0x10"), Some("16"), Some("number"), None, Equal),
            (
                Some("99999999999999999999"),
                Some("1"),
                Some("integer"),
                None,
                Greater,
            ),
            (Some("1.10"), Some("1.9"), Some("version"), None, Greater),
            (Some("1"), Some("2"), Some("float"), None, Equal),
            (None, None, None, Some("eq"), Equal),
            (None, Some("x"), None, Some("eq"), Less),
            (Some("x"), None, None, Some("eq"), Greater),
        ] {
            assert_eq!(
                compare_attr_values(l, r, ty, op),
                want,
                "{l:?} {r:?} {ty:?} {op:?}"
            );
        }
        assert!(accept_attr_expr(None, None, None, Some("eq")));
        assert!(!accept_attr_expr(None, None, None, Some("lte")));
        assert!(accept_attr_expr(
            Some("1"),
            Some("2"),
            Some("float"),
            Some("gte")
        ));
        assert!(!accept_attr_expr(Some("1"), Some("1"), None, Some("bogus")));
        assert!(!accept_attr_expr(Some("1"), Some("1"), None, None));
        assert!(accept_attr_expr(Some("1"), None, None, Some("DEFINED")));
    }

    #[test]
    fn reads_numbers_like_the_c_library() {
        assert_eq!(scan_double("0"), Some(0.0));
        assert_eq!(scan_double("0.0E00"), Some(0.0));
        assert_eq!(
            scan_double("0.0e5"),
            None,
            "zero with another digit: an underflow too"
        );
        assert_eq!(scan_double("-0"), None, "an underflow to Pacemaker");
        assert_eq!(scan_double(" 0"), None);
        assert_eq!(scan_double("1e-400"), None);
        assert_eq!(scan_double("1e400"), None);
        assert_eq!(scan_double("-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(scan_double("Infinity"), Some(f64::INFINITY));
        assert_eq!(scan_double(" 2.5abc"), Some(2.5));
        assert_eq!(scan_double(".5"), Some(0.5));
        assert_eq!(scan_double("5."), Some(5.0));
        assert_eq!(scan_double("0x1.8p1"), Some(3.0));
        assert_eq!(scan_double("1e"), Some(1.0));
        assert!(scan_double("nan(x)").is_some_and(f64::is_nan));
        for bad in ["", ".", "-", "e5", "abc", "+.e1"] {
            assert_eq!(scan_double(bad), None, "{bad:?}");
        }
        assert_eq!(scan_ll_ok(" -12abc"), Some(-12));
        assert_eq!(scan_ll_ok("9223372036854775807"), Some(i64::MAX));
        assert_eq!(scan_ll_ok("9223372036854775808"), None);
        assert_eq!(scan_ll_ok("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(scan_ll_ok("+"), None);
    }

    #[test]
    fn scores_read_like_char2score() {
        let h = HealthScores {
            red: Score::from(-100),
            yellow: Score::from(-10),
            green: Score::from(5),
        };
        for (text, want) in [
            ("INFINITY", Score::INFINITY),
            ("+INFINITY", Score::INFINITY),
            ("-INFINITY", Score::MINUS_INFINITY),
            ("infinity", Score::ZERO),
            ("-INFINITYx", Score::ZERO),
            ("5x", Score::from(5)),
            (" 8", Score::from(8)),
            ("+7", Score::from(7)),
            ("RED", Score::from(-100)),
            ("yellow", Score::from(-10)),
            ("Green", Score::from(5)),
            ("2000000", Score::INFINITY),
            ("-2000000", Score::MINUS_INFINITY),
            ("99999999999999999999", Score::ZERO),
            ("", Score::ZERO),
        ] {
            assert_eq!(score_from_text(text, &h), want, "{text:?}");
        }
    }

    /// Each value was checked with crm_simulate (the monitor's operation key
    /// in the transition graph), except where noted.
    #[test]
    fn intervals_parse_like_crm_parse_interval_spec() {
        for (text, want) in [
            ("P1D", Some(0)),
            ("P2D", Some(86_400_000)),
            ("PT1M", Some(60_000)),
            ("P1Y", Some(0)),
            ("P2Y", Some(u32::MAX)),
            ("PT90S", Some(90_000)),
            ("P1DT1H", Some(3_600_000)),
            ("10s", Some(10_000)),
            ("10000ms", Some(10_000)),
            ("20 seconds", Some(20_000)),
            // The rest follow the code.
            ("P1M", Some(2_592_000_000)),
            ("PT", Some(0)),
            ("P/", Some(0)),
            ("P-1D", Some(0)),
            ("PT-5S", None),
            ("P.5S", Some(0)),
            ("PT1.5S", None),
            ("P", None),
            ("P 1D", None),
            ("1.5s", Some(1_000)),
            ("2 mango", Some(120_000)),
            ("3h", Some(10_800_000)),
            ("5us", Some(0)),
            ("10", Some(10_000)),
            (" 10 \n", Some(10_000)),
            ("99999999999999999999ms", Some(u32::MAX)),
            (".5s", None),
            ("10x", None),
            ("-5", None),
            ("", None),
        ] {
            assert_eq!(parse_interval_spec(text), want, "{text:?}");
        }
    }

    #[test]
    fn role_expressions() {
        use Role::*;
        let cases = [
            ("defined", None, [false, false, false, true, true]),
            ("not_defined", None, [false, true, true, false, false]),
            ("eq", Some("Master"), [false, false, false, false, true]),
            ("eq", Some("started"), [false, false, true, false, false]),
            ("ne", Some("Promoted"), [false, false, false, true, false]),
            ("ne", Some("Started"), [false, false, false, true, true]),
            ("lt", Some("Promoted"), [false; 5]),
            ("eq", None, [false; 5]),
        ];
        for (op, value, want) in cases {
            let value = value.map(|v| format!(" value=\"{v}\"")).unwrap_or_default();
            let r = rule(&format!(
                r#"<rule id="r"><expression id="e" attribute="{}" operation="{op}"{value}/></rule>"#,
                "#role"
            ));
            for (role, want) in [Unknown, Stopped, Started, Unpromoted, Promoted]
                .into_iter()
                .zip(want)
            {
                let ctx = RuleContext::new(DateTime::EPOCH).role(role);
                assert_eq!(
                    eval_rule(&r, &ctx, &IdRefs::empty()).passed,
                    want,
                    "{op} {value} {role}"
                );
            }
        }
    }

    #[test]
    fn rsc_and_op_expressions() {
        let refs = IdRefs::empty();
        let now = DateTime::EPOCH;
        let rsc = |xml: &str, class, provider, agent| {
            let r = rule(&format!(r#"<rule id="r">{xml}</rule>"#));
            let ctx = RuleContext::new(now).rsc(class, provider, agent);
            eval_rule(&r, &ctx, &refs).passed
        };
        let dummy = (Some("ocf"), Some("pacemaker"), Some("Dummy"));
        let e = r#"<rsc_expression id="e" class="ocf" provider="pacemaker" type="Dummy"/>"#;
        assert!(rsc(e, dummy.0, dummy.1, dummy.2));
        assert!(!rsc(e, dummy.0, dummy.1, Some("dummy")));
        let no_provider = r#"<rsc_expression id="e" class="ocf" type="Dummy"/>"#;
        assert!(
            !rsc(no_provider, dummy.0, dummy.1, dummy.2),
            "provider must match its absence"
        );
        let fence = r#"<rsc_expression id="e" class="stonith"/>"#;
        assert!(rsc(fence, Some("stonith"), None, Some("fence_xvm")));
        assert!(!rsc(fence, None, None, Some("fence_xvm")));
        let any = r#"<rsc_expression id="e"/>"#;
        assert!(rsc(any, Some("systemd"), None, Some("x")));
        let r = rule(&format!(r#"<rule id="r">{e}</rule>"#));
        assert!(
            !eval_rule(&r, &RuleContext::new(now), &refs).passed,
            "no resource"
        );

        let op = |xml: &str, name: &str, interval_ms: u32| {
            let r = rule(&format!(r#"<rule id="r">{xml}</rule>"#));
            let ctx = RuleContext::new(now).op(name, interval_ms);
            eval_rule(&r, &ctx, &refs).passed
        };
        let mon = r#"<op_expression id="e" name="monitor"/>"#;
        assert!(op(mon, "monitor", 0));
        assert!(op(mon, "monitor", 10_000));
        assert!(!op(mon, "Monitor", 0));
        let mon10 = r#"<op_expression id="e" name="monitor" interval="10s"/>"#;
        assert!(op(mon10, "monitor", 10_000));
        assert!(!op(mon10, "monitor", 0));
        let day = r#"<op_expression id="e" name="monitor" interval="P1D"/>"#;
        assert!(op(day, "monitor", 0), "P1D is 0 to Pacemaker");
        let bad = r#"<op_expression id="e" name="monitor" interval="often"/>"#;
        assert!(!op(bad, "monitor", 0));
        let r = rule(&format!(r#"<rule id="r">{mon}</rule>"#));
        assert!(
            !eval_rule(&r, &RuleContext::new(now), &refs).passed,
            "no operation"
        );
    }

    #[test]
    fn boolean_ops_nesting_and_odd_children() {
        let refs = IdRefs::empty();
        let attrs = node(&[("a", "1"), ("b", "2")]);
        let ctx = RuleContext::new(DateTime::EPOCH).node(&attrs);
        let passes = |xml: &str| eval_rule(&rule(xml), &ctx, &refs).passed;
        let a1 = r#"<expression id="a1" attribute="a" operation="eq" value="1"/>"#;
        let b3 = r#"<expression id="b3" attribute="b" operation="eq" value="3"/>"#;
        assert!(!passes(&format!(r#"<rule id="r">{a1}{b3}</rule>"#)));
        assert!(passes(&format!(
            r#"<rule id="r" boolean-op="or">{a1}{b3}</rule>"#
        )));
        assert!(passes(&format!(
            r#"<rule id="r" boolean-op="OR">{b3}{a1}</rule>"#
        )));
        assert!(!passes(&format!(
            r#"<rule id="r" boolean-op="xor">{a1}{b3}</rule>"#
        )));
        assert!(passes(r#"<rule id="r"/>"#), "an empty rule passes");
        assert!(
            !passes(r#"<rule id="r" boolean-op="or"/>"#),
            "an empty 'or' rule fails"
        );
        assert!(passes(&format!(
            r#"<rule id="r"><rule id="n" boolean-op="or">{b3}{a1}</rule>{a1}</rule>"#
        )));
        assert!(!passes(&format!(
            r#"<rule id="r" boolean-op="or"><bogus/><rule id="n">{a1}{b3}</rule></rule>"#
        )));
        // Attribute expressions need a node, even not_defined.
        let r = rule(
            r#"<rule id="r"><expression id="e" attribute="zz" operation="not_defined"/></rule>"#,
        );
        assert!(!eval_rule(&r, &RuleContext::new(DateTime::EPOCH), &refs).passed);
        assert!(eval_rule(&r, &ctx, &refs).passed);
        // Without location data, value-source is ignored.
        let r = rule(
            r#"<rule id="r"><expression id="e" attribute="a" operation="eq" value="1" value-source="param"/></rule>"#,
        );
        assert!(eval_rule(&r, &ctx, &refs).passed);
        // A set of rules passes when there are none or any passes.
        assert!(eval_rules(&[], &ctx, &refs).passed);
        let fail = rule(&format!(r#"<rule id="f">{b3}</rule>"#));
        let pass = rule(&format!(r#"<rule id="p">{a1}</rule>"#));
        assert!(!eval_rules(std::slice::from_ref(&fail), &ctx, &refs).passed);
        assert!(eval_rules(&[fail, pass], &ctx, &refs).passed);
    }

    #[test]
    fn id_refs_and_cycles() {
        let holder = rule(
            r#"<rule id="holder">
                 <rule id="target"><expression id="e" attribute="a" operation="eq" value="1"/></rule>
                 <rule id="loop"><rule id-ref="loop"/></rule>
               </rule>"#,
        );
        let cib_xml = format!(
            r#"<cib epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config/><nodes/>
               <resources><primitive id="p" class="ocf" provider="pacemaker" type="Dummy"/></resources>
               <constraints><rsc_location id="l" rsc="p">{}</rsc_location></constraints></configuration><status/></cib>"#,
            crate::write::rule(&holder).to_xml()
        );
        let (cib, _) = Cib::from_xml_lenient(&cib_xml).expect("cib");
        let refs = IdRefs::new(&cib);
        let yes = node(&[("a", "1")]);
        let no = node(&[("a", "2")]);
        let by_ref = rule(r#"<rule id-ref="target"/>"#);
        let dangling = rule(r#"<rule id-ref="nothing"/>"#);
        let looping = rule(r#"<rule id-ref="loop"/>"#);
        for (attrs, want) in [(&yes, true), (&no, false)] {
            let ctx = RuleContext::new(DateTime::EPOCH).node(attrs);
            assert_eq!(eval_rule(&by_ref, &ctx, &refs).passed, want);
            assert!(
                eval_rule(&dangling, &ctx, &refs).passed,
                "a dangling id-ref passes"
            );
            assert!(
                !eval_rule(&looping, &ctx, &refs).passed,
                "a cycle stops at the depth limit"
            );
        }
        assert!(LocationRule::resolve(&dangling, &refs, None).is_none());
        assert!(LocationRule::resolve(&by_ref, &refs, None).is_some());
    }

    #[test]
    fn next_change_is_the_earliest_evaluated() {
        let refs = IdRefs::empty();
        let at = |now: &str, xml: &str| {
            let o = eval_rule(&rule(xml), &RuleContext::new(t(now)), &refs);
            (o.passed, o.next_change.map(|c| c.utc_string()))
        };
        let range = r#"<date_expression id="d1" operation="in_range" start="2005-01-01" end="2005-12-31"/>"#;
        let gt = r#"<date_expression id="d2" operation="gt" start="2005-06-01"/>"#;
        let lt = r#"<date_expression id="d3" operation="lt" end="2005-03-01"/>"#;
        let wrap =
            |body: &str, op: &str| format!(r#"<rule id="r" boolean-op="{op}">{body}</rule>"#);
        let s = |x: &str| Some(x.to_string());
        assert_eq!(
            at("2004-06-01", &wrap(range, "and")),
            (false, s("2005-01-01 00:00:00Z"))
        );
        assert_eq!(
            at("2005-06-01", &wrap(range, "and")),
            (true, s("2005-12-31 00:00:01Z"))
        );
        assert_eq!(at("2006-06-01", &wrap(range, "and")), (false, None));
        assert_eq!(
            at("2005-06-01", &wrap(gt, "and")),
            (false, s("2005-06-01 00:00:01Z"))
        );
        assert_eq!(at("2005-06-01 00:00:01Z", &wrap(gt, "and")), (true, None));
        assert_eq!(
            at("2005-02-01", &wrap(lt, "and")),
            (true, s("2005-03-01 00:00:00Z"))
        );
        assert_eq!(at("2005-03-01", &wrap(lt, "and")), (false, None));
        let both = format!("{range}{lt}");
        assert_eq!(
            at("2005-02-01", &wrap(&both, "and")),
            (true, s("2005-03-01 00:00:00Z"))
        );
        // Short-circuiting: "or" stops at the first that passes.
        assert_eq!(
            at("2005-02-01", &wrap(&both, "or")),
            (true, s("2005-12-31 00:00:01Z"))
        );
        let spec = r#"<date_expression id="d4" operation="date_spec"><date_spec id="s" hours="9-16"/></date_expression>"#;
        assert_eq!(at("2005-02-01 10:00:00Z", &wrap(spec, "and")), (true, None));
        assert_eq!(
            at("2005-02-01 17:00:00Z", &wrap(spec, "and")),
            (false, None)
        );
        // The host's offset: 09:00 local in Tokyo is 00:00 UTC.
        let local = rule(
            r#"<rule id="r"><date_expression id="d" operation="gt" start="2005-01-01T09:00:00"/></rule>"#,
        );
        let ctx = RuleContext::new(t("2005-01-01 00:00:01Z")).local_offset_s(9 * 3600);
        assert!(eval_rule(&local, &ctx, &refs).passed);
        assert!(!eval_rule(&local, &RuleContext::new(t("2005-01-01 00:00:01Z")), &refs).passed);
    }

    #[test]
    fn date_spec_fields_and_moon() {
        let spec = |fields: &[(&str, &str)]| DateSpec {
            id: None,
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            extra: Default::default(),
        };
        let now = t("2005-01-25 13:45:30Z"); // Tuesday, ISO 2005-W04-2, day 25, full moon
        assert_eq!(moon_phase(&now), 4);
        assert_eq!(moon_phase(&t("2005-01-10")), 0);
        for (fields, want) in [
            (vec![], DateMatch::Satisfied),
            (
                vec![("years", "2005"), ("months", "1"), ("monthdays", "25")],
                DateMatch::Satisfied,
            ),
            (
                vec![("hours", "13"), ("minutes", "45"), ("seconds", "30")],
                DateMatch::Satisfied,
            ),
            (
                vec![("weekdays", "2"), ("weeks", "4"), ("weekyears", "2005")],
                DateMatch::Satisfied,
            ),
            (
                vec![("yeardays", "25"), ("moon", "4")],
                DateMatch::Satisfied,
            ),
            (vec![("moon", "0-3")], DateMatch::AfterRange),
            (vec![("hours", "14-")], DateMatch::BeforeRange),
            (vec![("hours", "-12")], DateMatch::AfterRange),
            (
                vec![("hours", "9-16"), ("weekdays", "1-5")],
                DateMatch::Satisfied,
            ),
            (vec![("hours", "nine")], DateMatch::Satisfied),
            (vec![("days", "1")], DateMatch::Satisfied),
            (
                vec![("monthdays", "1"), ("hours", "x")],
                DateMatch::AfterRange,
            ),
        ] {
            assert_eq!(
                eval_date_spec(Some(&spec(&fields)), &now),
                want,
                "{fields:?}"
            );
        }
        assert_eq!(eval_date_spec(None, &now), DateMatch::Satisfied);
        let mut moons = std::collections::BTreeSet::new();
        let mut day = t("2005-01-01");
        for _ in 0..60 {
            moons.insert(moon_phase(&day));
            day.add_days(1);
        }
        assert_eq!(
            moons.into_iter().collect::<Vec<_>>(),
            (0..8).collect::<Vec<_>>()
        );
    }

    #[test]
    fn location_rule_scores_and_roles() {
        let refs = IdRefs::empty();
        let attrs = node(&[("s", "250"), ("bad", "abc"), ("a", "1")]);
        let ctx = RuleContext::new(DateTime::EPOCH).node(&attrs);
        let score = |xml: &str| {
            let r = rule(xml);
            let lr = LocationRule::resolve(&r, &refs, None).expect("resolves");
            lr.evaluate(&ctx, &refs).score
        };
        let body = r#"<expression id="e" attribute="a" operation="eq" value="1"/>"#;
        let with = |attrs: &str| format!(r#"<rule id="r" {attrs}>{body}</rule>"#);
        assert_eq!(score(&with(r#"score="100""#)), Some(Score::from(100)));
        assert_eq!(
            score(&with(r#"score-attribute="s""#)),
            Some(Score::from(250))
        );
        assert_eq!(score(&with(r#"score-attribute="bad""#)), Some(Score::ZERO));
        assert_eq!(
            score(&with(r#"score-attribute="missing""#)),
            Some(Score::MINUS_INFINITY)
        );
        assert_eq!(
            score(&with(r#"score="7" score-attribute="s""#)),
            Some(Score::from(7))
        );
        assert_eq!(score(&with("")), Some(Score::ZERO));
        assert_eq!(
            score(
                r#"<rule id="r" score="5"><expression id="e" attribute="a" operation="eq" value="2"/></rule>"#
            ),
            None
        );
        // #role never passes in a location rule, whatever the context says.
        let role_rule = rule(
            r##"<rule id="r" score="5"><expression id="e" attribute="#role" operation="defined"/></rule>"##,
        );
        let lr = LocationRule::resolve(&role_rule, &refs, None).expect("resolves");
        assert_eq!(lr.evaluate(&ctx.role(Role::Promoted), &refs).score, None);
        assert!(eval_rule(&role_rule, &ctx.role(Role::Promoted), &refs).passed);

        for (role, want) in [
            ("Started", Some(Some(Role::Started))),
            ("Stopped", Some(Some(Role::Stopped))),
            ("Promoted", Some(Some(Role::Promoted))),
            ("master", Some(Some(Role::Promoted))),
            ("Unpromoted", Some(None)),
            ("Slave", Some(None)),
            ("Unknown", None),
            ("bogus", None),
        ] {
            let r = rule(&with(&format!(r#"score="1" role="{role}""#)));
            assert_eq!(
                LocationRule::resolve(&r, &refs, None).map(|l| l.role_filter),
                want,
                "{role}"
            );
        }

        // rsc-pattern submatches go into score-attribute and attribute names.
        let groups = [Some("web-s"), Some("s"), None];
        let r = rule(
            r#"<rule id="r" score-attribute="%1"><expression id="e" attribute="%2a%9" operation="defined"/></rule>"#,
        );
        let lr = LocationRule::resolve(&r, &refs, Some(&groups)).expect("resolves");
        assert_eq!(lr.score, RuleScore::Attribute("s".to_string()));
        let ctx = ctx.submatches(&groups);
        assert_eq!(lr.evaluate(&ctx, &refs).score, Some(Score::from(250)));
    }

    #[test]
    fn submatch_expansion() {
        let g = [Some("whole"), Some("one"), Some(""), None];
        for (text, want) in [
            ("%1", Some("one")),
            ("x%1y%0", Some("xoneywhole")),
            ("%2", None),
            ("%3%4%9", None),
            ("a%2b", Some("ab")),
            ("100%", Some("100%")),
            ("%%1", Some("%one")),
            ("%a", Some("%a")),
            ("", None),
            ("é%1", Some("éone")),
        ] {
            assert_eq!(expand_submatches(text, &g).as_deref(), want, "{text:?}");
        }
    }

    #[test]
    fn durations_in_date_expressions() {
        let spec = |fields: &[(&str, &str)]| DateSpec {
            id: None,
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            extra: Default::default(),
        };
        let start = t("2005-01-31");
        for (fields, want) in [
            (vec![("months", "1")], "2005-02-28 00:00:00Z"),
            (
                vec![("years", "1"), ("months", "1")],
                "2006-02-28 00:00:00Z",
            ),
            (vec![("weeks", "1"), ("days", "1")], "2005-02-08 00:00:00Z"),
            (
                vec![("hours", "-1"), ("minutes", "90"), ("seconds", "5")],
                "2005-01-31 00:30:05Z",
            ),
            (
                vec![("days", "5x"), ("hours", "x5")],
                "2005-02-05 00:00:00Z",
            ),
            (
                vec![("days", "99999999999"), ("moon", "3")],
                "2005-01-31 00:00:00Z",
            ),
        ] {
            assert_eq!(
                add_duration_spec(start, &spec(&fields)).to_string(),
                want,
                "{fields:?}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn evaluation_never_panics(
            value in ".{0,12}", attr_value in ".{0,12}",
            op in proptest::sample::select(vec!["lt", "lte", "gt", "gte", "eq", "ne", "defined", "not_defined", "x"]),
            ty in proptest::sample::select(vec!["string", "integer", "number", "version", "x"]),
            spec in ".{0,8}", when in ".{0,24}",
        ) {
            let attrs = vec![("a".to_string(), attr_value.clone())];
            let ctx = RuleContext::new(DateTime::EPOCH).node(&attrs);
            let e = Expression {
                id: "e".into(),
                attribute: "a".into(),
                operation: Some(crate::value::Typed::parse_lenient(op).0),
                value: Some(value.clone()),
                type_: Some(crate::value::Typed::parse_lenient(ty).0),
                value_source: None,
                extra: Default::default(),
            };
            let d = DateExpression {
                id: "d".into(),
                operation: None,
                start: Some(when.clone()),
                end: Some(value.clone()),
                date_spec: None,
                duration: Some(DateSpec { id: None, fields: vec![("hours".into(), spec.clone())], extra: Default::default() }),
                extra: Default::default(),
            };
            let r = Rule { exprs: vec![RuleExpr::Expr(e), RuleExpr::Date(d)], ..Default::default() };
            let _ = eval_rule(&r, &ctx, &IdRefs::empty());
            let _ = compare_version(&value, &attr_value);
            let _ = parse_interval_spec(&value);
            let _ = score_from_text(&value, &ctx.health);
            let s = DateSpec { id: None, fields: vec![("hours".into(), spec.clone()), ("moon".into(), value.clone())], extra: Default::default() };
            let _ = eval_date_spec(Some(&s), &DateTime::EPOCH);
            let _ = expand_submatches(&value, &[Some("x")]);
        }
    }

    #[test]
    fn lifetime_rules_of_a_constraint() {
        let xml = r#"<cib epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config/><nodes/>
          <resources><primitive id="p" class="ocf" provider="pacemaker" type="Dummy"/></resources>
          <constraints>
            <rsc_location id="l" rsc="p" node="n1" score="10">
              <lifetime id="lt"><rule id="lr"><date_expression id="d" operation="lt" end="2010-01-01"/></rule></lifetime>
            </rsc_location>
            <rsc_location id="m" rsc="p" node="n1" score="10"/>
          </constraints></configuration><status/></cib>"#;
        let (cib, _) = Cib::from_xml_lenient(xml).expect("cib");
        let [Constraint::Location(l), Constraint::Location(m)] = &cib.configuration.constraints[..]
        else {
            panic!("two locations");
        };
        assert!(lifetime_rules(&m.extra).is_none());
        let rules = lifetime_rules(&l.extra).expect("lifetime");
        assert_eq!(rules.len(), 1);
        let refs = IdRefs::empty();
        let before = eval_rules(&rules, &RuleContext::new(t("2009-06-01")), &refs);
        assert!(before.passed);
        assert_eq!(
            before.next_change.map(|c| c.utc_string()),
            Some("2010-01-01 00:00:00Z".into())
        );
        assert!(!eval_rules(&rules, &RuleContext::new(t("2010-06-01")), &refs).passed);
    }
}
