//! The `klimaspor` command line. `main` parses, sets up logging and dispatches here.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::Utc;
use clap::{Parser, Subcommand};

use crate::config::{Config, DatabaseArgs, LogArgs, REMINDER_LEAD_DAYS, ScheduleArgs};
use crate::db::{self, import, store};
use crate::domain::Period;
use crate::domain::plan_doc::PlanDoc;
use crate::domain::token::{self, TokenKind};
use crate::report::{self, ReportKind, Templates};
use crate::startup::{self, Application};

#[derive(Debug, Parser)]
#[command(
    name = "klimaspor",
    version,
    about = "Keeps a municipality's climate action plan honest"
)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(flatten)]
    pub log: LogArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Without a command: serve, with these settings.
    #[command(flatten)]
    pub serve: Config,
}

/// Each command takes the settings it uses, and only those (`klimaspor COMMAND --help`).
#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Serve the REST API and run the scheduler (the default).
    Serve(Config),
    /// Apply pending database migrations and exit.
    Migrate(DatabaseArgs),
    /// Import a plan document (JSON, see seeds/README.md). Safe to repeat.
    Import {
        #[command(flatten)]
        db: DatabaseArgs,
        /// The plan document.
        file: PathBuf,
    },
    /// Import an emissions inventory (CSV or XLSX: År, Sektor, Værdi, Enhed, Kilde,
    /// Dataudgivelse; see docs/emissions-import.md). Every row is checked first: one bad row
    /// and nothing is written.
    EmissionsImport {
        #[command(flatten)]
        db: DatabaseArgs,
        /// The CSV or XLSX file.
        file: PathBuf,
        #[arg(long, default_value = "ballerup")]
        plan: String,
        /// Replace the values of a release imported before.
        #[arg(long)]
        replace: bool,
        /// Check the file and say what it holds; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write a report as PDF, from the database as it is now.
    Report {
        #[command(flatten)]
        db: DatabaseArgs,
        /// Folder with one sub-folder per report kind holding its template.toml.
        #[arg(
            long,
            env = "KLIMASPOR_TEMPLATES_DIR",
            default_value = "./report-templates"
        )]
        templates_dir: PathBuf,
        /// ugo-status (period 2026-H2), green-accounts or council-annual (period 2026).
        #[arg(value_parser = ["ugo-status", "green-accounts", "council-annual"])]
        kind: String,
        #[arg(long)]
        period: String,
        /// Where to write the PDF.
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value = "ballerup")]
        plan: String,
    },
    /// List when reports (and owner reminders) fall due between two dates and which period
    /// each covers. Sends nothing.
    Schedule {
        #[command(flatten)]
        schedules: ScheduleArgs,
        /// First day (inclusive), YYYY-MM-DD.
        #[arg(long)]
        from: chrono::NaiveDate,
        /// Last day (exclusive), YYYY-MM-DD.
        #[arg(long)]
        to: chrono::NaiveDate,
    },
    /// Fill the database with synthetic plans shaped like the Ballerup plan and a history of
    /// monthly progress updates (for scale and load measurements). Deterministic from --seed.
    BenchData {
        #[command(flatten)]
        db: DatabaseArgs,
        /// Synthetic plans besides Ballerup.
        #[arg(long, default_value_t = 98)]
        plans: u32,
        /// Years of monthly progress updates.
        #[arg(long, default_value_t = 10)]
        years: u32,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Exit 0 when the server at KLIMASPOR_BIND answers /readyz with 200 (container health
    /// checks; no curl needed).
    Healthcheck {
        /// Address and port of the server.
        #[arg(long, env = "KLIMASPOR_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
    },
    /// Print the JSON Schema of the plan document format (seeds/plan.schema.json).
    PlanSchema,
    /// Create, list and revoke API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Add, list, disable and enable the people who sign in.
    Person {
        #[command(subcommand)]
        command: PersonCommand,
    },
    /// Give or take away a plan's admin role, or the operator role.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum PersonCommand {
    /// Add a person who may sign in (with an e-mail link, or the OpenID provider).
    Add {
        #[command(flatten)]
        db: DatabaseArgs,
        #[arg(long)]
        name: String,
        /// The address they sign in with (also the OpenID claim matched).
        #[arg(long)]
        email: String,
        /// An owner (department) they work in, by name; repeat for several.
        #[arg(long = "owner")]
        owners: Vec<String>,
        /// A role on --plan: committee or reader (admin: `klimaspor admin grant`).
        #[arg(long, value_parser = ["committee", "reader"])]
        role: Option<String>,
        #[arg(long, default_value = "ballerup")]
        plan: String,
    },
    /// List people with their owners and roles.
    List {
        #[command(flatten)]
        db: DatabaseArgs,
        /// Only the people of this plan.
        #[arg(long)]
        plan: Option<String>,
    },
    /// Disable a person: their sessions end now and no link is sent to them.
    Disable {
        #[command(flatten)]
        db: DatabaseArgs,
        email: String,
    },
    /// Let a disabled person sign in again.
    Enable {
        #[command(flatten)]
        db: DatabaseArgs,
        email: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Make a person admin of a plan (or, with --operator, an operator of every plan).
    Grant {
        #[command(flatten)]
        db: DatabaseArgs,
        email: String,
        #[arg(long, default_value = "ballerup")]
        plan: String,
        #[arg(long)]
        operator: bool,
    },
    /// Take the admin role on a plan (or, with --operator, the operator role) away.
    Revoke {
        #[command(flatten)]
        db: DatabaseArgs,
        email: String,
        #[arg(long, default_value = "ballerup")]
        plan: String,
        #[arg(long)]
        operator: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token; it is printed alone on the last line of stdout, and only its hash is kept.
    Create {
        #[command(flatten)]
        db: DatabaseArgs,
        /// operator (every plan), admin (of --plan), owner (of --measure on --plan) or reader
        /// (of --plan).
        #[arg(long, value_parser = ["operator", "admin", "owner", "reader"])]
        role: String,
        /// Who holds the token. For owner tokens: the owner (department or person).
        #[arg(long)]
        name: String,
        /// Owner tokens: the owner's e-mail address.
        #[arg(long)]
        email: Option<String>,
        /// Owner tokens: a measure number the owner owns (repeat for several).
        #[arg(long = "measure")]
        measures: Vec<i32>,
        /// The plan an admin or reader token is for; for owner tokens, the plan the measure
        /// numbers refer to.
        #[arg(long, default_value = "ballerup")]
        plan: String,
    },
    /// List tokens (never the tokens themselves).
    List {
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Revoke a token by its id (see `token list`).
    Revoke {
        #[command(flatten)]
        db: DatabaseArgs,
        id: i32,
    },
}

impl TokenCommand {
    fn db(&self) -> &DatabaseArgs {
        match self {
            Self::Create { db, .. } | Self::List { db } | Self::Revoke { db, .. } => db,
        }
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    crate::telemetry::init(cli.log.log_format);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve(cli.serve)) {
        Command::Serve(config) => actix_web::rt::System::new().block_on(async move {
            let app = Application::build(&config).await?;
            app.run_until_stopped().await?;
            Ok(())
        }),
        Command::Migrate(db_args) => {
            let (backend, pool) = db::connect(&db_args.database_url(), 1)?;
            let mut conn = pool.get()?;
            let applied = db::under_setup_lock(&mut conn, db::run_migrations)?;
            tracing::info!(database = %backend.describe(), applied = ?applied, "migrate");
            if applied.is_empty() {
                println!("{}: no pending migrations", backend.describe());
            } else {
                println!("{}: applied {}", backend.describe(), applied.join(", "));
            }
            Ok(())
        }
        Command::Import { db, file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let doc = PlanDoc::from_json(&text).map_err(|e| {
                anyhow::anyhow!("{} is not a valid plan document: {e}", file.display())
            })?;
            let db = DatabaseArgs {
                seed_on_empty: false,
                ..db
            };
            let (_, pool) = startup::prepare_database(&db)?;
            let mut conn = pool.get()?;
            let summary =
                import::import_plan(&mut conn, &doc, "klimaspor import", crate::clock::now_utc())?;
            println!("{}", serde_json::to_string_pretty(&summary)?);
            if !summary.kept_not_in_document.is_empty() {
                eprintln!(
                    "note: sub-goals not in {} were kept with their progress: {}",
                    file.display(),
                    summary.kept_not_in_document.join(", ")
                );
            }
            Ok(())
        }
        Command::EmissionsImport {
            db,
            file,
            plan,
            replace,
            dry_run,
        } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let table = crate::emissions_import::read(&bytes)
                .map_err(|why| anyhow::anyhow!("{}: {why}", file.display()))?;
            let releases = match crate::emissions_import::parse(&table) {
                Ok(r) => r,
                Err(errors) => {
                    for e in &errors {
                        eprintln!(
                            "{}: række {}{}: {}",
                            file.display(),
                            e.line,
                            e.column.map(|c| format!(", {c}")).unwrap_or_default(),
                            e.message
                        );
                    }
                    anyhow::bail!(
                        "{} row(s) of {} break a rule; nothing was written",
                        errors.len(),
                        file.display()
                    );
                }
            };
            let db = DatabaseArgs {
                seed_on_empty: false,
                ..db
            };
            let (_, pool) = startup::prepare_database(&db)?;
            let mut conn = pool.get()?;
            let done = store::import_emissions(
                &mut conn,
                &plan,
                &releases,
                replace,
                dry_run,
                &cli_operator(),
                crate::clock::now_utc(),
            )?;
            for (release, values, replaced) in &done.releases {
                println!(
                    "{} release {release}: {values} values{}",
                    if dry_run { "would import" } else { "imported" },
                    if *replaced {
                        " (replacing the stored ones)"
                    } else {
                        ""
                    }
                );
            }
            Ok(())
        }
        Command::Report {
            db,
            templates_dir,
            kind,
            period,
            out,
            plan,
        } => {
            let kind = ReportKind::parse(&kind)
                .ok_or_else(|| anyhow::anyhow!("unknown report kind '{kind}'"))?;
            let period: Period = period.parse()?;
            kind.check_period(period)?;
            let templates = Templates::load(&templates_dir)?;
            let (_, pool) = startup::prepare_database(&db)?;
            let mut conn = pool.get()?;
            let history = store::load_history(&mut conn, &plan, &kind.snapshot_dates(period))?;
            let (pdf, _) = report::generate(
                &history,
                kind,
                period,
                templates.get(kind),
                crate::clock::now_utc().and_utc(),
                None,
            )?;
            std::fs::write(&out, &pdf)
                .with_context(|| format!("cannot write {}", out.display()))?;
            println!(
                "wrote {} ({} pages, {} bytes)",
                out.display(),
                count_pages(&pdf),
                pdf.len()
            );
            Ok(())
        }
        Command::Schedule {
            schedules,
            from,
            to,
        } => {
            let schedules = schedules.parse()?;
            for line in schedule_lines(&schedules, from, to) {
                println!("{line}");
            }
            Ok(())
        }
        Command::Healthcheck { bind } => healthcheck(&bind),
        Command::BenchData {
            db,
            plans,
            years,
            seed,
        } => {
            let db = DatabaseArgs {
                seed_on_empty: false,
                ..db
            };
            let (_, pool) = startup::prepare_database(&db)?;
            let mut conn = pool.get()?;
            let until = crate::clock::today();
            let started = std::time::Instant::now();
            let sum = crate::benchdata::fill(&mut conn, plans, years, seed, until)?;
            println!("{}", serde_json::to_string_pretty(&sum)?);
            eprintln!("filled in {:.1} s", started.elapsed().as_secs_f64());
            Ok(())
        }
        Command::PlanSchema => {
            println!("{}", serde_json::to_string_pretty(&PlanDoc::json_schema())?);
            Ok(())
        }
        Command::Token { command } => run_token(command),
        Command::Person { command } => run_person(command),
        Command::Admin { command } => run_admin(command),
    }
}

/// Who acts at the command line: the operator, named so in the audit log.
fn cli_operator() -> store::Principal {
    store::Principal::operator("command line")
}

fn print_person(v: &store::PersonView) {
    let p = &v.person;
    let owners: Vec<&str> = v.owners.iter().map(|(_, n)| n.as_str()).collect();
    let mut roles: Vec<String> = v
        .roles
        .iter()
        .map(|(plan, r)| format!("{r} of {plan}"))
        .collect();
    if p.operator {
        roles.insert(0, "operator".into());
    }
    println!(
        "{:>4}  {:<8}  {:<28}  {:<34}  {:<30}  {}",
        p.id,
        if p.active { "active" } else { "disabled" },
        p.name,
        p.email,
        if owners.is_empty() {
            "-".into()
        } else {
            owners.join(", ")
        },
        if roles.is_empty() {
            "-".into()
        } else {
            roles.join(", ")
        },
    );
}

fn run_person(command: PersonCommand) -> anyhow::Result<()> {
    let db = match &command {
        PersonCommand::Add { db, .. }
        | PersonCommand::List { db, .. }
        | PersonCommand::Disable { db, .. }
        | PersonCommand::Enable { db, .. } => db,
    };
    let (_, pool) = startup::prepare_database(db)?;
    let mut conn = pool.get()?;
    let now = crate::clock::now_utc();
    let by = cli_operator();
    let active = matches!(command, PersonCommand::Enable { .. });
    match command {
        PersonCommand::Add {
            name,
            email,
            owners,
            role,
            plan,
            ..
        } => {
            let name = crate::domain::text::required_line("--name", name)?;
            let email = crate::domain::signin::normalise_email(&email)?;
            let owner_ids = store::owner_ids_by_name(&mut conn, &owners)?;
            let role = role
                .map(|r| crate::domain::access::PlanRole::parse(&r))
                .transpose()?
                .map(|r| (plan, r));
            let v = store::add_person(
                &mut conn,
                &store::NewPerson {
                    name,
                    email,
                    owner_ids,
                    role,
                },
                &by,
                now,
            )?;
            print_person(&v);
        }
        PersonCommand::List { plan, .. } => {
            for v in store::list_persons(&mut conn, plan.as_deref())? {
                print_person(&v);
            }
        }
        PersonCommand::Disable { email, .. } | PersonCommand::Enable { email, .. } => {
            let email = crate::domain::signin::normalise_email(&email)?;
            let id = store::person_id_by_email(&mut conn, &email)?;
            print_person(&store::set_person_active(&mut conn, id, active, &by, now)?);
        }
    }
    Ok(())
}

fn run_admin(command: AdminCommand) -> anyhow::Result<()> {
    let (AdminCommand::Grant {
        db,
        email,
        plan,
        operator,
    }
    | AdminCommand::Revoke {
        db,
        email,
        plan,
        operator,
    }) = &command;
    let grant = matches!(command, AdminCommand::Grant { .. });
    let (_, pool) = startup::prepare_database(db)?;
    let mut conn = pool.get()?;
    let now = crate::clock::now_utc();
    let email = crate::domain::signin::normalise_email(email)?;
    let by = cli_operator();
    let v = if *operator {
        store::set_operator(&mut conn, &email, grant, &by, now)?
    } else {
        let role = grant.then_some(crate::domain::access::PlanRole::Admin);
        store::grant_role(&mut conn, &email, plan, role, &by, now)?
    };
    print_person(&v);
    Ok(())
}

fn run_token(command: TokenCommand) -> anyhow::Result<()> {
    let (_, pool) = startup::prepare_database(command.db())?;
    let mut conn = pool.get()?;
    let now = crate::clock::now_utc();
    match command {
        TokenCommand::Create {
            db: _,
            role,
            name,
            email,
            measures,
            plan,
        } => {
            let kind = TokenKind::parse(&role)?;
            let name = crate::domain::text::required_line("--name", name)?;
            if kind == TokenKind::Owner {
                anyhow::ensure!(
                    !measures.is_empty(),
                    "an owner token needs at least one --measure NUMBER"
                );
            } else {
                anyhow::ensure!(
                    measures.is_empty() && email.is_none(),
                    "--measure and --email are for owner tokens"
                );
            }
            let email = email
                .map(|e| crate::domain::EmailAddress::parse(&e))
                .transpose()?
                .map(|e| e.as_str().to_string());
            let secret = token::generate().context("the operating system gave no random bytes")?;
            let row = store::create_token(
                &mut conn,
                &store::NewToken {
                    name,
                    kind,
                    email,
                    plan_slug: plan,
                    measures,
                    token_hash: token::hash(&secret),
                },
                &cli_operator(),
                now,
            )?;
            eprintln!(
                "created {} token {} for '{}'; it is shown once, store it now:",
                kind.as_str(),
                row.id,
                row.name
            );
            println!("{secret}");
            Ok(())
        }
        TokenCommand::List { .. } => {
            let rows = store::list_tokens(&mut conn, None)?;
            println!(
                "{:>4}  {:<8}  {:<12}  {:<20}  {:<40}  state",
                "id", "role", "plan", "created (UTC)", "name"
            );
            for listed in rows {
                let t = &listed.row;
                let state = match t.revoked_at {
                    Some(at) => format!("revoked {}", at.format("%Y-%m-%d %H:%M")),
                    None => "active".into(),
                };
                println!(
                    "{:>4}  {:<8}  {:<12}  {:<20}  {:<40}  {state}",
                    t.id,
                    listed.kind.as_str(),
                    listed.plan_slug.as_deref().unwrap_or("-"),
                    t.created_at.format("%Y-%m-%d %H:%M"),
                    t.name
                );
            }
            Ok(())
        }
        TokenCommand::Revoke { id, .. } => {
            let row = store::revoke_token(&mut conn, id, &cli_operator(), now)?;
            println!("revoked token {} ({}, '{}')", row.id, row.role, row.name);
            Ok(())
        }
    }
}

/// Pages in a PDF written by the report module (for the command's summary line).
fn count_pages(pdf: &[u8]) -> usize {
    lopdf::Document::load_mem(pdf).map_or(0, |d| d.get_pages().len())
}

/// "2027-01-15 07:00 CET  ugo-status      2026-H2", sorted by time; reminders included.
pub fn schedule_lines(
    schedules: &[(ReportKind, crate::domain::schedule::Schedule)],
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Vec<String> {
    use crate::clock::TIME_ZONE;
    use crate::domain::schedule::period_covered;
    use chrono::TimeZone;
    let start = |d: chrono::NaiveDate| {
        TIME_ZONE
            .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    };
    let (a, b) = (
        start(from) - chrono::Duration::seconds(1),
        start(to) - chrono::Duration::seconds(1),
    );
    let lead = chrono::Duration::days(REMINDER_LEAD_DAYS);
    let mut lines = Vec::new();
    for (kind, schedule) in schedules {
        for firing in schedule.firings(TIME_ZONE, a, b + lead) {
            let period = period_covered(*kind, firing.with_timezone(&TIME_ZONE).date_naive());
            if firing <= b {
                lines.push((firing, format!("{:<16}{period}", kind.slug())));
            }
            let reminder = firing - lead;
            if *kind == ReportKind::UgoStatus && reminder > a && reminder <= b {
                lines.push((
                    reminder,
                    format!("{:<16}{period} (owner reminders)", "reminders"),
                ));
            }
        }
    }
    lines.sort();
    lines
        .into_iter()
        .map(|(t, what)| {
            format!(
                "{}  {what}",
                t.with_timezone(&TIME_ZONE).format("%Y-%m-%d %H:%M %Z")
            )
        })
        .collect()
}

/// GET /readyz on the configured address (0.0.0.0 is asked on loopback).
fn healthcheck(bind: &str) -> anyhow::Result<()> {
    use std::io::{Read, Write};
    let addr = bind
        .replace("0.0.0.0", "127.0.0.1")
        .replace("[::]", "[::1]");
    let sock: std::net::SocketAddr = addr
        .parse()
        .with_context(|| format!("KLIMASPOR_BIND '{bind}'"))?;
    let timeout = std::time::Duration::from_secs(5);
    let mut s = std::net::TcpStream::connect_timeout(&sock, timeout)
        .with_context(|| format!("nothing answers on {sock}"))?;
    s.set_read_timeout(Some(timeout))?;
    write!(
        s,
        "GET /readyz HTTP/1.1\r\nHost: {sock}\r\nConnection: close\r\n\r\n"
    )?;
    let mut reply = String::new();
    s.read_to_string(&mut reply)?;
    let status = reply.lines().next().unwrap_or_default();
    anyhow::ensure!(status.contains(" 200 "), "not ready: {status}");
    println!("ready");
    Ok(())
}
