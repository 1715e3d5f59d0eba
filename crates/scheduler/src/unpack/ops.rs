//! What to do when an operation fails: the configured `<op>` that matches a
//! history entry, and its `on-fail` and role after failure, with
//! Pacemaker's defaults (`unpack_operation` for a resource action).

use std::collections::BTreeMap;

use super::nvsets::unpack_sets;
use super::rules::RuleCtx;
use super::Unpacker;
use crate::state::*;
use crate::util::{eq_ci, op_key, parse_op_key};

/// `on-fail` policies, ordered as Pacemaker's enum (severity compares use
/// [`cmp_on_fail`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OnFail {
    Ignore,
    Recover,
    Migrate,
    Block,
    Stop,
    Standby,
    Fence,
    RestartContainer,
    ResetRemote,
    Demote,
}

impl OnFail {
    /// Position in Pacemaker's `action_fail_response` enum.
    fn rank(self) -> i32 {
        match self {
            OnFail::Ignore => 0,
            OnFail::Recover => 2,
            OnFail::Migrate => 3,
            OnFail::Block => 4,
            OnFail::Stop => 5,
            OnFail::Standby => 6,
            OnFail::Fence => 7,
            OnFail::RestartContainer => 8,
            OnFail::ResetRemote => 9,
            OnFail::Demote => 10,
        }
    }
}

/// `cmp_on_fail`: negative when `second` is more severe than `first`.
pub(crate) fn cmp_on_fail(first: OnFail, second: OnFail) -> i32 {
    use OnFail::*;
    match first {
        Demote => {
            return match second {
                Ignore => 1,
                Demote => 0,
                _ => -1,
            }
        }
        ResetRemote => {
            return match second {
                Ignore | Demote | Recover => 1,
                ResetRemote => 0,
                _ => -1,
            }
        }
        RestartContainer => {
            return match second {
                Ignore | Demote | Recover | ResetRemote => 1,
                RestartContainer => 0,
                _ => -1,
            }
        }
        _ => {}
    }
    match second {
        Demote => {
            if first == Ignore {
                -1
            } else {
                1
            }
        }
        ResetRemote => match first {
            Ignore | Demote | Recover => -1,
            _ => 1,
        },
        RestartContainer => match first {
            Ignore | Demote | Recover | ResetRemote => -1,
            _ => 1,
        },
        _ => first.rank() - second.rank(),
    }
}

/// The failure handling of one action.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FailPolicy {
    pub on_fail: OnFail,
    pub fail_role: Role,
}

impl Unpacker<'_> {
    /// The configured `<op>` matching an operation key (`find_rsc_op_entry`,
    /// disabled operations included).
    pub(crate) fn find_op_entry(&self, rsc: RscId, key: &str) -> Option<cib::Op> {
        let r = self.st.rsc(rsc);
        let ResourceKind::Primitive(p) = &r.kind else {
            return None;
        };
        let ops = p.config.as_ref()?.operations.as_ref()?;
        let lookup = |key: &str| {
            ops.ops.iter().find(|op| {
                let interval = op.interval.get().map_or(0, |d| d.0);
                eq_ci(key, &op_key(&r.id, &op.name, interval))
                    || r.clone_name
                        .as_deref()
                        .is_some_and(|c| eq_ci(key, &op_key(c, &op.name, interval)))
            })
        };
        if let Some(op) = lookup(key) {
            return Some(op.clone());
        }
        let retry = if key.contains("migrate_to") || key.contains("migrate_from") {
            op_key(&r.id, "migrate", 0)
        } else if key.contains("_notify_") {
            op_key(&r.id, "notify", 0)
        } else {
            return None;
        };
        lookup(&retry).cloned()
    }

    /// `on-fail` and role after failure for `task` with key `key` on `rsc`.
    pub(crate) fn fail_policy(&self, rsc: RscId, key: &str, task: &str) -> FailPolicy {
        let r = self.st.rsc(rsc);
        let entry = self.find_op_entry(rsc, key);
        let interval_ms = parse_op_key(key).map_or(0, |k| k.2);
        let mut meta: BTreeMap<String, String> = BTreeMap::new();
        let (class, provider, agent) = match &r.kind {
            ResourceKind::Primitive(p) => {
                (p.class.as_str(), p.provider.as_deref(), p.agent.as_str())
            }
            _ => ("", None, ""),
        };
        let ctx = RuleCtx {
            now: self.st.now,
            rsc: Some((class, provider, agent)),
            op: Some((task, interval_ms)),
            ..Default::default()
        };
        if let Some(d) = &self.cib.configuration.op_defaults {
            unpack_sets(&self.ix, &d.meta_attributes, &ctx, &mut meta, false, None);
        }
        if let Some(op) = &entry {
            unpack_sets(&self.ix, &op.meta_attributes, &ctx, &mut meta, true, None);
            meta.insert("name".into(), op.name.clone());
            if let Some(v) = &op.on_fail {
                meta.insert("on-fail".into(), v.raw().to_string());
            }
            if let Some(v) = op.extra.attr("role_after_failure") {
                meta.insert("role_after_failure".into(), v.to_string());
            }
        }
        let mut value = meta.get("on-fail").cloned();
        if eq_ci(task, "stop")
            && value
                .as_deref()
                .is_some_and(|v| eq_ci(v, "standby") || eq_ci(v, "demote") || eq_ci(v, "stop"))
        {
            value = None;
        } else if eq_ci(task, "demote") && value.is_none() {
            value = self.promoted_monitor_on_fail(rsc);
        } else if eq_ci(task, "lrm_delete") {
            value = Some("ignore".into());
        } else if value.as_deref().is_some_and(|v| eq_ci(v, "demote")) {
            let ok = entry.as_ref().is_some_and(|op| {
                eq_ci(&op.name, "promote")
                    || (eq_ci(&op.name, "monitor")
                        && op.role.as_ref().is_some_and(|r| {
                            eq_ci(r.raw(), "Promoted") || eq_ci(r.raw(), "Master")
                        })
                        && op.interval.get().is_some_and(|i| i.0 > 0))
            });
            if !ok {
                value = None;
            }
        }
        let stonith = self.st.options.stonith_enabled;
        let mut on_fail = None;
        let mut fail_role = Role::Unknown;
        if let Some(v) = value.as_deref().map(str::to_ascii_lowercase) {
            match v.as_str() {
                "block" => on_fail = Some(OnFail::Block),
                "fence" => {
                    if stonith {
                        on_fail = Some(OnFail::Fence);
                    } else {
                        on_fail = Some(OnFail::Stop);
                        fail_role = Role::Stopped;
                    }
                }
                "standby" => on_fail = Some(OnFail::Standby),
                "ignore" | "nothing" => on_fail = Some(OnFail::Ignore),
                "migrate" => on_fail = Some(OnFail::Migrate),
                "stop" => {
                    on_fail = Some(OnFail::Stop);
                    fail_role = Role::Stopped;
                }
                "restart" => on_fail = Some(OnFail::Recover),
                "restart-container" if r.container.is_some() => {
                    on_fail = Some(OnFail::RestartContainer)
                }
                "demote" => on_fail = Some(OnFail::Demote),
                _ => {}
            }
        }
        let is_remote_conn = r.is_remote_node
            && self
                .st
                .find_node(&r.id)
                .is_some_and(|n| self.st.is_remote_node(n));
        let on_fail = match on_fail {
            None if r.container.is_some() => OnFail::RestartContainer,
            v if (v.is_none() || !r.flags.managed)
                && is_remote_conn
                && !(eq_ci(task, "monitor") && interval_ms == 0)
                && !eq_ci(task, "start") =>
            {
                if !r.flags.managed {
                    fail_role = Role::Stopped;
                    OnFail::Stop
                } else {
                    if r.remote_reconnect_ms > 0 {
                        fail_role = Role::Stopped;
                    }
                    OnFail::ResetRemote
                }
            }
            None if eq_ci(task, "stop") => {
                if stonith {
                    OnFail::Fence
                } else {
                    OnFail::Block
                }
            }
            None => OnFail::Recover,
            Some(v) => v,
        };
        if fail_role == Role::Unknown {
            if let Some(v) = meta.get("role_after_failure").filter(|_| entry.is_some()) {
                fail_role = parse_role(v).unwrap_or(Role::Unknown);
            }
        }
        if fail_role == Role::Unknown {
            fail_role = if eq_ci(task, "promote") {
                Role::Unpromoted
            } else {
                Role::Started
            };
        }
        FailPolicy { on_fail, fail_role }
    }

    /// A demote's default `on-fail`: that of a recurring monitor for the
    /// promoted role, unless it says demote.
    fn promoted_monitor_on_fail(&self, rsc: RscId) -> Option<String> {
        let ResourceKind::Primitive(p) = &self.st.rsc(rsc).kind else {
            return None;
        };
        let ops = p.config.as_ref()?.operations.as_ref()?;
        ops.ops.iter().find_map(|op| {
            let on_fail = op.on_fail.as_ref()?.raw();
            if op.enabled.as_ref().and_then(|e| e.get()) == Some(false) {
                return None;
            }
            let promoted = op
                .role
                .as_ref()
                .is_some_and(|r| eq_ci(r.raw(), "Promoted") || eq_ci(r.raw(), "Master"));
            if !eq_ci(&op.name, "monitor")
                || !promoted
                || op.interval.get().map_or(0, |i| i.0) == 0
                || eq_ci(on_fail, "demote")
            {
                return None;
            }
            Some(on_fail.to_string())
        })
    }
}
