//! The first admin: created on the first start of a database without users.

use dtihub_db::repo;

use crate::auth::Auth;
use crate::error::ServiceError;
use crate::store::Actor;
use crate::users::{self, NewUserInput};

/// What bootstrapping did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bootstrap {
    /// Users exist already; nothing was done.
    AlreadyDone,
    /// The admin was created with the configured password.
    CreatedWithConfiguredPassword,
    /// The admin was created with this generated password (to be shown once).
    CreatedWithGeneratedPassword(String),
}

/// Username of the bootstrap admin.
pub const BOOTSTRAP_ADMIN: &str = "admin";

/// Creates the `admin` user when no user exists. Two instances starting together may both
/// try: the unique username lets one win, and the other reports `AlreadyDone`.
pub fn bootstrap_admin(auth: &Auth, password: Option<&str>) -> Result<Bootstrap, ServiceError> {
    let store = auth.store();
    if store.read(|conn| Ok(repo::users::count(conn)?))? > 0 {
        return Ok(Bootstrap::AlreadyDone);
    }
    let input = NewUserInput {
        username: BOOTSTRAP_ADMIN.into(),
        display_name: "Quản trị hệ thống".into(),
        email: None,
        unit: None,
        roles: vec!["admin".into()],
        password: password.map(str::to_owned),
    };
    match users::create(store, auth, &Actor::system("bootstrap"), &input) {
        Ok((_, Some(generated))) => Ok(Bootstrap::CreatedWithGeneratedPassword(generated)),
        Ok((_, None)) => Ok(Bootstrap::CreatedWithConfiguredPassword),
        Err(ServiceError::Conflict { .. }) => Ok(Bootstrap::AlreadyDone),
        Err(e) => Err(e),
    }
}
