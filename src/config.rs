//! Configuration: command-line flags, each with an environment variable (see README and
//! `.env.example`). Parsed once in `main`; nothing else reads the environment.

use std::path::PathBuf;

use clap::builder::BoolishValueParser;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Address and port the HTTP API listens on.
    #[arg(
        long,
        env = "KLIMASPOR_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: String,

    /// Database: postgres://USER:PASSWORD@HOST:PORT/DB, sqlite://PATH or a plain file path.
    /// Default: sqlite://KLIMASPOR_DATA_DIR/klimaspor.db.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    /// Folder for the embedded SQLite database.
    #[arg(
        long,
        env = "KLIMASPOR_DATA_DIR",
        default_value = "./data",
        global = true
    )]
    pub data_dir: PathBuf,

    /// Whether reads need no token (true) or a reader, owner or admin token (false).
    #[arg(long, env = "KLIMASPOR_PUBLIC_READ", default_value = "true", global = true,
          value_parser = BoolishValueParser::new(), action = clap::ArgAction::Set)]
    pub public_read: bool,

    /// Log format on stderr: human-readable text or one JSON object per line.
    #[arg(
        long,
        env = "KLIMASPOR_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,

    /// Size of the database connection pool.
    #[arg(
        long,
        env = "KLIMASPOR_DB_POOL_SIZE",
        default_value_t = 8,
        global = true
    )]
    pub db_pool_size: u32,

    /// Folder with one sub-folder per report kind holding its template.toml; a kind without
    /// a file uses the compiled-in wording.
    #[arg(
        long,
        env = "KLIMASPOR_TEMPLATES_DIR",
        default_value = "./report-templates",
        global = true
    )]
    pub templates_dir: PathBuf,

    /// Load the Ballerup plan when the database holds no plan yet.
    #[arg(long, env = "KLIMASPOR_SEED_ON_EMPTY", default_value = "true", global = true,
          value_parser = BoolishValueParser::new(), action = clap::ArgAction::Set)]
    pub seed_on_empty: bool,
}

impl Config {
    /// The database URL in force: the configured one, or the embedded SQLite file.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.trim().is_empty() => url.clone(),
            _ => format!("sqlite://{}", self.data_dir.join("klimaspor.db").display()),
        }
    }

    /// A configuration for tests and embedding: SQLite in `data_dir`, port chosen by the OS.
    pub fn for_data_dir(data_dir: PathBuf) -> Self {
        Self {
            bind: "127.0.0.1:0".into(),
            database_url: None,
            data_dir,
            public_read: true,
            log_format: LogFormat::Text,
            db_pool_size: 4,
            templates_dir: PathBuf::from("./report-templates"),
            seed_on_empty: true,
        }
    }
}

/// Request bodies larger than this are refused with 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_database_is_sqlite_in_the_data_dir() {
        let c = Config::for_data_dir(PathBuf::from("/tmp/x"));
        assert_eq!(c.database_url(), "sqlite:///tmp/x/klimaspor.db");
    }
}
