//! Rules: stable ids with their documentation, declared next to their logic.

/// A rule an analyzer can report. Declare it with [`declare_rule!`] so its
/// docs come from the doc comment above it.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Rule {
    /// Stable id, e.g. `SQL001`. Never reused for another rule.
    pub id: &'static str,
    /// Kebab-case name of the anti-pattern, e.g. `select-star`.
    pub name: &'static str,
    /// One-line summary.
    pub summary: &'static str,
    /// The policy entry that judges this rule, e.g. `anti_patterns.select_star`.
    pub policy_ref: &'static str,
    /// Raw doc comment lines joined by `\n` (use [`Rule::docs`]).
    pub raw_docs: &'static str,
}

/// Sections every rule's docs must have, in this order.
pub const REQUIRED_DOC_SECTIONS: [&str; 4] = [
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "## Use instead",
];

impl Rule {
    /// Markdown docs, with the one-space indent of `///` comments removed.
    pub fn docs(&self) -> String {
        let mut docs = String::with_capacity(self.raw_docs.len());
        for line in self.raw_docs.lines() {
            docs.push_str(line.strip_prefix(' ').unwrap_or(line));
            docs.push('\n');
        }
        docs.trim_end().to_owned()
    }

    /// Which required doc sections are missing or out of order.
    pub fn missing_doc_sections(&self) -> Vec<&'static str> {
        let docs = self.docs();
        let mut from = 0;
        let mut missing = Vec::new();
        for section in REQUIRED_DOC_SECTIONS {
            match docs[from..].find(section) {
                Some(at) => from += at + section.len(),
                None => missing.push(section),
            }
        }
        missing
    }
}

/// Declare a [`Rule`] whose docs are the doc comment above it.
///
/// The docs must have the sections `## What it does`, `## Why is this bad?`
/// (state the cost: latency, memory, queries), `## Example` and
/// `## Use instead`; the testing harness rejects a rule without them.
///
/// ```
/// perfwarden_sdk::declare_rule! {
///     /// ## What it does
///     /// Flags `ORDER BY RANDOM()`.
///     ///
///     /// ## Why is this bad?
///     /// The database sorts the whole table to return a few rows.
///     ///
///     /// ## Example
///     /// `SELECT id FROM posts ORDER BY RANDOM() LIMIT 1`
///     ///
///     /// ## Use instead
///     /// Pick a random key in the application and seek to it.
///     pub static ORDER_BY_RANDOM = {
///         id: "SQL006",
///         name: "order-by-random",
///         summary: "ORDER BY RANDOM() sorts the whole table",
///         policy: "queries.index_required",
///     }
/// }
/// assert_eq!(ORDER_BY_RANDOM.id, "SQL006");
/// assert!(ORDER_BY_RANDOM.missing_doc_sections().is_empty());
/// ```
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        $vis:vis static $ident:ident = {
            id: $id:literal,
            name: $name:literal,
            summary: $summary:literal,
            policy: $policy:literal $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        $vis static $ident: $crate::Rule = $crate::Rule {
            id: $id,
            name: $name,
            summary: $summary,
            policy_ref: $policy,
            raw_docs: concat!($($doc, "\n"),*),
        };
    };
}

#[cfg(test)]
mod tests {
    declare_rule! {
        /// ## What it does
        /// A.
        ///
        /// ## Example
        /// B.
        static PARTIAL = {
            id: "T001",
            name: "partial",
            summary: "partial docs",
            policy: "x.y",
        }
    }

    #[test]
    fn docs_strip_comment_indent() {
        assert_eq!(PARTIAL.docs(), "## What it does\nA.\n\n## Example\nB.");
    }

    #[test]
    fn missing_sections_are_named() {
        assert_eq!(
            PARTIAL.missing_doc_sections(),
            vec!["## Why is this bad?", "## Use instead"]
        );
    }
}
