//! `dtihub`: the DTI Hub server and its administrative commands.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use dtihub::settings::Settings;
use dtihub::startup::{open_auth, open_store, seed_demo, seed_demo_accounts, Application};
use dtihub::telemetry;
use dtihub::upload::{Credentials, UploadOptions};
use dtihub_service::store::Actor;

#[derive(Debug, Parser)]
#[command(
    name = "dtihub",
    version,
    about = "DTI Hub: digital-transformation reporting for a province"
)]
struct Cli {
    /// TOML configuration file (default: ./dtihub.toml when it exists).
    #[arg(long, global = true, env = "DTIHUB_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP server (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document.
    Openapi,
    /// Load the demo data from the source documents into an empty database, and the demo
    /// accounts (one user per role and a commune-bound client; see the README).
    SeedDemo,
    /// Create a user; prints its generated password once.
    CreateUser {
        /// Login name.
        #[arg(long)]
        username: String,
        /// Role (repeat for several): admin, coordinator, viewer, unit_reporter, unit_approver.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Unit code (required for unit_reporter and unit_approver).
        #[arg(long)]
        unit: Option<String>,
        /// Name shown to people (default: the username).
        #[arg(long)]
        display_name: Option<String>,
        /// E-mail address.
        #[arg(long)]
        email: Option<String>,
    },
    /// Create a machine client; prints its client_id and secret once.
    CreateClient {
        /// What the client is.
        #[arg(long)]
        name: String,
        /// Scope (repeat for several): catalog:read, reports:read, reports:write,
        /// imports:write, aggregates:read, admin.
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// Bind the client to this unit.
        #[arg(long)]
        unit: Option<String>,
    },
    /// Upload a CSV, JSON or XLSX file to the server's import endpoint, with an idempotency
    /// key derived from its content, retries on 503/429 and a table of rejected rows.
    /// Exit code: 0 all rows accepted, 3 rows rejected, 1 the upload failed, 2 usage error.
    Upload {
        /// The file: .csv, .json or .xlsx.
        file: PathBuf,
        /// Base URL of the server, such as https://dtihub.example.gov.vn.
        #[arg(long, env = "DTIHUB_SERVER")]
        server: String,
        /// OAuth 2.0 client id (with --client-secret).
        #[arg(
            long,
            env = "DTIHUB_CLIENT_ID",
            requires = "client_secret",
            conflicts_with = "token"
        )]
        client_id: Option<String>,
        /// OAuth 2.0 client secret.
        #[arg(
            long,
            env = "DTIHUB_CLIENT_SECRET",
            hide_env_values = true,
            requires = "client_id"
        )]
        client_secret: Option<String>,
        /// A bearer access token instead of client credentials.
        #[arg(
            long,
            env = "DTIHUB_TOKEN",
            hide_env_values = true,
            required_unless_present = "client_id"
        )]
        token: Option<String>,
        /// Validate and report exactly as a real run would, writing nothing.
        #[arg(long)]
        dry_run: bool,
        /// atomic: any rejected row and nothing is written; partial: valid rows are written.
        #[arg(long, value_enum, default_value = "atomic")]
        mode: dtihub::upload::Mode,
        /// Attempts per request on 503, 429, 409 and connection failures.
        #[arg(long, default_value_t = 6)]
        attempts: u32,
        /// No progress bars.
        #[arg(long)]
        quiet: bool,
    },
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        let spec = dtihub_api::routes::openapi();
        println!("{}", spec.to_pretty_json()?);
        return Ok(());
    }
    if let Some(Command::Upload {
        file,
        server,
        client_id,
        client_secret,
        token,
        dry_run,
        mode,
        attempts,
        quiet,
    }) = cli.command
    {
        let credentials = match (client_id, client_secret, token) {
            (Some(id), Some(secret), _) => Credentials::Client { id, secret },
            (_, _, Some(token)) => Credentials::Token(token),
            _ => anyhow::bail!("give --client-id and --client-secret, or --token"),
        };
        let options = UploadOptions {
            file,
            server,
            credentials,
            dry_run,
            mode,
            attempts: attempts.max(1),
            initial_backoff: std::time::Duration::from_secs(1),
            progress: !quiet,
        };
        match dtihub::upload::upload(&options).await {
            Ok(outcome) => {
                print!("{}", dtihub::upload::report(&outcome));
                std::process::exit(outcome.exit_code());
            }
            Err(e) => {
                eprintln!("error: {e:#}");
                std::process::exit(1);
            }
        }
    }
    let settings = Settings::load(cli.config.as_deref())?;
    telemetry::init(settings.log_format, &settings.log_level);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Openapi | Command::Upload { .. } => Ok(()),
        Command::Migrate => {
            open_store(&settings).await?;
            tracing::info!(database = %settings.redacted_database_url(), "database is migrated");
            Ok(())
        }
        Command::SeedDemo => {
            let store = open_store(&settings).await?;
            let inserted = seed_demo(&store).await?;
            let auth = open_auth(&settings, &store).await?;
            let accounts = seed_demo_accounts(&auth).await?;
            tracing::info!(inserted, accounts, "demo data loaded");
            Ok(())
        }
        Command::CreateUser {
            username,
            roles,
            unit,
            display_name,
            email,
        } => {
            let store = open_store(&settings).await?;
            let auth = open_auth(&settings, &store).await?;
            let input = dtihub_service::users::NewUserInput {
                display_name: display_name.unwrap_or_else(|| username.clone()),
                username,
                email,
                unit,
                roles,
                password: None,
            };
            let (user, password) = actix_web::rt::task::spawn_blocking(move || {
                dtihub_service::users::create(auth.store(), &auth, &Actor::system("cli"), &input)
            })
            .await?
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            println!("username: {}", user.username);
            if let Some(password) = password {
                println!("password: {password}");
                println!("(shown once: store it safely)");
            }
            Ok(())
        }
        Command::CreateClient { name, scopes, unit } => {
            let store = open_store(&settings).await?;
            let auth = open_auth(&settings, &store).await?;
            let input = dtihub_service::clients::NewClientInput { name, scopes, unit };
            let (client, secret) = actix_web::rt::task::spawn_blocking(move || {
                dtihub_service::clients::create(auth.store(), &auth, &Actor::system("cli"), &input)
            })
            .await?
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            println!("client_id: {}", client.client_id);
            println!("client_secret: {secret}");
            println!("(the secret is shown once: store it safely)");
            Ok(())
        }
        Command::Serve => {
            let database = settings.redacted_database_url();
            let app = Application::build(settings).await?;
            tracing::info!(
                api = %format!("http://{}/api/v1", display_host(&app)),
                docs = %format!("http://{}/docs/", display_host(&app)),
                database = %database,
                "DTI Hub is listening"
            );
            app.run_until_stopped().await?;
            Ok(())
        }
    }
}

fn display_host(app: &Application) -> String {
    format!("{}:{}", app.host(), app.port())
}
