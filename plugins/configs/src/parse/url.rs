//! Connection URLs (`postgresql://u:p@host:5432/db?connection_limit=5`):
//! scheme and decoded query parameters.

/// A parsed connection URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnUrl {
    /// Lower-cased scheme (`postgresql`, `mysql`, `redis`, ...).
    pub scheme: String,
    /// Decoded query parameters in order.
    pub params: Vec<(String, String)>,
}

impl ConnUrl {
    /// The last value of a query parameter.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Parse a URL with a scheme; `None` when it is not one.
pub fn parse(text: &str) -> Option<ConnUrl> {
    let (scheme, rest) = text.trim().split_once("://")?;
    if scheme.is_empty()
        || !scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-')
    {
        return None;
    }
    let rest = rest.split_once('#').map_or(rest, |(r, _)| r);
    let params = rest
        .split_once('?')
        .map(|(_, query)| {
            query
                .split('&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    (decode(k), decode(v))
                })
                .collect()
        })
        .unwrap_or_default();
    Some(ConnUrl {
        scheme: scheme.to_ascii_lowercase(),
        params,
    })
}

/// Percent-decoding, `+` as space (form encoding, as libpq accepts).
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(byte) => {
                        out.push(byte);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_scheme_and_params() {
        let url = parse("postgresql://app:s%40cret@db:5432/shop?schema=public&connection_limit=30&options=-c%20statement_timeout%3D5000").unwrap();
        assert_eq!(url.scheme, "postgresql");
        assert_eq!(url.param("connection_limit"), Some("30"));
        assert_eq!(url.param("options"), Some("-c statement_timeout=5000"));
        assert_eq!(url.param("pool_timeout"), None);
        assert!(parse("not a url").is_none());
        assert_eq!(parse("redis://cache:6379/0").unwrap().params, vec![]);
        assert_eq!(
            parse("x://h/?a=%zz&b=%4").unwrap().params,
            vec![("a".into(), "%zz".into()), ("b".into(), "%4".into())]
        );
    }
}
