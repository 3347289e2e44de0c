//! The structured Ballerup plan against its source document: nothing lost, decisions applied.

use std::collections::BTreeSet;

use klimaspor::domain::DeadlineKind;
use klimaspor::domain::plan_doc::{MeasureRole, PlanDoc, RevisionKind};

const SOURCE: &str = include_str!("../../seeds/000_a16ec5626692f302.txt");
const SHARED_SOURCE: &str = "../shared/seeds/000_a16ec5626692f302.txt";

fn plan() -> PlanDoc {
    PlanDoc::from_json(klimaspor::BALLERUP_SEED).expect("seed parses")
}

/// Markup stripped, the source's "CO ₂ -" spacing closed up, dashes used as separators
/// dropped, whitespace collapsed: the comparison ignores layout, never words.
fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for ch in s.chars() {
        match ch {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(ch),
            _ => {}
        }
    }
    let mut s = out.replace(" ₂", "₂");
    for p in [".", ",", ";", ":", ")", "-"] {
        while s.contains(&format!("₂ {p}")) {
            s = s.replace(&format!("₂ {p}"), &format!("₂{p}"));
        }
    }
    let s = s.replace('–', " ").replace(" - ", " ");
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Every text field of the plan; a comment's text and inline answer also joined, as the
/// source writes them in one cell.
fn haystack(doc: &PlanDoc) -> String {
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) => out.push(normalise(s)),
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            serde_json::Value::Object(o) => {
                if let (Some(t), Some(a)) = (o.get("text"), o.get("answer"))
                    && let (Some(t), Some(a)) = (t.as_str(), a.as_str())
                {
                    out.push(normalise(&format!("{t} {a}")));
                }
                o.values().for_each(|x| walk(x, out));
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(&serde_json::to_value(doc).expect("serialise"), &mut out);
    out.join("\n")
}

/// The source's fragments: cells split at paragraphs, at "BODY:" comment markers and at
/// sentence ends. Role headings and bare measure numbers carry no text of their own.
fn fragments(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    let cells = source
        .split(['\t', '\n'])
        .flat_map(|c| c.split("<p>"))
        .flat_map(|c| c.split("</p>"));
    for cell in cells {
        let mut pieces = vec![normalise(cell)];
        for body in ["UGO:", "KMB:", "VMU:", "GR:"] {
            pieces = pieces
                .iter()
                .flat_map(|p| p.split(body).map(str::to_string).collect::<Vec<_>>())
                .collect();
        }
        for piece in pieces {
            let piece = normalise(&piece);
            for sentence in split_sentences(&piece) {
                let skip = sentence.is_empty()
                    || sentence
                        .trim_end_matches('.')
                        .chars()
                        .all(|c| c.is_ascii_digit())
                    || sentence.starts_with("Det vi gør ")
                    || [
                        "KLIMATILTAG",
                        "DELMÅL",
                        "Administrationens vurdering af bemærkninger",
                    ]
                    .contains(&sentence.as_str());
                if !skip {
                    out.push(sentence);
                }
            }
        }
    }
    out
}

/// Split after ". " when the next word starts with a capital letter.
fn split_sentences(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        current.push(c);
        let ends = c == '.'
            && chars.get(i + 1) == Some(&' ')
            && chars.get(i + 2).is_some_and(|n| n.is_uppercase());
        if ends {
            out.push(current.trim().to_string());
            current.clear();
        }
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_string());
    }
    out
}

#[test]
fn the_seed_holds_the_source_document_unchanged() {
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SHARED_SOURCE);
    if let Ok(shared) = std::fs::read_to_string(shared) {
        assert_eq!(shared, SOURCE, "seeds/ differs from {SHARED_SOURCE}");
    }
}

#[test]
fn no_sentence_comment_or_answer_of_the_source_is_lost() {
    let hay = haystack(&plan());
    let frags = fragments(SOURCE);
    assert!(
        frags.len() > 350,
        "the source splits into many fragments ({})",
        frags.len()
    );
    let missing: Vec<&String> = frags.iter().filter(|f| !hay.contains(f.as_str())).collect();
    assert!(
        missing.is_empty(),
        "not in seeds/ballerup.json:\n{missing:#?}"
    );
}

#[test]
fn the_check_would_notice_a_lost_comment() {
    let mut doc = plan();
    let m = doc
        .themes
        .iter_mut()
        .find(|t| t.code == "4")
        .and_then(|t| t.measures.iter_mut().find(|m| m.number == 38))
        .unwrap();
    m.comments.pop();
    let hay = haystack(&doc);
    assert!(fragments(SOURCE).iter().any(|f| !hay.contains(f.as_str())));
}

#[test]
fn counts_match_the_plan() {
    let doc = plan();
    let c = doc.counts();
    assert_eq!(c["themes"], 7);
    assert_eq!(c["sub_themes"], 8);
    assert_eq!(c["measures"], 64);
    assert_eq!(c["sub_goals"], 84);
    let ranges = [
        (1, 6),
        (7, 11),
        (12, 27),
        (28, 39),
        (40, 49),
        (50, 60),
        (61, 64),
    ];
    for (t, (lo, hi)) in doc.themes.iter().zip(ranges) {
        let mut numbers: Vec<i32> = doc
            .measures()
            .into_iter()
            .filter(|(code, _)| *code == t.code || code.starts_with(&format!("{}.", t.code)))
            .map(|(_, m)| m.number)
            .collect();
        numbers.sort();
        assert_eq!(numbers, (lo..=hi).collect::<Vec<_>>(), "theme {}", t.title);
    }
    let bodies: BTreeSet<String> = doc
        .measures()
        .iter()
        .flat_map(|(_, m)| m.comments.iter().map(|c| c.body.clone()))
        .collect();
    assert_eq!(bodies, ["GR", "KMB", "UGO", "VMU"].map(String::from).into());
    let years: BTreeSet<i32> = doc
        .measures()
        .iter()
        .flat_map(|(_, m)| m.sub_goals.iter().filter_map(|g| g.deadline.year))
        .collect();
    assert_eq!(years, [2023, 2024, 2025, 2030, 2035].into());
}

#[test]
fn the_administrations_decisions_are_applied() {
    let doc = plan();
    let ms = doc.measures();
    let goal = |key: &str| {
        ms.iter()
            .flat_map(|(_, m)| &m.sub_goals)
            .find(|g| g.key == key)
            .unwrap_or_else(|| panic!("{key}"))
    };
    // 11: dropped, with the answer as reason.
    assert_eq!(goal("11.1").dropped_reason.as_deref(), Some("Mål udgår"));
    assert_eq!(
        goal("11.1").revision.as_ref().unwrap().kind,
        RevisionKind::Dropped
    );
    // 12: the new goal replaces the old text, which is kept as history.
    assert!(
        goal("12.1")
            .text
            .starts_with("Senest i 2025 er al belysning skiftet til nyeste LED")
    );
    assert_eq!(
        goal("12.1")
            .revision
            .as_ref()
            .unwrap()
            .previous_text
            .as_deref(),
        Some("Spare på energiforbruget, så der er nok til absolut nødvendige forbrug.")
    );
    // 33: deadline moved from 2025 to 2024.
    assert_eq!(goal("33.1").deadline.year, Some(2024));
    assert_eq!(
        goal("33.1")
            .revision
            .as_ref()
            .unwrap()
            .previous_deadline
            .unwrap()
            .year,
        Some(2025)
    );
    // 40 and 41: new goals.
    assert_eq!(
        goal("40.3").revision.as_ref().unwrap().kind,
        RevisionKind::Added
    );
    assert_eq!(
        goal("40.3").target.as_ref().unwrap().target_value,
        Some(20.0)
    );
    assert_eq!(goal("41.2").deadline.year, Some(2024));
    // 48 and 49: 2030 became 2025.
    for key in ["48.1", "49.1"] {
        assert_eq!(goal(key).deadline.year, Some(2025), "{key}");
        assert_eq!(
            goal(key)
                .revision
                .as_ref()
                .unwrap()
                .previous_deadline
                .unwrap()
                .year,
            Some(2030)
        );
    }
    // 44.2: "Senest medio 2023".
    assert_eq!(goal("44.2").deadline.kind, DeadlineKind::Mid);
    // "xx ha" is flagged as undefined, never invented.
    let t = goal("59.1").target.as_ref().unwrap();
    assert_eq!(t.target_value, None);
    assert!(t.note.as_deref().unwrap().contains("xx ha"));
    // Roles follow the headings.
    let role = |n: i32| ms.iter().find(|(_, m)| m.number == n).unwrap().1.role;
    assert_eq!(role(21), MeasureRole::CoOwner);
    assert_eq!(role(15), MeasureRole::Together);
    assert_eq!(role(12), MeasureRole::Own);
    // Only 11 starts out dropped.
    let dropped: Vec<&str> = ms
        .iter()
        .flat_map(|(_, m)| &m.sub_goals)
        .filter(|g| g.dropped_reason.is_some())
        .map(|g| g.key.as_str())
        .collect();
    assert_eq!(dropped, vec!["11.1"]);
}

#[test]
fn the_committed_schema_matches_the_format() {
    let committed: serde_json::Value =
        serde_json::from_str(include_str!("../../seeds/plan.schema.json")).expect("schema is JSON");
    assert_eq!(
        committed,
        PlanDoc::json_schema(),
        "seeds/plan.schema.json is out of date: run `cargo run -- plan-schema > seeds/plan.schema.json`"
    );
}
