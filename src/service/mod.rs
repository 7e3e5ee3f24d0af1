//! A service: a folder with a wrangler config, deployed once per domain.
//! How services are found on disk (`discovery`), created (`create`), and the
//! settings a service keeps for clodo (`settings`), and what each of its
//! domains uses (`resources`).

pub mod create;
pub mod discovery;
pub mod resources;
pub mod settings;
