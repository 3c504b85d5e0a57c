//! validation-mismatch: a record of a log kept in Redis whose `validation` hash is
//! not the hash of its result row's payload: the row is not what the call that
//! recorded it returned (Powertools' payload validation, `[log.redis.validation]`).

use md5::{Digest, Md5};

use super::{attempt_ref, Check, Context, Needs};
use crate::findings::Finding;
use crate::spec::ValidationSpec;
use crate::vocab::Class;

pub struct ValidationMismatch;

impl Check for ValidationMismatch {
    fn class(&self) -> Class {
        Class::ValidationMismatch
    }

    fn needs(&self) -> Needs {
        Needs {
            whole_log: true,
            redis: true,
            ..Needs::default()
        }
    }

    fn findings(&self, cx: &Context<'_>) -> Vec<Finding> {
        let Some(v) = cx
            .spec
            .log
            .redis
            .as_ref()
            .and_then(|r| r.validation.as_ref())
        else {
            return Vec::new();
        };
        let data = cx.data;
        // The column was checked to be a payload column when the spec was resolved.
        let Some(column) = data.payload_columns.iter().position(|c| *c == v.column) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, row) in data.results.iter().enumerate() {
            let Some(key) = &row.key else { continue };
            let records = cx.log.by_key.get(key).into_iter().flatten();
            for e in records {
                let Some(r) = &e.record else { continue };
                let Some(expected) = &r.validation else {
                    continue;
                };
                if cx.with_attempt() && e.attempt != row.attempt {
                    continue;
                }
                let actual = validation_hash(v, row.payload[column].as_deref());
                if actual.as_deref() == Some(expected.as_str()) {
                    continue;
                }
                out.push(Finding {
                    class: Class::ValidationMismatch,
                    key: Some(key.clone()),
                    payload_hash: None,
                    surplus_rows: 0,
                    rows: vec![cx.row_ref(i)],
                    attempts: vec![attempt_ref(e)],
                    payload_diff: Vec::new(),
                    log_rows: 0,
                    note: match actual {
                        Some(actual) => format!(
                            "{} holds validation {expected}, the row's {} hashes to {actual}",
                            r.redis_key,
                            describe(v)
                        ),
                        None => format!(
                            "{} holds validation {expected}, the row has no {}",
                            r.redis_key,
                            describe(v)
                        ),
                    },
                });
            }
        }
        out
    }
}

fn describe(v: &ValidationSpec) -> String {
    match &v.path {
        Some(p) => format!("{}.{p}", v.column),
        None => v.column.clone(),
    }
}

/// MD5 of `json.dumps(value, sort_keys=True)` of the validated part of a cell, as
/// Powertools computes it; `None` when the cell or the path is missing.
pub fn validation_hash(v: &ValidationSpec, cell: Option<&str>) -> Option<String> {
    let cell = cell?;
    let mut value: serde_json::Value =
        serde_json::from_str(cell).unwrap_or_else(|_| serde_json::Value::String(cell.to_string()));
    if let Some(path) = &v.path {
        for part in path.split('.') {
            value = value.get(part)?.clone();
        }
    }
    let text = python_json(&value);
    Some(format!("{:x}", Md5::digest(text.as_bytes())))
}

/// `json.dumps(value, sort_keys=True)` of Python: `, ` and `: ` separators, object
/// keys sorted, non-ASCII escaped as `\uXXXX`.
pub fn python_json(value: &serde_json::Value) -> String {
    use serde_json::Value as J;
    match value {
        J::Null => "null".into(),
        J::Bool(b) => b.to_string(),
        J::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (_, Some(u), _) => u.to_string(),
            (_, _, Some(f)) => python_float(f),
            _ => n.to_string(),
        },
        J::String(s) => python_string(s),
        J::Array(items) => {
            let parts: Vec<String> = items.iter().map(python_json).collect();
            format!("[{}]", parts.join(", "))
        }
        J::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}: {}", python_string(k), python_json(&map[k])))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

/// Python's `repr(float)`: shortest round-trip digits, `.0` on whole numbers, an
/// exponent from 1e16 up and below 1e-4.
fn python_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-4..1e16).contains(&abs) {
        let s = format!("{f:e}");
        let (mantissa, exp) = s.split_once('e').expect("exponent form");
        let exp: i32 = exp.parse().expect("an exponent");
        return format!(
            "{mantissa}e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        );
    }
    let s = format!("{f}");
    if s.contains('.') {
        s
    } else {
        format!("{s}.0")
    }
}

fn python_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_json_matches_json_dumps_sort_keys() {
        // Each expected text is what CPython's json.dumps(..., sort_keys=True) prints.
        let v: serde_json::Value = serde_json::from_str(
            r#"{"b": [1, 2.5, true, null], "a": "é\"x", "c": {"z": 1e20, "y": 0.0001}}"#,
        )
        .unwrap();
        assert_eq!(
            python_json(&v),
            r#"{"a": "\u00e9\"x", "b": [1, 2.5, true, null], "c": {"y": 0.0001, "z": 1e+20}}"#
        );
        assert_eq!(python_json(&serde_json::json!(3.0)), "3.0");
        assert_eq!(python_json(&serde_json::json!(0.00001)), "1e-05");
        assert_eq!(python_json(&serde_json::json!("😀")), r#""\ud83d\ude00""#);
    }

    #[test]
    fn validation_hash_is_md5_of_the_dumped_value() {
        let v = ValidationSpec {
            column: "payload".into(),
            path: Some("amount".into()),
        };
        // hashlib.md5(json.dumps(10, sort_keys=True).encode()).hexdigest()
        assert_eq!(
            validation_hash(&v, Some(r#"{"amount": 10, "x": 1}"#)).as_deref(),
            Some("d3d9446802a44259755d38e6d163e820")
        );
        assert_eq!(validation_hash(&v, Some(r#"{"x": 1}"#)), None);
        assert_eq!(validation_hash(&v, None), None);
    }
}
