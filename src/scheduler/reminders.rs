//! Owner reminders. When a status's round opens (14 days before each UGO status) every owner
//! with an e-mail address gets one digest of their sub-goals that are overdue, due within six
//! months, or without an update in the half-year the status covers, each linked to its form in
//! the owner's workspace. Three days before the round closes, owners whose sub-goals are still
//! *mangler* (neither updated nor confirmed in the round) get a second mail naming them.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::SchedulerConfig;
use crate::clock::TIME_ZONE;
use crate::db::DbConn;
use crate::db::runs;
use crate::db::store::{self, PlanData, StoreResult};
use crate::domain::Period;
use crate::domain::format::date_long;
use crate::domain::report_kind::ReportKind;
use crate::domain::round::{Mark, SECOND_REMINDER_DAYS};
use crate::domain::schedule::period_covered;

/// Why a sub-goal is in an owner's digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestLine {
    pub key: String,
    pub id: i32,
    pub text: String,
    pub deadline: String,
    pub reasons: Vec<&'static str>,
}

/// The sub-goals of `measure_ids` an owner must look at on `today` for the status covering
/// `period`. Pure: the rules of the digest.
pub fn digest(
    data: &PlanData,
    measure_ids: &[i32],
    today: NaiveDate,
    period: Period,
) -> StoreResult<Vec<DigestLine>> {
    let numbers: Vec<i32> = data
        .measures
        .iter()
        .filter(|m| measure_ids.contains(&m.id))
        .map(|m| m.number)
        .collect();
    let mut lines = Vec::new();
    for g in data
        .sub_goals_at(today)?
        .into_iter()
        .filter(|g| numbers.contains(&g.measure_number))
    {
        if g.status.is_closed() {
            continue;
        }
        let mut reasons = Vec::new();
        if g.flags.overdue {
            reasons.push("fristen er overskredet");
        } else if g.due_within_months(6) {
            reasons.push("fristen er inden for seks måneder");
        }
        if !g.updated_in(period) {
            reasons.push("ingen opdatering i halvåret");
        }
        if !reasons.is_empty() {
            lines.push(DigestLine {
                key: g.key.clone(),
                id: g.id,
                text: g.text.clone(),
                deadline: g.deadline.label_da(),
                reasons,
            });
        }
    }
    Ok(lines)
}

/// How to report, the same in both mails: the workspace, and the API for systems.
fn how_to(public_url: &str) -> String {
    format!(
        "Log ind på {public_url}/min-side/delmaal med jeres arbejdsmail. Dér opdaterer I hvert \
         delmål (status, fremdrift, note, nøgletal og prognose), eller bekræfter det uændret med \
         ét klik, hvis intet er ændret siden sidste status.\n\n\
         Indberetter I fra et andet system, står API'et beskrevet på {public_url}/api/docs.\n\n\
         Med venlig hilsen\nklimaspor\n"
    )
}

fn body(
    owner: &str,
    status_date: NaiveDate,
    period: Period,
    lines: &[DigestLine],
    public_url: &str,
) -> String {
    let mut b = format!(
        "Kære {owner}\n\nUGO får den halvårlige status på klimahandleplanen den {} ({}). \
         Disse delmål, som I er ansvarlige for, har brug for jeres opdatering inden da:\n\n",
        date_long(status_date),
        period.label_da()
    );
    for l in lines {
        b.push_str(&format!(
            "- {} {}\n  Frist: {}. Bemærk: {}.\n  {public_url}/min-side/delmaal/{}\n\n",
            l.key,
            l.text,
            l.deadline,
            l.reasons.join(", "),
            l.id
        ));
    }
    b.push_str(&how_to(public_url));
    b
}

fn second_body(
    owner: &str,
    close: DateTime<Utc>,
    period: Period,
    lines: &[DigestLine],
    public_url: &str,
) -> String {
    let local = close.with_timezone(&TIME_ZONE);
    let mut b = format!(
        "Kære {owner}\n\nRunden til UGO-status for {} lukker den {} kl. {}. Disse delmål, som I \
         er ansvarlige for, er hverken opdateret eller bekræftet uændret i runden endnu:\n\n",
        period.label_da(),
        date_long(local.date_naive()),
        local.format("%H.%M")
    );
    for l in lines {
        b.push_str(&format!(
            "- {} {}\n  {public_url}/min-side/delmaal/{}\n\n",
            l.key, l.text, l.id
        ));
    }
    b.push_str(&format!(
        "Delmål, der mangler, står som \"mangler\" i statussen til UGO, og ansvarlige med \
         manglende delmål nævnes på rapportens første side.\n\n{}",
        how_to(public_url)
    ));
    b
}

/// The open sub-goals of `measure_ids` that are missing in the round (`marks` from
/// `store::round_marks`).
pub fn missing_lines(
    data: &PlanData,
    measure_ids: &[i32],
    marks: &std::collections::HashMap<String, Mark>,
) -> StoreResult<Vec<DigestLine>> {
    let numbers: Vec<i32> = data
        .measures
        .iter()
        .filter(|m| measure_ids.contains(&m.id))
        .map(|m| m.number)
        .collect();
    Ok(data
        .sub_goal_models()?
        .into_iter()
        .filter(|g| numbers.contains(&g.measure_number) && !g.status.is_closed())
        .filter(|g| store::mark_of(marks, &g.key) == Mark::Missing)
        .map(|g| DigestLine {
            deadline: g.deadline.label_da(),
            key: g.key,
            id: g.id,
            text: g.text,
            reasons: vec![],
        })
        .collect())
}

/// The owners of a plan with their e-mail address and measures, once each, by id.
fn owners_of(data: &PlanData) -> Vec<(i32, String, Option<String>, Vec<i32>)> {
    let mut owners: Vec<(i32, String, Option<String>)> = data
        .owners
        .iter()
        .map(|(_, o)| (o.id, o.name.clone(), o.email.clone()))
        .collect();
    owners.sort();
    owners.dedup();
    owners
        .into_iter()
        .map(|(id, name, email)| {
            let measures = data
                .owners
                .iter()
                .filter(|(_, o)| o.id == id)
                .map(|(m, _)| *m)
                .collect();
            (id, name, email, measures)
        })
        .collect()
}

/// Queue the second reminders whose time has come: three days before a round's close (its
/// extended close, if it has one), once per owner and round.
pub fn enqueue_second(
    conn: &mut DbConn,
    cfg: &SchedulerConfig,
    now: DateTime<Utc>,
) -> StoreResult<usize> {
    let lead = Duration::days(SECOND_REMINDER_DAYS);
    let mut queued = 0;
    for plan in store::list_plans(conn)? {
        let extended = store::round_extensions(conn, plan.id)?;
        let Some(round) = cfg.current_round(now, &extended) else {
            continue;
        };
        if !round.is_open(now) || now < round.close() - lead {
            continue;
        }
        let period = round.period;
        let prefix = format!("reminder2:{}:{period}:", plan.slug);
        if runs::mail_queued_with_prefix(conn, &prefix)? {
            continue;
        }
        let data = store::load_plan(conn, &plan.slug)?;
        let marks = store::round_marks(conn, plan.id, &round)?;
        for (owner_id, name, email, measures) in owners_of(&data) {
            let lines = missing_lines(&data, &measures, &marks)?;
            if lines.is_empty() {
                continue;
            }
            let Some(email) = email else {
                tracing::warn!(owner = %name, "owner has no e-mail address: no second reminder can be sent");
                continue;
            };
            let message_id = format!(
                "<klimaspor.{}.reminder2.{period}.owner{owner_id}@{}>",
                plan.slug,
                cfg.mail_domain()
            );
            let subject = format!(
                "Sidste påmindelse: {} delmål mangler før UGO-status {}",
                lines.len(),
                period.label_da()
            );
            let text = second_body(&name, round.close(), period, &lines, &cfg.public_url);
            if runs::queue_mail(
                conn,
                &format!("{prefix}{owner_id}"),
                &message_id,
                &email,
                &subject,
                &text,
                now.naive_utc(),
            )? {
                queued += 1;
            }
        }
    }
    Ok(queued)
}

/// Queue the digests whose reminder time has come (once per owner and status).
pub fn enqueue(conn: &mut DbConn, cfg: &SchedulerConfig, now: DateTime<Utc>) -> StoreResult<usize> {
    let Some((_, schedule)) = cfg
        .schedules
        .iter()
        .find(|(k, _)| *k == ReportKind::UgoStatus)
    else {
        return Ok(0);
    };
    // UGO firings whose reminder time lies in the catch-up window and that are still ahead.
    let firings = schedule.firings(
        TIME_ZONE,
        now - cfg.catch_up + cfg.reminder_lead,
        now + cfg.reminder_lead,
    );
    let mut queued = 0;
    for firing in firings
        .into_iter()
        .filter(|f| *f > now && *f - cfg.reminder_lead <= now)
    {
        let status_date = firing.with_timezone(&TIME_ZONE).date_naive();
        let period = period_covered(ReportKind::UgoStatus, status_date);
        let today = now.with_timezone(&TIME_ZONE).date_naive();
        for plan in store::list_plans(conn)? {
            // The digests of a status are made once, when its reminder time comes; the ticks
            // of the following fortnight do not rebuild them.
            let prefix = format!("reminder:{}:{period}:", plan.slug);
            if runs::mail_queued_with_prefix(conn, &prefix)? {
                continue;
            }
            let data = store::load_plan(conn, &plan.slug)?;
            for (owner_id, name, email, measures) in owners_of(&data) {
                let lines = digest(&data, &measures, today, period)?;
                if lines.is_empty() {
                    continue;
                }
                let Some(email) = email else {
                    tracing::warn!(owner = %name, "owner has no e-mail address: no reminder can be sent");
                    continue;
                };
                let key = format!("{prefix}{owner_id}");
                let message_id = format!(
                    "<klimaspor.{}.reminder.{period}.owner{owner_id}@{}>",
                    plan.slug,
                    cfg.mail_domain()
                );
                let subject = format!(
                    "Påmindelse: opdatér jeres delmål før UGO-status {}",
                    period.label_da()
                );
                let text = body(&name, status_date, period, &lines, &cfg.public_url);
                if runs::queue_mail(
                    conn,
                    &key,
                    &message_id,
                    &email,
                    &subject,
                    &text,
                    now.naive_utc(),
                )? {
                    queued += 1;
                }
            }
        }
    }
    Ok(queued)
}
