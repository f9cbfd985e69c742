//! The API version a component was built against, read before instantiating.

use wasmparser::{Chunk, Encoding, Parser, Payload};

use super::PluginFailure;
use crate::model::PluginStatus;

/// The WIT API version this host implements.
pub const HOST_API_VERSION: &str = "1.0.0";

/// Custom section the SDK writes the API version into.
const SECTION: &str = "perfwarden:api-version";

/// The version in the component's `perfwarden:api-version` section (also
/// found inside nested core modules), or why it cannot be read.
///
/// Code sections are skipped, not walked function by function: they are
/// most of a component's bytes, and a run reads the version of every
/// plugin it loads before it starts.
pub fn api_version(wasm: &[u8]) -> Result<Option<String>, PluginFailure> {
    let invalid = |message: String| PluginFailure {
        status: PluginStatus::Invalid,
        message,
    };
    let mut version = None;
    let mut parser = Parser::new(0);
    // The parsers of the components and modules that enclose `parser`.
    let mut enclosing = Vec::new();
    let mut rest = wasm;
    let mut first = true;
    loop {
        let (consumed, payload) = match parser.parse(rest, true) {
            Ok(Chunk::Parsed { consumed, payload }) => (consumed, payload),
            // Unreachable with `eof`: the input is whole.
            Ok(Chunk::NeedMoreData(_)) => {
                return Err(invalid(
                    "not a valid WebAssembly component: truncated".into(),
                ));
            }
            Err(err) => {
                return Err(invalid(format!("not a valid WebAssembly component: {err}")));
            }
        };
        rest = &rest[consumed..];
        match payload {
            Payload::Version {
                encoding: Encoding::Module,
                ..
            } if first => {
                return Err(invalid(
                    "a core WebAssembly module, not a component: build the plugin for wasm32-wasip2".into(),
                ));
            }
            Payload::CustomSection(section) if section.name() == SECTION && version.is_none() => {
                let text = std::str::from_utf8(section.data())
                    .map_err(|_| invalid(format!("`{SECTION}` section is not UTF-8")))?;
                version = Some(text.trim().to_owned());
            }
            Payload::CodeSectionStart { size, .. } => {
                parser.skip_section();
                rest = rest.get(size as usize..).ok_or_else(|| {
                    invalid("not a valid WebAssembly component: code section out of bounds".into())
                })?;
            }
            Payload::ModuleSection { parser: nested, .. }
            | Payload::ComponentSection { parser: nested, .. } => {
                enclosing.push(std::mem::replace(&mut parser, nested));
            }
            Payload::End(_) => match enclosing.pop() {
                Some(outer) => parser = outer,
                None => break,
            },
            _ => {}
        }
        first = false;
    }
    Ok(version)
}

/// Refuse a component built for another major API version.
pub fn check(wasm: &[u8]) -> Result<String, PluginFailure> {
    let Some(version) = api_version(wasm)? else {
        return Err(PluginFailure {
            status: PluginStatus::Incompatible,
            message: format!(
                "no `{SECTION}` section: not built with perfwarden-sdk (host API {HOST_API_VERSION})"
            ),
        });
    };
    if major(&version) != major(HOST_API_VERSION) {
        return Err(PluginFailure {
            status: PluginStatus::Incompatible,
            message: format!(
                "built for API {version}, this host implements API {HOST_API_VERSION}"
            ),
        });
    }
    Ok(version)
}

fn major(version: &str) -> &str {
    version.split('.').next().unwrap_or(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn component_with_section(version: &str) -> Vec<u8> {
        wat::parse_str(format!(r#"(component (@custom "{SECTION}" "{version}"))"#))
            .expect("valid wat")
    }

    #[test]
    fn reads_version_section() {
        assert_eq!(check(&component_with_section("1.2.0")).unwrap(), "1.2.0");
    }

    #[test]
    fn refuses_other_major_naming_both_versions() {
        let err = check(&component_with_section("2.0.0")).unwrap_err();
        assert_eq!(err.status, PluginStatus::Incompatible);
        assert!(
            err.message.contains("2.0.0") && err.message.contains(HOST_API_VERSION),
            "{}",
            err.message
        );
    }

    #[test]
    fn refuses_core_modules_and_garbage() {
        let module = wat::parse_str("(module)").unwrap();
        assert_eq!(check(&module).unwrap_err().status, PluginStatus::Invalid);
        assert_eq!(
            check(b"\0asm garbage").unwrap_err().status,
            PluginStatus::Invalid
        );
        assert_eq!(check(b"").unwrap_err().status, PluginStatus::Invalid);
    }

    #[test]
    fn finds_the_section_after_the_code_of_a_nested_module() {
        let component = wat::parse_str(format!(
            r#"(component
                (core module
                    (func (result i32) i32.const 1)
                    (func (result i32) i32.const 2)
                    (@custom "{SECTION}" (after code) "1.4.0"))
                (core module (func)))"#
        ))
        .expect("valid wat");
        assert_eq!(check(&component).unwrap(), "1.4.0");
    }

    #[test]
    fn built_in_components_carry_the_host_version() {
        for builtin in crate::registry::builtin_components() {
            assert_eq!(
                check(builtin.wasm).as_deref(),
                Ok(HOST_API_VERSION),
                "{}",
                builtin.name
            );
        }
    }

    #[test]
    fn missing_section_is_incompatible() {
        let bare = wat::parse_str("(component)").unwrap();
        assert_eq!(check(&bare).unwrap_err().status, PluginStatus::Incompatible);
    }
}
