//! Deterministic full-text scoring for knowledge-base search.
//!
//! Text is split into lower-case words (runs of Unicode letters and digits). Documents are
//! scored with Okapi BM25 (`k1 = 1.2`, `b = 0.75`) over the candidate set, scores are rounded
//! to four decimals, and ties keep the candidates' order, so the same state and query always
//! give the same ranking. Documents that contain no query word are not hits.

use std::collections::BTreeSet;

const K1: f64 = 1.2;
const B: f64 = 0.75;
/// Characters of context kept before the first match in a snippet.
const LEAD: usize = 80;
/// Longest snippet, in characters (before the ellipses).
const SNIPPET_CHARS: usize = 280;

/// The words of `text`, lower-cased, with their byte ranges.
fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(move |w| (w.as_ptr() as usize - text.as_ptr() as usize, w))
}

/// The distinct lower-case words of a query, in first-seen order.
pub fn terms(query: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    words(query)
        .map(|(_, w)| w.to_lowercase())
        .filter(|w| seen.insert(w.clone()))
        .collect()
}

/// Scores `docs` against `terms`: `(index, score)` of every hit, best first, ties in input
/// order.
pub fn rank(terms: &[String], docs: &[&str]) -> Vec<(usize, f64)> {
    let stats: Vec<(usize, Vec<u32>)> = docs
        .iter()
        .map(|doc| {
            let mut tf = vec![0u32; terms.len()];
            let mut len = 0usize;
            for (_, word) in words(doc) {
                len += 1;
                let word = word.to_lowercase();
                if let Some(i) = terms.iter().position(|t| *t == word) {
                    tf[i] += 1;
                }
            }
            (len, tf)
        })
        .collect();
    let n = docs.len() as f64;
    let avg_len = (stats.iter().map(|(len, _)| *len).sum::<usize>() as f64 / n.max(1.0)).max(1.0);
    let idf: Vec<f64> = (0..terms.len())
        .map(|i| {
            let df = stats.iter().filter(|(_, tf)| tf[i] > 0).count() as f64;
            (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
        })
        .collect();
    let mut hits: Vec<(usize, f64)> = stats
        .iter()
        .enumerate()
        .filter(|(_, (_, tf))| tf.iter().any(|&f| f > 0))
        .map(|(index, (len, tf))| {
            let norm = K1 * (1.0 - B + B * *len as f64 / avg_len);
            let score: f64 = tf
                .iter()
                .zip(&idf)
                .map(|(&f, idf)| {
                    let f = f64::from(f);
                    idf * f * (K1 + 1.0) / (f + norm)
                })
                .sum();
            (index, (score * 10_000.0).round() / 10_000.0)
        })
        .collect();
    hits.sort_by(|a, b| b.1.total_cmp(&a.1));
    hits
}

/// A short excerpt of `content` around the first word in `terms`, whitespace collapsed, with
/// `…` where text was cut.
pub fn snippet(content: &str, terms: &[String]) -> String {
    let at = words(content)
        .find(|(_, w)| terms.contains(&w.to_lowercase()))
        .map_or(0, |(at, _)| at);
    let before: Vec<(usize, char)> = content[..at].char_indices().collect();
    let start = if before.len() <= LEAD {
        0
    } else {
        let from = before[before.len() - LEAD].0;
        content[from..at]
            .find(char::is_whitespace)
            .map_or(from, |ws| from + ws + 1)
    };
    let rest = &content[start..];
    let end = rest
        .char_indices()
        .nth(SNIPPET_CHARS)
        .map_or(rest.len(), |(i, _)| {
            rest[..i]
                .rfind(char::is_whitespace)
                .filter(|&ws| ws > 0)
                .unwrap_or(i)
        });
    let mut text = rest[..end].split_whitespace().collect::<Vec<_>>().join(" ");
    if start > 0 {
        text.insert(0, '…');
    }
    if start + end < content.len() {
        text.push('…');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_terms_are_lowercased_and_deduplicated() {
        assert_eq!(terms("Password, password RESET!"), ["password", "reset"]);
        assert!(terms(" ,; ").is_empty());
    }

    #[test]
    fn documents_are_ranked_by_bm25_with_ties_in_input_order() {
        let docs = [
            "billing refund refund policy",
            "nothing relevant here",
            "refund",
            "refund",
        ];
        let hits = rank(&terms("refund"), &docs);
        let order: Vec<usize> = hits.iter().map(|h| h.0).collect();
        assert_eq!(order, [2, 3, 0]);
        assert!(hits[0].1 > hits[2].1);
        assert_eq!(hits[0].1, hits[1].1);
        assert_eq!(rank(&terms("refund"), &docs), hits, "deterministic");
    }

    #[test]
    fn snippets_center_on_the_first_match() {
        let long = format!(
            "{} the password is here {}",
            "word ".repeat(100),
            "tail ".repeat(100)
        );
        let cut = snippet(&long, &terms("password"));
        assert!(cut.starts_with('…') && cut.ends_with('…'), "{cut}");
        assert!(cut.contains("the password is here"));
        assert_eq!(snippet("Short text.", &terms("text")), "Short text.");
    }
}
