//! Every database operation the service performs, each a plain function over a connection,
//! by aggregate: plans and measures (`plan`), progress and sub-goal changes (`progress`),
//! owners (`owner`), tokens (`token`), indicators (`indicator`), and the history reports are made from. Handlers call exactly
//! one of these inside `web::block`; the CLI calls them directly.

mod climate;
mod feedback;
mod history;
mod indicator;
mod owner;
mod people;
mod plan;
mod progress;
mod round;
mod search;
mod site;
mod token;
mod workspace;

pub use climate::*;
pub use feedback::*;
pub use history::*;
pub use indicator::*;
pub use owner::*;
pub use people::*;
pub use plan::*;
pub use progress::*;
pub use round::*;
pub use search::*;
pub use site::*;
pub use token::*;
pub use workspace::*;

use diesel::prelude::*;

use super::DbConn;
use super::models::*;
use super::schema::*;
use crate::domain::DomainError;
use crate::domain::access::Grants;

/// What can go wrong in a store operation. Every variant but `Db` is the user's to fix and
/// carries a message fit for them; `Db` is logged and never shown.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    #[error("the sub-goal has changed since it was read (current ETag {current_etag})")]
    PreconditionFailed { current_etag: String },
    #[error(transparent)]
    Invalid(#[from] DomainError),
    #[error("database error: {0}")]
    Db(#[from] diesel::result::Error),
    /// A stored row breaks a rule it was checked against on the way in.
    #[error("inconsistent stored data: {0}")]
    Corrupt(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Who is acting: resolved from a bearer token or a session (API and pages), or the operator
/// at the command line. What it may do is `grants`, checked by `domain::access`.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The name shown in history and logs: the token's name or the person's.
    pub name: String,
    pub grants: Grants,
    pub token_id: Option<i32>,
    pub person_id: Option<i32>,
    pub session_id: Option<i32>,
}

impl Principal {
    /// The operator at the command line.
    pub fn operator(name: &str) -> Self {
        Self {
            name: name.to_string(),
            grants: Grants {
                operator: true,
                ..Grants::default()
            },
            token_id: None,
            person_id: None,
            session_id: None,
        }
    }
}

/// The store's form of `domain::access::may_administer`, for a plan found by the operation.
pub(crate) fn may_administer(who: &Principal, plan_id: i32, slug: &str) -> StoreResult<()> {
    crate::domain::access::may_administer(&who.grants, plan_id, slug)
        .map_err(|r| StoreError::Forbidden(r.0))
}

/// The entity tag of a sub-goal's current state.
pub fn etag(sub_goal: &SubGoalRow) -> String {
    crate::domain::subgoal::etag(sub_goal.id, sub_goal.version)
}

/// Whether the database holds no plan yet (start-up loads the Ballerup seed then).
pub fn is_empty(conn: &mut DbConn) -> StoreResult<bool> {
    let n: i64 = plans::table.count().get_result(conn)?;
    Ok(n == 0)
}

/// The database answers a trivial query.
pub fn ping(conn: &mut DbConn) -> StoreResult<()> {
    let _: i64 = plans::table.count().get_result(conn)?;
    Ok(())
}

/// Used by tests and the restart check: number of progress updates stored.
pub fn count_progress(conn: &mut DbConn) -> StoreResult<i64> {
    Ok(progress_updates::table.count().get_result(conn)?)
}
