//! Constant folding on PHP expressions: the literal values rules compare
//! (`-1`, `'rand'`, `5 * MINUTE_IN_SECONDS`), and nothing that needs to run
//! code.

use mago_syntax::ast::{
    ArrayElement, BinaryOperator, CompositeString, Expression, Literal, StringPart,
    UnaryPrefixOperator, Variable,
};

use crate::model::{ident, last_segment};

/// A query argument value: an expression, or text from a query string.
#[derive(Debug, Clone, Copy)]
pub enum Val<'a> {
    Expr(&'a Expression<'a>),
    Text(&'a str),
}

impl<'a> Val<'a> {
    /// Integer value, if constant.
    pub fn int(self) -> Option<i64> {
        match self {
            Val::Expr(e) => int(e),
            Val::Text(t) => t.trim().parse().ok(),
        }
    }

    /// String value, if constant.
    pub fn str(self) -> Option<&'a str> {
        match self {
            Val::Expr(e) => string(e),
            Val::Text(t) => Some(t),
        }
    }

    /// PHP truthiness, if constant.
    pub fn truthy(self) -> Option<bool> {
        match self {
            Val::Expr(e) => truthy(e),
            Val::Text(t) => Some(!matches!(t, "" | "0" | "false")),
        }
    }

    /// The expression, when the value is one.
    pub fn expr(self) -> Option<&'a Expression<'a>> {
        match self {
            Val::Expr(e) => Some(e),
            Val::Text(_) => None,
        }
    }
}

/// Strip parentheses.
pub fn unparen<'a>(mut expr: &'a Expression<'a>) -> &'a Expression<'a> {
    while let Expression::Parenthesized(p) = expr {
        expr = p.expression;
    }
    expr
}

/// A plain variable's name, with its `$`.
pub fn variable<'a>(expr: &'a Expression<'a>) -> Option<&'a str> {
    match unparen(expr) {
        Expression::Variable(Variable::Direct(v)) => std::str::from_utf8(v.name).ok(),
        _ => None,
    }
}

/// The value of a string literal without interpolation.
pub fn string<'a>(expr: &'a Expression<'a>) -> Option<&'a str> {
    match unparen(expr) {
        Expression::Literal(Literal::String(s)) => {
            s.value.and_then(|v| std::str::from_utf8(v).ok())
        }
        _ => None,
    }
}

/// The leading constant text of a string or concatenation
/// (`'https://' . $host`, `"https://{$host}/x"`).
pub fn string_prefix<'a>(expr: &'a Expression<'a>) -> Option<&'a str> {
    match unparen(expr) {
        Expression::Binary(b) if matches!(b.operator, BinaryOperator::StringConcat(_)) => {
            string_prefix(b.lhs)
        }
        Expression::CompositeString(CompositeString::Interpolated(s)) => match s.parts.first() {
            Some(StringPart::Literal(part)) => std::str::from_utf8(part.value).ok(),
            _ => None,
        },
        other => string(other),
    }
}

/// Integer value of a constant expression, with WordPress time constants.
pub fn int(expr: &Expression<'_>) -> Option<i64> {
    match unparen(expr) {
        Expression::Literal(Literal::Integer(i)) => i.value.and_then(|v| i64::try_from(v).ok()),
        Expression::Literal(Literal::Float(f)) => {
            let v = f.value.into_inner();
            (v.fract() == 0.0 && v.abs() < 1e15).then_some(v as i64)
        }
        Expression::Literal(Literal::String(s)) => s
            .value
            .and_then(|v| std::str::from_utf8(v).ok())
            .and_then(|v| v.trim().parse().ok()),
        Expression::UnaryPrefix(u) => match u.operator {
            UnaryPrefixOperator::Negation(_) => int(u.operand).and_then(i64::checked_neg),
            UnaryPrefixOperator::Plus(_) => int(u.operand),
            _ => None,
        },
        Expression::ConstantAccess(c) => {
            let name = last_segment(ident(&c.name));
            Some(match name {
                b"MINUTE_IN_SECONDS" => 60,
                b"HOUR_IN_SECONDS" => 3_600,
                b"DAY_IN_SECONDS" => 86_400,
                b"WEEK_IN_SECONDS" => 604_800,
                b"MONTH_IN_SECONDS" => 2_592_000,
                b"YEAR_IN_SECONDS" => 31_536_000,
                _ => return None,
            })
        }
        Expression::Binary(b) => {
            let (l, r) = (int(b.lhs)?, int(b.rhs)?);
            match b.operator {
                BinaryOperator::Addition(_) => l.checked_add(r),
                BinaryOperator::Subtraction(_) => l.checked_sub(r),
                BinaryOperator::Multiplication(_) => l.checked_mul(r),
                BinaryOperator::Division(_) => l.checked_div(r),
                _ => None,
            }
        }
        _ => None,
    }
}

/// PHP truthiness of a constant expression.
pub fn truthy(expr: &Expression<'_>) -> Option<bool> {
    match unparen(expr) {
        Expression::Literal(Literal::True(_)) => Some(true),
        Expression::Literal(Literal::False(_) | Literal::Null(_)) => Some(false),
        Expression::Literal(Literal::String(s)) => {
            let v = s.value?;
            Some(!(v.is_empty() || v == b"0"))
        }
        Expression::ConstantAccess(c) => match ident(&c.name).to_ascii_lowercase().as_slice() {
            b"true" => Some(true),
            b"false" | b"null" => Some(false),
            _ => None,
        },
        other => int(other).map(|v| v != 0),
    }
}

/// How an array element is keyed.
#[derive(Debug, Clone, Copy)]
pub enum Key<'a> {
    /// `'name' => value`.
    Name(&'a str),
    /// `value` without a key.
    Positional,
    /// `...$other`.
    Spread,
    /// A key that is not a constant string.
    Unknown,
}

/// The elements of an array literal (`[...]` or `array(...)`).
pub fn array_elements<'a>(expr: &'a Expression<'a>) -> Option<Vec<(Key<'a>, &'a Expression<'a>)>> {
    let elements = match unparen(expr) {
        Expression::Array(a) => &a.elements,
        Expression::LegacyArray(a) => &a.elements,
        _ => return None,
    };
    Some(
        elements
            .iter()
            .filter_map(|element| match element {
                ArrayElement::KeyValue(kv) => {
                    Some((string(kv.key).map_or(Key::Unknown, Key::Name), kv.value))
                }
                ArrayElement::Value(v) => Some((Key::Positional, v.value)),
                ArrayElement::Variadic(v) => Some((Key::Spread, v.value)),
                ArrayElement::Missing(_) => None,
            })
            .collect(),
    )
}

/// The value of `key` in an array literal.
pub fn array_get<'a>(expr: &'a Expression<'a>, key: &str) -> Option<&'a Expression<'a>> {
    array_elements(expr)?
        .into_iter()
        .rev()
        .find_map(|(k, v)| matches!(k, Key::Name(name) if name == key).then_some(v))
}

/// Whether an expression reads request input (`$_GET`, `$_POST`, ...)
/// anywhere inside it.
pub fn reads_request(expr: &Expression<'_>) -> bool {
    match unparen(expr) {
        Expression::Variable(Variable::Direct(v)) => matches!(
            v.name,
            b"$_GET" | b"$_POST" | b"$_REQUEST" | b"$_COOKIE" | b"$_SERVER"
        ),
        Expression::ArrayAccess(a) => reads_request(a.array) || reads_request(a.index),
        Expression::Binary(b) => reads_request(b.lhs) || reads_request(b.rhs),
        Expression::CompositeString(CompositeString::Interpolated(s)) => {
            s.parts.iter().any(|part| match part {
                StringPart::Expression(e) => reads_request(e),
                StringPart::BracedExpression(b) => reads_request(b.expression),
                StringPart::Literal(_) => false,
            })
        }
        Expression::Call(mago_syntax::ast::Call::Function(f)) => {
            f.argument_list.arguments.iter().any(|arg| match arg {
                mago_syntax::ast::Argument::Positional(p) => reads_request(p.value),
                mago_syntax::ast::Argument::Named(n) => reads_request(n.value),
            })
        }
        _ => false,
    }
}

/// Numeric value of a constant expression (floats kept).
pub fn number(expr: &Expression<'_>) -> Option<f64> {
    match unparen(expr) {
        Expression::Literal(Literal::Float(f)) => Some(f.value.into_inner()),
        Expression::Literal(Literal::String(s)) => s
            .value
            .and_then(|v| std::str::from_utf8(v).ok())
            .and_then(|v| v.trim().parse().ok()),
        other => int(other).map(|v| v as f64),
    }
}

/// The key expressions of an array literal's `key => value` elements.
pub fn array_keys<'a>(expr: &'a Expression<'a>) -> Vec<&'a Expression<'a>> {
    let elements = match unparen(expr) {
        Expression::Array(a) => &a.elements,
        Expression::LegacyArray(a) => &a.elements,
        _ => return Vec::new(),
    };
    elements
        .iter()
        .filter_map(|element| match element {
            ArrayElement::KeyValue(kv) => Some(kv.key),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use bumpalo::Bump;
    use mago_database::file::FileId;
    use mago_syntax::ast::Statement;

    fn value_of(php: &str) -> Option<i64> {
        let arena = Bump::new();
        let source = format!("<?php {php};");
        let program =
            mago_syntax::parser::parse_file_content(&arena, FileId::zero(), source.as_bytes());
        program.statements.iter().find_map(|s| match s {
            Statement::Expression(e) => super::int(e.expression),
            _ => None,
        })
    }

    #[test]
    fn constants_fold_without_overflow() {
        assert_eq!(value_of("5 * MINUTE_IN_SECONDS"), Some(300));
        assert_eq!(value_of("-(1)"), Some(-1));
        assert_eq!(value_of("(2 * DAY_IN_SECONDS) / 4"), Some(43_200));
        assert_eq!(value_of("(0 - 9223372036854775807 - 1) / -1"), None);
        assert_eq!(value_of("-(0 - 9223372036854775807 - 1)"), None);
        assert_eq!(value_of("9223372036854775807 * 2"), None);
        assert_eq!(value_of("$ttl"), None);
    }
}
