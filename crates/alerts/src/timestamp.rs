//! `timestamp-format`: strftime in the local zone plus Pacemaker's `%N`
//! (`%<digits>N`: that many leading digits of the microseconds, at most 6;
//! a bare `%N` prints nothing), cut at 128 bytes, as
//! `pcmk__time_format_hr` does.

use chrono::format::{Item, StrftimeItems};
use chrono::{FixedOffset, TimeZone};

use crate::Stamp;

const MAX_LEN: usize = 128;

/// The formatted time; `None` when it comes out empty (Pacemaker then
/// sets no `CRM_alert_timestamp`).
pub fn format(fmt: &str, stamp: &Stamp) -> Option<String> {
    let zone = FixedOffset::east_opt(stamp.utc_offset_s).or_else(|| FixedOffset::east_opt(0))?;
    let when = zone.timestamp_opt(stamp.epoch_s, 0).single()?;
    let micros = format!("{:06}", stamp.usec.min(999_999));
    let mut out = String::new();
    let mut rest = fmt;
    loop {
        // The next %<digits>N, if any; everything before it is strftime's.
        let Some((before, digits, after)) = next_nano(rest) else {
            out.push_str(&strftime(&when, rest));
            break;
        };
        out.push_str(&strftime(&when, before));
        let n = digits.parse::<usize>().unwrap_or(0).min(6);
        out.push_str(&micros[..n]);
        rest = after;
    }
    if out.len() > MAX_LEN {
        let mut cut = MAX_LEN;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
    (!out.is_empty()).then_some(out)
}

/// Splits at the first `%` + digits + `N`.
fn next_nano(s: &str) -> Option<(&str, &str, &str)> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if b.get(i + 1) == Some(&b'%') {
                i += 2;
                continue;
            }
            let mut j = i + 1;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            if b.get(j) == Some(&b'N') {
                return Some((&s[..i], &s[i + 1..j], &s[j + 1..]));
            }
        }
        i += 1;
    }
    None
}

/// strftime through chrono; a specifier chrono does not know is kept as
/// written rather than failing the whole stamp.
fn strftime(when: &chrono::DateTime<FixedOffset>, fmt: &str) -> String {
    if fmt.is_empty() {
        return String::new();
    }
    let items: Vec<Item> = StrftimeItems::new(fmt).collect();
    if items.iter().any(|i| matches!(i, Item::Error)) {
        return fmt.to_string();
    }
    use std::fmt::Write;
    let mut s = String::new();
    match write!(s, "{}", when.format_with_items(items.into_iter())) {
        Ok(()) => s,
        Err(_) => fmt.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp() -> Stamp {
        Stamp {
            epoch_s: 1_700_000_000,
            usec: 4_560,
            utc_offset_s: -5 * 3600,
        }
    }

    #[test]
    fn pacemakers_nanosecond_extension() {
        assert_eq!(
            format("%H:%M:%S.%06N", &stamp()).as_deref(),
            Some("17:13:20.004560")
        );
        assert_eq!(
            format("%s.%3N", &stamp()).as_deref(),
            Some("1700000000.004")
        );
        assert_eq!(format("%T%N|", &stamp()).as_deref(), Some("17:13:20|"));
        assert_eq!(format("%9N", &stamp()).as_deref(), Some("004560"));
        assert_eq!(format("100%% %d", &stamp()).as_deref(), Some("100% 14"));
        assert_eq!(format("", &stamp()), None);
        assert_eq!(
            format(&"x".repeat(300), &stamp()).map(|s| s.len()),
            Some(128)
        );
    }
}
