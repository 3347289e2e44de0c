//! The two migration sets give the same schema, and it is the one `src/db/schema.rs` declares:
//! the same tables and columns with the same types and nullability on SQLite and PostgreSQL,
//! the same indexes, unique keys, foreign keys and number of CHECK constraints per table.

use std::collections::{BTreeMap, BTreeSet};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text};
use klimaspor::db::{DbConn, Pool};

use crate::helpers::{Backend, spawn_app};

/// A column's type as diesel names it in `schema.rs`, and whether it may be NULL.
type Columns = BTreeMap<(String, String), (String, bool)>;

#[derive(Debug, Default, PartialEq)]
struct Schema {
    columns: Columns,
    /// (table, columns, unique) of every index, explicit or behind a UNIQUE / PRIMARY KEY.
    indexes: BTreeSet<(String, Vec<String>, bool)>,
    /// (table, column, referenced table, referenced column)
    foreign_keys: BTreeSet<(String, String, String, String)>,
    /// CHECK constraints per table.
    checks: BTreeMap<String, usize>,
}

/// The tables and columns `src/db/schema.rs` declares.
fn declared() -> Columns {
    let text = include_str!("../../src/db/schema.rs");
    let mut out = Columns::new();
    let mut table = None;
    for line in text.lines().map(str::trim) {
        if let Some((name, _)) = line.split_once(" (")
            && line.ends_with('{')
            && !name.contains(' ')
        {
            table = Some(name.to_string());
            continue;
        }
        if line == "}" {
            table = None;
            continue;
        }
        let (Some(t), Some((col, ty))) = (&table, line.split_once(" -> ")) else {
            continue;
        };
        let ty = ty.trim_end_matches(',');
        let (ty, nullable) = match ty.strip_prefix("Nullable<") {
            Some(inner) => (inner.trim_end_matches('>'), true),
            None => (ty, false),
        };
        out.insert((t.clone(), col.to_string()), (ty.to_string(), nullable));
    }
    out
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    r#type: String,
    #[diesel(sql_type = Integer)]
    notnull: i32,
    #[diesel(sql_type = Integer)]
    pk: i32,
}

#[derive(QueryableByName)]
struct SqliteIndex {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Integer)]
    unique: i32,
}

#[derive(QueryableByName)]
struct SqliteForeignKey {
    #[diesel(sql_type = Text)]
    table: String,
    #[diesel(sql_type = Text)]
    from: String,
    #[diesel(sql_type = Nullable<Text>)]
    to: Option<String>,
}

#[derive(QueryableByName)]
struct PgColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
}

#[derive(QueryableByName)]
struct PgIndex {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    columns: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    is_unique: bool,
}

#[derive(QueryableByName)]
struct PgForeignKey {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    ref_table: String,
    #[diesel(sql_type = Text)]
    ref_column: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn sqlite_type(declared: &str) -> String {
    match declared.to_ascii_uppercase().as_str() {
        "INTEGER" | "INT" => "Integer",
        "BIGINT" => "BigInt",
        "TEXT" => "Text",
        "DOUBLE" | "REAL" | "DOUBLE PRECISION" => "Double",
        "DATE" => "Date",
        "TIMESTAMP" => "Timestamp",
        "BOOLEAN" => "Bool",
        other => return format!("? {other}"),
    }
    .to_string()
}

fn pg_type(data_type: &str) -> String {
    match data_type {
        "integer" => "Integer",
        "bigint" => "BigInt",
        "text" => "Text",
        "double precision" => "Double",
        "date" => "Date",
        "timestamp without time zone" => "Timestamp",
        "boolean" => "Bool",
        other => return format!("? {other}"),
    }
    .to_string()
}

/// Not compared: diesel's own table, and SQLite's full-text index for the site's search (an
/// FTS5 table, its shadow tables and the versions it was built at; PostgreSQL indexes the
/// texts themselves, with expression indexes this comparison does not see).
const SKIP: [&str; 8] = [
    "__diesel_schema_migrations",
    "search_terms",
    "search_terms_data",
    "search_terms_idx",
    "search_terms_content",
    "search_terms_docsize",
    "search_terms_config",
    "search_index_versions",
];

fn sqlite_schema(c: &mut diesel::SqliteConnection) -> Schema {
    let mut s = Schema::default();
    let tables: Vec<Name> = diesel::sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .load(c)
    .expect("tables");
    for t in tables.iter().filter(|t| !SKIP.contains(&t.name.as_str())) {
        let cols: Vec<SqliteColumn> = diesel::sql_query(format!(
            "SELECT name, type, \"notnull\", pk FROM pragma_table_info('{}')",
            t.name
        ))
        .load(c)
        .expect("columns");
        for col in &cols {
            s.columns.insert(
                (t.name.clone(), col.name.clone()),
                (sqlite_type(&col.r#type), col.notnull == 0 && col.pk == 0),
            );
        }
        let mut pk: Vec<(i32, String)> = cols
            .iter()
            .filter(|c| c.pk > 0)
            .map(|c| (c.pk, c.name.clone()))
            .collect();
        pk.sort();
        s.indexes.insert((
            t.name.clone(),
            pk.into_iter().map(|(_, n)| n).collect(),
            true,
        ));
        let indexes: Vec<SqliteIndex> = diesel::sql_query(format!(
            "SELECT name, \"unique\" FROM pragma_index_list('{}') WHERE origin <> 'pk'",
            t.name
        ))
        .load(c)
        .expect("indexes");
        for i in indexes {
            let cols: Vec<Name> = diesel::sql_query(format!(
                "SELECT name FROM pragma_index_info('{}') ORDER BY seqno",
                i.name
            ))
            .load(c)
            .expect("index columns");
            s.indexes.insert((
                t.name.clone(),
                cols.into_iter().map(|c| c.name).collect(),
                i.unique == 1,
            ));
        }
        let fks: Vec<SqliteForeignKey> = diesel::sql_query(format!(
            "SELECT \"table\", \"from\", \"to\" FROM pragma_foreign_key_list('{}')",
            t.name
        ))
        .load(c)
        .expect("foreign keys");
        for fk in fks {
            s.foreign_keys.insert((
                t.name.clone(),
                fk.from,
                fk.table,
                fk.to.unwrap_or_else(|| "id".into()),
            ));
        }
        let sql: Vec<Name> = diesel::sql_query(format!(
            "SELECT sql AS name FROM sqlite_master WHERE type = 'table' AND name = '{}'",
            t.name
        ))
        .load(c)
        .expect("table sql");
        let checks = sql.first().map_or(0, |n| {
            n.name.to_ascii_uppercase().matches("CHECK (").count()
        });
        s.checks.insert(t.name.clone(), checks);
    }
    s
}

fn pg_schema(c: &mut diesel::PgConnection) -> Schema {
    let mut s = Schema::default();
    let cols: Vec<PgColumn> = diesel::sql_query(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text \
         FROM information_schema.columns WHERE table_schema = 'public'",
    )
    .load(c)
    .expect("columns");
    for col in cols
        .into_iter()
        .filter(|c| !SKIP.contains(&c.table_name.as_str()))
    {
        s.columns.insert(
            (col.table_name.clone(), col.column_name),
            (pg_type(&col.data_type), col.is_nullable == "YES"),
        );
        s.checks.entry(col.table_name).or_insert(0);
    }
    let indexes: Vec<PgIndex> = diesel::sql_query(
        "SELECT t.relname::text AS table_name, \
                string_agg(a.attname::text, ',' ORDER BY k.ord) AS columns, \
                ix.indisunique AS is_unique \
         FROM pg_index ix \
         JOIN pg_class t ON t.oid = ix.indrelid \
         JOIN pg_namespace ns ON ns.oid = t.relnamespace AND ns.nspname = 'public' \
         JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord) ON true \
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
         WHERE t.relname <> '__diesel_schema_migrations' \
         GROUP BY ix.indexrelid, t.relname, ix.indisunique",
    )
    .load(c)
    .expect("indexes");
    for i in indexes {
        s.indexes.insert((
            i.table_name,
            i.columns.split(',').map(str::to_string).collect(),
            i.is_unique,
        ));
    }
    let fks: Vec<PgForeignKey> = diesel::sql_query(
        "SELECT t.relname::text AS table_name, a.attname::text AS column_name, \
                rt.relname::text AS ref_table, ra.attname::text AS ref_column \
         FROM pg_constraint con \
         JOIN pg_class t ON t.oid = con.conrelid \
         JOIN pg_class rt ON rt.oid = con.confrelid \
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = con.conkey[1] \
         JOIN pg_attribute ra ON ra.attrelid = rt.oid AND ra.attnum = con.confkey[1] \
         WHERE con.contype = 'f'",
    )
    .load(c)
    .expect("foreign keys");
    for fk in fks {
        s.foreign_keys
            .insert((fk.table_name, fk.column_name, fk.ref_table, fk.ref_column));
    }
    let checks: Vec<Count> = diesel::sql_query(
        "SELECT t.relname::text AS table_name, count(*) AS n FROM pg_constraint con \
         JOIN pg_class t ON t.oid = con.conrelid \
         JOIN pg_namespace ns ON ns.oid = t.relnamespace AND ns.nspname = 'public' \
         WHERE con.contype = 'c' GROUP BY t.relname",
    )
    .load(c)
    .expect("checks");
    for n in checks {
        s.checks.insert(n.table_name, n.n as usize);
    }
    s
}

async fn schema_of(pool: Pool) -> Schema {
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().expect("a connection");
        match &mut *conn {
            DbConn::Sqlite(c) => sqlite_schema(c),
            DbConn::Postgres(c) => pg_schema(c),
        }
    })
    .await
    .expect("join")
}

fn differences<K: Ord + std::fmt::Debug, V: PartialEq + std::fmt::Debug>(
    what: &str,
    a: &BTreeMap<K, V>,
    b: &BTreeMap<K, V>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in a {
        match b.get(k) {
            None => out.push(format!("{what}: {k:?} only in the first")),
            Some(w) if w != v => out.push(format!("{what}: {k:?} is {v:?} against {w:?}")),
            _ => {}
        }
    }
    for k in b.keys().filter(|k| !a.contains_key(*k)) {
        out.push(format!("{what}: {k:?} only in the second"));
    }
    out
}

fn set_differences<T: Ord + std::fmt::Debug>(
    what: &str,
    a: &BTreeSet<T>,
    b: &BTreeSet<T>,
) -> Vec<String> {
    a.symmetric_difference(b)
        .map(|x| {
            let side = if a.contains(x) {
                "SQLite"
            } else {
                "PostgreSQL"
            };
            format!("{what}: {x:?} only on {side}")
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_migration_sets_give_the_declared_schema() {
    let sqlite = spawn_app(Backend::Sqlite).await.expect("SQLite");
    let lite = schema_of(sqlite.pool.clone()).await;
    let declared = declared();
    assert!(
        declared.len() > 100,
        "schema.rs parsed: {} columns",
        declared.len()
    );
    // SQLite has no boolean type: diesel stores `Bool` there as INTEGER 0/1, so an INTEGER
    // column that schema.rs declares `Bool` is what it should be.
    let mut lite_columns = lite.columns.clone();
    for (k, (ty, _)) in lite_columns.iter_mut() {
        if ty == "Integer" && declared.get(k).is_some_and(|(d, _)| d == "Bool") {
            *ty = "Bool".into();
        }
    }
    let mut problems = differences("SQLite against schema.rs", &lite_columns, &declared);
    if let Some(pg) = spawn_app(Backend::Postgres).await {
        let pgs = schema_of(pg.pool.clone()).await;
        problems.extend(differences(
            "PostgreSQL against schema.rs",
            &pgs.columns,
            &declared,
        ));
        problems.extend(set_differences("index", &lite.indexes, &pgs.indexes));
        problems.extend(set_differences(
            "foreign key",
            &lite.foreign_keys,
            &pgs.foreign_keys,
        ));
        problems.extend(differences("CHECK constraints", &lite.checks, &pgs.checks));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
