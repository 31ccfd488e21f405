//! Building the application: pool, migrations, demo data, the actix server on a bound port.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use anyhow::Context;
use dtihub_api::edge::{edge, RequestSpan};
use dtihub_api::openapi::ApiDoc;
use dtihub_api::routes::{self, RouteTable, SPEC_PATH};
use dtihub_api::{extract, metrics, AppState};
use dtihub_db::Backend;
use dtihub_service::bootstrap::{bootstrap_admin, Bootstrap};
use dtihub_service::{Auth, Store};
use secrecy::ExposeSecret;
use tracing_actix_web::TracingLogger;
use utoipa::OpenApi as _;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::settings::Settings;

/// A built, bound, not yet running DTI Hub.
pub struct Application {
    server: Server,
    host: String,
    port: u16,
    store: Store,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("port", &self.port)
            .finish()
    }
}

/// Opens the database named by the settings and applies pending migrations.
pub async fn open_store(settings: &Settings) -> anyhow::Result<Store> {
    let url = settings.database_url.expose_secret().to_owned();
    let options = settings.pool_options();
    let backend = Backend::from_url(&url);
    let redacted = settings.redacted_database_url();
    let store = actix_web::rt::task::spawn_blocking(move || -> anyhow::Result<Store> {
        let pool = dtihub_db::conn::build_pool(&url, &options)
            .with_context(|| format!("opening the {} database at {redacted}", backend.as_str()))?;
        let store = Store::new(pool, backend);
        let applied = store.migrate().map_err(|e| anyhow::anyhow!("{e}"))?;
        if !applied.is_empty() {
            tracing::info!(migrations = ?applied, "applied database migrations");
        }
        Ok(store)
    })
    .await??;
    Ok(store)
}

/// Builds the authentication service (loading or, on the first start, creating the signing
/// key) and creates the first admin when the database has no user.
pub async fn open_auth(settings: &Settings, store: &Store) -> anyhow::Result<Auth> {
    let config = settings.auth_config()?;
    let admin_password = settings
        .admin_password
        .as_ref()
        .map(|p| p.expose_secret().to_owned());
    let store = store.clone();
    let auth = actix_web::rt::task::spawn_blocking(move || -> anyhow::Result<Auth> {
        let auth = Auth::new(store, config).map_err(|e| anyhow::anyhow!("authentication: {e}"))?;
        match bootstrap_admin(&auth, admin_password.as_deref())
            .map_err(|e| anyhow::anyhow!("creating the first admin: {e}"))?
        {
            Bootstrap::AlreadyDone => {}
            Bootstrap::CreatedWithConfiguredPassword => {
                tracing::warn!("created the first admin user `admin` with DTIHUB_ADMIN_PASSWORD");
            }
            Bootstrap::CreatedWithGeneratedPassword(password) => {
                // The one time a secret is logged, on purpose: nobody could log in otherwise.
                tracing::warn!(
                    username = "admin",
                    password = %password,
                    "created the first admin user; this password is shown only now: log in and change it"
                );
            }
        }
        Ok(auth)
    })
    .await??;
    tracing::info!(
        algorithm = auth.keys().algorithm_name(),
        "access tokens ready"
    );
    Ok(auth)
}

/// Loads the demo accounts (documented passwords) unless they exist.
pub async fn seed_demo_accounts(auth: &Auth) -> anyhow::Result<usize> {
    let auth = auth.clone();
    let created =
        actix_web::rt::task::spawn_blocking(move || dtihub_service::demo::seed_accounts(&auth))
            .await?
            .map_err(|e| anyhow::anyhow!("loading demo accounts: {e}"))?;
    if created > 0 {
        tracing::info!(
            accounts = created,
            "loaded the demo accounts (see the README)"
        );
    }
    Ok(created)
}

/// Loads the demo data (units and the plan catalog) into an empty database; returns how many
/// rows were inserted (0 when the data is already there).
pub async fn seed_demo(store: &Store) -> anyhow::Result<usize> {
    let store = store.clone();
    let counts =
        actix_web::rt::task::spawn_blocking(move || dtihub_service::demo::seed_demo(&store))
            .await?
            .map_err(|e| anyhow::anyhow!("loading demo data: {e}"))?;
    if counts.total() > 0 {
        tracing::info!(
            units = counts.units,
            plans = counts.catalog.plans,
            indicators = counts.catalog.indicators,
            tasks = counts.catalog.tasks,
            projects = counts.catalog.projects,
            budget_lines = counts.catalog.budget_lines,
            reports = counts.reports,
            "loaded demo data from the source documents"
        );
    }
    Ok(counts.total())
}

impl Application {
    /// Opens the database, migrates, seeds when asked, and binds the HTTP server.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let store = open_store(&settings).await?;
        if settings.seed_demo {
            seed_demo(&store).await?;
        }
        let auth = open_auth(&settings, &store).await?;
        if settings.seed_demo && settings.seeds_demo_accounts() {
            seed_demo_accounts(&auth).await?;
        }
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("binding {}", settings.bind))?;
        let address = listener.local_addr()?;
        let port = address.port();
        let host = address.ip().to_string();
        let server = serve(listener, store.clone(), auth, &settings)?;
        Ok(Self {
            server,
            host,
            port,
            store,
        })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The bound address's host.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The store the application uses.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The server future, for tests that spawn it.
    pub fn into_server(self) -> Server {
        self.server
    }

    /// Runs until SIGTERM/SIGINT, then drains in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

fn serve(
    listener: TcpListener,
    store: Store,
    auth: Auth,
    settings: &Settings,
) -> anyhow::Result<Server> {
    let prometheus = metrics::build(store.clone()).map_err(|e| anyhow::anyhow!("metrics: {e}"))?;
    let registry = web::Data::new(prometheus.registry.clone());
    let state = web::Data::new(AppState {
        store,
        auth,
        ready_timeout: Duration::from_secs(1),
        rate_limit: settings.rate_limit(),
        responses: dtihub_api::cache::ResponseCache::new(
            settings.aggregate_cache_mb.saturating_mul(1024 * 1024),
        ),
    });
    let spec = routes::openapi();
    let route_table = web::Data::new(RouteTable::from_spec(&spec));
    let body_limit = settings.body_limit_bytes;
    let in_flight = dtihub_service::imports::InFlight::default();
    let jobs = dtihub_service::imports::jobs::Waker::default();
    if settings.import_worker {
        dtihub_service::imports::jobs::spawn_worker(
            state.store.clone(),
            in_flight.clone(),
            &jobs,
            dtihub_service::imports::jobs::JobSettings {
                lease: Duration::from_secs(settings.import_job_lease_secs.max(3)),
                poll: Duration::from_millis(settings.import_job_poll_ms.max(10)),
                ..Default::default()
            },
        )
        .context("starting the import job worker")?;
    }
    let imports = web::Data::new(dtihub_api::imports::ImportSettings {
        max_rows: settings.import_max_rows.max(1),
        max_bytes: settings.import_max_bytes.max(1),
        key_retention_hours: settings.import_key_retention_hours.max(24),
        in_flight,
        async_above_bytes: settings.import_async_above_bytes,
        jobs,
    });

    let mut server = HttpServer::new(move || {
        // Swagger UI and the spec first: the `/api/v1` scope would otherwise take the spec's path.
        let (app, _) = App::new()
            .service(SwaggerUi::new("/docs/{_:.*}").url(SPEC_PATH, spec.clone()))
            .service(web::redirect("/docs", "/docs/"))
            .into_utoipa_app()
            .openapi(ApiDoc::openapi())
            .app_data(state.clone())
            .app_data(registry.clone())
            .app_data(imports.clone())
            .app_data(route_table.clone())
            .app_data(extract::json_config(body_limit))
            .app_data(extract::payload_config(body_limit))
            .app_data(extract::query_config())
            .app_data(extract::path_config())
            .configure(routes::api_v1)
            .configure(routes::ops_routes)
            .split_for_parts();
        app.default_service(web::to(routes::fallback))
            .wrap(from_fn(dtihub_api::auth::authenticate))
            .wrap(TracingLogger::<RequestSpan>::new())
            .wrap(prometheus.clone())
            .wrap(from_fn(edge))
    })
    .shutdown_timeout(settings.shutdown_timeout_secs)
    .listen(listener)?;
    if let Some(workers) = settings.workers {
        server = server.workers(workers);
    }
    Ok(server.run())
}
