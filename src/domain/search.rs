//! Full-text search over a plan with Danish word forms: every word is reduced to its stem by
//! the Snowball Danish stemmer (the algorithm behind PostgreSQL's `danish` text-search
//! configuration), so "energimærkningen" finds "energimærkning" and "ladestandere" finds
//! "ladestander". Danish stop words ("og", "i", "at", … the Snowball list that PostgreSQL's
//! `danish` configuration uses, `danish.stop`) are not searched for.
//!
//! Which texts contain every word of a query is the database's job, through its full-text
//! index (`db::store::search`: PostgreSQL's `danish` configuration, SQLite's FTS5 over the
//! texts stemmed with [`Searcher::index_terms`]). This module then ranks what was found and
//! marks the hits, the same way on both backends: documents are ranked by how many query
//! stems they contain, then by how often, with titles weighing more than body text; a stem
//! that is part of a longer word (a compound, "ladestander" in "elladestandere") counts half.

use rust_stemmers::{Algorithm, Stemmer};

/// A text that can be found.
#[derive(Debug, Clone)]
pub struct Document<K> {
    pub key: K,
    pub title: String,
    pub body: String,
}

/// A piece of a snippet: text, and whether it is a hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    pub hit: bool,
}

#[derive(Debug, Clone)]
pub struct Hit<K> {
    pub key: K,
    pub score: f64,
    pub title: Vec<Piece>,
    pub snippet: Vec<Piece>,
}

/// Words of `text` with their byte ranges: runs of letters and digits.
fn words(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        if c.is_alphanumeric() {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            out.push((s, i));
        }
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

/// The Snowball Danish stop words, one per line.
const STOP_WORDS: &str = include_str!("danish.stop");

/// Looked up for every word of every text SQLite's index is rebuilt from: a set, not a scan.
fn is_stop_word(lowercase: &str) -> bool {
    static SET: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    SET.get_or_init(|| STOP_WORDS.lines().collect())
        .contains(lowercase)
}

/// What a query asks for: the words the database searches with and their stems.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Terms {
    /// The query's words in lower case, stop words and one-letter words left out, in order
    /// (PostgreSQL stems these itself).
    pub words: Vec<String>,
    /// Their distinct stems, sorted.
    pub stems: Vec<String>,
}

impl Terms {
    /// Nothing to search for (an empty query, or stop words only).
    pub fn is_empty(&self) -> bool {
        self.stems.is_empty()
    }
}

pub struct Searcher {
    stemmer: Stemmer,
}

impl Default for Searcher {
    fn default() -> Self {
        Self {
            stemmer: Stemmer::create(Algorithm::Danish),
        }
    }
}

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Characters of context around the first hit in a snippet.
const CONTEXT: usize = 90;

impl Searcher {
    pub fn stem(&self, word: &str) -> String {
        self.stemmer.stem(&word.to_lowercase()).into_owned()
    }

    /// The searchable words of a query and their stems: words of one letter and stop words
    /// are left out.
    pub fn terms(&self, q: &str) -> Terms {
        let words: Vec<String> = words(q)
            .into_iter()
            .map(|(a, b)| q[a..b].to_lowercase())
            .filter(|w| w.chars().count() > 1 && !is_stop_word(w))
            .collect();
        let mut stems: Vec<String> = words.iter().map(|w| self.stem(w)).collect();
        stems.sort();
        stems.dedup();
        Terms { words, stems }
    }

    /// A text as SQLite's full-text index holds it: the stem of each word, stop words left
    /// out, separated by spaces (FTS5's `unicode61` tokenizer splits them again unchanged).
    pub fn index_terms(&self, text: &str) -> String {
        let mut out = String::new();
        for (a, b) in words(text) {
            let w = text[a..b].to_lowercase();
            if is_stop_word(&w) {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&self.stemmer.stem(&w));
        }
        out
    }

    /// How well `word` matches `stem`: 1 for the same stem, ½ for a compound containing it.
    fn matches(&self, word: &str, stem: &str) -> f64 {
        let w = self.stem(word);
        if w == stem {
            1.0
        } else if stem.chars().count() >= 4 && w.contains(stem) {
            0.5
        } else {
            0.0
        }
    }

    fn pieces(&self, text: &str, stems: &[String]) -> (Vec<Piece>, Vec<(usize, f64)>) {
        let mut pieces = Vec::new();
        let mut hits = Vec::new();
        let mut last = 0;
        for (a, b) in words(text) {
            let best = stems
                .iter()
                .map(|s| self.matches(&text[a..b], s))
                .fold(0.0, f64::max);
            if best > 0.0 {
                if a > last {
                    pieces.push(Piece {
                        text: text[last..a].to_string(),
                        hit: false,
                    });
                }
                pieces.push(Piece {
                    text: text[a..b].to_string(),
                    hit: true,
                });
                hits.push((a, best));
                last = b;
            }
        }
        if last < text.len() {
            pieces.push(Piece {
                text: text[last..].to_string(),
                hit: false,
            });
        }
        (pieces, hits)
    }

    /// Of `docs` (what the database found), those that contain every stem of `terms` (in
    /// title or body), best first, with the hits marked.
    pub fn rank<K: Clone>(&self, terms: &Terms, docs: &[Document<K>]) -> Vec<Hit<K>> {
        let stems = &terms.stems;
        if stems.is_empty() {
            return Vec::new();
        }
        let mut hits: Vec<Hit<K>> = Vec::new();
        for d in docs {
            let mut score = 0.0;
            let mut all = true;
            for s in stems {
                let in_title: f64 = words(&d.title)
                    .iter()
                    .map(|&(a, b)| self.matches(&d.title[a..b], s))
                    .sum();
                let in_body: f64 = words(&d.body)
                    .iter()
                    .map(|&(a, b)| self.matches(&d.body[a..b], s))
                    .sum();
                if in_title + in_body == 0.0 {
                    all = false;
                    break;
                }
                score += 3.0 * in_title + in_body.min(5.0);
            }
            if !all {
                continue;
            }
            let (title, _) = self.pieces(&d.title, stems);
            let (snippet, _) = self.pieces(&excerpt(&d.body, stems, self), stems);
            hits.push(Hit {
                key: d.key.clone(),
                score,
                title,
                snippet,
            });
        }
        hits.sort_by(|a, b| b.score.total_cmp(&a.score));
        hits
    }

    /// [`Searcher::rank`] over every document: what the database search and the ranking do
    /// together, for tests and for callers with all texts at hand.
    pub fn search<K: Clone>(&self, q: &str, docs: &[Document<K>]) -> Vec<Hit<K>> {
        self.rank(&self.terms(q), docs)
    }
}

/// Up to [`CONTEXT`] characters either side of the first hit in `body`, cut at word bounds.
fn excerpt(body: &str, stems: &[String], s: &Searcher) -> String {
    let first = words(body)
        .into_iter()
        .find(|&(a, b)| stems.iter().any(|st| s.matches(&body[a..b], st) > 0.0))
        .map_or(0, |(a, _)| a);
    let chars: Vec<(usize, char)> = body.char_indices().collect();
    let pos = chars.iter().position(|&(i, _)| i >= first).unwrap_or(0);
    let from = pos.saturating_sub(CONTEXT);
    let to = (pos + CONTEXT * 2).min(chars.len());
    let mut start = chars.get(from).map_or(0, |c| c.0);
    let end = chars.get(to).map_or(body.len(), |c| c.0);
    if from > 0
        && let Some(sp) = body[start..first.max(start)].find(' ')
    {
        start += sp + 1;
    }
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.push_str(body[start..end].trim());
    if end < body.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(key: u32, title: &str, body: &str) -> Document<u32> {
        Document {
            key,
            title: title.into(),
            body: body.into(),
        }
    }

    #[test]
    fn danish_word_forms_find_each_other() {
        let s = Searcher::default();
        assert_eq!(s.stem("energimærkningen"), s.stem("energimærkning"));
        assert_eq!(s.stem("ladestandere"), s.stem("ladestander"));
        let docs = vec![
            doc(
                1,
                "Energimærkning af kommunale bygninger",
                "Alle bygninger energimærkes.",
            ),
            doc(2, "Cykelstier", "Flere cykelstier i byen."),
        ];
        let hits = s.search("energimærkningen", &docs);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].key, 1);
        assert!(
            hits[0]
                .title
                .iter()
                .any(|p| p.hit && p.text == "Energimærkning")
        );
    }

    #[test]
    fn every_word_must_be_found_and_titles_rank_first() {
        let s = Searcher::default();
        let docs = vec![
            doc(1, "Elbiler", "Der opsættes ladestandere ved rådhuset."),
            doc(
                2,
                "Ladestandere",
                "Offentlige ladestandere i hele kommunen.",
            ),
            doc(3, "Ladestandere", "Ved skolerne."),
        ];
        let hits = s.search("ladestandere", &docs);
        assert_eq!(
            hits.iter().map(|h| h.key).collect::<Vec<_>>(),
            vec![2, 3, 1]
        );
        assert!(
            s.search("ladestandere skolerne", &docs)
                .iter()
                .all(|h| h.key == 3)
        );
        assert!(s.search("", &docs).is_empty());
        assert!(s.search("  ?! ", &docs).is_empty());
    }

    #[test]
    fn stop_words_are_not_searched_for_nor_indexed() {
        let s = Searcher::default();
        let t = s.terms("Ladestandere og cykelstier i Ballerup");
        assert_eq!(t.words, ["ladestandere", "cykelstier", "ballerup"]);
        assert_eq!(t.stems.len(), 3);
        assert!(s.terms("og i at").is_empty());
        assert_eq!(
            s.index_terms("Flere ladestandere og cykelstier."),
            format!(
                "{} {} {}",
                s.stem("flere"),
                s.stem("ladestandere"),
                s.stem("cykelstier")
            )
        );
        let docs = vec![doc(1, "Cykelstier", "Flere cykelstier og stier.")];
        assert_eq!(s.search("cykelstier og", &docs).len(), 1);
    }

    #[test]
    fn a_snippet_marks_the_hits_and_keeps_the_text() {
        let s = Searcher::default();
        let body = "Kommunen vil <script>alert(1)</script> opsætte flere ladestandere i 2026.";
        let hits = s.search("ladestander", &[doc(1, "x", body)]);
        let text: String = hits[0].snippet.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(text, body);
        assert_eq!(hits[0].snippet.iter().filter(|p| p.hit).count(), 1);
    }
}
