//! The API version a component was built against, read before instantiating.

use wasmparser::{Encoding, Parser, Payload};

use super::PluginFailure;
use crate::model::PluginStatus;

/// The WIT API version this host implements.
pub const HOST_API_VERSION: &str = "1.0.0";

/// Custom section the SDK writes the API version into.
const SECTION: &str = "perfwarden:api-version";

/// The version in the component's `perfwarden:api-version` section (also
/// found inside nested core modules), or why it cannot be read.
pub fn api_version(wasm: &[u8]) -> Result<Option<String>, PluginFailure> {
    let invalid = |message: String| PluginFailure {
        status: PluginStatus::Invalid,
        message,
    };
    let mut version = None;
    for (index, payload) in Parser::new(0).parse_all(wasm).enumerate() {
        let payload =
            payload.map_err(|err| invalid(format!("not a valid WebAssembly component: {err}")))?;
        match payload {
            Payload::Version {
                encoding: Encoding::Module,
                ..
            } if index == 0 => {
                return Err(invalid(
                    "a core WebAssembly module, not a component: build the plugin for wasm32-wasip2".into(),
                ));
            }
            Payload::CustomSection(section) if section.name() == SECTION && version.is_none() => {
                let text = std::str::from_utf8(section.data())
                    .map_err(|_| invalid(format!("`{SECTION}` section is not UTF-8")))?;
                version = Some(text.trim().to_owned());
            }
            _ => {}
        }
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
    fn missing_section_is_incompatible() {
        let bare = wat::parse_str("(component)").unwrap();
        assert_eq!(check(&bare).unwrap_err().status, PluginStatus::Incompatible);
    }
}
