//! Result codes: what the agent said (`rc-code`) and whether it could say
//! anything at all (`op-status`), with Pacemaker's numbering, and the mapping
//! from each agent standard's exit codes to OCF codes.

use std::fmt;

use serde::Serialize;

/// An OCF exit code (`rc-code` in the status section). Every agent standard's
/// exit status is mapped to one of these before it is recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OcfRc {
    Ok,
    UnknownError,
    InvalidParam,
    Unimplemented,
    InsufficientPriv,
    NotInstalled,
    NotConfigured,
    NotRunning,
    RunningPromoted,
    FailedPromoted,
    /// 190: running, but more likely to fail soon (OCF 1.1).
    Degraded,
    /// 191: promoted, but more likely to fail soon (OCF 1.1).
    DegradedPromoted,
    /// 193: the action is still running (only in pending records).
    Pending,
}

impl OcfRc {
    pub const ALL: [OcfRc; 13] = [
        OcfRc::Ok,
        OcfRc::UnknownError,
        OcfRc::InvalidParam,
        OcfRc::Unimplemented,
        OcfRc::InsufficientPriv,
        OcfRc::NotInstalled,
        OcfRc::NotConfigured,
        OcfRc::NotRunning,
        OcfRc::RunningPromoted,
        OcfRc::FailedPromoted,
        OcfRc::Degraded,
        OcfRc::DegradedPromoted,
        OcfRc::Pending,
    ];

    pub fn code(self) -> i32 {
        match self {
            OcfRc::Ok => 0,
            OcfRc::UnknownError => 1,
            OcfRc::InvalidParam => 2,
            OcfRc::Unimplemented => 3,
            OcfRc::InsufficientPriv => 4,
            OcfRc::NotInstalled => 5,
            OcfRc::NotConfigured => 6,
            OcfRc::NotRunning => 7,
            OcfRc::RunningPromoted => 8,
            OcfRc::FailedPromoted => 9,
            OcfRc::Degraded => 190,
            OcfRc::DegradedPromoted => 191,
            OcfRc::Pending => 193,
        }
    }

    /// The code with this number, if OCF defines it.
    pub fn from_code(code: i32) -> Option<OcfRc> {
        OcfRc::ALL.iter().copied().find(|rc| rc.code() == code)
    }

    /// Pacemaker's text for the code (`services_ocf_exitcode_str`).
    pub fn as_str(self) -> &'static str {
        match self {
            OcfRc::Ok => "ok",
            OcfRc::UnknownError => "error",
            OcfRc::InvalidParam => "invalid parameter",
            OcfRc::Unimplemented => "unimplemented feature",
            OcfRc::InsufficientPriv => "insufficient privileges",
            OcfRc::NotInstalled => "not installed",
            OcfRc::NotConfigured => "not configured",
            OcfRc::NotRunning => "not running",
            OcfRc::RunningPromoted => "promoted",
            OcfRc::FailedPromoted => "promoted (failed)",
            OcfRc::Degraded => "OCF_DEGRADED",
            OcfRc::DegradedPromoted => "promoted (degraded)",
            OcfRc::Pending => "pending",
        }
    }
}

impl fmt::Display for OcfRc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Text for a raw `rc-code` (any integer).
pub fn rc_str(code: i32) -> &'static str {
    OcfRc::from_code(code).map_or("unknown", OcfRc::as_str)
}

/// Whether the executor could run the agent and get its answer (`op-status`,
/// Pacemaker's `enum pcmk_exec_status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExecStatus {
    Pending,
    /// The agent ran and exited; `rc-code` is its answer.
    Done,
    Cancelled,
    /// The agent did not finish in time and was killed.
    Timeout,
    NotSupported,
    /// The agent could not be run or was killed by a signal; may be retried.
    Error,
    ErrorHard,
    ErrorFatal,
    /// The agent (or something it needs) is not on this node.
    NotInstalled,
    NotConnected,
    Invalid,
    NoFenceDevice,
    NoSecrets,
}

impl ExecStatus {
    pub fn code(self) -> i32 {
        match self {
            ExecStatus::Pending => -1,
            ExecStatus::Done => 0,
            ExecStatus::Cancelled => 1,
            ExecStatus::Timeout => 2,
            ExecStatus::NotSupported => 3,
            ExecStatus::Error => 4,
            ExecStatus::ErrorHard => 5,
            ExecStatus::ErrorFatal => 6,
            ExecStatus::NotInstalled => 7,
            ExecStatus::NotConnected => 8,
            ExecStatus::Invalid => 9,
            ExecStatus::NoFenceDevice => 10,
            ExecStatus::NoSecrets => 11,
        }
    }

    /// Pacemaker's text (`pcmk_exec_status_str`).
    pub fn as_str(self) -> &'static str {
        match self {
            ExecStatus::Pending => "pending",
            ExecStatus::Done => "complete",
            ExecStatus::Cancelled => "Cancelled",
            ExecStatus::Timeout => "Timed Out",
            ExecStatus::NotSupported => "NOT SUPPORTED",
            ExecStatus::Error => "Error",
            ExecStatus::ErrorHard => "Hard error",
            ExecStatus::ErrorFatal => "Fatal error",
            ExecStatus::NotInstalled => "Not installed",
            ExecStatus::NotConnected => "Internal communication failure",
            ExecStatus::Invalid => "Cannot execute now",
            ExecStatus::NoFenceDevice => "No fence device",
            ExecStatus::NoSecrets => "CIB secrets unavailable",
        }
    }
}

impl fmt::Display for ExecStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// OCF agents: 0–9, 190 and 191 are kept; anything else (negative, 10–189,
/// 192–255) is an unknown error (`services__ocf2ocf`).
pub fn ocf_to_ocf(exit_status: i32) -> i32 {
    match exit_status {
        190 | 191 => exit_status,
        s if (0..=9).contains(&s) => s,
        _ => OcfRc::UnknownError.code(),
    }
}

/// LSB init scripts (`services__lsb2ocf`): for status/monitor the LSB status
/// codes (0 running, 1–3 not running, 4 unknown, 150/151 not installed /
/// no privileges); for other actions codes 0–7 mean what OCF says.
pub fn lsb_to_ocf(action: &str, exit_status: i32) -> i32 {
    if !matches!(action, "status" | "monitor") {
        return if (0..=7).contains(&exit_status) {
            exit_status
        } else {
            OcfRc::UnknownError.code()
        };
    }
    match exit_status {
        0 => OcfRc::Ok.code(),
        150 => OcfRc::NotInstalled.code(),
        151 => OcfRc::InsufficientPriv.code(),
        1..=3 => OcfRc::NotRunning.code(),
        _ => OcfRc::UnknownError.code(),
    }
}

/// Fence agents: 0 is success, anything else an error (the fencer
/// simplifies every other status to "unknown error" for the executor).
pub fn fence_to_ocf(exit_status: i32) -> i32 {
    if exit_status == 0 {
        0
    } else {
        OcfRc::UnknownError.code()
    }
}

/// `rc-code` to report when the agent could not be run at all, per standard
/// and action (LSB status has its own numbering: `services__generic_error`).
pub fn generic_error(class: crate::agent::Class, action: &str) -> i32 {
    if class == crate::agent::Class::Lsb && action == "status" {
        lsb_to_ocf(action, 4)
    } else {
        OcfRc::UnknownError.code()
    }
}

/// The effective result (`pcmk__effective_rc`): degraded counts as success.
pub fn effective_rc(rc: i32) -> i32 {
    match rc {
        190 => 0,
        191 => 8,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ocf_codes_keep_defined_values_and_map_the_rest_to_error() {
        for code in 0..=9 {
            assert_eq!(ocf_to_ocf(code), code);
        }
        assert_eq!(ocf_to_ocf(190), 190);
        assert_eq!(ocf_to_ocf(191), 191);
        for code in [-1, 10, 42, 189, 192, 193, 255, 1000] {
            assert_eq!(ocf_to_ocf(code), 1, "code {code}");
        }
    }

    #[test]
    fn lsb_status_codes_map_like_pacemaker() {
        assert_eq!(lsb_to_ocf("status", 0), 0);
        assert_eq!(lsb_to_ocf("status", 1), 7);
        assert_eq!(lsb_to_ocf("status", 2), 7);
        assert_eq!(lsb_to_ocf("status", 3), 7);
        assert_eq!(lsb_to_ocf("status", 4), 1);
        assert_eq!(lsb_to_ocf("monitor", 3), 7);
        assert_eq!(lsb_to_ocf("status", 150), 5);
        assert_eq!(lsb_to_ocf("status", 151), 4);
        assert_eq!(lsb_to_ocf("status", 99), 1);
        assert_eq!(lsb_to_ocf("start", 7), 7);
        assert_eq!(lsb_to_ocf("start", 8), 1);
        assert_eq!(lsb_to_ocf("stop", -1), 1);
    }

    #[test]
    fn codes_round_trip_and_degraded_is_effective_success() {
        for rc in OcfRc::ALL {
            assert_eq!(OcfRc::from_code(rc.code()), Some(rc));
        }
        assert_eq!(effective_rc(190), 0);
        assert_eq!(effective_rc(191), 8);
        assert_eq!(effective_rc(7), 7);
        assert_eq!(fence_to_ocf(0), 0);
        assert_eq!(fence_to_ocf(3), 1);
    }
}
