//! The policy files shipped in `policies/`: they load, they encode the seed,
//! and every policy ref CONTRIBUTING.md promises exists.

use std::path::Path;

use perfwarden_policy::{Policy, Status};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// The policy refs of CONTRIBUTING.md's "Policy references" table: every
/// backticked name in the first cell of each row.
fn contributing_refs() -> Vec<String> {
    let text = std::fs::read_to_string(Path::new(ROOT).join("CONTRIBUTING.md"))
        .expect("CONTRIBUTING.md is readable");
    let section = text
        .split("## Policy references")
        .nth(1)
        .expect("CONTRIBUTING.md has a Policy references section");
    let mut refs = Vec::new();
    for line in section.lines().skip_while(|l| !l.starts_with('|')) {
        if !line.starts_with('|') {
            break;
        }
        let first_cell = line.split('|').nth(1).unwrap_or_default();
        refs.extend(first_cell.split('`').skip(1).step_by(2).map(str::to_owned));
    }
    refs
}

#[test]
fn every_contributing_policy_ref_exists_in_default_toml() {
    let refs = contributing_refs();
    // The table lists 31 refs today; a parse that finds few proves little.
    assert!(refs.len() >= 31, "parsed only {refs:?}");
    assert!(refs.contains(&"pooling.external_api".to_owned()));
    assert!(refs.contains(&"rate_limit.webhooks".to_owned()));
    let policy = Policy::default_policy();
    let missing: Vec<&String> = refs
        .iter()
        .filter(|r| policy.status_of(r).is_none())
        .collect();
    assert!(missing.is_empty(), "missing from default.toml: {missing:?}");
}

#[test]
fn entries_carry_the_seed_statuses() {
    let policy = Policy::default_policy();
    assert_eq!(policy.status_of("queries.n_plus_one"), Some(Status::Alert));
    assert_eq!(
        policy.status_of("anti_patterns.select_star"),
        Some(Status::AtRisk)
    );
    assert_eq!(
        policy.status_of("load_test.thresholds"),
        Some(Status::Alert)
    );
    assert_eq!(
        policy.status_of("queries.logging"),
        Some(Status::Acceptable)
    );
    assert_eq!(policy.status_of("no.such_entry"), None);
}

#[test]
fn default_identity_and_round_trip() {
    let policy = Policy::default_policy();
    assert_eq!(policy.name(), "default");
    assert_eq!(policy.version(), "1.0.0");
    assert_eq!(policy.sha256().len(), 64);
    let shown = policy.to_toml();
    assert!(shown.contains("[latency.p95]"), "{shown}");
    // What `policy show` prints is itself a valid policy with the same identity.
    let again = Policy::from_toml(&shown, "shown.toml").expect("to_toml output parses");
    assert_eq!(again.sha256(), policy.sha256());
    assert_eq!(again.name(), "default");
    assert_eq!(again.to_toml(), shown);
}

#[test]
fn default_toml_keeps_seed_traceability() {
    let text = perfwarden_policy::DEFAULT_POLICY_TOML;
    for table in [
        "Latence API - Cibles",
        "Throughput - Cibles",
        "Base de Données - Cibles",
        "Politique de Requêtes DB",
        "Politique de Cache",
        "Invalidation",
        "Politique de Connection Pooling",
        "Politique de Traitement Asynchrone",
        "Politique de Rate Limiting",
        "Anti-Patterns à Éviter",
        "Métriques de Suivi",
        "Points d'Escalade",
        "Checklist par Phase",
        "Outils de Diagnostic",
    ] {
        assert!(
            text.lines()
                .any(|line| line.starts_with("# seed:") && line.contains(table)),
            "no `# seed:` comment for {table}"
        );
    }
}

#[test]
fn strict_policy_extends_default_and_is_stricter() {
    let path = Path::new(ROOT).join("policies/strict.toml");
    let strict = Policy::load(&path).expect("strict.toml is valid");
    let default = Policy::default_policy();
    assert_eq!(strict.name(), "strict");
    assert_ne!(strict.sha256(), default.sha256());
    assert_eq!(
        strict.status_of("anti_patterns.select_star"),
        Some(Status::Alert)
    );
    // Untouched entries are inherited.
    assert_eq!(strict.status_of("queries.n_plus_one"), Some(Status::Alert));
    assert_eq!(strict.status_of("cache.strategy"), Some(Status::Acceptable));
    assert_eq!(
        perfwarden_policy::check(
            &std::fs::read_to_string(&path).expect("read"),
            &path.display().to_string()
        )
        .map_err(|e| e.len()),
        Ok(())
    );
}

#[test]
fn example_policies_load() {
    let dir = Path::new(ROOT).join("policies/examples");
    let mut loaded = 0;
    for entry in std::fs::read_dir(&dir).expect("examples dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            let policy = Policy::load(&path).unwrap_or_else(|err| panic!("{err}"));
            assert!(!policy.name().is_empty());
            loaded += 1;
        }
    }
    assert!(loaded >= 1);
    let team = Policy::load(&dir.join("team-api.toml")).expect("team-api.toml");
    assert_eq!(team.name(), "team-api");
    assert_eq!(team.status_of("graphql.depth_limit"), Some(Status::AtRisk));
    assert_eq!(
        team.endpoint_class(None, Some("GET /api/search?q=x")),
        "heavy"
    );
    assert_eq!(team.endpoint_class(None, Some("GET /api/products")), "read");
}
