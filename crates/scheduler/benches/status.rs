//! Reading and showing the largest case of the shared scheduler corpus: parse
//! (lenient, as `pacer simulate` reads), unpack the status, print the
//! "Current cluster status" section. Run: `cargo bench -p scheduler --bench status`.

use criterion::{criterion_group, criterion_main, Criterion};

fn show(text: &str) -> String {
    let (cib, _) = cib::Cib::from_xml_lenient(text).expect("parses");
    let now = cib.execution_date.unwrap_or(0);
    let state = scheduler::unpack(&cib, now);
    scheduler::summary::cluster_status(&state, "Current cluster status", Default::default(), false)
}

fn bench(c: &mut Criterion) {
    let (name, text) = corpus::largest();
    let (cib, _) = cib::Cib::from_xml_lenient(&text).expect("parses");
    let now = cib.execution_date.unwrap_or(0);
    let state = scheduler::unpack(&cib, now);
    let mut g = c.benchmark_group(format!("status/{name}"));
    g.bench_function("parse+unpack+print", |b| {
        b.iter(|| show(std::hint::black_box(&text)))
    });
    g.bench_function("unpack", |b| {
        b.iter(|| scheduler::unpack(std::hint::black_box(&cib), now))
    });
    g.bench_function("print", |b| {
        b.iter(|| {
            scheduler::summary::cluster_status(
                std::hint::black_box(&state),
                "Current cluster status",
                Default::default(),
                false,
            )
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
