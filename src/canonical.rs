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

/// A payload's quick hash ([`Canonicalizer::quick_hash`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quick {
    pub hash: u64,
    /// True when a JSON column held something that is not JSON.
    pub non_json: bool,
}

/// The hasher of quick hashes: fixed, so that a hash means the same on every thread
/// and connection of the process (SQLite computes them too).
const QUICK: foldhash::quality::FixedState =
    foldhash::quality::FixedState::with_seed(0x7061_796c_6f61_6473);

const J_NULL: u64 = 1;
const J_BOOL: u64 = 2;
const J_UINT: u64 = 3;
const J_INT: u64 = 4;
const J_FLOAT: u64 = 5;
const J_STR: u64 = 6;
const J_ARRAY: u64 = 7;
const J_OBJECT: u64 = 8;

fn mix(a: u64, b: u64) -> u64 {
    use std::hash::BuildHasher;
    QUICK.hash_one((a, b))
}

fn text_hash(s: &str) -> u64 {
    use std::hash::BuildHasher;
    QUICK.hash_one(s)
}

impl Canonicalizer {
    /// A 64-bit hash of the canonical payload ([`Self::canonicalize`]): equal
    /// canonical payloads always have equal quick hashes, different ones almost
    /// never (a collision only makes a caller look at a payload again). It is
    /// computed while each JSON cell is parsed, without building the value or
    /// writing it out: an object's entries are summed, so their order does not
    /// matter, and the ignored fields are skipped as they are read. Cross-key's pass
    /// over every payload uses it, then groups the few payloads it names by their
    /// full hash. An object that names one key twice (JSON keeps the last) is
    /// parsed as [`Self::canonicalize`] parses it.
    pub fn quick_hash<S: AsRef<str>>(&self, cells: &[Option<S>]) -> Quick {
        let mut hash = cells.len() as u64;
        let mut non_json = false;
        for (cell, &is_json) in cells.iter().zip(&self.json_columns) {
            let cell_hash = match cell {
                None => mix(u64::from(TAG_NULL), 0),
                Some(text) if is_json => match self.quick_json(text.as_ref()) {
                    Some(h) => mix(u64::from(TAG_JSON), h),
                    None => {
                        non_json = true;
                        mix(u64::from(TAG_NOT_JSON), text_hash(text.as_ref()))
                    }
                },
                Some(text) => mix(u64::from(TAG_TEXT), text_hash(text.as_ref())),
            };
            hash = mix(hash, cell_hash);
        }
        Quick { hash, non_json }
    }

    /// The quick hash of one JSON cell, `None` when it is not JSON.
    fn quick_json(&self, text: &str) -> Option<u64> {
        use serde::de::DeserializeSeed;
        let scratch = QuickScratch::default();
        let paths: Vec<&[String]> = self.ignore.iter().map(Vec::as_slice).collect();
        let mut de = serde_json::Deserializer::from_str(text);
        let hash = QuickSeed {
            ignore: &paths,
            scratch: &scratch,
        }
        .deserialize(&mut de)
        .ok()?;
        de.end().ok()?;
        if scratch.repeated_key.get() {
            return self.json_value(text).map(|v| value_hash(&v));
        }
        Some(hash)
    }
}

/// The quick hash of a value as [`QuickSeed`] computes it from its text, the
/// ignored fields already removed.
fn value_hash(value: &Value) -> u64 {
    match value {
        Value::Null => mix(J_NULL, 0),
        Value::Bool(b) => mix(J_BOOL, u64::from(*b)),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => mix(J_UINT, u),
            (None, Some(i)) => mix(J_INT, i as u64),
            (None, None) => mix(J_FLOAT, n.as_f64().unwrap_or_default().to_bits()),
        },
        Value::String(s) => mix(J_STR, text_hash(s)),
        Value::Array(items) => {
            let h = items
                .iter()
                .fold(J_ARRAY, |h, item| mix(h, value_hash(item)));
            mix(h, items.len() as u64)
        }
        Value::Object(map) => {
            let sum = map.iter().fold(0u64, |sum, (k, v)| {
                sum.wrapping_add(mix(text_hash(k), value_hash(v)))
            });
            mix(J_OBJECT, mix(sum, map.len() as u64))
        }
    }
}

/// What the parse of one cell shares across its levels: the key hashes of the
/// objects being read (to see a key named twice), and whether one was.
#[derive(Default)]
struct QuickScratch {
    keys: std::cell::RefCell<Vec<u64>>,
    repeated_key: std::cell::Cell<bool>,
}

/// Parses one JSON value into its quick hash. `ignore`: the rest of each ignored
/// path that reached this value through objects only.
struct QuickSeed<'a> {
    ignore: &'a [&'a [String]],
    scratch: &'a QuickScratch,
}

impl<'de> serde::de::DeserializeSeed<'de> for QuickSeed<'_> {
    type Value = u64;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<u64, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for QuickSeed<'_> {
    type Value = u64;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<u64, E> {
        Ok(mix(J_NULL, 0))
    }

    fn visit_bool<E>(self, b: bool) -> Result<u64, E> {
        Ok(mix(J_BOOL, u64::from(b)))
    }

    fn visit_u64<E>(self, u: u64) -> Result<u64, E> {
        Ok(mix(J_UINT, u))
    }

    // serde_json gives the negative integers here; a value keeps a non-negative
    // one as unsigned.
    fn visit_i64<E>(self, i: i64) -> Result<u64, E> {
        Ok(match u64::try_from(i) {
            Ok(u) => mix(J_UINT, u),
            Err(_) => mix(J_INT, i as u64),
        })
    }

    fn visit_f64<E>(self, f: f64) -> Result<u64, E> {
        Ok(mix(J_FLOAT, f.to_bits()))
    }

    fn visit_str<E>(self, s: &str) -> Result<u64, E> {
        Ok(mix(J_STR, text_hash(s)))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<u64, A::Error> {
        let (mut h, mut n) = (J_ARRAY, 0u64);
        // The ignored paths go through objects only.
        while let Some(item) = seq.next_element_seed(QuickSeed {
            ignore: &[],
            scratch: self.scratch,
        })? {
            h = mix(h, item);
            n += 1;
        }
        Ok(mix(h, n))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<u64, A::Error> {
        let first = self.scratch.keys.borrow().len();
        let (mut sum, mut n) = (0u64, 0u64);
        while let Some(key) = map.next_key_seed(QuickKey)? {
            let key_hash = text_hash(&key);
            self.scratch.keys.borrow_mut().push(key_hash);
            let skipped = self.ignore.iter().any(|p| p.len() == 1 && p[0] == *key);
            let deeper: Vec<&[String]> = self
                .ignore
                .iter()
                .filter(|p| p.len() > 1 && p[0] == *key)
                .map(|p| &p[1..])
                .collect();
            // A skipped value is still parsed as any other, so that what is not
            // JSON here is not JSON to `canonicalize` either.
            let value = map.next_value_seed(QuickSeed {
                ignore: &deeper,
                scratch: self.scratch,
            })?;
            if !skipped {
                sum = sum.wrapping_add(mix(key_hash, value));
                n += 1;
            }
        }
        let mut keys = self.scratch.keys.borrow_mut();
        let these = &mut keys[first..];
        these.sort_unstable();
        if these.windows(2).any(|w| w[0] == w[1]) {
            self.scratch.repeated_key.set(true);
        }
        keys.truncate(first);
        Ok(mix(J_OBJECT, mix(sum, n)))
    }
}

/// An object's key, borrowed from the text where it has no escapes.
struct QuickKey;

impl<'de> serde::de::DeserializeSeed<'de> for QuickKey {
    type Value = std::borrow::Cow<'de, str>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> serde::de::Visitor<'de> for QuickKey {
    type Value = std::borrow::Cow<'de, str>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object key")
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(std::borrow::Cow::Borrowed(s))
    }

    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(std::borrow::Cow::Owned(s.to_owned()))
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
    fn the_quick_hash_groups_as_the_canonical_hash_does() {
        let c = json_only(&["latency_ms", "meta.trace"]);
        let quick = |cells: &[Option<&str>]| c.quick_hash(cells);
        let same = [
            // Key order, whitespace, ignored fields at the top and nested.
            (
                r#"{"a":1,"b":{"x":[1,"s"]},"latency_ms":3}"#,
                r#" { "b" : { "x" : [ 1 , "s" ] } , "a" : 1 , "latency_ms" : 9 } "#,
            ),
            (
                r#"{"meta":{"trace":"t1","v":2}}"#,
                r#"{"meta":{"v":2,"trace":{"deep":[1]}}}"#,
            ),
            // Escapes decode to the same text; non-negative integers are unsigned.
            (r#"{"\u0061":"\u00e9"}"#, r#"{"a":"é"}"#),
            (r#"[0, 5]"#, r#"[0,5]"#),
            // A key named twice keeps its last value, as the parser keeps it.
            (r#"{"a":1,"a":2,"b":3}"#, r#"{"b":3,"a":2}"#),
            (r#"{"k":{"a":1,"a":{"z":1}}}"#, r#"{"k":{"a":{"z":1}}}"#),
        ];
        for (a, b) in same {
            assert_eq!(
                c.canonicalize(&[Some(a)]).hash,
                c.canonicalize(&[Some(b)]).hash,
                "{a} / {b}"
            );
            assert_eq!(quick(&[Some(a)]), quick(&[Some(b)]), "{a} / {b}");
        }
        let different = [
            // An ignored path goes through objects only, as the canonical form's does.
            (r#"{"meta":[{"trace":1}]}"#, r#"{"meta":[{"trace":2}]}"#),
            (r#"{"a":1}"#, r#"{"a":1.0}"#),
            (r#"{"a":-1}"#, r#"{"a":1}"#),
            (r#"[1,2]"#, r#"[2,1]"#),
            (r#"{"a":"b"}"#, r#"{"b":"a"}"#),
            (r#"{"a":[]}"#, r#"{"a":{}}"#),
            (r#"{"a":null}"#, r#"{}"#),
            (r#""x""#, r#"x"#),
        ];
        for (a, b) in different {
            assert_ne!(
                c.canonicalize(&[Some(a)]).hash,
                c.canonicalize(&[Some(b)]).hash,
                "{a} / {b}"
            );
            assert_ne!(quick(&[Some(a)]).hash, quick(&[Some(b)]).hash, "{a} / {b}");
        }
        // What is not JSON is flagged as the canonical hash flags it, a huge number
        // in an ignored field included.
        for text in [
            "ERROR: timeout",
            r#"{"a":1"#,
            r#"{"latency_ms":1e400}"#,
            "{} x",
        ] {
            assert!(c.canonicalize(&[Some(text)]).non_json, "{text}");
            assert!(quick(&[Some(text)]).non_json, "{text}");
        }
        let two = Canonicalizer::new(vec![true, false], &[]);
        assert_ne!(
            two.quick_hash(&[Some("{}"), None]),
            two.quick_hash(&[Some("{}"), Some("")])
        );
        assert_eq!(
            two.quick_hash(&[Some(r#"{"a":1, "b":2}"#), Some("t")]),
            two.quick_hash(&[Some(r#"{"b":2,"a":1}"#), Some("t")])
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
        fn the_quick_hash_is_equal_exactly_when_the_canonical_hash_is(
            a in json(), b in json(), noise in any::<i64>()
        ) {
            let c = Canonicalizer::new(vec![true], &["body.latency_ms".to_string()]);
            let wrap = |v: &Value, extra: bool| {
                let mut body = match v {
                    Value::Object(m) => m.clone(),
                    other => [("v".to_string(), other.clone())].into_iter().collect(),
                };
                if extra {
                    body.insert("latency_ms".into(), Value::from(noise));
                }
                serde_json::json!({ "body": body }).to_string()
            };
            for (x, y) in [
                (wrap(&a, false), wrap(&a, true)),
                (wrap(&a, true), scrambled(&serde_json::from_str(&wrap(&a, false)).unwrap())),
                (wrap(&a, false), wrap(&b, true)),
                (a.to_string(), b.to_string()),
                (a.to_string(), scrambled(&a)),
            ] {
                let canonical = c.canonicalize(&[Some(&x)]).hash == c.canonicalize(&[Some(&y)]).hash;
                let quick = c.quick_hash(&[Some(&x)]) == c.quick_hash(&[Some(&y)]);
                prop_assert_eq!(quick, canonical, "{} / {}", x, y);
            }
        }

        #[test]
        fn different_content_gives_different_hashes(a in json(), b in json()) {
            let c = Canonicalizer::new(vec![true], &[]);
            let same = c.canonicalize(&[Some(a.to_string())]).hash == c.canonicalize(&[Some(b.to_string())]).hash;
            prop_assert_eq!(same, a == b);
        }
    }
}
