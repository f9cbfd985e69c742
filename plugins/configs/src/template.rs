//! Template markers in configuration values (ERB, Jinja, FreeMarker,
//! Spring/shell placeholders): such a value is only known at deploy time,
//! so it is reported as templated, never guessed.

/// The templating language a value uses, if any.
pub fn template_kind(value: &str) -> Option<&'static str> {
    if value.contains("<%") {
        Some("ERB")
    } else if value.contains("{{") || value.contains("{%") {
        Some("Jinja")
    } else if value.contains("${") {
        Some("placeholder")
    } else if value.contains("#{") {
        Some("interpolation")
    } else {
        None
    }
}

/// Byte ranges of Go template actions (`{{ ... }}`); an unclosed one runs
/// to the end.
fn go_actions(text: &str) -> Vec<(usize, usize)> {
    let mut actions = Vec::new();
    let mut at = 0;
    while let Some(start) = text[at..].find("{{").map(|s| s + at) {
        let end = text[start + 2..]
            .find("}}")
            .map_or(text.len(), |e| start + 2 + e + 2);
        actions.push((start, end));
        at = end;
    }
    actions
}

/// Whether an action at `start` of `line` begins a YAML value (after
/// `key: `, `- `, `? `, at the line's start, or in a flow collection),
/// outside quotes; `Some(true)` in a flow collection.
fn starts_value(line: &str, start: usize) -> Option<bool> {
    let prefix = &line[..start];
    let mut quote: Option<char> = None;
    let mut chars = prefix.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some('"'), '\\') => {
                chars.next();
            }
            (Some(q), c) if c == q => quote = None,
            (None, '"' | '\'') => quote = Some(c),
            _ => {}
        }
    }
    if quote.is_some() {
        return None;
    }
    let before = prefix.trim_end();
    let spaced = before.len() < prefix.len();
    // `-` and `?` are indicators only after a blank; `:` ends a key.
    let indicator = |c: char| {
        before
            .strip_suffix(c)
            .is_some_and(|rest| c == ':' || rest.is_empty() || rest.ends_with(char::is_whitespace))
    };
    if before.ends_with(['[', ',', '{']) {
        Some(true)
    } else if before.is_empty() || (spaced && (indicator(':') || indicator('-') || indicator('?')))
    {
        Some(false)
    } else {
        None
    }
}

/// A YAML template with Go template actions (Helm's `{{ ... }}`) made
/// parseable as YAML, line breaks kept so lines still point into the
/// template. An action alone on its lines (`{{- if .Values.auth }}`,
/// `{{- include "labels" . | nindent 4 }}`) is blanked: it is control flow
/// or inserts YAML that is not known. An unquoted one that starts a value
/// is single-quoted with the rest of the value (`replicas: '{{
/// .Values.replicas }}'`), which stays a templated value.
pub fn yaml_without_go_actions(text: &str) -> String {
    let actions = go_actions(text);
    let mut covered = vec![false; text.len()];
    for (start, end) in &actions {
        covered[*start..*end].iter_mut().for_each(|c| *c = true);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let only_actions = body
            .char_indices()
            .all(|(i, c)| c.is_whitespace() || covered[line_start + i]);
        if only_actions && !body.trim().is_empty() {
            out.push_str(&line[body.len()..]);
            line_start += line.len();
            continue;
        }
        let mut at = 0;
        for (start, end) in actions
            .iter()
            .filter(|(s, _)| (line_start..line_start + body.len()).contains(s))
        {
            let (start, end) = (start - line_start, (end - line_start).min(body.len()));
            if start < at {
                continue;
            }
            let Some(flow) = starts_value(body, start) else {
                continue;
            };
            let end = if flow { end } else { body.len() };
            out.push_str(&body[at..start]);
            out.push('\'');
            out.push_str(&body[start..end].replace('\'', "''"));
            out.push('\'');
            at = end;
        }
        out.push_str(&body[at..]);
        out.push_str(&line[body.len()..]);
        line_start += line.len();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{template_kind, yaml_without_go_actions};

    #[test]
    fn recognises_template_languages() {
        assert_eq!(template_kind("<%= ENV['DB_POOL'] || 5 %>"), Some("ERB"));
        assert_eq!(template_kind("{{ nginx_cache_duration }}"), Some("Jinja"));
        assert_eq!(template_kind("${jdbcUrl}"), Some("placeholder"));
        assert_eq!(template_kind("10"), None);
    }

    #[test]
    fn go_actions_become_yaml() {
        let helm = "{{- if .Values.redis.enabled }}\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"app.fullname\" . }}-redis\n  labels:\n    {{- include \"app.labels\" . | nindent 4 }}\nspec:\n  replicas: {{ .Values.replicas }}\n  image: \"{{ .Values.image }}:{{ .Values.tag }}\"\n  args: [\"--maxmemory\", {{ .Values.maxmemory | quote }}]\n  note: it's {{ .Values.x }}\n{{- end }}\n";
        let yaml = yaml_without_go_actions(helm);
        assert_eq!(yaml.lines().count(), helm.lines().count());
        let lines: Vec<&str> = yaml.lines().collect();
        assert_eq!(lines[0], "");
        assert_eq!(lines[4], "  name: '{{ include \"app.fullname\" . }}-redis'");
        assert_eq!(lines[6], "");
        assert_eq!(lines[8], "  replicas: '{{ .Values.replicas }}'");
        assert_eq!(
            lines[9],
            "  image: \"{{ .Values.image }}:{{ .Values.tag }}\""
        );
        assert_eq!(
            lines[10],
            "  args: [\"--maxmemory\", '{{ .Values.maxmemory | quote }}']"
        );
        assert_eq!(
            lines[11], "  note: it's {{ .Values.x }}",
            "inside a plain value"
        );
        let docs = crate::parse::yaml::parse(&yaml).unwrap();
        let spec = docs[0].get("spec").unwrap();
        assert_eq!(
            spec.get("replicas").unwrap().scalar(),
            Some("{{ .Values.replicas }}")
        );
        assert_eq!(yaml_without_go_actions("a: 1\n"), "a: 1\n");
    }
}
