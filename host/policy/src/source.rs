//! Policy documents as parsed: the TOML values plus where each key was
//! written, so validation errors on a merged policy point at the file and
//! line that set the offending key.

use std::collections::BTreeMap;
use std::sync::Arc;

use toml::de::{DeTable, DeValue};
use toml::{Spanned, Table, Value};

use crate::error::PolicyError;

/// Keys that may be written at the top level of a policy document as
/// shorthands for `[policy]` keys (the host hands the `[policy]` section of a
/// `perfwarden.toml` over with its header stripped).
const IDENTITY_KEYS: [&str; 4] = ["extends", "name", "version", "description"];

/// Where each key path of one document was written.
#[derive(Debug)]
pub(crate) struct SpanMap {
    pub(crate) origin: String,
    positions: BTreeMap<String, (u32, u32)>,
}

/// One parsed document.
pub(crate) struct Document {
    pub(crate) table: Table,
    pub(crate) spans: Arc<SpanMap>,
}

/// Parse `text` into values and key positions.
pub(crate) fn parse(text: &str, origin: &str) -> Result<Document, PolicyError> {
    let lines = LineIndex::new(text);
    let root = DeTable::parse(text).map_err(|err| {
        let (line, column) = err.span().map_or((1, 1), |span| lines.position(span.start));
        PolicyError::Syntax {
            origin: origin.to_owned(),
            line,
            column,
            message: err.message().trim().to_owned(),
        }
    })?;
    let mut walker = Walker {
        lines: &lines,
        positions: BTreeMap::new(),
    };
    let mut table = Table::new();
    for (key, value) in root.get_ref() {
        let name = key.get_ref().to_string();
        let path = if IDENTITY_KEYS.contains(&name.as_str()) && !value.get_ref().is_table() {
            format!("policy.{}", render_key(&name))
        } else {
            render_key(&name)
        };
        walker.record(&path, key.span().start);
        let converted = walker.value(&path, value);
        if path.starts_with("policy.") {
            let policy = table
                .entry("policy")
                .or_insert_with(|| Value::Table(Table::new()));
            if let Value::Table(policy) = policy {
                policy.insert(name, converted);
            }
        } else if name == "policy" {
            // `[policy]` may already hold shorthands moved there above.
            match (table.get_mut("policy"), converted) {
                (Some(Value::Table(existing)), Value::Table(more)) => existing.extend(more),
                (_, converted) => {
                    table.insert(name, converted);
                }
            }
        } else {
            table.insert(name, converted);
        }
    }
    Ok(Document {
        table,
        spans: Arc::new(SpanMap {
            origin: origin.to_owned(),
            positions: walker.positions,
        }),
    })
}

struct Walker<'a> {
    lines: &'a LineIndex,
    positions: BTreeMap<String, (u32, u32)>,
}

impl Walker<'_> {
    fn record(&mut self, path: &str, offset: usize) {
        // The first mention of a table (its header) is where it is defined.
        self.positions
            .entry(path.to_owned())
            .or_insert_with(|| self.lines.position(offset));
    }

    fn value(&mut self, path: &str, value: &Spanned<DeValue<'_>>) -> Value {
        match value.get_ref() {
            DeValue::String(s) => Value::String(s.to_string()),
            DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) => Value::Integer(n),
                // Out of i64 range: keep the digits so validation reports it.
                Err(_) => Value::String(i.as_str().to_owned()),
            },
            DeValue::Float(f) => match f.as_str().parse::<f64>() {
                Ok(n) => Value::Float(n),
                Err(_) => Value::String(f.as_str().to_owned()),
            },
            DeValue::Boolean(b) => Value::Boolean(*b),
            DeValue::Datetime(d) => Value::Datetime(*d),
            DeValue::Array(items) => Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(index, item)| {
                        let item_path = format!("{path}[{index}]");
                        self.record(&item_path, item.span().start);
                        self.value(&item_path, item)
                    })
                    .collect(),
            ),
            DeValue::Table(entries) => Value::Table(self.table(path, entries)),
        }
    }

    fn table(&mut self, path: &str, entries: &DeTable<'_>) -> Table {
        let mut table = Table::new();
        for (key, value) in entries {
            let name = key.get_ref().to_string();
            let child = format!("{path}.{}", render_key(&name));
            self.record(&child, key.span().start);
            let converted = self.value(&child, value);
            table.insert(name, converted);
        }
        table
    }
}

/// A key as written in a dotted path: bare when TOML allows it, else quoted.
pub(crate) fn render_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        key.to_owned()
    } else {
        format!("{key:?}")
    }
}

/// Deep-merge `over` into `base`: tables merge key by key, any other value
/// (arrays included) replaces the base's.
pub(crate) fn merge(base: &mut Table, over: Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(Value::Table(existing)), Value::Table(more)) => merge(existing, more),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// Finds the file and position that set a key of a merged policy.
#[derive(Debug, Clone, Default)]
pub(crate) struct Locator {
    /// Documents in merge order: later ones override earlier ones.
    pub(crate) layers: Vec<Arc<SpanMap>>,
}

impl Locator {
    /// The error for `path`: located at the last document that wrote the
    /// key, else at its closest parent table.
    pub(crate) fn error(&self, path: &str, message: impl Into<String>) -> PolicyError {
        let (origin, line, column) = self.locate(path);
        PolicyError::Invalid {
            origin,
            line,
            column,
            key: path.to_owned(),
            message: message.into(),
        }
    }

    /// Of `paths`, the one written by the latest document.
    pub(crate) fn latest<'p>(&self, paths: &'p [String]) -> Option<&'p String> {
        paths
            .iter()
            .filter_map(|path| {
                let layer = self
                    .layers
                    .iter()
                    .rposition(|layer| layer.positions.contains_key(path))?;
                Some((layer, path))
            })
            .max_by_key(|(layer, _)| *layer)
            .map(|(_, path)| path)
    }

    pub(crate) fn locate(&self, path: &str) -> (String, u32, u32) {
        let mut candidate = Some(path);
        while let Some(key) = candidate {
            for layer in self.layers.iter().rev() {
                if let Some(&(line, column)) = layer.positions.get(key) {
                    return (layer.origin.clone(), line, column);
                }
            }
            candidate = parent(key);
        }
        let origin = self
            .layers
            .last()
            .map_or_else(|| "<policy>".to_owned(), |layer| layer.origin.clone());
        (origin, 1, 1)
    }
}

/// `a.b[2]` -> `a.b`, `a.b` -> `a`, `a` -> none. Quoted keys may hold dots.
fn parent(path: &str) -> Option<&str> {
    let mut in_quotes = false;
    let mut cut = None;
    let bytes = path.as_bytes();
    for (index, &byte) in bytes.iter().enumerate() {
        match byte {
            b'"' if index == 0 || bytes[index - 1] != b'\\' => in_quotes = !in_quotes,
            b'.' | b'[' if !in_quotes => cut = Some(index),
            _ => {}
        }
    }
    cut.map(|index| &path[..index])
}

/// Byte offset -> 1-based line and column (in characters).
struct LineIndex {
    starts: Vec<usize>,
    text: String,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(index, _)| index + 1))
            .collect();
        Self {
            starts,
            text: text.to_owned(),
        }
    }

    fn position(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&start| start <= offset).max(1);
        let start = self.starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |prefix| prefix.chars().count());
        (to_u32(line), to_u32(column + 1))
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_recorded_per_key_path() {
        let text = "[policy]\nname = \"x\"\n\n[latency.\"p99.9\"]\nalert = \"1s\"\n";
        let doc = parse(text, "x.toml").expect("valid TOML");
        let locator = Locator {
            layers: vec![doc.spans],
        };
        assert_eq!(locator.locate("policy.name"), ("x.toml".into(), 2, 1));
        assert_eq!(
            locator.locate("latency.\"p99.9\".alert"),
            ("x.toml".into(), 5, 1)
        );
        // A missing key is located at its table.
        assert_eq!(
            locator.locate("latency.\"p99.9\".target"),
            ("x.toml".into(), 4, 10)
        );
    }

    #[test]
    fn top_level_identity_keys_move_into_policy() {
        let doc = parse("extends = \"default\"\nname = \"mine\"\n", "c.toml").expect("valid");
        let policy = doc.table.get("policy").and_then(Value::as_table);
        assert_eq!(
            policy
                .and_then(|p| p.get("extends"))
                .and_then(Value::as_str),
            Some("default")
        );
        assert_eq!(
            Locator {
                layers: vec![doc.spans]
            }
            .locate("policy.name"),
            ("c.toml".into(), 2, 1)
        );
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let Err(PolicyError::Syntax { line, origin, .. }) = parse("a = 1\nb = [\n", "bad.toml")
        else {
            panic!("expected a syntax error");
        };
        assert_eq!(origin, "bad.toml");
        assert!(line >= 2, "line {line}");
    }

    #[test]
    fn merge_is_deep_and_replaces_arrays() {
        let mut base: Table =
            toml::from_str("[a]\nx = 1\ny = [1, 2]\n[a.b]\nz = 1\n").expect("base");
        let over: Table = toml::from_str("[a]\ny = [3]\n[a.b]\nw = 2\n").expect("over");
        merge(&mut base, over);
        let expected: Table =
            toml::from_str("[a]\nx = 1\ny = [3]\n[a.b]\nz = 1\nw = 2\n").expect("expected");
        assert_eq!(base, expected);
    }

    #[test]
    fn parents_respect_quotes_and_indexes() {
        assert_eq!(parent("a.\"p99.9\".alert"), Some("a.\"p99.9\""));
        assert_eq!(parent("a.\"p99.9\""), Some("a"));
        assert_eq!(parent("c.design[2].refs"), Some("c.design[2]"));
        assert_eq!(parent("c.design[2]"), Some("c.design"));
        assert_eq!(parent("a"), None);
    }
}
