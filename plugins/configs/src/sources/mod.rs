//! Readers per configuration source: each turns a parsed file into the
//! model the rules and metrics use.

pub mod appconfig;
pub mod env;
pub mod jsconfig;
pub mod kubernetes;
pub mod launch;
pub mod nginx;
pub mod nodeconfig;
pub mod pgbouncer;
pub mod rails;
pub mod redis;
pub mod spring;
