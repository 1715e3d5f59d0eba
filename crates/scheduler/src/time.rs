//! Dates as Pacemaker writes and reads them: ISO 8601 text ↔ seconds since
//! the epoch (UTC). Pure arithmetic; the caller supplies "now".

/// Parses `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]`, `YYYY-MM-DDTHH:MM:SS`, each
/// optionally followed by `Z` or an offset (`+02:00`, `-0500`, `+02`).
/// Without an offset the time is taken as UTC.
pub fn parse_iso8601(text: &str) -> Option<i64> {
    let s = text.trim();
    let (date, rest) = match s.find(['T', ' ']) {
        Some(i) => (&s[..i], s[i + 1..].trim()),
        None => (s, ""),
    };
    let mut dp = date.split('-');
    let year: i64 = dp.next()?.parse().ok()?;
    let month: i64 = dp.next().map_or(Some(1), |m| m.parse().ok())?;
    let day: i64 = dp.next().map_or(Some(1), |d| d.parse().ok())?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || dp.next().is_some() {
        return None;
    }
    let (time, offset_s) = split_offset(rest)?;
    let mut tp = time.split(':').filter(|p| !p.is_empty());
    let h: i64 = tp.next().map_or(Some(0), |v| v.parse().ok())?;
    let m: i64 = tp.next().map_or(Some(0), |v| v.parse().ok())?;
    let sec: i64 = tp.next().map_or(Some(0), |v| {
        v.split('.').next().and_then(|x| x.parse().ok())
    })?;
    if h > 24 || m > 59 || sec > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + sec - offset_s)
}

/// Splits a time of day from its zone: returns the time and the offset east
/// of UTC in seconds.
fn split_offset(t: &str) -> Option<(&str, i64)> {
    if let Some(time) = t.strip_suffix('Z') {
        return Some((time.trim(), 0));
    }
    if let Some(i) = t.rfind(['+', '-']) {
        let (time, zone) = (&t[..i], &t[i..]);
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let digits: String = zone[1..].chars().filter(char::is_ascii_digit).collect();
        let (hh, mm) = match digits.len() {
            1 | 2 => (digits.parse::<i64>().ok()?, 0),
            4 => (digits[..2].parse().ok()?, digits[2..].parse().ok()?),
            _ => return None,
        };
        return Some((time.trim(), sign * (hh * 3600 + mm * 60)));
    }
    Some((t, 0))
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `2017-09-12 10:51:59Z`, as crm_simulate prints the execution date.
pub fn format_utc(epoch: i64) -> String {
    let days = epoch.div_euclid(86_400);
    let secs = epoch.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}Z",
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    )
}

/// The time a simulation runs at, chosen as crm_simulate chooses it: `-t`
/// (`set_datetime`) if given, else the CIB's `execution-date`, else
/// `clock_now` (the caller's clock). Returns it with the notice
/// crm_simulate prints about it, or an error naming a `-t` value that is no
/// date.
pub fn effective_now(
    cib: &cib::Cib,
    set_datetime: Option<&str>,
    clock_now: i64,
) -> Result<(i64, Option<String>), String> {
    if let Some(when) = set_datetime {
        let parsed = cib::iso8601::DateTime::parse(when)
            .ok()
            .filter(|d| d.is_valid())
            .map(|d| d.epoch_seconds())
            .or_else(|| parse_iso8601(when));
        return match parsed {
            Some(t) => Ok((t, Some(format!("Setting effective cluster time: {when}")))),
            None => Err(format!(
                "'{when}' is not an ISO 8601 date and time (e.g. 2024-01-31 12:00:00Z)"
            )),
        };
    }
    Ok(match cib.execution_date {
        Some(t) if t != 0 => (
            t,
            Some(format!(
                "Using the original execution date of: {}",
                format_utc(t)
            )),
        ),
        _ => (clock_now, None),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        assert_eq!(parse_iso8601("1970-01-01"), Some(0));
        assert_eq!(parse_iso8601("2017-09-12 10:51:59Z"), Some(1_505_213_519));
        assert_eq!(
            parse_iso8601("2017-09-12T12:51:59+02:00"),
            Some(1_505_213_519)
        );
        assert_eq!(format_utc(1_505_213_519), "2017-09-12 10:51:59Z");
        assert_eq!(parse_iso8601("not a date"), None);
    }
}
