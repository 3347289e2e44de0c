//! People: who they are, which owners they work in, their roles per plan, their sessions and
//! sign-in links, and the audit log of sign-ins, token use and role changes.
//!
//! Each change that grants or takes away something writes its audit entry in the same
//! transaction, so the log cannot miss a change that happened.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::models::*;
use crate::db::schema::*;
use crate::db::{DbConn, read_tx, write_tx};
use crate::domain::access::{self, Grants, PlanRole};
use crate::domain::signin::{self, LinkDecision, SessionLimits};

use super::*;

/// One line of the audit log, before it is written.
#[derive(Debug, Clone)]
pub struct Audit {
    pub plan_id: Option<i32>,
    pub person_id: Option<i32>,
    pub token_id: Option<i32>,
    pub actor: String,
    pub action: &'static str,
    pub detail: String,
    pub client: Option<String>,
}

impl Audit {
    /// An entry for something `by` did.
    pub fn by(by: &Principal, plan_id: Option<i32>, action: &'static str, detail: String) -> Self {
        Self {
            plan_id,
            person_id: by.person_id,
            token_id: by.token_id,
            actor: by.name.clone(),
            action,
            detail,
            client: None,
        }
    }
}

pub(super) fn audit(conn: &mut DbConn, a: &Audit, now: NaiveDateTime) -> StoreResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(now),
            audit_log::plan_id.eq(a.plan_id),
            audit_log::person_id.eq(a.person_id),
            audit_log::token_id.eq(a.token_id),
            audit_log::actor.eq(&a.actor),
            audit_log::action.eq(a.action),
            audit_log::detail.eq(&a.detail),
            audit_log::client.eq(&a.client),
        ))
        .execute(conn)?;
    Ok(())
}

/// The newest entries of a plan's audit log (with the entries of no plan, such as sign-ins,
/// when `with_global`), newest first.
pub fn list_audit(
    conn: &mut DbConn,
    plan_slug: &str,
    with_global: bool,
    limit: i64,
) -> StoreResult<Vec<AuditRow>> {
    let plan = find_plan(conn, plan_slug)?;
    let mut q = audit_log::table
        .order((audit_log::at.desc(), audit_log::id.desc()))
        .limit(limit)
        .select(AuditRow::as_select())
        .into_boxed();
    q = if with_global {
        q.filter(
            audit_log::plan_id
                .eq(plan.id)
                .or(audit_log::plan_id.is_null()),
        )
    } else {
        q.filter(audit_log::plan_id.eq(plan.id))
    };
    Ok(q.load(conn)?)
}

/// A person with their owners and roles, as lists show them.
#[derive(Debug, Clone)]
pub struct PersonView {
    pub person: PersonRow,
    /// (owner id, owner name)
    pub owners: Vec<(i32, String)>,
    /// (plan slug, role)
    pub roles: Vec<(String, PlanRole)>,
}

fn find_person(conn: &mut DbConn, email: &str) -> StoreResult<PersonRow> {
    persons::table
        .filter(persons::email.eq(email))
        .select(PersonRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("no person with the address {email}")))
}

pub fn get_person(conn: &mut DbConn, id: i32) -> StoreResult<PersonView> {
    read_tx(conn, |conn| {
        let p = persons::table
            .find(id)
            .select(PersonRow::as_select())
            .get_result(conn)
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("no person with id {id}")))?;
        Ok(person_views(conn, vec![p])?.remove(0))
    })
}

fn person_views(conn: &mut DbConn, people: Vec<PersonRow>) -> StoreResult<Vec<PersonView>> {
    let ids: Vec<i32> = people.iter().map(|p| p.id).collect();
    let owners: Vec<(i32, i32, String)> = person_owners::table
        .inner_join(owners::table)
        .filter(person_owners::person_id.eq_any(&ids))
        .order(owners::name.asc())
        .select((person_owners::person_id, owners::id, owners::name))
        .load(conn)?;
    let roles: Vec<(i32, String, String)> = plan_roles::table
        .inner_join(plans::table)
        .filter(plan_roles::person_id.eq_any(&ids))
        .order(plans::slug.asc())
        .select((plan_roles::person_id, plans::slug, plan_roles::role))
        .load(conn)?;
    people
        .into_iter()
        .map(|person| {
            let roles = roles
                .iter()
                .filter(|(p, _, _)| *p == person.id)
                .map(|(_, slug, r)| Ok((slug.clone(), PlanRole::parse(r)?)))
                .collect::<StoreResult<Vec<_>>>()?;
            Ok(PersonView {
                owners: owners
                    .iter()
                    .filter(|(p, _, _)| *p == person.id)
                    .map(|(_, id, name)| (*id, name.clone()))
                    .collect(),
                roles,
                person,
            })
        })
        .collect()
}

/// Everybody (`plan` None), or the people with a role on the plan or a membership of an owner
/// of one of its measures; by name.
pub fn list_persons(conn: &mut DbConn, plan: Option<&str>) -> StoreResult<Vec<PersonView>> {
    read_tx(conn, |conn| {
        let mut people: Vec<PersonRow> = persons::table
            .order((persons::name.asc(), persons::id.asc()))
            .select(PersonRow::as_select())
            .load(conn)?;
        if let Some(slug) = plan {
            let plan = find_plan(conn, slug)?;
            let with_role: Vec<i32> = plan_roles::table
                .filter(plan_roles::plan_id.eq(plan.id))
                .select(plan_roles::person_id)
                .load(conn)?;
            let members: Vec<i32> = person_owners::table
                .inner_join(
                    measure_owners::table.on(measure_owners::owner_id.eq(person_owners::owner_id)),
                )
                .inner_join(measures::table.on(measures::id.eq(measure_owners::measure_id)))
                .filter(measures::plan_id.eq(plan.id))
                .select(person_owners::person_id)
                .distinct()
                .load(conn)?;
            people.retain(|p| with_role.contains(&p.id) || members.contains(&p.id));
        }
        person_views(conn, people)
    })
}

/// What `person add` and the admin page ask for.
#[derive(Debug, Clone)]
pub struct NewPerson {
    pub name: String,
    /// Normalised ([`signin::normalise_email`]).
    pub email: String,
    /// Owners (by id) the person works in.
    pub owner_ids: Vec<i32>,
    /// A role on a plan to grant at once: (slug, role).
    pub role: Option<(String, PlanRole)>,
}

/// Add a person. A plan's admin may add people with roles on that plan and memberships of
/// owners; the admin role itself is granted by an operator ([`grant_role`]).
pub fn add_person(
    conn: &mut DbConn,
    new: &NewPerson,
    by: &Principal,
    now: NaiveDateTime,
) -> StoreResult<PersonView> {
    write_tx(conn, |conn| {
        access::may_administer_some_plan(&by.grants, &by.name)
            .map_err(|r| StoreError::Forbidden(r.0))?;
        let exists = diesel::select(diesel::dsl::exists(
            persons::table.filter(persons::email.eq(&new.email)),
        ))
        .get_result::<bool>(conn)?;
        if exists {
            return Err(StoreError::Conflict(format!(
                "a person with the address {} exists already",
                new.email
            )));
        }
        let id: i32 = diesel::insert_into(persons::table)
            .values((
                persons::name.eq(&new.name),
                persons::email.eq(&new.email),
                persons::active.eq(true),
                persons::operator.eq(false),
                persons::created_at.eq(now),
            ))
            .returning(persons::id)
            .get_result(conn)?;
        audit(
            conn,
            &Audit::by(
                by,
                None,
                "person_added",
                format!("{} <{}>", new.name, new.email),
            ),
            now,
        )?;
        for owner in &new.owner_ids {
            add_membership_in(conn, id, *owner, by, now)?;
        }
        if let Some((slug, role)) = &new.role {
            set_role_in(conn, id, slug, Some(*role), by, now)?;
        }
        let p = persons::table
            .find(id)
            .select(PersonRow::as_select())
            .get_result(conn)?;
        Ok(person_views(conn, vec![p])?.remove(0))
    })
}

fn add_membership_in(
    conn: &mut DbConn,
    person_id: i32,
    owner_id: i32,
    by: &Principal,
    now: NaiveDateTime,
) -> StoreResult<()> {
    let owner: OwnerRow = owners::table
        .find(owner_id)
        .select(OwnerRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| {
            crate::domain::DomainError::new("owner", format!("no owner with id {owner_id}"))
        })?;
    // An owner is a member of a plan through its measures; an admin adds members to the
    // owners of its own plans (an owner without measures yet: any admin).
    let plans = plans_owned_by(conn, &[owner_id])?;
    if !by.grants.operator && !plans.iter().all(|p| by.grants.administers(*p)) {
        return Err(StoreError::Forbidden(format!(
            "'{}' owns measures in a plan you do not administer",
            owner.name
        )));
    }
    let exists = diesel::select(diesel::dsl::exists(
        person_owners::table
            .filter(person_owners::person_id.eq(person_id))
            .filter(person_owners::owner_id.eq(owner_id)),
    ))
    .get_result::<bool>(conn)?;
    if !exists {
        diesel::insert_into(person_owners::table)
            .values((
                person_owners::person_id.eq(person_id),
                person_owners::owner_id.eq(owner_id),
            ))
            .execute(conn)?;
        let email: String = persons::table
            .find(person_id)
            .select(persons::email)
            .get_result(conn)?;
        audit(
            conn,
            &Audit::by(
                by,
                plans.first().copied(),
                "membership_added",
                format!("{email} i »{}«", owner.name),
            ),
            now,
        )?;
    }
    Ok(())
}

/// Make a person a member of an owner (they then report on its measures).
pub fn add_membership(
    conn: &mut DbConn,
    person_id: i32,
    owner_id: i32,
    by: &Principal,
    now: NaiveDateTime,
) -> StoreResult<PersonView> {
    write_tx(conn, |conn| {
        add_membership_in(conn, person_id, owner_id, by, now)?;
        get_person(conn, person_id)
    })
}

/// End a person's membership of an owner.
pub fn remove_membership(
    conn: &mut DbConn,
    person_id: i32,
    owner_id: i32,
    by: &Principal,
    now: NaiveDateTime,
) -> StoreResult<PersonView> {
    write_tx(conn, |conn| {
        let plans = plans_owned_by(conn, &[owner_id])?;
        let owner: String = owners::table
            .find(owner_id)
            .select(owners::name)
            .get_result(conn)
            .optional()?
            .unwrap_or_default();
        if !by.grants.operator && !plans.iter().all(|p| by.grants.administers(*p)) {
            return Err(StoreError::Forbidden(
                "the owner owns measures in a plan you do not administer".into(),
            ));
        }
        let n = diesel::delete(
            person_owners::table
                .filter(person_owners::person_id.eq(person_id))
                .filter(person_owners::owner_id.eq(owner_id)),
        )
        .execute(conn)?;
        if n > 0 {
            let email = get_person(conn, person_id)?.person.email;
            audit(
                conn,
                &Audit::by(
                    by,
                    plans.first().copied(),
                    "membership_removed",
                    format!("{email} ud af »{owner}«"),
                ),
                now,
            )?;
        }
        get_person(conn, person_id)
    })
}

fn set_role_in(
    conn: &mut DbConn,
    person_id: i32,
    plan_slug: &str,
    role: Option<PlanRole>,
    by: &Principal,
    now: NaiveDateTime,
) -> StoreResult<()> {
    let plan = find_plan(conn, plan_slug)?;
    let current: Option<String> = plan_roles::table
        .find((person_id, plan.id))
        .select(plan_roles::role)
        .get_result(conn)
        .optional()?;
    let current = current.map(|r| PlanRole::parse(&r)).transpose()?;
    if current == role {
        return Ok(());
    }
    // Granting or taking away admin is an operator's; other roles are the plan admin's.
    if role == Some(PlanRole::Admin) || current == Some(PlanRole::Admin) {
        access::may_operate(&by.grants).map_err(|r| StoreError::Forbidden(r.0))?;
    } else {
        access::may_administer(&by.grants, plan.id, &plan.slug)
            .map_err(|r| StoreError::Forbidden(r.0))?;
    }
    diesel::delete(plan_roles::table.find((person_id, plan.id))).execute(conn)?;
    if let Some(role) = role {
        diesel::insert_into(plan_roles::table)
            .values((
                plan_roles::person_id.eq(person_id),
                plan_roles::plan_id.eq(plan.id),
                plan_roles::role.eq(role.as_str()),
                plan_roles::granted_at.eq(now),
                plan_roles::granted_by.eq(&by.name),
            ))
            .execute(conn)?;
    }
    let email: String = persons::table
        .find(person_id)
        .select(persons::email)
        .get_result(conn)?;
    let show = |r: Option<PlanRole>| r.map_or("ingen", PlanRole::label_da);
    audit(
        conn,
        &Audit::by(
            by,
            Some(plan.id),
            "role_changed",
            format!(
                "{email} på »{}«: {} → {}",
                plan.slug,
                show(current),
                show(role)
            ),
        ),
        now,
    )?;
    Ok(())
}

/// Give a person a role on a plan, or take it away (`None`).
pub fn grant_role(
    conn: &mut DbConn,
    email: &str,
    plan_slug: &str,
    role: Option<PlanRole>,
    by: &Principal,
    now: NaiveDateTime,
) -> StoreResult<PersonView> {
    write_tx(conn, |conn| {
        let p = find_person(conn, email)?;
        set_role_in(conn, p.id, plan_slug, role, by, now)?;
        get_person(conn, p.id)
    })
}

/// Make a person an operator, or no longer one (operators only).
pub fn set_operator(
    conn: &mut DbConn,
    email: &str,
    operator: bool,
    by: &Principal,
    now: NaiveDateTime,
) -> StoreResult<PersonView> {
    write_tx(conn, |conn| {
        access::may_operate(&by.grants).map_err(|r| StoreError::Forbidden(r.0))?;
        let p = find_person(conn, email)?;
        if p.operator != operator {
            diesel::update(persons::table.find(p.id))
                .set(persons::operator.eq(operator))
                .execute(conn)?;
            audit(
                conn,
                &Audit::by(
                    by,
                    None,
                    "role_changed",
                    format!(
                        "{email}: driftsansvarlig {}",
                        if operator { "tildelt" } else { "fjernet" }
                    ),
                ),
                now,
            )?;
        }
        get_person(conn, p.id)
    })
}

/// Disable a person (their sessions end and no link is sent to them) or enable them again.
/// An admin may disable the people of its plans; an operator anybody.
pub fn set_person_active(
    conn: &mut DbConn,
    person_id: i32,
    active: bool,
    by: &Principal,
    now: NaiveDateTime,
) -> StoreResult<PersonView> {
    write_tx(conn, |conn| {
        let view = get_person(conn, person_id)?;
        if !by.grants.operator {
            // Only people whose every plan the caller administers: an admin of one plan
            // cannot shut out another plan's staff.
            let mut plans: Vec<i32> = plan_roles::table
                .filter(plan_roles::person_id.eq(person_id))
                .select(plan_roles::plan_id)
                .load(conn)?;
            let owner_ids: Vec<i32> = view.owners.iter().map(|(id, _)| *id).collect();
            plans.extend(plans_owned_by(conn, &owner_ids)?);
            if view.person.operator
                || plans.is_empty() && !by.grants.administers_any()
                || !plans.iter().all(|p| by.grants.administers(*p))
            {
                return Err(StoreError::Forbidden(format!(
                    "{} works in plans you do not administer",
                    view.person.email
                )));
            }
        }
        if view.person.active == active {
            return Ok(view);
        }
        diesel::update(persons::table.find(person_id))
            .set((
                persons::active.eq(active),
                persons::disabled_at.eq((!active).then_some(now)),
            ))
            .execute(conn)?;
        if !active {
            diesel::update(
                sessions::table
                    .filter(sessions::person_id.eq(person_id))
                    .filter(sessions::ended_at.is_null()),
            )
            .set(sessions::ended_at.eq(Some(now)))
            .execute(conn)?;
        }
        audit(
            conn,
            &Audit::by(
                by,
                None,
                if active {
                    "person_enabled"
                } else {
                    "person_disabled"
                },
                view.person.email.clone(),
            ),
            now,
        )?;
        get_person(conn, person_id)
    })
}

/// Disable by address (the command line).
pub fn disable_person(
    conn: &mut DbConn,
    email: &str,
    by: &Principal,
    now: NaiveDateTime,
) -> StoreResult<PersonView> {
    let p = find_person(conn, email)?;
    set_person_active(conn, p.id, false, by, now)
}

/// What a person may do, from their roles and memberships.
fn grants_of(conn: &mut DbConn, p: &PersonRow) -> StoreResult<Grants> {
    let roles: Vec<(i32, String)> = plan_roles::table
        .filter(plan_roles::person_id.eq(p.id))
        .select((plan_roles::plan_id, plan_roles::role))
        .load(conn)?;
    let owners: Vec<i32> = person_owners::table
        .filter(person_owners::person_id.eq(p.id))
        .select(person_owners::owner_id)
        .load(conn)?;
    Ok(Grants {
        operator: p.operator,
        plans: roles
            .into_iter()
            .map(|(plan, r)| Ok((plan, PlanRole::parse(&r)?)))
            .collect::<StoreResult<_>>()?,
        owner_plans: plans_owned_by(conn, &owners)?,
        owners,
        reads_every_plan: false,
    })
}

fn principal_of(
    conn: &mut DbConn,
    p: &PersonRow,
    session_id: Option<i32>,
) -> StoreResult<Principal> {
    Ok(Principal {
        name: p.name.clone(),
        grants: grants_of(conn, p)?,
        token_id: None,
        person_id: Some(p.id),
        session_id,
    })
}

/// A request for a sign-in link, recorded whatever the answer (the limits count every one).
/// Returns the person to mail when a link is to be sent; `secret_hash` is then stored.
pub fn request_link(
    conn: &mut DbConn,
    email: &str,
    client: &str,
    secret_hash: &str,
    now: NaiveDateTime,
) -> StoreResult<(LinkDecision, Option<PersonRow>)> {
    write_tx(conn, |conn| {
        // Requests older than a day count for no limit and open nothing: they go.
        diesel::delete(
            login_links::table.filter(login_links::requested_at.lt(now - Duration::days(1))),
        )
        .execute(conn)?;
        let hour_ago = now - Duration::hours(1);
        let person = persons::table
            .filter(persons::email.eq(email))
            .select(PersonRow::as_select())
            .get_result(conn)
            .optional()?;
        let to_address: i64 = login_links::table
            .filter(login_links::email.eq(email))
            .filter(login_links::requested_at.gt(hour_ago))
            .filter(login_links::secret_hash.is_not_null())
            .count()
            .get_result(conn)?;
        let from_client: i64 = login_links::table
            .filter(login_links::client.eq(client))
            .filter(login_links::requested_at.gt(hour_ago))
            .count()
            .get_result(conn)?;
        let active = person.as_ref().filter(|p| p.active);
        let decision = signin::decide_link(active.is_some(), to_address, from_client);
        let send = decision == LinkDecision::Send;
        diesel::insert_into(login_links::table)
            .values((
                login_links::email.eq(email),
                login_links::client.eq(client),
                login_links::person_id.eq(active.filter(|_| send).map(|p| p.id)),
                login_links::secret_hash.eq(send.then_some(secret_hash)),
                login_links::requested_at.eq(now),
                login_links::expires_at.eq(now + Duration::minutes(signin::LINK_VALID_MINUTES)),
            ))
            .execute(conn)?;
        if decision == LinkDecision::Limited {
            audit(
                conn,
                &Audit {
                    plan_id: None,
                    person_id: person.as_ref().map(|p| p.id),
                    token_id: None,
                    actor: email.to_string(),
                    action: "sign_in_limited",
                    detail: "for mange log-ind-links bedt om".into(),
                    client: Some(client.to_string()),
                },
                now,
            )?;
        }
        Ok((decision, if send { person } else { None }))
    })
}

/// Why a sign-in was refused (the page says it in Danish).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInRefused {
    /// Unknown, used or expired link.
    BadLink,
    /// The person is disabled.
    Disabled,
    /// Nobody with that identity.
    Unknown,
}

/// What starting a session records.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub secret_hash: String,
    pub method: &'static str,
    pub user_agent: Option<String>,
    pub client: Option<String>,
}

fn start_session(
    conn: &mut DbConn,
    p: &PersonRow,
    s: &NewSession,
    detail: String,
    now: NaiveDateTime,
) -> StoreResult<Principal> {
    // Sessions ended or unused for a month go (the audit log keeps the sign-ins and -outs).
    let month_ago = now - Duration::days(30);
    diesel::delete(
        sessions::table.filter(
            sessions::ended_at
                .lt(month_ago)
                .or(sessions::last_seen_at.lt(month_ago)),
        ),
    )
    .execute(conn)?;
    let id: i32 = diesel::insert_into(sessions::table)
        .values((
            sessions::secret_hash.eq(&s.secret_hash),
            sessions::person_id.eq(p.id),
            sessions::method.eq(s.method),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
            sessions::user_agent.eq(&s.user_agent),
            sessions::client.eq(&s.client),
        ))
        .returning(sessions::id)
        .get_result(conn)?;
    audit(
        conn,
        &Audit {
            plan_id: None,
            person_id: Some(p.id),
            token_id: None,
            actor: p.name.clone(),
            action: "sign_in",
            detail,
            client: s.client.clone(),
        },
        now,
    )?;
    principal_of(conn, p, Some(id))
}

fn refuse(
    conn: &mut DbConn,
    who: &str,
    person_id: Option<i32>,
    why: SignInRefused,
    detail: &str,
    client: Option<String>,
    now: NaiveDateTime,
) -> StoreResult<Result<Principal, SignInRefused>> {
    audit(
        conn,
        &Audit {
            plan_id: None,
            person_id,
            token_id: None,
            actor: who.to_string(),
            action: "sign_in_refused",
            detail: detail.to_string(),
            client,
        },
        now,
    )?;
    Ok(Err(why))
}

/// Use a sign-in link: once, within its 15 minutes, for an active person. On success a new
/// session is started (a new secret, whatever the browser had before).
pub fn use_link(
    conn: &mut DbConn,
    link_hash: &str,
    session: &NewSession,
    now: NaiveDateTime,
) -> StoreResult<Result<Principal, SignInRefused>> {
    write_tx(conn, |conn| {
        type Link = (
            i32,
            Option<i32>,
            NaiveDateTime,
            Option<NaiveDateTime>,
            String,
        );
        let link: Option<Link> = login_links::table
            .filter(login_links::secret_hash.eq(link_hash))
            .select((
                login_links::id,
                login_links::person_id,
                login_links::expires_at,
                login_links::used_at,
                login_links::email,
            ))
            .get_result(conn)
            .optional()?;
        let client = session.client.clone();
        let Some((link_id, Some(person_id), expires_at, used_at, email)) = link else {
            return refuse(
                conn,
                "unknown",
                None,
                SignInRefused::BadLink,
                "ukendt log-ind-link",
                client,
                now,
            );
        };
        if used_at.is_some() {
            return refuse(
                conn,
                &email,
                Some(person_id),
                SignInRefused::BadLink,
                "log-ind-link brugt før",
                client,
                now,
            );
        }
        if now >= expires_at {
            return refuse(
                conn,
                &email,
                Some(person_id),
                SignInRefused::BadLink,
                "log-ind-link udløbet",
                client,
                now,
            );
        }
        // Used up whatever follows: a link is tried once.
        let n = diesel::update(
            login_links::table
                .filter(login_links::id.eq(link_id))
                .filter(login_links::used_at.is_null()),
        )
        .set(login_links::used_at.eq(Some(now)))
        .execute(conn)?;
        if n != 1 {
            return refuse(
                conn,
                &email,
                Some(person_id),
                SignInRefused::BadLink,
                "log-ind-link brugt før",
                client,
                now,
            );
        }
        let p: PersonRow = persons::table
            .find(person_id)
            .select(PersonRow::as_select())
            .get_result(conn)?;
        if !p.active {
            return refuse(
                conn,
                &email,
                Some(p.id),
                SignInRefused::Disabled,
                "adgangen er lukket",
                client,
                now,
            );
        }
        start_session(conn, &p, session, "link på e-mail".into(), now).map(Ok)
    })
}

/// Sign in a person found by an OpenID Connect claim (`claim` named for the log).
pub fn sign_in_by_claim(
    conn: &mut DbConn,
    claim: &str,
    value: &str,
    session: &NewSession,
    now: NaiveDateTime,
) -> StoreResult<Result<Principal, SignInRefused>> {
    write_tx(conn, |conn| {
        let email = value.trim().to_lowercase();
        let p = persons::table
            .filter(persons::email.eq(&email))
            .select(PersonRow::as_select())
            .get_result(conn)
            .optional()?;
        let client = session.client.clone();
        let Some(p) = p else {
            return refuse(
                conn,
                &email,
                None,
                SignInRefused::Unknown,
                &format!("OpenID Connect: ingen person med {claim} {email}"),
                client,
                now,
            );
        };
        if !p.active {
            return refuse(
                conn,
                &email,
                Some(p.id),
                SignInRefused::Disabled,
                "OpenID Connect: adgangen er lukket",
                client,
                now,
            );
        }
        start_session(
            conn,
            &p,
            session,
            format!("arbejdskonto (OpenID Connect, {claim})"),
            now,
        )
        .map(Ok)
    })
}

/// The person behind a session cookie's hash, if the session is alive; and whether its
/// last-seen time should be written ([`touch_session`]).
pub fn session_principal(
    conn: &mut DbConn,
    secret_hash: &str,
    limits: SessionLimits,
    now: NaiveDateTime,
) -> StoreResult<Option<(Principal, SessionRow, bool)>> {
    read_tx(conn, |conn| {
        let found: Option<(SessionRow, PersonRow)> = sessions::table
            .inner_join(persons::table)
            .filter(sessions::secret_hash.eq(secret_hash))
            .filter(sessions::ended_at.is_null())
            .select((SessionRow::as_select(), PersonRow::as_select()))
            .get_result(conn)
            .optional()?;
        let Some((s, p)) = found else { return Ok(None) };
        if !p.active || !limits.alive(s.created_at, s.last_seen_at, now) {
            return Ok(None);
        }
        let touch = signin::needs_touch(s.last_seen_at, now);
        Ok(Some((principal_of(conn, &p, Some(s.id))?, s, touch)))
    })
}

pub fn touch_session(conn: &mut DbConn, session_id: i32, now: NaiveDateTime) -> StoreResult<()> {
    diesel::update(sessions::table.find(session_id))
        .set(sessions::last_seen_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// A person's sessions that are alive, newest first.
pub fn list_sessions(
    conn: &mut DbConn,
    person_id: i32,
    limits: SessionLimits,
    now: NaiveDateTime,
) -> StoreResult<Vec<SessionRow>> {
    let rows: Vec<SessionRow> = sessions::table
        .filter(sessions::person_id.eq(person_id))
        .filter(sessions::ended_at.is_null())
        .order(sessions::last_seen_at.desc())
        .select(SessionRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|s| limits.alive(s.created_at, s.last_seen_at, now))
        .collect())
}

/// End one session (log out) or, with `everywhere`, every session of its person.
pub fn end_sessions(
    conn: &mut DbConn,
    session_id: i32,
    everywhere: bool,
    now: NaiveDateTime,
) -> StoreResult<usize> {
    write_tx(conn, |conn| {
        let (person_id, name): (i32, String) = sessions::table
            .inner_join(persons::table)
            .filter(sessions::id.eq(session_id))
            .select((sessions::person_id, persons::name))
            .get_result(conn)?;
        let open = sessions::table
            .filter(sessions::person_id.eq(person_id))
            .filter(sessions::ended_at.is_null())
            .into_boxed();
        let open = if everywhere {
            open
        } else {
            open.filter(sessions::id.eq(session_id))
        };
        let ids: Vec<i32> = open.select(sessions::id).load(conn)?;
        let n = diesel::update(sessions::table.filter(sessions::id.eq_any(&ids)))
            .set(sessions::ended_at.eq(Some(now)))
            .execute(conn)?;
        audit(
            conn,
            &Audit {
                plan_id: None,
                person_id: Some(person_id),
                token_id: None,
                actor: name,
                action: "sign_out",
                detail: if everywhere {
                    format!("logget ud alle steder ({n} sessioner)")
                } else {
                    "logget ud".into()
                },
                client: None,
            },
            now,
        )?;
        Ok(n)
    })
}

/// Remember an OpenID Connect sign-in under way.
pub fn begin_oidc(
    conn: &mut DbConn,
    state_hash: &str,
    nonce: &str,
    pkce_verifier: &str,
    now: NaiveDateTime,
) -> StoreResult<()> {
    write_tx(conn, |conn| {
        // Flows never finished are dropped as new ones begin.
        diesel::delete(
            oidc_flows::table.filter(
                oidc_flows::created_at.lt(now - Duration::minutes(signin::OIDC_FLOW_MINUTES)),
            ),
        )
        .execute(conn)?;
        diesel::insert_into(oidc_flows::table)
            .values((
                oidc_flows::state_hash.eq(state_hash),
                oidc_flows::nonce.eq(nonce),
                oidc_flows::pkce_verifier.eq(pkce_verifier),
                oidc_flows::created_at.eq(now),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// Take (once) the nonce and PKCE verifier of a flow by its state, if it is recent.
pub fn take_oidc(
    conn: &mut DbConn,
    state_hash: &str,
    now: NaiveDateTime,
) -> StoreResult<Option<(String, String)>> {
    write_tx(conn, |conn| {
        let row: Option<(String, String, NaiveDateTime)> = oidc_flows::table
            .find(state_hash)
            .select((
                oidc_flows::nonce,
                oidc_flows::pkce_verifier,
                oidc_flows::created_at,
            ))
            .get_result(conn)
            .optional()?;
        diesel::delete(oidc_flows::table.find(state_hash)).execute(conn)?;
        Ok(row
            .filter(|(_, _, at)| now - *at < Duration::minutes(signin::OIDC_FLOW_MINUTES))
            .map(|(n, v, _)| (n, v)))
    })
}

/// The ids of owners named on the command line; an unknown name is an error naming it.
pub fn owner_ids_by_name(conn: &mut DbConn, names: &[String]) -> StoreResult<Vec<i32>> {
    names
        .iter()
        .map(|name| {
            owners::table
                .filter(owners::name.eq(name))
                .select(owners::id)
                .get_result(conn)
                .optional()?
                .ok_or_else(|| {
                    crate::domain::DomainError::new("owner", format!("no owner named '{name}'"))
                        .into()
                })
        })
        .collect()
}

pub fn person_id_by_email(conn: &mut DbConn, email: &str) -> StoreResult<i32> {
    Ok(find_person(conn, email)?.id)
}

/// Write down a refused sign-in that never reached a person (e.g. an ID token that did not
/// verify), for the audit log.
pub fn record_refused_sign_in(
    conn: &mut DbConn,
    detail: &str,
    client: Option<String>,
    now: NaiveDateTime,
) -> StoreResult<()> {
    write_tx(conn, |conn| {
        refuse(
            conn,
            "unknown",
            None,
            SignInRefused::BadLink,
            detail,
            client,
            now,
        )
        .map(|_| ())
    })
}
