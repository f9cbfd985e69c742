//! Template markers in configuration values (ERB, Jinja, FreeMarker,
//! Spring/shell placeholders): such a value is only known at deploy time,
//! so it is reported as templated, never guessed.

/// The templating language a value uses, if any.
pub fn template_kind(value: &str) -> Option<&'static str> {
    if value.contains("<%") {
        Some("ERB")
    } else if value.contains("{{") || value.contains("{%") {
        Some("Jinja")
    } else if value.contains("${") {
        Some("placeholder")
    } else if value.contains("#{") {
        Some("interpolation")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::template_kind;

    #[test]
    fn recognises_template_languages() {
        assert_eq!(template_kind("<%= ENV['DB_POOL'] || 5 %>"), Some("ERB"));
        assert_eq!(template_kind("{{ nginx_cache_duration }}"), Some("Jinja"));
        assert_eq!(template_kind("${jdbcUrl}"), Some("placeholder"));
        assert_eq!(template_kind("10"), None);
    }
}
