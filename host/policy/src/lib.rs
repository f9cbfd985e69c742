//! The performance policy: what perfwarden judges findings and metrics against.

pub mod model;
