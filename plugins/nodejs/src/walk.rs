//! Pass two: one walk over a file's AST that tracks where code runs (request
//! handler, loop, iteration callback) and what values are (via the context
//! model), and hands each call, construction, `await` and loop to the rules.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::cell::OnceCell;

use oxc_ast::ast::{
    Argument, ArrowFunctionExpression, AssignmentExpression, AwaitExpression, BindingPattern,
    CallExpression, Class, Decorator, DoWhileStatement, Expression, ForInStatement, ForOfStatement,
    ForStatement, FormalParameters, Function, MethodDefinition, NewExpression, Statement, TSType,
    TaggedTemplateExpression, VariableDeclarator, WhileStatement,
};
use oxc_ast_visit::{Visit, walk};
use oxc_span::{GetSpan, Span as OxcSpan};
use oxc_syntax::scope::ScopeFlags;
use perfwarden_sdk::{Finding, LineIndex, Metric, Span};

use crate::agents;
use crate::facts;
use crate::model::{self, Binding, Kind, Lib, Scope, unwrap};
use crate::project::{Project, resolve_specifier};
use crate::routes;
use crate::rules;

/// What kind of loop a frame is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopKind {
    /// `for`, `for..of`, `for..in`, `while`, `do..while`.
    Statement,
    /// `for await (..)`.
    ForAwait,
    /// The callback of `.map`, `.forEach`, ...
    Callback,
    /// A function boundary that hides outer loops (a declaration, a handler).
    Barrier,
}

/// A loop (or callback, or barrier) on the walk stack.
#[derive(Debug)]
pub struct LoopFrame {
    pub kind: LoopKind,
    /// Function depth at which the loop runs.
    pub fn_depth: usize,
    /// Span of the loop header (or callback call).
    pub span: OxcSpan,
    /// The callback's `.map` is the argument of `Promise.all`.
    pub promise_all: bool,
    /// `await` in this loop is by design (paging, polling, retries).
    pub sequential_by_design: bool,
    /// The loop iterates over request input (an inline import).
    pub over_request: bool,
    /// A finding was already reported for this loop by the import rule.
    pub import_reported: bool,
}

/// A function on the walk stack.
#[derive(Debug, Default)]
pub struct FnFrame {
    /// The function is a request handler (or nested in one).
    pub handler: bool,
    /// The function is a job processor: it runs in a worker, not per request.
    pub job: bool,
    /// Names holding the request (`req`, `ctx`, `request`).
    pub request: Vec<String>,
    /// Local names bound to request input.
    pub tainted: HashSet<String>,
    /// Local bindings with a kind.
    pub locals: HashMap<String, Binding>,
    /// Cache writes without TTL, reported at the end unless an `expire` follows.
    pub pending_ttl: Vec<Finding>,
    /// The function sets an expiry on a cache key.
    pub saw_expire: bool,
}

/// Per-class facts: injected or assigned clients (`this.prisma`).
#[derive(Debug, Default)]
struct ClassFrame {
    fields: HashMap<String, Binding>,
    /// NestJS `@Controller(prefix)`.
    controller: Option<String>,
    /// `@Throttle`/`@UseGuards(ThrottlerGuard)` on the class.
    throttled: bool,
}

/// Findings and metrics of one file.
#[derive(Debug, Default)]
pub struct Sink {
    pub findings: Vec<Finding>,
    pub metrics: Vec<Metric>,
    pub notes: Vec<(String, Span)>,
}

/// The walker of one file.
pub struct Walker<'s> {
    pub file: usize,
    pub path: &'s str,
    pub text: &'s str,
    /// Built on the first located report: most files report nothing.
    lines: OnceCell<LineIndex<'s>>,
    pub project: &'s Project,
    pub paths: &'s HashMap<&'s str, usize>,
    /// The file is a JSX/TSX component file (front-end code is not judged for HTTP timeouts).
    pub jsx: bool,
    fns: Vec<FnFrame>,
    pub loops: Vec<LoopFrame>,
    classes: Vec<ClassFrame>,
    /// Function span starts registered as route handlers in this file.
    handler_fns: HashSet<u32>,
    /// Function span starts registered as job processors in this file.
    processor_fns: HashSet<u32>,
    /// Function span starts that are iteration callbacks, with `Promise.all` flag.
    callback_fns: HashMap<u32, (OxcSpan, bool, bool)>,
    /// Per function frame: whether entering it pushed a loop frame.
    fn_loop_pushed: Vec<bool>,
    /// Spans of `.map(...)` calls that are arguments of `Promise.all`.
    promise_all_maps: HashSet<u32>,
    /// Name given to the next function or client (declarator, property, export).
    pub pending_name: Option<String>,
    /// Constructions assigned to an existing variable (`pool ??= new Pool()`):
    /// lazily created singletons, not per-request clients.
    pub memoized: HashSet<u32>,
    /// Start offsets of query chains already classified (outermost call wins).
    query_chains: HashSet<u32>,
    pub sink: Sink,
}

impl Scope for Walker<'_> {
    fn get(&self, name: &str) -> Option<Binding> {
        for frame in self.fns.iter().rev() {
            if let Some(binding) = frame.locals.get(name) {
                return Some(binding.clone());
            }
        }
        self.project
            .summaries
            .get(self.file)?
            .locals
            .get(name)
            .cloned()
    }

    fn this_field(&self, field: &str) -> Option<Binding> {
        self.classes.last()?.fields.get(field).cloned()
    }

    fn resolve(&self, binding: &Binding) -> Option<Kind> {
        self.project.resolve(binding)
    }
}

/// Array methods whose callback runs once per element.
const ITERATION_METHODS: [&str; 10] = [
    "map",
    "forEach",
    "flatMap",
    "filter",
    "reduce",
    "reduceRight",
    "some",
    "every",
    "find",
    "findIndex",
];

/// Methods that run a query (Prisma, Sequelize, TypeORM, Mongoose, Knex, pg, mysql2).
const QUERY_METHODS: [&str; 62] = [
    "findMany",
    "findUnique",
    "findUniqueOrThrow",
    "findFirst",
    "findFirstOrThrow",
    "create",
    "createMany",
    "createManyAndReturn",
    "update",
    "updateMany",
    "upsert",
    "delete",
    "deleteMany",
    "count",
    "aggregate",
    "groupBy",
    "$queryRaw",
    "$executeRaw",
    "$queryRawUnsafe",
    "$executeRawUnsafe",
    "findAll",
    "findOne",
    "findByPk",
    "findAndCountAll",
    "findOrCreate",
    "bulkCreate",
    "destroy",
    "increment",
    "decrement",
    "find",
    "findBy",
    "findOneBy",
    "findOneOrFail",
    "findOneByOrFail",
    "findAndCount",
    "save",
    "insert",
    "remove",
    "query",
    "execute",
    "getMany",
    "getOne",
    "getRawMany",
    "getRawOne",
    "getManyAndCount",
    "findById",
    "findByIdAndUpdate",
    "findByIdAndDelete",
    "findOneAndUpdate",
    "findOneAndDelete",
    "updateOne",
    "deleteOne",
    "insertMany",
    "countDocuments",
    "exec",
    "select",
    "first",
    "pluck",
    "raw",
    "where",
    "del",
    "replaceOne",
];

/// A database call recognised by [`Walker::query`].
#[derive(Debug)]
pub struct Query<'b, 'a> {
    /// Library of the client.
    pub lib: Lib,
    /// The query method found (`findMany`), or `builder` for `knex("t")`.
    pub method: &'a str,
    /// Calls of the chain, outermost first.
    pub chain: Vec<&'b CallExpression<'a>>,
    /// The client's kind came from a type name or naming convention.
    pub inferred: bool,
}

impl<'s> Walker<'s> {
    /// A walker for file `file` of `project`.
    pub fn new(
        file: usize,
        text: &'s str,
        project: &'s Project,
        paths: &'s HashMap<&'s str, usize>,
        jsx: bool,
    ) -> Self {
        Self {
            file,
            path: project.paths.get(file).map_or("", String::as_str),
            text,
            lines: OnceCell::new(),
            project,
            paths,
            jsx,
            fns: vec![FnFrame::default()],
            loops: Vec::new(),
            classes: Vec::new(),
            handler_fns: HashSet::default(),
            processor_fns: HashSet::default(),
            callback_fns: HashMap::default(),
            fn_loop_pushed: Vec::new(),
            promise_all_maps: HashSet::default(),
            pending_name: None,
            memoized: HashSet::default(),
            query_chains: HashSet::default(),
            sink: Sink::default(),
        }
    }

    /// Line index of this file.
    pub fn lines(&self) -> &LineIndex<'s> {
        self.lines.get_or_init(|| LineIndex::new(self.text))
    }

    /// Span of an AST range in this file.
    pub fn span(&self, span: OxcSpan) -> Span {
        self.lines()
            .span(self.path, span.start as usize, span.end as usize)
    }

    /// Source text of a span, cut to one line for evidence.
    pub fn snippet(&self, span: OxcSpan) -> String {
        let text = self
            .text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("");
        let first = text.lines().next().unwrap_or("").trim();
        if first.len() > 120 {
            let mut end = 120;
            while !first.is_char_boundary(end) {
                end -= 1;
            }
            format!("{}…", &first[..end])
        } else {
            first.to_owned()
        }
    }

    /// Source text of a span.
    pub fn source(&self, span: OxcSpan) -> &'s str {
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }

    /// Kind of the value of an expression.
    pub fn kind_of(&self, expr: &Expression<'_>) -> Option<Kind> {
        let relative = |spec: &str| resolve_specifier(self.paths, self.path, spec);
        match model::eval(expr, self, &relative)? {
            Binding::Known(kind) => Some(kind),
            Binding::Pkg { module, path } => model::package_value(&module, &path),
            relative @ Binding::Relative { .. } => self.project.resolve(&relative),
        }
    }

    /// The binding of an expression (before project resolution).
    pub fn binding_of(&self, expr: &Expression<'_>) -> Option<Binding> {
        let relative = |spec: &str| resolve_specifier(self.paths, self.path, spec);
        model::eval(expr, self, &relative)
    }

    /// Whether code here runs per request: inside a request handler, and not
    /// inside a job processor nested in it.
    pub fn in_handler(&self) -> bool {
        self.fns
            .iter()
            .rev()
            .find(|f| f.handler || f.job)
            .is_some_and(|f| f.handler)
    }

    /// The current function frame.
    pub fn frame(&mut self) -> &mut FnFrame {
        // The module frame is never popped.
        let last = self.fns.len() - 1;
        &mut self.fns[last]
    }

    /// Loops enclosing the current point, innermost first, up to a barrier.
    pub fn enclosing_loops(&self) -> impl Iterator<Item = &LoopFrame> {
        self.loops
            .iter()
            .rev()
            .take_while(|l| l.kind != LoopKind::Barrier)
    }

    /// Depth of the current function.
    pub fn fn_depth(&self) -> usize {
        self.fns.len()
    }

    /// Whether an expression carries request input (`req.query.page`,
    /// a variable assigned from it, `Number(req.query.page)`).
    pub fn is_request_input(&self, expr: &Expression<'_>) -> bool {
        self.request_input_depth(expr, 0)
    }

    fn request_input_depth(&self, expr: &Expression<'_>, depth: u32) -> bool {
        if depth > 32 {
            return false;
        }
        let expr = unwrap(expr);
        match expr {
            Expression::Identifier(id) => {
                let name = id.name.as_str();
                self.fns.iter().any(|f| f.tainted.contains(name))
            }
            Expression::StaticMemberExpression(_) | Expression::ComputedMemberExpression(_) => {
                let Some(root) = routes::root_name(expr) else {
                    return false;
                };
                if self.fns.iter().any(|f| f.tainted.contains(root)) {
                    return true;
                }
                let is_request = self.fns.iter().any(|f| f.request.iter().any(|r| r == root));
                let text = self.source(expr.span());
                is_request
                    && ["query", "params", "body", "searchParams", "files", "file"]
                        .iter()
                        .any(|p| text.contains(p))
            }
            Expression::CallExpression(call) => {
                call.arguments
                    .iter()
                    .filter_map(Argument::as_expression)
                    .any(|a| self.request_input_depth(a, depth + 1))
                    || call
                        .callee
                        .as_member_expression()
                        .is_some_and(|m| self.request_input_depth(m.object(), depth + 1))
            }
            Expression::BinaryExpression(b) => {
                self.request_input_depth(&b.left, depth + 1)
                    || self.request_input_depth(&b.right, depth + 1)
            }
            Expression::LogicalExpression(l) => {
                self.request_input_depth(&l.left, depth + 1)
                    || self.request_input_depth(&l.right, depth + 1)
            }
            Expression::UnaryExpression(u) => self.request_input_depth(&u.argument, depth + 1),
            Expression::ConditionalExpression(c) => {
                self.request_input_depth(&c.consequent, depth + 1)
                    || self.request_input_depth(&c.alternate, depth + 1)
            }
            _ => false,
        }
    }

    /// Recognise a database call; the chain is classified once, at its outermost call.
    pub fn query<'b, 'a>(&mut self, call: &'b CallExpression<'a>) -> Option<Query<'b, 'a>> {
        let mut chain = vec![call];
        let mut current = call;
        while let Some(member) = unwrap(&current.callee).as_member_expression() {
            match unwrap(member.object()) {
                Expression::CallExpression(inner) => {
                    chain.push(inner);
                    current = inner;
                }
                _ => break,
            }
        }
        let innermost = chain.last()?;
        let callee = unwrap(&innermost.callee);
        let (kind, inferred) = match self.kind_of(callee) {
            Some(kind) => (Some(kind), false),
            None => (self.inferred_kind(callee), true),
        };
        let Some(Kind::Db(lib)) = kind else {
            return None;
        };
        let method = chain
            .iter()
            .rev()
            .filter_map(|c| model::method_name(&c.callee))
            .find(|m| QUERY_METHODS.contains(m))
            .or_else(|| {
                (lib == Lib::Knex && matches!(callee, Expression::Identifier(_)))
                    .then_some("builder")
            })?;
        // Inner calls of a chain share its start: only the outermost is classified.
        if !self.query_chains.insert(call.span.start) {
            return None;
        }
        Some(Query {
            lib,
            method,
            chain,
            inferred,
        })
    }

    /// Kind by naming convention for `this.<field>` members not resolved by types.
    fn inferred_kind(&self, callee: &Expression<'_>) -> Option<Kind> {
        let root = callee.as_member_expression()?;
        let mut object = unwrap(root.object());
        while let Some(member) = object.as_member_expression() {
            if let Expression::ThisExpression(_) = unwrap(member.object()) {
                let field = member.static_property_name()?;
                let lower = field.to_ascii_lowercase();
                return if lower == "prisma" {
                    Some(Kind::Db(Lib::Prisma))
                } else {
                    lower
                        .contains("repository")
                        .then_some(Kind::Db(Lib::TypeOrm))
                };
            }
            object = unwrap(member.object());
        }
        None
    }

    fn enter_function(&mut self, span: OxcSpan, params: &FormalParameters<'_>, declaration: bool) {
        let name = self.pending_name.take();
        let first = params.items.first().and_then(|p| binding_name(&p.pattern));
        let second = params.items.get(1).and_then(|p| binding_name(&p.pattern));
        let by_route = self.handler_fns.contains(&span.start);
        let by_name = name.as_deref().is_some_and(|n| {
            self.project
                .handlers
                .get(self.file)
                .is_some_and(|h| h.contains(n))
        });
        let by_params = matches!(first, Some("req" | "request"))
            && matches!(second, Some("res" | "reply" | "response" | "h"));
        let next_route = name.as_deref().is_some_and(|n| {
            matches!(n, "GET" | "POST" | "PUT" | "PATCH" | "DELETE")
                && is_next_route_file(self.path)
        });
        let by_processor = self.processor_fns.contains(&span.start)
            || name.as_deref().is_some_and(|n| {
                self.project
                    .processors
                    .get(self.file)
                    .is_some_and(|p| p.contains(n))
            });
        // Registered as a job processor and never as a route: it runs in a
        // worker, whatever its parameters are called.
        let job = by_processor && !(by_route || by_name || next_route);
        let handler = !job && (by_route || by_name || by_params || next_route);
        let mut frame = FnFrame {
            handler,
            job,
            ..FnFrame::default()
        };
        if handler && let Some(first) = first {
            frame.request.push(first.to_owned());
        }
        // NestJS: `@Query("page") page`, `@Body() dto` are request input.
        for param in &params.items {
            if param.decorators.iter().any(|d| {
                matches!(
                    decorator_name(d),
                    Some("Query" | "Body" | "Param" | "Req" | "Request")
                )
            }) && let Some(name) = binding_name(&param.pattern)
            {
                frame.tainted.insert(name.to_owned());
            }
        }
        let callback = self.callback_fns.remove(&span.start);
        match callback {
            Some((call_span, promise_all, over_request)) => self.loops.push(LoopFrame {
                kind: LoopKind::Callback,
                fn_depth: self.fns.len() + 1,
                span: call_span,
                promise_all,
                sequential_by_design: false,
                over_request,
                import_reported: false,
            }),
            None if declaration || handler => self.loops.push(LoopFrame {
                kind: LoopKind::Barrier,
                fn_depth: self.fns.len() + 1,
                span,
                promise_all: false,
                sequential_by_design: false,
                over_request: false,
                import_reported: false,
            }),
            None => {}
        }
        let pushed_loop = callback.is_some() || declaration || handler;
        self.fns.push(frame);
        self.fn_loop_pushed.push(pushed_loop);
    }

    fn leave_function(&mut self) {
        if let Some(frame) = self.fns.pop()
            && !frame.saw_expire
        {
            self.sink.findings.extend(frame.pending_ttl);
        }
        if self.fn_loop_pushed.pop() == Some(true) {
            self.loops.pop();
        }
    }

    fn push_loop(&mut self, kind: LoopKind, span: OxcSpan, sequential: bool, over_request: bool) {
        self.loops.push(LoopFrame {
            kind,
            fn_depth: self.fns.len(),
            span,
            promise_all: false,
            sequential_by_design: sequential,
            over_request,
            import_reported: false,
        });
    }

    fn bind_local(&mut self, pattern: &BindingPattern<'_>, init: &Expression<'_>) {
        let tainted = self.is_request_input(init);
        let binding = match pattern {
            BindingPattern::BindingIdentifier(_) => self.binding_of(init),
            _ => None,
        };
        let frame_index = self.fns.len() - 1;
        let mut names = Vec::new();
        collect_names(pattern, &mut names, 0);
        let frame = &mut self.fns[frame_index];
        for name in names {
            if tainted {
                frame.tainted.insert(name.to_owned());
            }
        }
        if let (BindingPattern::BindingIdentifier(id), Some(binding)) = (pattern, binding) {
            frame.locals.insert(id.name.to_string(), binding);
        }
    }
}

/// `app/**/route.ts` (Next.js App Router) route handlers.
fn is_next_route_file(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    (path.starts_with("app/") || path.contains("/app/")) && file.split('.').next() == Some("route")
}

/// `pages/api/**` (Next.js Pages Router) API routes.
fn is_next_api_file(path: &str) -> bool {
    path.starts_with("pages/api/") || path.contains("/pages/api/")
}

fn binding_name<'a>(pattern: &BindingPattern<'a>) -> Option<&'a str> {
    match pattern {
        BindingPattern::BindingIdentifier(id) => Some(id.name.as_str()),
        BindingPattern::AssignmentPattern(p) => binding_name(&p.left),
        _ => None,
    }
}

fn collect_names<'a>(pattern: &BindingPattern<'a>, out: &mut Vec<&'a str>, depth: u32) {
    if depth > 32 {
        return;
    }
    match pattern {
        BindingPattern::BindingIdentifier(id) => out.push(id.name.as_str()),
        BindingPattern::AssignmentPattern(p) => collect_names(&p.left, out, depth + 1),
        BindingPattern::ObjectPattern(p) => {
            for property in &p.properties {
                collect_names(&property.value, out, depth + 1);
            }
            if let Some(rest) = &p.rest {
                collect_names(&rest.argument, out, depth + 1);
            }
        }
        BindingPattern::ArrayPattern(p) => {
            for element in p.elements.iter().flatten() {
                collect_names(element, out, depth + 1);
            }
            if let Some(rest) = &p.rest {
                collect_names(&rest.argument, out, depth + 1);
            }
        }
    }
}

/// Name of a decorator: `@Get("x")` → `Get`.
pub fn decorator_name<'a>(decorator: &Decorator<'a>) -> Option<&'a str> {
    match &decorator.expression {
        Expression::CallExpression(call) => match unwrap(&call.callee) {
            Expression::Identifier(id) => Some(id.name.as_str()),
            _ => None,
        },
        Expression::Identifier(id) => Some(id.name.as_str()),
        _ => None,
    }
}

/// First string argument of a decorator call: `@Post("login")` → `login`.
fn decorator_arg<'a>(decorator: &Decorator<'a>) -> Option<&'a str> {
    match &decorator.expression {
        Expression::CallExpression(call) => {
            crate::consts::string(call.arguments.first()?.as_expression()?)
        }
        _ => None,
    }
}

/// Whether decorators throttle the route (`@Throttle`, `@UseGuards(ThrottlerGuard)`).
fn throttled(decorators: &[Decorator<'_>], text: &str) -> bool {
    decorators.iter().any(|d| {
        let name = decorator_name(d);
        name == Some("Throttle")
            || (name == Some("UseGuards")
                && text
                    .get(d.span.start as usize..d.span.end as usize)
                    .is_some_and(|t| t.contains("Throttl")))
    })
}

/// Names assigned in a loop body, identifiers read in its test, and exits.
#[derive(Default)]
struct LoopShape<'a> {
    assigned: HashSet<&'a str>,
    exits: bool,
    try_with_exit: bool,
    try_depth: u32,
}

impl<'a> Visit<'a> for LoopShape<'a> {
    fn visit_assignment_expression(&mut self, it: &AssignmentExpression<'a>) {
        if let Some(id) = it.left.get_identifier_name() {
            self.assigned.insert(id);
        }
        walk::walk_assignment_expression(self, it);
    }

    fn visit_statement(&mut self, it: &Statement<'a>) {
        match it {
            Statement::BreakStatement(_) | Statement::ReturnStatement(_) => {
                self.exits = true;
                if self.try_depth > 0 {
                    self.try_with_exit = true;
                }
            }
            Statement::TryStatement(t) => {
                self.try_depth += 1;
                self.visit_block_statement(&t.block);
                self.try_depth -= 1;
                if let Some(handler) = &t.handler {
                    self.visit_catch_clause(handler);
                }
                if let Some(finalizer) = &t.finalizer {
                    self.visit_block_statement(finalizer);
                }
                return;
            }
            _ => {}
        }
        walk::walk_statement(self, it);
    }

    // Nested functions do not exit or assign for this loop.
    fn visit_function(&mut self, _it: &Function<'a>, _flags: ScopeFlags) {}
    fn visit_arrow_function_expression(&mut self, _it: &ArrowFunctionExpression<'a>) {}
}

/// Identifiers read by an expression.
#[derive(Default)]
struct Reads<'a> {
    names: Vec<&'a str>,
}

impl<'a> Visit<'a> for Reads<'a> {
    fn visit_identifier_reference(&mut self, it: &oxc_ast::ast::IdentifierReference<'a>) {
        self.names.push(it.name.as_str());
    }
}

/// Whether a loop's `await`s are sequential by design: paging (the test
/// reads a name the body assigns), polling (`while (true)` with an exit),
/// or retries (`attempt`-style counters, `try` blocks that exit).
fn sequential_by_design<'a>(
    test: Option<&Expression<'a>>,
    init_text: &str,
    body: &Statement<'a>,
) -> bool {
    let mut shape = LoopShape::default();
    shape.visit_statement(body);
    if shape.try_with_exit {
        return true;
    }
    let lower = init_text.to_ascii_lowercase();
    if ["attempt", "retr", "tries"]
        .iter()
        .any(|w| lower.contains(w))
    {
        return true;
    }
    match test {
        None => shape.exits,
        Some(test) => {
            if matches!(unwrap(test), Expression::BooleanLiteral(b) if b.value) {
                return shape.exits;
            }
            let mut reads = Reads::default();
            reads.visit_expression(test);
            reads.names.iter().any(|n| shape.assigned.contains(n))
        }
    }
}

impl<'a> Visit<'a> for Walker<'_> {
    fn visit_class(&mut self, class: &Class<'a>) {
        let mut frame = ClassFrame::default();
        for decorator in &class.decorators {
            if decorator_name(decorator) == Some("Controller") {
                frame.controller = Some(decorator_arg(decorator).unwrap_or("").to_owned());
            }
        }
        frame.throttled = throttled(&class.decorators, self.text);
        // Fields injected through the constructor or declared with a type.
        for element in &class.body.body {
            match element {
                oxc_ast::ast::ClassElement::MethodDefinition(method)
                    if method.kind == oxc_ast::ast::MethodDefinitionKind::Constructor =>
                {
                    for param in &method.value.params.items {
                        if let (Some(name), Some(kind)) = (
                            binding_name(&param.pattern),
                            param
                                .type_annotation
                                .as_ref()
                                .and_then(|t| type_kind(&t.type_annotation)),
                        ) {
                            frame.fields.insert(name.to_owned(), Binding::Known(kind));
                        }
                    }
                }
                oxc_ast::ast::ClassElement::PropertyDefinition(property) => {
                    let Some(name) = property.key.static_name() else {
                        continue;
                    };
                    let binding = property
                        .value
                        .as_ref()
                        .and_then(|v| self.binding_of(v))
                        .or_else(|| {
                            property
                                .type_annotation
                                .as_ref()
                                .and_then(|t| type_kind(&t.type_annotation))
                                .map(Binding::Known)
                        });
                    if let Some(binding) = binding {
                        frame.fields.insert(name.to_string(), binding);
                    }
                }
                _ => {}
            }
        }
        self.classes.push(frame);
        walk::walk_class(self, class);
        self.classes.pop();
    }

    fn visit_method_definition(&mut self, method: &MethodDefinition<'a>) {
        let class = self.classes.last();
        let route = method.decorators.iter().find_map(|d| {
            let name = decorator_name(d)?;
            matches!(name, "Get" | "Post" | "Put" | "Patch" | "Delete" | "All")
                .then(|| (name.to_ascii_uppercase(), decorator_arg(d).unwrap_or("")))
        });
        let is_controller_route = class.is_some_and(|c| c.controller.is_some()) && route.is_some();
        if let (Some((verb, path)), Some(class)) = (&route, class)
            && is_controller_route
        {
            let prefix = class.controller.clone().unwrap_or_default();
            let full = format!("/{}/{}", prefix.trim_matches('/'), path.trim_matches('/'));
            let limited = class.throttled
                || throttled(&method.decorators, self.text)
                || self.project.global_limiter;
            if let Some(finding) = rules::auth_route_without_rate_limit::check_nest(
                self,
                verb,
                &full,
                limited,
                method.span,
            ) {
                self.sink.findings.push(finding);
            }
        }
        if is_controller_route {
            self.handler_fns.insert(method.value.span.start);
        } else if let Some(name) = method.key.static_name() {
            self.pending_name = Some(name.to_string());
        }
        walk::walk_method_definition(self, method);
    }

    fn visit_function(&mut self, func: &Function<'a>, flags: ScopeFlags) {
        if let Some(id) = &func.id {
            self.pending_name = Some(id.name.to_string());
        }
        self.enter_function(func.span, &func.params, func.is_declaration());
        walk::walk_function(self, func, flags);
        self.leave_function();
    }

    fn visit_arrow_function_expression(&mut self, func: &ArrowFunctionExpression<'a>) {
        self.enter_function(func.span, &func.params, false);
        walk::walk_arrow_function_expression(self, func);
        self.leave_function();
    }

    fn visit_variable_declarator(&mut self, it: &VariableDeclarator<'a>) {
        if let Some(init) = &it.init {
            if let BindingPattern::BindingIdentifier(id) = &it.id {
                self.pending_name = Some(id.name.to_string());
            }
            if self.fns.len() > 1 {
                self.bind_local(&it.id, init);
            }
        }
        walk::walk_variable_declarator(self, it);
        self.pending_name = None;
    }

    fn visit_assignment_expression(&mut self, it: &AssignmentExpression<'a>) {
        if let Expression::NewExpression(_) | Expression::CallExpression(_) = unwrap(&it.right) {
            self.memoized.insert(unwrap(&it.right).span().start);
        }
        // `exports.list = async (req, res) => ...`, `this.pool = new Pool()`.
        if let Some(member) = it.left.as_member_expression() {
            if let Some(name) = member.static_property_name() {
                self.pending_name = Some(name.to_owned());
                if matches!(unwrap(member.object()), Expression::ThisExpression(_))
                    && let Some(binding) = self.binding_of(&it.right)
                    && let Some(class) = self.classes.last_mut()
                {
                    class.fields.insert(name.to_owned(), binding);
                }
            }
        } else if let Some(name) = it.left.get_identifier_name() {
            self.pending_name = Some(name.to_string());
            if self.is_request_input(&it.right) {
                self.frame().tainted.insert(name.to_string());
            }
        }
        walk::walk_assignment_expression(self, it);
        self.pending_name = None;
    }

    fn visit_object_property(&mut self, it: &oxc_ast::ast::ObjectProperty<'a>) {
        if let Some(name) = it.key.static_name() {
            self.pending_name = Some(name.to_string());
        }
        walk::walk_object_property(self, it);
        self.pending_name = None;
    }

    fn visit_export_default_declaration(
        &mut self,
        it: &oxc_ast::ast::ExportDefaultDeclaration<'a>,
    ) {
        if is_next_api_file(self.path) {
            // `export default function handler(req, res)`: a Pages Router API route.
            let start = match &it.declaration {
                oxc_ast::ast::ExportDefaultDeclarationKind::FunctionDeclaration(f) => {
                    Some(f.span.start)
                }
                other => other.as_expression().map(|e| unwrap(e).span().start),
            };
            self.handler_fns.extend(start);
        }
        walk::walk_export_default_declaration(self, it);
    }

    fn visit_for_statement(&mut self, it: &ForStatement<'a>) {
        if let Some(init) = &it.init {
            self.visit_for_statement_init(init);
        }
        let init_text = it.init.as_ref().map_or("", |i| self.source(i.span()));
        let test_text = it.test.as_ref().map_or("", |t| self.source(t.span()));
        let sequential = sequential_by_design(
            it.test.as_ref(),
            &format!("{init_text} {test_text}"),
            &it.body,
        );
        let header = OxcSpan::new(it.span.start, it.body.span().start);
        self.push_loop(LoopKind::Statement, header, sequential, false);
        if let Some(test) = &it.test {
            self.visit_expression(test);
        }
        if let Some(update) = &it.update {
            self.visit_expression(update);
        }
        self.visit_statement(&it.body);
        self.loops.pop();
    }

    fn visit_for_of_statement(&mut self, it: &ForOfStatement<'a>) {
        self.visit_expression(&it.right);
        let kind = if it.r#await {
            LoopKind::ForAwait
        } else {
            LoopKind::Statement
        };
        let over_request = self.is_request_input(&it.right);
        let header = OxcSpan::new(it.span.start, it.body.span().start);
        // Iterating a collection is never paging; only retries inside are by design.
        let mut shape = LoopShape::default();
        shape.visit_statement(&it.body);
        let sequential = shape.try_with_exit;
        self.push_loop(kind, header, sequential, over_request);
        self.visit_for_statement_left(&it.left);
        self.visit_statement(&it.body);
        self.loops.pop();
    }

    fn visit_for_in_statement(&mut self, it: &ForInStatement<'a>) {
        self.visit_expression(&it.right);
        let header = OxcSpan::new(it.span.start, it.body.span().start);
        self.push_loop(LoopKind::Statement, header, false, false);
        self.visit_for_statement_left(&it.left);
        self.visit_statement(&it.body);
        self.loops.pop();
    }

    fn visit_while_statement(&mut self, it: &WhileStatement<'a>) {
        let text = self.source(it.test.span());
        let sequential = sequential_by_design(Some(&it.test), text, &it.body);
        let header = OxcSpan::new(it.span.start, it.body.span().start);
        self.push_loop(LoopKind::Statement, header, sequential, false);
        self.visit_expression(&it.test);
        self.visit_statement(&it.body);
        self.loops.pop();
    }

    fn visit_do_while_statement(&mut self, it: &DoWhileStatement<'a>) {
        let text = self.source(it.test.span());
        let sequential = sequential_by_design(Some(&it.test), text, &it.body);
        let header = OxcSpan::new(it.span.start, it.body.span().start);
        self.push_loop(LoopKind::Statement, header, sequential, false);
        self.visit_statement(&it.body);
        self.visit_expression(&it.test);
        self.loops.pop();
    }

    fn visit_await_expression(&mut self, it: &AwaitExpression<'a>) {
        if let Some(finding) = rules::await_in_loop::check(self, it) {
            self.sink.findings.push(finding);
        }
        walk::walk_await_expression(self, it);
    }

    fn visit_new_expression(&mut self, it: &NewExpression<'a>) {
        let construct = match self.binding_of(&it.callee) {
            Some(Binding::Pkg { module, path }) => model::package_new(&module, &path),
            _ => None,
        };
        if let Some(kind) = construct {
            self.constructed(kind, &it.arguments, it.span);
        }
        if let Some(class) = self.agent_class(&it.callee) {
            let name = self.pending_name.clone();
            agents::constructed(self, class, &it.arguments, it.span, name.as_deref());
        }
        // `new Worker("sms", async (job) => ...)`: the processor runs in a worker.
        if let Some(Binding::Pkg { module, path }) = self.binding_of(&it.callee)
            && let Some(index) = model::worker_class(&module, &path)
            && let Some(processor) = it.arguments.get(index).and_then(Argument::as_expression)
        {
            self.processor(processor);
        }
        walk::walk_new_expression(self, it);
    }

    fn visit_tagged_template_expression(&mut self, it: &TaggedTemplateExpression<'a>) {
        let tag = unwrap(&it.tag);
        let lib = match self.kind_of(tag) {
            Some(Kind::Db(lib)) => Some(lib),
            // `sql\`...\`` from postgres.js, @vercel/postgres, slonik, ...
            _ => match tag {
                Expression::Identifier(id) if id.name == "sql" => {
                    Some(match self.binding_of(tag) {
                        Some(Binding::Pkg { module, .. })
                            if matches!(module.as_str(), "postgres" | "@vercel/postgres") =>
                        {
                            Lib::Pg
                        }
                        _ => Lib::Knex,
                    })
                }
                _ => None,
            },
        };
        if let Some(lib) = lib {
            crate::sql::check_template(self, &it.quasi, lib);
        }
        walk::walk_tagged_template_expression(self, it);
    }

    fn visit_call_expression(&mut self, call: &CallExpression<'a>) {
        // Iteration callbacks and `Promise.all(xs.map(...))`.
        if let Some(member) = call.callee.as_member_expression()
            && let Some(method) = member.static_property_name()
        {
            if matches!(method, "all" | "allSettled")
                && matches!(unwrap(member.object()), Expression::Identifier(id) if id.name == "Promise")
                && let Some(Expression::CallExpression(inner)) = call
                    .arguments
                    .first()
                    .and_then(Argument::as_expression)
                    .map(unwrap)
            {
                self.promise_all_maps.insert(inner.span.start);
            }
            if ITERATION_METHODS.contains(&method) {
                let promise_all = self.promise_all_maps.contains(&call.span.start);
                let over_request = self.is_request_input(member.object());
                for arg in call.arguments.iter().filter_map(Argument::as_expression) {
                    if let Expression::ArrowFunctionExpression(_)
                    | Expression::FunctionExpression(_) = unwrap(arg)
                    {
                        self.callback_fns.insert(
                            unwrap(arg).span().start,
                            (call.span, promise_all, over_request),
                        );
                    }
                }
            }
        }
        // Route registrations: inline handlers, rate limiting.
        let receiver_kind = call
            .callee
            .as_member_expression()
            .and_then(|m| self.kind_of(m.object()));
        if let Some(route) = routes::route(call, receiver_kind) {
            if let Some(handler) = route.chain.last() {
                let handler = unwrap(handler);
                if let Expression::ArrowFunctionExpression(_) | Expression::FunctionExpression(_) =
                    handler
                {
                    self.handler_fns.insert(handler.span().start);
                }
            }
            if let Some(finding) = rules::auth_route_without_rate_limit::check(self, call, &route) {
                self.sink.findings.push(finding);
            }
        }
        // Fastify `fastify.route({ method, url, handler })`.
        if model::method_name(&call.callee) == Some("route")
            && let Some(options) = crate::consts::object(crate::consts::arg(&call.arguments, 0))
            && crate::consts::prop(options, "url").is_some()
        {
            if let Some(handler) = crate::consts::prop(options, "handler").map(unwrap)
                && let Expression::ArrowFunctionExpression(_) | Expression::FunctionExpression(_) =
                    handler
            {
                self.handler_fns.insert(handler.span().start);
            }
            if let Some(finding) =
                rules::auth_route_without_rate_limit::check_fastify_route(self, options, call.span)
            {
                self.sink.findings.push(finding);
            }
        }
        // `queue.process(async (job) => ...)`, `agenda.define("sms", async (job) => ...)`.
        if let (Some(kind), Some(method)) = (receiver_kind, model::method_name(&call.callee))
            && model::registers_processor(kind, method)
            && let Some(processor) = call.arguments.last().and_then(Argument::as_expression)
        {
            self.processor(processor);
        }
        // Client construction by factory call (`mysql.createPool`, `axios.create`).
        if let Some(Binding::Pkg { module, path }) = self.binding_of(&call.callee)
            && let Some(kind) = model::package_factory(&module, &path)
        {
            self.constructed(kind, &call.arguments, call.span);
        }
        rules::check_call(self, call);
        walk::walk_call_expression(self, call);
    }
}

impl Walker<'_> {
    /// Mark an inline function expression as a job processor.
    fn processor(&mut self, expr: &Expression<'_>) {
        if let Expression::ArrowFunctionExpression(_) | Expression::FunctionExpression(_) =
            unwrap(expr)
        {
            self.processor_fns.insert(unwrap(expr).span().start);
        }
    }

    /// The agent class `new callee` constructs. An unbound namespace named
    /// `http` or `https` (a parameter, TypeScript's `import http =
    /// require("http")`) is Node's module.
    fn agent_class(&self, callee: &Expression<'_>) -> Option<model::AgentClass> {
        match self.binding_of(callee) {
            Some(Binding::Pkg { module, path }) => model::agent_class(&module, &path),
            Some(_) => None,
            None => {
                let member = unwrap(callee).as_member_expression()?;
                let Expression::Identifier(namespace) = unwrap(member.object()) else {
                    return None;
                };
                let module = namespace.name.as_str();
                if !matches!(module, "http" | "https") {
                    return None;
                }
                model::agent_class(module, &[member.static_property_name()?.to_owned()])
            }
        }
    }

    fn constructed(&mut self, kind: Kind, args: &[Argument<'_>], span: OxcSpan) {
        let name = self.pending_name.clone();
        facts::constructed(self, kind, args, span, name.as_deref());
        if let Some(finding) = rules::client_per_request::check(self, kind, span) {
            self.sink.findings.push(finding);
        }
        if let Some(finding) = rules::query_without_timeout::check(self, kind, args, span) {
            self.sink.findings.push(finding);
        }
        if let Some(finding) =
            rules::cache_write_without_ttl::check_constructor(self, kind, args, span)
        {
            self.sink.findings.push(finding);
        }
        if let Some(finding) =
            rules::http_call_without_timeout::check_constructor(self, kind, args, span)
        {
            self.sink.findings.push(finding);
        }
    }
}

/// Kind from a TypeScript type annotation (`Repository<User>`, `PrismaService`).
fn type_kind(ty: &TSType<'_>) -> Option<Kind> {
    match ty {
        TSType::TSTypeReference(reference) => {
            let name = match &reference.type_name {
                oxc_ast::ast::TSTypeName::IdentifierReference(id) => id.name.as_str(),
                oxc_ast::ast::TSTypeName::QualifiedName(q) => q.right.name.as_str(),
                oxc_ast::ast::TSTypeName::ThisExpression(_) => return None,
            };
            model::kind_of_type_name(name)
        }
        _ => None,
    }
}
