//! Endpoint classes (read, write, standard, heavy, batch, login...) from a
//! metric's method and path, and the small glob matcher the policy uses.

/// One `[endpoint_classes.<name>]` table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ClassRule {
    pub(crate) name: String,
    pub(crate) priority: i64,
    pub(crate) patterns: Vec<EndpointPattern>,
}

/// `"METHOD|METHOD GLOB"` or `"GLOB"` (any method).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EndpointPattern {
    /// Upper-case methods; empty means any.
    methods: Vec<String>,
    path: String,
}

impl EndpointPattern {
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("empty endpoint pattern".to_owned());
        }
        let (methods, path) = match text.split_once(char::is_whitespace) {
            Some((methods, path)) => (methods, path.trim()),
            None => ("*", text),
        };
        let methods = if methods == "*" {
            Vec::new()
        } else {
            let list: Vec<String> = methods.split('|').map(str::to_ascii_uppercase).collect();
            if list
                .iter()
                .any(|m| m.is_empty() || !m.chars().all(|c| c.is_ascii_alphabetic()))
            {
                return Err(format!(
                    "`{text}`: expected \"METHOD GLOB\" or \"GLOB\", e.g. \"POST */login*\""
                ));
            }
            list
        };
        Ok(Self {
            methods,
            path: path.to_ascii_lowercase(),
        })
    }

    fn matches(&self, method: Option<&str>, path: &str) -> bool {
        let method_ok = self.methods.is_empty()
            || method.is_some_and(|m| self.methods.iter().any(|own| own.eq_ignore_ascii_case(m)));
        method_ok && glob_match(&self.path, &path.to_ascii_lowercase())
    }
}

/// The class of an endpoint: the first class (by priority, then name) with a
/// matching pattern, else `default`.
pub(crate) fn classify<'a>(
    rules: &'a [ClassRule],
    default: &'a str,
    method: Option<&str>,
    endpoint: Option<&str>,
) -> &'a str {
    let (label_method, path) = split_endpoint(endpoint.unwrap_or(""));
    let method = method.or(label_method);
    rules
        .iter()
        .find(|rule| rule.patterns.iter().any(|p| p.matches(method, path)))
        .map_or(default, |rule| rule.name.as_str())
}

/// `"GET /api/x?y=1"` -> (`GET`, `/api/x`); `"https://h/api/x"` -> (none,
/// `/api/x`); a bare name stays the path.
fn split_endpoint(endpoint: &str) -> (Option<&str>, &str) {
    let endpoint = endpoint.trim();
    let (method, rest) = match endpoint.split_once(char::is_whitespace) {
        Some((first, rest))
            if !first.is_empty() && first.chars().all(|c| c.is_ascii_alphabetic()) =>
        {
            (Some(first), rest.trim())
        }
        _ => (None, endpoint),
    };
    let rest = match rest.find("://") {
        Some(scheme) => {
            let after = &rest[scheme + 3..];
            after.find('/').map_or("/", |slash| &after[slash..])
        }
        None => rest,
    };
    let path = rest.split(['?', '#']).next().unwrap_or(rest);
    (method, path)
}

/// `*` matches any run of characters (slashes and dots included), `?` one
/// character; everything else matches itself.
pub(crate) fn glob_match(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    // Position after the last `*` and the text position it was tried at.
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            backtrack = Some((p + 1, t));
            p += 1;
        } else if let Some((star, tried)) = backtrack {
            p = star;
            t = tried + 1;
            backtrack = Some((star, tried + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Vec<ClassRule> {
        let rule = |name: &str, priority, patterns: &[&str]| ClassRule {
            name: name.to_owned(),
            priority,
            patterns: patterns
                .iter()
                .map(|p| EndpointPattern::parse(p).expect("pattern"))
                .collect(),
        };
        vec![
            rule("login", 10, &["POST */login*", "*/auth/*"]),
            rule("batch", 30, &["*/import*", "*/batch*"]),
            rule("heavy", 40, &["*/report*", "*/export*"]),
            rule("read", 50, &["GET|HEAD *"]),
            rule("write", 60, &["POST|PUT|PATCH|DELETE *"]),
        ]
    }

    #[test]
    fn classes_from_method_and_path() {
        let rules = rules();
        let class = |method, endpoint| classify(&rules, "standard", method, endpoint);
        assert_eq!(class(None, Some("GET /api/products")), "read");
        assert_eq!(class(None, Some("POST /api/orders")), "write");
        assert_eq!(class(None, Some("POST /api/login")), "login");
        assert_eq!(class(None, Some("GET /api/auth/refresh")), "login");
        // Login is POST only: a GET of the login page is a read.
        assert_eq!(class(None, Some("GET /login")), "read");
        assert_eq!(class(None, Some("POST /api/import/users")), "batch");
        assert_eq!(
            class(None, Some("GET /api/reports/monthly?y=2024")),
            "heavy"
        );
        assert_eq!(class(Some("delete"), Some("/api/items/1")), "write");
        assert_eq!(class(None, Some("https://shop.test/API/Export")), "heavy");
        // Nothing says what it is: the default.
        assert_eq!(class(None, Some("checkout")), "standard");
        assert_eq!(class(None, None), "standard");
    }

    #[test]
    fn bad_patterns_are_refused() {
        assert!(EndpointPattern::parse("").is_err());
        assert!(EndpointPattern::parse("G3T /x").is_err());
        assert!(EndpointPattern::parse("*/auth/*").is_ok());
    }

    #[test]
    fn globs() {
        assert!(glob_match("*/login*", "/api/v1/login/callback"));
        assert!(glob_match("queries.*", "queries.n_plus_one"));
        assert!(glob_match("a?c", "abc"));
        assert!(!glob_match("a?c", "ac"));
        assert!(!glob_match("*/auth/*", "/author"));
        assert!(glob_match("*", ""));
        assert!(glob_match("*a*b", "xxaxxb"));
        assert!(!glob_match("*a*b", "xxaxx"));
    }
}
