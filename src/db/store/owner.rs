//! Owners (departments) and which measures they own.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::models::*;
use crate::db::schema::*;
use crate::db::{DbConn, read_tx, write_tx};
use crate::domain::edits::{MeasureOwners, NewOwner};
use crate::domain::{DomainError, EmailAddress};

use super::*;

/// An owner with the (plan slug, measure number) pairs it owns.
pub type OwnerWithMeasures = (OwnerRow, Vec<(String, i32)>);

pub fn list_owners(conn: &mut DbConn) -> StoreResult<Vec<OwnerWithMeasures>> {
    read_tx(conn, |conn| {
        let owners = owners::table
            .order(owners::name.asc())
            .select(OwnerRow::as_select())
            .load(conn)?;
        let links: Vec<(i32, String, i32)> = measure_owners::table
            .inner_join(measures::table.inner_join(plans::table))
            .order((plans::slug.asc(), measures::number.asc()))
            .select((measure_owners::owner_id, plans::slug, measures::number))
            .load(conn)?;
        Ok(owners
            .into_iter()
            .map(|o| {
                let ms = links
                    .iter()
                    .filter(|(oid, _, _)| *oid == o.id)
                    .map(|(_, s, n)| (s.clone(), *n))
                    .collect();
                (o, ms)
            })
            .collect())
    })
}

pub(super) fn find_owner_by_name(conn: &mut DbConn, name: &str) -> StoreResult<Option<OwnerRow>> {
    Ok(owners::table
        .filter(owners::name.eq(name))
        .select(OwnerRow::as_select())
        .get_result(conn)
        .optional()?)
}

pub(super) fn insert_owner(
    conn: &mut DbConn,
    name: &str,
    email: Option<&str>,
    now: NaiveDateTime,
) -> StoreResult<OwnerRow> {
    let id: i32 = diesel::insert_into(owners::table)
        .values((
            owners::name.eq(name),
            owners::email.eq(email),
            owners::created_at.eq(now),
        ))
        .returning(owners::id)
        .get_result(conn)?;
    Ok(owners::table
        .find(id)
        .select(OwnerRow::as_select())
        .get_result(conn)?)
}

pub fn create_owner(
    conn: &mut DbConn,
    new: &NewOwner,
    now: NaiveDateTime,
) -> StoreResult<OwnerRow> {
    let name = new.name.as_str();
    let email = new.email.as_ref().map(EmailAddress::as_str);
    write_tx(conn, |conn| {
        if find_owner_by_name(conn, name)?.is_some() {
            return Err(StoreError::Conflict(format!(
                "an owner named '{name}' exists already"
            )));
        }
        insert_owner(conn, name, email, now)
    })
}

/// Replace the owners of a measure.
pub fn set_measure_owners(
    conn: &mut DbConn,
    slug: &str,
    number: i32,
    owners: &MeasureOwners,
    who: &Principal,
) -> StoreResult<Vec<OwnerRow>> {
    let owner_ids = owners.ids();
    write_tx(conn, |conn| {
        let plan = find_plan(conn, slug)?;
        may_administer(who, plan.id, &plan.slug)?;
        let measure = find_measure(conn, &plan, number)?;
        let known: Vec<i32> = owners::table
            .filter(owners::id.eq_any(owner_ids))
            .select(owners::id)
            .load(conn)?;
        let unknown: Vec<String> = owner_ids
            .iter()
            .filter(|id| !known.contains(id))
            .map(|id| id.to_string())
            .collect();
        if !unknown.is_empty() {
            return Err(DomainError::new(
                "owner_ids",
                format!("no owner with id {}", unknown.join(", ")),
            )
            .into());
        }
        diesel::delete(measure_owners::table.filter(measure_owners::measure_id.eq(measure.id)))
            .execute(conn)?;
        for &owner_id in owner_ids {
            diesel::insert_into(measure_owners::table)
                .values((
                    measure_owners::measure_id.eq(measure.id),
                    measure_owners::owner_id.eq(owner_id),
                ))
                .execute(conn)?;
        }
        crate::db::read::owners_of(conn, measure.id)
    })
}
