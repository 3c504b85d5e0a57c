//! The shared vocabulary of every layer above: statuses, classes, keys, keep rules,
//! Redis key patterns, times and durations as people read them, URLs without their
//! credentials. It depends on nothing else of dupaudit.

mod class;
mod keep;
mod key_pattern;
mod status;
mod text;
mod time;

pub use class::Class;
pub use keep::KeepRule;
pub use key_pattern::KeyPattern;
pub use status::Status;
pub use text::{
    fmt_time, human, key_text, parse_key, prefixes, read_bounded, redact_secrets, redact_url,
    unknown_key,
};
pub use time::{parse_time, parse_time_at};

/// An idempotency key: one value per key column, none of them NULL.
pub type Key = Vec<String>;

/// blake3 over a key's parts, each prefixed with its length: equal keys, equal
/// digests, and no two keys whose parts join to the same text share one by that.
pub fn key_digest<'a>(parts: impl IntoIterator<Item = &'a str>) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    for part in parts {
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    *h.finalize().as_bytes()
}
