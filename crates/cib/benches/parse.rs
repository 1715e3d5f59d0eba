//! Parsing and writing the largest case of the shared scheduler corpus.
//! Run: `cargo bench -p cib --bench parse`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn bench(c: &mut Criterion) {
    let (name, text) = corpus::largest();
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
