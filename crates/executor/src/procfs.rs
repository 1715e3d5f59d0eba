//! Reading process state from /proc: which live processes belong to a
//! process group or session (an agent's leftovers, a resource's daemon).

/// One process as /proc/PID/stat describes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProcStat {
    pub pid: u32,
    pub ppid: u32,
    pub pgrp: u32,
    pub session: u32,
    pub state: char,
}

impl ProcStat {
    /// Parses the text of /proc/PID/stat (the command name may contain
    /// spaces and parentheses: fields are counted after the last ')').
    pub fn parse(text: &str) -> Option<ProcStat> {
        let pid = text.split_whitespace().next()?.parse().ok()?;
        let rest = &text[text.rfind(')')? + 1..];
        let mut f = rest.split_whitespace();
        let state = f.next()?.chars().next()?;
        let ppid = f.next()?.parse().ok()?;
        let pgrp = f.next()?.parse().ok()?;
        let session = f.next()?.parse().ok()?;
        Some(ProcStat {
            pid,
            ppid,
            pgrp,
            session,
            state,
        })
    }

    pub fn read(pid: u32) -> Option<ProcStat> {
        ProcStat::parse(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
    }

    /// Running or sleeping, not a zombie or dead.
    pub fn is_live(&self) -> bool {
        !matches!(self.state, 'Z' | 'X' | 'x')
    }
}

/// All processes (a snapshot; processes may come and go while it is taken).
pub fn all() -> Vec<ProcStat> {
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    rd.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(ProcStat::read)
        .collect()
}

/// Live processes whose process group is `pgid`.
pub fn live_in_group(pgid: u32) -> Vec<u32> {
    all()
        .into_iter()
        .filter(|p| p.pgrp == pgid && p.is_live())
        .map(|p| p.pid)
        .collect()
}

/// Waits (boundedly) until no live process is left in group `pgid`, and
/// returns those still alive at the deadline. A SIGKILL is delivered at once,
/// but a loaded machine can take a moment to finish a group off.
pub async fn wait_group_gone(pgid: u32, within: std::time::Duration) -> Vec<u32> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let left = live_in_group(pgid);
        if left.is_empty() || tokio::time::Instant::now() >= deadline {
            return left;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Whether `pid` is a live process.
pub fn is_live(pid: u32) -> bool {
    ProcStat::read(pid).is_some_and(|p| p.is_live())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_with_odd_command_names() {
        let s = ProcStat::parse("1234 (my (odd) cmd) S 1 1230 1200 0 -1 4194560 0 0").unwrap();
        assert_eq!(
            s,
            ProcStat {
                pid: 1234,
                ppid: 1,
                pgrp: 1230,
                session: 1200,
                state: 'S'
            }
        );
        assert!(s.is_live());
        assert!(!ProcStat::parse("1 (x) Z 0 1 1").unwrap().is_live());
    }

    #[test]
    fn reads_this_process() {
        let me = ProcStat::read(std::process::id()).unwrap();
        assert!(me.is_live());
        assert!(live_in_group(me.pgrp).contains(&me.pid));
    }
}
