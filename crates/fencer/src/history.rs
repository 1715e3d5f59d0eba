//! Fencing history: one record per operation, described the way
//! `stonith_admin --history` describes it.

use cib::iso8601::DateTime;
use serde::Serialize;

use crate::device::FenceAction;
use crate::operation::FenceResult;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HistoryState {
    Pending,
    Done,
    Failed,
}

/// **API Boundary:** one fencing operation as the history keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    pub target: String,
    pub action: FenceAction,
    /// The node that ran the fence device (when completed).
    pub delegate: Option<String>,
    /// Who asked (`pacer-controller`, …).
    pub client: String,
    /// The node that asked.
    pub origin: String,
    pub state: HistoryState,
    /// When it completed: seconds since the epoch and nanoseconds.
    pub completed_s: i64,
    pub completed_ns: u32,
    pub exit_reason: Option<String>,
}

impl HistoryEntry {
    /// The record of a finished operation run on `delegate`.
    pub fn completed(
        result: &FenceResult,
        client: &str,
        origin: &str,
        delegate: &str,
        completed_s: i64,
        completed_ns: u32,
    ) -> HistoryEntry {
        HistoryEntry {
            target: result.target.clone(),
            action: result.action,
            delegate: Some(delegate.to_string()),
            client: client.to_string(),
            origin: origin.to_string(),
            state: if result.ok {
                HistoryState::Done
            } else {
                HistoryState::Failed
            },
            completed_s,
            completed_ns,
            exit_reason: result.reason.clone(),
        }
    }

    /// The line `stonith_admin --history NODE --verbose` prints for this
    /// entry (`full`: every entry; otherwise the latest one with `last`),
    /// times in the zone `utc_offset_s` seconds east of UTC.
    /// `later_succeeded` is the delegate of a later success of the same
    /// action on the same target, for a failed entry.
    pub fn describe(&self, full: bool, later_succeeded: Option<&str>, utc_offset_s: i32) -> String {
        let completed = matches!(self.state, HistoryState::Done | HistoryState::Failed);
        let mut s = format!("{} of {} ", action_str(self.action), self.target);
        s.push_str(match self.state {
            HistoryState::Failed => "failed",
            HistoryState::Done => "successful",
            HistoryState::Pending => "pending",
        });
        if self.state == HistoryState::Failed {
            if let Some(r) = &self.exit_reason {
                s.push_str(&format!(" ({r})"));
            }
        }
        s.push_str(": ");
        if completed {
            if let Some(d) = &self.delegate {
                s.push_str(&format!("delegate={d}, "));
            }
        }
        s.push_str(&format!("client={}, origin={}", self.client, self.origin));
        if completed {
            let label = if full {
                "completed"
            } else if self.state == HistoryState::Failed {
                "last-failed"
            } else {
                "last-successful"
            };
            let when = DateTime::from_epoch(self.completed_s, utc_offset_s);
            s.push_str(&format!(", {label}='{when}'"));
        }
        if self.state == HistoryState::Failed {
            if let Some(d) = later_succeeded {
                s.push_str(&format!(" (a later attempt from {d} succeeded)"));
            }
        }
        s
    }
}

/// Pacemaker's words for actions in history lines.
fn action_str(a: FenceAction) -> &'static str {
    match a {
        FenceAction::On => "unfencing",
        FenceAction::Off => "turning off",
        FenceAction::Reboot => "reboot",
    }
}

/// The history newest first (pending ones first, then by completion
/// time), as `stonith_admin` sorts it.
pub fn sorted(history: &[HistoryEntry]) -> Vec<&HistoryEntry> {
    let mut v: Vec<&HistoryEntry> = history.iter().collect();
    v.sort_by(|a, b| {
        let pa = a.state == HistoryState::Pending;
        let pb = b.state == HistoryState::Pending;
        pb.cmp(&pa)
            .then((b.completed_s, b.completed_ns).cmp(&(a.completed_s, a.completed_ns)))
    });
    v
}

/// For a failed entry, the delegate of a later success of the same
/// action on the same target (`stonith__later_succeeded`).
pub fn later_succeeded<'a>(entry: &HistoryEntry, history: &'a [HistoryEntry]) -> Option<&'a str> {
    if entry.state != HistoryState::Failed {
        return None;
    }
    history
        .iter()
        .filter(|h| {
            h.state == HistoryState::Done
                && h.target == entry.target
                && h.action == entry.action
                && (h.completed_s, h.completed_ns) > (entry.completed_s, entry.completed_ns)
        })
        .max_by_key(|h| (h.completed_s, h.completed_ns))
        .and_then(|h| h.delegate.as_deref())
}

/// `stonith_admin --history NODE --verbose`: every entry for `target`
/// (`None`: all), newest first, one line each.
pub fn render(history: &[HistoryEntry], target: Option<&str>, utc_offset_s: i32) -> String {
    let mut out = String::new();
    for h in sorted(history) {
        if target.is_some_and(|t| t != h.target) {
            continue;
        }
        out.push_str(&h.describe(true, later_succeeded(h, history), utc_offset_s));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: FenceAction, state: HistoryState, at: i64) -> HistoryEntry {
        HistoryEntry {
            target: "n2".into(),
            action,
            delegate: Some("n1".into()),
            client: "pacemaker-controld.1234".into(),
            origin: "n3".into(),
            state,
            completed_s: at,
            completed_ns: 0,
            exit_reason: None,
        }
    }

    #[test]
    fn lines_read_like_stonith_admin() {
        let ok = entry(FenceAction::Reboot, HistoryState::Done, 1_700_000_000);
        assert_eq!(
            ok.describe(true, None, 0),
            "reboot of n2 successful: delegate=n1, client=pacemaker-controld.1234, origin=n3, completed='2023-11-14 22:13:20Z'"
        );
        assert_eq!(
            ok.describe(false, None, 3600),
            "reboot of n2 successful: delegate=n1, client=pacemaker-controld.1234, origin=n3, last-successful='2023-11-14 23:13:20 +01:00'"
        );
        let mut failed = entry(FenceAction::Off, HistoryState::Failed, 1_699_999_000);
        failed.exit_reason = Some("No fence device".into());
        let history = vec![
            failed.clone(),
            entry(FenceAction::Off, HistoryState::Done, 1_700_000_000),
        ];
        assert_eq!(
            failed.describe(true, later_succeeded(&failed, &history), 0),
            "turning off of n2 failed (No fence device): delegate=n1, client=pacemaker-controld.1234, origin=n3, completed='2023-11-14 21:56:40Z' (a later attempt from n1 succeeded)"
        );
        let mut pending = entry(FenceAction::On, HistoryState::Pending, 0);
        pending.delegate = None;
        assert_eq!(
            pending.describe(true, None, 0),
            "unfencing of n2 pending: client=pacemaker-controld.1234, origin=n3"
        );
        let text = render(&history, Some("n2"), 0);
        assert!(text.starts_with("turning off of n2 successful"), "{text}");
        assert_eq!(text.lines().count(), 2);
    }
}
