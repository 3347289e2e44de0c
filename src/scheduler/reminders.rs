//! Owner reminders: 14 days before each UGO status every owner with an e-mail address gets one
//! digest of their sub-goals that are overdue, due within six months, or without an update in
//! the half-year the status covers — with how to post progress.

use chrono::{DateTime, NaiveDate, Utc};

use super::SchedulerConfig;
use crate::clock::TIME_ZONE;
use crate::db::DbConn;
use crate::db::runs;
use crate::db::store::{self, PlanData, StoreResult};
use crate::domain::Period;
use crate::domain::format::date_long;
use crate::domain::report_kind::ReportKind;
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
            "- {} {}\n  Frist: {}. Bemærk: {}.\n  {public_url}/api/v1/subgoals/{}\n\n",
            l.key,
            l.text,
            l.deadline,
            l.reasons.join(", "),
            l.id
        ));
    }
    b.push_str(&format!(
        "Sådan opdaterer I et delmål: hent det (GET {public_url}/api/v1/subgoals/ID) og send \
         fremdriften med jeres token og delmålets ETag:\n\n  curl -X POST {public_url}/api/v1/subgoals/ID/progress \\\n    \
         -H \"Authorization: Bearer TOKEN\" -H \"If-Match: ETAG\" -H \"Content-Type: application/json\" \\\n    \
         -d '{{\"status\": \"on_track\", \"progress\": 50, \"note\": \"…\"}}'\n\n\
         Status kan være not_started, on_track, at_risk, delayed eller achieved.\n\n\
         Med venlig hilsen\nklimaspor\n"
    ));
    b
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
            let mut owners: Vec<(i32, String, Option<String>)> = data
                .owners
                .iter()
                .map(|(_, o)| (o.id, o.name.clone(), o.email.clone()))
                .collect();
            owners.sort();
            owners.dedup();
            for (owner_id, name, email) in owners {
                let measures: Vec<i32> = data
                    .owners
                    .iter()
                    .filter(|(_, o)| o.id == owner_id)
                    .map(|(m, _)| *m)
                    .collect();
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
