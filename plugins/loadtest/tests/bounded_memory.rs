//! Large inputs stream in bounded memory: the parsers read through a
//! `BufRead` and keep per-endpoint histograms, never the samples.
//!
//! A counting global allocator measures the peak heap while 256 MB of
//! generated JTL / k6 NDJSON stream through the parser; the input itself
//! is generated row by row and never held.

#[path = "common/synthetic.rs"]
mod synthetic;

use perfwarden_plugin_loadtest::endpoints::EndpointNames;
use perfwarden_plugin_loadtest::formats::{jmeter, k6};
use perfwarden_sdk::testing::PeakAllocator;
use synthetic::{Kind, Synthetic};

#[global_allocator]
static ALLOCATOR: PeakAllocator = PeakAllocator::new();

const INPUT: u64 = 256 << 20;
const LIMIT: usize = 16 << 20;

fn peak_during(f: impl FnOnce()) -> usize {
    ALLOCATOR.peak_during(f).0
}

#[test]
fn jtl_and_ndjson_stream_in_bounded_memory() {
    // One test, so the two measurements never run concurrently.
    let mut rows = 0;
    let jtl_peak = peak_during(|| {
        let mut input = Synthetic::new(Kind::Jtl, INPUT);
        let report = jmeter::parse_csv(
            &mut input,
            b"timeStamp,elapsed,label\n",
            &EndpointNames::default(),
        )
        .expect("parses");
        rows = input.rows();
        let overall = report.overall.expect("samples");
        assert_eq!(overall.requests, Some(rows));
        assert_eq!(report.endpoints.len(), 5);
        // ~2 % of the generated rows are 500s.
        let errors = overall.error_rate_status.expect("status codes");
        assert!((errors - 0.02).abs() < 0.001, "{errors}");
    });
    assert!(rows > 1_000_000, "{rows}");
    assert!(jtl_peak < LIMIT, "JTL peak heap {jtl_peak} bytes");

    let ndjson_peak =
        peak_during(|| {
            let mut input = Synthetic::new(Kind::K6Ndjson, INPUT);
            let report = k6::parse_ndjson(&mut input, &EndpointNames::default()).expect("parses");
            let overall = report.overall.expect("samples");
            assert_eq!(overall.requests, Some(input.rows()));
            // Past 1,024 samples the histogram answers, and says so.
            assert!(overall.latency.iter().any(
                |s| s.label == "p99.9" && s.derivation.as_deref() == Some("hdr-histogram-1pct")
            ));
        });
    assert!(ndjson_peak < LIMIT, "NDJSON peak heap {ndjson_peak} bytes");
}
