//! Durations as Pacemaker reads them, and the wall clock where a record
//! needs one.

/// Milliseconds from text the way Pacemaker's `crm_get_msec` reads it: an
/// integer (leading whitespace allowed, any fraction ignored) followed by an
/// optional unit `ms`/`msec`, `us`/`usec`, `s`/`sec`, `m`/`min`, `h`/`hr`
/// (seconds when absent). `None` for anything else (Pacemaker's -1).
pub fn parse_msec(input: &str) -> Option<u64> {
    let s = input.trim_start_matches([' ', '\t', '\n', '\r']);
    let num_len = s
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b'.')
        .count();
    if num_len == 0 {
        return None;
    }
    let units = s[num_len..].trim_start_matches([' ', '\t', '\n', '\r']);
    let lower = units.to_ascii_lowercase();
    let (mul, div): (u64, u64) = if lower.starts_with("ms") {
        (1, 1)
    } else if lower.starts_with("us") {
        (1, 1000)
    } else if lower.starts_with('s') {
        (1000, 1)
    } else if lower.starts_with('m') {
        (60_000, 1)
    } else if lower.starts_with('h') {
        (3_600_000, 1)
    } else if units.is_empty() || units.starts_with('\n') || units.starts_with('\r') {
        (1000, 1)
    } else {
        return None;
    };
    // strtoll on the digits: a leading '.' gives no number (0 consumed).
    let digits: String = s
        .bytes()
        .take_while(u8::is_ascii_digit)
        .map(char::from)
        .collect();
    let n: u64 = if digits.is_empty() {
        0
    } else {
        digits.parse().unwrap_or(u64::MAX)
    };
    Some(n.saturating_mul(mul) / div)
}

/// An operation timeout as the scheduler normalises it (`unpack_timeout`):
/// unparsable text means the 20 s default.
pub fn timeout_ms_or_default(value: Option<&str>) -> u64 {
    value.and_then(parse_msec).unwrap_or(DEFAULT_OP_TIMEOUT_MS)
}

/// Pacemaker's default operation timeout (`CRM_DEFAULT_OP_TIMEOUT_S`).
pub const DEFAULT_OP_TIMEOUT_MS: u64 = 20_000;

/// Parses an interval the way `crm_parse_interval_spec` does: ISO 8601
/// durations (`PT10S`) too; invalid text is 0.
pub fn parse_interval_ms(input: &str) -> u64 {
    if input.starts_with('P') {
        return cib::value::parse_duration_ms(input).unwrap_or(0);
    }
    parse_msec(input).unwrap_or(0)
}

/// Seconds since the Unix epoch, now.
pub fn epoch_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Human-readable duration (`1.5s`, `20s`, `2m`), for messages.
pub fn readable_ms(ms: u64) -> String {
    if ms == 0 {
        "0s".to_string()
    } else if ms % 60_000 == 0 && ms >= 60_000 {
        format!("{}m", ms / 60_000)
    } else if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else if ms > 1000 {
        let frac = format!("{:03}", ms % 1000);
        format!("{}.{}s", ms / 1000, frac.trim_end_matches('0'))
    } else {
        format!("{ms}ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msec_parsing_matches_crm_get_msec() {
        assert_eq!(parse_msec("20"), Some(20_000));
        assert_eq!(parse_msec("20s"), Some(20_000));
        assert_eq!(parse_msec(" 20 sec"), Some(20_000));
        assert_eq!(parse_msec("500ms"), Some(500));
        assert_eq!(parse_msec("500msec"), Some(500));
        assert_eq!(parse_msec("2m"), Some(120_000));
        assert_eq!(parse_msec("2min"), Some(120_000));
        assert_eq!(parse_msec("1h"), Some(3_600_000));
        assert_eq!(parse_msec("1500us"), Some(1));
        assert_eq!(parse_msec("1.5s"), Some(1000));
        assert_eq!(parse_msec("PT20S"), None);
        assert_eq!(parse_msec("abc"), None);
        assert_eq!(parse_msec("10x"), None);
        assert_eq!(parse_interval_ms("PT10S"), 10_000);
        assert_eq!(parse_interval_ms("bogus"), 0);
        assert_eq!(timeout_ms_or_default(Some("bogus")), 20_000);
        assert_eq!(timeout_ms_or_default(None), 20_000);
    }

    #[test]
    fn readable_durations() {
        assert_eq!(readable_ms(20_000), "20s");
        assert_eq!(readable_ms(1_500), "1.5s");
        assert_eq!(readable_ms(120_000), "2m");
        assert_eq!(readable_ms(250), "250ms");
    }
}
