//! `mixed-today`: the mix the API allows today, until reports exist — mostly catalogue
//! reads, profile checks, the coordinator's audit reads and a few logins.

use super::{audit, me, read_units, token, Scenario, StepFuture, Worker};
use crate::setup::World;

/// The scenario.
pub const SCENARIO: Scenario = Scenario {
    name: "mixed-today",
    about: "65% read-units, 20% me, 12% audit, 3% token",
    step,
    replayable_sql: false,
};

/// One operation of another scenario, picked by weight.
pub fn step<'a>(world: &'a World, worker: &'a mut Worker) -> StepFuture<'a> {
    match worker.percent() {
        0..=64 => read_units::step(world, worker),
        65..=84 => me::step(world, worker),
        85..=96 => audit::step(world, worker),
        _ => token::step(world, worker),
    }
}
