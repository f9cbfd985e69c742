//! Access to the host: reading offered artifacts, logging, configuration.

use std::collections::BTreeMap;
use std::io;

use serde::de::DeserializeOwned;

use crate::__private::wit::perfwarden::analyzer::{host, types::LogLevel as WitLogLevel};

/// Bytes fetched per `read-range` call by [`ArtifactReader`]: large enough
/// to amortise the boundary crossing, small enough to bound guest memory.
const CHUNK_LEN: u32 = 1 << 20;

/// Where reads go: the sandbox host, or in-memory files in native tests.
#[derive(Debug)]
enum Files {
    Host,
    #[cfg_attr(not(feature = "testing"), allow(dead_code))]
    Memory(BTreeMap<String, Vec<u8>>),
}

/// The analyzer's view of the host. Only artifacts offered to this call
/// can be read; any other path is refused by the host.
#[derive(Debug)]
pub struct Context {
    files: Files,
}

/// Severity of a log line sent to the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    /// Very detailed.
    Trace,
    /// Debugging detail.
    Debug,
    /// Progress.
    Info,
    /// Something odd but recoverable.
    Warn,
    /// Something failed.
    Error,
}

impl Context {
    pub(crate) fn host() -> Self {
        Self { files: Files::Host }
    }

    #[cfg(feature = "testing")]
    pub(crate) fn memory(files: BTreeMap<String, Vec<u8>>) -> Self {
        Self {
            files: Files::Memory(files),
        }
    }

    /// Read a whole artifact. Prefer [`Context::open`] for files that may
    /// be large (load-test results, logs).
    pub fn read(&self, path: &str) -> crate::Result<Vec<u8>> {
        match &self.files {
            Files::Host => host::read(path),
            Files::Memory(files) => files
                .get(path)
                .cloned()
                .ok_or_else(|| format!("not offered: {path}")),
        }
    }

    /// Read a whole artifact as UTF-8 text (invalid bytes are replaced).
    pub fn read_to_string(&self, path: &str) -> crate::Result<String> {
        let bytes = self.read(path)?;
        Ok(match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(err) => String::from_utf8_lossy(err.as_bytes()).into_owned(),
        })
    }

    /// Read at most `len` bytes at `offset`; empty at end of file.
    pub fn read_range(&self, path: &str, offset: u64, len: u32) -> crate::Result<Vec<u8>> {
        match &self.files {
            Files::Host => host::read_range(path, offset, len),
            Files::Memory(files) => {
                let bytes = files
                    .get(path)
                    .ok_or_else(|| format!("not offered: {path}"))?;
                let start = usize::try_from(offset)
                    .unwrap_or(usize::MAX)
                    .min(bytes.len());
                let end = start.saturating_add(len as usize).min(bytes.len());
                Ok(bytes[start..end].to_vec())
            }
        }
    }

    /// A streaming [`io::Read`] over an artifact, fetching 1 MiB at a time,
    /// so a multi-gigabyte file never sits in guest memory. Wrap it in a
    /// `BufReader` for lines.
    pub fn open(&self, path: &str) -> ArtifactReader<'_> {
        ArtifactReader {
            cx: self,
            path: path.to_owned(),
            offset: 0,
            chunk: Vec::new(),
            pos: 0,
        }
    }

    /// Send a log line to the host.
    pub fn log(&self, level: LogLevel, message: &str) {
        if let Files::Host = self.files {
            let level = match level {
                LogLevel::Trace => WitLogLevel::Trace,
                LogLevel::Debug => WitLogLevel::Debug,
                LogLevel::Info => WitLogLevel::Info,
                LogLevel::Warn => WitLogLevel::Warn,
                LogLevel::Error => WitLogLevel::Error,
            };
            host::log(level, message);
        }
    }
}

/// Streaming reader returned by [`Context::open`].
#[derive(Debug)]
pub struct ArtifactReader<'a> {
    cx: &'a Context,
    path: String,
    offset: u64,
    chunk: Vec<u8>,
    pos: usize,
}

impl io::Read for ArtifactReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = io::BufRead::fill_buf(self)?;
        let n = buf.len().min(available.len());
        buf[..n].copy_from_slice(&available[..n]);
        io::BufRead::consume(self, n);
        Ok(n)
    }
}

impl io::BufRead for ArtifactReader<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos == self.chunk.len() {
            self.chunk = self
                .cx
                .read_range(&self.path, self.offset, CHUNK_LEN)
                .map_err(io::Error::other)?;
            self.offset += self.chunk.len() as u64;
            self.pos = 0;
        }
        Ok(&self.chunk[self.pos..])
    }

    fn consume(&mut self, amount: usize) {
        self.pos = (self.pos + amount).min(self.chunk.len());
    }
}

/// The plugin's table from `perfwarden.toml` (`[plugin.<name>]`), as JSON.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config(serde_json::Value);

impl Config {
    /// Parse the JSON the host passes; empty means no configuration.
    pub fn parse(json: &str) -> crate::Result<Self> {
        if json.trim().is_empty() {
            return Ok(Self::default());
        }
        serde_json::from_str(json)
            .map(Self)
            .map_err(|err| format!("invalid plugin config: {err}"))
    }

    /// The raw JSON value (`null` when absent).
    pub fn value(&self) -> &serde_json::Value {
        &self.0
    }

    /// Deserialize one key, `None` when absent.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> crate::Result<Option<T>> {
        match self.0.get(key) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(value) => T::deserialize(value)
                .map(Some)
                .map_err(|err| format!("invalid plugin config `{key}`: {err}")),
        }
    }

    /// Deserialize the whole table into a typed config (absent: `T::default()`).
    pub fn parse_as<T: DeserializeOwned + Default>(&self) -> crate::Result<T> {
        if self.0.is_null() {
            return Ok(T::default());
        }
        T::deserialize(&self.0).map_err(|err| format!("invalid plugin config: {err}"))
    }
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use super::*;
    use std::io::{BufRead, Read};

    fn cx_with(path: &str, bytes: Vec<u8>) -> Context {
        Context::memory(BTreeMap::from([(path.to_owned(), bytes)]))
    }

    #[test]
    fn reader_streams_across_chunks() {
        let data: Vec<u8> = (0..(CHUNK_LEN as usize * 2 + 17))
            .map(|i| (i % 251) as u8)
            .collect();
        let cx = cx_with("big.bin", data.clone());
        let mut read = Vec::new();
        cx.open("big.bin").read_to_end(&mut read).unwrap();
        assert_eq!(read, data);
    }

    #[test]
    fn reader_yields_lines() {
        let cx = cx_with("a.txt", b"one\ntwo\nthree".to_vec());
        let lines: Vec<String> = cx.open("a.txt").lines().map(Result::unwrap).collect();
        assert_eq!(lines, ["one", "two", "three"]);
    }

    #[test]
    fn unoffered_path_is_refused() {
        let cx = cx_with("a.txt", Vec::new());
        assert!(cx.read("../etc/passwd").is_err());
        assert!(cx.read_range("b.txt", 0, 10).is_err());
    }

    #[test]
    fn config_reads_keys_and_rejects_bad_json() {
        let config = Config::parse(r#"{"dialect":"postgres","limit":5}"#).unwrap();
        assert_eq!(
            config.get::<String>("dialect").unwrap().as_deref(),
            Some("postgres")
        );
        assert_eq!(config.get::<u32>("missing").unwrap(), None);
        assert!(config.get::<u32>("dialect").is_err());
        assert!(Config::parse("{").is_err());
        assert_eq!(Config::parse("").unwrap(), Config::default());
    }
}
