//! The scheduler with a real database, a real SMTP server and a clock the tests set.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Duration, Utc};
use klimaspor::db::runs::{self, RunFilter};
use klimaspor::domain::token::TokenKind;
use klimaspor::mail::{FileMailer, Mailer, OutgoingMail, SendError, SmtpMailer};
use klimaspor::report::Templates;
use klimaspor::scheduler::{self, SchedulerConfig, TickSummary};
use serde_json::{Value, json};

use crate::both;
use crate::helpers::{SmtpSink, TestApp, free_port, spawn_app_with};

pub fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// 15 January 2027, 07:00 in Copenhagen: the UGO status for 2026-H2 is due.
pub const UGO_DUE: &str = "2027-01-15T06:00:00Z";

pub fn config(app: &TestApp) -> SchedulerConfig {
    app.config
        .scheduler_config(Arc::new(Templates::builtin()))
        .expect("scheduler config")
}

/// A real mailer that also counts what it was asked to send.
pub struct Counting<M: Mailer> {
    inner: M,
    pub sent: AtomicUsize,
}

impl<M: Mailer> Mailer for Counting<M> {
    fn send(&self, mail: &OutgoingMail) -> Result<(), SendError> {
        self.inner.send(mail)?;
        self.sent.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
    fn describe(&self) -> String {
        self.inner.describe()
    }
}

pub fn counting_files(app: &TestApp) -> Arc<Counting<FileMailer>> {
    Arc::new(Counting {
        inner: FileMailer::new(app.config.db.data_dir.join("outbox")),
        sent: AtomicUsize::new(0),
    })
}

pub async fn tick(
    app: &TestApp,
    cfg: &SchedulerConfig,
    mailer: Arc<dyn Mailer>,
    now: DateTime<Utc>,
) -> TickSummary {
    let (pool, cfg) = (app.pool.clone(), cfg.clone());
    tokio::task::spawn_blocking(move || scheduler::tick(&pool, &cfg, mailer.as_ref(), now).unwrap())
        .await
        .unwrap()
}

pub async fn runs_of(app: &TestApp) -> Vec<(runs::RunRow, String)> {
    let pool = app.pool.clone();
    tokio::task::spawn_blocking(move || {
        runs::list_runs(&mut pool.get().unwrap(), &RunFilter::default()).unwrap()
    })
    .await
    .unwrap()
}

pub async fn mails_of(app: &TestApp) -> Vec<runs::MailRow> {
    let pool = app.pool.clone();
    tokio::task::spawn_blocking(move || runs::list_mail(&mut pool.get().unwrap()).unwrap())
        .await
        .unwrap()
}

async fn one_mail_per_period_with_the_pdf_and_a_danish_cover(app: TestApp) {
    let Some(smtp) = SmtpSink::start() else {
        return;
    };
    let cfg = config(&app);
    let mailer: Arc<dyn Mailer> =
        Arc::new(SmtpMailer::from_url(&smtp.url(), std::time::Duration::from_secs(10)).unwrap());
    let due = utc(UGO_DUE);
    let sum = tick(&app, &cfg, mailer.clone(), due).await;
    assert_eq!(
        (sum.runs_created, sum.generated, sum.mails_sent),
        (1, 1, 1),
        "{sum:?}"
    );
    for later in [
        due + Duration::minutes(1),
        due + Duration::days(1),
        due + Duration::days(40),
    ] {
        let sum = tick(&app, &cfg, mailer.clone(), later).await;
        assert!(sum.is_idle(), "{later}: {sum:?}");
    }
    let runs = runs_of(&app).await;
    assert_eq!(runs.len(), 1);
    let run = &runs[0].0;
    assert_eq!(
        (run.kind.slug(), run.period.as_str(), run.state.as_str()),
        ("ugo-status", "2026-H2", "sent")
    );
    assert!(!run.catch_up);
    let mails = smtp.messages();
    assert_eq!(mails.len(), 1, "exactly one mail");
    let m = &mails[0];
    assert!(
        m.contains(&format!("Message-ID: {}", run.message_id.clone().unwrap())),
        "{m}"
    );
    assert!(m.contains("To: ugo@ballerup.example"));
    assert!(m.contains("klimaspor-ugo-status-2026-H2.pdf"));
    assert!(m.contains("application/pdf"));
    assert!(
        m.contains("Subject: =?utf-8?") || m.contains("Subject: Halv"),
        "{m}"
    );
    assert!(m.contains("UGO"), "Danish cover text");

    // The archive serves exactly the bytes whose hash the run recorded.
    let pdf = app
        .client
        .get(app.url(&format!("/api/v1/report-runs/{}/pdf", run.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200);
    let bytes = pdf.bytes().await.unwrap();
    use sha2::Digest;
    assert_eq!(
        hex::encode(sha2::Sha256::digest(&bytes)),
        run.pdf_sha256.clone().unwrap()
    );
    let api: Value = app
        .get_json(&format!("/api/v1/report-runs/{}", run.id))
        .await;
    assert_eq!(api["state"], "sent");
    assert_eq!(api["recipients"], json!(["ugo@ballerup.example"]));
}
both!(one_mail_per_period_with_the_pdf_and_a_danish_cover);

async fn three_instances_at_the_due_instant_make_one_report_and_one_mail(app: TestApp) {
    let mailer = counting_files(&app);
    let due = utc(UGO_DUE);
    let mut tasks = Vec::new();
    for i in 0..3 {
        let mut cfg = config(&app);
        cfg.instance = format!("replica-{i}");
        let (pool, mailer) = (app.pool.clone(), mailer.clone());
        tasks.push(tokio::task::spawn_blocking(move || {
            scheduler::tick(&pool, &cfg, mailer.as_ref(), due).unwrap()
        }));
    }
    let mut generated = 0;
    for t in tasks {
        generated += t.await.unwrap().generated;
    }
    assert_eq!(generated, 1, "one generation");
    assert_eq!(mailer.sent.load(Ordering::SeqCst), 1, "one mail");
    assert_eq!(runs_of(&app).await.len(), 1);
    assert_eq!(mails_of(&app).await.len(), 1);
}
both!(three_instances_at_the_due_instant_make_one_report_and_one_mail);

async fn a_report_missed_while_down_is_sent_once_flagged_catch_up(app: TestApp) {
    let cfg = config(&app);
    let mailer = counting_files(&app);
    let back = utc(UGO_DUE) + Duration::days(3);
    let sum = tick(&app, &cfg, mailer.clone(), back).await;
    assert_eq!((sum.runs_created, sum.mails_sent), (1, 1));
    assert!(
        tick(&app, &cfg, mailer.clone(), back + Duration::days(1))
            .await
            .is_idle()
    );
    let runs = runs_of(&app).await;
    assert_eq!(runs.len(), 1);
    assert!(runs[0].0.catch_up, "flagged catch-up");
    assert_eq!(runs[0].0.period, "2026-H2");
    assert_eq!(mailer.sent.load(Ordering::SeqCst), 1);
    // Beyond the catch-up horizon nothing is sent.
    assert_eq!(runs[0].0.due_at, utc(UGO_DUE).naive_utc());
}
both!(a_report_missed_while_down_is_sent_once_flagged_catch_up);

async fn smtp_down_then_up_is_retried_and_delivered_once(app: TestApp) {
    if !crate::helpers::smtp_available() {
        return;
    }
    let port = free_port();
    let cfg = config(&app);
    let mailer: Arc<dyn Mailer> = Arc::new(
        SmtpMailer::from_url(
            &format!("smtp://127.0.0.1:{port}"),
            std::time::Duration::from_secs(5),
        )
        .unwrap(),
    );
    let due = utc(UGO_DUE);
    let sum = tick(&app, &cfg, mailer.clone(), due).await;
    assert_eq!(
        (sum.generated, sum.mails_retried, sum.mails_sent),
        (1, 1, 0),
        "{sum:?}"
    );
    let run = runs_of(&app).await.remove(0).0;
    assert_eq!(run.state.as_str(), "queued");
    assert!(run.last_error.is_some(), "the failure is recorded");
    // Too early for the next attempt: nothing happens.
    assert!(
        tick(&app, &cfg, mailer.clone(), due + Duration::seconds(5))
            .await
            .is_idle()
    );
    let smtp = SmtpSink::start_on(port).expect("smtp");
    let sum = tick(&app, &cfg, mailer.clone(), due + Duration::minutes(10)).await;
    assert_eq!(sum.mails_sent, 1, "{sum:?}");
    let run = runs_of(&app).await.remove(0).0;
    assert_eq!(run.state.as_str(), "sent");
    assert_eq!(run.attempts, 2);
    assert!(
        tick(&app, &cfg, mailer, due + Duration::hours(2))
            .await
            .is_idle()
    );
    assert_eq!(smtp.messages().len(), 1, "delivered once");
}
both!(smtp_down_then_up_is_retried_and_delivered_once);

async fn a_permanent_failure_marks_the_run_failed_with_the_reason(app: TestApp) {
    let mut cfg = config(&app);
    cfg.recipients.insert(
        klimaspor::report::ReportKind::UgoStatus,
        vec!["ugo@ballerup.example".into()],
    );
    let failing: Arc<dyn Mailer> = Arc::new(Refusing);
    let sum = tick(&app, &cfg, failing, utc(UGO_DUE)).await;
    assert_eq!(sum.mails_failed, 1);
    let run = runs_of(&app).await.remove(0).0;
    assert_eq!(run.state.as_str(), "failed");
    assert!(run.last_error.unwrap().contains("550"));
    let api = app.get_json("/api/v1/report-runs?state=failed").await;
    assert_eq!(api.as_array().unwrap().len(), 1);
}
both!(a_permanent_failure_marks_the_run_failed_with_the_reason);

/// Stands in for a server that refuses the recipient (5xx).
struct Refusing;

impl Mailer for Refusing {
    fn send(&self, _: &OutgoingMail) -> Result<(), SendError> {
        Err(SendError::Permanent("550 5.1.1 mailbox unavailable".into()))
    }
    fn describe(&self) -> String {
        "refusing".into()
    }
}

/// Dies in the middle of sending (the process is killed after the report was stored).
struct Dying;

impl Mailer for Dying {
    fn send(&self, _: &OutgoingMail) -> Result<(), SendError> {
        panic!("killed while sending");
    }
    fn describe(&self) -> String {
        "dying".into()
    }
}

async fn a_process_killed_before_sending_sends_the_same_mail_after_restart(app: TestApp) {
    let cfg = config(&app);
    let due = utc(UGO_DUE);
    let (pool, cfg2) = (app.pool.clone(), cfg.clone());
    let died =
        tokio::task::spawn_blocking(move || scheduler::tick(&pool, &cfg2, &Dying, due)).await;
    assert!(died.is_err(), "the first process died");
    let before = runs_of(&app).await.remove(0).0;
    assert_eq!(
        before.state.as_str(),
        "queued",
        "the report was stored before the crash"
    );
    let app = app.restart().await;
    let mailer = counting_files(&app);
    // Until the dead process's lease runs out nobody sends; then the mail goes out.
    assert!(
        tick(&app, &cfg, mailer.clone(), due + Duration::minutes(1))
            .await
            .is_idle()
    );
    let sum = tick(&app, &cfg, mailer.clone(), due + Duration::minutes(6)).await;
    assert_eq!((sum.generated, sum.mails_sent), (0, 1), "{sum:?}");
    let after = runs_of(&app).await.remove(0).0;
    assert_eq!(after.state.as_str(), "sent");
    assert_eq!(after.message_id, before.message_id, "the same Message-ID");
    assert_eq!(
        after.pdf_sha256, before.pdf_sha256,
        "the archived PDF is unchanged"
    );
    assert_eq!(after.pdf_base64, before.pdf_base64);
    let eml = app
        .config
        .db
        .data_dir
        .join("outbox")
        .join(FileMailer::file_name(before.message_id.as_deref().unwrap()));
    let text = std::fs::read_to_string(eml).unwrap();
    assert!(text.contains(before.message_id.as_deref().unwrap()));
}
both!(a_process_killed_before_sending_sends_the_same_mail_after_restart);

async fn dst_night_fires_once(app: TestApp) {
    // A status at 02:30 on 25 October 2026, the night 02:30 happens twice in Copenhagen.
    let mut cfg = config(&app);
    cfg.schedules
        .retain(|(k, _)| *k == klimaspor::report::ReportKind::UgoStatus);
    cfg.schedules[0].1 =
        klimaspor::domain::schedule::Schedule::parse("x", "0 30 2 25 Oct *").unwrap();
    let mailer = counting_files(&app);
    let mut t = utc("2026-10-24T22:00:00Z");
    while t < utc("2026-10-25T04:00:00Z") {
        tick(&app, &cfg, mailer.clone(), t).await;
        t += Duration::minutes(15);
    }
    assert_eq!(runs_of(&app).await.len(), 1);
    assert_eq!(mailer.sent.load(Ordering::SeqCst), 1);
}
both!(dst_night_fires_once);

async fn each_owner_gets_one_digest_with_the_right_sub_goals(app: TestApp) {
    let pool = app.pool.clone();
    // Owners with e-mail addresses, as `klimaspor token create --role owner` makes them.
    for (name, email, measures) in [
        (
            "Center for Ejendomme",
            "ejendomme@ballerup.example",
            vec![14, 15],
        ),
        ("Center for Natur", "natur@ballerup.example", vec![57, 21]),
    ] {
        let pool = pool.clone();
        tokio::task::spawn_blocking(move || {
            klimaspor::db::store::create_token(
                &mut pool.get().unwrap(),
                &klimaspor::db::store::NewToken {
                    name: name.into(),
                    kind: TokenKind::Owner,
                    email: Some(email.into()),
                    plan_slug: "ballerup".into(),
                    measures,
                    token_hash: klimaspor::domain::token::hash(email),
                },
                &klimaspor::db::store::Principal::operator("test"),
                klimaspor::clock::now_utc(),
            )
            .unwrap();
        })
        .await
        .unwrap();
    }
    // 21.1 (due 2035) was reported on in the half-year: it needs no reminder.
    let admin = app.admin().await;
    let (id, etag) = app.sub_goal("21.1").await;
    let res = app
        .post_progress(
            id,
            Some(&admin),
            Some(&etag),
            &json!({"status": "on_track", "progress": 10}),
        )
        .await;
    assert_eq!(res.status(), 201);

    let cfg = config(&app);
    let mailer = counting_files(&app);
    // 1 January 2027 07:00: fourteen days before the status for 2026-H2.
    let reminder_time = utc("2027-01-01T06:00:00Z");
    let sum = tick(&app, &cfg, mailer.clone(), reminder_time).await;
    assert_eq!(sum.reminders_queued, 2, "{sum:?}");
    assert!(
        tick(
            &app,
            &cfg,
            mailer.clone(),
            reminder_time + Duration::hours(3)
        )
        .await
        .reminders_queued
            == 0
    );
    let mails = mails_of(&app).await;
    assert_eq!(mails.len(), 2);
    assert_eq!(mailer.sent.load(Ordering::SeqCst), 2);
    let to = |addr: &str| mails.iter().find(|m| m.recipients == addr).unwrap().clone();
    let ejendomme = to("ejendomme@ballerup.example");
    assert!(
        ejendomme.body.contains("- 14.1 ") && ejendomme.body.contains("- 15.1 "),
        "{}",
        ejendomme.body
    );
    assert!(ejendomme.body.contains("fristen er overskredet"));
    assert!(
        ejendomme.body.contains("/min-side/delmaal/") && ejendomme.body.contains("/api/docs"),
        "links each sub-goal to its form in the workspace, and names the API: {}",
        ejendomme.body
    );
    assert!(ejendomme.subject.contains("2. halvår 2026"));
    let natur = to("natur@ballerup.example");
    assert!(natur.body.contains("- 57.1 "), "{}", natur.body);
    assert!(
        !natur.body.contains("- 21.1 "),
        "reported on in the half-year and not due soon"
    );
}
both!(each_owner_gets_one_digest_with_the_right_sub_goals);

async fn an_operator_asks_for_a_run_and_it_is_sent(app: TestApp) {
    let backend = app.backend;
    drop(app);
    let Some(app) = spawn_app_with(backend, |c| c.no_scheduler = false).await else {
        return;
    };
    let admin = app.admin().await;
    let post = |body: Value| {
        app.client
            .post(app.url("/api/v1/report-runs"))
            .bearer_auth(&admin)
            .json(&body)
            .send()
    };
    let res = post(json!({"plan": "ballerup", "kind": "council-annual", "period": "2025"}))
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let mut state = String::new();
    for _ in 0..100 {
        let run = app.get_json(&location).await;
        state = run["state"].as_str().unwrap().to_string();
        if state == "sent" || state == "failed" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(state, "sent");
    let outbox: Vec<_> = std::fs::read_dir(app.config.db.data_dir.join("outbox"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(outbox.len(), 1, "the .eml in the file outbox");
    let again = post(json!({"plan": "ballerup", "kind": "council-annual", "period": "2025"}))
        .await
        .unwrap();
    let p = crate::helpers::assert_problem(again, 409).await;
    assert!(p["detail"].as_str().unwrap().contains(&location));
    let rev = post(json!({"plan": "ballerup", "kind": "council-annual", "period": "2025", "new_revision": true})).await.unwrap();
    assert_eq!(rev.status(), 201);
    assert_eq!(rev.json::<Value>().await.unwrap()["revision"], 2);
    let bad = post(json!({"plan": "ballerup", "kind": "council-annual", "period": "2025-H1"}))
        .await
        .unwrap();
    crate::helpers::assert_problem(bad, 422).await;
    let schedules = app.get_json("/api/v1/schedules").await;
    assert_eq!(schedules.as_array().unwrap().len(), 3);
    assert!(schedules[0]["next_firing"].is_string());
}
both!(an_operator_asks_for_a_run_and_it_is_sent);
