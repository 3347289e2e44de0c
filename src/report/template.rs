//! Report templates: the Danish wording and structure of each report kind, in
//! `report-templates/<kind>/template.toml`. Read at run time so a municipality can change
//! wording without recompiling; the copy compiled into the binary is the fallback. A template
//! with an unknown placeholder, section or label is refused at start-up with a message that
//! says which file and what.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::ReportKind;
use crate::domain::report_kind::{CouncilSection, GreenSection, UgoSection};

/// The placeholders a template may use.
pub const PLACEHOLDERS: [&str; 6] = [
    "municipality",
    "plan_title",
    "report_title",
    "period",
    "as_of",
    "generated",
];

const UGO: &str = include_str!("../../report-templates/ugo-status/template.toml");
const GREEN: &str = include_str!("../../report-templates/green-accounts/template.toml");
const COUNCIL: &str = include_str!("../../report-templates/council-annual/template.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateFile {
    title: String,
    subtitle: String,
    intro: String,
    sections: Vec<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    email: EmailTemplate,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailTemplate {
    pub subject: String,
    pub body: String,
}

/// A template's sections, in its order, typed by the kind of report they belong to: a report
/// is rendered from these, so a section of another kind cannot reach it.
#[derive(Debug, Clone, PartialEq)]
pub enum Sections {
    Ugo(Vec<UgoSection>),
    Green(Vec<GreenSection>),
    Council(Vec<CouncilSection>),
}

impl Sections {
    /// The sections' names (also their label keys), in order.
    pub fn names(&self) -> Vec<&'static str> {
        match self {
            Self::Ugo(v) => v.iter().map(|s| s.as_str()).collect(),
            Self::Green(v) => v.iter().map(|s| s.as_str()).collect(),
            Self::Council(v) => v.iter().map(|s| s.as_str()).collect(),
        }
    }
}

/// `names` as sections of one kind: each known, none twice.
fn typed<S: PartialEq>(
    names: &[String],
    parse: fn(&str) -> Result<S, crate::domain::DomainError>,
    kind: ReportKind,
) -> Result<Vec<S>, String> {
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let s = parse(name).map_err(|_| {
            format!(
                "unknown section '{name}'; {} knows {}",
                kind.slug(),
                kind.sections().join(", ")
            )
        })?;
        if out.contains(&s) {
            return Err(format!("section '{name}' is listed twice"));
        }
        out.push(s);
    }
    Ok(out)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub kind: ReportKind,
    pub title: String,
    pub subtitle: String,
    pub intro: String,
    pub sections: Sections,
    labels: BTreeMap<String, String>,
    pub email: EmailTemplate,
    /// Where it was read from, for messages.
    pub source: String,
}

#[derive(Debug, thiserror::Error)]
#[error("report template {file}: {message}")]
pub struct TemplateError {
    pub file: String,
    pub message: String,
}

/// The values placeholders are replaced with.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    pub municipality: String,
    pub plan_title: String,
    pub report_title: String,
    pub period: String,
    pub as_of: String,
    pub generated: String,
}

impl Vars {
    fn get(&self, name: &str) -> &str {
        match name {
            "municipality" => &self.municipality,
            "plan_title" => &self.plan_title,
            "report_title" => &self.report_title,
            "period" => &self.period,
            "as_of" => &self.as_of,
            "generated" => &self.generated,
            _ => "",
        }
    }
}

/// The placeholder names used in `s`, or an error for an unclosed brace.
fn placeholders(s: &str) -> Result<Vec<&str>, String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("'{{' without '}}' in \"{}\"", short(s)))?;
        out.push(&after[..end]);
        rest = &after[end + 1..];
    }
    Ok(out)
}

fn short(s: &str) -> String {
    let s: String = s.chars().take(40).collect();
    s.replace('\n', " ")
}

/// Replace every `{name}` with its value.
pub fn fill(s: &str, vars: &Vars) -> String {
    let mut out = s.to_string();
    for name in PLACEHOLDERS {
        out = out.replace(&format!("{{{name}}}"), vars.get(name));
    }
    out
}

impl Template {
    fn compiled_in(kind: ReportKind) -> &'static str {
        match kind {
            ReportKind::UgoStatus => UGO,
            ReportKind::GreenAccounts => GREEN,
            ReportKind::CouncilAnnual => COUNCIL,
        }
    }

    /// The compiled-in template (checked by the unit tests, so it cannot fail).
    pub fn builtin(kind: ReportKind) -> Template {
        Self::parse(kind, Self::compiled_in(kind), "(compiled in)", None)
            .unwrap_or_else(|e| panic!("compiled-in template is invalid: {e}"))
    }

    /// Parse and check a template. `defaults` supplies labels the file leaves out.
    fn parse(
        kind: ReportKind,
        text: &str,
        source: &str,
        defaults: Option<&Template>,
    ) -> Result<Template, TemplateError> {
        let err = |message: String| TemplateError {
            file: source.to_string(),
            message,
        };
        let file: TemplateFile = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        if file.sections.is_empty() {
            return Err(err("sections is empty".into()));
        }
        let sections = match kind {
            ReportKind::UgoStatus => {
                typed(&file.sections, UgoSection::parse, kind).map(Sections::Ugo)
            }
            ReportKind::GreenAccounts => {
                typed(&file.sections, GreenSection::parse, kind).map(Sections::Green)
            }
            ReportKind::CouncilAnnual => {
                typed(&file.sections, CouncilSection::parse, kind).map(Sections::Council)
            }
        }
        .map_err(err)?;
        if let Some(d) = defaults {
            for key in file.labels.keys() {
                if !d.labels.contains_key(key) {
                    return Err(err(format!("unknown label '{key}'")));
                }
            }
        }
        let mut texts: Vec<(&str, &str)> = vec![
            ("title", &file.title),
            ("subtitle", &file.subtitle),
            ("intro", &file.intro),
            ("email.subject", &file.email.subject),
            ("email.body", &file.email.body),
        ];
        texts.extend(file.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        for (field, text) in texts {
            for name in placeholders(text).map_err(|m| err(format!("{field}: {m}")))? {
                if !PLACEHOLDERS.contains(&name) {
                    return Err(err(format!(
                        "{field}: unknown placeholder {{{name}}}; use {}",
                        PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ")
                    )));
                }
            }
        }
        let mut labels = defaults.map(|d| d.labels.clone()).unwrap_or_default();
        labels.extend(file.labels);
        Ok(Template {
            kind,
            title: file.title,
            subtitle: file.subtitle,
            intro: file.intro,
            sections,
            labels,
            email: file.email,
            source: source.to_string(),
        })
    }

    /// The template for `kind` from `dir/<kind>/template.toml`, or the compiled-in one when
    /// that file does not exist.
    pub fn load(kind: ReportKind, dir: &Path) -> Result<Template, TemplateError> {
        let builtin = Self::builtin(kind);
        let path: PathBuf = dir.join(kind.slug()).join("template.toml");
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(kind, &text, &path.display().to_string(), Some(&builtin)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(builtin),
            Err(e) => Err(TemplateError {
                file: path.display().to_string(),
                message: e.to_string(),
            }),
        }
    }

    /// A label by key; the key itself when unknown (the code uses only known keys).
    pub fn label<'a>(&'a self, key: &'a str) -> &'a str {
        self.labels.get(key).map_or(key, String::as_str)
    }

    pub fn has_section(&self, s: &str) -> bool {
        self.sections.names().contains(&s)
    }
}

/// All three templates, loaded and checked once at start-up.
#[derive(Debug, Clone)]
pub struct Templates {
    pub ugo_status: Template,
    pub green_accounts: Template,
    pub council_annual: Template,
}

impl Templates {
    pub fn load(dir: &Path) -> Result<Self, TemplateError> {
        Ok(Self {
            ugo_status: Template::load(ReportKind::UgoStatus, dir)?,
            green_accounts: Template::load(ReportKind::GreenAccounts, dir)?,
            council_annual: Template::load(ReportKind::CouncilAnnual, dir)?,
        })
    }

    pub fn builtin() -> Self {
        Self {
            ugo_status: Template::builtin(ReportKind::UgoStatus),
            green_accounts: Template::builtin(ReportKind::GreenAccounts),
            council_annual: Template::builtin(ReportKind::CouncilAnnual),
        }
    }

    pub fn get(&self, kind: ReportKind) -> &Template {
        match kind {
            ReportKind::UgoStatus => &self.ugo_status,
            ReportKind::GreenAccounts => &self.green_accounts,
            ReportKind::CouncilAnnual => &self.council_annual,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_in_templates_are_valid() {
        for kind in ReportKind::ALL {
            let t = Template::builtin(kind);
            assert_eq!(
                t.sections.names(),
                kind.sections(),
                "{kind:?} lists every section in order"
            );
        }
    }

    fn write(dir: &Path, kind: ReportKind, text: &str) {
        std::fs::create_dir_all(dir.join(kind.slug())).unwrap();
        std::fs::write(dir.join(kind.slug()).join("template.toml"), text).unwrap();
    }

    #[test]
    fn a_changed_wording_is_used_and_missing_labels_fall_back() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            ReportKind::UgoStatus,
            "title = \"Status til udvalget\"\nsubtitle = \"{plan_title}\"\nintro = \"Hej {municipality}\"\n\
             sections = [\"summary\", \"themes\"]\n[labels]\ncol_goal = \"Mål\"\n\
             [email]\nsubject = \"S {period}\"\nbody = \"B\"\n",
        );
        let t = Template::load(ReportKind::UgoStatus, dir.path()).unwrap();
        assert_eq!(t.title, "Status til udvalget");
        assert_eq!(t.label("col_goal"), "Mål");
        assert_eq!(t.label("col_status"), "Status");
        assert!(!t.has_section("changes"));
        // Kinds without a file use the compiled-in copy.
        assert_eq!(
            Template::load(ReportKind::CouncilAnnual, dir.path()).unwrap(),
            Template::builtin(ReportKind::CouncilAnnual)
        );
    }

    #[test]
    fn unknown_placeholders_sections_and_labels_are_refused() {
        let base = "title = \"T\"\nsubtitle = \"S\"\nintro = \"I\"\nsections = [\"summary\"]\n[email]\nsubject = \"x\"\nbody = \"y\"\n";
        let cases = [
            (
                base.replace("intro = \"I\"", "intro = \"{kommune}\""),
                "{kommune}",
            ),
            (
                base.replace("[\"summary\"]", "[\"summary\", \"weather\"]"),
                "weather",
            ),
            (format!("{base}\n[labels]\nfoo = \"bar\"\n"), "foo"),
            (
                base.replace("title = \"T\"", "title = \"{period\""),
                "without",
            ),
            (base.replace("title = \"T\"\n", ""), "title"),
        ];
        for (text, says) in cases {
            let dir = tempfile::tempdir().unwrap();
            write(dir.path(), ReportKind::UgoStatus, &text);
            let e = Template::load(ReportKind::UgoStatus, dir.path()).unwrap_err();
            assert!(e.to_string().contains(says), "{text}\n→ {e}");
            assert!(
                e.to_string().contains("template.toml"),
                "names the file: {e}"
            );
        }
    }

    #[test]
    fn fill_replaces_placeholders() {
        let v = Vars {
            municipality: "Ballerup Kommune".into(),
            period: "2. halvår 2026".into(),
            ..Default::default()
        };
        assert_eq!(
            fill("{municipality}: {period}", &v),
            "Ballerup Kommune: 2. halvår 2026"
        );
    }
}
