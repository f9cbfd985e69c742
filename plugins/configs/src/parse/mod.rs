//! Parsers, one per configuration grammar. Each returns positions (lines
//! or byte offsets) so findings point at the value.

pub mod dockerfile;
pub mod js;
pub mod keyvalue;
pub mod nginx;
pub mod redis;
pub mod shell;
pub mod url;
pub mod yaml;
