//! Fake execution results, drawn with the `fake` crate from an RNG seeded by the server seed
//! and the execution id, so the same seed always gives byte-identical output.

use fake::Fake;
use fake::faker::company::en::CompanyName;
use fake::faker::lorem::en::{Sentence, Words};
use fake::faker::name::en::Name;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

/// The output of a completed execution.
pub fn output(seed: u64, execution_id: &str, nodes: &[String]) -> Value {
    let mut rng = rng(seed, execution_id, "output");
    let summary: String = Sentence(6..12).fake_with_rng(&mut rng);
    let label: Vec<String> = Words(2..4).fake_with_rng(&mut rng);
    let score: u8 = (0..100).fake_with_rng(&mut rng);
    let contact: String = Name().fake_with_rng(&mut rng);
    let company: String = CompanyName().fake_with_rng(&mut rng);
    json!({
        "summary": summary,
        "label": label.join(" "),
        "score": score,
        "contact": contact,
        "company": company,
        "nodes_completed": nodes,
    })
}

/// The error of a run that fails without a message of its own.
pub fn failure(seed: u64, execution_id: &str, node: &str) -> String {
    let mut rng = rng(seed, execution_id, "failure");
    let reason: String = Sentence(3..7).fake_with_rng(&mut rng);
    format!("node '{node}' failed: {reason}")
}

/// A generator seeded by FNV-1a over the seed, the id and a purpose (stable across builds).
fn rng(seed: u64, id: &str, purpose: &str) -> ChaCha8Rng {
    let seed = seed.to_le_bytes();
    let hash = crate::hash::fnv1a_all([&seed[..], id.as_bytes(), purpose.as_bytes()]);
    ChaCha8Rng::seed_from_u64(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_depends_only_on_seed_and_id() {
        let nodes = vec!["a".to_owned()];
        assert_eq!(output(7, "x", &nodes), output(7, "x", &nodes));
        assert_ne!(output(7, "x", &nodes), output(8, "x", &nodes));
        assert_ne!(output(7, "x", &nodes), output(7, "y", &nodes));
    }
}
