//! Where `redis-server` is started outside redis.conf: docker compose
//! services (`command:` / `entrypoint:` as a string or a list, or the
//! official `redis` image's default command), Dockerfile `CMD` /
//! `ENTRYPOINT`, Procfile processes, shell scripts and supervisord
//! programs (Kubernetes containers are read in
//! [`crate::sources::kubernetes`]). Each launch keeps the bind mounts,
//! `COPY`s or volumes that map container paths (a config file argument,
//! an `include`) to project files.

use perfwarden_sdk::{Output, Span};

use crate::parse::dockerfile::{self, Form};
use crate::parse::keyvalue::parse_configparser;
use crate::parse::shell::{self, Word};
use crate::parse::yaml::{self, Node, Value};

/// A container path and the project file or directory mounted or copied there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// Absolute path inside the container.
    pub container: String,
    /// Path relative to the project root.
    pub project: String,
}

/// A file held inside another file (a ConfigMap key in a Kubernetes
/// manifest), which launches mount and read like a project file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embedded {
    /// The path mounts name it by; it never names a project file.
    pub path: String,
    /// The file that holds it: spans and notes name this one.
    pub holder: String,
    /// Its text.
    pub text: String,
    /// Line of `holder` where its first line is.
    pub first_line: u32,
    /// Its lines follow each other in `holder` (a YAML `|` block); otherwise
    /// they are all written on `first_line` (a quoted string).
    pub block: bool,
}

impl Embedded {
    /// The line of `holder` where its line `line` is written.
    pub fn holder_line(&self, line: u32) -> u32 {
        if self.block {
            self.first_line + line.saturating_sub(1)
        } else {
            self.first_line
        }
    }
}

/// One `redis-server` start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launch {
    /// File that starts it.
    pub path: String,
    /// 1-based line of the command.
    pub line: u32,
    /// Service, process or file name: tells a cache from a queue.
    pub name: String,
    /// Arguments after `redis-server`.
    pub args: Vec<Word>,
    /// Container paths that are project files.
    pub mounts: Vec<Mount>,
}

/// Shells whose `-c` argument is itself a script.
const SHELLS: &[&str] = &["sh", "bash", "dash", "ash", "zsh"];

/// Scripts nest (`sh -c "bash -c '...'"`) only so deep in practice.
const MAX_SHELL_DEPTH: usize = 4;

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn literal(text: &str) -> Word {
    Word {
        text: text.to_owned(),
        dynamic: false,
    }
}

/// The directory of a project path (`""` at the root).
pub fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// Join a relative path to a project directory, resolving `.` and `..`.
pub fn join(dir: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// The official `redis` image (`redis:7-alpine`, `docker.io/library/redis`),
/// whose entrypoint runs `redis-server` for flag or `.conf` arguments.
pub fn is_redis_image(image: &str) -> bool {
    let image = image.split('@').next().unwrap_or(image);
    let repo = match image.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => repo,
        _ => image,
    };
    matches!(
        repo,
        "redis" | "library/redis" | "docker.io/redis" | "docker.io/library/redis"
    )
}

/// The arguments of the `redis-server` a command runs, if it runs one.
/// `implied`: the command is given to the `redis` image's entrypoint,
/// which prepends `redis-server` to flag and `.conf` arguments (and runs
/// it bare by default).
pub fn redis_args(words: &[Word], implied: bool) -> Option<Vec<Word>> {
    search(words, implied, 0)
}

/// Commands that run the command after them (with their own options).
const WRAPPERS: &[&str] = &[
    "exec",
    "nohup",
    "env",
    "sudo",
    "gosu",
    "su-exec",
    "nice",
    "setsid",
    "tini",
    "dumb-init",
    "numactl",
    "taskset",
    "time",
    "stdbuf",
    "chpst",
];

/// The words from the program a command runs: variable assignments and
/// wrappers (`exec`, `gosu redis`, `sudo -u redis`, `env A=1`) skipped.
fn program(mut words: &[Word]) -> &[Word] {
    while let Some(first) = words.first() {
        let assignment = first.text.split_once('=').is_some_and(|(name, _)| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
        if assignment {
            words = &words[1..];
            continue;
        }
        let name = basename(&first.text);
        if first.dynamic || !WRAPPERS.contains(&name) {
            return words;
        }
        words = &words[1..];
        while let Some(option) = words.first().filter(|w| w.text.starts_with('-')) {
            words = &words[1..];
            if option.text == "--" {
                break;
            }
            if matches!(
                option.text.as_str(),
                "-u" | "-g" | "-n" | "--user" | "--group"
            ) {
                words = words.get(1..).unwrap_or_default();
            }
        }
        // The user (gosu, su-exec) or CPU mask (taskset) before the program.
        if matches!(name, "gosu" | "su-exec" | "taskset") {
            words = words.get(1..).unwrap_or_default();
        }
    }
    words
}

fn search(words: &[Word], implied: bool, depth: usize) -> Option<Vec<Word>> {
    let mut words = program(words);
    if implied {
        if words
            .first()
            .is_some_and(|w| basename(&w.text) == "docker-entrypoint.sh")
        {
            words = &words[1..];
        }
        match words.first() {
            None => return Some(Vec::new()),
            Some(first) if first.text.starts_with('-') || first.text.ends_with(".conf") => {
                return Some(words.to_vec());
            }
            _ => {}
        }
    }
    let first = words.first().filter(|w| !w.dynamic)?;
    if basename(&first.text) == "redis-server" {
        return Some(words[1..].to_vec());
    }
    if !SHELLS.contains(&basename(&first.text)) {
        return None;
    }
    let script = words[1..]
        .iter()
        .position(|w| w.text.starts_with('-') && !w.text.starts_with("--") && w.text.ends_with('c'))
        .and_then(|flag| words.get(flag + 2))?;
    if depth >= MAX_SHELL_DEPTH {
        return None;
    }
    shell::parse(&script.text)
        .ok()?
        .iter()
        .find_map(|command| search(&command.words, false, depth + 1))
}

/// Launches in a shell script, one per `redis-server` command.
pub fn script(path: &str, text: &str, out: &mut Output) -> Vec<Launch> {
    let commands = match shell::parse(text) {
        Ok(commands) => commands,
        Err(err) => {
            out.note(
                format!("{path}: shell script does not parse: {}", err.message),
                Some(Span::line(path, err.line)),
            );
            return Vec::new();
        }
    };
    commands
        .iter()
        .filter_map(|command| {
            redis_args(&command.words, false).map(|args| Launch {
                path: path.to_owned(),
                line: command.line,
                name: path.to_owned(),
                args,
                mounts: Vec::new(),
            })
        })
        .collect()
}

/// Launches in a Procfile (`name: command` per line).
pub fn procfile(path: &str, text: &str, out: &mut Output) -> Vec<Launch> {
    let mut launches = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index as u32 + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let Some((name, command)) = trimmed.split_once(':') else {
            out.note(
                format!("{path}: expected `process: command`, found `{trimmed}`"),
                Some(Span::line(path, line)),
            );
            continue;
        };
        let commands = match shell::parse(command) {
            Ok(commands) => commands,
            Err(err) => {
                out.note(
                    format!("{path}: process `{}`: {}", name.trim(), err.message),
                    Some(Span::line(path, line)),
                );
                continue;
            }
        };
        // The process runs through a shell: `a && redis-server ...` is two commands.
        if let Some(args) = commands.iter().find_map(|c| redis_args(&c.words, false)) {
            launches.push(Launch {
                path: path.to_owned(),
                line,
                name: name.trim().to_owned(),
                args,
                mounts: Vec::new(),
            });
        }
    }
    launches
}

/// A supervisord value with its `%(name)s` expansions: the program's
/// name, `here` (the config's directory, `.` from it), single-process
/// numbers; `%(ENV_X)s` becomes `${X}`, known at run time only.
fn supervisord_expand(value: &str, program: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        if let Some(after) = rest.strip_prefix('%') {
            out.push('%');
            rest = after;
            continue;
        }
        let Some((name, after)) = rest.strip_prefix('(').and_then(|r| r.split_once(')')) else {
            out.push('%');
            continue;
        };
        // The conversion: flags and width, then one letter (`s`, `d`, `02d`).
        let width = after
            .find(|c: char| !"-#0 +.123456789".contains(c))
            .unwrap_or(after.len());
        let spec = match after[width..].chars().next() {
            Some(c) if c.is_ascii_alphabetic() => width + 1,
            _ => width,
        };
        let known = match name {
            "program_name" | "group_name" => Some(program.to_owned()),
            "here" => Some(".".to_owned()),
            "process_num" => Some("0".to_owned()),
            "numprocs" => Some("1".to_owned()),
            _ => name.strip_prefix("ENV_").map(|var| format!("${{{var}}}")),
        };
        match known {
            Some(text) => {
                out.push_str(&text);
                rest = &after[spec..];
            }
            None => out.push('%'),
        }
    }
    out.push_str(rest);
    out
}

/// Launches in a supervisord config (`supervisord.conf`, `conf.d/*.conf`,
/// `*.ini`): `[program:x]` sections whose `command=` runs `redis-server`,
/// named `x`. supervisord splits the command with shell quoting and runs
/// it without a shell (`sh -c` scripts are read as scripts).
pub fn supervisord(path: &str, text: &str, out: &mut Output) -> Vec<Launch> {
    let (entries, errors) = parse_configparser(text);
    for (line, message) in errors {
        out.note(format!("{path}: {message}"), Some(Span::line(path, line)));
    }
    let mut launches = Vec::new();
    for entry in entries.iter().filter(|e| e.key == "command") {
        let Some(program) = entry.section.strip_prefix("program:") else {
            continue;
        };
        let command = supervisord_expand(&entry.value, program);
        let words = match shell::words(&command) {
            Ok(words) => words,
            Err(err) => {
                out.note(
                    format!("{path}: program `{program}`: {}", err.message),
                    Some(Span::line(path, entry.line)),
                );
                continue;
            }
        };
        if let Some(args) = redis_args(&words, false) {
            launches.push(Launch {
                path: path.to_owned(),
                line: entry.line,
                name: program.to_owned(),
                args,
                mounts: Vec::new(),
            });
        }
    }
    launches
}

/// Words of a compose `command:` / `entrypoint:`: a string is split with
/// shell quoting, a list taken as is. Compose interpolates `${VAR}` in
/// both, so a `$` makes a word dynamic.
fn compose_words(node: &Node) -> Result<Vec<Word>, String> {
    match &node.value {
        Value::Scalar { text, .. } => shell::words(text).map_err(|e| e.message),
        Value::Seq(items) => Ok(items
            .iter()
            .filter_map(Node::scalar)
            .map(|text| Word {
                text: text.to_owned(),
                dynamic: text.contains('$'),
            })
            .collect()),
        Value::Map(_) => Err("expected a string or a list".into()),
    }
}

fn compose_mounts(path: &str, service: &Node) -> Vec<Mount> {
    let dir = dir_of(path);
    let bind = |source: &str, target: &str| {
        let relative = source.starts_with('.') && target.starts_with('/');
        relative.then(|| Mount {
            container: target.trim_end_matches('/').to_owned(),
            project: join(dir, source),
        })
    };
    let Some(Value::Seq(items)) = service.get("volumes").map(|v| &v.value) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| match (item.scalar(), &item.value) {
            (Some(short), _) => {
                let mut parts = short.split(':');
                bind(parts.next()?, parts.next()?)
            }
            (None, Value::Map(_)) => {
                let kind = item.get("type").and_then(Node::scalar);
                if kind.is_some_and(|k| k != "bind") {
                    return None;
                }
                bind(
                    item.get("source").and_then(Node::scalar)?,
                    item.get("target").and_then(Node::scalar)?,
                )
            }
            _ => None,
        })
        .collect()
}

/// Launches in a docker compose file: services whose command runs
/// `redis-server`, or that run the `redis` image.
pub fn compose(path: &str, text: &str, out: &mut Output) -> Vec<Launch> {
    let docs = match yaml::parse(text) {
        Ok(docs) => docs,
        Err(err) => {
            out.note(
                format!("{path}: YAML does not parse: {}", err.message),
                Some(Span::line(path, err.line)),
            );
            return Vec::new();
        }
    };
    let mut launches = Vec::new();
    for doc in &docs {
        let Some(services) = doc.get("services") else {
            continue;
        };
        for (name, service) in services.entries() {
            let image = service.get("image").and_then(Node::scalar).unwrap_or("");
            let entrypoint = service.get("entrypoint");
            let command = service.get("command");
            let mut words = Vec::new();
            for node in [entrypoint, command].into_iter().flatten() {
                match compose_words(node) {
                    Ok(more) => words.extend(more),
                    Err(err) => out.note(
                        format!("{path}: service `{name}`: {err}"),
                        Some(Span::line(path, node.line)),
                    ),
                }
            }
            // An `entrypoint:` replaces the image's, and with it the implied `redis-server`.
            let implied = is_redis_image(image) && entrypoint.is_none();
            let Some(args) = redis_args(&words, implied) else {
                continue;
            };
            let line = command.or(entrypoint).map_or(service.line, |n| n.line);
            launches.push(Launch {
                path: path.to_owned(),
                line,
                name: name.clone(),
                args,
                mounts: compose_mounts(path, service),
            });
        }
    }
    launches
}

/// What one Dockerfile stage runs.
#[derive(Clone, Default)]
struct Stage {
    name: Option<String>,
    redis_base: bool,
    entrypoint: Option<(Form, u32)>,
    cmd: Option<(Form, u32)>,
    mounts: Vec<Mount>,
    workdir: String,
    line: u32,
}

fn form_words(form: &Form) -> Vec<Word> {
    match form {
        Form::Exec(words) => words.iter().map(|w| literal(w)).collect(),
        Form::Shell(script) => vec![literal("/bin/sh"), literal("-c"), literal(script)],
    }
}

/// `COPY` / `ADD` sources and destination; copies from other stages or
/// images (`--from`) do not come from the project.
fn copies(args: &str) -> Option<(Vec<String>, String)> {
    let mut words: Vec<String> = match dockerfile::form(args) {
        Form::Exec(words) => words,
        Form::Shell(text) => text.split_whitespace().map(str::to_owned).collect(),
    };
    if words.iter().any(|w| w.starts_with("--from")) {
        return None;
    }
    words.retain(|w| !w.starts_with("--"));
    let dest = words.pop()?;
    (!words.is_empty()).then_some((words, dest))
}

/// The launch of a Dockerfile's final stage, when it runs `redis-server`.
pub fn dockerfile(path: &str, text: &str) -> Vec<Launch> {
    let dir = dir_of(path);
    let mut stages: Vec<Stage> = Vec::new();
    for ins in dockerfile::parse(text) {
        if ins.keyword == "FROM" {
            let mut words = ins.args.split_whitespace().filter(|w| !w.starts_with("--"));
            let image = words.next().unwrap_or("");
            let name = match (words.next(), words.next()) {
                (Some(kw), Some(name)) if kw.eq_ignore_ascii_case("as") => Some(name.to_owned()),
                _ => None,
            };
            let parent = stages
                .iter()
                .rev()
                .find(|s| s.name.as_deref() == Some(image))
                .cloned();
            stages.push(Stage {
                name,
                line: ins.line,
                ..parent.unwrap_or(Stage {
                    redis_base: is_redis_image(image),
                    ..Stage::default()
                })
            });
            continue;
        }
        let Some(stage) = stages.last_mut() else {
            continue;
        };
        match ins.keyword.as_str() {
            "CMD" => stage.cmd = Some((dockerfile::form(&ins.args), ins.line)),
            "ENTRYPOINT" => {
                stage.entrypoint = Some((dockerfile::form(&ins.args), ins.line));
                // A new entrypoint drops the command inherited from the base image.
                stage.cmd = stage.cmd.take().filter(|(_, line)| *line > stage.line);
            }
            "WORKDIR" => stage.workdir = join(&stage.workdir, ins.args.trim()),
            "COPY" | "ADD" => {
                let Some((sources, dest)) = copies(&ins.args) else {
                    continue;
                };
                let dest_dir = dest.ends_with('/') || sources.len() > 1;
                let dest = if dest.starts_with('/') {
                    join("", &dest)
                } else {
                    join(&stage.workdir, &dest)
                };
                for source in sources {
                    let project = join(dir, &source);
                    if dest_dir {
                        // A file lands in the directory; a directory's contents are the directory.
                        stage.mounts.push(Mount {
                            container: format!("/{}", join(&dest, basename(&source))),
                            project: project.clone(),
                        });
                    }
                    stage.mounts.push(Mount {
                        container: format!("/{dest}"),
                        project,
                    });
                }
            }
            _ => {}
        }
    }
    let Some(stage) = stages.pop() else {
        return Vec::new();
    };
    let mut words = Vec::new();
    let mut line = stage.line;
    let implied = stage.redis_base && stage.entrypoint.is_none();
    if let Some((form, at)) = &stage.entrypoint {
        words.extend(form_words(form));
        line = *at;
    }
    // A shell-form entrypoint ignores CMD.
    let shell_entrypoint = matches!(stage.entrypoint, Some((Form::Shell(_), _)));
    if let Some((form, at)) = &stage.cmd
        && !shell_entrypoint
    {
        words.extend(form_words(form));
        line = *at;
    }
    redis_args(&words, implied)
        .map(|args| Launch {
            path: path.to_owned(),
            line,
            name: path.to_owned(),
            args,
            mounts: stage.mounts,
        })
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(launch: &Launch) -> Vec<&str> {
        launch.args.iter().map(|w| w.text.as_str()).collect()
    }

    #[test]
    fn paths_and_images() {
        assert_eq!(join("deploy", "./redis/../redis.conf"), "deploy/redis.conf");
        assert_eq!(join("", "conf/r.conf"), "conf/r.conf");
        assert!(is_redis_image("redis:7.2-alpine"));
        assert!(is_redis_image("docker.io/library/redis@sha256:abc"));
        assert!(!is_redis_image("bitnami/redis:7"));
        assert!(!is_redis_image("redis/redis-stack-server"));
    }

    #[test]
    fn compose_string_list_implied_and_mounts() {
        let text = "services:\n  cache:\n    image: redis:7\n    command: redis-server /usr/local/etc/redis/redis.conf --maxmemory \"256mb\"\n\
                    \x20   volumes:\n      - ./redis:/usr/local/etc/redis:ro\n      - data:/data\n\
                    \x20 queue:\n    image: redis:7\n    command: [\"--appendonly\", \"yes\"]\n\
                    \x20 sessions:\n    image: redis\n\
                    \x20 app:\n    image: node\n    command: npm start\n\
                    \x20 custom:\n    image: redis\n    entrypoint: [\"/bin/run\"]\n";
        let mut out = Output::default();
        let launches = compose("ops/docker-compose.yml", text, &mut out);
        let names: Vec<&str> = launches.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["cache", "queue", "sessions"]);
        assert_eq!(
            texts(&launches[0]),
            ["/usr/local/etc/redis/redis.conf", "--maxmemory", "256mb"]
        );
        assert_eq!(launches[0].line, 4);
        assert_eq!(
            launches[0].mounts,
            [Mount {
                container: "/usr/local/etc/redis".into(),
                project: "ops/redis".into()
            }]
        );
        assert_eq!(texts(&launches[1]), ["--appendonly", "yes"]);
        assert!(launches[2].args.is_empty());
        assert_eq!(launches[2].line, 12);
        assert!(out.notes.is_empty(), "{:?}", out.notes);
    }

    #[test]
    fn dockerfile_forms_stages_and_copies() {
        let text = "FROM redis:7 AS base\nWORKDIR /etc/redis\nCOPY conf/cache.conf ./redis.conf\n\
                    FROM base\nCMD [\"redis-server\", \"/etc/redis/redis.conf\", \"--maxmemory\", \"1gb\"]\n";
        let launches = dockerfile("docker/cache/Dockerfile", text);
        assert_eq!(
            texts(&launches[0]),
            ["/etc/redis/redis.conf", "--maxmemory", "1gb"]
        );
        assert_eq!(launches[0].line, 5);
        assert_eq!(
            launches[0].mounts,
            [Mount {
                container: "/etc/redis/redis.conf".into(),
                project: "docker/cache/conf/cache.conf".into()
            }]
        );
        // Shell form through `sh -c`, and the redis image's implied command.
        let shell = dockerfile(
            "Dockerfile",
            "FROM debian\nCMD redis-server --maxmemory ${MAXMEM} --save ''\n",
        );
        assert_eq!(texts(&shell[0]), ["--maxmemory", "${MAXMEM}", "--save", ""]);
        assert!(shell[0].args[1].dynamic);
        let implied = dockerfile(
            "Dockerfile",
            "FROM redis:7-alpine\nCMD [\"--maxmemory\", \"64mb\"]\n",
        );
        assert_eq!(texts(&implied[0]), ["--maxmemory", "64mb"]);
        let bare = dockerfile("Dockerfile", "FROM redis:7-alpine\nRUN echo hi\n");
        assert_eq!((bare[0].args.len(), bare[0].line), (0, 1));
        assert!(dockerfile("Dockerfile", "FROM node:20\nCMD [\"node\", \"app.js\"]\n").is_empty());
        let entry =
            "FROM redis\nENTRYPOINT [\"sh\", \"-c\", \"exec redis-server --maxmemory 2gb\"]\n";
        assert_eq!(
            texts(&dockerfile("Dockerfile", entry)[0]),
            ["--maxmemory", "2gb"]
        );
    }

    #[test]
    fn procfiles_and_scripts() {
        let mut out = Output::default();
        let procfile_launches = procfile(
            "Procfile",
            "web: bundle exec puma\ncache: mkdir -p tmp && redis-server --port $PORT --maxmemory 100mb\nbroken line\n",
            &mut out,
        );
        assert_eq!(procfile_launches.len(), 1);
        assert_eq!(procfile_launches[0].name, "cache");
        assert_eq!(procfile_launches[0].line, 2);
        assert_eq!(procfile_launches[0].args.len(), 4);
        assert_eq!(out.notes.len(), 1);
        let scripts = script(
            "bin/start-redis.sh",
            "#!/bin/sh\nset -e\ncommand -v redis-server >/dev/null\nexec gosu redis env LANG=C redis-server \\\n  --maxmemory 1gb\nredis-cli -h redis-server ping\n",
            &mut out,
        );
        assert_eq!(scripts.len(), 1, "only commands that run redis-server");
        assert_eq!(texts(&scripts[0]), ["--maxmemory", "1gb"]);
        assert_eq!(scripts[0].line, 4);
        assert!(script("x.sh", "echo 'open\n", &mut out).is_empty());
        assert!(out.notes[1].message.contains("does not parse"));
    }

    #[test]
    fn supervisord_programs() {
        let text = "[supervisord]\nnodaemon=true\n\n[program:redis-cache]\ncommand=/usr/bin/redis-server %(here)s/redis.conf\n    --maxmemory \"%(ENV_REDIS_MAXMEMORY)s\" ; from the environment\n    --maxmemory-policy allkeys-lru\nautorestart=true\n\n[program:sessions]\ncommand=sh -c \"exec redis-server --port 6380 --timeout 100%%\"\n\n[program:web]\ncommand=gunicorn app:app\n\n[program:broken]\ncommand=redis-server 'open\n";
        let mut out = Output::default();
        let launches = supervisord("deploy/supervisor/conf.d/redis.conf", text, &mut out);
        let names: Vec<(&str, u32)> = launches.iter().map(|l| (l.name.as_str(), l.line)).collect();
        assert_eq!(names, [("redis-cache", 5), ("sessions", 11)]);
        assert_eq!(
            texts(&launches[0]),
            [
                "./redis.conf",
                "--maxmemory",
                "${REDIS_MAXMEMORY}",
                "--maxmemory-policy",
                "allkeys-lru"
            ]
        );
        assert!(launches[0].args[2].dynamic);
        assert_eq!(texts(&launches[1]), ["--port", "6380", "--timeout", "100%"]);
        assert_eq!(out.notes.len(), 1, "{:?}", out.notes);
        assert!(out.notes[0].message.contains("program `broken`"));
        assert_eq!(
            supervisord_expand("%(process_num)02d-%(unknown)s", "x"),
            "0-%(unknown)s"
        );
    }
}
