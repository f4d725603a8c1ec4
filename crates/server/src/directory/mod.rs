//! The building directory: buildings, units and residents, imported from the web
//! admin's CSV exports or seeded for the demo.

pub mod apply;
pub mod csv_fields;
pub mod demo;
pub mod import;
pub mod store;
