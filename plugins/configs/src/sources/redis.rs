//! Redis servers: redis.conf files and `redis-server --flag value` commands
//! in compose files.

use perfwarden_sdk::{Output, Span};

use crate::parse::redis::{self, RedisConf};
use crate::parse::yaml::{self, Value};

/// A Redis server configuration to check.
pub struct RedisServer {
    /// The settings.
    pub conf: RedisConf,
    /// File it was read from.
    pub path: String,
    /// Line of the command that starts it (compose), for unset settings.
    pub line: Option<u32>,
    /// The file or service names a cache.
    pub cache: bool,
}

/// Whether a path names a cache (`redis-cache.conf`, `cache/redis.conf`):
/// the role that makes eviction settings certain findings.
pub fn names_a_cache(path: &str) -> bool {
    path.to_ascii_lowercase().contains("cache")
}

/// Parse a redis.conf, noting bad lines.
pub fn read_conf(path: &str, text: &str, out: &mut Output) -> RedisConf {
    let conf = redis::parse(text);
    for (line, message) in &conf.errors {
        out.note(format!("{path}: {message}"), Some(Span::line(path, *line)));
    }
    if let Some(include) = conf.lines.iter().find(|l| l.name == "include") {
        out.note(
            format!(
                "{path}: includes `{}`; settings made there are not read",
                include.args.join(" ")
            ),
            Some(Span::line(path, include.line)),
        );
    }
    conf
}

/// Redis servers started by `redis-server` commands in a compose file; a
/// service named like a cache (`cache`, `redis-cache`) is one.
pub fn compose_servers(path: &str, text: &str, out: &mut Output) -> Vec<(String, RedisServer)> {
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
    let mut servers = Vec::new();
    for doc in &docs {
        let Some(services) = doc.get("services") else {
            continue;
        };
        for (name, service) in services.entries() {
            let Some(command) = service.get("command") else {
                continue;
            };
            let args: Vec<String> = match &command.value {
                Value::Scalar { text, .. } => match redis::split_args(text) {
                    Ok(args) => args,
                    Err(err) => {
                        out.note(
                            format!("{path}: service `{name}` command: {err}"),
                            Some(Span::line(path, command.line)),
                        );
                        continue;
                    }
                },
                Value::Seq(items) => items
                    .iter()
                    .filter_map(|i| i.scalar().map(str::to_owned))
                    .collect(),
                Value::Map(_) => continue,
            };
            let Some(at) = args.iter().position(|a| a.ends_with("redis-server")) else {
                continue;
            };
            let flags = &args[at + 1..];
            // A config file argument before the flags is read by the server, not here.
            if flags.first().is_some_and(|f| !f.starts_with("--")) {
                out.note(
                    format!("{path}: service `{name}` loads `{}`; only its command-line flags are read here", flags[0]),
                    Some(Span::line(path, command.line)),
                );
            }
            servers.push((
                name.clone(),
                RedisServer {
                    conf: redis::parse_flags(flags, command.line),
                    path: path.to_owned(),
                    line: Some(command.line),
                    cache: names_a_cache(name),
                },
            ));
        }
    }
    servers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_commands_as_string_or_list() {
        let text = "services:\n  cache:\n    image: redis:7\n    command: redis-server --maxmemory 256mb --maxmemory-policy allkeys-lru\n\
                    \n  queue:\n    image: redis:7\n    command: [\"redis-server\", \"--appendonly\", \"yes\"]\n  app:\n    command: npm start\n";
        let mut out = Output::default();
        let servers = compose_servers("docker-compose.yml", text, &mut out);
        assert_eq!(servers.len(), 2);
        assert_eq!(servers[0].0, "cache");
        assert!(servers[0].1.cache);
        assert_eq!(servers[0].1.conf.maxmemory.value, 268_435_456);
        assert_eq!(servers[0].1.conf.maxmemory.line, Some(4));
        assert_eq!(servers[1].1.conf.maxmemory.value, 0);
    }
}
