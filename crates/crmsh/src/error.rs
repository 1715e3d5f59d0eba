//! Errors: every one says where (line, and column when a token is to blame),
//! which object, and what was expected.

use std::fmt;

/// Where in the crm text a problem is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pos {
    /// 1-based physical line.
    pub line: u32,
    /// 1-based column (in characters); 0 when the whole statement is meant.
    pub col: u32,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.col > 0 {
            write!(f, "line {}, column {}", self.line, self.col)
        } else {
            write!(f, "line {}", self.line)
        }
    }
}

/// A problem with crm shell text, or with the configuration it produces.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The text does not follow the crm syntax.
    #[error("{pos}: {}{message}", object_prefix(.object))]
    Syntax {
        pos: Pos,
        /// `primitive "web"`, when the statement got far enough to name it.
        object: Option<String>,
        message: String,
    },
    /// The statements are well formed but do not fit together (a duplicate
    /// id, a group naming a resource that does not exist …).
    #[error("{pos}: {}{message}", object_prefix(.object))]
    Semantic {
        pos: Pos,
        object: Option<String>,
        message: String,
    },
    /// The resulting configuration fails the CIB's strict checks. Lines in
    /// the message are lines of the crm text for objects it defined.
    #[error("the resulting configuration is not valid: {0}")]
    Invalid(Box<cib::CibError>),
}

impl From<cib::CibError> for Error {
    fn from(e: cib::CibError) -> Self {
        Error::Invalid(Box::new(e))
    }
}

fn object_prefix(object: &Option<String>) -> String {
    match object {
        Some(o) => format!("{o}: "),
        None => String::new(),
    }
}

impl Error {
    /// The line the problem is on, when it is in the crm text.
    pub fn line(&self) -> Option<u32> {
        match self {
            Error::Syntax { pos, .. } | Error::Semantic { pos, .. } => Some(pos.line),
            Error::Invalid(e) => e.loc().map(|l| l.line).filter(|l| *l > 0),
        }
    }
}

/// Levenshtein distance, for "did you mean" hints.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The closest candidate within `max` edits, for a "did you mean" hint.
pub(crate) fn closest<'a>(word: &str, candidates: &[&'a str], max: usize) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| (edit_distance(&lower, c), *c))
        .filter(|(d, _)| *d <= max)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `" (did you mean 'x'?)"` or nothing.
pub(crate) fn did_you_mean(word: &str, candidates: &[&str]) -> String {
    match closest(word, candidates, 2) {
        Some(c) if c != word => format!(" (did you mean '{c}'?)"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance() {
        assert_eq!(edit_distance("intervall", "interval"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(
            closest("intervall", &["interval", "timeout"], 2),
            Some("interval")
        );
        assert_eq!(closest("xyz", &["interval"], 2), None);
    }
}
