//! The administration of a plan, for its admins and the operators: `/admin` (the plans one
//! administers), and per plan `personer` (people, their owners and roles), `ansvar` (who owns
//! which measure), `tokens` (API tokens: create — shown once —, list, revoke) and `log` (the
//! audit log of sign-ins, token use and role changes).
//!
//! Every page checks, before it reads anything, that the person signed in administers the plan
//! (`domain::access`); every form is checked for its CSRF token and origin; every change is made
//! by the store function the command line uses, which checks the rule again in its transaction
//! and writes the audit entry with the change.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::account::{Signed, form_page, private, require_signed_in, role_label, see_other};
use super::form::{self, Errors, Form};
use super::i18n::{Lang, fill};
use super::page::{Chrome, PageError, page_response, render};
use crate::api::error::ApiError;
use crate::api::{AppState, run_db, run_write};
use crate::db::store::{self, NewPerson, NewToken, PersonView, StoreError};
use crate::domain::access::{self, PlanRole};
use crate::domain::edits::{MeasureOwners, NewOwner};
use crate::domain::signin;
use crate::domain::token::{self, TokenKind};

/// A refusal from the store, said in the page's language. The store's sentences are the API's
/// (English); the page names the rule instead, and the log keeps the store's words.
fn refusal(e: &ApiError, lang: Lang) -> String {
    let t = lang.t();
    tracing::info!(reason = %e, "an admin form was refused");
    match e {
        ApiError::Forbidden(_) => t.admin_change_forbidden,
        ApiError::NotFound(_) => t.admin_change_not_found,
        _ => t.admin_change_invalid,
    }
    .into()
}

/// The plan an admin page is about, as its frame names it.
pub(super) struct Administered {
    pub id: i32,
    pub title: String,
}

/// The person signed in, who administers `slug` (with the plan); else a redirect to the sign-in
/// page or a 403 page.
pub(super) async fn admin_of(
    state: &AppState,
    req: &HttpRequest,
    slug: &str,
    lang: Lang,
) -> Result<Result<(Signed, Administered), HttpResponse>, PageError> {
    let signed = match require_signed_in(req, state).await? {
        Ok(s) => s,
        Err(redirect) => return Ok(Err(redirect)),
    };
    let s = slug.to_string();
    let (id, title) = run_db(state, move |c| store::plan_title(c, &s))
        .await
        .map_err(|e| PageError::from(e).in_lang(lang))?;
    access::may_administer(&signed.principal.grants, id, slug)
        .map_err(|_| PageError::Forbidden(lang, lang.t().admin_forbidden.into()))?;
    Ok(Ok((signed, Administered { id, title })))
}

/// The frame of an admin page: breadcrumbs Administration › plan › page, and the tabs.
pub(super) fn admin_chrome(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    plan: &Administered,
    title: &str,
) -> Chrome {
    let t = lang.t();
    Chrome::new(&state.site, req, lang, format!("{title} – {}", plan.title))
        .section("admin")
        .crumb(t.admin_title, Some(Chrome::href_for(lang, "/admin")))
        .crumb(plan.title.clone(), None)
}

pub(super) struct Tab {
    pub label: &'static str,
    pub href: String,
    pub current: bool,
}

pub(super) fn tabs(lang: Lang, slug: &str, current: &str) -> Vec<Tab> {
    let t = lang.t();
    [
        ("personer", t.admin_people),
        ("ansvar", t.admin_ownership),
        ("runde", t.admin_round),
        ("klima", t.admin_climate_tab),
        ("tokens", t.admin_tokens),
        ("log", t.admin_audit),
    ]
    .into_iter()
    .map(|(page, label)| Tab {
        label,
        href: Chrome::href_for(lang, &format!("/admin/{slug}/{page}")),
        current: page == current,
    })
    .collect()
}

struct PlanLink {
    slug: String,
    title: String,
    href: String,
}

#[derive(Template)]
#[template(path = "admin/home.html")]
struct HomePage {
    chrome: Chrome,
    plans: Vec<PlanLink>,
}

/// `GET /admin`
pub async fn home(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let lang = Lang::from_query(req.query_string());
    let t = lang.t();
    let signed = match require_signed_in(&req, &state).await? {
        Ok(s) => s,
        Err(redirect) => return Ok(redirect),
    };
    let grants = signed.principal.grants.clone();
    if !grants.administers_any() {
        return Err(PageError::Forbidden(lang, t.admin_forbidden.into()));
    }
    let plans = run_db(&state, store::list_plans)
        .await
        .map_err(|e| PageError::from(e).in_lang(lang))?;
    let page = HomePage {
        chrome: Chrome::new(&state.site, &req, lang, t.admin_title.into()).section("admin"),
        plans: plans
            .into_iter()
            .filter(|p| grants.administers(p.id))
            .map(|p| PlanLink {
                href: Chrome::href_for(lang, &format!("/admin/{}/personer", p.slug)),
                slug: p.slug,
                title: p.title,
            })
            .collect(),
    };
    Ok(private(page_response(render(&page, lang)?, None)))
}

struct PersonLine {
    name: String,
    email: String,
    href: String,
    owners: String,
    role: String,
    active: bool,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "admin/people.html")]
struct PeoplePage {
    chrome: Chrome,
    tabs: Vec<Tab>,
    csrf: String,
    people: Vec<PersonLine>,
    errors: Errors,
    name: String,
    email: String,
    owners: Vec<Choice>,
    roles: Vec<Choice>,
}

fn role_choices(lang: Lang, current: Option<PlanRole>, with_admin: bool) -> Vec<Choice> {
    let mut out = vec![Choice {
        value: String::new(),
        label: lang.t().role_none.into(),
        selected: current.is_none(),
    }];
    for r in PlanRole::ALL {
        if r == PlanRole::Admin && !with_admin && current != Some(PlanRole::Admin) {
            continue;
        }
        out.push(Choice {
            value: r.as_str().into(),
            label: role_label(r, lang).into(),
            selected: current == Some(r),
        });
    }
    out
}

fn owner_choices(lang: Lang, owners: &[store::OwnerWithMeasures], selected: &str) -> Vec<Choice> {
    let mut out = vec![Choice {
        value: String::new(),
        label: lang.t().owner_none.into(),
        selected: selected.is_empty(),
    }];
    out.extend(owners.iter().map(|(o, _)| Choice {
        value: o.id.to_string(),
        label: o.name.clone(),
        selected: selected == o.id.to_string(),
    }));
    out
}

fn role_on(v: &PersonView, slug: &str) -> Option<PlanRole> {
    v.roles.iter().find(|(s, _)| s == slug).map(|(_, r)| *r)
}

/// `GET|POST /admin/{plan}/personer`: the plan's people and the form that adds one.
pub async fn people(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: String,
    body: Option<web::Bytes>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::from_query(req.query_string());
    let t = lang.t();
    let (signed, administered) = match admin_of(&state, &req, &slug, lang).await? {
        Ok(x) => x,
        Err(redirect) => return Ok(redirect),
    };
    let mut errors = Errors::default();
    let (mut name, mut email, mut owner, mut role) = Default::default();
    if let Some(body) = body {
        let form = Form::parse(&req, &body, lang)?;
        form::check_session_form(&req, &state.auth.cookies, signed.secret(), &form, lang)?;
        (name, email, owner, role) = (
            form.text("name"),
            form.text("email"),
            form.text("owner"),
            form.text("role"),
        );
        if name.is_empty() {
            errors.add("name", t.person_name_missing);
        }
        let parsed_email = signin::normalise_email(&email);
        if parsed_email.is_err() {
            errors.add("email", t.signin_email_invalid);
        }
        let owner_id = match owner.as_str() {
            "" => None,
            o => match o.parse::<i32>() {
                Ok(id) => Some(id),
                Err(_) => {
                    errors.add("owner", t.owner_unknown);
                    None
                }
            },
        };
        let plan_role = match role.as_str() {
            "" => None,
            r => match PlanRole::parse(r) {
                Ok(r) => Some(r),
                Err(_) => {
                    errors.add("role", t.role_unknown);
                    None
                }
            },
        };
        if let (true, Ok(email)) = (errors.is_empty(), parsed_email) {
            let new = NewPerson {
                name: name.clone(),
                email,
                owner_ids: owner_id.into_iter().collect(),
                role: plan_role.map(|r| (slug.clone(), r)),
            };
            let by = signed.principal.clone();
            let now = crate::clock::now_utc();
            match run_write(&state, move |c| store::add_person(c, &new, &by, now)).await {
                Ok(v) => {
                    return Ok(see_other(&Chrome::href_for(
                        lang,
                        &format!("/admin/{slug}/personer/{}", v.person.id),
                    )));
                }
                Err(ApiError::Conflict(_)) => {
                    errors.add("email", t.person_exists);
                }
                Err(e @ ApiError::Forbidden(_)) => errors.add("role", refusal(&e, lang)),
                Err(e @ (ApiError::Unprocessable(_) | ApiError::BadRequest(_))) => {
                    errors.add("owner", refusal(&e, lang));
                }
                Err(e) => return Err(PageError::from(e).in_lang(lang)),
            }
        }
    }
    let s = slug.clone();
    let (persons, owners) = run_db(&state, move |c| {
        Ok((store::list_persons(c, Some(&s))?, store::list_owners(c)?))
    })
    .await
    .map_err(|e| PageError::from(e).in_lang(lang))?;
    let bad = !errors.is_empty();
    let page = PeoplePage {
        chrome: admin_chrome(&state, &req, lang, &administered, t.admin_people),
        tabs: tabs(lang, &slug, "personer"),
        csrf: signed.csrf(),
        people: persons
            .iter()
            .map(|v| PersonLine {
                name: v.person.name.clone(),
                email: v.person.email.clone(),
                href: Chrome::href_for(lang, &format!("/admin/{slug}/personer/{}", v.person.id)),
                owners: v
                    .owners
                    .iter()
                    .map(|(_, n)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                role: role_on(v, &slug).map_or("", |r| role_label(r, lang)).into(),
                active: v.person.active,
            })
            .collect(),
        name,
        email,
        owners: owner_choices(lang, &owners, &owner),
        roles: role_choices(
            lang,
            PlanRole::parse(&role).ok(),
            signed.principal.grants.operator,
        ),
        errors,
    };
    let res = form_page(render(&page, lang)?, bad);
    Ok(res)
}

struct Membership {
    owner_id: i32,
    name: String,
}

#[derive(Template)]
#[template(path = "admin/person.html")]
struct PersonPage {
    chrome: Chrome,
    tabs: Vec<Tab>,
    csrf: String,
    action: String,
    name: String,
    email: String,
    active: bool,
    operator: bool,
    memberships: Vec<Membership>,
    owners: Vec<Choice>,
    roles: Vec<Choice>,
    error: Option<String>,
}

/// `GET|POST /admin/{plan}/personer/{id}`: one person; the forms change their role on the plan,
/// their owners, and whether they may sign in.
pub async fn person(
    state: web::Data<AppState>,
    req: HttpRequest,
    (slug, id): (String, String),
    body: Option<web::Bytes>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::from_query(req.query_string());
    let t = lang.t();
    let (signed, administered) = match admin_of(&state, &req, &slug, lang).await? {
        Ok(x) => x,
        Err(redirect) => return Ok(redirect),
    };
    let no_such = || PageError::NotFound(lang, fill(t.no_such_person, &[("id", &id)]));
    let person_id: i32 = id.parse().map_err(|_| no_such())?;
    let mut error = None;
    if let Some(body) = body {
        let form = Form::parse(&req, &body, lang)?;
        form::check_session_form(&req, &state.auth.cookies, signed.secret(), &form, lang)?;
        let by = signed.principal.clone();
        let now = crate::clock::now_utc();
        let s = slug.clone();
        let action = form.text("action");
        let owner: Option<i32> = form.text("owner").parse().ok();
        let role = match form.text("role").as_str() {
            "" => Ok(None),
            r => PlanRole::parse(r).map(Some),
        };
        let done = match (action.as_str(), owner, role) {
            ("role", _, Ok(role)) => {
                run_write(&state, move |c| {
                    let email = store::get_person(c, person_id)?.person.email;
                    store::grant_role(c, &email, &s, role, &by, now)
                })
                .await
            }
            ("add_owner", Some(o), _) => {
                run_write(&state, move |c| {
                    store::add_membership(c, person_id, o, &by, now)
                })
                .await
            }
            ("remove_owner", Some(o), _) => {
                run_write(&state, move |c| {
                    store::remove_membership(c, person_id, o, &by, now)
                })
                .await
            }
            ("disable" | "enable", _, _) => {
                let active = action == "enable";
                run_write(&state, move |c| {
                    store::set_person_active(c, person_id, active, &by, now)
                })
                .await
            }
            _ => Err(ApiError::BadRequest(t.form_incomplete.into())),
        };
        match done {
            Ok(_) => {
                return Ok(see_other(&Chrome::href_for(
                    lang,
                    &format!("/admin/{slug}/personer/{person_id}"),
                )));
            }
            Err(ApiError::NotFound(_)) => return Err(no_such()),
            Err(
                e @ (ApiError::Forbidden(_)
                | ApiError::BadRequest(_)
                | ApiError::Unprocessable(_)
                | ApiError::Conflict(_)),
            ) => error = Some(refusal(&e, lang)),
            Err(e) => return Err(PageError::from(e).in_lang(lang)),
        }
    }
    let (view, owners) = run_db(&state, move |c| {
        Ok((store::get_person(c, person_id)?, store::list_owners(c)?))
    })
    .await
    .map_err(|e| match e {
        ApiError::NotFound(_) => no_such(),
        e => PageError::from(e).in_lang(lang),
    })?;
    let bad = error.is_some();
    let page = PersonPage {
        chrome: admin_chrome(&state, &req, lang, &administered, &view.person.name),
        tabs: tabs(lang, &slug, "personer"),
        csrf: signed.csrf(),
        action: Chrome::href_for(lang, &format!("/admin/{slug}/personer/{person_id}")),
        name: view.person.name.clone(),
        email: view.person.email.clone(),
        active: view.person.active,
        operator: view.person.operator,
        memberships: view
            .owners
            .iter()
            .map(|(id, name)| Membership {
                owner_id: *id,
                name: name.clone(),
            })
            .collect(),
        owners: owner_choices(lang, &owners, ""),
        roles: role_choices(
            lang,
            role_on(&view, &slug),
            signed.principal.grants.operator,
        ),
        error,
    };
    let res = form_page(render(&page, lang)?, bad);
    Ok(res)
}

struct MeasureLine {
    number: i32,
    title: String,
    owners: Vec<Membership>,
}

#[derive(Template)]
#[template(path = "admin/ownership.html")]
struct OwnershipPage {
    chrome: Chrome,
    tabs: Vec<Tab>,
    csrf: String,
    action: String,
    measures: Vec<MeasureLine>,
    measure_choices: Vec<Choice>,
    owners: Vec<Choice>,
    errors: Errors,
    new_owner_name: String,
    new_owner_email: String,
}

/// `GET|POST /admin/{plan}/ansvar`: who owns which measure; register a new owner.
pub async fn ownership(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: String,
    body: Option<web::Bytes>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::from_query(req.query_string());
    let t = lang.t();
    let (signed, administered) = match admin_of(&state, &req, &slug, lang).await? {
        Ok(x) => x,
        Err(redirect) => return Ok(redirect),
    };
    let here = Chrome::href_for(lang, &format!("/admin/{slug}/ansvar"));
    let mut errors = Errors::default();
    let (mut new_owner_name, mut new_owner_email) = (String::new(), String::new());
    if let Some(body) = body {
        let form = Form::parse(&req, &body, lang)?;
        form::check_session_form(&req, &state.auth.cookies, signed.secret(), &form, lang)?;
        let by = signed.principal.clone();
        let now = crate::clock::now_utc();
        let s = slug.clone();
        let measure: Option<i32> = form.text("measure").parse().ok();
        let owner: Option<i32> = form.text("owner").parse().ok();
        let result = match form.text("action").as_str() {
            "new_owner" => {
                new_owner_name = form.text("name");
                new_owner_email = form.text("email");
                match NewOwner::parse(new_owner_name.clone(), Some(new_owner_email.clone())) {
                    Ok(new) => run_write(&state, move |c| store::create_owner(c, &new, now))
                        .await
                        .map(|_| ()),
                    // Said in Danish next to its field (the domain's message is for the API).
                    Err(e) if e.field == "email" => {
                        errors.add("owner_email", t.signin_email_invalid);
                        Ok(())
                    }
                    Err(_) => {
                        errors.add("owner_name", t.owner_name_missing);
                        Ok(())
                    }
                }
            }
            action @ ("add" | "remove") => match (measure, owner) {
                (Some(number), Some(owner)) => {
                    let add = action == "add";
                    run_write(&state, move |c| {
                        let detail = store::load_measure(c, &s, number)?;
                        let mut ids: Vec<i32> = detail.owners.iter().map(|o| o.id).collect();
                        ids.retain(|id| *id != owner);
                        if add {
                            ids.push(owner);
                        }
                        let ids = MeasureOwners::parse(ids)?;
                        store::set_measure_owners(c, &s, number, &ids, &by)
                    })
                    .await
                    .map(|_| ())
                }
                (None, _) => {
                    errors.add("measure", t.measure_missing);
                    Ok(())
                }
                (_, None) => {
                    errors.add("owner", t.owner_unknown);
                    Ok(())
                }
            },
            _ => Err(ApiError::BadRequest(t.form_incomplete.into())),
        };
        match result {
            Ok(()) if errors.is_empty() => return Ok(see_other(&here)),
            Ok(()) => {}
            Err(ApiError::Conflict(_)) => errors.add("owner_name", t.owner_exists),
            Err(
                e @ (ApiError::Forbidden(_)
                | ApiError::NotFound(_)
                | ApiError::BadRequest(_)
                | ApiError::Unprocessable(_)),
            ) => errors.add("measure", refusal(&e, lang)),
            Err(e) => return Err(PageError::from(e).in_lang(lang)),
        }
    }
    let s = slug.clone();
    let (data, owners) = run_db(&state, move |c| {
        Ok((store::load_plan(c, &s)?, store::list_owners(c)?))
    })
    .await
    .map_err(|e| PageError::from(e).in_lang(lang))?;
    let mut measures: Vec<MeasureLine> = data
        .measures
        .iter()
        .map(|m| MeasureLine {
            number: m.number,
            title: m.title.clone(),
            owners: data
                .owners
                .iter()
                .filter(|(mid, _)| *mid == m.id)
                .map(|(_, o)| Membership {
                    owner_id: o.id,
                    name: o.name.clone(),
                })
                .collect(),
        })
        .collect();
    measures.sort_by_key(|m| m.number);
    let bad = !errors.is_empty();
    let page = OwnershipPage {
        chrome: admin_chrome(&state, &req, lang, &administered, t.admin_ownership),
        tabs: tabs(lang, &slug, "ansvar"),
        csrf: signed.csrf(),
        action: here,
        measure_choices: measures
            .iter()
            .map(|m| Choice {
                value: m.number.to_string(),
                label: format!("{} {}", m.number, m.title),
                selected: false,
            })
            .collect(),
        measures,
        owners: owner_choices(lang, &owners, ""),
        errors,
        new_owner_name,
        new_owner_email,
    };
    let res = form_page(render(&page, lang)?, bad);
    Ok(res)
}

struct TokenLine {
    id: i32,
    name: String,
    kind: String,
    created: String,
    last_used: String,
    revoked: Option<String>,
    revoke_href: String,
}

#[derive(Template)]
#[template(path = "admin/tokens.html")]
struct TokensPage {
    chrome: Chrome,
    tabs: Vec<Tab>,
    csrf: String,
    action: String,
    tokens: Vec<TokenLine>,
    errors: Errors,
    /// The token just made, shown this once.
    created: Option<String>,
    name: String,
    kinds: Vec<Choice>,
    owners: Vec<Choice>,
}

fn kind_label(k: TokenKind, lang: Lang) -> &'static str {
    let t = lang.t();
    match k {
        TokenKind::Operator => t.token_kind_operator,
        TokenKind::Admin => t.role_admin,
        TokenKind::Owner => t.token_kind_owner,
        TokenKind::Reader => t.role_reader,
    }
}

/// `GET|POST /admin/{plan}/tokens`: the plan's API tokens; the form makes one, shown once.
pub async fn tokens(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: String,
    body: Option<web::Bytes>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::from_query(req.query_string());
    let t = lang.t();
    let (signed, administered) = match admin_of(&state, &req, &slug, lang).await? {
        Ok(x) => x,
        Err(redirect) => return Ok(redirect),
    };
    let mut errors = Errors::default();
    let mut created = None;
    let (mut name, mut kind, mut owner) = (String::new(), String::new(), String::new());
    if let Some(body) = body {
        let form = Form::parse(&req, &body, lang)?;
        form::check_session_form(&req, &state.auth.cookies, signed.secret(), &form, lang)?;
        (name, kind, owner) = (form.text("name"), form.text("kind"), form.text("owner"));
        let parsed = TokenKind::parse(&kind)
            .ok()
            .filter(|k| *k != TokenKind::Operator);
        if name.is_empty() {
            errors.add("name", t.token_name_missing);
        }
        if parsed.is_none() {
            errors.add("kind", t.role_unknown);
        }
        let owner_id: Option<i32> = owner.parse().ok();
        if parsed == Some(TokenKind::Owner) && owner_id.is_none() {
            errors.add("owner", t.token_owner_missing);
        }
        if let (true, Some(chosen)) = (errors.is_empty(), parsed) {
            let secret = token::generate()
                .map_err(|e| PageError::Internal(lang, format!("no random bytes: {e}")))?;
            let by = signed.principal.clone();
            let now = crate::clock::now_utc();
            let s = slug.clone();
            let hash = token::hash(&secret);
            let token_name = name.clone();
            let made = run_write(&state, move |c| {
                // An owner token is named after its owner, as `token create --role owner` does.
                let name = match (chosen, owner_id) {
                    (TokenKind::Owner, Some(id)) => store::list_owners(c)?
                        .into_iter()
                        .find(|(o, _)| o.id == id)
                        .map(|(o, _)| o.name)
                        .ok_or_else(|| {
                            StoreError::Invalid(crate::domain::DomainError::new(
                                "owner",
                                format!("no owner with id {id}"),
                            ))
                        })?,
                    _ => token_name,
                };
                store::create_token(
                    c,
                    &NewToken {
                        name,
                        kind: chosen,
                        email: None,
                        plan_slug: s,
                        measures: Vec::new(),
                        token_hash: hash,
                    },
                    &by,
                    now,
                )
            })
            .await;
            match made {
                Ok(_) => {
                    created = Some(secret);
                    (name, kind, owner) = Default::default();
                }
                Err(
                    e @ (ApiError::Forbidden(_)
                    | ApiError::BadRequest(_)
                    | ApiError::Unprocessable(_)),
                ) => errors.add("kind", refusal(&e, lang)),
                Err(e) => return Err(PageError::from(e).in_lang(lang)),
            }
        }
    }
    let s = slug.clone();
    let (list, owners) = run_db(&state, move |c| {
        Ok((store::list_tokens(c, Some(&s))?, store::list_owners(c)?))
    })
    .await
    .map_err(|e| PageError::from(e).in_lang(lang))?;
    let local = crate::clock::local_minute;
    let bad = !errors.is_empty();
    let selected = TokenKind::parse(&kind).ok();
    let page = TokensPage {
        chrome: admin_chrome(&state, &req, lang, &administered, t.admin_tokens),
        tabs: tabs(lang, &slug, "tokens"),
        csrf: signed.csrf(),
        action: Chrome::href_for(lang, &format!("/admin/{slug}/tokens")),
        tokens: list
            .iter()
            .map(|l| TokenLine {
                id: l.row.id,
                name: l.row.name.clone(),
                kind: kind_label(l.kind, lang).into(),
                created: local(l.row.created_at),
                last_used: l.row.last_used_at.map(local).unwrap_or_else(|| "–".into()),
                revoked: l.row.revoked_at.map(local),
                revoke_href: Chrome::href_for(
                    lang,
                    &format!("/admin/{slug}/tokens/{}/tilbagekald", l.row.id),
                ),
            })
            .collect(),
        errors,
        created,
        name,
        kinds: [TokenKind::Admin, TokenKind::Owner, TokenKind::Reader]
            .into_iter()
            .map(|k| Choice {
                value: k.as_str().into(),
                label: kind_label(k, lang).into(),
                selected: selected == Some(k),
            })
            .collect(),
        owners: owner_choices(lang, &owners, &owner),
    };
    let res = form_page(render(&page, lang)?, bad);
    Ok(res)
}

/// `POST /admin/{plan}/tokens/{id}/tilbagekald`
pub async fn revoke(
    state: web::Data<AppState>,
    req: HttpRequest,
    (slug, id): (String, String),
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::from_query(req.query_string());
    let t = lang.t();
    let (signed, administered) = match admin_of(&state, &req, &slug, lang).await? {
        Ok(x) => x,
        Err(redirect) => return Ok(redirect),
    };
    let plan_id = administered.id;
    let form = Form::parse(&req, &body, lang)?;
    form::check_session_form(&req, &state.auth.cookies, signed.secret(), &form, lang)?;
    let no_such = || PageError::NotFound(lang, fill(t.no_such_token, &[("id", &id)]));
    let token_id: i32 = id.parse().map_err(|_| no_such())?;
    let by = signed.principal.clone();
    let now = crate::clock::now_utc();
    let done = run_write(&state, move |c| {
        // Only this plan's tokens are revoked from this plan's page.
        let listed = store::list_tokens(c, None)?
            .into_iter()
            .find(|l| l.row.id == token_id && l.row.plan_id == Some(plan_id));
        if listed.is_none() {
            return Err(StoreError::NotFound(format!(
                "no token {token_id} on this plan"
            )));
        }
        store::revoke_token(c, token_id, &by, now)
    })
    .await;
    match done {
        Ok(_) | Err(ApiError::Conflict(_)) => Ok(see_other(&Chrome::href_for(
            lang,
            &format!("/admin/{slug}/tokens"),
        ))),
        Err(ApiError::NotFound(_)) => Err(no_such()),
        Err(e) => Err(PageError::from(e).in_lang(lang)),
    }
}

struct AuditLine {
    at: String,
    actor: String,
    action: String,
    detail: String,
    client: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    chrome: Chrome,
    tabs: Vec<Tab>,
    lines: Vec<AuditLine>,
}

/// How many entries the audit page shows.
const AUDIT_LINES: i64 = 500;

fn action_label(action: &str, lang: Lang) -> String {
    let t = lang.t();
    match action {
        "sign_in" => t.audit_sign_in,
        "sign_in_refused" => t.audit_sign_in_refused,
        "sign_in_limited" => t.audit_sign_in_limited,
        "sign_out" => t.audit_sign_out,
        "token_created" => t.audit_token_created,
        "token_revoked" => t.audit_token_revoked,
        "token_used" => t.audit_token_used,
        "role_changed" => t.audit_role_changed,
        "person_added" => t.audit_person_added,
        "person_disabled" => t.audit_person_disabled,
        "person_enabled" => t.audit_person_enabled,
        "membership_added" => t.audit_membership_added,
        "membership_removed" => t.audit_membership_removed,
        "round_extended" => t.audit_round_extended,
        "climate_target_set" => t.audit_climate_target_set,
        "climate_target_removed" => t.audit_climate_target_removed,
        "shadow_price_set" => t.audit_shadow_price_set,
        "emissions_imported" => t.audit_emissions_imported,
        other => other,
    }
    .to_string()
}

/// `GET /admin/{plan}/log`: the newest entries of the plan's audit log, with the sign-ins.
pub async fn audit(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: String,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::from_query(req.query_string());
    let t = lang.t();
    let (signed, administered) = match admin_of(&state, &req, &slug, lang).await? {
        Ok(x) => x,
        Err(redirect) => return Ok(redirect),
    };
    // Sign-ins belong to no plan; a plan's admin sees those of the plan's people only.
    let operator = signed.principal.grants.operator;
    let s = slug.clone();
    let (rows, people) = run_db(&state, move |c| {
        Ok((
            store::list_audit(c, &s, true, AUDIT_LINES)?,
            store::list_persons(c, Some(&s))?,
        ))
    })
    .await
    .map_err(|e| PageError::from(e).in_lang(lang))?;
    let ids: Vec<i32> = people.iter().map(|v| v.person.id).collect();
    let page = AuditPage {
        chrome: admin_chrome(&state, &req, lang, &administered, t.admin_audit),
        tabs: tabs(lang, &slug, "log"),
        lines: rows
            .into_iter()
            .filter(|r| {
                r.plan_id.is_some() || operator || r.person_id.is_some_and(|p| ids.contains(&p))
            })
            .map(|r| AuditLine {
                at: crate::clock::to_local(r.at)
                    .format("%d.%m.%Y %H:%M:%S")
                    .to_string(),
                actor: r.actor,
                action: action_label(&r.action, lang),
                detail: r.detail,
                client: r.client.unwrap_or_default(),
            })
            .collect(),
    };
    Ok(private(page_response(render(&page, lang)?, None)))
}
