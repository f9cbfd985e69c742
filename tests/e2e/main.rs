//! End-to-end tests: the real `perfwarden` binary, real `.wasm` components
//! (built-ins, hostile plugins, the third-party example), real files.

mod baseline;
mod cli;
mod render;
mod sandbox;
mod support;
mod third_party;
