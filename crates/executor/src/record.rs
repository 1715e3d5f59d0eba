//! Operation requests and results, and the result as the status section's
//! `lrm_rsc_op` (built as Pacemaker's `pcmk__create_history_xml` builds it).

use serde::Serialize;

use crate::agent::AgentSpec;
use crate::codes::{rc_str, ExecStatus, OcfRc};
use crate::digest::{Digests, Params, CRM_FEATURE_SET};
use crate::invoke::crm_meta_name;

/// What to watch to notice a resource's failure between monitors.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WatchSpec {
    /// Polling only.
    #[default]
    Off,
    /// The pid file named by the `pidfile` parameter if there is one, else the
    /// processes the last successful start left running.
    Auto,
    /// The process whose pid is in this file.
    PidFile(std::path::PathBuf),
    /// These processes.
    Pids(Vec<u32>),
}

/// One operation to run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OpRequest {
    pub rsc_id: String,
    pub agent: AgentSpec,
    pub action: String,
    /// Instance attributes.
    pub params: Params,
    /// Meta-attributes without the `CRM_meta_` prefix (`notify_type`,
    /// `clone_max`, `on-fail`, …); passed as `CRM_meta_<name>`.
    pub meta: Params,
    pub timeout_ms: u64,
    /// Non-zero for a recurring operation.
    pub interval_ms: u64,
    /// Wait this long before the first run.
    pub start_delay_ms: u64,
    /// A recurring operation's first run is aligned to this time (seconds
    /// since the epoch) plus a whole number of intervals.
    pub interval_origin: Option<i64>,
    /// The node a fence action targets.
    pub fence_target: Option<String>,
    /// Event-driven failure detection for a recurring monitor.
    pub watch: WatchSpec,
}

impl OpRequest {
    pub fn new(rsc_id: &str, agent: AgentSpec, action: &str) -> OpRequest {
        OpRequest {
            rsc_id: rsc_id.to_string(),
            agent,
            action: action.to_string(),
            params: Params::new(),
            meta: Params::new(),
            timeout_ms: crate::time::DEFAULT_OP_TIMEOUT_MS,
            interval_ms: 0,
            start_delay_ms: 0,
            interval_origin: None,
            fence_target: None,
            watch: WatchSpec::Off,
        }
    }

    pub fn param(mut self, name: &str, value: &str) -> OpRequest {
        self.params.insert(name.to_string(), value.to_string());
        self
    }

    pub fn meta(mut self, name: &str, value: &str) -> OpRequest {
        self.meta.insert(name.to_string(), value.to_string());
        self
    }

    pub fn timeout_ms(mut self, ms: u64) -> OpRequest {
        self.timeout_ms = ms;
        self
    }

    pub fn interval_ms(mut self, ms: u64) -> OpRequest {
        self.interval_ms = ms;
        self
    }

    pub fn start_delay_ms(mut self, ms: u64) -> OpRequest {
        self.start_delay_ms = ms;
        self
    }

    pub fn fence_target(mut self, node: &str) -> OpRequest {
        self.fence_target = Some(node.to_string());
        self
    }

    pub fn watch(mut self, w: WatchSpec) -> OpRequest {
        self.watch = w;
        self
    }

    /// `rsc_action_interval` (Pacemaker's operation key).
    pub fn op_key(&self) -> String {
        op_key(&self.rsc_id, &self.action, self.interval_ms)
    }

    /// The parameters the agent gets, as Pacemaker's controller passes them:
    /// instance attributes, `CRM_meta_<name>` for each meta-attribute plus
    /// `CRM_meta_name`, `CRM_meta_timeout`, `CRM_meta_interval` (when
    /// recurring) and `CRM_meta_on_node`, and `crm_feature_set`.
    pub fn agent_params(&self, node: Option<&str>) -> Params {
        let mut out = self.params.clone();
        for (k, v) in &self.meta {
            out.insert(crm_meta_name(k), v.clone());
        }
        out.insert("CRM_meta_name".into(), self.action.clone());
        out.insert("CRM_meta_timeout".into(), self.timeout_ms.to_string());
        if self.interval_ms > 0 {
            out.insert("CRM_meta_interval".into(), self.interval_ms.to_string());
        } else {
            out.remove("CRM_meta_interval");
        }
        if let Some(n) = node {
            out.entry("CRM_meta_on_node".into())
                .or_insert_with(|| n.to_string());
        }
        out.insert("crm_feature_set".into(), CRM_FEATURE_SET.into());
        out
    }
}

/// `rsc_action_interval`.
pub fn op_key(rsc: &str, action: &str, interval_ms: u64) -> String {
    format!("{rsc}_{action}_{interval_ms}")
}

/// The result of one run of an operation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OpResult {
    pub rsc_id: String,
    pub agent: AgentSpec,
    pub action: String,
    pub interval_ms: u64,
    pub call_id: i64,
    /// The OCF code (`rc-code`).
    pub rc: i32,
    /// Text for `rc`.
    pub rc_text: String,
    pub status: ExecStatus,
    pub exit_reason: Option<String>,
    pub stdout: String,
    pub stderr: String,
    pub output_truncated: bool,
    pub pid: Option<u32>,
    /// The agent's own exit status before mapping (when it exited).
    pub agent_exit: Option<i32>,
    pub exec_time_ms: u64,
    pub queue_time_ms: u64,
    /// When the run started (seconds since the epoch).
    pub last_run: i64,
    /// When this operation's result last changed (seconds since the epoch).
    pub last_rc_change: i64,
    /// What the agent was given.
    pub params: Params,
    pub digests: Digests,
    pub node: Option<String>,
}

impl OpResult {
    pub fn op_key(&self) -> String {
        op_key(&self.rsc_id, &self.action, self.interval_ms)
    }

    /// The agent ran and said "success" (0, or 190 degraded).
    pub fn is_ok(&self) -> bool {
        self.status == ExecStatus::Done && matches!(self.rc, 0 | 190)
    }

    /// The record for the status section. `transition_key` is the
    /// controller's key for the action; without one a fake key is made as
    /// Pacemaker does (`-1:CALL:TARGET:xxxxxxxx-…`). `target_rc` is what the
    /// caller expected (0 normally, 7 for a probe expected to find it stopped).
    pub fn to_lrm_rsc_op(
        &self,
        node: &str,
        transition_key: Option<&str>,
        target_rc: i32,
    ) -> cib::LrmRscOp {
        let mut rc = self.rc;
        let mut status = self.status;
        let mut task = self.action.as_str();
        // A reload is recorded as a start when it worked, as a monitor when not.
        if matches!(task, "reload" | "reload-agent") {
            task = if status == ExecStatus::Done {
                "start"
            } else {
                "monitor"
            };
        }
        let key = op_key(&self.rsc_id, task, self.interval_ms);
        let failed = match status {
            ExecStatus::Cancelled | ExecStatus::Pending => false,
            ExecStatus::Done => rc != target_rc,
            _ => true,
        };
        let id = if task == "notify" {
            let n_type = self
                .params
                .get("CRM_meta_notify_type")
                .map_or("", String::as_str);
            let n_op = self
                .params
                .get("CRM_meta_notify_operation")
                .map_or("", String::as_str);
            if status != ExecStatus::Pending {
                // Notification errors are ignored.
                rc = 0;
                status = ExecStatus::Done;
            }
            format!("{}_{n_type}_notify_{n_op}_0", self.rsc_id)
        } else if matches!(task, "migrate_to" | "migrate_from") {
            key.clone()
        } else if failed {
            op_key(&self.rsc_id, "last_failure", 0)
        } else if self.interval_ms > 0 {
            key.clone()
        } else {
            op_key(&self.rsc_id, "last", 0)
        };
        let tkey = transition_key.map_or_else(
            || {
                format!(
                    "-1:{}:{}:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
                    self.call_id, target_rc
                )
            },
            str::to_string,
        );
        let exit_reason = if failed && task != "notify" {
            self.exit_reason.clone().unwrap_or_default()
        } else {
            String::new()
        };
        let last_rc_change = if self.interval_ms != 0 && self.last_rc_change != 0 {
            self.last_rc_change
        } else {
            self.last_run
        };
        let migrate = matches!(self.action.as_str(), "migrate_to" | "migrate_from");
        cib::LrmRscOp {
            id,
            operation_key: Some(key),
            operation: task.to_string(),
            crm_debug_origin: Some("pacer-executor".to_string()),
            crm_feature_set: Some(CRM_FEATURE_SET.to_string()),
            transition_magic: Some(format!("{}:{};{}", status.code(), rc, tkey)),
            transition_key: Some(tkey),
            exit_reason: Some(exit_reason),
            on_node: Some(node.to_string()),
            call_id: Some(self.call_id),
            rc_code: Some(i64::from(rc)),
            op_status: Some(i64::from(status.code())),
            interval: Some(self.interval_ms as i64),
            last_rc_change: Some(last_rc_change),
            last_run: None,
            exec_time: Some(self.exec_time_ms as i64),
            queue_time: Some(self.queue_time_ms as i64),
            op_digest: Some(self.digests.op_digest.clone()),
            op_force_restart: self.digests.op_force_restart.clone(),
            op_restart_digest: self.digests.op_restart_digest.clone(),
            op_secure_params: self.digests.op_secure_params.clone(),
            op_secure_digest: self.digests.op_secure_digest.clone(),
            migrate_source: migrate
                .then(|| self.params.get("CRM_meta_migrate_source").cloned())
                .flatten(),
            migrate_target: migrate
                .then(|| self.params.get("CRM_meta_migrate_target").cloned())
                .flatten(),
            extra: cib::Extra::default(),
        }
    }

    /// One line for people: `web_start_0 (call 4): ok (rc=0), 12ms`.
    pub fn summary(&self) -> String {
        let what = if self.status == ExecStatus::Done {
            format!("{} (rc={})", rc_str(self.rc), self.rc)
        } else {
            format!("{} (rc={})", self.status, self.rc)
        };
        let mut s = format!(
            "{} (call {}): {what}, exec {}ms, queued {}ms",
            self.op_key(),
            self.call_id,
            self.exec_time_ms,
            self.queue_time_ms
        );
        if let Some(r) = &self.exit_reason {
            s.push_str(&format!(": {r}"));
        }
        s
    }
}

/// `rc` as the OCF name, for JSON readers who want both.
pub fn rc_name(rc: i32) -> Option<OcfRc> {
    OcfRc::from_code(rc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(action: &str, interval: u64, rc: i32, status: ExecStatus) -> OpResult {
        OpResult {
            rsc_id: "web".into(),
            agent: AgentSpec::ocf("heartbeat", "Dummy"),
            action: action.into(),
            interval_ms: interval,
            call_id: 12,
            rc,
            rc_text: rc_str(rc).into(),
            status,
            exit_reason: Some("it broke".into()),
            stdout: String::new(),
            stderr: String::new(),
            output_truncated: false,
            pid: None,
            agent_exit: Some(rc),
            exec_time_ms: 30,
            queue_time_ms: 2,
            last_run: 1_700_000_000,
            last_rc_change: 1_600_000_000,
            params: Params::new(),
            digests: Digests {
                op_digest: "abc".into(),
                ..Default::default()
            },
            node: None,
        }
    }

    #[test]
    fn record_ids_follow_pacemaker() {
        let r = result("start", 0, 0, ExecStatus::Done).to_lrm_rsc_op("n1", None, 0);
        assert_eq!(r.id, "web_last_0");
        assert_eq!(r.operation_key.as_deref(), Some("web_start_0"));
        assert_eq!(
            r.transition_key.as_deref(),
            Some("-1:12:0:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx")
        );
        assert_eq!(
            r.transition_magic.as_deref(),
            Some("0:0;-1:12:0:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx")
        );
        assert_eq!(r.exit_reason.as_deref(), Some(""));
        assert_eq!(r.last_rc_change, Some(1_700_000_000));
        let r = result("monitor", 10_000, 0, ExecStatus::Done).to_lrm_rsc_op("n1", None, 0);
        assert_eq!(r.id, "web_monitor_10000");
        assert_eq!(r.last_rc_change, Some(1_600_000_000));
        let r = result("monitor", 10_000, 7, ExecStatus::Done).to_lrm_rsc_op("n1", None, 0);
        assert_eq!(r.id, "web_last_failure_0");
        assert_eq!(r.exit_reason.as_deref(), Some("it broke"));
        let r = result("start", 0, 1, ExecStatus::Timeout).to_lrm_rsc_op("n1", None, 0);
        assert_eq!(r.id, "web_last_failure_0");
        assert_eq!(r.op_status, Some(2));
        // A probe that finds the resource stopped is what was expected.
        let r = result("monitor", 0, 7, ExecStatus::Done).to_lrm_rsc_op("n1", None, 7);
        assert_eq!(r.id, "web_last_0");
        let r = result("reload-agent", 0, 0, ExecStatus::Done).to_lrm_rsc_op("n1", None, 0);
        assert_eq!(r.operation, "start");
    }

    #[test]
    fn agent_params_carry_meta_attributes_like_the_controller() {
        let req = OpRequest::new("web", AgentSpec::ocf("heartbeat", "Dummy"), "monitor")
            .param("state", "/tmp/s")
            .meta("on-fail", "block")
            .meta("clone_max", "3")
            .timeout_ms(30_000)
            .interval_ms(10_000);
        let p = req.agent_params(Some("n1"));
        let get = |k: &str| p.get(k).map(String::as_str);
        assert_eq!(get("state"), Some("/tmp/s"));
        assert_eq!(get("CRM_meta_on_fail"), Some("block"));
        assert_eq!(get("CRM_meta_clone_max"), Some("3"));
        assert_eq!(get("CRM_meta_timeout"), Some("30000"));
        assert_eq!(get("CRM_meta_interval"), Some("10000"));
        assert_eq!(get("CRM_meta_name"), Some("monitor"));
        assert_eq!(get("CRM_meta_on_node"), Some("n1"));
        assert_eq!(get("crm_feature_set"), Some(CRM_FEATURE_SET));
    }
}
