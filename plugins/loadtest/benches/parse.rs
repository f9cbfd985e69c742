//! Parse throughput of the streaming parsers (JTL CSV, k6 NDJSON) against
//! a baseline over the same bytes in the same run: counting lines with
//! `memchr`, the least any line-oriented parser must do.
//!
//! `cargo bench -p perfwarden-plugin-loadtest --bench parse`; set
//! `LOADTEST_BENCH_GB=1` to also stream 1 GB of each format once and print
//! the time and the peak heap.

#[path = "../tests/common/synthetic.rs"]
mod synthetic;

use std::hint::black_box;
use std::io::Read;
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use perfwarden_plugin_loadtest::endpoints::EndpointNames;
use perfwarden_plugin_loadtest::formats::{jmeter, k6};
use perfwarden_sdk::testing::PeakAllocator;
use synthetic::{Kind, Synthetic};

#[global_allocator]
static ALLOCATOR: PeakAllocator = PeakAllocator::new();

const INPUT: u64 = 32 << 20;

fn parse(kind: Kind, mut input: &[u8]) -> u64 {
    let report = match kind {
        Kind::Jtl => jmeter::parse_csv(
            &mut input,
            b"timeStamp,elapsed,label\n",
            &EndpointNames::default(),
        ),
        Kind::K6Ndjson => k6::parse_ndjson(&mut input, &EndpointNames::default()),
    };
    report
        .ok()
        .and_then(|r| r.overall)
        .and_then(|o| o.requests)
        .unwrap_or(0)
}

fn throughput(c: &mut Criterion) {
    for (name, kind) in [("jtl_csv", Kind::Jtl), ("k6_ndjson", Kind::K6Ndjson)] {
        let mut bytes = Vec::with_capacity(INPUT as usize + 4096);
        // Reading from the generator cannot fail.
        let _ = Synthetic::new(kind, INPUT).read_to_end(&mut bytes);
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.sample_size(10);
        group.bench_function("baseline_count_lines", |b| {
            b.iter(|| memchr::memchr_iter(b'\n', black_box(&bytes)).count())
        });
        group.bench_function("parse", |b| b.iter(|| parse(kind, black_box(&bytes))));
        group.finish();
    }
}

fn one_gigabyte() {
    if std::env::var_os("LOADTEST_BENCH_GB").is_none() {
        return;
    }
    for (name, kind) in [("jtl_csv", Kind::Jtl), ("k6_ndjson", Kind::K6Ndjson)] {
        let start = Instant::now();
        let mut input = Synthetic::new(kind, 1 << 30);
        let (peak, requests) = ALLOCATOR.peak_during(|| {
            match kind {
                Kind::Jtl => jmeter::parse_csv(
                    &mut input,
                    b"timeStamp,elapsed,label\n",
                    &EndpointNames::default(),
                ),
                Kind::K6Ndjson => k6::parse_ndjson(&mut input, &EndpointNames::default()),
            }
            .ok()
            .and_then(|r| r.overall)
            .and_then(|o| o.requests)
            .unwrap_or(0)
        });
        let elapsed = start.elapsed().as_secs_f64();
        assert_eq!(requests, input.rows(), "every generated sample is counted");
        println!(
            "{name}: 1 GiB, {requests} samples in {elapsed:.2} s ({:.0} MB/s incl. generation, {:.2} M samples/s), peak heap {:.2} MiB",
            1024.0 / elapsed,
            requests as f64 / elapsed / 1e6,
            peak as f64 / (1 << 20) as f64
        );
    }
}

fn benches(c: &mut Criterion) {
    one_gigabyte();
    throughput(c);
}

criterion_group!(parse_benches, benches);
criterion_main!(parse_benches);
