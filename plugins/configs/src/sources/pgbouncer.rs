//! PgBouncer `pgbouncer.ini`: `default_pool_size`, `min_pool_size`,
//! `server_idle_timeout`, `query_timeout` in `[pgbouncer]`, and per-database
//! `pool_size` / `min_pool_size` overrides in `[databases]`.

use perfwarden_sdk::{Output, Span};

use crate::parse::keyvalue::{Entry, parse_ini};
use crate::pools::{Pool, Setting, number, or_default, plain};

/// Settings PgBouncer reads from `[pgbouncer]` (unknown ones are noted:
/// PgBouncer refuses to start on them).
const KNOWN: &[&str] = &[
    "logfile",
    "pidfile",
    "listen_addr",
    "listen_port",
    "unix_socket_dir",
    "unix_socket_mode",
    "unix_socket_group",
    "user",
    "pool_mode",
    "max_client_conn",
    "default_pool_size",
    "min_pool_size",
    "reserve_pool_size",
    "reserve_pool_timeout",
    "max_db_connections",
    "max_user_connections",
    "max_db_client_connections",
    "max_user_client_connections",
    "server_round_robin",
    "track_extra_parameters",
    "ignore_startup_parameters",
    "peer_id",
    "disable_pqexec",
    "application_name_add_host",
    "conffile",
    "service_name",
    "job_name",
    "stats_period",
    "max_prepared_statements",
    "auth_type",
    "auth_hba_file",
    "auth_ident_file",
    "auth_file",
    "auth_user",
    "auth_query",
    "auth_dbname",
    "syslog",
    "syslog_ident",
    "syslog_facility",
    "log_connections",
    "log_disconnections",
    "log_pooler_errors",
    "log_stats",
    "verbose",
    "admin_users",
    "stats_users",
    "server_reset_query",
    "server_reset_query_always",
    "server_check_delay",
    "server_check_query",
    "server_fast_close",
    "server_lifetime",
    "server_idle_timeout",
    "server_connect_timeout",
    "server_login_retry",
    "client_login_timeout",
    "autodb_idle_timeout",
    "dns_max_ttl",
    "dns_nxdomain_ttl",
    "dns_zone_check_period",
    "resolv_conf",
    "query_timeout",
    "query_wait_timeout",
    "cancel_wait_timeout",
    "client_idle_timeout",
    "idle_transaction_timeout",
    "transaction_timeout",
    "suspend_timeout",
    "pkt_buf",
    "max_packet_size",
    "listen_backlog",
    "sbuf_loopcnt",
    "so_reuseport",
    "tcp_defer_accept",
    "tcp_socket_buffer",
    "tcp_keepalive",
    "tcp_keepcnt",
    "tcp_keepidle",
    "tcp_keepintvl",
    "tcp_user_timeout",
    "client_tls_sslmode",
    "client_tls_key_file",
    "client_tls_cert_file",
    "client_tls_ca_file",
    "client_tls_protocols",
    "client_tls_ciphers",
    "client_tls13_ciphers",
    "client_tls_ecdhcurve",
    "client_tls_dheparams",
    "server_tls_sslmode",
    "server_tls_ca_file",
    "server_tls_key_file",
    "server_tls_cert_file",
    "server_tls_protocols",
    "server_tls_ciphers",
    "server_tls13_ciphers",
    "unix_socket_dir",
    "query_wait_notify",
    "max_client_conn",
];

/// Pools of a pgbouncer.ini; malformed lines and unknown settings are notes.
pub fn pools(path: &str, text: &str, out: &mut Output) -> Vec<Pool> {
    let (entries, errors) = parse_ini(text);
    for (line, message) in errors {
        out.note(format!("{path}: {message}"), Some(Span::line(path, line)));
    }
    let global: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.section == "pgbouncer")
        .collect();
    for entry in &global {
        if !KNOWN.contains(&entry.key.as_str()) {
            out.note(
                format!("{path}: `{}` is not a PgBouncer setting", entry.key),
                Some(Span::line(path, entry.line)),
            );
        }
    }
    let section_line = text
        .lines()
        .position(|l| l.trim().eq_ignore_ascii_case("[pgbouncer]"))
        .map_or(1, |i| i as u32 + 1);
    let raw = |key: &str| {
        global
            .iter()
            .rev()
            .find(|e| e.key == key)
            .map(|e| (e.value.as_str(), e.line))
    };
    let mut pool = Pool::new("database", "pgbouncer", section_line);
    pool.max = or_default(
        number(
            raw("default_pool_size"),
            "default_pool_size",
            path,
            1.0,
            plain,
            out,
        ),
        Some(Setting::default(20.0, section_line, "pgbouncer")),
    );
    pool.min = or_default(
        number(raw("min_pool_size"), "min_pool_size", path, 1.0, plain, out),
        Some(Setting::default(0.0, section_line, "pgbouncer")),
    );
    pool.idle_timeout = or_default(
        number(
            raw("server_idle_timeout"),
            "server_idle_timeout",
            path,
            1.0,
            plain,
            out,
        ),
        Some(Setting::default(600.0, section_line, "pgbouncer")),
    );
    pool.statement_timeout = or_default(
        number(raw("query_timeout"), "query_timeout", path, 1.0, plain, out),
        Some(Setting::default(0.0, section_line, "pgbouncer")),
    );
    let mut pools = vec![pool];
    // `[databases]` entries are libpq-style `key=value` lists.
    for entry in entries.iter().filter(|e| e.section == "databases") {
        let params: Vec<(&str, &str)> = entry
            .value
            .split_whitespace()
            .filter_map(|kv| kv.split_once('='))
            .collect();
        let param = |key: &str| {
            params
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (*v, entry.line))
        };
        if param("pool_size").is_none() && param("min_pool_size").is_none() {
            continue;
        }
        let mut db = Pool::new("database", format!("pgbouncer:{}", entry.key), entry.line);
        db.max = number(param("pool_size"), "pool_size", path, 1.0, plain, out)
            .ok()
            .flatten();
        db.min = number(
            param("min_pool_size"),
            "min_pool_size",
            path,
            1.0,
            plain,
            out,
        )
        .ok()
        .flatten();
        pools.push(db);
    }
    pools
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globals_defaults_overrides_and_notes() {
        let text = "[databases]\nshop = host=db dbname=shop pool_size=40\n\n[pgbouncer]\npool_mode = transaction\n\
                    default_pool_size = 25\nquery_timeout = 5\npool_sise = 3\n";
        let mut out = Output::default();
        let pools = pools("pgbouncer.ini", text, &mut out);
        assert_eq!(pools[0].max, Some(Setting::set(25.0, 6)));
        assert_eq!(pools[0].min, Some(Setting::default(0.0, 4, "pgbouncer")));
        assert_eq!(
            pools[0].idle_timeout,
            Some(Setting::default(600.0, 4, "pgbouncer"))
        );
        assert_eq!(pools[0].statement_timeout, Some(Setting::set(5.0, 7)));
        assert_eq!(pools[1].client, "pgbouncer:shop");
        assert_eq!(pools[1].max, Some(Setting::set(40.0, 2)));
        assert_eq!(out.notes.len(), 1, "{:?}", out.notes);
        assert!(out.notes[0].message.contains("pool_sise"));
    }
}
