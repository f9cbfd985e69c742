//! Redis servers: redis.conf files and `redis-server` launches (compose,
//! Dockerfile, Procfile, scripts), read the way the server reads them: a
//! config file argument first, its `include`s spliced in where they stand
//! (relative paths from the including file, container paths through the
//! launch's mounts, cycles refused), then command-line flags, later
//! directives overriding earlier ones.
//!
//! A redis.conf another file includes or a launch loads is part of that
//! server, not a server of its own. Config files embedded in manifests
//! (ConfigMap keys) are read like files, located in their manifest.
//!
//! A line that is only a template output (`{{ .Values.config }}`) inserts
//! directives that are not known: settings made before it are unknown.

use std::collections::BTreeSet;

use perfwarden_sdk::{Output, Span};

use crate::parse::redis::{self, Line, RedisConf};
use crate::parse::shell::Word;
use crate::sources::launch::{Embedded, Launch, Mount, dir_of, join};

/// A Redis server configuration to check.
pub struct RedisServer {
    /// The settings.
    pub conf: RedisConf,
    /// File that defines the server (redis.conf, compose file, script...).
    pub path: String,
    /// Line of the command that starts it, for unset settings.
    pub line: Option<u32>,
    /// The file, service or process names a cache.
    pub cache: bool,
    /// Files read, by the index [`Line::file`] gives (0: `path`).
    pub files: Vec<String>,
    /// Settings whose value is only known at deploy time (templated, or
    /// possibly set by a file that is not analyzed).
    pub unknown: Vec<&'static str>,
}

impl RedisServer {
    /// Whether the effective value of `name` is known.
    pub fn known(&self, name: &str) -> bool {
        !self.unknown.contains(&name)
    }

    /// Where a setting is made: its line, else the launch command, else the file.
    pub fn span(&self, line: Option<u32>, file: usize) -> Span {
        match (line, self.files.get(file)) {
            (Some(line), Some(path)) => Span::line(path, line),
            _ => self
                .line
                .map_or_else(|| Span::file(&self.path), |l| Span::line(&self.path, l)),
        }
    }
}

/// Settings the rules judge: whether each is known is tracked.
const TRACKED: [&str; 4] = ["maxmemory", "maxmemory-policy", "timeout", "tcp-keepalive"];

/// `include` chains deeper than this are refused (Redis has no limit and
/// recurses until it runs out of file descriptors).
const MAX_INCLUDE_DEPTH: usize = 16;

/// Whether a path or name names a cache (`redis-cache.conf`, `cache/redis.conf`,
/// service `cache`): the role that makes eviction settings certain findings.
pub fn names_a_cache(path: &str) -> bool {
    path.to_ascii_lowercase().contains("cache")
}

/// Directives of one server being assembled.
#[derive(Default)]
struct Assembly {
    files: Vec<String>,
    lines: Vec<Line>,
    /// Positions in `lines` where unknown directives may sit (an include
    /// or config file that is not analyzed).
    gaps: Vec<usize>,
    errors: Vec<(u32, String, usize)>,
}

/// Go template keywords of actions that only steer the template.
const TEMPLATE_CONTROL: &[&str] = &[
    "if", "else", "end", "range", "with", "define", "block", "break", "continue", "/*", "-",
];

/// A line that is only a template's output (`{{ .Values.extraConfig }}`,
/// `{{- include "redis.conf" . }}`), not control flow (`{{- if ... }}`).
fn template_output(line: &Line) -> bool {
    let Some(rest) = line.name.strip_prefix("{{") else {
        return false;
    };
    let first = std::iter::once(rest.trim_start_matches('-'))
        .chain(line.args.iter().map(String::as_str))
        .find(|w| !w.is_empty())
        .unwrap_or("");
    !TEMPLATE_CONTROL.iter().any(|k| first.starts_with(k))
}

/// Builds the servers of one analysis run.
struct Servers<'a> {
    /// Every analyzed file: includes may name any of them.
    files: &'a [(&'a str, &'a str)],
    /// Files embedded in other files, which mounts may name.
    embedded: &'a [Embedded],
    /// Files included or loaded by another file or a launch.
    referenced: BTreeSet<String>,
    /// Notes already written (a file read by several servers is noted once).
    noted: BTreeSet<(String, u32, String)>,
}

impl<'a> Servers<'a> {
    fn note(&mut self, path: &str, line: u32, message: String, out: &mut Output) {
        let path = self.shown(path).to_owned();
        if self.noted.insert((path.clone(), line, message.clone())) {
            out.note(format!("{path}: {message}"), Some(Span::line(&path, line)));
        }
    }

    fn text(&self, path: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, t)| *t)
            .or_else(|| self.embedded_file(path).map(|e| e.text.as_str()))
    }

    fn embedded_file(&self, path: &str) -> Option<&'a Embedded> {
        self.embedded.iter().find(|e| e.path == path)
    }

    /// The project file a path is shown as: an embedded file's holder.
    fn shown<'p>(&self, path: &'p str) -> &'p str
    where
        'a: 'p,
    {
        self.embedded_file(path).map_or(path, |e| e.holder.as_str())
    }

    /// Project files a path names, from the file naming it: container
    /// paths through `mounts`, relative ones from `from`'s directory,
    /// `*`/`?` wildcards in the file name (sorted, as Redis's glob).
    fn resolve(&self, from: &str, target: &str, mounts: &[Mount]) -> Vec<String> {
        if !target.starts_with('/') {
            return self.existing(&join(dir_of(from), target));
        }
        // Several mounts may cover a path (a directory copied as itself or
        // as its contents): the first that names analyzed files wins.
        mounts
            .iter()
            .filter_map(|m| {
                if target == m.container {
                    Some(m.project.clone())
                } else {
                    target
                        .strip_prefix(&m.container)
                        .and_then(|rest| rest.strip_prefix('/'))
                        .map(|rest| join(&m.project, rest))
                }
            })
            .map(|candidate| self.existing(&candidate))
            .find(|found| !found.is_empty())
            .unwrap_or_default()
    }

    /// The analyzed files a project path (maybe with wildcards) names.
    fn existing(&self, candidate: &str) -> Vec<String> {
        let (dir, name) = (
            dir_of(candidate),
            candidate.rsplit('/').next().unwrap_or(""),
        );
        if !name.contains(['*', '?']) {
            return self
                .text(candidate)
                .map(|_| vec![candidate.to_owned()])
                .unwrap_or_default();
        }
        let mut found: Vec<String> = self
            .files
            .iter()
            .map(|(p, _)| *p)
            .chain(self.embedded.iter().map(|e| e.path.as_str()))
            .filter(|p| dir_of(p) == dir && wildcard(name, p.rsplit('/').next().unwrap_or("")))
            .map(str::to_owned)
            .collect();
        found.sort();
        found
    }

    /// Splice `path`'s directives (its includes followed) into `assembly`.
    fn splice(
        &mut self,
        path: &str,
        mounts: &[Mount],
        stack: &mut Vec<String>,
        assembly: &mut Assembly,
        out: &mut Output,
    ) {
        let Some(text) = self.text(path) else {
            return;
        };
        let index = assembly.files.len();
        assembly.files.push(path.to_owned());
        let (mut lines, mut errors) = redis::parse_lines(text, index);
        if let Some(embedded) = self.embedded_file(path) {
            lines
                .iter_mut()
                .for_each(|l| l.line = embedded.holder_line(l.line));
            errors
                .iter_mut()
                .for_each(|(l, _)| *l = embedded.holder_line(*l));
        }
        assembly.errors.extend(
            errors
                .into_iter()
                .map(|(line, message)| (line, message, index)),
        );
        stack.push(path.to_owned());
        for line in lines {
            if template_output(&line) {
                let text = std::iter::once(line.name.as_str())
                    .chain(line.args.iter().map(String::as_str))
                    .collect::<Vec<_>>()
                    .join(" ");
                self.note(path, line.line, format!("`{text}` inserts directives at deploy time: settings made before it are not known"), out);
                assembly.gaps.push(assembly.lines.len());
                continue;
            }
            if line.name != "include" {
                assembly.lines.push(line);
                continue;
            }
            let target = line.args.first().map_or("", String::as_str);
            let resolved = if line.templated {
                Vec::new()
            } else {
                self.resolve(path, target, mounts)
            };
            if resolved.is_empty() {
                self.note(path, line.line, format!("includes `{target}`, which is not among the analyzed files: settings made there are not known"), out);
                assembly.gaps.push(assembly.lines.len());
            }
            for include in resolved {
                if stack.contains(&include) {
                    self.note(path, line.line, format!("`include {target}` includes a file already being read (a cycle): Redis would recurse until it runs out of file descriptors"), out);
                } else if stack.len() >= MAX_INCLUDE_DEPTH {
                    self.note(path, line.line, format!("`include {target}` nests more than {MAX_INCLUDE_DEPTH} files deep: not followed"), out);
                    assembly.gaps.push(assembly.lines.len());
                } else {
                    self.referenced.insert(include.clone());
                    self.splice(&include, mounts, stack, assembly, out);
                }
            }
        }
        stack.pop();
    }

    /// The settings of an assembly, with the tracked settings it cannot know.
    fn settle(
        &mut self,
        assembly: Assembly,
        out: &mut Output,
    ) -> (RedisConf, Vec<String>, Vec<&'static str>) {
        let mut unknown = Vec::new();
        for name in TRACKED {
            let last = assembly.lines.iter().rposition(|l| l.name == name);
            let hidden = match last {
                Some(at) => assembly.gaps.iter().any(|g| *g > at),
                None => !assembly.gaps.is_empty(),
            };
            if let Some(line) = last.map(|at| &assembly.lines[at])
                && line.templated
            {
                let path = assembly.files[line.file].clone();
                self.note(
                    &path,
                    line.line,
                    format!(
                        "`{name}` is set at deploy time (`{}`): its value is not guessed",
                        line.args.join(" ")
                    ),
                    out,
                );
                unknown.push(name);
            } else if hidden {
                unknown.push(name);
            }
        }
        let conf = redis::settle(assembly.lines, assembly.errors);
        for (line, message, file) in &conf.errors {
            let path = assembly.files[*file].clone();
            self.note(&path, *line, message.clone(), out);
        }
        (conf, assembly.files, unknown)
    }

    fn conf_server(&mut self, path: &str, out: &mut Output) -> RedisServer {
        let mut assembly = Assembly::default();
        self.splice(path, &[], &mut Vec::new(), &mut assembly, out);
        let (conf, files, unknown) = self.settle(assembly, out);
        RedisServer {
            cache: files.iter().any(|f| names_a_cache(f)),
            conf,
            path: self.shown(path).to_owned(),
            line: None,
            files: self.shown_all(files),
            unknown,
        }
    }

    fn shown_all(&self, files: Vec<String>) -> Vec<String> {
        files
            .into_iter()
            .map(|f| self.shown(&f).to_owned())
            .collect()
    }

    fn launch_server(&mut self, launch: &Launch, out: &mut Output) -> RedisServer {
        let mut assembly = Assembly {
            files: vec![launch.path.clone()],
            ..Assembly::default()
        };
        let mut args: &[Word] = &launch.args;
        // `redis-server [config file] [--flags]`: the file is read first.
        if let Some(first) = args.first().filter(|a| !a.text.starts_with("--")) {
            args = &args[1..];
            let resolved = if first.dynamic {
                Vec::new()
            } else {
                self.resolve(&launch.path, &first.text, &launch.mounts)
            };
            match resolved.first() {
                Some(conf) => {
                    self.referenced.insert(conf.clone());
                    let mut stack = vec![launch.path.clone()];
                    self.splice(conf, &launch.mounts, &mut stack, &mut assembly, out);
                }
                None => {
                    self.note(&launch.path, launch.line, format!("`{}` loads `{}`, which is not among the analyzed files: settings made there are not known", launch.name, first.text), out);
                    assembly.gaps.push(0);
                }
            }
        }
        let flags: Vec<(String, bool)> = args.iter().map(|w| (w.text.clone(), w.dynamic)).collect();
        let mut flag_lines = redis::parse_flags(&flags, launch.line);
        let mut includes = Vec::new();
        for line in flag_lines.extract_if(.., |l| l.name == "include") {
            includes.push(line);
        }
        assembly.lines.extend(flag_lines);
        for include in includes {
            let target = include.args.first().map_or("", String::as_str);
            let resolved = self.resolve(&launch.path, target, &launch.mounts);
            if resolved.is_empty() || include.templated {
                self.note(&launch.path, launch.line, format!("`--include {target}` is not among the analyzed files: settings made there are not known"), out);
                assembly.gaps.push(assembly.lines.len());
            }
            for path in resolved {
                self.referenced.insert(path.clone());
                let mut stack = vec![launch.path.clone()];
                self.splice(&path, &launch.mounts, &mut stack, &mut assembly, out);
            }
        }
        let (conf, files, unknown) = self.settle(assembly, out);
        RedisServer {
            cache: names_a_cache(&launch.name) || files.iter().any(|f| names_a_cache(f)),
            conf,
            path: launch.path.clone(),
            line: Some(launch.line),
            files: self.shown_all(files),
            unknown,
        }
    }
}

/// `*` and `?` wildcards over a file name.
fn wildcard(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    let (mut pi, mut ni, mut star, mut mark) = (0, 0, None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Every Redis server of a run: redis.conf files no other file includes or
/// loads, and every launch. `files` are all analyzed files (includes may
/// name any of them), `embedded` the files held in them, `confs` the
/// redis.conf paths among both.
pub fn servers(
    files: &[(&str, &str)],
    embedded: &[Embedded],
    confs: &[&str],
    launches: &[Launch],
    out: &mut Output,
) -> Vec<RedisServer> {
    let mut builder = Servers {
        files,
        embedded,
        referenced: BTreeSet::new(),
        noted: BTreeSet::new(),
    };
    let mut servers: Vec<RedisServer> = launches
        .iter()
        .map(|launch| builder.launch_server(launch, out))
        .collect();
    let standalone: Vec<(&str, RedisServer)> = confs
        .iter()
        .map(|path| (*path, builder.conf_server(path, out)))
        .collect();
    servers.extend(
        standalone
            .into_iter()
            .filter(|(path, _)| !builder.referenced.contains(*path))
            .map(|(_, server)| server),
    );
    servers
}

#[cfg(test)]
mod tests {
    use perfwarden_sdk::testing::note_lines;

    use super::*;
    use crate::sources::launch;

    fn run(files: &[(&str, &str)]) -> (Vec<RedisServer>, Output) {
        let mut out = Output::default();
        let confs: Vec<&str> = files
            .iter()
            .filter(|(p, _)| p.ends_with(".conf"))
            .map(|(p, _)| *p)
            .collect();
        let mut launches = Vec::new();
        for (path, text) in files {
            if path.contains("compose") {
                launches.extend(launch::compose(path, text, &mut out));
            }
        }
        (servers(files, &[], &confs, &launches, &mut out), out)
    }

    #[test]
    fn includes_splice_in_place_and_later_lines_win() {
        let (servers, out) = run(&[
            (
                "redis/redis.conf",
                "maxmemory 1gb\ninclude local.conf\ntimeout 10\n",
            ),
            (
                "redis/local.conf",
                "maxmemory 256mb\nmaxmemory-policy allkeys-lru\ntimeout 99\n",
            ),
        ]);
        assert_eq!(servers.len(), 1, "the included file is not a server");
        let server = &servers[0];
        assert_eq!(server.conf.maxmemory.value, 268_435_456);
        assert_eq!(server.files[server.conf.maxmemory.file], "redis/local.conf");
        assert_eq!(server.conf.maxmemory.line, Some(1));
        assert_eq!(server.conf.timeout.value, 10, "set after the include");
        assert!(server.unknown.is_empty());
        assert!(out.notes.is_empty(), "{:?}", out.notes);
    }

    #[test]
    fn cycles_missing_includes_and_globs() {
        let (servers, out) = run(&[
            ("a/redis.conf", "include ../b/*.conf\nmaxmemory 1mb\n"),
            ("b/one.conf", "include ../a/redis.conf\ntimeout 5\n"),
            ("b/two.conf", "include /etc/redis/secret.conf\n"),
        ]);
        // a includes b/*; b/one includes a back: every file is referenced by another.
        assert!(servers.is_empty());
        let messages: Vec<&str> = out.notes.iter().map(|n| n.message.as_str()).collect();
        assert!(
            messages.iter().any(|m| m.contains("a cycle")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("/etc/redis/secret.conf"))
        );

        let (servers, _) = run(&[(
            "redis.conf",
            "maxmemory 1mb\ninclude /etc/redis/extra.conf\ntimeout 3\n",
        )]);
        assert_eq!(
            servers[0].unknown,
            ["maxmemory", "maxmemory-policy", "tcp-keepalive"]
        );
        assert!(servers[0].known("timeout"));
    }

    #[test]
    fn launches_load_mounted_config_files_then_flags() {
        let (servers, out) = run(&[
            (
                "docker-compose.yml",
                "services:\n  cache:\n    image: redis:7\n    command: [\"/usr/local/etc/redis/redis.conf\", \"--maxmemory-policy\", \"allkeys-lfu\"]\n    volumes:\n      - ./redis.conf:/usr/local/etc/redis/redis.conf\n\
                 \x20 other:\n    image: redis:7\n    command: redis-server /conf/missing.conf\n",
            ),
            (
                "redis.conf",
                "maxmemory 64mb\nmaxmemory-policy noeviction\n",
            ),
        ]);
        assert_eq!(servers.len(), 2, "redis.conf is loaded by `cache`");
        let cache = &servers[0];
        assert!(cache.cache);
        assert_eq!(cache.conf.maxmemory.value, 64 * 1024 * 1024);
        assert_eq!(cache.conf.maxmemory_policy.value, "allkeys-lfu");
        assert_eq!(cache.files, ["docker-compose.yml", "redis.conf"]);
        let other = &servers[1];
        assert!(!other.known("maxmemory"));
        assert!(out.notes[0].message.contains("/conf/missing.conf"));
    }

    #[test]
    fn templated_values_are_unknown() {
        let (servers, out) = run(&[(
            "roles/redis/templates/redis.conf",
            "maxmemory {{ redis_maxmemory }}\n",
        )]);
        assert!(!servers[0].known("maxmemory"));
        assert_eq!(servers[0].conf.maxmemory.value, 0);
        assert!(out.notes[0].message.contains("set at deploy time"));
    }

    #[test]
    fn template_outputs_hide_earlier_settings() {
        let (servers, out) = run(&[(
            "charts/redis/files/redis.conf",
            "maxmemory 1mb\n{{- if .Values.tls }}\ntls-port 6380\n{{- end }}\ntimeout 3\n{{ .Values.extraConfig }}\ntcp-keepalive 10\n",
        )]);
        assert_eq!(
            servers[0].unknown,
            ["maxmemory", "maxmemory-policy", "timeout"]
        );
        assert!(servers[0].known("tcp-keepalive"));
        assert_eq!(
            note_lines(&out),
            [(
                "charts/redis/files/redis.conf: `{{ .Values.extraConfig }}` inserts directives at deploy time: settings made before it are not known",
                6
            )]
        );
    }

    #[test]
    fn embedded_files_are_read_where_their_holder_writes_them() {
        let manifest = "k8s/redis.yaml";
        let embedded = [Embedded {
            path: format!("{manifest}\u{0}0/configmap/cache/redis.conf"),
            holder: manifest.to_owned(),
            text:
                "maxmemory 64mb\n\nmaxmemory-policy noeviction\ninclude /etc/redis/missing.conf\n"
                    .to_owned(),
            first_line: 7,
            block: true,
        }];
        let launch = Launch {
            path: manifest.to_owned(),
            line: 20,
            name: "cache/redis".to_owned(),
            args: vec![Word {
                text: "/etc/redis/redis.conf".to_owned(),
                dynamic: false,
            }],
            mounts: vec![Mount {
                container: "/etc/redis".to_owned(),
                project: format!("{manifest}\u{0}0/configmap/cache"),
            }],
        };
        let mut out = Output::default();
        let confs = [embedded[0].path.as_str()];
        let servers = servers(&[(manifest, "")], &embedded, &confs, &[launch], &mut out);
        assert_eq!(servers.len(), 1, "the mounted key is the launch's config");
        let server = &servers[0];
        assert_eq!(server.files, [manifest, manifest]);
        assert_eq!(server.conf.maxmemory_policy.line, Some(9));
        let span = server.span(server.conf.maxmemory.line, server.conf.maxmemory.file);
        assert_eq!((span.path.as_str(), span.line), (manifest, 7));
        let note = &out.notes[0];
        assert!(
            note.message
                .starts_with("k8s/redis.yaml: includes `/etc/redis/missing.conf`")
        );
        assert_eq!(note.span.as_ref().unwrap().line, 10);
    }

    #[test]
    fn wildcards() {
        assert!(wildcard("*.conf", "local.conf"));
        assert!(wildcard("r?dis*", "redis.conf"));
        assert!(!wildcard("*.conf", "local.ini"));
    }
}
