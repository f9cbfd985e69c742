//! The languages perfwarden writes its reports in, and every text it
//! writes, side by side.
//!
//! Texts are keyed by [`T`]: one variant per message with its English and
//! French wording. Parameters are named placeholders (`{n}`, `{rule}`)
//! filled by [`T::with`]; both languages must use the same ones (a test
//! checks). Plugins' messages are not translated: they stay as the plugin
//! wrote them. Machine-readable keys (statuses and areas in JSON, SARIF
//! levels, rule ids) never change with the language.

use std::fmt::{self, Display, Write as _};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A language of the reports.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// French, the language of the seed policy.
    Fr,
}

impl Lang {
    /// Every language, default first.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    /// The ISO 639-1 code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Fr => "fr",
        }
    }

    /// The language of a POSIX locale name (`fr_FR.UTF-8`, `fr`,
    /// `en_US`); `None` for `C`, `POSIX` and languages without a
    /// translation.
    pub fn from_locale(locale: &str) -> Option<Self> {
        let language = locale
            .split(['_', '.', '@', '-'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        Self::ALL.into_iter().find(|l| l.as_str() == language)
    }

    /// The language the environment asks for, in POSIX precedence: the
    /// first set of `LC_ALL`, `LC_MESSAGES`, `LANG` decides; English when
    /// it names no language perfwarden speaks.
    pub fn from_env() -> Self {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// [`Lang::from_env`] over any variable lookup.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Self {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .into_iter()
            .filter_map(|name| var(name).filter(|v| !v.is_empty()))
            .next()
            .and_then(|locale| Self::from_locale(&locale))
            .unwrap_or_default()
    }
}

impl Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Lang {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|l| l.as_str() == text)
            .ok_or_else(|| format!("unknown language `{text}` (expected en or fr)"))
    }
}

/// A text of a policy: one string for every language, or one per
/// language (`title = { en = "...", fr = "..." }`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Text {
    /// The plain string, or the English one.
    default: String,
    /// Other languages' wording.
    translations: Vec<(Lang, String)>,
}

impl Text {
    /// The same wording in every language.
    pub fn plain(text: impl Into<String>) -> Self {
        Self {
            default: text.into(),
            translations: Vec::new(),
        }
    }

    /// `en` (or the first language given) as the default, the others as
    /// translations.
    pub fn localized(mut by_lang: Vec<(Lang, String)>) -> Self {
        by_lang.sort_by_key(|(lang, _)| *lang);
        let mut iter = by_lang.into_iter();
        let default = iter.next().map(|(_, text)| text).unwrap_or_default();
        Self {
            default,
            translations: iter.collect(),
        }
    }

    /// The same text rewritten in every language (`f` gets each
    /// language and its wording).
    pub fn map(&self, f: impl Fn(Lang, &str) -> String) -> Self {
        Self::from_fn(|lang| f(lang, self.get(lang)))
    }

    /// A text written for each language by `f`.
    pub fn from_fn(f: impl Fn(Lang) -> String) -> Self {
        Self::localized(Lang::ALL.iter().map(|&lang| (lang, f(lang))).collect())
    }

    /// The wording in `lang`, else the default.
    pub fn get(&self, lang: Lang) -> &str {
        self.translations
            .iter()
            .find(|(l, _)| *l == lang)
            .map_or(&self.default, |(_, text)| text)
    }
}

/// Fill `{name}` placeholders of a template.
fn fill(template: &str, args: &[(&str, &dyn Display)]) -> String {
    let mut out = String::with_capacity(template.len() + 16 * args.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match args.iter().find(|(key, _)| *key == name) {
                    Some((_, value)) => {
                        let _ = write!(out, "{value}");
                    }
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

macro_rules! texts {
    ($($name:ident => $en:literal, $fr:literal;)*) => {
        /// Every text the host writes; see the module docs.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[allow(missing_docs)]
        pub enum T { $($name,)* }

        impl T {
            /// Every text, for checks over the whole catalogue.
            pub const ALL: &'static [T] = &[$(T::$name,)*];

            /// The text in `lang`, placeholders unfilled.
            pub fn get(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $(
                        (T::$name, Lang::En) => $en,
                        (T::$name, Lang::Fr) => $fr,
                    )*
                }
            }
        }
    };
}

impl T {
    /// The text in `lang` with its placeholders filled.
    pub fn with(self, lang: Lang, args: &[(&str, &dyn Display)]) -> String {
        fill(self.get(lang), args)
    }
}

texts! {
    // Statuses, areas and checklist states as people read them.
    StatusMet => "met", "atteint";
    StatusAcceptable => "acceptable", "acceptable";
    StatusAtRisk => "at-risk", "à risque";
    StatusAlert => "alert", "alerte";
    StatusNoData => "no-data", "sans donnée";
    ItemVerified => "verified", "vérifié";
    ItemViolated => "violated", "non respecté";
    ItemUnknown => "unknown", "inconnu";
    AreaLatency => "latency", "latence";
    AreaThroughput => "throughput", "débit";
    AreaDatabase => "database", "base de données";
    AreaQueries => "queries", "requêtes";
    AreaCache => "cache", "cache";
    AreaPooling => "pooling", "pools de connexions";
    AreaAsync => "async", "traitements asynchrones";
    AreaRateLimit => "rate limiting", "limitation de débit";
    AreaAntiPatterns => "anti-patterns", "anti-patterns";
    AreaTracking => "tracked metrics", "métriques suivies";
    AreaTimeouts => "timeouts", "timeouts";
    AreaLoadTest => "load tests", "tests de charge";
    AreaTools => "tools", "outils";
    AreaReliability => "reliability", "fiabilité";
    AreaOther => "other", "autre";
    AreaUnknown => "unknown", "inconnue";
    PhaseDesign => "design", "conception";
    PhaseDevelopment => "development", "développement";
    PhaseReview => "review", "revue";
    PhaseProduction => "production", "production";

    // Report renderings.
    Policy => "policy", "politique";
    Score => "score", "score";
    Findings => "findings", "constats";
    Metrics => "metrics", "métriques";
    Escalations => "escalations", "escalades";
    Checklist => "checklist", "checklist";
    Notes => "notes", "notes";
    Plugins => "plugins", "plugins";
    Status => "status", "statut";
    Area => "area", "domaine";
    Value => "value", "valeur";
    Thresholds => "thresholds", "seuils";
    Target => "target", "cible";
    AcceptableBand => "acceptable", "acceptable";
    AlertThreshold => "alert", "alerte";
    Minimum => "min", "min";
    Maximum => "max", "max";
    LimitPer => "limit {limit} per {window} s", "limite {limit} par {window} s";
    NoData => "no data", "pas de donnée";
    Samples => "{n} samples", "{n} échantillons";
    Fix => "fix", "correctif";
    ExpectedNotMeasured => "{n} expected, not measured: {names}", "{n} attendue(s), non mesurée(s) : {names}";
    More => "… {n} more", "… {n} de plus";
    MoreInJson => "… {n} more in the JSON report", "… {n} de plus dans le rapport JSON";
    PluginLine =>
        "{ms} ms (+{load} ms load) · {artifacts} artifacts · {findings} findings · {metrics} metrics · cache {cache}",
        "{ms} ms (+{load} ms de chargement) · {artifacts} artefacts · {findings} constats · {metrics} métriques · cache {cache}";
    RefusedReads => "refused reads: {paths}", "lectures refusées : {paths}";
    Passed => "PASSED (fail-on {status})", "RÉUSSI (fail-on {status})";
    Failed => "FAILED (fail-on {status})", "ÉCHEC (fail-on {status})";
    Never => "never", "jamais";
    Passing => "passed", "réussi";
    Failing => "failed", "échec";
    Owner => "owner", "responsable";
    Action => "action", "action";
    Situation => "situation", "situation";
    Evidence => "evidence", "preuves";
    Rule => "rule", "règle";
    Message => "message", "message";
    Location => "location", "emplacement";
    Plugin => "plugin", "plugin";
    Duration => "duration", "durée";
    Artifacts => "artifacts", "artefacts";
    Error => "error", "erreur";
    Endpoint => "endpoint", "endpoint";
    Percentiles => "percentiles", "percentiles";
    Throughput => "throughput", "débit";
    Latency => "latency", "latence";
    Measured => "measured", "mesuré";
    Phase => "phase", "phase";
    Item => "item", "point";
    IsStatus => "{what} is {status}", "{what} est {status}";
    PolicyRowJudges => "{title}: the policy row `{row}` judges {metric}{thresholds}.", "{title} : la ligne `{row}` de la politique juge {metric}{thresholds}.";
    PolicyRef => "{text} (policy: {entry})", "{text} (politique : {entry})";
    WorstFindings => "worst findings", "pires constats";
    WorstMetrics => "worst metrics", "pires métriques";
    StatusPerArea => "status per area", "statut par domaine";
    Report => "performance report", "rapport de performance";
    QueryPlan => "query optimisation plan", "plan d'optimisation des requêtes";
    CacheStrategy => "cache strategy", "stratégie de cache";
    Suppressed => "{n} suppressed", "{n} ignoré(s)";
    Baselined => "{n} in the baseline", "{n} dans la baseline";

    MdHeading => "perfwarden: score {score}/100, {verdict}", "perfwarden : score {score}/100, {verdict}";
    MdCounts =>
        "Policy {name} {version} · {findings} findings · {metrics} metrics · {escalations} escalations · {errors} plugin errors",
        "Politique {name} {version} · {findings} constats · {metrics} métriques · {escalations} escalades · {errors} plugins en erreur";
    MdAreaTable => "| Area | Score | Status | Findings | Metrics |", "| Domaine | Score | Statut | Constats | Métriques |";
    MdFindingTable => "| Status | Rule | Location | Message |", "| Statut | Règle | Emplacement | Message |";
    MdMetricTable => "| Status | Metric | Value | Thresholds |", "| Statut | Métrique | Valeur | Seuils |";
    MdCacheTable => "| Data class | Policy strategy | Policy TTL | Measured TTLs |", "| Type de donnée | Stratégie de la politique | TTL de la politique | TTL mesurés |";
    MdChecklistTable => "| Phase | Item | State | Evidence |", "| Phase | Point | État | Preuves |";
    MdNoDataCount =>
        "{n} expected metrics were not measured (no-data): see the full report.",
        "{n} métriques attendues n'ont pas été mesurées (sans donnée) : voir le rapport complet.";
    MdChecklistSummary =>
        "Checklist: {verified} verified, {violated} violated, {unknown} unknown",
        "Checklist : {verified} vérifié(s), {violated} non respecté(s), {unknown} inconnu(s)";
    PluginErrors => "Plugin errors", "Plugins en erreur";
    NoDetail => "no detail", "pas de détail";
    At => "{what} at {location}", "{what} en {location}";
    PlanNPlusOne => "N+1 queries to batch or eager-load", "Requêtes N+1 à regrouper ou charger en eager loading";
    PlanIndexes => "Missing indexes", "Index manquants";
    PlanPagination => "Pagination to convert to cursors", "Pagination à convertir en curseurs";
    CacheFindings => "Cache findings", "Constats sur le cache";
    NotMeasured => "not measured", "non mesuré";
    Truncated =>
        "… truncated: the summary reached its size limit; see the full report",
        "… tronqué : le résumé a atteint sa taille limite ; voir le rapport complet";

    WorstStatus => "worst status", "pire statut";
    LatencyPerEndpoint => "latency per endpoint", "latence par endpoint";
    Bands => "bands", "bandes";
    AllEndpoints => "all endpoints", "tous les endpoints";
    ThroughputVsTarget => "throughput vs target", "débit par rapport à la cible";
    Scope => "scope", "périmètre";
    IndexesToCreate => "indexes to create", "index à créer";
    DataClass => "data class", "type de donnée";
    PolicyStrategy => "policy strategy", "stratégie de la politique";
    PolicyTtl => "policy TTL", "TTL de la politique";
    MeasuredTtls => "measured TTLs", "TTL mesurés";
    RecommendedMax => "recommended max", "max recommandé";
    Variable => "variable", "variable";
    TtlCount => "{n} TTL(s)", "{n} TTL";
    Cache => "cache", "cache";
    Source => "source", "source";
    PluginHealth => "plugin health", "santé des plugins";
    Version => "version", "version";
    Time => "time", "temps";
    LoadTime => "{ms} ms (+{load} ms load)", "{ms} ms (+{load} ms de chargement)";
    State => "state", "état";
    MoreFindingsInJson => "… {n} more findings in the JSON report", "… {n} constats de plus dans le rapport JSON";
    MoreMetricsInJson => "… {n} more metrics in the JSON report", "… {n} métriques de plus dans le rapport JSON";
    ReportOf => "perfwarden report: {project}", "rapport perfwarden : {project}";
    HtmlSummary =>
        "fail-on {fail_on} · {findings} findings · {metrics} metrics · {escalations} escalations",
        "fail-on {fail_on} · {findings} constats · {metrics} métriques · {escalations} escalades";
    PassedShort => "PASSED", "RÉUSSI";
    FailedShort => "FAILED", "ÉCHEC";

    MoreProblems => "{n} more problems in the report", "{n} problèmes de plus dans le rapport";
    Project => "project", "projet";
    JunitFindingBody =>
        "{message}\nrule: {rule} {name} ({plugin})\npolicy: {entry} is {status}\nat: {at}",
        "{message}\nrègle : {rule} {name} ({plugin})\npolitique : {entry} est {status}\nen : {at}";
    JunitMeasured => "measured: {value}", "mesuré : {value}";
    JunitThreshold => "threshold: {thresholds}", "seuil : {thresholds}";
    JunitAt => "at: {at}", "en : {at}";
    JunitPlugin => "plugin: {plugin}", "plugin : {plugin}";
    JunitEvidence => "evidence: {evidence}", "preuves : {evidence}";
    JunitFix => "fix: {fix}", "correctif : {fix}";

    CompareChange =>
        "{metric} {{{labels}}}: {old} -> {new} {unit} ({percent} worse; tolerance {tolerance} %, noise {noise} %)",
        "{metric} {{{labels}}} : {old} -> {new} {unit} ({percent} de dégradation ; tolérance {tolerance} %, bruit {noise} %)";
    CompareNew => "new", "nouveau";
    Regressions => "regressions", "régressions";
    NewFindings => "new findings", "nouveaux constats";
    Improvements => "improvements", "améliorations";
    FixedFindings => "fixed findings", "constats corrigés";
    Regressed => "REGRESSED", "RÉGRESSION";
    NoRegression => "no regression", "pas de régression";
    CompareSummary =>
        "{n} metrics within tolerance or noise · {verdict}",
        "{n} métriques dans la tolérance ou le bruit · {verdict}";

    NoteUnusedSuppression =>
        "unused suppression of {rules}: nothing to suppress here any more, remove it",
        "suppression inutilisée de {rules} : plus rien à ignorer ici, retirez-la";
    NoteSuppressionIgnored => "suppression ignored: {problem}", "suppression ignorée : {problem}";
    NoteOversized =>
        "skipped: {bytes} bytes, over the size limit (`[discovery] max_file_size_mib`)",
        "ignoré : {bytes} octets, au-delà de la taille limite (`[discovery] max_file_size_mib`)";
    NoteBinaryNotOffered =>
        "not offered: binary file (a pattern naming its extension, e.g. `*.gz`, offers it)",
        "non transmis : fichier binaire (un motif nommant son extension, par ex. `*.gz`, le transmet)";
    NoteFileIsolated =>
        "the plugin fails on this file alone ({err}); it ran again without it, so its results miss this file",
        "le plugin échoue sur ce seul fichier ({err}) ; il a été relancé sans lui, ses résultats omettent donc ce fichier";
    NoteUndeclaredRule =>
        "finding of undeclared rule `{rule}` kept without a policy entry",
        "constat d'une règle non déclarée `{rule}` conservé sans entrée de politique";
    NoteMetricNotFinite =>
        "metric `{metric}` dropped: value is not a finite number",
        "métrique `{metric}` écartée : la valeur n'est pas un nombre fini";

    FailCompile => "cannot compile: {err}", "compilation impossible : {err}";
    FailWorld => "does not implement {world}: {err}", "n'implémente pas {world} : {err}";
    FailOutputCap =>
        "returned {count} {what}, over the cap of {cap}; output dropped",
        "a renvoyé {count} {what}, au-delà du plafond de {cap} ; sortie écartée";
    FailOutputBytes =>
        "returned {count} bytes of text, over the cap of {cap}; output dropped",
        "a renvoyé {count} octets de texte, au-delà du plafond de {cap} ; sortie écartée";
    FailMemory => "exceeded the memory limit of {mib} MiB", "a dépassé la limite mémoire de {mib} Mio";
    FailTimeout => "timed out after {ms} ms (limit {limit} ms)", "délai dépassé après {ms} ms (limite {limit} ms)";
    FailFuel => "ran out of fuel (budget {budget})", "carburant épuisé (budget {budget})";
    FailTrapped => "trapped: {trap}", "trap : {trap}";
    FailFailed => "failed: {err}", "échec : {err}";
    WithStderr => "{message}; stderr: {stderr}", "{message} ; stderr : {stderr}";

    // Judgement notes and checklist evidence.
    NotePluginsFailed =>
        "{n} plugin(s) failed: their rules did not run, so the checklist items they would settle stay unknown and the score misses their findings",
        "{n} plugin(s) en échec : leurs règles n'ont pas tourné, les points de checklist qu'elles tranchent restent inconnus et le score ignore leurs constats";
    NoteNoRow => "no policy row judges this metric", "aucune ligne de la politique ne juge cette métrique";
    NoteNotFinite => "the value is not a finite number", "la valeur n'est pas un nombre fini";
    NoteUnitMismatch =>
        "unit `{unit}` of {metric} cannot be compared with the policy's `{policy_unit}`",
        "l'unité `{unit}` de {metric} n'est pas comparable à celle de la politique, `{policy_unit}`";
    NoteWindowAssumed =>
        "no rate_limit.window with the same labels: the policy's window is assumed",
        "aucun rate_limit.window avec les mêmes labels : la fenêtre de la politique est supposée";
    NoteWindowWithoutLimit =>
        "a rate-limit window without its limit cannot be judged",
        "une fenêtre de limitation sans sa limite ne peut pas être jugée";
    NoteWindowZero => "a rate-limit window of 0 cannot be judged", "une fenêtre de limitation de 0 ne peut pas être jugée";
    NoteRateWindow =>
        "{limit} per {window} s = {scaled} per policy window of {policy_window} s (policy: {policy_limit})",
        "{limit} par {window} s = {scaled} par fenêtre de la politique de {policy_window} s (politique : {policy_limit})";
    NoteExpected =>
        "expected: {prefix}* metrics were reported{scope}, but none that {row} judges",
        "attendu : des métriques {prefix}* ont été rapportées{scope}, mais aucune que {row} juge";
    NoteExpectedScope => " for {class} endpoints", " pour les endpoints {class}";
    NoteNoPolicyEntry => "no policy entry", "aucune entrée de politique";
    NoteUndefinedEntry =>
        "policy entry `{entry}`, which this policy does not define",
        "l'entrée de politique `{entry}`, que cette politique ne définit pas";
    NoteUnknownRef =>
        "rule {rule} ({plugin}) names {named}: its findings are judged {status} (judging.unknown_ref)",
        "la règle {rule} ({plugin}) désigne {named} : ses constats sont jugés {status} (judging.unknown_ref)";
    EvidenceFindings =>
        "{n} finding(s) under {entry}, first: {rule} {name}{at}",
        "{n} constat(s) sous {entry}, le premier : {rule} {name}{at}";
    EvidenceAt => " at {path}:{line}", " en {path}:{line}";
    EvidenceRulesClean => "rules {rules} ran and found nothing", "les règles {rules} ont tourné sans rien trouver";
    EvidenceBadMetrics =>
        "{n} metric(s) at-risk or alert, first: {row} = {value} {unit} ({status})",
        "{n} métrique(s) à risque ou en alerte, la première : {row} = {value} {unit} ({status})";
    EvidenceGoodMetrics => "{n} metric(s) met or acceptable", "{n} métrique(s) atteinte(s) ou acceptable(s)";
    EvidenceNotObservable => "not observable from the project's artifacts", "non observable dans les artefacts du projet";
    CacheTtlTitle => "Cache TTL, {label} data", "TTL du cache, données {label}";
    EvidenceNothingRan => "no rule or metric that settles it ran", "aucune règle ni métrique qui le tranche n'a tourné";
}

/// How people read a status in `lang`.
pub fn status(status: crate::Status, lang: Lang) -> &'static str {
    use crate::Status;
    match status {
        Status::Met => T::StatusMet,
        Status::Acceptable => T::StatusAcceptable,
        Status::AtRisk => T::StatusAtRisk,
        Status::Alert => T::StatusAlert,
        Status::NoData => T::StatusNoData,
    }
    .get(lang)
}

/// How people read a checklist item's state in `lang`.
pub fn item_status(status: crate::ItemStatus, lang: Lang) -> &'static str {
    use crate::ItemStatus;
    match status {
        ItemStatus::Verified => T::ItemVerified,
        ItemStatus::Violated => T::ItemViolated,
        ItemStatus::Unknown => T::ItemUnknown,
    }
    .get(lang)
}

/// How people read a policy area (or checklist phase) in `lang`; a name
/// the catalogue does not know is shown as is.
pub fn area(name: &str, lang: Lang) -> &str {
    let text = match name {
        "latency" => T::AreaLatency,
        "throughput" => T::AreaThroughput,
        "database" => T::AreaDatabase,
        "queries" => T::AreaQueries,
        "cache" => T::AreaCache,
        "pooling" => T::AreaPooling,
        "async" => T::AreaAsync,
        "rate_limit" => T::AreaRateLimit,
        "anti_patterns" => T::AreaAntiPatterns,
        "tracking" => T::AreaTracking,
        "timeouts" => T::AreaTimeouts,
        "load_test" => T::AreaLoadTest,
        "tools" => T::AreaTools,
        "reliability" => T::AreaReliability,
        "other" => T::AreaOther,
        "unknown" => T::AreaUnknown,
        "design" => T::PhaseDesign,
        "development" => T::PhaseDevelopment,
        "review" => T::PhaseReview,
        "production" => T::PhaseProduction,
        _ => return name,
    };
    text.get(lang)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn placeholders(text: &str) -> BTreeSet<&str> {
        text.split('{')
            .skip(1)
            .filter_map(|part| part.split_once('}').map(|(name, _)| name))
            .collect()
    }

    #[test]
    fn every_text_has_both_languages_with_the_same_placeholders() {
        for text in T::ALL {
            let (en, fr) = (text.get(Lang::En), text.get(Lang::Fr));
            assert!(!en.is_empty() && !fr.is_empty(), "{text:?}");
            assert_eq!(placeholders(en), placeholders(fr), "{text:?}");
        }
    }

    #[test]
    fn placeholders_are_filled_by_name() {
        let text = T::EvidenceAt.with(Lang::Fr, &[("path", &"a.sql"), ("line", &3)]);
        assert_eq!(text, " en a.sql:3");
        assert_eq!(fill("{a} {b} {", &[("a", &1)]), "1 {b} {");
    }

    #[test]
    fn the_locale_picks_the_language_in_posix_precedence() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert_eq!(Lang::from_vars(env(&[("LANG", "fr_FR.UTF-8")])), Lang::Fr);
        assert_eq!(
            Lang::from_vars(env(&[("LANG", "fr_FR.UTF-8"), ("LC_ALL", "C")])),
            Lang::En
        );
        assert_eq!(
            Lang::from_vars(env(&[("LANG", "en_US"), ("LC_MESSAGES", "fr_CA")])),
            Lang::Fr
        );
        assert_eq!(
            Lang::from_vars(env(&[("LC_ALL", ""), ("LANG", "fr")])),
            Lang::Fr
        );
        assert_eq!(Lang::from_vars(env(&[("LANG", "de_DE.UTF-8")])), Lang::En);
        assert_eq!(Lang::from_vars(env(&[])), Lang::En);
        assert_eq!("fr".parse::<Lang>(), Ok(Lang::Fr));
        assert!("de".parse::<Lang>().is_err());
    }

    #[test]
    fn policy_texts_fall_back_to_their_default() {
        let title = Text::localized(vec![
            (Lang::Fr, "Latence p95".to_owned()),
            (Lang::En, "Latency p95".to_owned()),
        ]);
        assert_eq!(title.get(Lang::Fr), "Latence p95");
        assert_eq!(title.get(Lang::En), "Latency p95");
        let only_fr = Text::localized(vec![(Lang::Fr, "SLA définis".to_owned())]);
        assert_eq!(only_fr.get(Lang::En), "SLA définis");
        assert_eq!(Text::plain("x").get(Lang::Fr), "x");
    }

    #[test]
    fn known_areas_are_translated_and_others_kept() {
        assert_eq!(area("database", Lang::Fr), "base de données");
        assert_eq!(area("rate_limit", Lang::En), "rate limiting");
        assert_eq!(area("custom_area", Lang::Fr), "custom_area");
        assert_eq!(status(crate::Status::AtRisk, Lang::Fr), "à risque");
    }
}
