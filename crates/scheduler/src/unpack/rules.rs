//! Rule evaluation for name/value sets during unpacking.
//!
//! **Stopgap:** the project's rule engine (`cib::rules`) is being written in
//! parallel. Until it lands, this module evaluates the common cases itself:
//! `and`/`or` rules, node-attribute expressions, `rsc_expression`,
//! `op_expression`, and `date_expression` with `gt`, `lt` and `in_range`
//! (start/end/duration). `date_spec` and anything unknown evaluate to false.
//! [`set_applies`] is the one function to switch over.

use std::collections::BTreeMap;

use cib::value::{BoolOp, DateOp, ExprOp, ExprType};
use cib::{NvSet, Rule, RuleExpr, TypedOpt};

/// What a rule may look at.
#[derive(Clone, Debug, Default)]
pub struct RuleCtx<'a> {
    /// Seconds since the epoch.
    pub now: i64,
    /// The node's attributes, when evaluating for a node.
    pub node_attrs: Option<&'a BTreeMap<String, String>>,
    /// class, provider, type of the resource concerned.
    pub rsc: Option<(&'a str, Option<&'a str>, &'a str)>,
    /// name and interval (ms) of the operation concerned.
    pub op: Option<(&'a str, u64)>,
}

impl<'a> RuleCtx<'a> {
    pub fn new(now: i64) -> Self {
        RuleCtx {
            now,
            ..Default::default()
        }
    }
}

/// A set applies when it has no rules or any of its rules passes.
pub fn set_applies(set: &NvSet, ctx: &RuleCtx<'_>) -> bool {
    set.rules.is_empty() || set.rules.iter().any(|r| rule_passes(r, ctx))
}

fn rule_passes(rule: &Rule, ctx: &RuleCtx<'_>) -> bool {
    let or = rule.boolean_op.val() == Some(BoolOp::Or);
    for e in &rule.exprs {
        let t = expr_passes(e, ctx);
        if or && t {
            return true;
        }
        if !or && !t {
            return false;
        }
    }
    !or
}

fn expr_passes(e: &RuleExpr, ctx: &RuleCtx<'_>) -> bool {
    match e {
        RuleExpr::Rule(r) => rule_passes(r, ctx),
        RuleExpr::Rsc(r) => match ctx.rsc {
            None => false,
            Some((class, provider, agent)) => {
                r.class.as_deref().is_none_or_eq(class)
                    && r.provider
                        .as_deref()
                        .map_or(true, |p| provider.is_some_and(|q| q == p))
                    && r.type_.as_deref().is_none_or_eq(agent)
            }
        },
        RuleExpr::Op(o) => match ctx.op {
            None => false,
            Some((name, interval)) => {
                o.name.eq_ignore_ascii_case(name)
                    && o.interval
                        .as_ref()
                        .map_or(true, |i| i.get().map(|d| d.0) == Some(interval))
            }
        },
        RuleExpr::Date(d) => {
            let start = d.start.as_deref().and_then(crate::time::parse_iso8601);
            let mut end = d.end.as_deref().and_then(crate::time::parse_iso8601);
            match d.operation.val().unwrap_or(DateOp::InRange) {
                DateOp::Gt => start.is_some_and(|s| ctx.now > s),
                DateOp::Lt => end.is_some_and(|e| ctx.now < e),
                DateOp::InRange => {
                    if end.is_none() {
                        if let (Some(s), Some(dur)) = (start, &d.duration) {
                            end = Some(s + duration_seconds(dur));
                        }
                    }
                    if start.is_none() && end.is_none() {
                        return false;
                    }
                    start.is_none_or_le(ctx.now) && end.is_none_or_ge(ctx.now)
                }
                DateOp::DateSpec => false,
            }
        }
        RuleExpr::Expr(x) => {
            let actual = ctx.node_attrs.and_then(|a| a.get(&x.attribute));
            let op = x.operation.val();
            match op {
                Some(ExprOp::Defined) => actual.is_some(),
                Some(ExprOp::NotDefined) => actual.is_none(),
                None => false,
                Some(op) => {
                    let (Some(actual), Some(expected)) = (actual, x.value.as_deref()) else {
                        return op == ExprOp::Ne;
                    };
                    let ord = compare(actual, expected, x.type_.val());
                    match op {
                        ExprOp::Eq => ord == Some(std::cmp::Ordering::Equal),
                        ExprOp::Ne => ord != Some(std::cmp::Ordering::Equal),
                        ExprOp::Lt => ord == Some(std::cmp::Ordering::Less),
                        ExprOp::Lte => ord.is_some_and(|o| o != std::cmp::Ordering::Greater),
                        ExprOp::Gt => ord == Some(std::cmp::Ordering::Greater),
                        ExprOp::Gte => ord.is_some_and(|o| o != std::cmp::Ordering::Less),
                        ExprOp::Defined | ExprOp::NotDefined => false,
                    }
                }
            }
        }
        RuleExpr::Other(_) => false,
    }
}

fn compare(a: &str, b: &str, ty: Option<ExprType>) -> Option<std::cmp::Ordering> {
    match ty {
        Some(ExprType::Integer) | Some(ExprType::Number) => {
            let x: f64 = a.trim().parse().ok()?;
            let y: f64 = b.trim().parse().ok()?;
            x.partial_cmp(&y)
        }
        Some(ExprType::Version) => {
            let parts = |s: &str| -> Vec<i64> {
                s.split('.')
                    .map(|p| p.trim().parse().unwrap_or(0))
                    .collect()
            };
            let (x, y) = (parts(a), parts(b));
            let n = x.len().max(y.len());
            (0..n)
                .map(|i| {
                    x.get(i)
                        .copied()
                        .unwrap_or(0)
                        .cmp(&y.get(i).copied().unwrap_or(0))
                })
                .find(|o| *o != std::cmp::Ordering::Equal)
                .or(Some(std::cmp::Ordering::Equal))
        }
        _ => Some(a.to_ascii_lowercase().cmp(&b.to_ascii_lowercase())),
    }
}

fn duration_seconds(d: &cib::DateSpec) -> i64 {
    let f = |k: &str| {
        d.field(k)
            .and_then(|v| v.trim().parse::<i64>().ok())
            .unwrap_or(0)
    };
    f("years") * 365 * 86_400
        + f("months") * 30 * 86_400
        + f("weeks") * 7 * 86_400
        + f("days") * 86_400
        + f("hours") * 3600
        + f("minutes") * 60
        + f("seconds")
}

trait OptCmp {
    fn is_none_or_le(&self, v: i64) -> bool;
    fn is_none_or_ge(&self, v: i64) -> bool;
}

impl OptCmp for Option<i64> {
    fn is_none_or_le(&self, v: i64) -> bool {
        self.map_or(true, |s| s <= v)
    }
    fn is_none_or_ge(&self, v: i64) -> bool {
        self.map_or(true, |e| e >= v)
    }
}

trait OptEq {
    fn is_none_or_eq(&self, v: &str) -> bool;
}

impl OptEq for Option<&str> {
    fn is_none_or_eq(&self, v: &str) -> bool {
        self.map_or(true, |s| s == v)
    }
}
