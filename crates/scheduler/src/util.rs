//! Small helpers whose exact behaviour matters for matching Pacemaker's
//! output: GLib's list sort and sorted insert (their tie and inconsistency
//! handling decides orders), Pacemaker's natural node-name comparison, and
//! the clone-suffix and operation-key string rules.

use std::cmp::Ordering;

/// Sorts like GLib's `g_list_sort`: a top-down merge sort that splits a list
/// of `n` into `n/2` and the rest, and takes from the left run while
/// `cmp(left, right) <= 0`. Stable. Pacemaker's comparators are not always
/// consistent (the operation-history one is not transitive), so the exact
/// split and merge order decide the result and are kept as GLib has them.
pub fn glib_sort<T, F>(items: Vec<T>, cmp: &mut F) -> Vec<T>
where
    F: FnMut(&T, &T) -> Ordering,
{
    if items.len() < 2 {
        return items;
    }
    let mut left = items;
    let right = left.split_off(left.len() / 2);
    let left = glib_sort(left, cmp);
    let right = glib_sort(right, cmp);
    let mut out = Vec::with_capacity(left.len() + right.len());
    let mut l = left.into_iter().peekable();
    let mut r = right.into_iter().peekable();
    loop {
        match (l.peek(), r.peek()) {
            (Some(a), Some(b)) => {
                if cmp(a, b) != Ordering::Greater {
                    out.extend(l.next());
                } else {
                    out.extend(r.next());
                }
            }
            (Some(_), None) => out.extend(l.next()),
            (None, Some(_)) => out.extend(r.next()),
            (None, None) => break,
        }
    }
    out
}

/// Where GLib's `g_list_insert_sorted` puts a new item: before the first
/// element that is not smaller than it.
pub fn glib_insert_position<T, F>(items: &[T], new: &T, mut cmp: F) -> usize
where
    F: FnMut(&T, &T) -> Ordering,
{
    items
        .iter()
        .position(|old| cmp(new, old) != Ordering::Greater)
        .unwrap_or(items.len())
}

/// Pacemaker's `pcmk__numeric_strcasecmp`: case-insensitive, with runs of
/// digits compared as numbers (`node2` < `node10`), and `007` after `7`.
pub fn numeric_strcasecmp(a: &str, b: &str) -> Ordering {
    let a = a.as_bytes();
    let b = b.as_bytes();
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i].is_ascii_digit() && b[j].is_ascii_digit() {
            let ei = i + a[i..].iter().take_while(|c| c.is_ascii_digit()).count();
            let ej = j + b[j..].iter().take_while(|c| c.is_ascii_digit()).count();
            let na = digits_value(&a[i..ei]);
            let nb = digits_value(&b[j..ej]);
            match na.cmp(&nb).then((ei - i).cmp(&(ej - j))) {
                Ordering::Equal => {}
                other => return other,
            }
            i = ei;
            j = ej;
        } else {
            let la = a[i].to_ascii_lowercase();
            let lb = b[j].to_ascii_lowercase();
            match la.cmp(&lb) {
                Ordering::Equal => {}
                other => return other,
            }
            i += 1;
            j += 1;
        }
    }
    (a.len() - i).min(1).cmp(&(b.len() - j).min(1))
}

/// A digit run's value, saturating like `strtol` does on overflow.
fn digits_value(digits: &[u8]) -> i64 {
    digits.iter().fold(0i64, |acc, d| {
        acc.saturating_mul(10).saturating_add(i64::from(d - b'0'))
    })
}

/// Case-insensitive ASCII equality (Pacemaker's `pcmk__str_casei`).
pub fn eq_ci(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// The resource name without a clone instance suffix (`rsc:2` → `rsc`), as
/// Pacemaker's `clone_strip` computes it.
pub fn clone_strip(id: &str) -> &str {
    let bytes = id.as_bytes();
    if bytes.is_empty() {
        return id;
    }
    let end = bytes.len() - 1;
    let mut s = end;
    while s > 0 {
        match bytes[s] {
            b'0'..=b'9' => {}
            b':' => return if s == end { id } else { &id[..s] },
            _ => return id,
        }
        s -= 1;
    }
    id
}

/// The id of an anonymous clone's first instance (`rsc` → `rsc:0`).
pub fn clone_zero(id: &str) -> String {
    format!("{}:0", clone_strip(id))
}

/// Builds an operation key `rsc_task_interval`.
pub fn op_key(rsc: &str, task: &str, interval_ms: u64) -> String {
    format!("{rsc}_{task}_{interval_ms}")
}

/// Splits an operation key into (resource, task, interval), as
/// `parse_op_key` does: the interval is the last `_`-separated number and
/// the task the word before it (notifications keep their longer task name).
pub fn parse_op_key(key: &str) -> Option<(String, String, u64)> {
    let (rest, interval) = key.rsplit_once('_')?;
    let interval: u64 = interval.parse().ok()?;
    let (mut rsc, mut task) = rest.rsplit_once('_')?;
    if task.is_empty() || rsc.is_empty() {
        return None;
    }
    // "rsc_pre_notify_start_0", "rsc_migrate_to_0" and friends.
    for long in ["migrate_to", "migrate_from"] {
        if let Some(r) = rest.strip_suffix(long).and_then(|r| r.strip_suffix('_')) {
            rsc = r;
            task = long;
        }
    }
    for notify in [
        "_pre_notify_",
        "_post_notify_",
        "_confirmed-pre_notify_",
        "_confirmed-post_notify_",
    ] {
        if let Some(pos) = rest.find(notify) {
            rsc = &rest[..pos];
            task = &rest[pos + 1..];
            break;
        }
    }
    Some((rsc.to_string(), task.to_string(), interval))
}

/// Parses a decimal integer the way `crm_element_value_int` does for an
/// attribute's text: leading number, default when absent or invalid.
pub fn parse_int(s: Option<&str>, default: i64) -> i64 {
    match s {
        None => default,
        Some(s) => {
            let t = s.trim();
            let sign_len = usize::from(t.starts_with(['-', '+']));
            let digits = t[sign_len..].bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return default;
            }
            t[..sign_len + digits].parse().unwrap_or(default)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_name_order() {
        assert_eq!(numeric_strcasecmp("node2", "node10"), Ordering::Less);
        assert_eq!(numeric_strcasecmp("Node1", "node1"), Ordering::Equal);
        assert_eq!(numeric_strcasecmp("node007", "node7"), Ordering::Greater);
        assert_eq!(numeric_strcasecmp("node", "node1"), Ordering::Less);
        assert_eq!(numeric_strcasecmp("b", "a"), Ordering::Greater);
    }

    #[test]
    fn glib_merge_sort_is_stable() {
        let v = vec![(2, 'a'), (1, 'b'), (2, 'c'), (1, 'd'), (0, 'e')];
        let sorted = glib_sort(v, &mut |a: &(i32, char), b: &(i32, char)| a.0.cmp(&b.0));
        let letters: String = sorted.iter().map(|x| x.1).collect();
        assert_eq!(letters, "ebdac");
    }

    #[test]
    fn clone_suffixes() {
        assert_eq!(clone_strip("rsc:12"), "rsc");
        assert_eq!(clone_strip("rsc"), "rsc");
        assert_eq!(clone_strip("rsc:"), "rsc:");
        assert_eq!(clone_strip("a:b"), "a:b");
        assert_eq!(clone_zero("rsc:3"), "rsc:0");
    }

    #[test]
    fn op_keys() {
        assert_eq!(
            parse_op_key("rsc_monitor_10000"),
            Some(("rsc".into(), "monitor".into(), 10000))
        );
        assert_eq!(
            parse_op_key("my_rsc_migrate_to_0"),
            Some(("my_rsc".into(), "migrate_to".into(), 0))
        );
        assert_eq!(parse_op_key("garbage"), None);
        assert_eq!(parse_int(Some("12abc"), 0), 12);
        assert_eq!(parse_int(Some("x"), -1), -1);
    }
}
