//! YAML documents as a small tree with line numbers, built from
//! `yaml-rust2`'s event parser (pure Rust, builds for wasm32-wasip2).
//! Aliases are resolved and `<<` merge keys applied, as Rails and Spring
//! configs rely on them.

use std::collections::HashMap;

use yaml_rust2::Event;
use yaml_rust2::parser::{MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A YAML value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar as written (`~`/`null` included), with whether it was plain.
    Scalar {
        /// Text.
        text: String,
        /// Unquoted: `10` is a number, `"10"` a string.
        plain: bool,
        /// A `|` block: its lines are the file's lines from the node's line on.
        literal: bool,
    },
    /// A mapping, keys in order.
    Map(Vec<(String, Node)>),
    /// A sequence.
    Seq(Vec<Node>),
}

/// A value with its 1-based line.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// 1-based line where it starts (a block scalar: its first content line).
    pub line: u32,
    /// Index of the file it comes from when several files' trees are
    /// merged (node-config); 0 otherwise.
    pub file: usize,
}

impl Node {
    /// Child of a mapping by key.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Entries of a mapping (empty otherwise).
    pub fn entries(&self) -> &[(String, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    /// Scalar text, if a scalar that is not null.
    pub fn scalar(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, plain, .. } => {
                let null = *plain && matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL");
                (!null).then_some(text.as_str())
            }
            _ => None,
        }
    }

    /// Follow a dotted path of mapping keys.
    pub fn path(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |node, key| node.get(key))
    }
}

/// A YAML syntax error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// Parser message.
    pub message: String,
    /// 1-based line.
    pub line: u32,
}

/// Nodes aliases may copy in one stream: a "billion laughs" document
/// (aliases of aliases) would otherwise exhaust the sandbox's memory.
const ALIAS_BUDGET: usize = 100_000;

struct Builder {
    docs: Vec<Node>,
    /// Open collections: the node, its anchor id, and a pending map key.
    stack: Vec<(Node, usize, Option<String>)>,
    /// Anchored nodes with their node counts.
    anchors: HashMap<usize, (Node, usize)>,
    /// Nodes aliases may still copy.
    budget: usize,
    /// Line of the alias that exceeded the budget.
    exhausted_at: Option<u32>,
}

fn count(node: &Node) -> usize {
    1 + match &node.value {
        Value::Scalar { .. } => 0,
        Value::Map(entries) => entries.iter().map(|(_, v)| count(v)).sum(),
        Value::Seq(items) => items.iter().map(count).sum(),
    }
}

impl Builder {
    fn push_value(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            let size = count(&node);
            self.anchors.insert(anchor, (node.clone(), size));
        }
        let Some((parent, _, key)) = self.stack.last_mut() else {
            self.docs.push(node);
            return;
        };
        match &mut parent.value {
            Value::Seq(items) => items.push(node),
            Value::Map(entries) => match key.take() {
                None => {
                    // A key: complex keys are flattened to their text.
                    *key = Some(match node.value {
                        Value::Scalar { text, .. } => text,
                        _ => String::new(),
                    });
                }
                Some(k) => entries.push((k, node)),
            },
            Value::Scalar { .. } => {}
        }
    }
}

/// Entries of `merged` that the mapping does not set itself.
fn apply_merges(entries: Vec<(String, Node)>) -> Vec<(String, Node)> {
    if !entries.iter().any(|(k, _)| k == "<<") {
        return entries;
    }
    let mut own: Vec<(String, Node)> = Vec::with_capacity(entries.len());
    let mut merged: Vec<(String, Node)> = Vec::new();
    for (key, node) in entries {
        if key != "<<" {
            own.push((key, node));
            continue;
        }
        let sources = match node.value {
            Value::Seq(items) => items,
            other => vec![Node {
                value: other,
                line: node.line,
                file: node.file,
            }],
        };
        for source in sources {
            if let Value::Map(source_entries) = source.value {
                for (k, v) in source_entries {
                    if !merged.iter().any(|(m, _)| *m == k) {
                        merged.push((k, v));
                    }
                }
            }
        }
    }
    for (k, v) in merged {
        if !own.iter().any(|(o, _)| *o == k) {
            own.push((k, v));
        }
    }
    own
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let line = mark.line() as u32;
        match event {
            Event::Scalar(text, style, anchor, _) => {
                let plain = style == TScalarStyle::Plain;
                let literal = style == TScalarStyle::Literal;
                self.push_value(
                    Node {
                        value: Value::Scalar {
                            text,
                            plain,
                            literal,
                        },
                        line,
                        file: 0,
                    },
                    anchor,
                );
            }
            Event::Alias(id) => {
                let empty = Node {
                    value: Value::Scalar {
                        text: String::new(),
                        plain: true,
                        literal: false,
                    },
                    line,
                    file: 0,
                };
                let node = match self.anchors.get(&id) {
                    Some((node, size)) if *size <= self.budget => {
                        self.budget -= size;
                        node.clone()
                    }
                    Some(_) => {
                        self.exhausted_at.get_or_insert(line);
                        empty
                    }
                    None => empty,
                };
                self.push_value(node, 0);
            }
            Event::SequenceStart(anchor, _) => self.stack.push((
                Node {
                    value: Value::Seq(Vec::new()),
                    line,
                    file: 0,
                },
                anchor,
                None,
            )),
            Event::MappingStart(anchor, _) => self.stack.push((
                Node {
                    value: Value::Map(Vec::new()),
                    line,
                    file: 0,
                },
                anchor,
                None,
            )),
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((mut node, anchor, _)) = self.stack.pop() {
                    if let Value::Map(entries) = node.value {
                        node.value = Value::Map(apply_merges(entries));
                    }
                    self.push_value(node, anchor);
                }
            }
            _ => {}
        }
    }
}

/// Parse every document of a YAML stream.
pub fn parse(text: &str) -> Result<Vec<Node>, YamlError> {
    let mut builder = Builder {
        docs: Vec::new(),
        stack: Vec::new(),
        anchors: HashMap::new(),
        budget: ALIAS_BUDGET,
        exhausted_at: None,
    };
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut builder, true).map_err(|err| YamlError {
        message: err.info().to_owned(),
        line: err.marker().line() as u32,
    })?;
    match builder.exhausted_at {
        Some(line) => Err(YamlError {
            message: format!("aliases expand to more than {ALIAS_BUDGET} nodes"),
            line,
        }),
        None => Ok(builder.docs),
    }
}

/// Flatten a mapping into `(dotted.key, leaf)` pairs (sequences indexed as
/// `key[0]`), the shape of Spring's `.properties`.
pub fn flatten(node: &Node) -> Vec<(String, &Node)> {
    let mut out = Vec::new();
    flatten_into(node, String::new(), &mut out);
    out
}

fn flatten_into<'a>(node: &'a Node, prefix: String, out: &mut Vec<(String, &'a Node)>) {
    match &node.value {
        Value::Map(entries) => {
            for (key, child) in entries {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten_into(child, path, out);
            }
        }
        Value::Seq(items) => {
            for (i, child) in items.iter().enumerate() {
                flatten_into(child, format!("{prefix}[{i}]"), out);
            }
        }
        Value::Scalar { .. } => out.push((prefix, node)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_anchors_and_keeps_lines() {
        let docs =
            parse("default: &d\n  pool: 5\n  timeout: 1\nproduction:\n  <<: *d\n  pool: 20\n")
                .unwrap();
        let prod = docs[0].get("production").unwrap();
        assert_eq!(prod.get("pool").unwrap().scalar(), Some("20"));
        assert_eq!(prod.get("pool").unwrap().line, 6);
        assert_eq!(prod.get("timeout").unwrap().scalar(), Some("1"));
        assert_eq!(prod.get("timeout").unwrap().line, 3);
    }

    #[test]
    fn literal_blocks_start_at_their_first_line() {
        let docs = parse(
            "data:\n  redis.conf: |\n    maxmemory 1mb\n\n    timeout 3\n  quoted: \"a\\nb\"\n",
        )
        .unwrap();
        let data = docs[0].get("data").unwrap();
        let block = data.get("redis.conf").unwrap();
        assert_eq!(block.line, 3);
        assert!(
            matches!(&block.value, Value::Scalar { literal: true, text, .. } if text == "maxmemory 1mb\n\ntimeout 3\n")
        );
        let quoted = data.get("quoted").unwrap();
        assert!(matches!(quoted.value, Value::Scalar { literal: false, .. }));
    }

    #[test]
    fn flattens_and_reports_errors() {
        let docs = parse("a:\n  b: [1, 2]\n  c: ~\n---\nx: 1\n").unwrap();
        assert_eq!(docs.len(), 2);
        let flat: Vec<String> = flatten(&docs[0]).into_iter().map(|(k, _)| k).collect();
        assert_eq!(flat, ["a.b[0]", "a.b[1]", "a.c"]);
        assert_eq!(docs[0].path(&["a", "c"]).unwrap().scalar(), None);
        let err = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.line >= 1, "{err:?}");
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = i - 1;
            bomb.push_str(&format!("a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"));
        }
        let err = parse(&bomb).unwrap_err();
        assert!(err.message.contains("aliases expand"), "{err:?}");
        assert_eq!(err.line, 5);
    }
}
