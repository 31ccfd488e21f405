//! The province's digital-transformation index (DTI) of its departments and communes: a
//! framework as data (pillars, criteria, rules), the units' self-assessments, the focal
//! point's verification, and the scores and ranks that follow. Pure: no storage, no HTTP.

pub mod framework;
pub mod scoring;

pub use framework::{Criterion, Framework, Pillar, ReportFact, Rule};
pub use scoring::{
    Answer, CriterionScore, Evidence, Level, ReportFacts, SelfAssessment, Subtotal, Verification,
    VerifiedCriterion,
};

/// The kinds of unit a framework is made for.
pub const UNIT_KINDS: [&str; 2] = ["department", "commune"];

#[cfg(test)]
mod tests;
