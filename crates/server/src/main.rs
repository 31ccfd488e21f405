//! `dtihub`: the DTI Hub server and its administrative commands.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use dtihub::settings::Settings;
use dtihub::startup::{open_store, seed_demo, Application};
use dtihub::telemetry;

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
    /// Load the demo data from the source documents into an empty database.
    SeedDemo,
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        let spec = dtihub_api::routes::openapi();
        println!("{}", spec.to_pretty_json()?);
        return Ok(());
    }
    let settings = Settings::load(cli.config.as_deref())?;
    telemetry::init(settings.log_format, &settings.log_level);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Openapi => Ok(()),
        Command::Migrate => {
            open_store(&settings).await?;
            tracing::info!(database = %settings.redacted_database_url(), "database is migrated");
            Ok(())
        }
        Command::SeedDemo => {
            let store = open_store(&settings).await?;
            let inserted = seed_demo(&store).await?;
            tracing::info!(inserted, "demo data loaded");
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
