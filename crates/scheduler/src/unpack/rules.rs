//! Rule evaluation for name/value sets during unpacking, by the CIB crate's
//! rule engine ([`cib::rules`]). This module only says what a rule may look
//! at while unpacking: "now", and, depending on the set, the resource agent
//! and the operation. Node attributes are never available here (Pacemaker
//! evaluates these sets without a node).

use std::collections::BTreeMap;

use cib::idref::IdRefs;
use cib::iso8601::DateTime;
use cib::rules::{eval_rules, RuleContext};
use cib::NvSet;

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
    /// Collects the earliest time (epoch seconds, 0: none) a date in an
    /// evaluated rule changes its result (`pe__unpack_dataset_nvpairs`'
    /// `next_change`), for the transition's recheck-by.
    pub next_change: Option<&'a std::cell::Cell<i64>>,
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
pub fn set_applies(set: &NvSet, ctx: &RuleCtx<'_>, refs: &IdRefs<'_>) -> bool {
    if set.rules.is_empty() {
        return true;
    }
    let mut c = RuleContext::new(DateTime::from_epoch(ctx.now, 0));
    if let Some(attrs) = ctx.node_attrs {
        c = c.node(attrs);
    }
    if let Some((class, provider, agent)) = ctx.rsc {
        c = c.rsc(Some(class), provider, Some(agent));
    }
    if let Some((name, interval_ms)) = ctx.op {
        c = c.op(name, u32::try_from(interval_ms).unwrap_or(u32::MAX));
    }
    let outcome = eval_rules(&set.rules, &c, refs);
    if let (Some(cell), Some(t)) = (ctx.next_change, outcome.next_change) {
        cell.set(crate::state::earliest_recheck(
            cell.get(),
            t.epoch_seconds(),
        ));
    }
    outcome.passed
}
