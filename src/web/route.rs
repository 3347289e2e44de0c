//! The site's routes, parsed from the path in one pass over its segments.
//!
//! actix-web matches each dynamic route template with a regular expression, in order, and the
//! metrics label (`match_pattern`) runs the same walk again: for a measure page that was ten
//! regular expressions per request, about an eighth of the server's time under load. The API
//! keeps actix's routing; every path it does not claim comes here, is parsed into a [`Route`]
//! (or is not a page), and the route names its own template for logs and metrics.
//!
//! What this guarantees: a path is a page exactly when [`Route::parse`] returns it; each
//! segment is percent-decoded as actix's `web::Path` would; an empty segment (`/ballerup/`) or
//! one that is not UTF-8 is no page; extra segments are no page.

use percent_encoding::percent_decode_str;

/// A page of the site and the path segments it was asked with (decoded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Home,
    Robots,
    Sitemap,
    Asset { name: String },
    ThemeCss,
    Dashboard { plan: String },
    Theme { plan: String, code: String },
    Measure { plan: String, number: String },
    SubGoals { plan: String },
    Owner { plan: String, owner: String },
    Kpis { plan: String },
    Kpi { plan: String, code: String },
    Reports { plan: String },
    Report { plan: String, id: String },
    ReportPdf { plan: String, id: String },
    ReportQuestions { plan: String, id: String },
    Search { plan: String },
    Climate { plan: String },
    ClimateAssessmentNew { plan: String },
    EmbedOverview { plan: String },
    EmbedTheme { plan: String, code: String },
    EmbedMeasure { plan: String, number: String },
    SignIn,
    SignInSent,
    SignInLink,
    OidcStart,
    OidcReturn,
    SignOut,
    MyPage,
    SignOutEverywhere,
    MySubGoals,
    MySubGoal { id: String },
    MySubGoalConfirm { id: String },
    MySubGoalAnswer { id: String },
    MySubGoalsImport,
    MySubGoalsImportSave,
    Admin,
    AdminPeople { plan: String },
    AdminPerson { plan: String, id: String },
    AdminOwnership { plan: String },
    AdminTokens { plan: String },
    AdminTokenRevoke { plan: String, id: String },
    AdminAudit { plan: String },
    AdminRound { plan: String },
    AdminClimate { plan: String },
    AdminClimateEffect { plan: String, number: String },
}

/// The methods a page answers.
pub const GET: &[&str] = &["GET", "HEAD"];
pub const GET_POST: &[&str] = &["GET", "HEAD", "POST"];
pub const POST: &[&str] = &["POST"];

impl Route {
    /// The page `path` asks for, or `None` when it is not one of the site's.
    pub fn parse(path: &str) -> Option<Self> {
        if path == "/" {
            return Some(Self::Home);
        }
        let rest = path.strip_prefix('/')?;
        let mut segments = [""; 5];
        let mut n = 0;
        for s in rest.split('/') {
            if s.is_empty() || n == segments.len() {
                return None;
            }
            segments[n] = s;
            n += 1;
        }
        let d = |s: &str| -> Option<String> {
            percent_decode_str(s)
                .decode_utf8()
                .ok()
                .map(|c| c.into_owned())
        };
        let route = match &segments[..n] {
            ["robots.txt"] => Self::Robots,
            ["sitemap.xml"] => Self::Sitemap,
            ["assets", name] => Self::Asset { name: d(name)? },
            ["theme", _] => Self::ThemeCss,
            ["log-ind"] => Self::SignIn,
            ["log-ind", "sendt"] => Self::SignInSent,
            ["log-ind", "link"] => Self::SignInLink,
            ["log-ind", "oidc"] => Self::OidcStart,
            ["log-ind", "oidc", "retur"] => Self::OidcReturn,
            ["log-ud"] => Self::SignOut,
            ["min-side"] => Self::MyPage,
            ["min-side", "log-ud-alle"] => Self::SignOutEverywhere,
            ["min-side", "delmaal"] => Self::MySubGoals,
            ["min-side", "delmaal", "import"] => Self::MySubGoalsImport,
            ["min-side", "delmaal", "import", "gem"] => Self::MySubGoalsImportSave,
            ["min-side", "delmaal", id] => Self::MySubGoal { id: d(id)? },
            ["min-side", "delmaal", id, "bekraeft"] => Self::MySubGoalConfirm { id: d(id)? },
            ["min-side", "delmaal", id, "svar"] => Self::MySubGoalAnswer { id: d(id)? },
            ["admin"] => Self::Admin,
            ["admin", plan, "personer"] => Self::AdminPeople { plan: d(plan)? },
            ["admin", plan, "personer", id] => Self::AdminPerson {
                plan: d(plan)?,
                id: d(id)?,
            },
            ["admin", plan, "ansvar"] => Self::AdminOwnership { plan: d(plan)? },
            ["admin", plan, "tokens"] => Self::AdminTokens { plan: d(plan)? },
            ["admin", plan, "tokens", id, "tilbagekald"] => Self::AdminTokenRevoke {
                plan: d(plan)?,
                id: d(id)?,
            },
            ["admin", plan, "log"] => Self::AdminAudit { plan: d(plan)? },
            ["admin", plan, "runde"] => Self::AdminRound { plan: d(plan)? },
            ["admin", plan, "klima"] => Self::AdminClimate { plan: d(plan)? },
            ["admin", plan, "klima", number] => Self::AdminClimateEffect {
                plan: d(plan)?,
                number: d(number)?,
            },
            ["log-ind" | "log-ud" | "min-side" | "admin", ..] => return None,
            [plan] => Self::Dashboard { plan: d(plan)? },
            [plan, "tema", code] => Self::Theme {
                plan: d(plan)?,
                code: d(code)?,
            },
            [plan, "tiltag", number] => Self::Measure {
                plan: d(plan)?,
                number: d(number)?,
            },
            [plan, "delmaal"] => Self::SubGoals { plan: d(plan)? },
            [plan, "ansvarlig", owner] => Self::Owner {
                plan: d(plan)?,
                owner: d(owner)?,
            },
            [plan, "noegletal"] => Self::Kpis { plan: d(plan)? },
            [plan, "noegletal", code] => Self::Kpi {
                plan: d(plan)?,
                code: d(code)?,
            },
            [plan, "rapporter"] => Self::Reports { plan: d(plan)? },
            [plan, "rapporter", id] => Self::Report {
                plan: d(plan)?,
                id: d(id)?,
            },
            [plan, "rapporter", id, "pdf"] => Self::ReportPdf {
                plan: d(plan)?,
                id: d(id)?,
            },
            [plan, "rapporter", id, "spoergsmaal"] => Self::ReportQuestions {
                plan: d(plan)?,
                id: d(id)?,
            },
            [plan, "soeg"] => Self::Search { plan: d(plan)? },
            [plan, "klima"] => Self::Climate { plan: d(plan)? },
            [plan, "klima", "vurderinger", "ny"] => Self::ClimateAssessmentNew { plan: d(plan)? },
            [plan, "indlejr", "overblik"] => Self::EmbedOverview { plan: d(plan)? },
            [plan, "indlejr", "tema", code] => Self::EmbedTheme {
                plan: d(plan)?,
                code: d(code)?,
            },
            [plan, "indlejr", "tiltag", number] => Self::EmbedMeasure {
                plan: d(plan)?,
                number: d(number)?,
            },
            _ => return None,
        };
        Some(route)
    }

    /// The route's template, as logs and metrics name it (bounded: one per variant).
    pub fn template(&self) -> &'static str {
        match self {
            Self::Home => "/",
            Self::Robots => "/robots.txt",
            Self::Sitemap => "/sitemap.xml",
            Self::Asset { .. } => "/assets/{name}",
            Self::ThemeCss => "/theme/{name}",
            Self::Dashboard { .. } => "/{plan}",
            Self::Theme { .. } => "/{plan}/tema/{code}",
            Self::Measure { .. } => "/{plan}/tiltag/{number}",
            Self::SubGoals { .. } => "/{plan}/delmaal",
            Self::Owner { .. } => "/{plan}/ansvarlig/{owner}",
            Self::Kpis { .. } => "/{plan}/noegletal",
            Self::Kpi { .. } => "/{plan}/noegletal/{code}",
            Self::Reports { .. } => "/{plan}/rapporter",
            Self::Report { .. } => "/{plan}/rapporter/{id}",
            Self::ReportPdf { .. } => "/{plan}/rapporter/{id}/pdf",
            Self::ReportQuestions { .. } => "/{plan}/rapporter/{id}/spoergsmaal",
            Self::Search { .. } => "/{plan}/soeg",
            Self::Climate { .. } => "/{plan}/klima",
            Self::ClimateAssessmentNew { .. } => "/{plan}/klima/vurderinger/ny",
            Self::EmbedOverview { .. } => "/{plan}/indlejr/overblik",
            Self::EmbedTheme { .. } => "/{plan}/indlejr/tema/{code}",
            Self::EmbedMeasure { .. } => "/{plan}/indlejr/tiltag/{number}",
            Self::SignIn => "/log-ind",
            Self::SignInSent => "/log-ind/sendt",
            Self::SignInLink => "/log-ind/link",
            Self::OidcStart => "/log-ind/oidc",
            Self::OidcReturn => "/log-ind/oidc/retur",
            Self::SignOut => "/log-ud",
            Self::MyPage => "/min-side",
            Self::SignOutEverywhere => "/min-side/log-ud-alle",
            Self::MySubGoals => "/min-side/delmaal",
            Self::MySubGoal { .. } => "/min-side/delmaal/{id}",
            Self::MySubGoalConfirm { .. } => "/min-side/delmaal/{id}/bekraeft",
            Self::MySubGoalAnswer { .. } => "/min-side/delmaal/{id}/svar",
            Self::MySubGoalsImport => "/min-side/delmaal/import",
            Self::MySubGoalsImportSave => "/min-side/delmaal/import/gem",
            Self::Admin => "/admin",
            Self::AdminPeople { .. } => "/admin/{plan}/personer",
            Self::AdminPerson { .. } => "/admin/{plan}/personer/{id}",
            Self::AdminOwnership { .. } => "/admin/{plan}/ansvar",
            Self::AdminTokens { .. } => "/admin/{plan}/tokens",
            Self::AdminTokenRevoke { .. } => "/admin/{plan}/tokens/{id}/tilbagekald",
            Self::AdminAudit { .. } => "/admin/{plan}/log",
            Self::AdminRound { .. } => "/admin/{plan}/runde",
            Self::AdminClimate { .. } => "/admin/{plan}/klima",
            Self::AdminClimateEffect { .. } => "/admin/{plan}/klima/{number}",
        }
    }

    /// The methods the page answers: the forms' pages also take `POST`.
    pub fn methods(&self) -> &'static [&'static str] {
        match self {
            Self::SignIn
            | Self::SignInLink
            | Self::SignOut
            | Self::AdminPeople { .. }
            | Self::AdminPerson { .. }
            | Self::AdminOwnership { .. }
            | Self::AdminTokens { .. }
            | Self::MySubGoal { .. }
            | Self::AdminRound { .. }
            | Self::AdminClimate { .. }
            | Self::AdminClimateEffect { .. }
            | Self::ReportQuestions { .. }
            | Self::ClimateAssessmentNew { .. }
            | Self::MySubGoalsImport => GET_POST,
            Self::SignOutEverywhere
            | Self::AdminTokenRevoke { .. }
            | Self::MySubGoalConfirm { .. }
            | Self::MySubGoalAnswer { .. }
            | Self::MySubGoalsImportSave => POST,
            _ => GET,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> String {
        v.to_string()
    }

    #[test]
    fn each_page_is_parsed_from_its_path() {
        let cases = [
            ("/", Route::Home),
            ("/robots.txt", Route::Robots),
            ("/sitemap.xml", Route::Sitemap),
            (
                "/assets/site.1a2b.css",
                Route::Asset {
                    name: s("site.1a2b.css"),
                },
            ),
            ("/theme/abc.css", Route::ThemeCss),
            (
                "/ballerup",
                Route::Dashboard {
                    plan: s("ballerup"),
                },
            ),
            (
                "/ballerup/tema/1",
                Route::Theme {
                    plan: s("ballerup"),
                    code: s("1"),
                },
            ),
            (
                "/ballerup/tiltag/12",
                Route::Measure {
                    plan: s("ballerup"),
                    number: s("12"),
                },
            ),
            (
                "/ballerup/delmaal",
                Route::SubGoals {
                    plan: s("ballerup"),
                },
            ),
            (
                "/ballerup/ansvarlig/3",
                Route::Owner {
                    plan: s("ballerup"),
                    owner: s("3"),
                },
            ),
            (
                "/ballerup/noegletal",
                Route::Kpis {
                    plan: s("ballerup"),
                },
            ),
            (
                "/ballerup/noegletal/co2",
                Route::Kpi {
                    plan: s("ballerup"),
                    code: s("co2"),
                },
            ),
            (
                "/ballerup/rapporter",
                Route::Reports {
                    plan: s("ballerup"),
                },
            ),
            (
                "/ballerup/rapporter/7",
                Route::Report {
                    plan: s("ballerup"),
                    id: s("7"),
                },
            ),
            (
                "/ballerup/rapporter/7/pdf",
                Route::ReportPdf {
                    plan: s("ballerup"),
                    id: s("7"),
                },
            ),
            (
                "/ballerup/soeg",
                Route::Search {
                    plan: s("ballerup"),
                },
            ),
            (
                "/ballerup/indlejr/overblik",
                Route::EmbedOverview {
                    plan: s("ballerup"),
                },
            ),
            (
                "/ballerup/indlejr/tema/2",
                Route::EmbedTheme {
                    plan: s("ballerup"),
                    code: s("2"),
                },
            ),
            (
                "/ballerup/indlejr/tiltag/5",
                Route::EmbedMeasure {
                    plan: s("ballerup"),
                    number: s("5"),
                },
            ),
            (
                "/admin/ballerup/tokens/3/tilbagekald",
                Route::AdminTokenRevoke {
                    plan: s("ballerup"),
                    id: s("3"),
                },
            ),
        ];
        for (path, want) in cases {
            assert_eq!(Route::parse(path), Some(want), "{path}");
        }
    }

    #[test]
    fn segments_are_percent_decoded() {
        assert_eq!(
            Route::parse("/ballerup/tema/%C3%A6"),
            Some(Route::Theme {
                plan: s("ballerup"),
                code: s("æ")
            })
        );
        assert_eq!(Route::parse("/ballerup/tema/%FF"), None, "not UTF-8");
    }

    #[test]
    fn other_paths_are_no_page() {
        for path in [
            "",
            "ballerup",
            "//",
            "/ballerup/",
            "/ballerup//tiltag",
            "/ballerup/tiltag",
            "/ballerup/tiltag/12/",
            "/ballerup/tiltag/12/x",
            "/ballerup/ukendt",
            "/ballerup/rapporter/7/xlsx",
            "/ballerup/indlejr",
            "/ballerup/indlejr/tiltag",
            "/a/b/c/d/e",
            "/a/b/c/d/e/f",
            "/admin/ballerup/tokens/3/tilbagekald/x",
        ] {
            assert_eq!(Route::parse(path), None, "{path}");
        }
    }

    #[test]
    fn every_template_is_distinct() {
        let all = [
            "/",
            "/robots.txt",
            "/sitemap.xml",
            "/assets/x",
            "/theme/x",
            "/p",
            "/p/tema/x",
            "/p/tiltag/x",
            "/p/delmaal",
            "/p/ansvarlig/x",
            "/p/noegletal",
            "/p/noegletal/x",
            "/p/rapporter",
            "/p/rapporter/x",
            "/p/rapporter/x/pdf",
            "/p/soeg",
            "/p/klima",
            "/p/klima/vurderinger/ny",
            "/p/indlejr/overblik",
            "/p/indlejr/tema/x",
            "/p/indlejr/tiltag/x",
            "/p/rapporter/x/spoergsmaal",
            "/log-ind",
            "/log-ind/sendt",
            "/log-ind/link",
            "/log-ind/oidc",
            "/log-ind/oidc/retur",
            "/log-ud",
            "/min-side",
            "/min-side/log-ud-alle",
            "/min-side/delmaal",
            "/min-side/delmaal/x",
            "/min-side/delmaal/x/bekraeft",
            "/min-side/delmaal/x/svar",
            "/min-side/delmaal/import",
            "/min-side/delmaal/import/gem",
            "/admin",
            "/admin/p/personer",
            "/admin/p/personer/x",
            "/admin/p/ansvar",
            "/admin/p/tokens",
            "/admin/p/tokens/x/tilbagekald",
            "/admin/p/log",
            "/admin/p/runde",
            "/admin/p/klima",
            "/admin/p/klima/x",
        ];
        let mut templates: Vec<_> = all
            .iter()
            .map(|p| Route::parse(p).map(|r| r.template()))
            .collect();
        // Every path in the list is a page (a route too long for the parser would not be).
        for (path, t) in all.iter().zip(&templates) {
            assert!(t.is_some(), "{path} is no page");
        }
        templates.sort();
        templates.dedup();
        assert_eq!(templates.len(), all.len());
    }
}
