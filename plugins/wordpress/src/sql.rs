//! SQL sent through `$wpdb`, checked with the shared SQL rules
//! (`perfwarden-sql-rules`) against WordPress's core schema plus the tables
//! the project creates with `dbDelta()`.
//!
//! The SQL is rebuilt from the PHP source: string literals, interpolated
//! `{$wpdb->prefix}` / `$wpdb->posts` table names, and `prepare()`
//! placeholders replaced by sample values. Other interpolated expressions
//! become `0`; text that then does not parse is skipped silently, since it
//! is not SQL the user wrote.

use mago_syntax::ast::{
    Access, BinaryOperator, ClassLikeMemberSelector, CompositeString, Expression, StringPart,
};
use perfwarden_sdk::{Finding, Span};
use perfwarden_sql_rules::{Dialect, Schema, check_query};

use crate::eval;
use crate::model::Model;

/// WordPress core tables and their indexes (`wp-admin/includes/schema.php`,
/// prefix lengths dropped), with the default `wp_` prefix.
const CORE_SCHEMA: &str = "
CREATE TABLE wp_posts (ID bigint unsigned NOT NULL AUTO_INCREMENT, post_author bigint unsigned NOT NULL, post_date datetime NOT NULL, post_date_gmt datetime NOT NULL, post_content longtext NOT NULL, post_title text NOT NULL, post_excerpt text NOT NULL, post_status varchar(20) NOT NULL, comment_status varchar(20) NOT NULL, ping_status varchar(20) NOT NULL, post_password varchar(255) NOT NULL, post_name varchar(200) NOT NULL, to_ping text NOT NULL, pinged text NOT NULL, post_modified datetime NOT NULL, post_modified_gmt datetime NOT NULL, post_content_filtered longtext NOT NULL, post_parent bigint unsigned NOT NULL, guid varchar(255) NOT NULL, menu_order int NOT NULL, post_type varchar(20) NOT NULL, post_mime_type varchar(100) NOT NULL, comment_count bigint NOT NULL, PRIMARY KEY (ID), KEY post_name (post_name), KEY type_status_date (post_type, post_status, post_date, ID), KEY post_parent (post_parent), KEY post_author (post_author));
CREATE TABLE wp_postmeta (meta_id bigint unsigned NOT NULL AUTO_INCREMENT, post_id bigint unsigned NOT NULL, meta_key varchar(255), meta_value longtext, PRIMARY KEY (meta_id), KEY post_id (post_id), KEY meta_key (meta_key));
CREATE TABLE wp_options (option_id bigint unsigned NOT NULL AUTO_INCREMENT, option_name varchar(191) NOT NULL, option_value longtext NOT NULL, autoload varchar(20) NOT NULL, PRIMARY KEY (option_id), UNIQUE KEY option_name (option_name), KEY autoload (autoload));
CREATE TABLE wp_users (ID bigint unsigned NOT NULL AUTO_INCREMENT, user_login varchar(60) NOT NULL, user_pass varchar(255) NOT NULL, user_nicename varchar(50) NOT NULL, user_email varchar(100) NOT NULL, user_url varchar(100) NOT NULL, user_registered datetime NOT NULL, user_activation_key varchar(255) NOT NULL, user_status int NOT NULL, display_name varchar(250) NOT NULL, PRIMARY KEY (ID), KEY user_login_key (user_login), KEY user_nicename (user_nicename), KEY user_email (user_email));
CREATE TABLE wp_usermeta (umeta_id bigint unsigned NOT NULL AUTO_INCREMENT, user_id bigint unsigned NOT NULL, meta_key varchar(255), meta_value longtext, PRIMARY KEY (umeta_id), KEY user_id (user_id), KEY meta_key (meta_key));
CREATE TABLE wp_terms (term_id bigint unsigned NOT NULL AUTO_INCREMENT, name varchar(200) NOT NULL, slug varchar(200) NOT NULL, term_group bigint NOT NULL, PRIMARY KEY (term_id), KEY slug (slug), KEY name (name));
CREATE TABLE wp_term_taxonomy (term_taxonomy_id bigint unsigned NOT NULL AUTO_INCREMENT, term_id bigint unsigned NOT NULL, taxonomy varchar(32) NOT NULL, description longtext NOT NULL, parent bigint unsigned NOT NULL, count bigint NOT NULL, PRIMARY KEY (term_taxonomy_id), UNIQUE KEY term_id_taxonomy (term_id, taxonomy), KEY taxonomy (taxonomy));
CREATE TABLE wp_term_relationships (object_id bigint unsigned NOT NULL, term_taxonomy_id bigint unsigned NOT NULL, term_order int NOT NULL, PRIMARY KEY (object_id, term_taxonomy_id), KEY term_taxonomy_id (term_taxonomy_id));
CREATE TABLE wp_termmeta (meta_id bigint unsigned NOT NULL AUTO_INCREMENT, term_id bigint unsigned NOT NULL, meta_key varchar(255), meta_value longtext, PRIMARY KEY (meta_id), KEY term_id (term_id), KEY meta_key (meta_key));
CREATE TABLE wp_comments (comment_ID bigint unsigned NOT NULL AUTO_INCREMENT, comment_post_ID bigint unsigned NOT NULL, comment_author tinytext NOT NULL, comment_author_email varchar(100) NOT NULL, comment_author_url varchar(200) NOT NULL, comment_author_IP varchar(100) NOT NULL, comment_date datetime NOT NULL, comment_date_gmt datetime NOT NULL, comment_content text NOT NULL, comment_karma int NOT NULL, comment_approved varchar(20) NOT NULL, comment_agent varchar(255) NOT NULL, comment_type varchar(20) NOT NULL, comment_parent bigint unsigned NOT NULL, user_id bigint unsigned NOT NULL, PRIMARY KEY (comment_ID), KEY comment_post_ID (comment_post_ID), KEY comment_approved_date_gmt (comment_approved, comment_date_gmt), KEY comment_date_gmt (comment_date_gmt), KEY comment_parent (comment_parent), KEY comment_author_email (comment_author_email));
CREATE TABLE wp_commentmeta (meta_id bigint unsigned NOT NULL AUTO_INCREMENT, comment_id bigint unsigned NOT NULL, meta_key varchar(255), meta_value longtext, PRIMARY KEY (meta_id), KEY comment_id (comment_id), KEY meta_key (meta_key));
";

/// `$wpdb` properties naming core tables.
const CORE_TABLES: &[&str] = &[
    "posts",
    "postmeta",
    "options",
    "users",
    "usermeta",
    "terms",
    "term_taxonomy",
    "term_relationships",
    "termmeta",
    "comments",
    "commentmeta",
    "links",
];

/// SQL of one `$wpdb` call, kept until every file is read.
#[derive(Debug)]
pub struct SqlSite {
    pub sql: String,
    pub span: Span,
    pub evidence: String,
}

/// SQL found in one file.
#[derive(Debug, Default)]
pub struct FileSql {
    pub sites: Vec<SqlSite>,
    /// `CREATE TABLE` text passed to `dbDelta()`.
    pub ddl: Vec<String>,
}

/// Collect the SQL of `$wpdb` calls and `dbDelta()` in a file.
pub fn collect(m: &Model<'_>) -> FileSql {
    let mut out = FileSql::default();
    for call in &m.calls {
        let prepared = call.wpdb_method(&["prepare"]).is_some();
        let queried = call
            .wpdb_method(&["get_results", "get_row", "get_var", "get_col", "query"])
            .is_some();
        let ddl = call.function() == Some("dbdelta");
        if !(prepared || queried || ddl) {
            continue;
        }
        let Some(arg) = call.arg(0, "query") else {
            continue;
        };
        let resolved = m.resolve(arg, call.scope, call.range.start);
        // `get_results( $wpdb->prepare( ... ) )`: the prepare() call reports.
        if queried
            && m.call_at(resolved)
                .is_some_and(|c| c.wpdb_method(&["prepare"]).is_some())
        {
            continue;
        }
        // In DDL, interpolations are table options (`$charset_collate`).
        let filler = if ddl { "" } else { "0" };
        let Some(mut sql) = rebuild(resolved, filler, 0) else {
            continue;
        };
        if prepared {
            sql = fill_placeholders(&sql);
        }
        if ddl {
            out.ddl.push(sql);
        } else {
            let range = Model::range(arg);
            out.sites.push(SqlSite {
                sql,
                span: m.span(range),
                evidence: m.snippet(range),
            });
        }
    }
    out
}

/// Check every collected query against the schema.
pub fn check(sites: &[SqlSite], ddl: &[String]) -> Vec<Finding> {
    if sites.is_empty() {
        return Vec::new();
    }
    let mut schema = Schema::new();
    schema.apply(CORE_SCHEMA, Dialect::MySql);
    for statement in ddl {
        schema.apply(statement, Dialect::MySql);
    }
    let mut findings = Vec::new();
    for site in sites {
        let Ok(issues) = check_query(&site.sql, Dialect::MySql, &schema) else {
            continue;
        };
        for issue in issues {
            let mut finding = Finding::new(issue.rule, format!("$wpdb SQL: {}", issue.message))
                .span(site.span.clone())
                .evidence(site.evidence.clone())
                .confidence(issue.confidence);
            if let Some(fix) = issue.fix {
                finding = finding.fix(fix);
            }
            findings.push(finding);
        }
    }
    findings
}

/// The text of a SQL expression, or `None` when it is not built from
/// literals and `$wpdb` table names.
fn rebuild(expr: &Expression<'_>, filler: &str, depth: u8) -> Option<String> {
    if depth > 8 {
        return None;
    }
    let expr = eval::unparen(expr);
    if let Some(text) = eval::string(expr) {
        return Some(text.to_owned());
    }
    match expr {
        Expression::Binary(b) if matches!(b.operator, BinaryOperator::StringConcat(_)) => {
            let mut left = rebuild(b.lhs, filler, depth + 1)?;
            left.push_str(&piece(b.rhs, filler, depth)?);
            Some(left)
        }
        Expression::CompositeString(CompositeString::Interpolated(s)) => {
            let mut out = String::new();
            for part in s.parts.iter() {
                match part {
                    StringPart::Literal(l) => out.push_str(std::str::from_utf8(l.value).ok()?),
                    StringPart::Expression(e) => out.push_str(&interpolated(e, filler)),
                    StringPart::BracedExpression(b) => {
                        out.push_str(&interpolated(b.expression, filler));
                    }
                }
            }
            Some(out)
        }
        _ => None,
    }
}

/// A concatenated operand: literal text or a `$wpdb` table name.
fn piece(expr: &Expression<'_>, filler: &str, depth: u8) -> Option<String> {
    rebuild(expr, filler, depth + 1).or_else(|| wpdb_table(expr))
}

/// An interpolated expression: a `$wpdb` table name, or `filler`.
fn interpolated(expr: &Expression<'_>, filler: &str) -> String {
    wpdb_table(expr).unwrap_or_else(|| filler.to_owned())
}

/// `$wpdb->posts` -> `wp_posts`, `$wpdb->prefix` -> `wp_`.
fn wpdb_table(expr: &Expression<'_>) -> Option<String> {
    let Expression::Access(Access::Property(access)) = eval::unparen(expr) else {
        return None;
    };
    if eval::variable(access.object) != Some("$wpdb") {
        return None;
    }
    let ClassLikeMemberSelector::Identifier(property) = &access.property else {
        return None;
    };
    let name = std::str::from_utf8(property.value).ok()?;
    if name == "prefix" || name == "base_prefix" {
        Some("wp_".to_owned())
    } else if CORE_TABLES.contains(&name) {
        Some(format!("wp_{name}"))
    } else {
        None
    }
}

/// Replace `prepare()` placeholders (`%d`, `%s`, `%f`, `%i`, `%1$s`) by
/// sample values and `%%` by `%`.
fn fill_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        // Optional argnum (`%1$s`).
        let mut spec = String::new();
        while let Some(&(_, d)) = chars.peek() {
            if d.is_ascii_digit() || d == '$' {
                spec.push(d);
                chars.next();
            } else {
                break;
            }
        }
        let quoted = out.ends_with('\'') || out.ends_with('"');
        match chars.peek().map(|&(_, k)| k) {
            Some('%') if spec.is_empty() => {
                out.push('%');
                chars.next();
            }
            Some('d' | 'f' | 'F') => {
                out.push('0');
                chars.next();
            }
            Some('s') => {
                out.push_str(if quoted { "0" } else { "'0'" });
                chars.next();
            }
            Some('i') => {
                out.push_str("t0");
                chars.next();
            }
            _ => {
                out.push('%');
                out.push_str(&spec);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test::run;

    #[test]
    fn wpdb_sql_is_checked_against_core_and_dbdelta_tables() {
        let out = run(r#"<?php
function install() {
    global $wpdb;
    $charset_collate = $wpdb->get_charset_collate();
    dbDelta( "CREATE TABLE {$wpdb->prefix}items (id bigint NOT NULL AUTO_INCREMENT, order_id bigint NOT NULL, PRIMARY KEY (id)) $charset_collate;" );
}
function items( $order ) {
    global $wpdb;
    return $wpdb->get_col( $wpdb->prepare( "SELECT id FROM {$wpdb->prefix}items WHERE order_id = %d LIMIT 50", $order ) );
}
function all_meta() {
    global $wpdb;
    return $wpdb->get_results( "SELECT * FROM $wpdb->postmeta WHERE post_id = 3" );
}
function dynamic( $where ) {
    global $wpdb;
    return $wpdb->get_results( "SELECT ID FROM $wpdb->posts $where" );
}
"#);
        let mut rules: Vec<&str> = out
            .findings
            .iter()
            .map(|f| f.rule)
            .filter(|r| r.starts_with("SQL"))
            .collect();
        rules.sort_unstable();
        // missing-index on items.order_id (from dbDelta), select-star and
        // unbounded-select on wp_postmeta; the dynamic query is skipped.
        assert_eq!(rules, ["SQL001", "SQL003", "SQL010"], "{:#?}", out.findings);
    }

    #[test]
    fn placeholders_become_sample_values() {
        assert_eq!(
            fill_placeholders(
                "SELECT * FROM t WHERE a = %d AND b = %s AND c = '%s' AND d LIKE '%%x%%' AND e = %1$s"
            ),
            "SELECT * FROM t WHERE a = 0 AND b = '0' AND c = '0' AND d LIKE '%x%' AND e = '0'"
        );
    }
}
