//! The committee's feedback, end to end: a member of UGO asks on a sent status, the owner sees
//! it in the workspace and answers, the public measure page shows both, and the next UGO status
//! prints each question with its answer or "Ikke besvaret". Questions and answers are
//! append-only, on both backends.

use base64::Engine;
use diesel::connection::SimpleConnection;
use klimaspor::domain::access::PlanRole;

use crate::both;
use crate::helpers::TestApp;
use crate::reports::{pdf_text, poppler};
use crate::scheduler::{UGO_DUE, config, counting_files, runs_of, tick, utc};
use crate::signin::{Browser, add_person, sign_in, with_smtp};
use crate::site::owner_of;

async fn ugo_runs(app: &TestApp) -> Vec<klimaspor::db::runs::RunRow> {
    runs_of(app)
        .await
        .into_iter()
        .filter(|(r, _)| r.kind.slug() == "ugo-status")
        .map(|(r, _)| r)
        .collect()
}

async fn a_committee_question_is_answered_and_printed_in_the_next_status(app: TestApp) {
    let Some((app, smtp)) = with_smtp(app).await else {
        return;
    };
    // The status for 2026-H1 was made and sent on 15 July 2026 (before today's questions).
    let cfg = config(&app);
    let mailer = counting_files(&app);
    tick(&app, &cfg, mailer.clone(), utc("2026-07-15T05:00:30Z")).await;
    let sent = ugo_runs(&app).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].state.as_str(), "sent");
    let run_id = sent[0].id;

    let owner = owner_of(&app, "Center for Ejendomme", 14).await as i32;
    add_person(
        &app,
        "Eva Ejendom",
        "eva@ballerup.example",
        vec![owner],
        None,
    )
    .await;
    add_person(
        &app,
        "Karl Udvalg",
        "karl@ballerup.example",
        vec![],
        Some(PlanRole::Committee),
    )
    .await;
    add_person(
        &app,
        "Rita Læser",
        "rita@ballerup.example",
        vec![],
        Some(PlanRole::Reader),
    )
    .await;

    // The sent report links to the committee's page; a reader may not ask.
    let report = app
        .get(&format!("/ballerup/rapporter/{run_id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(report.contains(&format!("/ballerup/rapporter/{run_id}/spoergsmaal")));
    let mut rita = Browser::new(&app);
    sign_in(&mut rita, &smtp, "rita@ballerup.example").await;
    let path = format!("/ballerup/rapporter/{run_id}/spoergsmaal");
    assert_eq!(rita.get(&path).await.status, 403);

    // Karl asks on sub-goal 14.1 and on measure 57 as a whole.
    let mut karl = Browser::new(&app);
    sign_in(&mut karl, &smtp, "karl@ballerup.example").await;
    let page = karl.get(&path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("value=\"sg:14.1\""));
    let csrf = page.hidden("csrf");
    let empty = karl
        .post(
            &path,
            &[("csrf", &csrf), ("about", ""), ("text", "Hvorfor?")],
        )
        .await;
    assert_eq!(empty.status, 400);
    assert!(empty.body.contains("Vælg det tiltag eller delmål"));
    assert!(empty.body.contains("Hvorfor?"), "what Karl typed is kept");
    for (about, text) in [
        ("sg:14.1", "Hvorfor er energibesparelsen <forsinket>?"),
        ("m:57", "Hvornår kommer planen for skovrejsning?"),
    ] {
        let res = karl
            .post(&path, &[("csrf", &csrf), ("about", about), ("text", text)])
            .await;
        assert_eq!(res.status, 303, "{}", res.body);
    }
    let listed = karl.get(&path).await;
    assert!(
        listed
            .body
            .contains("Hvorfor er energibesparelsen &#60;forsinket&#62;?")
    );
    assert!(listed.body.contains("Spurgt af Karl Udvalg"));

    // Eva sees the question in her workspace and answers it.
    let mut eva = Browser::new(&app);
    sign_in(&mut eva, &smtp, "eva@ballerup.example").await;
    let list = eva.get("/min-side/delmaal").await;
    assert!(
        list.body
            .contains("1 spørgsmål fra udvalget venter på svar"),
        "{}",
        list.body
    );
    let (id, _) = app.sub_goal("14.1").await;
    let form = eva.get(&format!("/min-side/delmaal/{id}")).await;
    assert!(form.body.contains("Hvorfor er energibesparelsen"));
    assert!(
        !form.body.contains("skovrejsning"),
        "measure 57 is not Eva's"
    );
    let question = form.hidden("question");
    let csrf = form.hidden("csrf");
    let answer_path = format!("/min-side/delmaal/{id}/svar");
    let blank = eva
        .post(
            &answer_path,
            &[("csrf", &csrf), ("question", &question), ("text", "  ")],
        )
        .await;
    assert_eq!(blank.status, 400);
    assert!(blank.body.contains("Skriv dit svar."));
    let answered = eva
        .post(
            &answer_path,
            &[
                ("csrf", &csrf),
                ("question", &question),
                (
                    "text",
                    "Leverandøren af varmepumper er et halvt år forsinket.",
                ),
            ],
        )
        .await;
    assert_eq!(answered.status, 303, "{}", answered.body);
    // Karl cannot answer (he owns nothing); Eva cannot answer another measure's question.
    let karl_csrf = karl.get(&path).await.hidden("csrf");
    let forged = karl
        .post(
            &answer_path,
            &[("csrf", &karl_csrf), ("question", &question), ("text", "x")],
        )
        .await;
    assert_eq!(forged.status, 403);

    // The public measure pages show the questions and the answer.
    let m14 = app.get("/ballerup/tiltag/14").await.text().await.unwrap();
    assert!(m14.contains("Spørgsmål fra udvalget"));
    assert!(m14.contains("Leverandøren af varmepumper er et halvt år forsinket."));
    let m57 = app.get("/ballerup/tiltag/57").await.text().await.unwrap();
    assert!(m57.contains("Hvornår kommer planen for skovrejsning?"));
    assert!(m57.contains("Ikke besvaret endnu."));

    // The next status prints both: the answer, and "Ikke besvaret".
    tick(&app, &cfg, mailer.clone(), utc(UGO_DUE)).await;
    let runs = ugo_runs(&app).await;
    let next = runs
        .iter()
        .find(|r| r.period == "2026-H2")
        .expect("the next status");
    let snapshot: serde_json::Value =
        serde_json::from_str(next.snapshot.as_deref().unwrap()).unwrap();
    assert_eq!(snapshot["questions"].as_array().unwrap().len(), 2);
    if poppler() {
        let pdf = base64::engine::general_purpose::STANDARD
            .decode(next.pdf_base64.as_deref().unwrap())
            .unwrap();
        let text = pdf_text(&pdf, None)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(text.contains("Spørgsmål fra udvalget"), "{text}");
        assert!(text.contains("Hvorfor er energibesparelsen <forsinket>?"));
        assert!(text.contains("Leverandøren af varmepumper er et halvt år forsinket."));
        assert!(text.contains("Svar fra Eva Ejendom"));
        assert!(
            text.contains("Hvornår kommer planen for skovrejsning? Ikke besvaret."),
            "{text}"
        );
    }

    // Append-only, whoever writes to the database.
    let pool = app.pool.clone();
    let changed = tokio::task::spawn_blocking(move || {
        let mut c = pool.get().unwrap();
        (
            c.batch_execute("UPDATE questions SET text = 'x'").is_err(),
            c.batch_execute("UPDATE answers SET text = 'x'").is_err(),
        )
    })
    .await
    .unwrap();
    assert_eq!(changed, (true, true), "UPDATE is refused on both tables");
}
both!(a_committee_question_is_answered_and_printed_in_the_next_status);
