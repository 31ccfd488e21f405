//! Periodic reports (báo cáo định kỳ): the workflow a unit's report goes through, and (in
//! [`validation`]) the rules its values must keep.
//!
//! The workflow decides only which actions are legal from which status; who may perform them
//! (unit reporter, unit approver, coordinator) is the service layer's business.
//!
//! | from \ action   | save     | submit    | return   | accept   | reopen   |
//! |-----------------|----------|-----------|----------|----------|----------|
//! | `not_started`   | draft    |           |          |          |          |
//! | `draft`         | draft    | submitted |          |          |          |
//! | `submitted`     |          |           | returned | accepted |          |
//! | `returned`      | returned | submitted |          |          |          |
//! | `accepted`      |          |           |          |          | returned |
//!
//! A returned report stays `returned` while the unit edits it, so that the coordinator's list
//! of reports waiting on a unit stays true until it is submitted again. Reopening an accepted
//! report hands it back to the unit the same way, as `returned` with the coordinator's reason.

pub mod validation;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{DomainError, FieldError};
use crate::text::nfc;

/// Where a report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    /// Nothing saved yet: the unit sees a template.
    NotStarted,
    /// Saved by the unit, not yet submitted.
    Draft,
    /// Submitted by the unit and frozen, waiting for the coordinator.
    Submitted,
    /// Sent back by the coordinator with a reason; the unit edits and submits again.
    Returned,
    /// Accepted by the coordinator and locked; edits need reopening.
    Accepted,
}

impl ReportStatus {
    /// Every status, in workflow order.
    pub const ALL: [ReportStatus; 5] = [
        ReportStatus::NotStarted,
        ReportStatus::Draft,
        ReportStatus::Submitted,
        ReportStatus::Returned,
        ReportStatus::Accepted,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::NotStarted => "not_started",
            ReportStatus::Draft => "draft",
            ReportStatus::Submitted => "submitted",
            ReportStatus::Returned => "returned",
            ReportStatus::Accepted => "accepted",
        }
    }

    /// Whether the unit may change the report's content in this status.
    pub fn is_editable(self) -> bool {
        self.allows(ActionKind::Save)
    }

    /// Whether the action is legal from this status.
    pub fn allows(self, action: ActionKind) -> bool {
        next_status(self, action).is_some()
    }

    /// The actions legal from this status, in [`ActionKind::ALL`] order.
    pub fn allowed_actions(self) -> Vec<ActionKind> {
        ActionKind::ALL
            .into_iter()
            .filter(|a| self.allows(*a))
            .collect()
    }
}

impl fmt::Display for ReportStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ReportStatus {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ReportStatus::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| DomainError::field("status", "invalid_enum"))
    }
}

/// An action on a report, without its reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// Save the content as a draft (whole-report replace).
    Save,
    /// Validate and freeze the report for the coordinator.
    Submit,
    /// Send a submitted report back for editing, with a reason.
    Return,
    /// Accept and lock a submitted report.
    Accept,
    /// Unlock an accepted report, with a reason.
    Reopen,
}

impl ActionKind {
    /// Every action, in workflow order.
    pub const ALL: [ActionKind; 5] = [
        ActionKind::Save,
        ActionKind::Submit,
        ActionKind::Return,
        ActionKind::Accept,
        ActionKind::Reopen,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Save => "save",
            ActionKind::Submit => "submit",
            ActionKind::Return => "return",
            ActionKind::Accept => "accept",
            ActionKind::Reopen => "reopen",
        }
    }

    /// Whether the action must say why.
    pub fn requires_reason(self) -> bool {
        matches!(self, ActionKind::Return | ActionKind::Reopen)
    }
}

impl fmt::Display for ActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ActionKind {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ActionKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| DomainError::field("action", "invalid_enum"))
    }
}

/// Why a report was returned or reopened: NFC text, not blank, at most
/// [`Reason::MAX_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Reason(String);

impl Reason {
    /// Longest reason accepted, in characters.
    pub const MAX_CHARS: usize = 2000;

    /// Parses a reason; errors point at `/reason` with `required` or `too_long`.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let text = nfc(raw);
        if text.is_empty() {
            return Err(FieldError::new("/reason", "required"));
        }
        if text.chars().count() > Self::MAX_CHARS {
            return Err(FieldError::new("/reason", "too_long").with("max", Self::MAX_CHARS));
        }
        Ok(Self(text))
    }

    /// The reason as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Reason {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value).map_err(|e| DomainError::Validation(vec![e]))
    }
}

impl From<Reason> for String {
    fn from(value: Reason) -> Self {
        value.0
    }
}

/// An action with what it needs: returning and reopening carry a [`Reason`], so an action
/// without one cannot be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportAction {
    /// Save a draft.
    Save,
    /// Submit.
    Submit,
    /// Return, saying why.
    Return(Reason),
    /// Accept.
    Accept,
    /// Reopen, saying why.
    Reopen(Reason),
}

impl ReportAction {
    /// The action without its reason.
    pub fn kind(&self) -> ActionKind {
        match self {
            ReportAction::Save => ActionKind::Save,
            ReportAction::Submit => ActionKind::Submit,
            ReportAction::Return(_) => ActionKind::Return,
            ReportAction::Accept => ActionKind::Accept,
            ReportAction::Reopen(_) => ActionKind::Reopen,
        }
    }

    /// The reason, for the actions that carry one.
    pub fn reason(&self) -> Option<&Reason> {
        match self {
            ReportAction::Return(r) | ReportAction::Reopen(r) => Some(r),
            _ => None,
        }
    }

    /// Builds an action from its kind and an optional reason text, as a request carries them;
    /// a missing or blank reason where one is required is a `required` error at `/reason`.
    pub fn from_parts(kind: ActionKind, reason: Option<&str>) -> Result<Self, FieldError> {
        let reason = || Reason::parse(reason.unwrap_or(""));
        Ok(match kind {
            ActionKind::Save => ReportAction::Save,
            ActionKind::Submit => ReportAction::Submit,
            ActionKind::Return => ReportAction::Return(reason()?),
            ActionKind::Accept => ReportAction::Accept,
            ActionKind::Reopen => ReportAction::Reopen(reason()?),
        })
    }
}

/// An action that is not legal from the report's current status (HTTP 409 at the edge).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cannot {action} a report that is {status}")]
pub struct TransitionError {
    /// The report's current status.
    pub status: ReportStatus,
    /// The action refused.
    pub action: ActionKind,
}

impl TransitionError {
    /// Stable snake_case code for clients.
    pub const CODE: &'static str = "invalid_transition";
}

fn next_status(status: ReportStatus, action: ActionKind) -> Option<ReportStatus> {
    use ActionKind as A;
    use ReportStatus as S;
    match (status, action) {
        (S::NotStarted | S::Draft, A::Save) => Some(S::Draft),
        (S::Returned, A::Save) => Some(S::Returned),
        (S::Draft | S::Returned, A::Submit) => Some(S::Submitted),
        (S::Submitted, A::Return) => Some(S::Returned),
        (S::Submitted, A::Accept) => Some(S::Accepted),
        (S::Accepted, A::Reopen) => Some(S::Returned),
        _ => None,
    }
}

/// The status a report moves to when `action` is performed from `status`, or why it cannot.
pub fn transition(
    status: ReportStatus,
    action: &ReportAction,
) -> Result<ReportStatus, TransitionError> {
    let kind = action.kind();
    next_status(status, kind).ok_or(TransitionError {
        status,
        action: kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason() -> Reason {
        Reason::parse("Thiếu số liệu giải ngân quý III").unwrap()
    }

    fn action(kind: ActionKind) -> ReportAction {
        ReportAction::from_parts(kind, Some("lý do")).unwrap()
    }

    #[test]
    fn the_happy_path() {
        let s = ReportStatus::NotStarted;
        let s = transition(s, &ReportAction::Save).unwrap();
        assert_eq!(s, ReportStatus::Draft);
        let s = transition(s, &ReportAction::Save).unwrap();
        let s = transition(s, &ReportAction::Submit).unwrap();
        assert_eq!(s, ReportStatus::Submitted);
        let s = transition(s, &ReportAction::Return(reason())).unwrap();
        assert_eq!(s, ReportStatus::Returned);
        let s = transition(s, &ReportAction::Save).unwrap();
        assert_eq!(s, ReportStatus::Returned);
        let s = transition(s, &ReportAction::Submit).unwrap();
        let s = transition(s, &ReportAction::Accept).unwrap();
        assert_eq!(s, ReportStatus::Accepted);
        let s = transition(s, &ReportAction::Reopen(reason())).unwrap();
        assert_eq!(s, ReportStatus::Returned);
    }

    /// Every pair not in the table is refused, naming the current status.
    #[test]
    fn every_other_transition_is_refused() {
        let legal = [
            ("not_started", "save"),
            ("draft", "save"),
            ("draft", "submit"),
            ("submitted", "return"),
            ("submitted", "accept"),
            ("returned", "save"),
            ("returned", "submit"),
            ("accepted", "reopen"),
        ];
        let mut refused = 0;
        for status in ReportStatus::ALL {
            for kind in ActionKind::ALL {
                let result = transition(status, &action(kind));
                let is_legal = legal.contains(&(status.as_str(), kind.as_str()));
                assert_eq!(result.is_ok(), is_legal, "{status} {kind}");
                if let Err(e) = result {
                    refused += 1;
                    assert_eq!(e.status, status);
                    assert_eq!(e.action, kind);
                    assert_eq!(
                        e.to_string(),
                        format!("cannot {kind} a report that is {status}")
                    );
                }
            }
        }
        assert_eq!(refused, 25 - legal.len());
    }

    #[test]
    fn editability_and_allowed_actions() {
        let editable: Vec<ReportStatus> = ReportStatus::ALL
            .into_iter()
            .filter(|s| s.is_editable())
            .collect();
        assert_eq!(
            editable,
            [
                ReportStatus::NotStarted,
                ReportStatus::Draft,
                ReportStatus::Returned
            ]
        );
        assert_eq!(
            ReportStatus::Submitted.allowed_actions(),
            [ActionKind::Return, ActionKind::Accept]
        );
        assert_eq!(
            ReportStatus::Accepted.allowed_actions(),
            [ActionKind::Reopen]
        );
    }

    #[test]
    fn return_and_reopen_need_a_reason() {
        for kind in [ActionKind::Return, ActionKind::Reopen] {
            assert!(kind.requires_reason());
            for missing in [None, Some(""), Some("  \n ")] {
                let err = ReportAction::from_parts(kind, missing).unwrap_err();
                assert_eq!(
                    (err.pointer.as_str(), err.code.as_str()),
                    ("/reason", "required")
                );
            }
        }
        let long = "a".repeat(Reason::MAX_CHARS + 1);
        assert_eq!(Reason::parse(&long).unwrap_err().code, "too_long");
        assert!(Reason::parse(&"ạ".repeat(Reason::MAX_CHARS)).is_ok());
        let a = ReportAction::from_parts(ActionKind::Return, Some("  Thiếu số liệu ")).unwrap();
        assert_eq!(a.reason().map(Reason::as_str), Some("Thiếu số liệu"));
        assert_eq!(
            ReportAction::from_parts(ActionKind::Accept, None),
            Ok(ReportAction::Accept)
        );
    }

    #[test]
    fn names_round_trip() {
        for s in ReportStatus::ALL {
            assert_eq!(s.as_str().parse::<ReportStatus>(), Ok(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
        }
        for a in ActionKind::ALL {
            assert_eq!(a.as_str().parse::<ActionKind>(), Ok(a));
        }
        assert!("closed".parse::<ReportStatus>().is_err());
        assert!(serde_json::from_str::<Reason>("\"  \"").is_err());
    }
}
