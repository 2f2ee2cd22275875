//! Deterministic full-text scoring for knowledge-base search.
//!
//! Text is split into words (runs of Unicode letters and digits), lower-cased and stemmed with
//! the Snowball stemmer of the document's language (`rust-stemmers`: `refunds` and `refund`,
//! `processing` and `processed` meet; `pt-BR` documents use the Portuguese stemmer, `es` the
//! Spanish one; English when the language is absent or has no stemmer). A query word matches a
//! document word when both stem alike in the document's language. Documents are scored with
//! Okapi BM25 (`k1 = 1.2`, `b = 0.75`) over the candidate set, scores are rounded to four
//! decimals, and ties keep the candidates' order, so the same state and query always give the
//! same ranking. Documents that contain no query word are not hits.

use std::collections::BTreeSet;

use rust_stemmers::{Algorithm, Stemmer};

const K1: f64 = 1.2;
const B: f64 = 0.75;
/// Characters of context kept before the first match in a snippet.
const LEAD: usize = 80;
/// Longest snippet, in characters (before the ellipses).
const SNIPPET_CHARS: usize = 280;

/// One candidate: the text scored (name, tags and content) and its language's stemmer.
#[derive(Debug, Clone, Copy)]
pub struct Doc<'a> {
    /// Everything searched, as one text.
    pub text: &'a str,
    /// The stemmer of the document's language.
    pub language: Algorithm,
}

/// The Snowball stemmer for a language tag, by its primary subtag (`pt-BR` is Portuguese);
/// English for no tag or a language without a stemmer.
pub fn stemmer_for(tag: Option<&str>) -> Algorithm {
    let primary = tag
        .and_then(|t| t.split(['-', '_']).next())
        .unwrap_or_default()
        .to_ascii_lowercase();
    match primary.as_str() {
        "pt" => Algorithm::Portuguese,
        "es" => Algorithm::Spanish,
        "fr" => Algorithm::French,
        "de" => Algorithm::German,
        "it" => Algorithm::Italian,
        "nl" => Algorithm::Dutch,
        "da" => Algorithm::Danish,
        "sv" => Algorithm::Swedish,
        "no" | "nb" | "nn" => Algorithm::Norwegian,
        "fi" => Algorithm::Finnish,
        "hu" => Algorithm::Hungarian,
        "ro" => Algorithm::Romanian,
        "ru" => Algorithm::Russian,
        "el" => Algorithm::Greek,
        "tr" => Algorithm::Turkish,
        "ar" => Algorithm::Arabic,
        "ta" => Algorithm::Tamil,
        _ => Algorithm::English,
    }
}

/// The words of `text` with their byte offsets, as written.
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

/// The stems of `terms` in one language; a term whose stem an earlier term already has is
/// `None`, so `refund refunds` counts its matches once.
fn stems(terms: &[String], stemmer: &Stemmer) -> Vec<Option<String>> {
    let mut seen = BTreeSet::new();
    terms
        .iter()
        .map(|t| {
            let stem = stemmer.stem(t).into_owned();
            seen.insert(stem.clone()).then_some(stem)
        })
        .collect()
}

/// Which of `stems` a written word matches, if any.
fn matching(word: &str, stemmer: &Stemmer, stems: &[Option<String>]) -> Option<usize> {
    let lower = word.to_lowercase();
    let stem = stemmer.stem(&lower);
    stems.iter().position(|s| s.as_deref() == Some(&*stem))
}

/// Scores `docs` against `terms`: `(index, score)` of every hit, best first, ties in input
/// order.
pub fn rank(terms: &[String], docs: &[Doc<'_>]) -> Vec<(usize, f64)> {
    let stats: Vec<(usize, Vec<u32>)> = docs
        .iter()
        .map(|doc| {
            let stemmer = Stemmer::create(doc.language);
            let stems = stems(terms, &stemmer);
            let mut tf = vec![0u32; terms.len()];
            let mut len = 0usize;
            for (_, word) in words(doc.text) {
                len += 1;
                if let Some(i) = matching(word, &stemmer, &stems) {
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

/// A short excerpt of `content` around the first word matching `terms` in `language` (the
/// start of `content` when only the name or tags matched), whitespace collapsed, with `…`
/// where text was cut.
pub fn snippet(content: &str, terms: &[String], language: Algorithm) -> String {
    let stemmer = Stemmer::create(language);
    let stems = stems(terms, &stemmer);
    let at = words(content)
        .find(|(_, w)| matching(w, &stemmer, &stems).is_some())
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

    fn english(texts: &[&'static str]) -> Vec<Doc<'static>> {
        texts
            .iter()
            .map(|text| Doc {
                text,
                language: Algorithm::English,
            })
            .collect()
    }

    #[test]
    fn documents_are_ranked_by_bm25_with_ties_in_input_order() {
        let docs = english(&[
            "billing refund refund policy",
            "nothing relevant here",
            "refund",
            "refund",
        ]);
        let hits = rank(&terms("refund"), &docs);
        let order: Vec<usize> = hits.iter().map(|h| h.0).collect();
        assert_eq!(order, [2, 3, 0]);
        assert!(hits[0].1 > hits[2].1);
        assert_eq!(hits[0].1, hits[1].1);
        assert_eq!(rank(&terms("refund"), &docs), hits, "deterministic");
    }

    #[test]
    fn words_match_by_stem_in_the_documents_language() {
        let docs = english(&["the refund was processed", "unrelated text"]);
        for query in ["refunds", "processing", "Refunded"] {
            let hits = rank(&terms(query), &docs);
            assert_eq!(hits.iter().map(|h| h.0).collect::<Vec<_>>(), [0], "{query}");
        }
        let once = rank(&terms("refund refunds"), &docs);
        let twice = rank(&terms("refund"), &docs);
        assert_eq!(once, twice, "words of one stem count once");
        let portuguese = [Doc {
            text: "reembolsos processados em cinco dias",
            language: stemmer_for(Some("pt-BR")),
        }];
        assert_eq!(rank(&terms("reembolso processado"), &portuguese).len(), 1);
        assert_eq!(stemmer_for(Some("es")), Algorithm::Spanish);
        assert_eq!(stemmer_for(None), Algorithm::English);
        assert_eq!(stemmer_for(Some("xx-YY")), Algorithm::English);
    }

    #[test]
    fn snippets_center_on_the_first_match() {
        let long = format!(
            "{} the passwords are here {}",
            "word ".repeat(100),
            "tail ".repeat(100)
        );
        let cut = snippet(&long, &terms("password"), Algorithm::English);
        assert!(cut.starts_with('…') && cut.ends_with('…'), "{cut}");
        assert!(cut.contains("the passwords are here"));
        assert_eq!(
            snippet("Short text.", &terms("text"), Algorithm::English),
            "Short text."
        );
    }
}
