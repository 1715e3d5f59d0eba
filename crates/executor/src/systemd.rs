//! systemd units through systemd's D-Bus API (org.freedesktop.systemd1),
//! with the results Pacemaker 2.1.5 gives (its services library's
//! `systemd.c` plus the executor's follow-up of start and stop).
//!
//! * **monitor/status** read the unit's `ActiveState`: `active` and
//!   `reloading` are running (0), `activating`/`deactivating` are pending,
//!   anything else is not running (7) with the state as exit reason. A unit
//!   that does not exist is `inactive` for systemd, so its monitor is 7.
//! * **start** writes the cluster drop-in (see [`dropin_text`]), reloads
//!   systemd, calls `StartUnit(unit, "replace")`, waits for the job and then
//!   checks the state as the executor's follow-up monitors do: running is
//!   success, pending is checked again, not running is an error (1). A unit
//!   systemd does not know is not installed (5).
//! * **stop** removes the drop-in, calls `StopUnit`, waits the same way:
//!   not running is success; a unit systemd does not know is stopped (0).
//! * Running out of time gives `op-status` timeout with rc 1.
//! * Other actions are an unimplemented feature (3).
//!
//! The pure parts (names, result mapping, the follow-up schedule, meta-data,
//! the drop-in, listing) are functions over plain data; the D-Bus calls are
//! in the `dbus` module (feature `systemd`). Where systemd is not the init
//! system (no `/run/systemd/system`), actions fail as not installed with a
//! message saying so.

use std::path::{Path, PathBuf};

use crate::codes::{ExecStatus, OcfRc};

/// Why systemd cannot be asked at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SystemdError {
    #[error("systemd is not running on this host (no {marker}); systemd resources need a host booted with systemd — use an ocf: or lsb: agent for this service instead")]
    NotBooted { marker: String },
    #[error("this pacer was built without systemd support (the 'systemd' feature of the executor crate)")]
    NotBuilt,
    #[error("{0}")]
    Dbus(String),
}

/// The directory that exists exactly when systemd is the init system
/// (`sd_booted`).
pub const BOOTED_MARKER: &str = "/run/systemd/system";

/// Where the cluster's drop-ins go (runtime, so a reboot forgets them).
pub const DROPIN_ROOT: &str = "/run/systemd/system";

/// Exit reason of a start or stop that was still in progress when its time
/// ran out (Pacemaker's words).
pub const GIVE_UP_REASON: &str =
    "Investigate reason for timeout, and adjust configured operation timeout if necessary";

/// Whether systemd manages this host.
pub fn is_booted() -> bool {
    Path::new(BOOTED_MARKER).is_dir()
}

/// One finished systemd action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub rc: i32,
    pub status: ExecStatus,
    pub exit_reason: Option<String>,
    /// meta-data's XML.
    pub stdout: String,
}

impl Outcome {
    pub fn new(rc: OcfRc, status: ExecStatus, reason: Option<String>) -> Outcome {
        Outcome {
            rc: rc.code(),
            status,
            exit_reason: reason,
            stdout: String::new(),
        }
    }

    fn ok() -> Outcome {
        Outcome::new(OcfRc::Ok, ExecStatus::Done, None)
    }
}

/// What an action asks of systemd.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Start,
    Stop,
    /// `RestartUnit`, completed like a start.
    Restart,
    /// `monitor` and `status`.
    Monitor,
    MetaData,
}

impl Action {
    /// The action for an operation name; `None` for what systemd units do
    /// not implement (reload, promote, …).
    pub fn parse(name: &str) -> Option<Action> {
        match name {
            "start" => Some(Action::Start),
            "stop" => Some(Action::Stop),
            "restart" => Some(Action::Restart),
            "monitor" | "status" => Some(Action::Monitor),
            "meta-data" => Some(Action::MetaData),
            _ => None,
        }
    }

    /// The `org.freedesktop.systemd1.Manager` method for start-like actions.
    pub fn method(self) -> Option<&'static str> {
        match self {
            Action::Start => Some("StartUnit"),
            Action::Stop => Some("StopUnit"),
            Action::Restart => Some("RestartUnit"),
            Action::Monitor | Action::MetaData => None,
        }
    }
}

/// The result for an action systemd units do not implement.
pub fn unimplemented(action: &str) -> Outcome {
    Outcome::new(
        OcfRc::Unimplemented,
        ExecStatus::Error,
        Some(format!(
            "Action {action} not implemented for systemd resources"
        )),
    )
}

/// The unit types Pacemaker manages (`systemd_unit_extension`); a name with
/// any other suffix is taken as a service name (`foo.target` →
/// `foo.target.service`).
pub const UNIT_SUFFIXES: [&str; 5] = [".service", ".socket", ".mount", ".timer", ".path"];

/// The suffix of a manageable unit name, if it has one.
pub fn unit_suffix(name: &str) -> Option<&'static str> {
    let dot = name.rfind('.')?;
    UNIT_SUFFIXES.iter().copied().find(|s| *s == &name[dot..])
}

/// The unit name for a resource type, as Pacemaker's
/// `systemd_service_name` expands it: `.service` is added to a name without
/// a manageable suffix; a template with a suffix but no instance
/// (`getty@.service`) gets the instance `pacemaker`, and so does one
/// without a suffix (`getty@`) when `add_instance` (meta-data, existence
/// checks). `None` for an empty name.
pub fn unit_name_for(type_: &str, add_instance: bool) -> Option<String> {
    if type_.is_empty() {
        return None;
    }
    Some(match unit_suffix(type_) {
        Some(suffix) => {
            let stem = &type_[..type_.len() - suffix.len()];
            if stem.ends_with('@') {
                format!("{stem}pacemaker{suffix}")
            } else {
                type_.to_string()
            }
        }
        None if add_instance && type_.ends_with('@') => format!("{type_}pacemaker.service"),
        None => format!("{type_}.service"),
    })
}

/// The unit an action runs on (no instance added to bare templates).
pub fn unit_name(type_: &str) -> String {
    unit_name_for(type_, false).unwrap_or_default()
}

/// A monitor's result from the unit's `ActiveState` (Pacemaker's
/// `parse_status_result`).
pub fn monitor_result(active_state: &str) -> Outcome {
    match active_state {
        "active" | "reloading" => Outcome::ok(),
        "activating" | "deactivating" => Outcome::new(OcfRc::Pending, ExecStatus::Pending, None),
        other => Outcome::new(OcfRc::NotRunning, ExecStatus::Done, Some(other.to_string())),
    }
}

/// D-Bus errors that mean systemd does not know the unit.
pub fn is_unknown_unit_error(error_name: &str) -> bool {
    [
        "org.freedesktop.systemd1.InvalidName",
        "org.freedesktop.systemd1.LoadFailed",
        "org.freedesktop.systemd1.NoSuchUnit",
    ]
    .iter()
    .any(|n| error_name.contains(n))
}

/// The result of a systemd method that returned a D-Bus error (Pacemaker's
/// `set_result_from_method_error`): an unknown unit is stopped for a stop
/// and not installed otherwise; anything else is a generic error.
pub fn method_error_result(action: &str, type_: &str, error_name: &str, message: &str) -> Outcome {
    if is_unknown_unit_error(error_name) {
        if action == "stop" {
            return Outcome::ok();
        }
        return Outcome::new(
            OcfRc::NotInstalled,
            ExecStatus::NotInstalled,
            Some(format!("systemd unit {type_} not found")),
        );
    }
    Outcome::new(
        OcfRc::UnknownError,
        ExecStatus::Error,
        Some(format!(
            "Unable to invoke systemd DBus method ({error_name}: {message})"
        )),
    )
}

/// What to do after checking the unit while completing a start or stop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FollowUp {
    Done(Outcome),
    /// Check again after this long.
    Again {
        delay_ms: u64,
    },
}

/// The executor's follow-up of a start or stop whose job systemd accepted
/// (Pacemaker's `action_complete` for systemd): given the monitor result
/// now, `elapsed_ms` since the action began and its `timeout_ms`. A pending
/// state (and, for a stop, a unit still running) is checked again after a
/// tenth of the timeout (at most 2 s, half of what is left near the end);
/// when no check fits in the time left, the action timed out. Otherwise the
/// monitor's result stands, except that not running means a failed start
/// and a completed stop.
pub fn follow_up(action: Action, monitor: Outcome, elapsed_ms: u64, timeout_ms: u64) -> FollowUp {
    let again = monitor.status == ExecStatus::Pending
        || (monitor.rc == 0 && monitor.status == ExecStatus::Done && action == Action::Stop);
    if again {
        let left = timeout_ms.saturating_sub(elapsed_ms);
        let mut delay = timeout_ms / 10;
        if delay >= left && left > 20 {
            delay = left / 2;
        }
        let delay = delay.min(2000);
        if delay < left {
            return FollowUp::Again { delay_ms: delay };
        }
        return FollowUp::Done(Outcome::new(
            OcfRc::UnknownError,
            ExecStatus::Timeout,
            Some(GIVE_UP_REASON.to_string()),
        ));
    }
    let mut out = monitor;
    if out.status == ExecStatus::Done && out.rc == OcfRc::NotRunning.code() {
        match action {
            Action::Start | Action::Restart => out.rc = OcfRc::UnknownError.code(),
            Action::Stop => out = Outcome::ok(),
            Action::Monitor | Action::MetaData => {}
        }
    }
    FollowUp::Done(out)
}

/// The result when the whole action, D-Bus calls included, ran out of time.
pub fn timed_out(action: &str, type_: &str) -> Outcome {
    Outcome::new(
        OcfRc::UnknownError,
        ExecStatus::Timeout,
        Some(format!(
            "{action} action for systemd unit {type_} did not complete in time"
        )),
    )
}

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// The meta-data Pacemaker generates for a unit: `type_` as configured, the
/// unit's `Description` (or a generic one when systemd cannot say).
pub fn metadata_xml(type_: &str, description: Option<&str>) -> String {
    let generic = format!("Systemd unit file for {type_}");
    let desc = xml_escape(description.unwrap_or(&generic));
    let name = xml_escape(type_);
    format!(
        r#"<?xml version="1.0"?>
<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">
<resource-agent name="{name}" version="0.1">
  <version>1.1</version>
  <longdesc lang="en">
    {desc}
  </longdesc>
  <shortdesc lang="en">systemd unit file for {name}</shortdesc>
  <parameters/>
  <actions>
    <action name="start"     timeout="100" />
    <action name="stop"      timeout="100" />
    <action name="status"    timeout="100" />
    <action name="monitor"   timeout="100" interval="60"/>
    <action name="meta-data" timeout="5"   />
  </actions>
  <special tag="systemd"/>
</resource-agent>
"#
    )
}

/// The drop-in file for a unit managed by the cluster.
///
/// Pacemaker derives the directory from the configured type plus
/// `.service.d`, which misses units configured with a suffix
/// (`foo.service` → `foo.service.service.d`, never read); pacer uses the
/// unit's real name.
pub fn dropin_path(root: &Path, unit: &str) -> PathBuf {
    root.join(format!("{unit}.d")).join("50-pacemaker.conf")
}

/// The drop-in's text: ordered before the cluster manager, so that at
/// shutdown systemd stops the unit only after the cluster has (the
/// `Before=` is the point; systemd never starts it on its own), and not
/// restarted by systemd behind the cluster's back (services only: other
/// unit types have no `Restart=`).
pub fn dropin_text(type_: &str, unit: &str) -> String {
    let mut text = format!(
        "[Unit]\nDescription=Cluster Controlled {type_}\nBefore=pacemaker.service pacemaker_remote.service pacerd.service\n"
    );
    if unit.ends_with(".service") {
        text.push_str("\n[Service]\nRestart=no\n");
    }
    text
}

/// Agent names from `ListUnitFiles` paths, as `crm_resource --list-agents
/// systemd` prints them: manageable unit types only, the directory dropped,
/// `.service` dropped, sorted without regard to case.
pub fn list_from_unit_files<'a>(paths: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = paths
        .into_iter()
        .filter_map(|path| {
            let base = path.rsplit('/').next().unwrap_or(path);
            let suffix = unit_suffix(base)?;
            Some(if suffix == ".service" {
                base[..base.len() - suffix.len()].to_string()
            } else {
                base.to_string()
            })
        })
        .collect();
    out.sort_by_key(|n| n.to_ascii_lowercase());
    out
}

/// Runs `action` on the unit for `type_`, giving up after `timeout_ms`.
pub async fn execute(type_: &str, action: &str, timeout_ms: u64) -> Outcome {
    let Some(act) = Action::parse(action) else {
        return unimplemented(action);
    };
    if act == Action::MetaData {
        let description = if is_booted() {
            dbus::description(type_, timeout_ms).await
        } else {
            None
        };
        let mut out = Outcome::ok();
        out.stdout = metadata_xml(type_, description.as_deref());
        return out;
    }
    if unit_name_for(type_, false).is_none() {
        return Outcome::new(
            OcfRc::NotConfigured,
            ExecStatus::ErrorFatal,
            Some("systemd resource has no unit name (type is empty)".to_string()),
        );
    }
    if !is_booted() {
        return Outcome::new(
            OcfRc::NotInstalled,
            ExecStatus::NotInstalled,
            Some(format!(
                "systemd:{type_}: {}",
                SystemdError::NotBooted {
                    marker: BOOTED_MARKER.to_string()
                }
            )),
        );
    }
    dbus::execute(type_, action, act, timeout_ms).await
}

/// Whether systemd knows the unit (`LoadState` loaded or masked), which is
/// what makes a `service:` resource a systemd one.
pub async fn unit_exists(type_: &str) -> bool {
    is_booted() && dbus::unit_exists(type_).await
}

/// The units `pacer agent list systemd` shows.
pub async fn list_units() -> Result<Vec<String>, SystemdError> {
    if !is_booted() {
        return Err(SystemdError::NotBooted {
            marker: BOOTED_MARKER.to_string(),
        });
    }
    dbus::list_unit_files()
        .await
        .map(|files| list_from_unit_files(files.iter().map(String::as_str)))
}

#[cfg(feature = "systemd")]
mod dbus {
    use super::*;
    use std::time::Duration;
    use tokio::time::Instant;
    use zbus::zvariant::{OwnedObjectPath, OwnedValue};

    const BUS: &str = "org.freedesktop.systemd1";
    const PATH: &str = "/org/freedesktop/systemd1";
    const MANAGER: &str = "org.freedesktop.systemd1.Manager";
    const UNIT: &str = "org.freedesktop.systemd1.Unit";
    const JOB: &str = "org.freedesktop.systemd1.Job";
    /// D-Bus calls outside an operation (listing, existence checks).
    const DEFAULT_CALL_MS: u64 = 25_000;

    /// A failed call: the D-Bus error's name and message, or why there was
    /// no answer.
    #[derive(Debug)]
    enum CallError {
        Method { name: String, message: String },
        Other(String),
        Timeout,
    }

    impl std::fmt::Display for CallError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            match self {
                CallError::Method { name, message } => write!(f, "{name}: {message}"),
                CallError::Other(m) => f.write_str(m),
                CallError::Timeout => f.write_str("no answer in time"),
            }
        }
    }

    async fn call<B, R>(
        conn: &zbus::Connection,
        path: &str,
        iface: &str,
        method: &str,
        body: &B,
        deadline: Instant,
    ) -> Result<R, CallError>
    where
        B: serde::Serialize + zbus::zvariant::DynamicType,
        R: for<'d> zbus::zvariant::DynamicDeserialize<'d>,
    {
        let fut = conn.call_method(Some(BUS), path, Some(iface), method, body);
        let msg = match tokio::time::timeout_at(deadline, fut).await {
            Err(_) => return Err(CallError::Timeout),
            Ok(Err(zbus::Error::MethodError(name, message, _))) => {
                return Err(CallError::Method {
                    name: name.to_string(),
                    message: message.unwrap_or_default(),
                })
            }
            Ok(Err(e)) => return Err(CallError::Other(e.to_string())),
            Ok(Ok(m)) => m,
        };
        msg.body()
            .deserialize::<R>()
            .map_err(|e| CallError::Other(format!("unexpected reply to {method}: {e}")))
    }

    async fn property(
        conn: &zbus::Connection,
        path: &str,
        iface: &str,
        name: &str,
        deadline: Instant,
    ) -> Result<String, CallError> {
        let v: OwnedValue = call(
            conn,
            path,
            "org.freedesktop.DBus.Properties",
            "Get",
            &(iface, name),
            deadline,
        )
        .await?;
        String::try_from(v).map_err(|e| CallError::Other(format!("{name} is not a string: {e}")))
    }

    async fn connect(deadline: Instant) -> Result<zbus::Connection, CallError> {
        match tokio::time::timeout_at(deadline, zbus::Connection::system()).await {
            Err(_) => Err(CallError::Timeout),
            Ok(Err(e)) => Err(CallError::Other(format!(
                "No DBus connection (cannot connect to the system bus: {e})"
            ))),
            Ok(Ok(c)) => Ok(c),
        }
    }

    async fn load_unit(
        conn: &zbus::Connection,
        unit: &str,
        deadline: Instant,
    ) -> Result<String, CallError> {
        let path: OwnedObjectPath =
            call(conn, PATH, MANAGER, "LoadUnit", &(unit,), deadline).await?;
        Ok(path.as_str().to_string())
    }

    /// The unit's `Description`, for meta-data.
    pub(super) async fn description(type_: &str, timeout_ms: u64) -> Option<String> {
        let deadline = Instant::now() + Duration::from_millis(timeout_ms);
        let unit = unit_name_for(type_, true)?;
        let conn = connect(deadline).await.ok()?;
        let path = load_unit(&conn, &unit, deadline).await.ok()?;
        property(&conn, &path, UNIT, "Description", deadline)
            .await
            .ok()
    }

    pub(super) async fn unit_exists(type_: &str) -> bool {
        let deadline = Instant::now() + Duration::from_millis(DEFAULT_CALL_MS);
        let Some(unit) = unit_name_for(type_, true) else {
            return false;
        };
        let Ok(conn) = connect(deadline).await else {
            return false;
        };
        let Ok(path) = load_unit(&conn, &unit, deadline).await else {
            return false;
        };
        matches!(
            property(&conn, &path, UNIT, "LoadState", deadline)
                .await
                .as_deref(),
            Ok("loaded" | "masked")
        )
    }

    pub(super) async fn list_unit_files() -> Result<Vec<String>, SystemdError> {
        let deadline = Instant::now() + Duration::from_millis(DEFAULT_CALL_MS);
        let fail =
            |e: CallError| SystemdError::Dbus(format!("cannot list systemd unit files: {e}"));
        let conn = connect(deadline).await.map_err(fail)?;
        let files: Vec<(String, String)> =
            call(&conn, PATH, MANAGER, "ListUnitFiles", &(), deadline)
                .await
                .map_err(fail)?;
        Ok(files.into_iter().map(|(path, _state)| path).collect())
    }

    /// Writes (start) or removes (stop) the cluster drop-in, then makes
    /// systemd read it. Failures are not the action's failure (as in
    /// Pacemaker): the unit still starts, only without the drop-in.
    async fn update_dropin(
        conn: &zbus::Connection,
        type_: &str,
        unit: &str,
        install: bool,
        deadline: Instant,
    ) {
        let path = dropin_path(Path::new(DROPIN_ROOT), unit);
        let changed = if install {
            let text = dropin_text(type_, unit);
            if std::fs::read_to_string(&path).is_ok_and(|t| t == text) {
                false
            } else {
                path.parent()
                    .is_some_and(|dir| std::fs::create_dir_all(dir).is_ok())
                    && write_world_readable(&path, &text).is_ok()
            }
        } else {
            let removed = std::fs::remove_file(&path).is_ok();
            if let Some(dir) = path.parent() {
                // Only if empty: an administrator's drop-ins stay.
                let _ = std::fs::remove_dir(dir);
            }
            removed
        };
        if changed {
            let _: Result<(), CallError> = call(conn, PATH, MANAGER, "Reload", &(), deadline).await;
        }
    }

    /// Writes `text` to `path` (mode 0644, so systemd does not warn), by
    /// renaming a complete temporary file into place.
    fn write_world_readable(path: &Path, text: &str) -> std::io::Result<()> {
        use std::io::Write as _;
        use std::os::unix::fs::OpenOptionsExt as _;
        let tmp = path.with_extension("conf.tmp");
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o644)
            .open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    }

    /// Waits until systemd has finished the job (its object is gone).
    async fn wait_for_job(conn: &zbus::Connection, job: &str, deadline: Instant) -> bool {
        let mut pause_ms = 20;
        loop {
            match property(conn, job, JOB, "State", deadline).await {
                Err(CallError::Timeout) => return false,
                Ok(_) => {}
                // UnknownObject / UnknownMethod: the job is done.
                Err(_) => return true,
            }
            let next = Instant::now() + Duration::from_millis(pause_ms);
            if next >= deadline {
                return false;
            }
            tokio::time::sleep_until(next).await;
            pause_ms = (pause_ms * 2).min(500);
        }
    }

    async fn monitor(
        conn: &zbus::Connection,
        type_: &str,
        unit: &str,
        action: &str,
        deadline: Instant,
    ) -> Result<Outcome, Outcome> {
        let path = match load_unit(conn, unit, deadline).await {
            Ok(p) => p,
            Err(e) => return Err(call_failed(action, type_, e)),
        };
        match property(conn, &path, UNIT, "ActiveState", deadline).await {
            Ok(state) => Ok(monitor_result(&state)),
            Err(CallError::Timeout) => Err(timed_out(action, type_)),
            Err(e) => Err(Outcome::new(
                OcfRc::UnknownError,
                ExecStatus::Error,
                Some(format!(
                    "Could not get state for unit {type_} from DBus ({e})"
                )),
            )),
        }
    }

    fn call_failed(action: &str, type_: &str, e: CallError) -> Outcome {
        match e {
            CallError::Timeout => timed_out(action, type_),
            CallError::Method { name, message } => {
                method_error_result(action, type_, &name, &message)
            }
            CallError::Other(m) => Outcome::new(OcfRc::UnknownError, ExecStatus::Error, Some(m)),
        }
    }

    pub(super) async fn execute(
        type_: &str,
        action: &str,
        act: Action,
        timeout_ms: u64,
    ) -> Outcome {
        let started = Instant::now();
        let deadline = started + Duration::from_millis(timeout_ms);
        let unit = unit_name(type_);
        let conn = match connect(deadline).await {
            Ok(c) => c,
            Err(e) => return call_failed(action, type_, e),
        };
        let Some(method) = act.method() else {
            return match monitor(&conn, type_, &unit, action, deadline).await {
                Ok(o) | Err(o) => o,
            };
        };
        // LoadUnit first, as Pacemaker does: an invalid name fails here.
        if let Err(e) = load_unit(&conn, &unit, deadline).await {
            return call_failed(action, type_, e);
        }
        match act {
            Action::Start => update_dropin(&conn, type_, &unit, true, deadline).await,
            Action::Stop => update_dropin(&conn, type_, &unit, false, deadline).await,
            _ => {}
        }
        let job: OwnedObjectPath = match call(
            &conn,
            PATH,
            MANAGER,
            method,
            &(unit.as_str(), "replace"),
            deadline,
        )
        .await
        {
            Ok(j) => j,
            Err(e) => {
                if act == Action::Start {
                    // No drop-in for a unit systemd would not start
                    // (Pacemaker leaves it behind).
                    update_dropin(&conn, type_, &unit, false, deadline).await;
                }
                return call_failed(action, type_, e);
            }
        };
        // Pacemaker checks the state a fixed delay after the job was
        // accepted; waiting for the job itself is faster and cannot see the
        // state from before the job ran.
        let mut job_done = wait_for_job(&conn, job.as_str(), deadline).await;
        loop {
            let now_state = if job_done {
                match monitor(&conn, type_, &unit, "monitor", deadline).await {
                    Ok(o) => o,
                    Err(o) if o.status == ExecStatus::Timeout => {
                        Outcome::new(OcfRc::Pending, ExecStatus::Pending, None)
                    }
                    Err(o) => o,
                }
            } else {
                // Still running when time ran out: pending.
                Outcome::new(OcfRc::Pending, ExecStatus::Pending, None)
            };
            let elapsed_ms = started.elapsed().as_millis() as u64;
            match follow_up(act, now_state, elapsed_ms, timeout_ms) {
                FollowUp::Done(o) => return o,
                FollowUp::Again { delay_ms } => {
                    let next = Instant::now() + Duration::from_millis(delay_ms);
                    if !job_done {
                        job_done = wait_for_job(&conn, job.as_str(), next.min(deadline)).await;
                        if !job_done {
                            tokio::time::sleep_until(next.min(deadline)).await;
                        }
                    } else {
                        tokio::time::sleep_until(next).await;
                    }
                }
            }
        }
    }
}

#[cfg(not(feature = "systemd"))]
mod dbus {
    use super::*;

    pub(super) async fn description(_type: &str, _timeout_ms: u64) -> Option<String> {
        None
    }

    pub(super) async fn unit_exists(_type: &str) -> bool {
        false
    }

    pub(super) async fn list_unit_files() -> Result<Vec<String>, SystemdError> {
        Err(SystemdError::NotBuilt)
    }

    pub(super) async fn execute(
        type_: &str,
        _action: &str,
        _act: Action,
        _timeout_ms: u64,
    ) -> Outcome {
        Outcome::new(
            OcfRc::NotInstalled,
            ExecStatus::NotInstalled,
            Some(format!("systemd:{type_}: {}", SystemdError::NotBuilt)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_names_expand_as_pacemaker_does() {
        assert_eq!(unit_name("chronyd"), "chronyd.service");
        assert_eq!(unit_name("getty@tty1"), "getty@tty1.service");
        assert_eq!(unit_name("chronyd.service"), "chronyd.service");
        assert_eq!(unit_name("data.mount"), "data.mount");
        assert_eq!(unit_name("web.socket"), "web.socket");
        assert_eq!(unit_name("backup.timer"), "backup.timer");
        assert_eq!(unit_name("spool.path"), "spool.path");
        // Types Pacemaker does not manage are taken as service names.
        assert_eq!(unit_name("multi-user.target"), "multi-user.target.service");
        // Templates: an instance is added with a suffix, and without one
        // only where asked (meta-data, existence).
        assert_eq!(unit_name("getty@.service"), "getty@pacemaker.service");
        assert_eq!(unit_name("getty@"), "getty@.service");
        assert_eq!(
            unit_name_for("getty@", true).as_deref(),
            Some("getty@pacemaker.service")
        );
        assert_eq!(unit_name_for("", false), None);
    }

    #[test]
    fn states_map_to_ocf_results() {
        let rc = |s: &str| {
            let o = monitor_result(s);
            (o.rc, o.status, o.exit_reason)
        };
        assert_eq!(rc("active"), (0, ExecStatus::Done, None));
        assert_eq!(rc("reloading"), (0, ExecStatus::Done, None));
        assert_eq!(
            rc("inactive"),
            (7, ExecStatus::Done, Some("inactive".into()))
        );
        assert_eq!(rc("failed"), (7, ExecStatus::Done, Some("failed".into())));
        assert_eq!(
            rc("maintenance"),
            (7, ExecStatus::Done, Some("maintenance".into()))
        );
        assert_eq!(rc("activating"), (193, ExecStatus::Pending, None));
        assert_eq!(rc("deactivating"), (193, ExecStatus::Pending, None));
    }

    #[test]
    fn method_errors_map_as_pacemaker_does() {
        let o = method_error_result(
            "start",
            "nosuch",
            "org.freedesktop.systemd1.NoSuchUnit",
            "Unit nosuch.service not found.",
        );
        assert_eq!((o.rc, o.status), (5, ExecStatus::NotInstalled));
        assert_eq!(
            o.exit_reason.as_deref(),
            Some("systemd unit nosuch not found")
        );
        let o = method_error_result(
            "stop",
            "nosuch",
            "org.freedesktop.systemd1.NoSuchUnit",
            "Unit nosuch.service not loaded.",
        );
        assert_eq!((o.rc, o.status), (0, ExecStatus::Done));
        let o = method_error_result(
            "start",
            "x",
            "org.freedesktop.DBus.Error.AccessDenied",
            "no",
        );
        assert_eq!((o.rc, o.status), (1, ExecStatus::Error));
    }

    #[test]
    fn follow_up_completes_start_and_stop_like_the_executor() {
        let running = monitor_result("active");
        let stopped = monitor_result("inactive");
        let failed = monitor_result("failed");
        let pending = monitor_result("activating");
        // start: running is success, not running an error with the state.
        assert_eq!(
            follow_up(Action::Start, running.clone(), 50, 20_000),
            FollowUp::Done(running.clone())
        );
        let FollowUp::Done(o) = follow_up(Action::Start, failed, 50, 20_000) else {
            panic!("a failed unit is final");
        };
        assert_eq!((o.rc, o.exit_reason.as_deref()), (1, Some("failed")));
        // stop: still running is checked again, not running is success.
        assert_eq!(
            follow_up(Action::Stop, running, 50, 20_000),
            FollowUp::Again { delay_ms: 2000 }
        );
        assert_eq!(
            follow_up(Action::Stop, stopped, 50, 20_000),
            FollowUp::Done(Outcome::ok())
        );
        // pending: a tenth of the timeout, at most 2 s, half the rest at the end.
        assert_eq!(
            follow_up(Action::Start, pending.clone(), 0, 5_000),
            FollowUp::Again { delay_ms: 500 }
        );
        assert_eq!(
            follow_up(Action::Start, pending.clone(), 4_700, 5_000),
            FollowUp::Again { delay_ms: 150 }
        );
        let FollowUp::Done(o) = follow_up(Action::Start, pending, 4_990, 5_000) else {
            panic!("no time left");
        };
        assert_eq!((o.rc, o.status), (1, ExecStatus::Timeout));
        assert_eq!(o.exit_reason.as_deref(), Some(GIVE_UP_REASON));
    }

    #[test]
    fn generated_metadata_parses_and_keeps_pacemaker_text() {
        let xml = metadata_xml("web@", Some("Web <server> & co"));
        assert!(xml.contains("<resource-agent name=\"web@\" version=\"0.1\">"));
        assert!(xml.contains("Web &lt;server&gt; &amp; co"));
        assert!(xml.contains("<special tag=\"systemd\"/>"));
        let md = crate::metadata::AgentMetadata::parse("systemd:web@", &xml).unwrap();
        assert!(md.supports("monitor"));
        assert!(metadata_xml("x", None).contains("Systemd unit file for x"));
    }

    #[test]
    fn dropin_goes_where_systemd_reads_it() {
        assert_eq!(
            dropin_path(Path::new("/run/systemd/system"), "web.service"),
            Path::new("/run/systemd/system/web.service.d/50-pacemaker.conf")
        );
        let t = dropin_text("web", "web.service");
        assert!(t.contains("Description=Cluster Controlled web\n"));
        assert!(t.contains("Before=pacemaker.service pacemaker_remote.service"));
        assert!(t.contains("[Service]\nRestart=no\n"));
        assert!(!dropin_text("data.mount", "data.mount").contains("[Service]"));
    }

    #[test]
    fn unit_files_list_as_crm_resource_does() {
        let files = [
            "/lib/systemd/system/ssh.service",
            "/lib/systemd/system/Zeta.service",
            "/etc/systemd/system/data.mount",
            "/lib/systemd/system/multi-user.target",
            "/lib/systemd/system/getty@.service",
            "/lib/systemd/system/apt-daily.timer",
        ];
        assert_eq!(
            list_from_unit_files(files),
            ["apt-daily.timer", "data.mount", "getty@", "ssh", "Zeta"]
        );
    }

    #[tokio::test]
    async fn without_systemd_the_result_says_so() {
        if is_booted() {
            return; // a systemd host: the D-Bus path is the one that runs
        }
        let o = execute("chronyd", "start", 1000).await;
        assert_eq!((o.rc, o.status), (5, ExecStatus::NotInstalled));
        let text = o.exit_reason.unwrap();
        assert!(text.contains("systemd is not running"), "{text}");
        assert!(text.contains("systemd:chronyd"), "{text}");
        let o = execute("chronyd", "promote", 1000).await;
        assert_eq!((o.rc, o.status), (3, ExecStatus::Error));
        let e = list_units().await.unwrap_err().to_string();
        assert!(e.contains("(no /run/systemd/system)"), "{e}");
        let o = execute("chronyd", "meta-data", 1000).await;
        assert!(o.stdout.contains("Systemd unit file for chronyd"));
    }
}
