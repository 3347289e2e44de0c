//! API tokens: created on the command line, stored as their SHA-256, revoked by id.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::models::*;
use crate::db::native::on_backend;
use crate::db::schema::*;
use crate::db::{DbConn, write_tx};
use crate::domain::access;
use crate::domain::access::Grants;
use crate::domain::token::{TokenKind, TokenScope};

use super::*;

/// What `token create` (and the admin page) asks for.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub name: String,
    pub kind: TokenKind,
    /// For owner tokens: the owner's e-mail address (set or updated).
    pub email: Option<String>,
    /// The plan an admin or reader token is for, and the plan the owner's measure numbers
    /// refer to. Operator tokens have none.
    pub plan_slug: String,
    pub measures: Vec<i32>,
    pub token_hash: String,
}

/// Create a token; `by` is who asks (checked: a plan's admin makes tokens for that plan only,
/// an operator token only an operator).
pub fn create_token(
    conn: &mut DbConn,
    t: &NewToken,
    by: &Principal,
    now: NaiveDateTime,
) -> StoreResult<TokenRow> {
    write_tx(conn, |conn| {
        let plan = if t.kind == TokenKind::Operator {
            access::may_operate(&by.grants).map_err(|r| StoreError::Forbidden(r.0))?;
            None
        } else {
            let plan = find_plan(conn, &t.plan_slug)?;
            access::may_administer(&by.grants, plan.id, &plan.slug)
                .map_err(|r| StoreError::Forbidden(r.0))?;
            Some(plan)
        };
        let plan_id = plan.as_ref().map(|p| p.id);
        let owner_id = if let (TokenKind::Owner, Some(plan)) = (t.kind, &plan) {
            let owner = match find_owner_by_name(conn, &t.name)? {
                Some(o) => {
                    if t.email.is_some() && t.email != o.email {
                        diesel::update(owners::table.find(o.id))
                            .set(owners::email.eq(&t.email))
                            .execute(conn)?;
                    }
                    o
                }
                None => insert_owner(conn, &t.name, t.email.as_deref(), now)?,
            };
            for number in &t.measures {
                let m = find_measure(conn, plan, *number)?;
                let exists = diesel::select(diesel::dsl::exists(
                    measure_owners::table
                        .filter(measure_owners::measure_id.eq(m.id))
                        .filter(measure_owners::owner_id.eq(owner.id)),
                ))
                .get_result::<bool>(conn)?;
                if !exists {
                    diesel::insert_into(measure_owners::table)
                        .values((
                            measure_owners::measure_id.eq(m.id),
                            measure_owners::owner_id.eq(owner.id),
                        ))
                        .execute(conn)?;
                }
            }
            Some(owner.id)
        } else {
            None
        };
        let id: i32 = diesel::insert_into(api_tokens::table)
            .values((
                api_tokens::name.eq(&t.name),
                api_tokens::role.eq(t.kind.role().as_str()),
                api_tokens::owner_id.eq(owner_id),
                api_tokens::plan_id.eq(plan_id),
                api_tokens::token_hash.eq(&t.token_hash),
                api_tokens::created_at.eq(now),
            ))
            .returning(api_tokens::id)
            .get_result(conn)?;
        let row = api_tokens::table
            .find(id)
            .select(TokenRow::as_select())
            .get_result(conn)?;
        audit(
            conn,
            &Audit::by(
                by,
                plan_id,
                "token_created",
                format!(
                    "API-nøgle {} »{}« ({})",
                    row.id,
                    row.name,
                    t.kind.label_da()
                ),
            ),
            now,
        )?;
        Ok(row)
    })
}

/// A token as lists show it: the row, what it may act on, its plan's slug.
#[derive(Debug, Clone)]
pub struct TokenListed {
    pub row: TokenRow,
    pub kind: TokenKind,
    pub plan_slug: Option<String>,
}

/// Every token (`plan` None), or the tokens of one plan, oldest first.
pub fn list_tokens(conn: &mut DbConn, plan: Option<&str>) -> StoreResult<Vec<TokenListed>> {
    let plan_id = plan.map(|s| find_plan(conn, s)).transpose()?.map(|p| p.id);
    let mut q = api_tokens::table
        .left_join(plans::table)
        .order(api_tokens::id.asc())
        .select((TokenRow::as_select(), plans::slug.nullable()))
        .into_boxed();
    if let Some(id) = plan_id {
        q = q.filter(api_tokens::plan_id.eq(id));
    }
    let rows: Vec<(TokenRow, Option<String>)> = q.load(conn)?;
    rows.into_iter()
        .map(|(row, plan_slug)| {
            let kind = TokenScope::from_stored(row.role, row.plan_id, row.owner_id)?.kind();
            Ok(TokenListed {
                row,
                kind,
                plan_slug,
            })
        })
        .collect()
}

/// Revoke a token; `by` must administer its plan (an operator token: be an operator).
pub fn revoke_token(
    conn: &mut DbConn,
    id: i32,
    by: &Principal,
    now: NaiveDateTime,
) -> StoreResult<TokenRow> {
    write_tx(conn, |conn| {
        let found = api_tokens::table
            .find(id)
            .select(TokenRow::as_select())
            .get_result(conn)
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("no token with id {id}")))?;
        match found.plan_id {
            Some(plan_id) => {
                let slug: String = plans::table
                    .find(plan_id)
                    .select(plans::slug)
                    .get_result(conn)?;
                access::may_administer(&by.grants, plan_id, &slug)
            }
            None => access::may_operate(&by.grants),
        }
        .map_err(|r| StoreError::Forbidden(r.0))?;
        let n = diesel::update(
            api_tokens::table
                .filter(api_tokens::id.eq(id))
                .filter(api_tokens::revoked_at.is_null()),
        )
        .set(api_tokens::revoked_at.eq(Some(now)))
        .execute(conn)?;
        let row = api_tokens::table
            .find(id)
            .select(TokenRow::as_select())
            .get_result(conn)
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("no token with id {id}")))?;
        if n == 0 {
            return Err(StoreError::Conflict(format!(
                "token {id} is revoked already"
            )));
        }
        audit(
            conn,
            &Audit::by(
                by,
                row.plan_id,
                "token_revoked",
                format!("nøgle {} »{}«", row.id, row.name),
            ),
            now,
        )?;
        Ok(row)
    })
}

/// A token's use is written down (`last_used_at`, and the audit log once a day) at most
/// this often, so that a busy integration does not write on every request.
const TOKEN_USE_RECORDED_EVERY_MINUTES: i64 = 60;

/// The principal behind a token hash, if the token exists and is not revoked, and whether
/// its use should be recorded now ([`record_token_use`]).
pub fn authenticate(
    conn: &mut DbConn,
    token_hash: &str,
    now: NaiveDateTime,
) -> StoreResult<Option<(Principal, bool)>> {
    // Every authenticated request asks this: on the backend's own connection (see `native`).
    let row = on_backend!(conn, c => api_tokens::table
        .filter(api_tokens::token_hash.eq(token_hash))
        .filter(api_tokens::revoked_at.is_null())
        .select(TokenRow::as_select())
        .get_result(c)
        .optional())?;
    let Some(row) = row else { return Ok(None) };
    let scope = TokenScope::from_stored(row.role, row.plan_id, row.owner_id)?;
    let grants = match scope {
        TokenScope::Operator => Grants {
            operator: true,
            ..Grants::default()
        },
        TokenScope::PlanAdmin { plan_id } => Grants {
            plans: vec![(plan_id, access::PlanRole::Admin)],
            ..Grants::default()
        },
        TokenScope::Reader { plan_id: Some(p) } => Grants {
            plans: vec![(p, access::PlanRole::Reader)],
            ..Grants::default()
        },
        TokenScope::Reader { plan_id: None } => Grants {
            reads_every_plan: true,
            ..Grants::default()
        },
        TokenScope::Owner { owner_id } => Grants {
            owners: vec![owner_id],
            owner_plans: plans_owned_by(conn, &[owner_id])?,
            ..Grants::default()
        },
    };
    let record = row
        .last_used_at
        .is_none_or(|t| now - t >= chrono::Duration::minutes(TOKEN_USE_RECORDED_EVERY_MINUTES));
    Ok(Some((
        Principal {
            name: row.name,
            grants,
            token_id: Some(row.id),
            person_id: None,
            session_id: None,
        },
        record,
    )))
}

/// The plans in which these owners own measures.
pub(super) fn plans_owned_by(conn: &mut DbConn, owner_ids: &[i32]) -> StoreResult<Vec<i32>> {
    if owner_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(measure_owners::table
        .inner_join(measures::table)
        .filter(measure_owners::owner_id.eq_any(owner_ids))
        .select(measures::plan_id)
        .distinct()
        .load(conn)?)
}

/// Note that a token was used: `last_used_at`, and an audit entry on the first use of a day.
pub fn record_token_use(
    conn: &mut DbConn,
    token_id: i32,
    client: Option<String>,
    now: NaiveDateTime,
) -> StoreResult<()> {
    write_tx(conn, |conn| {
        let (name, plan_id, last): (String, Option<i32>, Option<NaiveDateTime>) = api_tokens::table
            .find(token_id)
            .select((
                api_tokens::name,
                api_tokens::plan_id,
                api_tokens::last_used_at,
            ))
            .get_result(conn)?;
        diesel::update(api_tokens::table.find(token_id))
            .set(api_tokens::last_used_at.eq(Some(now)))
            .execute(conn)?;
        if last.is_none_or(|t| t.date() != now.date()) {
            audit(
                conn,
                &Audit {
                    plan_id,
                    person_id: None,
                    token_id: Some(token_id),
                    actor: name.clone(),
                    action: "token_used",
                    detail: format!("nøgle {token_id} »{name}« brugt (første gang i dag)"),
                    client,
                },
                now,
            )?;
        }
        Ok(())
    })
}
