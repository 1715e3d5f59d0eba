//! ISO 8601 dates, times and durations, with Pacemaker's arithmetic.
//!
//! [`DateTime`] is a port of the semantics of Pacemaker's `crm_time_t` (as of
//! 2.1.5): a date is held as its *local* calendar year, ordinal day of that
//! year and seconds into the day, plus the offset from UTC in seconds.
//! Comparisons convert to UTC; field accessors (month, weekday, ISO week…)
//! read the local fields, which is what `date_spec` rules test. Parsing
//! accepts every form Pacemaker accepts, with its quirks (see
//! [`DateTime::parse_at`]); adding a [`Duration`] carries months and years the
//! way `crm_time_add` does. Nothing here reads a clock: whatever needs "now"
//! (a time without a date, the local offset) takes it as a parameter.
//!
//! ```
//! use cib::iso8601::{DateTime, Duration};
//! let t = DateTime::parse("2005-01-31 12:00:00Z").unwrap();
//! assert_eq!((t.year(), t.month(), t.monthday(), t.hour()), (2005, 1, 31, 12));
//! assert_eq!(t.weekday(), 1); // a Monday
//! let later = t.add(&Duration::parse("P1M").unwrap());
//! assert_eq!(later.to_string(), "2005-02-28 12:00:00Z"); // day clamped to the month
//! assert_eq!(DateTime::parse("2005-W05-1").unwrap().yearday(), 31);
//! assert_eq!(DateTime::parse("2005-031").unwrap().epoch_seconds(), 1_107_129_600);
//! ```

use std::cmp::Ordering;
use std::fmt;

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

const HOUR_SECONDS: i64 = 3_600;
const DAY_SECONDS: i64 = 86_400;
/// Seconds from 0001-01-01 to 1970-01-01, counted the way Pacemaker counts them.
const EPOCH_SECONDS: i64 = 62_135_596_800;
/// Days in 400 Gregorian years (any 400 consecutive years hold 97 leap years).
const CYCLE_DAYS: i64 = 146_097;

/// Why a date/time did not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("'{text}' is not a valid ISO 8601 date/time: {reason}")]
pub struct DateError {
    pub text: String,
    pub reason: &'static str,
}

/// A date and time of day with an offset from UTC, as Pacemaker's
/// `crm_time_t` holds one.
///
/// The fields are local: the calendar year, the ordinal day of that year
/// (1-based) and the seconds into that day, plus the offset east of UTC.
/// Like Pacemaker, adding years keeps the ordinal day and does not carry, so
/// `2004-366 + 1 year` is held as day 366 of 2005 until the next day or
/// second arithmetic carries it into 2006; comparisons see that value as it
/// is, exactly as Pacemaker's do. Equality (`==`) compares the fields, so the
/// same instant written with two offsets is two different values; use
/// [`DateTime::compare`] to order instants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DateTime {
    years: i64,
    days: i64,
    seconds: i64,
    offset: i64,
}

/// Whether `year` is a leap year in the (proleptic) Gregorian calendar.
pub fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && !(year % 100 == 0 && year % 400 != 0)
}

/// 365 or 366.
pub fn days_in_year(year: i64) -> i64 {
    if is_leap_year(year) {
        366
    } else {
        365
    }
}

/// Days in `month` (1–12) of `year`; 0 for a month out of range.
pub fn days_in_month(month: i64, year: i64) -> i64 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        _ => 0,
    }
}

/// The weekday (Monday = 1 … Sunday = 7) of 1 January of `year`, by the
/// formula Pacemaker uses (exact for years from 1 on).
pub fn january1_weekday(year: i64) -> i64 {
    let prev = year.wrapping_sub(1);
    let yy = prev % 100;
    let c = prev - yy;
    let g = yy + yy / 4;
    1 + ((((c / 100) % 4) * 5) + g) % 7
}

/// 52 or 53: the number of ISO weeks in `year`.
pub fn weeks_in_year(year: i64) -> i64 {
    if january1_weekday(year) == 4 || january1_weekday(year.wrapping_add(1)) == 5 {
        53
    } else {
        52
    }
}

/// The ordinal day of `month`/`day`, summed the way Pacemaker sums it: in
/// unsigned 32-bit arithmetic, so a month outside 1–12 counts the whole year
/// (or nothing) and out-of-range days wrap rather than fail.
fn ordinal_days(year: i64, month: i64, day: i64) -> i64 {
    let last = (month as u32).saturating_sub(1).min(12);
    let mut d = day as u32;
    for m in 1..=last {
        d = d.wrapping_add(days_in_month(i64::from(m), year) as u32);
    }
    i64::from(d as i32)
}

/// Splits a number of seconds (its absolute value) into hours, minutes, seconds.
fn split_seconds(total: i64) -> (i64, i64, i64) {
    let s = total.saturating_abs();
    (s / HOUR_SECONDS, (s % HOUR_SECONDS) / 60, s % 60)
}

impl DateTime {
    /// 1970-01-01 00:00:00 UTC.
    pub const EPOCH: DateTime = DateTime {
        years: 1970,
        days: 1,
        seconds: 0,
        offset: 0,
    };

    /// The instant `epoch_seconds` after 1970-01-01 00:00:00 UTC, seen from a
    /// zone `offset_seconds` east of UTC (what Pacemaker gets from the clock
    /// and `localtime`). The offset is kept to the whole minute, as Pacemaker
    /// keeps it.
    pub fn from_epoch(epoch_seconds: i64, offset_seconds: i32) -> DateTime {
        let offset = i64::from(offset_seconds);
        let mut dt = DateTime::EPOCH;
        dt.add_seconds(epoch_seconds.saturating_add(offset));
        dt.offset = offset - offset % 60;
        dt
    }

    /// The same instant seen from a zone `offset_seconds` east of UTC (kept
    /// to the whole minute).
    pub fn at_offset(&self, offset_seconds: i32) -> DateTime {
        DateTime::from_epoch(self.epoch_seconds(), offset_seconds)
    }

    /// A calendar date and time; `None` unless it is a real date and time
    /// (seconds 0–59, no leap seconds).
    pub fn from_ymd_hms(
        year: i64,
        month: i64,
        day: i64,
        hour: i64,
        minute: i64,
        second: i64,
        offset_seconds: i32,
    ) -> Option<DateTime> {
        let ok = (1..=12).contains(&month)
            && (1..=days_in_month(month, year)).contains(&day)
            && (0..24).contains(&hour)
            && (0..60).contains(&minute)
            && (0..60).contains(&second);
        ok.then(|| DateTime {
            years: year,
            days: ordinal_days(year, month, day),
            seconds: hour * HOUR_SECONDS + minute * 60 + second,
            offset: i64::from(offset_seconds),
        })
    }

    /// Parses a date/time as Pacemaker does, on a host whose local time is
    /// UTC. A time without a date (`T12:00`, `12:00:00`) needs a reference
    /// date and is refused here: use [`DateTime::parse_at`].
    pub fn parse(text: &str) -> Result<DateTime, DateError> {
        parse_date(text, None)
    }

    /// Parses a date/time as Pacemaker's `crm_time_new` does when the clock
    /// reads `now`: a time without a date is on `now`'s (local) date, and a
    /// time of day without a zone is in `now`'s offset.
    ///
    /// Accepted forms (`T` or a space between date and time):
    /// * `2005-01-01`, `20050101`, `2005-1-1` — calendar dates;
    /// * `2005-001` — ordinal dates (note that `2005-12` is therefore the
    ///   12th *day* of 2005);
    /// * `2005-W01-1` — ISO week dates;
    /// * `epoch` — 1970-01-01 00:00:00 UTC;
    /// * times `12:00:00`, `12:00`, `12`, `120000`, `24:00:00` (the next day);
    /// * zones `Z`, `+02:00`, `-0130`, `+02`.
    ///
    /// Pacemaker's quirks are kept: a date alone is midnight **UTC**, but a
    /// date with a time and no zone is local time; a zone is only read after
    /// a `Z` or a space, so `2005-01-01T12:00:00+02:00` is 12:00 *local*
    /// while `2005-01-01 12:00:00 +02:00` is 10:00 UTC; text after the date
    /// that is neither a space nor `T` is ignored; and the local offset of a
    /// zone west of UTC with minutes (−03:30) is read as −02:30.
    pub fn parse_at(text: &str, now: &DateTime) -> Result<DateTime, DateError> {
        parse_date(text, Some(now))
    }

    /// Whether the fields form a real date/time (Pacemaker's `crm_time_check`).
    pub fn is_valid(&self) -> bool {
        self.days > 0
            && self.days <= days_in_year(self.years)
            && (0..DAY_SECONDS).contains(&self.seconds)
    }

    /// Orders two instants (Pacemaker's `crm_time_compare`): both are taken
    /// to UTC and compared by year, then day of year, then second.
    pub fn compare(&self, other: &DateTime) -> Ordering {
        let (a, b) = (self.to_utc(), other.to_utc());
        (a.years, a.days, a.seconds).cmp(&(b.years, b.days, b.seconds))
    }

    /// The same instant with offset 0.
    pub fn to_utc(&self) -> DateTime {
        let mut utc = DateTime { offset: 0, ..*self };
        if self.offset != 0 {
            utc.add_seconds(-self.offset);
        }
        utc
    }

    /// Seconds since 1970-01-01 00:00:00 UTC.
    pub fn epoch_seconds(&self) -> i64 {
        let utc = self.to_utc();
        let prior_years = if utc.years > 1 {
            let p = utc.years - 1;
            p.saturating_mul(365)
                .saturating_add(p / 4 - p / 100 + p / 400)
        } else {
            0
        };
        let mut total = prior_years.saturating_mul(DAY_SECONDS);
        if utc.days > 0 {
            total = total.saturating_add((utc.days - 1).saturating_mul(DAY_SECONDS));
        }
        total
            .saturating_add(utc.seconds)
            .saturating_sub(EPOCH_SECONDS)
    }

    /// Seconds east of UTC.
    pub fn offset_seconds(&self) -> i64 {
        self.offset
    }

    /// The (local) calendar year.
    pub fn year(&self) -> i64 {
        self.years
    }

    /// The (local) month, 1–12.
    pub fn month(&self) -> i64 {
        self.gregorian().1
    }

    /// The (local) day of the month, 1–31.
    pub fn monthday(&self) -> i64 {
        self.gregorian().2
    }

    /// The (local) ordinal day of the year, 1–366.
    pub fn yearday(&self) -> i64 {
        self.days
    }

    /// The (local) ISO weekday: Monday = 1 … Sunday = 7.
    pub fn weekday(&self) -> i64 {
        self.isoweek().map_or(0, |w| w.2)
    }

    /// The (local) ISO 8601 week number, 1–53.
    pub fn iso_week(&self) -> i64 {
        self.isoweek().map_or(0, |w| w.1)
    }

    /// The year the (local) ISO week belongs to: 2005-01-01 is in week 53 of 2004.
    pub fn weekyear(&self) -> i64 {
        self.isoweek().map_or(0, |w| w.0)
    }

    /// The (local) hour, 0–23.
    pub fn hour(&self) -> i64 {
        split_seconds(self.seconds).0
    }

    /// The (local) minute, 0–59.
    pub fn minute(&self) -> i64 {
        split_seconds(self.seconds).1
    }

    /// The (local) second, 0–59.
    pub fn second(&self) -> i64 {
        split_seconds(self.seconds).2
    }

    /// Year, month and day as Pacemaker's `crm_time_get_gregorian` gives
    /// them. A day past the end of the year (after adding years) gives month
    /// 13; year 0 is taken for a duration and gives month 0.
    fn gregorian(&self) -> (i64, i64, i64) {
        let mut month = 0;
        let mut day = self.days;
        if self.years != 0 {
            month = 1;
            while month <= 12 && day > 0 {
                let mdays = days_in_month(month, self.years);
                if mdays >= day {
                    break;
                }
                day -= mdays;
                month += 1;
            }
        }
        (self.years, month, day)
    }

    /// ISO week-year, week and weekday (Pacemaker's `crm_time_get_isoweek`).
    fn isoweek(&self) -> Option<(i64, i64, i64)> {
        if self.days <= 0 {
            return None;
        }
        let jan1 = january1_weekday(self.years);
        let weekday = 1 + ((self.days + jan1 - 2) % 7);
        let mut week = 0;
        let mut year = self.years;
        if self.days <= 8 - jan1 && jan1 > 4 {
            // The first days of the year belong to the last week of the previous one.
            year = self.years - 1;
            week = weeks_in_year(year);
        } else if days_in_year(year) - self.days < 4 - weekday {
            // The last days of the year belong to week 1 of the next one.
            year = self.years + 1;
            week = 1;
        }
        if year == self.years {
            week = (self.days + (7 - weekday) + (jan1 - 1)) / 7;
            if jan1 > 4 {
                week -= 1;
            }
        }
        Some((year, week, weekday))
    }

    /// Adds years; the ordinal day is kept as it is (Pacemaker's
    /// `crm_time_add_years`), so 1 March 2004 (day 61) plus a year is
    /// 2 March 2005.
    pub fn add_years(&mut self, years: i64) {
        self.years = self.years.saturating_add(years);
    }

    /// Adds calendar months, keeping the day of the month unless the new
    /// month is shorter (31 January + 1 month = 28 or 29 February).
    pub fn add_months(&mut self, months: i64) {
        let (mut year, mut month, day) = self.gregorian();
        // Month arithmetic in i128: `months` may be anything an i64 holds.
        let mut step = |month: i64| {
            let total = i128::from(month) - 1 + i128::from(months);
            let carry = i64::try_from(total.div_euclid(12)).unwrap_or(if total < 0 {
                i64::MIN
            } else {
                i64::MAX
            });
            year = year.saturating_add(carry);
            total.rem_euclid(12) as i64 + 1
        };
        if months > 0 {
            if month <= 12 {
                month = step(month);
            } else {
                // Pacemaker only wraps when stepping from 12 to 13.
                month = month.saturating_add(months);
            }
        } else if months < 0 {
            if month >= 1 {
                month = step(month);
            } else {
                // Pacemaker's unsigned month steps below zero and never wraps.
                month = month.saturating_add(months);
            }
        }
        let dmax = days_in_month(i64::from(month as u32), year);
        let day = if dmax < i64::from(day as u32) {
            dmax
        } else {
            day
        };
        self.years = year;
        self.days = ordinal_days(year, month, day);
    }

    /// Adds weeks (7 days each).
    pub fn add_weeks(&mut self, weeks: i64) {
        self.add_days(weeks.saturating_mul(7));
    }

    /// Adds days, carrying into the years (and normalising a day left past
    /// the end of the year by [`DateTime::add_years`]).
    pub fn add_days(&mut self, days: i64) {
        self.days = self.days.saturating_add(days);
        if self.days > CYCLE_DAYS + 366 {
            let cycles = (self.days - 367) / CYCLE_DAYS;
            self.days -= cycles * CYCLE_DAYS;
            self.years = self.years.saturating_add(400 * cycles);
        }
        let mut ydays = days_in_year(self.years);
        while self.days > ydays {
            self.years = self.years.saturating_add(1);
            self.days -= ydays;
            ydays = days_in_year(self.years);
        }
        while self.days < 1 {
            if self.days < -CYCLE_DAYS {
                let cycles = self.days / -CYCLE_DAYS;
                self.days += cycles * CYCLE_DAYS;
                self.years = self.years.saturating_sub(400 * cycles);
            }
            self.years = self.years.saturating_sub(1);
            self.days += days_in_year(self.years);
        }
    }

    /// Adds hours.
    pub fn add_hours(&mut self, hours: i64) {
        self.add_seconds(hours.saturating_mul(HOUR_SECONDS));
    }

    /// Adds minutes.
    pub fn add_minutes(&mut self, minutes: i64) {
        self.add_seconds(minutes.saturating_mul(60));
    }

    /// Adds seconds, carrying into days and years.
    pub fn add_seconds(&mut self, seconds: i64) {
        self.seconds = self.seconds.saturating_add(seconds);
        let mut days = self.seconds / DAY_SECONDS;
        self.seconds %= DAY_SECONDS;
        if self.seconds < 0 {
            self.seconds += DAY_SECONDS;
            days -= 1;
        }
        self.add_days(days);
    }

    /// `self + duration` as Pacemaker's `crm_time_add` computes it: years,
    /// then months (day of month clamped), then days, then seconds.
    pub fn add(&self, duration: &Duration) -> DateTime {
        let mut t = *self;
        t.add_years(duration.years);
        t.add_months(duration.months);
        t.add_days(duration.days);
        t.add_seconds(duration.seconds);
        t
    }

    /// `self - duration` as Pacemaker's `crm_time_subtract` computes it.
    pub fn sub(&self, duration: &Duration) -> DateTime {
        let mut t = *self;
        t.add_years(duration.years.saturating_neg());
        if duration.months != 0 {
            t.add_months(duration.months.saturating_neg());
        }
        t.add_days(duration.days.saturating_neg());
        t.add_seconds(duration.seconds.saturating_neg());
        t
    }

    /// The instant in UTC, written `YYYY-MM-DD HH:MM:SSZ`.
    pub fn utc_string(&self) -> String {
        self.to_utc().to_string()
    }
}

impl fmt::Display for DateTime {
    /// `YYYY-MM-DD HH:MM:SS` in local time followed by `Z` or ` +hh:mm`, as
    /// Pacemaker writes a date/time with its zone.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.gregorian();
        let (hh, mm, ss) = split_seconds(self.seconds);
        write!(f, "{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02}")?;
        if self.offset == 0 {
            f.write_str("Z")
        } else {
            let (oh, om, _) = split_seconds(self.offset);
            let sign = if self.offset < 0 { '-' } else { '+' };
            write!(f, " {sign}{oh:02}:{om:02}")
        }
    }
}

// ---------------------------------------------------------------------------
// Parsing: a port of the behaviour of Pacemaker's parse_date() and helpers,
// which read with sscanf("%d…"). The scanner below reproduces glibc's sscanf
// for the handful of formats used, so odd inputs land where Pacemaker's do.

#[derive(Clone, Copy)]
enum Fmt {
    /// `%d` (width 0) or `%Nd`.
    Int(usize),
    /// A literal character.
    Lit(u8),
}

fn c_isspace(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// `sscanf(input, fmt, …)` for `%d` conversions and literals: the number of
/// conversions (−1 when the input ends before the first) and the values
/// (0 where nothing was assigned). Values are stored as C `int`s.
fn scan(input: &[u8], fmt: &[Fmt]) -> (i32, [i64; 3]) {
    let mut vals = [0i64; 3];
    let mut done = 0i32;
    let mut pos = 0usize;
    let input_failure = |done: i32| if done == 0 { -1 } else { done };
    for item in fmt {
        match *item {
            Fmt::Lit(c) => match input.get(pos) {
                None => return (input_failure(done), vals),
                Some(&x) if x == c => pos += 1,
                Some(_) => return (done, vals),
            },
            Fmt::Int(width) => {
                while pos < input.len() && c_isspace(input[pos]) {
                    pos += 1;
                }
                if pos >= input.len() {
                    return (input_failure(done), vals);
                }
                let max = if width == 0 { usize::MAX } else { width };
                let mut used = 0usize;
                let mut negative = false;
                if matches!(input[pos], b'+' | b'-') {
                    negative = input[pos] == b'-';
                    pos += 1;
                    used += 1;
                }
                let mut value: i128 = 0;
                let mut digits = 0usize;
                while used < max && pos < input.len() && input[pos].is_ascii_digit() {
                    value = (value * 10 + i128::from(input[pos] - b'0')).min(i128::from(u64::MAX));
                    pos += 1;
                    used += 1;
                    digits += 1;
                }
                if digits == 0 {
                    return (done, vals);
                }
                let value = if negative { -value } else { value };
                // strtol saturates to a long; the long is then stored in an int.
                let long = value.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
                if let Some(slot) = vals.get_mut(done as usize) {
                    *slot = i64::from(long as i32);
                }
                done += 1;
            }
        }
    }
    (done, vals)
}

/// Seconds into the day from `hh:mm:ss`, `hh:mm`, `hh`, `hhmmss` or `hhmm`
/// (Pacemaker's `crm_time_parse_sec`); 24:00:00 gives a whole day.
fn parse_seconds(text: &[u8]) -> Option<i64> {
    use Fmt::{Int, Lit};
    let (mut rc, mut v) = scan(text, &[Int(0), Lit(b':'), Int(0), Lit(b':'), Int(0)]);
    if rc == 1 {
        let (rc2, v2) = scan(text, &[Int(2), Int(2), Int(2)]);
        let assigned = rc2.max(0) as usize;
        v[..assigned].copy_from_slice(&v2[..assigned]);
        rc = rc2;
    }
    if rc == 0 {
        return None;
    }
    // Pacemaker reads into unsigned variables: a negative value is huge.
    let [hour, minute, second] = v.map(|x| i64::from(x as i32 as u32));
    if hour == 24 && minute == 0 && second == 0 {
        // 24:00:00 is midnight at the end of the day.
    } else if hour >= 24 {
        return None;
    }
    if minute >= 60 || second >= 60 {
        return None;
    }
    Some(hour * HOUR_SECONDS + minute * 60 + second)
}

/// The offset of a zone designator (Pacemaker's `crm_time_parse_offset`);
/// `None` as input means "no zone given": use the local offset.
fn parse_offset(text: Option<&[u8]>, local_offset: i64) -> Option<i64> {
    let Some(text) = text else {
        return Some(local_offset);
    };
    match text.first() {
        Some(b'Z') => Some(0),
        Some(&c) if c == b'+' || c == b'-' || c.is_ascii_digit() => {
            let rest = if c.is_ascii_digit() { text } else { &text[1..] };
            let seconds = parse_seconds(rest)?;
            Some(if c == b'-' { -seconds } else { seconds })
        }
        // Anything else (including nothing after a space) is UTC.
        _ => Some(0),
    }
}

/// The offset Pacemaker assumes for a time given without a zone. It splits
/// the local offset into hours and minutes and, for a negative offset with
/// minutes, flips the sign of the minutes (−03:30 becomes −02:30).
fn assumed_local_offset(offset: i64) -> i64 {
    let hours = offset / HOUR_SECONDS;
    let mut minutes = (offset - HOUR_SECONDS * hours) / 60;
    if hours < 0 && minutes < 0 {
        minutes = -minutes;
    }
    HOUR_SECONDS * hours + 60 * minutes
}

/// Reads the time of day (and zone) into `dt` (Pacemaker's `crm_time_parse`).
fn parse_time(text: &[u8], dt: &mut DateTime, local_offset: i64) -> Result<(), &'static str> {
    dt.seconds = parse_seconds(text).ok_or("invalid time of day")?;
    let zone = if let Some(z) = text.iter().position(|&c| c == b'Z') {
        Some(&text[z..])
    } else if let Some(sp) = text.iter().position(|&c| c == b' ') {
        let start = text[sp..]
            .iter()
            .position(|&c| !c_isspace(c))
            .map_or(text.len(), |i| sp + i);
        Some(&text[start..])
    } else {
        None
    };
    dt.offset = parse_offset(zone, local_offset).ok_or("invalid zone offset")?;
    if dt.seconds == DAY_SECONDS {
        dt.seconds = 0;
        dt.add_days(1);
    }
    Ok(())
}

fn parse_date(text: &str, now: Option<&DateTime>) -> Result<DateTime, DateError> {
    use Fmt::{Int, Lit};
    let fail = |reason: &'static str| DateError {
        text: text.to_string(),
        reason,
    };
    // C strings end at the first NUL.
    let all = text.as_bytes();
    let b = &all[..all.iter().position(|&c| c == 0).unwrap_or(all.len())];
    if b.is_empty() {
        return Err(fail("empty"));
    }
    let local_offset = now.map_or(0, |n| assumed_local_offset(n.offset));

    let mut time_text: Option<&[u8]> = None;
    let mut dt = DateTime {
        years: 0,
        days: 0,
        seconds: 0,
        offset: 0,
    };
    if b[0] == b'T' || b.get(2) == Some(&b':') {
        // Only a time: it is on today's date.
        let Some(now) = now else {
            return Err(fail("a time without a date needs a reference date"));
        };
        dt = *now;
        time_text = Some(if b[0] == b'T' { &b[1..] } else { b });
    } else if b.len() >= 5
        && b[..5].eq_ignore_ascii_case(b"epoch")
        && b.get(5).map_or(true, |&c| c == b'/' || c_isspace(c))
    {
        return Ok(DateTime::EPOCH);
    } else {
        let (mut rc, mut v) = scan(b, &[Int(0), Lit(b'-'), Int(0), Lit(b'-'), Int(0)]);
        if rc == 1 {
            (rc, v) = scan(b, &[Int(4), Int(2), Int(2)]);
        }
        if rc == 3 {
            let [year, month, day] = v;
            if month > 12 {
                return Err(fail("invalid month"));
            }
            if day > days_in_month(month, year) {
                return Err(fail("invalid day of the month"));
            }
            dt.years = year;
            dt.days = ordinal_days(year, month, day);
        } else {
            let (rc, v) = scan(b, &[Int(0), Lit(b'-'), Int(0)]);
            if rc == 2 {
                let [year, day, _] = v;
                if day > days_in_year(year) {
                    return Err(fail("invalid day of the year"));
                }
                dt.years = year;
                dt.days = day;
            } else {
                let (rc, v) = scan(
                    b,
                    &[Int(0), Lit(b'-'), Lit(b'W'), Int(0), Lit(b'-'), Int(0)],
                );
                if rc != 3 {
                    return Err(fail("not a date in a known form"));
                }
                let [year, week, day] = v;
                if week > weeks_in_year(year) {
                    return Err(fail("invalid week of the year"));
                }
                if !(1..=7).contains(&day) {
                    return Err(fail("invalid day of the week"));
                }
                // Week 1 is the week holding the year's first Thursday.
                let jan1 = january1_weekday(year);
                dt.years = year;
                dt.add_days((week - 1) * 7);
                dt.add_days(if jan1 <= 4 { 1 - jan1 } else { 8 - jan1 });
                dt.add_days(day);
            }
        }
        let date_len = b
            .iter()
            .position(|c| !b"0123456789-W".contains(c))
            .unwrap_or(b.len());
        if matches!(b.get(date_len), Some(b' ' | b'T')) {
            time_text = Some(&b[date_len + 1..]);
        }
    }
    if let Some(t) = time_text {
        parse_time(t, &mut dt, local_offset).map_err(fail)?;
    }
    if !dt.is_valid() {
        return Err(fail("out of range"));
    }
    Ok(dt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_durations() {
        assert_eq!(Duration::parse("PT30S").map(|d| d.total_seconds()), Ok(30));
        assert_eq!(
            Duration::parse("P1DT1H").map(|d| d.total_seconds()),
            Ok(90_000)
        );
        assert_eq!(Duration::parse("P2W").map(|d| d.days), Ok(14));
        let d = Duration::parse("P1Y2M3DT4H5M6S").expect("full");
        assert_eq!(
            (d.years, d.months, d.days, d.seconds),
            (1, 2, 3, 4 * 3600 + 5 * 60 + 6)
        );
        assert_eq!(Duration::parse("P10S").map(|d| d.total_seconds()), Ok(10));
        assert_eq!(Duration::parse("P1M").map(|d| d.months), Ok(1));
        assert_eq!(Duration::parse("PT1M").map(|d| d.seconds), Ok(60));
        for bad in ["P", "PT", "1D", "P1X", "P1", "P1.5D"] {
            assert!(Duration::parse(bad).is_err(), "{bad}");
        }
    }

    fn dt(text: &str) -> DateTime {
        DateTime::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Every day from 1901 to 2100, at 13:45:30, against chrono's calendar.
    #[test]
    fn calendar_fields_agree_with_chrono() {
        use chrono::{Datelike, NaiveDate};
        let mut day = NaiveDate::from_ymd_opt(1901, 1, 1).expect("start");
        let end = NaiveDate::from_ymd_opt(2100, 12, 31).expect("end");
        while day <= end {
            let (y, m, d) = (
                i64::from(day.year()),
                i64::from(day.month()),
                i64::from(day.day()),
            );
            let t = DateTime::from_ymd_hms(y, m, d, 13, 45, 30, 0).expect("valid");
            let iso = day.iso_week();
            let got = (
                t.year(),
                t.month(),
                t.monthday(),
                t.yearday(),
                t.weekday(),
                t.iso_week(),
                t.weekyear(),
            );
            let want = (
                y,
                m,
                d,
                i64::from(day.ordinal()),
                i64::from(day.weekday().number_from_monday()),
                i64::from(iso.week()),
                i64::from(iso.year()),
            );
            assert_eq!(got, want, "{day}");
            assert_eq!((t.hour(), t.minute(), t.second()), (13, 45, 30));
            let epoch = day
                .and_hms_opt(13, 45, 30)
                .expect("time")
                .and_utc()
                .timestamp();
            assert_eq!(t.epoch_seconds(), epoch, "{day}");
            assert_eq!(DateTime::from_epoch(epoch, 0), t, "{day}");
            assert_eq!(dt(&t.to_string()), t, "{day}");
            let midnight = DateTime::from_ymd_hms(y, m, d, 0, 0, 0, 0).expect("valid");
            assert_eq!(dt(&format!("{y:04}-{:03}", t.yearday())), midnight, "{day}");
            assert_eq!(
                dt(&format!(
                    "{}-W{:02}-{}",
                    iso.year(),
                    iso.week(),
                    t.weekday()
                )),
                midnight,
                "{day}"
            );
            assert_eq!(dt(&format!("{y:04}{m:02}{d:02}")), midnight, "{day}");
            day = day.succ_opt().expect("next day");
        }
    }

    #[test]
    fn parses_every_form() {
        let cases = [
            ("2005-01-01", "2005-01-01 00:00:00Z"),
            ("20050101", "2005-01-01 00:00:00Z"),
            ("2005-1-1", "2005-01-01 00:00:00Z"),
            ("2005-001", "2005-01-01 00:00:00Z"),
            ("2005-060", "2005-03-01 00:00:00Z"),
            ("2004-060", "2004-02-29 00:00:00Z"),
            ("2004-366", "2004-12-31 00:00:00Z"),
            ("2005-12", "2005-01-12 00:00:00Z"),
            ("2005-W01-1", "2005-01-03 00:00:00Z"),
            ("2004-W53-6", "2005-01-01 00:00:00Z"),
            ("2009-W01-1", "2008-12-29 00:00:00Z"),
            ("2009-W53-7", "2010-01-03 00:00:00Z"),
            ("2005-W00-1", "2004-12-27 00:00:00Z"),
            ("epoch", "1970-01-01 00:00:00Z"),
            ("EPOCH 2005-01-01", "1970-01-01 00:00:00Z"),
            ("2005-01-01T12:00:00Z", "2005-01-01 12:00:00Z"),
            ("2005-01-01 12:00:00Z", "2005-01-01 12:00:00Z"),
            ("2005-01-01T12:00:00", "2005-01-01 12:00:00Z"),
            ("2005-01-01 12:00", "2005-01-01 12:00:00Z"),
            ("2005-01-01 12", "2005-01-01 12:00:00Z"),
            ("2005-01-01T1230", "2005-01-01 12:30:00Z"),
            ("2005-01-01T123045", "2005-01-01 12:30:45Z"),
            ("2005-01-01 12:00:00 +02:00", "2005-01-01 12:00:00 +02:00"),
            ("2005-01-01 12:00:00 -03:30", "2005-01-01 12:00:00 -03:30"),
            ("2005-01-01 12:00:00 +0130", "2005-01-01 12:00:00 +01:30"),
            ("2005-01-01 12:00:00 +02", "2005-01-01 12:00:00 +02:00"),
            ("2005-01-01 12:00:00   -05:00", "2005-01-01 12:00:00 -05:00"),
            ("2005-01-01T24:00:00", "2005-01-02 00:00:00Z"),
            ("2005-12-31T24:00:00Z", "2006-01-01 00:00:00Z"),
            ("2004-02-29", "2004-02-29 00:00:00Z"),
            ("2000-02-29", "2000-02-29 00:00:00Z"),
            ("2100-03-01", "2100-03-01 00:00:00Z"),
            ("0001-01-01", "0001-01-01 00:00:00Z"),
            ("9999-12-31T23:59:59Z", "9999-12-31 23:59:59Z"),
            // Pacemaker's quirks, each checked with crm_rule:
            // a zone only counts after a space or Z…
            ("2005-01-01T12:00:00+02:00", "2005-01-01 12:00:00Z"),
            // …an unknown zone is UTC…
            ("2005-01-01 12:00:00 EST", "2005-01-01 12:00:00Z"),
            // …junk after the date is ignored…
            ("2005-01-01x12:00", "2005-01-01 00:00:00Z"),
            ("2005-01-01Z", "2005-01-01 00:00:00Z"),
            // …month 0 day 0 is day 0, which 24:00 then carries into day 1…
            ("2005-00-00T24:00:00Z", "2005-01-01 00:00:00Z"),
            // …a negative month adds up the whole year…
            ("2005--1-0", "2005-12-31 00:00:00Z"),
            // …and after a leading blank the date is read again as a time (20:05).
            (" 2005-01-01", "2005-01-01 20:05:00Z"),
        ];
        let reference = DateTime::EPOCH;
        for (text, want) in cases {
            let got = DateTime::parse_at(text, &reference).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(got.to_string(), want, "{text:?}");
        }
        for bad in [
            "",
            "garbage",
            "2005",
            "2005-000",
            "2005-02-29",
            "1900-02-29",
            "2005-13-01",
            "2005-00-00",
            "2005-366",
            "2005-W01",
            "2005-W01-8",
            "2005-W54-1",
            "2005-01-01T24:00:01Z",
            "2005-01-01T23:60:00Z",
            "2005-01-01T12:00:60Z",
            "2005-01-01T-1:00:00Z",
            "2005-01-01Tnoon",
            "2005-01-01 12:00:00 +25:00",
            "epochs",
            "T12:00",
            "12:00:00",
        ] {
            assert!(DateTime::parse(bad).is_err(), "{bad:?}");
        }
        let e = DateTime::parse("2005-13-01").expect_err("bad month");
        assert!(e.to_string().contains("invalid month"), "{e}");
    }

    #[test]
    fn local_offset_and_reference_date() {
        let tokyo = DateTime::from_ymd_hms(2020, 6, 15, 23, 30, 0, 9 * 3600).expect("valid");
        // A time with no zone is local time; a date alone is UTC midnight.
        assert_eq!(
            DateTime::parse_at("2005-01-01T12:00:00", &tokyo).map(|t| t.utc_string()),
            Ok("2005-01-01 03:00:00Z".to_string())
        );
        assert_eq!(
            DateTime::parse_at("2005-01-01", &tokyo).map(|t| t.utc_string()),
            Ok("2005-01-01 00:00:00Z".to_string())
        );
        // A trailing blank after the date makes it local midnight.
        assert_eq!(
            DateTime::parse_at("2005-01-01 ", &tokyo).map(|t| t.utc_string()),
            Ok("2004-12-31 15:00:00Z".to_string())
        );
        // But a trailing blank after the time makes it UTC.
        assert_eq!(
            DateTime::parse_at("2005-01-01 12:00:00 ", &tokyo).map(|t| t.utc_string()),
            Ok("2005-01-01 12:00:00Z".to_string())
        );
        // A time alone is on the reference's local date.
        assert_eq!(
            DateTime::parse_at("T08:00", &tokyo).map(|t| t.to_string()),
            Ok("2020-06-15 08:00:00 +09:00".to_string())
        );
        assert_eq!(
            DateTime::parse_at("08:00:00Z", &tokyo).map(|t| t.to_string()),
            Ok("2020-06-15 08:00:00Z".to_string())
        );
        // Newfoundland (-03:30) is assumed to be -02:30.
        let st_johns = DateTime::from_epoch(0, -12_600);
        assert_eq!(
            DateTime::parse_at("2005-01-01T12:00:00", &st_johns).map(|t| t.utc_string()),
            Ok("2005-01-01 14:30:00Z".to_string())
        );
        assert_eq!(st_johns.offset_seconds(), -12_600);
    }

    #[test]
    fn epoch_offsets_and_comparison() {
        let t = DateTime::from_epoch(1_700_000_000, 3600);
        assert_eq!(t.to_string(), "2023-11-14 23:13:20 +01:00");
        assert_eq!(t.utc_string(), "2023-11-14 22:13:20Z");
        assert_eq!(t.epoch_seconds(), 1_700_000_000);
        // Like Pacemaker (from localtime), the local fields take the whole
        // offset but only its minutes are kept.
        let lmt = DateTime::from_epoch(1_700_000_000, 3600 + 59);
        assert_eq!(lmt.offset_seconds(), 3600);
        assert_eq!(lmt.to_string(), "2023-11-14 23:14:19 +01:00");
        let same = t.at_offset(-5 * 3600);
        assert_eq!(same.to_string(), "2023-11-14 17:13:20 -05:00");
        assert_eq!(t.compare(&same), Ordering::Equal);
        assert_ne!(t, same, "equality compares the fields");
        assert_eq!(t.compare(&DateTime::EPOCH), Ordering::Greater);
        assert_eq!(
            DateTime::from_epoch(-1, 0).to_string(),
            "1969-12-31 23:59:59Z"
        );
        assert_eq!(DateTime::EPOCH.epoch_seconds(), 0);
        assert!(DateTime::from_ymd_hms(2005, 2, 29, 0, 0, 0, 0).is_none());
        assert!(DateTime::from_ymd_hms(2005, 1, 1, 24, 0, 0, 0).is_none());
    }

    #[test]
    fn arithmetic_follows_crm_time_add() {
        let mut t = dt("2005-01-31 10:00:00Z");
        t.add_months(1);
        assert_eq!(t.to_string(), "2005-02-28 10:00:00Z");
        let mut t = dt("2004-01-31");
        t.add_months(1);
        assert_eq!(t.to_string(), "2004-02-29 00:00:00Z");
        let mut t = dt("2005-03-31");
        t.add_months(-1);
        assert_eq!(t.to_string(), "2005-02-28 00:00:00Z");
        let mut t = dt("2005-01-15");
        t.add_months(13);
        assert_eq!(t.to_string(), "2006-02-15 00:00:00Z");
        let mut t = dt("2005-01-15");
        t.add_months(-13);
        assert_eq!(t.to_string(), "2003-12-15 00:00:00Z");
        let mut t = dt("2005-01-15");
        t.add_months(-25 * 12 - 1);
        assert_eq!(t.to_string(), "1979-12-15 00:00:00Z");

        // Years keep the ordinal day: 1 March 2004 is day 61, 2 March in 2005.
        let mut t = dt("2004-03-01");
        t.add_years(1);
        assert_eq!(t.to_string(), "2005-03-02 00:00:00Z");
        // Day 366 of 2005 stays as it is (before 2006-01-01 in comparisons)
        // until day or second arithmetic carries it.
        let mut t = dt("2004-12-31");
        t.add_years(1);
        assert_eq!(t.yearday(), 366);
        assert!(!t.is_valid());
        assert_eq!(t.compare(&dt("2006-01-01")), Ordering::Less);
        t.add_seconds(0);
        assert_eq!(t.to_string(), "2006-01-01 00:00:00Z");
        // crm_time_add also adds (zero) months, which clamps day 366 instead.
        let p1y = Duration::parse("P1Y").expect("P1Y");
        assert_eq!(
            dt("2004-12-31").add(&p1y).to_string(),
            "2005-12-31 00:00:00Z"
        );

        let d = Duration::parse("P1Y2M3DT4H5M6S").expect("duration");
        let t = dt("2005-01-31 20:00:00Z");
        assert_eq!(t.add(&d).to_string(), "2006-04-04 00:05:06Z");
        assert_eq!(t.add(&d).sub(&d).to_string(), "2005-01-31 20:00:00Z");
        let mut t = dt("2005-01-01");
        t.add_weeks(2);
        t.add_hours(25);
        t.add_minutes(61);
        t.add_seconds(-86_400 * 366);
        assert_eq!(t.to_string(), "2004-01-16 02:01:00Z");

        // Whole 400-year cycles at once give what year-by-year stepping gives.
        let mut fast = dt("2005-03-01");
        fast.add_days(146_097 * 5 + 1000);
        let mut slow = dt("2005-03-01");
        for _ in 0..5 {
            slow.add_days(146_097);
        }
        slow.add_days(1000);
        assert_eq!(fast, slow);
        assert_eq!(fast.to_string(), "4007-11-26 00:00:00Z");
        fast.add_days(-(146_097 * 5 + 1000));
        assert_eq!(fast.to_string(), "2005-03-01 00:00:00Z");
    }

    #[test]
    fn extreme_values_do_not_panic() {
        for n in [
            i64::MIN,
            i64::MIN + 1,
            -1_000_000_000_000,
            1_000_000_000_000,
            i64::MAX,
        ] {
            let mut t = dt("2005-01-01");
            t.add_seconds(n);
            t.add_days(n);
            t.add_months(n);
            t.add_years(n);
            t.add_weeks(n);
            t.add_hours(n);
            t.add_minutes(n);
            let _ = (
                t.to_string(),
                t.epoch_seconds(),
                t.weekday(),
                t.iso_week(),
                t.month(),
            );
            let _ = DateTime::from_epoch(n, i32::MAX);
            let _ = DateTime::from_epoch(n, i32::MIN);
            let d = Duration {
                years: n,
                months: n,
                days: n,
                seconds: n,
            };
            let _ = t.add(&d).sub(&d);
        }
    }

    proptest::proptest! {
        #[test]
        fn parsing_never_panics(text in ".{0,40}", epoch in proptest::num::i64::ANY, offset in -86_400i32..86_400) {
            let reference = DateTime::from_epoch(epoch % 400_000_000_000, offset);
            if let Ok(t) = DateTime::parse_at(&text, &reference) {
                let _ = (t.to_string(), t.epoch_seconds(), t.weekday(), t.iso_week(), t.weekyear());
            }
        }

        #[test]
        fn date_like_text_never_panics(
            y in -3000i64..12000, a in -20i64..400, b in -5i64..40,
            sep in proptest::sample::select(vec!["-", "-W", ""]),
            time in proptest::sample::select(vec!["", "T", " ", "T24:00", " 12:30:45 -03:30", "T1230Z", " 99:99"]),
        ) {
            let text = format!("{y}{sep}{a}-{b}{time}");
            if let Ok(t) = DateTime::parse(&text) {
                proptest::prop_assert!(t.is_valid(), "{text}: {t:?}");
            }
        }
    }
}
