//! The kinds of report klimaspor makes and the periods they cover.

use serde::{Deserialize, Serialize};

use super::{DomainError, Period};

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

/// A section of the half-yearly UGO status (the name is the template's and the label's key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UgoSection {
    Summary,
    Changes,
    Themes,
    Overdue,
    Upcoming,
    /// The committee's questions since the last status, each with its answer.
    Questions,
}

named_enum!(UgoSection, "section", {
    Summary => "summary",
    Changes => "changes",
    Themes => "themes",
    Overdue => "overdue",
    Upcoming => "upcoming",
    Questions => "questions",
});

/// A section of the green-accounts update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GreenSection {
    Overview,
    /// Emissions by sector, the newest inventory year against the one before.
    Emissions,
    Charts,
}

named_enum!(GreenSection, "section", {
    Overview => "overview",
    Emissions => "emissions",
    Charts => "charts",
});

/// A section of the council's annual report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CouncilSection {
    Progress,
    Achieved,
    Missed,
    Kpis,
    /// The trajectory, the manko and the measures with the largest expected effect.
    Climate,
    Revisions,
}

named_enum!(CouncilSection, "section", {
    Progress => "progress",
    Achieved => "achieved",
    Missed => "missed",
    Kpis => "kpis",
    Climate => "climate",
    Revisions => "revisions",
});

impl std::fmt::Display for ReportKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.slug())
    }
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

    /// The names of the sections a template of this kind may list, in their default order.
    pub fn sections(self) -> Vec<&'static str> {
        match self {
            Self::UgoStatus => UgoSection::ALL.iter().map(|s| s.as_str()).collect(),
            Self::GreenAccounts => GreenSection::ALL.iter().map(|s| s.as_str()).collect(),
            Self::CouncilAnnual => CouncilSection::ALL.iter().map(|s| s.as_str()).collect(),
        }
    }

    /// The dates the report's snapshots are taken at: the period's end, and for the UGO status
    /// (which compares with the status before) the previous period's end too.
    pub fn snapshot_dates(self, p: Period) -> Vec<chrono::NaiveDate> {
        match self {
            Self::UgoStatus => vec![p.end(), p.previous().end()],
            Self::GreenAccounts | Self::CouncilAnnual => vec![p.end()],
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
