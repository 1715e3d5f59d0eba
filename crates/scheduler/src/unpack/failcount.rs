//! Fail counts from node attributes (`fail-count-<rsc>#<op>_<interval>`,
//! `last-failure-<rsc>#…`), as `pe_get_failcount` reads them.

use cib::Score;

use super::Unpacker;
use crate::state::*;
use crate::util::{clone_strip, eq_ci};

impl Unpacker<'_> {
    /// Sum of the resource's fail counts on `node`, and its latest failure
    /// time. With `effective`, counts whose last failure is older than the
    /// failure timeout are ignored. May clear the resource's failure timeout
    /// when it conflicts with `on-fail=block` (as Pacemaker does).
    pub(crate) fn failcount(
        &mut self,
        node: NodeId,
        rsc: RscId,
        effective: bool,
        xml_op: Option<&cib::LrmRscOp>,
    ) -> (i32, i64) {
        let (count, last, block) = raw_failcount(self.cib, &self.st, node, rsc, xml_op);
        if block {
            self.st.resources[rsc.0].failure_timeout_s = 0;
        }
        let timeout = self.st.rsc(rsc).failure_timeout_s;
        let mut count = count;
        if effective && count > 0 && last > 0 && timeout > 0 && self.st.now > last + timeout {
            count = 0;
        }
        (count, if count > 0 && last > 0 { last } else { 0 })
    }
}

/// The fail count attributes of a resource on a node, as `pe_get_failcount`
/// reads them before applying the failure timeout: the summed count, the
/// latest failure time, and whether a failure that blocks (`on-fail=block`)
/// voids the resource's failure timeout.
pub(crate) fn raw_failcount(
    cib: &cib::Cib,
    st: &ClusterState,
    node: NodeId,
    rsc: RscId,
    xml_op: Option<&cib::LrmRscOp>,
) -> (i32, i64, bool) {
    let r = st.rsc(rsc);
    let name = r.clone_name.as_deref().unwrap_or(&r.id);
    let name = if r.flags.unique {
        name.to_string()
    } else {
        clone_strip(name).to_string()
    };
    let legacy = cib
        .crm_feature_set
        .as_deref()
        .is_none_or_less(|v| compare_version(v, "3.0.13") == std::cmp::Ordering::Less);
    let unique = r.flags.unique;
    let mut count = Score::ZERO;
    let mut last = 0i64;
    // Only names starting with the prefix and the resource name can match:
    // read that range of the (sorted) attributes, in the same order a scan
    // of all of them would, instead of every fail count of the node.
    let attrs = &st.node(node).attrs;
    let counts = format!("fail-count-{name}");
    for (k, v) in starting_with(attrs, &counts) {
        if attr_matches(k, "fail-count-", &name, legacy, unique) {
            count += Score::parse(v)
                .unwrap_or_else(|_| Score::from_i64(crate::util::parse_int(Some(v), 0)));
        }
    }
    let failures = format!("last-failure-{name}");
    for (k, v) in starting_with(attrs, &failures) {
        if attr_matches(k, "last-failure-", &name, legacy, unique) {
            if let Ok(t) = v.trim().parse::<i64>() {
                last = last.max(t);
            }
        }
    }
    let count = count.value();
    let block = count > 0 && r.failure_timeout_s > 0 && block_failure(cib, st, node, rsc, xml_op);
    (count, last, block)
}

/// The attributes whose names start with `start`, in name order.
fn starting_with<'m>(
    attrs: &'m std::collections::BTreeMap<String, String>,
    start: &'m str,
) -> impl Iterator<Item = (&'m String, &'m String)> {
    attrs
        .range::<str, _>((std::ops::Bound::Included(start), std::ops::Bound::Unbounded))
        .take_while(move |(k, _)| k.starts_with(start))
}

/// `block_failure`: a failure of an operation configured `on-fail=block`.
fn block_failure(
    cib: &cib::Cib,
    st: &ClusterState,
    node: NodeId,
    rsc: RscId,
    xml_op: Option<&cib::LrmRscOp>,
) -> bool {
    let r = st.rsc(rsc);
    let ResourceKind::Primitive(p) = &r.kind else {
        return false;
    };
    let xml_name = clone_strip(&r.id).to_string();
    let Some(cfg) = &p.config else {
        return false;
    };
    if cfg.id != xml_name {
        return false;
    }
    let Some(ops) = &cfg.operations else {
        return false;
    };
    for op in ops
        .ops
        .iter()
        .filter(|o| o.on_fail.as_ref().is_some_and(|f| f.raw() == "block"))
    {
        match xml_op {
            Some(x) => {
                if matched_failure(&xml_name, op, x) {
                    return true;
                }
            }
            None => {
                let uname = &st.node(node).uname;
                let interval = op.interval.get().map_or(0, |i| i.0);
                for ns in &cib.status.node_states {
                    if ns.uname.as_deref() != Some(uname.as_str()) {
                        continue;
                    }
                    for lr in ns.lrm_resources().iter().filter(|l| l.id == xml_name) {
                        for x in lr.ops.iter().filter(|x| {
                            x.operation == op.name && x.interval_ms() as u64 == interval
                        }) {
                            if matched_failure(&xml_name, op, x) {
                                return true;
                            }
                        }
                    }
                }
            }
        }
    }
    false
}

/// `is_matched_failure`: the history entry is a failure of this `<op>`.
fn matched_failure(rsc_id: &str, op: &cib::Op, x: &cib::LrmRscOp) -> bool {
    let interval = op.interval.get().map_or(0, |i| i.0);
    if interval != x.interval_ms().max(0) as u64 || !eq_ci(&op.name, &x.operation) {
        return false;
    }
    if eq_ci(&x.id, &format!("{rsc_id}_last_failure_0")) {
        return true;
    }
    if eq_ci(&x.id, &crate::util::op_key(rsc_id, &op.name, interval)) {
        let target = super::history::target_rc(x);
        return x.rc_code.unwrap_or(0) != target;
    }
    false
}

/// Whether a node attribute name is a fail count (or last failure) of the
/// resource: `<prefix><name>[:N]#<op>_<interval>`. The instance number is
/// allowed only for anonymous clones; legacy CIBs have no operation part.
fn attr_matches(key: &str, prefix: &str, name: &str, legacy: bool, unique: bool) -> bool {
    let Some(rest) = key.strip_prefix(prefix).and_then(|r| r.strip_prefix(name)) else {
        return false;
    };
    let rest = if unique {
        rest
    } else {
        match rest.strip_prefix(':') {
            Some(r) => {
                let digits = r.bytes().take_while(u8::is_ascii_digit).count();
                if digits == 0 {
                    return false;
                }
                &r[digits..]
            }
            None => rest,
        }
    };
    if legacy {
        return rest.is_empty();
    }
    let Some(op) = rest.strip_prefix('#') else {
        return false;
    };
    // ".+_[0-9]+": something, an underscore, and digits to the end.
    match op.rsplit_once('_') {
        Some((task, interval)) => {
            !task.is_empty() && !interval.is_empty() && interval.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

trait NoneOr {
    fn is_none_or_less(&self, f: impl Fn(&str) -> bool) -> bool;
}

impl NoneOr for Option<&str> {
    /// A missing version compares lower than any version.
    fn is_none_or_less(&self, f: impl Fn(&str) -> bool) -> bool {
        self.map_or(true, f)
    }
}

/// `compare_version`: dotted numbers compared field by field.
pub(crate) fn compare_version(a: &str, b: &str) -> std::cmp::Ordering {
    let pa: Vec<i64> = a.split('.').map(|p| p.parse().unwrap_or(0)).collect();
    let pb: Vec<i64> = b.split('.').map(|p| p.parse().unwrap_or(0)).collect();
    for i in 0..pa.len().max(pb.len()) {
        let (x, y) = (
            pa.get(i).copied().unwrap_or(0),
            pb.get(i).copied().unwrap_or(0),
        );
        if x != y {
            return x.cmp(&y);
        }
    }
    std::cmp::Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failcount_attribute_names() {
        assert!(attr_matches(
            "fail-count-rsc#monitor_10000",
            "fail-count-",
            "rsc",
            false,
            false
        ));
        assert!(attr_matches(
            "fail-count-rsc:1#start_0",
            "fail-count-",
            "rsc",
            false,
            false
        ));
        assert!(!attr_matches(
            "fail-count-rsc:1#start_0",
            "fail-count-",
            "rsc",
            false,
            true
        ));
        assert!(!attr_matches(
            "fail-count-rsc2#start_0",
            "fail-count-",
            "rsc",
            false,
            false
        ));
        assert!(attr_matches(
            "fail-count-rsc",
            "fail-count-",
            "rsc",
            true,
            false
        ));
        assert!(!attr_matches(
            "fail-count-rsc#start",
            "fail-count-",
            "rsc",
            false,
            false
        ));
    }
}
