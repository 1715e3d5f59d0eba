//! Operation digests: how Pacemaker notices that a resource's parameters
//! changed since an operation ran (the pure part, shared by the executor,
//! which records digests, and the scheduler, which compares them).
//!
//! Each digest is the MD5 of one canonical XML string: a `<parameters>`
//! element whose attributes are the operation's parameters, sorted by name
//! (byte order), values escaped the way Pacemaker 2.1.5's `crm_xml_escape`
//! does, written as `" <parameters a=\"1\" b=\"2\"/>\n"`. What differs between
//! the three digests is which parameters go in:
//!
//! - **op-digest**: all parameters, without Pacemaker's meta-attributes
//!   (`CRM_meta_*`) and bookkeeping names, except that a recurring
//!   operation keeps `CRM_meta_timeout` ([`filter_for_digest`]).
//! - **op-restart-digest**: only the parameters that cannot be reloaded; their
//!   names are recorded in `op-force-restart` (` a b `),
//!   ([`restart_digest_for`]).
//! - **op-secure-digest**: all parameters but the private ones, whose names are
//!   recorded in `op-secure-params` ([`secure_digest_for`]).
//!
//! ```
//! let mut p = cib::digest::Params::new();
//! p.insert("ip".into(), "10.0.0.1".into());
//! assert_eq!(cib::digest::params_digest(&p).len(), 32);
//! ```

use std::collections::BTreeMap;

use crate::rules::compare_version;

/// Parameters of one operation: name → value, sorted by name (byte order,
/// which is the order Pacemaker sorts them in before digesting).
pub type Params = BTreeMap<String, String>;

/// Prefix of meta-attributes passed as parameters.
pub const CRM_META: &str = "CRM_meta";

/// The MD5 of the canonical form of `params`, lower-case hex.
pub fn params_digest(params: &Params) -> String {
    format!("{:x}", md5::compute(canonical_xml(params)))
}

/// The exact bytes that are digested.
pub fn canonical_xml(params: &Params) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + params.len() * 32);
    out.extend_from_slice(b" <parameters");
    for (name, value) in params {
        out.push(b' ');
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"=\"");
        escape_into(value.as_bytes(), &mut out);
        out.push(b'"');
    }
    out.extend_from_slice(b"/>\n");
    out
}

/// Escapes an attribute value exactly as Pacemaker 2.1.5's `crm_xml_escape`:
/// markup characters become entities, tab becomes four spaces, newline and
/// carriage return become `\n` and `\r`, other control characters (and a lone
/// byte ≥ 0x80, read as a signed `char`) become a backslash and octal. Quirk
/// kept on purpose: at the first pair of consecutive bytes ≥ 0x80 (any
/// multi-byte UTF-8 character) escaping stops and the rest is copied as is.
pub fn escape_into(value: &[u8], out: &mut Vec<u8>) {
    for (i, &c) in value.iter().enumerate() {
        if c & 0x80 != 0 && value.get(i + 1).is_some_and(|n| n & 0x80 != 0) {
            out.extend_from_slice(&value[i..]);
            return;
        }
        match c {
            b'<' => out.extend_from_slice(b"&lt;"),
            b'>' => out.extend_from_slice(b"&gt;"),
            b'"' => out.extend_from_slice(b"&quot;"),
            b'\'' => out.extend_from_slice(b"&apos;"),
            b'&' => out.extend_from_slice(b"&amp;"),
            b'\t' => out.extend_from_slice(b"    "),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            c if !(b' '..=b'~').contains(&c) => {
                // C promotes the (signed) char to int and prints it with %.3o.
                let as_int = c as i8 as i32 as u32;
                out.extend_from_slice(format!("\\{as_int:03o}").as_bytes());
            }
            c => out.push(c),
        }
    }
}

/// Names that never take part in a digest besides `CRM_meta_*`.
const FILTERED: [&str; 6] = [
    "id",
    "crm_feature_set",
    "op-digest",
    "on_node",
    "on_node_uuid",
    "pcmk_external_ip",
];

/// `pcmk__filter_op_for_digest`: drops meta-attributes and bookkeeping names,
/// keeping `CRM_meta_timeout` when `CRM_meta_interval` is non-zero (a
/// recurring operation's timeout is part of its definition).
pub fn filter_for_digest(params: &Params) -> Params {
    let interval_ms = params
        .get("CRM_meta_interval")
        .and_then(|v| scan_ll(v))
        .filter(|v| (0..=i64::from(u32::MAX)).contains(v))
        .unwrap_or(0);
    let timeout = (interval_ms != 0)
        .then(|| params.get("CRM_meta_timeout").cloned())
        .flatten();
    let mut out: Params = params
        .iter()
        .filter(|(k, _)| !k.starts_with("CRM_meta_") && !FILTERED.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Some(t) = timeout {
        out.insert("CRM_meta_timeout".to_string(), t);
    }
    out
}

/// `strtoll`-like: optional sign and leading digits; `None` without digits.
fn scan_ll(s: &str) -> Option<i64> {
    let t = s.trim_start();
    let (neg, rest) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    let v: i64 = digits.parse().unwrap_or(i64::MAX);
    Some(if neg { -v } else { v })
}

/// Pacemaker's name list: `"  a b  "` (a leading space, then each word after
/// a space, then a trailing space word), so that `" name "` can be searched.
/// `None` for no names.
pub fn word_list(names: &[&str]) -> Option<String> {
    let names: Vec<&&str> = names.iter().filter(|n| !n.is_empty()).collect();
    if names.is_empty() {
        return None;
    }
    let mut s = String::from(" ");
    for n in names {
        s.push(' ');
        s.push_str(n);
    }
    s.push_str("  ");
    Some(s)
}

/// Whether `name` is in a recorded name list (`strstr(list, " name ")`).
pub fn list_contains(list: &str, name: &str) -> bool {
    list.contains(&format!(" {name} "))
}

/// The restart digest the scheduler compares with `op-restart-digest`:
/// `params_all` (already [`filter_for_digest`]ed) reduced to the names in the
/// recorded `op-force-restart` list.
pub fn restart_digest_for(params_all: &Params, force_restart: &str) -> String {
    let kept: Params = params_all
        .iter()
        .filter(|(k, _)| list_contains(force_restart, k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    params_digest(&kept)
}

/// The secure digest the scheduler compares with `op-secure-digest`
/// (`calculate_secure_digest`). For records from feature set 3.16.0 on:
/// `params_all` without the names in `secure_params`. For older records:
/// only the resource's own parameters (`rsc_params`, without operation
/// parameters or timeout), without the private names and, for fence devices,
/// without Pacemaker's own `pcmk_*` fencing parameters.
pub fn secure_digest_for(
    params_all: &Params,
    rsc_params: &Params,
    secure_params: Option<&str>,
    op_feature_set: &str,
    is_fence_device: bool,
) -> String {
    let old = compare_version(op_feature_set, "3.16.0") == std::cmp::Ordering::Less;
    let mut secure: Params = if old {
        rsc_params.clone()
    } else {
        params_all.clone()
    };
    if let Some(list) = secure_params {
        secure.retain(|k, _| !list_contains(list, k));
    }
    if old && is_fence_device {
        secure.retain(|k, _| !is_fence_param(k));
    }
    let mut secure = filter_for_digest(&secure);
    if old {
        secure.remove("CRM_meta_timeout");
    }
    params_digest(&secure)
}

/// Parameters Pacemaker handles itself for fence devices (`pcmk_stonith_param`):
/// they are not passed to the agent.
pub fn is_fence_param(name: &str) -> bool {
    if matches!(name, "provides" | "stonith-timeout") {
        return true;
    }
    let Some(rest) = name.strip_prefix("pcmk_") else {
        return false;
    };
    if matches!(
        name,
        "pcmk_action_limit"
            | "pcmk_delay_base"
            | "pcmk_delay_max"
            | "pcmk_host_argument"
            | "pcmk_host_check"
            | "pcmk_host_list"
            | "pcmk_host_map"
    ) {
        return true;
    }
    // pcmk_<action>_action, _timeout, _retries
    match rest.find('_') {
        Some(i) => matches!(&rest[i..], "_action" | "_timeout" | "_retries"),
        None => false,
    }
}
