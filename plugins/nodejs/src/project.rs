//! Project-wide facts gathered before the rules run (pass one): the
//! module-level bindings and exports of every file, the functions used as
//! route handlers or job processors and the routers mounted behind a rate
//! limiter. They let the rules follow `import`/`require` across files.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use oxc_ast::ast::{
    AssignmentTarget, BindingPattern, CallExpression, Declaration, ExportDefaultDeclarationKind,
    Expression, ImportDeclarationSpecifier, NewExpression, ObjectPropertyKind, Program, Statement,
};
use oxc_ast_visit::{Visit, walk};

use crate::model::{self, Binding, Kind, Scope, unwrap};
use crate::routes;

/// What an exported name refers to.
#[derive(Debug, Clone)]
pub enum Export {
    /// A module-level name of the same file.
    Local(String),
    /// A value.
    Value(Binding),
}

/// Pass-one facts of one file.
#[derive(Debug, Default)]
pub struct Summary {
    /// Module-level names (imports included) with an interesting binding.
    pub locals: HashMap<String, Binding>,
    /// Exported names; `default` is also `module.exports = x`.
    pub exports: HashMap<String, Export>,
    /// Names used as route handlers: `(name, member)` for `ctrl.list`.
    handler_refs: Vec<(String, Option<String>)>,
    /// Names mounted with a rate limiter: `app.use("/auth", limiter, authRouter)`.
    limited_refs: Vec<String>,
    /// Names registered as job processors (`new Worker("sms", sendSms)`), with
    /// the receiver and method of a `queue.process(fn)` registration, whose
    /// kind is only known once every file is summarised.
    processor_refs: Vec<ProcessorRef>,
    /// `app.use(limiter)` without a path.
    global_limiter: bool,
    /// Paths mounted behind a limiter.
    limited_prefixes: Vec<String>,
}

/// A name registered as a job processor: `(receiver and method, name, member)`;
/// no receiver for a worker constructor (`new Worker(queue, name)`).
type ProcessorRef = (Option<(Binding, String)>, String, Option<String>);

/// Which per-file name set of [`Project`] a reference lands in.
#[derive(Clone, Copy)]
enum NameSet {
    Handlers,
    Limited,
    Processors,
}

/// All files of one analysis, with cross-file resolution.
#[derive(Debug, Default)]
pub struct Project {
    /// Artifact paths, indexed like `summaries`.
    pub paths: Vec<String>,
    /// Pass-one facts per file.
    pub summaries: Vec<Summary>,
    /// Per file: names of functions that are route handlers.
    pub handlers: Vec<HashSet<String>>,
    /// Per file: module-level routers mounted behind a rate limiter.
    pub limited: Vec<HashSet<String>>,
    /// Per file: names of functions registered as job processors.
    pub processors: Vec<HashSet<String>>,
    /// Some `app.use(limiter)` applies to every route.
    pub global_limiter: bool,
    /// Path prefixes mounted behind a limiter.
    pub limited_prefixes: Vec<String>,
}

impl Project {
    /// Resolve a binding to a kind, following exports across files.
    pub fn resolve(&self, binding: &Binding) -> Option<Kind> {
        self.resolve_depth(binding, 0)
    }

    fn resolve_depth(&self, binding: &Binding, depth: u32) -> Option<Kind> {
        // Re-export cycles (`a` re-exports `b` re-exports `a`) end here.
        if depth > 16 {
            return None;
        }
        match binding {
            Binding::Known(kind) => Some(*kind),
            Binding::Pkg { module, path } => model::package_value(module, path),
            Binding::Relative { file, export } => {
                let summary = self.summaries.get(*file)?;
                let name = if export == "*" { "default" } else { export };
                let target = summary
                    .exports
                    .get(name)
                    .or_else(|| summary.exports.get("default"))?;
                match target {
                    Export::Local(local) => {
                        self.resolve_depth(summary.locals.get(local)?, depth + 1)
                    }
                    Export::Value(value) => self.resolve_depth(value, depth + 1),
                }
            }
        }
    }

    /// Link the summaries: handler, processor and limiter references to other files.
    pub fn link(&mut self) {
        let n = self.summaries.len();
        self.handlers = vec![HashSet::default(); n];
        self.limited = vec![HashSet::default(); n];
        self.processors = vec![HashSet::default(); n];
        for i in 0..n {
            let summary = &self.summaries[i];
            self.global_limiter |= summary.global_limiter;
            self.limited_prefixes
                .extend(summary.limited_prefixes.iter().cloned());
            let mut targets = Vec::new();
            for (name, member) in &summary.handler_refs {
                ref_targets(summary, i, name, member.as_deref(), true, |t| {
                    targets.push((NameSet::Handlers, t));
                });
            }
            for (receiver, name, member) in &summary.processor_refs {
                let registers = receiver.as_ref().is_none_or(|(binding, method)| {
                    self.resolve(binding)
                        .is_some_and(|kind| model::registers_processor(kind, method))
                });
                if registers {
                    // Only the function itself: marking a whole module as
                    // processors would hide its route handlers.
                    ref_targets(summary, i, name, member.as_deref(), false, |t| {
                        targets.push((NameSet::Processors, t));
                    });
                }
            }
            for name in &summary.limited_refs {
                match summary.locals.get(name) {
                    Some(Binding::Relative { file, export }) => {
                        targets.push((NameSet::Limited, (*file, export.clone())));
                    }
                    _ => targets.push((NameSet::Limited, (i, name.clone()))),
                }
            }
            for (set, (file, name)) in targets {
                self.add_export_name(file, &name, set);
            }
        }
    }

    fn add_export_name(&mut self, file: usize, name: &str, set: NameSet) {
        let Some(summary) = self.summaries.get(file) else {
            return;
        };
        let key = if name == "*" { "default" } else { name };
        let local = match summary.exports.get(key) {
            Some(Export::Local(local)) => Some(local.clone()),
            _ => None,
        };
        let set = match set {
            NameSet::Handlers => &mut self.handlers[file],
            NameSet::Limited => &mut self.limited[file],
            NameSet::Processors => &mut self.processors[file],
        };
        set.insert(name.to_owned());
        set.extend(local);
    }
}

/// The `(file, name)` pairs a function reference of file `i` may denote:
/// `name` (or `name.member`) here, or the export it imports; for
/// `module.member`, also the imported `module` itself when `with_module`.
fn ref_targets(
    summary: &Summary,
    i: usize,
    name: &str,
    member: Option<&str>,
    with_module: bool,
    mut push: impl FnMut((usize, String)),
) {
    match (summary.locals.get(name), member) {
        (Some(Binding::Relative { file, export }), Some(member)) => {
            push((*file, member.to_owned()));
            if with_module {
                push((*file, export.clone()));
            }
        }
        (Some(Binding::Relative { file, export }), None) => push((*file, export.clone())),
        (_, Some(member)) => push((i, member.to_owned())),
        _ => push((i, name.to_owned())),
    }
}

/// Resolve a module specifier of `from` to a project file.
pub fn resolve_specifier(paths: &HashMap<&str, usize>, from: &str, spec: &str) -> Option<usize> {
    if !spec.starts_with('.') {
        return None;
    }
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for segment in spec.split('/') {
        match segment {
            "." | "" => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let base = parts.join("/");
    // TypeScript sources import their compiled name: `./db.js` is `db.ts`.
    let stem = base
        .strip_suffix(".js")
        .or_else(|| base.strip_suffix(".mjs"))
        .or_else(|| base.strip_suffix(".cjs"))
        .unwrap_or(&base);
    if let Some(&file) = paths.get(base.as_str()) {
        return Some(file);
    }
    const EXTENSIONS: [&str; 8] = ["ts", "js", "tsx", "jsx", "mts", "mjs", "cts", "cjs"];
    for candidate in [stem.to_owned(), format!("{base}/index")] {
        for ext in EXTENSIONS {
            if let Some(&file) = paths.get(format!("{candidate}.{ext}").as_str()) {
                return Some(file);
            }
        }
    }
    None
}

/// Builds one file's [`Summary`].
pub struct Summarizer<'p> {
    /// Map from artifact path to file index.
    pub paths: &'p HashMap<&'p str, usize>,
    /// This file's path.
    pub path: &'p str,
    summary: Summary,
}

impl Scope for Summarizer<'_> {
    fn get(&self, name: &str) -> Option<Binding> {
        self.summary.locals.get(name).cloned()
    }

    fn resolve(&self, _binding: &Binding) -> Option<Kind> {
        // Other files are not summarised yet: relative bindings stay relative.
        None
    }
}

impl<'p> Summarizer<'p> {
    /// A summarizer for the file at `path`.
    pub fn new(paths: &'p HashMap<&'p str, usize>, path: &'p str) -> Self {
        Self {
            paths,
            path,
            summary: Summary::default(),
        }
    }

    /// Summarise a parsed file.
    pub fn run(mut self, program: &Program<'_>) -> Summary {
        for statement in &program.body {
            self.statement(statement);
        }
        let mut scan = RouteScan { s: &mut self };
        scan.visit_program(program);
        self.summary
    }

    fn eval(&self, expr: &Expression<'_>) -> Option<Binding> {
        let relative = |spec: &str| resolve_specifier(self.paths, self.path, spec);
        model::eval(expr, self, &relative)
    }

    fn statement(&mut self, statement: &Statement<'_>) {
        match statement {
            Statement::ImportDeclaration(import) => {
                let source = import.source.value.as_str();
                let file = resolve_specifier(self.paths, self.path, source);
                for specifier in import.specifiers.iter().flatten() {
                    let (local, imported) = match specifier {
                        ImportDeclarationSpecifier::ImportSpecifier(s) => {
                            (s.local.name.as_str(), Some(s.imported.name().to_string()))
                        }
                        ImportDeclarationSpecifier::ImportDefaultSpecifier(s) => {
                            (s.local.name.as_str(), None)
                        }
                        ImportDeclarationSpecifier::ImportNamespaceSpecifier(s) => {
                            (s.local.name.as_str(), Some("*".to_owned()))
                        }
                    };
                    let binding = match (file, imported) {
                        (Some(file), imported) => Binding::Relative {
                            file,
                            export: imported.unwrap_or_else(|| "default".into()),
                        },
                        (None, Some(name)) if name != "*" => Binding::Pkg {
                            module: source.to_owned(),
                            path: vec![name],
                        },
                        (None, _) => Binding::Pkg {
                            module: source.to_owned(),
                            path: Vec::new(),
                        },
                    };
                    self.summary.locals.insert(local.to_owned(), binding);
                }
            }
            Statement::VariableDeclaration(decl) => {
                for declarator in &decl.declarations {
                    if let Some(init) = &declarator.init {
                        self.bind_pattern(&declarator.id, init);
                    }
                }
            }
            Statement::ClassDeclaration(class) => self.class(class),
            Statement::ExportDeclaration(export) => self.declaration(&export.declaration),
            Statement::ExportNamedDeclaration(export) => {
                for specifier in &export.specifiers {
                    self.summary.exports.insert(
                        specifier.exported.name().to_string(),
                        Export::Local(specifier.local.name().to_string()),
                    );
                }
            }
            Statement::ExportDefaultDeclaration(export) => {
                let export_value = match &export.declaration {
                    ExportDefaultDeclarationKind::FunctionDeclaration(f) => {
                        f.id.as_ref().map(|id| Export::Local(id.name.to_string()))
                    }
                    ExportDefaultDeclarationKind::ClassDeclaration(c) => {
                        self.class(c);
                        c.id.as_ref().map(|id| Export::Local(id.name.to_string()))
                    }
                    other => other.as_expression().and_then(|e| self.export_of(e)),
                };
                if let Some(value) = export_value {
                    self.summary.exports.insert("default".into(), value);
                }
            }
            Statement::ExpressionStatement(statement) => {
                if let Expression::AssignmentExpression(assign) = &statement.expression {
                    self.cjs_export(&assign.left, &assign.right);
                }
            }
            _ => {}
        }
    }

    fn declaration(&mut self, declaration: &Declaration<'_>) {
        match declaration {
            Declaration::VariableDeclaration(decl) => {
                for declarator in &decl.declarations {
                    if let Some(init) = &declarator.init {
                        self.bind_pattern(&declarator.id, init);
                    }
                    if let BindingPattern::BindingIdentifier(id) = &declarator.id {
                        let name = id.name.to_string();
                        self.summary
                            .exports
                            .insert(name.clone(), Export::Local(name));
                    }
                }
            }
            Declaration::FunctionDeclaration(f) => {
                if let Some(id) = &f.id {
                    let name = id.name.to_string();
                    self.summary
                        .exports
                        .insert(name.clone(), Export::Local(name));
                }
            }
            Declaration::ClassDeclaration(c) => {
                self.class(c);
                if let Some(id) = &c.id {
                    let name = id.name.to_string();
                    self.summary
                        .exports
                        .insert(name.clone(), Export::Local(name));
                }
            }
            _ => {}
        }
    }

    fn class(&mut self, class: &oxc_ast::ast::Class<'_>) {
        let (Some(id), Some(superclass)) =
            (&class.id, class.heritage.as_ref().map(|h| &h.expression))
        else {
            return;
        };
        let binding = match self.eval(superclass) {
            Some(Binding::Pkg { module, path }) => {
                model::package_superclass(&module, &path).map(Binding::Known)
            }
            other => other,
        };
        if let Some(binding) = binding {
            self.summary.locals.insert(id.name.to_string(), binding);
        }
    }

    fn export_of(&self, expr: &Expression<'_>) -> Option<Export> {
        match unwrap(expr) {
            Expression::Identifier(id) => Some(Export::Local(id.name.to_string())),
            other => self.eval(other).map(Export::Value),
        }
    }

    /// `module.exports = x`, `module.exports = { a, b }`, `exports.a = x`.
    fn cjs_export(&mut self, left: &AssignmentTarget<'_>, right: &Expression<'_>) {
        let Some(member) = left.as_member_expression() else {
            return;
        };
        let Some(property) = member.static_property_name() else {
            return;
        };
        let object = unwrap(member.object());
        let is_module_exports = matches!(object, Expression::Identifier(id) if id.name == "module")
            && property == "exports";
        if is_module_exports {
            if let Expression::ObjectExpression(obj) = unwrap(right) {
                for p in &obj.properties {
                    if let ObjectPropertyKind::ObjectProperty(p) = p
                        && let Some(key) = p.key.static_name()
                        && let Some(export) = self.export_of(&p.value)
                    {
                        self.summary.exports.insert(key.to_string(), export);
                    }
                }
            } else if let Some(export) = self.export_of(right) {
                self.summary.exports.insert("default".into(), export);
            }
            return;
        }
        let is_exports_object = matches!(object, Expression::Identifier(id) if id.name == "exports")
            || object.is_specific_member_access("module", "exports");
        if is_exports_object && let Some(export) = self.export_of(right) {
            self.summary.exports.insert(property.to_owned(), export);
        }
    }

    fn bind_pattern(&mut self, pattern: &BindingPattern<'_>, init: &Expression<'_>) {
        match pattern {
            BindingPattern::BindingIdentifier(id) => {
                if let Some(binding) = self.eval(init) {
                    self.summary.locals.insert(id.name.to_string(), binding);
                }
            }
            // `const { Pool } = require("pg")`
            BindingPattern::ObjectPattern(obj) => {
                let Some(base) = self.eval(init) else {
                    return;
                };
                for property in &obj.properties {
                    let (Some(key), BindingPattern::BindingIdentifier(local)) =
                        (property.key.static_name(), &property.value)
                    else {
                        continue;
                    };
                    let binding = match &base {
                        Binding::Pkg { module, path } => {
                            let mut path = path.clone();
                            path.push(key.to_string());
                            Binding::Pkg {
                                module: module.clone(),
                                path,
                            }
                        }
                        Binding::Relative { file, .. } => Binding::Relative {
                            file: *file,
                            export: key.to_string(),
                        },
                        known @ Binding::Known(_) => known.clone(),
                    };
                    self.summary.locals.insert(local.name.to_string(), binding);
                }
            }
            _ => {}
        }
    }

    fn kind_of(&self, expr: &Expression<'_>) -> Option<Kind> {
        match self.eval(expr)? {
            Binding::Known(kind) => Some(kind),
            Binding::Pkg { module, path } => model::package_value(&module, &path),
            Binding::Relative { .. } => None,
        }
    }

    fn is_limiter(&self, expr: &Expression<'_>) -> bool {
        if self.kind_of(expr) == Some(Kind::Limiter) {
            return true;
        }
        routes::root_name(expr).is_some_and(routes::is_limiter_name)
    }

    /// A reference to a function: `(name, member)` for `name` or `name.member`.
    fn function_ref(expr: &Expression<'_>) -> Option<(String, Option<String>)> {
        match unwrap(expr) {
            Expression::Identifier(id) => Some((id.name.to_string(), None)),
            Expression::StaticMemberExpression(m) => routes::root_name(&m.object)
                .map(|root| (root.to_owned(), Some(m.property.name.to_string()))),
            _ => None,
        }
    }

    /// `new Worker("sms", sendSms)`: `sendSms` runs in a worker.
    fn scan_new(&mut self, new: &NewExpression<'_>) {
        if let Some(Binding::Pkg { module, path }) = self.eval(&new.callee)
            && let Some(index) = model::worker_class(&module, &path)
            && let Some((name, member)) = new
                .arguments
                .get(index)
                .and_then(|a| a.as_expression())
                .and_then(Self::function_ref)
        {
            self.summary.processor_refs.push((None, name, member));
        }
    }

    fn scan_call(&mut self, call: &CallExpression<'_>) {
        // `queue.process(sendSms)`, `agenda.define("sms", sendSms)`: judged once linked.
        if let Some(member) = call.callee.as_member_expression()
            && let Some(method @ ("process" | "define")) = member.static_property_name()
            && let Some(receiver) = self.eval(member.object())
            && let Some((name, fn_member)) = call
                .arguments
                .last()
                .and_then(|a| a.as_expression())
                .and_then(Self::function_ref)
        {
            self.summary.processor_refs.push((
                Some((receiver, method.to_owned())),
                name,
                fn_member,
            ));
        }
        let receiver_kind = call
            .callee
            .as_member_expression()
            .and_then(|m| self.kind_of(m.object()));
        if let Some(route) = routes::route(call, receiver_kind) {
            for handler in route.chain {
                match unwrap(handler) {
                    Expression::Identifier(id) => {
                        self.summary.handler_refs.push((id.name.to_string(), None));
                    }
                    Expression::StaticMemberExpression(m) => {
                        if let Some(root) = routes::root_name(&m.object) {
                            self.summary
                                .handler_refs
                                .push((root.to_owned(), Some(m.property.name.to_string())));
                        }
                    }
                    _ => {}
                }
            }
            return;
        }
        if let Some((path, args)) = routes::mount(call)
            && args.iter().any(|a| self.is_limiter(a))
        {
            match path {
                Some(path) => self.summary.limited_prefixes.push(path.to_owned()),
                None => self.summary.global_limiter = true,
            }
            for arg in args {
                if let Expression::Identifier(id) = unwrap(arg)
                    && !self.is_limiter(arg)
                {
                    self.summary.limited_refs.push(id.name.to_string());
                }
            }
        }
    }
}

/// Finds route and job-processor registrations anywhere in a file (also
/// inside plugin functions).
struct RouteScan<'s, 'p> {
    s: &'s mut Summarizer<'p>,
}

impl<'a> Visit<'a> for RouteScan<'_, '_> {
    fn visit_call_expression(&mut self, call: &CallExpression<'a>) {
        self.s.scan_call(call);
        walk::walk_call_expression(self, call);
    }

    fn visit_new_expression(&mut self, new: &NewExpression<'a>) {
        self.s.scan_new(new);
        walk::walk_new_expression(self, new);
    }
}
