//! ISO 8601 durations (and, for rules, dates and times).

/// A duration such as `P1Y2M3DT4H5M6S` or `P2W`. Years and months are kept
/// apart because their length depends on the date they are added to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Duration {
    pub years: i64,
    pub months: i64,
    pub days: i64,
    pub seconds: i64,
}

impl Duration {
    /// Parses `PnYnMnDTnHnMnS` or `PnW` as Pacemaker does: `T` is optional and
    /// only tells months from minutes; `H` and `S` are time units wherever
    /// they appear. At least one amount with a unit is required.
    pub fn parse(s: &str) -> Result<Duration, String> {
        let bad = || format!("'{s}' is not an ISO 8601 duration (e.g. P1D, PT30M, P1Y2M3DT4H)");
        let body = s.trim().strip_prefix('P').ok_or_else(bad)?;
        let mut d = Duration::default();
        let mut in_time = false;
        let mut num = String::new();
        let mut any = false;
        for c in body.chars() {
            match c {
                '0'..='9' => num.push(c),
                'T' if num.is_empty() => in_time = true,
                _ => {
                    let n: i64 = num.parse().map_err(|_| bad())?;
                    num.clear();
                    any = true;
                    match c {
                        'Y' => d.years = n,
                        'M' if !in_time => d.months = n,
                        'M' => d.seconds += 60 * n,
                        'W' => d.days += 7 * n,
                        'D' => d.days += n,
                        'H' => d.seconds += 3600 * n,
                        'S' => d.seconds += n,
                        _ => return Err(bad()),
                    }
                }
            }
        }
        if !num.is_empty() || !any {
            return Err(bad());
        }
        Ok(d)
    }

    /// Total seconds, counting a month as 30 days and a year as 365 days, as
    /// Pacemaker does when a duration is used as a plain interval.
    pub fn total_seconds(&self) -> i64 {
        ((self.years * 365 + self.months * 30 + self.days) * 86_400) + self.seconds
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_durations() {
        assert_eq!(Duration::parse("PT30S").map(|d| d.total_seconds()), Ok(30));
        assert_eq!(Duration::parse("P1DT1H").map(|d| d.total_seconds()), Ok(90_000));
        assert_eq!(Duration::parse("P2W").map(|d| d.days), Ok(14));
        let d = Duration::parse("P1Y2M3DT4H5M6S").expect("full");
        assert_eq!((d.years, d.months, d.days, d.seconds), (1, 2, 3, 4 * 3600 + 5 * 60 + 6));
        assert_eq!(Duration::parse("P10S").map(|d| d.total_seconds()), Ok(10));
        assert_eq!(Duration::parse("P1M").map(|d| d.months), Ok(1));
        assert_eq!(Duration::parse("PT1M").map(|d| d.seconds), Ok(60));
        for bad in ["P", "PT", "1D", "P1X", "P1", "P1.5D"] {
            assert!(Duration::parse(bad).is_err(), "{bad}");
        }
    }
}
