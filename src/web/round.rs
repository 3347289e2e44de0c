//! `/admin/{plan}/runde`: the reporting round of the next UGO status, live: when it opens and
//! closes, per owner and per theme how many open sub-goals are updated, confirmed unchanged or
//! missing, and the form that moves the close later, once (`domain::round`).

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};

use super::account::{form_page, see_other};
use super::admin::{Tab, admin_chrome, admin_of, tabs};
use super::form::{self, Errors, Form};
use super::i18n::{Lang, fill};
use super::page::{Chrome, PageError, render};
use crate::api::{AppState, run_db, run_write};
use crate::clock::TIME_ZONE;
use crate::db::store::{self, PlanData};
use crate::domain::round::{ExtensionRefused, MAX_EXTENSION_DAYS, Mark};
use crate::domain::text::optional_text;

/// Counts of one owner's or theme's open sub-goals.
struct CountLine {
    label: String,
    updated: usize,
    confirmed: usize,
    missing: usize,
}

#[derive(Template)]
#[template(path = "admin/round.html")]
struct RoundPage {
    chrome: Chrome,
    tabs: Vec<Tab>,
    csrf: String,
    period: String,
    state: String,
    opens: String,
    close: String,
    extended: Option<String>,
    by_owner: Vec<CountLine>,
    by_theme: Vec<CountLine>,
    total: CountLine,
    can_extend: bool,
    max_days: i64,
    errors: Errors,
    date: String,
    time: String,
    reason: String,
}

fn local(t: DateTime<Utc>, lang: Lang) -> String {
    let l = t.with_timezone(&TIME_ZONE);
    format!("{} {}", lang.date(l.date_naive()), l.format("%H:%M"))
}

/// The main theme (code and title) a measure's theme belongs to.
fn main_theme(data: &PlanData, theme_id: i32) -> (String, String) {
    let mut t = data.themes.iter().find(|t| t.id == theme_id);
    while let Some(parent) = t
        .and_then(|x| x.parent_id)
        .and_then(|p| data.themes.iter().find(|y| y.id == p))
    {
        t = Some(parent);
    }
    t.map_or_else(Default::default, |t| (t.code.clone(), t.title.clone()))
}

fn count(lines: &mut BTreeMap<String, [usize; 3]>, key: String, mark: Mark) {
    let c = lines.entry(key).or_default();
    c[Mark::ALL.iter().position(|m| *m == mark).unwrap_or(2)] += 1;
}

fn to_lines(m: BTreeMap<String, [usize; 3]>) -> Vec<CountLine> {
    m.into_iter()
        .map(|(label, [updated, confirmed, missing])| CountLine {
            label,
            updated,
            confirmed,
            missing,
        })
        .collect()
}

/// The form's new close: a local date and time, read as the municipality's wall clock.
fn new_close(date: &str, time: &str) -> Option<DateTime<Utc>> {
    let d = NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(date, "%d.%m.%Y"))
        .ok()?;
    let t = NaiveTime::parse_from_str(time, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(time, "%H.%M"))
        .ok()?;
    TIME_ZONE
        .from_local_datetime(&d.and_time(t))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// `GET|POST /admin/{plan}/runde`
pub async fn admin_round(
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
    let plan_id = administered.id;
    let cfg = state.scheduler.clone();
    let now = crate::clock::now_utc().and_utc();
    let s = slug.clone();
    let current = run_db(&state, move |c| {
        let extended = store::round_extensions(c, plan_id)?;
        Ok(cfg.current_round(now, &extended))
    })
    .await
    .map_err(|e| PageError::from(e).in_lang(lang))?;
    let Some(round) = current else {
        return Err(PageError::NotFound(lang, t.round_none.into()));
    };
    let mut errors = Errors::default();
    let (mut date, mut time, mut reason) = (
        String::new(),
        round
            .scheduled_close
            .with_timezone(&TIME_ZONE)
            .format("%H:%M")
            .to_string(),
        String::new(),
    );
    if let Some(body) = body {
        let form = Form::parse(&req, &body, lang)?;
        form::check_session_form(&req, &state.auth.cookies, signed.secret(), &form, lang)?;
        (date, time, reason) = (
            form.text("date"),
            form.text("time"),
            form.get("reason").unwrap_or("").to_string(),
        );
        let close = new_close(&date, &time);
        if close.is_none() {
            errors.add("date", t.round_date_unreadable);
        }
        let why = match optional_text("reason", Some(reason.clone()), 1000) {
            Ok(r) => r,
            Err(_) => {
                errors.add("reason", fill(t.text_not_stored, &[("max", "1000")]));
                None
            }
        };
        if let (Some(close), true) = (close, errors.is_empty()) {
            let by = signed.principal.clone();
            let s = slug.clone();
            let done = run_write(&state, move |c| {
                store::extend_round(c, &s, &round, close, why, &by, now)
            })
            .await
            .map_err(|e| PageError::from(e).in_lang(lang))?;
            match done {
                Ok(()) => {
                    return Ok(see_other(&Chrome::href_for(
                        lang,
                        &format!("/admin/{slug}/runde"),
                    )));
                }
                Err(why) => errors.add(
                    "date",
                    match why {
                        ExtensionRefused::AlreadyExtended => t.round_already_extended.to_string(),
                        ExtensionRefused::Closed => t.round_closed.to_string(),
                        ExtensionRefused::NotLater => {
                            fill(t.round_not_later, &[("close", &local(round.close(), lang))])
                        }
                        ExtensionRefused::TooFar => fill(
                            t.round_too_far,
                            &[("days", &MAX_EXTENSION_DAYS.to_string())],
                        ),
                    },
                ),
            }
        }
    }
    let (data, marks) = run_db(&state, move |c| {
        Ok((
            store::load_plan(c, &s)?,
            store::round_marks(c, plan_id, &round)?,
        ))
    })
    .await
    .map_err(|e| PageError::from(e).in_lang(lang))?;
    let (mut by_owner, mut by_theme, mut total) =
        (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    for g in data
        .sub_goal_models()
        .map_err(|e| PageError::Internal(lang, format!("plan {slug}: {e}")))?
    {
        if g.status.is_closed() {
            continue;
        }
        let mark = store::mark_of(&marks, &g.key);
        count(&mut total, String::new(), mark);
        if g.owners.is_empty() {
            count(&mut by_owner, t.no_owner.to_string(), mark);
        }
        for o in &g.owners {
            count(&mut by_owner, o.name.clone(), mark);
        }
        if let Some(m) = data.measures.iter().find(|m| m.number == g.measure_number) {
            let (code, title) = main_theme(&data, m.theme_id);
            count(&mut by_theme, format!("{code}. {title}"), mark);
        }
    }
    let total = to_lines(total).pop().unwrap_or(CountLine {
        label: String::new(),
        updated: 0,
        confirmed: 0,
        missing: 0,
    });
    let period = match lang {
        Lang::Da => round.period.label_da(),
        Lang::En => round.period.to_string(),
    };
    let state_text = if round.is_open(now) {
        t.round_state_open
    } else {
        t.round_state_upcoming
    };
    let bad = !errors.is_empty();
    let page = RoundPage {
        chrome: admin_chrome(&state, &req, lang, &administered, t.admin_round),
        tabs: tabs(lang, &slug, "runde"),
        csrf: signed.csrf(),
        period,
        state: state_text.into(),
        opens: local(round.opens_at, lang),
        close: local(round.close(), lang),
        extended: round.extended_to.map(|_| {
            fill(
                t.round_extended_from,
                &[("scheduled", &local(round.scheduled_close, lang))],
            )
        }),
        by_owner: to_lines(by_owner),
        by_theme: to_lines(by_theme),
        total,
        can_extend: round.extended_to.is_none(),
        max_days: MAX_EXTENSION_DAYS,
        errors,
        date,
        time,
        reason,
    };
    let res = form_page(render(&page, lang)?, bad);
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_new_close_is_read_as_copenhagen_time() {
        assert_eq!(
            new_close("2027-01-22", "07:00").map(|t| t.to_rfc3339()),
            Some("2027-01-22T06:00:00+00:00".into())
        );
        assert_eq!(
            new_close("22.01.2027", "7.00").map(|t| t.to_rfc3339()),
            Some("2027-01-22T06:00:00+00:00".into())
        );
        assert_eq!(new_close("2027-02-30", "07:00"), None);
        assert_eq!(new_close("2027-01-22", "25:00"), None);
    }
}
