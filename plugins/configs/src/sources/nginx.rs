//! nginx: parse every offered nginx file once, splice `include`d files in
//! place (matched among the offered files, globs included), then walk each
//! top-level configuration with the directive scopes nginx inherits from.
//!
//! A file that no offered file includes is a root. A root without an
//! `http` block (a `sites-enabled/*.conf` fragment) inherits the `http`
//! level of the offered main configurations, as nginx would after
//! including it there.

use perfwarden_sdk::vocabulary::{self, label, unit};
use perfwarden_sdk::{LineIndex, Metric, Output, Span};

use crate::parse::nginx::{self, Directive};
use crate::units::{nginx_duration_s, nginx_rate};

/// An nginx file as read.
pub struct File<'a> {
    /// Project-relative path.
    pub path: &'a str,
    lines: LineIndex<'a>,
    tree: Option<Vec<Directive>>,
}

/// A configuration to walk: a root file with includes spliced in.
pub struct Root {
    /// Index of the root file.
    pub file: usize,
    /// Expanded directives.
    pub nodes: Vec<Directive>,
    /// `http`-level directives inherited by a fragment (empty otherwise).
    pub inherited: Vec<Directive>,
    /// Whether the `http` context is known (the root has it, or a main
    /// configuration was offered). Rules that depend on inherited
    /// directives lower their confidence when it is not.
    pub context_known: bool,
}

/// A `limit_req_zone`.
pub struct Zone {
    /// Zone name.
    pub name: String,
    /// Requests per window.
    pub requests: f64,
    /// Window in seconds (1 for `r/s`, 60 for `r/m`).
    pub window_s: f64,
    /// The zone's `rate=` text.
    pub rate: String,
}

/// Every offered nginx file, parsed, with its roots.
pub struct Model<'a> {
    /// Files, indexed by [`Directive::file`].
    pub files: Vec<File<'a>>,
    /// Configurations to walk.
    pub roots: Vec<Root>,
    /// `limit_req_zone`s of all roots.
    pub zones: Vec<Zone>,
}

/// Where a directive sits while walking a root.
pub struct Site<'m> {
    /// Enclosing directive lists, outermost first; the last one holds the
    /// directive itself.
    pub levels: &'m [&'m [Directive]],
    /// Enclosing block directives (`http`, `server`, `location`), outermost first.
    pub parents: &'m [&'m Directive],
    /// The root being walked.
    pub root: &'m Root,
}

impl Site<'_> {
    /// The nearest directive of that name in scope, innermost first.
    pub fn find(&self, name: &str) -> Option<&Directive> {
        self.levels
            .iter()
            .rev()
            .find_map(|level| level.iter().find(|d| d.name.text == name))
    }

    /// The directives of that name at the nearest level defining any: nginx
    /// inherits array-like directives (`limit_req`, `*_cache_valid`) only
    /// when the inner level sets none.
    pub fn find_all(&self, name: &str) -> Vec<&Directive> {
        self.levels
            .iter()
            .rev()
            .map(|level| {
                level
                    .iter()
                    .filter(|d| d.name.text == name)
                    .collect::<Vec<_>>()
            })
            .find(|found| !found.is_empty())
            .unwrap_or_default()
    }

    /// The innermost enclosing `location`.
    pub fn location(&self) -> Option<&Directive> {
        self.parents
            .iter()
            .rev()
            .find(|d| d.name.text == "location")
            .copied()
    }

    /// The route a directive applies to: its location's path, or `/`.
    pub fn route(&self) -> String {
        self.location()
            .map_or_else(|| "/".to_owned(), location_path)
    }
}

/// The path of a `location` (after a `=`, `~`, `~*` or `^~` modifier).
pub fn location_path(location: &Directive) -> String {
    match location.arg(0) {
        "=" | "~" | "~*" | "^~" => location.arg(1).to_owned(),
        path => path.to_owned(),
    }
}

/// Rate-limit route class of a path: `login`, `webhook`, `heavy` or `standard`.
pub fn route_class(path: &str) -> &'static str {
    let lower = path.to_ascii_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|n| lower.contains(n));
    if has(&[
        "login",
        "signin",
        "sign_in",
        "sign-in",
        "/auth",
        "/session",
        "password",
        "/oauth/token",
    ]) {
        "login"
    } else if has(&["webhook", "/hooks"]) {
        "webhook"
    } else if has(&[
        "export", "report", "upload", "import", "search", "batch", "bulk",
    ]) {
        "heavy"
    } else {
        "standard"
    }
}

/// Cache data class of a route: `static` for asset paths, `api`, or `page`.
pub fn data_class(route: &str) -> &'static str {
    let lower = route.to_ascii_lowercase();
    let statics = [
        "css", "js", "png", "jpg", "jpeg", "gif", "svg", "ico", "woff", "woff2", "ttf", "webp",
        "/static", "/assets", "/public", "/media",
    ];
    if statics.iter().any(|s| lower.contains(s)) {
        "static"
    } else if lower.contains("/api") {
        "api"
    } else {
        "page"
    }
}

impl<'a> Model<'a> {
    /// Parse the files (`(path, text)`), resolve includes and find roots.
    /// Syntax errors and unresolved includes become notes.
    pub fn build(inputs: &[(&'a str, &'a str)], out: &mut Output) -> Self {
        let mut files: Vec<File<'a>> = Vec::with_capacity(inputs.len());
        for (index, (path, text)) in inputs.iter().enumerate() {
            let jinja = path.ends_with(".j2")
                || path.ends_with(".jinja")
                || path.ends_with(".jinja2")
                || text.contains("{%");
            let lines = LineIndex::new(text);
            let tree = match nginx::parse(text, jinja, index) {
                Ok(tree) => Some(tree),
                Err(err) => {
                    let span = lines.span(path, err.offset, err.offset + 1);
                    out.note(
                        format!("nginx: {path} does not parse: {}", err.message),
                        Some(span),
                    );
                    None
                }
            };
            files.push(File { path, lines, tree });
        }
        let paths: Vec<&str> = files.iter().map(|f| f.path).collect();
        let mut included = vec![false; files.len()];
        for file in &files {
            let Some(tree) = &file.tree else { continue };
            for_each(tree, &mut |d| {
                if d.name.text == "include" {
                    for target in resolve_include(d.arg(0), &paths) {
                        included[target] = true;
                    }
                }
            });
        }
        let mut roots = Vec::new();
        for (index, file) in files.iter().enumerate() {
            if included[index] || file.tree.is_none() {
                continue;
            }
            let mut expansion = Expansion {
                paths: &paths,
                stack: vec![index],
                unresolved: Vec::new(),
                budget: EXPANSION_BUDGET,
            };
            let nodes = expansion.file(&files, index);
            if expansion.budget == 0 {
                out.note(
                    format!("nginx: {} expands to more than {EXPANSION_BUDGET} directives through includes; the rest is not checked", file.path),
                    Some(Span::file(file.path)),
                );
            }
            let unresolved = expansion.unresolved;
            if !unresolved.is_empty() {
                out.note(
                    format!(
                        "nginx: includes of {} not among the analyzed files (their directives are not checked): {}",
                        file.path,
                        unresolved.join(", ")
                    ),
                    Some(Span::file(file.path)),
                );
            }
            roots.push(Root {
                file: index,
                nodes,
                inherited: Vec::new(),
                context_known: true,
            });
        }
        // Fragments inherit the http level of the main configurations.
        let http_level: Vec<Directive> = roots
            .iter()
            .flat_map(|r| r.nodes.iter())
            .filter(|d| d.name.text == "http")
            .flat_map(|http| {
                http.children()
                    .iter()
                    .filter(|d| d.block.is_none())
                    .cloned()
            })
            .collect();
        for root in &mut roots {
            if !root.nodes.iter().any(|d| d.name.text == "http") {
                root.inherited = http_level.clone();
                root.context_known = !http_level.is_empty();
            }
        }
        let mut zones = Vec::new();
        for root in &roots {
            for_each(&root.nodes, &mut |d| {
                if d.name.text != "limit_req_zone" {
                    return;
                }
                let arg = |key: &str| {
                    d.args
                        .iter()
                        .find_map(|a| a.text.strip_prefix(key).map(str::to_owned))
                };
                let name = arg("zone=").map(|z| z.split(':').next().unwrap_or("").to_owned());
                match (name, arg("rate=")) {
                    (Some(name), Some(rate)) => match nginx_rate(&rate) {
                        Some((requests, window_s)) => zones.push(Zone {
                            name,
                            requests,
                            window_s,
                            rate,
                        }),
                        None => out.note(
                            format!(
                                "nginx: limit_req_zone `{name}` has an unreadable rate `{rate}`"
                            ),
                            None,
                        ),
                    },
                    _ => out.note("nginx: limit_req_zone without `zone=` or `rate=`", None),
                }
            });
        }
        Self {
            files,
            roots,
            zones,
        }
    }

    /// The span of a directive (its name through its last argument).
    pub fn span(&self, d: &Directive) -> Span {
        match self.files.get(d.file) {
            Some(file) => {
                let end = d.args.last().map_or(d.name.end, |a| a.end);
                file.lines.span(file.path, d.name.start, end)
            }
            None => Span::file(""),
        }
    }

    /// The rate zone named by a `limit_req` directive.
    pub fn zone_of(&self, limit_req: &Directive) -> Option<&Zone> {
        let name = limit_req
            .args
            .iter()
            .find_map(|a| a.text.strip_prefix("zone="))?;
        self.zones.iter().find(|z| z.name == name)
    }

    /// Visit every directive of every root with its scope.
    pub fn visit(&self, f: &mut dyn FnMut(&Directive, &Site<'_>)) {
        for root in &self.roots {
            let mut levels: Vec<&[Directive]> = Vec::new();
            if !root.inherited.is_empty() {
                levels.push(&root.inherited);
            }
            walk(root, &root.nodes, &mut levels, &mut Vec::new(), f);
        }
    }
}

fn walk<'d>(
    root: &'d Root,
    nodes: &'d [Directive],
    levels: &mut Vec<&'d [Directive]>,
    parents: &mut Vec<&'d Directive>,
    f: &mut dyn FnMut(&Directive, &Site<'_>),
) {
    levels.push(nodes);
    for d in nodes {
        f(
            d,
            &Site {
                levels,
                parents,
                root,
            },
        );
        if let Some(children) = &d.block {
            parents.push(d);
            walk(root, children, levels, parents, f);
            parents.pop();
        }
    }
    levels.pop();
}

fn for_each(nodes: &[Directive], f: &mut dyn FnMut(&Directive)) {
    for d in nodes {
        f(d);
        for_each(d.children(), f);
    }
}

/// Offered files matched by an include pattern: the pattern's segments
/// must match the end of the path (an absolute `/etc/nginx/conf.d/*.conf`
/// matches `deploy/nginx/conf.d/api.conf`), `*` and `?` within a segment.
fn resolve_include(pattern: &str, paths: &[&str]) -> Vec<usize> {
    let segments: Vec<&str> = pattern
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    if segments.is_empty() || segments.contains(&"..") {
        return Vec::new();
    }
    // Absolute includes keep their last segments below the nginx directory.
    let tail_len = if pattern.starts_with('/') {
        segments
            .iter()
            .rposition(|s| s.contains("nginx"))
            .map_or(segments.len(), |at| segments.len() - at - 1)
    } else {
        segments.len()
    };
    let tail = &segments[segments.len() - tail_len.max(1)..];
    paths
        .iter()
        .enumerate()
        .filter(|(_, path)| {
            let parts: Vec<&str> = path.split('/').collect();
            parts.len() >= tail.len()
                && parts[parts.len() - tail.len()..]
                    .iter()
                    .zip(tail)
                    .all(|(part, pat)| wildcard(pat.as_bytes(), part.as_bytes()))
        })
        .map(|(i, _)| i)
        .collect()
}

/// `*` and `?` matching within one path segment.
fn wildcard(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|skip| wildcard(rest, &text[skip..])),
        Some((b'?', rest)) => !text.is_empty() && wildcard(rest, &text[1..]),
        Some((c, rest)) => text.first() == Some(c) && wildcard(rest, &text[1..]),
    }
}

/// Directives one root may expand to: includes repeated at every level
/// (a hostile or generated config) would otherwise multiply copies.
const EXPANSION_BUDGET: usize = 200_000;

/// State of one root's include expansion.
struct Expansion<'p> {
    paths: &'p [&'p str],
    /// Files being spliced, innermost last: an include cycle stops here.
    stack: Vec<usize>,
    /// Include patterns matching no offered file.
    unresolved: Vec<String>,
    /// Directives still allowed.
    budget: usize,
}

impl Expansion<'_> {
    /// The file's directives with offered includes spliced in place.
    fn file(&mut self, files: &[File<'_>], index: usize) -> Vec<Directive> {
        let Some(tree) = files.get(index).and_then(|f| f.tree.as_ref()) else {
            return Vec::new();
        };
        self.nodes(files, tree)
    }

    fn nodes(&mut self, files: &[File<'_>], nodes: &[Directive]) -> Vec<Directive> {
        let mut out = Vec::with_capacity(nodes.len());
        for d in nodes {
            if self.budget == 0 {
                break;
            }
            if d.name.text == "include" && d.block.is_none() {
                let targets = resolve_include(d.arg(0), self.paths);
                if targets.is_empty() && !self.unresolved.iter().any(|u| u == d.arg(0)) {
                    self.unresolved.push(d.arg(0).to_owned());
                }
                for target in targets {
                    // A file including itself (directly or not) is spliced once.
                    if self.stack.contains(&target) {
                        continue;
                    }
                    self.stack.push(target);
                    let spliced = self.file(files, target);
                    out.extend(spliced);
                    self.stack.pop();
                }
                continue;
            }
            self.budget -= 1;
            let mut copy = d.clone();
            if let Some(children) = &d.block {
                copy.block = Some(self.nodes(files, children));
            }
            out.push(copy);
        }
        out
    }
}

/// Metrics of the model: rate limits per route, cache TTLs (proxy/fastcgi
/// caches, `expires`, `Cache-Control: max-age`), upstream read timeouts.
pub fn metrics(model: &Model<'_>, out: &mut Output) {
    model.visit(&mut |d, site| {
        let name = d.name.text.as_str();
        if name == "limit_req" {
            let route = site.route();
            match model.zone_of(d) {
                Some(zone) => {
                    let span = model.span(d);
                    let class = route_class(&route);
                    // Requests admitted at once above the rate (0 without `burst=`).
                    let burst = d
                        .args
                        .iter()
                        .find_map(|a| a.text.strip_prefix("burst="))
                        .unwrap_or("0");
                    out.metric(
                        Metric::new(vocabulary::RATE_LIMIT_LIMIT, zone.requests, unit::COUNT)
                            .label(label::ROUTE_CLASS, class)
                            .label(label::ROUTE, route.as_str())
                            .label("zone", zone.name.as_str())
                            .label("burst", burst)
                            .span(span.clone()),
                    );
                    out.metric(
                        Metric::new(vocabulary::RATE_LIMIT_WINDOW, zone.window_s, unit::S)
                            .label(label::ROUTE_CLASS, class)
                            .label(label::ROUTE, route.as_str())
                            .label("zone", zone.name.as_str())
                            .label("burst", burst)
                            .span(span),
                    );
                }
                None => out.note(
                    format!("nginx: `limit_req` on {route} names a zone no analyzed `limit_req_zone` defines"),
                    Some(model.span(d)),
                ),
            }
        } else if let Some(prefix) = name.strip_suffix("_cache") {
            if !matches!(prefix, "proxy" | "fastcgi" | "uwsgi" | "scgi") || d.arg(0) == "off" {
                return;
            }
            let route = site.route();
            for valid in site.find_all(&format!("{prefix}_cache_valid")) {
                let codes = &valid.args[..valid.args.len().saturating_sub(1)];
                let covers_200 = codes.is_empty() || codes.iter().any(|c| c.text == "200" || c.text == "any");
                let Some(time) = valid.args.last() else { continue };
                if !covers_200 {
                    continue;
                }
                if time.templated {
                    out.note(
                        format!("nginx: `{}` TTL is templated (`{}`): set at deploy time", valid.name.text, time.text),
                        Some(model.span(valid)),
                    );
                    continue;
                }
                if let Some(ttl) = nginx_duration_s(&time.text) {
                    out.metric(
                        Metric::new(vocabulary::CACHE_TTL, ttl, unit::S)
                            .label(label::DATA_CLASS, data_class(&route))
                            .label(label::CACHE, d.arg(0))
                            .label(label::ROUTE, route.as_str())
                            .span(model.span(valid)),
                    );
                }
            }
        } else if name == "expires" {
            let route = site.route();
            let value = d.args.iter().map(|a| a.text.as_str()).find(|a| *a != "modified");
            let ttl = match value {
                Some("epoch") => Some(0.0),
                Some("max") => Some(315_360_000.0),
                Some(v) if v.starts_with('-') => Some(0.0),
                Some(v) if !d.args.iter().any(|a| a.templated) => nginx_duration_s(v),
                _ => None,
            };
            if let Some(ttl) = ttl {
                out.metric(
                    Metric::new(vocabulary::CACHE_TTL, ttl, unit::S)
                        .label(label::DATA_CLASS, data_class(&route))
                        .label(label::CACHE, "browser:expires")
                        .label(label::ROUTE, route.as_str())
                        .span(model.span(d)),
                );
            }
        } else if name == "add_header" && d.arg(0).eq_ignore_ascii_case("cache-control") {
            let route = site.route();
            let max_age = d.arg(1).split(',').find_map(|part| {
                part.trim().strip_prefix("max-age=").and_then(|v| v.parse::<f64>().ok())
            });
            if let Some(ttl) = max_age {
                out.metric(
                    Metric::new(vocabulary::CACHE_TTL, ttl, unit::S)
                        .label(label::DATA_CLASS, data_class(&route))
                        .label(label::CACHE, "browser:cache-control")
                        .label(label::ROUTE, route.as_str())
                        .span(model.span(d)),
                );
            }
        } else if let Some(prefix) = upstream_pass_prefix(name) {
            let timeout_name = format!("{prefix}_read_timeout");
            let client = format!("nginx {name} {}", d.arg(0));
            match site.find(&timeout_name) {
                Some(timeout) => match timeout.args.first() {
                    Some(arg) if arg.templated => out.note(
                        format!("nginx: `{timeout_name}` is templated (`{}`): set at deploy time", arg.text),
                        Some(model.span(timeout)),
                    ),
                    Some(arg) => {
                        if let Some(secs) = nginx_duration_s(&arg.text) {
                            out.metric(
                                Metric::new(vocabulary::HTTP_CLIENT_TIMEOUT, secs, unit::S)
                                    .label(label::CLIENT, client)
                                    .span(model.span(timeout)),
                            );
                        }
                    }
                    None => {}
                },
                None => out.metric(
                    Metric::new(vocabulary::HTTP_CLIENT_TIMEOUT, 60.0, unit::S)
                        .label(label::CLIENT, client)
                        .label(label::DERIVATION, "default")
                        .label(crate::DEFAULT_SOURCE, format!("nginx {timeout_name} default 60s"))
                        .span(model.span(d)),
                ),
            }
        }
    });
}

/// `proxy` for `proxy_pass`, ...: passes to an upstream with a read timeout.
pub fn upstream_pass_prefix(name: &str) -> Option<&str> {
    let prefix = name.strip_suffix("_pass")?;
    matches!(prefix, "proxy" | "fastcgi" | "uwsgi" | "scgi" | "grpc").then_some(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn include_patterns_match_offered_paths() {
        let paths = [
            "deploy/nginx/nginx.conf",
            "deploy/nginx/conf.d/api.conf",
            "deploy/nginx/conf.d/api.txt",
        ];
        assert_eq!(resolve_include("conf.d/*.conf", &paths), [1]);
        assert_eq!(resolve_include("/etc/nginx/conf.d/*.conf", &paths), [1]);
        assert_eq!(resolve_include("mime.types", &paths), Vec::<usize>::new());
        assert_eq!(resolve_include("../x.conf", &paths), Vec::<usize>::new());
    }

    #[test]
    fn classes_of_routes() {
        assert_eq!(route_class("/api/login"), "login");
        assert_eq!(route_class("= /wp-login.php"), "login");
        assert_eq!(route_class("/webhooks/stripe"), "webhook");
        assert_eq!(route_class("/api/reports/export"), "heavy");
        assert_eq!(route_class("/api/"), "standard");
        assert_eq!(data_class(r"~* \.(css|js)$"), "static");
        assert_eq!(data_class("/api/products"), "api");
        assert_eq!(data_class("/"), "page");
    }

    #[test]
    fn includes_are_spliced_and_cycles_stop() {
        let inputs = [
            ("nginx/nginx.conf", "http { include sites/*.conf; }"),
            (
                "nginx/sites/a.conf",
                "server { include sites/a.conf; listen 80; }",
            ),
        ];
        let mut out = Output::default();
        let model = Model::build(&inputs, &mut out);
        assert_eq!(model.roots.len(), 1);
        let http = &model.roots[0].nodes[0];
        assert_eq!(http.children()[0].name.text, "server");
        assert_eq!(http.children()[0].children()[0].name.text, "listen");
        assert!(out.notes.is_empty(), "{:?}", out.notes);
    }

    #[test]
    fn include_blow_up_is_bounded() {
        // Each level includes the next one ten times: 10^6 copies unbounded.
        let mut texts = Vec::new();
        for level in 0..7 {
            let body = if level == 6 {
                "gzip on;\n".to_owned()
            } else {
                format!("include l{}.conf;\n", level + 1).repeat(10)
            };
            texts.push((format!("nginx/l{level}.conf"), body));
        }
        let inputs: Vec<(&str, &str)> = texts
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let mut out = Output::default();
        let model = Model::build(&inputs, &mut out);
        assert_eq!(model.roots.len(), 1);
        assert_eq!(model.roots[0].nodes.len(), EXPANSION_BUDGET);
        assert!(
            out.notes[0].message.contains("expands to more than"),
            "{:?}",
            out.notes
        );
    }
}
