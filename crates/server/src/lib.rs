//! The DTI Hub server: configuration, telemetry and the application assembly that the binary
//! and the end-to-end tests share.

pub mod settings;
pub mod startup;
pub mod telemetry;
pub mod upload;

pub use settings::Settings;
pub use startup::Application;
