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

/// A 64-bit hash of a key's parts, each prefixed with its length, for grouping keys
/// in memory (cross-key's passes): equal keys, equal hashes, and no two keys whose
/// parts join to the same text share one by that. foldhash with a fixed seed: at a
/// million keys two distinct keys share a hash with a probability of about 3 in 100
/// million, as with 64 bits of [`key_digest`], at a fraction of its cost.
pub fn key_hash<'a>(parts: impl IntoIterator<Item = &'a str>) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = foldhash::quality::FixedState::with_seed(0x6b65_795f_6861_7368).build_hasher();
    for part in parts {
        h.write_usize(part.len());
        h.write(part.as_bytes());
    }
    h.finish()
}

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
