//! PDF reports: the half-yearly status to UGO, the annual green-accounts update and the annual
//! report to the council. A report is a pure function of a [`Snapshot`] (and, for the UGO
//! status, the previous one), a [`Template`] and the generation time: no database, no clock.
//! The same input gives the same bytes.

pub mod layout;
mod render;
pub mod snapshot;
pub mod template;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use snapshot::{Changes, Snapshot};
pub use template::{Template, Templates};

use crate::domain::{DomainError, Period};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ReportKind {
    /// *Halvårlig status til UGO*, period `2026-H2`.
    UgoStatus,
    /// *Årlig opdatering af grønt regnskab*, period `2026`.
    GreenAccounts,
    /// *Årsrapport til byrådet*, period `2026`.
    CouncilAnnual,
}

impl ReportKind {
    pub const ALL: [ReportKind; 3] = [Self::UgoStatus, Self::GreenAccounts, Self::CouncilAnnual];

    pub fn slug(self) -> &'static str {
        match self {
            Self::UgoStatus => "ugo-status",
            Self::GreenAccounts => "green-accounts",
            Self::CouncilAnnual => "council-annual",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.slug() == s)
    }

    /// The sections a template of this kind may list, in their default order.
    pub fn sections(self) -> &'static [&'static str] {
        match self {
            Self::UgoStatus => &["summary", "changes", "themes", "overdue", "upcoming"],
            Self::GreenAccounts => &["overview", "charts"],
            Self::CouncilAnnual => &["progress", "achieved", "missed", "kpis", "revisions"],
        }
    }

    /// The UGO status covers half-years; the annual reports cover years.
    pub fn check_period(self, p: Period) -> Result<(), DomainError> {
        match (self, p.is_half()) {
            (Self::UgoStatus, true) | (Self::GreenAccounts | Self::CouncilAnnual, false) => Ok(()),
            (Self::UgoStatus, false) => Err(DomainError::new(
                "period",
                format!(
                    "{} covers a half-year: write {}-H1 or {}-H2",
                    self.slug(),
                    p.year(),
                    p.year()
                ),
            )),
            _ => Err(DomainError::new(
                "period",
                format!("{} covers a year: write {}", self.slug(), p.year()),
            )),
        }
    }

    /// "klimaspor-ugo-status-2026-H2.pdf"
    pub fn file_name(self, p: Period) -> String {
        format!("klimaspor-{}-{p}.pdf", self.slug())
    }
}

/// Everything a report is made of.
pub struct ReportInput<'a> {
    pub kind: ReportKind,
    pub snapshot: &'a Snapshot,
    /// The UGO status compares with the previous period's snapshot.
    pub previous: Option<&'a Snapshot>,
    pub template: &'a Template,
    pub generated: DateTime<Utc>,
}

/// Build the snapshot(s) for `period` from the history and render the report: what the CLI,
/// the preview endpoint and the scheduler all call. Returns the PDF and the snapshot it shows.
pub fn generate(
    history: &crate::db::store::PlanHistory,
    kind: ReportKind,
    period: Period,
    template: &Template,
    generated: DateTime<Utc>,
) -> Result<(Vec<u8>, Snapshot), DomainError> {
    kind.check_period(period)?;
    let snapshot = Snapshot::build(history, period);
    let previous =
        (kind == ReportKind::UgoStatus).then(|| Snapshot::build(history, period.previous()));
    let pdf = render(&ReportInput {
        kind,
        snapshot: &snapshot,
        previous: previous.as_ref(),
        template,
        generated,
    });
    Ok((pdf, snapshot))
}

/// The PDF.
pub fn render(input: &ReportInput<'_>) -> Vec<u8> {
    render::render(input)
}

/// The template's values for this report (also used for the cover e-mail).
pub fn vars(input: &ReportInput<'_>) -> template::Vars {
    render::vars(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_periods() {
        for k in ReportKind::ALL {
            assert_eq!(ReportKind::parse(k.slug()), Some(k));
        }
        assert_eq!(ReportKind::parse("weekly"), None);
        let h2: Period = "2026-H2".parse().unwrap();
        let y: Period = "2026".parse().unwrap();
        assert!(ReportKind::UgoStatus.check_period(h2).is_ok());
        assert!(ReportKind::UgoStatus.check_period(y).is_err());
        assert!(ReportKind::GreenAccounts.check_period(h2).is_err());
        assert!(ReportKind::CouncilAnnual.check_period(y).is_ok());
        assert_eq!(
            ReportKind::UgoStatus.file_name(h2),
            "klimaspor-ugo-status-2026-H2.pdf"
        );
    }
}
