//! systemd units through systemd's D-Bus API (org.freedesktop.systemd1).
//!
//! Start and stop are `StartUnit`/`StopUnit` with mode `replace`, waited on
//! by polling the unit's `ActiveState` until it settles (as Pacemaker does,
//! which reports completion only when the unit got there); monitor reads
//! `ActiveState`. Where systemd is not the init system (no
//! `/run/systemd/system`), every action fails with a clear error instead.

use std::path::Path;

use crate::codes::{ExecStatus, OcfRc};

/// Why a systemd action could not be attempted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SystemdError {
    #[error("systemd:{unit}: systemd is not running on this host ({marker} does not exist, PID 1 is not systemd); systemd resources need a host booted with systemd — use an ocf: or lsb: agent for this service instead")]
    NotBooted { unit: String, marker: String },
    #[error("systemd:{unit}: this pacer was built without systemd support (the 'systemd' feature of the executor crate)")]
    NotBuilt { unit: String },
    #[error("systemd:{unit}: {message}")]
    Dbus { unit: String, message: String },
    #[error("systemd:{unit}: '{action}' is not an action for systemd units (start, stop, monitor, status, meta-data)")]
    Unsupported { unit: String, action: String },
}

/// The directory that exists exactly when systemd is the init system
/// (`sd_booted`).
pub const BOOTED_MARKER: &str = "/run/systemd/system";

/// Whether systemd manages this host.
pub fn is_booted() -> bool {
    Path::new(BOOTED_MARKER).is_dir()
}

/// The unit name for a resource type: a name without a unit suffix gets
/// `.service` (Pacemaker's `systemd_service_name`); templates
/// (`getty@tty1`) likewise.
pub fn unit_name(type_: &str) -> String {
    const SUFFIXES: [&str; 11] = [
        ".service",
        ".socket",
        ".device",
        ".mount",
        ".automount",
        ".swap",
        ".target",
        ".path",
        ".timer",
        ".slice",
        ".scope",
    ];
    if SUFFIXES.iter().any(|s| type_.ends_with(s)) {
        type_.to_string()
    } else {
        format!("{type_}.service")
    }
}

/// The OCF result of a monitor from a unit's `ActiveState`.
pub fn monitor_result(active_state: &str) -> (i32, ExecStatus) {
    match active_state {
        "active" | "reloading" => (OcfRc::Ok.code(), ExecStatus::Done),
        "activating" | "deactivating" => (OcfRc::Pending.code(), ExecStatus::Pending),
        "failed" => (OcfRc::NotRunning.code(), ExecStatus::Done),
        // inactive, maintenance, unknown
        _ => (OcfRc::NotRunning.code(), ExecStatus::Done),
    }
}

/// Result of a finished start or stop from the final `ActiveState`.
pub fn settled_result(action: &str, active_state: &str) -> (i32, ExecStatus) {
    match (action, active_state) {
        ("start", "active") | ("stop", "inactive") | ("stop", "failed") => (0, ExecStatus::Done),
        ("start", _) => (OcfRc::UnknownError.code(), ExecStatus::Done),
        ("stop", _) => (OcfRc::UnknownError.code(), ExecStatus::Done),
        _ => monitor_result(active_state),
    }
}

/// Meta-data Pacemaker generates for a unit.
pub fn metadata_xml(unit: &str) -> String {
    format!(
        r#"<?xml version="1.0"?>
<resource-agent name="{unit}" version="1.0">
  <version>1.1</version>
  <longdesc lang="en">systemd unit file for {unit}</longdesc>
  <shortdesc lang="en">systemd unit file for {unit}</shortdesc>
  <parameters/>
  <actions>
    <action name="start"     timeout="100s" />
    <action name="stop"      timeout="100s" />
    <action name="status"    timeout="100s" />
    <action name="monitor"   timeout="100s" interval="60s"/>
    <action name="meta-data" timeout="5s" />
  </actions>
</resource-agent>
"#
    )
}

/// Runs `action` on `unit` over D-Bus; `Err` only when it cannot be attempted.
pub async fn run(
    unit_type: &str,
    action: &str,
    timeout_ms: u64,
) -> Result<(i32, ExecStatus, Option<String>), SystemdError> {
    let unit = unit_name(unit_type);
    if !matches!(action, "start" | "stop" | "monitor" | "status") {
        return Err(SystemdError::Unsupported {
            unit,
            action: action.to_string(),
        });
    }
    if !is_booted() {
        return Err(SystemdError::NotBooted {
            unit,
            marker: BOOTED_MARKER.to_string(),
        });
    }
    dbus::run(&unit, action, timeout_ms).await
}

#[cfg(feature = "systemd")]
mod dbus {
    use super::*;
    use std::time::Duration;

    fn err(unit: &str, e: impl std::fmt::Display) -> SystemdError {
        SystemdError::Dbus {
            unit: unit.to_string(),
            message: e.to_string(),
        }
    }

    async fn active_state(conn: &zbus::Connection, unit: &str) -> Result<String, SystemdError> {
        let manager = zbus::Proxy::new(
            conn,
            "org.freedesktop.systemd1",
            "/org/freedesktop/systemd1",
            "org.freedesktop.systemd1.Manager",
        )
        .await
        .map_err(|e| err(unit, e))?;
        // LoadUnit loads it if needed and gives its object path.
        let path: zbus::zvariant::OwnedObjectPath = manager
            .call("LoadUnit", &(unit,))
            .await
            .map_err(|e| err(unit, format!("cannot load the unit: {e}")))?;
        let unit_proxy = zbus::Proxy::new(
            conn,
            "org.freedesktop.systemd1",
            path,
            "org.freedesktop.systemd1.Unit",
        )
        .await
        .map_err(|e| err(unit, e))?;
        unit_proxy
            .get_property::<String>("ActiveState")
            .await
            .map_err(|e| err(unit, e))
    }

    pub(super) async fn run(
        unit: &str,
        action: &str,
        timeout_ms: u64,
    ) -> Result<(i32, ExecStatus, Option<String>), SystemdError> {
        let conn = zbus::Connection::system()
            .await
            .map_err(|e| err(unit, format!("cannot connect to the system D-Bus: {e}")))?;
        if matches!(action, "monitor" | "status") {
            let state = active_state(&conn, unit).await?;
            let (rc, st) = monitor_result(&state);
            return Ok((rc, st, None));
        }
        let manager = zbus::Proxy::new(
            &conn,
            "org.freedesktop.systemd1",
            "/org/freedesktop/systemd1",
            "org.freedesktop.systemd1.Manager",
        )
        .await
        .map_err(|e| err(unit, e))?;
        let method = if action == "start" {
            "StartUnit"
        } else {
            "StopUnit"
        };
        let _job: zbus::zvariant::OwnedObjectPath = manager
            .call(method, &(unit, "replace"))
            .await
            .map_err(|e| err(unit, format!("{method} failed: {e}")))?;
        // Wait until the unit settles or the timeout passes.
        let deadline = tokio::time::Instant::now() + Duration::from_millis(timeout_ms);
        loop {
            let state = active_state(&conn, unit).await?;
            if !matches!(state.as_str(), "activating" | "deactivating" | "reloading") {
                let (rc, st) = settled_result(action, &state);
                let reason = (rc != 0).then(|| format!("unit is {state} after {action}"));
                return Ok((rc, st, reason));
            }
            if tokio::time::Instant::now() >= deadline {
                return Ok((
                    OcfRc::UnknownError.code(),
                    ExecStatus::Timeout,
                    Some(format!("unit still {state} when the timeout passed")),
                ));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

#[cfg(not(feature = "systemd"))]
mod dbus {
    use super::*;
    pub(super) async fn run(
        unit: &str,
        _action: &str,
        _timeout_ms: u64,
    ) -> Result<(i32, ExecStatus, Option<String>), SystemdError> {
        Err(SystemdError::NotBuilt {
            unit: unit.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_names_get_service_suffix() {
        assert_eq!(unit_name("chronyd"), "chronyd.service");
        assert_eq!(unit_name("getty@tty1"), "getty@tty1.service");
        assert_eq!(unit_name("chronyd.service"), "chronyd.service");
        assert_eq!(unit_name("data.mount"), "data.mount");
        assert_eq!(unit_name("web.socket"), "web.socket");
    }

    #[test]
    fn states_map_to_ocf_results() {
        assert_eq!(monitor_result("active"), (0, ExecStatus::Done));
        assert_eq!(monitor_result("reloading"), (0, ExecStatus::Done));
        assert_eq!(monitor_result("inactive"), (7, ExecStatus::Done));
        assert_eq!(monitor_result("failed"), (7, ExecStatus::Done));
        assert_eq!(monitor_result("activating"), (193, ExecStatus::Pending));
        assert_eq!(settled_result("start", "active"), (0, ExecStatus::Done));
        assert_eq!(settled_result("start", "failed"), (1, ExecStatus::Done));
        assert_eq!(settled_result("stop", "inactive"), (0, ExecStatus::Done));
        assert_eq!(settled_result("stop", "failed"), (0, ExecStatus::Done));
    }

    #[test]
    fn generated_metadata_parses() {
        let md =
            crate::metadata::AgentMetadata::parse("systemd:x", &metadata_xml("x.service")).unwrap();
        assert!(md.supports("monitor"));
    }

    #[tokio::test]
    async fn without_systemd_the_error_says_so() {
        if is_booted() {
            return; // a systemd host: the D-Bus path is the one that runs
        }
        let e = run("chronyd", "start", 1000).await.unwrap_err();
        let text = e.to_string();
        assert!(text.contains("systemd is not running"), "{text}");
        assert!(text.contains("systemd:chronyd.service"), "{text}");
        let e = run("chronyd", "promote", 1000).await.unwrap_err();
        assert!(matches!(e, SystemdError::Unsupported { .. }));
    }
}
