//! node-config directories (`config/default.json`, `config/production.yml`,
//! `config/local.yaml`...): the app reads one effective config, merged the
//! way node-config merges it for the deployment that runs, production:
//! `default` < `production` < `local` < `local-production`, each name's
//! extensions in node-config's order (`.json`, `.yaml`, `.yml`), maps
//! merged key by key, arrays and scalars replaced. Keys that
//! `custom-environment-variables` maps to a variable are set at deploy
//! time. The caches and pools of that effective config are judged, not
//! each file alone: a cache whose TTL is set in `default.json` and left
//! alone by `production.json` has that TTL.
//!
//! Files of other deployments (`development.json`, `test.yml`), instances
//! (`default-1.json`) or hosts do not reach production and are not read.
//! A directory without `default`, `production` or `local` files is not a
//! node-config directory: its files are app configs of their own.

use perfwarden_sdk::Output;

use crate::parse::yaml::{Node, Value};
use crate::sources::appconfig::{self, AppConfig};
use crate::sources::launch::dir_of;

/// The production config of one node-config directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment<'a> {
    /// `(path, text)` of the files merged, lowest precedence first
    /// (`custom-environment-variables` last: variables override them all).
    pub files: Vec<(&'a str, &'a str)>,
    /// Files of the directory that production does not load.
    pub skipped: Vec<&'a str>,
}

/// Deployments other than production whose files are commonly committed.
const OTHER_DEPLOYMENTS: &[&str] = &[
    "development",
    "dev",
    "test",
    "testing",
    "staging",
    "stage",
    "qa",
    "uat",
    "ci",
    "e2e",
    "preprod",
    "preproduction",
    "sandbox",
    "demo",
];

/// node-config's extension order for files of one name.
const EXTENSIONS: &[&str] = &["json", "yaml", "yml"];

/// Where a file of a node-config directory stands in the production merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    Default,
    Production,
    Local,
    LocalProduction,
    Environment,
    Skipped,
}

fn role(stem: &str) -> Option<Role> {
    Some(match stem {
        "default" => Role::Default,
        "production" => Role::Production,
        "local" => Role::Local,
        "local-production" => Role::LocalProduction,
        "custom-environment-variables" => Role::Environment,
        _ if OTHER_DEPLOYMENTS.contains(&stem)
            || ["default-", "production-", "local-"]
                .iter()
                .any(|p| stem.starts_with(p))
            || OTHER_DEPLOYMENTS
                .iter()
                .any(|d| stem.strip_prefix(d).is_some_and(|r| r.starts_with('-'))) =>
        {
            Role::Skipped
        }
        _ => return None,
    })
}

/// The stem and extension of a node-config file name (`default.json`).
fn split_name(path: &str) -> Option<(&str, &str)> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let (stem, ext) = name.rsplit_once('.')?;
    EXTENSIONS.contains(&ext).then_some((stem, ext))
}

/// The production configs of the node-config directories among app
/// configs `(path, text)`; files outside them are not mentioned.
pub fn production<'a>(configs: &[(&'a str, &'a str)]) -> Vec<Deployment<'a>> {
    let mut dirs: Vec<&str> = configs
        .iter()
        .map(|(path, _)| dir_of(path))
        .filter(|dir| dir.rsplit('/').next() == Some("config"))
        .collect();
    dirs.sort_unstable();
    dirs.dedup();
    let mut deployments = Vec::new();
    for dir in dirs {
        let mut members: Vec<(Role, usize, &str, &str)> = configs
            .iter()
            .filter(|(path, _)| dir_of(path) == dir)
            .filter_map(|(path, text)| {
                let (stem, ext) = split_name(path)?;
                let rank = EXTENSIONS.iter().position(|e| *e == ext)?;
                Some((role(&stem.to_ascii_lowercase())?, rank, *path, *text))
            })
            .collect();
        if !members.iter().any(|(role, ..)| *role < Role::Environment) {
            continue;
        }
        members.sort_by_key(|(role, rank, path, _)| (*role, *rank, *path));
        let (skipped, files): (Vec<_>, Vec<_>) = members
            .into_iter()
            .partition(|(role, ..)| *role == Role::Skipped);
        deployments.push(Deployment {
            files: files.iter().map(|(_, _, p, t)| (*p, *t)).collect(),
            skipped: skipped.iter().map(|(_, _, p, _)| *p).collect(),
        });
    }
    deployments
}

/// Every node of a file's tree comes from file `file`.
fn mark(node: &mut Node, file: usize) {
    node.file = file;
    match &mut node.value {
        Value::Map(entries) => entries.iter_mut().for_each(|(_, n)| mark(n, file)),
        Value::Seq(items) => items.iter_mut().for_each(|n| mark(n, file)),
        Value::Scalar { .. } => {}
    }
}

/// node-config's deep merge: maps key by key, anything else replaced.
fn merge(into: &mut Node, from: Node) {
    match (&mut into.value, from.value) {
        (Value::Map(entries), Value::Map(additions)) => {
            for (key, child) in additions {
                match entries.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, existing)) => merge(existing, child),
                    None => entries.push((key, child)),
                }
            }
        }
        (_, value) => {
            *into = Node {
                value,
                line: from.line,
                file: from.file,
            };
        }
    }
}

fn empty_map(line: u32, file: usize) -> Node {
    Node {
        value: Value::Map(Vec::new()),
        line,
        file,
    }
}

/// Keys `custom-environment-variables` maps to a variable (`"CACHE_TTL"`
/// or `{"__name": "CACHE_TTL"}`) become `${CACHE_TTL}`: a placeholder,
/// known at deploy time only, located where the mapping is made.
fn deploy_time(into: &mut Node, mapping: &Node) {
    for (key, child) in mapping.entries() {
        let variable = match &child.value {
            Value::Map(_) => child.get("__name").and_then(Node::scalar),
            _ => child.scalar(),
        };
        if !matches!(into.value, Value::Map(_)) {
            *into = empty_map(mapping.line, mapping.file);
        }
        let Value::Map(entries) = &mut into.value else {
            return;
        };
        let at = match entries.iter().position(|(k, _)| k == key) {
            Some(at) => at,
            None => {
                entries.push((key.clone(), empty_map(child.line, child.file)));
                entries.len() - 1
            }
        };
        let target = &mut entries[at].1;
        match variable {
            Some(name) => {
                *target = Node {
                    value: Value::Scalar {
                        text: format!("${{{name}}}"),
                        plain: false,
                        literal: false,
                    },
                    line: child.line,
                    file: child.file,
                };
            }
            None if matches!(child.value, Value::Map(_)) => deploy_time(target, child),
            None => {}
        }
    }
}

/// The caches and pools of a deployment's effective config; settings and
/// notes name the file that decides them (an index into `files`).
pub fn read(deployment: &Deployment, out: &mut Output) -> AppConfig {
    let mut merged = empty_map(1, 0);
    for (file, (path, text)) in deployment.files.iter().enumerate() {
        let Some(mut doc) = appconfig::parse(path, text, out).and_then(|d| d.into_iter().next())
        else {
            continue;
        };
        mark(&mut doc, file);
        if split_name(path).is_some_and(|(stem, _)| stem == "custom-environment-variables") {
            deploy_time(&mut merged, &doc);
        } else {
            merge(&mut merged, doc);
        }
    }
    let paths: Vec<&str> = deployment.files.iter().map(|(p, _)| *p).collect();
    appconfig::walk(&[merged], &paths, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pools::Setting;

    #[test]
    fn production_chains_and_skipped_files() {
        let configs = [
            ("api/config/production.yml", ""),
            ("api/config/default.yaml", ""),
            ("api/config/default.json", ""),
            ("api/config/local-production.json", ""),
            ("api/config/custom-environment-variables.json", ""),
            ("api/config/development.json", ""),
            ("api/config/local-development.json", ""),
            ("api/config/default-1.json", ""),
            ("api/config/redis.json", ""),
            ("rails/config/cable.yml", ""),
            ("settings.json", ""),
        ];
        let deployments = production(&configs);
        assert_eq!(deployments.len(), 1, "{deployments:#?}");
        let paths: Vec<&str> = deployments[0].files.iter().map(|(p, _)| *p).collect();
        assert_eq!(
            paths,
            [
                "api/config/default.json",
                "api/config/default.yaml",
                "api/config/production.yml",
                "api/config/local-production.json",
                "api/config/custom-environment-variables.json",
            ]
        );
        assert_eq!(
            deployments[0].skipped,
            [
                "api/config/default-1.json",
                "api/config/development.json",
                "api/config/local-development.json",
            ]
        );
    }

    #[test]
    fn later_files_override_and_maps_merge() {
        let deployment = Deployment {
            files: vec![
                (
                    "config/default.json",
                    "{\n  \"cache\": {\n    \"caches\": {\n      \"products\": { \"ttl\": 300 },\n      \"feeds\": { \"ttl\": 60 },\n      \"rates\": { \"ttl\": 600 }\n    }\n  },\n  \"redis\": { \"pool\": { \"max\": 10, \"min\": 2 } }\n}\n",
                ),
                (
                    "config/production.yml",
                    "cache:\n  caches:\n    products:\n      maxEntries: 500\n    feeds:\n      ttl: 0\nredis:\n  pool:\n    max: 40\n",
                ),
                (
                    "config/custom-environment-variables.yml",
                    "cache:\n  caches:\n    rates:\n      ttl: RATES_TTL\n",
                ),
            ],
            skipped: Vec::new(),
        };
        let mut out = Output::default();
        let found = read(&deployment, &mut out);
        let ttls: Vec<(&str, Option<Setting>)> = found
            .caches
            .iter()
            .map(|c| (c.name.as_str(), c.ttl.clone()))
            .collect();
        assert_eq!(
            ttls,
            [
                // production.yml adds a size bound; the TTL stays default.json's.
                ("products", Some(Setting::set(300.0, 4))),
                ("feeds", Some(Setting::set(0.0, 6).in_file(1))),
                ("rates", None),
            ]
        );
        assert_eq!(out.notes.len(), 1, "{:?}", out.notes);
        let note = &out.notes[0];
        assert!(note.message.contains("`${RATES_TTL}`"), "{}", note.message);
        let span = note.span.as_ref().unwrap();
        assert_eq!(
            (span.path.as_str(), span.line),
            ("config/custom-environment-variables.yml", 4)
        );
        let pool = &found.pools[0];
        assert_eq!(pool.max, Some(Setting::set(40.0, 9).in_file(1)));
        assert_eq!(pool.min, Some(Setting::set(2.0, 9)));
    }

    #[test]
    fn arrays_and_nulls_replace() {
        let mut base = crate::parse::yaml::parse("a:\n  list: [1, 2]\n  keep: x\n  gone: {y: 1}\n")
            .unwrap()
            .remove(0);
        let mut over = crate::parse::yaml::parse("a:\n  list: [3]\n  gone: ~\n")
            .unwrap()
            .remove(0);
        mark(&mut over, 1);
        merge(&mut base, over);
        let a = base.get("a").unwrap();
        assert!(matches!(&a.get("list").unwrap().value, Value::Seq(items) if items.len() == 1));
        assert_eq!(a.get("keep").unwrap().scalar(), Some("x"));
        assert_eq!(a.get("gone").unwrap().scalar(), None);
        assert_eq!(a.get("gone").unwrap().file, 1);
    }
}
