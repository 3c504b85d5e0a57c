//! Canonical payloads: when are two result rows "the same result"?
//!
//! In: a row's payload cells (text) and which of them are JSON. Out: a
//! [`PayloadHash`] that is equal exactly when the canonical payloads are equal.
//!
//! Rules, each with a test below:
//! 1. JSON columns are compared by content: object key order and whitespace do not
//!    matter; the spec's `ignore_fields` (dotted paths) are removed first.
//! 2. A JSON column whose value does not parse is compared as text and counted,
//!    and never equals a value that did parse.
//! 3. Non-JSON columns are compared by their text value.
//! 4. NULL is its own value: it equals NULL and differs from the empty string.
//!
//! Every cell is written into the hash with a type tag and a length prefix, so no
//! two different payloads can produce the same byte stream.

use serde_json::Value;

/// blake3 of the canonical payload, truncated to 128 bits (ample for grouping).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PayloadHash(pub [u8; 16]);

impl PayloadHash {
    /// Short hex form for reports.
    pub fn short(&self) -> String {
        to_hex(&self.0[..6])
    }
}

impl std::fmt::Display for PayloadHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&to_hex(&self.0))
    }
}

impl std::str::FromStr for PayloadHash {
    type Err = String;

    /// The 32 hex digits [`Display`](std::fmt::Display) writes.
    fn from_str(s: &str) -> Result<PayloadHash, String> {
        let bad = || format!("`{s}` is not a payload hash (32 hex digits)");
        if s.len() != 32 {
            return Err(bad());
        }
        let mut out = [0u8; 16];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(s.get(2 * i..2 * i + 2).ok_or_else(bad)?, 16)
                .map_err(|_| bad())?;
        }
        Ok(PayloadHash(out))
    }
}

/// In reports, as hex: held as 16 bytes, a finding's rows cost less than as text.
impl serde::Serialize for PayloadHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&to_hex(&self.0))
    }
}

impl<'de> serde::Deserialize<'de> for PayloadHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<PayloadHash, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Lower-case hex, two digits a byte (as PostgreSQL's `encode(…, 'hex')` writes it),
/// without a formatting call per byte: reports write one per row.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(2 * bytes.len());
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

/// Canonicalises payloads according to the spec.
#[derive(Debug, Clone)]
pub struct Canonicalizer {
    json_columns: Vec<bool>,
    ignore: Vec<Vec<String>>,
}

/// The outcome of canonicalising one row's payload.
#[derive(Debug, Clone)]
pub struct Canonical {
    pub hash: PayloadHash,
    /// True when a JSON column held something that is not JSON.
    pub non_json: bool,
}

const TAG_NULL: u8 = 0;
const TAG_TEXT: u8 = 1;
const TAG_JSON: u8 = 2;
const TAG_NOT_JSON: u8 = 3;

impl Canonicalizer {
    pub fn new(json_columns: Vec<bool>, ignore_fields: &[String]) -> Canonicalizer {
        Canonicalizer {
            json_columns,
            ignore: ignore_fields
                .iter()
                .map(|f| f.split('.').map(String::from).collect())
                .collect(),
        }
    }

    /// Whether each payload column holds JSON.
    pub fn json_columns(&self) -> &[bool] {
        &self.json_columns
    }

    /// The ignored fields, as the spec gives them (`a.b`).
    pub fn ignored_fields(&self) -> Vec<String> {
        self.ignore.iter().map(|path| path.join(".")).collect()
    }

    /// Hashes one payload (cells in payload-column order).
    pub fn canonicalize<S: AsRef<str>>(&self, cells: &[Option<S>]) -> Canonical {
        let mut hasher = blake3::Hasher::new();
        let mut non_json = false;
        let mut buf = Vec::new();
        for (cell, &is_json) in cells.iter().zip(&self.json_columns) {
            let (tag, bytes): (u8, &[u8]) = match cell {
                None => (TAG_NULL, &[]),
                Some(text) if is_json => match self.json_value(text.as_ref()) {
                    Some(value) => {
                        buf.clear();
                        write_canonical(&value, &mut buf);
                        (TAG_JSON, &buf)
                    }
                    None => {
                        non_json = true;
                        (TAG_NOT_JSON, text.as_ref().as_bytes())
                    }
                },
                Some(text) => (TAG_TEXT, text.as_ref().as_bytes()),
            };
            hasher.update(&[tag]);
            hasher.update(&(bytes.len() as u64).to_le_bytes());
            hasher.update(bytes);
        }
        let digest = hasher.finalize();
        let mut out = [0u8; 16];
        out.copy_from_slice(&digest.as_bytes()[..16]);
        Canonical {
            hash: PayloadHash(out),
            non_json,
        }
    }

    /// Parses a JSON cell and removes ignored fields.
    pub fn json_value(&self, text: &str) -> Option<Value> {
        let mut value: Value = serde_json::from_str(text).ok()?;
        for path in &self.ignore {
            remove_path(&mut value, path);
        }
        Some(value)
    }

    /// The canonical payload as a JSON object (column name to value), used to show
    /// what differs between the payloads of a conflict.
    pub fn display_value(&self, columns: &[String], cells: &[Option<String>]) -> Value {
        let mut map = serde_json::Map::new();
        for ((name, cell), &is_json) in columns.iter().zip(cells).zip(&self.json_columns) {
            let v = match cell {
                None => Value::Null,
                Some(text) if is_json => self
                    .json_value(text)
                    .unwrap_or_else(|| Value::String(text.clone())),
                Some(text) => Value::String(text.clone()),
            };
            map.insert(name.clone(), v);
        }
        Value::Object(map)
    }
}

/// Compact JSON with object keys sorted. Sorting here rather than relying on
/// serde_json's map type keeps the hash stable even if some dependency turns on
/// serde_json's `preserve_order` feature.
pub fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut *out, k).expect("writing JSON to memory");
                out.push(b':');
                write_canonical(v, out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(v, out);
            }
            out.push(b']');
        }
        scalar => serde_json::to_writer(&mut *out, scalar).expect("writing JSON to memory"),
    }
}

fn remove_path(value: &mut Value, path: &[String]) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if let Value::Object(map) = value {
        if rest.is_empty() {
            map.remove(first);
        } else if let Some(child) = map.get_mut(first) {
            remove_path(child, rest);
        }
    }
}

/// One difference between two canonical payloads.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DiffEntry {
    /// Dotted path from the payload column, e.g. `payload.summary`.
    pub path: String,
    pub left: Option<Value>,
    pub right: Option<Value>,
}

/// The leaf-level differences between two canonical payloads, in path order.
pub fn diff(left: &Value, right: &Value) -> Vec<DiffEntry> {
    let mut out = Vec::new();
    diff_into(String::new(), Some(left), Some(right), &mut out);
    out
}

fn diff_into(path: String, left: Option<&Value>, right: Option<&Value>, out: &mut Vec<DiffEntry>) {
    match (left, right) {
        (Some(Value::Object(l)), Some(Value::Object(r))) => {
            let mut keys: Vec<&String> = l.keys().chain(r.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                diff_into(p, l.get(k), r.get(k), out);
            }
        }
        (l, r) if l != r => out.push(DiffEntry {
            path,
            left: l.cloned(),
            right: r.cloned(),
        }),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_hash_reads_back_what_it_writes_and_refuses_other_text() {
        let h = Canonicalizer::new(vec![true], &[])
            .canonicalize(&[Some(r#"{"a":1}"#)])
            .hash;
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(json, format!("\"{h}\""));
        assert_eq!(serde_json::from_str::<PayloadHash>(&json).unwrap(), h);
        for bad in [
            "",
            "h",
            &h.to_string()[1..],
            &format!("{}zz", &h.to_string()[2..]),
        ] {
            let err = bad.parse::<PayloadHash>().unwrap_err();
            assert!(err.contains("32 hex digits"), "{err}");
        }
    }

    fn json_only(ignore: &[&str]) -> Canonicalizer {
        Canonicalizer::new(
            vec![true],
            &ignore.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        )
    }

    fn hash(c: &Canonicalizer, cells: &[Option<&str>]) -> PayloadHash {
        let cells: Vec<Option<String>> = cells.iter().map(|c| c.map(String::from)).collect();
        c.canonicalize(&cells).hash
    }

    #[test]
    fn json_key_order_does_not_matter() {
        let c = json_only(&[]);
        assert_eq!(
            hash(&c, &[Some(r#"{"a":1,"b":{"x":true,"y":null}}"#)]),
            hash(&c, &[Some(r#"{"b":{"y":null,"x":true},"a":1}"#)])
        );
    }

    #[test]
    fn json_whitespace_does_not_matter() {
        let c = json_only(&[]);
        assert_eq!(
            hash(&c, &[Some(r#"{"a": [1, 2], "s": "x y"}"#)]),
            hash(&c, &[Some("{\n  \"a\":[1,2],\n  \"s\":\"x y\"\n}")])
        );
    }

    #[test]
    fn whitespace_inside_json_strings_still_matters() {
        let c = json_only(&[]);
        assert_ne!(
            hash(&c, &[Some(r#"{"s":"x y"}"#)]),
            hash(&c, &[Some(r#"{"s":"x  y"}"#)])
        );
    }

    #[test]
    fn ignored_fields_do_not_matter() {
        let c = json_only(&["latency_ms", "meta.trace"]);
        assert_eq!(
            hash(
                &c,
                &[Some(
                    r#"{"a":1,"latency_ms":812,"meta":{"trace":"t1","v":2}}"#
                )]
            ),
            hash(
                &c,
                &[Some(
                    r#"{"a":1,"latency_ms":95,"meta":{"trace":"t2","v":2}}"#
                )]
            )
        );
    }

    #[test]
    fn fields_that_are_not_ignored_still_matter() {
        let c = json_only(&["latency_ms"]);
        assert_ne!(
            hash(&c, &[Some(r#"{"a":1,"meta":{"latency_ms":1}}"#)]),
            hash(&c, &[Some(r#"{"a":1,"meta":{"latency_ms":2}}"#)])
        );
    }

    #[test]
    fn non_json_payload_is_compared_as_text_and_flagged() {
        let c = json_only(&[]);
        let cells = [Some("ERROR: upstream timeout".to_string())];
        let a = c.canonicalize(&cells);
        assert!(a.non_json);
        assert_eq!(a.hash, c.canonicalize(&cells).hash);
        assert_ne!(a.hash, hash(&c, &[Some("ERROR:  upstream timeout")]));
    }

    #[test]
    fn a_json_string_never_equals_the_same_text_that_is_not_json() {
        let c = json_only(&[]);
        // `"abc"` parses to the JSON string abc; `abc` does not parse.
        assert_ne!(hash(&c, &[Some("\"abc\"")]), hash(&c, &[Some("abc")]));
    }

    #[test]
    fn null_differs_from_empty_text() {
        let c = Canonicalizer::new(vec![false], &[]);
        assert_ne!(hash(&c, &[None]), hash(&c, &[Some("")]));
        // Nor does NULL read as the text a database might print for it.
        assert_ne!(hash(&c, &[None]), hash(&c, &[Some("NULL")]));
        let two = Canonicalizer::new(vec![false, false], &[]);
        assert_ne!(
            hash(&two, &[Some("a"), None]),
            hash(&two, &[Some("a"), Some("")])
        );
    }

    #[test]
    fn text_columns_are_compared_exactly() {
        let c = Canonicalizer::new(vec![false, false], &[]);
        assert_ne!(
            hash(&c, &[Some("a"), Some("bc")]),
            hash(&c, &[Some("ab"), Some("c")])
        );
        assert_ne!(
            hash(&c, &[Some("{\"a\":1}")]),
            hash(&c, &[Some("{ \"a\": 1 }")])
        );
    }

    #[test]
    fn diff_names_the_paths_that_differ() {
        let l: Value =
            serde_json::from_str(r#"{"p":{"summary":"A","tokens":3,"model":"m"}}"#).unwrap();
        let r: Value =
            serde_json::from_str(r#"{"p":{"summary":"B","tokens":3,"extra":1,"model":"m"}}"#)
                .unwrap();
        let d = diff(&l, &r);
        let paths: Vec<&str> = d.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["p.extra", "p.summary"]);
        assert_eq!(d[0].left, None);
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;
    use serde_json::Value;

    use super::*;

    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            "[a-z ]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-z]{1,4}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Writes `v` with object keys in reverse order and generous whitespace.
    fn scrambled(v: &Value) -> String {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                keys.reverse();
                let parts: Vec<String> = keys
                    .into_iter()
                    .map(|k| format!("\n  {} :  {}", Value::String(k.clone()), scrambled(&m[k])))
                    .collect();
                format!("{{ {} }}", parts.join(" ,"))
            }
            Value::Array(items) => {
                format!(
                    "[ {} ]",
                    items.iter().map(scrambled).collect::<Vec<_>>().join(" , ")
                )
            }
            scalar => scalar.to_string(),
        }
    }

    proptest! {
        #[test]
        fn key_order_and_whitespace_never_change_the_hash(v in json()) {
            let c = Canonicalizer::new(vec![true], &[]);
            let a = c.canonicalize(&[Some(v.to_string())]);
            let b = c.canonicalize(&[Some(scrambled(&v))]);
            prop_assert!(!a.non_json && !b.non_json);
            prop_assert_eq!(a.hash, b.hash);
        }

        #[test]
        fn an_ignored_field_never_changes_the_hash(v in json(), noise in any::<i64>()) {
            let c = Canonicalizer::new(vec![true], &["latency_ms".to_string()]);
            let mut with = serde_json::Map::new();
            with.insert("body".into(), v.clone());
            let without = Value::Object(with.clone());
            with.insert("latency_ms".into(), Value::from(noise));
            prop_assert_eq!(
                c.canonicalize(&[Some(Value::Object(with).to_string())]).hash,
                c.canonicalize(&[Some(without.to_string())]).hash
            );
        }

        #[test]
        fn different_content_gives_different_hashes(a in json(), b in json()) {
            let c = Canonicalizer::new(vec![true], &[]);
            let same = c.canonicalize(&[Some(a.to_string())]).hash == c.canonicalize(&[Some(b.to_string())]).hash;
            prop_assert_eq!(same, a == b);
        }
    }
}
