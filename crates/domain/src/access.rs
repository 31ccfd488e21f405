//! Identity and access: roles, scopes, principals and the rules of who may do what.
//!
//! The rules live here, free of HTTP and storage, so that every layer asks the same question
//! the same way: "may this principal do that, on this unit?".

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{DomainError, FieldError};
use crate::unit::UnitCode;

/// What a person may do; a user may hold several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages users, machine clients and units.
    Admin,
    /// The provincial focal point: plans, catalog, review of every unit's reports.
    Coordinator,
    /// Reads every report and aggregate; writes nothing.
    Viewer,
    /// Edits drafts of its own unit's reports.
    UnitReporter,
    /// The unit's head: submits its own unit's reports.
    UnitApprover,
}

impl Role {
    /// Every role, in display order.
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Coordinator,
        Role::Viewer,
        Role::UnitReporter,
        Role::UnitApprover,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
            Role::Viewer => "viewer",
            Role::UnitReporter => "unit_reporter",
            Role::UnitApprover => "unit_approver",
        }
    }

    /// Whether the role acts only on its holder's own unit.
    pub fn is_unit_scoped(self) -> bool {
        matches!(self, Role::UnitReporter | Role::UnitApprover)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| DomainError::field("roles", "invalid_enum"))
    }
}

/// What a machine client may do (OAuth 2.0 scopes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// Read the catalog: units, plans, indicators.
    #[serde(rename = "catalog:read")]
    CatalogRead,
    /// Read reports.
    #[serde(rename = "reports:read")]
    ReportsRead,
    /// Write reports (of the bound unit, when the client is bound to one).
    #[serde(rename = "reports:write")]
    ReportsWrite,
    /// Upload bulk imports.
    #[serde(rename = "imports:write")]
    ImportsWrite,
    /// Read aggregates and DTI scores.
    #[serde(rename = "aggregates:read")]
    AggregatesRead,
    /// Everything an `admin` user may do.
    #[serde(rename = "admin")]
    Admin,
}

impl Scope {
    /// Every scope, in catalog order.
    pub const ALL: [Scope; 6] = [
        Scope::CatalogRead,
        Scope::ReportsRead,
        Scope::ReportsWrite,
        Scope::ImportsWrite,
        Scope::AggregatesRead,
        Scope::Admin,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::CatalogRead => "catalog:read",
            Scope::ReportsRead => "reports:read",
            Scope::ReportsWrite => "reports:write",
            Scope::ImportsWrite => "imports:write",
            Scope::AggregatesRead => "aggregates:read",
            Scope::Admin => "admin",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scope::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| DomainError::field("scopes", "invalid_enum"))
    }
}

/// Joins names with single spaces (the OAuth `scope` format, also used to store roles).
pub fn join_names<T: fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parses a space-separated list, sorted and without duplicates.
pub fn parse_names<T: FromStr + Ord>(text: &str) -> Result<Vec<T>, T::Err> {
    let mut items = text
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<Vec<T>, _>>()?;
    items.sort();
    items.dedup();
    Ok(items)
}

/// A login name: 3 to 64 characters of lower-case ASCII letters, digits, `.`, `_` and `-`,
/// starting with a letter. Input is lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

impl Username {
    /// Parses a username.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let name = raw.trim().to_ascii_lowercase();
        let ok_len = (3..=64).contains(&name.len());
        let ok_first = name.chars().next().is_some_and(|c| c.is_ascii_lowercase());
        let ok_chars = name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
        if ok_len && ok_first && ok_chars {
            Ok(Self(name))
        } else {
            Err(DomainError::field("username", "invalid_username"))
        }
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Username {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Username> for String {
    fn from(value: Username) -> Self {
        value.0
    }
}

/// Shortest password accepted (NIST SP 800-63B asks for at least 8; we ask for more).
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest password accepted (bounds the hashing work an attacker can ask for).
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Checks a new password against the policy; `pointer` names the field in errors.
pub fn check_password(password: &str, username: &str, pointer: &str) -> Result<(), FieldError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(FieldError::new(pointer, "password_too_short").with("min", MIN_PASSWORD_CHARS));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(FieldError::new(pointer, "too_long").with("max", MAX_PASSWORD_CHARS));
    }
    if password.eq_ignore_ascii_case(username) {
        return Err(FieldError::new(pointer, "password_is_username"));
    }
    Ok(())
}

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Subject {
    /// A person, by username.
    User(Username),
    /// A machine client, by `client_id`.
    Client(String),
}

/// An authenticated caller with its current rights (serialisable, so that work deferred to a
/// job runs with the rights its request had).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    /// Who.
    pub subject: Subject,
    /// The unit the user belongs to, or the client is bound to.
    pub unit: Option<UnitCode>,
    /// Roles (users only).
    pub roles: Vec<Role>,
    /// Scopes (clients only).
    pub scopes: Vec<Scope>,
}

/// An operation guarded by a function-level check (OWASP API5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read the unit registry and the catalog.
    ReadCatalog,
    /// Create, update and delete plans and their items (the focal point's job).
    ManageCatalog,
    /// Create, update and retire units.
    ManageUnits,
    /// Manage user accounts.
    ManageUsers,
    /// Manage machine clients.
    ManageClients,
    /// Read the audit log.
    ReadAudit,
    /// Change one's own password (people only).
    ChangeOwnPassword,
    /// Read periodic reports (of the units the principal may see).
    ReadReports,
    /// Save a report's draft (unit reporters and approvers, clients with `reports:write`).
    SaveReports,
    /// Submit a report (unit approvers, unit-bound clients with `reports:write`).
    SubmitReports,
    /// Return, accept and reopen reports (the provincial coordinator).
    ReviewReports,
    /// Upload bulk imports into reports' drafts: whoever may save reports, or a client with
    /// `imports:write`; each row is still limited to the units the principal may access.
    ImportReports,
    /// Read province-wide aggregates and exports: province-wide users (admin, coordinator,
    /// viewer) and clients with `aggregates:read` or `admin`. Unit-scoped users are refused:
    /// aggregates compare every unit, which a unit's own users may not see.
    ReadAggregates,
}

impl Principal {
    /// The audit actor id: `user:<name>` or `client:<id>`.
    pub fn actor_id(&self) -> String {
        match &self.subject {
            Subject::User(u) => format!("user:{u}"),
            Subject::Client(c) => format!("client:{c}"),
        }
    }

    /// Whether the principal holds a role.
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Whether the principal holds a scope.
    pub fn has_scope(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }

    /// Whether the principal is a person.
    pub fn is_user(&self) -> bool {
        matches!(self.subject, Subject::User(_))
    }

    /// The function-level rule.
    pub fn allows(&self, permission: Permission) -> bool {
        let admin = self.has_role(Role::Admin) || self.has_scope(Scope::Admin);
        match permission {
            Permission::ReadCatalog => {
                (self.is_user() && !self.roles.is_empty())
                    || self.has_scope(Scope::CatalogRead)
                    || admin
            }
            Permission::ManageUnits | Permission::ManageUsers | Permission::ManageClients => admin,
            Permission::ReadAudit | Permission::ManageCatalog => {
                admin || self.has_role(Role::Coordinator)
            }
            Permission::ChangeOwnPassword => self.is_user(),
            Permission::ReadReports => {
                (self.is_user() && !self.roles.is_empty())
                    || self.has_scope(Scope::ReportsRead)
                    || self.has_scope(Scope::ReportsWrite)
                    || admin
            }
            Permission::SaveReports => {
                self.has_role(Role::UnitReporter)
                    || self.has_role(Role::UnitApprover)
                    || self.has_scope(Scope::ReportsWrite)
            }
            // A machine submits only for the unit it is bound to, as an approver would.
            Permission::SubmitReports => {
                self.has_role(Role::UnitApprover)
                    || (self.has_scope(Scope::ReportsWrite) && self.unit.is_some())
            }
            Permission::ReviewReports => self.has_role(Role::Coordinator),
            Permission::ImportReports => {
                self.allows(Permission::SaveReports) || self.has_scope(Scope::ImportsWrite)
            }
            Permission::ReadAggregates => {
                (self.is_user() && self.roles.iter().any(|r| !r.is_unit_scoped()))
                    || self.has_scope(Scope::AggregatesRead)
                    || admin
            }
        }
    }

    /// The object-level rule (OWASP API1): whether the principal may see or act on data of
    /// `unit`. Province-wide roles and unbound clients see every unit; unit-scoped roles and
    /// unit-bound clients only their own. Callers answer "not found" when this is false, so
    /// that other units' data is not even revealed to exist.
    pub fn can_access_unit(&self, unit: &UnitCode) -> bool {
        let province_wide = self.is_user() && self.roles.iter().any(|r| !r.is_unit_scoped());
        if province_wide {
            return true;
        }
        match &self.unit {
            Some(own) => own == unit,
            None => !self.is_user(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(roles: &[Role], unit: Option<&str>) -> Principal {
        Principal {
            subject: Subject::User(Username::parse("someone").unwrap()),
            unit: unit.map(|u| UnitCode::parse(u).unwrap()),
            roles: roles.to_vec(),
            scopes: vec![],
        }
    }

    fn client(scopes: &[Scope], unit: Option<&str>) -> Principal {
        Principal {
            subject: Subject::Client("cl_x".into()),
            unit: unit.map(|u| UnitCode::parse(u).unwrap()),
            roles: vec![],
            scopes: scopes.to_vec(),
        }
    }

    #[test]
    fn names_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        for s in Scope::ALL {
            assert_eq!(s.as_str().parse::<Scope>(), Ok(s));
        }
        assert_eq!(
            parse_names::<Scope>("reports:read  catalog:read reports:read"),
            Ok(vec![Scope::CatalogRead, Scope::ReportsRead])
        );
        assert!(parse_names::<Role>("root").is_err());
        assert_eq!(join_names(&[Role::Admin, Role::Viewer]), "admin viewer");
    }

    #[test]
    fn usernames_are_checked() {
        assert_eq!(
            Username::parse(" Nguyen.Van-A ").unwrap().as_str(),
            "nguyen.van-a"
        );
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("1abc").is_err());
        assert!(Username::parse("nguyễn").is_err());
        assert!(Username::parse("a b c").is_err());
    }

    #[test]
    fn password_policy() {
        assert!(check_password("short", "alice", "/password").is_err());
        assert!(check_password("alice-alice", "alice-alice", "/password").is_err());
        assert!(check_password(&"x".repeat(129), "alice", "/password").is_err());
        assert!(check_password("correct horse", "alice", "/password").is_ok());
    }

    #[test]
    fn function_level_rules() {
        let admin = user(&[Role::Admin], None);
        let coordinator = user(&[Role::Coordinator], Some("SO-KHCN"));
        let reporter = user(&[Role::UnitReporter], Some("XA-TRAM-CHIM"));
        let reader = client(&[Scope::CatalogRead], None);
        let writer = client(&[Scope::ReportsWrite], Some("XA-TRAM-CHIM"));
        assert!(admin.allows(Permission::ManageUsers));
        assert!(!coordinator.allows(Permission::ManageUnits));
        assert!(coordinator.allows(Permission::ReadAudit));
        assert!(!reporter.allows(Permission::ReadAudit));
        assert!(reporter.allows(Permission::ReadCatalog));
        assert!(reader.allows(Permission::ReadCatalog));
        assert!(!writer.allows(Permission::ReadCatalog));
        assert!(!reader.allows(Permission::ChangeOwnPassword));
        assert!(client(&[Scope::Admin], None).allows(Permission::ManageClients));
        assert!(!user(&[], None).allows(Permission::ReadCatalog));
        assert!(admin.allows(Permission::ManageCatalog));
        assert!(coordinator.allows(Permission::ManageCatalog));
        assert!(!reporter.allows(Permission::ManageCatalog));
        assert!(!user(&[Role::Viewer], None).allows(Permission::ManageCatalog));
        assert!(!reader.allows(Permission::ManageCatalog));
    }

    #[test]
    fn report_rules() {
        let approver = user(&[Role::UnitApprover], Some("XA-TRAM-CHIM"));
        let reporter = user(&[Role::UnitReporter], Some("XA-TRAM-CHIM"));
        let coordinator = user(&[Role::Coordinator], Some("SO-KHCN"));
        let viewer = user(&[Role::Viewer], None);
        let bound = client(&[Scope::ReportsWrite], Some("XA-TRAM-CHIM"));
        let unbound = client(&[Scope::ReportsWrite], None);
        let catalog_only = client(&[Scope::CatalogRead], None);
        for p in [
            &approver,
            &reporter,
            &coordinator,
            &viewer,
            &bound,
            &unbound,
        ] {
            assert!(p.allows(Permission::ReadReports), "{p:?}");
        }
        assert!(!catalog_only.allows(Permission::ReadReports));
        assert!(reporter.allows(Permission::SaveReports));
        assert!(!reporter.allows(Permission::SubmitReports));
        assert!(approver.allows(Permission::SubmitReports));
        assert!(bound.allows(Permission::SubmitReports));
        assert!(!unbound.allows(Permission::SubmitReports));
        assert!(!viewer.allows(Permission::SaveReports));
        assert!(!coordinator.allows(Permission::SaveReports));
        assert!(coordinator.allows(Permission::ReviewReports));
        assert!(!approver.allows(Permission::ReviewReports));
        assert!(!user(&[Role::Admin], None).allows(Permission::ReviewReports));
    }

    #[test]
    fn object_level_rules() {
        let own = UnitCode::parse("XA-TRAM-CHIM").unwrap();
        let other = UnitCode::parse("XA-MY-QUI").unwrap();
        let reporter = user(&[Role::UnitReporter], Some("XA-TRAM-CHIM"));
        assert!(reporter.can_access_unit(&own));
        assert!(!reporter.can_access_unit(&other));
        let viewer = user(&[Role::Viewer], None);
        assert!(viewer.can_access_unit(&other));
        let unbound_reporter = user(&[Role::UnitReporter], None);
        assert!(!unbound_reporter.can_access_unit(&own));
        let bound = client(&[Scope::ReportsWrite], Some("XA-TRAM-CHIM"));
        assert!(bound.can_access_unit(&own));
        assert!(!bound.can_access_unit(&other));
        assert!(client(&[Scope::ReportsRead], None).can_access_unit(&other));
    }
}
