//! Alerts: the CIB's `<alerts>` say which external agents hear about which
//! cluster events; this crate decides who gets an event and with which
//! environment (pure), and runs the agents ([`run`]).
//!
//! The decisions follow Pacemaker 2.1.5 (`pe_unpack_alerts`,
//! `lrmd_alerts.c`, the executor's alert class):
//! - every `<recipient>` of an `<alert>` is one alert entry (an alert
//!   without recipients is one entry without a recipient); a recipient's
//!   instance attributes, meta-attributes (`timeout`, `timestamp-format`)
//!   and `<select>` replace its alert's; the entries are in *reverse*
//!   document order, as Pacemaker builds its list;
//! - `<select>` with `select_nodes`, `select_fencing`, `select_resources`,
//!   `select_attributes` (optionally naming attributes) limits the kinds;
//!   without it, every kind but attributes;
//! - probes that found what was expected raise no resource alert;
//! - the agent's environment has each key twice (`CRM_alert_*` and the
//!   legacy `CRM_notify_*`), the alert's instance attributes as variables,
//!   and a node-wide sequence number.
//!
//! ```
//! use alerts::{alerts_from_cib, environment, recipients, Event, Stamp};
//! let cib = cib::Cib::from_xml(r#"<cib epoch="1" num_updates="0" admin_epoch="0"><configuration>
//!   <crm_config/><nodes/><resources/><constraints/>
//!   <alerts><alert id="log" path="/usr/share/pacemaker/alerts/alert_file.sh">
//!     <recipient id="log-r" value="/var/log/cluster-alerts.log"/>
//!   </alert></alerts></configuration><status/></cib>"#).unwrap();
//! let (alerts, _) = alerts_from_cib(&cib, cib::iso8601::DateTime::from_epoch(0, 0));
//! let ev = Event::Node { node: "n2".into(), nodeid: 2, desc: "lost".into() };
//! let to = recipients(&alerts, &ev);
//! let env = environment(to[0], &ev, &Stamp { epoch_s: 0, usec: 5, utc_offset_s: 0 }, 1);
//! assert!(env.contains(&("CRM_alert_desc".into(), "lost".into())));
//! assert!(env.contains(&("CRM_alert_timestamp".into(), "00:00:00.000005".into())));
//! ```

#![cfg_attr(test, allow(clippy::unwrap_used))]

use std::collections::BTreeMap;

use cib::idref::{IdRefs, SetKind};
use cib::iso8601::DateTime;
use cib::nvpair::{eval_nvsets, UnpackOptions};
use cib::rules::RuleContext;
use cib::{Cib, Element, NvSet};
use serde::Serialize;

pub mod run;
pub mod timestamp;

/// An agent's time limit unless `timeout` says otherwise.
pub const DEFAULT_TIMEOUT_MS: u64 = 30_000;
/// `timestamp-format` unless set.
pub const DEFAULT_TIMESTAMP_FORMAT: &str = "%H:%M:%S.%06N";
/// What `CRM_alert_version` says: the Pacemaker version whose alert
/// interface this is (agents check it is set, some compare it).
pub const ALERT_VERSION: &str = "2.1.5";

/// The kinds of event an alert can select.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Node,
    Fencing,
    Resource,
    Attribute,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Node => "node",
            Kind::Fencing => "fencing",
            Kind::Resource => "resource",
            Kind::Attribute => "attribute",
        }
    }
}

/// Which kinds an alert entry receives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Kinds {
    pub node: bool,
    pub fencing: bool,
    pub resource: bool,
    pub attribute: bool,
}

impl Default for Kinds {
    /// Without `<select>`: everything but attributes.
    fn default() -> Self {
        Kinds {
            node: true,
            fencing: true,
            resource: true,
            attribute: false,
        }
    }
}

impl Kinds {
    pub fn has(&self, k: Kind) -> bool {
        match k {
            Kind::Node => self.node,
            Kind::Fencing => self.fencing,
            Kind::Resource => self.resource,
            Kind::Attribute => self.attribute,
        }
    }
}

/// **API Boundary:** one alert entry: an `<alert>` for one recipient.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Alert {
    pub id: String,
    /// The agent.
    pub path: String,
    pub recipient: Option<String>,
    pub timeout_ms: u64,
    pub timestamp_format: String,
    /// Instance attributes: environment variables of the agent.
    pub envvars: BTreeMap<String, String>,
    pub kinds: Kinds,
    /// With `select_attributes`: only these attributes (`None`: all).
    pub attribute_names: Option<Vec<String>>,
}

/// **API Boundary:** a cluster event that may raise alerts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Event {
    /// A node joined or left: `desc` is `member` or `lost`.
    Node {
        node: String,
        nodeid: u32,
        desc: String,
    },
    /// A fencing operation completed ([`Event::fencing`] builds one).
    Fencing {
        target: String,
        /// Pacemaker passes its notification type here: `st_notify_fence`.
        task: String,
        desc: String,
        /// Pacemaker's legacy return code: 0, or a negative error.
        rc: i32,
    },
    /// A resource operation completed.
    Resource {
        node: String,
        rsc: String,
        task: String,
        interval_ms: u64,
        /// What the operation was expected to return (7 for a probe
        /// expecting "not running").
        target_rc: i32,
        /// The execution status code (0 done, 1 cancelled, 2 timed out…).
        status: i32,
        rc: i32,
        exec_time_ms: u64,
        /// The operation's timeout: reported as its run time when a
        /// timed-out recurring operation has none.
        timeout_ms: u64,
    },
    /// A node attribute changed (`value` empty when it was removed).
    Attribute {
        node: String,
        nodeid: u32,
        name: String,
        value: String,
    },
}

/// How a fencing operation ended, for [`Event::fencing`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum FencingOutcome {
    Ok,
    Error,
    TimedOut,
    NoDevice,
}

impl Event {
    pub fn kind(&self) -> Kind {
        match self {
            Event::Node { .. } => Kind::Node,
            Event::Fencing { .. } => Kind::Fencing,
            Event::Resource { .. } => Kind::Resource,
            Event::Attribute { .. } => Kind::Attribute,
        }
    }

    /// The fencing event Pacemaker's controller raises: the description
    /// `Operation ACTION of TARGET by EXECUTIONER for CLIENT@ORIGIN: STATUS
    /// (REASON) (ref=ID)` and the legacy return code.
    #[allow(clippy::too_many_arguments)]
    pub fn fencing(
        action: &str,
        target: &str,
        executioner: Option<&str>,
        client: &str,
        origin: &str,
        outcome: FencingOutcome,
        reason: Option<&str>,
        id: &str,
    ) -> Event {
        let (status, rc) = match outcome {
            FencingOutcome::Ok => ("OK", 0),
            FencingOutcome::Error => ("Error", -201),
            FencingOutcome::TimedOut => ("Timed Out", -62),
            FencingOutcome::NoDevice => ("No fence device", -19),
        };
        let reason = reason.map(|r| format!(" ({r})")).unwrap_or_default();
        Event::Fencing {
            target: target.to_string(),
            task: "st_notify_fence".to_string(),
            desc: format!(
                "Operation {action} of {target} by {} for {client}@{origin}: {status}{reason} (ref={id})",
                executioner.unwrap_or("the cluster")
            ),
            rc,
        }
    }
}

/// The alert entries of `cib` at `now` (meta-attribute rules are evaluated
/// then), in the order Pacemaker runs them, with warnings for entries it
/// ignores or values it replaces.
pub fn alerts_from_cib(cib: &Cib, now: DateTime) -> (Vec<Alert>, Vec<String>) {
    let refs = IdRefs::new(cib);
    let ctx = RuleContext::new(now);
    let mut warnings = Vec::new();
    let mut out = Vec::new();
    for a in cib.configuration.alerts.iter().flatten() {
        if a.id.is_empty() || a.path.is_empty() {
            warnings.push(format!(
                "alert {:?}: an alert needs an id and a path; it is ignored",
                a.id
            ));
            continue;
        }
        let mut base = Alert {
            id: a.id.clone(),
            path: a.path.clone(),
            recipient: None,
            timeout_ms: DEFAULT_TIMEOUT_MS,
            timestamp_format: String::new(),
            envvars: BTreeMap::new(),
            kinds: Kinds::default(),
            attribute_names: None,
        };
        let mut tstamp = None;
        apply(
            &mut base,
            &mut tstamp,
            &a.instance_attributes,
            &a.meta_attributes,
            a.select.as_ref(),
            &refs,
            &ctx,
            &mut warnings,
        );
        base.timestamp_format = tstamp
            .clone()
            .unwrap_or_else(|| DEFAULT_TIMESTAMP_FORMAT.to_string());
        if a.recipients.is_empty() {
            out.push(base);
            continue;
        }
        for r in &a.recipients {
            let mut e = base.clone();
            e.recipient = Some(r.value.clone());
            let mut t = Some(e.timestamp_format.clone());
            let select = r.extra.children.iter().find(|c| c.name == "select");
            apply(
                &mut e,
                &mut t,
                &r.instance_attributes,
                &r.meta_attributes,
                select,
                &refs,
                &ctx,
                &mut warnings,
            );
            if let Some(t) = t {
                e.timestamp_format = t;
            }
            out.push(e);
        }
    }
    out.reverse();
    (out, warnings)
}

#[allow(clippy::too_many_arguments)]
fn apply(
    e: &mut Alert,
    tstamp: &mut Option<String>,
    instance: &[NvSet],
    meta: &[NvSet],
    select: Option<&Element>,
    refs: &IdRefs,
    ctx: &RuleContext,
    warnings: &mut Vec<String>,
) {
    // Only the first instance_attributes set counts, rules unevaluated.
    if let Some(set) = instance.first() {
        let set = refs
            .resolve_nvset(SetKind::InstanceAttributes, set)
            .unwrap_or(set);
        for p in &set.nvpairs {
            if let Some((name, value)) = cib::nvpair::resolve_nvpair(p, refs) {
                e.envvars.insert(name.to_string(), value.to_string());
            } else if !p.name.is_empty() {
                e.envvars.insert(p.name.clone(), String::new());
            }
        }
    }
    let (m, _) = eval_nvsets(
        meta,
        SetKind::MetaAttributes,
        ctx,
        refs,
        UnpackOptions::default(),
    );
    if let Some(v) = m.get("timeout") {
        match cib::rules::parse_interval_spec(v) {
            Some(0) => e.timeout_ms = DEFAULT_TIMEOUT_MS,
            Some(ms) => e.timeout_ms = u64::from(ms),
            None => {
                warnings.push(format!(
                    "alert {}: timeout=\"{v}\" is not a duration; using {DEFAULT_TIMEOUT_MS} ms; write e.g. timeout=\"30s\"",
                    e.id
                ));
                e.timeout_ms = DEFAULT_TIMEOUT_MS;
            }
        }
    }
    if let Some(v) = m.get("timestamp-format") {
        *tstamp = Some(v.clone());
    }
    if let Some(sel) = select {
        let mut kinds = Kinds {
            node: false,
            fencing: false,
            resource: false,
            attribute: false,
        };
        let mut any = false;
        for c in &sel.children {
            match c.name.as_str() {
                "select_fencing" => kinds.fencing = true,
                "select_nodes" => kinds.node = true,
                "select_resources" => kinds.resource = true,
                "select_attributes" => {
                    kinds.attribute = true;
                    let names: Vec<String> = c
                        .children_named("attribute")
                        .filter_map(|a| a.attr("name").map(str::to_string))
                        .collect();
                    if !names.is_empty() {
                        e.attribute_names = Some(names);
                    }
                }
                _ => continue,
            }
            any = true;
        }
        if any {
            e.kinds = kinds;
        }
    }
}

/// The entries `event` goes to, in order.
pub fn recipients<'a>(alerts: &'a [Alert], event: &Event) -> Vec<&'a Alert> {
    if let Event::Resource {
        task,
        interval_ms: 0,
        target_rc,
        rc,
        ..
    } = event
    {
        // A probe that found what was expected is not news.
        if task.eq_ignore_ascii_case("monitor") && target_rc == rc {
            return Vec::new();
        }
    }
    let kind = event.kind();
    alerts
        .iter()
        .filter(|a| a.kinds.has(kind))
        .filter(|a| match (kind, event, &a.attribute_names) {
            (Kind::Attribute, Event::Attribute { name, .. }, Some(names)) => names.contains(name),
            _ => true,
        })
        .collect()
}

/// When the event is sent: seconds since the epoch, microseconds, and the
/// local zone's offset from UTC (for `timestamp-format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    pub epoch_s: i64,
    pub usec: u32,
    pub utc_offset_s: i32,
}

/// The variables the agent gets on top of the daemon's environment:
/// each key as `CRM_notify_*` and `CRM_alert_*`, then the alert's
/// instance attributes. `sequence` is the node-wide alert counter.
pub fn environment(
    alert: &Alert,
    event: &Event,
    stamp: &Stamp,
    sequence: u64,
) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = Vec::new();
    let mut key = |k: &str, v: &str| {
        env.push((format!("CRM_notify_{k}"), v.to_string()));
        env.push((format!("CRM_alert_{k}"), v.to_string()));
    };
    match event {
        Event::Node { node, nodeid, desc } => {
            key("node", node);
            key("desc", desc);
            key("nodeid", &nodeid.to_string());
        }
        Event::Fencing {
            target,
            task,
            desc,
            rc,
        } => {
            key("node", target);
            key("task", task);
            key("desc", desc);
            key("rc", &rc.to_string());
        }
        Event::Resource {
            node,
            rsc,
            task,
            interval_ms,
            target_rc,
            status,
            rc,
            exec_time_ms,
            timeout_ms,
        } => {
            key("node", node);
            key("rsc", rsc);
            key("task", task);
            key("interval", &interval_ms.to_string());
            key("target_rc", &target_rc.to_string());
            key("status", &status.to_string());
            key("rc", &rc.to_string());
            const TIMED_OUT: i32 = 2;
            let exec = if *status == TIMED_OUT && *exec_time_ms == 0 {
                *timeout_ms
            } else {
                *exec_time_ms
            };
            key("exec_time", &exec.to_string());
            let desc = if *status == 0 {
                executor::codes::rc_str(*rc).to_string()
            } else {
                exec_status_str(*status).to_string()
            };
            key("desc", &desc);
        }
        Event::Attribute {
            node,
            nodeid,
            name,
            value,
        } => {
            key("node", node);
            key("nodeid", &nodeid.to_string());
            key("attribute_name", name);
            key("attribute_value", value);
        }
    }
    key("kind", event.kind().as_str());
    key("version", ALERT_VERSION);
    key("recipient", alert.recipient.as_deref().unwrap_or(""));
    if let Some(ts) = timestamp::format(&alert.timestamp_format, stamp) {
        key("timestamp", &ts);
    }
    key("timestamp_epoch", &stamp.epoch_s.to_string());
    key("timestamp_usec", &format!("{:06}", stamp.usec));
    for (k, v) in &alert.envvars {
        env.push((k.clone(), v.clone()));
    }
    let seq = sequence.to_string();
    env.push(("CRM_notify_node_sequence".into(), seq.clone()));
    env.push(("CRM_alert_node_sequence".into(), seq));
    env
}

/// Pacemaker's `pcmk_exec_status_str` by code.
fn exec_status_str(status: i32) -> &'static str {
    use executor::ExecStatus as S;
    [
        S::Pending,
        S::Done,
        S::Cancelled,
        S::Timeout,
        S::NotSupported,
        S::Error,
        S::ErrorHard,
        S::ErrorFatal,
        S::NotInstalled,
        S::NotConnected,
        S::Invalid,
        S::NoFenceDevice,
        S::NoSecrets,
    ]
    .into_iter()
    .find(|s| s.code() == status)
    .map_or("UNKNOWN!", S::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CIB: &str = r#"<cib epoch="1" num_updates="0" admin_epoch="0"><configuration>
      <crm_config/><nodes/><resources/><constraints/>
      <alerts>
        <alert id="file" path="/usr/local/bin/alert_file.sh">
          <meta_attributes id="file-ma">
            <nvpair id="file-to" name="timeout" value="15s"/>
            <nvpair id="file-tf" name="timestamp-format" value="%Y-%m-%d %H:%M:%S.%03N"/>
          </meta_attributes>
          <instance_attributes id="file-ia">
            <nvpair id="file-d" name="debug_exec_order" value="false"/>
            <nvpair id="file-x" name="shared" value="alert"/>
          </instance_attributes>
          <select>
            <select_attributes>
              <attribute id="a-std" name="standby"/>
              <attribute id="a-shut" name="shutdown"/>
            </select_attributes>
            <select_fencing/>
          </select>
          <recipient id="file-r1" value="/var/log/a.log"/>
          <recipient id="file-r2" value="/var/log/b.log">
            <meta_attributes id="r2-ma"><nvpair id="r2-to" name="timeout" value="5s"/></meta_attributes>
            <instance_attributes id="r2-ia"><nvpair id="r2-x" name="shared" value="recipient"/></instance_attributes>
          </recipient>
        </alert>
        <alert id="all" path="/bin/true"/>
      </alerts></configuration><status/></cib>"#;

    fn alerts() -> Vec<Alert> {
        let cib = Cib::from_xml(CIB).unwrap();
        let (a, w) = alerts_from_cib(&cib, DateTime::from_epoch(0, 0));
        assert!(w.is_empty(), "{w:?}");
        a
    }

    #[test]
    fn entries_per_recipient_in_pacemakers_order() {
        let a = alerts();
        let ids: Vec<(&str, Option<&str>)> = a
            .iter()
            .map(|e| (e.id.as_str(), e.recipient.as_deref()))
            .collect();
        assert_eq!(
            ids,
            [
                ("all", None),
                ("file", Some("/var/log/b.log")),
                ("file", Some("/var/log/a.log"))
            ]
        );
        assert_eq!(
            (a[1].timeout_ms, a[2].timeout_ms, a[0].timeout_ms),
            (5_000, 15_000, 30_000)
        );
        assert_eq!(a[1].envvars["shared"], "recipient");
        assert_eq!(a[2].envvars["shared"], "alert");
        assert_eq!(a[1].timestamp_format, "%Y-%m-%d %H:%M:%S.%03N");
        assert_eq!(a[0].timestamp_format, DEFAULT_TIMESTAMP_FORMAT);
    }

    #[test]
    fn select_limits_kinds_and_attribute_names() {
        let a = alerts();
        let node = Event::Node {
            node: "n1".into(),
            nodeid: 1,
            desc: "member".into(),
        };
        assert_eq!(recipients(&a, &node).len(), 1);
        let attr = |name: &str| Event::Attribute {
            node: "n1".into(),
            nodeid: 1,
            name: name.into(),
            value: "on".into(),
        };
        assert_eq!(recipients(&a, &attr("standby")).len(), 2);
        assert_eq!(recipients(&a, &attr("site")).len(), 0);
        let fence = Event::fencing(
            "reboot",
            "n2",
            Some("n1"),
            "pacer-controller",
            "n3",
            FencingOutcome::Ok,
            None,
            "abc",
        );
        assert_eq!(recipients(&a, &fence).len(), 3);
        let probe = |rc: i32| Event::Resource {
            node: "n1".into(),
            rsc: "web".into(),
            task: "monitor".into(),
            interval_ms: 0,
            target_rc: 7,
            status: 0,
            rc,
            exec_time_ms: 12,
            timeout_ms: 20_000,
        };
        assert!(recipients(&a, &probe(7)).is_empty());
        assert_eq!(recipients(&a, &probe(0)).len(), 1);
    }

    #[test]
    fn environment_is_pacemakers() {
        let a = alerts();
        let ev = Event::Resource {
            node: "n1".into(),
            rsc: "web".into(),
            task: "monitor".into(),
            interval_ms: 10_000,
            target_rc: 0,
            status: 2,
            rc: 1,
            exec_time_ms: 0,
            timeout_ms: 20_000,
        };
        let stamp = Stamp {
            epoch_s: 1_700_000_000,
            usec: 123_456,
            utc_offset_s: 3600,
        };
        let env: BTreeMap<String, String> =
            environment(&a[0], &ev, &stamp, 7).into_iter().collect();
        let get = |k: &str| env.get(k).map(String::as_str);
        assert_eq!(get("CRM_alert_kind"), Some("resource"));
        assert_eq!(get("CRM_notify_kind"), Some("resource"));
        assert_eq!(get("CRM_alert_desc"), Some("Timed Out"));
        assert_eq!(get("CRM_alert_exec_time"), Some("20000"));
        assert_eq!(get("CRM_alert_interval"), Some("10000"));
        assert_eq!(get("CRM_alert_recipient"), Some(""));
        assert_eq!(get("CRM_alert_timestamp"), Some("23:13:20.123456"));
        assert_eq!(get("CRM_alert_timestamp_epoch"), Some("1700000000"));
        assert_eq!(get("CRM_alert_timestamp_usec"), Some("123456"));
        assert_eq!(get("CRM_alert_node_sequence"), Some("7"));
        assert_eq!(get("CRM_alert_version"), Some(ALERT_VERSION));
        let fence = Event::fencing(
            "reboot",
            "n2",
            Some("n1"),
            "pacer-controller",
            "n3",
            FencingOutcome::NoDevice,
            Some("no device can fence n2"),
            "abc",
        );
        let env: BTreeMap<String, String> =
            environment(&a[1], &fence, &stamp, 8).into_iter().collect();
        assert_eq!(
            env["CRM_alert_desc"],
            "Operation reboot of n2 by n1 for pacer-controller@n3: No fence device (no device can fence n2) (ref=abc)"
        );
        assert_eq!(env["CRM_alert_rc"], "-19");
        assert_eq!(env["CRM_alert_task"], "st_notify_fence");
        assert_eq!(env["CRM_alert_timestamp"], "2023-11-14 23:13:20.123");
        assert_eq!(env["shared"], "recipient");
    }
}
