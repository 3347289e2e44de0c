//! The structured plan document (`seeds/*.json`, schema in `seeds/plan.schema.json`): what
//! `klimaspor import` reads and what the Ballerup seed is written in. Parsing checks every rule
//! the database relies on, so an import either loads a consistent plan or says what is wrong.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use super::{Deadline, DeadlineKind, DomainError, text};

pub const FORMAT_VERSION: u32 = 1;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MeasureRole {
    /// *Det vi gør selv*: what the municipality does itself.
    Own,
    /// *Det vi gør i fællesskab*: together with citizens, businesses, associations.
    Together,
    /// *Det vi gør som medejer*: as co-owner of utilities.
    CoOwner,
}

impl MeasureRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Own => "own",
            Self::Together => "together",
            Self::CoOwner => "co_owner",
        }
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s {
            "own" => Ok(Self::Own),
            "together" => Ok(Self::Together),
            "co_owner" => Ok(Self::CoOwner),
            _ => Err(DomainError::new(
                "role",
                format!("unknown role '{s}'; expected own, together or co_owner"),
            )),
        }
    }

    pub fn label_da(self) -> &'static str {
        match self {
            Self::Own => "Det vi gør selv",
            Self::Together => "Det vi gør i fællesskab",
            Self::CoOwner => "Det vi gør som medejer",
        }
    }
}

/// Paths at the server's root that are not plans: a plan's web pages live at `/{slug}`, so a
/// plan with one of these slugs would be unreachable (or hide the server's page). Sign-in and
/// the workspace (`log-ind`, `log-ud`, `min-side`, `admin`) are reserved ahead of them.
pub const RESERVED_SLUGS: &[&str] = &[
    "api", "docs", "assets", "healthz", "readyz", "metrics", "log-ind", "log-ud", "min-side",
    "admin", "static", "indlejr", "soeg", "theme",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanDoc {
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    pub format_version: u32,
    pub slug: String,
    pub municipality: String,
    pub title: String,
    pub baseline_year: i32,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub comments: Vec<CommentDoc>,
    pub themes: Vec<ThemeDoc>,
    #[serde(default)]
    pub indicators: Vec<IndicatorDoc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ThemeDoc {
    pub code: String,
    pub title: String,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub comments: Vec<CommentDoc>,
    #[serde(default)]
    pub themes: Vec<ThemeDoc>,
    #[serde(default)]
    pub measures: Vec<MeasureDoc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentDoc {
    /// The commenting body: UGO, KMB, VMU, GR or another abbreviation.
    pub body: String,
    pub text: String,
    /// The administration's answer written inline with the comment, if any.
    #[serde(default)]
    pub answer: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasureDoc {
    pub number: i32,
    pub title: String,
    pub role: MeasureRole,
    #[serde(default)]
    pub notes: Option<String>,
    pub sub_goals: Vec<SubGoalDoc>,
    #[serde(default)]
    pub comments: Vec<CommentDoc>,
    /// The administration's assessment of the comments (the plan's third column).
    #[serde(default)]
    pub assessment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubGoalDoc {
    /// Stable identifier within the plan, `MEASURE.N` (e.g. `33.1`).
    pub key: String,
    /// The adopted text.
    pub text: String,
    pub deadline: DeadlineDoc,
    #[serde(default)]
    pub target: Option<TargetDoc>,
    /// Set when the administration dropped the goal; it is then imported as `dropped`.
    #[serde(default)]
    pub dropped_reason: Option<String>,
    /// The administration's decision that made the adopted text differ from the original.
    #[serde(default)]
    pub revision: Option<RevisionDoc>,
    /// The decision adds the goal but the source gives no wording yet: the text is a label.
    #[serde(default)]
    pub wording_pending: bool,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    schemars::JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct DeadlineDoc {
    pub kind: DeadlineKind,
    #[serde(default)]
    pub year: Option<i32>,
}

impl DeadlineDoc {
    pub fn parse(&self) -> Result<Deadline, DomainError> {
        Deadline::new(self.kind, self.year)
    }
}

impl From<Deadline> for DeadlineDoc {
    fn from(d: Deadline) -> Self {
        Self {
            kind: d.kind(),
            year: d.year(),
        }
    }
}

/// A quantitative target. `target_value` is `null` where the plan has a placeholder
/// (such as "xx ha"): the target is then undefined, never invented.
#[derive(
    Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema, schemars::JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct TargetDoc {
    pub metric: String,
    pub unit: String,
    #[serde(default)]
    pub baseline_year: Option<i32>,
    #[serde(default)]
    pub baseline_value: Option<f64>,
    pub target_value: Option<f64>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RevisionKind {
    Changed,
    Added,
    Dropped,
}

impl RevisionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Changed => "changed",
            Self::Added => "added",
            Self::Dropped => "dropped",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RevisionDoc {
    pub kind: RevisionKind,
    #[serde(default)]
    pub previous_text: Option<String>,
    #[serde(default)]
    pub previous_deadline: Option<DeadlineDoc>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorDoc {
    pub code: String,
    pub name: String,
    pub unit: String,
    #[serde(default)]
    pub baseline_year: Option<i32>,
    #[serde(default)]
    pub baseline_value: Option<f64>,
    pub target_value: Option<f64>,
    pub target_year: Option<i32>,
    /// Key of the sub-goal the indicator follows.
    #[serde(default)]
    pub sub_goal: Option<String>,
}

/// A name, title or code: not blank, a single line (the text rule of [`super::text`]).
fn non_blank(field: &str, v: &str) -> Result<(), DomainError> {
    if v.trim().is_empty() {
        return Err(DomainError::new(field, "must not be empty"));
    }
    text::check_stored(field, v, true)
}

/// Free text (a note, a comment, an answer): the text rule, kept as written.
fn free_text(field: &str, v: Option<&str>) -> Result<(), DomainError> {
    v.map_or(Ok(()), |v| text::check_stored(field, v, false))
}

fn check_comments(path: &str, comments: &[CommentDoc]) -> Result<(), DomainError> {
    for (i, c) in comments.iter().enumerate() {
        non_blank(&format!("{path}.comments[{i}].body"), &c.body)?;
        if c.text.trim().is_empty() {
            return Err(DomainError::new(
                format!("{path}.comments[{i}].text"),
                "must not be empty",
            ));
        }
        free_text(&format!("{path}.comments[{i}].text"), Some(&c.text))?;
        free_text(&format!("{path}.comments[{i}].answer"), c.answer.as_deref())?;
    }
    Ok(())
}

impl PlanDoc {
    /// The JSON Schema of the format (`seeds/plan.schema.json`, `klimaspor plan-schema`).
    pub fn json_schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(PlanDoc)).unwrap_or_default()
    }

    /// Parse and check a plan document.
    pub fn from_json(text: &str) -> Result<Self, DomainError> {
        let doc: PlanDoc =
            serde_json::from_str(text).map_err(|e| DomainError::new("document", e.to_string()))?;
        doc.validate()?;
        Ok(doc)
    }

    /// Every theme, depth first, with its parent's code.
    pub fn themes_flat(&self) -> Vec<(Option<&str>, &ThemeDoc)> {
        fn walk<'a>(
            parent: Option<&'a str>,
            ts: &'a [ThemeDoc],
            out: &mut Vec<(Option<&'a str>, &'a ThemeDoc)>,
        ) {
            for t in ts {
                out.push((parent, t));
                walk(Some(&t.code), &t.themes, out);
            }
        }
        let mut out = Vec::new();
        walk(None, &self.themes, &mut out);
        out
    }

    /// Every measure with the code of the theme it stands in.
    pub fn measures(&self) -> Vec<(&str, &MeasureDoc)> {
        self.themes_flat()
            .into_iter()
            .flat_map(|(_, t)| t.measures.iter().map(move |m| (t.code.as_str(), m)))
            .collect()
    }

    pub fn validate(&self) -> Result<(), DomainError> {
        if self.format_version != FORMAT_VERSION {
            return Err(DomainError::new(
                "format_version",
                format!(
                    "is {}, this klimaspor reads version {FORMAT_VERSION}",
                    self.format_version
                ),
            ));
        }
        let slug_ok = !self.slug.is_empty()
            && self
                .slug
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !slug_ok {
            return Err(DomainError::new(
                "slug",
                "must be lowercase letters, digits and '-'",
            ));
        }
        if RESERVED_SLUGS.contains(&self.slug.as_str()) {
            return Err(DomainError::new(
                "slug",
                format!(
                    "'{}' is a path of the server's own (the plan's pages would be hidden \
                     behind it); reserved: {}",
                    self.slug,
                    RESERVED_SLUGS.join(", ")
                ),
            ));
        }
        non_blank("municipality", &self.municipality)?;
        non_blank("title", &self.title)?;
        free_text("source", self.source.as_deref())?;
        check_comments("plan", &self.comments)?;

        let mut codes = HashSet::new();
        for (_, t) in self.themes_flat() {
            non_blank("themes.code", &t.code)?;
            non_blank(&format!("themes[{}].title", t.code), &t.title)?;
            free_text(&format!("themes[{}].notes", t.code), t.notes.as_deref())?;
            if !codes.insert(t.code.as_str()) {
                return Err(DomainError::new(
                    "themes.code",
                    format!("theme code '{}' occurs twice", t.code),
                ));
            }
            check_comments(&format!("themes[{}]", t.code), &t.comments)?;
        }

        let mut numbers = HashSet::new();
        let mut keys = HashSet::new();
        for (_, m) in self.measures() {
            let path = format!("measures[{}]", m.number);
            if m.number < 1 {
                return Err(DomainError::new(&path, "measure numbers start at 1"));
            }
            if !numbers.insert(m.number) {
                return Err(DomainError::new(&path, "measure number occurs twice"));
            }
            non_blank(&format!("{path}.title"), &m.title)?;
            free_text(&format!("{path}.notes"), m.notes.as_deref())?;
            free_text(&format!("{path}.assessment"), m.assessment.as_deref())?;
            check_comments(&path, &m.comments)?;
            for g in &m.sub_goals {
                let gpath = format!("sub_goals[{}]", g.key);
                let prefix = format!("{}.", m.number);
                if !g.key.starts_with(&prefix) || g.key.len() == prefix.len() {
                    return Err(DomainError::new(
                        &gpath,
                        format!("key must look like '{}N'", prefix),
                    ));
                }
                if !keys.insert(g.key.as_str()) {
                    return Err(DomainError::new(&gpath, "key occurs twice"));
                }
                if g.text.trim().is_empty() {
                    return Err(DomainError::new(
                        format!("{gpath}.text"),
                        "must not be empty",
                    ));
                }
                free_text(&format!("{gpath}.text"), Some(&g.text))?;
                free_text(
                    &format!("{gpath}.dropped_reason"),
                    g.dropped_reason.as_deref(),
                )?;
                g.deadline
                    .parse()
                    .map_err(|e| DomainError::new(format!("{gpath}.{}", e.field), e.message))?;
                if let Some(r) = &g.revision {
                    if r.reason.trim().is_empty() {
                        return Err(DomainError::new(
                            format!("{gpath}.revision.reason"),
                            "must not be empty",
                        ));
                    }
                    free_text(&format!("{gpath}.revision.reason"), Some(&r.reason))?;
                    free_text(
                        &format!("{gpath}.revision.previous_text"),
                        r.previous_text.as_deref(),
                    )?;
                    if let Some(d) = &r.previous_deadline {
                        d.parse().map_err(|e| {
                            DomainError::new(
                                format!("{gpath}.revision.previous_deadline"),
                                e.message,
                            )
                        })?;
                    }
                }
                if let Some(t) = &g.target {
                    non_blank(&format!("{gpath}.target.metric"), &t.metric)?;
                    text::check_stored(&format!("{gpath}.target.unit"), &t.unit, true)?;
                    free_text(&format!("{gpath}.target.note"), t.note.as_deref())?;
                    let finite = [t.baseline_value, t.target_value]
                        .into_iter()
                        .flatten()
                        .all(f64::is_finite);
                    if !finite {
                        return Err(DomainError::new(
                            format!("{gpath}.target"),
                            "values must be finite numbers",
                        ));
                    }
                }
            }
        }

        let mut indicator_codes = HashSet::new();
        for i in &self.indicators {
            non_blank("indicators.code", &i.code)?;
            non_blank(&format!("indicators[{}].name", i.code), &i.name)?;
            non_blank(&format!("indicators[{}].unit", i.code), &i.unit)?;
            if !indicator_codes.insert(i.code.as_str()) {
                return Err(DomainError::new(
                    "indicators.code",
                    format!("indicator code '{}' occurs twice", i.code),
                ));
            }
            if let Some(k) = &i.sub_goal
                && !keys.contains(k.as_str())
            {
                return Err(DomainError::new(
                    format!("indicators[{}].sub_goal", i.code),
                    format!("no sub-goal has key '{k}'"),
                ));
            }
        }
        Ok(())
    }

    /// Counts that describe the plan: measures, sub-goals, comments, themes.
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        let measures = self.measures();
        let themes = self.themes_flat();
        let comments = self.comments.len()
            + themes.iter().map(|(_, t)| t.comments.len()).sum::<usize>()
            + measures
                .iter()
                .map(|(_, m)| m.comments.len())
                .sum::<usize>();
        BTreeMap::from([
            ("themes", themes.iter().filter(|(p, _)| p.is_none()).count()),
            (
                "sub_themes",
                themes.iter().filter(|(p, _)| p.is_some()).count(),
            ),
            ("measures", measures.len()),
            (
                "sub_goals",
                measures.iter().map(|(_, m)| m.sub_goals.len()).sum(),
            ),
            ("comments", comments),
            ("indicators", self.indicators.len()),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BALLERUP: &str = include_str!("../../seeds/ballerup.json");

    fn minimal() -> serde_json::Value {
        serde_json::json!({
            "format_version": 1, "slug": "test", "municipality": "Testby Kommune",
            "title": "Klimahandleplan", "baseline_year": 2015,
            "themes": [{"code": "1", "title": "TEMA", "measures": [
                {"number": 1, "title": "Tiltag", "role": "own", "sub_goals": [
                    {"key": "1.1", "text": "Senest i 2025 ...", "deadline": {"kind": "by", "year": 2025}}
                ]}
            ]}]
        })
    }

    fn parse(v: serde_json::Value) -> Result<PlanDoc, DomainError> {
        PlanDoc::from_json(&v.to_string())
    }

    #[test]
    fn a_slug_that_would_hide_a_server_path_is_refused() {
        for slug in ["api", "docs", "assets", "log-ind", "min-side"] {
            let mut v = minimal();
            v["slug"] = serde_json::json!(slug);
            let e = parse(v).unwrap_err();
            assert_eq!(e.field, "slug");
            assert!(e.message.contains("reserved"), "{slug}: {}", e.message);
        }
        let mut v = minimal();
        v["slug"] = serde_json::json!("ballerup-2030");
        assert!(parse(v).is_ok());
    }

    #[test]
    fn the_ballerup_seed_parses() {
        let doc = PlanDoc::from_json(BALLERUP).unwrap();
        assert_eq!(doc.slug, "ballerup");
        assert_eq!(doc.counts()["measures"], 64);
        assert_eq!(doc.counts()["themes"], 7);
    }

    #[test]
    fn a_minimal_plan_parses() {
        parse(minimal()).unwrap();
    }

    #[test]
    fn unknown_fields_are_refused() {
        let mut v = minimal();
        v["colour"] = "green".into();
        assert!(parse(v).is_err());
    }

    #[test]
    fn duplicate_measure_numbers_are_refused() {
        let mut v = minimal();
        let m = v["themes"][0]["measures"][0].clone();
        v["themes"][0]["measures"].as_array_mut().unwrap().push(m);
        assert!(parse(v).unwrap_err().message.contains("twice"));
    }

    #[test]
    fn sub_goal_keys_must_belong_to_their_measure() {
        let mut v = minimal();
        v["themes"][0]["measures"][0]["sub_goals"][0]["key"] = "2.1".into();
        assert!(parse(v).is_err());
    }

    #[test]
    fn invalid_deadlines_are_refused() {
        let mut v = minimal();
        v["themes"][0]["measures"][0]["sub_goals"][0]["deadline"] =
            serde_json::json!({"kind": "by"});
        assert!(parse(v).unwrap_err().field.contains("deadline"));
    }

    #[test]
    fn indicators_must_name_existing_sub_goals() {
        let mut v = minimal();
        v["indicators"] = serde_json::json!([{"code": "x", "name": "X", "unit": "%",
            "target_value": 1.0, "target_year": 2030, "sub_goal": "9.9"}]);
        assert!(parse(v).is_err());
    }

    #[test]
    fn roles_parse() {
        for r in [
            MeasureRole::Own,
            MeasureRole::Together,
            MeasureRole::CoOwner,
        ] {
            assert_eq!(MeasureRole::parse(r.as_str()), Ok(r));
        }
        assert!(MeasureRole::parse("self").is_err());
    }
}
