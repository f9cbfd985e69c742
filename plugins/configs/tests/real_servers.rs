//! The parsers against the real servers (Debian's `redis-server` and
//! `nginx`), run when `PERFWARDEN_REAL_SERVERS=1`:
//!
//! - `redis-server` is started on a free port with each test config (as a
//!   child process, killed at the end) and its `CONFIG GET` answers must
//!   equal what the plugin extracted;
//! - `nginx -t` checks the nginx test configs under a temporary prefix; a
//!   config nginx rejects must also be reported by the plugin, and one it
//!   accepts must parse without notes.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::fixture;
use perfwarden_plugin_configs::Plugin;
use perfwarden_plugin_configs::parse::redis;
use perfwarden_plugin_configs::sources::{self, launch};
use perfwarden_sdk::testing::Tester;

fn enabled(test: &str) -> bool {
    let on = std::env::var("PERFWARDEN_REAL_SERVERS").is_ok_and(|v| v == "1");
    if !on {
        eprintln!(
            "{test}: skipped (set PERFWARDEN_REAL_SERVERS=1 with redis-server and nginx installed)"
        );
    }
    on
}

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!(
            "perfwarden-configs-{tag}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A started `redis-server`, killed when dropped.
struct RedisServer {
    child: Child,
    port: u16,
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free local port")
}

/// Start redis-server with `args` (a config file and/or flags); `Err(stderr+stdout)` if it exits.
fn start_redis(args: &[&std::ffi::OsStr], dir: &Path) -> Result<RedisServer, String> {
    start_redis_in(args, dir, None)
}

/// [`start_redis`] from working directory `cwd` (Redis resolves relative
/// config and include paths from it).
fn start_redis_in(
    args: &[&std::ffi::OsStr],
    dir: &Path,
    cwd: Option<&Path>,
) -> Result<RedisServer, String> {
    let port = free_port();
    let mut command = Command::new("redis-server");
    if let Some(cwd) = cwd {
        command.current_dir(cwd);
    }
    let mut child = command
        .args(args)
        .args(["--port", &port.to_string(), "--dir"])
        .arg(dir)
        .args(["--daemonize", "no"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| format!("cannot run redis-server: {err}"))?;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            let mut text = String::new();
            if let Some(mut out) = child.stdout.take() {
                let _ = out.read_to_string(&mut text);
            }
            if let Some(mut err) = child.stderr.take() {
                let _ = err.read_to_string(&mut text);
            }
            return Err(text);
        }
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(RedisServer { child, port });
        }
        assert!(
            Instant::now() < deadline,
            "redis-server did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `CONFIG GET name` over RESP: the value of a two-element array reply.
fn config_get(port: u16, name: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to redis");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let request = format!(
        "*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n${}\r\n{name}\r\n",
        name.len()
    );
    stream
        .write_all(request.as_bytes())
        .expect("send CONFIG GET");
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    let mut read_line = |reader: &mut BufReader<TcpStream>| {
        line.clear();
        reader.read_line(&mut line).expect("RESP line");
        line.trim_end().to_owned()
    };
    // RESP2 answers `*2`, RESP3 `%1`: either way the name then the value.
    let header = read_line(&mut reader);
    assert!(
        header == "*2" || header == "%1",
        "unexpected CONFIG GET reply {header:?}"
    );
    let mut bulk = |reader: &mut BufReader<TcpStream>| {
        let len: usize = read_line(reader)
            .strip_prefix('$')
            .and_then(|l| l.parse().ok())
            .expect("bulk string length");
        let mut buf = vec![0; len + 2];
        reader.read_exact(&mut buf).expect("bulk string");
        String::from_utf8_lossy(&buf[..len]).into_owned()
    };
    assert_eq!(bulk(&mut reader), name);
    bulk(&mut reader)
}

#[test]
fn redis_config_get_matches_the_parser() {
    if !enabled("redis_config_get_matches_the_parser") {
        return;
    }
    for name in [
        "redis/cache.conf",
        "redis/queue.conf",
        "redis/defaults.conf",
    ] {
        let path = fixture(name);
        let text = std::fs::read_to_string(&path).expect("fixture");
        let conf = redis::parse(&text);
        assert!(conf.errors.is_empty(), "{name}: {:?}", conf.errors);
        let dir = TempDir::new("redis");
        let server = start_redis(&[path.as_os_str()], &dir.0)
            .unwrap_or_else(|err| panic!("{name}: redis-server refused it:\n{err}"));
        assert_eq!(
            config_get(server.port, "maxmemory"),
            conf.maxmemory.value.to_string(),
            "{name}"
        );
        assert_eq!(
            config_get(server.port, "maxmemory-policy"),
            conf.maxmemory_policy.value,
            "{name}"
        );
        assert_eq!(
            config_get(server.port, "timeout"),
            conf.timeout.value.to_string(),
            "{name}"
        );
        assert_eq!(
            config_get(server.port, "tcp-keepalive"),
            conf.tcp_keepalive.value.to_string(),
            "{name}"
        );
    }
}

#[test]
fn redis_flags_in_compose_match_config_get() {
    if !enabled("redis_flags_in_compose_match_config_get") {
        return;
    }
    let text = std::fs::read_to_string(fixture("redis/docker-compose.yml")).expect("fixture");
    let mut out = perfwarden_sdk::Output::default();
    let launches = launch::compose("docker-compose.yml", &text, &mut out);
    let servers = sources::redis::servers(
        &[("docker-compose.yml", &text)],
        &[],
        &[],
        &launches,
        &mut out,
    );
    assert_eq!(servers.len(), 1, "{:?}", out.notes);
    let conf = &servers[0].conf;
    let flags: Vec<&std::ffi::OsStr> = launches[0]
        .args
        .iter()
        .map(|w| std::ffi::OsStr::new(&w.text))
        .collect();
    let dir = TempDir::new("redis-flags");
    let server = start_redis(&flags, &dir.0)
        .unwrap_or_else(|err| panic!("redis-server refused the flags:\n{err}"));
    assert_eq!(
        config_get(server.port, "maxmemory"),
        conf.maxmemory.value.to_string()
    );
    assert_eq!(conf.maxmemory.value, 64 * 1024 * 1024);
    assert_eq!(
        config_get(server.port, "maxmemory-policy"),
        conf.maxmemory_policy.value
    );
    assert_eq!(
        config_get(server.port, "timeout"),
        conf.timeout.value.to_string()
    );
    assert_eq!(
        config_get(server.port, "tcp-keepalive"),
        conf.tcp_keepalive.value.to_string()
    );
}

/// The four settings the plugin reads, as `CONFIG GET` answers them.
fn assert_config_get(port: u16, conf: &redis::RedisConf, what: &str) {
    let expected = [
        ("maxmemory", conf.maxmemory.value.to_string()),
        ("maxmemory-policy", conf.maxmemory_policy.value.clone()),
        ("timeout", conf.timeout.value.to_string()),
        ("tcp-keepalive", conf.tcp_keepalive.value.to_string()),
    ];
    for (name, value) in expected {
        assert_eq!(config_get(port, name), value, "{what}: {name}");
    }
}

#[test]
fn redis_include_chain_matches_config_get() {
    if !enabled("redis_include_chain_matches_config_get") {
        return;
    }
    let dir = fixture("redis/include");
    let main = std::fs::read_to_string(dir.join("redis.conf")).expect("fixture");
    let local = std::fs::read_to_string(dir.join("local.conf")).expect("fixture");
    let mut out = perfwarden_sdk::Output::default();
    let servers = sources::redis::servers(
        &[("redis/redis.conf", &main), ("redis/local.conf", &local)],
        &[],
        &["redis/redis.conf", "redis/local.conf"],
        &[],
        &mut out,
    );
    assert_eq!(servers.len(), 1, "local.conf is part of redis.conf");
    let conf = &servers[0].conf;
    assert_eq!(
        (conf.maxmemory.value, conf.maxmemory_policy.value.as_str()),
        (128 * 1024 * 1024, "volatile-ttl")
    );
    assert_eq!((conf.timeout.value, conf.tcp_keepalive.value), (45, 120));
    // Redis resolves `include local.conf` from its working directory.
    let data = TempDir::new("redis-include");
    let server = start_redis_in(&[std::ffi::OsStr::new("redis.conf")], &data.0, Some(&dir))
        .unwrap_or_else(|err| panic!("redis-server refused redis/include:\n{err}"));
    assert_config_get(server.port, conf, "redis/include");
}

#[test]
fn redis_script_flags_match_config_get() {
    if !enabled("redis_script_flags_match_config_get") {
        return;
    }
    let text = std::fs::read_to_string(fixture("redis/launch/start-redis.sh")).expect("fixture");
    let mut out = perfwarden_sdk::Output::default();
    let launches = launch::script("start-redis.sh", &text, &mut out);
    assert_eq!(launches.len(), 1, "{:?}", out.notes);
    let servers =
        sources::redis::servers(&[("start-redis.sh", &text)], &[], &[], &launches, &mut out);
    let conf = &servers[0].conf;
    assert_eq!(
        (conf.maxmemory.value, conf.maxmemory_policy.value.as_str()),
        (96 * 1024 * 1024, "allkeys-lfu")
    );
    // The quoted values (`"96mb"`, `'allkeys-lfu'`, `""`) reach Redis unquoted, as the shell passes them.
    let args: Vec<&std::ffi::OsStr> = launches[0]
        .args
        .iter()
        .map(|w| std::ffi::OsStr::new(&w.text))
        .collect();
    let data = TempDir::new("redis-script");
    let server = start_redis(&args, &data.0)
        .unwrap_or_else(|err| panic!("redis-server refused the script's flags:\n{err}"));
    assert_config_get(server.port, conf, "start-redis.sh");
}

#[test]
fn redis_rejects_what_the_parser_reports() {
    if !enabled("redis_rejects_what_the_parser_reports") {
        return;
    }
    let path = fixture("redis/invalid.conf");
    let text = std::fs::read_to_string(&path).expect("fixture");
    assert_eq!(
        redis::parse(&text)
            .errors
            .iter()
            .map(|e| e.0)
            .collect::<Vec<_>>(),
        [2]
    );
    let out = Tester::new(Plugin).run(&[("redis.conf", &text)]);
    assert!(
        out.notes
            .iter()
            .any(|n| n.span.as_ref().is_some_and(|s| s.line == 2)),
        "{:?}",
        out.notes
    );
    let dir = TempDir::new("redis-invalid");
    match start_redis(&[path.as_os_str()], &dir.0) {
        Ok(_) => panic!("redis-server accepted invalid.conf"),
        Err(log) => assert!(log.contains("maxmemory"), "{log}"),
    }
}

/// `nginx -t` on `conf` under a temporary prefix: (passed, output).
fn nginx_test(conf: &Path) -> (bool, String) {
    let prefix = TempDir::new("nginx");
    std::fs::create_dir_all(prefix.0.join("tmp")).expect("prefix tmp dir");
    let mut prefix_arg = prefix.0.clone().into_os_string();
    prefix_arg.push("/");
    let binary = ["nginx", "/usr/sbin/nginx"]
        .into_iter()
        .find(|b| Command::new(b).arg("-v").output().is_ok())
        .expect("nginx is installed");
    let output = Command::new(binary)
        .arg("-t")
        .arg("-p")
        .arg(&prefix_arg)
        .arg("-e")
        .arg(prefix.0.join("error.log"))
        .arg("-c")
        .arg(conf)
        .output()
        .expect("run nginx -t");
    let text = String::from_utf8_lossy(&output.stderr).into_owned()
        + &String::from_utf8_lossy(&output.stdout);
    (output.status.success(), text)
}

#[test]
fn nginx_accepts_the_valid_config_the_plugin_reads() {
    if !enabled("nginx_accepts_the_valid_config_the_plugin_reads") {
        return;
    }
    let (passed, log) = nginx_test(&fixture("nginx/valid/nginx.conf"));
    assert!(passed, "nginx -t failed:\n{log}");
    let main = std::fs::read_to_string(fixture("nginx/valid/nginx.conf")).expect("fixture");
    let site = std::fs::read_to_string(fixture("nginx/valid/conf.d/app.conf")).expect("fixture");
    let out = Tester::new(Plugin).run(&[
        ("nginx/nginx.conf", &main),
        ("nginx/conf.d/app.conf", &site),
    ]);
    assert!(out.notes.is_empty(), "{:#?}", out.notes);
    let login: Vec<f64> = out
        .metrics
        .iter()
        .filter(|m| m.label_value("route_class") == Some("login"))
        .map(|m| m.value)
        .collect();
    assert_eq!(login, [5.0, 60.0], "5r/m on /login");
    let ttl = out
        .metrics
        .iter()
        .find(|m| m.name == "cache.ttl" && m.label_value("cache") == Some("pages"))
        .expect("proxy_cache_valid TTL");
    assert_eq!(ttl.value, 600.0);
    let ids: Vec<&str> = out.findings.iter().map(|f| f.rule).collect();
    // 5r/m + burst 2 is 77 login attempts per 15 min, above the 5 of the policy.
    assert_eq!(ids, ["CFG006"], "{:#?}", out.findings);
}

#[test]
fn nginx_and_the_plugin_reject_the_same_configs() {
    if !enabled("nginx_and_the_plugin_reject_the_same_configs") {
        return;
    }
    for name in [
        "missing_semicolon",
        "unclosed_block",
        "extra_brace",
        "unterminated_quote",
    ] {
        let path = fixture(&format!("nginx/invalid/{name}.conf"));
        let (passed, log) = nginx_test(&path);
        assert!(!passed, "nginx accepted {name}:\n{log}");
        assert!(log.contains("[emerg]"), "{name}: {log}");
        let text = std::fs::read_to_string(&path).expect("fixture");
        let out = Tester::new(Plugin).run(&[("nginx/nginx.conf", &text)]);
        assert!(
            out.notes
                .iter()
                .any(|n| n.message.contains("does not parse")),
            "{name}: plugin accepted what nginx rejected ({log}): {:?}",
            out.notes
        );
    }
}
