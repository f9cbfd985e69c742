//! One pass over a parsed PHP file: the calls, assignments, loops and
//! function scopes the rules look at, so each file is walked once and every
//! rule reads the same tables.

use rustc_hash::FxHashMap as HashMap;

use mago_span::HasSpan;
use mago_syntax::ast::{
    Argument, ArgumentList, ArrowFunction, Call, Class, ClassLikeMemberSelector, Closure, DoWhile,
    Expression, For, Foreach, ForeachTarget, Function, Identifier, Instantiation, Method, Program,
    PropertyAccess, Variable, While,
};
use mago_syntax::walker::MutWalker;
use perfwarden_sdk::LineIndex;

use crate::eval::{self, Val};

/// Byte range `start..end` in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub start: u32,
    pub end: u32,
}

impl Range {
    fn of(node: &impl HasSpan) -> Self {
        let span = node.span();
        Self {
            start: span.start.offset,
            end: span.end.offset,
        }
    }

    pub fn contains(self, offset: u32) -> bool {
        self.start <= offset && offset < self.end
    }
}

/// Who is called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callee<'a> {
    /// `name(...)`, lowercased, without namespace.
    Function(String),
    /// `$object->name(...)`; `object` is the variable name with its `$`
    /// (`$this->wpdb` counts as `$wpdb`).
    Method {
        object: Option<&'a str>,
        name: String,
    },
    /// `Class::name(...)`.
    Static { class: String, name: String },
    /// `new Class(...)`.
    New(String),
}

/// A call, method call, static call or instantiation.
#[derive(Debug)]
pub struct CallSite<'a> {
    pub callee: Callee<'a>,
    pub args: Option<&'a ArgumentList<'a>>,
    pub range: Range,
    pub scope: usize,
}

impl<'a> CallSite<'a> {
    /// The function name, for plain function calls.
    pub fn function(&self) -> Option<&str> {
        match &self.callee {
            Callee::Function(name) => Some(name),
            _ => None,
        }
    }

    /// Whether this is `$wpdb->method(...)` for one of `methods`.
    pub fn wpdb_method(&self, methods: &[&str]) -> Option<&str> {
        match &self.callee {
            Callee::Method {
                object: Some("$wpdb"),
                name,
            } if methods.contains(&name.as_str()) => Some(name),
            _ => None,
        }
    }

    /// Positional argument `index`, or the named argument `name`.
    pub fn arg(&self, index: usize, name: &str) -> Option<&'a Expression<'a>> {
        let args = self.args?;
        let mut position = 0;
        for argument in args.arguments.iter() {
            match argument {
                Argument::Positional(positional) => {
                    if positional.ellipsis.is_some() {
                        return None;
                    }
                    if position == index {
                        return Some(positional.value);
                    }
                    position += 1;
                }
                Argument::Named(named) => {
                    if named.name.value == name.as_bytes() {
                        return Some(named.value);
                    }
                }
            }
        }
        None
    }

    /// Number of arguments written.
    pub fn arg_count(&self) -> usize {
        self.args.map_or(0, |a| a.arguments.len())
    }

    /// Whether an argument list spreads (`...$args`): positions are unknown.
    pub fn has_spread(&self) -> bool {
        self.args.is_some_and(|a| {
            a.arguments
                .iter()
                .any(|arg| matches!(arg, Argument::Positional(p) if p.ellipsis.is_some()))
        })
    }
}

/// What kind of function-like a scope is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    File,
    Function,
    Method,
    Closure,
}

/// A function-like body (index 0 is the file's top level).
#[derive(Debug)]
pub struct Scope {
    pub kind: ScopeKind,
    /// Lowercased function or method name; empty for closures and the file.
    pub name: String,
    pub range: Range,
    /// Inside a class that extends `WP_CLI_Command`.
    pub cli: bool,
}

/// A loop and the part of it that runs once per iteration.
#[derive(Debug)]
pub struct Loop<'a> {
    pub kind: LoopKind<'a>,
    pub body: Range,
    pub range: Range,
    pub scope: usize,
}

#[derive(Debug)]
pub enum LoopKind<'a> {
    Foreach {
        iterable: &'a Expression<'a>,
        value: Option<&'a str>,
    },
    While {
        condition: &'a Expression<'a>,
    },
    For {
        conditions: Vec<&'a Expression<'a>>,
    },
    DoWhile,
}

/// `$var = rhs;` or `$var['key'] = rhs;`.
#[derive(Debug)]
pub struct Assign<'a> {
    pub var: &'a str,
    pub key: Option<&'a str>,
    pub rhs: &'a Expression<'a>,
    pub start: u32,
    pub scope: usize,
}

/// `$var->property` read anywhere.
#[derive(Debug)]
pub struct PropertyRead<'a> {
    pub var: &'a str,
    pub property: &'a str,
    pub scope: usize,
}

/// Everything the rules need from one PHP file.
#[derive(Debug)]
pub struct Model<'a> {
    pub path: &'a str,
    pub lines: LineIndex<'a>,
    pub program: &'a Program<'a>,
    pub calls: Vec<CallSite<'a>>,
    pub scopes: Vec<Scope>,
    pub loops: Vec<Loop<'a>>,
    pub assigns: Vec<Assign<'a>>,
    pub properties: Vec<PropertyRead<'a>>,
    /// `return $var;`: (scope, variable).
    pub returns: Vec<(usize, &'a str)>,
    index: Index<'a>,
}

/// Lookups the rules make for every call, built once per file so they do
/// not scan the whole file each time.
#[derive(Debug, Default)]
struct Index<'a> {
    call_at: HashMap<(u32, u32), usize>,
    scope_calls: Vec<Vec<usize>>,
    assign_by_rhs: HashMap<(u32, u32), usize>,
    /// Plain `$var = ...` assignments per (scope, variable), in order.
    assigns_of: HashMap<(usize, &'a str), Vec<usize>>,
}

/// Walk state: the model being filled and the open scopes.
struct Collect<'a> {
    model: Model<'a>,
    open: Vec<usize>,
    cli_class: Vec<bool>,
}

impl<'a> Collect<'a> {
    fn scope(&self) -> usize {
        self.open.last().copied().unwrap_or(0)
    }

    fn enter(&mut self, kind: ScopeKind, name: &[u8], range: Range) {
        self.model.scopes.push(Scope {
            kind,
            name: lower(name),
            range,
            cli: self.cli_class.last().copied().unwrap_or(false),
        });
        self.open.push(self.model.scopes.len() - 1);
    }

    fn push_loop(&mut self, kind: LoopKind<'a>, body: Range, range: Range) {
        let scope = self.scope();
        self.model.loops.push(Loop {
            kind,
            body,
            range,
            scope,
        });
    }

    fn push_call(&mut self, callee: Callee<'a>, args: Option<&'a ArgumentList<'a>>, range: Range) {
        let scope = self.scope();
        self.model.calls.push(CallSite {
            callee,
            args,
            range,
            scope,
        });
    }
}

/// The walker itself holds nothing: the AST is arena-bound and not `Sync`,
/// so all state lives in the context.
struct Walk;

impl<'a> MutWalker<'a, 'a, Collect<'a>> for Walk {
    fn walk_in_function(&mut self, function: &'a Function<'a>, cx: &mut Collect<'a>) {
        cx.enter(
            ScopeKind::Function,
            function.name.value,
            Range::of(function),
        );
    }
    fn walk_out_function(&mut self, _: &'a Function<'a>, cx: &mut Collect<'a>) {
        cx.open.pop();
    }
    fn walk_in_method(&mut self, method: &'a Method<'a>, cx: &mut Collect<'a>) {
        cx.enter(ScopeKind::Method, method.name.value, Range::of(method));
    }
    fn walk_out_method(&mut self, _: &'a Method<'a>, cx: &mut Collect<'a>) {
        cx.open.pop();
    }
    fn walk_in_closure(&mut self, closure: &'a Closure<'a>, cx: &mut Collect<'a>) {
        cx.enter(ScopeKind::Closure, b"", Range::of(closure));
    }
    fn walk_out_closure(&mut self, _: &'a Closure<'a>, cx: &mut Collect<'a>) {
        cx.open.pop();
    }
    fn walk_in_arrow_function(&mut self, arrow: &'a ArrowFunction<'a>, cx: &mut Collect<'a>) {
        cx.enter(ScopeKind::Closure, b"", Range::of(arrow));
    }
    fn walk_out_arrow_function(&mut self, _: &'a ArrowFunction<'a>, cx: &mut Collect<'a>) {
        cx.open.pop();
    }

    fn walk_in_class(&mut self, class: &'a Class<'a>, cx: &mut Collect<'a>) {
        let cli = class.extends.as_ref().is_some_and(|extends| {
            extends
                .types
                .iter()
                .any(|t| last_segment(ident(t)).eq_ignore_ascii_case(b"WP_CLI_Command"))
        });
        cx.cli_class.push(cli);
    }
    fn walk_out_class(&mut self, _: &'a Class<'a>, cx: &mut Collect<'a>) {
        cx.cli_class.pop();
    }

    fn walk_in_foreach(&mut self, foreach: &'a Foreach<'a>, cx: &mut Collect<'a>) {
        let value = match &foreach.target {
            ForeachTarget::Value(target) => target.value,
            ForeachTarget::KeyValue(target) => target.value,
        };
        let kind = LoopKind::Foreach {
            iterable: foreach.expression,
            value: variable_name(value),
        };
        cx.push_loop(kind, Range::of(&foreach.body), Range::of(foreach));
    }

    fn walk_in_for(&mut self, r#for: &'a For<'a>, cx: &mut Collect<'a>) {
        let kind = LoopKind::For {
            conditions: r#for.conditions.iter().copied().collect(),
        };
        cx.push_loop(kind, Range::of(&r#for.body), Range::of(r#for));
    }

    fn walk_in_while(&mut self, r#while: &'a While<'a>, cx: &mut Collect<'a>) {
        let kind = LoopKind::While {
            condition: r#while.condition,
        };
        cx.push_loop(kind, Range::of(&r#while.body), Range::of(r#while));
    }

    fn walk_in_do_while(&mut self, do_while: &'a DoWhile<'a>, cx: &mut Collect<'a>) {
        cx.push_loop(
            LoopKind::DoWhile,
            Range::of(do_while.statement),
            Range::of(do_while),
        );
    }

    fn walk_in_call(&mut self, call: &'a Call<'a>, cx: &mut Collect<'a>) {
        let range = Range::of(call);
        match call {
            Call::Function(f) => {
                if let Expression::Identifier(id) = f.function {
                    let name = lower(last_segment(ident(id)));
                    cx.push_call(Callee::Function(name), Some(&f.argument_list), range);
                }
            }
            Call::Method(m) => {
                if let Some(name) = selector(&m.method) {
                    let object = object_name(m.object);
                    cx.push_call(
                        Callee::Method { object, name },
                        Some(&m.argument_list),
                        range,
                    );
                }
            }
            Call::NullSafeMethod(m) => {
                if let Some(name) = selector(&m.method) {
                    let object = object_name(m.object);
                    cx.push_call(
                        Callee::Method { object, name },
                        Some(&m.argument_list),
                        range,
                    );
                }
            }
            Call::StaticMethod(s) => {
                if let (Expression::Identifier(class), Some(name)) = (s.class, selector(&s.method))
                {
                    let class = lower(last_segment(ident(class)));
                    cx.push_call(
                        Callee::Static { class, name },
                        Some(&s.argument_list),
                        range,
                    );
                }
            }
        }
    }

    fn walk_in_instantiation(&mut self, new: &'a Instantiation<'a>, cx: &mut Collect<'a>) {
        if let Expression::Identifier(class) = new.class {
            let class = lower(last_segment(ident(class)));
            cx.push_call(
                Callee::New(class),
                new.argument_list.as_ref(),
                Range::of(new),
            );
        }
    }

    fn walk_in_assignment(
        &mut self,
        assignment: &'a mago_syntax::ast::Assignment<'a>,
        cx: &mut Collect<'a>,
    ) {
        if !assignment.operator.is_assign() {
            return;
        }
        let (var, key) = match assignment.lhs {
            Expression::Variable(v) => (variable_name_of(v), None),
            Expression::ArrayAccess(access) => match access.array {
                Expression::Variable(v) => (
                    variable_name_of(v),
                    eval::string(access.index).filter(|k| !k.is_empty()),
                ),
                _ => (None, None),
            },
            _ => (None, None),
        };
        // `$args[] = ...` and dynamic keys are not tracked.
        if let Expression::ArrayAccess(_) = assignment.lhs
            && key.is_none()
        {
            return;
        }
        if let Some(var) = var {
            let scope = cx.scope();
            cx.model.assigns.push(Assign {
                var,
                key,
                rhs: assignment.rhs,
                start: Range::of(assignment).start,
                scope,
            });
        }
    }

    fn walk_in_return(&mut self, r#return: &'a mago_syntax::ast::Return<'a>, cx: &mut Collect<'a>) {
        if let Some(var) = r#return.value.and_then(eval::variable) {
            let scope = cx.scope();
            cx.model.returns.push((scope, var));
        }
    }

    fn walk_in_property_access(&mut self, access: &'a PropertyAccess<'a>, cx: &mut Collect<'a>) {
        if let (Expression::Variable(v), ClassLikeMemberSelector::Identifier(property)) =
            (access.object, &access.property)
            && let (Some(var), Ok(property)) =
                (variable_name_of(v), std::str::from_utf8(property.value))
        {
            let scope = cx.scope();
            cx.model.properties.push(PropertyRead {
                var,
                property,
                scope,
            });
        }
    }
}

impl<'a> Model<'a> {
    /// Collect the tables of `program`, whose source is `source`.
    pub fn build(path: &'a str, source: &'a str, program: &'a Program<'a>) -> Self {
        let end = u32::try_from(source.len()).unwrap_or(u32::MAX);
        let mut cx = Collect {
            model: Model {
                path,
                lines: LineIndex::new(source),
                program,
                calls: Vec::new(),
                scopes: vec![Scope {
                    kind: ScopeKind::File,
                    name: String::new(),
                    range: Range { start: 0, end },
                    cli: false,
                }],
                loops: Vec::new(),
                assigns: Vec::new(),
                properties: Vec::new(),
                returns: Vec::new(),
                index: Index::default(),
            },
            open: vec![0],
            cli_class: Vec::new(),
        };
        Walk.walk_program(program, &mut cx);
        let mut model = cx.model;
        let mut index = Index {
            scope_calls: vec![Vec::new(); model.scopes.len()],
            ..Index::default()
        };
        for (i, call) in model.calls.iter().enumerate() {
            index
                .call_at
                .entry((call.range.start, call.range.end))
                .or_insert(i);
            if let Some(list) = index.scope_calls.get_mut(call.scope) {
                list.push(i);
            }
        }
        for (i, assign) in model.assigns.iter().enumerate() {
            if assign.key.is_none() {
                let rhs = Range::of(eval::unparen(assign.rhs));
                index.assign_by_rhs.entry((rhs.start, rhs.end)).or_insert(i);
                index
                    .assigns_of
                    .entry((assign.scope, assign.var))
                    .or_default()
                    .push(i);
            }
        }
        model.index = index;
        model
    }

    /// The finding location of a byte range.
    pub fn span(&self, range: Range) -> perfwarden_sdk::Span {
        self.lines
            .span(self.path, range.start as usize, range.end as usize)
    }

    /// The byte range of a node.
    pub fn range(node: &impl HasSpan) -> Range {
        Range::of(node)
    }

    /// The source text of a range, on one line and shortened, as evidence.
    pub fn snippet(&self, range: Range) -> String {
        let text = String::from_utf8_lossy(
            self.program
                .source_text
                .get(range.start as usize..range.end as usize)
                .unwrap_or_default(),
        );
        let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if flat.chars().count() > 160 {
            let cut: String = flat.chars().take(157).collect();
            format!("{cut}...")
        } else {
            flat
        }
    }

    /// Loops of the same scope whose per-iteration part contains `offset`,
    /// innermost last.
    pub fn loops_around(&self, offset: u32, scope: usize) -> impl Iterator<Item = &Loop<'a>> {
        self.loops
            .iter()
            .filter(move |l| l.scope == scope && l.body.contains(offset))
    }

    /// Calls made directly in `scope` (not in nested closures).
    pub fn calls_in(&self, scope: usize) -> impl Iterator<Item = &CallSite<'a>> {
        self.index
            .scope_calls
            .get(scope)
            .into_iter()
            .flatten()
            .filter_map(|&i| self.calls.get(i))
    }

    /// The last `$var = ...` in `scope` before `offset`.
    pub fn last_assign(&self, var: &str, scope: usize, offset: u32) -> Option<&Assign<'a>> {
        self.index
            .assigns_of
            .get(&(scope, var))?
            .iter()
            .rev()
            .filter_map(|&i| self.assigns.get(i))
            .find(|a| a.start < offset)
    }

    /// The variable a call's result is assigned to (`$q = new WP_Query()`).
    pub fn assigned_to(&self, call: &CallSite<'a>) -> Option<&'a str> {
        let i = self
            .index
            .assign_by_rhs
            .get(&(call.range.start, call.range.end))?;
        self.assigns.get(*i).map(|a| a.var)
    }

    /// The call an expression is, if it is one this model recorded.
    pub fn call_at(&self, expr: &Expression<'_>) -> Option<&CallSite<'a>> {
        let range = Range::of(eval::unparen(expr));
        let i = self.index.call_at.get(&(range.start, range.end))?;
        self.calls.get(*i)
    }

    /// What an expression holds: itself, or for a variable its last
    /// assignment before `offset` in `scope` (followed a few steps).
    pub fn resolve(
        &self,
        expr: &'a Expression<'a>,
        scope: usize,
        offset: u32,
    ) -> &'a Expression<'a> {
        let mut expr = eval::unparen(expr);
        let mut at = offset;
        for _ in 0..4 {
            let Some(var) = eval::variable(expr) else {
                break;
            };
            let Some(assign) = self.last_assign(var, scope, at) else {
                break;
            };
            expr = eval::unparen(assign.rhs);
            at = assign.start;
        }
        expr
    }

    /// Query arguments passed as `expr`: array literals, variables built up
    /// in the function (`$args['k'] = v`), `array_merge` / `wp_parse_args`
    /// and query strings (`'numberposts=-1&orderby=rand'`).
    pub fn query_args(&self, expr: &'a Expression<'a>, scope: usize, offset: u32) -> Args<'a> {
        let mut args = Args {
            entries: Vec::new(),
            complete: true,
        };
        self.collect_args(expr, scope, offset, 0, &mut args);
        args
    }

    fn collect_args(
        &self,
        expr: &'a Expression<'a>,
        scope: usize,
        offset: u32,
        depth: u8,
        args: &mut Args<'a>,
    ) {
        if depth > 6 {
            args.complete = false;
            return;
        }
        let expr = eval::unparen(expr);
        if let Some(elements) = eval::array_elements(expr) {
            for (key, value) in elements {
                match key {
                    eval::Key::Name(key) => args.entries.push(Entry {
                        key,
                        value: Val::Expr(value),
                        range: Range::of(value),
                    }),
                    eval::Key::Spread => self.collect_args(value, scope, offset, depth + 1, args),
                    eval::Key::Positional => {}
                    eval::Key::Unknown => args.complete = false,
                }
            }
            return;
        }
        if let Some(var) = eval::variable(expr) {
            let Some(base) = self.last_assign(var, scope, offset) else {
                args.complete = false;
                return;
            };
            self.collect_args(base.rhs, scope, base.start, depth + 1, args);
            for keyed in self.assigns.iter().filter(|a| {
                a.scope == scope
                    && a.var == var
                    && a.key.is_some()
                    && a.start > base.start
                    && a.start < offset
            }) {
                if let Some(key) = keyed.key {
                    args.entries.push(Entry {
                        key,
                        value: Val::Expr(keyed.rhs),
                        range: Range::of(keyed.rhs),
                    });
                }
            }
            return;
        }
        if let Some(text) = eval::string(expr)
            && !text.is_empty()
            && text.contains('=')
        {
            let range = Range::of(expr);
            for pair in text.split('&') {
                if let Some((key, value)) = pair.split_once('=') {
                    args.entries.push(Entry {
                        key,
                        value: Val::Text(value),
                        range,
                    });
                }
            }
            return;
        }
        if let Some(call) = self.call_at(expr) {
            match call.function() {
                Some("array_merge" | "array_replace") if !call.has_spread() => {
                    for index in 0..call.arg_count() {
                        if let Some(part) = call.arg(index, "") {
                            self.collect_args(part, scope, offset, depth + 1, args);
                        }
                    }
                    return;
                }
                Some("wp_parse_args") => {
                    if let Some(defaults) = call.arg(1, "defaults") {
                        self.collect_args(defaults, scope, offset, depth + 1, args);
                    }
                    if let Some(given) = call.arg(0, "args") {
                        self.collect_args(given, scope, offset, depth + 1, args);
                    }
                    return;
                }
                _ => {}
            }
        }
        args.complete = false;
    }
}

/// A resolved query argument.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    pub key: &'a str,
    pub value: Val<'a>,
    pub range: Range,
}

/// Query arguments as far as they could be followed.
#[derive(Debug)]
pub struct Args<'a> {
    /// In assignment order: a later entry overrides an earlier one.
    pub entries: Vec<Entry<'a>>,
    /// False when part of the arguments could not be followed (a parameter,
    /// a function result): absent keys may then be set elsewhere.
    pub complete: bool,
}

impl<'a> Args<'a> {
    /// The effective value of `key`.
    pub fn get(&self, key: &str) -> Option<Entry<'a>> {
        self.entries.iter().rev().find(|e| e.key == key).copied()
    }
}

/// The bytes of an identifier.
pub fn ident<'a>(id: &Identifier<'a>) -> &'a [u8] {
    match id {
        Identifier::Local(l) => l.value,
        Identifier::Qualified(q) => q.value,
        Identifier::FullyQualified(f) => f.value,
    }
}

/// `Foo\bar` -> `bar`.
pub fn last_segment(name: &[u8]) -> &[u8] {
    name.rsplit(|&b| b == b'\\').next().unwrap_or(name)
}

fn lower(name: &[u8]) -> String {
    String::from_utf8_lossy(name).to_ascii_lowercase()
}

fn selector(selector: &ClassLikeMemberSelector<'_>) -> Option<String> {
    match selector {
        ClassLikeMemberSelector::Identifier(id) => Some(lower(id.value)),
        _ => None,
    }
}

fn variable_name_of<'a>(variable: &Variable<'a>) -> Option<&'a str> {
    match variable {
        Variable::Direct(direct) => std::str::from_utf8(direct.name).ok(),
        _ => None,
    }
}

fn variable_name<'a>(expr: &'a Expression<'a>) -> Option<&'a str> {
    match expr {
        Expression::Variable(v) => variable_name_of(v),
        _ => None,
    }
}

/// `$wpdb` for `$wpdb` and for `$this->wpdb` (a class keeping the global).
fn object_name<'a>(object: &'a Expression<'a>) -> Option<&'a str> {
    match object {
        Expression::Variable(v) => variable_name_of(v),
        Expression::Access(mago_syntax::ast::Access::Property(access)) => {
            match (&access.object, &access.property) {
                (Expression::Variable(v), ClassLikeMemberSelector::Identifier(property))
                    if variable_name_of(v) == Some("$this") && property.value == b"wpdb" =>
                {
                    Some("$wpdb")
                }
                _ => None,
            }
        }
        _ => None,
    }
}
