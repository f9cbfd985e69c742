//! Synthetic load-test results generated on the fly, so a test or bench can
//! stream gigabytes through a parser without holding them in memory.

use std::io::{self, BufRead, Read};

/// Which result format to generate.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// JMeter 5.x default CSV JTL, with header.
    Jtl,
    /// k6 `--out json`: a Metric line, then per request an `http_reqs` and
    /// an `http_req_duration` point.
    K6Ndjson,
}

const ENDPOINTS: [(&str, &str); 5] = [
    ("GET", "/api/products"),
    ("GET", "/api/products/:id"),
    ("POST", "/api/orders"),
    ("POST", "/api/login"),
    ("POST", "/api/import"),
];

/// An endless-until-`bytes` reader of generated rows.
pub struct Synthetic {
    kind: Kind,
    remaining: u64,
    row: u64,
    line: Vec<u8>,
    pos: usize,
}

impl Synthetic {
    /// About `bytes` of `kind` (whole rows; the last row may pass the mark).
    pub fn new(kind: Kind, bytes: u64) -> Self {
        let header: &[u8] = match kind {
            Kind::Jtl => b"timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect\n",
            Kind::K6Ndjson => b"{\"type\":\"Metric\",\"data\":{\"name\":\"http_req_duration\",\"type\":\"trend\",\"contains\":\"time\",\"thresholds\":[],\"submetrics\":null},\"metric\":\"http_req_duration\"}\n",
        };
        Self {
            kind,
            remaining: bytes,
            row: 0,
            line: header.to_vec(),
            pos: 0,
        }
    }

    /// Rows generated so far.
    pub fn rows(&self) -> u64 {
        self.row
    }

    fn next_row(&mut self) {
        use std::io::Write;
        self.line.clear();
        self.pos = 0;
        let i = self.row;
        self.row += 1;
        let (method, path) = ENDPOINTS[(i % ENDPOINTS.len() as u64) as usize];
        // Deterministic spread of latencies 5..~2000 ms and ~2 % errors.
        let elapsed = 5 + (i.wrapping_mul(2_654_435_761) % 997) * (1 + i % 3);
        let status = if i % 50 == 7 { 500 } else { 200 };
        let stamp = 1_700_000_000_000 + i * 3;
        // Writing into a Vec cannot fail.
        let _ = match self.kind {
            Kind::Jtl => writeln!(
                self.line,
                "{stamp},{elapsed},{method} {path},{status},OK,Thread Group 1-{},text,{},,1542,312,20,20,http://shop.local{path},{},0,{}",
                i % 20 + 1,
                status == 200,
                elapsed / 2,
                i % 4
            ),
            Kind::K6Ndjson => {
                let tags = format!(
                    "{{\"expected_response\":\"{}\",\"group\":\"\",\"method\":\"{method}\",\"name\":\"{path}\",\"proto\":\"HTTP/1.1\",\"scenario\":\"default\",\"status\":\"{status}\",\"url\":\"http://shop.local{path}\"}}",
                    status == 200
                );
                let secs = stamp / 1000;
                let time = format!(
                    "2023-11-14T22:{:02}:{:02}.{:03}000000Z",
                    (secs / 60) % 60,
                    secs % 60,
                    stamp % 1000
                );
                writeln!(
                    self.line,
                    "{{\"metric\":\"http_reqs\",\"type\":\"Point\",\"data\":{{\"time\":\"{time}\",\"value\":1,\"tags\":{tags}}}}}\n{{\"metric\":\"http_req_duration\",\"type\":\"Point\",\"data\":{{\"time\":\"{time}\",\"value\":{elapsed}.25,\"tags\":{tags}}}}}"
                )
            }
        };
    }
}

impl Read for Synthetic {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Synthetic {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos == self.line.len() {
            if self.remaining == 0 {
                return Ok(&[]);
            }
            self.next_row();
        }
        Ok(&self.line[self.pos..])
    }

    fn consume(&mut self, amount: usize) {
        self.pos += amount;
        self.remaining = self.remaining.saturating_sub(amount as u64);
    }
}
