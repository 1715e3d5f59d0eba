//! Scores: integers clamped to ±1,000,000, where ±1,000,000 means ±INFINITY.
//!
//! Addition follows Pacemaker (`pcmk__add_scores`): −INFINITY wins over everything
//! (including +INFINITY), +INFINITY wins over any finite value, and finite sums
//! that reach ±1,000,000 become ±INFINITY.
//!
//! ```
//! use cib::Score;
//! let s = Score::parse("+INFINITY").unwrap() + Score::from(-5);
//! assert_eq!(s, Score::INFINITY);
//! assert_eq!(Score::INFINITY + Score::MINUS_INFINITY, Score::MINUS_INFINITY);
//! assert_eq!(Score::from(999_999) + Score::from(10), Score::INFINITY);
//! ```

use std::fmt;
use std::ops::{Add, AddAssign, Neg};

/// The numeric value Pacemaker uses for INFINITY.
pub const INFINITY_VALUE: i32 = 1_000_000;

/// A placement or preference score.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Score(i32);

/// Why a score did not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a score (an integer, INFINITY, +INFINITY, -INFINITY, red, yellow or green)")]
pub struct ScoreError(pub String);

impl Score {
    pub const ZERO: Score = Score(0);
    pub const INFINITY: Score = Score(INFINITY_VALUE);
    pub const MINUS_INFINITY: Score = Score(-INFINITY_VALUE);

    /// Parses a score as Pacemaker's `char2score` does, but refuses garbage
    /// (Pacemaker silently reads it as 0). `red`, `yellow` and `green` are the
    /// node-health colours, using Pacemaker's default values for them.
    pub fn parse(s: &str) -> Result<Score, ScoreError> {
        Self::parse_with_health(s, &HealthScores::default())
    }

    /// Like [`Score::parse`], with the cluster's configured health colour scores.
    pub fn parse_with_health(s: &str, health: &HealthScores) -> Result<Score, ScoreError> {
        let t = s.trim();
        // The infinities are case-sensitive in Pacemaker; the colours are not.
        match t {
            "-INFINITY" => return Ok(Score::MINUS_INFINITY),
            "INFINITY" | "+INFINITY" => return Ok(Score::INFINITY),
            _ => {}
        }
        match t.to_ascii_lowercase().as_str() {
            "red" => return Ok(health.red),
            "yellow" => return Ok(health.yellow),
            "green" => return Ok(health.green),
            _ => {}
        }
        let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ScoreError(s.to_string()));
        }
        // Long inputs overflow i64: they are beyond INFINITY either way.
        let v = t.parse::<i64>().unwrap_or(if t.starts_with('-') {
            i64::MIN
        } else {
            i64::MAX
        });
        Ok(Score::from_i64(v))
    }

    /// Clamps to ±INFINITY.
    pub fn from_i64(v: i64) -> Score {
        Score(v.clamp(-INFINITY_VALUE as i64, INFINITY_VALUE as i64) as i32)
    }

    pub fn value(self) -> i32 {
        self.0
    }
    pub fn is_infinite(self) -> bool {
        self.0.abs() >= INFINITY_VALUE
    }
    pub fn is_plus_infinity(self) -> bool {
        self.0 >= INFINITY_VALUE
    }
    pub fn is_minus_infinity(self) -> bool {
        self.0 <= -INFINITY_VALUE
    }
}

impl From<i32> for Score {
    fn from(v: i32) -> Score {
        Score::from_i64(v as i64)
    }
}

impl Add for Score {
    type Output = Score;
    fn add(self, rhs: Score) -> Score {
        if self.is_minus_infinity() || rhs.is_minus_infinity() {
            Score::MINUS_INFINITY
        } else if self.is_plus_infinity() || rhs.is_plus_infinity() {
            Score::INFINITY
        } else {
            Score::from_i64(self.0 as i64 + rhs.0 as i64)
        }
    }
}

impl AddAssign for Score {
    fn add_assign(&mut self, rhs: Score) {
        *self = *self + rhs;
    }
}

impl Neg for Score {
    type Output = Score;
    fn neg(self) -> Score {
        Score(-self.0)
    }
}

impl fmt::Display for Score {
    /// Pacemaker's `pcmk_readable_score`: `INFINITY`, `-INFINITY` or the integer.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_plus_infinity() {
            f.write_str("INFINITY")
        } else if self.is_minus_infinity() {
            f.write_str("-INFINITY")
        } else {
            write!(f, "{}", self.0)
        }
    }
}

/// Scores of the node-health colours (`node-health-red`/`-yellow`/`-green`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HealthScores {
    pub red: Score,
    pub yellow: Score,
    pub green: Score,
}

impl Default for HealthScores {
    fn default() -> Self {
        HealthScores {
            red: Score::MINUS_INFINITY,
            yellow: Score::ZERO,
            green: Score::ZERO,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Score {
        Score::parse(v).expect(v)
    }

    #[test]
    fn parses_every_spelling() {
        assert_eq!(s("INFINITY"), Score::INFINITY);
        assert_eq!(s("+INFINITY"), Score::INFINITY);
        assert_eq!(s("-INFINITY"), Score::MINUS_INFINITY);
        assert_eq!(s("100"), Score::from(100));
        assert_eq!(s("+100"), Score::from(100));
        assert_eq!(s("-100"), Score::from(-100));
        assert_eq!(s(" 7 "), Score::from(7));
        assert_eq!(s("2000000"), Score::INFINITY);
        assert_eq!(s("-2000000"), Score::MINUS_INFINITY);
        assert_eq!(s("99999999999999999999999"), Score::INFINITY);
        assert_eq!(s("red"), Score::MINUS_INFINITY);
        assert_eq!(s("green"), Score::ZERO);
        for bad in ["", "abc", "10x", "1.5", "--1", "+", "infinity", "-inf"] {
            assert!(Score::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn addition_follows_pacemaker() {
        let inf = Score::INFINITY;
        let minf = Score::MINUS_INFINITY;
        assert_eq!(inf + minf, minf);
        assert_eq!(minf + inf, minf);
        assert_eq!(inf + inf, inf);
        assert_eq!(inf + Score::from(-500), inf);
        assert_eq!(minf + Score::from(500), minf);
        assert_eq!(Score::from(3) + Score::from(4), Score::from(7));
        assert_eq!(Score::from(999_000) + Score::from(999_000), inf);
        assert_eq!(Score::from(-999_000) + Score::from(-999_000), minf);
    }

    #[test]
    fn displays_like_pacemaker() {
        assert_eq!(Score::INFINITY.to_string(), "INFINITY");
        assert_eq!(Score::MINUS_INFINITY.to_string(), "-INFINITY");
        assert_eq!(Score::from(-3).to_string(), "-3");
    }
}
