//! Who may do what: the one table of authorisation rules. The API's extractors, the web
//! pages and the store (which knows the plan of a sub-goal and whether the caller owns its
//! measure) all ask these functions, for people signed in and for API tokens alike. A
//! refusal carries the sentence the caller is shown with the 403.
//!
//! | what | operator | admin of the plan | owner (member) of the measure | committee, reader |
//! |---|---|---|---|---|
//! | read (when reads are not public) | every plan | the plan | the plans it owns measures in | the plan |
//! | progress on a sub-goal | yes | yes | yes, but not dropping | no |
//! | plan changes, owners, indicators, report runs | every plan | the plan | no | no |
//! | people, memberships, tokens of the plan, audit log | every plan | the plan | no | no |
//! | grant admin, operators, create plans | yes | no | no | no |

use serde::{Deserialize, Serialize};

use super::{DomainError, Status};

/// Why a request is refused (shown to the caller).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// A role a person holds on one plan (stored as text in `plan_roles.role`). Owning measures
/// is not a role here: it comes from membership of an owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlanRole {
    /// Everything on the plan: its sub-goals, owners, indicators, reports, people and tokens.
    Admin,
    /// The political committee: reads (and, later, comments on reports).
    Committee,
    /// Reads, where reads are not public.
    Reader,
}

impl PlanRole {
    pub const ALL: [PlanRole; 3] = [PlanRole::Admin, PlanRole::Committee, PlanRole::Reader];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Committee => "committee",
            Self::Reader => "reader",
        }
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                DomainError::new(
                    "role",
                    format!("unknown role '{s}'; expected admin, committee or reader"),
                )
            })
    }

    /// The Danish word the pages show.
    pub fn label_da(self) -> &'static str {
        match self {
            Self::Admin => "Administrator",
            Self::Committee => "Udvalg",
            Self::Reader => "Læser",
        }
    }
}

impl std::fmt::Display for PlanRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything a caller holds, loaded once per request from its token or its person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    /// Every plan, creating plans, granting admin.
    pub operator: bool,
    /// Roles on plans, by plan id.
    pub plans: Vec<(i32, PlanRole)>,
    /// The owners (departments) the caller acts for.
    pub owners: Vec<i32>,
    /// Plans the caller owns measures in (through `owners`), for reading.
    pub owner_plans: Vec<i32>,
    /// Reader tokens made before plans were scoped read every plan.
    pub reads_every_plan: bool,
}

impl Grants {
    pub fn role_on(&self, plan_id: i32) -> Option<PlanRole> {
        self.plans
            .iter()
            .find(|(p, _)| *p == plan_id)
            .map(|(_, r)| *r)
    }

    pub fn administers(&self, plan_id: i32) -> bool {
        self.operator || self.role_on(plan_id) == Some(PlanRole::Admin)
    }

    /// Administers at least one plan: such a caller passes the API's early check, and the
    /// plan of the request is checked once it is known.
    pub fn administers_any(&self) -> bool {
        self.operator || self.plans.iter().any(|(_, r)| *r == PlanRole::Admin)
    }

    pub fn may_read(&self, plan_id: i32) -> bool {
        self.operator
            || self.reads_every_plan
            || self.role_on(plan_id).is_some()
            || self.owner_plans.contains(&plan_id)
    }

    pub fn owns_through(&self, measure_owner_ids: impl IntoIterator<Item = i32>) -> bool {
        measure_owner_ids
            .into_iter()
            .any(|id| self.owners.contains(&id))
    }
}

/// Changes to a plan: its sub-goals, owners, indicators, report runs, people and tokens.
pub fn may_administer(grants: &Grants, plan_id: i32, plan_slug: &str) -> Result<(), Refused> {
    if grants.administers(plan_id) {
        Ok(())
    } else {
        Err(Refused(format!(
            "this needs the admin role on plan '{plan_slug}'"
        )))
    }
}

/// The early check of an administrator's request, before its plan is known.
pub fn may_administer_some_plan(grants: &Grants, name: &str) -> Result<(), Refused> {
    if grants.administers_any() {
        Ok(())
    } else {
        Err(Refused(format!(
            "this request needs an administrator; '{name}' administers no plan"
        )))
    }
}

/// Granting a plan's admin role, making operators, creating plans: operators only.
pub fn may_operate(grants: &Grants) -> Result<(), Refused> {
    if grants.operator {
        Ok(())
    } else {
        Err(Refused("only an operator may do this".into()))
    }
}

/// What the rule for a progress report looks at.
#[derive(Debug, Clone, Copy)]
pub struct ReportAttempt<'a> {
    pub name: &'a str,
    /// Does the caller administer the sub-goal's plan?
    pub administers: bool,
    /// Is the caller (a member of) an owner of the sub-goal's measure?
    pub owns_measure: bool,
    pub measure_number: i32,
    /// The sub-goal's status now.
    pub current: Status,
    /// The status reported.
    pub reported: Status,
}

/// A question or remark on a sent report of a plan: its committee (UGO's members) and its
/// administrators.
pub fn may_ask(grants: &Grants, plan_id: i32) -> Result<(), Refused> {
    if grants.administers(plan_id) || grants.role_on(plan_id) == Some(PlanRole::Committee) {
        Ok(())
    } else {
        Err(Refused(
            "only the plan's committee and administrators ask questions on its reports".into(),
        ))
    }
}

/// An answer to a question on a measure: its owners and the plan's administrators.
pub fn may_answer(
    grants: &Grants,
    plan_id: i32,
    measure_owner_ids: impl IntoIterator<Item = i32>,
) -> Result<(), Refused> {
    if grants.administers(plan_id) || grants.owns_through(measure_owner_ids) {
        Ok(())
    } else {
        Err(Refused(
            "only the measure's owners and the plan's administrators answer its questions".into(),
        ))
    }
}

/// A climate assessment of a committee case: the plan's administrators and the owners of the
/// measure the assessments are evidence for (measure 1 of the Ballerup plan).
pub fn may_assess(
    grants: &Grants,
    plan_id: i32,
    measure_owner_ids: impl IntoIterator<Item = i32>,
) -> Result<(), Refused> {
    if grants.administers(plan_id) || grants.owns_through(measure_owner_ids) {
        Ok(())
    } else {
        Err(Refused(
            "only the plan's administrators and the owners of the measure on climate assessments record them".into(),
        ))
    }
}

/// Progress on a sub-goal: an administrator of its plan on any; an owner on the sub-goals of
/// the measures it owns, but it neither drops a sub-goal nor reports on a dropped one;
/// anybody else never.
pub fn may_report(a: ReportAttempt<'_>) -> Result<(), Refused> {
    if a.administers {
        return Ok(());
    }
    if !a.owns_measure {
        return Err(Refused(format!(
            "'{}' is not an owner of measure {}",
            a.name, a.measure_number
        )));
    }
    if a.reported == Status::Dropped || a.current == Status::Dropped {
        return Err(Refused(
            "only an administrator can drop a sub-goal or report on a dropped one".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(
        administers: bool,
        owns: bool,
        current: Status,
        reported: Status,
    ) -> ReportAttempt<'static> {
        ReportAttempt {
            name: "Center for Ejendomme",
            administers,
            owns_measure: owns,
            measure_number: 14,
            current,
            reported,
        }
    }

    #[test]
    fn who_may_report() {
        use Status::*;
        assert!(may_report(attempt(true, false, Dropped, OnTrack)).is_ok());
        assert!(may_report(attempt(false, true, OnTrack, AtRisk)).is_ok());
        let e = may_report(attempt(false, false, OnTrack, AtRisk)).unwrap_err();
        assert_eq!(e.0, "'Center for Ejendomme' is not an owner of measure 14");
        assert!(may_report(attempt(false, true, OnTrack, Dropped)).is_err());
        assert!(may_report(attempt(false, true, Dropped, OnTrack)).is_err());
    }

    #[test]
    fn plan_admin_is_admin_of_that_plan_only() {
        let g = Grants {
            plans: vec![(1, PlanRole::Admin), (2, PlanRole::Reader)],
            ..Grants::default()
        };
        assert!(may_administer(&g, 1, "ballerup").is_ok());
        let e = may_administer(&g, 2, "roskilde").unwrap_err();
        assert_eq!(e.0, "this needs the admin role on plan 'roskilde'");
        assert!(may_administer(&g, 3, "x").is_err());
        assert!(g.administers_any());
        assert!(may_operate(&g).is_err());
        assert!(g.may_read(2) && !g.may_read(3));
    }

    #[test]
    fn operator_is_admin_everywhere() {
        let g = Grants {
            operator: true,
            ..Grants::default()
        };
        assert!(may_administer(&g, 42, "x").is_ok());
        assert!(may_operate(&g).is_ok());
        assert!(g.may_read(42));
    }

    #[test]
    fn owners_read_their_plans_and_administer_none() {
        let g = Grants {
            owners: vec![7],
            owner_plans: vec![1],
            ..Grants::default()
        };
        assert!(g.owns_through([3, 7]));
        assert!(!g.owns_through([3]));
        assert!(g.may_read(1) && !g.may_read(2));
        assert!(may_administer_some_plan(&g, "Center for Ejendomme").is_err());
    }

    #[test]
    fn plan_roles_round_trip() {
        for r in PlanRole::ALL {
            assert_eq!(PlanRole::parse(r.as_str()), Ok(r));
        }
        assert!(PlanRole::parse("owner").is_err());
    }
}
