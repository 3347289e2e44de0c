//! API tokens: created on the command line, stored as their SHA-256, revoked by id.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::models::*;
use crate::db::native::on_backend;
use crate::db::schema::*;
use crate::db::{DbConn, write_tx};
use crate::domain::token::Role;

use super::*;

/// What `token create` asks for.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub name: String,
    pub role: Role,
    /// For owner tokens: the owner's e-mail address (set or updated).
    pub email: Option<String>,
    /// For owner tokens: plan and measure numbers the owner is given.
    pub plan_slug: String,
    pub measures: Vec<i32>,
    pub token_hash: String,
}

pub fn create_token(conn: &mut DbConn, t: &NewToken, now: NaiveDateTime) -> StoreResult<TokenRow> {
    write_tx(conn, |conn| {
        let owner_id = if t.role == Role::Owner {
            let plan = find_plan(conn, &t.plan_slug)?;
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
                let m = find_measure(conn, &plan, *number)?;
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
                api_tokens::role.eq(t.role.as_str()),
                api_tokens::owner_id.eq(owner_id),
                api_tokens::token_hash.eq(&t.token_hash),
                api_tokens::created_at.eq(now),
            ))
            .returning(api_tokens::id)
            .get_result(conn)?;
        Ok(api_tokens::table
            .find(id)
            .select(TokenRow::as_select())
            .get_result(conn)?)
    })
}

pub fn list_tokens(conn: &mut DbConn) -> StoreResult<Vec<TokenRow>> {
    Ok(api_tokens::table
        .order(api_tokens::id.asc())
        .select(TokenRow::as_select())
        .load(conn)?)
}

pub fn revoke_token(conn: &mut DbConn, id: i32, now: NaiveDateTime) -> StoreResult<TokenRow> {
    write_tx(conn, |conn| {
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
        Ok(row)
    })
}

/// The principal behind a token hash, if the token exists and is not revoked.
pub fn authenticate(conn: &mut DbConn, token_hash: &str) -> StoreResult<Option<Principal>> {
    // Every authenticated request asks this: on the backend's own connection (see `native`).
    let row = on_backend!(conn, c => api_tokens::table
        .filter(api_tokens::token_hash.eq(token_hash))
        .filter(api_tokens::revoked_at.is_null())
        .select(TokenRow::as_select())
        .get_result(c)
        .optional())?;
    let Some(row) = row else { return Ok(None) };
    let role = row.role;
    Ok(Some(Principal {
        token_id: Some(row.id),
        name: row.name,
        role,
        owner_id: row.owner_id,
    }))
}
