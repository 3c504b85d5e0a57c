//! How a Redis key name is made from an idempotency key: the `key` pattern of a
//! spec's `[log.redis]`.

use super::Key;

/// How a Redis key name is made from an idempotency key (and an attempt).
#[derive(Debug, Clone, PartialEq)]
pub struct KeyPattern {
    parts: Vec<Part>,
    arity: usize,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Literal(String),
    /// The n-th key column of `results.key`.
    Column(usize),
    Attempt,
}

impl KeyPattern {
    /// Parses `prefix:{col_a}#{col_b}` against the key columns: each column once,
    /// `{attempt}` at most once, and literal text between two placeholders (else
    /// where one value ends would be a guess).
    pub fn parse(pattern: &str, key_columns: &[String]) -> Result<KeyPattern, String> {
        if pattern.is_empty() {
            return Err(
                "required with [log.redis]: how a Redis key name is made, e.g. \"idem:{idempotency_key}\""
                    .into(),
            );
        }
        let mut parts = Vec::new();
        let mut rest = pattern;
        while !rest.is_empty() {
            match rest.find('{') {
                Some(0) => {
                    let end = rest
                        .find('}')
                        .ok_or_else(|| format!("`{pattern}`: a `{{` is never closed"))?;
                    let name = &rest[1..end];
                    let part = if name == "attempt" {
                        Part::Attempt
                    } else {
                        let i = key_columns.iter().position(|c| c == name).ok_or_else(|| {
                            format!(
                                "`{{{name}}}` is neither a results.key column ({}) nor `attempt`",
                                key_columns.join(", ")
                            )
                        })?;
                        Part::Column(i)
                    };
                    if parts.contains(&part) {
                        return Err(format!("`{{{name}}}` appears twice in `{pattern}`"));
                    }
                    if matches!(parts.last(), Some(Part::Column(_) | Part::Attempt)) {
                        return Err(format!(
                            "`{pattern}`: two placeholders need literal text between them"
                        ));
                    }
                    parts.push(part);
                    rest = &rest[end + 1..];
                }
                found => {
                    let end = found.unwrap_or(rest.len());
                    if rest[..end].contains('}') {
                        return Err(format!("`{pattern}`: a `}}` has no `{{`"));
                    }
                    parts.push(Part::Literal(rest[..end].to_string()));
                    rest = &rest[end..];
                }
            }
        }
        for (i, column) in key_columns.iter().enumerate() {
            if !parts.contains(&Part::Column(i)) {
                return Err(format!("`{pattern}` has no `{{{column}}}`"));
            }
        }
        Ok(KeyPattern {
            parts,
            arity: key_columns.len(),
        })
    }

    /// Does the key name carry the attempt (one record per attempt)?
    pub fn has_attempt(&self) -> bool {
        self.parts.contains(&Part::Attempt)
    }

    /// The `SCAN MATCH` glob: literal text escaped, each placeholder a `*`.
    pub fn glob(&self) -> String {
        self.glob_with(None)
    }

    /// The `SCAN MATCH` glob of the records of one key: the key's values escaped,
    /// the attempt a `*`.
    pub fn glob_of(&self, key: &[String]) -> String {
        self.glob_with(Some(key))
    }

    fn glob_with(&self, key: Option<&[String]>) -> String {
        let mut out = String::new();
        let escaped = |out: &mut String, text: &str| {
            for c in text.chars() {
                if matches!(c, '*' | '?' | '[' | ']' | '\\') {
                    out.push('\\');
                }
                out.push(c);
            }
        };
        for part in &self.parts {
            match (part, key) {
                (Part::Literal(text), _) => escaped(&mut out, text),
                (Part::Column(i), Some(key)) => escaped(&mut out, &key[*i]),
                _ => out.push('*'),
            }
        }
        out
    }

    /// The key (and attempt) a Redis key name holds; `None` when it does not fit.
    pub fn split(&self, name: &str) -> Option<(Key, Option<String>)> {
        let mut key = vec![String::new(); self.arity];
        let mut attempt = None;
        let mut pos = 0;
        for (i, part) in self.parts.iter().enumerate() {
            match part {
                Part::Literal(text) => {
                    if !name[pos..].starts_with(text.as_str()) {
                        return None;
                    }
                    pos += text.len();
                }
                placeholder => {
                    let end = match self.parts.get(i + 1) {
                        Some(Part::Literal(next)) => pos + name[pos..].find(next.as_str())?,
                        _ => name.len(),
                    };
                    let value = name[pos..end].to_string();
                    if value.is_empty() {
                        return None;
                    }
                    match placeholder {
                        Part::Column(c) => key[*c] = value,
                        _ => attempt = Some(value),
                    }
                    pos = end;
                }
            }
        }
        (pos == name.len()).then_some((key, attempt))
    }

    /// The Redis key name of a key (and attempt), as a writer of the log makes it.
    pub fn name(&self, key: &[String], attempt: Option<&str>) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Literal(t) => t.as_str(),
                Part::Column(i) => key[*i].as_str(),
                Part::Attempt => attempt.unwrap_or_default(),
            })
            .collect()
    }
}
