//! Kubernetes manifests (multi-document YAML, `List`s, Helm templates):
//! the containers of workloads (Deployment, StatefulSet, DaemonSet,
//! ReplicaSet, Job, CronJob, Pod, and any kind with a pod template) that
//! run `redis-server`, as compose services do: `command:` with `args:`
//! appended, `args:` given to the official `redis` image's entrypoint, or
//! that image's default command. Kubernetes expands `$(VAR)` in both from
//! the container's literal `env` values; other references are known only
//! at run time.
//!
//! ConfigMaps (and Secrets' `stringData`) are read from every offered
//! manifest: their keys are the files a volume mounts (all keys, `items`,
//! or one `subPath`), so a `redis.conf` key mounted into the container is
//! the config file its `redis-server` loads, located at its lines in the
//! manifest. A `redis*.conf` key no analyzed container loads is a Redis
//! config of its own.
//!
//! Helm's `{{ ... }}` actions are made parseable first: templated values
//! stay templated and are reported as set at deploy time, never guessed.

use perfwarden_sdk::{Output, Span};

use crate::parse::shell::Word;
use crate::parse::yaml::{self, Node, Value};
use crate::sources::launch::{Embedded, Launch, Mount, is_redis_image, join, redis_args};
use crate::template::{template_kind, yaml_without_go_actions};

/// What the manifests of a run start and hold.
#[derive(Debug, Default)]
pub struct Manifests {
    /// `redis-server` containers.
    pub launches: Vec<Launch>,
    /// ConfigMap and Secret keys, as files volumes mount.
    pub embedded: Vec<Embedded>,
    /// Paths of the embedded `redis*.conf` keys.
    pub redis_confs: Vec<String>,
}

/// A ConfigMap or Secret: the directory its keys are embedded under.
struct Source {
    kind: &'static str,
    name: String,
    namespace: Option<String>,
    path: String,
    dir: String,
}

/// One document with the file it comes from.
struct Doc<'a> {
    path: &'a str,
    index: usize,
    node: &'a Node,
}

fn scalar<'n>(node: &'n Node, path: &[&str]) -> Option<&'n str> {
    node.path(path).and_then(Node::scalar)
}

fn items(node: Option<&Node>) -> &[Node] {
    match node.map(|n| &n.value) {
        Some(Value::Seq(items)) => items,
        _ => &[],
    }
}

/// Documents of a manifest, `List` items included.
fn documents<'a>(path: &'a str, index: usize, node: &'a Node, docs: &mut Vec<Doc<'a>>) {
    if scalar(node, &["kind"]) == Some("List") {
        for item in items(node.get("items")) {
            documents(path, index, item, docs);
        }
    } else {
        docs.push(Doc { path, index, node });
    }
}

/// Text of an embedded key and whether it is a `|` block, whose lines are
/// the manifest's: lines Helm actions blanked are restored from the
/// original (`{{ .Values.config | nindent 4 }}` is part of the file), the
/// block's trailing ones included.
fn embedded_text(node: &Node, original: &[&str]) -> Option<(String, bool)> {
    let Value::Scalar { text, literal, .. } = &node.value else {
        return None;
    };
    if !*literal {
        return Some((text.clone(), false));
    }
    let first = node.line as usize;
    let indent = |line: &str| line.len() - line.trim_start().len();
    let is_action = |line: &str| line.starts_with("{{") && line.ends_with("}}");
    let mut lines: Vec<&str> = text
        .lines()
        .enumerate()
        .map(
            |(i, line)| match original.get(first + i - 1).map(|l| l.trim()) {
                Some(raw) if line.trim().is_empty() && is_action(raw) => raw,
                _ => line,
            },
        )
        .collect();
    let block_indent = original.get(first - 1).map_or(0, |l| indent(l));
    let mut blank = 0;
    for raw in original.iter().skip(first - 1 + lines.len()) {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            blank += 1;
        } else if is_action(trimmed) && indent(raw) >= block_indent {
            lines.extend(std::iter::repeat_n("", blank));
            lines.push(trimmed);
            blank = 0;
        } else {
            break;
        }
    }
    Some((lines.join("\n"), true))
}

/// `$(VAR)` expanded from literal `env` values (`$$` is a literal `$`);
/// any other reference makes the word dynamic.
fn expand(text: &str, env: &[(&str, &str)]) -> Word {
    let mut out = String::new();
    let mut dynamic = false;
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if let Some(after) = rest.strip_prefix("$$") {
            out.push('$');
            rest = after;
        } else if let Some((name, after)) = rest
            .strip_prefix("$(")
            .and_then(|r| r.split_once(')'))
            .filter(|(name, _)| {
                !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            })
        {
            match env.iter().rev().find(|(n, _)| *n == name) {
                Some((_, value)) => out.push_str(value),
                None => {
                    out.push_str(&rest[..name.len() + 3]);
                    dynamic = true;
                }
            }
            rest = after;
        } else {
            out.push('$');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    Word { text: out, dynamic }
}

/// The pod spec of a workload document.
fn pod_spec(doc: &Node) -> Option<&Node> {
    match scalar(doc, &["kind"]) {
        Some("Pod") => doc.get("spec"),
        Some("CronJob") => doc.path(&["spec", "jobTemplate", "spec", "template", "spec"]),
        _ => doc.path(&["spec", "template", "spec"]),
    }
}

struct Reader<'a> {
    sources: Vec<Source>,
    out: &'a mut Output,
}

impl Reader<'_> {
    /// The ConfigMap or Secret a volume names: same namespace (or either
    /// unset), from the same manifest first.
    fn source(&self, kind: &str, name: &str, namespace: Option<&str>, path: &str) -> Option<&str> {
        let fits = |s: &&Source| {
            s.kind == kind
                && s.name == name
                && match (namespace, s.namespace.as_deref()) {
                    (Some(a), Some(b)) => a == b,
                    _ => true,
                }
        };
        self.sources
            .iter()
            .filter(fits)
            .min_by_key(|s| s.path != path)
            .map(|s| s.dir.as_str())
    }

    /// Mounts of a container's `volumeMounts` backed by analyzed ConfigMaps or Secrets.
    fn mounts(&self, doc: &Doc, spec: &Node, container: &Node) -> Vec<Mount> {
        let namespace = scalar(doc.node, &["metadata", "namespace"]);
        let mut mounts = Vec::new();
        for mount in items(container.get("volumeMounts")) {
            let (Some(name), Some(target)) =
                (scalar(mount, &["name"]), scalar(mount, &["mountPath"]))
            else {
                continue;
            };
            let target = target.trim_end_matches('/');
            let sub_path = scalar(mount, &["subPath"]);
            let Some(volume) = items(spec.get("volumes"))
                .iter()
                .find(|v| scalar(v, &["name"]) == Some(name))
            else {
                continue;
            };
            let projected = items(volume.path(&["projected", "sources"]));
            let sources = std::iter::once(volume).chain(projected);
            for source in sources {
                let (kind, node) = match (source.get("configMap"), source.get("secret")) {
                    (Some(node), _) => ("configmap", node),
                    (None, Some(node)) => ("secret", node),
                    (None, None) => continue,
                };
                // Volumes name a Secret by `secretName`, projections by `name`.
                let Some(dir) = scalar(node, &["name"])
                    .or_else(|| scalar(node, &["secretName"]))
                    .and_then(|n| self.source(kind, n, namespace, doc.path))
                else {
                    continue;
                };
                let keyed = items(node.get("items"));
                if keyed.is_empty() {
                    mounts.push(Mount {
                        container: target.to_owned(),
                        project: sub_path.map_or_else(|| dir.to_owned(), |s| join(dir, s)),
                    });
                    continue;
                }
                for item in keyed {
                    let (Some(key), Some(file)) = (scalar(item, &["key"]), scalar(item, &["path"]))
                    else {
                        continue;
                    };
                    let container = match sub_path {
                        Some(sub) if sub == file => target.to_owned(),
                        Some(_) => continue,
                        None => format!("{target}/{}", file.trim_start_matches('/')),
                    };
                    mounts.push(Mount {
                        container,
                        project: join(dir, key),
                    });
                }
            }
        }
        mounts
    }

    /// Words of `command:` or `args:`, which must be lists; a Redis
    /// container's other value is noted.
    fn words(
        &mut self,
        doc: &Doc,
        (field, node): (&str, &Node),
        env: &[(&str, &str)],
        redis: bool,
    ) -> Option<Vec<Word>> {
        let shown = match &node.value {
            Value::Seq(items) => {
                return Some(
                    items
                        .iter()
                        .filter_map(Node::scalar)
                        .map(|text| expand(text, env))
                        .collect(),
                );
            }
            Value::Scalar { text, .. } => text.as_str(),
            Value::Map(_) => "{...}",
        };
        if redis {
            let why = match template_kind(shown) {
                Some(_) => format!("is templated (`{shown}`)"),
                None => format!("must be a list, found `{shown}`"),
            };
            self.out.note(
                format!(
                    "{}: `{field}` {why}: the Redis command is not known",
                    doc.path
                ),
                Some(Span::line(doc.path, node.line)),
            );
        }
        None
    }

    fn launches(&mut self, doc: &Doc, launches: &mut Vec<Launch>) {
        let Some(spec) = pod_spec(doc.node) else {
            return;
        };
        let workload = scalar(doc.node, &["metadata", "name"]).unwrap_or(doc.path);
        'containers: for container in items(spec.get("containers")) {
            let image = scalar(container, &["image"]).unwrap_or("");
            // A null `command:` (a Helm action blanked) is no command.
            let field = |key: &str| {
                container
                    .get(key)
                    .filter(|n| !matches!(n.value, Value::Scalar { .. }) || n.scalar().is_some())
            };
            let (command, args) = (field("command"), field("args"));
            let env: Vec<(&str, &str)> = items(container.get("env"))
                .iter()
                .filter_map(|e| Some((scalar(e, &["name"])?, scalar(e, &["value"])?)))
                .collect();
            let mut words = Vec::new();
            for node in [command.map(|n| ("command", n)), args.map(|n| ("args", n))]
                .into_iter()
                .flatten()
            {
                match self.words(doc, node, &env, image.contains("redis")) {
                    Some(more) => words.extend(more),
                    None => continue 'containers,
                }
            }
            // `command:` replaces the image's entrypoint, and with it the implied `redis-server`.
            let implied = is_redis_image(image) && command.is_none();
            let Some(redis) = redis_args(&words, implied) else {
                continue;
            };
            let name = scalar(container, &["name"]).unwrap_or(image);
            launches.push(Launch {
                path: doc.path.to_owned(),
                line: args.or(command).map_or(container.line, |n| n.line),
                name: format!("{workload}/{name}"),
                args: redis,
                mounts: self.mounts(doc, spec, container),
            });
        }
    }
}

/// The launches, ConfigMaps and Secrets of the manifests `(path, text)`.
pub fn read(manifests: &[(&str, &str)], out: &mut Output) -> Manifests {
    let mut parsed: Vec<(&str, &str, Vec<Node>)> = Vec::new();
    for &(path, text) in manifests {
        let cleaned;
        let yaml_text = if text.contains("{{") {
            cleaned = yaml_without_go_actions(text);
            cleaned.as_str()
        } else {
            text
        };
        match yaml::parse(yaml_text) {
            Ok(nodes) => parsed.push((path, text, nodes)),
            Err(err) => out.note(
                format!("{path}: YAML does not parse: {}", err.message),
                Some(Span::line(path, err.line)),
            ),
        }
    }
    let mut docs = Vec::new();
    for (path, _, nodes) in &parsed {
        for (index, node) in nodes.iter().enumerate() {
            documents(path, index, node, &mut docs);
        }
    }
    let mut found = Manifests::default();
    let mut sources = Vec::new();
    for doc in &docs {
        let (kind, data) = match scalar(doc.node, &["kind"]) {
            Some("ConfigMap") => ("configmap", doc.node.get("data")),
            Some("Secret") => ("secret", doc.node.get("stringData")),
            _ => continue,
        };
        let Some(name) = scalar(doc.node, &["metadata", "name"]) else {
            continue;
        };
        // A path no project file has: the manifest, then the document.
        let dir = format!("{}\u{0}{}/{kind}/{name}", doc.path, doc.index);
        let original: Vec<&str> = parsed
            .iter()
            .find(|(p, ..)| *p == doc.path)
            .map(|(_, text, _)| text.lines().collect())
            .unwrap_or_default();
        for (key, value) in data.map(Node::entries).unwrap_or_default() {
            let Some((text, block)) = embedded_text(value, &original) else {
                continue;
            };
            let path = join(&dir, key);
            if key.contains("redis") && key.ends_with(".conf") {
                found.redis_confs.push(path.clone());
            }
            found.embedded.push(Embedded {
                path,
                holder: doc.path.to_owned(),
                text,
                first_line: value.line,
                block,
            });
        }
        sources.push(Source {
            kind,
            name: name.to_owned(),
            namespace: scalar(doc.node, &["metadata", "namespace"]).map(str::to_owned),
            path: doc.path.to_owned(),
            dir,
        });
    }
    let mut reader = Reader { sources, out };
    for doc in &docs {
        reader.launches(doc, &mut found.launches);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(launch: &Launch) -> Vec<&str> {
        launch.args.iter().map(|w| w.text.as_str()).collect()
    }

    #[test]
    fn commands_args_images_and_env() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cache\nspec:\n  template:\n    spec:\n      containers:\n        - name: redis\n          image: redis:7.2\n          command: [\"redis-server\"]\n          args:\n            - --maxmemory\n            - $(MAXMEM)\n            - --maxmemory-policy\n            - $(POLICY)\n            - --save\n            - $$(none)\n          env:\n            - name: MAXMEM\n              value: 256mb\n            - name: POLICY\n              valueFrom: {configMapKeyRef: {name: x, key: y}}\n        - name: app\n          image: node:20\n          args: [\"server.js\"]\n---\napiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: nightly\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n            - name: flush\n              image: redis:7\n              command: [\"redis-cli\", \"flushall\"]\n---\napiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Pod\n    metadata:\n      name: sessions\n    spec:\n      containers:\n        - name: redis\n          image: docker.io/library/redis:7-alpine\n          args: [\"--appendonly\", \"yes\"]\n        - name: bare\n          image: redis\n        - name: shell\n          image: alpine\n          command: [\"sh\", \"-c\", \"apk add redis && exec redis-server --maxmemory 64mb\"]\n";
        let mut out = Output::default();
        let found = read(&[("k8s/cache.yaml", text)], &mut out);
        assert!(out.notes.is_empty(), "{:?}", out.notes);
        let names: Vec<(&str, u32)> = found
            .launches
            .iter()
            .map(|l| (l.name.as_str(), l.line))
            .collect();
        // A block list starts at its first item.
        assert_eq!(
            names,
            [
                ("cache/redis", 13),
                ("sessions/redis", 53),
                ("sessions/bare", 54),
                ("sessions/shell", 58),
            ]
        );
        let cache = &found.launches[0];
        assert_eq!(
            texts(cache),
            [
                "--maxmemory",
                "256mb",
                "--maxmemory-policy",
                "$(POLICY)",
                "--save",
                "$(none)"
            ]
        );
        assert!(!cache.args[1].dynamic && cache.args[3].dynamic && !cache.args[5].dynamic);
        assert_eq!(texts(&found.launches[1]), ["--appendonly", "yes"]);
        assert!(found.launches[2].args.is_empty());
        assert_eq!(texts(&found.launches[3]), ["--maxmemory", "64mb"]);
    }

    #[test]
    fn config_maps_mounted_whole_by_items_and_sub_path() {
        let config = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: redis-config\ndata:\n  redis.conf: |\n    maxmemory 128mb\n\n    maxmemory-policy allkeys-lru\n  extra.conf: \"timeout 30\\ntcp-keepalive 60\"\n";
        let workloads = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: redis\nspec:\n  template:\n    spec:\n      containers:\n        - name: whole\n          image: redis:7\n          args: [\"/etc/redis/redis.conf\"]\n          volumeMounts:\n            - {name: config, mountPath: /etc/redis/}\n        - name: item\n          image: redis:7\n          args: [\"/conf/custom.conf\"]\n          volumeMounts:\n            - {name: picked, mountPath: /conf}\n        - name: sub\n          image: redis:7\n          args: [\"/usr/local/etc/redis/redis.conf\"]\n          volumeMounts:\n            - {name: config, mountPath: /usr/local/etc/redis/redis.conf, subPath: redis.conf}\n      volumes:\n        - name: config\n          configMap: {name: redis-config}\n        - name: picked\n          projected:\n            sources:\n              - configMap:\n                  name: redis-config\n                  items: [{key: extra.conf, path: custom.conf}]\n";
        let mut out = Output::default();
        let found = read(
            &[("k8s/config.yaml", config), ("k8s/redis.yaml", workloads)],
            &mut out,
        );
        assert!(out.notes.is_empty(), "{:?}", out.notes);
        let dir = "k8s/config.yaml\u{0}0/configmap/redis-config";
        let mounts: Vec<Vec<(&str, String)>> = found
            .launches
            .iter()
            .map(|l| {
                l.mounts
                    .iter()
                    .map(|m| (m.container.as_str(), m.project.replace(dir, "<cm>")))
                    .collect()
            })
            .collect();
        assert_eq!(
            mounts,
            [
                vec![("/etc/redis", "<cm>".to_owned())],
                vec![("/conf/custom.conf", "<cm>/extra.conf".to_owned())],
                vec![(
                    "/usr/local/etc/redis/redis.conf",
                    "<cm>/redis.conf".to_owned()
                )],
            ]
        );
        let conf = &found.embedded[0];
        assert_eq!(
            (conf.text.as_str(), conf.first_line, conf.block),
            ("maxmemory 128mb\n\nmaxmemory-policy allkeys-lru", 7, true)
        );
        assert_eq!(conf.holder_line(3), 9);
        let extra = &found.embedded[1];
        assert_eq!((extra.holder_line(2), extra.block), (10, false));
        assert_eq!(found.redis_confs, [format!("{dir}/redis.conf")]);
    }

    #[test]
    fn helm_templates_are_read_not_guessed() {
        let chart = "{{- if .Values.redis.enabled }}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ include \"app.fullname\" . }}-redis\ndata:\n  redis.conf: |\n    maxmemory-policy allkeys-lru\n    {{- .Values.redis.extraConfig | nindent 4 }}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"app.fullname\" . }}-redis\nspec:\n  template:\n    spec:\n      containers:\n        - name: redis\n          image: \"{{ .Values.redis.image }}\"\n          command: [\"redis-server\", \"/etc/redis/redis.conf\", \"--maxmemory\", {{ .Values.redis.maxmemory | quote }}]\n          volumeMounts:\n            - name: config\n              mountPath: /etc/redis\n        - name: other\n          image: redis\n          args: {{ toYaml .Values.args }}\n      volumes:\n        - name: config\n          configMap:\n            name: {{ include \"app.fullname\" . }}-redis\n{{- end }}\n";
        let mut out = Output::default();
        let found = read(&[("charts/app/templates/redis.yaml", chart)], &mut out);
        assert_eq!(found.launches.len(), 1, "{:?}", out.notes);
        let launch = &found.launches[0];
        assert_eq!(
            texts(launch),
            [
                "/etc/redis/redis.conf",
                "--maxmemory",
                "{{ .Values.redis.maxmemory | quote }}"
            ]
        );
        assert_eq!(launch.mounts.len(), 1, "templated names match");
        assert_eq!(
            found.embedded[0].text,
            "maxmemory-policy allkeys-lru\n{{- .Values.redis.extraConfig | nindent 4 }}"
        );
        let messages: Vec<&str> = out.notes.iter().map(|n| n.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "charts/app/templates/redis.yaml: `args` is templated (`{{ toYaml .Values.args }}`): the Redis command is not known"
            ]
        );

        let broken = "apiVersion: v1\nkind: Pod\nspec: [\n";
        read(&[("k8s/pod.yaml", broken)], &mut out);
        assert!(out.notes[1].message.contains("YAML does not parse"));
        let scalar = "apiVersion: v1\nkind: Pod\nmetadata: {name: r}\nspec:\n  containers:\n    - image: redis\n      args: --maxmemory 1mb\n";
        read(&[("k8s/pod.yaml", scalar)], &mut out);
        assert!(
            out.notes[2].message.contains("`args` must be a list"),
            "{:?}",
            out.notes
        );
    }
}
