//! Constant folding and object-literal helpers for configuration values.

use oxc_ast::ast::{
    Argument, BinaryOperator, Expression, ObjectExpression, ObjectPropertyKind, UnaryOperator,
};

use crate::model::unwrap;

/// A number written as a literal or a constant expression (`15 * 60 * 1000`).
pub fn number(expr: &Expression<'_>) -> Option<f64> {
    match unwrap(expr) {
        Expression::NumericLiteral(n) => Some(n.value),
        Expression::UnaryExpression(u) if u.operator == UnaryOperator::UnaryNegation => {
            number(&u.argument).map(|n| -n)
        }
        Expression::BinaryExpression(b) => {
            let (l, r) = (number(&b.left)?, number(&b.right)?);
            match b.operator {
                BinaryOperator::Multiplication => Some(l * r),
                BinaryOperator::Addition => Some(l + r),
                BinaryOperator::Subtraction => Some(l - r),
                BinaryOperator::Division if r != 0.0 => Some(l / r),
                _ => None,
            }
        }
        Expression::StringLiteral(s) => s.value.as_str().trim().parse().ok(),
        _ => None,
    }
}

/// A string literal or a template literal without substitutions.
pub fn string<'a>(expr: &Expression<'a>) -> Option<&'a str> {
    match unwrap(expr) {
        Expression::StringLiteral(s) => Some(s.value.as_str()),
        Expression::TemplateLiteral(t) if t.expressions.is_empty() => t
            .quasis
            .first()
            .and_then(|q| q.value.cooked.as_ref())
            .map(|c| c.as_str()),
        _ => None,
    }
}

/// The leading constant text of a string or template literal (`user:${id}` → `user:`).
pub fn string_prefix<'a>(expr: &Expression<'a>) -> Option<&'a str> {
    match unwrap(expr) {
        Expression::TemplateLiteral(t) => t.quasis.first().map(|q| q.value.raw.as_str()),
        Expression::BinaryExpression(b) if b.operator == BinaryOperator::Addition => {
            string_prefix(&b.left)
        }
        other => string(other),
    }
}

/// The expression of an argument, unless it is a spread.
pub fn arg<'b, 'a>(args: &'b [Argument<'a>], index: usize) -> Option<&'b Expression<'a>> {
    args.get(index).and_then(Argument::as_expression)
}

/// An object literal argument.
pub fn object<'b, 'a>(expr: Option<&'b Expression<'a>>) -> Option<&'b ObjectExpression<'a>> {
    match unwrap(expr?) {
        Expression::ObjectExpression(o) => Some(o),
        _ => None,
    }
}

/// The value of a non-computed property `key` of an object literal.
pub fn prop<'b, 'a>(obj: &'b ObjectExpression<'a>, key: &str) -> Option<&'b Expression<'a>> {
    obj.properties.iter().find_map(|p| match p {
        ObjectPropertyKind::ObjectProperty(p) if p.key.static_name().as_deref() == Some(key) => {
            Some(&p.value)
        }
        _ => None,
    })
}

/// Whether an object literal (or any nested object literal) has one of `keys`.
pub fn has_key_deep(obj: &ObjectExpression<'_>, keys: &[&str]) -> bool {
    has_key_deep_at(obj, keys, 0)
}

fn has_key_deep_at(obj: &ObjectExpression<'_>, keys: &[&str], depth: u32) -> bool {
    if depth > 16 {
        return false;
    }
    obj.properties.iter().any(|p| match p {
        ObjectPropertyKind::ObjectProperty(p) => {
            p.key
                .static_name()
                .is_some_and(|name| keys.contains(&name.as_ref()))
                || matches!(unwrap(&p.value), Expression::ObjectExpression(inner) if has_key_deep_at(inner, keys, depth + 1))
        }
        ObjectPropertyKind::SpreadProperty(_) => false,
    })
}

/// Whether an object literal has a spread (`{ ...defaults }`): its keys are then unknown.
pub fn has_spread(obj: &ObjectExpression<'_>) -> bool {
    obj.properties
        .iter()
        .any(|p| matches!(p, ObjectPropertyKind::SpreadProperty(_)))
}
