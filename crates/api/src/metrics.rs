//! Prometheus metrics: request counts and latency by route and status (actix-web-prom), and
//! the pool's state read at scrape time. `/metrics` itself is served by [`crate::ops::metrics`].

use actix_web_prom::{PrometheusMetrics, PrometheusMetricsBuilder};
use dtihub_service::Store;
use prometheus::core::{Collector, Desc};
use prometheus::{IntGauge, Opts};

/// Builds the metrics middleware serving `/metrics`, with the pool collector registered.
pub fn build(store: Store) -> Result<PrometheusMetrics, Box<dyn std::error::Error + Send + Sync>> {
    let metrics = PrometheusMetricsBuilder::new("dtihub")
        .mask_unmatched_patterns("UNMATCHED")
        .build()?;
    metrics
        .registry
        .register(Box::new(PoolCollector::new(store)?))?;
    Ok(metrics)
}

/// Reads the pool's figures when Prometheus scrapes.
struct PoolCollector {
    store: Store,
    connections: IntGauge,
    idle: IntGauge,
    max_size: IntGauge,
}

impl PoolCollector {
    fn new(store: Store) -> prometheus::Result<Self> {
        Ok(Self {
            store,
            connections: IntGauge::with_opts(Opts::new(
                "dtihub_db_pool_connections",
                "Open database connections",
            ))?,
            idle: IntGauge::with_opts(Opts::new(
                "dtihub_db_pool_idle",
                "Idle database connections",
            ))?,
            max_size: IntGauge::with_opts(Opts::new(
                "dtihub_db_pool_max_size",
                "Database pool ceiling",
            ))?,
        })
    }
}

impl Collector for PoolCollector {
    fn desc(&self) -> Vec<&Desc> {
        [&self.connections, &self.idle, &self.max_size]
            .into_iter()
            .flat_map(|g| g.desc())
            .collect()
    }

    fn collect(&self) -> Vec<prometheus::proto::MetricFamily> {
        let state = self.store.pool_state();
        self.connections.set(i64::from(state.connections));
        self.idle.set(i64::from(state.idle));
        self.max_size.set(i64::from(state.max_size));
        [&self.connections, &self.idle, &self.max_size]
            .into_iter()
            .flat_map(|g| g.collect())
            .collect()
    }
}
