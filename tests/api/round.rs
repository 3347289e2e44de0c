//! The reporting round of a UGO status, end to end with the real scheduler on a clock the tests
//! set: updates and one-click confirmations mark each sub-goal, the second reminder goes to the
//! owners still missing, the report says who is missing, and an extended round closes later,
//! once, with two instances and across a restart.

use std::sync::atomic::Ordering;

use base64::Engine;
use chrono::Duration;
use klimaspor::db::store::{self, NewToken, Principal};
use klimaspor::domain::access::PlanRole;
use klimaspor::domain::token::TokenKind;
use klimaspor::scheduler::SchedulerConfig;
use serde_json::{Value, json};

use crate::both;
use crate::helpers::TestApp;
use crate::reports::pdf_text;
use crate::scheduler::{UGO_DUE, config, counting_files, mails_of, runs_of, tick, utc};
use crate::signin::{Browser, add_person, sign_in, with_smtp};

/// Owners with e-mail addresses (as `klimaspor token create --role owner` makes them); returns
/// their ids.
async fn owners(app: &TestApp) -> (i32, i32) {
    let mut ids = vec![];
    for (name, email, measures) in [
        (
            "Center for Ejendomme",
            "ejendomme@ballerup.example",
            vec![14, 15],
        ),
        ("Center for Natur", "natur@ballerup.example", vec![57]),
    ] {
        let pool = app.pool.clone();
        let id = tokio::task::spawn_blocking(move || {
            store::create_token(
                &mut pool.get().unwrap(),
                &NewToken {
                    name: name.into(),
                    kind: TokenKind::Owner,
                    email: Some(email.into()),
                    plan_slug: "ballerup".into(),
                    measures,
                    token_hash: klimaspor::domain::token::hash(email),
                },
                &Principal::operator("test"),
                klimaspor::clock::now_utc(),
            )
            .unwrap()
            .owner_id
            .unwrap()
        })
        .await
        .unwrap();
        ids.push(id);
    }
    (ids[0], ids[1])
}

async fn confirm_at(app: &TestApp, id: i64, at: chrono::DateTime<chrono::Utc>) {
    let pool = app.pool.clone();
    tokio::task::spawn_blocking(move || {
        store::confirm_unchanged(
            &mut pool.get().unwrap(),
            id as i32,
            &Principal::operator("Klimasekretariatet"),
            at.naive_utc(),
        )
        .unwrap()
    })
    .await
    .unwrap();
}

fn snapshot_goal<'a>(snapshot: &'a Value, key: &str) -> &'a Value {
    snapshot["sub_goals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == key)
        .unwrap()
}

async fn the_round_marks_each_sub_goal_and_the_status_names_who_is_missing(app: TestApp) {
    let Some((app, smtp)) = with_smtp(app).await else {
        return;
    };
    let (ejendomme, _natur) = owners(&app).await;
    add_person(
        &app,
        "Eva Ejendom",
        "eva@ballerup.example",
        vec![ejendomme],
        None,
    )
    .await;
    let mut b = Browser::new(&app);
    sign_in(&mut b, &smtp, "eva@ballerup.example").await;

    // 14.1 updated (now, December 2026: in the round of the status for 2026-H2).
    let admin = app.admin().await;
    let (id_14, etag) = app.sub_goal("14.1").await;
    let res = app
        .post_progress(
            id_14,
            Some(&admin),
            Some(&etag),
            &json!({"status": "delayed", "progress": 60}),
        )
        .await;
    assert_eq!(res.status(), 201);
    // 15.1 confirmed unchanged with the workspace's button, with who and when.
    let (id_15, _) = app.sub_goal("15.1").await;
    let list = b.get("/min-side/delmaal").await;
    assert!(
        list.body
            .contains(&format!("/min-side/delmaal/{id_15}/bekraeft"))
    );
    let csrf = list.hidden("csrf");
    let confirmed = b
        .post(
            &format!("/min-side/delmaal/{id_15}/bekraeft"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(confirmed.status, 303, "{}", confirmed.body);
    let after = b.get(confirmed.location()).await;
    assert!(
        after.body.contains("Delmål 15.1 er bekræftet uændret"),
        "{}",
        after.body
    );
    let tokenless = b
        .post(&format!("/min-side/delmaal/{id_15}/bekraeft"), &[])
        .await;
    assert_eq!(tokenless.status, 403);
    let (id_1, _) = app.sub_goal("1.1").await;
    let not_hers = b
        .post(
            &format!("/min-side/delmaal/{id_1}/bekraeft"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(not_hers.status, 403, "1.1 is not Eva's");
    // 57.1 confirmed one second after the close: it counts in the next round, not this one.
    let (id_57, _) = app.sub_goal("57.1").await;
    let due = utc(UGO_DUE);
    confirm_at(&app, id_57, due + Duration::seconds(1)).await;

    let cfg = config(&app);
    let mailer = counting_files(&app);
    tick(&app, &cfg, mailer.clone(), utc("2027-01-01T06:00:00Z")).await;
    let first: Vec<_> = mails_of(&app).await;
    let ejendomme_mail = first
        .iter()
        .find(|m| m.recipients == "ejendomme@ballerup.example")
        .expect("the first reminder");
    assert!(
        ejendomme_mail
            .body
            .contains(&format!("/min-side/delmaal/{id_14}")),
        "the reminder links to the workspace: {}",
        ejendomme_mail.body
    );
    assert!(
        !ejendomme_mail.body.contains("curl"),
        "no more curl instructions"
    );

    // Three days before the close: a second mail to each owner with sub-goals still missing.
    let sum = tick(&app, &cfg, mailer.clone(), due - Duration::days(3)).await;
    let second: Vec<_> = mails_of(&app)
        .await
        .into_iter()
        .filter(|m| m.subject.starts_with("Sidste påmindelse"))
        .collect();
    assert_eq!(sum.reminders_queued, second.len(), "{sum:?}");
    let natur = second
        .iter()
        .find(|m| m.recipients == "natur@ballerup.example")
        .expect("Natur is missing 57.1");
    assert!(natur.body.contains("- 57.1 "), "{}", natur.body);
    if let Some(e) = second
        .iter()
        .find(|m| m.recipients == "ejendomme@ballerup.example")
    {
        assert!(
            !e.body.contains("- 14.1 ") && !e.body.contains("- 15.1 "),
            "{}",
            e.body
        );
    }
    let again = tick(&app, &cfg, mailer.clone(), due - Duration::days(2)).await;
    assert_eq!(again.reminders_queued, 0, "once per owner and round");

    // The close: the status is made once, with each sub-goal's mark.
    tick(&app, &cfg, mailer.clone(), due).await;
    let runs = runs_of(&app).await;
    let ugo: Vec<_> = runs
        .iter()
        .filter(|(r, _)| r.kind.slug() == "ugo-status")
        .collect();
    assert_eq!(ugo.len(), 1);
    let run = &ugo[0].0;
    let snapshot: Value = serde_json::from_str(run.snapshot.as_deref().unwrap()).unwrap();
    assert_eq!(snapshot_goal(&snapshot, "14.1")["round"], "updated");
    assert_eq!(snapshot_goal(&snapshot, "15.1")["round"], "confirmed");
    assert_eq!(snapshot_goal(&snapshot, "57.1")["round"], "missing");
    let pdf = base64::engine::general_purpose::STANDARD
        .decode(run.pdf_base64.as_deref().unwrap())
        .unwrap();
    // Kept for a person to look at (as the browser tests keep their screenshots).
    let shots = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    std::fs::write(shots.join(format!("ugo-round-{:?}.pdf", app.backend)), &pdf).unwrap();
    if crate::reports::poppler() {
        let page1 = pdf_text(&pdf, Some((1, 1)));
        assert!(page1.contains("Indberetningsrunden"), "{page1}");
        assert!(page1.contains("Ansvarlige med manglende delmål"), "{page1}");
        assert!(page1.contains("Center for Natur ("), "{page1}");
        let all = pdf_text(&pdf, None)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(all.contains("Bekræftet uændret"));
        assert!(all.contains("Mangler"));
    }

    // The next round counts 57.1's confirmation.
    let pool = app.pool.clone();
    let cfg2: SchedulerConfig = cfg.clone();
    let next = tokio::task::spawn_blocking(move || {
        let mut c = pool.get().unwrap();
        let plan = store::plan_version(&mut c, "ballerup").unwrap().0;
        let ext = store::round_extensions(&mut c, plan).unwrap();
        let round = cfg2
            .current_round(due + Duration::seconds(2), &ext)
            .unwrap();
        assert_eq!(round.period.to_string(), "2027-H1");
        store::round_marks(&mut c, plan, &round).unwrap()
    })
    .await
    .unwrap();
    assert_eq!(
        store::mark_of(&next, "57.1"),
        klimaspor::domain::round::Mark::Confirmed
    );
    assert!(mailer.sent.load(Ordering::SeqCst) > 0);
}
both!(the_round_marks_each_sub_goal_and_the_status_names_who_is_missing);

async fn an_extended_round_closes_later_once_with_two_instances(app: TestApp) {
    let Some((app, smtp)) = with_smtp(app).await else {
        return;
    };
    add_person(
        &app,
        "Anna Admin",
        "anna@ballerup.example",
        vec![],
        Some(PlanRole::Admin),
    )
    .await;
    let mut b = Browser::new(&app);
    sign_in(&mut b, &smtp, "anna@ballerup.example").await;
    let page = b.get("/admin/ballerup/runde").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("2. halvår 2026"), "{}", page.body);
    assert!(page.body.contains("Pr. ansvarlig") && page.body.contains("Pr. tema"));
    let csrf = page.hidden("csrf");
    // Too far, unreadable: refused in Danish, nothing stored.
    let far = b
        .post(
            "/admin/ballerup/runde",
            &[("csrf", &csrf), ("date", "2027-03-01"), ("time", "07:00")],
        )
        .await;
    assert_eq!(far.status, 400);
    assert!(far.body.contains("højst forlænges 28 dage"), "{}", far.body);
    let bad = b
        .post(
            "/admin/ballerup/runde",
            &[("csrf", &csrf), ("date", "i morgen"), ("time", "07:00")],
        )
        .await;
    assert!(bad.body.contains("Skriv datoen som dd.mm.åååå"));
    let done = b
        .post(
            "/admin/ballerup/runde",
            &[
                ("csrf", &csrf),
                ("date", "2027-01-22"),
                ("time", "07:00"),
                ("reason", "Afdelingerne har bedt om en uge mere"),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let shown = b.get("/admin/ballerup/runde").await;
    assert!(
        shown.body.contains("22. januar 2027 07:00"),
        "{}",
        shown.body
    );
    assert!(shown.body.contains("forlænget fra 15. januar 2027 07:00"));
    assert!(shown.body.contains("Runden er forlænget"));
    let twice = b
        .post(
            "/admin/ballerup/runde",
            &[("csrf", &csrf), ("date", "2027-01-23"), ("time", "07:00")],
        )
        .await;
    assert_eq!(twice.status, 400);
    assert!(twice.body.contains("allerede forlænget én gang"));
    let log = b.get("/admin/ballerup/log").await;
    assert!(log.body.contains("Runde forlænget"), "the audit log");

    // Two instances tick the same database: nothing at the scheduled time, one status at the
    // new close.
    let mut one = config(&app);
    one.instance = "one".into();
    let mut two = one.clone();
    two.instance = "two".into();
    let mailer = counting_files(&app);
    let due = utc(UGO_DUE);
    for t in [due, due + Duration::days(3)] {
        let (a, b2) = tokio::join!(
            tick(&app, &one, mailer.clone(), t),
            tick(&app, &two, mailer.clone(), t)
        );
        assert_eq!(a.runs_created + b2.runs_created, 0, "extended: not yet");
    }
    let new_close = utc("2027-01-22T06:00:00Z");
    let (a, b2) = tokio::join!(
        tick(
            &app,
            &one,
            mailer.clone(),
            new_close + Duration::seconds(30)
        ),
        tick(
            &app,
            &two,
            mailer.clone(),
            new_close + Duration::seconds(30)
        )
    );
    let ugo = |runs: Vec<(klimaspor::db::runs::RunRow, String)>| {
        runs.into_iter()
            .filter(|(r, _)| r.kind.slug() == "ugo-status")
            .map(|(r, _)| r)
            .collect::<Vec<_>>()
    };
    let made = ugo(runs_of(&app).await);
    assert_eq!(made.len(), 1, "{a:?} {b2:?}");
    assert_eq!(
        made[0].due_at,
        new_close.naive_utc(),
        "due at the new close"
    );
    let snapshot: Value = serde_json::from_str(made[0].snapshot.as_deref().unwrap()).unwrap();
    assert_eq!(
        snapshot["round"]["closes_at"].as_str().unwrap(),
        "2027-01-22T06:00:00Z"
    );
    let sent = mailer.sent.load(Ordering::SeqCst);
    // A restart ticks again: still one status, no second mail.
    let app = app.restart().await;
    let mailer2 = counting_files(&app);
    tick(
        &app,
        &one,
        mailer2.clone(),
        new_close + Duration::minutes(10),
    )
    .await;
    assert_eq!(ugo(runs_of(&app).await).len(), 1);
    assert_eq!(mailer2.sent.load(Ordering::SeqCst), 0);
    assert!(sent >= 1, "the status was mailed");
}
both!(an_extended_round_closes_later_once_with_two_instances);
