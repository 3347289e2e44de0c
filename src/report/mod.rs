//! PDF reports: the half-yearly status to UGO, the annual green-accounts update and the annual
//! report to the council. A report is a pure function of a [`Snapshot`] (and, for the UGO
//! status, the previous one), a [`Template`] and the generation time: no database, no clock.
//! The same input gives the same bytes.

pub mod chart;
pub mod layout;
mod render;
pub mod snapshot;
pub mod template;

use chrono::{DateTime, Utc};

pub use crate::domain::report_kind::ReportKind;
pub use snapshot::{Changes, Snapshot};
pub use template::{Template, Templates};

use crate::domain::{DomainError, Period};

/// Why a report could not be made. Nothing is archived or mailed then.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The request is wrong (a period the kind does not cover): the caller's to fix.
    #[error(transparent)]
    Invalid(#[from] DomainError),
    /// The stored plan breaks a rule it was checked against (see `db::read`).
    #[error("the plan's data cannot be read: {0}")]
    Data(String),
    /// Writing the PDF failed.
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
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
/// `archived_previous` is the snapshot the previous UGO status was sent with, if there is one.
pub fn generate(
    history: &crate::db::store::PlanHistory,
    kind: ReportKind,
    period: Period,
    template: &Template,
    generated: DateTime<Utc>,
    archived_previous: Option<Snapshot>,
) -> Result<(Vec<u8>, Snapshot), ReportError> {
    kind.check_period(period)?;
    let snapshot =
        Snapshot::build(history, period).map_err(|e| ReportError::Data(e.to_string()))?;
    // The UGO status compares with the previous status as it was sent, when it is archived.
    let previous = match (kind, archived_previous) {
        (ReportKind::UgoStatus, Some(archived)) => Some(archived),
        (ReportKind::UgoStatus, None) => Some(
            Snapshot::build(history, period.previous())
                .map_err(|e| ReportError::Data(e.to_string()))?,
        ),
        _ => None,
    };
    let pdf = render(&ReportInput {
        kind,
        snapshot: &snapshot,
        previous: previous.as_ref(),
        template,
        generated,
    })?;
    Ok((pdf, snapshot))
}

/// The PDF.
pub fn render(input: &ReportInput<'_>) -> Result<Vec<u8>, ReportError> {
    render::render(input).map_err(ReportError::Pdf)
}

/// The template's values for this report (also used for the cover e-mail).
pub fn vars(input: &ReportInput<'_>) -> template::Vars {
    render::vars(input)
}
