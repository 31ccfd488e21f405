//! `read-units`: what mobile apps and LGSP do with the unit registry — list with filters,
//! walk the cursor pages, and get one unit by code, mostly revalidating with its ETag.

use reqwest::header::{ETAG, IF_NONE_MATCH};

use super::{Scenario, StepFuture, Worker};
use crate::setup::World;

/// The scenario.
pub const SCENARIO: Scenario = Scenario {
    name: "read-units",
    about: "units: filtered lists with cursor paging (50%), get by code with If-None-Match (50%)",
    step,
    replayable_sql: true,
};

const LISTING: &str = "units";

/// One request as a reporter: continue a listing, start one, or get a unit.
pub fn step<'a>(world: &'a World, worker: &'a mut Worker) -> StepFuture<'a> {
    Box::pin(async move {
        let token = worker.reporter(world).token.clone();
        if worker.percent() < 50 {
            let path = match worker.cursors.remove(LISTING) {
                Some(next) => next,
                None => first_page(worker),
            };
            let request = world.client.get(world.url(&path)).bearer_auth(&token);
            if let Some(reply) = worker.send(request).await {
                let next = reply
                    .json()
                    .and_then(|page| page["next_cursor"].as_str().map(str::to_owned));
                if let Some(cursor) = next {
                    let base = path.split("&cursor=").next().unwrap_or(&path);
                    worker
                        .cursors
                        .insert(LISTING, format!("{base}&cursor={cursor}"));
                }
            }
        } else {
            let path = format!("/api/v1/units/{}", worker.any_commune(world));
            let mut request = world.client.get(world.url(&path)).bearer_auth(&token);
            // A quarter of the gets come from a client without a cached copy.
            let revalidate = worker.percent() >= 25;
            if let Some(etag) = worker.etags.get(&path).filter(|_| revalidate) {
                request = request.header(IF_NONE_MATCH, etag);
            }
            if let Some(reply) = worker.send(request).await {
                if let Some(etag) = reply.headers.get(ETAG).and_then(|v| v.to_str().ok()) {
                    worker.etags.insert(path, etag.to_owned());
                }
            }
        }
    })
}

/// The first page of one of the listings clients ask for.
fn first_page(worker: &mut Worker) -> String {
    match worker.percent() {
        0..=39 => "/api/v1/units?kind=commune&limit=20".to_owned(),
        40..=59 => "/api/v1/units?q=thu%20nghiem&limit=20".to_owned(),
        60..=79 => "/api/v1/units?active_on=2025-12-31&kind=commune&limit=20".to_owned(),
        _ => "/api/v1/units?limit=50".to_owned(),
    }
}
