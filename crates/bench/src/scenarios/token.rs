//! `token`: logins with the password grant — argon2id at the server's configured cost, so
//! this measures password hashing as much as anything.

use rand::Rng;

use super::{Scenario, StepFuture, Worker};
use crate::setup::World;

/// The scenario.
pub const SCENARIO: Scenario = Scenario {
    name: "token",
    about: "POST /api/v1/auth/token, password grant of a random reporter (argon2id)",
    step,
    // Each grant stores a refresh token and audits the login: replaying the SQL verbatim
    // would collide on the unique token ids.
    replayable_sql: false,
};

/// One login.
pub fn step<'a>(world: &'a World, worker: &'a mut Worker) -> StepFuture<'a> {
    Box::pin(async move {
        let i = worker.rng.random_range(0..world.reporters.len());
        let username = &world.reporters[i].username;
        let request = world.client.post(world.url("/api/v1/auth/token")).form(&[
            ("grant_type", "password"),
            ("username", username.as_str()),
            ("password", world.password.as_str()),
        ]);
        worker.send(request).await;
    })
}
