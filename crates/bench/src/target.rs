//! What the bench talks to: a running server, or the application started in this process on
//! a database of its own.

use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use dtihub::{Application, Settings};
use secrecy::SecretString;

use crate::Options;

/// Where the requests go, as chosen on the command line.
#[derive(Debug, Clone)]
pub enum DatabaseChoice {
    /// A running server at this base URL.
    Remote(String),
    /// In process, on a temporary SQLite file.
    Sqlite,
    /// In process, on a throwaway database created on this PostgreSQL server.
    Postgres(String),
}

impl DatabaseChoice {
    /// Reads `--database`: `sqlite` or a `postgres://` server URL.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        if text == "sqlite" {
            Ok(Self::Sqlite)
        } else if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            Ok(Self::Postgres(text.to_owned()))
        } else {
            anyhow::bail!("--database takes `sqlite` or a postgres:// URL, not {text:?}")
        }
    }
}

/// A database made for one run and removed with it.
enum ScratchDb {
    Sqlite {
        _dir: tempfile::TempDir,
    },
    Postgres {
        admin_url: String,
        name: String,
        url: String,
    },
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        if let ScratchDb::Postgres {
            admin_url, name, ..
        } = self
        {
            // FORCE: the in-process server's pool still holds connections.
            let dropped = PgConnection::establish(admin_url).map(|mut conn| {
                conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            });
            if !matches!(dropped, Ok(Ok(()))) {
                eprintln!("could not drop the throwaway database {name}; drop it by hand");
            }
        }
    }
}

/// The server under load.
pub struct Target {
    /// Base URL, `http://host:port`, no trailing slash.
    pub base_url: String,
    /// Bootstrap admin's password.
    pub admin_password: String,
    kind: TargetKind,
}

enum TargetKind {
    Remote { pid: Option<u32> },
    InProcess { db: ScratchDb },
}

impl Target {
    /// Connects to the remote server or builds and starts the in-process one.
    pub async fn start(choice: DatabaseChoice, options: &Options) -> anyhow::Result<Self> {
        let url = match choice {
            DatabaseChoice::Remote(base_url) => {
                let admin_password = options.admin_password.clone().context(
                    "--server needs --admin-password (or DTIHUB_BENCH_ADMIN_PASSWORD): \
                     the bench creates its users as the bootstrap admin",
                )?;
                return Ok(Self {
                    base_url,
                    admin_password,
                    kind: TargetKind::Remote {
                        pid: options.server_pid,
                    },
                });
            }
            DatabaseChoice::Sqlite => None,
            DatabaseChoice::Postgres(admin_url) => Some(admin_url),
        };
        let db = match url {
            None => {
                let dir = tempfile::tempdir().context("creating a temporary directory")?;
                ScratchDb::Sqlite { _dir: dir }
            }
            Some(admin_url) => create_postgres_db(&admin_url).await?,
        };
        let database_url = match &db {
            ScratchDb::Sqlite { _dir } => _dir.path().join("bench.sqlite3").display().to_string(),
            ScratchDb::Postgres { url, .. } => {
                // Record the SQL of the server's connections, for the anchors.
                crate::capture::install();
                url.clone()
            }
        };
        let admin_password = format!("Bench-{}", uuid::Uuid::new_v4().simple());
        // The production settings, as the binary loads them (defaults, dtihub.toml, DTIHUB_*),
        // with only the database, the port and the first admin's password replaced.
        let mut settings = Settings::load(None).map_err(|e| anyhow::anyhow!("settings: {e}"))?;
        settings.database_url = SecretString::from(database_url);
        settings.bind = "127.0.0.1:0".into();
        settings.admin_password = Some(SecretString::from(admin_password.clone()));
        settings.seed_demo = true;
        settings.seed_demo_accounts = Some(false);
        if options.server_workers.is_some() {
            settings.workers = options.server_workers;
        }
        let app = Application::build(settings)
            .await
            .context("starting the in-process server")?;
        let base_url = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.into_server());
        Ok(Self {
            base_url,
            admin_password,
            kind: TargetKind::InProcess { db },
        })
    }

    /// One line about the target, for the log.
    pub fn describe(&self) -> String {
        match &self.kind {
            TargetKind::Remote { .. } => format!("server at {}", self.base_url),
            TargetKind::InProcess {
                db: ScratchDb::Postgres { name, .. },
            } => format!(
                "in-process server at {} on the throwaway PostgreSQL database {name}",
                self.base_url
            ),
            TargetKind::InProcess { .. } => format!(
                "in-process server at {} on a temporary SQLite file",
                self.base_url
            ),
        }
    }

    /// `sqlite`, `postgres` or `remote`.
    pub fn backend(&self) -> &'static str {
        match &self.kind {
            TargetKind::Remote { .. } => "remote",
            TargetKind::InProcess {
                db: ScratchDb::Sqlite { .. },
            } => "sqlite",
            TargetKind::InProcess {
                db: ScratchDb::Postgres { .. },
            } => "postgres",
        }
    }

    /// `in-process` or `remote`.
    pub fn mode(&self) -> &'static str {
        match &self.kind {
            TargetKind::Remote { .. } => "remote",
            TargetKind::InProcess { .. } => "in-process",
        }
    }

    /// The database URL of the in-process server (a PostgreSQL URL or a SQLite path).
    pub fn database_url(&self) -> Option<String> {
        match &self.kind {
            TargetKind::InProcess {
                db: ScratchDb::Postgres { url, .. },
            } => Some(url.clone()),
            TargetKind::InProcess {
                db: ScratchDb::Sqlite { _dir },
            } => Some(_dir.path().join("bench.sqlite3").display().to_string()),
            TargetKind::Remote { .. } => None,
        }
    }

    /// The throwaway PostgreSQL database the server runs on, when it is one.
    pub fn postgres_url(&self) -> Option<&str> {
        match &self.kind {
            TargetKind::InProcess {
                db: ScratchDb::Postgres { url, .. },
            } => Some(url),
            _ => None,
        }
    }

    /// Why this target has no anchor.
    pub fn why_no_anchor(&self) -> String {
        match &self.kind {
            TargetKind::Remote { .. } => {
                "the SQL is captured inside the in-process server; use --database postgres://…"
                    .into()
            }
            _ => "pgbench anchors need PostgreSQL (--database postgres://…)".into(),
        }
    }

    /// Peak resident set of the server so far, in KiB, and where it was read.
    pub fn peak_rss_kib(&self) -> Option<(u64, &'static str)> {
        match &self.kind {
            TargetKind::InProcess { .. } => read_vm_hwm("/proc/self/status").map(|kib| {
                (
                    kib,
                    "VmHWM of the bench process (server and load generator)",
                )
            }),
            TargetKind::Remote { pid: Some(pid) } => read_vm_hwm(&format!("/proc/{pid}/status"))
                .map(|kib| (kib, "VmHWM of --server-pid")),
            TargetKind::Remote { pid: None } => None,
        }
    }

    /// Resets the peak RSS counter (`echo 5 > /proc/<pid>/clear_refs`), so that the next
    /// reading is the peak of what follows; false when the kernel refused.
    pub fn reset_peak_rss(&self) -> bool {
        let path = match &self.kind {
            TargetKind::InProcess { .. } => "/proc/self/clear_refs".to_owned(),
            TargetKind::Remote { pid: Some(pid) } => format!("/proc/{pid}/clear_refs"),
            TargetKind::Remote { pid: None } => return false,
        };
        std::fs::write(path, "5").is_ok()
    }

    /// Ends the run: the throwaway database is dropped (the in-process server is left to
    /// exit with the process).
    pub async fn shutdown(self) {
        let _ = tokio::task::spawn_blocking(move || drop(self)).await;
    }
}

/// Reads `VmHWM` (peak resident set, KiB) from a `/proc/<pid>/status` file.
fn read_vm_hwm(path: &str) -> Option<u64> {
    let status = std::fs::read_to_string(path).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

async fn create_postgres_db(admin_url: &str) -> anyhow::Result<ScratchDb> {
    let admin_url = admin_url.to_owned();
    tokio::task::spawn_blocking(move || {
        let name = format!("dtihub_bench_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::establish(&admin_url)
            .with_context(|| format!("connecting to {}", redact(&admin_url)))?;
        conn.batch_execute(&format!("CREATE DATABASE {name}"))
            .with_context(|| format!("creating the throwaway database {name}"))?;
        let url = replace_db_name(&admin_url, &name);
        Ok(ScratchDb::Postgres {
            admin_url,
            name,
            url,
        })
    })
    .await?
}

/// A URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Replaces the database name (the path) of a PostgreSQL URL, keeping any query string.
fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{redact, replace_db_name};

    #[test]
    fn the_database_name_is_replaced_and_the_query_kept() {
        assert_eq!(
            replace_db_name("postgres://u@h:5432/postgres?sslmode=disable", "x"),
            "postgres://u@h:5432/x?sslmode=disable"
        );
        assert_eq!(replace_db_name("postgres://u@h", "x"), "postgres://u@h/x");
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }
}
