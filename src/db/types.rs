//! The domain's enumerations as stored values: text on both backends (`TEXT` columns with a
//! `CHECK` of the allowed values), read through diesel's `FromSql` into the Rust enum.
//!
//! A stored value the code does not know (a row written by a newer version, or by hand) is a
//! deserialisation error: the request fails with a logged 500 instead of reading as some
//! default (as crates.io's `pg_enum!` does). Writing goes through the enum, so the code can only
//! store values it knows.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Text;
use diesel::sqlite::Sqlite;

use super::MultiBackend;
use crate::domain::forecast::Outlook;
use crate::domain::plan_doc::MeasureRole;
use crate::domain::report_kind::ReportKind;
use crate::domain::states::{ChangeKind, MailState, RunState, ValueSource};
use crate::domain::token::Role;
use crate::domain::{DeadlineKind, Status};

fn unknown(what: &str, s: &str) -> Box<dyn std::error::Error + Send + Sync> {
    format!("the database holds the {what} '{s}', which this version of klimaspor does not know")
        .into()
}

/// `stored_as_text!(Type, "what", to_text, from_text)`: `to_text(Type) -> &'static str`,
/// `from_text(&str) -> Option<Type>`.
macro_rules! stored_as_text {
    ($t:ident, $what:literal, $to:expr, $from:expr) => {
        const _: () = {
            #[derive(diesel::AsExpression, diesel::deserialize::FromSqlRow)]
            #[diesel(foreign_derive)]
            #[diesel(sql_type = Text)]
            #[allow(dead_code)]
            struct Proxy($t);
        };

        impl ToSql<Text, Sqlite> for $t {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
                let to: fn($t) -> &'static str = $to;
                out.set_value(to(*self));
                Ok(IsNull::No)
            }
        }

        impl ToSql<Text, Pg> for $t {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                use std::io::Write;
                let to: fn($t) -> &'static str = $to;
                out.write_all(to(*self).as_bytes())?;
                Ok(IsNull::No)
            }
        }

        impl ToSql<Text, MultiBackend> for $t {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
                out.set_value((Text, self));
                Ok(IsNull::No)
            }
        }

        impl FromSql<Text, Sqlite> for $t {
            fn from_sql(v: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                let s = <String as FromSql<Text, Sqlite>>::from_sql(v)?;
                let from: fn(&str) -> Option<$t> = $from;
                from(&s).ok_or_else(|| unknown($what, &s))
            }
        }

        impl FromSql<Text, Pg> for $t {
            fn from_sql(v: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                let s = <String as FromSql<Text, Pg>>::from_sql(v)?;
                let from: fn(&str) -> Option<$t> = $from;
                from(&s).ok_or_else(|| unknown($what, &s))
            }
        }

        impl FromSql<Text, MultiBackend> for $t {
            fn from_sql(v: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                v.from_sql::<Self, Text>()
            }
        }
    };
}

stored_as_text!(Status, "status", Status::as_str, |s| Status::parse(s).ok());
stored_as_text!(DeadlineKind, "deadline kind", DeadlineKind::as_str, |s| {
    DeadlineKind::parse(s).ok()
});
stored_as_text!(MeasureRole, "measure role", MeasureRole::as_str, |s| {
    MeasureRole::parse(s).ok()
});
stored_as_text!(Role, "token role", Role::as_str, |s| Role::parse(s).ok());
stored_as_text!(
    ReportKind,
    "report kind",
    ReportKind::slug,
    ReportKind::parse
);
stored_as_text!(RunState, "run state", RunState::as_str, |s| {
    RunState::parse(s).ok()
});
stored_as_text!(MailState, "mail state", MailState::as_str, |s| {
    MailState::parse(s).ok()
});
stored_as_text!(ChangeKind, "revision kind", ChangeKind::as_str, |s| {
    ChangeKind::parse(s).ok()
});
stored_as_text!(Outlook, "forecast outlook", Outlook::as_str, |s| {
    Outlook::parse(s).ok()
});
stored_as_text!(ValueSource, "value source", ValueSource::as_str, |s| {
    ValueSource::parse(s).ok()
});
