//! Secrets in a recording: every token gets a generated secret with the same visible prefix
//! (its first 8 characters), so answers show the prefix the instance showed; the upstream
//! secrets given (the token recorded with) are replaced wherever a value holds them.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value, json};

use super::Recording;
use crate::schema::{Kind, is_api_token};

/// A token record's secret, as masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSwap {
    /// The token record's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The visible prefix, the same upstream and in the fixtures.
    pub prefix: String,
    /// The generated secret the fixtures hold.
    pub secret: String,
    /// Whether it stands for the token the recording was made with.
    pub yours: bool,
}

/// A generated secret for every token, keeping its visible prefix.
pub fn mask_tokens(
    recording: &mut Recording,
    secrets: &[String],
    rng: &mut ChaCha8Rng,
) -> Vec<TokenSwap> {
    let records = recording.take(Kind::Token);
    let yours = secrets
        .first()
        .map(|s| s.chars().take(8).collect::<String>());
    let your_index = yours.and_then(|prefix| your_token(&records, &prefix));
    let mut used: Vec<String> = Vec::new();
    let mut swaps = Vec::new();
    for (n, mut record) in records.into_iter().enumerate() {
        let shown = record
            .remove("prefix")
            .and_then(|p| p.as_str().map(str::to_owned))
            .or_else(|| {
                record
                    .get("token")?
                    .as_str()
                    .map(|t| t.chars().take(8).collect())
            });
        let prefix = shown
            .filter(|p| p.starts_with("prodgy_") && is_api_token(p) && p.len() <= 8)
            .unwrap_or_else(|| "prodgy_".to_owned());
        let secret = generated_secret(&prefix, rng, &used);
        used.push(secret.clone());
        record.insert("token".into(), json!(secret));
        let text = |field: &str| {
            record
                .get(field)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        swaps.push(TokenSwap {
            id: text("id"),
            name: text("name"),
            prefix: secret.chars().take(8).collect(),
            secret,
            yours: your_index == Some(n),
        });
        recording.put(Kind::Token, record);
    }
    swaps
}

/// Which of `records` is the caller's token, by its visible `prefix`: among those sharing
/// it, an active one, then the one used last, then the one used most.
fn your_token(records: &[Map<String, Value>], prefix: &str) -> Option<usize> {
    let text = |r: &Map<String, Value>, f: &str| {
        r.get(f)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    records
        .iter()
        .enumerate()
        .filter(|(_, r)| text(r, "prefix") == prefix)
        .max_by_key(|(_, r)| {
            (
                text(r, "status") == "active",
                text(r, "last_used_at"),
                r.get("usage_count").and_then(Value::as_u64).unwrap_or(0),
            )
        })
        .map(|(n, _)| n)
}

/// `prefix` then random letters and digits up to the documented 32 after `prodgy_`, never one
/// of `used`.
pub fn generated_secret(prefix: &str, rng: &mut ChaCha8Rng, used: &[String]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    loop {
        let mut secret = prefix.to_owned();
        while secret.len() < "prodgy_".len() + 32 {
            secret.push(char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]));
        }
        if !used.contains(&secret) {
            return secret;
        }
    }
}

/// Every string value equal to a known upstream secret becomes its replacement.
pub fn replace_secrets(recording: &mut Recording, swaps: &[(String, String)]) {
    if swaps.is_empty() {
        return;
    }
    fn walk(value: &mut Value, swaps: &[(String, String)]) {
        match value {
            Value::String(text) => {
                if let Some((_, masked)) = swaps.iter().find(|(secret, _)| secret == text) {
                    *text = masked.clone();
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| walk(v, swaps)),
            Value::Object(map) => map.values_mut().for_each(|v| walk(v, swaps)),
            _ => {}
        }
    }
    for kind in Kind::ALL {
        for mut record in recording.take(kind) {
            record.values_mut().for_each(|v| walk(v, swaps));
            recording.put(kind, record);
        }
    }
}
