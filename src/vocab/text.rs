//! What people read: times and durations in words, keys as reports write them,
//! URLs without their credentials; and the one way a file given on the command line
//! is read.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};

use super::Key;

/// `2026-10-14 14:02:10 UTC`, or `-` when unknown.
pub fn fmt_time(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| "-".into())
}

/// A duration in its two largest units: `42d 17h`, `2h 52m`, `2m 34s`, `12s`.
pub fn human(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    let (days, hours, mins, secs) = (s / 86_400, s / 3_600 % 24, s / 60 % 60, s % 60);
    match () {
        _ if days > 0 => format!("{days}d {hours}h"),
        _ if hours > 0 => format!("{hours}h {mins}m"),
        _ if mins > 0 => format!("{mins}m {secs}s"),
        _ => format!("{secs}s"),
    }
}

/// A key as a command line gives it: one value per key column, or the form reports
/// print ([`key_text`]), its values joined with `/`, split at its first slashes (a
/// value of an earlier column that holds a `/` must be given on its own).
pub fn parse_key(values: &[String], columns: &[String]) -> Result<Key, String> {
    match (values, columns.len()) {
        (values, n) if values.len() == n => Ok(values.to_vec()),
        ([one], n) if n > 1 && one.matches('/').count() >= n - 1 => {
            Ok(one.splitn(n, '/').map(str::to_string).collect())
        }
        (values, n) => Err(format!(
            "the key has {n} column(s) ({}): give {n} value(s), or the key as reports print \
             it (its values joined with `/`); got {}",
            columns.join(", "),
            values.len()
        )),
    }
}

/// Human form of a key: its values joined with `/`.
pub fn key_text(key: &Option<Key>) -> String {
    match key {
        Some(k) => k.join("/"),
        None => "NULL".to_string(),
    }
}

/// Removes credentials from a URL: the password part and `password=` parameters.
pub fn redact_url(raw: &str) -> String {
    let Ok(mut url) = url::Url::parse(raw) else {
        // Not a URL we can parse; cut everything between `//` and `@` to be safe.
        return match (raw.find("://"), raw.rfind('@')) {
            (Some(s), Some(a)) if a > s => format!("{}://{}", &raw[..s], &raw[a + 1..]),
            _ => raw.to_string(),
        };
    };
    if url.password().is_some() {
        let _ = url.set_password(None);
    }
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !k.to_ascii_lowercase().contains("password"))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if url.query().is_some() {
        if pairs.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(pairs);
        }
    }
    url.to_string()
}

/// Removes from a driver's message the URL's password (as written and decoded) and
/// any `password=` parameter, wherever the driver may have echoed them.
pub fn redact_secrets(message: &str, url: &str) -> String {
    let mut secrets: Vec<String> = Vec::new();
    match url::Url::parse(url) {
        Ok(parsed) => {
            if let Some(p) = parsed.password() {
                secrets.push(p.to_string());
                secrets.push(
                    percent_encoding::percent_decode_str(p)
                        .decode_utf8_lossy()
                        .into_owned(),
                );
            }
            secrets.extend(
                parsed
                    .query_pairs()
                    .filter(|(k, _)| k.to_ascii_lowercase().contains("password"))
                    .map(|(_, v)| v.into_owned()),
            );
        }
        // Unparseable: whatever follows the user name up to the host is the secret.
        Err(_) => {
            if let (Some(s), Some(a)) = (url.find("://"), url.rfind('@')) {
                if let Some((_, p)) = url.get(s + 3..a).and_then(|u| u.split_once(':')) {
                    secrets.push(p.to_string());
                }
            }
        }
    }
    let mut out = message.replace(url, &redact_url(url));
    // Longest first, so that a secret containing another is removed whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        out = out.replace(secret.as_str(), "***");
    }
    out
}

/// The bytes of a regular file of at most `limit` bytes; anything else (a missing
/// file, a directory, a device, a FIFO, a larger file) is refused with why.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    if meta.len() > limit {
        return Err(format!(
            "{} bytes, more than the {limit} this file may hold",
            meta.len()
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)
        .map_err(|e| e.to_string())?
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "grew past the {limit} bytes this file may hold while it was read"
        ));
    }
    Ok(bytes)
}

/// The prefixes of `value` a search for keys like it tries, longest first: all but
/// its last character, then three quarters, half and a quarter of it.
pub fn prefixes(value: &str) -> Vec<String> {
    let chars: Vec<char> = value.chars().collect();
    let n = chars.len();
    let mut out: Vec<String> = Vec::new();
    for len in [n.saturating_sub(1), n * 3 / 4, n / 2, n / 4] {
        let prefix: String = chars[..len.max(1).min(n)].iter().collect();
        if !prefix.is_empty() && !out.contains(&prefix) {
            out.push(prefix);
        }
    }
    out
}

/// The error of a key no row and no log entry has, with the keys like it.
pub fn unknown_key(key: &Key, like: &[Key]) -> String {
    let mut message = format!(
        "no result row and no log row has the key {}",
        key_text(&Some(key.clone()))
    );
    if like.is_empty() {
        message.push_str("; no key of the results begins like it");
    } else {
        let shown: Vec<String> = like.iter().map(|k| key_text(&Some(k.clone()))).collect();
        message.push_str(&format!("; keys like it: {}", shown.join(", ")));
    }
    message
}
