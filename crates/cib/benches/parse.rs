//! Parsing and writing the largest case of the shared scheduler corpus.
//! Run: `cargo bench -p cib --bench parse`.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn largest_corpus_case() -> (String, String) {
    let dir = std::env::var("PACER_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/scheduler-corpus")
        })
        .join("xml");
    let largest = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus at {}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .max_by_key(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
        .expect("corpus is not empty");
    let name = largest.file_name().to_string_lossy().to_string();
    let text = std::fs::read_to_string(largest.path()).expect("read corpus case");
    (name, text)
}

fn bench(c: &mut Criterion) {
    let (name, text) = largest_corpus_case();
    let mut g = c.benchmark_group(format!("cib/{name}"));
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("parse", |b| {
        b.iter(|| cib::Cib::from_xml_lenient(std::hint::black_box(&text)).expect("parses"))
    });
    let (model, _) = cib::Cib::from_xml_lenient(&text).expect("parses");
    g.bench_function("write", |b| {
        b.iter(|| std::hint::black_box(&model).to_xml())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
